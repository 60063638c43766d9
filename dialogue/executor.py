"""Run a ``Program`` against a ``Workspace``: filters, what-if changes, then operations.

The executor is a pure function of (workspace, program, previous-turn state): it returns typed
results (``dialogue.results``) and the state the next turn needs. It never writes to the
workspace; what-if changes live on a copy for the rest of the turn.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from dialogue import results as r
from dialogue.error_patterns import typical_error_rules
from dialogue.errors import DialogueError, NoRowsMatch
from dialogue.followups import META_OPERATIONS, offer_after
from dialogue.metrics import classification_metric, regression_metrics
from dialogue.numbers import fmt
from dialogue.values import equal_values, id_text, plain, round_nice, same_value
from dialogue.workspace import Workspace
from explainers.results import Attribution, Counterfactual, FeatureChange, Progress
from grammar import program as p
from grammar.schema import Feature, canonical_name

GROUP_SAMPLE = 200  # rows explained at most for a group (mean attributions / importance)
LIME_SAMPLE = 20  # LIME is much slower per row
MAX_TABLE_ROWS = 1000
CFE_SEARCHED = 5  # counterfactuals asked of the engine; near-duplicates are then dropped
CFE_SHOWN = 3


UNKNOWN_TRAINING_ROWS = (
    "I don't know which rows the model was trained on, so I can't tell them apart. To tell me, "
    "load the data with a split column (train/test per row) or a separate test file: "
    "split_column= or test_path= in Python, --split-column or --test-data in the command line, "
    "“Held-out rows” in the app.")


@dataclass(frozen=True)
class TurnState:
    """What one turn leaves for the next (all immutable)."""

    selection: tuple[int, ...] | None = None  # row positions; None = every row
    operations: tuple[p.Clause, ...] = ()
    offered: p.Program | None = None


@dataclass(frozen=True)
class Outcome:
    """The result of one turn."""

    program: p.Program  # what actually ran (the offered program for ``followup``)
    results: tuple[r.Result, ...]
    selection: tuple[int, ...]  # positions the turn ended with
    filtered: bool
    operations: tuple[p.Clause, ...]  # operations run, ``previousoperation`` expanded
    offer: p.Program | None
    touches_rows: bool  # False for turns like ``define``/``model``: they keep the old selection
    changes: tuple[p.Clause, ...] = field(default=())


def execute(workspace: Workspace, program: p.Program, state: TurnState,
            progress: Callable[[Progress], None] | None = None) -> Outcome:
    """Run ``program``; raise ``DialogueError`` (friendly) when it cannot be answered.

    ``progress`` receives ``explainers.Progress`` updates from dataset-wide explanations."""
    if any(isinstance(c, p.FollowUp) for c in program.clauses):
        if state.offered is None:
            return Outcome(program, (r.NoticeResult("no-followup"),), (), False, (), None, False)
        return execute(workspace, state.offered, TurnState(state.selection, state.operations),
                       progress)
    return _Run(workspace, state, progress).run(program)


def planned_operations(program: p.Program, state: TurnState) -> tuple[p.Clause, ...]:
    """The operations a program asks for, ``previousoperation`` expanded (for failed turns too,
    so "and for X?" after a failed question still repeats that question)."""
    operations: list[p.Clause] = []
    for clause in program.clauses:
        if isinstance(clause, p.PreviousOperation):
            operations.extend(state.operations)
        elif p.is_operation(clause) and not isinstance(clause, p.FollowUp):
            operations.append(clause)
    if not operations and (program.filters or program.changes):
        operations = [p.Predict()] if program.changes else [p.CountData()]
    return tuple(operations)


class _Run:
    """One turn's working state: the selection and a what-if copy of the data."""

    def __init__(self, workspace: Workspace, state: TurnState,
                 progress: Callable[[Progress], None] | None = None) -> None:
        self.ws = workspace
        self.state = state
        self.progress = progress
        self.adapter = workspace.adapter
        self.data: pd.DataFrame = workspace.X
        self.changed_positions: np.ndarray = np.zeros(0, dtype=int)
        self.changes: list[p.Change] = []
        self.mask: np.ndarray | None = None
        self.filter_log: list[tuple[p.Clause, int]] = []
        self.split: p.SplitFilter | None = None  # the turn's own "split" clause, if any
        self._preds: np.ndarray | None = None
        self._proba: np.ndarray | None = None

    # ------------------------------------------------------------------ driver
    def run(self, program: p.Program) -> Outcome:
        operations: list[p.Clause] = []
        for clause in program.clauses:
            if isinstance(clause, p.PreviousOperation):
                if not self.state.operations:
                    raise DialogueError(
                        "There is no earlier question to repeat yet. Ask me something first, "
                        "for example how many rows there are or how accurate the model is.")
                operations.extend(self.state.operations)
            elif p.is_operation(clause):
                operations.append(clause)
        if not operations:
            operations = [p.Predict()] if program.changes else [p.CountData()]
        results: list[r.Result] = []
        pending_ops = list(operations)
        joins = ("and",) + tuple(program.joins)
        for clause, join in zip(program.clauses, joins, strict=True):
            if p.is_filter(clause):
                self._apply_filter(clause, join)
            elif p.is_change(clause):
                self._apply_change(clause)
            else:
                # Operations run on the selection as it stands where they appear.
                count = len(self.state.operations) if isinstance(
                    clause, p.PreviousOperation) else 1
                for op in pending_ops[:count]:
                    results.append(self._operate(op))
                pending_ops = pending_ops[count:]
        for op in pending_ops:  # the implicit count / predict of a filter- or change-only turn
            results.append(self._operate(op))
        positions = self.positions()
        touches = bool(program.filters) or not all(
            isinstance(op, META_OPERATIONS) for op in operations)
        offer = offer_after(self.ws, program, operations[-1], results[-1],
                            filtered=self.mask is not None)
        return Outcome(program, tuple(results), tuple(int(i) for i in positions),
                       self.mask is not None, tuple(operations), offer, touches,
                       tuple(program.changes))

    # ------------------------------------------------------------------ selection
    def positions(self) -> np.ndarray:
        if self.mask is None:
            return np.arange(len(self.data))
        return np.flatnonzero(self.mask)

    def selection(self, positions: np.ndarray | None = None) -> r.Selection:
        positions = self.positions() if positions is None else positions
        ids = tuple(plain(v) for v in self.ws.frame.index[positions])
        return r.Selection(ids, len(self.data), self.mask is not None, tuple(self.changes))

    def feature(self, name: str) -> Feature:
        """The schema feature written ``name``; a friendly error with a suggestion if unknown."""
        try:
            return self.ws.schema.feature(name)
        except KeyError:
            raise unknown_feature(self.ws, name) from None

    def _apply_filter(self, clause: p.Clause, join: str) -> None:
        mask = self._filter_mask(clause)
        if isinstance(clause, p.SplitFilter):
            self.split = clause
        self.filter_log.append((clause, int(mask.sum())))
        if self.mask is None:
            self.mask = mask
        elif join == "or":
            self.mask = self.mask | mask
        else:
            self.mask = self.mask & mask

    def _filter_mask(self, clause: p.Clause) -> np.ndarray:
        n = len(self.data)
        match clause:
            case p.PreviousFilter():
                mask = np.zeros(n, dtype=bool)
                if self.state.selection is None:
                    mask[:] = True
                else:
                    mask[list(self.state.selection)] = True
                return mask
            case p.IdFilter(row_id):
                position = self.ws.position_of(row_id)
                if position is None:
                    raise unknown_id(self.ws, row_id)
                mask = np.zeros(n, dtype=bool)
                mask[position] = True
                return mask
            case p.NumericFilter(name, comparison, value):
                feature = self.feature(name)
                column = self.data[feature.name]
                if feature.kind == "categorical":
                    raise DialogueError(
                        f"{feature.name} is a category ({_values_text(feature)}), so it cannot "
                        f"be compared with a number.")
                number = within_reach(self.ws, feature, value)
                values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
                with np.errstate(invalid="ignore"):
                    return _compare(values, comparison, number)
            case p.BoolFilter(name, value):
                feature = self.feature(name)
                return self._bool_mask(feature, value)
            case p.CategoryFilter(name, value):
                feature = self.feature(name)
                return self._category_mask(feature, value)
            case p.LabelFilter(label):
                raw = self._class(label)
                return equal_values(self.ws.y.to_numpy(), raw)
            case p.PredictionFilter(label):
                raw = self._class(label)
                return equal_values(self.predictions(), raw)
            case p.SplitFilter(kind):
                if kind == "all":
                    return np.ones(n, dtype=bool)
                training = self.ws.training
                if training is None:
                    raise DialogueError(UNKNOWN_TRAINING_ROWS)
                return training.trained.copy() if kind == "training" else ~training.trained
        raise DialogueError(f"I cannot use {clause!r} to select rows.")

    def _bool_mask(self, feature: Feature, value: bool) -> np.ndarray:
        column = self.data[feature.name]
        if feature.kind == "boolean":
            wanted = feature.true_value if value else feature.false_value
            return equal_values(column.to_numpy(), wanted)
        if feature.kind == "numeric":
            return equal_values(column.to_numpy(), 1 if value else 0)
        raise DialogueError(
            f"{feature.name} is not a yes/no feature; its values are {_values_text(feature)}.")

    def _category_mask(self, feature: Feature, value: str) -> np.ndarray:
        column = self.data[feature.name]
        if feature.kind == "categorical":
            try:
                raw = feature.raw_value(value)
            except KeyError:
                raise DialogueError(
                    f"{feature.name} has no value {value!r}; its values are "
                    f"{_values_text(feature)}.", [f"{feature.name} {v}" for v in feature.values[:3]]
                ) from None
            return equal_values(column.to_numpy(), raw)
        if feature.kind == "boolean" and value.lower() in {"true", "false", "yes", "no"}:
            return self._bool_mask(feature, value.lower() in {"true", "yes"})
        try:
            number = float(value)
        except ValueError:
            raise DialogueError(
                f"{feature.name} holds numbers, so it cannot equal {value!r}.") from None
        return equal_values(pd.to_numeric(column, errors="coerce").to_numpy(), number)

    def _class(self, label: str) -> object:
        if self.ws.task != "classification":
            raise DialogueError("The model predicts a number, not classes, so there are no "
                                "labels to select by.")
        try:
            return self.ws.raw_class(label)
        except KeyError:
            names = ", ".join(self.ws.class_name(c) for c in self.ws.schema.raw_class_labels)
            raise DialogueError(f"There is no class {label!r}; the classes are {names}.") from None

    # ------------------------------------------------------------------ what-if changes
    def _apply_change(self, clause: p.Clause) -> None:
        positions = self.positions()
        if len(positions) == 0:
            raise self.no_rows()
        feature = self.feature(clause.feature)
        data = self.data.copy() if not len(self.changed_positions) else self.data
        column = data[feature.name]
        match clause:
            case p.NumericChange(_, kind, value):
                if feature.kind == "categorical":
                    raise DialogueError(
                        f"{feature.name} is a category ({_values_text(feature)}); set it to one "
                        "of those values instead of changing it by a number.")
                number = within_reach(self.ws, feature, value)
                values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float).copy()
                with np.errstate(over="ignore", invalid="ignore"):
                    if kind == "increase":
                        values[positions] += number
                    elif kind == "decrease":
                        values[positions] -= number
                    else:
                        values[positions] = number
                changed = values[positions]
                changed = changed[~np.isnan(changed)]
                if not np.all(np.isfinite(changed)) or np.any(np.abs(changed) > _largest_input(
                        column.dtype)):
                    if kind == "set":
                        raise beyond_the_data(self.ws, feature, value)
                    raise beyond_the_data(self.ws, feature, -1 if kind == "decrease" else 1,
                                          f"{change_verb(kind)} {feature.name} by {fmt(value)}")
                new = pd.Series(values, index=column.index, name=column.name)
                if pd.api.types.is_integer_dtype(column.dtype) and np.all(
                        np.mod(values[~np.isnan(values)], 1) == 0):
                    new = new.astype(column.dtype)
                data[feature.name] = new
            case p.BoolChange(_, value):
                if feature.kind == "boolean":
                    wanted = feature.true_value if value else feature.false_value
                elif feature.kind == "numeric":
                    wanted = 1 if value else 0
                else:
                    raise DialogueError(f"{feature.name} is not a yes/no feature; its values are "
                                        f"{_values_text(feature)}.")
                data[feature.name] = _set_positions(column, positions, wanted)
            case p.CategoryChange(_, value):
                if feature.kind != "categorical":
                    if feature.kind == "boolean" and value.lower() in {"true", "false"}:
                        wanted = feature.true_value if value.lower() == "true" else (
                            feature.false_value)
                    else:
                        raise DialogueError(f"{feature.name} holds numbers; say how to change it "
                                            "(increase, decrease or set to a number).")
                else:
                    try:
                        wanted = feature.raw_value(value)
                    except KeyError:
                        raise DialogueError(
                            f"{feature.name} has no value {value!r}; its values are "
                            f"{_values_text(feature)}.") from None
                data[feature.name] = _set_positions(column, positions, wanted)
        self.data = data
        self.changed_positions = np.union1d(self.changed_positions, positions).astype(int)

        self.changes.append(clause)
        self._preds = None
        self._proba = None

    # ------------------------------------------------------------------ model outputs
    def predictions(self) -> np.ndarray:
        """Predictions on the working data (changed rows re-predicted)."""
        if self._preds is None:
            preds = self.ws.predictions()
            if len(self.changed_positions):
                preds = preds.copy()
                new = self.adapter.predict(self.data.iloc[self.changed_positions])
                if preds.dtype != np.asarray(new).dtype:
                    preds = preds.astype(object)
                preds[self.changed_positions] = new
            self._preds = preds
        return self._preds

    def predicted_at(self, position: int) -> Any:
        """The prediction for one row, without predicting every row when they are not ready
        yet (on a big table that costs seconds; the answer is the same either way)."""
        if self._preds is None and not self.ws.has_predictions():
            return self.ws.engine.predictions(self.data.iloc[[position]])[0]
        return self.predictions()[position]

    def probabilities(self) -> np.ndarray:
        if self._proba is None:
            proba = self.ws.probabilities()
            if len(self.changed_positions):
                proba = proba.copy()
                proba[self.changed_positions] = self.adapter.predict_proba(
                    self.data.iloc[self.changed_positions])
            self._proba = proba
        return self._proba

    def correct(self, positions: np.ndarray) -> np.ndarray:
        truth = self.ws.y.to_numpy()[positions]
        return equal_values(self.predictions()[positions], truth, elementwise=True)

    # ------------------------------------------------------------------ operations
    def no_rows(self) -> NoRowsMatch:
        return NoRowsMatch(tuple(self.filter_log), self.data)

    def _operate(self, op: p.Clause) -> r.Result:
        if isinstance(op, META_OPERATIONS):
            return self._meta(op)
        positions = self.positions()
        if len(positions) == 0:
            raise self.no_rows()
        handler = {
            p.Predict: self._predict,
            p.Likelihood: self._likelihood,
            p.Explain: self._explain,
            p.ImportantTopK: self._important,
            p.ImportantAll: self._important,
            p.ImportantFeature: self._important,
            p.Interact: self._interact,
            p.Dependence: self._dependence,
            p.Show: self._show,
            p.ShowLabel: self._label,
            p.CountData: lambda _op, pos: r.CountResult(self.selection(pos)),
            p.DataSummary: self._data_summary,
            p.Statistic: self._statistic,
            p.Mistake: self._mistake,
            p.Score: self._score,
        }.get(type(op))
        if handler is None:
            raise DialogueError(f"I do not know how to run '{op}'.")
        return handler(op, positions)

    def _meta(self, op: p.Clause) -> r.Result:
        ws = self.ws
        match op:
            case p.Define(name):
                feature = self.feature(name)
                return r.DefineResult(feature_summary(ws, feature), feature.description is not None)
            case p.ModelInfo():
                return model_info(ws)
            case p.Function():
                numeric = ws.schema.features_of_kind("numeric")
                example = numeric[0] if numeric else None
                return r.FunctionResult(
                    ws.schema.features[0].name,
                    example.name if example else None,
                    round_nice(float(np.nanmedian(ws.X[example.name]))) if example else None,
                    plain(ws.frame.index[0]),
                )
            case p.SelfInfo():
                return r.SelfResult(ws.target, ws.task, len(ws.frame))
        raise DialogueError(f"I do not know how to run '{op}'.")

    def _class_counts(self, labels: np.ndarray, positions: np.ndarray) -> tuple[r.ClassCount, ...]:
        ids = self.ws.frame.index[positions]
        counts = []
        for label in self.ws.classes or self.ws.schema.raw_class_labels:
            hit = equal_values(labels, label)
            examples = tuple(plain(v) for v in ids[hit][:3])
            counts.append(r.ClassCount(plain(label), int(hit.sum()), examples))
        return tuple(counts)

    def _predict(self, _op: p.Clause, positions: np.ndarray) -> r.PredictionResult:
        selection = self.selection(positions)
        after = self.predictions()[positions]
        changed = len(self.changed_positions) > 0
        before = self.ws.predictions()[positions] if changed else None
        if self.ws.task == "classification":
            return r.PredictionResult(
                selection,
                counts=self._class_counts(after, positions),
                before_counts=self._class_counts(before, positions) if changed else None,
                n_flipped=int((~equal_values(after, before, elementwise=True)).sum())
                if changed else None,
                single_value=plain(after[0]) if len(after) == 1 else None,
                before_single_value=plain(before[0]) if changed and len(after) == 1 else None,
            )
        values = after.astype(float)
        return r.PredictionResult(
            selection,
            value_mean=float(values.mean()), value_min=float(values.min()),
            value_max=float(values.max()),
            before_value_mean=float(before.astype(float).mean()) if changed else None,
            single_value=float(values[0]) if len(values) == 1 else None,
            before_single_value=float(before[0]) if changed and len(values) == 1 else None,
        )

    def _likelihood(self, op: p.Clause, positions: np.ndarray) -> r.Result:
        if self.ws.task != "classification":
            return self._predict(op, positions)
        proba = self.probabilities()[positions].mean(axis=0)
        before = None
        if len(self.changed_positions):
            before = tuple(float(v) for v in self.ws.probabilities()[positions].mean(axis=0))
        predicted = plain(self.predictions()[positions][0]) if len(positions) == 1 else None
        classes = tuple(plain(c) for c in self.ws.classes)
        return r.LikelihoodResult(self.selection(positions), classes,
                                  tuple(float(v) for v in proba), before, predicted)

    def _sample(self, positions: np.ndarray, cap: int) -> np.ndarray:
        if len(positions) <= cap:
            return positions
        rng = np.random.default_rng(0)
        return np.sort(rng.choice(positions, size=cap, replace=False))

    def _explain(self, op: p.Explain, positions: np.ndarray) -> r.Result:
        if op.method == "cfe":
            return self._counterfactuals(positions)
        cap = LIME_SAMPLE if op.method == "lime" else GROUP_SAMPLE
        sample = self._sample(positions, cap)
        rows = self.data.iloc[sample]
        engine = self.ws.engine
        if op.method == "shap":
            attribution = engine.shap(rows)
        elif op.method == "lime":
            attribution = engine.lime(rows)
        elif op.method == "ig":
            attribution = engine.integrated_gradients(rows)
        else:
            attribution = engine.explain(rows)
        vector = attribution.values.mean(axis=0)
        single = len(sample) == 1
        if single:
            order = np.argsort(-np.abs(vector), kind="stable")
            effects = tuple(
                r.FeatureEffect(attribution.feature_names[i], float(vector[i]),
                                plain(rows.iloc[0][attribution.feature_names[i]]))
                for i in order)
        else:
            # Signed means cancel out over a group; rank by size and describe the direction.
            sizes = np.abs(attribution.values).mean(axis=0)
            order = np.argsort(-sizes, kind="stable")
            effects = tuple(self._group_effect(rows, attribution, i, float(vector[i]),
                                               float(sizes[i])) for i in order)
        prediction = plain(self.predicted_at(int(sample[0]))) if single else None
        return r.AttributionResult(
            self.selection(positions), attribution.method, effects,
            plain(attribution.class_label), attribution.output_name,
            float(attribution.base_value), float(np.mean(attribution.output)), len(sample),
            prediction, attribution.stability)

    def _group_effect(self, rows: pd.DataFrame, attribution: Attribution, index: int, mean: float,
                      size: float) -> r.FeatureEffect:
        name = attribution.feature_names[index]
        effects = attribution.values[:, index]
        feature = self.ws.schema.feature(name) if self.ws.schema.has_feature(name) else None
        column = rows[name]
        if feature is not None and feature.kind == "numeric":
            values = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
            ok = ~np.isnan(values)
            corr = None
            if ok.sum() > 2 and np.std(values[ok]) > 0 and np.std(effects[ok]) > 0:
                corr = float(np.corrcoef(values[ok], effects[ok])[0, 1])
            return r.FeatureEffect(name, mean, mean_abs=size, correlation=corr)
        best, best_mean = None, -np.inf
        for value in pd.unique(column.dropna()):
            hit = equal_values(column.to_numpy(), value)
            if hit.any() and effects[hit].mean() > best_mean:
                best, best_mean = value, float(effects[hit].mean())
        return r.FeatureEffect(name, mean, mean_abs=size,
                               raising_value=plain(best) if best_mean > 0 else None)

    def _counterfactuals(self, positions: np.ndarray) -> r.CounterfactualsResult:
        position = int(positions[0])
        row = self.data.iloc[[position]]
        result = self.ws.engine.counterfactuals(
            row, immutable=self.ws.immutable, no_decrease=self.ws.no_decrease,
            permitted_range=self._permitted_range(row) or None,
            total=CFE_SEARCHED, time_limit=2.0)
        options = distinct_counterfactuals(tuple(
            r.CounterfactualOption(
                tuple(r.CounterfactualChange(c.feature, plain(c.before), plain(c.after))
                      for c in self._needed_changes(row, cf)),
                plain(cf.new_output))
            for cf in result.counterfactuals))
        return r.CounterfactualsResult(
            self.selection(positions), plain(self.ws.frame.index[position]),
            plain(result.original_output), plain(result.target), options,
            float(result.elapsed), tuple(self.ws.immutable))

    def _permitted_range(self, row: pd.DataFrame) -> dict[str, tuple[float | None, float | None]]:
        """The feature file's bounds, and for a feature that may only go down, the row's own
        value as the top: counterfactuals never cross either. An open side is ``None``."""
        ranges: dict[str, tuple[float | None, float | None]] = {}
        for name, (low, high) in getattr(self.ws, "bounds", {}).items():
            ranges[name] = (low if np.isfinite(low) else None, high if np.isfinite(high) else None)
        for name in getattr(self.ws, "no_increase", ()):
            value = pd.to_numeric(row[name], errors="coerce").iloc[0]
            if pd.isna(value):
                continue
            low, high = ranges.get(name, (None, None))
            ranges[name] = (low, float(value) if high is None else min(high, float(value)))
        return ranges

    def _needed_changes(self, row: pd.DataFrame, cf: Counterfactual) -> tuple[FeatureChange, ...]:
        """The changes of a counterfactual without the ones it does not need: each change is
        undone in turn (smallest first) and stays undone if the model's new prediction holds.
        Search methods often add tiny side changes that would only confuse a reader."""
        changes = list(cf.changes)
        if len(changes) < 2:
            return tuple(changes)
        candidate = cf.values.to_frame().T.astype(row.dtypes.to_dict(), errors="ignore")
        candidate.index = row.index

        def size(change: FeatureChange) -> float:
            try:
                spread = float(np.nanstd(pd.to_numeric(self.ws.X[change.feature])))
                return abs(float(change.after) - float(change.before)) / (spread or 1.0)
            except (TypeError, ValueError):
                return np.inf

        for change in sorted(changes, key=size):
            if len(changes) < 2:
                break
            trial = candidate.copy()
            trial[change.feature] = row[change.feature].to_numpy()
            try:
                flipped = same_value(plain(self.adapter.predict(trial)[0]), plain(cf.new_output))
            except Exception:  # noqa: BLE001 - keep the engine's verified answer as it is
                return tuple(cf.changes)
            if flipped:
                candidate = trial
                changes.remove(change)
        return tuple(changes)

    def _important(self, op: p.Clause, positions: np.ndarray) -> r.ImportanceResult:
        feature_name = None
        if isinstance(op, p.ImportantFeature):
            feature_name = self.feature(op.feature).name
        # every selected row: the engine explains them all exactly when that fits its time
        # budget, else a seeded sample it states (rows used, intervals, stability)
        result = self.ws.engine.global_importance(self.data.iloc[positions],
                                                  progress=self.progress)
        total = float(np.sum(result.mean_abs)) or 1.0
        entries = tuple(
            r.ImportanceEntry(name, float(result.mean_abs[i]), float(result.ci_low[i]),
                              float(result.ci_high[i]), float(result.mean_abs[i]) / total)
            for i, name in enumerate(result.feature_names))
        k = op.k if isinstance(op, p.ImportantTopK) else None
        if k is not None and k < 1:
            raise DialogueError("Ask for at least one feature, for example the top 3.")
        return r.ImportanceResult(self.selection(positions), entries, k, result.method,
                                  result.n_rows, feature_name, result.top_stability)

    def _interact(self, _op: p.Clause, positions: np.ndarray) -> r.InteractionsResult:
        if len(positions) < 2:
            raise DialogueError(
                "Interactions describe how features work together across many rows, so they "
                f"need more than one {self.ws.noun(1)}. Try it on a group or the whole dataset.")
        result = self.ws.engine.interactions(self.data.iloc[positions], top=5,
                                             progress=self.progress)
        low = result.ci_low if result.ci_low is not None else [None] * len(result.pairs)
        high = result.ci_high if result.ci_high is not None else [None] * len(result.pairs)
        pairs = tuple(r.InteractionPair(a, b, float(s), _maybe_float(lo), _maybe_float(hi))
                      for (a, b), s, lo, hi in zip(result.pairs, result.strengths, low, high,
                                                   strict=True))
        return r.InteractionsResult(self.selection(positions), pairs, result.method,
                                    result.n_rows, result.top_stability)

    def _dependence(self, op: p.Dependence, positions: np.ndarray) -> r.DependenceResult:
        feature = self.feature(op.feature)
        if op.low is not None and feature.kind != "numeric":
            raise DialogueError(
                f"{feature.name} is not a number, so it has no range to go through; ask "
                f"'how does the prediction change with {feature.name}?' to compare its values.")
        curve = self.ws.engine.dependence(self.data.iloc[positions], feature.name,
                                          low=op.low, high=op.high)
        classes = self.ws.classes if self.ws.task == "classification" else ()
        series = tuple(
            r.DependenceSeries(
                plain(next((c for c in classes if str(c) == name), name)) if classes else None,
                tuple(float(v) for v in curve.mean[:, k]),
                tuple(float(v) for v in curve.low[:, k]),
                tuple(float(v) for v in curve.high[:, k]))
            for k, name in enumerate(curve.outputs))
        return r.DependenceResult(self.selection(positions), feature.name, curve.grid, series,
                                  curve.numeric, curve.n_rows, curve.data_range)

    def _show(self, _op: p.Clause, positions: np.ndarray) -> r.ShowResult:
        table = self.data.iloc[positions[:MAX_TABLE_ROWS]].copy()
        return r.ShowResult(self.selection(positions), table)

    def _label(self, _op: p.Clause, positions: np.ndarray) -> r.LabelResult:
        truth = self.ws.y.to_numpy()[positions]
        if self.ws.task == "classification":
            return r.LabelResult(self.selection(positions), self._class_counts(truth, positions),
                                 plain(truth[0]) if len(truth) == 1 else None)
        values = truth.astype(float)
        return r.LabelResult(self.selection(positions), (),
                             float(values[0]) if len(values) == 1 else None, float(values.mean()))

    def _data_summary(self, _op: p.Clause, positions: np.ndarray) -> r.DataSummaryResult:
        ws = self.ws
        features = tuple(feature_summary(ws, f, self.data.iloc[positions])
                         for f in ws.schema.features)
        counts = ()
        if ws.task == "classification":
            counts = self._class_counts(ws.y.to_numpy()[positions], positions)
        return r.DataSummaryResult(self.selection(positions), len(features), features,
                                   ws.target, ws.task, counts)

    def _statistic(self, op: p.Statistic, positions: np.ndarray) -> r.StatisticResult:
        selection = self.selection(positions)
        if op.feature is None or (
                not self.ws.schema.has_feature(op.feature)
                and canonical_name(op.feature) == canonical_name(self.ws.target)):
            series = self.ws.y.iloc[positions]
            if self.ws.task == "classification":
                return r.StatisticResult(selection, None, "target",
                                         shares=_shares(series, self.ws.classes))
            return _numeric_stats(selection, None, series)
        feature = self.feature(op.feature)
        series = self.data[feature.name].iloc[positions]
        if feature.kind == "numeric":
            return _numeric_stats(selection, feature.name, series)
        order = ((feature.true_value, feature.false_value) if feature.kind == "boolean"
                 else feature.raw_values)
        return r.StatisticResult(selection, feature.name, feature.kind,
                                 shares=_shares(series, order),
                                 n_missing=int(series.isna().sum()))

    def _mistake(self, op: p.Mistake, positions: np.ndarray) -> r.Result:
        positions, scope = self.evaluation_rows(positions)
        if self.ws.task != "classification":
            return self._regression_errors(op, positions, scope)
        correct = self.correct(positions)
        wrong_positions = positions[~correct]
        selection = self.selection(positions)
        n_wrong = int(len(wrong_positions))
        if op.kind == "count":
            return r.MistakeCountResult(selection, n_wrong, scope)
        if op.kind == "sample":
            shown = wrong_positions[:10]
            rows = tuple(
                r.MistakeRow(plain(self.ws.frame.index[i]), plain(self.ws.y.iloc[i]),
                             plain(self.predictions()[i]))
                for i in shown)
            table = None
            if len(shown):
                table = self.data.iloc[shown].copy()
                table.insert(0, f"predicted {self.ws.target}",
                             [plain(v) for v in self.predictions()[shown]])
                table.insert(0, f"true {self.ws.target}", self.ws.y.iloc[shown].to_numpy())
            return r.MistakeSampleResult(selection, n_wrong, rows, table, scope=scope)
        rules = typical_error_rules(self.ws.schema, self.data.iloc[positions], ~correct)
        return r.MistakeTypicalResult(
            selection, n_wrong, rules, n_wrong / len(positions),
            tuple(plain(v) for v in self.ws.frame.index[wrong_positions][:5]), scope=scope)

    def _regression_errors(self, op: p.Mistake, positions: np.ndarray, scope: r.Scope) -> r.Result:
        """A model that predicts a number has no right/wrong answers: how far off it is, its
        biggest misses, or where its large misses (the worst quarter) concentrate."""
        if op.kind == "count" or not len(positions):
            result = self._score(p.Score("default"), positions, scope)
            return replace(result, requested=f"mistake-{op.kind}")
        truth = self.ws.y.to_numpy(dtype=float)[positions]
        preds = np.asarray(self.predictions(), dtype=float)[positions]
        error = np.abs(preds - truth)
        selection = self.selection(positions)
        if op.kind == "sample" or len(positions) == 1:  # one row has no pattern: show it
            order = np.argsort(-error, kind="stable")[:10]
            shown = positions[order]
            rows = tuple(r.MistakeRow(plain(self.ws.frame.index[i]), plain(self.ws.y.iloc[i]),
                                      plain(self.predictions()[i])) for i in shown)
            table = self.data.iloc[shown].copy()
            table.insert(0, "absolute error", error[order])
            table.insert(0, f"predicted {self.ws.target}", preds[order])
            table.insert(0, f"true {self.ws.target}", self.ws.y.iloc[shown].to_numpy())
            return r.MistakeSampleResult(selection, len(positions), rows, table,
                                         mae=float(error.mean()), scope=scope)
        threshold = float(np.quantile(error, 0.75))
        large = error > threshold
        rules = typical_error_rules(self.ws.schema, self.data.iloc[positions], large)
        return r.MistakeTypicalResult(
            selection, int(large.sum()), rules, float(large.mean()),
            tuple(plain(v) for v in self.ws.frame.index[positions[large]][:5]),
            miss_threshold=threshold, scope=scope)

    def evaluation_rows(self, positions: np.ndarray) -> tuple[np.ndarray, r.Scope]:
        """The rows a score is measured on: by default only those the model was not trained on
        (when that is known), unless the turn said ``split training`` or ``split all``."""
        training = self.ws.training
        n = len(positions)
        filtered = any(not isinstance(c, p.SplitFilter) for c, _ in self.filter_log)
        if training is None:
            return positions, r.Scope("unknown", n, filtered=filtered)
        trained = training.trained[positions]
        if self.split is not None:
            return positions, r.Scope(self.split.kind, n, int(trained.sum()), filtered, True)
        held = positions[~trained]
        if len(held) == 0:
            return positions, r.Scope("training-only", n, n, filtered)
        return held, r.Scope("heldout", n, 0, filtered)

    def _score(self, op: p.Score, positions: np.ndarray,
               scope: r.Scope | None = None) -> r.ScoreResult:
        if scope is None:
            positions, scope = self.evaluation_rows(positions)
        truth = self.ws.y.to_numpy()[positions]
        preds = self.predictions()[positions]
        selection = self.selection(positions)
        if self.ws.task != "classification":
            return r.ScoreResult(selection, regression_metrics(truth, preds), "regression",
                                 requested=op.metric, scope=scope)
        proba = self.probabilities()[positions]
        classes = self.ws.classes
        names = ("accuracy", "f1") if op.metric == "default" else (op.metric,)
        metrics = tuple(classification_metric(m, truth, preds, proba, classes) for m in names)
        positive = plain(classes[-1]) if len(classes) == 2 else None
        n_positive = int(equal_values(truth, classes[-1]).sum()) if positive is not None else None
        return r.ScoreResult(selection, metrics, "classification", positive, n_positive,
                             op.metric, scope)

    # ------------------------------------------------------------------ offers
