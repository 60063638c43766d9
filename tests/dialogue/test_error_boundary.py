"""One error boundary per turn (issue 10, item 3): every failure inside a turn becomes a short,
plain reply that says what to do; the exception's type, message and traceback go to the log
only, and the model's own exception text never reaches the user."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from dialogue import Conversation, Workspace
from dialogue import conversation as conversation_module

SECRET = "db password=hunter2 token=SECRET-7f3a"
LEAK_MARKS = (SECRET, "hunter2", "SECRET-7f3a", "ValueError", "RuntimeError", "Traceback",
              "Input X contains")


class LeakyModel:
    """A classifier that works on a handful of rows (so it loads) and raises, with a secret in
    its message, whenever ``fails(X)`` says so."""

    def __init__(self, inner, fails) -> None:
        self.inner = inner
        self.fails = fails
        self.classes_ = inner.classes_
        self.feature_names_in_ = inner.feature_names_in_

    def predict_proba(self, X):
        if self.fails(X):
            raise ValueError(f"could not reach the scoring service: {SECRET}")
        return self.inner.predict_proba(X)

    def predict(self, X):
        return self.classes_[np.argmax(self.predict_proba(X), axis=1)]


def _frame(n: int = 60) -> pd.DataFrame:
    rng = np.random.default_rng(2)
    frame = pd.DataFrame({"patient_id": np.arange(1, n + 1), "age": rng.integers(20, 90, n),
                          "bmi": rng.normal(27, 4, n).round(1)})
    frame["sick"] = (frame.age + rng.normal(0, 10, n) > 55).astype(int)
    return frame


def _workspace(fails) -> Workspace:
    from sklearn.linear_model import LogisticRegression

    frame = _frame()
    inner = LogisticRegression(max_iter=500).fit(frame[["age", "bmi"]], frame["sick"])
    return Workspace(frame, "sick", LeakyModel(inner, fails), index_col="patient_id")


def _assert_plain(reply) -> None:
    assert not reply.ok
    assert reply.text and len(reply.text) < 600, reply.text
    for mark in LEAK_MARKS:
        assert mark not in reply.text, (mark, reply.text)
        assert mark not in reply.understood and mark not in " ".join(reply.options)
    assert "try" in reply.text.lower(), "the reply says what the user can do"


def test_a_model_that_raises_with_a_secret_is_never_quoted(caplog):
    conv = Conversation(_workspace(lambda X: len(X) > 5))
    with caplog.at_level(logging.ERROR):
        for question in ("how accurate is the model?", "how many patients are predicted sick?",
                         "why did the model predict that for patient 3?"):
            _assert_plain(conv.ask(question))
    assert SECRET in caplog.text, "the details go to the log"
    assert "ValueError" in caplog.text and "Traceback" in caplog.text


def test_a_model_failing_on_a_what_if_leaves_the_conversation_as_it_was(caplog):
    conv = Conversation(_workspace(lambda X: bool((np.asarray(X["age"]) > 150).any())))
    first = conv.ask("how many patients are older than 50?")
    assert first.ok, first.text
    before = (conv.state.selection, conv.state.offered)
    with caplog.at_level(logging.ERROR):
        reply = conv.ask("what if patient 3 were 200 years old?")
    _assert_plain(reply)
    assert (conv.state.selection, conv.state.offered) == before  # as any failed turn keeps them
    again = conv.ask("how many of them are there?")
    assert again.ok and first.text.split()[0] in again.text


def test_failures_anywhere_in_the_turn_stay_inside_it(monkeypatch, caplog):
    """The renderer, the parser and even ``str(message)`` failing: one plain sentence each."""
    conv = Conversation(_workspace(lambda X: False))

    def broken_render(*_args, **_kwargs):
        raise RuntimeError(f"renderer exploded: {SECRET}")

    with caplog.at_level(logging.ERROR):
        with monkeypatch.context() as patch:
            patch.setattr(conversation_module, "render", broken_render)  # where it is called
            _assert_plain(conv.ask("how many patients are older than 50?"))
            _assert_plain(conv.run_program("countdata"))

        class BrokenParser:
            def parse(self, text, context):
                raise RuntimeError(SECRET)

        _assert_plain(Conversation(conv.workspace, parser=BrokenParser()).ask("hello?"))

        class Unprintable:
            def __str__(self):
                raise RuntimeError(SECRET)

        _assert_plain(conv.ask(Unprintable()))
    assert caplog.text.count(SECRET) >= 3
    assert conv.ask("how many patients are older than 50?").ok, "the conversation goes on"


@pytest.mark.parametrize("question", ["how accurate is the model?", "what are the top 3 features?"])
def test_the_cli_chat_shows_no_exception_text(question, capsys):
    from dialogue.__main__ import run_chat

    conv = Conversation(_workspace(lambda X: len(X) > 5))
    import io

    out = io.StringIO()
    run_chat(conv, [question, "quit"], out, interactive=False, figure_dir=None)
    for mark in LEAK_MARKS:
        assert mark not in out.getvalue()
