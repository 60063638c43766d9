"""What a parser returns: the program (or why there is none), its confidence and other readings."""

from __future__ import annotations

from dataclasses import dataclass, field

from grammar.program import Program


@dataclass(frozen=True)
class ParseContext:
    """What the parser may know about the conversation so far."""

    previous: Program | None = None  # the previous turn's program
    offered_followup: bool = False  # the assistant ended its last reply with an offer


@dataclass(frozen=True)
class Candidate:
    """A reading the language-model fallback weighed against the first stage's."""

    program: Program
    first_stage: float  # the first stage's confidence in this reading (0 if it did not read it)
    lm_logprob: float | None  # the language model's log-probability of the program


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
    # A whole number the question may mean as a row id, that no row has, in a question no
    # reading was found for: a later stage can say which ids exist instead of "not understood".
    unknown_id: str | None = None
    # What the fallback weighed for this question and how long each step took (seconds): kept on
    # the result, not on the shared parser, so concurrent conversations each see their own.
    candidates: tuple[Candidate, ...] = field(default=(), compare=False)
    timing: tuple[tuple[str, float], ...] = field(default=(), compare=False)

    @property
    def text(self) -> str:
        return str(self.program) if self.program is not None else ""
