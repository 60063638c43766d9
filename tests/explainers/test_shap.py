"""SHAP: exact additivity against the model's own outputs, on raw features, for every model."""

import numpy as np
import pytest

from explainers.shap_engine import ShapEngine


def _model_output(case, att):
    proba_or_value = case.adapter.output_matrix(case.X.loc[list(att.row_ids)])
    if case.adapter.task == "regression":
        return proba_or_value[:, 0]
    k = case.adapter.class_index(att.class_label)
    if att.output_name.startswith("probability"):
        return proba_or_value[:, k]
    logits = np.log(np.clip(proba_or_value, 1e-12, 1))
    if proba_or_value.shape[1] == 2:
        return logits[:, k] - logits[:, 1 - k]
    return None  # softmax logits are defined up to a constant


@pytest.mark.parametrize("name", ["binary_gb", "binary_rf", "binary_logreg", "multiclass_gb",
                                  "regression_gb", "torch_mlp", "plain_callable"])
@pytest.mark.parametrize("n_rows", [1, 250])
def test_additivity_holds_against_the_model(all_cases, name, n_rows):
    case = all_cases[name]
    engine = ShapEngine(case.adapter, case.X)
    rows = case.X.iloc[:n_rows] if name not in ("binary_logreg", "torch_mlp", "plain_callable") \
        else case.X.iloc[: min(n_rows, 6)]
    att = engine.attribution(rows)
    assert att.feature_names == case.adapter.feature_names
    assert att.values.shape == (len(rows), len(case.adapter.feature_names))
    np.testing.assert_allclose(att.values.sum(axis=1) + att.base_value, att.output, atol=1e-6)
    expected = _model_output(case, att)
    if expected is not None:
        np.testing.assert_allclose(att.output, expected, atol=1e-5)


def test_trees_use_the_exact_tree_algorithm_through_the_pipeline(binary_gb, binary_logreg):
    assert ShapEngine(binary_gb.adapter, binary_gb.X).attribution(binary_gb.X.head(1)).method \
        == "shap-tree"
    assert ShapEngine(binary_logreg.adapter, binary_logreg.X).attribution(
        binary_logreg.X.head(1)).method == "shap-kernel"


def test_one_row_explains_the_predicted_class_in_probability_space(multiclass_gb):
    row = multiclass_gb.X.head(1)
    att = ShapEngine(multiclass_gb.adapter, multiclass_gb.X).attribution(row)
    assert att.class_label == multiclass_gb.adapter.predict(row)[0]


def test_the_feature_driving_the_target_ranks_high(binary_gb):
    att = ShapEngine(binary_gb.adapter, binary_gb.X).attribution(binary_gb.X)
    mean_abs = dict(zip(att.feature_names, np.abs(att.values).mean(axis=0), strict=True))
    assert mean_abs["colour"] > mean_abs["noise"] and mean_abs["age"] > mean_abs["noise"]


@pytest.mark.parametrize(("n_rows", "space"), [(1, "probability"), (3, "probability"),
                                                (250, "log-odds")])
def test_binary_boosted_model_explains_class_0_in_the_stated_space(binary_gb, n_rows, space):
    """Class 0 of a binary boosted model: probability space sums to P(class 0) - base;
    log-odds space sums to log(P0 / P1) - base."""
    rows = binary_gb.X.iloc[:n_rows]
    att = ShapEngine(binary_gb.adapter, binary_gb.X).attribution(rows, class_index=0)
    p0 = binary_gb.adapter.predict_proba(rows)[:, 0]
    assert att.class_label == binary_gb.adapter.classes[0]
    assert att.output_name == f"{space} of class {binary_gb.adapter.classes[0]}"
    expected = p0 if space == "probability" else np.log(p0 / (1.0 - p0))
    np.testing.assert_allclose(att.values.sum(axis=1) + att.base_value, expected, atol=1e-6)
    np.testing.assert_allclose(att.output, expected, atol=1e-6)
    if space == "probability":
        assert 0.0 <= att.base_value <= 1.0


def test_kernel_explanations_in_several_threads_at_once_each_get_their_own_samples(
        binary_logreg):
    """The app's warm-up and an answer explain with one shared engine at the same time."""
    from concurrent.futures import ThreadPoolExecutor

    engine = ShapEngine(binary_logreg.adapter, binary_logreg.X)
    rows = [binary_logreg.X.iloc[[i]] for i in range(8)]
    alone = [engine.attribution(r).values for r in rows]
    with ThreadPoolExecutor(max_workers=8) as pool:
        together = list(pool.map(lambda r: engine.attribution(r).values, rows * 3))
    for i, values in enumerate(together):
        np.testing.assert_allclose(values, alone[i % len(rows)], atol=1e-6)
