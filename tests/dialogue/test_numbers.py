"""Numbers in questions (issue 10, item 2): read as written, and a number beyond anything a
column can hold gets a sentence naming the data's largest (or smallest) value, never an
exception. The range check is the executor's, so it holds for programs from any parser."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from dialogue import Conversation, Workspace
from grammar import program as p

HUGE = "9" * 400


@pytest.fixture(scope="module")
def incomes() -> Workspace:
    from sklearn.linear_model import LogisticRegression

    rng = np.random.default_rng(11)
    n = 150
    frame = pd.DataFrame({"person_id": np.arange(1, n + 1),
                          "income": rng.integers(1_000, 19_990, n),
                          "age": rng.integers(20, 80, n)})
    frame.loc[7, "income"] = 19_990
    frame["defaulted"] = (frame.income < 6_000).astype(int) ^ (rng.random(n) < 0.1)
    model = LogisticRegression(max_iter=500).fit(frame[["income", "age"]], frame["defaulted"])
    return Workspace(frame, "defaulted", model, index_col="person_id")


@pytest.fixture()
def conv(incomes: Workspace) -> Conversation:
    return Conversation(incomes)


@pytest.mark.parametrize(("question", "threshold"), [
    ("how many people have income over 1e4?", 10_000),
    ("how many people have income over 1.5e4?", 15_000),
    ("how many people have income over 2.5k?", 2_500),
    ("how many people have income over 1,000?", 1_000),
    ("how many people have an income over ten thousand?", 10_000),
])
def test_counts_use_the_number_as_written(conv, incomes, question, threshold):
    reply = conv.ask(question)
    expected = int((incomes.frame["income"] > threshold).sum())
    assert reply.ok, reply.text
    assert f"greater than {threshold}" in reply.parse
    assert f"{expected} of the" in reply.text or f"{expected} people" in reply.text, reply.text


def test_a_number_beyond_any_column_names_the_largest_value(conv):
    reply = conv.ask(f"how many people have income over {HUGE}?")
    assert not reply.ok
    assert "beyond any value in the data; the largest income is 19,990" in reply.text


def test_a_hugely_negative_number_names_the_smallest_value(conv, incomes):
    reply = conv.ask(f"how many people have income below -{HUGE}?")
    from dialogue.responses import fmt

    smallest = fmt(int(incomes.frame["income"].min()))
    assert not reply.ok and f"the smallest income is {smallest}" in reply.text, reply.text


@pytest.mark.parametrize("message", [
    f"how many people have income over {HUGE}?",
    f"how many people have income over {HUGE}.5?",
    "how many people have income over 1e400?",
    f"what if person 3 had an income of {HUGE}?",
    "what if person 3 had an income of 1e39?",
    "what if person 3 had income increased by 1e308?",
    f"why did the model predict that for person {HUGE}?",
    f"what are the top {HUGE} features?",
    f"show me people aged between {HUGE} and {HUGE}1",
])
def test_huge_numbers_never_raise(conv, message):
    reply = conv.ask(message)
    assert reply.text and "Traceback" not in reply.text and "Error" not in reply.text
    assert "inf" not in reply.parse
    if not reply.ok and "income" in message and "1e39" not in message:
        assert "19,990" in reply.text or "smallest" in reply.text or "id" in reply.text


@pytest.mark.parametrize("value", [float("inf"), float("-inf"), float("nan"), int(HUGE), 1e39])
def test_programs_from_any_parser_are_range_checked(conv, value):
    """A Program built directly (no parser involved) gets the same sentences."""
    for program in (p.Program.of(p.NumericFilter("income", "greater than", value), p.CountData()),
                    p.Program.of(p.IdFilter(3), p.NumericChange("income", "set", value),
                                 p.Predict())):
        reply = conv.run_program(program)
        if isinstance(program.clauses[0], p.NumericFilter) and value == 1e39:
            assert "No persons" in reply.text  # a plain number: simply nothing matches
            continue
        assert not reply.ok
        assert ("largest income is 19,990" in reply.text or "smallest income" in reply.text
                or "not a number" in reply.text), reply.text


def test_a_huge_program_text_runs_to_a_sentence(conv):
    reply = conv.run_program(f"filter income greater than {HUGE} and countdata")
    assert not reply.ok and "the largest income is 19,990" in reply.text
