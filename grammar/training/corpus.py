"""The training corpus: seeded, generated questions with their programs and decisions.

``generate(seed, size, domains)`` draws tables from the domains, samples programs, words them
(single questions and turns that refer to a previous one), adds noise, and keeps each example
whose program its mentions can say (``grammar.parse.derive.derive``). Everything is
determined by the seed.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

from grammar import program as p
from grammar.parse.decisions import Decisions, operation_name
from grammar.parse.derive import derive
from grammar.parse.mentions import MentionFinder, Mentions
from grammar.schema import DatasetSchema
from grammar.training import phrasing as ph
from grammar.training.domain_bank import DOMAINS
from grammar.training.domains import CategoricalSpec, DomainSpec
from grammar.training.noise import add_noise
from grammar.training.programs import GROUP_OPERATIONS, ProgramSampler, weighted
from grammar.training.render import (
    SPLIT_CLOSE,
    SPLIT_OPEN,
    Renderer,
    RenderError,
    Selection,
    strip_marks,
)
from grammar.training.tables import Table, make_table
from grammar.training.templates import expand


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


TURN_KINDS = {"single": 56, "pronoun": 12, "previousoperation": 8, "followup": 3,
              "correction": 4, "carry": 2, "fresh": 10, "unreferenced": 9, "courtesy": 1,
              "missing": 3, "nonsense": 1, "short": 3, "unsupported": 1, "widen": 2}
MISSING_OPEN, MISSING_CLOSE = "\u27ea", "\u27eb"  # around words naming what the table lacks


def generate(seed: int, size: int, domains: Sequence[DomainSpec],
             per_table: int = 24, stats: CorpusStats | None = None) -> list[Example]:
    """``size`` examples from tables of ``domains`` (about ``per_table`` from each table)."""
    return list(iterate(seed, size, domains, per_table, stats))


CHUNK = 4000  # a corpus is made of chunks with their own seeds, so workers can share the work


def generate_chunked(seed: int, size: int, domains: Sequence[DomainSpec], workers: int = 1,
                     stats: CorpusStats | None = None) -> list[Example]:
    """``size`` examples in chunks seeded from ``seed`` (the same corpus for any ``workers``)."""
    jobs = [(seed * 100_003 + index, min(CHUNK, size - start), tuple(domains))
            for index, start in enumerate(range(0, size, CHUNK))]
    if workers > 1 and len(jobs) > 1:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(min(workers, len(jobs))) as pool:
            results = pool.starmap(_chunk, jobs)
    else:
        results = [_chunk(*job) for job in jobs]
    examples: list[Example] = []
    for chunk_examples, chunk_stats in results:
        examples.extend(chunk_examples)
        if stats is not None:
            stats.attempted.update(chunk_stats.attempted)
            stats.kept.update(chunk_stats.kept)
    return examples


def _chunk(seed: int, size: int, domains: Sequence[DomainSpec]) -> tuple[list[Example],
                                                                         CorpusStats]:
    stats = CorpusStats()
    return generate(seed, size, domains, stats=stats), stats


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
    if kind == "courtesy":
        return rng.choice(ph.COURTESY_TURNS), COURTESY, None, Context(rng.random() < 0.7)
    if kind == "missing":
        return _missing(table, sampler, renderer, rng)
    if kind == "unsupported":
        return _unsupported(table, renderer, rng)
    if kind == "nonsense":
        return rng.choice(ph.NONSENSE), NONSENSE, None, Context(rng.random() < 0.5)
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
        if rng.random() < 0.25:  # "yes please" read on its own still accepts an offer
            return renderer.followup_turn(), program, None, Context()
        return renderer.followup_turn(), program, previous, Context(True, context.previous_changes,
                                                                    True)
    if kind in {"fresh", "unreferenced"}:
        program = sampler.sample()
        if kind == "unreferenced":  # "them" with nothing before: still previousfilter
            program = _with_previous_filter(sampler, rng)
            short = _short_followup(program, rng)
            return (short or renderer.question(program).text), program, None, Context()
        return renderer.question(program, previous).text, program, previous, context
    if kind == "short":  # "and the f1?" about the rows the previous turn chose

        name = rng.choice(list(ph.SHORT_OPERATION_FOLLOWUPS))
        operation = sampler.operation(name, set())
        if operation is None or not prev_filters or getattr(operation, "metric", "") == (
                "default") or (name == "likelihood" and not isinstance(operation, p.Likelihood)):
            return None
        metric = getattr(operation, "metric", "accuracy")
        words = ph.METRIC_WORDS.get(metric, (metric,))
        text = expand(rng.choice(ph.SHORT_OPERATION_FOLLOWUPS[name]), rng,
                      {"metric": rng.choice(words)})
        return text, p.Program.of(p.PreviousFilter(), operation), previous, context
    if kind == "pronoun":
        program = _with_previous_filter(sampler, rng)
        short = _short_followup(program, rng)
        if short is not None:
            return short, program, previous, context
        return renderer.question(program, previous).text, program, previous, context
    if kind == "previousoperation":
        if any(isinstance(o, (p.PreviousOperation, p.FollowUp)) for o in prev_ops):
            return None
        new = sampler.sample()
        filters = [c for c in new.clauses if p.is_filter(c)]
        joins = [j for c, j in zip(new.clauses[1:], new.joins, strict=True) if p.is_filter(c)]
        if rng.random() < 0.06:
            filters, joins = [], []
        if any(isinstance(o, (p.Score, p.Mistake)) for o in prev_ops) and rng.random() < 0.2:
            filters, joins = [p.SplitFilter(rng.choice(list(p.SPLIT_KINDS)))], []
            clauses = [p.PreviousFilter(), *filters, p.PreviousOperation()]
            program = p.Program.of(*clauses)

            phrase = expand(rng.choice(ph.SPLIT_WORDS[filters[0].kind]), rng,
                            {"rows": table.row_plural})
            turn = rng.choice(("and <s>?", "what about <s>?", "same <s>", "now <s>",
                               "and how about <s>?", "<s>?"))
            return (turn.replace("<s>", SPLIT_OPEN + phrase + SPLIT_CLOSE), program, previous,
                    context)
        if not filters and not prev_filters:
            return None
        clauses = [*filters, p.PreviousOperation()]
        program = p.Program(tuple(clauses), (*joins, "and") if filters else ())  # type: ignore[arg-type]
        if filters and rng.random() < 0.15:  # "same for women" said first still refers back
            return renderer.previous_operation_turn(filters, joins), program, None, Context()
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
    if kind == "widen":
        return _widen(previous, sampler, renderer, rng, context)
    if kind == "carry":
        if not previous.changes:
            return None
        new_op = sampler.operation(rng.choice(["predict", "likelihood", "explain features"]),
                                   set())
        if new_op is None or new_op in prev_ops:
            return None
        clauses = [p.PreviousFilter(), *previous.changes, new_op]
        program = p.Program.of(*clauses)

        sel = Selection("them", "", "they", True, "previous")
        question = renderer.operation_text(new_op, sel, forms=("q",)).rstrip("?")
        return (expand(rng.choice(ph.CARRY_TURNS), rng, {"q": question}), program, previous,
                context)
    return None


COURTESY = p.Program.of(p.Function())  # stands for "no program"; the decisions say courtesy
NONSENSE = p.Program.of(p.SelfInfo())  # likewise; the decisions say nonsense


def _missing(table: Table, sampler: ProgramSampler, renderer: Renderer,
             rng: random.Random) -> tuple[str, p.Program, None, Context] | None:
    """A question with a condition on something the table does not have: a feature of another
    domain, or a value no column holds. Its words are marked; the answer must name them."""
    program = sampler.sample()
    others = [d for d in DOMAINS if d.name != table.domain.name]
    spec = rng.choice(rng.choice(others).features)
    known = {w for f in table.schema.features for a in f.aliases for w in a.split()}
    known |= {w for f in table.schema.features for v in f.values for w in v.lower().split("-")}
    roll = rng.random()
    if roll < 0.3:  # asked about directly: "average glucose", "what does blood sugar mean?"
        name = rng.choice(spec.names).replace("_", " ").lower()
        words = [w for w in name.split() if not w.isdigit()]
        if not words or any(w in known for w in words):
            return None
        text = expand(rng.choice(ph.MISSING_QUESTION), rng, {
            "f": MISSING_OPEN + " ".join(words) + MISSING_CLOSE, "rows": table.row_plural,
            "n": str(rng.choice([2, 3, 5, 10]))})
        return text, NO_OPERATION, None, Context()
    if roll < 0.4:  # a group word no column holds: "women" on a table without sex
        word = rng.choice(("women", "men", "females", "males", "ladies", "seniors",
                           "children", "teenagers", "veterans", "students", "retirees"))
        if word in known or any(word.rstrip("s") in w for w in known):
            return None
        phrase = MISSING_OPEN + word + MISSING_CLOSE
        rendered = renderer.question(program).text
        return rendered.rstrip("?.! ") + f" for {phrase}?", program, None, Context()
    if isinstance(spec, CategoricalSpec) and rng.random() < 0.6:
        value = rng.choice(spec.values)
        if any(w in known for w in value.split()):
            return None
        phrase = expand(rng.choice(ph.MISSING_VALUE), rng,
                        {"v": MISSING_OPEN + value + MISSING_CLOSE})
    else:
        name = rng.choice(spec.names).replace("_", " ").lower()
        words = [w for w in name.split() if not w.isdigit()]
        if not words or any(w in known for w in words):
            return None
        phrase = expand(rng.choice(ph.MISSING_CONDITION), rng, {
            "f": MISSING_OPEN + " ".join(words) + MISSING_CLOSE,
            "n": str(rng.choice([2, 5, 10, 30, 50, 100, 250]))})
    rendered = renderer.question(program).text
    rows = table.row_plural
    if rows in rendered and rng.random() < 0.7:
        text = rendered.replace(rows, f"{rows} {phrase}", 1)
    else:
        text = rendered.rstrip("?.! ") + f" for {rows} {phrase}"
    return text, program, None, Context()


UNSUPPORTED = p.Program.of(p.Function())  # stands for "no program"; the tags say why
NO_OPERATION = p.Program.of(p.ModelInfo())  # a question whose operation is not trained on


def _unsupported(table: Table, renderer: Renderer,
                 rng: random.Random) -> tuple[str, p.Program, None, Context] | None:
    """Rows chosen by a regression's predicted values: no filter can say that."""
    if table.schema.task != "regression":
        return None
    target = table.target.replace("_", " ").lower()
    number = MISSING_OPEN + str(rng.choice([10, 50, 100, 150, 200, 1000])) + MISSING_CLOSE
    return (expand(rng.choice(ph.UNSUPPORTED_QUESTIONS), rng,
                   {"rows": table.row_plural, "n": number, "target": target,
                    "model": renderer.model()}), UNSUPPORTED, None, Context())


