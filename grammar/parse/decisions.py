"""Stage 4: the decisions a model makes about a question, and how they assemble into a Program.

A question is not classified into one of thousands of program shapes. Its program is decomposed
into small decisions that combine freely:

* the operations, in order (``OPERATIONS``: each with its closed arguments, e.g. ``score recall``);
* a tag for every token (``TAGS``): what a mention does (a number is an id, a threshold with its
  comparison, a change amount with its direction, a "top K"; a feature is an operation's
  argument, or filtered/changed to true/false; a value is filtered or changed to), and which
  words select rows by their true or predicted class;
* for each threshold or change number, the feature it is about (a pointer to a feature mention,
  or the table's age column, or the feature of the previous turn);
* for each filter, the join before it (``and`` / ``or``); for each change, the operation it
  comes before;
* whether the question refers to the previous turn: its selection (``previousfilter``), its
  what-if changes (carried over), or corrects it (its program with one filter replaced).

``derive`` finds these decisions for a question whose program is known (the training corpus);
``assemble`` turns decisions back into a ``Program``. ``assemble(derive(...))`` reproduces the
program whenever the question's mentions account for it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from grammar import program as p
from grammar.parse.mentions import Mention, Mentions, plain_number
from grammar.schema import DatasetSchema

# ----------------------------------------------------------------------------- label spaces
COMPARISON_TAGS: dict[str, str] = {
    "GT": "greater than", "LT": "less than", "GE": "greater equal than",
    "LE": "less equal than", "EQ": "equal to", "NE": "not equal to",
}
CHANGE_TAGS: dict[str, str] = {"INC": "increase", "DEC": "decrease", "SET": "set"}
CLASS_TAGS = ("LABELPOS", "LABELNEG", "PREDPOS", "PREDNEG", "LABELTHIS", "PREDTHIS")
# Words that choose the rows by how the model was trained on them ("on the training data").
SPLIT_TAGS: dict[str, str] = {"SPLITHELDOUT": "heldout", "SPLITTRAINING": "training",
                              "SPLITALL": "all"}
TAGS: tuple[str, ...] = (
    "O", "ID", *COMPARISON_TAGS, *CHANGE_TAGS, "TOPK", "DECADE",
    "ARG", "FTRUE", "FFALSE", "CTRUE", "CFALSE", "FVALUE", "CVALUE", *CLASS_TAGS,
    *SPLIT_TAGS, "MISSING",  # words of a condition the table cannot answer (a feature or value it lacks)
)
TAG_INDEX = {tag: i for i, tag in enumerate(TAGS)}
FILTER_TAGS = frozenset({"ID", *COMPARISON_TAGS, "DECADE", "FTRUE", "FFALSE", "FVALUE",
                         *CLASS_TAGS, *SPLIT_TAGS})
CHANGE_TAG_SET = frozenset({*CHANGE_TAGS, "CTRUE", "CFALSE", "CVALUE"})
LINKED_TAGS = frozenset({*COMPARISON_TAGS, *CHANGE_TAGS, "DECADE"})

# Which tags each kind of token may take (a plain word only selects by class, or nothing).
ALLOWED_TAGS: dict[str, frozenset[str]] = {
    "word": frozenset({"O", *CLASS_TAGS, *SPLIT_TAGS, "MISSING"}),
    "number": frozenset({"O", "ID", *COMPARISON_TAGS, *CHANGE_TAGS, "TOPK", "DECADE",
                         *CLASS_TAGS}),
    "id": frozenset({"O", "ID"}),
    "feature:numeric": frozenset({"O", "ARG"}),
    "feature:boolean": frozenset({"O", "ARG", "FTRUE", "FFALSE", "CTRUE", "CFALSE"}),
    "feature:categorical": frozenset({"O", "ARG"}),
    "value": frozenset({"O", "FVALUE", "CVALUE"}),
    "class": frozenset({"O", *CLASS_TAGS}),
    "target": frozenset({"O"}),
}

METRIC_OPERATIONS = tuple(f"score {m}" for m in p.METRICS)
OPERATIONS: tuple[str, ...] = (
    "predict", "likelihood", "explain features", "explain shap", "explain lime", "explain ig",
    "explain cfe", "important topk", "important top1", "important all", "important feature",
    "interact", "show", "label", "countdata", "data", "statistic feature", "statistic target",
    "define", "mistake count", "mistake sample", "mistake typical", *METRIC_OPERATIONS,
    "model", "function", "self", "followup", "previousoperation",
    "courtesy",  # a thank-you with no question: no program, a friendly reply
)
OPERATION_INDEX = {op: i for i, op in enumerate(OPERATIONS)}
ARGUMENT_OPERATIONS = frozenset({"important feature", "statistic feature", "define"})
MAX_OPERATIONS = 3

LINK_NONE = -1  # no feature: the number is not about a feature
LINK_AGE = -2  # the table's age column ("people over 60")
LINK_PREVIOUS = -3  # the feature of the previous turn's last numeric clause ("make that 280")
SPECIAL_LINKS = (LINK_NONE, LINK_AGE, LINK_PREVIOUS)


class AssemblyError(ValueError):
    """The decisions do not make a program (a threshold with no feature, a missing argument)."""


@dataclass(frozen=True)
class Decisions:
    """Everything the model decides about one question (per-token lists align with tokens)."""

    operations: tuple[str, ...]
    tags: tuple[str, ...]
    links: tuple[int, ...]  # per token: a feature mention's first token, or a LINK_* value
    joins: tuple[str, ...]  # per token: the join before the filter starting here
    segments: tuple[int, ...]  # per token: the operation a change starting here comes before
    previous_filter: bool = False
    carry_changes: bool = False
    correction: bool = False


def token_kind(mention: Mention | None) -> str:
    """The kind of a token for ``ALLOWED_TAGS``."""
    if mention is None:
        return "word"
    if mention.kind == "feature":
        return f"feature:{mention.feature_kind}"
    return mention.kind


# ----------------------------------------------------------------------------- assembly
@dataclass(frozen=True)
class Unit:
    """A run of tokens with one tag: one clause (or one argument) of the program."""

    tag: str
    start: int
    end: int
    mention: Mention | None


def units(decisions: Decisions, mentions: Mentions) -> list[Unit]:
    """Group tagged tokens: a mention's tokens form one unit, a run of plain words another."""
    out: list[Unit] = []
    index = 0
    tokens = mentions.tokens
    while index < len(tokens):
        tag = decisions.tags[index]
        mention = mentions.at(index)
        if tag == "O":
            index += 1
            continue
        if mention is not None:
            out.append(Unit(tag, mention.start, mention.end, mention))
            index = mention.end
            continue
        end = index + 1
        while end < len(tokens) and decisions.tags[end] == tag and mentions.at(end) is None:
            end += 1
        out.append(Unit(tag, index, end, None))
        index = end
    return out


