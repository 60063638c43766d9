"""Typed results of running one operation: numbers and identifiers only, no prose.

The executor produces these; ``dialogue.responses`` turns them into Markdown and
``dialogue.figures`` into charts. Keeping language out of here makes every number in a reply
traceable to a computation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from grammar import program as p


@dataclass(frozen=True)
class Selection:
    """Which rows an operation ran on and how many there are in the whole dataset."""

    row_ids: tuple[Any, ...]
    total: int
    filtered: bool  # False: the whole dataset (no filter in the turn)
    changed: tuple[p.Change, ...] = ()  # the what-if changes applied

    @property
    def n(self) -> int:
        return len(self.row_ids)

    @property
    def single(self) -> bool:
        return len(self.row_ids) == 1


@dataclass(frozen=True)
class ClassCount:
    """How many rows fall in one class, with a few example ids."""

    label: Any
    count: int
    examples: tuple[Any, ...] = ()


@dataclass(frozen=True)
class CountResult:
    selection: Selection


@dataclass(frozen=True)
class PredictionResult:
    """Predicted labels (classification) or values (regression) on the selection.

    ``before_*`` hold the predictions on the unchanged rows when the turn had what-if changes.
    """

    selection: Selection
    counts: tuple[ClassCount, ...] = ()  # classification
    before_counts: tuple[ClassCount, ...] | None = None
    n_flipped: int | None = None  # rows whose prediction changed because of the what-if
    value_mean: float | None = None  # regression: mean prediction
    value_min: float | None = None
    value_max: float | None = None
    before_value_mean: float | None = None
    single_value: Any = None  # the one row's prediction
    before_single_value: Any = None


@dataclass(frozen=True)
class LikelihoodResult:
    """Mean predicted probability of each class over the selection."""

    selection: Selection
    classes: tuple[Any, ...]
    probabilities: tuple[float, ...]
    before: tuple[float, ...] | None = None
    predicted: Any = None  # single row: the predicted class


@dataclass(frozen=True)
class FeatureEffect:
    """One feature's signed attribution, with the row's value when it is a single row."""

    feature: str
    effect: float  # signed: one row's attribution, or the mean over a group
    value: Any = None
    mean_abs: float | None = None  # group: mean size of the effect (ranking key for groups)
    correlation: float | None = None  # group, numeric: corr(feature value, effect)
    raising_value: Any = None  # group, categorical/boolean: the value with the highest effect


@dataclass(frozen=True)
class AttributionResult:
    """Local attributions: one row, or the mean over a (possibly sampled) group."""

    selection: Selection
    method: str
    effects: tuple[FeatureEffect, ...]  # strongest first, all features
    class_label: Any  # the class whose probability is explained (None for regression)
    output_name: str
    base_value: float
    output: float  # the explained output (mean over rows for a group)
    n_explained: int  # rows actually explained (a sample of the selection when it is large)
    prediction: Any = None  # single row: the predicted label/value
    stability: float | None = None


@dataclass(frozen=True)
class CounterfactualChange:
    feature: str
    before: Any
    after: Any


@dataclass(frozen=True)
class CounterfactualOption:
    changes: tuple[CounterfactualChange, ...]
    new_prediction: Any


@dataclass(frozen=True)
class CounterfactualsResult:
    selection: Selection
    row_id: Any  # the row the counterfactuals are for
    prediction: Any
    target: Any
    options: tuple[CounterfactualOption, ...]
    elapsed: float
    kept_fixed: tuple[str, ...] = ()  # features the search was not allowed to change


@dataclass(frozen=True)
class ImportanceEntry:
    feature: str
    mean_abs: float
    ci_low: float
    ci_high: float
    share: float


@dataclass(frozen=True)
class ImportanceResult:
    """Global importance ranking on the selection (``k`` None = all features)."""

    selection: Selection
    entries: tuple[ImportanceEntry, ...]  # all features, most important first
    k: int | None
    method: str
    n_explained: int
    feature: str | None = None  # set for ``important F``
    top_stability: float | None = None  # sampled: share of bootstrap resamples, same top 3

    def rank(self, feature: str) -> int:
        return [e.feature for e in self.entries].index(feature) + 1


@dataclass(frozen=True)
class InteractionPair:
    first: str
    second: str
    strength: float
    ci_low: float | None = None  # 95% bootstrap interval of the strength
    ci_high: float | None = None


@dataclass(frozen=True)
class InteractionsResult:
    selection: Selection
    pairs: tuple[InteractionPair, ...]
    method: str
    n_explained: int
    top_stability: float | None = None  # sampled: share of bootstrap resamples, same top 3


@dataclass(frozen=True)
class DependenceSeries:
    """One curve of a partial dependence: the chance of one class, or the predicted value."""

    label: Any  # the class (its probability), or None for a regression's predicted value
    mean: tuple[float, ...]  # the average output at each grid value
    # the middle 80% of the rows' own changes from the first grid value, around ``mean``
    low: tuple[float, ...]
    high: tuple[float, ...]


@dataclass(frozen=True)
class DependenceResult:
    """How the model's output moves as one feature moves, the other features as they are."""

    selection: Selection
    feature: str  # as the dataset spells it
    grid: tuple[Any, ...]  # the feature's values, in order
    series: tuple[DependenceSeries, ...]
    numeric: bool
    n_rows: int  # rows averaged over (a seeded sample when fewer than the selection)
    data_range: tuple[Any, Any] | None = None  # the feature's smallest and largest value


