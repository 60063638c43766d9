"""Plain-Python helpers behind the Gradio app: upload checks, transcripts, export, suggestions.

Kept out of ``app.py`` so they can be tested without a browser or a server, and so the app file
stays a thin description of the page. Nothing here imports gradio.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import logging
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from dialogue.data_checks import DataError, read_table
from dialogue.followups import next_steps
from dialogue.holdout import trained_from_split_column
from dialogue.numbers import fmt, fmt_pair
from dialogue.warmup import warm_up
from dialogue.workspace import Workspace
from explainers.errors import ExplainerError, ModelError, UnknownFeatureError, UntrustedFileError
from grammar.schema import DatasetSchema

CSV_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
SKOPS_SUFFIXES = frozenset({".skops"})
PICKLE_SUFFIXES = frozenset({".joblib", ".pkl", ".pickle"})
LOG = logging.getLogger("askmodel.app")
MAX_UPLOAD_ROWS = 200_000
MIN_UPLOAD_ROWS = 10


class UploadError(ValueError):
    """A user's upload cannot be used; the message says why in words a user can act on."""


# --------------------------------------------------------------------------- warm-up
def warm_up_in_background(workspace: Workspace) -> threading.Thread:
    """Make the first answers fast without delaying the page (``Workspace.warm_up`` in a daemon
    thread)."""
    thread = warm_up(workspace, background=True)
    assert thread is not None
    return thread


# --------------------------------------------------------------------------- uploads
def read_upload_csv(path: str | Path) -> pd.DataFrame:
    """Read an uploaded table, refusing anything that is not a usable CSV with a clear reason."""
    p = Path(path)
    name = p.name
    if p.suffix.lower() not in CSV_SUFFIXES:
        raise UploadError(
            f"“{name}” is not a CSV file. Please upload a comma-separated table "
            "(a .csv file with a header row)."
        )
    head = p.read_bytes()[:4096]
    if b"\x00" in head:
        raise UploadError(
            f"“{name}” looks like a binary file, not a CSV table. Export your data as CSV "
            "(comma-separated, with a header row) and upload that."
        )
    try:
        sample = head.decode("utf-8", errors="replace")
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","

    try:
        frame = read_table(p, sep=delimiter, nrows=MAX_UPLOAD_ROWS + 1).frame
    except DataError as exc:
        raise UploadError(str(exc)) from exc
    if frame.shape[1] < 2:
        raise UploadError(
            f"“{name}” has only {frame.shape[1]} column; a model needs at least one feature "
            "column and a target column. Is the file comma-separated with a header row?"
        )
    if len(frame) < MIN_UPLOAD_ROWS:
        raise UploadError(
            f"“{name}” has only {len(frame)} rows; please upload at least {MIN_UPLOAD_ROWS}."
        )
    if len(frame) > MAX_UPLOAD_ROWS:
        raise UploadError(f"“{name}” has more than {MAX_UPLOAD_ROWS:,} rows; please sample it.")
    unnamed = [str(c) for c in frame.columns if str(c).startswith("Unnamed:")]
    if unnamed and len(unnamed) == frame.shape[1]:
        raise UploadError(f"“{name}” has no header row; the first line must name the columns.")
    return frame


def guess_target(columns: Sequence[str]) -> str | None:
    """The column most likely to be the target: a conventional name, else the last column."""
    conventional = ("target", "label", "class", "outcome", "y")
    for column in columns:
        if str(column).strip().lower() in conventional:
            return str(column)
    return str(columns[-1]) if columns else None


def guess_index_column(frame: pd.DataFrame) -> str | None:
    """An id column (name ends in ``id`` and every value is unique), or ``None``."""
    for column in frame.columns:
        words = str(column).lower().replace("-", "_").split("_")
        if words[-1] in ("id", "ids") and frame[column].is_unique:
            return str(column)
    return None


def check_target(frame: pd.DataFrame, target: str | None, index_col: str | None = None) -> None:
    """Refuse a target that cannot be predicted: missing, the id column, constant or empty."""
    if not target:
        raise UploadError("Please choose the target column (the one the model predicts).")
    if target not in frame.columns:
        raise UploadError(
            f"The target “{target}” is not a column of the file. Columns are: "
            + ", ".join(map(str, frame.columns))
        )
    if index_col and target == index_col:
        raise UploadError("The target cannot also be the id column; please choose another one.")
    series = frame[target]
    if series.isna().all():
        raise UploadError(f"The target “{target}” is empty in every row.")
    if series.nunique(dropna=True) < 2:
        raise UploadError(
            f"The target “{target}” has a single value ({series.dropna().iloc[0]!r}), so there "
            "is nothing to predict. Did you pick the wrong column?"
        )
    # rows without a target value are left out at load, and the status says so