def assemble(decisions: Decisions, mentions: Mentions, schema: DatasetSchema,
             previous: p.Program | None = None) -> p.Program:
    """The program the decisions describe; ``AssemblyError`` when they describe none."""
    filters: list[tuple[p.Clause, str]] = []
    changes: list[tuple[p.Clause, int]] = []
    arguments: list[str] = []
    top_ks: list[int] = []
    for unit in units(decisions, mentions):
        tag, m = unit.tag, unit.mention
        join = decisions.joins[unit.start]
        if tag == "ID":
            if m is None or not m.is_id:
                raise AssemblyError("an id tag on something that is not an id")
            filters.append((p.IdFilter(_id_value(m)), join))
        elif tag in COMPARISON_TAGS or tag == "DECADE":
            feature = _linked_feature(decisions.links[unit.start], mentions, schema, previous)
            value = _number(m)
            if tag == "DECADE":
                filters.append((p.NumericFilter(feature, "greater equal than", value), join))
                filters.append((p.NumericFilter(feature, "less than",
                                                plain_number(value + 10)), "and"))
            else:
                filters.append((p.NumericFilter(feature, COMPARISON_TAGS[tag],  # type: ignore[arg-type]
                                                value), join))
        elif tag in CHANGE_TAGS:
            feature = _linked_feature(decisions.links[unit.start], mentions, schema, previous)
            changes.append((p.NumericChange(feature, CHANGE_TAGS[tag],  # type: ignore[arg-type]
                                            _number(m)), decisions.segments[unit.start]))
        elif tag == "TOPK":
            value = _number(m)
            if not float(value).is_integer() or value < 1:
                raise AssemblyError("top K needs a whole number")
            top_ks.append(int(value))
        elif tag == "ARG":
            arguments.append(_feature_of(m))
        elif tag in {"FTRUE", "FFALSE"}:
            filters.append((p.BoolFilter(_feature_of(m, "boolean"), tag == "FTRUE"), join))
        elif tag in {"CTRUE", "CFALSE"}:
            changes.append((p.BoolChange(_feature_of(m, "boolean"), tag == "CTRUE"),
                            decisions.segments[unit.start]))
        elif tag in {"FVALUE", "CVALUE"}:
            if m is None or m.kind != "value":
                raise AssemblyError("a value tag on something that is not a value")
            clause = (p.CategoryFilter if tag == "FVALUE" else p.CategoryChange)(
                m.feature or "", m.value or "")
            if tag == "FVALUE":
                filters.append((clause, join))
            else:
                changes.append((clause, decisions.segments[unit.start]))
        elif tag in SPLIT_TAGS:
            filters.append((p.SplitFilter(SPLIT_TAGS[tag]), join))  # type: ignore[arg-type]
        elif tag == "MISSING":
            raise AssemblyError("the question names something the table does not have")
        elif tag in CLASS_TAGS:
            label = _class_of(tag, m, schema)
            clause = p.LabelFilter(label) if tag.startswith("LABEL") else p.PredictionFilter(label)
            filters.append((clause, join))

    operations = _operations(decisions.operations, arguments, top_ks)
    if decisions.carry_changes:
        if previous is None or not previous.changes:
            raise AssemblyError("no earlier what-if to carry over")
        carried = [(c, 0) for c in previous.changes if all(c != n for n, _ in changes)]
        changes = carried + changes
    if decisions.correction:
        return _corrected(previous, filters, changes, operations)
    clauses: list[p.Clause] = []
    joins: list[str] = []
    if decisions.previous_filter:  # also without an earlier turn: "them" still reads so
        clauses.append(p.PreviousFilter())
    seen: set[p.Clause] = set()
    for clause, join in filters:
        if clause in seen:  # a class said by two runs of words is one filter
            continue
        seen.add(clause)
        if clauses:
            joins.append(join if join in {"and", "or"} else "and")
        clauses.append(clause)
    if not operations:
        raise AssemblyError("no operation")
    for first, second in zip(operations, operations[1:], strict=False):
        if first == second and not any(segment >= 1 for _, segment in changes):
            raise AssemblyError("the same operation twice in a row with nothing changed between")
    for index, operation in enumerate(operations):
        for change, segment in changes:
            if min(segment, len(operations) - 1) == index:
                if clauses:
                    joins.append("and")
                clauses.append(change)
        if clauses:
            joins.append("and")
        clauses.append(operation)
    return p.Program(tuple(clauses), tuple(joins))  # type: ignore[arg-type]


