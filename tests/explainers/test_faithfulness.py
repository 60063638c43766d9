"""Faithfulness: deletion curves reward explanations that rank the truly influential features."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from explainers.errors import ExplainerError, UnsupportedModelError
from explainers.faithfulness import deletion_curves, measure_faithfulness, reference_row
from explainers.lime_engine import LimeEngine
from explainers.results import Attribution


def _attribution(case, rows: pd.DataFrame, values: np.ndarray, method: str) -> Attribution:
    return Attribution(method=method, feature_names=case.adapter.feature_names, values=values,
                       base_value=0.0, output=np.zeros(len(rows)),
                       output_name=case.adapter.output_name(), class_label=case.adapter.classes[-1],
                       row_ids=tuple(rows.index))


def _truth(case):
    """Exact-in-direction attributions for P(yes) = sigmoid(a - b): a up, b down, rest zero."""
    mean = case.X.mean()

    def explain(rows: pd.DataFrame) -> Attribution:
        values = np.zeros((len(rows), 4))
        values[:, 0] = rows["a"] - mean["a"]
        values[:, 1] = -(rows["b"] - mean["b"])
        return _attribution(case, rows, values, "oracle")

    return explain


def _backwards(case):
    """Credits the irrelevant features and blames the real ones the wrong way round."""
    truth = _truth(case)

    def explain(rows: pd.DataFrame) -> Attribution:
        good = truth(rows).values
        values = np.column_stack([-good[:, 0], -good[:, 1], np.ones(len(rows)),
                                  np.ones(len(rows))])
        return _attribution(case, rows, values, "backwards")

    return explain


def test_the_truthful_explanation_scores_higher_and_is_chosen(plain_callable):
    report = measure_faithfulness(
        plain_callable.adapter, plain_callable.X, None,
        {"backwards": _backwards(plain_callable), "oracle": _truth(plain_callable)})
    assert report.scores["oracle"] > report.scores["backwards"]
    assert report.chosen == "oracle"
    assert report.n_rows == 8
    assert report.agreement is None


def test_deletion_curve_ends_where_every_feature_is_replaced(plain_callable):
    rows = plain_callable.X.iloc[:4]
    att = _truth(plain_callable)(rows)
    reference = reference_row(plain_callable.adapter, plain_callable.X)
    drops = deletion_curves(plain_callable.adapter, att, rows, reference)
    assert drops.shape == (4, 4)
    at_reference = plain_callable.adapter.predict_proba(pd.DataFrame([reference] * 4))[:, 1]
    before = plain_callable.adapter.predict_proba(rows)[:, 1]
    np.testing.assert_allclose(drops[:, -1], before - at_reference)


def test_lime_against_the_truth_reports_agreement(plain_callable):
    lime = LimeEngine(plain_callable.adapter, plain_callable.X)
    report = measure_faithfulness(
        plain_callable.adapter, plain_callable.X, plain_callable.X.iloc[:6],
        {"shap": _truth(plain_callable),
         "lime": lambda rows: lime.explain(rows, stability_runs=1)})
    assert set(report.scores) == {"shap", "lime"}
    assert report.agreement is not None and 0.0 <= report.agreement <= 1.0
    # both find a and b, so at least two of each row's top three agree
    assert report.agreement >= 2 / 3
    assert report.details["lime_top3_drop"] == pytest.approx(report.details["shap_top3_drop"],
                                                             abs=0.05)


def test_lime_is_scored_on_a_one_hot_pipeline_and_regression(binary_gb, regression_gb):
    for case in (binary_gb, regression_gb):
        lime = LimeEngine(case.adapter, case.X)
        report = measure_faithfulness(case.adapter, case.X, case.X.iloc[:5],
                                      {"lime": lambda r, lime=lime: lime.explain(
                                          r, stability_runs=1)})
        assert report.chosen == "lime"
        assert report.scores["lime"] > 0  # removing what LIME credits lowers the output


def test_unsupported_methods_are_skipped_and_none_left_is_an_error(plain_callable):
    def unsupported(rows: pd.DataFrame) -> Attribution:
        raise UnsupportedModelError("no gradients here")

    report = measure_faithfulness(plain_callable.adapter, plain_callable.X, None,
                                  {"ig": unsupported, "oracle": _truth(plain_callable)})
    assert set(report.scores) == {"oracle"}
    with pytest.raises(ExplainerError):
        measure_faithfulness(plain_callable.adapter, plain_callable.X, None, {"ig": unsupported})


def test_gradients_and_lime_are_compared_on_a_torch_network(torch_mlp):
    from explainers.gradients import IntegratedGradientsEngine

    lime = LimeEngine(torch_mlp.adapter, torch_mlp.X)
    ig = IntegratedGradientsEngine(torch_mlp.adapter, torch_mlp.X)
    report = measure_faithfulness(
        torch_mlp.adapter, torch_mlp.X, None,
        {"lime": lambda rows: lime.explain(rows, stability_runs=1), "ig": ig.explain})
    assert set(report.scores) == {"lime", "ig"}
    assert report.chosen == max(report.scores, key=report.scores.get)
