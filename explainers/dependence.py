"""Partial dependence: how the model's output moves as one feature moves, the rest kept as is.

For each value on a grid, every row (or a seeded sample of at most ``MAX_ROWS``) gets that value
and the model is asked again; the curve is the average output. How differently rows respond is
the band of the middle 80% of the rows' own changes (centred individual conditional
expectation: each row's curve minus its value at the grid's start), drawn around the average
curve; the rows' levels differ far more than their changes, so a band of levels says little. This is
what ``sklearn.inspection.partial_dependence`` computes with ``method="brute"``; it is written
against the model adapter because the model need not be a scikit-learn estimator (any callable
or torch module is accepted), and every grid value is sent in one batched call.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from explainers.adapter import ModelAdapter
from explainers.errors import ExplainerError
from explainers.results import DependenceCurve

MAX_ROWS = 500  # rows averaged over (a seeded sample above this)
GRID_POINTS = 20  # grid values for a numeric feature
MAX_CATEGORIES = 20  # values of a categorical feature shown


def partial_dependence(adapter: ModelAdapter, rows: pd.DataFrame, feature: str,
                       reference: pd.DataFrame, *, low: float | None = None,
                       high: float | None = None, points: int = GRID_POINTS,
                       seed: int = 0) -> DependenceCurve:
    """The partial dependence of the model's output on ``feature`` over ``rows``.

    The grid spans ``low``..``high`` when given, else the 5th to 95th percentile of the feature
    in ``reference`` (the whole dataset, so a small group's curve covers the usual range).
    Classification curves are class probabilities (the positive class only for two classes);
    regression curves are predicted values.
    """
    if feature not in rows.columns:
        raise ExplainerError(f"'{feature}' is not a column of the data.")
    if len(rows) == 0:
        raise ExplainerError("There are no rows to compute a partial dependence on.")
    column = reference[feature]
    numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
    if (low is not None or high is not None) and not numeric:
        raise ExplainerError(f"'{feature}' is not numeric, so it has no range to sweep.")
    grid = _numeric_grid(column, low, high, points) if numeric else _category_grid(column)
    n_total = len(rows)
    if n_total > MAX_ROWS:
        rows = rows.sample(MAX_ROWS, random_state=seed)
    repeated = pd.concat([rows] * len(grid), ignore_index=True)
    repeated[feature] = np.repeat(np.asarray(grid, dtype=object if not numeric else None),
                                  len(rows))
    if numeric and pd.api.types.is_integer_dtype(column) and all(
            float(v).is_integer() for v in grid):
        repeated[feature] = repeated[feature].astype(column.dtype)
    elif not numeric and isinstance(column.dtype, pd.CategoricalDtype):
        repeated[feature] = pd.Categorical(repeated[feature], categories=column.cat.categories)
    outputs = np.asarray(adapter.output_matrix(repeated), dtype=float)
    per_row = outputs.reshape(len(grid), len(rows), outputs.shape[-1])  # (G, n, K)
    names: tuple[str, ...]
    if adapter.task == "classification":
        classes = tuple(str(c) for c in adapter.classes)
        if len(classes) == 2:  # the chance of the positive class says it all
            per_row, names = per_row[:, :, 1:], (classes[1],)
        else:
            names = classes
    else:
        names = ("prediction",)
    mean = per_row.mean(axis=1)
    changes = per_row - per_row[:1]  # each row's own change from the grid's first value
    typical = changes.mean(axis=1)
    return DependenceCurve(
        feature=feature, grid=tuple(grid), outputs=names, mean=mean,
        low=mean + np.percentile(changes, 10, axis=1) - typical,
        high=mean + np.percentile(changes, 90, axis=1) - typical, n_rows=len(rows),
        n_total=n_total,
        numeric=numeric, data_range=(column.min(), column.max())
        if numeric else None)


def _numeric_grid(column: pd.Series, low: float | None, high: float | None,
                  points: int) -> list[float]:
    values = column.dropna().astype(float)
    if values.empty:
        raise ExplainerError(f"'{column.name}' has no values to sweep over.")
    start = float(np.percentile(values, 5)) if low is None else float(low)
    stop = float(np.percentile(values, 95)) if high is None else float(high)
    if start == stop:
        start, stop = float(values.min()), float(values.max())
    if start == stop:
        return [start]
    grid = np.linspace(start, stop, points)
    integral = pd.api.types.is_integer_dtype(column) or bool(np.all(np.mod(values, 1) == 0))
    if integral and (low is None or float(low).is_integer()) and (
            high is None or float(high).is_integer()):
        grid = np.unique(np.round(grid))
    return [float(v) for v in grid]


def _category_grid(column: pd.Series) -> list[object]:
    counts = column.dropna().value_counts()
    if counts.empty:
        raise ExplainerError(f"'{column.name}' has no values to compare.")
    return counts.index[:MAX_CATEGORIES].tolist()

