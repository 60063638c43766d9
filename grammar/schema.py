"""What the parser and the grammar need to know about a dataset, derived from a DataFrame.

The schema is the only place where a dataset's vocabulary lives: features, their kinds, values,
ids and class labels, plus natural-language aliases derived from the column names. Nothing in the
parser's code names a particular dataset.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

FeatureKind = Literal["numeric", "boolean", "categorical"]

TRUE_WORDS = frozenset({"1", "true", "yes", "y", "t"})
FALSE_WORDS = frozenset({"0", "false", "no", "n", "f"})

# Common abbreviations in column names, expanded to the words people type. General English, not
# tied to any dataset.
ABBREVIATIONS: Mapping[str, tuple[str, ...]] = {
    "bp": ("blood pressure",),
    "hr": ("heart rate",),
    "num": ("number",),
    "no": ("number",),
    "nr": ("number",),
    "avg": ("average",),
    "pct": ("percent", "percentage"),
    "perc": ("percent", "percentage"),
    "amt": ("amount",),
    "qty": ("quantity",),
    "yrs": ("years",),
    "yr": ("year",),
    "mo": ("months",),
    "mos": ("months",),
    "dur": ("duration",),
    "temp": ("temperature",),
    "chol": ("cholesterol",),
    "wt": ("weight",),
    "ht": ("height",),
    "dob": ("date of birth",),
    "bmi": ("body mass index",),
    "cnt": ("count",),
    "max": ("maximum",),
    "min": ("minimum",),
    "std": ("standard deviation",),
    "dx": ("diagnosis",),
    "hx": ("history",),
    "sys": ("systolic",),
    "dia": ("diastolic",),
    "inc": ("income",),
    "acct": ("account",),
    "emp": ("employment",),
}

# Everyday phrasings of common column words that share no word with them ("homeowner" is said
# "own their home"). General English, not tied to any dataset; matched as whole phrases only.
PARAPHRASES: Mapping[str, tuple[str, ...]] = {
    "homeowner": ("own their home", "own a home", "own their house", "own a house",
                  "own the home", "own the house", "own his home", "own her home", "own home",
                  "own their own home", "own a property", "own property"),
}

# Everyday words for the false side of a boolean column word ("renters" are not homeowners).
# General English; a boolean feature whose name has the key word gets these as "false" phrases.
OPPOSITES: Mapping[str, tuple[str, ...]] = {
    "homeowner": ("renters", "renter", "renting", "rent their home", "rent a home", "tenants",
                  "tenant"),
    "employed": ("unemployed", "jobless", "out of work"),
}

# Words that say nothing about which feature is meant, so they are never aliases on their own.
GENERIC_WORDS = frozenset(
    """
    of per the a an and or in on at to for by with is are type types level levels value values
    number count amount total rate score index status class category group kind time times
    week weeks day days month months year years hour hours per_week flag indicator id
    """.split()
)


def canonical_name(name: str) -> str:
    """``mean radius`` -> ``meanradius``; ``number_of_prior_crimes`` -> ``numberofpriorcrimes``."""
    return re.sub(r"[^0-9a-z]", "", str(name).lower())


def canonical_value(value: object) -> str:
    """A categorical value as written in a program: spaces become hyphens, nothing else changes."""
    text = str(value).strip()
    return re.sub(r"\s+", "-", text)


def split_words(name: str) -> list[str]:
    """``SkinThickness`` -> [skin, thickness]; ``number_of_prior_crimes`` -> [number, of, ...]."""
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", str(name))
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", text)
    text = re.sub(r"([A-Za-z])([0-9])", r"\1 \2", text)
    return [w for w in re.split(r"[^0-9A-Za-z]+", text.lower()) if w]


def derive_aliases(name: str) -> tuple[str, ...]:
    """Natural phrasings of a column name, most specific first."""
    words = split_words(name)
    phrases: list[str] = [" ".join(words)]
    expanded: list[str] = []
    for word in words:
        expanded.append(ABBREVIATIONS.get(word, (word,))[0])
    phrases.append(" ".join(expanded))
    # Drop leading "number of" / trailing "count" style wrappers: "number_of_prior_crimes" ->
    # "prior crimes".
    for sequence in (words, expanded):
        trimmed = list(sequence)
        while trimmed and trimmed[0] in {"number", "num", "no", "nr", "of", "count", "total", "is", "has"}:
            trimmed = trimmed[1:]
        while trimmed and trimmed[-1] in {"count", "cnt", "num", "type", "status", "flag", "level", "value", "amount", "yn"}:
            trimmed = trimmed[:-1]
        if trimmed:
            phrases.append(" ".join(trimmed))
    for word in words:
        phrases += PARAPHRASES.get(word, ())
    # The reverse: "resting heart rate" is also typed "resting hr" (multiword expansions only).
    for phrase in list(phrases):
        for short, (long, *_) in ABBREVIATIONS.items():
            if " " in long and re.search(rf"\b{long}\b", phrase):
                phrases.append(re.sub(rf"\b{long}\b", short, phrase))
    seen: list[str] = []
    for phrase in phrases:
        phrase = phrase.strip()
        if phrase and phrase not in seen:
            seen.append(phrase)
    return tuple(seen)


@dataclass(frozen=True)
class Feature:
    """One input column of the model."""

    name: str  # as the dataset spells it
    canonical: str  # as written in programs
    kind: FeatureKind
    values: tuple[str, ...] = ()  # categorical values as written in programs
    raw_values: tuple[object, ...] = ()  # the same values as they appear in the data
    minimum: float | None = None
    maximum: float | None = None
    is_integer: bool = False
    true_value: object | None = None  # boolean: what "true" is stored as
    false_value: object | None = None
    description: str | None = None
    aliases: tuple[str, ...] = ()  # natural phrasings, most specific first

    def raw_value(self, value: str) -> object:
        """The stored value for a categorical value written in a program."""
        for canonical, raw in zip(self.values, self.raw_values, strict=True):
            if canonical.lower() == value.lower():
                return raw
        raise KeyError(value)


@dataclass(frozen=True)
class DatasetSchema:
    """Features, ids and classes of one dataset: everything the language is specialised to."""

    features: tuple[Feature, ...]
    target: str
    task: Literal["classification", "regression"]
    class_labels: tuple[str, ...]  # as written in programs (the target's values, spaces as -)
    raw_class_labels: tuple[object, ...]
    ids: tuple[str, ...]  # every row id, as written in programs
    id_column: str | None = None
    target_description: str | None = None
    _by_canonical: Mapping[str, Feature] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_canonical", {f.canonical: f for f in self.features})
        object.__setattr__(self, "_id_set", frozenset(self.ids))

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_frame(
        cls,
        frame: pd.DataFrame,
        target: str,
        *,
        index_col: str | int | None = None,
        feature_descriptions: Mapping[str, str] | None = None,
        aliases: Mapping[str, Sequence[str]] | None = None,
        target_description: str | None = None,
        max_categories: int = 50,
    ) -> DatasetSchema:
        """Build the schema of ``frame``.

        ``index_col`` names (or gives the position of) the id column; without it the ids are the
        frame's index. ``aliases`` adds phrasings per feature (keys are column names).
        """
        if target not in frame.columns:
            raise ValueError(
                f"the target column {target!r} is not in the data; columns are: "
                + ", ".join(map(str, frame.columns))
            )
        id_column: str | None = None
        if index_col is not None:
            id_column = _resolve_column(frame, index_col)
            ids = tuple(_id_text(v) for v in frame[id_column])
        else:
            ids = tuple(_id_text(v) for v in frame.index)
        descriptions = {canonical_name(k): v for k, v in (feature_descriptions or {}).items()}
        extra_aliases = {canonical_name(k): tuple(v) for k, v in (aliases or {}).items()}
        features: list[Feature] = []
        for column in frame.columns:
            if column in (target, id_column):
                continue
            features.append(
                _describe_column(
                    str(column),
                    frame[column],
                    descriptions.get(canonical_name(column)),
                    extra_aliases.get(canonical_name(column), ()),
                    max_categories,
                )
            )
        target_series = frame[target]
        task, labels = target_kind(target_series)
        return cls(
            features=tuple(features),
            target=str(target),
            task=task,
            class_labels=tuple(canonical_value(str(_plain(v))) for v in labels),
            raw_class_labels=tuple(labels),
            ids=ids,
            id_column=id_column,
            target_description=target_description,
        )

    # ------------------------------------------------------------------ lookups
    def feature(self, name: str) -> Feature:
        """The feature written ``name`` in a program (case-insensitive, punctuation ignored)."""
        feature = self._by_canonical.get(canonical_name(name))
        if feature is None:
            raise KeyError(name)
        return feature

    def has_feature(self, name: str) -> bool:
        return canonical_name(name) in self._by_canonical

    def has_id(self, row_id: object) -> bool:
        return _id_text(row_id) in self._id_set  # type: ignore[attr-defined]

    @property
    def feature_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.features)

    @property
    def canonical_names(self) -> tuple[str, ...]:
        return tuple(f.canonical for f in self.features)

    def features_of_kind(self, kind: FeatureKind) -> tuple[Feature, ...]:
        return tuple(f for f in self.features if f.kind == kind)

    @property
    def target_words(self) -> tuple[str, ...]:
        """The target column's name as words (``heart_disease`` -> ``heart disease``)."""
        return derive_aliases(self.target)


