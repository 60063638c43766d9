"""The model AskModel trains when none is given: gradient-boosted trees, cached on disk by the
content of the data, so a restart (or a second session) loads it instead of training again.

scikit-learn and skops are imported when a model is first trained or saved: they take a second
to import, and the parse path and a model the user gave never need them.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dialogue.holdout import default_training_rows
from dialogue.settings import cache_dir
from explainers.adapter import load_model
from grammar.schema import target_kind


def _content_key(X: pd.DataFrame, y: pd.Series, extra: str) -> str:
    import sklearn

    digest = hashlib.sha256()
    digest.update(pd.util.hash_pandas_object(X, index=False).to_numpy().tobytes())
    digest.update(pd.util.hash_pandas_object(y, index=False).to_numpy().tobytes())
    digest.update("|".join(map(str, X.columns)).encode())
    digest.update(f"{extra}|sklearn={sklearn.__version__}|numpy={np.__version__}"
                  f"|pandas={pd.__version__}".encode())
    return digest.hexdigest()[:24]


def _build_default_model(X: pd.DataFrame, y: pd.Series, seed: int) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    categorical = [c for c in X.columns
                   if not (pd.api.types.is_numeric_dtype(X[c]) or pd.api.types.is_bool_dtype(X[c]))]
    numeric = [c for c in X.columns if c not in categorical]
    steps = []
    if categorical:
        steps.append(("categorical", Pipeline([
            ("impute", SimpleImputer(strategy="most_frequent")),
            ("onehot", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
        ]), categorical))
    if numeric:
        steps.append(("numeric", SimpleImputer(strategy="median"), numeric))
    prep = ColumnTransformer(steps, verbose_feature_names_out=False)
    task, _ = target_kind(y)
    if task == "classification":
        estimator = GradientBoostingClassifier(n_estimators=100, max_depth=2, random_state=seed)
    else:
        estimator = GradientBoostingRegressor(n_estimators=150, max_depth=3, random_state=seed)
    return Pipeline([("prep", prep), ("model", estimator)])


def _load_cached(path: Path) -> Any | None:
    """Load a cached model through the same safe loader as a user's file (the cache directory
    is only as trustworthy as whoever can write to it); ``None`` means retrain."""
    try:
        return load_model(path)
    except Exception:  # noqa: BLE001 - a broken or refused cache entry is simply rebuilt
        return None


def train_default_model(
    X: pd.DataFrame, y: pd.Series, *, train_fraction: float = 0.7, seed: int = 0,
    cache: Path | None = None,
) -> tuple[Any, str]:
    """A gradient-boosted tree model for ``X`` -> ``y``, trained once and cached on disk.

    It is trained on a random ``train_fraction`` of the rows so that the other rows show honest
    mistakes. Returns the model and a sentence saying how it was trained.
    """
    key = _content_key(X, y, f"gb-v1|frac={train_fraction}|seed={seed}")
    directory = cache or cache_dir()
    path = directory / f"model-{key}.skops"
    share = round(train_fraction * 100)
    note = (f"It was trained here on a random {share}% of the rows; the other {100 - share}% "
            "were held back, so it has not seen them.") if train_fraction < 1 else (
            "It was trained here on all of the rows.")
    if path.exists():
        model = _load_cached(path)
        if model is not None:
            return model, note
    model = _build_default_model(X, y, seed)
    train = np.flatnonzero(default_training_rows(len(X), train_fraction=train_fraction,
                                                 seed=seed))
    model.fit(X.iloc[train], y.iloc[train])
    try:
        import skops.io as sio

        directory.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
        sio.dump(model, tmp)
        os.replace(tmp, path)
    except OSError:
        pass  # an unwritable cache only costs retraining next time
    return model, note