# ---------------------------------------------------------------------- helpers (pure functions)
def _compare(values: np.ndarray, comparison: str, value: float) -> np.ndarray:
    with np.errstate(invalid="ignore"):  # a missing value matches no comparison
        return np.asarray(p.COMPARISON_KINDS[comparison].test(values, value), dtype=bool)


def _set_positions(column: pd.Series, positions: np.ndarray, value: Any) -> pd.Series:
    values = column.to_numpy(dtype=object).copy()
    values[positions] = value
    new = pd.Series(values, index=column.index, name=column.name)
    try:
        return new.astype(column.dtype)
    except (TypeError, ValueError):
        return new


def _values_text(feature: Feature) -> str:
    if feature.kind == "categorical":
        return ", ".join(feature.values)
    if feature.kind == "boolean":
        return "true or false"
    return f"numbers from {round_nice(feature.minimum)} to {round_nice(feature.maximum)}"


def _shares(series: pd.Series, order: Sequence[Any]) -> tuple[r.CategoryShare, ...]:
    values = series.dropna().to_numpy()
    n = len(values) or 1
    seen = list(order)
    for v in pd.unique(values):
        if not any(same_value(v, o) for o in seen):
            seen.append(v)
    counts = (int(equal_values(values, v).sum()) for v in seen)
    return tuple(r.CategoryShare(plain(v), count, count / n)
                 for v, count in zip(seen, counts, strict=True))


