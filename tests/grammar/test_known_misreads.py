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


@pytest.mark.parametrize("question", ["how many people with 2 cats", "people with 2 cats or more"])
def test_a_count_of_something_the_table_lacks_is_reported(clinic_parser, question):
    result = clinic_parser.parse(question)
    assert result.program is None
    assert result.unknown_features == ("cats",)


def test_a_verb_points_at_the_quantity_it_names():
    from tests.grammar.tables import loans

    parser = NaturalLanguageParser(loans())
    assert parser.parse("how many applicants earn more than 90k?").text == (
        "filter annualincome greater than 90000 and countdata [E]")


@pytest.mark.parametrize(("question", "expected"), [
    ("average worst texture of malignant tumours",
     "filter labelfilter malignant and statistic worsttexture [E]"),
    ("median worst area of benign tumours",
     "filter labelfilter benign and statistic worstarea [E]"),
    ("how important is worst area for benign patients?",
     "filter labelfilter benign and important worstarea [E]"),
])
def test_a_class_after_a_statistic_or_importance_question_filters(cancer_parser, question,
                                                                   expected):
    assert cancer_parser.parse(question).text == expected


def test_two_ids_after_a_plural_noun_are_both_kept(cancer_parser):
    result = cancer_parser.parse("what are the true diagnoses of patients 5 and 6?")
    assert result.text == "filter id 5 or filter id 6 and label [E]"


def test_error_inside_a_feature_name_is_not_a_mistake(cancer_parser):
    assert cancer_parser.parse("what does texture error mean?").text == "define textureerror [E]"


@pytest.mark.parametrize(("table", "question", "word"), [
    ("cancer", "how important is blood pressure?", "blood pressure"),
    ("cancer", "average blood pressure", "blood pressure"),
    ("clinic", "average blood sugar", "blood sugar"),
    ("clinic", "average glucose", "glucose"),
    ("clinic", "what does blood sugar mean?", "blood sugar"),
])
def test_a_feature_the_table_lacks_is_reported_not_replaced(cancer_parser, clinic_parser, table,
                                                           question, word):
    parser = cancer_parser if table == "cancer" else clinic_parser
    result = parser.parse(question)
    assert result.program is None
    assert result.unknown_features == (word,)
    assert result.error is not None and word in result.error


def test_an_alias_of_a_feature_still_names_it(clinic_parser):
    assert clinic_parser.parse("average blood pressure").text == "statistic systolicbp [E]"


def test_what_they_have_in_common_after_a_mistake_count_is_typical_mistakes(clinic_parser):
    previous = parse_program("filter smoker true and mistake count", clinic_parser.schema)
    result = clinic_parser.parse("what do they have in common?", ParseContext(previous=previous))
    assert result.text == "previousfilter and mistake typical [E]"


def test_counting_what_the_model_flags_keeps_the_prediction(clinic_parser):
    assert clinic_parser.parse("how many smokers does the model flag?").text == (
        "filter smoker true and filter predictionfilter 1 and countdata [E]")


@pytest.mark.parametrize("question", ["show me the chest pain types",
                                      "show the patients with a mean radius above 12 and below 12"])
def test_no_previous_turn_means_no_previous_filter(cancer_parser, clinic_parser, question):
    for parser in (cancer_parser, clinic_parser):
        assert "previousfilter" not in parser.parse(question).text


def test_a_second_bound_after_and_reuses_the_feature(cancer_parser):
    result = cancer_parser.parse("show the patients with a mean radius above 12 and below 15")
    assert result.text == ("filter meanradius greater than 12 and filter meanradius less than 15"
                           " and show [E]")


@pytest.mark.parametrize("question", [
    "thanks!", "thank you", "great, thanks", "ok thank you so much"])
def test_thanks_is_answered_kindly_not_parsed(clinic_parser, question):
    result = clinic_parser.parse(question, ParseContext(offered_followup=True))
    assert result.program is None
    assert result.courtesy
    assert result.error is not None and "welcome" in result.error.lower()


def test_yes_please_after_an_offer_is_still_a_followup(clinic_parser):
    result = clinic_parser.parse("yes, thanks", ParseContext(offered_followup=True))
    assert result.text == "followup [E]"


@pytest.fixture(scope="module")
def regression_parser() -> NaturalLanguageParser:
    from tests.grammar.tables import clinic_regression

    return NaturalLanguageParser(clinic_regression())


