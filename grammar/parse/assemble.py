"""Stage 4b: decisions -> a ``Program`` (``AssemblyError`` when they make none)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from grammar import program as p
from grammar.parse.context import carried_changes, corrected, previous_numeric_feature
from grammar.parse.decisions import (
    ARGUMENT_OPERATIONS,
    CHANGE_TAGS,
    CLASS_TAGS,
    COMPARISON_TAGS,
    LABEL_CLAUSES,
    LINK_AGE,
    LINK_PREVIOUS,
    RANGE_TAGS,
    SPLIT_TAGS,
    AssemblyError,
    Decisions,
)
from grammar.parse.mentions import Mention, Mentions, plain_number
from grammar.schema import DatasetSchema


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
    ends: dict[str, list[p.Number]] = {tag: [] for tag in RANGE_TAGS}
    for unit in units(decisions, mentions):
        tag, m = unit.tag, unit.mention
        join = decisions.joins[unit.start]
        if tag == "ID":
            if m is None or not m.is_id:
                raise AssemblyError("an id tag on something that is not an id")
            filters.append((p.IdFilter(_id_value(m)), join))
        elif tag in COMPARISON_TAGS or tag == "DECADE":
            value = _number(m)
            feature = _linked_feature(decisions.links[unit.start], mentions, schema, previous,
                                      value)
            if tag == "DECADE":
                filters.append((p.NumericFilter(feature, "greater equal than", value), join))
                filters.append((p.NumericFilter(feature, "less than",
                                                plain_number(value + 10)), "and"))
            else:
                filters.append((p.NumericFilter(feature, COMPARISON_TAGS[tag],  # type: ignore[arg-type]
                                                value), join))
        elif tag in CHANGE_TAGS:
            value = _number(m)
            feature = _linked_feature(decisions.links[unit.start], mentions, schema, previous,
                                      value if tag == "SET" else None)
            changes.append((p.NumericChange(feature, CHANGE_TAGS[tag],  # type: ignore[arg-type]
                                            _number(m)), decisions.segments[unit.start]))
        elif tag == "TOPK":
            value = _number(m)
            if value != int(value) or value < 1 or value > 10_000:
                raise AssemblyError("top K needs a whole number")
            top_ks.append(int(value))
        elif tag in RANGE_TAGS:
            ends[tag].append(_number(m))
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
        elif tag == "UNSUPPORTED":
            raise AssemblyError("rows chosen by what no filter can say")
        elif tag == "MISSING":
            raise AssemblyError("the question names something the table does not have")
        elif tag in CLASS_TAGS:
            label = _class_of(tag, m, schema)
            clause = p.LabelFilter(label) if tag.startswith("LABEL") else p.PredictionFilter(label)
            filters.append((clause, join))

    operations = _with_ranges(_operations(decisions.operations, arguments, top_ks),
                              ends["RANGEFROM"], ends["RANGETO"])
    if decisions.carry_changes:
        changes = carried_changes(previous, changes)
    if decisions.correction:
        return corrected(previous, filters, changes, operations)
    clauses: list[p.Clause] = []
    joins: list[str] = []
    if decisions.previous_filter:  # also without an earlier turn: "them" still reads so
        clauses.append(p.PreviousFilter())
    seen: set[p.Clause] = set()
    for clause, join in filters:
        if clause in seen:  # a class said by two runs of words is one filter
            continue
        if isinstance(clause, (p.LabelFilter, p.PredictionFilter)) and join != "or" and any(
                type(other) is type(clause) for other in seen):
            raise AssemblyError("two different classes for the same rows")
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


def _with_ranges(operations: list[p.Clause], lows: list[p.Number], highs: list[p.Number]
                 ) -> list[p.Clause]:
    """A partial dependence drawn over the range the question gives ("from 30 to 70")."""
    if not lows and not highs:
        return operations
    if len(lows) != 1 or len(highs) != 1:
        raise AssemblyError("a range needs one number at each end")
    index = next((i for i, op in enumerate(operations) if isinstance(op, p.Dependence)), None)
    if index is None:
        raise AssemblyError("a range with nothing drawn over it")
    low, high = sorted((lows[0], highs[0]))
    if low == high:
        raise AssemblyError("a range needs two different ends")
    out = list(operations)
    out[index] = p.Dependence(out[index].feature, low, high)  # type: ignore[union-attr]
    return out


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
    """The clause of one operation label (``LABEL_CLAUSES``), taking its argument from the front
    of the lists."""
    build = LABEL_CLAUSES.get(name)
    if build is None:
        raise AssemblyError(f"{name!r} is not an operation of the language")
    if name == "important topk":
        if not top_ks:
            raise AssemblyError("top K without its number")
        return build(top_ks.pop(0))
    if name in ARGUMENT_OPERATIONS:
        if not arguments:
            raise AssemblyError(f"{name} needs a feature")
        return build(arguments.pop(0))
    return build(None)


def _linked_feature(link: int, mentions: Mentions, schema: DatasetSchema,
                    previous: p.Program | None, value: p.Number | None = None) -> str:
    if link == LINK_AGE:
        if mentions.age_feature is None:
            raise AssemblyError("the table has no age column")
        age = schema.feature(mentions.age_feature)
        if value is not None and age.maximum is not None and not (
                (age.minimum or 0) - 10 <= value <= age.maximum + 40):
            raise AssemblyError("a number no age could be")  # "what if she were 300?"
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
