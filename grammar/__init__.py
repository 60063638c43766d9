"""The parse language: typed programs, the lark grammar, dataset schemas and the NL parser.

Exports are lazy (module ``__getattr__``), as in ``dialogue``: importing one submodule
(``from grammar import program``) runs this file first, and re-exporting eagerly here tied every
submodule to every other one in an import cycle.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from grammar.errors import (
        FeatureKindError,
        ProgramError,
        ProgramSyntaxError,
        UnknownFeatureError,
        UnknownValueError,
    )
    from grammar.language import ProgramGrammar, dataset_grammar, parse_program
    from grammar.nl_parser import NaturalLanguageParser, ParseContext, ParseResult
    from grammar.printer import to_text
    from grammar.program import Program
    from grammar.schema import DatasetSchema, Feature, canonical_name

_EXPORTS = {
    "FeatureKindError": "grammar.errors",
    "ProgramError": "grammar.errors",
    "ProgramSyntaxError": "grammar.errors",
    "UnknownFeatureError": "grammar.errors",
    "UnknownValueError": "grammar.errors",
    "ProgramGrammar": "grammar.language",
    "dataset_grammar": "grammar.language",
    "parse_program": "grammar.language",
    "NaturalLanguageParser": "grammar.nl_parser",
    "ParseContext": "grammar.nl_parser",
    "ParseResult": "grammar.nl_parser",
    "to_text": "grammar.printer",
    "Program": "grammar.program",
    "DatasetSchema": "grammar.schema",
    "Feature": "grammar.schema",
    "canonical_name": "grammar.schema",
}

__all__ = [
    "DatasetSchema",
    "Feature",
    "FeatureKindError",
    "NaturalLanguageParser",
    "ParseContext",
    "ParseResult",
    "Program",
    "ProgramError",
    "ProgramGrammar",
    "ProgramSyntaxError",
    "UnknownFeatureError",
    "UnknownValueError",
    "canonical_name",
    "dataset_grammar",
    "parse_program",
    "to_text",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'grammar' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_EXPORTS))
