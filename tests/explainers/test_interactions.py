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


def test_big_forest_interactions_sample_few_rows_and_say_so(binary_rf):
    engine = ExplanationEngine(binary_rf.adapter, binary_rf.X, n_jobs=1)
    engine.TREE_INTERACTION_SECONDS = 1e-6  # as if the forest were huge
    result = engine.interactions(binary_rf.X, top=2)
    assert result.n_rows == engine.TREE_INTERACTION_ROWS[0]
    assert f"sample of {result.n_rows} of {len(binary_rf.X)} rows" in result.method