@pytest.mark.parametrize(("question", "expected"), [
    ("what is the average systolic blood pressure of diabetics?",
     "filter diabetic true and statistic target [E]"),
    ("what is the average blood pressure?", "statistic target [E]"),
    ("median systolic bp for smokers", "filter smoker true and statistic target [E]"),
])
def test_a_statistic_of_a_numeric_target_is_a_statistic_of_the_target(regression_parser,
                                                                       question, expected):
    assert regression_parser.parse(question).text == expected


def test_on_average_in_an_and_followup_keeps_the_previous_operation(clinic_parser):
    previous = parse_program("filter id 88 and likelihood", clinic_parser.schema)
    result = clinic_parser.parse("and patients with a family history, on average?",
                                 ParseContext(previous=previous))
    assert result.text == "filter familyhistory true and previousoperation [E]"


def test_on_average_with_a_feature_is_still_a_statistic(clinic_parser):
    previous = parse_program("filter id 88 and likelihood", clinic_parser.schema)
    result = clinic_parser.parse("and what is the cholesterol on average?",
                                 ParseContext(previous=previous))
    assert result.text.endswith("statistic cholesterol [E]")


@pytest.mark.parametrize(("question", "previous", "expected"), [
    ("what's the mean absolute error?", None, "score default [E]"),
    ("what's the rmse for women?", None, "filter sex female and score default [E]"),
    ("and the r2?", "score default", "score default [E]"),
    ("what is the r-squared of the model?", None, "score default [E]"),
    ("mean squared error on smokers", None, "filter smoker true and score default [E]"),
])
def test_regression_error_metrics_are_the_default_score(regression_parser, question, previous,
                                                        expected):
    context = ParseContext(previous=parse_program(previous, regression_parser.schema)
                           if previous else None)
    assert regression_parser.parse(question, context).text == expected


def test_a_group_word_the_table_cannot_pick_out_is_reported_not_dropped():
    from tests.grammar.tables import clinic_without_sex

    result = NaturalLanguageParser(clinic_without_sex()).parse("what's the precision for women?")
    assert result.program is None
    assert result.unknown_features == ("women",)
    assert result.error is not None and "women" in result.error


def test_a_group_word_the_table_has_still_filters(clinic_parser):
    assert clinic_parser.parse("what's the precision for women?").text == (
        "filter sex female and score precision [E]")


@pytest.mark.parametrize("question", [
    "how many patients does the model predict above 150?",
    "show the patients whose predicted value is over 150",
])
def test_a_numeric_prediction_filter_is_refused_not_moved_to_a_feature(regression_parser,
                                                                       question):
    result = regression_parser.parse(question)
    assert result.program is None
    assert "cholesterol" not in result.text
    assert result.unsupported
    assert result.error is not None and "predicted" in result.error


def test_a_numeric_feature_filter_still_works_on_a_regression_table(regression_parser):
    assert regression_parser.parse("how many patients have cholesterol above 150?").text == (
        "filter cholesterol greater than 150 and countdata [E]")


@pytest.mark.parametrize(("question", "expected"), [
    ("how many renters were approved?",
     "filter homeowner false and filter labelfilter approved and countdata [E]"),
    ("show renters", "filter homeowner false and show [E]"),
    ("show homeowners", "filter homeowner true and show [E]"),
])
def test_an_opposite_meaning_word_is_the_false_side_of_a_boolean(question, expected):
    from tests.grammar.tables import loans

    assert NaturalLanguageParser(loans()).parse(question).text == expected


@pytest.mark.parametrize(("question", "expected"), [
    ("what if he was 63?", "previousfilter and change age set 63 and predict [E]"),
    ("what if she were 70 and a smoker?",
     "previousfilter and change age set 70 and change smoker true and predict [E]"),
    ("what if patient 64 was 63?", "filter id 64 and change age set 63 and predict [E]"),
])
def test_a_bare_number_said_of_a_person_in_a_what_if_is_their_age(clinic_parser, question,
                                                                  expected):
    previous = clinic_parser.parse("what would it take to change the prediction for patient 64?")
    result = clinic_parser.parse(question, ParseContext(previous=previous.program))
    assert result.text == expected


def test_a_number_no_age_could_be_is_not_read_as_an_age(clinic_parser):
    previous = clinic_parser.parse("why did the model predict that for patient 64?")
    result = clinic_parser.parse("what if she was 300?", ParseContext(previous=previous.program))
    assert "age" not in result.text
