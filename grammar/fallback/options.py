"""Plain-language readings of programs, offered as clickable options when the parser is unsure."""

from __future__ import annotations

from grammar import program as p
from grammar.printer import format_number
from grammar.schema import DatasetSchema

_COMPARE = {
    "greater than": "over",
    "less than": "under",
    "greater equal than": "at least",
    "less equal than": "at most",
    "equal to": "equal to",
    "not equal to": "not equal to",
}


def _name(schema: DatasetSchema, feature: str) -> str:
    try:
        found = schema.feature(feature)
    except KeyError:
        return feature
    return found.aliases[0] if found.aliases else found.name


def _filter_words(clause: p.Clause, schema: DatasetSchema) -> str:
    match clause:
        case p.IdFilter(row_id):
            return f"for id {format_number(row_id)}"
        case p.NumericFilter(feature, comparison, value):
            return f"where {_name(schema, feature)} is {_COMPARE[comparison]} {format_number(value)}"
        case p.BoolFilter(feature, value):
            return f"where {_name(schema, feature)} is {'yes' if value else 'no'}"
        case p.CategoryFilter(feature, value):
            return f"where {_name(schema, feature)} is {value}"
        case p.LabelFilter(label):
            return f"where the true label is {label}"
        case p.PredictionFilter(label):
            return f"where the model predicts {label}"
        case p.PreviousFilter():
            return "for the previous selection"
    return ""


def _change_words(clause: p.Clause, schema: DatasetSchema) -> str:
    match clause:
        case p.NumericChange(feature, kind, value):
            verb = {"increase": "raised by", "decrease": "lowered by", "set": "set to"}[kind]
            return f"{_name(schema, feature)} {verb} {format_number(value)}"
        case p.BoolChange(feature, value) | p.CategoryChange(feature, value):
            shown = value if isinstance(value, str) else ("yes" if value else "no")
            return f"{_name(schema, feature)} set to {shown}"
    return ""


def _operation_words(clause: p.Clause, schema: DatasetSchema) -> str:
    target = schema.target_words[0] if schema.target_words else schema.target
    match clause:
        case p.Predict():
            return "the model's predictions"
        case p.Likelihood():
            return "how likely each outcome is"
        case p.Explain("cfe"):
            return "what would change the prediction"
        case p.Explain(method):
            return "why the model predicts what it does" + (
                f" ({method.upper()})" if method in ("shap", "lime") else "")
        case p.ImportantTopK(k):
            return f"the {k} most important features"
        case p.ImportantAll():
            return "all features ranked by importance"
        case p.ImportantFeature(feature):
            return f"how important {_name(schema, feature)} is"
        case p.Interact():
            return "which features interact"
        case p.Show():
            return "the data"
        case p.ShowLabel():
            return "the true labels"
        case p.CountData():
            return "the number of rows"
        case p.DataSummary():
            return "a summary of the dataset"
        case p.Statistic(None):
            return f"statistics of {target}"
        case p.Statistic(feature):
            return f"statistics of {_name(schema, feature)}"
        case p.Define(feature):
            return f"what {_name(schema, feature)} means"
        case p.Mistake("count"):
            return "how many predictions are wrong"
        case p.Mistake("sample"):
            return "some wrong predictions"
        case p.Mistake(_):
            return "what the wrong predictions have in common"
        case p.Score(metric):
            return "how good the model is" if metric == "default" else f"the model's {metric}"
        case p.ModelInfo():
            return "what kind of model this is"
        case p.Function():
            return "what I can do"
        case p.SelfInfo():
            return "who I am"
        case p.FollowUp():
            return "yes, do what was just offered"
        case p.PreviousOperation():
            return "the same as before"
    return "something else"


def describe(program: p.Program, schema: DatasetSchema) -> str:
    """Plain words for a program, e.g. ``filter age greater than 30 and likelihood`` ->
    "How likely each outcome is, where age is over 30"."""
    operations = [_operation_words(c, schema) for c in program.operations]
    filters = [_filter_words(c, schema) for c in program.filters]
    changes = [_change_words(c, schema) for c in program.changes]
    text = " and ".join(operations) if operations else "the selected rows"
    if filters:
        separator = " or " if "or" in program.joins else " and "
        text += ", " + separator.join(filters)
    if changes:
        text += ", if " + " and ".join(changes)
    return text[0].upper() + text[1:]
