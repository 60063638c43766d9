"""Natural-language parser, first stage (placeholder API; the lead is writing the real one)."""

from __future__ import annotations

from dataclasses import dataclass

from grammar.program import Program
from grammar.schema import DatasetSchema


@dataclass(frozen=True)
class ParseContext:
    """What the parser may know about the conversation so far."""

    previous: Program | None = None  # the previous turn's program
    offered_followup: bool = False  # the assistant ended its last reply with an offer


@dataclass(frozen=True)
class ParseResult:
    program: Program | None
    confidence: float
    source: str
    error: str | None = None
    # Other readings the parser considered, best first, with their confidences: used to ask a
    # clarifying question when the parser is unsure.
    alternatives: tuple[tuple[Program, float], ...] = ()
    # Clarifying options to offer the user (plain-language questions), when unsure.
    options: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        return str(self.program) if self.program is not None else ""


class NaturalLanguageParser:
    """Turns a user's question into a ``Program`` using the dataset's schema."""

    def __init__(self, schema: DatasetSchema) -> None:
        self.schema = schema

    def parse(self, utterance: str, context: ParseContext | None = None) -> ParseResult:
        raise NotImplementedError
