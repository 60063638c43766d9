"""Bad input gets a clear, friendly reply — never a traceback — and leaves the state alone."""

from __future__ import annotations

import pytest

from dialogue.conversation import Conversation

BAD_MESSAGES = [
    "",
    "   ",
    "x" * 10_000,
    "asdkjh qwpoeiu zxcmnb",
    "what's the weather in Paris tomorrow?",
    None,
]


def _assert_friendly(reply) -> None:
    assert not reply.ok
    assert reply.text and "Traceback" not in reply.text and "Error(" not in reply.text
    assert len(reply.text) < 2000


@pytest.mark.parametrize("message", BAD_MESSAGES)
def test_bad_messages_get_friendly_replies(conv, message):
    conv.run_program("filter smoker true and countdata")
    before = conv.state
    reply = conv.ask(message)
    if message is not None and message.strip() and len(message) < 1000 and reply.ok:
        pytest.skip("the parser found a reading for this message")
    _assert_friendly(reply)
    assert conv.state == before


def test_empty_and_long_messages_suggest_questions(conv):
    for message in ("", "y" * 10_000):
        reply = conv.ask(message)
        assert reply.options and "“" in reply.text


@pytest.mark.parametrize("program", [
    "filter agee greater than 50 and countdata",
    "filter id 987654 and predict",
    "filter sex robot and countdata",
    "filter age greater than 200 and predict",
    "filter age greater than 84 and filter age less than 26 and countdata",
    "this is not a program",
    "",
])
def test_bad_programs_fail_kindly_and_keep_the_selection(conv, program):
    df = conv.workspace.frame
    conv.run_program("filter smoker true and countdata")
    reply = conv.run_program(program)
    _assert_friendly(reply)
    again = conv.run_program("previousfilter and countdata")
    assert f"{int((df.smoker == 1).sum())} of the" in again.text


def test_unknown_feature_suggests_the_closest(conv):
    from grammar import program as p

    reply = conv.run_program(p.Program.of(p.NumericFilter("cholesteral", "greater than", 3),
                                          p.CountData()))
    assert not reply.ok and "cholesterol" in reply.text and "cholesterol" in reply.options


def test_empty_selection_explains_the_range(conv):
    df = conv.workspace.frame
    reply = conv.run_program("filter age greater than 200 and countdata")
    assert not reply.ok
    assert "No patients" in reply.text
    assert str(df.age.min()) in reply.text and str(df.age.max()) in reply.text


def test_engine_errors_become_sentences(synthetic_workspace):
    from dialogue import Workspace
    from explainers import ExplainerError

    class BrokenEngine:
        def explain(self, rows, method="auto"):
            raise ExplainerError("The model could not be explained for these rows.")

    ws = Workspace(synthetic_workspace.frame, "heart_disease", synthetic_workspace.model)
    ws._engine = BrokenEngine()
    conv = Conversation(ws)
    reply = conv.run_program("explain features")
    _assert_friendly(reply)
    assert reply.text == "The model could not be explained for these rows."


def test_failed_turn_still_sets_the_question_for_and_for(conv):
    conv.run_program("filter age greater than 200 and countdata")
    reply = conv.run_program("filter age greater than 60 and previousoperation")
    assert reply.ok and str(int((conv.workspace.frame.age > 60).sum())) in reply.text


def test_unexpected_exceptions_do_not_leak(synthetic_workspace):
    from dialogue import Workspace

    class Exploding:
        def global_importance(self, rows):
            raise RuntimeError("boom: internal detail")

    ws = Workspace(synthetic_workspace.frame, "heart_disease", synthetic_workspace.model)
    ws._engine = Exploding()
    reply = Conversation(ws).run_program("important topk 3")
    _assert_friendly(reply)
    assert "boom" not in reply.text
