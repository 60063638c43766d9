"""Parser evaluation harness: exact match, per-operation and per-clause scores, asking, calibration.

Usage:
    python bench/parse_eval.py SET.txt --data CSV --target COL [--index-col COL] [--json OUT]
    python bench/parse_eval.py --dialogues FILE.yaml --data CSV --target COL [--index-col COL]

SET.txt holds blocks separated by a blank line: the question on one line, the gold program on the
next (as in ``../shared/dev``). A dialogue file is a YAML list of ``{name, turns: [{user,
parse}]}``; each turn is read after the gold program of the turn before (as a Conversation
reads it after its own previous program), with a follow-up offered whenever there was a turn
before.

Each question goes through the same code path as ``python -m dialogue parse`` (the parser the
product builds, with its asking threshold), in process, so the timings are per question.

Reported: exact match (answered, and right); the best reading's exact match whether or not it
asks; asked (``clarify``) or declined (empty parse with an error) rate; the accuracy on the
questions answered without asking; how often an asked question offers the right reading; expected calibration error of the reported
confidence (10 equal-width bins, over the answered questions); p50/p95 milliseconds; per
operation (the gold program's operations) and per clause kind (precision/recall over clauses).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


@dataclass(frozen=True)
class Item:
    utterance: str
    gold: str
    previous: str | None = None


@dataclass
class Outcome:
    item: Item
    parse: str
    correct: bool
    asked: bool
    declined: bool
    confidence: float
    seconds: float
    best_correct: bool = False  # the best reading is right (asked or not)
    offered_correct: bool = False  # asked, and the right reading is among the options


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.outcomes)

    def summary(self) -> dict[str, float]:
        n = max(self.total, 1)
        answered = [o for o in self.outcomes if not o.asked and not o.declined]
        times = sorted(o.seconds for o in self.outcomes) or [0.0]
        return {
            "questions": self.total,
            "exact": sum(o.correct for o in self.outcomes) / n,
            "asked_or_declined": sum(o.asked or o.declined for o in self.outcomes) / n,
            "asked": sum(o.asked for o in self.outcomes) / n,
            "answered_accuracy": (sum(o.correct for o in answered) / len(answered)
                                  if answered else 0.0),
            "best_reading": sum(o.best_correct for o in self.outcomes) / n,
            "asked_offers_right": (sum(o.offered_correct for o in self.outcomes)
                                   / max(sum(o.asked for o in self.outcomes), 1)),
            "ece": expected_calibration_error(
                [o.confidence for o in answered], [o.correct for o in answered]),
            "p50_ms": statistics.median(times) * 1000,
            "p95_ms": times[int(0.95 * (len(times) - 1))] * 1000,
        }


def expected_calibration_error(confidences: list[float], correct: list[bool],
                               bins: int = 10) -> float:
    """Mean |accuracy - confidence| over equal-width confidence bins, weighted by bin size."""
    if not confidences:
        return 0.0
    total = 0.0
    for b in range(bins):
        low, high = b / bins, (b + 1) / bins
        members = [i for i, c in enumerate(confidences)
                   if (low <= c < high) or (b == bins - 1 and c == 1.0)]
        if not members:
            continue
        accuracy = sum(correct[i] for i in members) / len(members)
        confidence = sum(confidences[i] for i in members) / len(members)
        total += len(members) * abs(accuracy - confidence)
    return total / len(confidences)


def read_set(path: Path) -> list[Item]:
    blocks = [b.strip().splitlines() for b in path.read_text().split("\n\n") if b.strip()]
    return [Item(b[0].strip(), b[1].strip()) for b in blocks if len(b) >= 2]


def read_dialogues(path: Path) -> list[Item]:
    import yaml

    items: list[Item] = []
    for dialogue in yaml.safe_load(path.read_text()):
        previous = None
        for turn in dialogue["turns"]:
            items.append(Item(turn["user"], turn["parse"], previous))
            previous = turn["parse"]
    return items


OPERATION_WORDS = ("predict", "likelihood", "explain", "important", "interact", "show", "label",
                   "countdata", "data", "statistic", "define", "mistake", "score", "model",
                   "function", "self", "followup", "previousoperation")


def clause_kinds(program: str) -> list[str]:
    """The kinds of a program's clauses: ``filter:numeric``, ``change:bool``, ``op:explain cfe``."""
    words = program.replace("[E]", "").split()
    starts = [i for i, w in enumerate(words)
              if (i == 0 or words[i - 1] in {"and", "or"})
              and (w in {"filter", "change", "previousfilter"} or w in OPERATION_WORDS)]
    kinds = []
    for index, start in enumerate(starts):
        end = (starts[index + 1] - 1) if index + 1 < len(starts) else len(words)
        clause = words[start:end]
        head = clause[0]
        if head == "filter":
            rest = clause[1:]
            if rest[:1] == ["id"]:
                kinds.append("filter:id")
            elif rest[:1] in (["labelfilter"], ["predictionfilter"]):
                kinds.append(f"filter:{rest[0]}")
            elif len(rest) >= 3 and rest[1] in {"greater", "less", "equal", "not"}:
                kinds.append("filter:numeric")
            elif rest[-1:] in (["true"], ["false"]):
                kinds.append("filter:boolean")
            else:
                kinds.append("filter:categorical")
        elif head == "change":
            rest = clause[1:]
            if len(rest) >= 3 and rest[1] in {"increase", "decrease", "set"}:
                kinds.append("change:numeric")
            elif rest[-1:] in (["true"], ["false"]):
                kinds.append("change:boolean")
            else:
                kinds.append("change:categorical")
        elif head in {"explain", "mistake", "score"}:
            kinds.append(f"op:{head} {clause[1] if len(clause) > 1 else ''}".strip())
        elif head == "important":
            argument = clause[1] if len(clause) > 1 else ""
            kinds.append("op:important " + (argument if argument in {"topk", "all"}
                                            else "feature"))
        elif head == "statistic":
            kinds.append("op:statistic " + ("target" if clause[1:] == ["target"] else "feature"))
        else:
            kinds.append(f"{'op:' if head in OPERATION_WORDS else ''}{head}")
    return kinds


