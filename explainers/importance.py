"""Global importance: mean |SHAP| per raw feature over a selection, with bootstrap CIs."""

from __future__ import annotations

import numpy as np

from explainers.adapter import ModelAdapter
from explainers.errors import EmptySelectionError
from explainers.results import ImportanceResult
from explainers.shap_engine import ShapValues, space_name


def importance_from_shap(adapter: ModelAdapter, full: ShapValues, *, n_boot: int = 200,
                         seed: int = 0) -> ImportanceResult:
    """Rank raw features by mean |SHAP|; 95% CIs by resampling rows (percentile bootstrap).

    Binary classification and regression use the single explained output (the positive class;
    both classes have the same |SHAP| in binary); multi-class sums |SHAP| over classes, as shap's
    bar plot does.
    """
    n = full.values.shape[0]
    if n == 0:
        raise EmptySelectionError()
    if adapter.task == "classification" and adapter.n_outputs > 2:
        per_row = np.abs(full.values).sum(axis=2)
        what = f"summed over classes, {full.space}"
    else:
        k = full.values.shape[2] - 1
        per_row = np.abs(full.values[:, :, k])
        what = space_name(adapter, full.space, k if adapter.task == "classification" else None)
    mean_abs = per_row.mean(axis=0)
    low, high = _bootstrap_ci(per_row, n_boot, seed)
    order = np.argsort(-mean_abs, kind="stable")
    return ImportanceResult(
        feature_names=tuple(adapter.feature_names[i] for i in order),
        mean_abs=mean_abs[order], ci_low=low[order], ci_high=high[order], n_rows=n,
        method=f"mean |{full.method}| ({what})")


def _bootstrap_ci(per_row: np.ndarray, n_boot: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """95% percentile-bootstrap CI of column means, via resample counts and one matrix product.

    Same resamples as indexing ``per_row[idx]`` but without copying ``n_boot x n x F`` floats.
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
    low, high = np.percentile(boots, [2.5, 97.5], axis=0)
    return low, high
