"""Accuracy on questions written for the tests, over three tables, in crowd-worker style.

generalisation_set.yaml guided the rule changes (129/165 before them). Each holdout file was
written after the previous round of changes and scored before the next (holdout: 49/56,
holdout2: 34/42, holdout3: 31/37, holdout4: 45/60, holdout5: 50/60, holdout6: 55/60), then used
for general fixes of the old rules (479/480 then). The learned parser never trains on these
sentences; its bar is its measured rate on all seven minus a small margin, so a change that
loses ground fails here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
import yaml

from grammar import NaturalLanguageParser, ParseContext
from grammar.language import parse_program
from tests.grammar.tables import SCHEMAS

SETS = (Path(__file__).with_name("generalisation_set.yaml"),
        Path(__file__).with_name("generalisation_holdout.yaml"),
        Path(__file__).with_name("generalisation_holdout2.yaml"),
        Path(__file__).with_name("generalisation_holdout3.yaml"),
        Path(__file__).with_name("generalisation_holdout4.yaml"),
        Path(__file__).with_name("generalisation_holdout5.yaml"),
        Path(__file__).with_name("generalisation_holdout6.yaml"))
BAR = 0.82  # the learned parser: measured 85.8% of 480 (the rules scored 479/480 after tuning on these)


@dataclass(frozen=True)
class Item:
    table: str
    question: str
    gold: str
    previous: str | None = None


def items() -> list[Item]:
    raw = [row for path in SETS for row in yaml.safe_load(path.read_text())]
    return [Item(r["table"], r["q"], r["parse"], r.get("previous")) for r in raw]


@cache
def parser(table: str) -> NaturalLanguageParser:
    return NaturalLanguageParser(SCHEMAS[table]())


def outcome(item: Item) -> tuple[str, str]:
    """(gold, parsed) as canonical program text."""
    nl = parser(item.table)
    gold = str(parse_program(item.gold, nl.schema))
    previous = parse_program(item.previous, nl.schema) if item.previous else None
    result = nl.parse(item.question, ParseContext(previous=previous))
    return gold, result.text or f"<error: {result.error}>"


def test_the_set_is_large_and_covers_three_tables():
    loaded = items()
    assert len(loaded) >= 300
    assert {item.table for item in loaded} == set(SCHEMAS)
    assert sum(item.previous is not None for item in loaded) >= 10


@pytest.mark.parametrize("table", sorted(SCHEMAS))
def test_every_gold_program_is_valid_for_its_table(table):
    nl = parser(table)
    for item in items():
        if item.table == table:
            assert parse_program(item.gold, nl.schema) is not None, item.question


def test_accuracy_on_unseen_wording_meets_the_bar():
    results = [(item, *outcome(item)) for item in items()]
    misses = [(item.question, gold, got) for item, gold, got in results if gold != got]
    rate = 1 - len(misses) / len(results)
    report = "\n".join(f"{q}\n  gold: {g}\n  got:  {o}" for q, g, o in misses)
    assert rate >= BAR, f"{rate:.1%} exact match; misses:\n{report}"


if __name__ == "__main__":  # python -m tests.grammar.test_generalisation: print the misses
    loaded = items()
    wrong = 0
    for item in loaded:
        gold, got = outcome(item)
        if gold != got:
            wrong += 1
            print(f"[{item.table}] {item.question}\n  gold: {gold}\n  got:  {got}")
    print(f"{len(loaded) - wrong}/{len(loaded)} = {1 - wrong / len(loaded):.1%}")