def _numeric_stats(selection: r.Selection, feature: str | None,
                   series: pd.Series) -> r.StatisticResult:
    values = pd.to_numeric(series, errors="coerce")
    clean = values.dropna()
    if len(clean) == 0:
        raise DialogueError("There are no values to summarise for this selection.")
    return r.StatisticResult(
        selection, feature, "numeric", mean=float(clean.mean()), median=float(clean.median()),
        std=float(clean.std(ddof=1)) if len(clean) > 1 else 0.0,
        minimum=float(clean.min()), maximum=float(clean.max()),
        n_missing=int(values.isna().sum()))


def feature_summary(ws: Workspace, feature: Feature,
                    data: pd.DataFrame | None = None) -> r.FeatureSummary:
    """Kind and range/values of a feature (over ``data`` when given, else the schema)."""
    if data is not None and feature.kind == "numeric" and len(data):
        column = pd.to_numeric(data[feature.name], errors="coerce")
        low, high = float(column.min()), float(column.max())
    else:
        low, high = feature.minimum, feature.maximum
    return r.FeatureSummary(feature.name, feature.kind, low, high, feature.is_integer,
                            tuple(feature.raw_values), feature.description)


def model_info(ws: Workspace) -> r.ModelInfoResult:
    """What the model is and how accurate it is: on the rows it was not trained on when those
    are known, else on every row (and the answer says they may include training rows)."""
    truth = ws.y.to_numpy()
    preds = ws.predictions()
    scope = r.Scope("unknown", len(truth))
    if ws.training is not None and ws.training.n_heldout:
        held = ~ws.training.trained
        scope = r.Scope("heldout", len(truth))
        truth, preds = truth[held], preds[held]
    elif ws.training is not None:
        scope = r.Scope("training-only", len(truth), len(truth))
    accuracy = r2 = None
    if ws.task == "classification":
        accuracy = float(equal_values(preds, truth, elementwise=True).mean())
    else:
        from sklearn.metrics import r2_score

        r2 = float(r2_score(truth.astype(float), preds.astype(float)))
    return r.ModelInfoResult(ws.adapter.description, ws.task, ws.target, len(ws.X.columns),
                             accuracy, r2, len(truth), ws.model_note, scope)


