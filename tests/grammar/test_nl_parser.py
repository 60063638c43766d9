"""The first-stage parser on tables it was never written for, in sentences written for the tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from grammar import DatasetSchema, NaturalLanguageParser, ParseContext
from grammar.language import parse_program


@pytest.fixture(scope="module")
def loans() -> NaturalLanguageParser:
    rng = np.random.default_rng(1)
    n = 200
    frame = pd.DataFrame({
        "applicant_id": np.arange(1000, 1000 + n),
        "Age": rng.integers(19, 75, n),
        "AnnualIncome": rng.integers(12_000, 250_000, n),
        "loan_amount": rng.integers(500, 40_000, n),
        "homeowner": rng.choice(["yes", "no"], n),
        "employment_type": rng.choice(["salaried", "self-employed", "unemployed"], n),
        "gender": rng.choice(["female", "male"], n),
        "number_of_late_payments": rng.integers(0, 12, n),
        "approved": rng.choice(["approved", "rejected"], n),
    })
    return NaturalLanguageParser(DatasetSchema.from_frame(frame, "approved",
                                                          index_col="applicant_id"))


CASES = [
    ("why was applicant 1003 rejected?", "filter id 1003 and explain features [E]"),
    ("what does the model predict for case #1010", "filter id 1010 and predict [E]"),
    ("how many homeowners are there?", "filter homeowner true and countdata [E]"),
    ("how many people who are not homeowners are there",
     "filter homeowner false and countdata [E]"),
    ("what's the accuracy for self-employed applicants over forty",
     "filter employmenttype self-employed and filter age greater than 40 and score accuracy [E]"),
    ("average annual income of women", "filter gender female and statistic annualincome [E]"),
    ("top four features", "important topk 4 [E]"),
    ("how important is the loan amount", "important loanamount [E]"),
    ("what if applicant 1020 had 3 fewer late payments?",
     "filter id 1020 and change numberoflatepayments decrease 3 and predict [E]"),
    ("how likely are men with at least 5 late payments to be approved",
     "filter gender male and filter numberoflatepayments greater equal than 5 and likelihood [E]"),
    ("what would it take to flip the decision for applicant 1100?",
     "filter id 1100 and explain cfe [E]"),
    ("show me applicants aged 30 to 40 inclusive",
     "filter age greater equal than 30 and filter age less equal than 40 and show [E]"),
    ("how many mistakes does the model make on unemployed people",
     "filter employmenttype unemployed and mistake count [E]"),
    ("which features interact the most?", "interact [E]"),
    ("what does late payments mean?", "define numberoflatepayments [E]"),
    ("who are you?", "self [E]"),
    ("what kind of model is this?", "model [E]"),
    ("how many applicants does the model predict as approved?",
     "filter predictionfilter approved and countdata [E]"),
    ("what is the recall on homeowners or people over sixty",
     "filter homeowner true or filter age greater than 60 and score recall [E]"),
    ("shap values for applicant 1001", "filter id 1001 and explain shap [E]"),
]


# Turns about the previous one: (question, expected) in the context of PREVIOUS.
PREVIOUS = "filter gender female and filter age greater than 50 and countdata"
CONTEXT_CASES = [
    ("what does the model predict for them?", "previousfilter and predict [E]"),
    ("and for men?", "filter gender male and previousoperation [E]"),
    ("no, I meant men", "filter gender male and filter age greater than 50 and countdata [E]"),
    ("yes please", "followup [E]"),
]
MISSPELT_CASES = [
    ("how many homeowners are ther with an anual income under 50000?",
     "filter homeowner true and filter annualincome less than 50000 and countdata [E]"),
    ("predicton for applicant 1004", "filter id 1004 and predict [E]"),
]
UNSEEN_BAR = 0.92  # measured 96.2% (25 of 26) with the committed model


def test_reads_questions_about_an_unseen_table_at_the_measured_rate(loans):
    """The learned parser must read at least ``UNSEEN_BAR`` of these right (all are listed)."""
    context = ParseContext(previous=parse_program(PREVIOUS, loans.schema), offered_followup=True)
    asked = ([(q, e, None) for q, e in CASES + MISSPELT_CASES]
             + [(q, e, context) for q, e in CONTEXT_CASES])
    wrong = []
    for question, expected, turn_context in asked:
        result = loans.parse(question, turn_context)
        assert 0.0 <= result.confidence <= 1.0
        if result.text != expected:
            wrong.append(f"{question!r}: expected {expected!r}, read {result.text!r} "
                         f"({result.confidence:.2f})")
    rate = 1 - len(wrong) / len(asked)
    assert rate >= UNSEEN_BAR, f"{rate:.1%} of {len(asked)} right; misses:\n" + "\n".join(wrong)


@pytest.mark.parametrize("text", ["", "   ", "😀😀😀", "SELECT * FROM users; DROP TABLE x;",
                                  "¿Qué tiempo hace hoy en Madrid?", "what's the weather like?",
                                  "asdkjh qwe zxcv", "x" * 10_000,
                                  "how many " + "very " * 3000 + "old people?"])
def test_bad_input_never_raises(loans, text):
    result = loans.parse(text)
    assert (result.program is None and result.error) or result.confidence <= 0.95
    if result.program is None:
        assert result.error


def test_programs_are_valid_for_the_dataset(loans):
    for question, _ in CASES:
        program = loans.parse(question).program
        assert program is not None
        assert parse_program(str(program), loans.schema) == program


DEV = Path(__file__).resolve().parents[2].parent / "shared" / "dev"
DEV_BAR = 0.83  # measured 86.7% (260 of 300) with the committed model; the target is 95%


@pytest.mark.skipif(not DEV.exists(), reason="the development set (../shared/dev) is absent")
def test_development_set_accuracy_meets_the_bar():
    frame = pd.read_csv(DEV / "clinic.csv")
    schema = DatasetSchema.from_frame(frame, "heart_disease", index_col="patient_id")
    parser = NaturalLanguageParser(schema)
    blocks = [b.strip().splitlines() for b in (DEV / "clinic_parses.txt").read_text().split("\n\n")
              if b.strip()]
    correct = sum(parser.parse(q).text == str(parse_program(g, schema)) for q, g in blocks)
    assert correct / len(blocks) >= DEV_BAR


@pytest.mark.parametrize("offered", [False, True])
def test_a_question_about_the_model_is_not_about_the_rows_of_the_turn_before(loans, offered):
    """'what kind of model is it?' after a count: the model's answer ignores the rows, so reading
    'it' as the previous rows is the same reading, not a second one to ask about."""
    previous = parse_program("filter homeowner true and countdata [E]", loans.schema)
    result = loans.parse("what kind of model is it?",
                         ParseContext(previous=previous, offered_followup=offered))
    assert result.text == "model [E]"
    assert result.confidence >= 0.7


def test_the_rows_of_a_turn_about_every_row_are_every_row(loans):
    """After a question about the whole table, 'them' selects every row: "previousfilter and X"
    and "X" are one reading, written without the idle reference."""
    from grammar.parse.parser import without_idle_previous_filter

    schema = loans.schema
    read = parse_program("previousfilter and mistake sample [E]", schema)
    whole = parse_program("mistake count [E]", schema)
    assert str(without_idle_previous_filter(read, whole)) == "mistake sample [E]"
    for kept in ("filter homeowner true and mistake count [E]",  # a group: "them" is the group
                 "define annualincome [E]",  # keeps the selection from before it
                 "previousoperation [E]", "followup [E]"):
        assert without_idle_previous_filter(read, parse_program(kept, schema)) is None, kept
    assert without_idle_previous_filter(read, None) is None  # nothing before: left as read
