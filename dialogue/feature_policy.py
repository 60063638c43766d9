"""Which features a counterfactual may change, and how: the constraints a workspace applies.

By default, general English column names say it (nobody changes their sex; age only grows); a
feature description file adds to that and never removes a constraint.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from dialogue.feature_file import FeatureNotes
from grammar.schema import canonical_name

# Features a person cannot change (counterfactuals never touch them) and features that can only
# grow. General English column names, not tied to one dataset.
IMMUTABLE_NAMES = frozenset({"sex", "gender", "race", "ethnicity", "nationality", "birthplace",
                             "familyhistory", "nativecountry", "countryofbirth", "birthcountry"})
NO_DECREASE_NAMES = frozenset({"age", "priors", "priorscount", "numberofpriorcrimes", "pregnancies",
                               "yearsofeducation", "educationyears"})


@dataclass(frozen=True)
class FeatureConstraints:
    """Columns (spelled as the data's) that may not change, fall or rise; bounds and units."""

    immutable: tuple[str, ...] = ()
    no_decrease: tuple[str, ...] = ()
    no_increase: tuple[str, ...] = ()
    bounds: dict[str, tuple[float, float]] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)


def _merged(given: Sequence[str], more: Iterable[str], names: Mapping[str, str]) -> tuple[str, ...]:
    """``given`` plus the features of ``more`` (spelled as the data's columns), once each."""
    out = list(given)
    for name in more:
        column = names.get(canonical_name(name), name)
        if column not in out:
            out.append(column)
    return tuple(out)


def feature_constraints(columns: Sequence[str], *, immutable: Sequence[str] | None = None,
                        no_decrease: Sequence[str] | None = None,
                        notes: FeatureNotes | None = None) -> FeatureConstraints:
    """The constraints on ``columns``: the given lists (else the defaults by column name), plus
    what a feature description file says."""
    names = {canonical_name(c): c for c in columns}

    def spelled(given: Sequence[str] | None, defaults: frozenset[str]) -> tuple[str, ...]:
        chosen = given if given is not None else [c for c in columns
                                                  if canonical_name(c) in defaults]
        return tuple(names.get(canonical_name(c), c) for c in chosen)

    return FeatureConstraints(
        immutable=_merged(spelled(immutable, IMMUTABLE_NAMES),
                          notes.immutable() if notes else (), names),
        no_decrease=_merged(spelled(no_decrease, NO_DECREASE_NAMES),
                            notes.no_decrease() if notes else (), names),
        no_increase=_merged((), notes.no_increase() if notes else (), names),
        bounds={names.get(canonical_name(k), k): v
                for k, v in (notes.bounds() if notes else {}).items()},
        units={names.get(canonical_name(k), k): v
               for k, v in (notes.units() if notes else {}).items()},
    )
