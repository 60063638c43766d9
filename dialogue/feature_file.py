"""What a team knows about its features, in one YAML file: words, units and what may change.

A feature description file lets the people who own a model say what no table can: what a column
means, its unit, that a person cannot change it (``immutable: true``: a measurement error, a
birth year) and the range or the direction a change may take (``bounds: [0, 1]``,
``direction: up``). Answers use the words and units; counterfactuals never change an immutable
feature or cross a bound. The format::

    features:
      mean radius:
        description: average distance from the centre to the edge of the cell nuclei
        unit: px
        bounds: [6.98, 28.11]        # or: min: 6.98 / max: 28.11 (either may be left out)
      radius error:
        description: how much the radius varies from nucleus to nucleus
        immutable: true
      age:
        direction: up                # up (never decreases) / down (never increases) / any
      income: yearly income before tax   # a bare string is just the description

The top-level ``features:`` key may be left out. Unknown keys and unknown feature names are
errors that name the mistake, so a typo never silently drops a constraint.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from grammar.schema import canonical_name

Direction = Literal["up", "down", "any"]
KEYS = frozenset({"description", "unit", "immutable", "bounds", "min", "max", "direction"})
MAX_FILE_BYTES = 1_000_000


class FeatureFileError(ValueError):
    """A feature description file that cannot be used; the message names the problem."""


@dataclass(frozen=True)
class FeatureNote:
    """What the file says about one feature."""

    description: str | None = None
    unit: str | None = None
    immutable: bool = False
    minimum: float | None = None
    maximum: float | None = None
    direction: Direction = "any"

    @property
    def bounded(self) -> bool:
        return self.minimum is not None or self.maximum is not None


@dataclass(frozen=True)
class FeatureNotes:
    """The whole file: one ``FeatureNote`` per named feature, in the file's order."""

    notes: Mapping[str, FeatureNote]
    source: str = "the feature description file"

    def descriptions(self) -> dict[str, str]:
        return {name: n.description for name, n in self.notes.items() if n.description}

    def units(self) -> dict[str, str]:
        return {name: n.unit for name, n in self.notes.items() if n.unit}

    def immutable(self) -> tuple[str, ...]:
        return tuple(name for name, n in self.notes.items() if n.immutable)

    def no_decrease(self) -> tuple[str, ...]:
        return tuple(name for name, n in self.notes.items() if n.direction == "up")

    def no_increase(self) -> tuple[str, ...]:
        return tuple(name for name, n in self.notes.items() if n.direction == "down")

    def bounds(self) -> dict[str, tuple[float, float]]:
        """``(low, high)`` per bounded feature; an open side is infinite."""
        return {
            name: (-math.inf if n.minimum is None else n.minimum,
                   math.inf if n.maximum is None else n.maximum)
            for name, n in self.notes.items() if n.bounded
        }

    def check_features(self, features: Iterable[str]) -> None:
        """Every feature the file names must be a feature of the data (a typo would silently
        drop a constraint otherwise)."""
        known = {canonical_name(f) for f in features}
        unknown = [name for name in self.notes if canonical_name(name) not in known]
        if unknown:
            raise FeatureFileError(
                f"{_cap(self.source)} names {_list(unknown)}, which "
                f"{'is not a feature' if len(unknown) == 1 else 'are not features'} of the data. "
                "Check the spelling against the column names.")


def load_feature_notes(source: str | os.PathLike | Mapping[str, Any] | FeatureNotes | None,
                       ) -> FeatureNotes | None:
    """Read a feature description file (a path to YAML, or the mapping it holds)."""
    if source is None or isinstance(source, FeatureNotes):
        return source
    name = "the feature description file"
    if isinstance(source, Mapping):
        data: Any = source
    else:
        path = Path(source)
        name = f"the feature description file {path.name}"
        if not path.is_file():
            raise FeatureFileError(f"There is no feature description file at {str(path)!r}.")
        if path.stat().st_size > MAX_FILE_BYTES:
            raise FeatureFileError(f"{_cap(name)} is larger than 1 MB; is it the right file?")
        import yaml

        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except UnicodeDecodeError:
            raise FeatureFileError(f"{_cap(name)} is not a text file.") from None
        except yaml.YAMLError as exc:
            where = getattr(exc, "problem_mark", None)
            line = f" (line {where.line + 1})" if where is not None else ""
            raise FeatureFileError(f"{_cap(name)} is not valid YAML{line}.") from None
    if isinstance(data, Mapping) and set(data) == {"features"}:
        data = data["features"]
    if not isinstance(data, Mapping) or not data:
        raise FeatureFileError(
            f"{_cap(name)} must map feature names to their description (a YAML mapping under "
            "'features:').")
    return FeatureNotes({str(k): _note(str(k), v, name) for k, v in data.items()}, name)


def _note(feature: str, value: Any, source: str) -> FeatureNote:
    if value is None:
        return FeatureNote()
    if isinstance(value, str):
        return FeatureNote(description=value.strip() or None)
    if not isinstance(value, Mapping):
        raise FeatureFileError(f"In {source}, '{feature}' must be a description or a mapping "
                               "(description, unit, immutable, bounds, direction).")
    unknown = sorted(set(map(str, value)) - KEYS)
    if unknown:
        raise FeatureFileError(
            f"In {source}, '{feature}' has {_list(unknown)}, which this file does not know; "
            f"use {_list(sorted(KEYS))}.")
    immutable = value.get("immutable", False)
    if not isinstance(immutable, bool):
        raise FeatureFileError(f"In {source}, 'immutable' of '{feature}' must be true or false.")
    low, high = value.get("min"), value.get("max")
    if "bounds" in value:
        bounds = value["bounds"]
        if not isinstance(bounds, list | tuple) or len(bounds) != 2:
            raise FeatureFileError(f"In {source}, 'bounds' of '{feature}' must be [low, high].")
        low, high = bounds
    low, high = _number(low, feature, source), _number(high, feature, source)
    if low is not None and high is not None and low > high:
        raise FeatureFileError(f"In {source}, the bounds of '{feature}' are empty "
                               f"({low:g} is above {high:g}).")
    direction = str(value.get("direction", "any")).strip().lower()
    if direction not in ("up", "down", "any"):
        raise FeatureFileError(f"In {source}, 'direction' of '{feature}' must be up, down or "
                               "any.")
    return FeatureNote(
        description=_text(value.get("description")), unit=_text(value.get("unit")),
        immutable=immutable, minimum=low, maximum=high, direction=direction)  # type: ignore[arg-type]


def _number(value: Any, feature: str, source: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        raise FeatureFileError(f"In {source}, a bound of '{feature}' is not a number: {value!r}.")
    return float(value)


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _list(names: list[str]) -> str:
    quoted = [f"'{n}'" for n in names]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]