def _operations(names: Sequence[str], arguments: list[str], top_ks: list[int]) -> list[p.Clause]:
    needed = sum(name in ARGUMENT_OPERATIONS for name in names)
    if needed != len(arguments):
        raise AssemblyError(f"{needed} operations need a feature, {len(arguments)} named")
    if sum(name == "important topk" for name in names) != len(top_ks):
        raise AssemblyError("top K without its number")
    arguments, top_ks = list(arguments), list(top_ks)
    out: list[p.Clause] = []
    for name in names:
        out.append(operation_clause(name, arguments, top_ks))
    return out


def operation_clause(name: str, arguments: list[str], top_ks: list[int]) -> p.Clause:
    """The clause of one operation label, taking its argument from the front of the lists."""
    if name.startswith("explain "):
        return p.Explain(name.split()[1])  # type: ignore[arg-type]
    if name.startswith("mistake "):
        return p.Mistake(name.split()[1])  # type: ignore[arg-type]
    if name.startswith("score "):
        return p.Score(name.split()[1])
    simple: dict[str, p.Clause] = {
        "predict": p.Predict(), "likelihood": p.Likelihood(), "important all": p.ImportantAll(),
        "important top1": p.ImportantTopK(1), "interact": p.Interact(), "show": p.Show(),
        "label": p.ShowLabel(), "countdata": p.CountData(), "data": p.DataSummary(),
        "statistic target": p.Statistic(None), "model": p.ModelInfo(),
        "function": p.Function(), "self": p.SelfInfo(), "followup": p.FollowUp(),
        "previousoperation": p.PreviousOperation(),
    }
    if name in simple:
        return simple[name]
    if name == "important topk":
        if not top_ks:
            raise AssemblyError("top K without its number")
        return p.ImportantTopK(top_ks.pop(0))
    if name not in ARGUMENT_OPERATIONS:
        raise AssemblyError(f"{name!r} is not an operation of the language")
    if not arguments:
        raise AssemblyError(f"{name} needs a feature")
    feature = arguments.pop(0)
    if name == "important feature":
        return p.ImportantFeature(feature)
    if name == "statistic feature":
        return p.Statistic(feature)
    if name == "define":
        return p.Define(feature)
    raise AssemblyError(f"unknown operation {name!r}")


