"""The training corpus: seeded, generated questions with their programs and decisions.

``generate(seed, size, domains)`` draws tables from the domains, samples programs, words them
(single questions and turns that refer to a previous one), adds noise, and keeps each example
whose program its mentions can say (``grammar.parse.decisions.derive``). Everything is
determined by the seed.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from grammar import program as p
from grammar.parse.decisions import Decisions, derive
from grammar.parse.mentions import MentionFinder, Mentions
from grammar.schema import DatasetSchema
from grammar.training.domains import DomainSpec
from grammar.training.noise import add_noise
from grammar.training.programs import ProgramSampler
from grammar.training.render import Renderer, RenderError, strip_marks
from grammar.training.tables import Table, make_table


@dataclass(frozen=True)
class Context:
    """What the parser knows about the conversation when it reads a question."""

    has_previous: bool = False
    previous_changes: bool = False
    offered: bool = False


@dataclass(frozen=True)
class Example:
    """One labelled question."""

    text: str
    program: str
    previous: str | None
    context: Context
    mentions: Mentions
    decisions: Decisions
    domain: str
    table: int  # index of the table in its corpus run
    kind: str  # "single", "pronoun", "previousoperation", "followup", "correction", ...
    schema: DatasetSchema = field(compare=False, repr=False, default=None)  # type: ignore[assignment]


@dataclass
class CorpusStats:
    attempted: Counter = field(default_factory=Counter)
    kept: Counter = field(default_factory=Counter)

    def report(self) -> str:
        lines = []
        for kind, n in sorted(self.attempted.items()):
            lines.append(f"{kind:18s} kept {self.kept[kind]:6d} of {n:6d} "
                         f"({self.kept[kind] / max(n, 1):.0%})")
        return "\n".join(lines)


TURN_KINDS = {"single": 66, "pronoun": 12, "previousoperation": 8, "followup": 3,
              "correction": 4, "carry": 2, "fresh": 3, "unreferenced": 2}


def generate(seed: int, size: int, domains: Sequence[DomainSpec],
             per_table: int = 24, stats: CorpusStats | None = None) -> list[Example]:
    """``size`` examples from tables of ``domains`` (about ``per_table`` from each table)."""
    return list(iterate(seed, size, domains, per_table, stats))


def iterate(seed: int, size: int, domains: Sequence[DomainSpec], per_table: int = 24,
            stats: CorpusStats | None = None) -> Iterator[Example]:
    rng = random.Random(seed)
    stats = stats if stats is not None else CorpusStats()
    produced = 0
    table_index = 0
    while produced < size:
        domain = rng.choice(list(domains))
        table = make_table(domain, rng)
        finder = MentionFinder(table.schema)
        sampler = ProgramSampler(table, rng)
        renderer = Renderer(table, rng)
        for _ in range(per_table):
            if produced >= size:
                break
            kind = rng.choices(list(TURN_KINDS), list(TURN_KINDS.values()))[0]
            stats.attempted[kind] += 1
            try:
                built = _build(kind, table, sampler, renderer, rng)
            except RenderError:
                continue
            if built is None:
                continue
            text, program, previous, context = built
            example = _label(text, program, previous, context, finder, table, rng, kind,
                             table_index)
            if example is None:
                continue
            stats.kept[kind] += 1
            produced += 1
            yield example
        table_index += 1


def _build(kind: str, table: Table, sampler: ProgramSampler, renderer: Renderer,
           rng: random.Random) -> tuple[str, p.Program, p.Program | None, Context] | None:
    if kind == "single":
        program = sampler.sample()
        return renderer.question(program).text, program, None, Context()
    previous = sampler.sample()
    for _ in range(8):  # a what-if to carry over, a filter to correct
        if (kind != "carry" or previous.changes) and (kind != "correction" or previous.filters):
            break
        previous = sampler.sample()
    context = Context(True, bool(previous.changes), rng.random() < 0.6)
    prev_filters = [c for c in previous.clauses if p.is_filter(c)]
    prev_ops = [c for c in previous.clauses if p.is_operation(c)]
    if kind == "followup":
        program = p.Program.of(p.FollowUp())
        return renderer.followup_turn(), program, previous, Context(True, context.previous_changes,
                                                                    True)
    if kind in {"fresh", "unreferenced"}:
        program = sampler.sample()
        if kind == "unreferenced":  # "them" with nothing before: still previousfilter
            program = _with_previous_filter(sampler, rng)
            return renderer.question(program).text, program, None, Context()
        return renderer.question(program, previous).text, program, previous, context
    if kind == "pronoun":
        program = _with_previous_filter(sampler, rng)
        return renderer.question(program, previous).text, program, previous, context
    if kind == "previousoperation":
        if any(isinstance(o, (p.PreviousOperation, p.FollowUp)) for o in prev_ops):
            return None
        new = sampler.sample()
        filters = [c for c in new.clauses if p.is_filter(c)]
        joins = [j for c, j in zip(new.clauses[1:], new.joins, strict=True) if p.is_filter(c)]
        if rng.random() < 0.06:
            filters, joins = [], []
        if not filters and not prev_filters:
            return None
        clauses = [*filters, p.PreviousOperation()]
        program = p.Program(tuple(clauses), (*joins, "and") if filters else ())  # type: ignore[arg-type]
        return renderer.previous_operation_turn(filters, joins), program, previous, context
    if kind == "correction":
        if not prev_filters or any(isinstance(c, p.PreviousFilter) for c in prev_filters):
            return None
        target = rng.choice(prev_filters)
        replacement = _replacement(target, sampler)
        if replacement is None or replacement == target:
            return None
        clauses = [replacement if c == target else c for c in previous.clauses]
        program = p.Program(tuple(clauses), previous.joins)
        text = renderer.correction_turn([replacement], ["and"])
        return text, program, previous, context
    if kind == "carry":
        if not previous.changes:
            return None
        new_op = sampler.operation(rng.choice(["predict", "likelihood", "explain features"]),
                                   set())
        if new_op is None or new_op in prev_ops:
            return None
        clauses = [p.PreviousFilter(), *previous.changes, new_op]
        program = p.Program.of(*clauses)
        from grammar.training import phrasing as ph
        from grammar.training.render import Selection
        from grammar.training.templates import expand

        sel = Selection("them", "", "they", True, "previous")
        question = renderer.operation_text(new_op, sel, forms=("q",)).rstrip("?")
        return (expand(rng.choice(ph.CARRY_TURNS), rng, {"q": question}), program, previous,
                context)
    return None


def _with_previous_filter(sampler: ProgramSampler, rng: random.Random) -> p.Program:
    """A program on the previous selection (``previousfilter``), maybe narrowed further."""
    base = sampler.sample()
    clauses = [c for c in base.clauses if not isinstance(c, p.IdFilter)]
    filters = [c for c in clauses if p.is_filter(c)]
    if filters and rng.random() < 0.6:
        clauses = [c for c in clauses if not p.is_filter(c)]
        filters = []
    rest = [c for c in clauses if not p.is_filter(c)]
    if not rest:
        rest = [p.Predict()]
    keep = filters[:1]
    return p.Program.of(p.PreviousFilter(), *keep, *rest)


def _replacement(target: p.Clause, sampler: ProgramSampler) -> p.Clause | None:
    match target:
        case p.IdFilter():
            return sampler.row_id()
        case p.NumericFilter(feature, comparison, _):
            clause = sampler.numeric_filter(sampler.table.feature(feature))
            return p.NumericFilter(feature, comparison, clause.value)
        case p.BoolFilter(feature, value):
            return p.BoolFilter(feature, not value)
        case p.CategoryFilter(feature, value):
            values = [v for v in sampler.table.schema.feature(feature).values if v != value]
            return p.CategoryFilter(feature, sampler.rng.choice(values)) if values else None
    return None


def _label(text: str, program: p.Program, previous: p.Program | None, context: Context,
           finder: MentionFinder, table: Table, rng: random.Random, kind: str,
           table_index: int) -> Example | None:
    noisy = add_noise(text, rng)
    clean, phrases = strip_marks(noisy)
    mentions = finder.find(clean)
    spans = _phrase_spans(mentions, phrases, finder)
    decisions = derive(program, mentions, table.schema, previous, spans)
    if decisions is None:
        return None
    return Example(clean, str(program), str(previous) if previous else None, context, mentions,
                   decisions, table.domain.name, table_index, kind, table.schema)


def _phrase_spans(mentions: Mentions, phrases: list[str],
                  finder: MentionFinder) -> list[tuple[int, int]]:
    """Where each class phrase's words are among the question's tokens."""
    spans: list[tuple[int, int]] = []
    tokens = mentions.tokens
    for phrase in phrases:
        words = finder.tokens(phrase)
        if not words:
            continue
        for start in range(len(tokens) - len(words) + 1):
            if tuple(tokens[start:start + len(words)]) == tuple(words) and not any(
                    s < start + len(words) and start < e for s, e in spans):
                spans.append((start, start + len(words)))
                break
    return spans
