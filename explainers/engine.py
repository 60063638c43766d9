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
from explainers.counterfactuals import CounterfactualSearch
from explainers.dependence import partial_dependence
from explainers.errors import (
    EmptySelectionError,
    ExplainerError,
    RowNotFoundError,
    UnknownFeatureError,
    UnsupportedModelError,
)
from explainers.faithfulness import measure_faithfulness
from explainers.gradients import IntegratedGradientsEngine
from explainers.importance import importance_from_rows, per_row_importance
from explainers.interactions import friedman_h, interactions_from_pairs, tree_pair_values
from explainers.lime_engine import LimeEngine
from explainers.results import (
    Attribution,
    CounterfactualResult,
    DependenceCurve,
    FaithfulnessReport,
    ImportanceResult,
    InteractionResult,
    Progress,
)
from explainers.shap_engine import ShapEngine, to_attribution
from explainers.workers import mark_main_process, warm_worker

METHODS = ("auto", "shap", "lime", "ig")
F = TypeVar("F", bound=Callable[..., Any])


def _few_native_threads(method: F) -> F:
    """Run an engine call with the model's native thread pools (OpenMP, BLAS) capped.

    Explanations make many small batched model calls; waking a pool per call costs more than it
    saves, and on a shared 2-core machine OpenMP spin-waits stalled calls for seconds (measured:
    HistGradientBoosting ``predict_proba`` on 256 rows, median 94 ms / worst 2.4 s with 2 OpenMP
    threads versus 29 / 70 ms with 1; one row 1.2 s in a thread that did not set its own OpenMP
    limit). See ``_enter_thread_limit`` for who sets which limit.
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

    # Trees: exact TreeSHAP on every row when the estimate (from the trees' size) fits in
    # GLOBAL_SECONDS per worker, else a seeded sample of at least GLOBAL_MIN_SAMPLE rows, grown
    # up to MAX_GROWTH x the affordable size until the top 3 are the same in STABLE_SHARE of the
    # bootstrap resamples. Interaction values likewise, with their own budget and minimum.
    GLOBAL_SECONDS = 4.0
    GLOBAL_MIN_SAMPLE = 2000
    INTERACTION_SECONDS = 4.0
    INTERACTION_MIN_SAMPLE = 200
    MAX_GROWTH = 4
    STABLE_SHARE = 0.9
    KERNEL_GLOBAL_ROWS = 200  # model-agnostic global work explains a seeded sample this big
    KERNEL_GLOBAL_SECONDS = 4.0
    MODEL_THREADS: int | None = 1  # native threads per model call during explanations (None: any)
    PARALLEL_MIN_ROWS = 4000  # below this, process start-up costs more than it saves
    PARALLEL_MIN_SECONDS = 1.5  # dataset-wide work estimated shorter than this runs inline

    def __init__(self, adapter: ModelAdapter, data: pd.DataFrame, *, n_jobs: int = -1,
                 dask_client: Any = None, seed: int = 0) -> None:
        if not isinstance(data, pd.DataFrame):
            raise ExplainerError("The reference data must be a table (pandas DataFrame).")
        if len(data) == 0:
            raise EmptySelectionError("The reference data is empty, so there is nothing to "
                                      "compare explanations against.")

        mark_main_process()
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
        self._thread_state = threading.local()  # per thread: call depth, OpenMP limiter
        probe = self.data.head(50)
        self._fingerprint = ResultCache.key(
            model_fingerprint(adapter.model, probe, lambda: adapter.output_matrix(probe)),
            content_hash(self.data), seed)

    # ------------------------------------------------------------------ helpers
    def _controller(self) -> Any:
        from threadpoolctl import ThreadpoolController

        with self._limit_lock:
            if self._thread_controller is None:  # created after the model's libraries load
                self._thread_controller = ThreadpoolController()
            return self._thread_controller

    def _enter_thread_limit(self) -> None:
        """Cap native threads: OpenMP's setting belongs to each calling thread (so every
        thread sets its own, on its outermost call), BLAS's to the process (set by the
        outermost call of any thread, restored by the last)."""
        if self.MODEL_THREADS is None:
            return
        controller = self._controller()
        local = self._thread_state
        depth = getattr(local, "depth", 0)
        local.depth = depth + 1
        if depth == 0:
            local.limiter = controller.select(user_api="openmp").limit(
                limits=self.MODEL_THREADS)
        with self._limit_lock:
            self._limit_depth += 1
            if self._limit_depth == 1:
                self._limiter = controller.select(user_api="blas").limit(
                    limits=self.MODEL_THREADS)

    def _exit_thread_limit(self) -> None:
        if self.MODEL_THREADS is None:
            return
        local = self._thread_state
        local.depth -= 1
        if local.depth == 0 and getattr(local, "limiter", None) is not None:
            local.limiter.restore_original_limits()
            local.limiter = None
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
    def exact_tree_shap(self) -> bool:
        """Whether this model's SHAP values are computed exactly by TreeSHAP."""
        return self._shap.uses_tree

    @property
    def _shap(self) -> ShapEngine:
        return self._engine("shap", lambda: ShapEngine(self.adapter, self.data, seed=self.seed))

    def map_chunks(self, fn: Callable[[Any], Any], chunks: Sequence[Any], *,
                   on_chunk: Callable[[int], None] | None = None,
                   parallel: bool | None = None) -> list:
        """Run ``fn`` over chunks, results in order: on the Dask cluster, in joblib's worker
        processes, or inline when small (``parallel``; by default from the number of rows).
        ``parallel=False`` keeps the work in this process even with a Dask client.
        ``on_chunk(rows)`` is called as each chunk finishes.

        Processes (not threads) because shap's C++ TreeSHAP holds the interpreter lock: run in
        this process it would stall every other session's answer until it returns.
        """
        chunks = list(chunks)
        done = on_chunk or (lambda rows: None)
        if self.dask_client is not None and len(chunks) > 1 and parallel is not False:
            from distributed import as_completed

            client = self.dask_client
            function = client.scatter(fn, broadcast=True, hash=False)
            data = client.scatter(chunks, hash=False)
            futures = client.map(_call_job, [function] * len(chunks), data, pure=False)
            position = {future.key: i for i, future in enumerate(futures)}
            results: list[Any] = [None] * len(chunks)
            for future, value in as_completed(futures, loop=client.loop, with_results=True):
                results[position[future.key]] = value
                done(len(chunks[position[future.key]]))
            return results
        if parallel is None:
            parallel = sum(len(c) for c in chunks) >= self.PARALLEL_MIN_ROWS
        if self.n_jobs == 1 or len(chunks) <= 1 or not parallel:
            out = []
            for chunk in chunks:
                out.append(fn(chunk))
                done(len(chunk))
            return out
        out = []
        parallel = joblib.Parallel(n_jobs=self.n_jobs, return_as="generator")
        for chunk, value in zip(chunks, parallel(joblib.delayed(fn)(c) for c in chunks),
                                strict=True):
            out.append(value)
            done(len(chunk))
        return out

    def start_workers(self) -> int:
        """Start the local worker processes for dataset-wide work now (they import shap,
        seconds each), so the first long answer does not wait for them; returns how many.
        Nothing to do with a Dask cluster or ``n_jobs=1``."""
        if self.dask_client is not None or self.n_jobs == 1:
            return 0

        n = max(1, int(joblib.effective_n_jobs(self.n_jobs)))
        if n == 1:
            return 0
        pids = joblib.Parallel(n_jobs=self.n_jobs)(joblib.delayed(warm_worker)(i)
                                                   for i in range(2 * n))
        return len(set(pids))

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
            return IntegratedGradientsEngine(self.adapter, self.data)

        return self.cache.get_or_compute(
            self._key("ig", rows), lambda: self._engine("ig", build).explain(rows))

    @_few_native_threads
    def explain(self, rows: pd.DataFrame, method: str = "auto") -> Attribution:
        """Explain with ``method``; ``"auto"``: exact TreeSHAP for tree models, otherwise the
        engine whose explanations measured most faithful for this model (``faithfulness``)."""
        if method not in METHODS:
            raise ExplainerError(f"Unknown explanation method {method!r}; use one of "
                                 f"{', '.join(METHODS)}.")
        if method == "auto":
            # Exact TreeSHAP is the model's own Shapley decomposition, so it needs no measuring;
            # approximate methods are compared by their measured faithfulness.
            method = "shap" if self._shap.uses_tree else self.faithfulness().chosen
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
    def _workers(self, seconds: float | None = None) -> int:
        """Parallel capacity for chunked work of about ``seconds`` (one core): the Dask
        cluster's threads, else the local processes joblib would use (1 when the work is too
        small to be worth starting them)."""
        if self.dask_client is not None:
            try:
                return max(1, sum(self.dask_client.nthreads().values()))
            except Exception:  # noqa: BLE001 - a client without that call still runs the work
                return 1
        if self.n_jobs == 1 or (seconds is not None and seconds < self.PARALLEL_MIN_SECONDS):
            return 1
        return max(1, int(joblib.effective_n_jobs(self.n_jobs)))

    def _min_chunks(self, seconds: float) -> int:
        """Chunks to split parallel work into: two per worker (so none idles), else one."""
        workers = self._workers(seconds)
        return 2 * workers if workers > 1 else 1

    def _affordable_rows(self, n_rows: int, seconds_per_row: float, budget: float,
                         parallel: bool = True) -> int:
        """Rows of work that fit in ``budget`` seconds, counting parallel workers only when the
        work may and is big enough to be spread over them."""
        seconds = min(n_rows, budget / seconds_per_row) * seconds_per_row
        workers = self._workers(seconds) if parallel else 1
        return int(budget * workers / seconds_per_row)

    def _progress_map(self, progress: Callable[[Progress], None] | None, what: str,
                      total: int, done: int = 0, seconds: float = 0.0) -> Callable[..., list]:
        """``map_chunks`` that reports rows finished (out of ``total``) after every chunk and
        runs in parallel when the work (``seconds`` on one core) is worth it."""
        parallel = seconds > 0 and self._workers(seconds) > 1
        if progress is None:
            return functools.partial(self.map_chunks, parallel=parallel)
        state = {"done": done}
        lock = threading.Lock()

        def chunk_done(rows: int) -> None:
            with lock:
                state["done"] += rows
                finished = state["done"]
            progress(Progress(min(finished, total), total, what))

        return functools.partial(self.map_chunks, on_chunk=chunk_done, parallel=parallel)

    def _sampled_rows(self, rows: pd.DataFrame, cost: float, budget: float, minimum: int,
                      compute: Callable[[pd.DataFrame, Callable[..., list]], np.ndarray],
                      summarise: Callable[[np.ndarray, int], Any], what: str,
                      progress: Callable[[Progress], None] | None, *,
                      growth: int | None = None, parallel: bool = True) -> Any:
        """Exact per-row values on every row when the estimate fits ``budget``; otherwise on a
        seeded random sample of at least ``minimum`` rows, doubled (up to ``MAX_GROWTH`` times
        the affordable size) until the top features are stable in ``STABLE_SHARE`` of the
        bootstrap resamples. ``compute`` gives ``[n, ...]`` values for rows, ``summarise`` the
        result for ``(values, n_total)``; the sample always extends the same seeded order.
        """
        n = len(rows)
        fit = self._affordable_rows(n, cost, budget, parallel)
        if n <= max(fit, minimum):
            report = self._progress_map(progress, what, n, seconds=n * cost * parallel)
            return summarise(compute(rows, report), n)
        size = _nice(max(fit, minimum))
        growth = self.MAX_GROWTH if growth is None else growth
        ceiling = min(n, _nice(growth * max(fit, minimum)))
        order = np.random.default_rng(self.seed).permutation(n)
        parts: list[np.ndarray] = []
        done = 0
        while True:
            report = self._progress_map(progress, what, size, done,
                                        seconds=(size - done) * cost * parallel)
            parts.append(compute(rows.iloc[np.sort(order[done:size])], report))
            done = size
            result = summarise(np.concatenate(parts, axis=0), n)
            stable = result.top_stability is None or result.top_stability >= self.STABLE_SHARE
            if stable or size >= ceiling:
                return result
            size = min(ceiling, 2 * size)

    @_few_native_threads
    def global_importance(self, rows: pd.DataFrame, *,
                          progress: Callable[[Progress], None] | None = None) -> ImportanceResult:
        """Mean |SHAP| per raw feature over ``rows`` with 95% bootstrap CIs.

        Trees: exact TreeSHAP (path-dependent, the model's raw output) on every row when the
        estimate fits ``GLOBAL_SECONDS`` of the available workers, else on a seeded sample of at
        least ``GLOBAL_MIN_SAMPLE`` rows grown until the top 3 are stable; the result states the
        rows used (``n_rows`` of ``n_total``) and the stability. Other models: Kernel SHAP on at
        most ``KERNEL_GLOBAL_ROWS`` seeded rows. ``progress`` receives ``Progress`` updates.
        """
        rows = self._check_rows(rows)
        key = self._key("importance", rows)

        def compute() -> ImportanceResult:
            return self._importance(rows, self.cache.reporter(key))

        return self.cache.get_or_compute(key, compute, progress)

    def _importance(self, rows: pd.DataFrame, progress: Callable[[Progress], None]
                    ) -> ImportanceResult:
        from dataclasses import replace

        shap_engine = self._shap
        cost = shap_engine.tree_seconds_per_row("shap")
        if cost is None:  # no exact tree path: Kernel SHAP on a bounded seeded sample
            cost = self.KERNEL_GLOBAL_SECONDS / self.KERNEL_GLOBAL_ROWS
            budget, minimum = self.KERNEL_GLOBAL_SECONDS, self.KERNEL_GLOBAL_ROWS
            what, exact = "global importance (Kernel SHAP)", "Kernel SHAP"
        else:
            budget, minimum = self.GLOBAL_SECONDS, self.GLOBAL_MIN_SAMPLE
            what, exact = "global importance (exact TreeSHAP)", "exact TreeSHAP"
        names: dict[str, str] = {}

        reduced = 2 * len(self.adapter.feature_names) + 200  # Kernel SHAP samples on a sample

        def compute(part: pd.DataFrame, map_chunks: Callable[..., list]) -> np.ndarray:
            full = shap_engine.explain_global(
                part, map_chunks, kernel_nsamples=reduced if len(part) < len(rows) else None,
                min_chunks=self._min_chunks(len(part) * cost))
            per_row, names["what"] = per_row_importance(self.adapter, full)
            names["method"] = full.method
            return per_row

        def summarise(per_row: np.ndarray, n_total: int) -> ImportanceResult:
            result = importance_from_rows(
                self.adapter, per_row, f"mean |{names['method']}| ({names['what']})",
                seed=self.seed, n_total=n_total)
            if result.sampled:
                result = replace(result, method=(
                    f"{result.method}, estimated from a seeded random sample of "
                    f"{result.n_rows} of {n_total} rows ({exact} per sampled row; the 95% "
                    "intervals are a bootstrap over the sample, so they include the sampling "
                    "uncertainty)"))
            return result

        tree = shap_engine.uses_tree  # Kernel SHAP: a fixed sample, in this process (it calls
        # the user's model through objects that need not be picklable)
        return self._sampled_rows(rows, cost, budget, minimum, compute, summarise, what,
                                  progress, growth=self.MAX_GROWTH if tree else 1,
                                  parallel=tree)

    @_few_native_threads
    def interactions(self, rows: pd.DataFrame, *, top: int = 5,
                     progress: Callable[[Progress], None] | None = None) -> InteractionResult:
        """Strongest pairwise interactions: exact TreeSHAP interaction values (all rows within
        ``INTERACTION_SECONDS``, else a seeded sample of at least ``INTERACTION_MIN_SAMPLE``
        rows grown until the top pairs are stable), or Friedman's H for other models."""
        rows = self._check_rows(rows)
        key = self._key("interactions", rows, top)

        def compute() -> InteractionResult:
            return self._interactions(rows, top, self.cache.reporter(key))

        return self.cache.get_or_compute(key, compute, progress)

    def _interactions(self, rows: pd.DataFrame, top: int,
                      progress: Callable[[Progress], None]) -> InteractionResult:
        shap_engine = self._shap
        cost = shap_engine.tree_seconds_per_row("interaction")
        if cost is None or shap_engine.interaction_explainer() is None:
            return friedman_h(self.adapter, rows, top=top, seed=self.seed)

        def compute(part: pd.DataFrame, map_chunks: Callable[..., list]) -> np.ndarray:
            values = tree_pair_values(shap_engine, part, map_chunks,
                                      self._min_chunks(len(part) * cost))
            assert values is not None  # checked above
            return values

        def summarise(per_row: np.ndarray, n_total: int) -> InteractionResult:
            method = "shap-interaction"
            if per_row.shape[0] < n_total:
                method += (f" (exact TreeSHAP interaction values on a seeded random sample of "
                           f"{per_row.shape[0]} of {n_total} rows, to bound the run time)")
            return interactions_from_pairs(self.adapter, per_row, top=top, method=method,
                                           n_total=n_total, seed=self.seed)

        return self._sampled_rows(rows, cost, self.INTERACTION_SECONDS,
                                  self.INTERACTION_MIN_SAMPLE, compute, summarise,
                                  "interactions (exact TreeSHAP)", progress)

    @_few_native_threads
    def dependence(self, rows: pd.DataFrame, feature: str, *, low: float | None = None,
                   high: float | None = None) -> DependenceCurve:
        """Partial dependence of the output on ``feature`` over ``rows`` (see
        ``explainers.dependence``), cached by content."""
        rows = self._check_rows(rows)
        self._check_features([feature])
        key = self._key("dependence", rows, feature, low, high)
        return self.cache.get_or_compute(key, lambda: partial_dependence(
            self.adapter, rows, feature, self.data, low=low, high=high, seed=self.seed))

    # ------------------------------------------------------------------ misc
    @_few_native_threads
    def predictions(self, rows: pd.DataFrame) -> np.ndarray:
        """The model's predictions for ``rows`` (validated like every other call)."""
        return self.adapter.predict(self._check_rows(rows))

    @_few_native_threads
    def probabilities(self, rows: pd.DataFrame) -> np.ndarray:
        """The model's class probabilities for ``rows`` (classification only)."""
        return self.adapter.predict_proba(self._check_rows(rows))


def _call_job(fn: Callable[[Any], Any], chunk: Any) -> Any:
    """Dask task: apply a (scattered) job to one chunk."""
    return fn(chunk)


def _nice(rows: int) -> int:
    """``rows`` rounded down to two significant digits (a sample size that reads well)."""
    if rows < 100:
        return max(1, rows)
    scale = 10 ** (len(str(int(rows))) - 2)
    return int(rows // scale * scale)
