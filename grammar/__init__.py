"""The parse language: typed programs, the lark grammar, dataset schemas and the NL parser.

Exports are lazy (``lazy_loader.attach``), as in ``dialogue``: importing one submodule
(``from grammar import program``) runs this file first, and re-exporting eagerly here tied every
submodule to every other one in an import cycle.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader

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
    from grammar.program import Program, to_text
    from grammar.schema import DatasetSchema, Feature, canonical_name

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "errors": [
            "FeatureKindError",
            "ProgramError",
            "ProgramSyntaxError",
            "UnknownFeatureError",
            "UnknownValueError",
        ],
        "language": ["ProgramGrammar", "dataset_grammar", "parse_program"],
        "nl_parser": ["NaturalLanguageParser", "ParseContext", "ParseResult"],
        "program": ["Program", "to_text"],
        "schema": ["DatasetSchema", "Feature", "canonical_name"],
    },
)
