"""Result types returned by the engines: frozen dataclasses holding numbers only.

They carry no language; the dialogue layer turns them into replies. Arrays are numpy, so the
dataclasses use ``eq=False`` (identity equality) instead of element-wise comparison.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from explainers.errors import UnknownFeatureError


@dataclass(frozen=True, eq=False)
class Attribution:
    """Per-row, per-raw-feature attributions of one model output.

    ``values[i].sum() + base_value == output[i]`` for SHAP (additivity); LIME and integrated
    gradients are approximately additive only.
    """

    method: str
    feature_names: tuple[str, ...]
    values: np.ndarray
    base_value: float
    output: np.ndarray
    output_name: str
    class_label: object | None
    row_ids: tuple
    stability: float | None = None

    @property
    def n_rows(self) -> int:
        return int(self.values.shape[0])

    def top(self, k: int = 3, row: int | None = None) -> list[tuple[str, float]]:
        """The ``k`` strongest features with signed values: mean over rows, or one row (position).

        Ranked by absolute value; ties keep feature order.
        """
        if row is None:
            vec = self.values.mean(axis=0)
        else:
            if not -self.n_rows <= row < self.n_rows:
                raise IndexError(f"row position {row} out of range for {self.n_rows} rows")
            vec = self.values[row]
        order = np.argsort(-np.abs(vec), kind="stable")[: max(int(k), 0)]
        return [(self.feature_names[i], float(vec[i])) for i in order]

    def for_feature(self, feature: str) -> np.ndarray:
        """Attributions of one feature across rows (``UnknownFeatureError`` if unknown)."""
        if feature not in self.feature_names:
            raise UnknownFeatureError(feature, self.feature_names)
        return self.values[:, self.feature_names.index(feature)]


@dataclass(frozen=True, eq=False)
class ImportanceResult:
    """Global importance: mean |attribution| per raw feature, ranked, with 95% bootstrap CIs."""

    feature_names: tuple[str, ...]
    mean_abs: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    n_rows: int
    method: str
    n_total: int | None = None  # rows asked about, when ``n_rows`` is a sample of them
    top_stability: float | None = None  # share of bootstrap resamples with the same top 3

    @property
    def sampled(self) -> bool:
        return self.n_total is not None and self.n_rows < self.n_total

    def _index(self, feature: str) -> int:
        if feature not in self.feature_names:
            raise UnknownFeatureError(feature, self.feature_names)
        return self.feature_names.index(feature)

    def rank(self, feature: str) -> int:
        """1-based rank of ``feature`` (1 = most important)."""
        return self._index(feature) + 1

    def share(self, feature: str) -> float:
        """The feature's mean |attribution| as a fraction of the total over all features."""
        total = float(np.sum(self.mean_abs))
        return float(self.mean_abs[self._index(feature)]) / total if total > 0 else 0.0

    def value(self, feature: str) -> float:
        """The feature's mean |attribution|."""
        return float(self.mean_abs[self._index(feature)])

    def interval(self, feature: str) -> tuple[float, float]:
        """The feature's 95% bootstrap confidence interval of mean |attribution|."""
        i = self._index(feature)
        return float(self.ci_low[i]), float(self.ci_high[i])

    def top(self, k: int = 3) -> list[tuple[str, float]]:
        """The ``k`` most important features with their mean |attribution|."""
        return [(self.feature_names[i], float(self.mean_abs[i]))
                for i in range(min(int(k), len(self.feature_names)))]


@dataclass(frozen=True, eq=False)
class DependenceCurve:
    """Partial dependence of the model's output on one feature (one curve per output)."""

    feature: str
    grid: tuple  # the feature's values, in order (numbers, or category values by frequency)
    outputs: tuple[str, ...]  # what each curve is: a class (its probability) or "prediction"
    mean: np.ndarray  # (grid, outputs): the average output with the feature at each value
    # (grid, outputs): the middle 80% of the rows' own changes from the grid's first value,
    # drawn around ``mean`` (10th and 90th percentile); ``high[-1] - mean[0]`` is the 90th
    # percentile of the change over the whole grid
    low: np.ndarray
    high: np.ndarray
    n_rows: int  # rows averaged over (a seeded sample when fewer than n_total)
    n_total: int
    numeric: bool
    data_range: tuple | None = None  # the feature's smallest and largest value in the data


@dataclass(frozen=True, eq=False)
class InteractionResult:
    """Strongest feature-pair interactions, strongest first."""

    pairs: tuple[tuple[str, str], ...]
    strengths: np.ndarray
    method: str
    n_rows: int
    ci_low: np.ndarray | None = None  # 95% bootstrap interval of each strength
    ci_high: np.ndarray | None = None
    n_total: int | None = None  # rows asked about, when ``n_rows`` is a sample of them
    top_stability: float | None = None  # share of bootstrap resamples with the same top pair

    @property
    def sampled(self) -> bool:
        return self.n_total is not None and self.n_rows < self.n_total

    def strength(self, a: str, b: str) -> float | None:
        """Strength of the pair (either order) if it is among ``pairs``, else ``None``."""
        for pair, s in zip(self.pairs, self.strengths, strict=True):
            if pair in ((a, b), (b, a)):
                return float(s)
        return None


@dataclass(frozen=True)
class Progress:
    """How far a dataset-wide computation has got (passed to ``progress`` callbacks)."""

    done: int  # rows finished
    total: int  # rows to do
    what: str  # e.g. "global importance (exact TreeSHAP)"

    @property
    def fraction(self) -> float:
        return self.done / self.total if self.total else 1.0

    @property
    def text(self) -> str:
        return f"{self.what}: {self.done:,} of {self.total:,} rows ({self.fraction:.0%})"


@dataclass(frozen=True)
class FeatureChange:
    """One feature changed by a counterfactual."""

    feature: str
    before: object
    after: object


@dataclass(frozen=True, eq=False)
class Counterfactual:
    """A changed row whose prediction (verified with the model) is ``new_output``."""

    values: pd.Series
    changes: tuple[FeatureChange, ...]
    new_output: object


@dataclass(frozen=True, eq=False)
class CounterfactualResult:
    """Counterfactuals for one row; empty ``counterfactuals`` means none was found in time."""

    original: pd.Series
    original_output: object
    counterfactuals: tuple[Counterfactual, ...]
    target: object
    elapsed: float
    method: str

    @property
    def found(self) -> bool:
        return len(self.counterfactuals) > 0


@dataclass(frozen=True, eq=False)
class FaithfulnessReport:
    """Measured faithfulness of local explanation methods (higher score = more faithful)."""

    scores: dict[str, float]
    chosen: str
    agreement: float | None
    n_rows: int
    details: dict[str, float] = field(default_factory=dict)
