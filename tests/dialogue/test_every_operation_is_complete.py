"""Every operation of the language is served at every stage: written back as text and read by
the grammar, described in plain words, predicted by the parser's model, run by the executor and
answered in prose. Adding an operation and forgetting one of these places fails here, naming
the place."""

from __future__ import annotations

import typing

import pytest

from dialogue import Conversation
from dialogue.responses import operation_words
from grammar import program as p
from grammar.language import parse_program
from grammar.parse.decisions import ARGUMENT_OPERATIONS, LABEL_CLAUSES, operation_name
from tests.dialogue.conftest import needs_engine

OPERATION_TYPES = typing.get_args(p.Operation)
# resolved by the conversation from the turn before, never run as they are
REFERENCES = (p.FollowUp, p.PreviousOperation)


def _samples(feature: str) -> list[p.Clause]:
    """One clause per operation label, with a real feature and a top K where one is needed."""
    return [build(feature if name in ARGUMENT_OPERATIONS else 3)
            for name, build in LABEL_CLAUSES.items()]


def test_every_operation_type_has_a_label_the_parser_can_predict():
    labelled = {type(clause) for clause in _samples("age")}
    assert set(OPERATION_TYPES) <= labelled, set(OPERATION_TYPES) - labelled
    unnamed = [clause for clause in _samples("age") if operation_name(clause) is None]
    assert not unnamed


def test_every_operation_is_written_read_and_described(synthetic_workspace):
    ws = synthetic_workspace
    for clause in _samples("age"):
        program = p.Program.of(clause)
        assert parse_program(str(program), ws.schema) == program, str(program)
        assert operation_words(ws, clause).strip(), clause


@needs_engine
@pytest.mark.parametrize("label", [name for name, _ in LABEL_CLAUSES.items()])
def test_every_operation_is_run_and_answered_in_words(synthetic_workspace, label):
    clause = LABEL_CLAUSES[label]("age" if label in ARGUMENT_OPERATIONS else 3)
    conversation = Conversation(synthetic_workspace, figures=False)
    row = synthetic_workspace.frame.index[0]
    if isinstance(clause, REFERENCES):  # after a turn to refer to
        conversation.run_program(f"filter id {row} and predict [E]")
    program = p.Program.of(clause) if isinstance(clause, p.ROW_FREE_TYPES + REFERENCES) else (
        p.Program.of(p.IdFilter(row), clause) if label.startswith("explain")
        else p.Program.of(clause))
    reply = conversation.run_program(program)
    assert reply.text.strip(), label
    assert "Result(" not in reply.text, f"{label}: no renderer for its result"
    assert "do not know how to run" not in reply.text, f"{label}: no executor handler"
