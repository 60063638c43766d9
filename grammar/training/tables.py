"""Concrete synthetic tables from domain specs: names, storage styles, ids and rows vary.

Each table is small (the parser needs its schema, not its statistics) but real: a DataFrame
with an id column (or none), the features in one naming style, a target, and the
``DatasetSchema`` the product would build from it.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from grammar.schema import DatasetSchema, canonical_name
from grammar.training.domains import (
    BooleanSpec,
    CategoricalSpec,
    DomainSpec,
    FeatureSpec,
    NumericSpec,
)


@dataclass(frozen=True)
class TableFeature:
    """A feature of one concrete table: its spec and the column name this table gives it."""

    spec: FeatureSpec
    column: str

    @property
    def canonical(self) -> str:
        return canonical_name(self.column)


@dataclass(frozen=True)
class Table:
    """One synthetic table and what the renderer needs to talk about it."""

    domain: DomainSpec
    frame: pd.DataFrame
    target: str
    index_col: str | None
    features: tuple[TableFeature, ...]
    schema: DatasetSchema
    row_singular: str
    row_plural: str
    ids: tuple[str, ...]

    def feature(self, canonical: str) -> TableFeature:
        return next(f for f in self.features if f.canonical == canonical)


def styled(name: str, rng: random.Random) -> str:
    """A column name in a naming style real CSVs use (snake, Camel, lower, spaced, UPPER)."""
    words = [w for w in re.split(r"[^0-9A-Za-z]+", re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name))
             if w]
    if not words:
        return name
    style = rng.random()
    if style < 0.45:
        return name  # as the domain writes it
    if style < 0.65:
        return "_".join(w.lower() for w in words)
    if style < 0.8:
        return "".join(w[:1].upper() + w[1:].lower() for w in words)
    if style < 0.88:
        return " ".join(w.lower() for w in words)
    if style < 0.94:
        return words[0].lower() + "".join(w[:1].upper() + w[1:].lower() for w in words[1:])
    return "_".join(w.upper() for w in words)


def make_table(domain: DomainSpec, rng: random.Random, rows: int | None = None) -> Table:
    """A random table of ``domain``."""
    count = rows or rng.randint(40, 160)
    specs = list(domain.features)
    keep = max(3, min(len(specs), rng.randint(len(specs) // 2 + 1, len(specs))))
    chosen = rng.sample(specs, keep)
    chosen.sort(key=specs.index) if rng.random() < 0.7 else rng.shuffle(chosen)
    used: set[str] = set()
    features: list[TableFeature] = []
    for spec in chosen:
        for _ in range(6):
            column = styled(rng.choice(spec.names), rng)
            if canonical_name(column) not in used:
                break
        else:
            continue
        used.add(canonical_name(column))
        features.append(TableFeature(spec, column))
    target = styled(rng.choice(domain.target_names), rng)
    while canonical_name(target) in used:
        target = target + "_label"
    np_rng = np.random.default_rng(rng.randrange(2**32))
    data: dict[str, object] = {}
    for feature in features:
        data[feature.column] = _column(feature.spec, count, np_rng, rng)
    data[target] = _target(domain, count, np_rng)
    frame = pd.DataFrame(data)
    index_col: str | None = None
    if rng.random() < 0.85:
        index_col = styled(rng.choice(domain.id_names), rng)
        while canonical_name(index_col) in used or index_col == target:
            index_col = index_col + "_no"
        start = rng.choice([0, 1, 1, 1, 100, 1000, 5000])
        step = rng.choice([1, 1, 1, 1, 2, 7])
        ids = [start + step * i for i in range(count)]
        if rng.random() < 0.3:
            rng.shuffle(ids)
        frame.insert(0, index_col, ids)
    schema = DatasetSchema.from_frame(frame, target, index_col=index_col)
    # a numeric spec whose values came out 0/1 is a yes/no column to the schema: use the
    # schema's kind (programs must be valid for the table as the product sees it)
    features = [f for f in features if schema.feature(f.canonical).kind == _kind(f.spec)]
    singular_index = rng.randrange(len(domain.row_singular))
    plural = domain.row_plural[min(singular_index, len(domain.row_plural) - 1)]
    return Table(domain, frame, target, index_col, tuple(features), schema,
                 domain.row_singular[singular_index], plural, schema.ids)


def _kind(spec: FeatureSpec) -> str:
    if isinstance(spec, NumericSpec):
        return "numeric"
    return "boolean" if isinstance(spec, BooleanSpec) else "categorical"


def _column(spec: FeatureSpec, count: int, np_rng: np.random.Generator,
            rng: random.Random) -> object:
    if isinstance(spec, NumericSpec):
        values = np_rng.uniform(spec.low, spec.high, count)
        if spec.integer:
            return np.round(values).astype(int)
        return np.round(values, rng.choice([1, 2]))
    if isinstance(spec, BooleanSpec):
        bits = np_rng.random(count) < rng.uniform(0.2, 0.6)
        style = rng.random()
        if style < 0.6:
            return bits.astype(int)
        if style < 0.75:
            return bits
        if style < 0.9:
            return np.where(bits, "yes", "no")
        return np.where(bits, "Y", "N")
    assert isinstance(spec, CategoricalSpec)
    return np_rng.choice(np.array(spec.values, dtype=object), count)


def _target(domain: DomainSpec, count: int, np_rng: np.random.Generator) -> object:
    if domain.task == "regression":
        low, high = domain.regression_range
        return np.round(np_rng.uniform(low, high, count), 2)
    if domain.task == "multiclass":
        names = [name for name, _ in domain.classes]
        return np_rng.choice(np.array(names, dtype=object), count)
    bits = np_rng.random(count) < 0.35
    if domain.class_names:
        negative, positive = domain.class_names
        return np.where(bits, positive, negative)
    return bits.astype(int)
