"""Benchmark: each of our engines side by side with what a user would pick instead.

Data: 10,000 rows x 20 features (16 numeric, 4 categorical one-hot encoded inside a Pipeline).
Models: histogram gradient boosting, random forest (100 trees, max_depth=8), logistic
regression, small MLP. For every model, in one run:

* one-row SHAP - baseline ``shap.TreeExplainer(model)`` for trees (path-dependent, raw output),
  ``shap.KernelExplainer`` with a ``shap.kmeans(X, 50)`` background and default samples for
  the others. Ours: interventional TreeSHAP in probability space for boosted trees, Kernel SHAP
  on a 30-centre k-means background otherwise.
* global importance over all 10,000 rows - baseline: ``TreeExplainer.shap_values`` on every
  row, mean |SHAP| (trees); KernelExplainer (k-means 50, default samples) on a 200-row sample,
  timed on 4 rows and scaled (others). Ours: ``global_importance`` (exact on every row within
  its budget, else a stated seeded sample), with the agreement of the two rankings.
* interactions - baseline: ``TreeExplainer.shap_interaction_values`` on the same rows ours
  explains (trees; timed on 20 rows and scaled); no baseline otherwise (Friedman's H).
* LIME, one row - baseline: ``LimeTabularExplainer`` defaults (5,000 samples, unseeded). Ours:
  5 seeded runs of 1,000 samples in batched model calls, reporting their top-3 agreement. The
  "stability" note compares what each returns over 5 calls for the same row.
* a counterfactual - baseline: DiCE's random method (3 counterfactuals). Ours: the verified
  constrained search (2 s budget). Notes give validity (re-predicted), features changed and
  whether a feature a person cannot change (``c3``, treated as immutable by ours) was touched.

Ratio = baseline time / our time (above 1: ours is faster). The machine's load average is
printed with each model because timings on a shared 2-core machine are noisy.

    python bench/explainers.py [--models hist,forest,logistic,mlp] [--tree-costs]

``--tree-costs`` instead prints the measured per-row cost of exact TreeSHAP next to the
estimate the engine budgets with (``explainers.shap_engine.TREE_NS_PER_UNIT``).
"""

from __future__ import annotations

import argparse
import os
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
IMMUTABLE = ("c3",)


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


MODELS = {
    "hist": ("histogram boosting", lambda: HistGradientBoostingClassifier(max_iter=100,
                                                                          random_state=0)),
    "forest": ("random forest", lambda: RandomForestClassifier(100, max_depth=8, n_jobs=1,
                                                               random_state=0)),
    "logistic": ("logistic regression", lambda: LogisticRegression(max_iter=500)),
    "mlp": ("small MLP", lambda: MLPClassifier((32, 16), max_iter=200, random_state=0)),
}


def timed(fn):
    start = time.perf_counter()
    try:
        out = fn()
    except ImportError:
        return None, None
    except Exception as exc:  # noqa: BLE001 - report and continue
        return f"error: {type(exc).__name__}: {exc}"[:90], None
    return out, time.perf_counter() - start


def fmt(t) -> str:
    return f"{'n/a':>9}" if not isinstance(t, float) else f"{t:8.3f}s"


def ratio(base, ours) -> str:
    if not isinstance(base, float) or not isinstance(ours, float) or ours <= 0:
        return f"{'n/a':>8}"
    return f"{base / ours:7.2f}x"


def line(task: str, ours, base, note: str = "") -> None:
    print(f"{'':<3}{task:<30} {fmt(ours)} {fmt(base)} {ratio(base, ours)}  {note}", flush=True)


# ----------------------------------------------------------------------------- baselines
def kernel_baseline(adapter: ModelAdapter, X: pd.DataFrame, rows: pd.DataFrame) -> float:
    """KernelExplainer, k-means background of 50, default nsamples; seconds for ``rows``."""
    import shap

    codes = _codes(X, adapter)
    encoded = _encode(X, codes).to_numpy(dtype=float)
    background = shap.kmeans(encoded, 50)

    def predict(arr: np.ndarray) -> np.ndarray:
        return adapter.predict_proba(_decode(arr, X.columns, codes))

    explainer = shap.KernelExplainer(predict, background)
    start = time.perf_counter()
    explainer.shap_values(_encode(rows, codes).to_numpy(dtype=float), silent=True)
    return time.perf_counter() - start


