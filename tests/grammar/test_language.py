"""Parsing programs against a dataset: leniency, canonical output, clear errors, dataset grammar."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd
import pytest
from lark import Lark
from lark.exceptions import UnexpectedInput

from grammar import (
    FeatureKindError,
    ProgramError,
    ProgramGrammar,
    ProgramSyntaxError,
    UnknownFeatureError,
    UnknownValueError,
    dataset_grammar,
    parse_program,
)
from grammar import program as p
from grammar.language import MAX_LITERAL_IDS, integer_range_regex
from grammar.program import to_text
from grammar.schema import DatasetSchema

CLINIC = Path(__file__).resolve().parents[2].parent / "shared" / "dev" / "clinic.csv"


@pytest.fixture(scope="module")
def shop() -> DatasetSchema:
    """A small dataset with awkward spellings: mixed case, spaces, quotes, text ids."""
    frame = pd.DataFrame(
        {
            "code": ["a1", "B2", "c3", "d4", "e5", "f6"],
            "Mean Radius": [1.0, 2.5, 3.0, 4.0, 5.5, 6.0],
            "Smoker": ["yes", "no", "no", "yes", "no", "yes"],
            "Colour": ["Red", "Green", "Light Blue", "Red", "Green", "Light Blue"],
            "Verified": ["True", "False", "Unknown", "True", "False", "Unknown"],
            "Plug": ['5" plug', "a\\b", '5" plug', "a\\b", '5" plug', "a\\b"],
            "species": ["setosa", "versicolor", "setosa", "virginica", "setosa", "versicolor"],
        }
    )
    return DatasetSchema.from_frame(frame, "species", index_col="code")


@pytest.fixture(scope="module")
def shop_grammar(shop) -> ProgramGrammar:
    return ProgramGrammar(shop)


@pytest.fixture(scope="module")
def clinic() -> ProgramGrammar:
    if not CLINIC.exists():
        pytest.skip("the shared clinic data is not available")
    frame = pd.read_csv(CLINIC)
    return ProgramGrammar(DatasetSchema.from_frame(frame, "heart_disease", index_col="patient_id"))


# ----------------------------------------------------------------------------- leniency
@pytest.mark.parametrize(
    "text",
    [
        "filter age greater than 30 and predict [E]",
        "  filter   age\tgreater than 30\n and predict   [E] ",
        "FILTER Age GREATER THAN 30 AND Predict [e]",
        "filter age greater than 30 and predict",
        "filter age greater than 30 and predict[E]",
        "filter age greater than 30.0 and predict",
    ],
)
def test_whitespace_case_and_the_end_marker_are_read_leniently(text: str):
    expected = "filter age greater than 30 and predict [E]"
    assert to_text(parse_program(text)) == expected


def test_output_uses_the_schema_spelling(shop_grammar):
    program = shop_grammar.parse(
        "filter COLOUR light-blue and filter meanradius less than 3 and filter labelfilter SETOSA"
        " and filter id b2 and change colour RED and show"
    )
    assert program == p.Program.of(
        p.CategoryFilter("colour", "Light-Blue"),
        p.NumericFilter("meanradius", "less than", 3),
        p.LabelFilter("setosa"),
        p.IdFilter("B2"),
        p.CategoryChange("colour", "Red"),
        p.Show(),
    )


def test_ids_that_look_like_numbers_become_ints(clinic):
    program = clinic.parse("filter id 17 and predict")
    assert program.clauses[0] == p.IdFilter(17)
    assert parse_program("filter id 17").clauses[0] == p.IdFilter(17)
    assert parse_program("filter id abc").clauses[0] == p.IdFilter("abc")


def test_true_false_disambiguate_by_feature_kind(shop_grammar):
    program = shop_grammar.parse(
        "filter smoker true and filter verified true and change smoker false"
    )
    assert program.clauses == (
        p.BoolFilter("smoker", True),
        p.CategoryFilter("verified", "True"),
        p.BoolChange("smoker", False),
    )
    assert shop_grammar.parse("filter verified unknown").clauses == (
        p.CategoryFilter("verified", "Unknown"),
    )


def test_important_has_three_forms():
    assert parse_program("important topk 5").clauses == (p.ImportantTopK(5),)
    assert parse_program("important all").clauses == (p.ImportantAll(),)
    assert parse_program("important ALL").clauses == (p.ImportantAll(),)
    assert parse_program("important allergies").clauses == (p.ImportantFeature("allergies"),)


def test_numbers_keep_their_sign_and_fraction():
    clause = parse_program("change bmi decrease -0.75").clauses[0]
    assert clause == p.NumericChange("bmi", "decrease", -0.75)
    assert isinstance(parse_program("filter age equal to 4").clauses[0].value, int)
    assert isinstance(parse_program("filter age equal to 4.5").clauses[0].value, float)


def test_quotes_and_backslashes_in_values_are_handled(shop, shop_grammar):
    for value in shop.feature("plug").values:
        program = shop_grammar.parse(f"filter plug {value} and predict")
        assert program.clauses[0] == p.CategoryFilter("plug", value)
        assert shop_grammar.parse_strict(to_text(program)) == program


# ----------------------------------------------------------------------------- errors
def _error(grammar: ProgramGrammar, text: str) -> ProgramError:
    with pytest.raises(ProgramError) as caught:
        grammar.parse(text)
    return caught.value


def test_unknown_feature_names_the_feature_and_lists_the_real_ones(clinic):
    error = _error(clinic, "filter glucose greater than 120 and predict")
    assert isinstance(error, UnknownFeatureError)
    message = str(error)
    assert "'glucose' is not a feature" in message
    for feature in clinic.schema.canonical_names:
        assert feature in message


def test_a_near_miss_feature_gets_a_suggestion(clinic):
    error = _error(clinic, "statistic cholesterl")
    assert isinstance(error, UnknownFeatureError)
    assert "Did you mean 'cholesterol'?" in str(error)


def test_the_target_is_not_a_feature(clinic):
    error = _error(clinic, "filter heartdisease true and countdata")
    assert isinstance(error, UnknownFeatureError)
    assert "labelfilter" in str(error)


def test_unknown_value_lists_the_feature_values(clinic):
    error = _error(clinic, "filter chestpaintype sharp and countdata")
    assert isinstance(error, UnknownValueError)
    assert "'sharp' is not a value of 'chestpaintype'" in str(error)
    for value in clinic.schema.feature("chestpaintype").values:
        assert value in str(error)


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("filter sex greater than 3", "categorical"),
        ("filter smoker greater than 0", "yes/no"),
        ("change sex increase 1", "categorical"),
        ("filter age true", "numeric"),
        ("filter age 30", "filter age equal to"),
        ("change age 30", "change age set"),
        ("filter smoker yes", "filter smoker true"),
        ("change diabetic 1", "change diabetic true"),
    ],
)
def test_wrong_kind_explains_how_to_write_it(clinic, text: str, hint: str):
    error = _error(clinic, text)
    assert isinstance(error, FeatureKindError)
    assert hint in str(error)


def test_unknown_metric_lists_the_metrics():
    with pytest.raises(UnknownValueError) as caught:
        parse_program("score auc")
    for metric in p.METRICS:
        assert metric in str(caught.value)


@pytest.mark.parametrize("text", ["filter labelfilter 2", "filter predictionfilter yes"])
def test_unknown_class_labels_are_rejected(clinic, text: str):
    error = _error(clinic, text)
    assert isinstance(error, UnknownValueError)
    assert "the classes are: 0, 1" in str(error)


def test_unknown_ids_are_rejected_with_the_id_range(clinic):
    error = _error(clinic, "filter id 401 and predict")
    assert isinstance(error, UnknownValueError)
    assert "from 1 to 400" in str(error)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("why did the model do that?", "'why'"),
        ("filterage greater than 3", "'filterage'"),
        ("filter age greater than thirty", "'thirty'"),
        ("filter age greater than", "the end of the program"),
        ("predict [E] and show", "'and'"),
        ("explain everything", "'everything'"),
        ("important topk 0", "'0'"),
        ("predict predict", "'predict'"),
        ("predict and", "the end of the program"),
    ],
)
def test_garbage_is_a_syntax_error_saying_where_and_what_was_expected(text: str, found: str):
    with pytest.raises(ProgramSyntaxError) as caught:
        parse_program(text)
    message = str(caught.value)
    assert f"I found {found}" in message
    assert "expected" in message


@pytest.mark.parametrize("text", ["", "   ", "[E]"])
def test_empty_programs_are_rejected(text: str):
    with pytest.raises(ProgramSyntaxError, match="empty|expected"):
        parse_program(text)


def test_errors_are_value_errors():
    assert issubclass(ProgramError, ValueError)
    for cls in (ProgramSyntaxError, UnknownFeatureError, UnknownValueError, FeatureKindError):
        assert issubclass(cls, ProgramError)


def test_regression_targets_have_no_class_labels():
    frame = pd.DataFrame({"x": [1.5, 2.0, 3.25, 4.0], "price": [10.5, 20.25, 30.0, 41.5]})
    schema = DatasetSchema.from_frame(frame, "price")
    grammar = ProgramGrammar(schema)
    with pytest.raises(UnknownValueError, match="no class labels"):
        grammar.parse("filter labelfilter 1")
    with pytest.raises(ProgramSyntaxError):
        grammar.parse_strict("filter labelfilter 1")
    assert grammar.parse_strict("filter x less than 2 and predict") == grammar.parse(
        "filter x less than 2 and predict"
    )


# ----------------------------------------------------------------------------- dataset grammar
GOOD = [
    "filter id 12 and explain features [E]",
    "filter sex female and filter age greater than 60 and mistake count [E]",
    "filter smoker true or filter chestpaintype non-anginal and score accuracy [E]",
    "previousfilter and change cholesterol decrease 20 and predict [E]",
    "filter id 400 and change sex male and change familyhistory false and likelihood [E]",
    "filter predictionfilter 1 and filter labelfilter 0 and mistake sample [E]",
    "important topk 3 and important all and important bmi and statistic target [E]",
    "define exercisehoursperweek and statistic restingheartrate and interact [E]",
    "filter bmi less equal than -2.5 and show and label and countdata and data [E]",
    "model and function and self and followup and previousoperation [E]",
    "FILTER SEX Female  and Predict",
]
BAD = [
    "filter glucose greater than 3",
    "filter sex other",
    "filter sex greater than 3",
    "filter smoker yes",
    "filter age true",
    "change age 30",
    "score auc",
    "filter id 401",
    "filter id 0",
    "filter id 1.5",
    "filter labelfilter 2",
    "important glucose",
    "statistic heartdisease",
    "define target",
    "important topk 0",
    "filterage greater than 3",
    "predict [E] and show",
    "hello there",
    "filter id 12 and",
]


def test_dataset_grammar_builds_an_lalr_parser(clinic):
    text = dataset_grammar(clinic.schema)
    assert text == clinic.lark_text
    parser = Lark(text, parser="lalr")
    assert parser.parse("filter id 12 and predict [E]") is not None
    assert clinic.lark_parser() is clinic.lark_parser()


@pytest.mark.parametrize("text", GOOD)
def test_dataset_grammar_accepts_what_the_checked_parser_accepts(clinic, text: str):
    assert clinic.parse_strict(text) == clinic.parse(text)


@pytest.mark.parametrize("text", BAD)
def test_dataset_grammar_rejects_what_the_checked_parser_rejects(clinic, text: str):
    with pytest.raises(ProgramError):
        clinic.parse(text)
    with pytest.raises(UnexpectedInput):
        clinic.lark_parser().parse(text)


def test_dataset_grammar_literals_follow_the_schema(clinic):
    text = clinic.lark_text
    for feature in clinic.schema.canonical_names:
        assert f'"{feature}"i' in text
    for value in clinic.schema.feature("chestpaintype").values:
        assert f'"{value}"i' in text


def test_interactive_parser_offers_exactly_the_values_of_a_feature(clinic):
    parser = clinic.lark_parser()
    interactive = parser.parse_interactive("filter sex ")
    interactive.exhaust_lexer()
    words = {parser.get_terminal(name).pattern.value for name in interactive.accepts()}
    assert words == set(clinic.schema.feature("sex").values)


def test_text_ids_are_literal_alternatives(shop, shop_grammar):
    assert shop_grammar.parse_strict("filter id c3 and show").clauses[0] == p.IdFilter("c3")
    with pytest.raises(ProgramError):
        shop_grammar.parse_strict("filter id zz and show")
    assert shop_grammar.parse_strict("filter verified true") == shop_grammar.parse(
        "filter verified true"
    )


def test_large_irregular_id_sets_are_checked_after_parsing():
    ids = [f"r{3 * i}" for i in range(MAX_LITERAL_IDS + 1)]
    frame = pd.DataFrame({"rid": ids, "x": range(len(ids)), "y": [i % 2 for i in range(len(ids))]})
    grammar = ProgramGrammar(DatasetSchema.from_frame(frame, "y", index_col="rid"))
    assert grammar.parse_strict("filter id r30 and predict").clauses[0] == p.IdFilter("r30")
    with pytest.raises(UnknownValueError):
        grammar.parse_strict("filter id r31 and predict")


@pytest.mark.parametrize(("lo", "hi"), [(0, 0), (0, 9), (1, 400), (7, 1234), (95, 105), (0, 10000)])
def test_integer_range_regex_matches_exactly_the_range(lo: int, hi: int):
    pattern = re.compile(integer_range_regex(lo, hi))
    matched = {n for n in range(0, hi + 200) if pattern.fullmatch(str(n))}
    assert matched == set(range(lo, hi + 1))
    assert not pattern.fullmatch("0" + str(hi))


def test_a_grammar_is_safe_to_share_between_threads(clinic):
    texts = GOOD * 5
    with ThreadPoolExecutor(max_workers=4) as pool:
        checked = list(pool.map(clinic.parse, texts))
        strict = list(pool.map(clinic.parse_strict, texts))
    assert checked == strict == [clinic.parse(t) for t in texts]


def test_features_spelled_like_keywords_keep_the_keyword_meaning():
    frame = pd.DataFrame({"id": [5, 6, 7], "target": [1, 2, 3], "all": [3, 4, 5], "y": [0, 1, 0]})
    grammar = ProgramGrammar(DatasetSchema.from_frame(frame, "y"))
    text = (
        "filter id 2 and change id set 3 and statistic target and statistic all"
        " and important all and important id and define target [E]"
    )
    program = grammar.parse(text)
    assert program.clauses[0] == p.IdFilter(2)
    assert program.clauses[2] == p.Statistic(None)
    assert program.clauses[4] == p.ImportantAll()
    assert grammar.parse_strict(text) == program
    assert to_text(program) == text
