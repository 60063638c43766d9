"""ExplanationEngine: one facade over every engine, with a content-keyed cache and batching.

Results are cached by (model bytes, reference data, rows, method, parameters), so a repeated
question is answered instantly. Dataset-wide work is split into chunks and run through joblib
(``n_jobs``) or, when a ``dask_client`` is given, on that Dask cluster via ``client.map``.
The engine is thread-safe: sub-engines are built once under a lock and the cache is locked.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

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


class ExplanationEngine:
    """Explanations for one model over one reference dataset (index = row ids)."""

    KERNEL_GLOBAL_ROWS = 200  # model-agnostic global work explains a seeded sample this big
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
        probe = self.data.head(50)
        self._fingerprint = ResultCache.key(
            model_fingerprint(adapter.model, probe, lambda: adapter.output_matrix(probe)),
            content_hash(self.data), seed)

    # ------------------------------------------------------------------ helpers
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

    def shap(self, rows: pd.DataFrame) -> Attribution:
        """SHAP attributions on raw features (exactly additive; see ``shap_engine``)."""
        rows = self._check_rows(rows)
        return self.cache.get_or_compute(
            self._key("shap", rows),
            lambda: to_attribution(self.adapter, self._shap_values(rows), rows))

    def lime(self, rows: pd.DataFrame, *, num_samples: int = 1000) -> Attribution:
        """Seeded LIME with a stability figure (part B's ``lime_engine``)."""
        rows = self._check_rows(rows)

        def build() -> Any:
            from explainers.lime_engine import LimeEngine

            return LimeEngine(self.adapter, self.data, seed=self.seed)

        return self.cache.get_or_compute(
            self._key("lime", rows, num_samples),
            lambda: self._engine("lime", build).explain(rows, num_samples=num_samples))

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
    def counterfactuals(self, row: pd.DataFrame, *, immutable: Sequence[str] = (),
                        permitted_range: Mapping[str, tuple[float, float]] | None = None,
                        no_decrease: Sequence[str] = (), desired_class: object = None,
                        total: int = 3, time_limit: float = 2.0) -> CounterfactualResult:
        """Verified counterfactuals for one row (part B's ``counterfactuals``)."""
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
        return self.cache.get_or_compute(key, lambda: self._engine("cfe", build).search(
            row, immutable=immutable, permitted_range=ranges, no_decrease=no_decrease,
            desired=desired_class, total=total, time_limit=time_limit))

    # ------------------------------------------------------------------ dataset-wide
    def _global_rows(self, rows: pd.DataFrame) -> tuple[pd.DataFrame, bool]:
        """All rows for trees; a seeded sample for model-agnostic SHAP (it costs per row)."""
        if self._shap.uses_tree or len(rows) <= self.KERNEL_GLOBAL_ROWS:
            return rows, False
        return rows.sample(self.KERNEL_GLOBAL_ROWS, random_state=self.seed), True

    def global_importance(self, rows: pd.DataFrame) -> ImportanceResult:
        """Mean |SHAP| per raw feature over ``rows`` with 95% bootstrap CIs."""
        rows = self._check_rows(rows)

        def compute() -> ImportanceResult:
            used, sampled = self._global_rows(rows)
            if sampled:
                full = self._shap._explain_kernel(
                    used, self.map_chunks, nsamples=2 * len(self.adapter.feature_names) + 200)
            else:
                full = self._shap_values(used)
            result = importance_from_shap(self.adapter, full, seed=self.seed)
            if sampled:
                from dataclasses import replace

                result = replace(result, method=result.method
                                 + f" on a seeded sample of {len(used)} of {len(rows)} rows")
            return result

        return self.cache.get_or_compute(self._key("importance", rows), compute)

    def interactions(self, rows: pd.DataFrame, *, top: int = 5) -> InteractionResult:
        """Strongest pairwise interactions: TreeSHAP interaction values or Friedman's H."""
        rows = self._check_rows(rows)

        def compute() -> InteractionResult:
            result = tree_interactions(self._shap, rows, top=top, seed=self.seed)
            if result is None:
                result = friedman_h(self.adapter, rows, top=top, seed=self.seed)
            return result

        return self.cache.get_or_compute(self._key("interactions", rows, top), compute)

    # ------------------------------------------------------------------ misc
    def predictions(self, rows: pd.DataFrame) -> np.ndarray:
        """The model's predictions for ``rows`` (validated like every other call)."""
        return self.adapter.predict(self._check_rows(rows))
