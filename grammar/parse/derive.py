"""Training-time alignment: the decisions that say a known program (for the generated corpus).

``derive`` finds, for each clause of a program, the mention of the question that says it;
``grammar.parse.assemble.assemble(derive(...))`` gives the program back whenever the question's
mentions account for it.
"""

from __future__ import annotations

from collections.abc import Sequence

from grammar import program as p
from grammar.parse.assemble import assemble
from grammar.parse.context import previous_numeric_feature
from grammar.parse.decisions import (
    CHANGE_TAGS,
    COMPARISON_TAGS,
    LINK_AGE,
    LINK_NONE,
    LINK_PREVIOUS,
    MAX_OPERATIONS,
    SPLIT_TAGS,
    AssemblyError,
    Decisions,
    operation_name,
)
from grammar.parse.mentions import Mention, Mentions
from grammar.schema import DatasetSchema


class _Aligner:
    """Finds, for each clause of a known program, the mention that says it."""

    def __init__(self, mentions: Mentions, schema: DatasetSchema, previous: p.Program | None,
                 class_spans: Sequence[tuple[int, int]],
                 split_spans: Sequence[tuple[int, int]] = ()) -> None:
        self.m = mentions
        self.schema = schema
        self.previous = previous
        self.class_spans = list(class_spans)
        self.split_spans = list(split_spans)
        n = len(mentions.tokens)
        self.tags = ["O"] * n
        self.links = [LINK_NONE] * n
        self.joins = ["and"] * n
        self.segments = [0] * n
        self.used: set[int] = set()  # mention indexes already given a clause

    def _free(self, predicate) -> list[tuple[int, Mention]]:
        return [(i, m) for i, m in enumerate(self.m.items) if i not in self.used and predicate(m)]

    def _tag(self, index: int, tag: str) -> Mention:
        mention = self.m.items[index]
        self.used.add(index)
        for t in range(mention.start, mention.end):
            self.tags[t] = tag
        return mention

    def number(self, value: int | float, tag: str, *, need_id: bool = False) -> Mention | None:
        options = self._free(lambda m: m.kind == "number" and m.number is not None
                             and _same_number(m.number, value) and (m.is_id or not need_id))
        if not options:
            return None
        return self._tag(options[0][0], tag)

    def id(self, row_id: object) -> Mention | None:
        if isinstance(row_id, (int, float)):
            return self.number(row_id, "ID", need_id=True)
        options = self._free(lambda m: m.kind == "id" and m.value == str(row_id))
        return self._tag(options[0][0], "ID") if options else None

    def link(self, number: Mention, feature: str) -> int | None:
        """The feature mention a number is about: the nearest mention of ``feature``."""
        candidates = [m for m in self.m.features if m.feature == feature]
        if candidates:
            def distance(m: Mention) -> tuple[int, int]:
                if m.end <= number.start:
                    return (number.start - m.end, 0)
                return (m.start - number.end + 1, 1)
            return min(candidates, key=distance).start
        if feature == self.m.age_feature:
            return LINK_AGE
        if feature == previous_numeric_feature(self.previous):
            return LINK_PREVIOUS
        return None

    def feature(self, feature: str, tag: str, kind: str | None = None) -> Mention | None:
        options = self._free(lambda m: m.kind == "feature" and m.feature == feature
                             and (kind is None or m.feature_kind == kind))
        if not options and tag == "ARG":  # an argument may also be the feature a number is about
            options = [(i, m) for i, m in enumerate(self.m.items)
                       if m.kind == "feature" and m.feature == feature
                       and self.tags[m.start] == "O"]
        return self._tag(options[0][0], tag) if options else None

    def value(self, feature: str, value: str, tag: str) -> Mention | None:
        options = self._free(lambda m: m.kind == "value" and m.feature == feature
                             and (m.value or "").lower() == value.lower())
        return self._tag(options[0][0], tag) if options else None

    def class_filter(self, label: str, prediction: bool) -> int | None:
        """The token where a class filter is said: a class word or number, else a given span."""
        binary = len(self.schema.class_labels) == 2
        base = "PRED" if prediction else "LABEL"
        if binary:
            tag = base + ("POS" if label == self.schema.class_labels[-1] else "NEG")
        else:
            tag = base + "THIS"
        options = self._free(lambda m: m.kind in {"class", "number"} and m.class_label == label)
        if not options and binary:
            options = self._free(lambda m: m.kind == "class")
        if options:
            return self._tag(options[0][0], tag).start
        return self._words(self.class_spans, tag) if binary else None

    def split(self, kind: str) -> int | None:
        """The words that say which rows by training ("on the held-out data")."""
        return self._words(self.split_spans, next(t for t, k in SPLIT_TAGS.items()
                                                  if k == kind))

    def _words(self, spans: list[tuple[int, int]], tag: str) -> int | None:
        """Tag the plain words of the first unused span (given by the generator) with ``tag``."""
        for start, end in spans:
            run = _longest_plain_run(self.m, self.tags, start, end)
            if run is not None:
                spans.remove((start, end))
                for t in range(*run):
                    self.tags[t] = tag
                return run[0]
        return None