def distinct_counterfactuals(options: Sequence[r.CounterfactualOption],
                             limit: int = CFE_SHOWN) -> tuple[r.CounterfactualOption, ...]:
    """One option per set of changed features (the first, i.e. the engine's closest): two
    options that move the same feature by slightly different amounts say the same thing."""
    seen: set[frozenset[str]] = set()
    kept: list[r.CounterfactualOption] = []
    for option in options:
        key = frozenset(c.feature for c in option.changes)
        if key in seen or not key:
            continue
        seen.add(key)
        kept.append(option)
    return tuple(kept[:limit])


def within_reach(ws: Workspace, feature: Feature, value: Any) -> float:
    """``value`` as a float the feature's column can be compared with or set to.

    The check sits here, not in a parser, so it holds for every program: a number beyond what a
    float can hold (400 digits, infinity) or not a number at all becomes a sentence that names
    the data's largest (or smallest) value, never an exception further down."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise DialogueError(f"That is not a number I can compare {feature.name} with. "
                            f"{feature.name} holds {_values_text(feature)}.")
    try:
        number = float(value)
    except OverflowError:  # a whole number too large for a float
        raise beyond_the_data(ws, feature, value) from None
    if np.isnan(number):
        raise DialogueError(f"That is not a number I can compare {feature.name} with. "
                            f"{feature.name} holds {_values_text(feature)}.")
    if not np.isfinite(number):
        raise beyond_the_data(ws, feature, value)
    return number


def _is_negative(value: Any) -> bool | None:
    try:
        return bool(value < 0)
    except TypeError:
        return None


def _largest_input(dtype: Any) -> float:
    """The largest magnitude a changed value may have: what the column's type holds, and at most
    float32's range, in which tree models (scikit-learn, XGBoost, LightGBM) compute."""
    limit = float(np.finfo(np.float32).max)
    if pd.api.types.is_integer_dtype(dtype):
        limit = min(limit, float(np.iinfo(dtype).max))
    return limit


