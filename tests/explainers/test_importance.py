"""Global importance: mean |SHAP| ranking with bootstrap confidence intervals."""

import numpy as np
import pytest

from explainers import ExplanationEngine, UnknownFeatureError


@pytest.mark.parametrize("name", ["binary_gb", "multiclass_gb", "regression_gb",
                                  "binary_logreg"])
def test_importance_ranks_signal_above_noise_with_intervals(all_cases, name):
    case = all_cases[name]
    result = ExplanationEngine(case.adapter, case.X, n_jobs=1).global_importance(case.X)
    assert np.all(np.diff(result.mean_abs) <= 1e-12)
    assert np.all(result.ci_low <= result.mean_abs + 1e-12)
    assert np.all(result.mean_abs <= result.ci_high + 1e-12)
    assert result.rank("noise") > 2
    assert result.rank(result.feature_names[0]) == 1
    assert sum(result.share(f) for f in result.feature_names) == pytest.approx(1.0)
    with pytest.raises(UnknownFeatureError):
        result.rank("shoe_size")


def test_importance_matches_mean_abs_shap(binary_rf):
    engine = ExplanationEngine(binary_rf.adapter, binary_rf.X, n_jobs=1)
    att = engine.shap(binary_rf.X)
    result = engine.global_importance(binary_rf.X)
    expected = dict(zip(att.feature_names, np.abs(att.values).mean(axis=0), strict=True))
    for f in result.feature_names:
        assert result.value(f) == pytest.approx(expected[f])
    assert result.n_rows == len(binary_rf.X)