def _corrected(previous: p.Program | None, filters: list[tuple[p.Clause, str]],
               changes: list[tuple[p.Clause, int]], operations: list[p.Clause]) -> p.Program:
    """The previous program with the new filters replacing those they correct."""
    if previous is None:
        raise AssemblyError("there is nothing earlier to correct")
    old = [c for c in previous.clauses if p.is_filter(c)]
    old_joins = [j for c, j in zip(previous.clauses[1:], previous.joins, strict=True)
                 if p.is_filter(c)]
    if old and p.is_filter(previous.clauses[0]):
        old_joins = ["and", *old_joins][: len(old)]
    result: list[tuple[p.Clause, str]] = list(zip(old, old_joins, strict=False))
    for clause, join in filters:
        slot = next((i for i, (c, _) in enumerate(result) if _same_slot(c, clause, exact=True)),
                    None)
        if slot is None:
            slot = next((i for i, (c, _) in enumerate(result) if _same_slot(c, clause)), None)
        if slot is None:
            result.append((clause, join))
        else:
            result[slot] = (clause, result[slot][1])
    if not filters and not operations and not changes:
        raise AssemblyError("a correction that changes nothing")
    if not operations or operations == [p.PreviousOperation()]:
        operations = [c for c in previous.clauses if p.is_operation(c)]
    ops = operations
    new_changes = [c for c, _ in changes] or [c for c in previous.clauses if p.is_change(c)]
    clauses = [c for c, _ in result] + new_changes + ops
    joins = [j for _, j in result[1:]] + ["and"] * (len(new_changes) + len(ops))
    if not result:
        joins = joins[1:]
    return p.Program(tuple(clauses), tuple(joins))  # type: ignore[arg-type]


def _same_slot(old: p.Clause, new: p.Clause, exact: bool = False) -> bool:
    """Whether ``new`` corrects ``old``: the same feature (``exact``: and the same direction of
    comparison, so "make that at most 50" corrects the upper bound), or the same kind of row
    choice."""
    feature_old, feature_new = getattr(old, "feature", None), getattr(new, "feature", None)
    if feature_old is not None and feature_old == feature_new:
        if exact and isinstance(old, p.NumericFilter) and isinstance(new, p.NumericFilter):
            return old.comparison.split()[0] == new.comparison.split()[0]
        return True
    return type(old) is type(new) and isinstance(
        old, (p.IdFilter, p.LabelFilter, p.PredictionFilter, p.SplitFilter))


def _linked_feature(link: int, mentions: Mentions, schema: DatasetSchema,
                    previous: p.Program | None) -> str:
    if link == LINK_AGE:
        if mentions.age_feature is None:
            raise AssemblyError("the table has no age column")
        return mentions.age_feature
    if link == LINK_PREVIOUS:
        feature = previous_numeric_feature(previous)
        if feature is None:
            raise AssemblyError("no earlier numeric condition")
        return feature
    if link < 0:
        raise AssemblyError("a number with no feature")
    m = mentions.at(link)
    if m is None or m.kind != "feature" or m.feature_kind != "numeric":
        raise AssemblyError("a number linked to something that is not a numeric feature")
    return m.feature or ""