def _short_followup(program: p.Program, rng: random.Random) -> str | None:
    """"why is that?" for ``previousfilter and explain features`` (some of the time)."""
    if len(program.clauses) != 2 or rng.random() > 0.3:
        return None
    name = operation_name(program.clauses[1])
    options = ph.SHORT_FOLLOWUPS.get(name or "")
    return rng.choice(options) if options else None


def _widen(previous: p.Program, sampler: ProgramSampler, renderer: Renderer,
           rng: random.Random, context: Context
           ) -> tuple[str, p.Program, p.Program, Context] | None:
    """The previous turn's rows with more added ("including smokers too, ...":
    ``previousfilter or filter``) or some taken out ("leaving out the smokers": the
    boolean filter negated)."""
    if not any(p.is_filter(c) for c in previous.clauses):
        return None
    operation = sampler.operation(weighted(rng, GROUP_OPERATIONS), set())
    if operation is None:
        return None
    sel = Selection("them", rng.choice(("for them", "", "for those")), "they", True, "previous")
    question = renderer.operation_text(operation, sel, forms=("q",)).rstrip("?.! ")
    if sampler.boolean and rng.random() < 0.35:  # "leaving out the smokers"
        said = sampler.bool_filter()
        phrase = renderer.group([said], [])
        kept = p.BoolFilter(said.feature, not said.value)
        text = expand(rng.choice(ph.EXCLUDE_TURNS), rng, {"g": phrase, "q": question})
        return text, p.Program((p.PreviousFilter(), kept, operation), ("and", "and")), \
            previous, context
    added = sampler.group_filters(1)
    if not added or added[0] in previous.clauses:
        return None
    text = expand(rng.choice(ph.WIDEN_TURNS), rng,
                  {"g": renderer.group(added, []), "q": question})
    return text, p.Program((p.PreviousFilter(), added[0], operation), ("or", "and")), \
        previous, context


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
    noisy = add_noise(text, rng) if kind not in {"missing", "unsupported"} else text
    if kind not in {"courtesy", "nonsense", "followup"} and rng.random() < 0.04:
        distraction = rng.choice(ph.DISTRACTIONS)
        noisy = (f"{noisy} {distraction}" if rng.random() < 0.6
                 else f"{distraction} {noisy}")
    missing = re.findall(f"{MISSING_OPEN}(.*?){MISSING_CLOSE}", noisy)
    noisy = noisy.replace(MISSING_OPEN, "").replace(MISSING_CLOSE, "")
    clean, phrases = strip_marks(noisy)
    clean, split_phrases = strip_marks(clean, SPLIT_OPEN, SPLIT_CLOSE)
    mentions = finder.find(clean)
    if kind == "unsupported":  # the marked number says what no filter can
        n = len(mentions.tokens)
        spans = _phrase_spans(mentions, missing, finder)
        if not spans:
            return None
        tags = ["O"] * n
        for start, end in spans:
            for t in range(start, end):
                tags[t] = "UNSUPPORTED"
        decisions = Decisions(("countdata",), tuple(tags), (-1,) * n, ("and",) * n, (0,) * n)
        return Example(clean, str(program), None, context, mentions, decisions,
                       table.domain.name, table_index, kind, table.schema)
    if kind in {"courtesy", "nonsense"}:
        n = len(mentions.tokens)
        decisions = Decisions((kind,), ("O",) * n, (-1,) * n, ("and",) * n, (0,) * n)
        return Example(clean, str(program), None, context, mentions, decisions,
                       table.domain.name, table_index, kind, table.schema)
    if program is NO_OPERATION:  # only the missing words are trained on, not its operation
        n = len(mentions.tokens)
        decisions: Decisions | None = Decisions((), ("O",) * n, (-1,) * n, ("and",) * n,
                                                (0,) * n)
    else:
        spans = _phrase_spans(mentions, phrases, finder)
        decisions = derive(program, mentions, table.schema, previous, spans,
                           _phrase_spans(mentions, split_phrases, finder))
    if decisions is None:
        return None
    if missing:
        tags = list(decisions.tags)
        found = _phrase_spans(mentions, missing, finder)
        if not found:
            return None
        for start, end in found:
            for t in range(start, end):
                if mentions.at(t) is not None:
                    return None  # the "missing" words name something after all
                tags[t] = "MISSING"
        decisions = replace(decisions, tags=tuple(tags))
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
