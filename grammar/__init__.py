"""The parse language: typed programs, the lark grammar, dataset schemas and the NL parser."""

from grammar.nl_parser import NaturalLanguageParser, ParseContext, ParseResult
from grammar.printer import to_text
from grammar.program import Program
from grammar.schema import DatasetSchema, Feature, canonical_name

__all__ = [
    "DatasetSchema",
    "Feature",
    "NaturalLanguageParser",
    "ParseContext",
    "ParseResult",
    "Program",
    "canonical_name",
    "to_text",
]