def guess_split_column(frame: pd.DataFrame) -> str | None:
    """A column that says train/test for every row (``split``, ``is_test``...), or ``None``."""
    for column in frame.columns:
        name = str(column).lower()
        if not any(word in name for word in ("split", "test", "train", "holdout", "fold")):
            continue
        try:
            trained = trained_from_split_column(frame, column)
        except ValueError:
            continue
        if 0 < trained.sum() < len(trained):
            return str(column)
    return None


def check_split(frame: pd.DataFrame, split_column: str | None, target: str | None,
                index_col: str | None, test_path: str | Path | None) -> None:
    """Refuse a split column that is the target or the id, or one given with a test file."""
    if split_column is None:
        return
    if test_path:
        raise UploadError("Give either a split column or a test file for the held-out rows, "
                          "not both.")
    if split_column in (target, index_col):
        raise UploadError("The split column must be a column of its own, not the target or the "
                          "id column.")

    try:
        trained = trained_from_split_column(frame, split_column)
    except ValueError as exc:
        raise UploadError(str(exc)[:1].upper() + str(exc)[1:] + ".") from exc
    if trained.all():
        raise UploadError(f"The split column “{split_column}” marks every row as training "
                          "data, so there are no held-out rows to measure the model on.")


def check_model_file(path: str | Path | None, trusted: bool) -> None:
    """Accept skops files; accept joblib/pickle only when the user said they trust the file."""
    if path is None:
        return
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix in SKOPS_SUFFIXES:
        if not p.read_bytes()[:2] == b"PK":
            raise UploadError(f"“{p.name}” is not a valid skops file (it is not a zip archive).")
        return
    if suffix in PICKLE_SUFFIXES:
        if not trusted:
            raise UploadError(
                f"“{p.name}” is a joblib/pickle file, which can run arbitrary code when opened. "
                "Tick “I trust this file” if it comes from someone you trust, or save the "
                "model with skops instead."
            )
        return
    raise UploadError(
        f"“{p.name}” is not a model file this app can open. Use a .skops file, or a .joblib / "
        ".pkl file together with “I trust this file”."
    )


YAML_SUFFIXES = frozenset({".yaml", ".yml"})


def check_descriptions_file(path: str | Path | None) -> None:
    """A feature description file must be YAML (its content is checked when it is read)."""
    if not path:
        return
    p = Path(path)
    if p.suffix.lower() not in YAML_SUFFIXES:
        raise UploadError(f"“{p.name}” is not a feature description file; use a .yaml file "
                          "(description, unit, immutable, bounds per feature).")


def describe_load_error(exc: BaseException, paths: Sequence[str | Path | None] = ()) -> str:
    """A user-facing sentence for an exception raised while loading data and model.

    Temporary upload paths are shortened to file names; the engines' own messages are already
    plain sentences, so they are kept and framed with what to do next."""
    text = str(exc).strip() or type(exc).__name__
    for path in paths:
        if path:
            text = text.replace(str(path), Path(path).name)

    if isinstance(exc, UploadError | DataError):
        return text
    if isinstance(exc, UntrustedFileError):  # the API's "trusted=True" is the checkbox here
        text = re.sub(r"\s*[^.]*trusted=True[^.]*\.", "", text).strip()
        return f"{text} Tick “I trust this file” only if you trust where the model file came from."
    lowered = text.lower()
    if isinstance(exc, UnknownFeatureError) or (
        isinstance(exc, ExplainerError)
        and any(w in lowered for w in ("feature", "column", "expects"))
    ):
        return (
            f"The model does not fit the columns of this file. {text} Check that the CSV has "
            "the columns the model was trained on and that the right target column is chosen."
        )
    if isinstance(exc, ModelError):
        return f"The model failed on the rows of this file. {text}"
    if isinstance(exc, ExplainerError | ValueError):
        return f"The data and model could not be used together. {text}"
    return f"The data and model could not be loaded: {text}"


