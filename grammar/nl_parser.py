"""Natural-language parser, first stage: schema-aware rules over normalised text.

``NaturalLanguageParser(schema).parse(utterance, context)`` returns a ``ParseResult`` with the
program, a confidence in [0, 1] and the stage that produced it. It never raises on user text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from grammar.program import Program
from grammar.schema import DatasetSchema

MAX_CHARACTERS = 2000


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
    # Words the user used as a feature that the dataset does not have ("glucose"): a later stage
    # should report them rather than guess another feature.
    unknown_features: tuple[str, ...] = ()
    # A courtesy ("thanks!") with no question in it: the parse language has no clause for it, so
    # ``error`` holds a friendly reply and no later stage should try to read it as a program.
    courtesy: bool = False
    # The question asks for something no program can express (a filter on a regression's
    # predicted values): ``error`` says so, and no later stage should guess another program.
    unsupported: bool = False

    @property
    def text(self) -> str:
        return str(self.program) if self.program is not None else ""


class NaturalLanguageParser:
    """Turns a user's question into a ``Program`` using the dataset's schema (thread-safe)."""

    source = "rules"

    def __init__(self, schema: DatasetSchema) -> None:
        from grammar.nl.parser import RuleParser

        self.schema = schema
        self._rules = RuleParser(schema)

    def parse(self, utterance: str, context: ParseContext | None = None) -> ParseResult:
        context = context or ParseContext()
        if not isinstance(utterance, str) or not utterance.strip():
            return ParseResult(None, 0.0, self.source, "The message is empty: ask me a question "
                               "about the data or the model.")
        too_long = len(utterance) > MAX_CHARACTERS
        try:
            program, confidence, note = self._rules.parse(utterance, context.previous)
        except Exception:  # never let user text crash the caller; details go to the log only
            logging.getLogger(__name__).exception("the rule parser failed on a message")
            return ParseResult(None, 0.0, self.source, "I could not read that question.")
        if program is None:
            from grammar.nl.parser import COURTESY, UNKNOWN_FEATURE, UNSUPPORTED

            if note == COURTESY:
                return ParseResult(None, 0.0, self.source, "You're welcome!", courtesy=True)
            if note.startswith(UNSUPPORTED):
                return ParseResult(None, 0.0, self.source, _unsupported_message(
                    note[len(UNSUPPORTED):], self.schema), unsupported=True)

            unknown = (note[len(UNKNOWN_FEATURE):],) if note.startswith(UNKNOWN_FEATURE) else ()
            return ParseResult(None, confidence, self.source, self._explain_failure(note),
                               unknown_features=unknown)
        if too_long:
            confidence = min(confidence, 0.3)
        return ParseResult(program, confidence, self.source)

    def _explain_failure(self, note: str) -> str:
        """A user-facing sentence for why nothing was parsed (names an unknown feature word)."""
        from grammar.nl.parser import UNKNOWN_FEATURE
        from grammar.nl.vocabulary import SEX_WORDS

        if note.startswith(UNKNOWN_FEATURE):
            word = note[len(UNKNOWN_FEATURE):]
            if word in SEX_WORDS:
                return (f"The data has no sex or gender column, so I cannot pick out '{word}'. "
                        "Ask about everyone, or about a group the data records.")
            names = ", ".join(f.name for f in self.schema.features[:12])
            more = " and others" if len(self.schema.features) > 12 else ""
            return (f"The data has no feature called '{word}', so I cannot answer about it. "
                    f"The features are: {names}{more}.")
        return "I did not understand that question about the data or the model."


def _unsupported_message(what: str, schema: DatasetSchema) -> str:
    """Why a question about a numeric target's values cannot be answered as asked."""
    whose = "predicted values" if what == "prediction" else f"true values of {schema.target}"
    return (f"I cannot select rows by the model's {whose}: groups can only be chosen by the "
            f"features (and by class, for a classifier). Ask for the predictions of a group "
            f"instead, e.g. 'what does the model predict for smokers?'.")
