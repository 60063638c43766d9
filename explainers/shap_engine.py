"""SHAP attributions on raw features, for any adapter.

Algorithm choice (fast and exactly additive in every case):

* Tree models (also the final tree of a Pipeline whose preprocessing maps every output column to
  one raw feature, e.g. ColumnTransformer + OneHotEncoder): shap's TreeExplainer on the
  transformed matrix, then one-hot columns are summed back to their raw feature (sums keep
  additivity exact).

  - Few rows (<= ``interventional_max_rows``) of a boosted classifier: interventional TreeSHAP with
    ``model_output="probability"`` on a 100-row background, so attributions are in probability
    space (exact for that background). Cost grows with rows x background, hence the cap.
  - Otherwise path-dependent TreeSHAP on the model's raw output: probabilities for random forests
    / decision trees, predicted values for regression, log-odds for boosted classifiers (stated in
    ``output_name``). This is the fast path for dataset-wide work.
* Anything else: KernelExplainer on the model's probabilities / values with a summarised
  background (k-means of ~30 rows for numeric data, a 30-row sample when there are categorical
  columns). Kernel SHAP enforces ``sum(values) == f(x) - E[f]`` exactly.

The space actually used is detected by comparing ``base + sum`` with the model's own outputs.
"""

from __future__ import annotations

import copy
import threading
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from explainers.adapter import ModelAdapter
from explainers.errors import (
    EmptySelectionError,
    ExplainerError,
    ModelError,
    exception_detail,
)
from explainers.results import Attribution
from explainers.workers import lower_priority_in_worker

MapChunks = Callable[[Callable[..., np.ndarray], Sequence[Any]], list]


def _sequential_map(fn: Callable[..., Any], chunks: Sequence[Any]) -> list:
    return [fn(chunk) for chunk in chunks]


@dataclass(frozen=True, eq=False)
class ShapValues:
    """All-class SHAP values: ``values[n, F, K]``, ``base[K]``, ``output[n, K]`` (= base + sum)."""

    method: str
    values: np.ndarray
    base: np.ndarray
    output: np.ndarray
    space: str  # "probability", "log-odds" or "value"
    row_ids: tuple

    def select(self, k: int) -> tuple[np.ndarray, float, np.ndarray]:
        return self.values[:, :, k], float(self.base[k]), self.output[:, k]


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def tree_work_units(explainer: Any) -> float | None:
    """Per-row work of path-dependent TreeSHAP: sum over trees of leaves x (depth + 1)^2.

    That is the algorithm's O(L D^2) cost per tree; ``None`` when shap's tree arrays are not
    available for this model. See ``TREE_NS_PER_UNIT`` for what one unit costs.
    """
    try:
        model = explainer.model
        left = np.asarray(model.children_left)
        right = np.asarray(model.children_right)
        n_nodes = np.asarray(model.num_nodes).reshape(-1)
        max_depth = int(model.max_depth)
    except (AttributeError, TypeError, ValueError):
        return None
    if left.ndim != 2 or left.shape != right.shape or len(n_nodes) != left.shape[0]:
        return None
    valid = np.arange(left.shape[1])[None, :] < n_nodes[:, None]
    t_idx, n_idx = np.nonzero(valid & (left >= 0))
    depth = np.zeros(left.shape, dtype=np.int64)
    for _ in range(max_depth + 1):  # push depths down one level per pass
        depth[t_idx, left[t_idx, n_idx]] = depth[t_idx, n_idx] + 1
        depth[t_idx, right[t_idx, n_idx]] = depth[t_idx, n_idx] + 1
    leaves = valid & (left < 0)
    per_tree = leaves.sum(axis=1) * (np.where(leaves, depth, 0).max(axis=1) + 1) ** 2
    return float(per_tree.sum())


# Cost of exact TreeSHAP on one core of this 2-core machine, per row and model output: ns per
# work unit plus a fixed cost per tree. Fitted to scikit-learn gradient boosting (depth 3),
# histogram boosting and a depth-8 random forest, XGBoost and LightGBM (100 trees each;
# ``python bench/explainers.py --tree-costs`` prints measured against estimated), rounded up
# so that a stated budget is rarely overrun.
TREE_NS_PER_UNIT = {"shap": 3.0, "interaction": 110.0}
TREE_NS_PER_TREE = {"shap": 600.0, "interaction": 2000.0}


