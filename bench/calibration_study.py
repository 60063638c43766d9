"""Which calibrator tells right readings from wrong ones best? A study, not part of the product.

The product maps the best reading's joint log-probability to a chance of being right with an
isotonic curve fitted on held-out generated questions (``grammar.training.train``). This script
compares that with calibrators that also see other signals of the analysis (the margin to the
second reading, the least sure tag, link, join and flag, the operation head's margin, counts of
words and mentions). Every calibrator is fitted on generated questions from the held-out domains
only; the validation sets in ``../shared/dev`` are only scored (area under the ROC curve, and how
many are asked and how many answered right at the product's 0.7 ask threshold).

    python bench/calibration_study.py --model grammar/data/parser --held-out-size 6000
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.parse_eval import read_dialogues, read_set  # noqa: E402
from grammar.language import parse_program  # noqa: E402
from grammar.parse.decisions import LINKED_TAGS, TAGS  # noqa: E402
from grammar.parse.model import MODEL_DIR, DecisionModel  # noqa: E402
from grammar.parse.parser import Analysis, LearnedParser, as_read  # noqa: E402

LINKED = np.array([tag in LINKED_TAGS for tag in TAGS])
ASK_BELOW = 0.7
SETS = {  # name: (file, data, target, index column, dialogues)
    "clinic": ("clinic_parses.txt", "clinic.csv", "heart_disease", "patient_id", False),
    "dialogues": ("clinic_dialogues.yaml", "clinic.csv", "heart_disease", "patient_id", True),
    "readmit": ("readmit_parses.txt", "readmit.csv", "y", "id", False),
    "clinic templates": ("clinic_templates.txt", "clinic.csv", "heart_disease", "patient_id",
                         False),
    "readmit templates": ("readmit_templates.txt", "readmit.csv", "y", "id", False),
}
Row = tuple[dict[str, float], bool, bool]  # features, right, answered with a program


def _log(x: float) -> float:
    return math.log(max(float(x), 1e-12))


def features(analysis: Analysis) -> dict[str, float]:
    out, readings = analysis.outputs, analysis.readings
    best = _log(readings[0].probability) if readings else -30.0
    second = _log(readings[1].probability) if len(readings) > 1 else -30.0
    tags = out.tags.argmax(-1)
    linked = LINKED[tags]
    words = len(analysis.encoded.words)
    ops = [prob for _, prob in out.operations] + [1e-12, 1e-12]
    return {
        "log_probability": best, "margin": best - second, "readings": len(readings),
        "least_sure_tag": float(np.log(out.tags.max(-1)).min()) if words else 0.0,
        "sum_tag": float(np.log(out.tags.max(-1)).sum()) if words else 0.0,
        "least_sure_link": float(np.log(out.links.max(-1)[linked]).min()) if linked.any()
        else 0.0,
        "operations": _log(ops[0]), "operations_margin": _log(ops[0]) - _log(ops[1]),
        "least_sure_flag": float(np.log(out.flags.max(-1)).min()),
        "least_sure_join": float(np.log(out.joins.max(-1)).min()) if words else 0.0,
        "words": words, "mentions": len(analysis.mentions.items),
        "plain_words": int((tags == TAGS.index("O")).sum()),
    }


def held_out_rows(model: DecisionModel, size: int, seed: int) -> list[Row]:
    from grammar.training.corpus import generate_chunked
    from grammar.training.train import all_domains, split_domains

    _, held_domains = split_domains(all_domains(), seed)
    parsers: dict[int, LearnedParser] = {}
    rows: list[Row] = []
    for example in generate_chunked(seed + 1, size, held_domains, 2):
        if not example.text.strip():
            continue
        parser = parsers.setdefault(id(example.schema), LearnedParser(example.schema, model))
        previous = parse_program(example.previous, example.schema) if example.previous else None
        analysis = parser.analyse(example.text, previous, example.context.offered)
        result = parser.result_of(analysis)
        right = {"missing": bool(result.unknown_features), "courtesy": result.courtesy,
                 "unsupported": result.unsupported,
                 "nonsense": result.program is None and not result.courtesy}.get(
            example.kind, result.program == as_read(
                parse_program(example.program, example.schema), previous))
        rows.append((features(analysis), bool(right), result.program is not None))
    return rows


def validation_rows(model: DecisionModel, dev: Path, name: str) -> list[Row]:
    from dialogue.__main__ import _build_schema, _index_col

    file, data, target, index_col, dialogues = SETS[name]
    items = read_dialogues(dev / file) if dialogues else read_set(dev / file)
    schema = _build_schema(str(dev / data), target, _index_col(index_col))
    parser = LearnedParser(schema, model)
    rows: list[Row] = []
    for item in items:
        previous = parse_program(item.previous, schema) if item.previous else None
        analysis = parser.analyse(item.utterance, previous, previous is not None)
        result = parser.result_of(analysis)
        right = result.program is not None and result.program == parse_program(item.gold, schema)
        rows.append((features(analysis), right, result.program is not None))
    return rows


def _matrix(rows: list[Row], keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
    return (np.array([[r[0][k] for k in keys] for r in rows], dtype=float),
            np.array([r[1] for r in rows], dtype=float))


def fit(kind: str, x: np.ndarray, y: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.isotonic import IsotonicRegression
    from sklearn.linear_model import LogisticRegression

    def isotonic(scores: np.ndarray) -> IsotonicRegression:
        return IsotonicRegression(out_of_bounds="clip", y_min=0.01, y_max=0.995).fit(scores, y)

    if kind == "isotonic on log probability (the product)":
        curve = isotonic(x[:, 0])
        return lambda z: curve.predict(z[:, 0])
    if kind == "logistic on all signals, then isotonic":
        mean, scale = x.mean(0), x.std(0) + 1e-9
        linear = LogisticRegression(max_iter=2000).fit((x - mean) / scale, y)
        curve = isotonic(linear.decision_function((x - mean) / scale))
        return lambda z: curve.predict(linear.decision_function((z - mean) / scale))
    boosted = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05, max_leaf_nodes=15,
                                             min_samples_leaf=40, random_state=0).fit(x, y)
    return lambda z: boosted.predict_proba(z)[:, 1]


KINDS = ("isotonic on log probability (the product)", "logistic on all signals, then isotonic",
         "gradient boosting on all signals")


def main(argv: list[str] | None = None) -> int:
    from sklearn.metrics import roc_auc_score

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default=str(MODEL_DIR))
    parser.add_argument("--held-out-size", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dev", default=str(Path(__file__).resolve().parents[2] / "shared" /
                                             "dev"))
    args = parser.parse_args(argv)
    model = DecisionModel.load(Path(args.model))
    held = held_out_rows(model, args.held_out_size, args.seed)
    keys = list(held[0][0])
    sets = {name: validation_rows(model, Path(args.dev), name) for name in SETS
            if (Path(args.dev) / SETS[name][0]).exists()}
    half = len(held) // 2
    for kind in KINDS:
        used = keys if "all signals" in kind else ["log_probability"]
        x, y = _matrix(held, used)
        confidence = fit(kind, x[:half], y[:half])(x[half:])
        asked = confidence < ASK_BELOW
        print(f"{kind}\n  held-out (fitted on the other half): AUROC "
              f"{roc_auc_score(y[half:], confidence):.3f}, asked {asked.mean():.1%}, answered "
              f"right {y[half:][~asked].mean():.1%}")
        calibrate = fit(kind, x, y)
        for name, rows in sets.items():
            z, right = _matrix(rows, used)
            confidence = calibrate(z) * np.array([r[2] for r in rows])
            asked = confidence < ASK_BELOW
            print(f"  {name}: AUROC {roc_auc_score(right, confidence):.3f}, asked "
                  f"{asked.mean():.1%}, answered right {right[~asked].mean():.1%}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