def _longest_plain_run(mentions: Mentions, tags: list[str], start: int,
                       end: int) -> tuple[int, int] | None:
    """The longest run of untagged plain words in ``start:end`` (a class phrase may contain a
    feature's words, "stay at the company"; only its plain words say the class)."""
    best: tuple[int, int] | None = None
    t = start
    while t < end:
        if mentions.at(t) is None and tags[t] == "O":
            u = t
            while u < end and mentions.at(u) is None and tags[u] == "O":
                u += 1
            if best is None or u - t > best[1] - best[0]:
                best = (t, u)
            t = u
        else:
            t += 1
    return best


def derive(program: p.Program, mentions: Mentions, schema: DatasetSchema,
           previous: p.Program | None = None,
           class_spans: Sequence[tuple[int, int]] = (),
           split_spans: Sequence[tuple[int, int]] = ()) -> Decisions | None:
    """The decisions that assemble into ``program`` for this question, or None if its mentions
    cannot say it (a clause with no mention, clauses in an order the question cannot give).

    ``class_spans`` are token spans that say a class in words the table does not know ("come
    back to hospital"); the corpus generator knows them.
    """
    for carry in (False, True):
        for correction in (False, True):
            if (carry or correction) and previous is None:
                continue
            decisions = _derive(program, mentions, schema, previous, class_spans, split_spans,
                                carry, correction)
            if decisions is None:
                continue
            try:
                if assemble(decisions, mentions, schema, previous) == program:
                    return decisions
            except AssemblyError:
                continue
    return None