def _codes(X: pd.DataFrame, adapter: ModelAdapter) -> dict:
    return {c: {v: i for i, v in enumerate(sorted(X[c].unique()))}
            for c in adapter.categorical_features}


def _encode(frame: pd.DataFrame, codes: dict) -> pd.DataFrame:
    out = frame.copy()
    for c, m in codes.items():
        out[c] = out[c].map(m)
    return out


def _decode(arr: np.ndarray, columns, codes: dict) -> pd.DataFrame:
    frame = pd.DataFrame(arr, columns=columns)
    for c, m in codes.items():
        inverse = {i: v for v, i in m.items()}
        frame[c] = np.clip(np.rint(frame[c].astype(float)), 0, len(m) - 1).astype(int).map(
            inverse)
    return frame


def tree_values(model: Pipeline, X: pd.DataFrame, interaction: bool = False) -> np.ndarray:
    import shap

    explainer = shap.TreeExplainer(model[-1])
    Xt = np.asarray(model[:-1].transform(X), dtype=float)
    if interaction:
        return np.asarray(explainer.shap_interaction_values(Xt))
    return np.asarray(explainer.shap_values(Xt, check_additivity=False))


def tree_importance_baseline(model: Pipeline, X: pd.DataFrame, adapter: ModelAdapter
                             ) -> tuple[list[str], np.ndarray]:
    """What a user would write: TreeExplainer over every row, mean |SHAP| per raw feature."""
    values = tree_values(model, X)
    if values.ndim == 3:
        values = values[..., -1]
    mapping = np.asarray(adapter.transformed_to_raw)
    raw = np.zeros((values.shape[0], len(adapter.feature_names)))
    np.add.at(raw, (slice(None), mapping), values)
    mean = np.abs(raw).mean(axis=0)
    order = np.argsort(-mean)
    return [adapter.feature_names[i] for i in order], mean[order]


def lime_baseline(adapter: ModelAdapter, X: pd.DataFrame, row: pd.DataFrame,
                  seed: int | None = None) -> list[str]:
    """LimeTabularExplainer with its defaults (5,000 samples); the row's top-3 features."""
    from lime.lime_tabular import LimeTabularExplainer

    codes = _codes(X, adapter)
    enc = _encode(X, codes)
    cat_idx = [list(X.columns).index(c) for c in codes]
    explainer = LimeTabularExplainer(enc.to_numpy(dtype=float), feature_names=list(X.columns),
                                     categorical_features=cat_idx, random_state=seed)

    def predict(arr: np.ndarray) -> np.ndarray:
        return adapter.predict_proba(_decode(arr, X.columns, codes))

    r = _encode(row, codes).to_numpy(dtype=float)[0]
    exp = explainer.explain_instance(r, predict)  # defaults: 5,000 samples, 10 features
    label = list(exp.local_exp)[0]
    ranked = sorted(exp.local_exp[label], key=lambda item: -abs(item[1]))
    return [list(X.columns)[j] for j, _ in ranked[:3]]


def dice_baseline(model: object, X: pd.DataFrame, y: pd.Series, row: pd.DataFrame):
    import dice_ml

    frame = X.assign(y=y.to_numpy())
    data = dice_ml.Data(dataframe=frame, continuous_features=[f"x{i}" for i in range(NUM)],
                        outcome_name="y")
    explainer = dice_ml.Dice(data, dice_ml.Model(model=model, backend="sklearn"),
                             method="random")
    result = explainer.generate_counterfactuals(row, total_CFs=3, desired_class="opposite")
    cfs = result.cf_examples_list[0].final_cfs_df
    return [] if cfs is None else [cfs.drop(columns=["y"]).iloc[[i]] for i in range(len(cfs))]


