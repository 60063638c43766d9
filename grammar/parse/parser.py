"""The learned parser: question -> mentions -> model decisions -> validated programs.

``LearnedParser(schema).readings(text, context)`` returns the likeliest distinct programs with
their probabilities; ``parse`` returns the best one as a ``ParseResult`` whose confidence is
calibrated (on held-out generated data) and which asks, offering the best readings, when the
parser is unsure.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass

import numpy as np

from grammar import program as p
from grammar.errors import ProgramError
from grammar.language import parse_program
from grammar.parse.assemble import assemble
from grammar.parse.context import last_operation, previous_numeric_feature
from grammar.parse.decisions import (
    COMPARISON_TAGS,
    LINKED_TAGS,
    OPERATION_INDEX,
    TAGS,
    AssemblyError,
    Decisions,
)
from grammar.parse.encoding import (
    SPECIAL_LINKS,
    Encoded,
    context_kind,
    decisions_from_words,
    encode,
)
from grammar.parse.mentions import MentionFinder, Mentions
from grammar.parse.model import MODEL_DIR, DecisionModel, Outputs
from grammar.parse.result import ParseContext, ParseResult
from grammar.schema import DatasetSchema

MAX_READINGS = 3


@dataclass(frozen=True)
class Reading:
    """One way to read a question: its program and the model's probability for it."""

    program: p.Program
    probability: float


@dataclass(frozen=True)
class Analysis:
    """Everything the parser worked out for one question (for tests and the harness)."""

    mentions: Mentions
    encoded: Encoded
    outputs: Outputs
    readings: tuple[Reading, ...]
    unknown_feature: str | None = None


@functools.lru_cache(maxsize=1)
def default_model() -> DecisionModel:
    return DecisionModel.load(MODEL_DIR)


