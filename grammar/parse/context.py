"""Stage 5: the previous turn: what "make that 280", "and if they quit, then?" refer to.

A question may carry the previous turn's what-if changes over, or correct it (the previous
program with the filters it names replaced); a number may be about the previous turn's feature.
"""

from __future__ import annotations

from grammar import program as p
from grammar.parse.decisions import AssemblyError, operation_name


def last_operation(previous: p.Program | None) -> str | None:
    """The label of the previous turn's last operation ("score accuracy"), if any."""
    if previous is None:
        return None
    operations = [c for c in previous.clauses if p.is_operation(c)]
    return operation_name(operations[-1]) if operations else None


def previous_numeric_feature(previous: p.Program | None) -> str | None:
    if previous is None:
        return None
    for clause in reversed(previous.clauses):
        if isinstance(clause, (p.NumericFilter, p.NumericChange)):
            return clause.feature
    return None


def carried_changes(previous: p.Program | None,
                    changes: list[tuple[p.Clause, int]]) -> list[tuple[p.Clause, int]]:
    """The previous turn's what-if changes, then this turn's ("and how likely then?")."""
    if previous is None or not previous.changes:
        raise AssemblyError("no earlier what-if to carry over")
    carried = [(c, 0) for c in previous.changes if all(c != n for n, _ in changes)]
    return carried + changes


def corrected(previous: p.Program | None, filters: list[tuple[p.Clause, str]],
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
