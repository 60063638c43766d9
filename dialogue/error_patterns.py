"""Where the model errs, as short rules ("age over 60 and smoker: 9 of 14 wrong"): a shallow
decision tree fitted to predict which rows it gets wrong, its leaves read back as conditions
and every count re-measured on the rows."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from dialogue import results as r
from dialogue.values import equal_values, round_nice
from grammar.schema import DatasetSchema, Feature


def typical_error_rules(schema: DatasetSchema, rows: pd.DataFrame, wrong: np.ndarray,
                        *, max_rules: int = 2) -> tuple[r.ErrorRule, ...]:
    """Short rules for where the model errs: a shallow tree fitted to predict 'wrong'.

    Leaves whose error rate beats the overall rate become rules; supports are re-counted on the
    rows with the rounded thresholds, so every number is measured.
    """
    n_wrong = int(wrong.sum())
    if n_wrong < 2 or len(rows) < 8 or n_wrong == len(rows):
        return ()
    # imported here: scikit-learn takes a second to import, and most turns need no tree
    from sklearn.tree import DecisionTreeClassifier

    encoded, origin = _encode_for_tree(schema, rows)
    tree = DecisionTreeClassifier(max_depth=3, min_samples_leaf=max(3, len(rows) // 25),
                                  random_state=0)
    tree.fit(encoded.to_numpy(dtype=float), wrong.astype(int))
    structure = tree.tree_
    base = n_wrong / len(rows)
    candidates: list[r.ErrorRule] = []

    def walk(node: int, path: list[tuple[int, bool, float]]) -> None:
        left, right = structure.children_left[node], structure.children_right[node]
        if left == right:  # leaf
            conditions = _conditions(schema, path, encoded, origin)
            if not conditions:
                return
            match = _rule_mask(schema, rows, conditions)
            support, errors = int(match.sum()), int((match & wrong).sum())
            if errors >= 2 and support and errors / support > base:
                candidates.append(r.ErrorRule(conditions, support, errors))
            return
        column, threshold = int(structure.feature[node]), float(structure.threshold[node])
        walk(left, path + [(column, True, threshold)])
        walk(right, path + [(column, False, threshold)])

    walk(0, [])
    candidates.sort(key=lambda rule: (-rule.error_rate, -rule.n_wrong))
    unique: list[r.ErrorRule] = []
    for rule in candidates:
        if rule.conditions not in [u.conditions for u in unique]:
            unique.append(rule)
    return tuple(unique[:max_rules])


def _encode_for_tree(schema: DatasetSchema,
                     rows: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, tuple]]:
    """Numbers stay, booleans become 0/1, categories become one column per value."""
    columns: dict[str, Any] = {}
    origin: dict[str, tuple] = {}
    for feature in schema.features:
        series = rows[feature.name]
        if feature.kind == "numeric":
            columns[feature.name] = pd.to_numeric(series, errors="coerce").fillna(
                pd.to_numeric(series, errors="coerce").median())
            origin[feature.name] = ("numeric", feature.name, None)
        elif feature.kind == "boolean":
            columns[feature.name] = equal_values(series.to_numpy(),
                                                 feature.true_value).astype(float)
            origin[feature.name] = ("boolean", feature.name, None)
        else:
            for raw in feature.raw_values:
                key = f"{feature.name}=={raw}"
                columns[key] = equal_values(series.to_numpy(), raw).astype(float)
                origin[key] = ("category", feature.name, raw)
    return pd.DataFrame(columns, index=rows.index), origin


def _conditions(schema: DatasetSchema, path: list[tuple[int, bool, float]], encoded: pd.DataFrame,
                origin: dict[str, tuple]) -> tuple[r.Condition, ...]:
    bounds: dict[str, list[float | None]] = {}
    fixed: dict[str, r.Condition] = {}
    excluded: dict[str, list[Any]] = {}
    for column_index, is_left, threshold in path:
        key = encoded.columns[column_index]
        kind, name, raw = origin[key]
        if kind == "numeric":
            low_high = bounds.setdefault(name, [None, None])
            if is_left:  # value <= threshold
                low_high[1] = threshold if low_high[1] is None else min(low_high[1], threshold)
            else:
                low_high[0] = threshold if low_high[0] is None else max(low_high[0], threshold)
        elif kind == "boolean":
            fixed[name] = r.Condition(name, "==", not is_left)
        else:
            if is_left:
                excluded.setdefault(name, []).append(raw)
            else:
                fixed[name] = r.Condition(name, "==", raw)
    conditions: list[r.Condition] = []
    for name, (low, high) in bounds.items():
        feature = schema.feature(name)
        if low is not None:
            conditions.append(r.Condition(name, ">", _threshold(feature, low)))
        if high is not None:
            conditions.append(r.Condition(name, "<=", _threshold(feature, high)))
    conditions.extend(fixed.values())
    for name, values in excluded.items():
        if name not in fixed:
            feature = schema.feature(name)
            remaining = [v for v in feature.raw_values if v not in values]
            if len(remaining) == 1:
                conditions.append(r.Condition(name, "==", remaining[0]))
            else:
                conditions.extend(r.Condition(name, "!=", v) for v in values)
    return tuple(conditions)


def _threshold(feature: Feature, value: float) -> float:
    if feature.is_integer:
        return float(np.floor(value))
    return float(round_nice(value))


def _rule_mask(schema: DatasetSchema, rows: pd.DataFrame,
               conditions: Sequence[r.Condition]) -> np.ndarray:
    mask = np.ones(len(rows), dtype=bool)
    for condition in conditions:
        feature = schema.feature(condition.feature)
        series = rows[feature.name]
        if condition.op in {">", "<="}:
            values = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
            with np.errstate(invalid="ignore"):
                hit = values > condition.value if condition.op == ">" else (
                    values <= condition.value)
        elif feature.kind == "boolean":
            wanted = feature.true_value if condition.value else feature.false_value
            hit = equal_values(series.to_numpy(), wanted)
        else:
            hit = equal_values(series.to_numpy(), condition.value)
            if condition.op == "!=":
                hit = ~hit
        mask &= hit
    return mask