def _distance(X: pd.DataFrame, row: pd.DataFrame, changed: pd.Series) -> float:
    """How far a counterfactual moved: |change| / the feature's robust spread for numbers,
    1 per changed category, summed (the same measure our search minimises)."""
    total = 0.0
    for column in X.columns:
        before, after = row.iloc[0][column], changed[column]
        if str(before) == str(after):
            continue
        if pd.api.types.is_numeric_dtype(X[column]):
            values = X[column].to_numpy(dtype=float)
            spread = 1.4826 * float(np.median(np.abs(values - np.median(values)))) or 1.0
            total += abs(float(after) - float(before)) / spread
        else:
            total += 1.0
    return total


def _overlap(tops: list[list[str]] | list[set]) -> float:
    sets = [set(t) for t in tops]
    pairs = [(a, b) for i, a in enumerate(sets) for b in sets[i + 1:]]
    return float(np.mean([len(a & b) / 3 for a, b in pairs]))


# ----------------------------------------------------------------------------- per model
def bench_model(key: str, X: pd.DataFrame, y: pd.Series) -> None:
    name, build = MODELS[key]
    model = pipeline(build()).fit(X, y)
    adapter = ModelAdapter.wrap(model, X)
    engine = ExplanationEngine(adapter, X, seed=0)
    tree = adapter.kind == "tree"
    row = X.iloc[[7]]
    print(f"\n== {name}: {adapter.description}; load average {os.getloadavg()[0]:.2f}")
    print(f"{'':<3}{'task':<30} {'ours':>9} {'baseline':>9} {'ratio':>8}  note")

    _, warm = timed(lambda: engine.shap(X.iloc[[3]]))  # builds our explainers once
    att, t_ours = timed(lambda: engine.shap(row))
    if tree:
        _, t_base = timed(lambda: tree_values(model, row))
        what = "TreeExplainer(model), raw output"
    else:
        _, t_base = timed(lambda: kernel_baseline(adapter, X, row))
        what = "KernelExplainer, k-means 50"
    space = getattr(att, "output_name", "")
    line("one-row SHAP", t_ours, t_base, f"baseline {what}; ours explains the {space}; "
         f"our first call with set-up {fmt(warm).strip()}")

    engine.start_workers()
    imp, t_ours = timed(lambda: engine.global_importance(X))
    note = ""
    if tree:
        base, t_base = timed(lambda: tree_importance_baseline(model, X, adapter))
        if isinstance(base, tuple) and imp is not None and not isinstance(imp, str):
            names, _ = base
            same = list(imp.feature_names[:5]) == names[:5]
            note = (f"ours: {imp.n_rows:,} of {len(X):,} rows, top-3 stable in "
                    f"{imp.top_stability:.0%} of resamples; top 5 "
                    f"{'the same as' if same else 'DIFFERENT from'} the all-rows baseline")
    else:
        sample = X.sample(4, random_state=1)
        _, t4 = timed(lambda: kernel_baseline(adapter, X, sample))
        t_base = None if t4 is None else t4 * 200 / 4
        if imp is not None and not isinstance(imp, str):
            note = (f"both on a 200-row sample (baseline timed on 4 rows, scaled); ours "
                    f"{imp.n_rows} rows with {2 * X.shape[1] + 200} samples each")
    line("global importance, 10k rows", t_ours, t_base, note)

    inter, t_ours = timed(lambda: engine.interactions(X, top=3))
    t_base, note = None, ""
    if tree and inter is not None and not isinstance(inter, str):
        _, t20 = timed(lambda: tree_values(model, X.iloc[:20], interaction=True))
        t_base = None if t20 is None else t20 * inter.n_rows / 20
        note = (f"same {inter.n_rows:,} rows (baseline timed on 20, scaled); top pair "
                f"{inter.pairs[0]}, stable in {inter.top_stability:.0%} of resamples")
    elif inter is not None and not isinstance(inter, str):
        note = f"{inter.method} on {inter.n_rows} rows; no common baseline"
    line("interactions", t_ours, t_base, note)

    lime, t_ours = timed(lambda: engine.lime(row))
    _, t_base = timed(lambda: lime_baseline(adapter, X, row))
    ours_tops = []
    if lime is not None and not isinstance(lime, str):
        fresh = ExplanationEngine(adapter, X, seed=0)
        ours_tops = [set(dict(lime.top(3, 0))), set(dict(fresh.lime(row).top(3, 0)))]
    base_tops = [lime_baseline(adapter, X, row) for _ in range(5)]
    note = ""
    if ours_tops:
        note = (f"ours: same top 3 on every call ({'yes' if ours_tops[0] == ours_tops[1] else 'NO'}"
                f"), seeded runs agree {lime.stability:.0%}; baseline over 5 calls agrees "
                f"{_overlap(base_tops):.0%}")
    line("LIME, one row", t_ours, t_base, note)

    cfe, t_ours = timed(lambda: engine.counterfactuals(row, immutable=IMMUTABLE,
                                                       time_limit=2.0))
    dice, t_base = timed(lambda: dice_baseline(model, X, y, row))
    original = adapter.predict(row)[0]
    note = ""
    if cfe is not None and not isinstance(cfe, str):
        outs = [adapter.predict(cf.values.to_frame().T.astype(X.dtypes.to_dict()))[0]
                for cf in cfe.counterfactuals]
        changed = [len(cf.changes) for cf in cfe.counterfactuals]
        touched = any(ch.feature in IMMUTABLE for cf in cfe.counterfactuals for ch in cf.changes)
        far = [round(_distance(X, row, cf.values), 2) for cf in cfe.counterfactuals]
        note = (f"ours {len(outs)} found, valid {sum(o != original for o in outs)}/{len(outs)}, "
                f"features changed {changed}, distance {far}, "
                f"{'touches' if touched else 'keeps'} {IMMUTABLE[0]}")
    if isinstance(dice, list):
        d_out = [adapter.predict(cf.astype(X.dtypes.to_dict()))[0] for cf in dice]
        d_changed = [int(sum(str(cf.iloc[0][c]) != str(row.iloc[0][c]) for c in X.columns))
                     for cf in dice]
        d_touched = any(str(cf.iloc[0][IMMUTABLE[0]]) != str(row.iloc[0][IMMUTABLE[0]])
                        for cf in dice)
        d_far = [round(_distance(X, row, cf.iloc[0]), 2) for cf in dice]
        note += (f"; DiCE {len(dice)} found, valid {sum(o != original for o in d_out)}/"
                 f"{len(dice)}, features changed {d_changed}, distance {d_far}, "
                 f"{'touches' if d_touched else 'keeps'} {IMMUTABLE[0]}")
    elif isinstance(dice, str):
        note += f"; DiCE {dice}"
    line("counterfactual, one row", t_ours, t_base, note)


