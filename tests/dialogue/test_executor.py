"""The executor runs every clause with the semantics of the parse language and the dev README.

Expected values are computed here from the data and the model with pandas / scikit-learn, never
hard-coded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score, roc_auc_score

from dialogue import results as r
from dialogue.errors import DialogueError, NoRowsMatch
from dialogue.executor import TurnState, execute
from dialogue.responses import describe_no_match
from grammar import program as p
from tests.dialogue.conftest import needs_engine


def run(ws, *clauses, state=None):
    return execute(ws, p.Program.of(*clauses), state or TurnState())


def _data(ws):
    return ws.frame


def test_filters_narrow_left_to_right(synthetic_workspace):
    ws = synthetic_workspace
    df = _data(ws)
    out = run(ws, p.NumericFilter("age", "greater than", 50), p.CategoryFilter("sex", "female"),
              p.CountData())
    expected = df[(df.age > 50) & (df.sex == "female")]
    assert out.results[0].selection.n == len(expected)
    assert set(out.results[0].selection.row_ids) == set(expected.index)


def test_or_is_union_read_left_to_right(synthetic_workspace):
    ws = synthetic_workspace
    df = _data(ws)
    program = p.Program(
        (p.BoolFilter("smoker", True), p.NumericFilter("age", "greater than", 70),
         p.CategoryFilter("sex", "male"), p.CountData()), ("or", "and", "and"))
    out = execute(ws, program, TurnState())
    expected = df[((df.smoker == 1) | (df.age > 70)) & (df.sex == "male")]
    assert out.results[0].selection.n == len(expected)


def test_no_filter_runs_on_whole_dataset(synthetic_workspace):
    out = run(synthetic_workspace, p.CountData())
    assert out.results[0].selection.n == len(synthetic_workspace.frame)
    assert not out.filtered


def test_previousfilter_uses_previous_selection(synthetic_workspace):
    ws = synthetic_workspace
    first = run(ws, p.BoolFilter("smoker", True), p.CountData())
    state = TurnState(first.selection, first.operations, first.offer)
    second = run(ws, p.PreviousFilter(), p.NumericFilter("age", "greater than", 60),
                 p.CountData(), state=state)
    df = _data(ws)
    assert second.results[0].selection.n == len(df[(df.smoker == 1) & (df.age > 60)])


def test_previousoperation_runs_on_new_selection_only(synthetic_workspace):
    ws = synthetic_workspace
    first = run(ws, p.BoolFilter("smoker", True), p.Statistic("cholesterol"))
    state = TurnState(first.selection, first.operations, first.offer)
    second = run(ws, p.BoolFilter("smoker", False), p.PreviousOperation(), state=state)
    df = _data(ws)
    result = second.results[0]
    assert isinstance(result, r.StatisticResult)
    assert result.mean == pytest.approx(df[df.smoker == 0].cholesterol.mean())


def test_id_filter_matches_string_and_number(synthetic_workspace):
    ws = synthetic_workspace
    some_id = ws.frame.index[7]
    for written in (int(some_id), str(some_id)):
        out = run(ws, p.IdFilter(written), p.ShowLabel())
        assert out.results[0].selection.row_ids == (some_id,)
        assert out.results[0].single_value == ws.frame.loc[some_id, "heart_disease"]


def test_label_and_prediction_filters(synthetic_workspace):
    ws = synthetic_workspace
    preds = ws.adapter.predict(ws.X)
    out = run(ws, p.PredictionFilter("1"), p.LabelFilter("0"), p.CountData())
    expected = int(((preds == 1) & (ws.y.to_numpy() == 0)).sum())
    assert out.results[0].selection.n == expected


def test_changes_use_a_temporary_copy(synthetic_workspace):
    ws = synthetic_workspace
    before = ws.X.copy()
    out = run(ws, p.BoolFilter("smoker", True), p.BoolChange("smoker", False),
              p.NumericChange("cholesterol", "decrease", 40), p.Predict())
    pd.testing.assert_frame_equal(ws.X, before)
    result = out.results[0]
    rows = before[before.smoker == 1].copy()
    rows["smoker"] = 0
    rows["cholesterol"] = rows["cholesterol"] - 40
    changed = ws.adapter.predict(rows)
    original = ws.adapter.predict(before[before.smoker == 1])
    after_counts = {c.label: c.count for c in result.counts}
    before_counts = {c.label: c.count for c in result.before_counts}
    assert after_counts[1] == int((changed == 1).sum())
    assert before_counts[1] == int((original == 1).sum())
    assert result.n_flipped == int((changed != original).sum())


def test_likelihood_reports_before_and_after_a_change(synthetic_workspace):
    ws = synthetic_workspace
    row_id = ws.frame.index[3]
    out = run(ws, p.IdFilter(row_id), p.NumericChange("age", "set", 30), p.Likelihood())
    result = out.results[0]
    row = ws.X.loc[[row_id]].copy()
    original = ws.adapter.predict_proba(row)[0]
    row["age"] = 30
    changed = ws.adapter.predict_proba(row)[0]
    assert result.before == pytest.approx(tuple(original))
    assert result.probabilities == pytest.approx(tuple(changed))


def test_bare_what_if_means_predict(synthetic_workspace):
    ws = synthetic_workspace
    out = run(ws, p.IdFilter(ws.frame.index[0]), p.BoolChange("smoker", True))
    assert isinstance(out.results[0], r.PredictionResult)
    assert out.results[0].before_single_value is not None


def test_filter_only_turn_counts_and_offers_predictions(synthetic_workspace):
    out = run(synthetic_workspace, p.CategoryFilter("sex", "male"))
    assert isinstance(out.results[0], r.CountResult)
    assert out.offer is not None and isinstance(out.offer.operations[-1], p.Predict)


def test_scores_match_sklearn(synthetic_workspace):
    ws = synthetic_workspace
    truth, preds = ws.y.to_numpy(), ws.adapter.predict(ws.X)
    proba = ws.adapter.predict_proba(ws.X)[:, 1]
    default = run(ws, p.Score("default")).results[0]
    values = {m.name: m.value for m in default.metrics}
    assert values["accuracy"] == pytest.approx(float((truth == preds).mean()))
    assert values["f1"] == pytest.approx(f1_score(truth, preds))
    roc = run(ws, p.Score("roc")).results[0].metrics[0].value
    assert roc == pytest.approx(roc_auc_score(truth, proba))
    tn = int(((truth == 0) & (preds == 0)).sum())
    fp = int(((truth == 0) & (preds == 1)).sum())
    fn = int(((truth == 1) & (preds == 0)).sum())
    spec = run(ws, p.Score("specificity")).results[0].metrics[0].value
    npv = run(ws, p.Score("npv")).results[0].metrics[0].value
    assert spec == pytest.approx(tn / (tn + fp))
    assert npv == pytest.approx(tn / (tn + fn))


def test_undefined_metric_is_explained_not_invented(synthetic_workspace):
    ws = synthetic_workspace
    out = run(ws, p.LabelFilter("0"), p.Score("recall"))
    metric = out.results[0].metrics[0]
    assert metric.value is None and metric.why_undefined


def test_statistics(synthetic_workspace):
    ws = synthetic_workspace
    df = _data(ws)
    numeric = run(ws, p.Statistic("bmi")).results[0]
    assert numeric.mean == pytest.approx(df.bmi.mean())
    assert numeric.median == pytest.approx(df.bmi.median())
    assert (numeric.minimum, numeric.maximum) == (df.bmi.min(), df.bmi.max())
    categorical = run(ws, p.Statistic("chestpaintype")).results[0]
    counts = df.chest_pain_type.value_counts()
    assert {s.value: s.count for s in categorical.shares} == counts.to_dict()
    target = run(ws, p.Statistic(None)).results[0]
    assert {s.value: s.count for s in target.shares} == df.heart_disease.value_counts().to_dict()


def test_define_uses_given_description_else_generates(synthetic_workspace):
    given = run(synthetic_workspace, p.Define("bmi")).results[0]
    assert given.given and "body mass" in given.feature.description
    generated = run(synthetic_workspace, p.Define("cholesterol")).results[0]
    assert not generated.given
    assert generated.feature.minimum == synthetic_workspace.frame.cholesterol.min()


def test_define_keeps_the_previous_selection(synthetic_workspace):
    out = run(synthetic_workspace, p.Define("age"))
    assert not out.touches_rows


def test_mistakes_count_sample_and_typical(synthetic_workspace):
    ws = synthetic_workspace
    wrong = ws.adapter.predict(ws.X) != ws.y.to_numpy()
    count = run(ws, p.Mistake("count")).results[0]
    assert count.n_wrong == int(wrong.sum())
    sample = run(ws, p.Mistake("sample")).results[0]
    assert {row.row_id for row in sample.rows} <= set(ws.frame.index[wrong])
    typical = run(ws, p.Mistake("typical")).results[0]
    assert typical.n_wrong == int(wrong.sum())
    df = ws.frame
    for rule in typical.rules:  # support and errors are re-counted on the data
        mask = np.ones(len(df), dtype=bool)
        for c in rule.conditions:
            column = df[c.feature]
            if c.op == ">":
                mask &= (column > c.value).to_numpy()
            elif c.op == "<=":
                mask &= (column <= c.value).to_numpy()
            elif c.op == "==":
                mask &= (column == (1 if c.value is True else 0 if c.value is False
                                    else c.value)).to_numpy()
            else:
                mask &= (column != c.value).to_numpy()
        assert rule.support == int(mask.sum())
        assert rule.n_wrong == int((mask & wrong).sum())
        assert rule.error_rate > typical.base_error_rate


def test_offers_follow_the_dialogue_conventions(synthetic_workspace):
    ws = synthetic_workspace
    accuracy = run(ws, p.Score("accuracy"))
    assert accuracy.offer == p.Program.of(p.Score("f1"))
    typical = run(ws, p.BoolFilter("smoker", True), p.Mistake("typical"))
    if typical.results[0].n_wrong:
        assert typical.offer == p.Program.of(p.PreviousFilter(), p.Mistake("sample"))


def test_followup_runs_the_offered_program(synthetic_workspace):
    ws = synthetic_workspace
    first = run(ws, p.Score("accuracy"))
    state = TurnState(first.selection, first.operations, first.offer)
    second = run(ws, p.FollowUp(), state=state)
    assert second.program == first.offer
    assert second.results[0].metrics[0].name == "f1"


def test_followup_without_offer_is_a_notice(synthetic_workspace):
    out = run(synthetic_workspace, p.FollowUp())
    assert isinstance(out.results[0], r.NoticeResult)


@pytest.mark.parametrize("clauses", [
    (p.NumericFilter("agge", "greater than", 3), p.CountData()),
    (p.IdFilter(99999), p.Predict()),
    (p.CategoryFilter("sex", "robot"), p.CountData()),
    (p.NumericFilter("sex", "greater than", 3), p.CountData()),
    (p.NumericFilter("age", "greater than", 500), p.Predict()),
    (p.PreviousOperation(),),
])
def test_bad_programs_raise_friendly_errors(synthetic_workspace, clauses):
    with pytest.raises(DialogueError) as info:
        run(synthetic_workspace, *clauses)
    assert str(info.value).endswith((".", "?"))


def test_empty_selection_says_the_range(synthetic_workspace):
    """The executor reports which filter emptied the selection; the prose layer says so with
    the feature's range."""
    ws = synthetic_workspace
    with pytest.raises(NoRowsMatch) as info:
        run(ws, p.NumericFilter("age", "greater than", 200), p.CountData())
    assert info.value.log == ((p.NumericFilter("age", "greater than", 200), 0),)
    message = describe_no_match(ws, info.value.log, info.value.data)
    assert str(ws.frame.age.min()) in message and str(ws.frame.age.max()) in message