def _resolve_column(frame: pd.DataFrame, index_col: str | int) -> str:
    if isinstance(index_col, int) or (isinstance(index_col, str) and index_col.isdigit()
                                      and index_col not in frame.columns):
        position = int(index_col)
        if not 0 <= position < len(frame.columns):
            raise ValueError(f"there is no column at position {position}")
        return str(frame.columns[position])
    if index_col not in frame.columns:
        raise ValueError(f"the id column {index_col!r} is not in the data")
    return str(index_col)


MAX_BOOLEAN_SPELLINGS = 64


def _plain(value: object) -> object:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _id_text(value: object) -> str:
    return str(_plain(value)).strip()


def target_kind(series: pd.Series) -> tuple[Literal["classification", "regression"], list]:
    values = series.dropna().unique()
    numeric = pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)
    if numeric:
        as_float = series.dropna().astype(float)
        integral = bool(np.all(np.mod(as_float, 1) == 0))
        if not integral or len(values) > 20:
            return "regression", []
    labels = sorted((_plain(v) for v in values), key=lambda v: (str(type(v)), v))
    return "classification", labels


def _describe_column(
    name: str,
    series: pd.Series,
    description: str | None,
    extra_aliases: Sequence[str],
    max_categories: int,
) -> Feature:
    aliases = tuple(dict.fromkeys([*extra_aliases, *derive_aliases(name)]))
    canonical = canonical_name(name)
    values = series.dropna()
    distinct = pd.unique(values)
    # Only a handful of distinct spellings can be yes/no words; a continuous column of a big
    # table has hundreds of thousands of values, which would take seconds to spell out here.
    few = len(distinct) <= MAX_BOOLEAN_SPELLINGS
    lowered = {str(_plain(v)).strip().lower() for v in distinct} if few else set(range(3))
    if 0 < len(lowered) <= 2 and lowered <= (TRUE_WORDS | FALSE_WORDS) and not (
        lowered <= {"y", "n", "t", "f"} and False
    ):
        true_raw = next((v for v in distinct if str(_plain(v)).strip().lower() in TRUE_WORDS), None)
        false_raw = next((v for v in distinct if str(_plain(v)).strip().lower() in FALSE_WORDS), None)
        if true_raw is None:
            true_raw = _complement(false_raw)
        if false_raw is None:
            false_raw = _complement(true_raw)
        return Feature(
            name=name, canonical=canonical, kind="boolean",
            true_value=_plain(true_raw), false_value=_plain(false_raw),
            description=description, aliases=aliases,
        )
    if pd.api.types.is_bool_dtype(series):
        return Feature(name=name, canonical=canonical, kind="boolean", true_value=True,
                       false_value=False, description=description, aliases=aliases)
    if pd.api.types.is_numeric_dtype(series):
        as_float = values.astype(float)
        return Feature(
            name=name, canonical=canonical, kind="numeric",
            minimum=float(as_float.min()) if len(as_float) else None,
            maximum=float(as_float.max()) if len(as_float) else None,
            is_integer=bool(len(as_float) and np.all(np.mod(as_float, 1) == 0)),
            description=description, aliases=aliases,
        )
    ordered = sorted(distinct, key=lambda v: str(v))[: max_categories * 20]
    return Feature(
        name=name, canonical=canonical, kind="categorical",
        values=tuple(canonical_value(v) for v in ordered),
        raw_values=tuple(_plain(v) for v in ordered),
        description=description, aliases=aliases,
    )


def _complement(value: object) -> object:
    text = str(_plain(value)).strip()
    pairs = {"1": 0, "0": 1, "true": False, "false": True, "yes": "no", "no": "yes",
             "y": "n", "n": "y", "t": "f", "f": "t"}
    result = pairs.get(text.lower(), None)
    if isinstance(value, str) and isinstance(result, str) and text.isupper():
        return result.upper()
    if isinstance(value, str) and isinstance(result, str) and text[:1].isupper():
        return result.capitalize()
    return result