def clauses(program: str) -> list[tuple[str, str]]:
    """(kind, clause text) pairs, for per-clause precision and recall."""
    words = program.replace("[E]", "").split()
    kinds = clause_kinds(program)
    texts, current = [], []
    for index, word in enumerate(words):
        if word in {"and", "or"} and index + 1 < len(words) and (
                words[index + 1] in {"filter", "change", "previousfilter"}
                or words[index + 1] in OPERATION_WORDS):
            texts.append(" ".join(current))
            current = []
        else:
            current.append(word)
    if current:
        texts.append(" ".join(current))
    return list(zip(kinds, texts, strict=False))


def evaluate(items: list[Item], data: str, target: str, index_col: str | None,
             parser: str = "product") -> Report:
    from dialogue.__main__ import _build_parse_function, _build_schema, _index_col, parse_line
    from grammar import ParseContext
    from grammar.language import parse_program

    schema = _build_schema(data, target, _index_col(index_col))
    if parser == "rules":  # the old rule-based first stage, as a baseline (never asks)
        from bench.baseline_rules import RuleBaselineParser

        parse = RuleBaselineParser(schema).parse
    else:
        parse = _build_parse_function(schema, None)
    report = Report()
    gold_cache: dict[str, object] = {}

    def program_of(text: str) -> object:
        if text not in gold_cache:
            gold_cache[text] = parse_program(text, schema)
        return gold_cache[text]

    for item in items:
        previous = program_of(item.previous) if item.previous else None
        context = ParseContext(previous=previous, offered_followup=previous is not None)
        started = time.perf_counter()
        line, _ = parse_line(parse, item.utterance, context)
        seconds = time.perf_counter() - started
        record = json.loads(line.to_json())
        asked = bool(record.get("clarify", False)) or (
            not record["parse"] and bool(record.get("options")))
        declined = not record["parse"] and not asked
        correct = bool(record["parse"]) and program_of(record["parse"]) == program_of(item.gold)
        offered = [o["parse"] for o in record.get("options") or []]
        offered_correct = asked and any(program_of(o) == program_of(item.gold) for o in offered)
        best = record["parse"] or (offered[0] if asked and offered else "")
        best_correct = bool(best) and program_of(best) == program_of(item.gold)
        report.outcomes.append(Outcome(item, record["parse"], correct, asked, declined,
                                       float(record.get("confidence") or 0.0), seconds,
                                       best_correct, offered_correct))
    return report


def per_operation(report: Report) -> dict[str, tuple[int, int]]:
    counts: dict[str, list[int]] = {}
    for outcome in report.outcomes:
        for kind in dict.fromkeys(k for k in clause_kinds(outcome.item.gold)
                                  if k.startswith("op:") or k in {"followup"}):
            pair = counts.setdefault(kind, [0, 0])
            pair[0] += outcome.correct
            pair[1] += 1
    return {k: (v[0], v[1]) for k, v in counts.items()}