class LearnedParser:
    """Reads questions about one dataset (thread-safe; no per-call state)."""

    source = "learned"

    def __init__(self, schema: DatasetSchema, model: DecisionModel | None = None) -> None:
        self.schema = schema
        self.finder = MentionFinder(schema)
        self.model = model or default_model()

    # ------------------------------------------------------------------ reading
    def analyse(self, utterance: str, previous: p.Program | None = None,
                offered: bool = False) -> Analysis:
        mentions = self.finder.find(utterance)
        context = context_kind(previous is not None, bool(previous and previous.changes),
                               offered)
        encoded = encode(mentions, self.schema.class_labels, context,
                         previous_numeric_feature(previous) is not None,
                         last_operation(previous))
        outputs = _trusted_missing(self.model.predict(encoded))
        readings, unknown = self._readings(mentions, encoded, outputs, previous)
        return Analysis(mentions, encoded, outputs, readings, unknown)

    def _readings(self, mentions: Mentions, encoded: Encoded, outputs: Outputs,
                  previous: p.Program | None) -> tuple[tuple[Reading, ...], str | None]:
        candidates = list(self._candidates(encoded, outputs))
        # A reading's probability is the sum over the decisions that give its program: two
        # ways of tagging a question that make the same program are one reading, and so are
        # "previousfilter and model" and "model" (the rows do not matter to a row-free one), and
        # "previousfilter and X" and "X" after a turn about every row.
        # A join is not part of the joint probability (a word's join only matters where a
        # filter starts), so a join variant adds a reading but never adds to one.
        seen: dict[p.Program, float] = {}
        unknown: str | None = None
        for decisions, probability, join_variant in sorted(candidates, key=lambda c: -c[1]):
            decided = decisions_from_words(encoded, mentions, *decisions)
            try:
                program = assemble(decided, mentions, self.schema, previous)
                program = parse_program(str(program), self.schema)  # the dataset grammar
            except (AssemblyError, ProgramError) as exc:
                if unknown is None and not seen and "no feature" in str(exc):
                    unknown = self._unknown_words(mentions, decided)
                continue
            program = as_read(program, previous)
            if join_variant and program in seen:
                continue
            seen[program] = min(1.0, seen.get(program, 0.0) + probability)
        readings = tuple(Reading(prog, prob) for prog, prob in
                         sorted(seen.items(), key=lambda item: -item[1])[:MAX_READINGS])
        return readings, unknown

    def _candidates(self, enc: Encoded, out: Outputs):
        """The best decisions and single-decision variants, with joint probabilities."""
        n = len(enc.words)
        tags = out.tags.argmax(-1)
        links = out.links.argmax(-1)
        joins = out.joins.argmax(-1)
        segments = out.segments.argmax(-1)
        flags = out.flags.argmax(-1)

        def score(ops_p: float, tags_, links_, joins_, segments_, flags_) -> float:
            logp = math.log(max(ops_p, 1e-12))
            for w in range(n):
                logp += math.log(max(float(out.tags[w, tags_[w]]), 1e-12))
                tag = TAGS[tags_[w]]
                if tag in LINKED_TAGS:
                    logp += math.log(max(float(out.links[w, links_[w]]), 1e-12))
            for f in range(3):
                logp += math.log(max(float(out.flags[f, flags_[f]]), 1e-12))
            return math.exp(logp)

        def pack(ops, tags_, links_, joins_, segments_, flags_):
            return (list(ops), [TAGS[t] for t in tags_], [int(x) for x in links_],
                    [int(x) for x in joins_], [int(x) for x in segments_],
                    tuple(bool(f) for f in flags_))

        best_ops, best_ops_p = out.operations[0]
        yield pack(best_ops, tags, links, joins, segments, flags), score(
            best_ops_p, tags, links, joins, segments, flags), False
        for ops, ops_p in out.operations[1:]:
            yield pack(ops, tags, links, joins, segments, flags), score(
                ops_p, tags, links, joins, segments, flags), False
        for w in range(n):
            order = np.argsort(-out.tags[w])
            second = order[1]
            if out.tags[w, second] > 0.02:
                alt = tags.copy()
                alt[w] = second
                yield pack(best_ops, alt, links, joins, segments, flags), score(
                    best_ops_p, alt, links, joins, segments, flags), False
            if TAGS[tags[w]] in LINKED_TAGS:
                order = np.argsort(-out.links[w])
                if out.links[w, order[1]] > 0.02:
                    alt = links.copy()
                    alt[w] = order[1]
                    yield pack(best_ops, tags, alt, joins, segments, flags), score(
                        best_ops_p, tags, alt, joins, segments, flags), False
            if out.joins[w].max() < 0.98:
                alt = joins.copy()
                alt[w] = 1 - alt[w]
                yield pack(best_ops, tags, links, alt, segments, flags), score(
                    best_ops_p, tags, links, joins, segments, flags) * float(
                    out.joins[w, alt[w]] / max(out.joins[w, joins[w]], 1e-12)), True
        for f in range(3):
            if out.flags[f].max() < 0.98:
                alt = flags.copy()
                alt[f] = 1 - alt[f]
                yield pack(best_ops, tags, links, joins, segments, alt), score(
                    best_ops_p, tags, links, joins, segments, alt), False

    def _unknown_words(self, mentions: Mentions, decided: Decisions) -> str | None:
        """The words before a threshold the model found no feature for ("glucose over 100")."""
        for index, tag in enumerate(decided.tags):
            if tag in COMPARISON_TAGS and decided.links[index] == SPECIAL_LINKS[0]:
                words = []
                for t in range(index - 1, max(index - 5, -1), -1):
                    token = mentions.tokens[t]
                    if mentions.at(t) is not None or not token.isalpha():
                        break
                    words.insert(0, token)
                content = [w for w in words if w not in _FILLERS]
                if content:
                    return " ".join(content[-2:])
        return None

    # ------------------------------------------------------------------ ParseResult
    def confidence(self, probability: float) -> float:
        return self.model.confidence(probability)

    def parse(self, utterance: str, context: ParseContext | None = None) -> ParseResult:
        context = context or ParseContext()
        if not isinstance(utterance, str) or not utterance.strip():
            return ParseResult(None, 0.0, self.source, "The message is empty: ask me a "
                               "question about the data or the model.")
        analysis = self.analyse(utterance, context.previous, context.offered_followup)
        return self.result_of(analysis)

    def result_of(self, analysis: Analysis) -> ParseResult:
        """The ``ParseResult`` for an analysed question."""
        outputs = analysis.outputs
        best = outputs.operations[0][0] if outputs.operations else ()
        if best == ("courtesy",):
            return ParseResult(None, 0.0, self.source, "You're welcome!", courtesy=True)
        # a word the table lacks, trusted (MISSING_AT_LEAST), is the most useful thing to say:
        # "glucose over 100" is about glucose, whatever else the model made of the question
        missing = missing_words(analysis)
        if missing:
            return ParseResult(None, 0.0, self.source, _missing_message(missing, self.schema),
                               unknown_features=(missing,))
        if best == ("nonsense",):
            return ParseResult(None, 0.0, self.source, "I did not understand that as a question "
                               "about the data or the model.")
        if _tagged(analysis, "UNSUPPORTED"):
            return ParseResult(None, 0.0, self.source, _unsupported_message(self.schema),
                               unsupported=True)
        if not analysis.readings:
            if analysis.unknown_feature:
                return ParseResult(None, 0.0, self.source, _unknown_message(
                    analysis.unknown_feature, self.schema),
                    unknown_features=(analysis.unknown_feature,))
            absent = _absent_id(analysis, self.schema)
            return ParseResult(None, 0.0, self.source,
                               f"There is no row with id {absent}." if absent else
                               "I did not understand that question about the data or the model.",
                               unknown_id=absent)
        best = analysis.readings[0]
        confidence = self.confidence(best.probability)
        # the calibration is fitted on best readings; another reading keeps the model's odds
        # against the best one (a reading 100 times less likely is not "0.69 sure")
        alternatives = tuple(
            (r.program, confidence * min(1.0, r.probability / max(best.probability, 1e-12)))
            for r in analysis.readings)
        return ParseResult(best.program, confidence, self.source, alternatives=alternatives)


