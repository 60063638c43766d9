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


def test_large_tree_selections_use_a_stated_seeded_sample(binary_rf):
    """Above the affordable row count, mean |SHAP| is estimated on a seeded sample of rows;
    the result says so and its bootstrap interval reflects the sampling."""
    exact = ExplanationEngine(binary_rf.adapter, binary_rf.X, n_jobs=1).global_importance(
        binary_rf.X)
    engine = ExplanationEngine(binary_rf.adapter, binary_rf.X, n_jobs=1)
    engine.GLOBAL_SECONDS = 1e-6
    engine.GLOBAL_MIN_SAMPLE = 120
    sampled = engine.global_importance(binary_rf.X)
    assert exact.n_rows == len(binary_rf.X) and "sample" not in exact.method
    assert sampled.n_rows == 120
    assert f"seeded random sample of 120 of {len(binary_rf.X)} rows" in sampled.method
    assert sampled.feature_names[0] == exact.feature_names[0]
    low, high = sampled.interval(exact.feature_names[0])
    assert low <= exact.value(exact.feature_names[0]) <= high
    assert np.all(sampled.ci_high - sampled.ci_low > exact.ci_high - exact.ci_low)
    again = ExplanationEngine(binary_rf.adapter, binary_rf.X, n_jobs=1)
    again.GLOBAL_SECONDS, again.GLOBAL_MIN_SAMPLE = 1e-6, 120
    np.testing.assert_array_equal(again.global_importance(binary_rf.X).mean_abs,
                                  sampled.mean_abs)


def test_importance_reports_progress_until_every_row_is_done(binary_rf):
    engine = ExplanationEngine(binary_rf.adapter, binary_rf.X, n_jobs=1)
    engine._shap.CHUNK_ROWS = 50  # several chunks
    updates = []
    result = engine.global_importance(binary_rf.X, progress=updates.append)
    assert len(updates) >= 6
    assert [u.done for u in updates] == sorted(u.done for u in updates)
    assert updates[-1].done == updates[-1].total == len(binary_rf.X)
    assert "global importance" in updates[-1].text and "100%" in updates[-1].text
    # a second caller gets the cached result at once
    assert engine.global_importance(binary_rf.X, progress=updates.append) is result


def test_a_sampled_ranking_states_how_stable_its_top_three_are(binary_rf):
    engine = ExplanationEngine(binary_rf.adapter, binary_rf.X, n_jobs=1)
    engine.GLOBAL_SECONDS, engine.GLOBAL_MIN_SAMPLE = 1e-6, 100
    result = engine.global_importance(binary_rf.X)
    assert result.sampled and result.n_total == len(binary_rf.X)
    assert result.top_stability >= engine.STABLE_SHARE or result.n_rows == len(binary_rf.X)