def _internal_tree_explainer(explainer: Any) -> Any:
    """A copy of a TreeExplainer that always runs shap's own C++ TreeSHAP.

    For XGBoost, shap hands interaction values to ``pred_interactions``, which measured 2.6x
    slower than shap's C++ code on the same trees (same values to 3e-6); the copy shares the
    parsed trees and only changes which code runs.
    """
    internal = copy.copy(explainer)
    internal.model = copy.copy(explainer.model)
    internal.model.model_type = "internal"
    return internal


def tree_chunk(explainer: Any, X: np.ndarray, interaction: bool = False) -> np.ndarray:
    """Module-level (picklable) worker: SHAP values of one chunk of transformed rows."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if interaction:
            return np.asarray(explainer.shap_interaction_values(X))
        return np.asarray(explainer.shap_values(X, check_additivity=False))


def _kernel_chunk(explainer: Any, X: Any, nsamples: Any) -> np.ndarray:
    """Module-level (picklable) worker: kernel SHAP of one chunk of raw rows.

    shap's ``KernelExplainer`` keeps each call's sample matrices on itself (``maskMatrix``,
    ``nsamplesAdded``, ...), so two threads sharing one (the app's warm-up and an answer) corrupt
    each other's samples; a shallow copy per call gives each its own while sharing the model and
    the background data.
    """
    own = copy.copy(explainer)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return np.asarray(own.shap_values(X, nsamples=nsamples, silent=True))


class ShapEngine:
    """Builds shap explainers lazily (once, thread-safely) and returns raw-feature attributions."""

    BACKGROUND_ROWS = 100
    SUMMARY_ROWS = 30
    CHUNK_ROWS = 2000  # at most
    CHUNK_SECONDS = 0.25  # of estimated single-core work per chunk

    def __init__(self, adapter: ModelAdapter, data: pd.DataFrame, *, seed: int = 0,
                 interventional_max_rows: int = 200, kernel_nsamples: int | str = "auto") -> None:
        self.adapter = adapter
        self.data = adapter.prepare(data)
        self.seed = seed
        self.interventional_max_rows = interventional_max_rows
        self.kernel_nsamples = kernel_nsamples
        self._lock = threading.RLock()
        self._explainers: dict[str, Any] = {}

    # ------------------------------------------------------------------ capability
    @property
    def uses_tree(self) -> bool:
        """True when TreeExplainer can explain this model exactly (also inside a Pipeline)."""
        return self._explainer("tree") is not None

    def tree_seconds_per_row(self, what: str = "shap") -> float | None:
        """Estimated seconds one core spends on one row of exact TreeSHAP (``what``: "shap" or
        "interaction"), from the trees' size; ``None`` without a tree explainer or cost model."""
        tree = self._explainer("tree")
        if tree is None:
            return None
        with self._lock:
            if "_units" not in self._explainers:
                self._explainers["_units"] = tree_work_units(tree)
            units = self._explainers["_units"]
        if not units:
            return None
        model = getattr(tree, "model", None)
        outputs = max(1, int(getattr(model, "num_outputs", 1) or 1))
        trees = int(np.asarray(getattr(model, "children_left", np.zeros((1, 1)))).shape[0])
        return (units * TREE_NS_PER_UNIT[what] + trees * TREE_NS_PER_TREE[what]) * outputs * 1e-9

    def tree_rows_within(self, seconds: float, what: str = "shap") -> int | None:
        """How many rows exact TreeSHAP explains in about ``seconds`` of one core."""
        cost = self.tree_seconds_per_row(what)
        return None if cost is None else int(seconds / cost)

    def chunk_rows(self, what: str = "shap", n_rows: int = 0, min_chunks: int = 1) -> int:
        """Rows per chunk of dataset-wide TreeSHAP: about ``CHUNK_SECONDS`` of work each, so
        progress is reported often and other threads get the interpreter between chunks, and
        small enough that ``n_rows`` make at least ``min_chunks`` chunks (one per worker)."""
        cost = self.tree_seconds_per_row(what)
        size = self.CHUNK_ROWS if cost is None else min(self.CHUNK_ROWS,
                                                        max(8, int(self.CHUNK_SECONDS / cost)))
        if min_chunks > 1 and n_rows > 0:
            size = min(size, max(8, -(-n_rows // min_chunks)))
        return int(size)

    def interaction_explainer(self) -> Any:
        """The tree explainer for interaction values (shap's C++ code, see
        ``_internal_tree_explainer``); ``None`` when TreeSHAP does not apply."""
        with self._lock:
            if "interaction" not in self._explainers:
                tree = self._explainer("tree")
                if tree is not None and getattr(tree.model, "model_type", "") == "xgboost":
                    tree = _internal_tree_explainer(tree)
                self._explainers["interaction"] = tree
            return self._explainers["interaction"]

    def _background(self, n: int) -> pd.DataFrame:
        if len(self.data) <= n:
            return self.data
        return self.data.sample(n, random_state=self.seed)

    def _explainer(self, name: str) -> Any:
        with self._lock:
            if name not in self._explainers:
                self._explainers[name] = self._build(name)
            return self._explainers[name]

    def _build(self, name: str) -> Any:
        import shap

        a = self.adapter
        if name in ("tree", "tree-prob"):
            if a.kind != "tree":
                return None
            pre, final = a.split()
            if pre is not None and a.transformed_to_raw is None:
                return None
            if pre is None and a.categorical_features:
                return None
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    if name == "tree":
                        return shap.TreeExplainer(final)
                    if a.task != "classification" or self._raw_space() == "probability":
                        return None
                    bg = a.transform(self._background(self.BACKGROUND_ROWS))
                    explainer = shap.TreeExplainer(
                        final, data=bg, feature_perturbation="interventional",
                        model_output="probability")
                    probe = a.transform(self.data.head(2))
                    np.asarray(explainer.shap_values(probe, check_additivity=False))
                    return explainer
            except Exception:  # noqa: BLE001 - shap does not support this model/output
                return None
        if name == "kernel":
            summary = self._summary()
            return shap.KernelExplainer(self._kernel_fn, summary, link="identity")
        raise ValueError(name)

    def _summary(self) -> Any:
        import shap

        data = self.data
        if self.adapter.categorical_features:
            return self._background(self.SUMMARY_ROWS).to_numpy(dtype=object)
        if len(data) <= self.SUMMARY_ROWS:
            return data.to_numpy(dtype=float)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return shap.kmeans(data.to_numpy(dtype=float), self.SUMMARY_ROWS)

    def _kernel_fn(self, array: np.ndarray) -> np.ndarray:
        return self.adapter.output_matrix(self.adapter.frame(array))

    # ------------------------------------------------------------------ tree path
    def _raw_space(self) -> str:
        """Space of path-dependent TreeSHAP's raw output, detected against the model."""
        with self._lock:
            cached = self._explainers.get("_space")
        if cached is not None:
            return cached
        rows = self.data.head(5)
        values, base = self._tree_raw(self.adapter.transform(rows), self._explainer("tree"))
        space = self._detect_space(values.sum(axis=1) + base, rows)
        with self._lock:
            self._explainers["_space"] = space
        return space

    def _detect_space(self, total: np.ndarray, rows: pd.DataFrame) -> str:
        a = self.adapter
        if a.task != "classification":
            return "value"
        proba = a.predict_proba(rows)
        if np.allclose(total[:, -1], proba[:, -1], atol=1e-4) and (
                total.shape[1] == 2 or np.allclose(total, proba, atol=1e-4)):
            return "probability"
        if total.shape[1] == 2:
            if np.allclose(1.0 / (1.0 + np.exp(-total[:, 1])), proba[:, 1], atol=1e-4):
                return "log-odds"
        elif np.allclose(_softmax(total), proba, atol=1e-4):
            return "log-odds"
        raise ExplainerError("The tree explainer's output does not match the model's.")

    def _tree_raw(self, X: np.ndarray, explainer: Any, probability: bool = False
                  ) -> tuple[np.ndarray, np.ndarray]:
        """Values [n, T, K] and base [K] on transformed columns; binary outputs made 2-class."""
        values = tree_chunk(explainer, X)
        return self._shape(values, explainer.expected_value, len(X), probability)

    def _shape(self, values: np.ndarray, expected: Any, n: int, probability: bool = False
               ) -> tuple[np.ndarray, np.ndarray]:
        """Normalise shap's layouts to [n, T, K]; a single binary output becomes two classes.

        Class 0 of a single-output binary model: in log-odds space its margin is the negated
        class-1 margin (base ``-b``); in probability space P0 = 1 - P1, so its base is ``1 - b``.
        Either way its attributions are the negated class-1 attributions.
        """
        base = np.atleast_1d(np.asarray(expected, dtype=float)).reshape(-1)
        if values.ndim == 3 and values.shape[0] != n:  # legacy list-of-classes layout
            values = np.transpose(values, (1, 2, 0))
        if values.ndim == 2:
            values = values[:, :, None]
        if self.adapter.task == "classification" and values.shape[2] == 1:
            values = np.concatenate([-values, values], axis=2)
            base0 = 1.0 - base[0] if probability else -base[0]
            base = np.array([base0, base[0]])
        return values, base

    def _to_raw(self, values: np.ndarray) -> np.ndarray:
        """Sum transformed-column attributions back onto raw features."""
        mapping = self.adapter.transformed_to_raw
        if mapping is None:
            return values
        n_raw = len(self.adapter.feature_names)
        out = np.zeros((values.shape[0], n_raw, values.shape[2]))
        np.add.at(out, (slice(None), np.asarray(mapping), slice(None)), values)
        return out

    # ------------------------------------------------------------------ public
    def explain(self, rows: pd.DataFrame, map_chunks: MapChunks | None = None) -> ShapValues:
        """All-class SHAP values on raw features for ``rows``."""
        if len(rows) == 0:
            raise EmptySelectionError()
        rows = self.adapter.prepare(rows)
        map_chunks = map_chunks or _sequential_map
        tree = self._explainer("tree")
        if tree is not None:
            return self._explain_tree(rows, tree, map_chunks)
        return self._explain_kernel(rows, map_chunks)

    def explain_global(self, rows: pd.DataFrame, map_chunks: MapChunks | None = None, *,
                       kernel_nsamples: int | str | None = None,
                       min_chunks: int = 1) -> ShapValues:
        """All-class SHAP values for dataset-wide work, in one output space whatever the number
        of rows: path-dependent TreeSHAP on the model's raw output for trees (never the
        few-rows probability path, whose space would change with the selection's size), else
        Kernel SHAP with ``kernel_nsamples``."""
        if len(rows) == 0:
            raise EmptySelectionError()
        rows = self.adapter.prepare(rows)
        map_chunks = map_chunks or _sequential_map
        tree = self._explainer("tree")
        if tree is not None:
            return self._explain_path_dependent(rows, tree, map_chunks, min_chunks)
        return self._explain_kernel(rows, map_chunks, nsamples=kernel_nsamples)

    def _explain_tree(self, rows: pd.DataFrame, tree: Any, map_chunks: MapChunks) -> ShapValues:
        a = self.adapter
        X = a.transform(rows)
        if (a.task == "classification" and len(rows) <= self.interventional_max_rows
                and self._raw_space() != "probability"):
            prob = self._explainer("tree-prob")
            if prob is not None:
                values, base = self._tree_raw(X, prob, probability=True)
                values = self._to_raw(values)
                total = values.sum(axis=1) + base
                if values.shape[2] == a.n_outputs:
                    return ShapValues("shap-tree", values, base, total, "probability",
                                      tuple(rows.index))
        return self._explain_path_dependent(rows, tree, map_chunks)

    def _explain_path_dependent(self, rows: pd.DataFrame, tree: Any, map_chunks: MapChunks,
                                min_chunks: int = 1) -> ShapValues:
        a = self.adapter
        X = a.transform(rows)
        space = self._raw_space()
        size = self.chunk_rows("shap", len(X), min_chunks)
        chunks = [X[i:i + size] for i in range(0, len(X), size)]
        parts = map_chunks(_TreeJob(tree), chunks)
        shaped = [self._shape(p, tree.expected_value, len(c), space == "probability")
                  for p, c in zip(parts, chunks, strict=True)]
        values = self._to_raw(np.concatenate([s[0] for s in shaped], axis=0))
        base = shaped[0][1]
        return ShapValues("shap-tree", values, base, values.sum(axis=1) + base, space,
                          tuple(rows.index))

    def _explain_kernel(self, rows: pd.DataFrame, map_chunks: MapChunks,
                        nsamples: int | str | None = None) -> ShapValues:
        a = self.adapter
        explainer = self._explainer("kernel")
        arr = rows.to_numpy(dtype=object if a.categorical_features else float)
        nsamples = self.kernel_nsamples if nsamples is None else nsamples
        size = max(1, int(np.ceil(len(arr) / 8))) if len(arr) > 8 else len(arr)
        chunks = [arr[i:i + size] for i in range(0, len(arr), size)]
        try:
            parts = map_chunks(_KernelJob(explainer, nsamples), chunks)
        except ExplainerError:
            raise
        except Exception as exc:  # noqa: BLE001 - user's model failed inside shap
            raise ModelError("The model raised an error while SHAP was explaining it.",
                             detail=exception_detail(exc)) from exc
        base = np.atleast_1d(np.asarray(explainer.expected_value, dtype=float)).reshape(-1)
        shaped = []
        for part, chunk in zip(parts, chunks, strict=True):
            part = np.asarray(part, dtype=float)
            if part.ndim == 2:
                part = part[:, :, None]
            elif part.shape[0] != len(chunk):  # legacy list-of-classes layout
                part = np.transpose(part, (1, 2, 0))
            shaped.append(part)
        values = np.concatenate(shaped, axis=0)
        space = "probability" if a.task == "classification" else "value"
        return ShapValues("shap-kernel", values, base, values.sum(axis=1) + base, space,
                          tuple(rows.index))

    def attribution(self, rows: pd.DataFrame, map_chunks: MapChunks | None = None,
                    class_index: int | None = None) -> Attribution:
        """SHAP ``Attribution`` of the explained output (predicted class for one row)."""
        if len(rows) == 0:
            raise EmptySelectionError()
        rows = self.adapter.prepare(rows)
        full = self.explain(rows, map_chunks)
        return to_attribution(self.adapter, full, rows, class_index)


class _TreeJob:
    """Picklable callable for joblib/dask: tree SHAP of one chunk."""

    def __init__(self, explainer: Any, interaction: bool = False) -> None:
        self.explainer = explainer
        self.interaction = interaction

    def __call__(self, chunk: np.ndarray) -> np.ndarray:
        lower_priority_in_worker()
        return tree_chunk(self.explainer, chunk, self.interaction)


class _KernelJob:
    """Picklable callable for joblib/dask: kernel SHAP of one chunk."""

    def __init__(self, explainer: Any, nsamples: Any) -> None:
        self.explainer = explainer
        self.nsamples = nsamples

    def __call__(self, chunk: np.ndarray) -> np.ndarray:
        return _kernel_chunk(self.explainer, chunk, self.nsamples)


def space_name(adapter: ModelAdapter, space: str, k: int | None) -> str:
    """Plain name of the output in ``space`` for class ``k``."""
    if space == "value" or adapter.task != "classification":
        return "predicted value"
    label = adapter.classes[k]
    if space == "probability":
        return f"probability of class {label}"
    if adapter.n_outputs == 2:
        return f"log-odds of class {label}"
    return f"log-odds score (softmax logit) of class {label}"


def to_attribution(adapter: ModelAdapter, full: ShapValues, rows: pd.DataFrame,
                   class_index: int | None = None) -> Attribution:
    """Pick the explained class out of all-class SHAP values."""
    if adapter.task == "classification":
        k = adapter.explained_class_index(rows) if class_index is None else class_index
        label = adapter.classes[k]
    else:
        k, label = 0, None
    values, base, output = full.select(k)
    return Attribution(method=full.method, feature_names=adapter.feature_names, values=values,
                       base_value=base, output=output,
                       output_name=space_name(adapter, full.space, k), class_label=label,
                       row_ids=tuple(rows.index), stability=None)
