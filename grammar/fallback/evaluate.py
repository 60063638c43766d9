"""Accuracy and latency of a parser on (question, gold program) pairs, fallback off or on.

``python -m grammar.fallback.evaluate --data clinic.csv --target heart_disease --index-col
patient_id --parses clinic_parses.txt --backend smollm2`` prints one line per setting.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

from grammar.errors import ProgramError
from grammar.fallback import build_parser
from grammar.language import parse_program
from grammar.nl_parser import ParseContext
from grammar.program import Program
from grammar.schema import DatasetSchema


@dataclass(frozen=True)
class EvalReport:
    """How a parser did: exact-program accuracy, clarifications and latency."""

    total: int
    correct: int  # the executed program equals the gold one
    asked: int  # the parser asked instead of answering
    gold_in_options: int  # ... and the gold reading was among the options
    fallback_used: int
    mean_seconds: float
    p95_seconds: float

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def line(self, name: str) -> str:
        return (f"{name}: accuracy {self.accuracy:.3f} ({self.correct}/{self.total}), "
                f"asked {self.asked} (gold offered {self.gold_in_options}), "
                f"fallback used {self.fallback_used}, mean {self.mean_seconds * 1000:.0f} ms, "
                f"p95 {self.p95_seconds * 1000:.0f} ms")


def read_pairs(path: str) -> list[tuple[str, str]]:
    """Blocks of ``question`` / ``program`` lines separated by blank lines."""
    with open(path, encoding="utf-8") as handle:
        blocks = [b.strip().splitlines() for b in handle.read().strip().split("\n\n")]
    return [(b[0], b[1]) for b in blocks if len(b) >= 2]


def evaluate(parser: object, pairs: Sequence[tuple[str, str]], schema: DatasetSchema) -> EvalReport:
    correct = asked = offered = used = 0
    times: list[float] = []
    for question, gold_text in pairs:
        try:
            gold: Program | None = parse_program(gold_text, schema)
        except ProgramError:
            gold = None
        started = time.perf_counter()
        result = parser.parse(question, ParseContext())  # type: ignore[attr-defined]
        times.append(time.perf_counter() - started)
        if result.program is not None and result.program == gold:
            correct += 1
        if result.program is None and result.options:
            asked += 1
            offered += any(prog == gold for prog, _ in result.alternatives)
        used += result.source == "fallback"
    ordered = sorted(times) or [0.0]
    return EvalReport(len(pairs), correct, asked, offered, used,
                      statistics.fmean(ordered), ordered[int(0.95 * (len(ordered) - 1))])


def main(argv: Sequence[str] | None = None) -> None:
    import pandas as pd

    args = argparse.ArgumentParser(description=__doc__)
    args.add_argument("--data", required=True)
    args.add_argument("--target", required=True)
    args.add_argument("--index-col")
    args.add_argument("--parses", required=True)
    args.add_argument("--backend", action="append", default=[])
    options = args.parse_args(argv)
    schema = DatasetSchema.from_frame(pd.read_csv(options.data), options.target,
                                      index_col=options.index_col)
    pairs = read_pairs(options.parses)
    for backend in ["off", *options.backend]:
        parser = build_parser(schema, backend)
        print(evaluate(parser, pairs, schema).line(f"fallback {backend}"), flush=True)


if __name__ == "__main__":
    main()
