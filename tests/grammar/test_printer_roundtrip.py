"""Round trips text -> Program -> text for every clause, compound programs and the gold parses."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pandas as pd
import pytest
import yaml

from grammar import program as p
from grammar.language import ProgramGrammar, parse_program
from grammar.program import to_text
from grammar.schema import DatasetSchema

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
DEV = SHARED / "dev"

# One canonical text per clause kind, with the Program it means.
EVERY_CLAUSE: list[tuple[str, p.Clause]] = [
    ("filter id 12", p.IdFilter(12)),
    ("filter age greater than 30", p.NumericFilter("age", "greater than", 30)),
    ("filter age less than 30", p.NumericFilter("age", "less than", 30)),
    ("filter bmi greater equal than 25.5", p.NumericFilter("bmi", "greater equal than", 25.5)),
    ("filter bmi less equal than -1", p.NumericFilter("bmi", "less equal than", -1)),
    ("filter age equal to 40", p.NumericFilter("age", "equal to", 40)),
    ("filter age not equal to 0.25", p.NumericFilter("age", "not equal to", 0.25)),
    ("filter smoker true", p.BoolFilter("smoker", True)),
    ("filter smoker false", p.BoolFilter("smoker", False)),
    ("filter sex female", p.CategoryFilter("sex", "female")),
    ("filter labelfilter 1", p.LabelFilter("1")),
    ("filter predictionfilter 0", p.PredictionFilter("0")),
    ("previousfilter", p.PreviousFilter()),
    ("split heldout", p.SplitFilter("heldout")),
    ("split training", p.SplitFilter("training")),
    ("split all", p.SplitFilter("all")),
    ("change glucose increase 10", p.NumericChange("glucose", "increase", 10)),
    ("change glucose decrease 2.5", p.NumericChange("glucose", "decrease", 2.5)),
    ("change bmi set -3", p.NumericChange("bmi", "set", -3)),
    ("change smoker true", p.BoolChange("smoker", True)),
    ("change smoker false", p.BoolChange("smoker", False)),
    ("change chestpaintype non-anginal", p.CategoryChange("chestpaintype", "non-anginal")),
    ("predict", p.Predict()),
    ("likelihood", p.Likelihood()),
    ("explain features", p.Explain("features")),
    ("explain shap", p.Explain("shap")),
    ("explain lime", p.Explain("lime")),
    ("explain cfe", p.Explain("cfe")),
    ("important topk 3", p.ImportantTopK(3)),
    ("important all", p.ImportantAll()),
    ("important age", p.ImportantFeature("age")),
    ("interact", p.Interact()),
    ("dependence age", p.Dependence("age")),
    ("dependence age from 30 to 70", p.Dependence("age", 30, 70)),
    ("dependence bmi from 18.5 to 40", p.Dependence("bmi", 18.5, 40)),
    ("show", p.Show()),
    ("label", p.ShowLabel()),
    ("countdata", p.CountData()),
    ("data", p.DataSummary()),
    ("statistic age", p.Statistic("age")),
    ("statistic target", p.Statistic(None)),
    ("define bmi", p.Define("bmi")),
    ("mistake count", p.Mistake("count")),
    ("mistake sample", p.Mistake("sample")),
    ("mistake typical", p.Mistake("typical")),
    *[(f"score {metric}", p.Score(metric)) for metric in p.METRICS],
    ("model", p.ModelInfo()),
    ("function", p.Function()),
    ("self", p.SelfInfo()),
    ("followup", p.FollowUp()),
    ("previousoperation", p.PreviousOperation()),
]

COMPOUND: list[tuple[str, p.Program]] = [
    (
        "filter sex female or filter age greater than 60 and mistake count [E]",
        p.Program(
            (
                p.CategoryFilter("sex", "female"),
                p.NumericFilter("age", "greater than", 60),
                p.Mistake("count"),
            ),
            ("or", "and"),
        ),
    ),
    (
        "previousfilter and change glucose decrease 20 and predict [E]",
        p.Program.of(p.PreviousFilter(), p.NumericChange("glucose", "decrease", 20), p.Predict()),
    ),
    (
        "filter id 7 and change smoker false and change bmi set 22.5 and predict and likelihood"
        " and explain cfe [E]",
        p.Program.of(
            p.IdFilter(7),
            p.BoolChange("smoker", False),
            p.NumericChange("bmi", "set", 22.5),
            p.Predict(),
            p.Likelihood(),
            p.Explain("cfe"),
        ),
    ),
    (
        "filter smoker true or filter diabetic true or filter labelfilter 1 and score f1 [E]",
        p.Program(
            (
                p.BoolFilter("smoker", True),
                p.BoolFilter("diabetic", True),
                p.LabelFilter("1"),
                p.Score("f1"),
            ),
            ("or", "or", "and"),
        ),
    ),
    (
        "filter sex male and previousoperation [E]",
        p.Program.of(p.CategoryFilter("sex", "male"), p.PreviousOperation()),
    ),
]


def _clause_types(union: object) -> set[type]:
    return set(typing.get_args(union))


def test_the_clause_table_covers_every_clause_type():
    covered = {type(clause) for _, clause in EVERY_CLAUSE}
    every = _clause_types(p.Filter) | _clause_types(p.Change) | _clause_types(p.Operation)
    assert every - covered == set()


@pytest.mark.parametrize(("text", "clause"), EVERY_CLAUSE, ids=[t for t, _ in EVERY_CLAUSE])
def test_every_clause_round_trips(text: str, clause: p.Clause):
    program = parse_program(text)
    assert program == p.Program.of(clause)
    assert to_text(program) == f"{text} [E]"
    assert parse_program(to_text(program)) == program


@pytest.mark.parametrize(("text", "expected"), COMPOUND, ids=[t for t, _ in COMPOUND])
def test_compound_programs_round_trip(text: str, expected: p.Program):
    program = parse_program(text)
    assert program == expected
    assert to_text(program) == text
    assert str(program) == text


def test_all_clauses_in_one_program_round_trip():
    clauses = tuple(clause for _, clause in EVERY_CLAUSE)
    joins = tuple("or" if i % 3 == 0 else "and" for i in range(len(clauses) - 1))
    program = p.Program(clauses, joins)
    assert parse_program(to_text(program)) == program


@pytest.mark.parametrize("value", [0, 7, -1, 2.5, -0.125, 1234.75, 1e-4, 30.0])
def test_numbers_print_as_plain_decimals_and_read_back(value: float):
    program = p.Program.of(p.NumericFilter("age", "greater than", value), p.Predict())
    text = to_text(program)
    assert re.fullmatch(r"filter age greater than -?[0-9]+(\.[0-9]+)? and predict \[E\]", text)
    assert parse_program(text) == program


def test_spec_examples_round_trip():
    spec = SHARED / "docs" / "parse-language.md"
    if not spec.exists():
        pytest.skip("the shared spec is not available")
    examples = re.findall(r"->\s+(.+\[E\])\s*$", spec.read_text(), flags=re.MULTILINE)
    assert len(examples) >= 8
    for text in examples:
        assert to_text(parse_program(text)) == text


# ----------------------------------------------------------------------------- gold parses
@pytest.fixture(scope="module")
def clinic() -> ProgramGrammar:
    csv = DEV / "clinic.csv"
    if not csv.exists():
        pytest.skip("the shared clinic data is not available")
    frame = pd.read_csv(csv)
    return ProgramGrammar(DatasetSchema.from_frame(frame, "heart_disease", index_col="patient_id"))


def _gold_parses() -> list[str]:
    parses: list[str] = []
    single = DEV / "clinic_parses.txt"
    if single.exists():
        blocks = [b for b in single.read_text(encoding="utf-8").split("\n\n") if b.strip()]
        parses += [b.strip().splitlines()[-1].strip() for b in blocks]
    dialogues = DEV / "clinic_dialogues.yaml"
    if dialogues.exists():
        for dialogue in yaml.safe_load(dialogues.read_text(encoding="utf-8")):
            parses += [turn["parse"].strip() for turn in dialogue["turns"]]
    return parses


def test_every_gold_parse_reads_against_the_clinic_schema_and_prints_back(clinic):
    gold = _gold_parses()
    assert len(gold) > 300
    mismatches = [(text, to_text(clinic.parse(text))) for text in gold]
    assert [m for m in mismatches if m[0] != m[1]] == []


def test_every_gold_parse_is_accepted_by_the_dataset_grammar(clinic):
    gold = _gold_parses()
    parser = clinic.lark_parser()
    for text in gold:
        assert clinic.program_from_tree(parser.parse(text)) == clinic.parse(text), text
