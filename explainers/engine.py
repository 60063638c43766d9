"""ExplanationEngine: one facade over every engine, with a content-keyed cache and batching.

Results are cached by (model bytes, reference data, rows, method, parameters), so a repeated
question is answered instantly. Dataset-wide work is split into chunks and run through joblib
(``n_jobs``) or, when a ``dask_client`` is given, on that Dask cluster via ``client.map``.
The engine is thread-safe: sub-engines are built once under a lock and the cache is locked.

Speed: global importance runs exact TreeSHAP on every row when that fits in about a second
(estimated from the trees' size), otherwise on a seeded random sample whose size the result's
``method`` states (the bootstrap CI then covers the sampling); interaction values, ~20-50x
dearer per row, are sampled the same way. Model calls run with native thread pools capped at
``MODEL_THREADS`` (see ``_few_native_threads``).
"""

from __future__ import annotations

import functools
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

import joblib
import numpy as np
import pandas as pd

from explainers.adapter import ModelAdapter
from explainers.cache import ResultCache, content_hash, model_fingerprint
from explainers.errors import (
    EmptySelectionError,
    ExplainerError,
    RowNotFoundError,
    UnknownFeatureError,
    UnsupportedModelError,
)
from explainers.importance import importance_from_shap
from explainers.interactions import friedman_h, tree_interactions
from explainers.results import (
    Attribution,
    CounterfactualResult,
    FaithfulnessReport,
    ImportanceResult,
    InteractionResult,
)
from explainers.shap_engine import ShapEngine, to_attribution

METHODS = ("auto", "shap", "lime", "ig")
F = TypeVar("F", bound=Callable[..., Any])


def _few_native_threads(method: F) -> F:
    """Run an engine call with the model's native thread pools (OpenMP, BLAS) capped.

    Explanations make many small batched model calls; waking a pool per call costs more than it
    saves, and on a shared 2-core machine OpenMP spin-waits stalled calls for seconds (measured:
    HistGradientBoosting ``predict_proba`` on 256 rows, median 94 ms / worst 2.4 s with 2 OpenMP
    threads versus 29 / 70 ms with 1). The limit is set by the outermost call on this engine and
    restored when the last concurrent call on it returns.
    """

    @functools.wraps(method)
    def wrapper(self: ExplanationEngine, *args: Any, **kwargs: Any) -> Any:
        self._enter_thread_limit()
        try:
            return method(self, *args, **kwargs)
        finally:
            self._exit_thread_limit()

    return wrapper  # type: ignore[return-value]


