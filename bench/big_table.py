"""Big-table benchmark: 200,000 rows x 30 features with a saved ``.skops`` model.

Builds (once, cached under ``$ASKMODEL_CACHE/bench``) a seeded table of 200,000 rows x 30
numeric features with a binary target, trains a ``HistGradientBoostingClassifier`` on it and
saves it as ``.skops`` next to a CSV, then, in a fresh process, opens it the way a user does
(``Conversation.from_files``, with the same background warm-up as the app and the CLI) and
prints:

* loading time (CSV + model + adapter check),
* the first "why" (one row, asked right after loading, while the warm-up runs), target <= 2 s,
* global importance over all rows (asked next), target <= 10 s, with the progress lines the
  chat shows while it runs and the answer's own statement of rows used and uncertainty,
* peak memory of the whole process tree (the benchmark process and any worker processes),
  sampled every 20 ms, target <= 2 GB.

    python bench/big_table.py [--rows 200000] [--features 30] [--repeat 3] [--model hist|xgb]

``--repeat`` runs the measured part that many times (each in a fresh process) and reports
medians. Nothing is downloaded; the data are generated.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

from dialogue.warmup import warm_up

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def bench_dir() -> Path:
    from dialogue.settings import cache_dir

    return cache_dir() / "bench"


def prepare(rows: int, features: int, kind: str) -> tuple[Path, Path]:
    """The CSV and ``.skops`` model (built once per size and model kind)."""
    import numpy as np
    import pandas as pd

    folder = bench_dir()
    folder.mkdir(parents=True, exist_ok=True)
    csv = folder / f"table-{rows}x{features}.csv"
    model_path = folder / f"model-{kind}-{rows}x{features}.skops"
    if csv.exists() and model_path.exists():
        return csv, model_path
    rng = np.random.default_rng(0)
    X = rng.normal(0.0, 1.0, (rows, features))
    X[:, features // 2:] = np.round(X[:, features // 2:] * 10 + 50)  # half integer-like columns
    names = [f"f{i:02d}" for i in range(features)]
    frame = pd.DataFrame(X, columns=names)
    logit = (1.2 * X[:, 0] - 0.9 * X[:, 1] + 0.7 * X[:, 2] * X[:, 3]
             + 0.05 * (X[:, features // 2] - 50) + rng.normal(0, 0.7, rows))
    frame["outcome"] = (logit > 0).astype(int)
    frame.insert(0, "row_id", np.arange(1, rows + 1))
    if not csv.exists():
        frame.to_csv(csv, index=False)
    if not model_path.exists():
        import skops.io as sio

        train = frame.sample(min(rows, 50_000), random_state=0)
        if kind == "xgb":
            from xgboost import XGBClassifier

            model = XGBClassifier(n_estimators=100, max_depth=6, n_jobs=2, random_state=0)
        else:
            from sklearn.ensemble import HistGradientBoostingClassifier

            model = HistGradientBoostingClassifier(max_iter=100, random_state=0)
        model.fit(train[names], train["outcome"])
        sio.dump(model, model_path)
    return csv, model_path


class PeakMemory:
    """Peak resident memory of this process and its children, sampled in a thread."""

    def __init__(self, every: float = 0.02) -> None:
        import psutil

        self._process = psutil.Process()
        self._every = every
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _total(self) -> int:
        total = 0
        for proc in [self._process, *self._process.children(recursive=True)]:
            try:
                total += proc.memory_info().rss
            except Exception:  # noqa: BLE001 - a child that just exited
                pass
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._total())
            time.sleep(self._every)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._total())
        return self.peak


def measure(csv: Path, model_path: Path, kind: str) -> dict:
    """One cold run in this (fresh) process."""
    memory = PeakMemory()
    from dialogue import Conversation

    started = time.perf_counter()
    conv = Conversation.from_files(csv, "outcome", model_path, index_col="row_id")
    load_s = time.perf_counter() - started
    warm_up(conv.workspace, background=True)  # as app.py and `python -m dialogue chat` do

    started = time.perf_counter()
    why = conv.ask("why did the model predict that for row 17?")
    why_s = time.perf_counter() - started

    progress: list[tuple[float, str]] = []
    importance_started = time.perf_counter()

    def report(update) -> None:
        progress.append((time.perf_counter() - importance_started, update.text))
        print(f"  progress {progress[-1][0]:6.2f} s  {update.text}", flush=True)

    imp = conv.ask("what are the most important features?", progress=report)
    importance_s = time.perf_counter() - importance_started
    peak = memory.stop()
    return {
        "model": kind,
        "load_s": round(load_s, 2),
        "first_why_s": round(why_s, 3),
        "why_ok": why.ok,
        "why_answer": why.text[:300],
        "importance_s": round(importance_s, 2),
        "importance_ok": imp.ok,
        "importance_answer": imp.text,
        "progress_updates": len(progress),
        "peak_memory_mb": round(peak / 2**20),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--features", type=int, default=30)
    parser.add_argument("--model", choices=("hist", "xgb"), default="hist")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--measure", nargs=2, metavar=("CSV", "MODEL"), help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, help="also write the numbers to this file")
    args = parser.parse_args()
    if args.measure:
        result = measure(Path(args.measure[0]), Path(args.measure[1]), args.model)
        print("RESULT " + json.dumps(result), flush=True)
        return 0
    started = time.perf_counter()
    csv, model_path = prepare(args.rows, args.features, args.model)
    print(f"table and model ready in {time.perf_counter() - started:.1f} s: {csv.name}, "
          f"{model_path.name}; load average {os.getloadavg()[0]:.2f}", flush=True)
    runs = []
    for run in range(args.repeat):
        out = subprocess.run(
            [sys.executable, __file__, "--model", args.model, "--measure", str(csv),
             str(model_path)], cwd=ROOT, capture_output=True, text=True, check=False)
        lines = [ln for ln in out.stdout.splitlines() if ln.startswith("RESULT ")]
        if out.returncode or not lines:
            print(out.stdout[-3000:], out.stderr[-3000:], sep="\n")
            return 1
        print("\n".join(ln for ln in out.stdout.splitlines() if ln.startswith("  progress")))
        result = json.loads(lines[-1][len("RESULT "):])
        print(f"run {run + 1}: load {result['load_s']} s, first why {result['first_why_s']} s, "
              f"importance {result['importance_s']} s, peak memory {result['peak_memory_mb']} "
              f"MB, load average {os.getloadavg()[0]:.2f}", flush=True)
        runs.append(result)
    summary = {
        "rows": args.rows, "features": args.features, "model": args.model, "runs": len(runs),
        **{key: statistics.median(r[key] for r in runs)
           for key in ("load_s", "first_why_s", "importance_s", "peak_memory_mb")},
        "targets": {"first_why_s": 2.0, "importance_s": 10.0, "peak_memory_mb": 2048},
        "importance_answer": runs[-1]["importance_answer"],
        "why_answer": runs[-1]["why_answer"],
    }
    print(json.dumps(summary, indent=2))
    if args.json:
        args.json.write_text(json.dumps({"summary": summary, "runs": runs}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
