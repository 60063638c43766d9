"""Pairwise feature interactions on raw features.

* Trees: shap's exact TreeSHAP interaction values (path-dependent, the model's raw output space)
  with one-hot blocks summed back to raw features on both axes. They cost ~20-50x plain TreeSHAP
  per row, so the engine passes ``max_rows`` sized to the trees (a big forest gets a few dozen
  rows); a sampled result says so in its ``method``.
* Other models: Friedman's H statistic from partial dependence on a small sample (model-agnostic;
  cost ~ pairs x sample^2 predictions, so only the features with the largest partial dependence
  variation are paired).
"""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pandas as pd

from explainers.adapter import ModelAdapter
from explainers.errors import EmptySelectionError
from explainers.results import InteractionResult
from explainers.shap_engine import ShapEngine, _tree_chunk


def _result(adapter: ModelAdapter, matrix: np.ndarray, top: int, method: str,
            n_rows: int) -> InteractionResult:
    names = adapter.feature_names
    pairs = [(i, j) for i, j in combinations(range(len(names)), 2)]
    strengths = np.array([matrix[i, j] for i, j in pairs])
    order = np.argsort(-strengths, kind="stable")[: max(int(top), 0)]
    return InteractionResult(pairs=tuple((names[pairs[o][0]], names[pairs[o][1]]) for o in order),
                             strengths=strengths[order], method=method, n_rows=n_rows)


def tree_interactions(engine: ShapEngine, rows: pd.DataFrame, *, top: int = 5,
                      max_rows: int = 200, seed: int = 0) -> InteractionResult | None:
    """Mean |SHAP interaction| per raw pair, or ``None`` when TreeSHAP does not apply."""
    adapter = engine.adapter
    explainer = engine._explainer("tree")
    if explainer is None:
        return None
    if len(rows) == 0:
        raise EmptySelectionError()
    sampled = len(rows) > max_rows
    sample = rows.sample(max_rows, random_state=seed) if sampled else rows
    X = adapter.transform(sample)
    iv = _tree_chunk(explainer, X, interaction=True)
    if iv.ndim == 4 and iv.shape[0] != len(X):  # legacy list-of-classes layout
        iv = np.transpose(iv, (1, 2, 3, 0))
    if iv.ndim == 3:
        iv = iv[..., None]
    mapping = adapter.transformed_to_raw
    n_raw = len(adapter.feature_names)
    group = np.zeros((iv.shape[1], n_raw))
    group[np.arange(iv.shape[1]), np.asarray(mapping) if mapping is not None
          else np.arange(n_raw)] = 1.0
    raw = np.einsum("ntuk,tf,ug->nfgk", iv, group, group)
    pair = np.abs(raw + np.transpose(raw, (0, 2, 1, 3))).mean(axis=(0, 3))
    method = "shap-interaction"
    if sampled:
        method += (f" (exact TreeSHAP interaction values on a seeded random sample of "
                   f"{len(sample)} of {len(rows)} rows, to bound the run time)")
    return _result(adapter, pair, top, method, len(sample))


def friedman_h(adapter: ModelAdapter, rows: pd.DataFrame, *, top: int = 5, max_rows: int = 40,
               max_features: int = 8, seed: int = 0) -> InteractionResult:
    """Friedman's H (0 = additive, 1 = pure interaction) for the most varying features' pairs."""
    if len(rows) == 0:
        raise EmptySelectionError()
    rows = adapter.prepare(rows)
    sample = rows if len(rows) <= max_rows else rows.sample(max_rows, random_state=seed)
    sample = sample.reset_index(drop=True)
    n = len(sample)
    tiled = sample.iloc[np.tile(np.arange(n), n)].reset_index(drop=True)

    def pd_values(cols: tuple[str, ...]) -> np.ndarray:
        frame = tiled.copy()
        for col in cols:
            frame[col] = np.repeat(sample[col].to_numpy(), n)
        out = adapter.output_matrix(frame).reshape(n, n, -1).mean(axis=1)
        return out - out.mean(axis=0)

    names = adapter.feature_names
    single = {c: pd_values((c,)) for c in names}
    spread = np.array([np.sum(single[c] ** 2) for c in names])
    keep = sorted(np.argsort(-spread, kind="stable")[:max_features].tolist())
    matrix = np.zeros((len(names), len(names)))
    for i, j in combinations(keep, 2):
        joint = pd_values((names[i], names[j]))
        denom = float(np.sum(joint ** 2))
        if denom > 1e-12:
            num = float(np.sum((joint - single[names[i]] - single[names[j]]) ** 2))
            matrix[i, j] = matrix[j, i] = np.sqrt(min(num / denom, 1.0))
    return _result(adapter, matrix, top, "friedman-h", n)