def _derive(program: p.Program, mentions: Mentions, schema: DatasetSchema,
            previous: p.Program | None, class_spans: Sequence[tuple[int, int]],
            split_spans: Sequence[tuple[int, int]], carry: bool,
            correction: bool) -> Decisions | None:
    a = _Aligner(mentions, schema, previous, class_spans, split_spans)
    operations: list[str] = []
    clauses = list(program.clauses)
    joins = ["and", *program.joins]
    previous_filter = False
    carried = set(previous.changes) if ((carry or correction) and previous is not None) else set()
    old_filters = set(previous.filters) if (correction and previous is not None) else set()
    index = 0
    while index < len(clauses):
        clause, join = clauses[index], joins[index]
        start: int | None = None
        match clause:
            case p.PreviousFilter():
                previous_filter = True
            case p.IdFilter(row_id):
                m = a.id(row_id)
                start = m.start if m else None
                if m is None and clause in old_filters:
                    start = -1
            case p.NumericFilter(feature, comparison, value):
                nxt = clauses[index + 1] if index + 1 < len(clauses) else None
                decade = (comparison == "greater equal than" and isinstance(nxt, p.NumericFilter)
                          and nxt.feature == feature and nxt.comparison == "less than"
                          and nxt.value == value + 10 and value % 10 == 0
                          and _decade_mention(mentions, value))
                tag = "DECADE" if decade else next(t for t, c in COMPARISON_TAGS.items()
                                                   if c == comparison)
                m = a.number(value, tag)
                if m is not None:
                    link = a.link(m, feature)
                    if link is None:
                        return None
                    a.links[m.start] = link
                    start = m.start
                    if decade:
                        index += 1
                elif clause in old_filters:
                    start = -1
            case p.BoolFilter(feature, value):
                m = a.feature(feature, "FTRUE" if value else "FFALSE", "boolean")
                start = m.start if m else (-1 if clause in old_filters else None)
            case p.CategoryFilter(feature, value):
                m = a.value(feature, value, "FVALUE")
                start = m.start if m else (-1 if clause in old_filters else None)
            case p.SplitFilter(kind):
                start = a.split(kind)
                if start is None and clause in old_filters:
                    start = -1
            case p.LabelFilter(label) | p.PredictionFilter(label):
                start = a.class_filter(label, isinstance(clause, p.PredictionFilter))
                if start is None and clause in old_filters:
                    start = -1
            case p.NumericChange(feature, kind, value):
                tag = next(t for t, c in CHANGE_TAGS.items() if c == kind)
                m = a.number(value, tag)
                if m is not None:
                    link = a.link(m, feature)
                    if link is None:
                        return None
                    a.links[m.start] = link
                    a.segments[m.start] = len(operations)
                    start = m.start
                elif clause in carried:
                    start = -1
            case p.BoolChange(feature, value):
                m = a.feature(feature, "CTRUE" if value else "CFALSE", "boolean")
                if m is not None:
                    a.segments[m.start] = len(operations)
                start = m.start if m else (-1 if clause in carried else None)
            case p.CategoryChange(feature, value):
                m = a.value(feature, value, "CVALUE")
                if m is not None:
                    a.segments[m.start] = len(operations)
                start = m.start if m else (-1 if clause in carried else None)
            case _ if correction and previous is not None and clause in previous.clauses:
                start = -1  # a correction keeps the earlier operations without saying them
            case _:
                name = operation_name(clause)
                if name is None:
                    return None
                if isinstance(clause, p.ImportantTopK):
                    m = a.number(clause.k, "TOPK")
                    if m is None:
                        if clause.k != 1:
                            return None
                        name = "important top1"
                elif isinstance(clause, (p.ImportantFeature, p.Statistic, p.Define,
                                         p.Dependence)) and (
                        getattr(clause, "feature", None) is not None):
                    if a.feature(clause.feature, "ARG") is None:  # type: ignore[arg-type]
                        return None
                if isinstance(clause, p.Dependence) and clause.low is not None:
                    if a.number(clause.low, "RANGEFROM") is None or clause.high is None or (
                            a.number(clause.high, "RANGETO") is None):
                        return None
                operations.append(name)
                start = -1
        if start is None and not isinstance(clause, p.PreviousFilter):
            return None
        if start is not None and start >= 0:
            a.joins[start] = join
        index += 1
    if correction and not operations:
        operations = ["previousoperation"]  # a correction asks the same question again
    if len(operations) > MAX_OPERATIONS:
        return None
    return Decisions(tuple(operations), tuple(a.tags), tuple(a.links), tuple(a.joins),
                     tuple(a.segments), previous_filter, carry, correction)


def _decade_mention(mentions: Mentions, value: float) -> bool:
    """Whether ``value`` is written as a decade ("in their 50s" -> tokens "50", "s")."""
    for m in mentions.items:
        if m.kind == "number" and m.number == value and m.end < len(mentions.tokens) and (
                mentions.tokens[m.end] == "s"):
            return True
    return False


def _same_number(a: int | float, b: int | float) -> bool:
    """Equal numbers, exactly for whole numbers of any size."""
    if isinstance(a, int) and isinstance(b, int):
        return a == b
    try:
        return abs(float(a) - float(b)) < 1e-9
    except OverflowError:
        return False