# A word is taken to name something the table lacks only when the model is this sure: on
# held-out generated questions every such word it was right about scored at least 0.987, while
# most of its wrong guesses (ordinary words such as "of" or "lasted") scored lower.
MISSING_AT_LEAST = 0.95


def as_read(program: p.Program, previous: p.Program | None = None) -> p.Program:
    """``program`` as the parser writes it after ``previous``: without an idle
    ``previousfilter`` (the same question either way), so programs compare by meaning."""
    return without_idle_previous_filter(program, previous) or program


def without_idle_previous_filter(program: p.Program,
                                  previous: p.Program | None = None) -> p.Program | None:
    """``program`` without its ``previousfilter`` when it selects nothing: every operation
    ignores the rows (``p.ROW_FREE_TYPES``), or the previous turn was about every row (no
    filter, and operations that ran on the rows: a turn like "what does bmi mean?" keeps the
    selection before it, and "previousoperation" may carry one); None when there is nothing to
    drop."""
    operations = [c for c in program.clauses if p.is_operation(c)]
    if not operations or not any(isinstance(c, p.PreviousFilter) for c in program.clauses):
        return None
    every_row_before = previous is not None and not any(
        p.is_filter(c) or isinstance(c, (*p.ROW_FREE_TYPES, p.PreviousOperation, p.FollowUp))
        for c in previous.clauses)
    if not every_row_before and not all(isinstance(c, p.ROW_FREE_TYPES) for c in operations):
        return None
    kept = [(c, j) for c, j in zip(program.clauses, ("and", *program.joins), strict=True)
            if not isinstance(c, p.PreviousFilter)]
    return p.Program(tuple(c for c, _ in kept), tuple(j for _, j in kept[1:]))


def _trusted_missing(outputs: Outputs) -> Outputs:
    """Outputs where a MISSING guess under ``MISSING_AT_LEAST`` counts as an ordinary word."""
    tags = outputs.tags
    missing, other = TAGS.index("MISSING"), TAGS.index("O")
    weak = (tags.argmax(-1) == missing) & (tags[:, missing] < MISSING_AT_LEAST)
    if not weak.any():
        return outputs
    tags = tags.copy()
    tags[weak, other] += tags[weak, missing]
    tags[weak, missing] = 0.0
    return dataclasses.replace(outputs, tags=tags)


def _absent_id(analysis: Analysis, schema: DatasetSchema) -> str | None:
    """The one whole number of an unread question, when the table's ids are numbers and none is
    that number (so "patient 9999" can be told which ids exist)."""
    if not schema.ids or not all(i.lstrip("-").isdigit() for i in schema.ids[:50]):
        return None
    numbers = [m for m in analysis.mentions.items if m.kind == "number"]
    if len(numbers) != 1 or numbers[0].is_id or numbers[0].number is None:
        return None
    value = numbers[0].number
    if value != int(value) or value < 0:
        return None
    return str(int(value))


def _tagged(analysis: Analysis, tag: str) -> bool:
    return bool((analysis.outputs.tags.argmax(-1) == TAGS.index(tag)).any())


def _unsupported_message(schema: DatasetSchema) -> str:
    return ("I cannot select rows by the model's predicted values: groups can only be chosen "
            f"by the features (and by class, for a classifier; {schema.target} is a number "
            "here). Ask for the predictions of a group instead, e.g. 'what does the model "
            "predict for people over 60?'.")


def missing_words(analysis: Analysis) -> str | None:
    """The words the model marked as naming something the table lacks ("glucose", "paris")."""
    tags = analysis.outputs.tags.argmax(-1)
    missing = TAGS.index("MISSING")
    runs: list[list[str]] = []
    for index, word in enumerate(analysis.encoded.words):
        if tags[index] == missing:
            if runs and runs[-1][0] == str(index - 1):
                runs[-1][0] = str(index)
                runs[-1].append(word.text)
            else:
                runs.append([str(index), word.text])
    if not runs:
        return None
    return " ".join(max(runs, key=len)[1:])


def _missing_message(words: str, schema: DatasetSchema) -> str:
    names = ", ".join(f.name for f in schema.features[:12])
    more = " and others" if len(schema.features) > 12 else ""
    return (f"The data has nothing called '{words}' (no such feature or value), so I cannot "
            f"answer about it. The features are: {names}{more}.")


_FILLERS = frozenset("""a an the their his her its my our your with whose where who that which
    is are was were of for and or by has have had having level levels value values""".split())


def _unknown_message(word: str, schema: DatasetSchema) -> str:
    names = ", ".join(f.name for f in schema.features[:12])
    more = " and others" if len(schema.features) > 12 else ""
    return (f"The data has no feature called '{word}', so I cannot answer about it. "
            f"The features are: {names}{more}.")


def operation_index(name: str) -> int:
    return OPERATION_INDEX[name]
