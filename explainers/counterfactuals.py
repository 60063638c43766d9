"""Counterfactuals: the smallest changes to one row that make the model predict something else.

Why a purpose-built search instead of dice-ml: dice-ml's "random" method has no way to say that a
feature may only go up (``no_decrease``, e.g. age), it can spend unbounded time when a pipeline
rejects its proposals, and it returns candidates that are not re-checked against the model. Users
told us exactly those three things were wrong with today's tools. This module therefore runs a small,
predictable search that treats every constraint as a hard rule and every answer as a claim to verify:

* candidate values come from the reference data (observed quantiles for numbers, observed
  categories for categorical columns) plus the edges of any permitted range, so proposals are
  realistic and stay inside what the user allowed;
* immutable features are never touched, ``no_decrease`` features only move up;
* it first tries every single-feature change (exhaustive, one batched model call), then grows the
  most promising partial changes one feature at a time (a beam search guided by the model's own
  score for the target), so answers with few changed features are found first;
* found counterfactuals are simplified (changes that are not needed are dropped, numbers are moved
  back towards the original value as far as the model allows);
* everything runs in batches under a wall-clock budget; whatever is found when time runs out is
  returned, possibly nothing;
* every returned counterfactual is re-predicted with ``adapter.predict`` and only real flips are
  kept. Results are sorted by number of changes, then by distance (numeric changes divided by the
  feature's robust spread, one per categorical change) and deduplicated.

Regression: ``desired`` may be a ``(low, high)`` interval for the new prediction (either end may be
``None`` or infinite). Without it the target is the opposite side of the median prediction over the
reference data: rows predicted at or above the median seek a value below it, and vice versa.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from explainers.adapter import ModelAdapter
from explainers.errors import EmptySelectionError, ExplainerError, UnknownFeatureError
from explainers.results import Counterfactual, CounterfactualResult, FeatureChange

METHOD = "constrained-search"

State = tuple[tuple[int, object], ...]  # sorted (feature position, new value) pairs
SIMPLIFY_SHARE = 0.2  # share of the time limit kept for simplifying and verifying the answers
VERIFY_SHARE = 0.1  # of which kept for the final verifying model call and building the result


@dataclass(frozen=True)
class _FeatureInfo:
    """What the search needs to know about one raw feature, derived once from the data."""

    name: str
    categorical: bool
    integer: bool
    decimals: int
    scale: float
    grid: tuple  # observed candidate values (quantiles or categories)


@dataclass(frozen=True)
class _Target:
    """What counts as a flip: a set of classes (classification) or an interval (regression)."""

    classes: tuple | None
    low: float
    high: float
    shown: object  # what CounterfactualResult.target reports


class _Budget:
    """Wall-clock deadline plus a running estimate of the model's cost per row."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.start = time.perf_counter()
        self.deadline = self.start + seconds
        self.per_row = 0.0

    def left(self) -> float:
        return self.deadline - time.perf_counter()

    def rows_affordable(self, cap: int) -> int:
        if self.per_row <= 0:
            return cap
        return max(1, min(cap, int(0.8 * self.left() / self.per_row)))

    def record(self, seconds: float, rows: int) -> None:
        estimate = seconds / max(rows, 1)
        self.per_row = estimate if self.per_row == 0 else max(0.5 * self.per_row, estimate)


def _is_categorical(series: pd.Series, adapter_categoricals: Iterable[str]) -> bool:
    if series.name in set(adapter_categoricals):
        return True
    return not (pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series))


def _decimals(values: np.ndarray) -> int:
    """Fewest decimals (up to 4) that reproduce the observed numbers, used to round proposals."""
    for d in range(5):
        if np.allclose(np.round(values, d), values, rtol=0, atol=1e-9):
            return d
    return 4


