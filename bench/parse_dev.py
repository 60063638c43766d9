"""Development benchmark for the parser: exact-match accuracy and speed on ../shared/dev.

Usage: python bench/parse_dev.py [--shared PATH] [--misses N] [--fallback BACKEND ...]

Settings measured: ``first`` (the rule-based first stage alone), ``off`` (the fallback parser
without a language model: unsure readings become clarifying options) and each ``--fallback``
backend (default: ``auto`` when an offline model package is installed). Sets: the dev single
questions, the dev dialogues (each turn read after the gold program of the turn before, as the
Conversation does with its own previous program) and the 30 hard paraphrases in
tests/fallback/hard_questions.txt. "asked" counts clarifying questions; "offered" those whose
options held the gold reading. Latency is per question, p50 / p95.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from grammar import DatasetSchema, NaturalLanguageParser, ParseContext, Program  # noqa: E402
from grammar.language import parse_program  # noqa: E402

HARD = ROOT / "tests" / "fallback" / "hard_questions.txt"


@dataclass(frozen=True)
class Item:
    utterance: str
    gold: Program
    previous: Program | None = None
    label: str = ""  # dialogue name, for the misses list


@dataclass
class Score:
    """Results of one parser on one set."""

    total: int = 0
    correct: int = 0
    asked: int = 0
    offered: int = 0
    fallback: int = 0
    times: list[float] = field(default_factory=list)
    lm_times: list[float] = field(default_factory=list)  # questions the language model read
    misses: list[tuple[Item, str]] = field(default_factory=list)
    per_op: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))

    def row(self, setting: str, name: str) -> str:
        ordered = sorted(self.times)
        p50 = statistics.median(ordered) * 1000
        p95 = ordered[int(0.95 * (len(ordered) - 1))] * 1000
        lm = (f"{len(self.lm_times)}: {min(self.lm_times):.1f}–{max(self.lm_times):.1f} s, "
              f"median {statistics.median(self.lm_times):.1f} s" if self.lm_times else "0")
        return (f"| {setting} | {name} | {self.correct}/{self.total} "
                f"({self.correct / self.total:.1%}) | {self.asked} ({self.offered}) | "
                f"{self.fallback} | {lm} | {p50:.1f} | {p95:.1f} |")


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


def measure(parser: object, items: list[Item]) -> Score:
    score = Score()
    for item in items:
        t0 = time.perf_counter()
        result = parser.parse(item.utterance,  # type: ignore[attr-defined]
                              ParseContext(previous=item.previous))
        score.times.append(time.perf_counter() - t0)
        if "lm" in dict(result.timing):
            score.lm_times.append(score.times[-1])
        ok = result.program == item.gold
        score.total += 1
        score.correct += ok
        if result.program is None and result.source == "clarify":
            score.asked += 1
            score.offered += any(prog == item.gold for prog, _ in result.alternatives)
        score.fallback += result.source == "fallback"
        op = operation_of(str(item.gold))
        score.per_op[op]["n"] += 1
        score.per_op[op]["ok"] += ok
        if not ok:
            got = result.text or (f"<asked: {' | '.join(result.options)}>" if result.options
                                  else f"<error: {result.error}>")
            score.misses.append((item, got))
    return score


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shared", default=str(ROOT.parent / "shared"))
    parser.add_argument("--misses", type=int, default=25)
    parser.add_argument("--fallback", nargs="*", default=None,
                        help="language-model backends to measure (default: auto if installed)")
    args = parser.parse_args()
    dev = Path(args.shared) / "dev"
    if not dev.exists():
        print(f"no development set at {dev}; nothing to measure")
        return 0
    frame = pd.read_csv(dev / "clinic.csv")
    schema = DatasetSchema.from_frame(frame, "heart_disease", index_col="patient_id")

    sets: dict[str, list[Item]] = {
        "dev singles": [Item(q, parse_program(g, schema))
                        for q, g in read_parses(dev / "clinic_parses.txt")],
        "dev dialogues": [],
        "hard paraphrases": [Item(q, parse_program(g, schema)) for q, g in read_parses(HARD)],
    }
    for dialogue in yaml.safe_load((dev / "clinic_dialogues.yaml").read_text()):
        previous = None
        for turn in dialogue["turns"]:
            gold = parse_program(turn["parse"], schema)
            sets["dev dialogues"].append(Item(turn["user"], gold, previous, dialogue["name"]))
            previous = gold

    from grammar.fallback import build_parser
    from grammar.fallback.backends import available_packaged_models

    backends = args.fallback
    if backends is None:
        backends = ["auto"] if available_packaged_models() else []
    first = NaturalLanguageParser(schema)
    settings: list[tuple[str, object]] = [("first stage alone", first)]
    for backend in ["off", *backends]:
        start = time.perf_counter()
        built = build_parser(schema, backend, first=first)
        name = "fallback off (asks when unsure)" if backend == "off" else f"fallback {backend}"
        settings.append((name, built))
        print(f"{name}: parser built in {time.perf_counter() - start:.2f} s "
              "(a model loads on the first unsure question)", flush=True)

    results: dict[str, dict[str, Score]] = {}
    for name, built in settings:
        started = time.perf_counter()
        results[name] = {set_name: measure(built, items) for set_name, items in sets.items()}
        print(f"{name}: measured in {time.perf_counter() - started:.1f} s", flush=True)

    print("\n| setting | set | correct | asked (gold offered) | fallback used "
          "| model consulted (time each) | p50 ms | p95 ms |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, scores in results.items():
        for set_name, score in scores.items():
            print(score.row(name, set_name))

    base = results["first stage alone"]
    for name, scores in results.items():
        for set_name, score in scores.items():
            lost = score.correct - base[set_name].correct
            if lost < 0:
                print(f"WARNING: {name} loses {-lost} on {set_name}")

    print("\nper operation (dev singles, first stage):")
    for op, counts in sorted(base["dev singles"].per_op.items(), key=lambda kv: -kv[1]["n"]):
        print(f"  {op:22s} {counts['ok']:3d}/{counts['n']:3d}  {counts['ok'] / counts['n']:.0%}")
    for name, scores in results.items():
        misses = [(s, m) for s, score in scores.items() for m in score.misses]
        print(f"\nmisses, {name} (first {args.misses} of {len(misses)}):")
        for set_name, (item, got) in misses[: args.misses]:
            where = f"[{set_name}{' ' + item.label if item.label else ''}] "
            print(f"  {where}{item.utterance}\n     gold: {item.gold}\n     got:  {got}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
