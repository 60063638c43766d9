"""Questions the parser once misread, each pinned to the reading a user would expect."""

from __future__ import annotations

import pytest

from grammar import NaturalLanguageParser, ParseContext
from grammar.language import parse_program
from tests.grammar.tables import cancer, clinic


@pytest.fixture(scope="module")
def clinic_parser() -> NaturalLanguageParser:
    return NaturalLanguageParser(clinic())


@pytest.fixture(scope="module")
def cancer_parser() -> NaturalLanguageParser:
    return NaturalLanguageParser(cancer())


@pytest.mark.parametrize("question", [
    "how many people have a glucose over 100?",
    "show patients whose glucose is above 140",
    "what if patient 20 had a glucose level of 150?",
])
def test_an_unknown_feature_next_to_a_comparison_is_reported_not_guessed(clinic_parser, question):
    result = clinic_parser.parse(question)
    assert result.program is None or result.confidence < 0.5
    assert "age" not in result.text
    assert result.error is not None and "glucose" in result.error
    assert result.unknown_features == ("glucose",)


def test_a_known_feature_with_the_same_shape_still_parses(clinic_parser):
    result = clinic_parser.parse("how many people have a cholesterol over 240?")
    assert result.text == "filter cholesterol greater than 240 and countdata [E]"
    assert result.error is None


def test_a_class_name_used_as_an_adjective_is_a_label_filter(cancer_parser):
    assert cancer_parser.parse("average mean area for malignant ones?").text == (
        "filter labelfilter malignant and statistic meanarea [E]")
    assert cancer_parser.parse("how many benign cases are there?").text == (
        "filter labelfilter benign and countdata [E]")


def test_had_a_feature_of_a_value_inside_what_if_is_a_change(cancer_parser):
    assert cancer_parser.parse("what if patient 20 had a worst area of 1500?").text == (
        "filter id 20 and change worstarea set 1500 and predict [E]")


def test_every_non_x_became_x_filters_then_changes(clinic_parser):
    result = clinic_parser.parse(
        "if every non-diabetic became diabetic, how many would the model flag?")
    assert result.text == "filter diabetic false and change diabetic true and predict [E]"


def test_which_ones_after_a_metric_turn_keeps_the_group(clinic_parser):
    previous = parse_program("previousfilter and score specificity", clinic_parser.schema)
    result = clinic_parser.parse("which ones does it get wrong?", ParseContext(previous=previous))
    assert result.text == "previousfilter and mistake sample [E]"


def test_ones_is_not_read_as_the_number_one(clinic_parser):
    assert clinic_parser.parse("show me the ones over 70").text == (
        "filter age greater than 70 and show [E]")
