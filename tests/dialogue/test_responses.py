"""How numbers read in answers: scores never round up to a perfect 1, shares never to 0% or 100%,
and a counterfactual change never reads as 'from 0.143 to 0.143'."""

from __future__ import annotations

import re

import numpy as np
import pytest
from sklearn.metrics import f1_score, roc_auc_score

from dialogue import results as r
from dialogue.executor import distinct_counterfactuals
from dialogue.responses import _from_to, fmt, ids_text, pct, rate, score


@pytest.mark.parametrize(("value", "text"), [
    (0.9958, "0.996"),  # an AUC of 0.9958 is not "1"
    (0.97163, "0.972"),
    (0.5, "0.500"),
    (0.99996, "0.99996"),  # rounds to 1 at 3 and 4 decimals: more digits until it does not
    (1.0, "1.000"),  # only an exact 1 reads as 1
    (-0.23, "-0.230"),  # R² can be negative
])
def test_scores_keep_three_decimals_and_never_read_as_perfect_by_rounding(value, text):
    assert score(value) == text


@pytest.mark.parametrize(("share", "text"), [
    (0.9789, "97.9%"), (0.7234, "72.3%"), (0.25, "25%"), (0.996, "99.6%"), (0.9996, "over 99.9%"), (0.0002, "under 0.1%"),
    (0.004, "0.4%"), (1.0, "100%"), (0.0, "0%"),
])
def test_shares_show_one_decimal_and_never_round_to_all_or_nothing(share, text):
    assert pct(share) == text


@pytest.mark.parametrize(("share", "text"), [
    (0.9775, "97.8%"), (0.98, "98%"), (0.9996, "99.9%"), (1.0, "100%"), (0.0004, "0.1%"),
    (0.0, "0%"),
])
def test_metric_rates_keep_one_decimal_and_never_read_as_perfect(share, text):
    assert rate(share) == text


def test_plain_numbers_have_three_significant_digits_and_no_float_noise():
    assert fmt(0.21345) == "0.213"
    assert fmt(54.23) == "54.2"
    assert fmt(880.64) == "880.6"
    assert fmt(4254.0) == "4254"
    assert fmt(12345.6) == "12,346"
    assert fmt(0.1 + 0.2) == "0.3"
    assert fmt(7) == "7"


def test_a_small_change_shows_enough_digits_to_be_seen():
    assert _from_to(0.1431, 0.1426) == "0.1431 to 0.1426"
    assert _from_to(2215.0, 2214.6) == "2215.0 to 2214.6"  # both written the same way
    assert _from_to(109.5, 102.1) == "109.5 to 102.1"
    assert _from_to(58000, 9500) == "58,000 to 9,500"
    assert _from_to(781.0, 658.8) == "781.0 to 658.8"
    assert _from_to("north", "south") == "north to south"


def test_id_lists_read_as_prose():
    assert ids_text([3]) == "3"
    assert ids_text([3, 7]) == "3 and 7"
    assert ids_text(list(range(1, 122)), 5) == "1, 2, 3, 4, 5 and 116 more"


def test_counterfactuals_moving_the_same_features_are_shown_once():
    def option(*changes):
        return r.CounterfactualOption(
            tuple(r.CounterfactualChange(f, 1.0, after) for f, after in changes), "benign")

    first = option(("smoothness", 0.9))
    near_copy = option(("smoothness", 0.8))
    other = option(("area", 0.5), ("smoothness", 0.7))
    third, fourth = option(("texture", 0.1)), option(("radius", 0.1))
    kept = distinct_counterfactuals((first, near_copy, other, third, fourth))
    assert kept == (first, other, third)


def test_demo_auc_and_f1_are_stated_with_three_decimals():
    from dialogue import Conversation

    conv = Conversation.demo()
    ws = conv.workspace
    held = ~ws.training.trained  # scores are measured on the rows the model was not trained on
    truth = ws.y.to_numpy()[held] == "malignant"
    column = list(ws.classes).index("malignant")
    auc = roc_auc_score(truth, ws.probabilities()[held, column])
    reply = conv.ask("what is the roc auc?")
    assert f"**{auc:.3f}**" in reply.text, reply.text
    f1 = f1_score(truth, ws.predictions()[held] == "malignant")
    reply = conv.ask("what is the f1 score?")
    assert f"**{f1:.3f}**" in reply.text, reply.text
    assert not re.search(r"\*\*1\*\*", reply.text)


def test_counterfactual_answer_lists_distinct_verified_changes():
    from dialogue import Conversation

    conv = Conversation.demo()
    reply = conv.ask("what would have to change for patient 10 to get a different prediction?")
    assert reply.ok, reply.text
    lines = [line for line in reply.text.splitlines() if line.startswith("- ")]
    assert lines
    feature_sets = [frozenset(part.split(" from ")[0] for part in line[2:].split(", "))
                    for line in lines]
    assert len(set(feature_sets)) == len(feature_sets)
    for line in lines:  # no change reads as "from x to x"
        for before, after in re.findall(r"from (\S+) to (\S+?)(?:,|$)", line):
            assert before != after, line
    ws = conv.workspace
    now = np.asarray(ws.predictions())[ws.position_of(10)]
    other = next(c for c in ws.classes if c != now)
    assert f"predicts **{now}**" in reply.text and f"predict **{other}**" in reply.text


def test_a_lower_and_an_upper_bound_on_one_feature_read_as_a_range(synthetic_workspace):
    from dialogue.responses import conditions_words

    rule = (r.Condition("bmi", ">", 33.9), r.Condition("age", ">", 60.0),
            r.Condition("bmi", "<=", 35.0))
    assert conditions_words(synthetic_workspace, rule) == "bmi between 33.9 and 35 and age above 60"


def test_true_labels_are_called_by_the_target_unless_the_class_names_already_say_it(conv):
    from dialogue import Conversation

    reply = conv.run_program("filter id 3 and label")  # heart_disease: classes say it already
    assert reply.text.startswith("The true outcome for patient 3 is **"), reply.text
    demo = Conversation.demo().ask("what is the true diagnosis of patient 42?")
    assert demo.text.startswith("The true diagnosis for patient 42 is **"), demo.text


def test_accuracy_states_how_many_rows_were_right(conv):
    from sklearn.metrics import accuracy_score

    reply = conv.ask("how accurate is the model?")
    ws = conv.workspace
    right = int(accuracy_score(ws.y, ws.predictions(), normalize=False))
    assert f"{right} of {len(ws.y)} right" in reply.text
    assert rate(right / len(ws.y)) in reply.text