@dataclass(frozen=True)
class ShowResult:
    selection: Selection
    table: pd.DataFrame = field(compare=False, hash=False)


@dataclass(frozen=True)
class LabelResult:
    selection: Selection
    counts: tuple[ClassCount, ...] = ()  # classification
    single_value: Any = None
    value_mean: float | None = None  # regression


@dataclass(frozen=True)
class FeatureSummary:
    """Short description of one feature for ``data`` and ``define``."""

    name: str
    kind: str  # numeric / boolean / categorical
    minimum: float | None = None
    maximum: float | None = None
    is_integer: bool = False
    values: tuple[Any, ...] = ()
    description: str | None = None


@dataclass(frozen=True)
class DataSummaryResult:
    selection: Selection
    n_features: int
    features: tuple[FeatureSummary, ...]
    target: str
    task: str
    class_counts: tuple[ClassCount, ...]


@dataclass(frozen=True)
class CategoryShare:
    value: Any
    count: int
    share: float


@dataclass(frozen=True)
class StatisticResult:
    """Numeric stats or category counts of one feature (``feature`` None = the target)."""

    selection: Selection
    feature: str | None
    kind: str  # numeric / boolean / categorical / target
    mean: float | None = None
    median: float | None = None
    std: float | None = None
    minimum: float | None = None
    maximum: float | None = None
    shares: tuple[CategoryShare, ...] = ()
    n_missing: int = 0


@dataclass(frozen=True)
class DefineResult:
    feature: FeatureSummary
    given: bool  # True when the description came from the user, False when generated


@dataclass(frozen=True)
class Scope:
    """Which rows a score or a count of mistakes was measured on, relative to the rows the model
    was trained on.

    ``kind``: ``heldout`` (the default when the training rows are known: only rows it was not
    trained on), ``training`` / ``all`` (asked for with ``split training`` / ``split all``),
    ``training-only`` (the default, but every selected row was a training row) or ``unknown``
    (nobody said which rows it was trained on)."""

    kind: str
    n_selected: int  # rows the turn selected, before keeping only the held-out ones
    n_trained: int = 0  # of the rows measured, how many the model was trained on
    filtered: bool = False  # the turn had filters other than ``split``
    asked: bool = False  # the turn had its own ``split`` clause


@dataclass(frozen=True)
class MistakeCountResult:
    selection: Selection
    n_wrong: int
    scope: Scope | None = None


@dataclass(frozen=True)
class MistakeRow:
    row_id: Any
    true_label: Any
    predicted: Any


@dataclass(frozen=True)
class MistakeSampleResult:
    selection: Selection
    n_wrong: int
    rows: tuple[MistakeRow, ...]
    table: pd.DataFrame | None = field(default=None, compare=False, hash=False)
    mae: float | None = None  # regression: rows are the biggest misses, not "wrong" rows
    scope: Scope | None = None


@dataclass(frozen=True)
class Condition:
    """One split of a rule: ``feature`` <op> ``threshold`` or ``feature`` == / != ``value``."""

    feature: str
    op: str  # "<=", ">", "==", "!="
    value: Any


@dataclass(frozen=True)
class ErrorRule:
    conditions: tuple[Condition, ...]
    support: int  # rows matching the rule
    n_wrong: int  # of those, how many the model gets wrong

    @property
    def error_rate(self) -> float:
        return self.n_wrong / self.support if self.support else 0.0


@dataclass(frozen=True)
class MistakeTypicalResult:
    selection: Selection
    n_wrong: int
    rules: tuple[ErrorRule, ...]
    base_error_rate: float
    wrong_ids: tuple[Any, ...] = ()
    # regression: a "mistake" is a miss larger than this (the worst quarter of the rows)
    miss_threshold: float | None = None
    scope: Scope | None = None


@dataclass(frozen=True)
class MetricValue:
    name: str  # metric token: accuracy, f1, roc, ...
    value: float | None  # None when undefined on this selection
    why_undefined: str | None = None


@dataclass(frozen=True)
class ScoreResult:
    selection: Selection
    metrics: tuple[MetricValue, ...]
    task: str
    positive_class: Any = None
    n_positive: int | None = None
    requested: str = "default"
    scope: Scope | None = None


@dataclass(frozen=True)
class ModelInfoResult:
    description: str
    task: str
    target: str
    n_features: int
    accuracy: float | None  # classification
    r2: float | None  # regression
    n_rows: int  # the rows the accuracy (or R²) was measured on
    note: str | None = None  # e.g. how a default model was trained
    scope: Scope | None = None


@dataclass(frozen=True)
class FunctionResult:
    example_feature: str
    example_numeric: str | None
    example_threshold: float | None
    example_id: Any


@dataclass(frozen=True)
class SelfResult:
    target: str
    task: str
    n_rows: int


@dataclass(frozen=True)
class NoticeResult:
    """A friendly message that is not an error (e.g. nothing was offered to follow up on)."""

    kind: str  # "no-followup"


Result = (  # what one operation of a program answers with
    CountResult | PredictionResult | LikelihoodResult | AttributionResult |
    CounterfactualsResult | ImportanceResult | InteractionsResult | DependenceResult |
    ShowResult | LabelResult | DataSummaryResult | StatisticResult | DefineResult |
    MistakeCountResult | MistakeSampleResult | MistakeTypicalResult | ScoreResult |
    ModelInfoResult | FunctionResult | SelfResult | NoticeResult
)
