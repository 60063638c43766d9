"""Typed programs of the parse language (``shared/docs/parse-language.md``).

A ``Program`` is an ordered list of clauses joined by ``and``/``or``. Every clause is a frozen
dataclass, so programs are hashable, comparable and safe to share between threads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

Comparison = Literal[
    "greater than",
    "less than",
    "greater equal than",
    "less equal than",
    "equal to",
    "not equal to",
]


@dataclass(frozen=True)
class ComparisonKind:
    """One comparison of the language, declared once: how programs write it, how an answer says
    it, and how rows are tested with it."""

    text: str  # in programs: "greater equal than"
    short: str  # in a reading or a short phrase: "at least"
    sentence: str  # inside a sentence about a filter: "at least", "different from"
    test: Callable[[Any, Any], Any]  # element-wise: values, threshold -> booleans


def _not_close(values: Any, number: Any) -> Any:
    return ~np.isclose(values, number) & ~np.isnan(values)  # a missing value is not "not equal"


COMPARISON_KINDS: dict[str, ComparisonKind] = {kind.text: kind for kind in (
    ComparisonKind("greater than", "above", "greater than", np.greater),
    ComparisonKind("less than", "below", "less than", np.less),
    ComparisonKind("greater equal than", "at least", "at least", np.greater_equal),
    ComparisonKind("less equal than", "at most", "at most", np.less_equal),
    ComparisonKind("equal to", "equal to", "equal to", np.isclose),
    ComparisonKind("not equal to", "not equal to", "different from", _not_close),
)}
# longest first: how a reader of program text must try them ("greater equal than" before
# "greater than")
COMPARISONS: tuple[str, ...] = tuple(sorted(COMPARISON_KINDS, key=lambda t: -len(t.split())))
Join = Literal["and", "or"]
ExplainMethod = Literal["features", "shap", "lime", "ig", "cfe"]
SplitKind = Literal["heldout", "training", "all"]
SPLIT_KINDS: tuple[str, ...] = ("heldout", "training", "all")
MistakeKind = Literal["count", "sample", "typical"]
METRICS: tuple[str, ...] = (
    "accuracy",
    "f1",
    "roc",
    "precision",
    "recall",
    "sensitivity",
    "specificity",
    "ppv",
    "npv",
    "default",
)
Number = int | float


# ----------------------------------------------------------------------------- filters
@dataclass(frozen=True)
class IdFilter:
    """``filter id N``: the row whose id is N."""

    row_id: Number | str


@dataclass(frozen=True)
class NumericFilter:
    """``filter F <comparison> X``."""

    feature: str
    comparison: Comparison
    value: Number


@dataclass(frozen=True)
class BoolFilter:
    """``filter F true|false``."""

    feature: str
    value: bool


@dataclass(frozen=True)
class CategoryFilter:
    """``filter F V``: categorical feature F equals V."""

    feature: str
    value: str


@dataclass(frozen=True)
class LabelFilter:
    """``filter labelfilter C``: rows whose true label is C."""

    label: str


@dataclass(frozen=True)
class PredictionFilter:
    """``filter predictionfilter C``: rows the model predicts as C."""

    label: str


@dataclass(frozen=True)
class PreviousFilter:
    """``previousfilter``: the selection the previous turn ended with."""


@dataclass(frozen=True)
class SplitFilter:
    """``split heldout|training|all`` (an extension): the rows the model was not trained on,
    the rows it was trained on, or every row. Scores and mistakes use the held-out rows unless
    a program says otherwise; ``split all`` says "every row, training rows included"."""

    kind: SplitKind


# ----------------------------------------------------------------------------- changes
@dataclass(frozen=True)
class NumericChange:
    """``change F increase|decrease|set X``."""

    feature: str
    kind: Literal["increase", "decrease", "set"]
    value: Number


@dataclass(frozen=True)
class BoolChange:
    """``change F true|false``."""

    feature: str
    value: bool


@dataclass(frozen=True)
class CategoryChange:
    """``change F V``."""

    feature: str
    value: str


# -------------------------------------------------------------------------- operations
@dataclass(frozen=True)
class Predict:
    """``predict``."""


@dataclass(frozen=True)
class Likelihood:
    """``likelihood``."""


@dataclass(frozen=True)
class Explain:
    """``explain features|shap|lime|ig|cfe`` (``ig``: integrated gradients)."""

    method: ExplainMethod = "features"


@dataclass(frozen=True)
class ImportantTopK:
    """``important topk K``."""

    k: int


@dataclass(frozen=True)
class ImportantAll:
    """``important all``."""


@dataclass(frozen=True)
class ImportantFeature:
    """``important F``."""

    feature: str


@dataclass(frozen=True)
class Interact:
    """``interact``."""


@dataclass(frozen=True)
class Show:
    """``show``."""


@dataclass(frozen=True)
class ShowLabel:
    """``label``: the true labels of the selection."""


@dataclass(frozen=True)
class CountData:
    """``countdata``."""


@dataclass(frozen=True)
class DataSummary:
    """``data``."""


@dataclass(frozen=True)
class Dependence:
    """``dependence F`` or ``dependence F from X to Y`` (extension): how the model's output
    moves as feature F alone moves, the others kept as they are (partial dependence)."""

    feature: str
    low: Number | None = None
    high: Number | None = None


@dataclass(frozen=True)
class Statistic:
    """``statistic F`` or ``statistic target`` (feature is None for the target)."""

    feature: str | None


@dataclass(frozen=True)
class Define:
    """``define F``."""

    feature: str


@dataclass(frozen=True)
class Mistake:
    """``mistake count|sample|typical``."""

    kind: MistakeKind


@dataclass(frozen=True)
class Score:
    """``score M``."""

    metric: str


@dataclass(frozen=True)
class ModelInfo:
    """``model``."""


@dataclass(frozen=True)
class Function:
    """``function``: what the assistant can do."""


@dataclass(frozen=True)
class SelfInfo:
    """``self``: who the assistant is."""


@dataclass(frozen=True)
class FollowUp:
    """``followup``: accept the offered follow-up."""


@dataclass(frozen=True)
class PreviousOperation:
    """``previousoperation``: the previous turn's operation on the current selection."""


