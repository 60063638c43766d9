"""Interactions: TreeSHAP interaction values for trees, Friedman's H otherwise."""

from explainers import ExplanationEngine


def test_tree_interactions_find_raw_feature_pairs(binary_gb):
    result = ExplanationEngine(binary_gb.adapter, binary_gb.X, n_jobs=1).interactions(
        binary_gb.X, top=4)
    assert result.method.startswith("shap-interaction") and len(result.pairs) == 4
    if result.n_rows < len(binary_gb.X):  # a sample must say so
        assert f"sample of {result.n_rows} of {len(binary_gb.X)} rows" in result.method
    names = set(binary_gb.adapter.feature_names)
    assert all(a in names and b in names and a != b for a, b in result.pairs)
    assert all(result.strengths[i] >= result.strengths[i + 1] for i in range(3))


def test_friedman_h_finds_a_planted_interaction(numeric_X):
    import numpy as np
    import pandas as pd

    from explainers import ModelAdapter

    def fn(frame: pd.DataFrame) -> np.ndarray:
        return (frame["a"] * frame["b"] + frame["c"]).to_numpy(dtype=float)

    adapter = ModelAdapter.wrap(fn, numeric_X, task="regression")
    result = ExplanationEngine(adapter, numeric_X, n_jobs=1).interactions(numeric_X, top=3)
    assert result.method == "friedman-h"
    assert set(result.pairs[0]) == {"a", "b"}
    assert result.strengths[0] > 0.5 and result.strengths[1] < 0.1


def test_a_tiny_budget_never_means_interactions_from_a_few_dozen_rows(binary_rf):
    engine = ExplanationEngine(binary_rf.adapter, binary_rf.X, n_jobs=1)
    engine.INTERACTION_SECONDS = 1e-6  # as if the forest were huge
    result = engine.interactions(binary_rf.X, top=2)
    assert engine.INTERACTION_MIN_SAMPLE >= 200
    assert result.n_rows >= engine.INTERACTION_MIN_SAMPLE
    assert f"sample of {result.n_rows} of {len(binary_rf.X)} rows" in result.method or (
        result.n_rows == len(binary_rf.X))


def test_sampled_interactions_state_rows_intervals_and_stability(binary_rf):
    engine = ExplanationEngine(binary_rf.adapter, binary_rf.X, n_jobs=1)
    engine.INTERACTION_SECONDS, engine.INTERACTION_MIN_SAMPLE = 1e-6, 100
    result = engine.interactions(binary_rf.X, top=3)
    assert result.sampled and result.n_total == len(binary_rf.X)
    assert f"sample of {result.n_rows} of {len(binary_rf.X)} rows" in result.method
    assert result.n_rows in (100, 200, 300) or result.n_rows == len(binary_rf.X)
    assert all(lo <= s <= hi for lo, s, hi in
               zip(result.ci_low, result.strengths, result.ci_high, strict=True))
    assert 0.0 <= result.top_stability <= 1.0
    exact = ExplanationEngine(binary_rf.adapter, binary_rf.X, n_jobs=1).interactions(
        binary_rf.X, top=3)
    assert exact.n_rows == len(binary_rf.X) and not exact.sampled


def test_xgboost_interactions_run_in_shaps_cpp_code_with_the_same_values(mixed_X):
    import numpy as np
    import pytest

    xgboost = pytest.importorskip("xgboost")
    import shap

    from explainers import ModelAdapter

    X = mixed_X[["age", "income", "score", "noise"]]
    y = ((X["age"] > 50) & (X["score"] > 0.5)).astype(int)
    model = xgboost.XGBClassifier(n_estimators=20, max_depth=3, n_jobs=1).fit(X, y)
    engine = ExplanationEngine(ModelAdapter.wrap(model, X), X, n_jobs=1)
    internal = engine._shap.interaction_explainer()
    assert internal.model.model_type == "internal"
    native = shap.TreeExplainer(model).shap_interaction_values(X.to_numpy(float)[:50])
    ours = internal.shap_interaction_values(X.to_numpy(float)[:50])
    np.testing.assert_allclose(ours, native, atol=1e-5)
    assert set(engine.interactions(X, top=1).pairs[0]) == {"age", "score"}
