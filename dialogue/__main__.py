"""Command line: ``askmodel parse`` (utterances -> programs), ``chat`` and ``test``.

The ``parse`` path imports only the grammar package (schema + natural-language parser) so that
the first answer comes within a few seconds; the heavy engines load only for ``chat``/``test``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import pandas as pd

from dialogue.conversation import Conversation, Reply
from dialogue.data_checks import DataError, read_table
from dialogue.figures import Chart, LineChart
from dialogue.scripted import ScriptError, ScriptRunner, ScriptSkipped, format_outcome
from dialogue.warmup import warm_up
from explainers import ExplainerError
from explainers.results import Progress
from grammar import DatasetSchema, ParseContext, ParseResult, Program
from grammar.fallback import build_parser

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

QUIT_WORDS = frozenset({"quit", "exit", ":q", "bye"})
FALLBACK_HELP = ("language-model fallback for unsure questions: off (no model; unsure questions "
                 "get numbered options), auto, smollm2, gemma3, a .gguf file or model directory, "
                 "or openai:<base url> (key from $ASKMODEL_LLM_API_KEY)")


class CliError(Exception):
    """A problem with the command line or its input files, shown to the user as one line."""


# --------------------------------------------------------------------------- shared helpers
def _index_col(value: str | None) -> str | int | None:
    """``--index-col 0`` means the first column (e.g. pandas' unnamed index column)."""
    if value is None or value == "":
        return None
    stripped = value.strip()
    if stripped.lstrip("-").isdigit():
        return int(stripped)
    return stripped


def _read_csv(path: str) -> pd.DataFrame:
    """The CSV as a DataFrame, or a ``CliError`` a user can act on."""

    file = Path(path)
    if not file.is_file():
        raise CliError(f"no such data file: {path}")
    try:
        table = read_table(file)
    except (DataError, OSError) as exc:
        raise CliError(str(exc)) from exc
    for note in table.notes:
        print(f"note: {note}", file=sys.stderr)
    return table.frame


def _build_schema(path: str, target: str, index_col: str | int | None) -> DatasetSchema:
    frame = _read_csv(path)
    if isinstance(index_col, int) and index_col in frame.columns:
        index_col = str(index_col)
    try:
        return DatasetSchema.from_frame(frame, target, index_col=index_col)
    except ValueError as exc:
        raise CliError(str(exc)) from exc


def _configure_streams(stdin: IO[str], stdout: IO[str]) -> None:
    """Undecodable input becomes U+FFFD instead of an exception; output is flushed per line."""
    reconfigure = getattr(stdin, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(errors="replace")
        except (ValueError, OSError):
            pass
    reconfigure = getattr(stdout, "reconfigure", None)
    if reconfigure is not None:
        try:
            reconfigure(encoding="utf-8", errors="replace", line_buffering=True)
        except (ValueError, OSError):
            pass


# --------------------------------------------------------------------------------- parse
@dataclass(frozen=True)
class ParsedLine:
    """One output line of ``askmodel parse``."""

    utterance: str
    parse: str
    source: str
    confidence: float
    error: str | None = None
    # When the parser asks instead of answering: (plain words, program text) per reading.
    options: tuple[tuple[str, str], ...] = ()

    @property
    def clarify(self) -> bool:
        """True exactly when a conversation would ask which reading was meant."""
        return not self.parse and bool(self.options)

    def to_json(self) -> str:
        record: dict[str, object] = {
            "utterance": self.utterance,
            "parse": self.parse,
            "source": self.source,
            "confidence": self.confidence,
            "clarify": self.clarify,
        }
        if self.error is not None:
            record["error"] = self.error
        if self.options:
            record["options"] = [{"text": text, "parse": program}
                                 for text, program in self.options]
        return json.dumps(record, ensure_ascii=False)


ParseFunction = Callable[[str, "ParseContext | None"], "ParseResult"]


def _fallback_setting(value: str | None) -> str | None:
    """``--fallback``, else ``$ASKMODEL_FALLBACK``, else None (the first stage alone)."""
    import os

    setting = value if value is not None else os.environ.get("ASKMODEL_FALLBACK")
    return setting.strip() if setting and setting.strip() else None


def _build_parse_function(schema: DatasetSchema, fallback: str | None) -> ParseFunction:
    """The parser a conversation uses: ``grammar.fallback.build_parser(schema, backend)``, with
    no language model unless one is named, so that it asks exactly when a chat would ask."""
    try:
        parser = build_parser(schema, fallback or "off")
    except Exception as exc:  # noqa: BLE001 - unknown backend, missing settings, ...
        raise CliError(f"could not build the {fallback!r} fallback parser: {exc}") from exc
    return parser.parse


def parse_line(
    parse: ParseFunction, utterance: str, context: ParseContext | None
) -> tuple[ParsedLine, Program | None]:
    """Parse one utterance; any failure becomes an output line with an ``error``, never a crash."""
    if not utterance.strip():
        return ParsedLine(utterance, "", "none", 0.0, "empty input"), None
    try:
        result = parse(utterance, context)
    except Exception:  # noqa: BLE001 - one bad line must not end the stream
        import logging

        logging.getLogger(__name__).exception("parsing a line failed")
        return ParsedLine(utterance, "", "error", 0.0, "could not read this line"), None
    program = result.program
    text = str(program) if program is not None else ""
    options: tuple[tuple[str, str], ...] = ()
    if program is None and result.source == "clarify":
        texts = tuple(getattr(result, "options", ()) or ())
        options = tuple((texts[i] if i < len(texts) else str(reading), str(reading))
                        for i, (reading, _) in enumerate(getattr(result, "alternatives", ())))
    error = result.error
    if program is None and not error:
        error = "unsure: choose one of the options" if options else "not understood"
    confidence = float(result.confidence) if result.confidence is not None else 0.0
    return ParsedLine(utterance, text, str(result.source), confidence, error, options), program


def run_parse(
    parse: ParseFunction,
    lines: Iterable[str],
    out: IO[str],
    *,
    dialogue: bool = False,
) -> int:
    """Write one JSON line per input line, in order; with ``dialogue`` the context carries."""
    previous: Program | None = None
    count = 0
    for raw in lines:
        utterance = raw.rstrip("\r\n")
        # As in a Conversation: the previous program, and (as after almost every answer) an
        # offered follow-up once something was understood; offers are not executed here.
        context = (ParseContext(previous=previous, offered_followup=previous is not None)
                   if dialogue else None)
        parsed, program = parse_line(parse, utterance, context)
        if dialogue and program is not None:
            previous = program
        out.write(parsed.to_json() + "\n")
        out.flush()
        count += 1
    return count


def command_parse(args: argparse.Namespace) -> int:
    started = time.perf_counter()
    schema = _build_schema(args.data, args.target, _index_col(args.index_col))
    if args.model and not Path(args.model).exists():
        print(f"note: model file {args.model} not found; parsing does not need it",
              file=sys.stderr)
    parse = _build_parse_function(schema, _fallback_setting(args.fallback))
    if args.verbose:
        print(f"parser ready in {time.perf_counter() - started:.2f} s", file=sys.stderr)
    _configure_streams(sys.stdin, sys.stdout)
    run_parse(parse, sys.stdin, sys.stdout, dialogue=args.dialogue)
    return EXIT_OK


# ---------------------------------------------------------------------------------- chat
def _print_table(table: pd.DataFrame, out: IO[str], max_rows: int = 20) -> None:
    try:
        text = table.to_string(max_rows=max_rows, max_cols=12)
    except (AttributeError, TypeError, ValueError):
        text = str(table)
    out.write(text + "\n")


def _save_figures(charts: Sequence[Chart | LineChart], directory: Path,
                  turn: int) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for number, chart in enumerate(charts, start=1):
        path = directory / f"turn{turn:03d}_figure{number}.png"
        if hasattr(chart, "png"):
            path.write_bytes(chart.png())
        else:  # a drawn matplotlib figure
            chart.savefig(path, dpi=100, bbox_inches="tight")
        paths.append(path)
    return paths


def render_reply(reply: Reply, out: IO[str], figure_dir: Path | None, turn: int) -> None:
    """Print a ``Reply`` as plain text: prose, how it was understood, table, figures, options."""
    out.write(reply.text.rstrip() + "\n")
    understood = (getattr(reply, "understood", "") or "").strip()
    parse = (getattr(reply, "parse", "") or "").strip()
    if parse and understood and understood != parse:
        out.write(f"(understood as: {understood} — {parse})\n")
    elif parse or understood:
        out.write(f"(understood as: {parse or understood})\n")
    table = getattr(reply, "table", None)
    if table is not None:
        if "|---" in reply.text or "| ---" in reply.text:  # the prose already shows its rows
            rows, columns = getattr(table, "shape", (len(table), 0))
            out.write(f"[table: {rows} rows x {columns} columns]\n")
        else:
            _print_table(table, out)
    figures = list(getattr(reply, "charts", None) or getattr(reply, "figures", None) or [])
    if figures:
        if figure_dir is not None:
            try:
                paths = _save_figures(figures, figure_dir, turn)
                for path in paths:
                    out.write(f"[figure saved to {path}]\n")
            except (OSError, ValueError) as exc:
                out.write(f"[made {len(figures)} figure(s); could not save them: {exc}]\n")
        else:
            out.write(f"[made {len(figures)} figure(s); use --save-figures to keep them]\n")
    options = tuple(getattr(reply, "options", ()) or ())
    if options:
        listed = all(f"{n}. {o}" in reply.text for n, o in enumerate(options, start=1))
        for number, option in enumerate(options, start=1):
            if not listed:  # a clarifying question already lists its readings, numbered
                out.write(f"  {number}. {option}\n")
            program = getattr(option, "program", None)
            if program:
                out.write(f"     ({number} runs: {program})\n")
        out.write("(type a number to choose)\n")
    out.flush()


def _choose_option(text: str, options: Sequence[str]) -> str:
    """A bare number picks one of the options offered in the previous reply."""
    stripped = text.strip().rstrip(".)")
    if options and stripped.isdigit():
        index = int(stripped) - 1
        if 0 <= index < len(options):
            return options[index]
    return text


def _open_conversation(args: argparse.Namespace) -> Conversation:
    if not args.data:
        if args.target or args.model or args.split_column or args.test_data:
            raise CliError("--target/--model/--split-column/--test-data need --data")
        try:
            return Conversation.demo(fallback=args.fallback, dask_scheduler=args.dask_scheduler)
        except RuntimeError as exc:  # BackendUnavailable, ClusterUnavailable
            raise CliError(str(exc)) from exc
    if not args.target:
        raise CliError("--data needs --target (the column the model predicts)")
    if not Path(args.data).is_file():
        raise CliError(f"no such data file: {args.data}")
    if args.model and not Path(args.model).is_file():
        raise CliError(f"no such model file: {args.model}")
    if args.test_data and not Path(args.test_data).is_file():
        raise CliError(f"no such test data file: {args.test_data}")
    if args.descriptions and not Path(args.descriptions).is_file():
        raise CliError(f"no such feature description file: {args.descriptions}")
    try:
        return Conversation.from_files(
            args.data,
            target=args.target,
            model_path=args.model,
            index_col=_index_col(args.index_col),
            trusted=args.trust_model,
            fallback=args.fallback,
            split_column=args.split_column or None,
            test_path=args.test_data or None,
            dask_scheduler=args.dask_scheduler,
            feature_notes=args.descriptions or None,
        )
    except Exception as exc:  # noqa: BLE001 - every load failure is one line, never a traceback
        raise CliError(_load_error_line(exc)) from exc


def _load_error_line(exc: BaseException) -> str:
    """One line for a data or model file that cannot be used (the API's wording, CLI flags)."""
    import logging

    logging.getLogger(__name__).info("loading failed", exc_info=exc)
    if isinstance(exc, (ValueError, KeyError, OSError, RuntimeError, ExplainerError)):
        text = str(exc).strip().strip("'\"") or type(exc).__name__
    else:
        text = "the data and model could not be loaded (run with --debug for details)"
    return " ".join(text.replace("trusted=True", "--trust-model").split())


class _ProgressLine:
    """Shows dataset-wide progress on one terminal line while an answer is computed."""

    def __init__(self, out: IO[str], interactive: bool) -> None:
        self.out = out
        self.interactive = interactive
        self.shown = False
        self._last = -1.0

    def __call__(self, update: Progress) -> None:
        fraction = float(getattr(update, "fraction", 0.0))
        if fraction - self._last < 0.05 and fraction < 1.0:
            return  # at most ~20 refreshes per computation
        self._last = fraction
        text = str(getattr(update, "text", update))
        if self.interactive:
            self.out.write(f"\r... {text}\x1b[K")
        else:
            self.out.write(f"... {text}\n")
        self.out.flush()
        self.shown = True

    def finish(self) -> None:
        if self.shown and self.interactive:
            self.out.write("\r\x1b[K")
            self.out.flush()


def run_chat(conversation: Conversation, lines: Iterable[str], out: IO[str], *, interactive: bool,
             figure_dir: Path | None) -> int:
    """The read-answer loop; returns the number of questions answered."""
    options: tuple[str, ...] = ()
    answered = 0
    iterator = iter(lines)
    while True:
        if interactive:
            out.write("you> ")
            out.flush()
        try:
            line = next(iterator)
        except (StopIteration, KeyboardInterrupt):
            break
        text = line.strip()
        if not text:
            continue
        if text.lower() in QUIT_WORDS:
            break
        text = _choose_option(text, options)
        if not interactive:
            out.write(f"you> {text}\n")
        progress = _ProgressLine(out, interactive)
        try:
            reply = conversation.ask(text, progress=progress)
        except Exception:  # noqa: BLE001 - the chat must survive any single question
            import logging

            progress.finish()
            logging.getLogger(__name__).exception("answering a question failed")
            out.write("Sorry, something went wrong answering that; try another question.\n")
            options = ()
            continue
        progress.finish()
        answered += 1
        render_reply(reply, out, figure_dir, answered)
        out.write("\n")
        options = tuple(getattr(reply, "options", ()) or ())
    return answered


def command_chat(args: argparse.Namespace) -> int:
    import logging

    if args.debug:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    else:  # failures already reach the user as friendly replies; keep tracebacks off screen
        logging.getLogger().addHandler(logging.NullHandler())
    _configure_streams(sys.stdin, sys.stdout)
    interactive = sys.stdin.isatty()
    if interactive:
        print("Loading the model and explainers...", flush=True)
    conversation = _open_conversation(args)
    for note in getattr(conversation.workspace, "notes", ()):
        print(f"note: {note}", file=sys.stderr, flush=True)
    figure_dir: Path | None = None
    if args.save_figures is not None:
        import tempfile

        figure_dir = (Path(args.save_figures) if args.save_figures
                      else Path(tempfile.mkdtemp(prefix="askmodel-figures-")))
        print(f"figures will be saved in {figure_dir}", flush=True)
    if interactive:
        warm_up(conversation.workspace, background=True)  # explainers load while the user types
        print("Ask me about the model and its data. Type 'quit' to leave.", flush=True)
    lines = _interactive_lines() if interactive else sys.stdin
    run_chat(conversation, lines, sys.stdout, interactive=interactive, figure_dir=figure_dir)
    return EXIT_OK


def _interactive_lines() -> Iterable[str]:
    """``input()`` gives line editing when readline is available."""
    while True:
        try:
            yield input()
        except EOFError:
            print()
            return


# ---------------------------------------------------------------------------------- test
def command_test(args: argparse.Namespace) -> int:
    import logging

    logging.getLogger().addHandler(logging.NullHandler())  # failures are reported per turn
    runner = ScriptRunner()  # scripts on the same dataset share one model and workspace
    failed = 0
    total = 0
    broken = 0
    for name in args.files:
        path = Path(name)
        try:
            outcomes = runner.run_script(path)
        except ScriptSkipped as exc:
            print(f"{path}: skipped ({exc})")
            continue
        except ScriptError as exc:
            print(f"invalid script: {exc}")
            broken += 1
            continue
        for outcome in outcomes:
            total += 1
            if not outcome.passed:
                failed += 1
            if args.verbose or not outcome.passed:
                print(format_outcome(outcome))
    summary = f"{total - failed}/{total} turns passed"
    if failed:
        summary += f", {failed} failed"
    if broken:
        summary += f", {broken} invalid script(s)"
    print(summary)
    return EXIT_OK if failed == 0 and broken == 0 else EXIT_FAILED


# ---------------------------------------------------------------------------------- main
def build_argument_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="askmodel",
        description="Ask questions about a trained tabular model in plain language.",
    )
    commands = parser.add_subparsers(dest="command", required=True)

    parse = commands.add_parser(
        "parse",
        help="turn questions (one per stdin line) into programs (one JSON object per line)",
    )
    parse.add_argument("--data", required=True, help="the dataset as CSV")
    parse.add_argument("--target", required=True, help="the column the model predicts")
    parse.add_argument("--index-col", help="id column: a name or a 0-based position")
    parse.add_argument("--model", help="accepted for symmetry with chat; parsing needs no model")
    parse.add_argument("--fallback", metavar="BACKEND", help=FALLBACK_HELP
                       + " (default: $ASKMODEL_FALLBACK, else the first-stage parser alone)")
    parse.add_argument("--dialogue", action="store_true",
                       help="read the lines as one conversation: each line is parsed in the "
                       "context of the previous line's program, with a follow-up assumed "
                       "offered (nothing is executed)")
    parse.add_argument("-v", "--verbose", action="store_true", help="report timings on stderr")
    parse.set_defaults(handler=command_parse)

    chat = commands.add_parser("chat", help="chat in the terminal (the built-in demo by default)")
    chat.add_argument("--data", help="the dataset as CSV (default: the built-in demo)")
    chat.add_argument("--target", help="the column the model predicts")
    chat.add_argument("--model", help="a saved model (.skops, .joblib, .pkl); default: train one")
    chat.add_argument("--index-col", help="id column: a name or a 0-based position")
    chat.add_argument("--split-column", metavar="COLUMN",
                      help="a column saying train/test for each row: scores use the test rows "
                      "(the column is not a feature)")
    chat.add_argument("--test-data", metavar="FILE",
                      help="a second CSV of rows the model was not trained on (same columns); "
                      "scores use those rows")
    chat.add_argument("--descriptions", metavar="FILE.yaml",
                      help="feature descriptions, units, immutable features and bounds (YAML)")
    chat.add_argument("--trust-model", action="store_true",
                      help="allow loading model files that can run code (pickle/joblib)")
    chat.add_argument("--save-figures", nargs="?", const="", default=None, metavar="DIR",
                      help="save figures as PNG (in DIR, or a new temporary directory)")
    chat.add_argument("--fallback", metavar="BACKEND", help=FALLBACK_HELP
                      + " (default: $ASKMODEL_FALLBACK, else off)")
    chat.add_argument("--dask-scheduler", metavar="ADDRESS",
                      help="run dataset-wide explanations on this Dask cluster (e.g. "
                           "tcp://host:8786; default: $ASKMODEL_DASK_SCHEDULER, else here)")
    chat.add_argument("--debug", action="store_true", help="log internal errors to stderr")
    chat.set_defaults(handler=command_chat)

    test = commands.add_parser("test", help="run scripted dialogue tests (YAML)")
    test.add_argument("files", nargs="+", help="dialogue test files")
    test.add_argument("-v", "--verbose", action="store_true", help="print every turn")
    test.set_defaults(handler=command_test)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``askmodel`` and ``python -m dialogue``."""
    parser = build_argument_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.handler(args))
    except CliError as exc:
        print(f"askmodel {args.command}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return EXIT_FAILED
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
