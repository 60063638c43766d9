"""One user's conversation: per-session state on top of a shared, read-only ``Workspace``.

State kept here (and nowhere else): the selection the previous turn ended with, the previous
turn's program and operations, the follow-up offered at the end of the last answer, and the turn
history. A turn that fails leaves all of it untouched.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from dialogue.demo import demo_workspace
from dialogue.errors import DialogueError, NoRowsMatch
from dialogue.executor import TurnState, execute, planned_operations, unknown_id
from dialogue.figures import charts_for
from dialogue.responses import (
    context_words,
    describe_no_match,
    offer_question,
    reading,
    render,
    suggestions,
)
from dialogue.results import NoticeResult
from dialogue.workspace import Workspace
from explainers import ExplainerError, ModelError
from explainers.results import Progress
from grammar import ParseContext
from grammar import program as p
from grammar.describe import Reading
from grammar.errors import ProgramError
from grammar.fallback import FallbackParser
from grammar.language import parse_program
from grammar.nl_parser import ParseResult

logger = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 1000


@dataclass(frozen=True)
class Reply:
    """The answer to one message (the README's "Python API" lists its fields)."""

    text: str
    parse: str = ""
    charts: tuple = ()  # dialogue.figures.Chart values: .png() bytes, .figure() to draw
    table: pd.DataFrame | None = None
    understood: str = ""
    followup: str | None = None
    options: tuple[str, ...] = ()
    confidence: float = 1.0
    source: str = ""
    ok: bool = True
    elapsed: float = 0.0  # seconds spent answering
    reading: Reading | None = None  # ``understood`` as typed parts
    ran: p.Program | None = None  # the program that ran when it is not ``parse`` (a "yes")

    @property
    def figures(self) -> list:
        """The charts drawn as matplotlib figures (a new figure each time it is read)."""
        return [chart.figure() for chart in self.charts]


@dataclass(frozen=True)
class Turn:
    """One entry of the history."""

    message: str
    program: p.Program | None
    reply: Reply


class Conversation:
    """Per-session dialogue state; many can share one ``Workspace`` (and run in threads)."""

    def __init__(self, workspace: Workspace, *, figures: bool = True,
                 fallback: str | None = None, parser: FallbackParser | None = None) -> None:
        """``fallback`` names the language-model backend (default: the workspace's, which is
        ``$ASKMODEL_FALLBACK`` or ``"off"``); ``parser`` replaces the parser altogether (any
        object with ``parse(text, context) -> ParseResult``)."""
        self.workspace = workspace
        self.make_figures = figures
        self.fallback = fallback
        if parser is None:  # built (and shared) now, so a misconfigured backend fails here
            workspace.parser_for(fallback)
        self._parser = parser
        self._lock = threading.RLock()
        self.reset()

    # ------------------------------------------------------------------ constructors
    @classmethod
    def from_frame(
        cls,
        df: pd.DataFrame,
        target: str,
        model: Any = None,
        *,
        index_col: str | int | None = None,
        class_names: Mapping[Any, str] | Sequence[str] | None = None,
        feature_descriptions: Mapping[str, str] | None = None,
        fallback: str | None = None,
        split_column: str | None = None,
        test_frame: pd.DataFrame | None = None,
        dask_scheduler: Any = None,
        feature_notes: Any = None,
    ) -> Conversation:
        """A conversation about ``df`` and a fitted ``model`` (trained here if ``None``).

        ``split_column`` (train/test per row) or ``test_frame`` (held-out rows with the same
        columns) say which rows the model was not trained on, so that scores are measured on
        those; without either (for your own model), answers say the rows may include training
        data. ``fallback``: ``"off"`` (the default, or ``$ASKMODEL_FALLBACK``: no language model,
        but unsure readings are offered as options), ``"auto"``, ``"smollm2"``, a ``.gguf`` file
        or model directory, or ``"openai:<base url>"``; see ``grammar.fallback``.
        ``dask_scheduler``: a Dask scheduler address (or ``distributed.Client``) on which
        dataset-wide explanations run (default ``$ASKMODEL_DASK_SCHEDULER``, else here).
        ``feature_notes``: a feature description file (YAML path or its mapping: description,
        unit, ``immutable``, bounds, direction per feature; see ``dialogue.feature_file``).
        """
        workspace = Workspace.build(df, target, model, index_col=index_col,
                                    split_column=split_column, test_frame=test_frame,
                                    class_names=class_names,
                                    feature_descriptions=feature_descriptions, fallback=fallback,
                                    dask_scheduler=dask_scheduler, feature_notes=feature_notes)
        workspace.adapter  # noqa: B018 - validate the model against the data now
        return cls(workspace, fallback=fallback)

    @classmethod
    def from_files(
        cls,
        data_path: str | os.PathLike,
        target: str,
        model_path: str | os.PathLike | None = None,
        *,
        index_col: str | int | None = None,
        trusted: bool = False,
        class_names: Mapping[Any, str] | Sequence[str] | None = None,
        feature_descriptions: Mapping[str, str] | None = None,
        fallback: str | None = None,
        split_column: str | None = None,
        test_path: str | os.PathLike | None = None,
        dask_scheduler: Any = None,
        feature_notes: Any = None,
    ) -> Conversation:
        return cls(Workspace.from_files(
            data_path, target, model_path, index_col=index_col, trusted=trusted,
            class_names=class_names, feature_descriptions=feature_descriptions,
            fallback=fallback, split_column=split_column, test_path=test_path,
            dask_scheduler=dask_scheduler, feature_notes=feature_notes), fallback=fallback)

    @classmethod
    def demo(cls, *, fallback: str | None = None, dask_scheduler: Any = None) -> Conversation:
        """A conversation on the built-in breast-cancer demo."""
        return cls(demo_workspace(dask_scheduler), fallback=fallback)

    # ------------------------------------------------------------------ state
    def reset(self) -> None:
        """Forget the conversation so far (the workspace is untouched)."""
        with self._lock:
            self.state = TurnState()
            self.previous_program: p.Program | None = None
            # the previous turn's rows and what-ifs as explicit clauses (no ``previousfilter``),
            # so readings and follow-up buttons can name them ("patient 1")
            self.context_program: p.Program | None = None
            self.history: list[Turn] = []
            # The readings offered by the last clarifying question, with their programs.
            self._pending: tuple[tuple[ClarifyOption, p.Program], ...] = ()

    @property
    def parser(self) -> FallbackParser:
        """The parser this conversation uses (shared through the workspace)."""
        if self._parser is not None:
            return self._parser
        return self.workspace.parser_for(self.fallback)

    @property
    def pending_options(self) -> tuple[ClarifyOption, ...]:
        """The options of the last clarifying question, while they can still be chosen."""
        return tuple(option for option, _ in self._pending)

    @property
    def offered(self) -> p.Program | None:
        return self.state.offered

    @property
    def offer_is_about_rows(self) -> bool:
        """Whether the follow-up offered last is about the rows the conversation is on now."""
        offered = self.state.offered
        return offered is not None and any(isinstance(c, p.PreviousFilter)
                                           for c in offered.clauses)

    @property
    def about_one_row(self) -> bool:
        """Whether the conversation is about one row now (its rows are a single id)."""
        filters = self.context_program.filters if self.context_program is not None else ()
        return len(filters) == 1 and isinstance(filters[0], p.IdFilter)

    def resolved(self, program: p.Program | None) -> p.Program | None:
        """``program`` with ``previousfilter`` spelled out as the previous turn's filters and
        what-if changes (what the executor will select), for words, never for running."""
        return resolve_previous(program, self.context_program)

    def context_words(self) -> str | None:
        """The rows (and what-ifs) the conversation is about now, in words ("patient 1",
        "patients with mean radius above 17.5"); None when it is about every row."""
        return context_words(self.workspace, self.context_program)

    def follow(self, program: str | p.Program, words: str, *,
               progress: Callable[[Progress], None] | None = None) -> Reply:
        """Run a follow-up button: its explicit ``program`` (``followup`` for the offer the
        last answer made), recorded under the button's ``words``; no parsing involved."""
        return self._guarded(words, functools.partial(self._follow, program, progress=progress))

    # ------------------------------------------------------------------ entry points
    def ask(self, message: Any, *, progress: Callable[[Progress], None] | None = None) -> Reply:
        """Answer a message in natural language. Never raises: see ``_guarded``.

        ``progress`` (optional) receives ``explainers.Progress`` updates (``.text``,
        ``.fraction``) while a dataset-wide explanation runs, e.g. to show them in a chat."""
        return self._guarded(message, functools.partial(self._answer, progress=progress))

    def run_program(self, program: str | p.Program, *,
                    progress: Callable[[Progress], None] | None = None) -> Reply:
        """Run a program written in the parse language (skips natural-language parsing);
        ``progress`` as for ``ask``."""
        return self._guarded(program, functools.partial(self._run_program, progress=progress))

    # ------------------------------------------------------------------ the error boundary
    def _guarded(self, message: Any, answer: Any) -> Reply:
        """The one error boundary of a turn: whatever fails inside it (parser, executor, engines,
        the model, rendering, charts) becomes a short reply that says what the user can do. The
        exception's type, message and traceback go to the log only, never into the reply, and
        the conversation's state is left as it was before the turn. While the turn runs, the
        workspace knows an answer is being computed (see ``_answering``)."""
        started = time.perf_counter()
        with self._lock:
            saved = (self.state, self.previous_program, self._pending, len(self.history))
            try:
                with self._answering():
                    return answer(message, started)
            except Exception as exc:  # noqa: BLE001 - the boundary: nothing escapes a turn
                self.state, self.previous_program, self._pending = saved[:3]
                del self.history[saved[3]:]
                logger.error("a turn failed on a message of %s characters", _length(message))
                return self._record(_safe_text(message), None, self._failure(
                    _friendly(exc, self.workspace), started=started))

    def _answering(self) -> Any:
        """Tells the workspace an answer is being computed (its warm-up lets it go first)."""
        answering = getattr(self.workspace, "answering", None)
        return answering() if answering is not None else contextlib.nullcontext()

    def _answer(self, message: Any, started: float, *,
                progress: Callable[[Progress], None] | None = None) -> Reply:
        text = "" if message is None else str(message)
        stripped = text.strip()
        ws = self.workspace
        if not stripped:
            return self._record(text, None, self._failure(
                "Please type a question about the model or the data. For example: "
                + _examples(suggestions(ws)), options=suggestions(ws), started=started))
        if len(stripped) > MAX_MESSAGE_CHARS:
            return self._record(text, None, self._failure(
                f"That message is {len(stripped):,} characters long; I can only read questions "
                f"of up to {MAX_MESSAGE_CHARS:,} characters. Please ask one short question at a "
                "time, for example: " + _examples(suggestions(ws)), options=suggestions(ws),
                started=started))
        pending, self._pending = self._pending, ()
        choice = chosen_option(stripped, [option for option, _ in pending])
        if choice is not None:  # the user picked one of the readings offered last turn
            program = pending[choice][1]
            reply = self._run(program, confidence=1.0, source="clarify", started=started,
                              progress=progress)
            return self._record(text, program, reply)
        try:
            parsed = self.parser.parse(stripped, ParseContext(
                previous=self.previous_program, offered_followup=self.offered is not None))
            if parsed.program is not None and not isinstance(parsed.program, p.Program):
                raise TypeError("the parser returned something that is not a Program")
        except Exception as exc:  # noqa: BLE001 - a parser failure gets its own, kinder words
            logger.error("the parser failed on a message of %d characters: %s", len(stripped),
                         exception_detail(exc), exc_info=exc)
            return self._record(text, None, self._failure(
                "Sorry, I could not read that question. Try rephrasing it, for example: "
                + _examples(suggestions(ws)), options=suggestions(ws), started=started))
        readings = _readings(parsed)
        if parsed.program is None and readings:
            self._pending = readings
            options = tuple(option for option, _ in readings)
            return self._record(text, None, self._failure(
                clarifying_question(options), options=options,
                confidence=parsed.confidence, source=parsed.source or "clarify",
                started=started))
        if parsed.program is None and parsed.unknown_id:
            return self._record(text, None, self._failure(
                str(unknown_id(ws, parsed.unknown_id)), options=suggestions(ws),
                confidence=parsed.confidence, source=parsed.source, started=started))
        if parsed.program is None:
            options = tuple(parsed.options) or suggestions(ws)
            lead = parsed.error or "Sorry, I didn't understand that."
            message_text = (lead.rstrip() + " I can answer questions about the model and "
                            "its data, for example: " + _examples(options))
            if parsed.options:
                message_text = ("I'm not sure what you mean. Did you mean: "
                                + _examples(parsed.options))
            return self._record(text, None, self._failure(
                message_text, options=options, confidence=parsed.confidence,
                source=parsed.source, started=started))
        reply = self._run(parsed.program, confidence=parsed.confidence,
                          source=parsed.source, started=started,
                          options=tuple(parsed.options), progress=progress)
        return self._record(text, parsed.program, reply)

    def _run_program(self, program: str | p.Program, started: float, *,
                     progress: Callable[[Progress], None] | None = None) -> Reply:
        if isinstance(program, p.Program):
            parsed = program
        else:
            try:
                parsed = parse_program(str(program), self.workspace.schema)
            except Exception as exc:  # noqa: BLE001 - ProgramError and anything else
                message = str(exc) if isinstance(exc, ProgramError) else (
                    "That is not a program I can read.")
                if not isinstance(exc, ProgramError):
                    logger.error("reading a program failed: %s", exception_detail(exc),
                                 exc_info=exc)
                return self._record(str(program), None, self._failure(
                    message, source="program", started=started))
        reply = self._run(parsed, confidence=1.0, source="program", started=started,
                          progress=progress)
        return self._record(str(program), parsed, reply)

    def _follow(self, program: str | p.Program, words: str, started: float, *,
                progress: Callable[[Progress], None] | None = None) -> Reply:
        self._pending = ()
        if not isinstance(program, p.Program):
            program = parse_program(str(program), self.workspace.schema)
        reply = self._run(program, confidence=1.0, source="button", started=started,
                          progress=progress)
        return self._record(str(words), program, reply)

    # ------------------------------------------------------------------ internals
    def _run(self, program: p.Program, *, confidence: float, source: str, started: float,
             options: tuple[str, ...] = (),
             progress: Callable[[Progress], None] | None = None) -> Reply:
        ws = self.workspace
        followup = any(isinstance(c, p.FollowUp) for c in program.clauses)
        context_before = self.context_program
        try:
            # the reading names the rows: the previous turn's selection is spelled out, and a
            # "yes" to an offer reads as the offer itself
            read: Reading | None = reading(
                ws, self.resolved(program),
                followup_of=self.resolved(self.offered) if followup else None,
                previous_operations=self.state.operations)
        except Exception as exc:  # noqa: BLE001 - the plain-words line is a courtesy
            logger.error("describing a program failed: %s", exception_detail(exc), exc_info=exc)
            read = None
        understood = str(read) if read is not None else ""
        try:
            outcome = execute(ws, program, self.state, progress)
        except DialogueError as exc:
            self._remember_operations(program)
            message = (describe_no_match(ws, exc.log, exc.data) if isinstance(exc, NoRowsMatch)
                       else str(exc))
            return self._failure(message, parse=str(program), understood=understood,
                                 options=exc.suggestions, confidence=confidence, source=source,
                                 started=started)
        except Exception as exc:  # noqa: BLE001 - engines, the model, anything: stay friendly
            self._remember_operations(program)
            return self._failure(_friendly(exc), parse=str(program), understood=understood,
                                 confidence=confidence, source=source, started=started)
        notice = bool(outcome.results) and all(
            isinstance(res, NoticeResult) for res in outcome.results)
        text = "\n\n".join(render(ws, res) for res in outcome.results)
        offer_text = offer_question(ws, outcome.offer) if outcome.offer is not None else None
        if offer_text:
            text += "\n\n" + offer_text
        charts: list = []
        if self.make_figures:
            try:
                for res in outcome.results:
                    charts.extend(charts_for(ws, res))
            except Exception:  # noqa: BLE001 - a chart failing must not lose the answer
                logger.exception("figure failed")
        table = None
        for res in outcome.results:
            if getattr(res, "table", None) is not None:
                table = res.table
        if not notice:
            self.state = TurnState(
                selection=outcome.selection if outcome.touches_rows else self.state.selection,
                operations=outcome.operations or self.state.operations,
                offered=outcome.offer,
            )
            self.previous_program = outcome.program
            if outcome.touches_rows:
                try:
                    self.context_program = resolve_previous(outcome.program, context_before)
                except Exception as exc:  # noqa: BLE001 - words for buttons, never the answer
                    logger.error("resolving the previous rows failed: %s",
                                 exception_detail(exc), exc_info=exc)
                    self.context_program = None
        return Reply(text=text, parse=str(program), charts=tuple(charts), table=table,
                     understood=understood, followup=offer_text, options=options,
                     confidence=confidence, source=source, ok=not notice,
                     elapsed=time.perf_counter() - started, reading=read,
                     ran=outcome.program if followup and not notice else None)

    def _remember_operations(self, program: p.Program) -> None:
        """A failed turn keeps the selection and the offer, but "and for X?" should still mean
        the question just asked, so its operations are remembered."""
        operations = planned_operations(program, self.state)
        if operations:
            self.state = replace(self.state, operations=operations)
            self.previous_program = program

    def _failure(self, text: str, *, parse: str = "", understood: str = "",
                 options: Sequence[str] = (), confidence: float = 0.0, source: str = "",
                 started: float | None = None) -> Reply:
        elapsed = time.perf_counter() - started if started is not None else 0.0
        return Reply(text=text, parse=parse, understood=understood, options=tuple(options),
                     confidence=confidence, source=source, ok=False, elapsed=elapsed)

    def _record(self, message: str, program: p.Program | None, reply: Reply) -> Reply:
        with self._lock:
            self.history.append(Turn(message[:MAX_MESSAGE_CHARS], program, reply))
        return reply


def resolve_previous(program: p.Program | None, context: p.Program | None) -> p.Program | None:
    """``program`` with each ``previousfilter`` replaced by the filters of ``context`` (the
    previous turn, already resolved) and its what-if changes added when ``program`` lacks
    them; only filters, changes and operations are kept (a description of the rows)."""
    if program is None or not any(isinstance(c, p.PreviousFilter) for c in program.clauses):
        return program
    before = context or p.Program(())
    inherited = [c for c in before.clauses if p.is_filter(c)]
    inherited_joins = [j for c, j in zip(before.clauses[1:], before.joins, strict=True)
                       if p.is_filter(c)]
    clauses: list[p.Clause] = []
    joins: list[str] = []
    for index, clause in enumerate(program.clauses):
        join = program.joins[index - 1] if index else "and"
        parts = inherited if isinstance(clause, p.PreviousFilter) else [clause]
        part_joins = inherited_joins if isinstance(clause, p.PreviousFilter) else []
        for k, part in enumerate(parts):
            if clauses:
                joins.append(join if k == 0 else part_joins[k - 1])
            clauses.append(part)
    own_changes = set(program.changes)
    for change in before.changes:
        if change not in own_changes:
            position = next((i for i, c in enumerate(clauses) if p.is_operation(c)),
                            len(clauses))
            if clauses:
                joins.insert(max(position - 1, 0), "and")
            clauses.insert(position, change)
    return p.Program(tuple(clauses), tuple(joins))


class ClarifyOption(str):
    """One reading offered by a clarifying question.

    It *is* its plain-words text (so ``reply.options`` stays a tuple of strings for buttons and
    transcripts); ``.program`` is the program text that choosing it runs.
    """

    program: str

    def __new__(cls, text: str, program: str) -> ClarifyOption:
        option = super().__new__(cls, text)
        option.program = program
        return option

    def __getnewargs__(self) -> tuple[str, str]:  # type: ignore[override] - for copy/pickle
        return (str.__str__(self), self.program)

    @property
    def text(self) -> str:
        return str.__str__(self)

    def __repr__(self) -> str:
        return f"ClarifyOption({self.text!r}, program={self.program!r})"


def _readings(parsed: ParseResult) -> tuple[tuple[ClarifyOption, p.Program], ...]:
    """The readings of a clarifying parse result, paired with the options that describe them."""
    if getattr(parsed, "source", "") != "clarify":
        return ()
    alternatives = tuple(getattr(parsed, "alternatives", ()) or ())
    texts = tuple(getattr(parsed, "options", ()) or ())
    out: list[tuple[ClarifyOption, p.Program]] = []
    for index, (program, _confidence) in enumerate(alternatives):
        if not isinstance(program, p.Program):
            continue
        text = texts[index] if index < len(texts) else str(program)
        out.append((ClarifyOption(text, str(program)), program))
    return tuple(out)


def clarifying_question(options: Sequence[str]) -> str:
    """The reply text when the parser is unsure: the readings as a numbered list."""
    if len(options) == 1:
        return (f"I'm not sure I understood. Did you mean: “{options[0]}”? Say yes (or 1) to "
                "go ahead, or rephrase the question.")
    listed = "\n".join(f"{number}. {option}" for number, option in enumerate(options, start=1))
    return ("I'm not sure what you mean. Did you mean one of these?\n\n" + listed
            + "\n\nReply with its number (or click it), or rephrase the question.")


_ORDINALS = {
    "1": 0, "1st": 0, "first": 0, "one": 0,
    "2": 1, "2nd": 1, "second": 1, "two": 1,
    "3": 2, "3rd": 2, "third": 2, "three": 2,
}
_CHOICE_FILLERS = frozenset(
    "i mean meant want choose pick take option number no yes the one please reading that "
    "it is go with".split()
)
_YES = frozenset({"yes", "y", "yes please", "ok", "okay", "sure", "yep", "correct", "right",
                  "that one", "yes that one"})


def _words(text: str) -> list[str]:
    return re.sub(r"[^\w\s]", " ", text.lower()).split()


def chosen_option(message: str, options: Sequence[str]) -> int | None:
    """Which offered option a message picks: its text, its program, "2", "the first one",
    "option 3", "the last one" (or "yes" when only one was offered); None otherwise."""
    if not options:
        return None
    words = _words(message)
    for index, option in enumerate(options):
        program = getattr(option, "program", None)
        if words == _words(str(option)) or (program and message.strip() == program):
            return index
    if " ".join(words) in _YES and len(options) == 1:
        return 0
    if any(w not in _CHOICE_FILLERS and w not in _ORDINALS and w != "last" for w in words):
        return None  # the message says something else: it is a new question
    picks = [w for w in words if w in _ORDINALS or w == "last"]
    if len(picks) > 1:
        picks = [w for w in picks if w != "one"]  # "the first one"
    indexes = {len(options) - 1 if w == "last" else _ORDINALS[w] for w in picks}
    if len(indexes) == 1:
        index = indexes.pop()
        if index < len(options):
            return index
    return None


def _examples(options: Sequence[str]) -> str:
    return "; ".join(f"“{o}”" for o in options[:3])


TURN_FAILED = ("Sorry, something went wrong while working that out, so I can't answer it right "
               "now. Your conversation is unchanged; try rephrasing the question or ask another "
               "one")
MODEL_FAILED = ("The model itself failed while computing this answer, so I can't give it. This "
                "is a problem inside the model, not with your question: try another question, "
                "other rows, or a smaller what-if change. The details are in the log for whoever "
                "maintains the model.")


def _friendly(exc: BaseException, workspace: Workspace | None = None) -> str:
    """The only place where an exception becomes words for the user. Our own sentences
    (explainers, grammar) are shown as they are; the model's own exception text never is; the
    details of anything else go to the log, and the user is told what to try instead."""
    if isinstance(exc, ModelError):
        logger.error("the model failed: %s", getattr(exc, "detail", "") or exc, exc_info=exc)
        return MODEL_FAILED
    if isinstance(exc, ExplainerError | ProgramError):
        return str(exc)
    logger.error("unexpected error while answering: %s", exception_detail(exc), exc_info=exc)
    return TURN_FAILED + (_examples_or_nothing(workspace) if workspace is not None else ".")


def exception_detail(exc: BaseException) -> str:
    """Type and message of an exception, for the log."""
    return f"{type(exc).__name__}: {exc}"


def _length(message: Any) -> str:
    try:
        return str(len(str(message)))
    except Exception:  # noqa: BLE001 - a message whose str() fails
        return "?"


def _safe_text(message: Any) -> str:
    """The message as text for the history, even when its ``str()`` raises."""
    try:
        return "" if message is None else str(message)
    except Exception:  # noqa: BLE001
        return f"<unreadable {type(message).__name__}>"


def _examples_or_nothing(workspace: Workspace) -> str:
    """', for example: “…”; “…”' after a failure, or just '.' when even that fails."""
    try:
        return ", for example: " + _examples(suggestions(workspace)) + "."
    except Exception:  # noqa: BLE001 - a broken workspace still gets a sentence
        logger.error("suggestions failed too", exc_info=True)
        return "."