Filter = (
    IdFilter
    | NumericFilter
    | BoolFilter
    | CategoryFilter
    | LabelFilter
    | PredictionFilter
    | PreviousFilter
    | SplitFilter
)
Change = NumericChange | BoolChange | CategoryChange
Operation = (
    Predict
    | Likelihood
    | Explain
    | ImportantTopK
    | ImportantAll
    | ImportantFeature
    | Interact
    | Dependence
    | Show
    | ShowLabel
    | CountData
    | DataSummary
    | Statistic
    | Define
    | Mistake
    | Score
    | ModelInfo
    | Function
    | SelfInfo
    | FollowUp
    | PreviousOperation
)
Clause = Filter | Change | Operation

FILTER_TYPES = (
    IdFilter, NumericFilter, BoolFilter, CategoryFilter, LabelFilter, PredictionFilter, PreviousFilter,
    SplitFilter,
)
CHANGE_TYPES = (NumericChange, BoolChange, CategoryChange)


# Operations whose answer does not depend on which rows are selected ("what kind of model is
# it?"): a reference to the previous turn's rows before them changes nothing.
ROW_FREE_TYPES = (ModelInfo, Function, SelfInfo, Define)


def is_filter(clause: Clause) -> bool:
    return isinstance(clause, FILTER_TYPES)


def is_change(clause: Clause) -> bool:
    return isinstance(clause, CHANGE_TYPES)


def is_operation(clause: Clause) -> bool:
    return not is_filter(clause) and not is_change(clause)


