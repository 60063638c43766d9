"""The old rule-based first stage, kept only as a baseline for the parser benchmarks.

``bench/parse_eval.py --parser rules`` measures it; the product uses the learned parser
(``grammar.parse``).
"""

from __future__ import annotations

from grammar.parse.result import ParseContext, ParseResult
from grammar.schema import DatasetSchema

MAX_CHARACTERS = 2000


class RuleBaselineParser:
    """The rule-based parser the product used before the learned one (a baseline to measure
    against; it decides operations with cue-word lists)."""

    source = "rules"

    def __init__(self, schema: DatasetSchema) -> None:
        from bench.baseline_rules.rules import RuleParser

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
        except Exception as error:  # never let user text crash the caller
            return ParseResult(None, 0.0, self.source,
                               f"I could not read that question ({type(error).__name__}).")
        if program is None:
            from bench.baseline_rules.rules import COURTESY, UNKNOWN_FEATURE, UNSUPPORTED

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
        from bench.baseline_rules.rules import UNKNOWN_FEATURE
        from grammar.parse.vocabulary import SEX_WORDS

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
