"""The two-stage parser: rules first, a grammar-constrained language model when they are unsure.

The language model's program is used only when it is grammatical, valid for the dataset and
scores better than the first stage's reading; when neither is confident the parser offers the
two or three likeliest readings as options instead of guessing.
"""

from __future__ import annotations

import logging
import math
import re
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

from grammar import program as p
from grammar.errors import ProgramError
from grammar.fallback.backends import BackendUnavailable, ChatEndpoint, TransformersLM
from grammar.fallback.constrained import ConstrainedDecoder, GrammarWalker, snap_to_grammar
from grammar.fallback.examples import Example, generate_examples
from grammar.fallback.options import describe
from grammar.fallback.retrieval import ExampleRetriever
from grammar.language import ProgramGrammar
from grammar.nl_parser import NaturalLanguageParser, ParseContext, ParseResult
from grammar.parse.result import Candidate
from grammar.program import format_number, to_text
from grammar.schema import DatasetSchema

log = logging.getLogger(__name__)

MAX_UTTERANCE_CHARS = 400
DEFAULT_NUMBERS = ("1", "2", "3", "5", "10")


@dataclass(frozen=True)
class FallbackConfig:
    """When the fallback runs and how its reading is weighed against the first stage's."""

    threshold: float = 0.75  # first-stage confidence from which the fallback is not consulted
    ask_below: float = 0.45  # combined confidence under which the user is asked
    lm_weight: float = 0.35  # weight of the language model's posterior against the first stage's
    examples: int = 6
    max_words: int = 40
    max_options: int = 3


def _numbers(utterance: str, previous: p.Program | None) -> tuple[str, ...]:
    """Numbers the user wrote (digits or words) or the previous program used."""
    try:
        from text_to_num import alpha2digit

        text = alpha2digit(utterance, "en")
    except Exception:  # noqa: BLE001 - number words are a nicety; digits still work
        text = utterance
    found = [format_number(float(m)) for m in re.findall(r"-?\d+(?:\.\d+)?", text)]
    if previous is not None:
        found += re.findall(r"-?\d+(?:\.\d+)?", to_text(previous))
    return tuple(dict.fromkeys(found))


def clean_utterance(utterance: str) -> str:
    """One line of plain text: the user's words can never break out of the prompt's layout."""
    text = " ".join(str(utterance).split())
    return text[:MAX_UTTERANCE_CHARS]


def _schema_lines(schema: DatasetSchema) -> list[str]:
    parts = []
    for feature in schema.features:
        if feature.kind == "numeric":
            parts.append(f"{feature.canonical} (number)")
        elif feature.kind == "boolean":
            parts.append(f"{feature.canonical} (true/false)")
        else:
            parts.append(f"{feature.canonical} ({', '.join(feature.values[:8])})")
    lines = ["Features: " + "; ".join(parts) + "."]
    if schema.class_labels:
        lines.append("Class labels: " + ", ".join(schema.class_labels) + ".")
    return lines


def build_prompt(schema: DatasetSchema, examples: Sequence[Example], utterance: str) -> str:
    """A plain few-shot prompt ending where the program starts."""
    lines = [
        "Translate each question about a machine-learning model and its dataset into a program.",
        *_schema_lines(schema),
        "",
    ]
    for example in examples:
        lines += [f"Question: {example.question}", f"Program: {example.program}", ""]
    lines += [f"Question: {clean_utterance(utterance)}", "Program:"]
    return "\n".join(lines)