class ExplanationEngine:
    """Explanations for one model over one reference dataset (index = row ids)."""

    KERNEL_GLOBAL_ROWS = 200  # model-agnostic global work explains a seeded sample this big
    # Trees: exact TreeSHAP on all rows when that fits in TREE_GLOBAL_SECONDS (estimated from the
    # trees' size), else on a seeded sample of that many rows (never fewer than the minimum).
    TREE_GLOBAL_SECONDS = 1.0
    TREE_GLOBAL_MIN_ROWS = 100
    TREE_GLOBAL_FALLBACK_ROWS = 2000  # when the trees' size cannot be read
    TREE_INTERACTION_SECONDS = 1.5
    TREE_INTERACTION_ROWS = (10, 200)  # (min, max) rows for SHAP interaction values
    MODEL_THREADS: int | None = 1  # native threads per model call during explanations (None: any)
    PARALLEL_MIN_ROWS = 4000  # below this, process start-up costs more than it saves

    def __init__(self, adapter: ModelAdapter, data: pd.DataFrame, *, n_jobs: int = -1,
                 dask_client: Any = None, seed: int = 0) -> None:
        if not isinstance(data, pd.DataFrame):
            raise ExplainerError("The reference data must be a table (pandas DataFrame).")
        if len(data) == 0:
            raise EmptySelectionError("The reference data is empty, so there is nothing to "
                                      "compare explanations against.")
        self.adapter = adapter
        self.data = self._check_rows(data)
        self.n_jobs = n_jobs
        self.dask_client = dask_client
        self.seed = seed
        self.cache = ResultCache()
        self._lock = threading.RLock()
        self._engines: dict[str, Any] = {}
        self._limit_lock = threading.Lock()
        self._limit_depth = 0
        self._limiter: Any = None
        self._thread_controller: Any = None
        probe = self.data.head(50)
        self._fingerprint = ResultCache.key(
            model_fingerprint(adapter.model, probe, lambda: adapter.output_matrix(probe)),
            content_hash(self.data), seed)

    # ------------------------------------------------------------------ helpers
    def _enter_thread_limit(self) -> None:
        if self.MODEL_THREADS is None:
            return
        with self._limit_lock:
            self._limit_depth += 1
            if self._limit_depth == 1:
                from threadpoolctl import ThreadpoolController

                if self._thread_controller is None:  # created after the model's libraries load
                    self._thread_controller = ThreadpoolController()
                self._limiter = self._thread_controller.limit(limits=self.MODEL_THREADS)

    def _exit_thread_limit(self) -> None:
        if self.MODEL_THREADS is None:
            return
        with self._limit_lock:
            self._limit_depth -= 1
            if self._limit_depth == 0 and self._limiter is not None:
                self._limiter.restore_original_limits()
                self._limiter = None

    def select(self, row_ids: Iterable[object]) -> pd.DataFrame:
        """Rows of the reference data by id; ``RowNotFoundError`` for an unknown id."""
        ids = list(row_ids)
        if not ids:
            raise EmptySelectionError()
        for rid in ids:
            if rid not in self.data.index:
                raise RowNotFoundError(rid)
        return self.data.loc[ids]

    def _check_rows(self, rows: pd.DataFrame) -> pd.DataFrame:
        """Validate a selection: non-empty, only known features, all features present."""
        if isinstance(rows, pd.Series):
            rows = rows.to_frame().T
        if not isinstance(rows, pd.DataFrame):
            raise ExplainerError("Rows to explain must be a table (pandas DataFrame).")
        if len(rows) == 0:
            raise EmptySelectionError()
        known = self.adapter.feature_names
        for col in rows.columns:
            if str(col) not in known:
                raise UnknownFeatureError(str(col), known)
        return self.adapter.prepare(rows)

    def _check_features(self, names: Iterable[str]) -> None:
        for name in names:
            if name not in self.adapter.feature_names:
                raise UnknownFeatureError(name, self.adapter.feature_names)

    def _key(self, method: str, rows: pd.DataFrame | None, *params: Any) -> str:
        rows_hash = None if rows is None else content_hash(rows)
        return ResultCache.key(self._fingerprint, method, rows_hash, params)

    def _engine(self, name: str, build: Callable[[], Any]) -> Any:
        with self._lock:
            if name not in self._engines:
                self._engines[name] = build()
            return self._engines[name]

    @property
    def _shap(self) -> ShapEngine:
        return self._engine("shap", lambda: ShapEngine(self.adapter, self.data, seed=self.seed))

    def map_chunks(self, fn: Callable[[Any], Any], chunks: Sequence[Any]) -> list:
        """Run ``fn`` over chunks: on the Dask cluster, through joblib, or inline when small."""
        chunks = list(chunks)
        if self.dask_client is not None and len(chunks) > 1:
            futures = self.dask_client.map(fn, chunks, pure=False)
            return self.dask_client.gather(futures)
        total = sum(len(c) for c in chunks)
        if self.n_jobs == 1 or len(chunks) <= 1 or total < self.PARALLEL_MIN_ROWS:
            return [fn(c) for c in chunks]
        return joblib.Parallel(n_jobs=self.n_jobs)(joblib.delayed(fn)(c) for c in chunks)

    # ------------------------------------------------------------------ local explanations
    def _shap_values(self, rows: pd.DataFrame) -> Any:
        return self.cache.get_or_compute(
            self._key("shap-full", rows),
            lambda: self._shap.explain(rows, self.map_chunks))

    @_few_native_threads
    def shap(self, rows: pd.DataFrame) -> Attribution:
        """SHAP attributions on raw features (exactly additive; see ``shap_engine``)."""
        rows = self._check_rows(rows)
        return self.cache.get_or_compute(
            self._key("shap", rows),
            lambda: to_attribution(self.adapter, self._shap_values(rows), rows))

    @_few_native_threads
    def lime(self, rows: pd.DataFrame, *, num_samples: int = 1000) -> Attribution:
        """Seeded LIME with a stability figure (part B's ``lime_engine``)."""
        rows = self._check_rows(rows)

        def build() -> Any:
            from explainers.lime_engine import LimeEngine

            return LimeEngine(self.adapter, self.data, seed=self.seed)

        return self.cache.get_or_compute(
            self._key("lime", rows, num_samples),
            lambda: self._engine("lime", build).explain(rows, num_samples=num_samples))

    @_few_native_threads
    def integrated_gradients(self, rows: pd.DataFrame) -> Attribution:
        """Integrated gradients for torch networks; ``UnsupportedModelError`` otherwise."""
        rows = self._check_rows(rows)
        if self.adapter.torch_module is None:
            raise UnsupportedModelError(
                "Integrated gradients need a differentiable PyTorch network; this model is "
                f"{self.adapter.description}.")

        def build() -> Any:
            from explainers.gradients import IntegratedGradientsEngine

            return IntegratedGradientsEngine(self.adapter, self.data)

        return self.cache.get_or_compute(
            self._key("ig", rows), lambda: self._engine("ig", build).explain(rows))

    @_few_native_threads
    def explain(self, rows: pd.DataFrame, method: str = "auto") -> Attribution:
        """Explain with ``method``; ``"auto"`` picks the most faithful engine for this model."""
        if method not in METHODS:
            raise ExplainerError(f"Unknown explanation method {method!r}; use one of "
                                 f"{', '.join(METHODS)}.")
        if method == "auto":
            method = self.faithfulness().chosen
        if method == "lime":
            return self.lime(rows)
        if method == "ig":
            return self.integrated_gradients(rows)
        return self.shap(rows)

    @_few_native_threads
    def faithfulness(self, rows: pd.DataFrame | None = None) -> FaithfulnessReport:
        """Deletion-curve faithfulness of SHAP / LIME / IG (part B's ``faithfulness``)."""
        if rows is not None:
            rows = self._check_rows(rows)
        from explainers.faithfulness import measure_faithfulness

        explainers: dict[str, Callable[[pd.DataFrame], Attribution]] = {
            "shap": self.shap, "lime": lambda r: self.lime(r)}
        if self.adapter.torch_module is not None:
            explainers["ig"] = self.integrated_gradients
        return self.cache.get_or_compute(
            self._key("faithfulness", rows),
            lambda: measure_faithfulness(self.adapter, self.data, rows, explainers,
                                         seed=self.seed))

    # ------------------------------------------------------------------ counterfactuals
    @_few_native_threads
    def counterfactuals(self, row: pd.DataFrame, *, immutable: Sequence[str] = (),
                        permitted_range: Mapping[str, tuple[float, float]] | None = None,
                        no_decrease: Sequence[str] = (), desired_class: object = None,
                        total: int = 3, time_limit: float = 2.0) -> CounterfactualResult:
        """Verified counterfactuals for one row (part B's ``counterfactuals``).

        ``time_limit`` covers the whole call: set-up (first call only) is taken out of it.
        """
        started = time.perf_counter()
        row = self._check_rows(row)
        if len(row) != 1:
            raise ExplainerError(f"Counterfactuals are for one row at a time; got {len(row)}.")
        self._check_features(immutable)
        self._check_features(no_decrease)
        self._check_features(permitted_range or {})

        def build() -> Any:
            from explainers.counterfactuals import CounterfactualSearch

            return CounterfactualSearch(self.adapter, self.data, seed=self.seed)

        ranges = dict(permitted_range or {})
        key = self._key("cfe", row, tuple(immutable), sorted(ranges.items(), key=str),
                        tuple(no_decrease), desired_class, total, time_limit)

        def compute() -> CounterfactualResult:
            search = self._engine("cfe", build)
            left = max(0.0, float(time_limit) - (time.perf_counter() - started))
            return search.search(row, immutable=immutable, permitted_range=ranges,
                                 no_decrease=no_decrease, desired=desired_class, total=total,
                                 time_limit=left)

        return self.cache.get_or_compute(key, compute)

    # ------------------------------------------------------------------ dataset-wide
    def _workers(self) -> int:
        """Parallel capacity that scales a time budget: the Dask cluster's threads, else 1."""
        if self.dask_client is None:
            return 1
        try:
            return max(1, sum(self.dask_client.nthreads().values()))
        except Exception:  # noqa: BLE001 - a client without that call still runs the work
            return 1

    def _global_cap(self) -> int:
        """Rows explained exactly for global work before a seeded sample is used instead."""
        if not self._shap.uses_tree:
            return self.KERNEL_GLOBAL_ROWS
        fit = self._shap.tree_rows_within(self.TREE_GLOBAL_SECONDS * self._workers())
        if fit is None:
            return self.TREE_GLOBAL_FALLBACK_ROWS
        return max(self.TREE_GLOBAL_MIN_ROWS, fit)

    def _global_rows(self, rows: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
        """All rows when affordable, else a seeded random sample (each SHAP row has a cost)."""
        cap = self._global_cap()
        if len(rows) <= cap:
            return rows, False
        return rows.sample(cap, random_state=self.seed), True

    @_few_native_threads
    def global_importance(self, rows: pd.DataFrame) -> ImportanceResult:
        """Mean |SHAP| per raw feature over ``rows`` with 95% bootstrap CIs."""
        rows = self._check_rows(rows)

        def compute() -> ImportanceResult:
            used, sampled = self._global_rows(rows)
            if sampled and not self._shap.uses_tree:
                full = self._shap._explain_kernel(
                    used, self.map_chunks, nsamples=2 * len(self.adapter.feature_names) + 200)
            else:
                full = self._shap_values(used)
            result = importance_from_shap(self.adapter, full, seed=self.seed)
            if sampled:
                from dataclasses import replace

                exact = "exact TreeSHAP" if self._shap.uses_tree else "Kernel SHAP"
                result = replace(result, method=(
                    f"{result.method}, estimated from a seeded random sample of {len(used)} of "
                    f"{len(rows)} rows ({exact} per sampled row; the 95% intervals are a "
                    "bootstrap over the sample, so they include the sampling uncertainty)"))
            return result

        return self.cache.get_or_compute(self._key("importance", rows), compute)

    @_few_native_threads
    def interactions(self, rows: pd.DataFrame, *, top: int = 5) -> InteractionResult:
        """Strongest pairwise interactions: TreeSHAP interaction values or Friedman's H."""
        rows = self._check_rows(rows)

        def compute() -> InteractionResult:
            low, high = self.TREE_INTERACTION_ROWS
            fit = self._shap.tree_rows_within(self.TREE_INTERACTION_SECONDS * self._workers(),
                                              "interaction")
            max_rows = high if fit is None else min(high, max(low, fit))
            result = tree_interactions(self._shap, rows, top=top, max_rows=max_rows,
                                       seed=self.seed)
            if result is None:
                result = friedman_h(self.adapter, rows, top=top, seed=self.seed)
            return result

        return self.cache.get_or_compute(self._key("interactions", rows, top), compute)

    # ------------------------------------------------------------------ misc
    @_few_native_threads
    def predictions(self, rows: pd.DataFrame) -> np.ndarray:
        """The model's predictions for ``rows`` (validated like every other call)."""
        return self.adapter.predict(self._check_rows(rows))
