"""The parse language: typed programs, the lark grammar, dataset schemas and the NL parser."""

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

__all__ = [
    "FeatureKindError",
    "ProgramError",
    "ProgramGrammar",
    "ProgramSyntaxError",
    "UnknownFeatureError",
    "UnknownValueError",
    "dataset_grammar",
    "parse_program",
    "DatasetSchema",
    "Feature",
    "NaturalLanguageParser",
    "ParseContext",
    "ParseResult",
    "Program",
    "canonical_name",
    "to_text",
]
