"""Fuzz benchmark: thousands of hostile and odd messages through ``Conversation.ask`` per table.

Run: ``python bench/fuzz.py [--messages 10000] [--seed 0] [--tables demo,clinic] [--no-slow]``.
Messages come from ``tests/fuzzing.py`` (the same builder the CI property test uses, with a seeded
``random.Random`` instead of hypothesis) in conversations of 1-12 turns, so follow-up chains run.
It counts exceptions that escape ``ask()``, replies showing exception text, and changes to the
shared data or the model's predictions (checked after every conversation), and reports answer
times. ``--no-slow`` leaves out the two slowest kinds of question (counterfactuals, interactions).
Exit code 1 if anything was found.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
import traceback
from pathlib import Path

from dialogue.conversation import Conversation
from dialogue.warmup import warm_up

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def run_table(name: str, workspace, messages: int, seed: int, slow: bool) -> dict:
    from tests.fuzzing import RandomPicker, Snapshot, Vocabulary, message, reply_problems

    vocabulary = Vocabulary.of(workspace)
    picker = RandomPicker(seed)
    snapshot = Snapshot.of(workspace)
    escaped: list[str] = []
    leaked: list[str] = []
    changed: list[str] = []
    times: list[float] = []
    sent = ok = conversations = 0
    started = time.perf_counter()
    while sent < messages:
        conversation = Conversation(workspace)
        conversations += 1
        for _ in range(picker.rng.randint(1, 12)):
            if sent >= messages:
                break
            text = message(picker, vocabulary, slow=slow)
            sent += 1
            began = time.perf_counter()
            try:
                reply = conversation.ask(text)
            except Exception:  # noqa: BLE001 - counting exactly these is the point
                escaped.append(f"{text!r}: {traceback.format_exc(limit=3)}")
                continue
            times.append(time.perf_counter() - began)
            ok += bool(reply.ok)
            leaked += [f"{text!r}: {p}" for p in reply_problems(text, reply)]
        changed += snapshot.changes(workspace)
        if changed:
            break
    elapsed = time.perf_counter() - started
    times.sort()
    return {
        "table": name, "messages": sent, "conversations": conversations, "answered": ok,
        "escaped": escaped, "leaked": leaked, "changed": changed, "seconds": elapsed,
        "p50_ms": 1000 * statistics.median(times) if times else 0.0,
        "p95_ms": 1000 * times[int(0.95 * (len(times) - 1))] if times else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000, help="messages per table")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tables", default="demo,clinic")
    parser.add_argument("--no-slow", action="store_true",
                        help="leave out counterfactual and interaction questions")
    args = parser.parse_args(argv)
    logging.disable(logging.CRITICAL)  # the turns' own error log would drown the report
    from dialogue import Workspace
    from tests.fuzzing import clinic_workspace

    builders = {"demo": Workspace.demo, "clinic": clinic_workspace}
    found = False
    print("| table | messages (conversations) | answered ok | exceptions out of ask() | "
          "replies with exception text | data/prediction changes | p50 ms | p95 ms | time |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for number, name in enumerate(args.tables.split(",")):
        workspace = builders[name.strip()]()
        warm_up(workspace)
        result = run_table(name, workspace, args.messages, args.seed + number, not args.no_slow)
        print(f"| {name} | {result['messages']:,} ({result['conversations']:,}) | "
              f"{result['answered']:,} | {len(result['escaped'])} | {len(result['leaked'])} | "
              f"{len(result['changed'])} | {result['p50_ms']:.0f} | {result['p95_ms']:.0f} | "
              f"{result['seconds']:.0f} s |", flush=True)
        for kind in ("escaped", "leaked", "changed"):
            for line in result[kind][:5]:
                found = True
                print(f"  {kind}: {line}", file=sys.stderr)
            found = found or bool(result[kind])
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
