"""LIME: reproducible, category-aware, explains the right output, and reports its stability."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from explainers.adapter import ModelAdapter
from explainers.errors import EmptySelectionError, UnknownFeatureError
from explainers.lime_engine import LimeEngine, lime_attribution


def test_same_seed_gives_identical_explanations(binary_gb):
    rows = binary_gb.X.iloc[:3]
    first = LimeEngine(binary_gb.adapter, binary_gb.X, seed=7).explain(rows, stability_runs=1)
    second = LimeEngine(binary_gb.adapter, binary_gb.X, seed=7).explain(rows, stability_runs=1)
    np.testing.assert_array_equal(first.values, second.values)


def test_a_row_is_explained_the_same_whatever_rows_come_with_it(binary_gb):
    engine = LimeEngine(binary_gb.adapter, binary_gb.X)
    alone = engine.explain(binary_gb.X.iloc[[2]], class_label=1, stability_runs=1)
    together = engine.explain(binary_gb.X.iloc[:4], stability_runs=1)
    np.testing.assert_allclose(alone.values[0], together.values[2])


def test_single_row_explains_the_predicted_class_over_all_raw_features(binary_gb):
    row = binary_gb.X.iloc[[0]]
    att = LimeEngine(binary_gb.adapter, binary_gb.X).explain(row)
    predicted = binary_gb.model.predict(row)[0]
    k = list(binary_gb.model.classes_).index(predicted)
    assert att.method == "lime"
    assert att.feature_names == tuple(binary_gb.X.columns)
    assert att.values.shape == (1, binary_gb.X.shape[1])
    assert att.class_label == predicted
    assert att.output[0] == pytest.approx(binary_gb.model.predict_proba(row)[0, k])
    assert att.row_ids == tuple(row.index)
    assert 0.0 <= att.stability <= 1.0


def test_top3_is_stable_across_five_seeds_at_default_samples(binary_gb, binary_rf):
    for case in (binary_gb, binary_rf):
        att = LimeEngine(case.adapter, case.X).explain(case.X.iloc[:10], stability_rows=10)
        # measured 0.93-0.97 on these models; a regression below 0.8 means noisy explanations
        assert att.stability >= 0.8


def test_categorical_columns_reach_the_model_as_real_categories(mixed_X):
    seen: list[pd.DataFrame] = []

    def proba(frame: pd.DataFrame) -> np.ndarray:
        seen.append(frame.copy())
        p = np.where(frame["colour"] == "red", 0.8, 0.3) * (frame["age"] / 100.0)
        return np.column_stack([1 - p, p])

    adapter = ModelAdapter.wrap(proba, mixed_X)
    att = LimeEngine(adapter, mixed_X).explain(mixed_X.iloc[[0]], num_samples=300)
    perturbed = pd.concat(seen[1:])
    assert set(perturbed["colour"]) <= set(mixed_X["colour"])
    assert set(perturbed["region"]) <= set(mixed_X["region"])
    assert pd.api.types.is_integer_dtype(perturbed["age"])
    top_two = {name for name, _ in att.top(2)}
    assert top_two == {"colour", "age"}


def test_lime_finds_the_features_a_known_function_uses(plain_callable):
    rows = plain_callable.X.iloc[:12]
    att = lime_attribution(plain_callable.adapter, plain_callable.X, rows, stability_runs=1)
    assert {name for name, _ in att.top(2)} == {"a", "b"}
    # P(yes) rises with a and falls with b: a high a pushes up, a high b pushes down
    assert np.corrcoef(att.values[:, 0], rows["a"])[0, 1] > 0.5
    assert np.corrcoef(att.values[:, 1], rows["b"])[0, 1] < -0.5


def test_multiclass_explains_the_predicted_string_label(multiclass_gb):
    row = multiclass_gb.X.iloc[[5]]
    att = LimeEngine(multiclass_gb.adapter, multiclass_gb.X).explain(row, stability_runs=1)
    assert att.class_label == multiclass_gb.model.predict(row)[0]
    assert att.output_name == f"probability of class {att.class_label}"


def test_regression_explains_the_predicted_value(regression_gb):
    rows = regression_gb.X.iloc[:3]
    att = LimeEngine(regression_gb.adapter, regression_gb.X).explain(rows, stability_runs=1)
    assert att.class_label is None
    np.testing.assert_allclose(att.output, regression_gb.model.predict(rows))
    assert att.base_value == pytest.approx(np.mean(regression_gb.model.predict(regression_gb.X)))
    assert att.top(1)[0][0] in {"income", "score", "region"}


def test_limiting_features_leaves_the_others_at_zero(binary_gb):
    att = LimeEngine(binary_gb.adapter, binary_gb.X).explain(
        binary_gb.X.iloc[[0]], num_features=2, stability_runs=1)
    assert np.count_nonzero(att.values[0]) == 2


def test_unseen_category_in_an_explained_row_is_handled(binary_gb):
    row = binary_gb.X.iloc[[0]].copy()
    row["colour"] = "purple"  # the pipeline's encoder ignores unknown categories
    att = LimeEngine(binary_gb.adapter, binary_gb.X).explain(row, stability_runs=1)
    assert np.all(np.isfinite(att.values))


def test_bad_input_gives_typed_errors(binary_gb):
    engine = LimeEngine(binary_gb.adapter, binary_gb.X)
    with pytest.raises(EmptySelectionError):
        engine.explain(binary_gb.X.iloc[:0])
    with pytest.raises(UnknownFeatureError):
        engine.explain(binary_gb.X.iloc[:1].drop(columns=["age"]))