def change_verb(kind: str) -> str:
    return {"increase": "raising", "decrease": "lowering"}.get(kind, "setting")


def beyond_the_data(ws: Workspace, feature: Feature, value: Any, action: str | None = None
                    ) -> DialogueError:
    """'A 401-digit number is beyond any value in the data; the largest income is 19,990.'"""
    low = _is_negative(value)
    column = pd.to_numeric(ws.X[feature.name], errors="coerce")
    end, extreme = ("smallest", column.min()) if low else ("largest", column.max())
    subject = (action[0].upper() + action[1:] + " takes it") if action else (
        fmt(value)[0].upper() + fmt(value)[1:] + " is")
    return DialogueError(
        f"{subject} beyond any value in the data; the {end} {feature.name} is "
        f"{fmt(plain(extreme))}. Try a number within the data's range.")


def unknown_feature(ws: Workspace, name: str) -> DialogueError:
    """A friendly 'no such feature' error with the closest names as suggestions."""
    from rapidfuzz import process

    names = list(ws.schema.feature_names)
    canon = [canonical_name(n) for n in names]
    matches = process.extract(canonical_name(name), canon, limit=3, score_cutoff=60)
    suggestions = [names[index] for _, _, index in matches]
    hint = (f" Did you mean {' or '.join(suggestions)}?" if suggestions else
            f" The features are: {', '.join(names[:15])}{', ...' if len(names) > 15 else ''}.")
    return DialogueError(f"The data has no feature called '{name}'.{hint}", suggestions)


def unknown_id(ws: Workspace, row_id: object) -> DialogueError:
    """A friendly 'no such row' error that says what ids exist."""
    noun = ws.noun(1)
    index = ws.frame.index
    numeric = pd.to_numeric(pd.Series(index), errors="coerce")
    if numeric.notna().all() and len(index):
        span = f" Ids run from {round_nice(numeric.min())} to {round_nice(numeric.max())}"
        if len(index) != numeric.max() - numeric.min() + 1:
            span += f" ({len(index)} {ws.noun()} in all)"
        span += "."
    else:
        span = f" Example ids: {', '.join(map(str, index[:3]))}."
    return DialogueError(f"There is no {noun} with id {id_text(row_id)}.{span}")


def _maybe_float(value: Any) -> float | None:
    return None if value is None else float(value)
