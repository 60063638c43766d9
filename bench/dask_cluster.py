"""Dask benchmark: global importance on 1,000,000 rows x 20 features, local cluster vs in-process.

Builds a seeded table (1,000,000 x 20 numeric features, binary target) and a scikit-learn
``GradientBoostingClassifier`` (100 trees of depth 3, trained on 50,000 rows), then asks "what
are the most important features?" through the Python API twice per setting:

* ``default``: the engine's own budget (exact TreeSHAP on every row when the estimate fits,
  else a seeded sample it states; on a cluster the budget scales with its threads),
* ``exact``: every one of the 1,000,000 rows explained exactly (the budget lifted),

once in this process (chunks in joblib's worker processes) and once on a
``distributed.LocalCluster`` of ``--workers`` worker processes reached through its scheduler
address, as ``--dask-scheduler`` would. Prints wall times, rows used and whether the rankings
agree. On one 2-core machine a local cluster cannot be faster than the in-process pool; the
point is that the same answer comes back from a cluster, and what shipping the data costs.

    python bench/dask_cluster.py [--rows 1000000] [--workers 2] [--skip-exact]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make(rows: int, features: int = 20):
    import numpy as np
    import pandas as pd
    from sklearn.ensemble import GradientBoostingClassifier

    rng = np.random.default_rng(1)
    X = rng.normal(0.0, 1.0, (rows, features)).astype(np.float64)
    frame = pd.DataFrame(X, columns=[f"x{i:02d}" for i in range(features)])
    logit = 1.0 * X[:, 0] - 0.8 * X[:, 1] + 0.6 * X[:, 2] * X[:, 3] + rng.normal(0, 0.7, rows)
    frame["label"] = (logit > 0).astype(int)
    frame.index = pd.RangeIndex(1, rows + 1, name="row_id")
    train = frame.sample(min(rows, 50_000), random_state=0)
    model = GradientBoostingClassifier(n_estimators=100, max_depth=3, random_state=0)
    model.fit(train.drop(columns=["label"]), train["label"])
    return frame, model


def ask(conversation, exact: bool) -> dict:
    engine = conversation.workspace.engine
    if exact:
        engine.GLOBAL_SECONDS = 1e9  # every row, whatever it costs
    engine.cache.clear()
    started = time.perf_counter()
    reply = conversation.ask("what are the most important features?")
    seconds = time.perf_counter() - started
    result = engine.global_importance(conversation.workspace.X)  # cached: the same result
    return {"seconds": round(seconds, 2), "rows_used": result.n_rows,
            "top5": list(result.feature_names[:5]), "ok": reply.ok,
            "mean_abs": [round(float(v), 6) for v in result.mean_abs[:5]]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--skip-exact", action="store_true")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    from distributed import LocalCluster

    from dialogue import Conversation

    started = time.perf_counter()
    frame, model = make(args.rows)
    print(f"table {frame.shape[0]:,} x {frame.shape[1] - 1} and model ready in "
          f"{time.perf_counter() - started:.1f} s; load average {os.getloadavg()[0]:.2f}",
          flush=True)
    modes = ["default"] + ([] if args.skip_exact else ["exact"])
    results: dict = {"rows": args.rows, "workers": args.workers}
    local = Conversation.from_frame(frame, "label", model)
    local.workspace.engine.start_workers()
    for mode in modes:
        results[f"in-process {mode}"] = ask(local, mode == "exact")
        print(f"in-process {mode}: {results[f'in-process {mode}']}; load average "
              f"{os.getloadavg()[0]:.2f}", flush=True)
    started = time.perf_counter()
    with LocalCluster(n_workers=args.workers, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=None) as cluster:
        remote = Conversation.from_frame(frame, "label", model,
                                         dask_scheduler=cluster.scheduler_address)
        results["cluster_start_s"] = round(time.perf_counter() - started, 2)
        for mode in modes:
            results[f"cluster {mode}"] = ask(remote, mode == "exact")
            print(f"cluster {mode}: {results[f'cluster {mode}']}; load average "
                  f"{os.getloadavg()[0]:.2f}", flush=True)
        remote.workspace.dask_client.close()
    for mode in modes:
        a, b = results[f"in-process {mode}"], results[f"cluster {mode}"]
        results[f"same ranking ({mode})"] = a["top5"] == b["top5"] and a["mean_abs"] == b[
            "mean_abs"]
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