@dataclass(frozen=True)
class Program:
    """A parsed program: ``clauses[0] joins[0] clauses[1] joins[1] ...``.

    ``joins`` has one element fewer than ``clauses``; each is ``"and"`` or ``"or"``.
    """

    clauses: tuple[Clause, ...]
    joins: tuple[Join, ...] = field(default=())

    def __post_init__(self) -> None:
        if not self.joins and len(self.clauses) > 1:
            object.__setattr__(self, "joins", ("and",) * (len(self.clauses) - 1))
        if len(self.joins) != max(len(self.clauses) - 1, 0):
            raise ValueError("a program needs exactly one join between consecutive clauses")

    @classmethod
    def of(cls, *clauses: Clause) -> Program:
        """All clauses joined by ``and``."""
        return cls(tuple(clauses), ("and",) * max(len(clauses) - 1, 0))

    @property
    def filters(self) -> tuple[Filter, ...]:
        return tuple(c for c in self.clauses if is_filter(c))

    @property
    def changes(self) -> tuple[Change, ...]:
        return tuple(c for c in self.clauses if is_change(c))

    @property
    def operations(self) -> tuple[Operation, ...]:
        return tuple(c for c in self.clauses if is_operation(c))

    def __str__(self) -> str:  # canonical text, see to_text below
        return to_text(self)


# Canonical text: one dispatch writes every clause back as the parse language.


def format_number(value: Number | str) -> str:
    """Plain decimal: ``30``, ``2.5``, ``-1`` (no exponent, no trailing ``.0``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int):  # exact at any size (float() of 400 digits overflows)
        return str(value)
    if float(value).is_integer():
        return str(int(value))
    text = f"{float(value):.10f}".rstrip("0").rstrip(".")
    return text


def _bool(value: bool) -> str:
    return "true" if value else "false"


def clause_text(clause: Clause) -> str:
    """The canonical text of one clause."""
    match clause:
        case IdFilter(row_id):
            return f"filter id {format_number(row_id)}"
        case NumericFilter(feature, comparison, value):
            return f"filter {feature} {comparison} {format_number(value)}"
        case BoolFilter(feature, value):
            return f"filter {feature} {_bool(value)}"
        case CategoryFilter(feature, value):
            return f"filter {feature} {value}"
        case LabelFilter(label):
            return f"filter labelfilter {label}"
        case PredictionFilter(label):
            return f"filter predictionfilter {label}"
        case PreviousFilter():
            return "previousfilter"
        case SplitFilter(kind):
            return f"split {kind}"
        case NumericChange(feature, kind, value):
            return f"change {feature} {kind} {format_number(value)}"
        case BoolChange(feature, value):
            return f"change {feature} {_bool(value)}"
        case CategoryChange(feature, value):
            return f"change {feature} {value}"
        case Predict():
            return "predict"
        case Likelihood():
            return "likelihood"
        case Explain(method):
            return f"explain {method}"
        case ImportantTopK(k):
            return f"important topk {k}"
        case ImportantAll():
            return "important all"
        case ImportantFeature(feature):
            return f"important {feature}"
        case Interact():
            return "interact"
        case Dependence(feature, None, None):
            return f"dependence {feature}"
        case Dependence(feature, low, high):
            return f"dependence {feature} from {format_number(low)} to {format_number(high)}"
        case Show():
            return "show"
        case ShowLabel():
            return "label"
        case CountData():
            return "countdata"
        case DataSummary():
            return "data"
        case Statistic(feature):
            return f"statistic {feature if feature is not None else 'target'}"
        case Define(feature):
            return f"define {feature}"
        case Mistake(kind):
            return f"mistake {kind}"
        case Score(metric):
            return f"score {metric}"
        case ModelInfo():
            return "model"
        case Function():
            return "function"
        case SelfInfo():
            return "self"
        case FollowUp():
            return "followup"
        case PreviousOperation():
            return "previousoperation"
    raise TypeError(f"not a clause: {clause!r}")


def to_text(program: Program) -> str:
    """``filter age greater than 30 and predict [E]``."""
    parts: list[str] = []
    for index, clause in enumerate(program.clauses):
        if index:
            parts.append(program.joins[index - 1])
        parts.append(clause_text(clause))
    return " ".join(parts) + " [E]"
