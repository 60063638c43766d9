"""Partial-dependence answers (`dependence F [from X to Y]`): what they state, their chart, and the
friendly refusals, on the synthetic clinic (a classifier) and a regression table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import GradientBoostingRegressor

from dialogue import Conversation, Workspace
from dialogue.figures import Chart, LineChart
from dialogue.scripted import states_number


def _chance(workspace: Workspace, rows: pd.DataFrame, **values) -> float:
    model = workspace.model
    positive = list(model.classes_).index(1)
    return float(model.predict_proba(rows.assign(**values))[:, positive].mean())


def test_a_range_is_answered_with_the_chance_at_both_ends_and_a_line_chart(conv,
                                                                          synthetic_workspace):
    reply = conv.run_program("dependence age from 30 to 80 [E]")
    X = synthetic_workspace.X
    assert reply.ok
    assert states_number(reply.text, _chance(synthetic_workspace, X, age=30))
    assert states_number(reply.text, _chance(synthetic_workspace, X, age=80))
    assert "at 30" in reply.text and "at 80" in reply.text
    assert "respond differently" in reply.text  # a group: how much the rows differ
    (chart,) = reply.charts
    assert isinstance(chart, LineChart) and chart.x[0] == 30 and chart.x[-1] == 80
    assert chart.percent and chart.bands is not None
    assert chart.png().startswith(b"\x89PNG")


def test_one_patient_gets_their_own_curve_without_a_band(conv, synthetic_workspace):
    row = synthetic_workspace.frame.index[0]
    reply = conv.run_program(f"filter id {row} and dependence cholesterol from 150 to 300 [E]")
    expected = _chance(synthetic_workspace, synthetic_workspace.X.loc[[row]], cholesterol=300)
    assert reply.ok and f"patient {row}" in reply.text.lower()
    assert states_number(reply.text, expected)
    (chart,) = reply.charts
    assert chart.bands is None


def test_a_range_beyond_the_data_is_said_to_be_extrapolation(conv, synthetic_frame):
    reply = conv.run_program("dependence age from 10 to 120 [E]")
    low, high = synthetic_frame["age"].min(), synthetic_frame["age"].max()
    assert f"runs from {low} to {high} in the data" in reply.text
    assert "extrapolating" in reply.text


def test_a_category_is_compared_value_by_value_with_bars(conv, synthetic_frame):
    reply = conv.run_program("dependence chestpaintype [E]")
    assert reply.ok
    for value in synthetic_frame["chest_pain_type"].unique():
        assert f"chest_pain_type = {value}" in reply.text
    (chart,) = reply.charts
    assert isinstance(chart, Chart)


def test_a_range_on_a_category_gets_a_clear_answer(conv):
    reply = conv.run_program("dependence chestpaintype from 1 to 2 [E]")
    assert not reply.ok
    assert "not a number" in reply.text and "Traceback" not in reply.text


def test_the_plain_words_reading_and_the_offer_name_the_feature(conv):
    reply = conv.run_program("dependence bmi [E]")
    assert "how the prediction moves with bmi" in reply.understood
    assert "bmi" in (reply.followup or "")


def test_a_regression_follows_the_predicted_value():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"rooms": rng.integers(1, 8, 200), "area": rng.uniform(30, 200, 200)})
    frame["price"] = 20 * frame["area"] + 500 * frame["rooms"] + rng.normal(0, 50, 200)
    model = GradientBoostingRegressor(random_state=0).fit(frame[["rooms", "area"]],
                                                          frame["price"])
    conv = Conversation(Workspace(frame, "price", model))
    reply = conv.run_program("dependence area from 50 to 150 [E]")
    assert reply.ok and "the predicted price rises" in reply.text
    (chart,) = reply.charts
    assert isinstance(chart, LineChart) and not chart.percent


@pytest.mark.parametrize("program", ["dependence glucose [E]", "dependence age from 5 [E]"])
def test_bad_programs_get_a_friendly_answer(conv, program):
    reply = conv.run_program(program)
    assert not reply.ok and "Traceback" not in reply.text and reply.text
