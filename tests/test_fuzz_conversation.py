"""A property test (issue 10, item 6): whatever people type, on two very different tables,
``Conversation.ask`` never raises, no reply shows a traceback or an exception's text, and the
shared data and the model's predictions are unchanged afterwards.

Hypothesis builds conversations of 1-6 messages from ``tests/fuzzing.py`` (unicode and control
characters, huge and tiny numbers, injections, format strings, ids and features that do not
exist, follow-up chains). Bounded for CI (about half a minute per table, a fixed seed so runs
are repeatable); ``python bench/fuzz.py`` sends 10,000+ messages per table.
"""

from __future__ import annotations

import logging

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from dialogue.conversation import Conversation  # noqa: E402
from dialogue.demo import demo_workspace  # noqa: E402
from dialogue.warmup import warm_up  # noqa: E402
from tests.fuzzing import (  # noqa: E402
    HypothesisPicker,
    Snapshot,
    Vocabulary,
    clinic_workspace,
    message,
    reply_problems,
)

CONVERSATIONS_PER_TABLE = 250
FUZZ_SETTINGS = settings(max_examples=CONVERSATIONS_PER_TABLE, deadline=None, derandomize=True,
                         database=None, suppress_health_check=list(HealthCheck))


@pytest.fixture(scope="module", params=["demo", "clinic"])
def table(request):

    workspace = demo_workspace() if request.param == "demo" else clinic_workspace()
    warm_up(workspace)
    return workspace, Vocabulary.of(workspace), Snapshot.of(workspace)


def test_no_message_breaks_a_conversation_or_the_shared_data(table):
    workspace, vocabulary, snapshot = table
    logging.disable(logging.CRITICAL)  # failed turns log their details; that is expected here
    try:
        _property(workspace, vocabulary, snapshot)
    finally:
        logging.disable(logging.NOTSET)


def _property(workspace, vocabulary, snapshot) -> None:
    sent = []

    @FUZZ_SETTINGS
    @given(data=st.data(), turns=st.integers(min_value=1, max_value=6))
    def conversation_holds(data, turns):
        picker = HypothesisPicker(data)
        conversation = Conversation(workspace)
        for _ in range(turns):
            text = message(picker, vocabulary)
            sent.append(text)
            reply = conversation.ask(text)  # an exception here fails the property
            assert not reply_problems(text, reply), (text, reply.text)
        assert not snapshot.changes(workspace)

    conversation_holds()
    print(f"fuzzed {len(sent)} messages in {CONVERSATIONS_PER_TABLE} conversations")
    assert len(sent) >= CONVERSATIONS_PER_TABLE, "every conversation sent its messages"


def test_the_checker_sees_exception_text_but_not_what_the_user_typed():
    from dialogue import Reply

    assert reply_problems("how accurate?", Reply(
        text="The model raised an error: ValueError: Input X contains infinity"))
    assert reply_problems("why?", Reply(text='Traceback (most recent call last): File "x.py"'))
    assert not reply_problems("what does KeyError mean?", Reply(
        text="The data has no feature called 'KeyError'."))
    assert reply_problems("hi", Reply(text=""))
