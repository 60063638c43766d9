"""Plain-language readings of programs, offered as clickable options when the parser is unsure."""

from __future__ import annotations

from grammar import program as p
from grammar.describe import SchemaNames, understood_text
from grammar.schema import DatasetSchema


def describe(program: p.Program, schema: DatasetSchema) -> str:
    """Plain words for a program, in the same wording as the "how I understood you" line, e.g.
    ``filter age greater than 30 and likelihood`` -> "Rows with age above 30 — how likely each
    outcome is"."""
    return understood_text(SchemaNames(schema), program)
