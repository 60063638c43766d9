"""Benchmark: our engines vs plain library defaults, for four models (prints times and ratios).

Data: 10,000 rows x 20 features (16 numeric, 4 categorical one-hot encoded inside a Pipeline).
Models: gradient-boosted trees, random forest (max_depth=8), logistic regression, small MLP.
Baselines: KernelExplainer on the full (10,000-row) background for one row is infeasible, so it
is run with nsamples=100 and the time scaled to shap's default nsamples; LIME with 5,000 samples;
DiCE (random method) defaults; for trees, plain ``TreeExplainer(model).shap_values`` over all
10,000 rows (timed on 1,000 rows and scaled) for global importance and
``shap_interaction_values`` over all rows (timed on 10 rows and scaled) for interactions.
Run: ``python bench/explainers.py``.
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sklearn.compose import ColumnTransformer  # noqa: E402
from sklearn.ensemble import HistGradientBoostingClassifier, RandomForestClassifier  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.neural_network import MLPClassifier  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

from explainers import ExplanationEngine, ModelAdapter  # noqa: E402

warnings.filterwarnings("ignore")
N, NUM, CAT = 10_000, 16, 4


def make_data(seed: int = 0) -> tuple[pd.DataFrame, pd.Series]:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame(rng.normal(0, 1, (N, NUM)), columns=[f"x{i}" for i in range(NUM)])
    for j in range(CAT):
        frame[f"c{j}"] = rng.choice(["a", "b", "c", "d"], N)
    logit = (frame["x0"] + 0.8 * frame["x1"] - 0.6 * frame["x2"] * frame["x3"]
             + 1.2 * (frame["c0"] == "a") + rng.normal(0, 0.5, N))
    return frame, pd.Series((logit > 0).astype(int), name="y")


def pipeline(est: object) -> Pipeline:
    pre = ColumnTransformer([
        ("cat", OneHotEncoder(handle_unknown="ignore"), [f"c{j}" for j in range(CAT)]),
        ("num", StandardScaler(), [f"x{i}" for i in range(NUM)])])
    return Pipeline([("pre", pre), ("model", est)])


def timed(fn):
    start = time.perf_counter()
    try:
        out = fn()
    except ImportError:
        return None, None
    except Exception as exc:  # noqa: BLE001 - report and continue
        return None, f"error: {type(exc).__name__}: {exc}"[:80]
    return out, time.perf_counter() - start


def fmt(t) -> str:
    return f"{'n/a':>9}" if t is None or isinstance(t, str) else f"{t:8.3f}s"


def ratio(base, ours) -> str:
    if not isinstance(base, float) or not isinstance(ours, float) or ours <= 0:
        return f"{'n/a':>8}"
    return f"{base / ours:7.1f}x"


def kernel_default(adapter: ModelAdapter, X: pd.DataFrame, row: pd.DataFrame) -> float:
    """KernelExplainer on the full background; timed at nsamples=100 then scaled to default."""
    import shap

    explainer = shap.KernelExplainer(
        lambda a: adapter.output_matrix(adapter.frame(a)), X.to_numpy(dtype=object))
    start = time.perf_counter()
    explainer.shap_values(row.to_numpy(dtype=object), nsamples=100, silent=True)
    default = 2 * X.shape[1] + 2048
    return (time.perf_counter() - start) * default / 100


def tree_default(model: Pipeline, X: pd.DataFrame, rows: int, interaction: bool) -> float:
    """Plain TreeExplainer over all rows of ``X``, timed on ``rows`` of them and scaled."""
    import shap

    start = time.perf_counter()
    explainer = shap.TreeExplainer(model[-1])
    Xt = model[:-1].transform(X.iloc[:rows])
    if interaction:
        explainer.shap_interaction_values(Xt)
    else:
        explainer.shap_values(Xt)
    return (time.perf_counter() - start) * len(X) / rows


def lime_default(adapter: ModelAdapter, X: pd.DataFrame, row: pd.DataFrame) -> float:
    from lime.lime_tabular import LimeTabularExplainer

    codes = {c: {v: i for i, v in enumerate(sorted(X[c].unique()))}
             for c in adapter.categorical_features}
    enc = X.copy()
    for c, m in codes.items():
        enc[c] = enc[c].map(m)
    inverse = {c: {i: v for v, i in m.items()} for c, m in codes.items()}

    def predict(arr: np.ndarray) -> np.ndarray:
        frame = pd.DataFrame(arr, columns=X.columns)
        for c, m in inverse.items():
            frame[c] = frame[c].round().astype(int).map(m)
        return adapter.predict_proba(adapter.frame(frame.to_numpy(dtype=object)))

    cat_idx = [list(X.columns).index(c) for c in codes]
    explainer = LimeTabularExplainer(enc.to_numpy(dtype=float), feature_names=list(X.columns),
                                     categorical_features=cat_idx, random_state=0)
    r = enc.loc[row.index].to_numpy(dtype=float)[0]
    start = time.perf_counter()
    explainer.explain_instance(r, predict, num_samples=5000)
    return time.perf_counter() - start


def dice_default(model: object, X: pd.DataFrame, y: pd.Series, row: pd.DataFrame) -> float:
    import dice_ml

    frame = X.assign(y=y.to_numpy())
    data = dice_ml.Data(dataframe=frame, continuous_features=[f"x{i}" for i in range(NUM)],
                        outcome_name="y")
    explainer = dice_ml.Dice(data, dice_ml.Model(model=model, backend="sklearn"),
                             method="random")
    start = time.perf_counter()
    explainer.generate_counterfactuals(row, total_CFs=3, desired_class="opposite")
    return time.perf_counter() - start


def main() -> None:
    X, y = make_data()
    X.index = pd.RangeIndex(0, N, name="row_id")
    models = {
        "gradient-boosted": HistGradientBoostingClassifier(max_iter=100, random_state=0),
        "random forest": RandomForestClassifier(100, max_depth=8, n_jobs=1, random_state=0),
        "logistic regression": LogisticRegression(max_iter=500),
        "small MLP": MLPClassifier((32, 16), max_iter=200, random_state=0),
    }
    print(f"data: {N} rows x {NUM + CAT} features ({CAT} categorical, one-hot in a Pipeline)")
    header = f"{'model':<20} {'task':<26} {'ours':>9} {'default':>9} {'ratio':>8}  note"
    for name, est in models.items():
        bench_model(name, est, X, y, header)


def bench_model(name: str, est: object, X: pd.DataFrame, y: pd.Series, header: str) -> None:
    """All figures for one model, side by side with library defaults."""
    model = pipeline(est).fit(X, y)
    adapter = ModelAdapter.wrap(model, X)
    engine = ExplanationEngine(adapter, X, seed=0)
    row = X.iloc[[7]]
    print(f"\n== {name}: {adapter.description}")
    print(header)
    # warm-up builds explainers once (engine start-up), reported separately
    _, warm = timed(lambda: engine.shap(X.iloc[[3]]))
    att, t_shap = timed(lambda: engine.shap(row))
    base = timed(lambda: kernel_default(adapter, X, row))[0]
    print(f"{'':<20} {'one-row SHAP':<26} {fmt(t_shap)} {fmt(base)} {ratio(base, t_shap)}"
          f"  {att.method if att else ''}; first call incl. set-up {fmt(warm)}")
    _, t_cached = timed(lambda: engine.shap(row))
    print(f"{'':<20} {'one-row SHAP (cached)':<26} {fmt(t_cached)}")
    tree = adapter.kind == "tree"
    imp, t_imp = timed(lambda: engine.global_importance(X))
    base = timed(lambda: tree_default(model, X, 1000, False))[0] if tree else None
    print(f"{'':<20} {'global importance 10k':<26} {fmt(t_imp)} {fmt(base)} "
          f"{ratio(base, t_imp)}  {imp.method if imp else ''}; "
          f"top: {[(f, round(v, 3)) for f, v in imp.top(3)] if imp else ''}")
    inter, t_int = timed(lambda: engine.interactions(X, top=3))
    base = timed(lambda: tree_default(model, X, 10, True))[0] if tree else None
    print(f"{'':<20} {'interactions':<26} {fmt(t_int)} {fmt(base)} {ratio(base, t_int)}  "
          f"{inter.method if inter else ''} {inter.pairs if inter else ''}")
    lime, t_lime = timed(lambda: engine.lime(row))
    base = timed(lambda: lime_default(adapter, X, row))[0]
    stab = "" if lime is None else f"stability {lime.stability}"
    print(f"{'':<20} {'LIME one row':<26} {fmt(t_lime)} {fmt(base)} {ratio(base, t_lime)}"
          f"  {stab}")
    cfe, t_cfe = timed(lambda: engine.counterfactuals(row, time_limit=2.0))
    base = timed(lambda: dice_default(model, X, y, row))[1]
    valid = ""
    if cfe is not None:
        outs = [adapter.predict(cf.values.to_frame().T.astype(X.dtypes.to_dict()))[0]
                for cf in cfe.counterfactuals]
        valid = (f"{len(outs)} found, valid {sum(o != cfe.original_output for o in outs)}"
                 f"/{len(outs)}")
    print(f"{'':<20} {'one counterfactual':<26} {fmt(t_cfe)} {fmt(base)} {ratio(base, t_cfe)}"
          f"  {valid}")


if __name__ == "__main__":
    main()
