"""Programs in plain words ("how I understood you", clarifying options): one describer for
every layer that shows a program to a person.

It knows only names: a ``Names`` object says how features, classes, rows, metrics and numbers
read for the dataset at hand. ``SchemaNames`` reads them from a ``DatasetSchema``; the dialogue
layer passes its own, which knows the user's class names and the model's row noun.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Protocol

from grammar import program as p
from grammar.program import format_number
from grammar.schema import DatasetSchema

SPLIT_WORDS = {"heldout": "the model was not trained on", "training": "the model was trained on",
               "all": "training rows included"}
METRIC_NAMES = {
    "accuracy": "accuracy", "f1": "F1 score", "roc": "ROC AUC", "precision": "precision",
    "recall": "recall", "sensitivity": "sensitivity", "specificity": "specificity",
    "ppv": "positive predictive value (PPV)", "npv": "negative predictive value (NPV)",
    "mae": "mean absolute error", "rmse": "root mean squared error", "r2": "R²",
}


class Names(Protocol):
    """How the names of one dataset read in a sentence."""

    target: str

    def feature(self, name: str) -> str: ...
    def class_label(self, label: str) -> str: ...
    def outcome(self) -> str: ...
    def noun(self, count: int = 2) -> str: ...
    def number(self, value: object) -> str: ...
    def metric(self, token: str) -> str: ...


class SchemaNames:
    """Names from the schema alone (no model, no user-given class names): rows are "rows"."""

    def __init__(self, schema: DatasetSchema) -> None:
        self.schema = schema
        self.target = schema.target

    def feature(self, name: str) -> str:
        try:
            return self.schema.feature(name).name
        except KeyError:
            return name

    def class_label(self, label: str) -> str:
        return str(label)

    def outcome(self) -> str:
        return str(self.target).replace("_", " ").strip()

    def noun(self, count: int = 2) -> str:
        return "row" if count == 1 else "rows"

    def number(self, value: object) -> str:
        return format_number(value)  # type: ignore[arg-type]

    def metric(self, token: str) -> str:
        return METRIC_NAMES.get(token, token)


def _bool_word(names: Names, name: str, value: bool) -> str:
    return f"{names.feature(name)} {'yes' if value else 'no'}"


def filter_words(names: Names, clause: p.Clause) -> str:
    match clause:
        case p.IdFilter(row_id):
            return f"{names.noun(1)} {row_id}"
        case p.NumericFilter(name, comparison, value):
            return f"{names.feature(name)} {p.COMPARISON_KINDS[comparison].short} {names.number(value)}"
        case p.BoolFilter(name, value):
            return _bool_word(names, name, value)
        case p.CategoryFilter(name, value):
            return f"{names.feature(name)} {value}"
        case p.LabelFilter(label):
            return f"a true {names.outcome()} of {names.class_label(label)}"
        case p.PredictionFilter(label):
            return f"a predicted {names.outcome()} of {names.class_label(label)}"
        case p.PreviousFilter():
            return "the previous selection"
        case p.SplitFilter(kind):
            return SPLIT_WORDS[kind]
    return str(clause)


def change_words(names: Names, clause: p.Clause) -> str:
    match clause:
        case p.NumericChange(name, "increase", value):
            return f"{names.feature(name)} {names.number(value)} higher"
        case p.NumericChange(name, "decrease", value):
            return f"{names.feature(name)} {names.number(value)} lower"
        case p.NumericChange(name, _, value):
            return f"{names.feature(name)} set to {names.number(value)}"
        case p.BoolChange(name, value):
            return f"{names.feature(name)} set to {'yes' if value else 'no'}"
        case p.CategoryChange(name, value):
            return f"{names.feature(name)} set to {value}"
    return str(clause)


def operation_words(names: Names, op: p.Clause) -> str:
    match op:
        case p.Predict():
            return "what the model predicts"
        case p.Likelihood():
            return "how likely each outcome is"
        case p.Explain("cfe"):
            return "what would have to change to flip the prediction"
        case p.Explain("shap"):
            return "why the model predicts this (SHAP values)"
        case p.Explain("lime"):
            return "why the model predicts this (LIME)"
        case p.Explain("ig"):
            return "why the model predicts this (integrated gradients)"
        case p.Explain():
            return "why the model predicts this"
        case p.ImportantTopK(k):
            return f"the {names.number(k)} most important feature{'s' if k != 1 else ''}"
        case p.ImportantAll():
            return "all features ranked by importance"
        case p.ImportantFeature(name):
            return f"how important {names.feature(name)} is"
        case p.Interact():
            return "which features interact most"
        case p.Dependence(name, None, None):
            return f"how the prediction moves with {names.feature(name)}"
        case p.Dependence(name, low, high):
            return (f"how the prediction moves as {names.feature(name)} goes from "
                    f"{names.number(low)} to {names.number(high)}")
        case p.Show():
            return "show their data"
        case p.ShowLabel():
            return f"their true {names.outcome()}"
        case p.CountData():
            return "count them"
        case p.DataSummary():
            return "describe the data"
        case p.Statistic(None):
            return f"how {names.target} is distributed"
        case p.Statistic(name):
            return f"summary statistics of {names.feature(name)}"
        case p.Define(name):
            return f"what {names.feature(name)} means"
        case p.Mistake("count"):
            return "count the model's mistakes"
        case p.Mistake("sample"):
            return "show some of the model's mistakes"
        case p.Mistake():
            return "what the model's mistakes have in common"
        case p.Score("default"):
            return "how well the model does"
        case p.Score(metric):
            return f"the model's {names.metric(metric)}"
        case p.ModelInfo():
            return "what kind of model this is"
        case p.Function():
            return "what I can do"
        case p.SelfInfo():
            return "who I am"
        case p.FollowUp():
            return "yes to my suggestion"
        case p.PreviousOperation():
            return "the same question as before"
    return str(op)


def selection_words(names: Names, program: p.Program) -> str | None:
    """'Patients with age above 50 and sex female'; None when the program has no filter."""
    splits = [c for c in program.clauses if isinstance(c, p.SplitFilter)]
    filters = [(i, c) for i, c in enumerate(program.clauses)
               if p.is_filter(c) and not isinstance(c, p.SplitFilter)]
    if splits:
        return _with_split(names, splits[-1], selection_words(names, replace(
            program, clauses=tuple(c for c in program.clauses if c not in splits),
            joins=_joins_without(program, splits))))
    if not filters:
        return None
    ids = [c for _, c in filters if isinstance(c, p.IdFilter)]
    others = [(i, c) for i, c in filters if not isinstance(c, p.IdFilter)]
    previous = any(isinstance(c, p.PreviousFilter) for _, c in others)
    others = [(i, c) for i, c in others if not isinstance(c, p.PreviousFilter)]
    parts: list[str] = []
    for index, (i, clause) in enumerate(others):
        if index:
            parts.append("or" if program.joins[i - 1] == "or" else "and")
        parts.append(filter_words(names, clause))
    condition = " ".join(parts)
    if ids and not others and not previous:
        return (names.noun(1) if len(ids) == 1 else names.noun()).capitalize() + " " + " and ".join(
            str(c.row_id) for c in ids)
    if previous and not condition and not ids:
        return "The same selection as before"
    head = f"Of the {names.noun()} from before, those" if previous else names.noun().capitalize()
    if ids:
        condition = " and ".join([f"id {c.row_id}" for c in ids] + ([condition] if condition
                                                                        else []))
    return f"{head} with {condition}"


def _joins_without(program: p.Program, removed: Sequence[p.Clause]) -> tuple[str, ...]:
    kept = [i for i, c in enumerate(program.clauses) if c not in removed]
    return tuple(program.joins[i - 1] if i else "and" for i in kept[1:])


def _with_split(names: Names, split: p.SplitFilter, rest: str | None) -> str:
    """'Patients the model was not trained on' / '…with age above 50, training rows included'."""
    if rest is None:
        if split.kind == "all":
            return f"All {names.noun()}, training rows included"
        return f"{names.noun().capitalize()} {SPLIT_WORDS[split.kind]}"
    if split.kind == "all":
        return f"{rest}, training rows included"
    return f"{rest}, among those {SPLIT_WORDS[split.kind]}"


@dataclass(frozen=True)
class Reading:
    """How a question was read: the words of the program that runs, and whether the question
    was a "yes" to the assistant's suggestion (the words are then the suggestion's)."""

    words: str
    accepts_offer: bool = False

    def __str__(self) -> str:
        return f"Yes to my suggestion: {self.words}" if self.accepts_offer else self.words


def reading(names: Names, program: p.Program, *, followup_of: p.Program | None = None,
            previous_operations: Sequence[p.Clause] = ()) -> Reading:
    """How a program was understood (``followup_of``: the suggestion a "yes" accepts)."""
    if followup_of is not None:
        return Reading(understood_text(names, followup_of), accepts_offer=True)
    return Reading(understood_text(names, program, previous_operations=previous_operations))


def understood_text(names: Names, program: p.Program, *,
                    previous_operations: Sequence[p.Clause] = ()) -> str:
    """How a program was understood, in plain words (``previousoperation`` spelled out)."""
    who = selection_words(names, program)
    changes = [change_words(names, c) for c in program.changes]
    ops = []
    for op in program.operations:
        if isinstance(op, p.PreviousOperation) and previous_operations:
            ops.append(" and ".join(operation_words(names, o) for o in previous_operations)
                       + " (same question as before)")
        else:
            ops.append(operation_words(names, op))
    if not ops:
        ops = ["what the model predicts"] if changes else ["count them"]
    what = ", then ".join(ops)
    if changes:
        what = f"if {', '.join(changes)}: {what}"
    if who is None:
        meta = all(isinstance(op, (p.Define, p.ModelInfo, p.Function, p.SelfInfo, p.FollowUp,
                                   p.DataSummary)) for op in program.operations)
        if meta and program.operations:
            return what[:1].upper() + what[1:]
        who = f"All {names.noun()}"
    return f"{who} — {what}"
