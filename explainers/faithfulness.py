"""Measured faithfulness of local explanations, used to pick the explanation method per model.

An explanation is faithful if the features it credits really move the model. We test that with a
deletion curve: for each row, replace its features by a neutral reference value (mean of a numeric
column, mode of a categorical or 0/1 column) in the order the explanation ranks them, most
positive attribution first, and record how much the explained output drops after each step. The
score is the mean drop over all steps and rows (the area above the deletion curve, in units of the
explained output): a method whose top features are the ones really pushing the output up scores
higher. The last step (all features replaced) is the same for every method, so differences come
from the ranking alone. We also report how often SHAP and LIME agree on each row's top-3 features.

Engines are passed in as callables (rows -> Attribution) so this module does not depend on how
they are built or cached.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import pandas as pd

from explainers.adapter import ModelAdapter
from explainers.errors import EmptySelectionError, ExplainerError, UnsupportedModelError
from explainers.results import Attribution, FaithfulnessReport

Explain = Callable[[pd.DataFrame], Attribution]


def reference_row(adapter: ModelAdapter, data: pd.DataFrame) -> pd.Series:
    """Neutral value per feature: mean (rounded for integer columns) or most common value."""
    values = {}
    for name in adapter.feature_names:
        column = data[name].dropna()
        numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
        if len(column) == 0:
            values[name] = data[name].iloc[0]
        elif (numeric and name not in adapter.categorical_features
              and column.nunique() > 2):
            mean = float(column.mean())
            values[name] = round(mean) if pd.api.types.is_integer_dtype(column) else mean
        else:
            values[name] = column.mode().iloc[0]
    return pd.Series(values)


def deletion_curves(adapter: ModelAdapter, attribution: Attribution, rows: pd.DataFrame,
                    reference: pd.Series) -> np.ndarray:
    """``[n_rows, n_features]`` output drops after replacing the top-1, top-2, ... features."""
    names = list(adapter.feature_names)
    rows = rows[names]
    index = None
    if attribution.class_label is not None:
        index = adapter.class_index(attribution.class_label)
    order = [list(np.argsort(-attribution.values[i], kind="stable")) for i in range(len(rows))]
    n, d = len(rows), len(names)
    perturbed = rows.loc[rows.index.repeat(d)].reset_index(drop=True).copy()
    for i in range(n):
        for k in range(d):
            for j in order[i][: k + 1]:
                perturbed.iat[i * d + k, j] = reference[names[j]]
    before = adapter.output_for_attribution(rows, index)
    after = adapter.output_for_attribution(perturbed, index).reshape(n, d)
    return before.reshape(n, 1) - after


def _top_sets(attribution: Attribution, k: int) -> list[set[int]]:
    return [set(np.argsort(-np.abs(v), kind="stable")[:k].tolist()) for v in attribution.values]


def top_k_agreement(a: Attribution, b: Attribution, k: int = 3) -> float:
    """Mean fraction of each row's top-``k`` features (by |attribution|) the two share."""
    k = min(k, len(a.feature_names))
    pairs = zip(_top_sets(a, k), _top_sets(b, k), strict=True)
    return float(np.mean([len(x & y) / k for x, y in pairs]))


def sample_rows(data: pd.DataFrame, n: int = 8, seed: int = 0) -> pd.DataFrame:
    """A small, seeded sample of rows to measure on."""
    return data if len(data) <= n else data.sample(n, random_state=seed)


def measure_faithfulness(adapter: ModelAdapter, data: pd.DataFrame, rows: pd.DataFrame | None,
                         explainers: Mapping[str, Explain], *, max_rows: int = 8,
                         top_k: int = 3, seed: int = 0) -> FaithfulnessReport:
    """Score each method in ``explainers`` (name -> rows -> Attribution) by deletion curves.

    Methods that raise ``UnsupportedModelError`` (e.g. gradients for a tree model) are skipped.
    ``chosen`` is the best-scoring method; ties go to the method listed first.
    """
    if rows is None:
        rows = sample_rows(data, max_rows, seed)
    elif len(rows) > max_rows:
        rows = rows.sample(max_rows, random_state=seed)
    if len(rows) == 0:
        raise EmptySelectionError()
    rows = rows[list(adapter.feature_names)]
    reference = reference_row(adapter, data)
    scores: dict[str, float] = {}
    details: dict[str, float] = {}
    attributions: dict[str, Attribution] = {}
    for name, explain in explainers.items():
        try:
            attribution = explain(rows)
        except UnsupportedModelError:
            continue
        drops = deletion_curves(adapter, attribution, rows, reference)
        attributions[name] = attribution
        scores[name] = float(drops.mean())
        k = min(top_k, drops.shape[1])
        details[f"{name}_top{k}_drop"] = float(drops[:, k - 1].mean())
    if not scores:
        raise ExplainerError("None of the explanation methods works for this model.")
    best = max(scores.values())
    chosen = next(name for name, score in scores.items() if score >= best - 1e-12)
    shap_name = next((n for n in attributions if n.startswith("shap")), None)
    lime_name = next((n for n in attributions if n.startswith("lime")), None)
    agreement = None
    if shap_name and lime_name:
        agreement = top_k_agreement(attributions[shap_name], attributions[lime_name], top_k)
    return FaithfulnessReport(scores=scores, chosen=chosen, agreement=agreement,
                              n_rows=len(rows), details=details)
