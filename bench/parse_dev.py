"""Development benchmark for the parser: exact-match accuracy and speed on ../shared/dev.

Usage: python bench/parse_dev.py [--shared PATH] [--misses N] [--fallback BACKEND]
Single questions are parsed without context; dialogues turn by turn, each turn read after the
gold program of the turn before (as the Conversation does with its own previous program).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grammar import DatasetSchema, NaturalLanguageParser, ParseContext  # noqa: E402
from grammar.language import parse_program  # noqa: E402


def read_parses(path: Path) -> list[tuple[str, str]]:
    blocks = [b.strip().splitlines() for b in path.read_text().split("\n\n") if b.strip()]
    return [(b[0].strip(), b[1].strip()) for b in blocks if len(b) >= 2]


def operation_of(program_text: str) -> str:
    """The first operation word of a gold program, for the per-operation table."""
    words = program_text.replace("[E]", "").split()
    names = ["predict", "likelihood", "explain", "important", "interact", "show", "label",
             "countdata", "data", "statistic", "define", "mistake", "score", "model", "function",
             "self", "followup", "previousoperation"]
    for index, word in enumerate(words):
        if word in names and (index == 0 or words[index - 1] in {"and", "or"}):
            if word in {"explain", "mistake"}:
                return f"{word} {words[index + 1]}"
            return word
    return "?"


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"))
    parser.add_argument("--misses", type=int, default=25)
    parser.add_argument("--fallback", default=None, help="LLM fallback backend (optional)")
    args = parser.parse_args()
    dev = Path(args.shared) / "dev"
    if not dev.exists():
        print(f"no development set at {dev}; nothing to measure")
        return 0
    frame = pd.read_csv(dev / "clinic.csv")
    schema = DatasetSchema.from_frame(frame, "heart_disease", index_col="patient_id")
    start = time.perf_counter()
    if args.fallback:
        from grammar.fallback import build_parser

        nl = build_parser(schema, args.fallback)
    else:
        nl = NaturalLanguageParser(schema)
    print(f"parser ready in {time.perf_counter() - start:.2f} s")

    def canonical(text: str) -> str:
        return str(parse_program(text, schema))

    singles = read_parses(dev / "clinic_parses.txt")
    times: list[float] = []
    misses: list[tuple[str, str, str]] = []
    per_op: dict[str, Counter] = defaultdict(Counter)
    correct = 0
    for utterance, gold in singles:
        t0 = time.perf_counter()
        result = nl.parse(utterance)
        times.append((time.perf_counter() - t0) * 1000)
        ok = result.text == canonical(gold)
        correct += ok
        op = operation_of(gold)
        per_op[op]["n"] += 1
        per_op[op]["ok"] += ok
        if not ok:
            misses.append((utterance, gold, result.text or f"<error: {result.error}>"))
    dialogues = yaml.safe_load((dev / "clinic_dialogues.yaml").read_text())
    turn_correct = turn_total = 0
    dialogue_misses = []
    for dialogue in dialogues:
        previous = None
        for turn in dialogue["turns"]:
            t0 = time.perf_counter()
            result = nl.parse(turn["user"], ParseContext(previous=previous))
            times.append((time.perf_counter() - t0) * 1000)
            gold = canonical(turn["parse"])
            ok = result.text == gold
            turn_correct += ok
            turn_total += 1
            if not ok:
                dialogue_misses.append((dialogue["name"], turn["user"], gold, result.text))
            previous = parse_program(turn["parse"], schema)
    print(f"\nsingle questions: {correct}/{len(singles)} = {correct / len(singles):.1%} exact match")
    print(f"dialogue turns:   {turn_correct}/{turn_total} = {turn_correct / turn_total:.1%}")
    print(f"parse time: p50 {statistics.median(times):.2f} ms, "
          f"p95 {sorted(times)[int(0.95 * len(times))]:.2f} ms, max {max(times):.1f} ms")
    print("\nper operation (single questions):")
    for op, counts in sorted(per_op.items(), key=lambda kv: -kv[1]["n"]):
        print(f"  {op:22s} {counts['ok']:3d}/{counts['n']:3d}  {counts['ok'] / counts['n']:.0%}")
    print(f"\nworst misses (first {args.misses}):")
    for utterance, gold, got in misses[: args.misses]:
        print(f"  Q: {utterance}\n     gold: {gold}\n     got:  {got}")
    for name, utterance, gold, got in dialogue_misses[: args.misses]:
        print(f"  [{name}] {utterance}\n     gold: {gold}\n     got:  {got}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