@needs_engine
def test_explain_single_row_and_group(synthetic_workspace):
    ws = synthetic_workspace
    row_id = ws.frame.index[0]
    single = run(ws, p.IdFilter(row_id), p.Explain("features")).results[0]
    assert single.selection.single and single.n_explained == 1
    assert {e.feature for e in single.effects} == set(ws.X.columns)
    assert single.effects[0].value == ws.X.loc[row_id, single.effects[0].feature]
    group = run(ws, p.Explain("shap")).results[0]
    assert group.n_explained == min(len(ws.frame), 200)


@needs_engine
def test_importance_and_interactions(synthetic_workspace):
    ws = synthetic_workspace
    top = run(ws, p.ImportantTopK(2)).results[0]
    assert top.k == 2 and len(top.entries) == len(ws.X.columns)
    assert sum(e.share for e in top.entries) == pytest.approx(1.0)
    rank = run(ws, p.ImportantFeature("cholesterol")).results[0]
    assert rank.feature == "cholesterol" and 1 <= rank.rank("cholesterol") <= len(ws.X.columns)
    pairs = run(ws, p.Interact()).results[0]
    assert all(pair.first in ws.X.columns and pair.second in ws.X.columns for pair in pairs.pairs)


@needs_engine
def test_counterfactuals_really_flip(synthetic_workspace):
    ws = synthetic_workspace
    row_id = ws.frame.index[1]
    result = run(ws, p.IdFilter(row_id), p.Explain("cfe")).results[0]
    for option in result.options:
        row = ws.X.loc[[row_id]].copy()
        for change in option.changes:
            row[change.feature] = change.after
        assert ws.adapter.predict(row)[0] == option.new_prediction != result.prediction
        assert "sex" not in {c.feature for c in option.changes}  # kept fixed


