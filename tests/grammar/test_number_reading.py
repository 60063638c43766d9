"""Numbers are read as written (issue 10, item 2): scientific notation, digit-group commas,
``k`` suffixes and number words are their values, exactly, at any size."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from grammar import DatasetSchema, NaturalLanguageParser
from grammar.language import parse_program
from grammar.parse.normalise import (
    MAX_WRITTEN_DIGITS,
    drop_digit_group_commas,
    expand_scientific_notation,
    expand_thousands_suffix,
    normalize,
    number_value,
    plain_decimal,
)
from grammar.program import format_number


@pytest.mark.parametrize(("written", "plain"), [
    ("1e5", "100000"), ("2.5e4", "25000"), ("1E5", "100000"), ("1.5e+3", "1500"),
    ("1.5e-3", "0.0015"), (".5e2", "50"), ("3e0", "3"), ("-1e3", "-1000"),
    ("income over 1e5.", "income over 100000."),
])
def test_scientific_notation_becomes_plain_digits(written, plain):
    assert expand_scientific_notation(written) == plain


@pytest.mark.parametrize("text", ["type 2e diabetes", "model v1e5", "e5", "1e", "ab1e5"])
def test_words_that_only_look_scientific_are_left_alone(text):
    assert expand_scientific_notation(text) == text


def test_huge_exponents_stay_beyond_every_column_and_cheap():
    huge = expand_scientific_notation("1e99999999999")
    assert huge == "1" + "0" * MAX_WRITTEN_DIGITS
    assert expand_scientific_notation("1e-99999999") == "0"


@pytest.mark.parametrize(("written", "plain"), [
    ("90k", "90000"), ("2.5k", "2500"), ("2.5 k", "2500"),
    ("9" * 30 + "k", "9" * 30 + "000"),  # exact: a float would round it
])
def test_thousands_suffix(written, plain):
    assert expand_thousands_suffix(written) == plain


@pytest.mark.parametrize(("written", "plain"), [
    ("1,000", "1000"), ("1,000,000", "1000000"), ("12,345.5", "12345.5"), ("1,2,3", "1,2,3"),
])
def test_digit_group_commas(written, plain):
    assert drop_digit_group_commas(written) == plain


def test_number_values_are_exact_at_any_size():
    assert number_value("30") == 30 and isinstance(number_value("30"), int)
    assert number_value("2.5") == 2.5 and number_value("-1") == -1
    assert number_value("30.0") == 30
    assert number_value("9" * 400) == int("9" * 400)
    assert number_value("9" * 400 + ".5") == int("9" * 400)  # no float can hold it
    with pytest.raises(ValueError):
        number_value("abc")


def test_plain_decimal():
    assert plain_decimal(Decimal("2.50")) == "2.5"
    assert plain_decimal(Decimal("-2.5E+4")) == "-25000"
    assert plain_decimal(Decimal("0")) == "0"


@pytest.mark.parametrize(("written", "value"), [
    ("income over 1e5", "100000"), ("income over 2.5e4", "25000"),
    ("income over 1,000", "1000"), ("income over 2.5k", "2500"),
    ("income over a hundred thousand", "100000"),
])
def test_normalize_reads_each_spelling_as_its_value(written, value):
    assert normalize(written).tokens[-1] == value


@pytest.fixture(scope="module")
def incomes() -> NaturalLanguageParser:
    rng = np.random.default_rng(4)
    n = 120
    frame = pd.DataFrame({"person_id": np.arange(1, n + 1),
                          "income": rng.integers(1_000, 20_000, n),
                          "age": rng.integers(20, 80, n),
                          "defaulted": rng.integers(0, 2, n)})
    return NaturalLanguageParser(DatasetSchema.from_frame(frame, "defaulted",
                                                          index_col="person_id"))


@pytest.mark.parametrize(("question", "program"), [
    ("how many people have income over 1e5?",
     "filter income greater than 100000 and countdata [E]"),
    ("how many people have income above 2.5e4?",
     "filter income greater than 25000 and countdata [E]"),
    ("how many people have income over 1,000?",
     "filter income greater than 1000 and countdata [E]"),
    ("how many people have income over 2.5k?",
     "filter income greater than 2500 and countdata [E]"),
    ("how many people have an income over a hundred thousand?",
     "filter income greater than 100000 and countdata [E]"),
])
def test_the_parser_uses_the_value_as_written(incomes, question, program):
    assert str(incomes.parse(question).program) == program


def test_a_400_digit_number_is_kept_exactly(incomes):
    huge = "9" * 400
    result = incomes.parse(f"how many people have income over {huge}?")
    assert str(result.program) == f"filter income greater than {huge} and countdata [E]"


def test_programs_with_huge_numbers_print_and_read_back_exactly():
    huge = int("9" * 400)
    assert format_number(huge) == "9" * 400
    program = parse_program(f"filter income greater than {huge} and countdata")
    assert program.clauses[0].value == huge
    fraction = parse_program(f"filter income greater than {'9' * 400}.5 and countdata")
    assert fraction.clauses[0].value == huge
