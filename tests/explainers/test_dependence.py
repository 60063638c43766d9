"""Partial dependence: the curve is the model's own average output with the feature set, for
every kind of model the adapter accepts."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.inspection import partial_dependence as sklearn_partial_dependence

from explainers.dependence import MAX_ROWS, partial_dependence
from explainers.engine import ExplanationEngine
from explainers.errors import ExplainerError


def test_a_logistic_model_rises_with_a_feature_it_weighs_positively(binary_logreg):
    curve = partial_dependence(binary_logreg.adapter, binary_logreg.X, "age", binary_logreg.X)
    chance = curve.mean[:, 0]
    assert curve.outputs == ("1",)
    assert np.all(np.diff(chance) > 0)
    assert 0.0 < chance[0] < chance[-1] < 1.0


def test_the_curve_is_the_average_of_the_model_asked_again_with_the_value_set(binary_gb):
    X = binary_gb.X
    curve = partial_dependence(binary_gb.adapter, X, "income", X, low=30, high=70, points=5)
    assert curve.grid == (30, 40, 50, 60, 70)
    for value, got in zip(curve.grid, curve.mean[:, 0], strict=True):
        expected = binary_gb.model.predict_proba(X.assign(income=value))[:, 1].mean()
        assert got == pytest.approx(expected)


def test_it_agrees_with_scikit_learn_on_a_scikit_learn_model(binary_gb):
    X = binary_gb.X
    ours = partial_dependence(binary_gb.adapter, X, "income", X, low=30, high=70, points=9)
    theirs = sklearn_partial_dependence(binary_gb.model, X, ["income"], method="brute",
                                        custom_values={"income": np.array(ours.grid)})
    assert ours.mean[:, 0] == pytest.approx(theirs["average"][0], abs=1e-9)


def test_a_categorical_feature_is_compared_value_by_value(binary_gb):
    curve = partial_dependence(binary_gb.adapter, binary_gb.X, "colour", binary_gb.X)
    assert not curve.numeric and set(curve.grid) == {"red", "green", "blue"}
    red = curve.grid.index("red")
    assert curve.mean[red, 0] == max(curve.mean[:, 0])  # the target favours red


def test_multiclass_and_regression_models_give_one_curve_per_output(multiclass_gb, regression_gb):
    multi = partial_dependence(multiclass_gb.adapter, multiclass_gb.X, "age", multiclass_gb.X)
    assert len(multi.outputs) == len(multiclass_gb.adapter.classes) > 2
    assert multi.mean.sum(axis=1) == pytest.approx(np.ones(len(multi.grid)))
    value = partial_dependence(regression_gb.adapter, regression_gb.X, "age", regression_gb.X)
    assert value.outputs == ("prediction",) and value.mean.shape == (len(value.grid), 1)


def test_a_plain_callable_model_works_too(plain_callable):
    feature = plain_callable.X.columns[0]
    curve = partial_dependence(plain_callable.adapter, plain_callable.X, feature,
                               plain_callable.X, points=4)
    assert curve.mean.shape == (4, len(curve.outputs))


def test_one_row_gives_its_own_curve_and_no_spread(binary_gb):
    row = binary_gb.X.iloc[:1]
    curve = partial_dependence(binary_gb.adapter, row, "age", binary_gb.X)
    assert curve.n_rows == 1
    assert curve.low == pytest.approx(curve.mean) and curve.high == pytest.approx(curve.mean)


def test_the_band_holds_the_middle_of_the_rows_own_changes(binary_gb):
    X = binary_gb.X
    curve = partial_dependence(binary_gb.adapter, X, "age", X, low=20, high=80, points=3)
    proba = binary_gb.model.predict_proba
    changes = proba(X.assign(age=80))[:, 1] - proba(X.assign(age=20))[:, 1]
    assert curve.high[-1, 0] - curve.mean[0, 0] == pytest.approx(np.percentile(changes, 90))
    assert curve.low[-1, 0] - curve.mean[0, 0] == pytest.approx(np.percentile(changes, 10))


def test_many_rows_are_averaged_over_a_seeded_sample(binary_gb):
    X = binary_gb.X
    big = X.sample(MAX_ROWS + 200, replace=True, random_state=1)
    big.index = range(len(big))
    first = partial_dependence(binary_gb.adapter, big, "age", X, seed=3)
    again = partial_dependence(binary_gb.adapter, big, "age", X, seed=3)
    assert first.n_rows == MAX_ROWS and first.n_total == MAX_ROWS + 200
    assert first.mean == pytest.approx(again.mean)


def test_a_range_on_a_category_is_refused_with_a_reason(binary_gb):
    with pytest.raises(ExplainerError, match="not numeric"):
        partial_dependence(binary_gb.adapter, binary_gb.X, "colour", binary_gb.X, low=1, high=2)


def test_the_engine_caches_the_curve_by_content(binary_gb):
    engine = ExplanationEngine(binary_gb.adapter, binary_gb.X, n_jobs=1)
    first = engine.dependence(binary_gb.X, "age", low=25, high=75)
    assert engine.dependence(binary_gb.X.copy(), "age", low=25, high=75) is first
    assert engine.dependence(binary_gb.X, "age") is not first