@pytest.fixture(scope="module")
def regression_workspace():
    from sklearn.ensemble import GradientBoostingRegressor

    from dialogue import Workspace

    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"rooms": rng.integers(1, 8, 150), "area": rng.normal(80, 20, 150)})
    frame["price"] = frame.rooms * 30 + frame.area * 2 + rng.normal(0, 10, 150)
    model = GradientBoostingRegressor(random_state=0).fit(frame[["rooms", "area"]][:100],
                                                          frame.price[:100])
    return Workspace(frame, "price", model)


def test_regression_scores_use_mae_rmse_r2(regression_workspace):
    ws = regression_workspace
    result = run(ws, p.Score("default")).results[0]
    errors = ws.adapter.predict(ws.X) - ws.y.to_numpy()
    values = {m.name: m.value for m in result.metrics}
    assert values["mae"] == pytest.approx(np.abs(errors).mean())
    assert values["rmse"] == pytest.approx(np.sqrt((errors ** 2).mean()))
    mistakes = run(ws, p.Mistake("count")).results[0]
    assert isinstance(mistakes, r.ScoreResult) and mistakes.requested == "mistake-count"


def test_regression_predict_with_change(regression_workspace):
    ws = regression_workspace
    out = run(ws, p.IdFilter(4), p.NumericChange("rooms", "increase", 2), p.Predict())
    row = ws.X.loc[[4]].copy()
    before = ws.adapter.predict(row)[0]
    row["rooms"] += 2
    assert out.results[0].single_value == pytest.approx(ws.adapter.predict(row)[0])
    assert out.results[0].before_single_value == pytest.approx(before)


def test_multiclass_macro_metrics():
    from sklearn.datasets import load_iris
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.metrics import recall_score

    from dialogue import Workspace

    iris = load_iris(as_frame=True)
    frame = iris.frame.copy()
    frame["target"] = [iris.target_names[i] for i in frame.target]
    X = frame.drop(columns="target")
    model = RandomForestClassifier(n_estimators=10, random_state=0).fit(X[::3], frame.target[::3])
    ws = Workspace(frame, "target", model)
    recall = run(ws, p.Score("recall")).results[0].metrics[0].value
    assert recall == pytest.approx(recall_score(frame.target, model.predict(X), average="macro"))
    counts = run(ws, p.Predict()).results[0].counts
    assert {c.label for c in counts} == set(iris.target_names)
