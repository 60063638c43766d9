"""Questions a parser once misread, each with the reading a user would expect.

The parser is learned, so these are scored together: it must get at least ``KNOWN_BAR`` of them
right (a rate measured with the committed model; every miss is listed). Two promises are kept on
every case, not as a rate: a question about something the table lacks is never answered
confidently as a question about something else, and a thank-you is never run as a program.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import pytest

from grammar import NaturalLanguageParser, ParseContext, ParseResult
from grammar.language import parse_program
from tests.grammar import tables

KNOWN_BAR = 0.72  # measured 75.0% (42 of 56) with the committed model


@dataclass(frozen=True)
class Case:
    """A question on a table, its context, and what a right reading is.

    ``expected`` is the program's text; or ``missing:WORD`` (declined, naming WORD as what the
    table lacks), ``unsupported`` (declined as something the language cannot ask),
    ``courtesy`` (a thank-you, answered kindly), ``without:WORD`` (any reading that does not
    contain WORD), ``endswith:TEXT``."""

    table: str
    question: str
    expected: str
    previous: str | None = None
    offered: bool = False
    previous_question: str | None = None  # the previous program is this question's reading


CASES = (
    Case("clinic", "how many people have a glucose over 100?", "missing:glucose"),
    Case("clinic", "show patients whose glucose is above 140", "missing:glucose"),
    Case("clinic", "what if patient 20 had a glucose level of 150?", "missing:glucose"),
    Case("clinic", "how many people have a cholesterol over 240?",
         "filter cholesterol greater than 240 and countdata [E]"),
    Case("cancer", "average mean area for malignant ones?",
         "filter labelfilter malignant and statistic meanarea [E]"),
    Case("cancer", "how many benign cases are there?",
         "filter labelfilter benign and countdata [E]"),
    Case("cancer", "what if patient 20 had a worst area of 1500?",
         "filter id 20 and change worstarea set 1500 and predict [E]"),
    Case("clinic", "if every non-diabetic became diabetic, how many would the model flag?",
         "filter diabetic false and change diabetic true and predict [E]"),
    Case("clinic", "which ones does it get wrong?", "previousfilter and mistake sample [E]",
         previous="previousfilter and score specificity"),
    Case("clinic", "show me the ones over 70", "filter age greater than 70 and show [E]"),
    Case("clinic", "how many people with 2 cats", "missing:cats"),
    Case("clinic", "people with 2 cats or more", "missing:cats"),
    Case("loans", "how many applicants earn more than 90k?",
         "filter annualincome greater than 90000 and countdata [E]"),
    Case("cancer", "average worst texture of malignant tumours",
         "filter labelfilter malignant and statistic worsttexture [E]"),
    Case("cancer", "median worst area of benign tumours",
         "filter labelfilter benign and statistic worstarea [E]"),
    Case("cancer", "how important is worst area for benign patients?",
         "filter labelfilter benign and important worstarea [E]"),
    Case("cancer", "what are the true diagnoses of patients 5 and 6?",
         "filter id 5 or filter id 6 and label [E]"),
    Case("cancer", "what does texture error mean?", "define textureerror [E]"),
    Case("cancer", "how important is blood pressure?", "missing:blood pressure"),
    Case("cancer", "average blood pressure", "missing:blood pressure"),
    Case("clinic", "average blood sugar", "missing:blood sugar"),
    Case("clinic", "average glucose", "missing:glucose"),
    Case("clinic", "what does blood sugar mean?", "missing:blood sugar"),
    Case("clinic", "average blood pressure", "statistic systolicbp [E]"),
    Case("clinic", "what do they have in common?", "previousfilter and mistake typical [E]",
         previous="filter smoker true and mistake count"),
    Case("clinic", "how many smokers does the model flag?",
         "filter smoker true and filter predictionfilter 1 and countdata [E]"),
    Case("cancer", "show me the chest pain types", "without:previousfilter"),
    Case("clinic", "show me the chest pain types", "without:previousfilter"),
    Case("cancer", "show the patients with a mean radius above 12 and below 15",
         "filter meanradius greater than 12 and filter meanradius less than 15 and show [E]"),
    Case("clinic", "thanks!", "courtesy", offered=True),
    Case("clinic", "thank you", "courtesy", offered=True),
    Case("clinic", "great, thanks", "courtesy", offered=True),
    Case("clinic", "ok thank you so much", "courtesy", offered=True),
    Case("clinic", "yes, thanks", "followup [E]", offered=True),
    Case("clinic_regression", "what is the average systolic blood pressure of diabetics?",
         "filter diabetic true and statistic target [E]"),
    Case("clinic_regression", "what is the average blood pressure?", "statistic target [E]"),
    Case("clinic_regression", "median systolic bp for smokers",
         "filter smoker true and statistic target [E]"),
    Case("clinic", "and patients with a family history, on average?",
         "filter familyhistory true and previousoperation [E]",
         previous="filter id 88 and likelihood"),
    Case("clinic", "and what is the cholesterol on average?", "endswith:statistic cholesterol [E]",
         previous="filter id 88 and likelihood"),
    Case("clinic_regression", "what's the mean absolute error?", "score default [E]"),
    Case("clinic_regression", "what's the rmse for women?",
         "filter sex female and score default [E]"),
    Case("clinic_regression", "and the r2?", "score default [E]", previous="score default"),
    Case("clinic_regression", "what is the r-squared of the model?", "score default [E]"),
    Case("clinic_regression", "mean squared error on smokers",
         "filter smoker true and score default [E]"),
    Case("clinic_without_sex", "what's the precision for women?", "missing:women"),
    Case("clinic", "what's the precision for women?", "filter sex female and score precision [E]"),
    Case("clinic_regression", "how many patients does the model predict above 150?",
         "unsupported"),
    Case("clinic_regression", "show the patients whose predicted value is over 150",
         "unsupported"),
    Case("clinic_regression", "how many patients have cholesterol above 150?",
         "filter cholesterol greater than 150 and countdata [E]"),
    Case("loans", "how many renters were approved?",
         "filter homeowner false and filter labelfilter approved and countdata [E]"),
    Case("loans", "show renters", "filter homeowner false and show [E]"),
    Case("loans", "show homeowners", "filter homeowner true and show [E]"),
    Case("clinic", "what if he was 63?", "previousfilter and change age set 63 and predict [E]",
         previous_question="what would it take to change the prediction for patient 64?"),
    Case("clinic", "what if she were 70 and a smoker?",
         "previousfilter and change age set 70 and change smoker true and predict [E]",
         previous_question="what would it take to change the prediction for patient 64?"),
    Case("clinic", "what if patient 64 was 63?",
         "filter id 64 and change age set 63 and predict [E]",
         previous_question="what would it take to change the prediction for patient 64?"),
    Case("clinic", "what if she was 300?", "without:age",
         previous_question="why did the model predict that for patient 64?"),
)


@cache
def _parser(table: str) -> NaturalLanguageParser:
    return NaturalLanguageParser(getattr(tables, table)())


def _read(case: Case) -> ParseResult:
    parser = _parser(case.table)
    previous = None
    if case.previous is not None:
        previous = parse_program(case.previous, parser.schema)
    elif case.previous_question is not None:
        previous = parser.parse(case.previous_question).program
    return parser.parse(case.question, ParseContext(previous=previous, offered_followup=case.offered))


def _right(case: Case, result: ParseResult) -> bool:
    kind, _, word = case.expected.partition(":")
    if kind == "missing":
        return (result.program is None and result.unknown_features == (word,)
                and result.error is not None and word in result.error)
    if case.expected == "unsupported":
        return result.program is None and result.unsupported and bool(result.error)
    if case.expected == "courtesy":
        return result.program is None and result.courtesy and bool(result.error)
    if kind == "without":
        return result.program is not None and word not in result.text
    if kind == "endswith":
        return result.text.endswith(word)
    return result.text == case.expected


def test_the_known_misreads_are_read_right_at_the_measured_rate() -> None:
    wrong = []
    for case in CASES:
        result = _read(case)
        if not _right(case, result):
            wrong.append(f"{case.table}: {case.question!r}: expected {case.expected!r}, "
                         f"read {result.text!r} ({result.confidence:.2f})")
    rate = 1 - len(wrong) / len(CASES)
    assert rate >= KNOWN_BAR, f"{rate:.1%} of {len(CASES)} right; misses:\n" + "\n".join(wrong)


@pytest.mark.parametrize("case", [c for c in CASES if c.expected.startswith("missing:")],
                         ids=lambda c: c.question)
def test_what_the_table_lacks_is_never_answered_confidently_as_something_else(case: Case) -> None:
    result = _read(case)
    word = case.expected.partition(":")[2]
    assert (result.program is None or result.confidence < _parser(case.table).ask_below
            or word in result.unknown_features), result.text


@pytest.mark.parametrize("case", [c for c in CASES if c.expected == "courtesy"],
                         ids=lambda c: c.question)
def test_a_thank_you_is_never_run_as_a_program(case: Case) -> None:
    assert _read(case).program is None