class FallbackParser:
    """First-stage parser plus the language-model fallback and clarifying options.

    ``lm_factory`` builds the backend on first use (loading a model takes seconds); ``None`` means
    no fallback: the first stage's reading is used, with options when it is unsure.
    """

    def __init__(
        self,
        schema: DatasetSchema,
        *,
        first: NaturalLanguageParser | None = None,
        lm_factory: Callable[[], TransformersLM | ChatEndpoint] | None = None,
        config: FallbackConfig | None = None,
        retriever: ExampleRetriever | None = None,
    ) -> None:
        self.schema = schema
        self.first = first or NaturalLanguageParser(schema)
        # ask below the first stage's own calibrated threshold unless told otherwise
        self.config = config or FallbackConfig(
            ask_below=getattr(self.first, "ask_below", FallbackConfig.ask_below))
        self.grammar = ProgramGrammar(schema)
        self._lm_factory = lm_factory
        self._lm: TransformersLM | ChatEndpoint | None = None
        self._walker: GrammarWalker | None = None
        self._retriever = retriever
        self._examples: tuple[Example, ...] | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"FallbackParser(backend={self._lm_factory is not None}, config={self.config})"

    @property
    def enabled(self) -> bool:
        return self._lm_factory is not None

    # ------------------------------------------------------------------ lazy parts
    def _backend(self) -> TransformersLM | ChatEndpoint | None:
        with self._lock:
            if self._lm is None and self._lm_factory is not None:
                try:
                    self._lm = self._lm_factory()
                except BackendUnavailable as error:
                    log.warning("language-model fallback disabled: %s", error)
                    self._lm_factory = None
            return self._lm

    def walker(self) -> GrammarWalker:
        if self._walker is None:
            vocabulary = [
                *self.schema.canonical_names,
                *(v.lower() for f in self.schema.features for v in f.values),
                *(c.lower() for c in self.schema.class_labels),
                *(i.lower() for i in self.schema.ids),
                *p.METRICS,
            ]
            self._walker = GrammarWalker(self.grammar.lark_parser(), vocabulary,
                                         default_numbers=DEFAULT_NUMBERS)
        return self._walker

    def examples(self, utterance: str) -> tuple[Example, ...]:
        if self._examples is None:
            self._examples = generate_examples(self.schema)
        if self._retriever is None:
            return self._examples[: self.config.examples]
        pool = self._retriever.nearest(utterance, self.config.examples * 4)
        return _diverse(pool, self.config.examples)[::-1]  # most similar last, next to the question

    # ------------------------------------------------------------------ parsing
    def parse(self, utterance: str, context: ParseContext | None = None) -> ParseResult:
        context = context or ParseContext()
        started = time.perf_counter()
        try:
            first = self.first.parse(utterance, context)
        except Exception as error:  # noqa: BLE001 - a first-stage bug must not end the turn
            log.exception("first-stage parser failed")
            first = ParseResult(None, 0.0, "learned", error=f"{type(error).__name__}")
        timing = {"first": time.perf_counter() - started}
        if first.program is None and (first.unknown_features or first.courtesy
                                       or first.unsupported or first.unknown_id):
            # a missing feature or a thank-you: the model would only guess another program
            return first
        confident = first.program is not None and first.confidence >= self.config.threshold
        lm = None if confident else self._backend()
        if lm is None:
            return self._without_fallback(first)
        candidates = self._candidates(first, utterance, context, lm, timing)
        timing["total"] = time.perf_counter() - started
        return replace(self._decide(first, candidates), candidates=tuple(candidates),
                       timing=tuple(timing.items()))

    def _without_fallback(self, first: ParseResult) -> ParseResult:
        if first.program is not None and first.confidence >= self.config.ask_below:
            return first
        readings = [(prog, conf) for prog, conf in [(first.program, first.confidence),
                                                      *first.alternatives] if prog is not None]
        if not readings:
            return first
        ranked = _unique(readings)[: self.config.max_options]
        return ParseResult(None, first.confidence, "clarify", error=first.error,
                           alternatives=tuple(ranked),
                           options=tuple(describe(r, self.schema) for r, _ in ranked))

    def _candidates(self, first: ParseResult, utterance: str, context: ParseContext,
                    lm: TransformersLM | ChatEndpoint,
                    timing: dict[str, float]) -> list[Candidate]:
        readings: dict[p.Program, float] = {}
        if first.program is not None:
            readings[first.program] = first.confidence
        for program, confidence in first.alternatives:
            readings.setdefault(program, confidence)
        t0 = time.perf_counter()
        examples = self.examples(clean_utterance(utterance))
        timing["retrieval"] = time.perf_counter() - t0
        prompt = build_prompt(self.schema, examples, utterance)
        numbers = _numbers(utterance, context.previous)
        t0 = time.perf_counter()
        if isinstance(lm, ChatEndpoint):
            generated = self._from_endpoint(lm, prompt, numbers)
            timing["lm"] = time.perf_counter() - t0
            out = [Candidate(prog, conf, None) for prog, conf in readings.items()]
            if generated is not None and generated not in readings:
                out.append(Candidate(generated, 0.0, 0.0))
            elif generated is not None:
                out = [replace(c, lm_logprob=0.0) if c.program == generated else c for c in out]
            return out
        decoder = ConstrainedDecoder(self.walker(), lm, max_words=self.config.max_words,
                                     accept_end=has_operation)
        decoded = decoder.decode(prompt, numbers)
        timing["lm"] = time.perf_counter() - t0
        out: list[Candidate] = []
        generated = self._valid(decoded.text)
        for program, confidence in readings.items():
            if program == generated:
                out.append(Candidate(program, confidence, decoded.logprob))
            else:
                logprob, _ = decoder.score(prompt, to_text(program))
                out.append(Candidate(program, confidence, logprob))
        if generated is not None and generated not in readings:
            out.append(Candidate(generated, 0.0, decoded.logprob))
        timing["scoring"] = time.perf_counter() - t0 - timing["lm"]
        return out

    def _from_endpoint(self, lm: ChatEndpoint, prompt: str,
                       numbers: Sequence[str]) -> p.Program | None:
        system, _, user = prompt.partition("\n\n")
        try:
            reply = lm.complete(system, user, grammar=self.grammar.lark_text)
        except BackendUnavailable as error:
            log.warning("language-model endpoint failed: %s", error)
            return None
        text = snap_to_grammar(self.walker(), reply, numbers, accept_end=has_operation)
        return self._valid(text) if text else None

    def _valid(self, text: str) -> p.Program | None:
        """The program if the dataset grammar accepts it and its names and ids exist."""
        try:
            return self.grammar.parse_strict(text)
        except ProgramError:
            return None

    def _decide(self, first: ParseResult, candidates: list[Candidate]) -> ParseResult:
        if not candidates:
            return self._without_fallback(first)
        scored = [c for c in candidates if c.lm_logprob is not None]
        posterior: dict[p.Program, float] = {}
        if scored:
            top = max(c.lm_logprob for c in scored)  # type: ignore[type-var]
            weights = {c.program: math.exp(c.lm_logprob - top) for c in scored}  # type: ignore
            total = sum(weights.values())
            posterior = {prog: w / total for prog, w in weights.items()}
        w = self.config.lm_weight
        combined = sorted(
            ((c.program, (1 - w) * c.first_stage + w * posterior.get(c.program, 0.0))
             for c in candidates),
            key=lambda item: -item[1],
        )
        best, confidence = combined[0]
        ranked = tuple(combined[: self.config.max_options])
        if confidence < self.config.ask_below:
            return ParseResult(
                None, confidence, "clarify", alternatives=ranked,
                options=tuple(describe(prog, self.schema) for prog, _ in ranked),
            )
        source = first.source if best == first.program else "fallback"
        return ParseResult(best, confidence, source, alternatives=tuple(combined[1:]))