# --------------------------------------------------------------------------- transcript
@dataclass(frozen=True)
class Turn:
    """One question and its answer, as kept for export (figures already rendered to PNG)."""

    question: str
    answer: str
    parse: str
    understood: str
    ok: bool
    confidence: float | None
    source: str | None
    figures_png: tuple[bytes, ...] = ()
    table: pd.DataFrame | None = None
    followup: str | None = None
    options: tuple[str, ...] = ()
    seconds: float = 0.0
    # the rows the answer was about, in words ("patient 1"); None for every row
    context: str | None = None
    offer_program: str | None = None  # the program the offered follow-up would run
    offer_about_rows: bool = False  # the offer runs on the answer's rows (``previousfilter``)
    ran: str | None = None  # the program that ran, when it differs from ``parse`` (a "yes")
    offer_reading: str | None = None  # after a "yes": the accepted suggestion, in words
    one_row: bool = False  # the answer was about a single row (its context is one id)
    asked_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))


def figure_png(figure: Any, dpi: int = 110) -> bytes:
    """Render a matplotlib figure to PNG bytes (thread-safe: no pyplot state involved)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


def table_markdown(table: pd.DataFrame | None, max_rows: int = 20) -> str:
    """A DataFrame as a Markdown table (truncated, with a note), or ``""``."""
    if table is None or len(table.columns) == 0:
        return ""
    shown = table.head(max_rows)
    header = [str(c) for c in shown.columns]
    index_name = shown.index.name
    with_index = index_name is not None or not isinstance(shown.index, pd.RangeIndex)
    if with_index:
        header = [str(index_name or "")] + header
    lines = ["| " + " | ".join(_md_cell(h) for h in header) + " |"]
    lines.append("|" + "|".join(" --- " for _ in header) + "|")
    for idx, row in shown.iterrows():
        cells = [_md_cell(_fmt(v)) for v in row.tolist()]
        if with_index:
            cells = [_md_cell(_fmt(idx))] + cells
        lines.append("| " + " | ".join(cells) + " |")
    if len(table) > max_rows:
        lines.append(f"\n*Showing {max_rows} of {len(table)} rows.*")
    return "\n".join(lines)


def _fmt(value: object) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:.4g}"
    return str(value)


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


# how sure the parser was of its reading, in words a user reads (thresholds on the calibrated
# probability; under 0.5 the assistant asks instead of answering)
CONFIDENCE_WORDS: tuple[tuple[float, str], ...] = ((0.85, "sure"), (0.6, "fairly sure"),
                                                   (0.0, "unsure"))
DETAILS_TITLE = "Details: program, confidence, time"


def confidence_words(confidence: float | None) -> str | None:
    """``0.93`` -> ``sure``; ``0.7`` -> ``fairly sure``; ``0.55`` -> ``unsure``."""
    if confidence is None or not math.isfinite(confidence):
        return None
    return next(words for floor, words in CONFIDENCE_WORDS if confidence >= floor)


def reading_line(turn: Turn) -> str:
    """One plain-words line saying how the question was read, shown above the answer so that a
    wrong reading is seen at once ("I read this as: patients with ... — what the model
    predicts"). Empty when nothing was read (a clarifying question, a failure)."""
    lead, understood = "I read this as: ", (turn.understood or "").strip()
    if turn.offer_reading:
        lead, understood = "I read this as a yes to my suggestion: ", turn.offer_reading.strip()
    if not understood:
        return ""
    if understood[:1].isupper() and understood[1:2].islower():
        understood = understood[:1].lower() + understood[1:]
    line = lead + understood
    if confidence_words(turn.confidence) == "unsure":
        line += " (I am not sure of this reading; rephrase if it is wrong)"
    return f"*{_md_inline(line)}*"


def _md_inline(text: str) -> str:
    """Text safe inside one Markdown emphasis: no stray asterisks or underscores."""
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("_", "\\_")


def answer_markdown(turn: Turn, *, reading: bool = True) -> str:
    """The answer as shown in the chat: how the question was read, prose, then the table."""
    table = table_markdown(turn.table)
    body = f"{turn.answer}\n\n{table}" if table else turn.answer
    line = reading_line(turn) if reading else ""
    return f"{line}\n\n{body}" if line else body


def understood_markdown(turn: Turn) -> str:
    """What goes in the collapsed details box under an answer: the program, how sure the reading
    is (in words) and the time taken."""
    parts = []
    if turn.parse:
        parts.append(f"Program: `{turn.parse}`")
    elif not turn.understood:
        parts.append("I could not map this question to something I can compute.")
    detail = []
    words = confidence_words(turn.confidence) if turn.parse else None
    if words:
        detail.append(f"reading: {words}")
    if turn.seconds:
        detail.append(f"{turn.seconds:.1f} s")
    if detail:
        parts.append("*" + " · ".join(detail) + "*")
    return "\n\n".join(parts)


def transcript_markdown(turns: Sequence[Turn], title: str) -> str:
    """The conversation as one self-contained Markdown document (charts inlined as PNG)."""
    lines = [f"# {title}", "", f"*Exported {datetime.now(UTC):%Y-%m-%d %H:%M} UTC*", ""]
    for number, turn in enumerate(turns, start=1):
        lines += [f"## {number}. {turn.question}", "", answer_markdown(turn), ""]
        for k, png in enumerate(turn.figures_png, start=1):
            data = base64.b64encode(png).decode("ascii")
            lines += [f"![Chart {number}.{k}](data:image/png;base64,{data})", ""]
        lines += [
            f"<details><summary>{DETAILS_TITLE}</summary>",
            "",
            understood_markdown(turn),
            "",
            "</details>",
            "",
        ]
    return "\n".join(lines)


def transcript_json(turns: Sequence[Turn], meta: dict[str, Any]) -> str:
    """The conversation as JSON: every field of every turn, charts as base64 PNG."""
    payload = {
        "askmodel_transcript": 1,
        "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **meta,
        "turns": transcript_turns(turns),
    }
    return json.dumps(payload, indent=2, ensure_ascii=False)


def transcript_turns(turns: Sequence[Turn]) -> list[dict[str, Any]]:
    """Every field of every turn as JSON-ready values (charts as base64 PNG)."""
    return [
        {
            "question": t.question,
            "answer": t.answer,
            "parse": t.parse,
            "understood": t.understood,
            "ok": t.ok,
            "confidence": t.confidence,
            "source": t.source,
            "followup": t.followup,
            "options": list(t.options),
            "seconds": round(t.seconds, 3),
            "asked_at": t.asked_at,
            "table": (
                None
                if t.table is None
                else json.loads(t.table.to_json(orient="split", default_handler=str))
            ),
            "figures_png_base64": [base64.b64encode(p).decode("ascii") for p in t.figures_png],
        }
        for t in turns
    ]


# --------------------------------------------------------------------------- suggestions
@dataclass(frozen=True)
class Suggestion:
    """A clickable follow-up under an answer: ``label`` is shown and is what the chat and the
    exports record as the question; ``program`` (parse language, or ``None`` to read the label
    like a typed question) is what runs, so a button never depends on the parser."""

    label: str
    message: str
    program: str | None = None


# the next steps worth one click after each kind of answer: (label for one row or a group,
# program); "{who}" is the rows the answer was about
_OFFER = re.compile(
    r"^(would you( also)? like (me )?to|do you( also)? want (me )?to|shall i|should i)\s+", re.I
)


def suggestions_for(turn: Turn, offer_help: bool = True) -> tuple[Suggestion, ...]:
    """Follow-ups worth one click after ``turn``: the offered follow-up, clarifications, and
    natural next steps for the kind of question just answered. Each names the rows it is about
    (``turn.context``) and runs an explicit program; no two run the same program."""
    out: list[Suggestion] = []
    if turn.options:
        out += [Suggestion(o, o) for o in turn.options]
    who = turn.context
    if turn.followup:
        label = _offer_label(turn.followup, who if turn.offer_about_rows else None)
        out.append(Suggestion(label, label, "followup [E]"))
    # after a "yes", the steps that follow what it ran
    for template, program in next_steps(turn.ran or turn.parse, turn.one_row):
        if "{who}" in template:
            label = template.format(who=who) if who else template.replace(" for {who}", "")
            label = label.replace(" on {who}", "")
        else:
            label = template
        out.append(Suggestion(label, label, program))
    if not turn.ok and not turn.options and offer_help:
        out.append(Suggestion("What can you do?", "what can you do?", "function [E]"))
    seen: set[str] = set()
    unique = []
    offered = turn.offer_program
    for s in out:
        # the same meaning twice (the offer and a next step running the same program, or two
        # buttons with the same words) shows once
        meaning = offered if s.program == "followup [E]" and offered else s.program or s.message
        if meaning in seen or s.message in seen:
            continue
        seen.update({meaning, s.message})
        unique.append(s)
    return tuple(unique[:4])


def _offer_label(followup: str, who: str | None = None) -> str:
    """``Would you also like to see the F1 score?`` -> ``Yes, see the F1 score``; with the rows
    it is about: ``Yes, see how sure the model is for patient 1``."""
    text = followup.strip().rstrip("?").strip()
    match = _OFFER.match(text)
    label = f"Yes, {text[match.end() :]}" if match else (f"Yes: {text}" if text else "Yes")
    if who:
        if label.endswith(" here"):
            label = label[: -len(" here")]
        label += f" for {who}"
    return label


@dataclass(frozen=True)
class ExampleQuestion:
    """A starter question and the program it must be read as in a fresh session (a test asks
    each one; a misread example is replaced by clearer words, never by changing the parser)."""

    text: str
    program: str


def example_set(
    schema: DatasetSchema, noun: str = "row", nouns: str = "rows"
) -> tuple[ExampleQuestion, ...]:
    """Starter questions for any dataset, built from its schema, with their programs."""
    numeric = [
        f
        for f in schema.features
        if f.kind == "numeric" and f.minimum is not None and f.maximum is not None
    ]
    out = [
        ExampleQuestion("What are the most important features?", "important all [E]"),
        ExampleQuestion("How accurate is the model?", "score accuracy [E]"),
    ]
    ids = schema.ids
    row = ids[min(len(ids) - 1, 11)] if ids else None
    if row is not None:
        who = f"{noun} {row}" if noun != "row" else f"id {row}"
        out.append(ExampleQuestion(f"Why did the model predict what it did for {who}?",
                                   f"filter id {row} and explain features [E]"))
        out.append(ExampleQuestion(f"What would change the prediction for {who}?",
                                   f"filter id {row} and explain cfe [E]"))
    if numeric:
        feature = numeric[0]
        cut = _round_nice((float(feature.minimum) + float(feature.maximum)) / 2)
        words = feature.aliases[0] if feature.aliases else feature.name
        where = f"filter {feature.canonical} greater than {cut}"
        out.append(ExampleQuestion(f"How many {nouns} have {words} above {cut}?",
                                   f"{where} and countdata [E]"))
        out.append(ExampleQuestion(
            f"What does the model predict for {nouns} with {words} above {cut}?",
            f"{where} and predict [E]"))
        out.append(ExampleQuestion(f"How does the prediction change as {words} goes up?",
                                   f"dependence {feature.canonical} [E]"))
    out.append(ExampleQuestion("Where does the model make mistakes?", "mistake sample [E]"))
    return tuple(out)


def example_questions(
    schema: DatasetSchema, noun: str = "row", nouns: str = "rows"
) -> tuple[str, ...]:
    """The starter questions' words (see ``example_set``)."""
    return tuple(example.text for example in example_set(schema, noun, nouns))


def _round_nice(value: float) -> str:
    if value == 0 or not math.isfinite(value):
        return "0"
    digits = max(0, 2 - int(math.floor(math.log10(abs(value)))))
    rounded = round(value, digits) if digits else round(value)
    return f"{rounded:g}"


# --------------------------------------------------------------------------- side panel
def model_kind(model: Any) -> str:
    """``Pipeline(GradientBoostingClassifier)`` -> ``GradientBoostingClassifier (pipeline)``."""
    steps = getattr(model, "steps", None)
    if steps:
        return f"{type(steps[-1][1]).__name__} (in a {len(steps)}-step pipeline)"
    return type(model).__name__


def workspace_summary_markdown(
    workspace: Workspace, label: str, model_path: str | Path | None = None
) -> str:
    """The side panel: what the data is, what the model is, and how accurate it is."""
    schema = workspace.schema
    n_rows = len(workspace.frame)
    lines = [f"### Data: {label}", ""]
    lines.append(
        f"**{n_rows:,} {workspace.noun(n_rows)}**, {len(schema.features)} features; "
        f"the model predicts **{schema.target}**."
    )
    if schema.task == "classification":
        counts = workspace.y.value_counts()
        shares = [
            f"{workspace.class_name(label_)} {count / n_rows:.0%}"
            for label_, count in counts.items()
        ]
        lines.append("")
        lines.append("Classes: " + ", ".join(shares) + ".")
    lines += ["", "### Model", ""]
    source = f" from `{Path(model_path).name}`" if model_path else ""
    lines.append(f"{model_kind(workspace.model)}{source}.")
    if workspace.model_note:
        lines.append(workspace.model_note)
    if getattr(workspace, "notes", ()):
        lines += ["", "*Adjusted at load:* " + " ".join(workspace.notes)]
    lines.append("")
    try:
        lines.append(_quality_line(workspace))
    except Exception:  # noqa: BLE001 - the panel must render even if scoring fails
        LOG.exception("scoring the model for the side panel failed")
        lines.append("Accuracy could not be computed: the model failed on these rows.")
    lines += ["", f"The {len(schema.features)} features, what they mean and what may change: "
              "*Features of the data*, below the chat."]
    return "\n".join(lines)


def features_table_markdown(workspace: Workspace) -> str:
    """The features as a full-width table a reader can scan: what each is, its unit, the values
    in the data, and what a counterfactual may do with it."""
    schema = workspace.schema
    units = getattr(workspace, "units", {}) or {}
    immutable = set(getattr(workspace, "immutable", ()) or ())
    up = set(getattr(workspace, "no_decrease", ()) or ())
    down = set(getattr(workspace, "no_increase", ()) or ())
    bounds = getattr(workspace, "bounds", {}) or {}
    lines = ["| feature | what it is | values in the data | in a what-if |",
             "| --- | --- | --- | --- |"]
    for feature in schema.features:
        if feature.kind == "numeric" and feature.minimum is not None:
            low, high = fmt_pair(feature.minimum, feature.maximum)
            values = f"{low} to {high}"
        elif feature.values:
            values = ", ".join(feature.values[:6]) + (" …" if len(feature.values) > 6 else "")
        else:
            values = "yes / no"
        unit = units.get(feature.name)
        if unit and feature.kind == "numeric":
            values += f" {unit}"
        if feature.name in immutable:
            change = "never changed"
        elif feature.name in bounds:
            low, high = bounds[feature.name]
            if math.isfinite(low) and math.isfinite(high):
                change = "only within {} to {}".format(*fmt_pair(low, high))
            elif math.isfinite(low):
                change = f"only {fmt(low)} or more"
            else:
                change = f"only up to {fmt(high)}"
        elif feature.name in up:
            change = "only upwards"
        elif feature.name in down:
            change = "only downwards"
        else:
            change = "may change"
        what = feature.description or ""
        lines.append(f"| **{_md_cell(feature.name)}** | {_md_cell(what)} | {_md_cell(values)} "
                     f"| {change} |")
    return "\n".join(lines)


def _quality_line(workspace: Workspace) -> str:
    """The model's accuracy (R² and MAE for regression), honestly: on the rows it was not
    trained on when those are known, else on every row with a warning that they may include
    its training rows."""
    import numpy as np

    predicted = np.asarray(workspace.predictions())
    actual = workspace.y.to_numpy()
    n = len(actual)
    training = workspace.training
    everything = np.ones(n, dtype=bool)
    if training is not None and training.n_heldout:
        held = ~training.trained
        rows = f"on the {training.n_heldout:,} {workspace.noun(training.n_heldout)} it was not trained on"
        tail = (f" ({_quality(workspace, predicted, actual, everything, short=True)} on all "
                f"{n:,}, including the {training.n_trained:,} it was trained on.)")
        return f"{_quality(workspace, predicted, actual, held)} {rows}.{tail}"
    if training is not None:
        return (f"{_quality(workspace, predicted, actual, everything)} on all {n:,} "
                f"{workspace.noun(n)}, all of them used to train it, so this overstates how it "
                "does on new ones.")
    return (f"{_quality(workspace, predicted, actual, everything)} on all {n:,} "
            f"{workspace.noun(n)}. They may include the rows the model was trained on, so this "
            "may overstate it; give a split column or a test file to measure it on held-out rows.")


def _quality(workspace: Workspace, predicted: Any, actual: Any, rows: Any, *,
             short: bool = False) -> str:
    import numpy as np

    predicted, actual = predicted[rows], actual[rows]
    if workspace.schema.task == "classification":
        if predicted.dtype.kind in "biuf" and actual.dtype.kind in "biuf":
            hits = predicted == actual
        else:
            hits = predicted.astype(str) == actual.astype(str)
        accuracy = float(np.mean(hits))
        return f"{accuracy:.1%}" if short else f"**Accuracy: {accuracy:.1%}**"
    from sklearn.metrics import mean_absolute_error, r2_score

    r2 = r2_score(actual, predicted) if len(actual) > 1 else float("nan")
    mae = mean_absolute_error(actual, predicted)
    if short:
        return f"R² {r2:.3f}"
    return f"**R²: {r2:.3f}**, mean absolute error {mae:.4g},"