def _feature_info(name: str, column: pd.Series, categorical: bool, grid_size: int) -> _FeatureInfo:
    observed = column.dropna()
    if categorical:
        cats = tuple(observed.value_counts().index)
        return _FeatureInfo(name, True, False, 0, 1.0, cats)
    values = observed.to_numpy(dtype=float)
    integer = pd.api.types.is_integer_dtype(column)
    if values.size == 0:
        return _FeatureInfo(name, False, integer, 0, 1.0, ())
    unique = np.unique(values)
    if unique.size <= grid_size:
        grid = unique
    else:
        grid = np.unique(np.quantile(values, np.linspace(0, 1, grid_size), method="nearest"))
    median = float(np.median(values))
    scale = 1.4826 * float(np.median(np.abs(values - median)))
    if not scale > 0:
        scale = float(np.std(values)) or 1.0
    decimals = 0 if integer else _decimals(values)
    return _FeatureInfo(name, False, integer, decimals, scale, tuple(float(v) for v in grid))


def _as_float(value: object) -> float:
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return math.nan


class CounterfactualSearch:
    """Reusable search over one model and reference data; per-feature grids are computed once."""

    def __init__(self, adapter: ModelAdapter, data: pd.DataFrame, *, seed: int = 0,
                 grid_size: int = 21, beam_width: int = 12, max_batch: int = 4000,
                 max_children: int = 20000, patience: int = 2) -> None:
        missing = [f for f in adapter.feature_names if f not in data.columns]
        if missing:
            raise UnknownFeatureError(missing[0], tuple(data.columns))
        if len(data) == 0:
            raise EmptySelectionError("There is no reference data to draw counterfactual values "
                                      "from.")
        self.adapter = adapter
        self.data = data[list(adapter.feature_names)]
        self.seed = seed
        self.beam_width = beam_width
        self.max_batch = max_batch
        self.max_children = max_children
        self.patience = patience  # widened beam passes in a row that may find nothing new
        self.features = tuple(
            _feature_info(name, self.data[name],
                          _is_categorical(self.data[name], adapter.categorical_features),
                          grid_size)
            for name in adapter.feature_names)
        self._median_prediction: float | None = None

    # ----------------------------------------------------------------------------- public API
    def search(self, row: pd.DataFrame, *, immutable: Sequence[str] = (),
               permitted_range: Mapping[str, object] | None = None,
               no_decrease: Sequence[str] = (), desired: object = None, total: int = 3,
               time_limit: float = 2.0) -> CounterfactualResult:
        """Find up to ``total`` verified counterfactuals for a one-row DataFrame."""
        budget = _Budget(max(float(time_limit), 0.0))
        row = self._check_row(row)
        immutable_set = set(self._check_names(immutable))
        no_decrease_set = set(self._check_names(no_decrease))
        ranges = dict(permitted_range or {})
        self._check_names(ranges)
        if total < 1:
            raise ExplainerError("Ask for at least one counterfactual.")

        original = row.iloc[0]
        call_started = time.perf_counter()
        original_output = self._predict(row)[0]
        call = time.perf_counter() - call_started
        # The search phase stops early enough to leave time to simplify what it found, and the
        # simplify phase keeps room for the final verifying model call, so the whole search
        # stays inside the caller's limit even when model calls are slow or uneven.
        hard_deadline = budget.deadline
        budget.deadline = hard_deadline - max(SIMPLIFY_SHARE * budget.seconds, 4 * call)
        target = self._target(original_output, desired)
        candidates = {
            i: self._candidates(info, original[info.name], ranges.get(info.name),
                                info.name in no_decrease_set)
            for i, info in enumerate(self.features) if info.name not in immutable_set
        }
        candidates = {i: vals for i, vals in candidates.items() if vals}
        rng = np.random.default_rng(self.seed)

        pool: dict[State, float] = {}  # valid states -> score
        self._run(row, target, candidates, pool, budget, rng, total)
        budget.deadline = hard_deadline - max(3 * call, VERIFY_SHARE * budget.seconds)
        verified = self._select_and_verify(row, target, pool, total, ranges, no_decrease_set,
                                           budget)
        result_rows = tuple(
            Counterfactual(values=values, changes=changes, new_output=output)
            for values, changes, output in verified)
        return CounterfactualResult(
            original=original.copy(), original_output=original_output,
            counterfactuals=result_rows, target=target.shown,
            elapsed=time.perf_counter() - budget.start, method=METHOD)

    # ----------------------------------------------------------------------------- validation
    def _check_row(self, row: pd.DataFrame) -> pd.DataFrame:
        if isinstance(row, pd.Series):
            row = row.to_frame().T
        if not isinstance(row, pd.DataFrame) or len(row) == 0:
            raise EmptySelectionError("No row was given to find counterfactuals for.")
        if len(row) != 1:
            raise ExplainerError(
                f"Counterfactuals are found for one row at a time, but {len(row)} rows were given.")
        missing = [f for f in self.adapter.feature_names if f not in row.columns]
        if missing:
            raise UnknownFeatureError(missing[0], tuple(row.columns))
        row = row[list(self.adapter.feature_names)].copy()
        for name in row.columns:  # keep the model's dtypes even if the row came in as objects
            if row[name].dtype != self.data[name].dtype:
                try:
                    row[name] = row[name].astype(self.data[name].dtype)
                except (TypeError, ValueError):
                    pass
        return row

    def _check_names(self, names: Iterable[str]) -> list[str]:
        known = tuple(self.adapter.feature_names)
        out = []
        for name in names:
            if name not in known:
                raise UnknownFeatureError(name, known)
            out.append(name)
        return out

    def _target(self, original_output: object, desired: object) -> _Target:
        if self.adapter.task == "classification":
            classes = tuple(self.adapter.classes or ())
            if desired is None:
                others = tuple(c for c in classes if c != original_output)
                shown: object = others[0] if len(others) == 1 else others
                return _Target(others, -math.inf, math.inf, shown)
            match = [c for c in classes if c == desired or str(c) == str(desired)]
            if not match:
                listed = ", ".join(str(c) for c in classes)
                raise ExplainerError(
                    f"The model has no class {desired!r}; its classes are {listed}.")
            if match[0] == original_output:
                raise ExplainerError(
                    f"The model already predicts {match[0]!r} for this row, so nothing needs to "
                    "change.")
            return _Target((match[0],), -math.inf, math.inf, match[0])
        value = float(original_output)
        if desired is None:
            median = self._median()
            # strictly below the median, or at/above it: a closed interval either way
            below = float(np.nextafter(median, -math.inf))
            low, high = (-math.inf, below) if value >= median else (median, math.inf)
        else:
            try:
                low_raw, high_raw = desired  # type: ignore[misc]
            except (TypeError, ValueError):
                raise ExplainerError(
                    "For a regression model, give the desired prediction as a (low, high) "
                    "range.") from None
            low = -math.inf if low_raw is None else float(low_raw)
            high = math.inf if high_raw is None else float(high_raw)
            if low > high:
                raise ExplainerError(f"The desired range {low} to {high} is empty.")
            if low <= value <= high:
                raise ExplainerError(
                    f"The prediction {value:g} is already inside the desired range.")
        return _Target(None, low, high, (low, high))

    def _median(self) -> float:
        if self._median_prediction is None:
            sample = self.data.sample(min(len(self.data), 2000), random_state=self.seed)
            self._median_prediction = float(np.median(self._predict(sample).astype(float)))
        return self._median_prediction

    # ----------------------------------------------------------------------------- candidates
    def _round(self, info: _FeatureInfo, value: float) -> float:
        return float(round(value)) if info.integer else round(value, info.decimals)

    def _candidates(self, info: _FeatureInfo, original: object, allowed: object,
                    no_decrease: bool) -> list:
        if info.categorical:
            if no_decrease:
                raise ExplainerError(
                    f"'{info.name}' has no order, so it cannot be kept from decreasing.")
            values = list(info.grid)
            if allowed is not None:
                allowed_list = list(allowed) if not isinstance(allowed, str) else [allowed]
                values = [v for v in values if v in allowed_list or str(v) in map(str, allowed_list)]
            return [v for v in values if not (v == original or str(v) == str(original))]
        orig = _as_float(original)
        if no_decrease and math.isnan(orig):
            return []  # cannot promise "not lower" than an unknown value
        low, high = -math.inf, math.inf
        values = list(info.grid)
        if allowed is not None:
            try:
                low_raw, high_raw = allowed  # type: ignore[misc]
                low = -math.inf if low_raw is None else float(low_raw)
                high = math.inf if high_raw is None else float(high_raw)
            except (TypeError, ValueError):
                raise ExplainerError(
                    f"The permitted range for '{info.name}' must be a (low, high) pair of "
                    "numbers.") from None
            if low > high:
                raise ExplainerError(f"The permitted range for '{info.name}' is empty.")
            finite = [v for v in (low, high) if math.isfinite(v)]
            if len(finite) == 2:
                values += list(np.linspace(low, high, 11))
            else:
                values += finite
        if no_decrease:
            low = max(low, orig)
        out = set()
        for v in values:
            v = self._round(info, v)
            if info.integer:  # rounding may leave the range; step inside it
                if v < low:
                    v = float(math.ceil(low))
                if v > high:
                    v = float(math.floor(high))
            if low <= v <= high and v != orig:
                out.add(v)
        out_list = sorted(out)
        return [int(v) for v in out_list] if info.integer else out_list

    # ----------------------------------------------------------------------------- model calls
    def _predict(self, frame: pd.DataFrame) -> np.ndarray:
        return np.asarray(self.adapter.predict(frame))

    def _frame(self, row: pd.DataFrame, states: Sequence[State]) -> pd.DataFrame:
        """Rows equal to ``row`` except for each state's changes, keeping the original dtypes."""
        n = len(states)
        columns = {}
        for j, name in enumerate(self.adapter.feature_names):
            column = np.empty(n, dtype=object)
            column[:] = [row.iloc[0, j]] * n
            columns[name] = column
        for k, state in enumerate(states):
            for j, value in state:
                columns[self.adapter.feature_names[j]][k] = value
        frame = pd.DataFrame(columns, index=pd.RangeIndex(n))
        for name in frame.columns:
            try:
                frame[name] = frame[name].astype(row[name].dtype)
            except (TypeError, ValueError):
                pass  # leave as objects; the adapter reports anything the model cannot take
        return frame

    def _score(self, row: pd.DataFrame, target: _Target, states: Sequence[State],
               budget: _Budget) -> tuple[np.ndarray, np.ndarray]:
        """(closeness to the target, tentatively valid) for each state; higher is closer."""
        started = time.perf_counter()
        frame = self._frame(row, states)
        if target.classes is not None:
            proba = np.asarray(self.adapter.predict_proba(frame), dtype=float)
            classes = list(self.adapter.classes or ())
            wanted = [classes.index(c) for c in target.classes]
            score = proba[:, wanted].sum(axis=1)
            labels = np.asarray(classes, dtype=object)[proba.argmax(axis=1)]
            valid = np.array([lab in target.classes for lab in labels])
        else:
            pred = self._predict(frame).astype(float)
            below = np.clip(target.low - pred, 0, None)
            above = np.clip(pred - target.high, 0, None)
            score = -(below + above)
            valid = self._inside(pred, target)
        budget.record(time.perf_counter() - started, len(states))
        return score, valid

    @staticmethod
    def _inside(pred: np.ndarray, target: _Target) -> np.ndarray:
        return (pred >= target.low) & (pred <= target.high)

    def _evaluate(self, row: pd.DataFrame, target: _Target, states: list[State],
                  budget: _Budget) -> tuple[list[State], np.ndarray, np.ndarray]:
        """Score states in affordable chunks; stops early (returning fewer) when time is up."""
        done: list[State] = []
        scores, valids = [], []
        i = 0
        while i < len(states) and budget.left() > 0:
            first = budget.per_row == 0  # cost unknown yet: measure on a small chunk
            size = budget.rows_affordable(min(self.max_batch, 256) if first else self.max_batch)
            chunk = states[i:i + size]
            s, v = self._score(row, target, chunk, budget)
            done += chunk
            scores.append(s)
            valids.append(v)
            i += size
        if not done:
            return [], np.empty(0), np.empty(0, bool)
        return done, np.concatenate(scores), np.concatenate(valids)

    # ----------------------------------------------------------------------------- search
    def _run(self, row: pd.DataFrame, target: _Target, candidates: Mapping[int, list],
             pool: dict[State, float], budget: _Budget, rng: np.random.Generator,
             total: int) -> None:
        """Exhaustive single changes, then beam searches that widen until enough are found."""
        scored: dict[State, tuple[float, bool]] = {}
        singles: list[State] = [((i, v),) for i, vals in candidates.items() for v in vals]
        self._score_new(row, target, singles, scored, pool, budget)
        width = self.beam_width
        fruitless = 0
        while (budget.left() > 0 and self._distinct_sets(pool) < total
               and fruitless < self.patience):
            before = self._distinct_sets(pool)
            evaluated = self._beam_pass(row, target, candidates, singles, width, scored, pool,
                                        budget, rng, total)
            if evaluated == 0:
                break  # nothing new within reach: the search space is exhausted
            fruitless = 0 if self._distinct_sets(pool) > before else fruitless + 1
            width *= 2

    def _score_new(self, row: pd.DataFrame, target: _Target, states: list[State],
                   scored: dict[State, tuple[float, bool]], pool: dict[State, float],
                   budget: _Budget) -> int:
        new = [s for s in dict.fromkeys(states) if s not in scored]
        done, scores, valid = self._evaluate(row, target, new, budget)
        for state, score, ok in zip(done, scores, valid, strict=True):
            scored[state] = (float(score), bool(ok))
            if ok:
                pool[state] = float(score)
        return len(done)

    def _beam_pass(self, row: pd.DataFrame, target: _Target, candidates: Mapping[int, list],
                   singles: list[State], width: int, scored: dict[State, tuple[float, bool]],
                   pool: dict[State, float], budget: _Budget, rng: np.random.Generator,
                   total: int) -> int:
        """Grow the ``width`` best invalid states one feature at a time; returns new states."""
        evaluated = 0
        frontier = self._best_invalid(singles, scored, width)
        for _depth in range(2, len(candidates) + 1):
            if not frontier or budget.left() <= 0 or self._distinct_sets(pool) >= total:
                break
            children: list[State] = []
            for state in frontier:
                if len(children) > self.max_children or budget.left() <= 0:
                    break
                used = {j for j, _ in state}
                for j, vals in candidates.items():
                    if j not in used:
                        children += [tuple(sorted(state + ((j, v),), key=lambda p: p[0]))
                                     for v in vals]
            children = list(dict.fromkeys(children))
            new = [c for c in children if c not in scored]
            affordable = budget.rows_affordable(len(new)) if new else 0
            if affordable < len(new):  # keep a random, unbiased share of what is new
                keep = rng.choice(len(new), size=affordable, replace=False)
                new = [new[k] for k in sorted(keep)]
            evaluated += self._score_new(row, target, new, scored, pool, budget)
            frontier = self._best_invalid(children, scored, width)
        return evaluated

    @staticmethod
    def _best_invalid(states: list[State], scored: Mapping[State, tuple[float, bool]],
                      width: int) -> list[State]:
        rest = [(s, scored[s][0]) for s in states if s in scored and not scored[s][1]]
        rest.sort(key=lambda p: -p[1])
        return [s for s, _ in rest[:width]]

    @staticmethod
    def _distinct_sets(pool: Mapping[State, float]) -> int:
        """How many different minimal sets of changed features the valid states use."""
        sets = {frozenset(j for j, _ in s) for s in pool}
        return sum(1 for a in sets if not any(b < a for b in sets))

    def _distance(self, origin: Sequence[float], state: State) -> float:
        """Normalised distance: |change| / robust spread for numbers, 1 per categorical change."""
        total = 0.0
        for j, value in state:
            info = self.features[j]
            if info.categorical:
                total += 1.0
            else:
                delta = abs(_as_float(value) - origin[j])
                total += delta / info.scale if math.isfinite(delta) else 1.0
        return total

    def _ordered(self, row: pd.DataFrame, states: Iterable[State], n: int) -> list[State]:
        """The ``n`` states with fewest changes, then smallest distance."""
        origin = [_as_float(v) for v in row.iloc[0].tolist()]
        return heapq.nsmallest(n, states, key=lambda s: (len(s), self._distance(origin, s)))

    def _simplify(self, row: pd.DataFrame, target: _Target, states: list[State],
                  ranges: Mapping[str, object], no_decrease: set[str],
                  budget: _Budget) -> list[State]:
        """Drop unneeded changes and pull numbers back towards the original where still valid."""
        proposals: list[State] = []
        for state in states:
            if len(state) > 1:
                proposals += [tuple(p for p in state if p is not drop) for drop in state]
            for k, (j, value) in enumerate(state):
                info = self.features[j]
                orig = _as_float(row.iloc[0, j])
                if info.categorical or not math.isfinite(orig):
                    continue
                allowed = self._candidates_between(info, orig, _as_float(value),
                                                   ranges.get(info.name),
                                                   info.name in no_decrease)
                proposals += [state[:k] + ((j, v),) + state[k + 1:] for v in allowed]
        proposals = list(dict.fromkeys(p for p in proposals if p))
        if not proposals or budget.left() <= 0:
            return []
        done, _, valid = self._evaluate(row, target, proposals, budget)
        return [s for s, ok in zip(done, valid, strict=True) if ok]

    def _candidates_between(self, info: _FeatureInfo, orig: float, new: float,
                            allowed: object, no_decrease: bool) -> list:
        points = np.linspace(orig, new, 9)[1:-1]
        out = []
        for p in points:
            v = self._round(info, float(p))
            if v == orig or v == new:
                continue
            if no_decrease and v < orig:
                continue
            if allowed is not None:
                low_raw, high_raw = allowed  # type: ignore[misc]
                if (low_raw is not None and v < float(low_raw)) or (
                        high_raw is not None and v > float(high_raw)):
                    continue
            out.append(int(v) if info.integer else v)
        return sorted(set(out))

    def _select_and_verify(self, row: pd.DataFrame, target: _Target, pool: dict[State, float],
                           total: int, ranges: Mapping[str, object], no_decrease: set[str],
                           budget: _Budget) -> list[tuple[pd.Series, tuple, object]]:
        if not pool:
            return []
        simpler = self._simplify(row, target, self._ordered(row, pool, 4 * total), ranges,
                                 no_decrease, budget)
        for state in simpler:
            pool.setdefault(state, 0.0)
        ordered = self._undominated(self._ordered(row, pool, 16 * total), set(pool))
        chosen = self._diverse(ordered, 4 * total)
        frame = self._frame(row, chosen)
        outputs = self._predict(frame)  # final word: the model's own prediction
        if target.classes is not None:
            ok = [out in target.classes for out in outputs]
        else:
            ok = list(self._inside(outputs.astype(float), target))
        verified = [(s, frame.iloc[k], outputs[k]) for k, s in enumerate(chosen) if ok[k]]
        final = self._diverse([s for s, _, _ in verified], total)
        by_state = {s: (values, out) for s, values, out in verified}
        results = []
        for state in final:
            values, out = by_state[state]
            values = values.copy()
            values.name = row.index[0]
            changes = tuple(
                FeatureChange(feature=self.features[j].name, before=row.iloc[0, j], after=v)
                for j, v in state)
            results.append((values, changes, out))
        return results

    @staticmethod
    def _undominated(ordered: list[State], valid: set[State]) -> list[State]:
        """Drop states that merely add changes to a smaller valid state."""
        return [s for s in ordered
                if not any(sub in valid for r in range(1, len(s))
                           for sub in combinations(s, r))]

    @staticmethod
    def _diverse(ordered: list[State], total: int) -> list[State]:
        """Prefer counterfactuals that change different sets of features, then fill up."""
        chosen: list[State] = []
        sets: list[frozenset] = []
        for state in ordered:
            features = frozenset(j for j, _ in state)
            if any(features >= s for s in sets):
                continue
            chosen.append(state)
            sets.append(features)
            if len(chosen) == total:
                break
        for state in ordered:
            if len(chosen) >= total:
                break
            if state not in chosen:
                chosen.append(state)
        return sorted(chosen, key=lambda s: ordered.index(s))


def find_counterfactuals(adapter: ModelAdapter, data: pd.DataFrame, row: pd.DataFrame, *,
                         immutable: Sequence[str] = (),
                         permitted_range: Mapping[str, object] | None = None,
                         no_decrease: Sequence[str] = (), desired: object = None,
                         total: int = 3, time_limit: float = 2.0,
                         seed: int = 0) -> CounterfactualResult:
    """One-off convenience wrapper around :class:`CounterfactualSearch`."""
    return CounterfactualSearch(adapter, data, seed=seed).search(
        row, immutable=immutable, permitted_range=permitted_range, no_decrease=no_decrease,
        desired=desired, total=total, time_limit=time_limit)