_OPERATION_WORDS = frozenset(
    "predict likelihood explain important interact show label countdata data statistic define "
    "mistake score model function self followup previousoperation".split()
)


def has_operation(words: Sequence[str]) -> bool:
    """A program that only selects rows does nothing: the model must name an operation.

    Operation keywords follow ``and``/``or`` or open the program; elsewhere the same word may be
    a feature or value of the dataset.
    """
    previous = "and"
    for word in words:
        if previous in ("and", "or") and word in _OPERATION_WORDS:
            return True
        previous = word
    return False


def _shape(example: Example) -> str:
    return " ".join(w for w in example.program.split() if w.isalpha() and w in _KEYWORDS)


_KEYWORDS = frozenset(
    "filter id labelfilter predictionfilter previousfilter change increase decrease set predict "
    "likelihood explain features shap lime cfe important topk all interact show label countdata "
    "data statistic define mistake count sample typical score model function self followup "
    "previousoperation split heldout training and or".split()
)


def _diverse(pool: Sequence[Example], k: int) -> tuple[Example, ...]:
    """The nearest examples, at most two of any program shape, so the prompt shows variety."""
    chosen: list[Example] = []
    counts: dict[str, int] = {}
    for example in pool:
        shape = _shape(example)
        if counts.get(shape, 0) < 2:
            chosen.append(example)
            counts[shape] = counts.get(shape, 0) + 1
        if len(chosen) == k:
            break
    return tuple(chosen)


def _unique(readings: list[tuple[p.Program, float]]) -> list[tuple[p.Program, float]]:
    seen: dict[p.Program, float] = {}
    for program, confidence in readings:
        if program not in seen:
            seen[program] = confidence
    return sorted(seen.items(), key=lambda item: -item[1])