def previous_numeric_feature(previous: p.Program | None) -> str | None:
    if previous is None:
        return None
    for clause in reversed(previous.clauses):
        if isinstance(clause, (p.NumericFilter, p.NumericChange)):
            return clause.feature
    return None


def _number(m: Mention | None) -> p.Number:
    if m is None or m.kind != "number" or m.number is None:
        raise AssemblyError("a number tag on something that is not a number")
    return plain_number(m.number)


def _id_value(m: Mention) -> p.Number | str:
    if m.kind == "number" and m.number is not None:
        return plain_number(m.number)
    return m.value or ""


def _feature_of(m: Mention | None, kind: str | None = None) -> str:
    if m is None or m.kind != "feature" or m.feature is None:
        raise AssemblyError("a feature tag on something that is not a feature")
    if kind is not None and m.feature_kind != kind:
        raise AssemblyError(f"a {kind} tag on a {m.feature_kind} feature")
    return m.feature


def _class_of(tag: str, m: Mention | None, schema: DatasetSchema) -> str:
    labels = schema.class_labels
    if schema.task != "classification" or not labels:
        raise AssemblyError("the target has no classes")
    if tag.endswith("THIS"):
        if m is None or m.class_label is None:
            raise AssemblyError("a class tag on something that names no class")
        return m.class_label
    if len(labels) != 2:
        raise AssemblyError("positive/negative needs a binary target")
    return labels[-1] if tag.endswith("POS") else labels[0]


# ----------------------------------------------------------------------------- derivation
def operation_name(clause: p.Clause) -> str | None:
    """The operation label of an operation clause (None for filters and changes)."""
    match clause:
        case p.Explain(method):
            return f"explain {method}"
        case p.Mistake(kind):
            return f"mistake {kind}"
        case p.Score(metric):
            return f"score {metric}"
        case p.ImportantTopK():
            return "important topk"
        case p.ImportantAll():
            return "important all"
        case p.ImportantFeature():
            return "important feature"
        case p.Statistic(feature):
            return "statistic target" if feature is None else "statistic feature"
        case p.Define():
            return "define"
    names = {
        p.Predict: "predict", p.Likelihood: "likelihood", p.Interact: "interact",
        p.Show: "show", p.ShowLabel: "label", p.CountData: "countdata", p.DataSummary: "data",
        p.ModelInfo: "model", p.Function: "function", p.SelfInfo: "self",
        p.FollowUp: "followup", p.PreviousOperation: "previousoperation",
    }
    return names.get(type(clause))


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

    def number(self, value: float, tag: str, *, need_id: bool = False) -> Mention | None:
        options = self._free(lambda m: m.kind == "number" and m.number is not None
                             and abs(m.number - float(value)) < 1e-9 and (m.is_id or not need_id))
        if not options:
            return None
        return self._tag(options[0][0], tag)

    def id(self, row_id: object) -> Mention | None:
        if isinstance(row_id, (int, float)):
            return self.number(float(row_id), "ID", need_id=True)
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
        if binary:
            for start, end in self.class_spans:
                run = _longest_plain_run(self.m, self.tags, start, end)
                if run is not None:
                    self.class_spans.remove((start, end))
                    for t in range(*run):
                        self.tags[t] = tag
                    return run[0]
        return None


    def split(self, kind: str) -> int | None:
        """The words that say which rows by training ("on the held-out data")."""
        tag = next(t for t, k in SPLIT_TAGS.items() if k == kind)
        for start, end in self.split_spans:
            run = _longest_plain_run(self.m, self.tags, start, end)
            if run is not None:
                self.split_spans.remove((start, end))
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
                          and nxt.value == value + 10 and float(value) % 10 == 0
                          and _decade_mention(mentions, value))
                tag = "DECADE" if decade else next(t for t, c in COMPARISON_TAGS.items()
                                                   if c == comparison)
                m = a.number(float(value), tag)
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
                m = a.number(float(value), tag)
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
                    m = a.number(float(clause.k), "TOPK")
                    if m is None:
                        if clause.k != 1:
                            return None
                        name = "important top1"
                elif isinstance(clause, (p.ImportantFeature, p.Statistic, p.Define)) and (
                        getattr(clause, "feature", None) is not None):
                    if a.feature(clause.feature, "ARG") is None:  # type: ignore[arg-type]
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
