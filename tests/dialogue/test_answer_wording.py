"""Answers a domain expert can read: a ranking shows ten and sums up the rest, effects are in
the output's units (points of a chance), numbers read together are written the same way, and a
counterfactual is one option with all its changes together."""

from __future__ import annotations

import re

import pytest

from dialogue import Conversation
from dialogue.demo import demo_workspace
from dialogue.responses import fmt_pair, points


@pytest.fixture(scope="module")
def demo() -> Conversation:
    return Conversation(demo_workspace())


def test_a_ranking_shows_ten_and_sums_up_the_rest(demo) -> None:
    text = demo.run_program("important all [E]").text
    ranked = re.findall(r"^(\d+)\. \*\*", text, flags=re.M)
    assert ranked == [str(i) for i in range(1, 11)], text
    assert text.startswith("The 10 most important of the 30 features")
    rest = next(line for line in text.splitlines() if line.startswith("The other 20 features"))
    assert "have no effect on this model" in rest and " 0%" not in rest, rest
    assert "average effect" not in text, "raw effect sizes have no unit a reader knows"


def test_strongly_correlated_features_are_named_in_one_line(demo) -> None:
    text = demo.run_program("important all [E]").text
    lines = [line for line in text.splitlines() if line.startswith("_Strongly correlated")]
    assert len(lines) == 1 and "worst perimeter" in lines[0] and "worst radius" in lines[0]


def test_effects_on_a_chance_are_in_points(demo) -> None:
    text = demo.run_program("filter id 12 and explain features [E]").text
    assert re.search(r"raised the predicted chance of malignant the most, by \d+(\.\d)? points",
                     text), text
    group = demo.run_program("filter meanradius greater than 17.5 and explain features [E]")
    assert re.search(r"typical effect ±\d+(\.\d)? points", group.text), group.text
    assert points(0.158) == "15.8 points" and points(-0.01) == "1 point"
    assert points(0.0001) == "under 0.1 points"


def test_a_counterfactual_is_one_option_with_all_its_changes(demo) -> None:
    text = demo.run_program("filter id 12 and explain cfe [E]").text
    assert "Any one of these changes" not in text
    options = [line for line in text.splitlines() if line.startswith("- ")]
    assert options, text
    if len(options) > 1:
        assert "an option is all of its changes together" in text
        assert all(line.startswith(f"- **Option {i}:** ")
                   for i, line in enumerate(options, 1)), options
    for line in options:
        changes = line.count(" from ")
        assert changes == 1 or " and " in line, f"the last of {changes} changes is 'and': {line}"
        assert "error from" not in line, "a measurement error is never changed"


def test_numbers_read_together_are_written_one_way() -> None:
    assert fmt_pair(58000, 9500) == ("58,000", "9,500")
    assert fmt_pair(781.0, 658.8) == ("781.0", "658.8")
    assert fmt_pair(0.1431, 0.5) == ("0.143", "0.500")
    assert fmt_pair("north", 3) == ("north", "3")
