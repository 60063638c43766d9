"""Interactions: TreeSHAP interaction values for trees, Friedman's H otherwise."""

from explainers import ExplanationEngine


def test_tree_interactions_find_raw_feature_pairs(binary_gb):
    result = ExplanationEngine(binary_gb.adapter, binary_gb.X, n_jobs=1).interactions(
        binary_gb.X, top=4)
    assert result.method == "shap-interaction" and len(result.pairs) == 4
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
