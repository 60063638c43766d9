"""Pairwise feature interactions on raw features.

* Trees: shap's exact TreeSHAP interaction values (path-dependent, the model's raw output space)
  with one-hot blocks summed back to raw features on both axes, computed in chunks by the engine
  (in parallel processes or on a Dask cluster). They cost ~20-50x plain TreeSHAP per row, so
  past a time budget the engine uses a seeded sample (never under a few hundred rows) and states
  its size, the 95% bootstrap interval of each strength and how stable the top pairs are.
* Other models: Friedman's H statistic from partial dependence on a small sample (model-agnostic;
  cost ~ pairs x sample^2 predictions, so only the features with the largest partial dependence
  variation are paired).
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from explainers.adapter import ModelAdapter
from explainers.errors import EmptySelectionError
from explainers.importance import TOP_K, bootstrap_means, top_stability
from explainers.results import InteractionResult
from explainers.shap_engine import ShapEngine, tree_chunk
from explainers.workers import lower_priority_in_worker


def _result(adapter: ModelAdapter, matrix: np.ndarray, top: int, method: str,
            n_rows: int) -> InteractionResult:
    names = adapter.feature_names
    pairs = [(i, j) for i, j in combinations(range(len(names)), 2)]
    strengths = np.array([matrix[i, j] for i, j in pairs])
    order = np.argsort(-strengths, kind="stable")[: max(int(top), 0)]
    return InteractionResult(pairs=tuple((names[pairs[o][0]], names[pairs[o][1]]) for o in order),
                             strengths=strengths[order], method=method, n_rows=n_rows)


def raw_pairs(n_raw: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column indexes of every raw-feature pair (i < j), in ``combinations`` order."""
    return np.triu_indices(n_raw, k=1)


class PairInteractionJob:
    """Picklable worker: per-row |SHAP interaction| of every raw-feature pair, ``[n, pairs]``.

    One-hot blocks are summed back to raw features on both axes and both orders of a pair are
    added (shap splits an interaction equally between them); classes are averaged. Reducing to
    pairs in the worker keeps what travels back small (``n x F(F-1)/2`` instead of ``n x T^2``).
    """

    def __init__(self, explainer: Any, mapping: Any, n_raw: int) -> None:
        self.explainer = explainer
        self.mapping = mapping
        self.n_raw = n_raw

    def __call__(self, X: np.ndarray) -> np.ndarray:
        lower_priority_in_worker()
        iv = tree_chunk(self.explainer, X, interaction=True)
        if iv.ndim == 4 and iv.shape[0] != len(X):  # legacy list-of-classes layout
            iv = np.transpose(iv, (1, 2, 3, 0))
        if iv.ndim == 3:
            iv = iv[..., None]
        group = np.zeros((iv.shape[1], self.n_raw))
        group[np.arange(iv.shape[1]), np.asarray(self.mapping) if self.mapping is not None
              else np.arange(self.n_raw)] = 1.0
        raw = np.einsum("ntuk,tf,ug->nfgk", iv, group, group)
        both = np.abs(raw + np.transpose(raw, (0, 2, 1, 3))).mean(axis=3)
        rows, cols = raw_pairs(self.n_raw)
        return both[:, rows, cols]


def tree_pair_values(engine: ShapEngine, rows: pd.DataFrame, map_chunks: Any,
                     min_chunks: int = 1) -> np.ndarray | None:
    """``[n, pairs]`` exact TreeSHAP interaction strengths, or ``None`` when TreeSHAP does not
    apply. ``map_chunks`` runs the chunks (inline, in processes or on a Dask cluster)."""
    explainer = engine.interaction_explainer()
    if explainer is None:
        return None
    if len(rows) == 0:
        raise EmptySelectionError()
    adapter = engine.adapter
    X = adapter.transform(rows)
    size = engine.chunk_rows("interaction", len(X), min_chunks)
    chunks = [X[i:i + size] for i in range(0, len(X), size)]
    job = PairInteractionJob(explainer, adapter.transformed_to_raw, len(adapter.feature_names))
    return np.concatenate(map_chunks(job, chunks), axis=0)


def interactions_from_pairs(adapter: ModelAdapter, per_row: np.ndarray, *, top: int,
                            method: str, n_total: int, n_boot: int = 200,
                            seed: int = 0) -> InteractionResult:
    """The strongest pairs by mean strength, with 95% bootstrap intervals and the share of
    resamples that rank the same three pairs on top."""
    names = adapter.feature_names
    rows, cols = raw_pairs(len(names))
    mean = per_row.mean(axis=0)
    boots = bootstrap_means(per_row, n_boot, seed)
    low, high = np.percentile(boots, [2.5, 97.5], axis=0)
    order = np.argsort(-mean, kind="stable")[: max(int(top), 0)]
    return InteractionResult(
        pairs=tuple((names[rows[o]], names[cols[o]]) for o in order), strengths=mean[order],
        method=method, n_rows=per_row.shape[0], ci_low=low[order], ci_high=high[order],
        n_total=n_total, top_stability=top_stability(mean, boots, TOP_K))


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
