"""Natural-language parser, first stage: the learned parser of ``grammar.parse``.

``NaturalLanguageParser(schema).parse(utterance, context)`` returns a ``ParseResult`` with the
program, a calibrated confidence in [0, 1], the likeliest other readings and the stage that
produced it. It never raises on user text.
"""

from __future__ import annotations

import logging

from grammar.parse.parser import LearnedParser
from grammar.parse.result import ParseContext, ParseResult
from grammar.schema import DatasetSchema

__all__ = ["NaturalLanguageParser", "ParseContext", "ParseResult"]

MAX_CHARACTERS = 2000

log = logging.getLogger(__name__)


class NaturalLanguageParser:
    """Turns a user's question into a ``Program`` using the dataset's schema (thread-safe)."""

    source = "learned"

    def __init__(self, schema: DatasetSchema, model=None) -> None:
        self.schema = schema
        self._learned = LearnedParser(schema, model)

    @property
    def ask_below(self) -> float:
        """The calibrated confidence under which the assistant should ask instead of answer."""
        return self._learned.model.config.ask_below

    def parse(self, utterance: str, context: ParseContext | None = None) -> ParseResult:
        context = context or ParseContext()
        if not isinstance(utterance, str) or not utterance.strip():
            return ParseResult(None, 0.0, self.source, "The message is empty: ask me a question "
                               "about the data or the model.")
        try:
            result = self._learned.parse(utterance[:MAX_CHARACTERS], context)
        except Exception:  # noqa: BLE001 - never let user text crash the caller
            log.exception("the parser failed on a message of %d characters", len(utterance))
            return ParseResult(None, 0.0, self.source,
                               "I could not read that question.")
        if len(utterance) > MAX_CHARACTERS and result.program is not None:
            result = ParseResult(result.program, min(result.confidence, 0.3), result.source,
                                 alternatives=result.alternatives)
        return result
