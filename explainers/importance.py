"""Global importance: mean |SHAP| per raw feature over a selection, with bootstrap CIs.

The same bootstrap also says how stable the ranking is: the share of resamples whose top
features are the same set as the estimate's (``top_stability``). A sample is only trusted when
that share is high; the engine grows the sample until it is (see ``ExplanationEngine``).
"""

from __future__ import annotations

import numpy as np

from explainers.adapter import ModelAdapter
from explainers.errors import EmptySelectionError
from explainers.results import ImportanceResult
from explainers.shap_engine import ShapValues, space_name

TOP_K = 3  # the ranking whose stability is measured


def per_row_importance(adapter: ModelAdapter, full: ShapValues) -> tuple[np.ndarray, str]:
    """``[n, F]`` |SHAP| per row and raw feature, and the name of the explained output.

    Binary classification and regression use the single explained output (the positive class;
    both classes have the same |SHAP| in binary); multi-class sums |SHAP| over classes, as shap's
    bar plot does.
    """
    if adapter.task == "classification" and adapter.n_outputs > 2:
        return np.abs(full.values).sum(axis=2), f"summed over classes, {full.space}"
    k = full.values.shape[2] - 1
    return np.abs(full.values[:, :, k]), space_name(
        adapter, full.space, k if adapter.task == "classification" else None)


def importance_from_shap(adapter: ModelAdapter, full: ShapValues, *, n_boot: int = 200,
                         seed: int = 0, n_total: int | None = None) -> ImportanceResult:
    """Rank raw features by mean |SHAP|; 95% CIs by resampling rows (percentile bootstrap)."""
    per_row, what = per_row_importance(adapter, full)
    return importance_from_rows(adapter, per_row, f"mean |{full.method}| ({what})",
                                n_boot=n_boot, seed=seed, n_total=n_total)


def importance_from_rows(adapter: ModelAdapter, per_row: np.ndarray, method: str, *,
                         n_boot: int = 200, seed: int = 0,
                         n_total: int | None = None) -> ImportanceResult:
    """The ranked result for ``[n, F]`` per-row importances (see ``importance_from_shap``)."""
    n = per_row.shape[0]
    if n == 0:
        raise EmptySelectionError()
    mean_abs = per_row.mean(axis=0)
    boots = bootstrap_means(per_row, n_boot, seed)
    low, high = np.percentile(boots, [2.5, 97.5], axis=0)
    order = np.argsort(-mean_abs, kind="stable")
    return ImportanceResult(
        feature_names=tuple(adapter.feature_names[i] for i in order),
        mean_abs=mean_abs[order], ci_low=low[order], ci_high=high[order], n_rows=n,
        method=method, n_total=n_total if n_total is not None else n,
        top_stability=top_stability(mean_abs, boots, TOP_K))


def top_stability(estimate: np.ndarray, boots: np.ndarray, k: int) -> float:
    """Share of bootstrap resamples whose ``k`` largest entries are the estimate's ``k``."""
    k = min(k, estimate.shape[0])
    if k == 0 or k == estimate.shape[0]:
        return 1.0
    wanted = set(np.argsort(-estimate, kind="stable")[:k].tolist())
    tops = np.argsort(-boots, axis=1, kind="stable")[:, :k]
    return float(np.mean([set(row.tolist()) == wanted for row in tops]))


def bootstrap_means(per_row: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    """``[n_boot, F]`` column means of rows resampled with replacement (seeded).

    Same resamples as indexing ``per_row[idx]`` but via resample counts and one matrix product,
    without copying ``n_boot x n x F`` floats.
    """
    n = per_row.shape[0]
    rng = np.random.default_rng(seed)
    boots = np.empty((n_boot, per_row.shape[1]))
    step = max(1, 4_000_000 // max(n, 1))
    for start in range(0, n_boot, step):
        stop = min(n_boot, start + step)
        idx = rng.integers(0, n, size=(stop - start, n))
        offsets = np.arange(stop - start)[:, None] * n
        counts = np.bincount((idx + offsets).ravel(), minlength=(stop - start) * n)
        boots[start:stop] = counts.reshape(stop - start, n) @ per_row / n
    return boots
