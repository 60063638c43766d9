"""Every example question the app offers is read as intended in a fresh session.

The parser is a learned model and may be retrained; when an example is misread, the failure
names the example, what it was read as and what it should be, so the example's words can be
made clearer (the parser is not edited for an example)."""

from __future__ import annotations

import pandas as pd
import pytest

from dialogue import Conversation, Workspace
from dialogue.app_support import example_set
from dialogue.demo import demo_frame, demo_workspace
from grammar.schema import DatasetSchema
from tests.app.test_app_client import fit_pipeline, make_loan_data


def _loan_frame() -> pd.DataFrame:
    return make_loan_data().set_index("applicant_id")


def _schemas() -> dict[str, tuple[DatasetSchema, str, str]]:
    demo = demo_frame()
    loans = _loan_frame()
    return {
        "demo": (DatasetSchema.from_frame(demo, "diagnosis"), "patient", "patients"),
        "loans": (DatasetSchema.from_frame(loans, "approved"), "applicant", "applicants"),
    }


CASES = [(name, example.text, example.program)
         for name, (schema, one, many) in _schemas().items()
         for example in example_set(schema, one, many)]


@pytest.fixture(scope="module")
def workspaces() -> dict[str, Workspace]:
    loans = make_loan_data()
    model = fit_pipeline(loans.drop(columns=["applicant_id", "approved"]), loans["approved"])
    return {"demo": demo_workspace(),
            "loans": Workspace.build(loans, "approved", model, index_col="applicant_id")}


def test_the_examples_are_the_ones_the_app_shows(workspaces) -> None:
    from dialogue.app_support import example_questions

    ws = workspaces["demo"]
    shown = example_questions(ws.schema, ws.noun(1), ws.noun(2))
    assert list(shown) == [text for name, text, _ in CASES if name == "demo"]
    assert len(shown) >= 6


@pytest.mark.parametrize(("dataset", "text", "program"), CASES,
                         ids=[f"{name}: {text}" for name, text, _ in CASES])
def test_each_example_is_read_as_intended_in_a_fresh_session(workspaces, dataset: str,
                                                             text: str, program: str) -> None:
    reply = Conversation(workspaces[dataset]).ask(text)
    assert reply.parse == program, (
        f"the {dataset} example {text!r} was read as {reply.parse or 'nothing'!r} "
        f"(confidence {reply.confidence:.2f}); it should be {program!r}. Choose clearer words "
        "for this example in dialogue.app_support.example_set.")
    assert reply.ok, f"the {dataset} example {text!r} was not answered: {reply.text}"
