"""Shared small models for explainer tests (hundreds of rows, so everything stays fast).

Each fixture returns a ``Case``: the fitted model, its raw feature frame ``X`` (index = row ids),
the target ``y`` and the wrapped ``ModelAdapter``. Fixtures are session-scoped; never mutate them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.ensemble import (
    GradientBoostingClassifier,
    GradientBoostingRegressor,
    RandomForestClassifier,
)
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from explainers.adapter import ModelAdapter

CATEGORICAL = ("colour", "region")


@dataclass
class Case:
    """A fitted model with its data."""

    model: Any
    X: pd.DataFrame
    y: pd.Series
    adapter: ModelAdapter


def make_mixed_frame(n: int = 300, seed: int = 0) -> pd.DataFrame:
    """Numeric and categorical raw features; index starts at 1000 to catch position/label bugs."""
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "age": rng.integers(20, 80, n),
        "income": rng.normal(50.0, 15.0, n).round(1),
        "score": rng.uniform(0, 1, n),
        "colour": rng.choice(["red", "green", "blue"], n),
        "region": rng.choice(["north", "south", "east", "west"], n),
        "noise": rng.normal(0, 1, n),
    })
    frame.index = pd.RangeIndex(1000, 1000 + n, name="row_id")
    return frame


def _binary_target(X: pd.DataFrame, seed: int = 1) -> pd.Series:
    rng = np.random.default_rng(seed)
    logit = (0.06 * (X["age"] - 50) + 0.05 * (X["income"] - 50) + 2.0 * (X["colour"] == "red")
             - 1.0 * (X["region"] == "south") + 1.5 * X["score"] - 0.75
             + rng.normal(0, 0.5, len(X)))
    return pd.Series((logit > 0).astype(int), index=X.index, name="target")


def one_hot_pipeline(estimator: Any, scale: bool = False) -> Pipeline:
    """Pipeline(ColumnTransformer(OneHotEncoder on categoricals, numeric passthrough), estimator)."""
    numeric = StandardScaler() if scale else "passthrough"
    pre = ColumnTransformer([
        ("cat", OneHotEncoder(handle_unknown="ignore"), list(CATEGORICAL)),
        ("num", numeric, ["age", "income", "score", "noise"]),
    ])
    return Pipeline([("pre", pre), ("model", estimator)])


def _case(model: Any, X: pd.DataFrame, y: pd.Series, **wrap: Any) -> Case:
    model.fit(X, y)
    return Case(model=model, X=X, y=y, adapter=ModelAdapter.wrap(model, X, **wrap))


@pytest.fixture(scope="session")
def mixed_X() -> pd.DataFrame:
    return make_mixed_frame()


@pytest.fixture(scope="session")
def binary_gb(mixed_X: pd.DataFrame) -> Case:
    """Binary classification: one-hot Pipeline + GradientBoostingClassifier."""
    est = GradientBoostingClassifier(n_estimators=40, max_depth=3, random_state=0)
    return _case(one_hot_pipeline(est), mixed_X, _binary_target(mixed_X))


@pytest.fixture(scope="session")
def binary_rf(mixed_X: pd.DataFrame) -> Case:
    """Binary classification: one-hot Pipeline + RandomForestClassifier."""
    est = RandomForestClassifier(n_estimators=30, max_depth=6, random_state=0)
    return _case(one_hot_pipeline(est), mixed_X, _binary_target(mixed_X))


@pytest.fixture(scope="session")
def binary_logreg(mixed_X: pd.DataFrame) -> Case:
    """Binary classification: one-hot + scaled Pipeline + LogisticRegression."""
    est = LogisticRegression(max_iter=500)
    return _case(one_hot_pipeline(est, scale=True), mixed_X, _binary_target(mixed_X))


@pytest.fixture(scope="session")
def multiclass_gb(mixed_X: pd.DataFrame) -> Case:
    """Three classes with string labels: one-hot Pipeline + GradientBoostingClassifier."""
    rng = np.random.default_rng(2)
    score = (0.05 * (mixed_X["age"] - 50) + 1.5 * (mixed_X["colour"] == "blue")
             + rng.normal(0, 0.4, len(mixed_X)))
    y = pd.Series(np.where(score < -0.4, "low", np.where(score < 0.6, "mid", "high")),
                  index=mixed_X.index, name="level")
    est = GradientBoostingClassifier(n_estimators=30, max_depth=2, random_state=0)
    return _case(one_hot_pipeline(est), mixed_X, y)


@pytest.fixture(scope="session")
def regression_gb(mixed_X: pd.DataFrame) -> Case:
    """Regression: one-hot Pipeline + GradientBoostingRegressor."""
    rng = np.random.default_rng(3)
    y = pd.Series(2.0 * mixed_X["income"] + 10.0 * (mixed_X["region"] == "east")
                  + 30.0 * mixed_X["score"] + rng.normal(0, 2, len(mixed_X)),
                  index=mixed_X.index, name="value")
    est = GradientBoostingRegressor(n_estimators=40, max_depth=3, random_state=0)
    return _case(one_hot_pipeline(est), mixed_X, y)


@pytest.fixture(scope="session")
def numeric_X() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    frame = pd.DataFrame(rng.normal(0, 1, (300, 4)), columns=["a", "b", "c", "d"])
    frame.index = pd.RangeIndex(0, 300, name="row_id")
    return frame


@pytest.fixture(scope="session")
def torch_mlp(numeric_X: pd.DataFrame) -> Case:
    """Binary classification with a small torch MLP (2 logits) over numeric features."""
    import torch

    torch.manual_seed(0)
    y = pd.Series(((numeric_X["a"] + 0.5 * numeric_X["b"] * numeric_X["c"]) > 0).astype(int),
                  index=numeric_X.index)
    net = torch.nn.Sequential(torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Linear(16, 2))
    xt = torch.as_tensor(numeric_X.to_numpy(dtype=np.float32))
    yt = torch.as_tensor(y.to_numpy())
    opt = torch.optim.Adam(net.parameters(), lr=0.05)
    for _ in range(150):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(xt), yt)
        loss.backward()
        opt.step()
    return Case(model=net, X=numeric_X, y=y, adapter=ModelAdapter.wrap(net, numeric_X))


@pytest.fixture(scope="session")
def plain_callable(numeric_X: pd.DataFrame) -> Case:
    """A plain predict_proba-style function (no estimator object)."""

    def proba(frame: pd.DataFrame) -> np.ndarray:
        p = 1.0 / (1.0 + np.exp(-(frame["a"].to_numpy() - frame["b"].to_numpy())))
        return np.column_stack([1 - p, p])

    y = pd.Series((numeric_X["a"] > numeric_X["b"]).astype(int), index=numeric_X.index)
    return Case(model=proba, X=numeric_X, y=y,
                adapter=ModelAdapter.wrap(proba, numeric_X, class_names=["no", "yes"]))


@pytest.fixture(scope="session")
def all_cases(binary_gb: Case, binary_rf: Case, binary_logreg: Case, multiclass_gb: Case,
              regression_gb: Case, torch_mlp: Case, plain_callable: Case) -> dict[str, Case]:
    return {"binary_gb": binary_gb, "binary_rf": binary_rf, "binary_logreg": binary_logreg,
            "multiclass_gb": multiclass_gb, "regression_gb": regression_gb,
            "torch_mlp": torch_mlp, "plain_callable": plain_callable}