def tree_costs(X: pd.DataFrame, y: pd.Series) -> None:
    """Measured per-row exact TreeSHAP cost against the engine's estimate."""
    import shap

    from explainers.shap_engine import ShapEngine

    print(f"{'model':<22} {'what':<12} {'measured':>12} {'estimate':>12}")
    Xn = X[[f"x{i}" for i in range(NUM)]]
    for key in ("hist", "forest"):
        model = MODELS[key][1]().fit(Xn, y)
        engine = ShapEngine(ModelAdapter.wrap(model, Xn), Xn)
        explainer = shap.TreeExplainer(model)
        for what, rows in (("shap", 1000), ("interaction", 20)):
            arr = Xn.iloc[:rows].to_numpy(dtype=float)
            start = time.perf_counter()
            if what == "shap":
                explainer.shap_values(arr, check_additivity=False)
            else:
                explainer.shap_interaction_values(arr)
            measured = (time.perf_counter() - start) / rows
            estimate = engine.tree_seconds_per_row(what)
            print(f"{MODELS[key][0]:<22} {what:<12} {measured * 1e3:9.3f} ms {estimate * 1e3:9.3f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", default=",".join(MODELS))
    parser.add_argument("--tree-costs", action="store_true")
    args = parser.parse_args()
    X, y = make_data()
    X.index = pd.RangeIndex(0, N, name="row_id")
    if args.tree_costs:
        tree_costs(X, y)
        return
    print(f"data: {N} rows x {NUM + CAT} features ({CAT} categorical, one-hot in a Pipeline); "
          "ratio = baseline time / our time")
    for key in args.models.split(","):
        bench_model(key.strip(), X, y)


if __name__ == "__main__":
    main()