def per_clause(report: Report) -> dict[str, tuple[float, float, int]]:
    """Per clause kind: precision and recall of predicted clauses against gold clauses."""
    true_pos: Counter[str] = Counter()
    predicted: Counter[str] = Counter()
    gold: Counter[str] = Counter()
    for outcome in report.outcomes:
        gold_clauses = Counter(clauses(outcome.item.gold))
        got_clauses = Counter(clauses(outcome.parse)) if outcome.parse else Counter()
        for (kind, _), n in gold_clauses.items():
            gold[kind] += n
        for (kind, text), n in got_clauses.items():
            predicted[kind] += n
            true_pos[kind] += min(n, gold_clauses.get((kind, text), 0))
    return {kind: (true_pos[kind] / predicted[kind] if predicted[kind] else 0.0,
                   true_pos[kind] / gold[kind], gold[kind]) for kind in gold}


def print_report(name: str, report: Report, misses: int) -> None:
    s = report.summary()
    print(f"\n## {name}\n")
    print("| questions | exact | best reading | asked or declined | answered accuracy | "
          "asked: right one offered | ECE | p50 ms | p95 ms |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    print(f"| {s['questions']} | {s['exact']:.1%} | {s['best_reading']:.1%} | "
          f"{s['asked_or_declined']:.1%} | {s['answered_accuracy']:.1%} | "
          f"{s['asked_offers_right']:.1%} | {s['ece']:.3f} | {s['p50_ms']:.1f} | "
          f"{s['p95_ms']:.1f} |")
    print("\nper operation (exact match of questions whose gold has it):")
    for kind, (ok, n) in sorted(per_operation(report).items(), key=lambda kv: -kv[1][1]):
        print(f"  {kind:26s} {ok:4d}/{n:<4d} {ok / n:6.1%}")
    print("\nper clause kind (precision / recall, gold count):")
    for kind, (precision, recall, n) in sorted(per_clause(report).items(),
                                               key=lambda kv: -kv[1][2]):
        print(f"  {kind:26s} {precision:6.1%} / {recall:6.1%}  ({n})")
    wrong = [o for o in report.outcomes if not o.correct]
    if misses and wrong:
        print(f"\nmisses (first {min(misses, len(wrong))} of {len(wrong)}):")
        for o in wrong[:misses]:
            tag = "asked" if o.asked else "declined" if o.declined else f"{o.confidence:.2f}"
            print(f"  {o.item.utterance}\n     gold: {o.item.gold}\n     got:  {o.parse or '-'}"
                  f"  [{tag}]")


def startup_seconds(data: str, target: str, index_col: str | None, runs: int = 3) -> float:
    """Median wall time from starting ``python -m dialogue parse`` to its first answer."""
    import subprocess

    command = [sys.executable, "-m", "dialogue", "parse", "--data", data, "--target", target]
    if index_col:
        command += ["--index-col", index_col]
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                   text=True, cwd=ROOT)
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write("how many rows are there?\n")
        process.stdin.flush()
        process.stdout.readline()
        times.append(time.perf_counter() - started)
        process.stdin.close()
        process.wait()
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="*", help="question files (question line, gold line)")
    parser.add_argument("--dialogues", action="append", default=[], help="dialogue YAML files")
    parser.add_argument("--data", required=True)
    parser.add_argument("--target", required=True)
    parser.add_argument("--index-col")
    parser.add_argument("--misses", type=int, default=0, help="list this many misses")
    parser.add_argument("--json", help="write the summaries as JSON to this file")
    parser.add_argument("--parser", choices=("product", "rules"), default="product",
                        help="the product's parser (default) or the old rules, as a baseline")
    parser.add_argument("--startup", action="store_true",
                        help="also time `python -m dialogue parse` from start to first answer")
    args = parser.parse_args(argv)
    if not args.sets and not args.dialogues and not args.startup:
        parser.error("give at least one question set or --dialogues file")
    if args.startup:
        print(f"ready (start to first answer, median of 3): "
              f"{startup_seconds(args.data, args.target, args.index_col):.2f} s")
    summaries = {}
    for path in args.sets:
        report = evaluate(read_set(Path(path)), args.data, args.target, args.index_col,
                          args.parser)
        print_report(Path(path).name, report, args.misses)
        summaries[Path(path).name] = report.summary()
    for path in args.dialogues:
        report = evaluate(read_dialogues(Path(path)), args.data, args.target, args.index_col,
                          args.parser)
        print_report(Path(path).name + " (turns)", report, args.misses)
        summaries[Path(path).name] = report.summary()
    if args.json:
        Path(args.json).write_text(json.dumps(summaries, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
