"""Engine facade: caching by content, typed errors for bad input, Dask execution."""

import numpy as np
import pandas as pd
import pytest

from explainers import (
    EmptySelectionError,
    ExplainerError,
    ExplanationEngine,
    ModelAdapter,
    ModelError,
    RowNotFoundError,
    UnknownFeatureError,
    UnsupportedModelError,
)


def test_repeated_question_is_served_from_cache(binary_gb):
    engine = ExplanationEngine(binary_gb.adapter, binary_gb.X, n_jobs=1)
    rows = engine.select([1003, 1007])
    first = engine.shap(rows)
    misses = engine.cache.misses
    again = engine.shap(rows.copy())
    assert again is first and engine.cache.misses == misses and engine.cache.hits >= 1
    other = engine.shap(engine.select([1004]))
    assert other is not first


def test_bad_input_gives_typed_errors(binary_gb):
    engine = ExplanationEngine(binary_gb.adapter, binary_gb.X, n_jobs=1)
    with pytest.raises(RowNotFoundError) as info:
        engine.select([5])
    assert info.value.row_id == 5
    with pytest.raises(EmptySelectionError):
        engine.shap(binary_gb.X.iloc[:0])
    with pytest.raises(EmptySelectionError):
        engine.global_importance(binary_gb.X[binary_gb.X["age"] > 1000])
    with pytest.raises(UnknownFeatureError):
        engine.shap(binary_gb.X.head(1).assign(shoe_size=3))
    with pytest.raises(UnknownFeatureError):
        engine.counterfactuals(binary_gb.X.head(1), immutable=["shoe_size"])
    with pytest.raises(UnsupportedModelError):
        engine.integrated_gradients(binary_gb.X.head(1))
    with pytest.raises(ExplainerError):
        engine.explain(binary_gb.X.head(1), method="magic")


def test_a_model_that_starts_raising_gives_model_error(numeric_X):
    state = {"fail": False}

    def fn(frame: pd.DataFrame) -> np.ndarray:
        if state["fail"]:
            raise RuntimeError("database down")
        return frame["a"].to_numpy(dtype=float)

    engine = ExplanationEngine(ModelAdapter.wrap(fn, numeric_X), numeric_X, n_jobs=1)
    state["fail"] = True
    with pytest.raises(ModelError):
        engine.shap(numeric_X.head(1))


def test_engine_delegates_to_every_engine(torch_mlp):
    engine = ExplanationEngine(torch_mlp.adapter, torch_mlp.X, n_jobs=1)
    row = torch_mlp.X.head(1)
    assert engine.shap(row).method.startswith("shap")
    assert engine.integrated_gradients(row).method == "integrated-gradients"
    assert engine.explain(row, method="shap").method.startswith("shap")


def test_dask_cluster_gives_the_same_answer(binary_rf):
    from distributed import Client, LocalCluster

    # processes=False keeps the cluster in-process (inproc:// transport, loopback only)

    local = ExplanationEngine(binary_rf.adapter, binary_rf.X, n_jobs=1)
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=None) as cluster, \
            Client(cluster) as client:
        remote = ExplanationEngine(binary_rf.adapter, binary_rf.X, dask_client=client)
        chunks = [binary_rf.X.iloc[:100], binary_rf.X.iloc[100:]]
        assert remote.map_chunks(len, chunks) == [100, len(binary_rf.X) - 100]
        remote._shap.CHUNK_ROWS = 100  # force several chunks through the cluster
        result = remote.global_importance(binary_rf.X)
    expected = local.global_importance(binary_rf.X)
    assert result.feature_names == expected.feature_names
    np.testing.assert_allclose(result.mean_abs, expected.mean_abs)


def test_native_thread_cap_is_lifted_after_each_call(binary_gb):
    from threadpoolctl import threadpool_info

    before = [(i["internal_api"], i["num_threads"]) for i in threadpool_info()]
    engine = ExplanationEngine(binary_gb.adapter, binary_gb.X, n_jobs=1)
    seen = []
    fn = engine.adapter._proba_fn

    def spy(frame):
        seen.append({i["internal_api"]: i["num_threads"] for i in threadpool_info()})
        return fn(frame)

    object.__setattr__(engine.adapter, "_proba_fn", spy)
    try:
        engine.counterfactuals(binary_gb.X.head(1), time_limit=1.0)
    finally:
        object.__setattr__(engine.adapter, "_proba_fn", fn)
    assert seen and all(n == engine.MODEL_THREADS for calls in seen for n in calls.values())
    assert [(i["internal_api"], i["num_threads"]) for i in threadpool_info()] == before


def test_every_thread_gets_its_own_openmp_cap_while_another_call_runs(binary_gb):
    """OpenMP's thread setting belongs to each calling thread: a second session's call made
    while the first is still inside the engine must be capped too (it was not, and a one-row
    prediction of histogram boosting took 1.2 s on a busy machine)."""
    import threading

    from threadpoolctl import threadpool_info

    engine = ExplanationEngine(binary_gb.adapter, binary_gb.X, n_jobs=1)
    fn = engine.adapter._proba_fn
    inside, release = threading.Event(), threading.Event()
    seen: dict[str, list[int]] = {}

    def spy(frame):
        name = threading.current_thread().name
        seen.setdefault(name, []).extend(
            i["num_threads"] for i in threadpool_info() if i["user_api"] == "openmp")
        if name == "first":
            inside.set()
            release.wait(10)
        return fn(frame)

    object.__setattr__(engine.adapter, "_proba_fn", spy)
    try:
        first = threading.Thread(target=lambda: engine.probabilities(binary_gb.X.head(3)),
                                 name="first")
        first.start()
        assert inside.wait(10)
        second = threading.Thread(target=lambda: engine.probabilities(binary_gb.X.head(2)),
                                  name="second")
        second.start()
        second.join(10)
        release.set()
        first.join(10)
    finally:
        object.__setattr__(engine.adapter, "_proba_fn", fn)
    if not seen.get("first"):
        pytest.skip("no OpenMP runtime is loaded")
    assert set(seen["first"]) == set(seen["second"]) == {engine.MODEL_THREADS}
