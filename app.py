"""AskModel's web app: chat with a trained tabular model (Gradio).

Run ``python app.py`` (demo data and model, http://127.0.0.1:7860); ``--host``/``--port`` or
``GRADIO_SERVER_NAME``/``GRADIO_SERVER_PORT`` choose where it listens. The same file is the
Hugging Face Space entry point (``app_file: app.py``).

Serve your own model: ``python app.py --data FILE.csv --target COL [--model FILE]
[--index-col COL] [--descriptions FILE.yaml] [--trust-model]``, or the same through
``ASKMODEL_DATA``, ``ASKMODEL_TARGET``, ``ASKMODEL_MODEL``, ``ASKMODEL_INDEX_COL``,
``ASKMODEL_DESCRIPTIONS`` and ``ASKMODEL_TRUST_MODEL`` (a hosted Space). ``askmodel_blocks``
returns the page for a given data and model, to mount in FastAPI (``gr.mount_gradio_app``) or
render in another Gradio app. The upload box stays either way.

Every browser session owns one ``Session`` (its conversation, transcript and, after an upload,
its own workspace) held in a ``gr.State``; the demo ``Workspace`` is built once and shared
read-only. Answers run in Gradio's worker threads with a generous concurrency limit, so one slow
explanation does not hold up other users.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import functools
import itertools
import logging
import os
import queue
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import gradio as gr

from dialogue import Conversation, Workspace
from dialogue.app_support import (
    DETAILS_TITLE,
    Suggestion,
    Turn,
    UploadError,
    answer_markdown,
    check_descriptions_file,
    check_model_file,
    check_split,
    check_target,
    describe_load_error,
    example_questions,
    features_table_markdown,
    guess_index_column,
    guess_split_column,
    guess_target,
    read_upload_csv,
    suggestions_for,
    transcript_json,
    transcript_markdown,
    transcript_turns,
    understood_markdown,
    warm_up_in_background,
    workspace_summary_markdown,
)
from dialogue.data_checks import read_table
from dialogue.demo import demo_workspace
from explainers import load_model
from explainers.errors import UntrustedFileError
from explainers.results import Progress
from grammar.program import Program

LOG = logging.getLogger("askmodel.app")
NO_INDEX = "(row number)"
NO_SPLIT = "(not known)"
PENDING_TITLE = "Working on it…"
PENDING_TEXT = "Reading your question and running the model…"
MAX_EXAMPLES = 8  # example question buttons on the page
PENDING_AFTER = 0.3  # seconds an answer may take before the progress message is shown
PROGRESS_EVERY = 0.5  # seconds between progress refreshes

CSS = """
.gradio-container {max-width: 1320px !important; margin: auto;}
#askmodel-header h1 {margin-bottom: 0.1em;}
#askmodel-header p {margin-top: 0; color: var(--body-text-color-subdued);}
#askmodel-panel {font-size: 0.92em;}
#askmodel-panel table {font-size: 0.95em;}
#askmodel-chat .message-wrap img {max-width: 100%;}
#askmodel-status p {margin: 0.3em 0;}
/* example questions are read in full: they wrap instead of being cut */
#askmodel-examples-row {gap: 6px; flex-wrap: wrap;}
#askmodel-examples button.askmodel-example {
    white-space: normal; overflow: visible; text-overflow: clip; text-align: left;
    height: auto; min-width: 0; max-width: 100%; flex: 0 1 auto; font-weight: normal;
}
#askmodel-examples-title p {margin: 0.4em 0 0.2em 0;}
/* the features table gets the page's full width */
#askmodel-features table {width: 100%; font-size: 0.92em;}
#askmodel-features td:first-child {white-space: nowrap;}
/* chart buttons (download, fullscreen) sit above the chart, not on its title */
#askmodel-chat .message-content img, #askmodel-chat .message img {margin-top: 30px;}
/* a phone: a shorter chat that still comes first, so the examples are on the first screen */
@media (max-width: 700px) {
    #askmodel-chat {height: 56vh !important; min-height: 320px;}
    #askmodel-header h1 {font-size: 1.5em;}
    #askmodel-header p {font-size: 0.9em;}
    /* the table scrolls sideways instead of squeezing words into letters */
    #askmodel-features table {display: block; overflow-x: auto; width: 100%;}
    #askmodel-features td, #askmodel-features th {min-width: 7.5em;}
    #askmodel-features td:nth-child(2) {min-width: 14em;}
}
"""
# After an answer, show its start: scroll the chat so the question just asked is at the top
# (Gradio's autoscroll would jump to the bottom, past the answer's text, to its last chart).
SCROLL_TO_ANSWER_JS = """() => {
    const box = document.querySelector('#askmodel-chat .panel-wrap')
        || document.querySelector('#askmodel-chat .bubble-wrap');
    if (!box) return;
    const rows = box.querySelectorAll('.message-row.user-row');
    const last = rows[rows.length - 1];
    if (!last) return;
    const go = () => { box.scrollTop += last.getBoundingClientRect().top
                                       - box.getBoundingClientRect().top - 6; };
    go(); setTimeout(go, 150); setTimeout(go, 600);
}"""
# On a phone the data-and-model panel starts collapsed, below the chat.
COLLAPSE_ON_PHONE_JS = """() => {
    if (window.innerWidth > 700) return;
    const toggle = document.querySelector('#askmodel-panel-box .label-wrap');
    if (toggle && toggle.classList.contains('open')) toggle.click();
}"""


@dataclass
class Session:
    """One browser session: its own conversation, transcript and (after an upload) workspace."""

    workspace: Workspace
    conversation: Conversation
    label: str
    turns: list[Turn] = field(default_factory=list)
    panel: str = ""
    examples: tuple[str, ...] = ()
    # the newest answer's follow-up buttons by their words: pressing one runs its program
    buttons: dict[str, Suggestion] = field(default_factory=dict)
    # conversations this tab had on other data before it loaded new data: (label, turns),
    # still in the exports
    earlier: tuple[tuple[str, tuple[Turn, ...]], ...] = ()
    # "upload" / "demo" while the page asks whether to replace a conversation with content
    pending: str | None = None
    _ticket: int = 0
    _stopped: set[int] = field(default_factory=set)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def begin(self) -> int:
        """Start one answer; the ticket lets a later Stop discard exactly this answer."""
        with self._lock:
            self._ticket += 1
            return self._ticket

    def stop(self) -> None:
        with self._lock:
            self._stopped.add(self._ticket)

    def was_stopped(self, ticket: int) -> bool:
        with self._lock:
            return ticket in self._stopped


@dataclass(frozen=True)
class ChatArea:
    """The chat column's widgets."""

    chatbot: gr.Chatbot
    textbox: gr.Textbox
    send: gr.Button
    stop: gr.Button
    example_buttons: tuple[gr.Button, ...]
    clear: gr.Button
    export_md: gr.Button
    export_json: gr.Button
    export_file: gr.File


@dataclass(frozen=True)
class UploadForm:
    """The "use your own data and model" form's widgets."""

    csv_file: gr.File
    target: gr.Dropdown
    index_col: gr.Dropdown
    model_file: gr.File
    split_col: gr.Dropdown
    test_file: gr.File
    trusted: gr.Checkbox
    descriptions_file: gr.File
    load: gr.Button
    status: gr.Markdown
    replace_chat: gr.Button
    back: gr.Button


class AskModelApp:
    """Builds the Gradio Blocks and owns what is shared between sessions (the demo workspace)."""

    def __init__(
        self,
        demo_workspace: Callable[[], Workspace] | None = None,
        answer_concurrency: int | None = None,
        demo_label: str = "Demo: breast-cancer biopsies",
        warm: bool = True,
        dask_scheduler: str | None = None,
        model_name: str | None = None,
        start_name: str = "the demo",
    ) -> None:
        # dataset-wide explanations of the demo and of uploads run on this Dask cluster
        # (None: $ASKMODEL_DASK_SCHEDULER, else in this process)
        self.dask_scheduler = dask_scheduler
        self._demo_factory = demo_workspace or (
            lambda: _default_demo_workspace(self.dask_scheduler))
        self.warm = warm  # load the model and explainers in the background at start
        self.demo_label = demo_label
        self.model_name = model_name  # the served model's file name, shown in the side panel
        self.start_name = start_name  # what "Back to ..." returns to
        self._demo: Workspace | None = None
        self._demo_panel: str | None = None
        self._demo_examples: tuple[str, ...] | None = None
        self._lock = threading.Lock()
        self.answer_concurrency = answer_concurrency or int(
            os.environ.get("ASKMODEL_CONCURRENCY", "16")
        )
        self.export_dir = Path(tempfile.mkdtemp(prefix="askmodel-export-"))
        # answers run here, so the chat handler can show progress while one is computed
        self._pool = concurrent.futures.ThreadPoolExecutor(
            max_workers=self.answer_concurrency, thread_name_prefix="askmodel-answer"
        )
        self.pending_after = PENDING_AFTER
        self._chart_counter = itertools.count(1)

    # ------------------------------------------------------------------ shared demo
    def demo_workspace(self) -> Workspace:
        """The demo workspace plus its panel text and examples, built once for all sessions."""
        if self._demo is None:
            with self._lock:
                if self._demo is None:
                    workspace = self._demo_factory()
                    if self.warm:
                        warm_up_in_background(workspace)
                    self._demo_panel = workspace_summary_markdown(
                        workspace, self.demo_label, self.model_name)
                    self._demo_examples = example_questions(
                        workspace.schema, workspace.noun(1), workspace.noun(2)
                    )
                    self._demo = workspace
        return self._demo

    def new_session(self) -> Session:
        workspace = self.demo_workspace()
        return Session(
            workspace=workspace,
            conversation=Conversation(workspace),
            label=self.demo_label,
            panel=self._demo_panel or "",
            examples=self._demo_examples or (),
        )

    def ensure(self, session: Session | None) -> Session:
        return session if session is not None else self.new_session()

    # ------------------------------------------------------------------ answering
    def answer(
        self, session: Session, question: str,
        progress: Callable[[Progress], None] | None = None,
        button: Suggestion | None = None,
    ) -> Turn:
        """Ask the session's conversation; never raises (errors become an apologetic turn).

        ``progress`` receives the explainers' progress updates. The turn keeps its charts as
        PNG (cached by content, so a chart every session shares is drawn once). A pressed
        follow-up ``button`` runs its own program, recorded under its words."""
        started = time.perf_counter()
        conversation = session.conversation
        try:
            if button is not None and button.program:
                reply = conversation.follow(button.program, question, progress=progress)
            else:
                reply = conversation.ask(question, progress=progress)
            context, offer = _conversation_context(conversation)
            ran_text = str(reply.ran) if reply.ran is not None else None  # set only on success
            accepted = reply.reading if reply.reading and reply.reading.accepts_offer else None
        except Exception:  # a bug below must not kill the session
            LOG.exception("answering %r failed", question)
            failed = Turn(
                question=question,
                answer="Sorry, something went wrong while answering that. Your conversation "
                "is unchanged; try another question.",
                parse="",
                understood="",
                ok=False,
                confidence=None,
                source=None,
                seconds=time.perf_counter() - started,
            )
            return failed
        return Turn(
            question=question,
            answer=reply.text,
            parse=reply.parse,
            understood=reply.understood,
            ok=reply.ok,
            confidence=reply.confidence,
            source=reply.source,
            figures_png=tuple(chart.png() for chart in reply.charts),
            table=reply.table,
            followup=reply.followup,
            options=tuple(reply.options or ()),
            seconds=time.perf_counter() - started,
            context=context,
            offer_program=str(offer) if offer is not None and reply.followup else None,
            offer_about_rows=offer is not None and conversation.offer_is_about_rows,
            ran=ran_text,
            offer_reading=accepted.words if accepted is not None else None,
            one_row=conversation.about_one_row,
        )

    def turn_messages(self, turn: Turn, session: Session | None = None) -> list[dict[str, Any]]:
        """Chat messages for one answered turn: how it was read and the answer, charts, then the
        collapsed details (program, confidence, time).

        Charts are shown from the PNGs already rendered for export (``turn.figures_png``):
        drawing a matplotlib figure is the costliest part of an answer, so it happens once."""
        content: list[Any] = [answer_markdown(turn)]
        content += [
            gr.Image(
                value=self.chart_file(png),
                show_label=False,
                type="filepath",
                buttons=["download", "fullscreen"],
            )
            for png in turn.figures_png
        ]
        suggestions = suggestions_for(turn)
        if session is not None:
            session.buttons = {s.message: s for s in suggestions}
        return [
            {"role": "assistant", "content": content},
            {
                "role": "assistant",
                "content": understood_markdown(turn),
                "metadata": {"title": DETAILS_TITLE, "status": "done"},
                "options": [{"value": s.message, "label": s.label} for s in suggestions],
            },
        ]

    def chart_file(self, png: bytes) -> str:
        """A chart's PNG as a file Gradio can serve (it copies it into its own cache, so files
        older than an hour are removed now and then)."""
        folder = self.export_dir / "charts"
        folder.mkdir(exist_ok=True)
        path = folder / f"chart-{uuid.uuid4().hex}.png"
        path.write_bytes(png)
        if next(self._chart_counter) % 200 == 0:
            old = time.time() - 3600
            for stale in folder.glob("chart-*.png"):
                with contextlib.suppress(OSError):
                    if stale.stat().st_mtime < old:
                        stale.unlink()
        return str(path)

    def respond(
        self, question: str, history: list[dict[str, Any]] | None, session: Session | None
    ) -> Iterator[tuple[list[dict[str, Any]], Session]]:
        """Chat handler: the answer, preceded by a progress message when it takes a while.

        The answer runs in the app's answer pool; a quick one (most are) is sent in one update,
        a slow one first shows "Working on it…" with the explainers' progress (rows done of
        rows to do), refreshed as it comes, then the answer."""
        session = self.ensure(session)
        # only the newest answer keeps its follow-up buttons
        history = [{**m, "options": None} if m.get("options") else m for m in history or []]
        question = (question or "").strip()
        if not question:
            yield history, session
            return
        ticket = session.begin()
        history.append({"role": "user", "content": question})
        # a press of one of the newest answer's buttons runs that button's program
        button, session.buttons = session.buttons.get(question), {}
        updates: queue.SimpleQueue[Any] = queue.SimpleQueue()
        extra = {"button": button} if button is not None else {}
        future = self._pool.submit(self.answer, session, question, updates.put, **extra)
        wait = self.pending_after
        shown = None
        while True:
            try:
                turn = future.result(timeout=wait)
                break
            except concurrent.futures.TimeoutError:
                pass
            latest = None
            while not updates.empty():
                latest = updates.get()
            text = _progress_text(latest) if latest is not None else shown or PENDING_TEXT
            if text != shown:
                shown = text
                yield [*history, _pending_message(text)], session
            wait = PROGRESS_EVERY
        if session.was_stopped(ticket):
            return
        session.turns.append(turn)
        yield history + self.turn_messages(turn, session), session

    def ask_api(self, question: str, session: Session | None) -> tuple[dict[str, Any], Session]:
        """JSON endpoint (``/ask``) sharing the browser session's conversation."""
        session = self.ensure(session)
        ticket = session.begin()
        turn = self.answer(session, (question or "").strip())
        if not session.was_stopped(ticket):
            session.turns.append(turn)
        return (
            {
                "text": turn.answer,
                "parse": turn.parse,
                "understood": turn.understood,
                "ok": turn.ok,
                "n_figures": len(turn.figures_png),
                "table_rows": 0 if turn.table is None else len(turn.table),
                "followup": turn.followup,
                "options": list(turn.options),
                "seconds": round(turn.seconds, 3),
                "dataset": session.label,
            },
            session,
        )

    def stop(
        self, history: list[dict[str, Any]] | None, session: Session | None
    ) -> list[dict[str, Any]]:
        """Stop button: drop the pending answer and say so."""
        if session is not None:
            session.stop()
        history = list(history or [])
        if history and (history[-1].get("metadata") or {}).get("title") == PENDING_TITLE:
            history[-1] = {
                "role": "assistant",
                "content": "Stopped. Ask again, or try a narrower question (fewer rows).",
            }
        return history

    def clear(self, session: Session | None) -> tuple[list[dict[str, Any]], Session]:
        session = self.ensure(session)
        session.conversation.reset()
        session.turns.clear()
        session.buttons = {}
        return [], session

    # ------------------------------------------------------------------ export
    def export(self, session: Session | None, kind: str) -> str:
        session = self.ensure(session)
        if not session.turns and not session.earlier:
            raise gr.Error("Nothing to export yet: ask a question first.")
        stamp = time.strftime("%Y%m%d-%H%M%S")
        folder = Path(tempfile.mkdtemp(dir=self.export_dir))
        title = f"AskModel conversation — {session.label}"
        if kind == "md":
            path = folder / f"askmodel-{stamp}.md"
            parts = [transcript_markdown(turns, f"Earlier conversation — {label}")
                     for label, turns in session.earlier]
            if session.turns or not parts:
                parts.append(transcript_markdown(session.turns, title))
            path.write_text("\n\n".join(parts), encoding="utf-8")
        else:
            path = folder / f"askmodel-{stamp}.json"
            meta: dict[str, Any] = {"dataset": session.label,
                                    "target": session.workspace.target}
            if session.earlier:
                meta["earlier_conversations"] = [
                    {"dataset": label, "turns": transcript_turns(turns)}
                    for label, turns in session.earlier]
            path.write_text(transcript_json(session.turns, meta), encoding="utf-8")
        return str(path)

    # ------------------------------------------------------------------ uploads
    def inspect_csv(self, csv_path: str | None) -> tuple[Any, Any, Any, str]:
        """After a CSV upload: offer its columns as target / id / split choices, or explain the
        problem."""
        no_split = gr.update(choices=[NO_SPLIT], value=NO_SPLIT)
        if not csv_path:
            return gr.update(choices=[], value=None), gr.update(choices=[NO_INDEX]), no_split, ""
        try:
            frame = read_upload_csv(csv_path)
        except UploadError as exc:
            return (
                gr.update(choices=[], value=None),
                gr.update(choices=[NO_INDEX], value=NO_INDEX),
                no_split,
                f"⚠️ {exc}",
            )
        columns = [str(c) for c in frame.columns]
        index_col = guess_index_column(frame)
        target = guess_target([c for c in columns if c != index_col])
        note = (
            f"✅ {len(frame):,} rows × {len(columns)} columns. Choose the target column, then Load."
        )
        split = guess_split_column(frame)
        return (
            gr.update(choices=columns, value=target),
            gr.update(choices=[NO_INDEX, *columns], value=index_col or NO_INDEX),
            gr.update(choices=[NO_SPLIT, *columns], value=split or NO_SPLIT),
            note,
        )

    def load_upload(
        self,
        csv_path: str | None,
        target: str | None,
        index_col: str | None,
        model_path: str | None,
        trusted: bool,
        split_column: str | None = None,
        test_path: str | None = None,
        session: Session | None = None,
        descriptions_path: str | None = None,
    ) -> tuple[Session, str, Any, list[dict[str, Any]], str]:
        """Build a private workspace for this session from the uploaded files.

        ``split_column`` (train/test per row) or ``test_path`` (a CSV of held-out rows) say
        which rows the model was not trained on, so its scores are measured on those;
        ``descriptions_path`` is a feature description file (YAML). The conversation so far
        stays in the exports (``Session.earlier``)."""
        session = self.ensure(session)
        index = None if index_col in (None, "", NO_INDEX) else index_col
        split = None if split_column in (None, "", NO_SPLIT) else split_column
        try:
            if not csv_path:
                raise UploadError("Please upload a CSV file first.")
            frame = read_upload_csv(csv_path)
            check_target(frame, target, index)
            check_split(frame, split, target, index, test_path)
            if test_path:
                read_upload_csv(test_path)
            check_model_file(model_path, trusted)
            check_descriptions_file(descriptions_path)
            workspace = _load_workspace(csv_path, str(target), model_path, index, trusted,
                                        split, test_path or None, self.dask_scheduler,
                                        descriptions_path or None)
        except Exception as exc:  # every failure becomes a message, the session keeps going
            LOG.info("upload rejected: %s", exc)
            return (
                session,
                session.panel,
                KEEP_EXAMPLES,
                gr.update(),
                "⚠️ " + describe_load_error(
                    exc, (csv_path, model_path, test_path, descriptions_path)),
            )
        if self.warm:
            warm_up_in_background(workspace)
        label = Path(csv_path).name
        new = Session(
            workspace=workspace,
            conversation=Conversation(workspace),
            label=label,
            panel=workspace_summary_markdown(workspace, label, model_path),
            examples=example_questions(workspace.schema, workspace.noun(1), workspace.noun(2)),
            earlier=_earlier(session),
        )
        status = f"✅ Loaded **{label}** (target: `{target}`). The chat now talks about this data."
        if workspace.notes:
            status += " Note: " + " ".join(workspace.notes)
        return new, new.panel, _samples(new.examples), [], status

    def back_to_demo(self, session: Session | None) -> tuple[Session, str, Any, list, str]:
        old = self.ensure(session)
        new = replace(self.new_session(), earlier=_earlier(old))
        return new, new.panel, _samples(new.examples), [], f"Back on {self.start_name}."

    # the page's Load and Back buttons: they ask before replacing a conversation with content
    def upload_clicked(self, csv_path: str | None, target: str | None, index_col: str | None,
                       model_path: str | None, trusted: bool, split_column: str | None,
                       test_path: str | None, descriptions_path: str | None,
                       session: Session | None, confirmed: bool = False) -> tuple[Any, ...]:
        """Load: asks first when the chat has content, else loads (see ``load_upload``)."""
        session = self.ensure(session)
        if session.turns and not confirmed:
            return self._ask_first(session, "upload")
        session.pending = None
        new, panel, examples, chat, status = self.load_upload(
            csv_path, target, index_col, model_path, trusted, split_column, test_path,
            session, descriptions_path)
        if new is session:  # refused: the conversation stays as it was
            return new, panel, examples, gr.update(), gr.update(visible=False), status
        return new, panel, examples, chat, gr.update(visible=False), status

    def back_clicked(self, session: Session | None, confirmed: bool = False) -> tuple[Any, ...]:
        session = self.ensure(session)
        if session.turns and not confirmed:
            return self._ask_first(session, "demo")
        new, panel, examples, chat, status = self.back_to_demo(session)
        return new, panel, examples, chat, gr.update(visible=False), status

    def replace_confirmed(self, *inputs: Any) -> tuple[Any, ...]:
        """“Replace the conversation”: do what Load or Back asked about."""
        session = self.ensure(inputs[-1])
        pending, session.pending = session.pending, None
        if pending == "demo":
            return self.back_clicked(session, confirmed=True)
        if pending == "upload":
            return self.upload_clicked(*inputs[:-1], session, confirmed=True)
        return session, session.panel, KEEP_EXAMPLES, gr.update(), gr.update(visible=False), ""

    def _ask_first(self, session: Session, action: str) -> tuple[Any, ...]:
        session.pending = action
        n = len(session.turns)
        what = ("Loading this data" if action == "upload" else f"Going back to {self.start_name}")
        status = (f"⚠️ {what} starts a new conversation; this one has {n} "
                  f"question{'s' if n != 1 else ''}. It stays in *Export Markdown* / *Export "
                  "JSON* as an earlier conversation. Press **Replace the conversation** to go "
                  "on, or keep chatting.")
        return (session, session.panel, KEEP_EXAMPLES, gr.update(), gr.update(visible=True),
                status)

    def on_load(self, session: Session | None) -> tuple[Session, str, Any]:
        session = self.ensure(session)
        return session, session.panel, _samples(session.examples)

    # ------------------------------------------------------------------ page
    def build(self) -> gr.Blocks:
        """The page: the chat on the left, the data panel and the upload form on the right, the
        features table below; then each part's events."""
        self.demo_workspace()
        with gr.Blocks(title="AskModel — talk to your model", fill_height=True) as blocks:
            session = gr.State(None)
            question = gr.State("")
            gr.Markdown(
                "# AskModel\nAsk a trained model, in plain words, what it predicts, why, and "
                "what would change its mind.",
                elem_id="askmodel-header",
            )
            with gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=420):
                    chat = self._chat_area()
                with gr.Column(scale=1, min_width=300):
                    with gr.Accordion("Data and model", open=True, elem_id="askmodel-panel-box"):
                        panel = gr.Markdown(self._demo_panel or "", elem_id="askmodel-panel")
                    with gr.Accordion("Use your own data and model", open=False):
                        form = self._upload_form()
            with gr.Accordion("Features of the data", open=False, elem_id="askmodel-features"):
                features = gr.Markdown(
                    features_table_markdown(self._demo) if self._demo is not None else "",
                    elem_id="askmodel-features-table")
            self._wire_questions(chat, question, session)
            self._wire_api(chat, session)
            self._wire_exports(chat, session)
            page = [session, panel, *chat.example_buttons]
            self._wire_uploads(form, chat, session, page, features)
            blocks.load(
                _with_features(self.on_load), [session], [*page, features],
                api_visibility="undocumented",
            ).then(None, None, None, js=COLLAPSE_ON_PHONE_JS, api_visibility="undocumented")
        blocks.queue(default_concurrency_limit=4, max_size=256)
        return blocks

    def _chat_area(self) -> ChatArea:
        """The chat, the question box with Ask and Stop, example questions and the exports."""
        chatbot = gr.Chatbot(
            elem_id="askmodel-chat",
            height=640,
            show_label=False,
            placeholder=(
                "**Ask me about the data or the model.**\n\nTry an example below, "
                "e.g. *what are the most important features?*"
            ),
            buttons=["copy", "copy_all"],
            feedback_options=None,
            layout="panel",
            autoscroll=False,  # SCROLL_TO_ANSWER_JS shows each answer's start
        )
        with gr.Row():
            textbox = gr.Textbox(
                elem_id="askmodel-input",
                placeholder="Ask about the data or the model…",
                show_label=False,
                lines=1,
                max_lines=4,
                scale=8,
                autofocus=True,
            )
            send = gr.Button(
                "Ask", variant="primary", scale=1, min_width=80, elem_id="askmodel-send"
            )
            stop = gr.Button(
                "Stop",
                variant="stop",
                scale=1,
                min_width=80,
                visible=False,
                elem_id="askmodel-stop",
            )
        # buttons, not a gr.Dataset: its samples cut text at 60 characters
        starters = list(self._demo_examples or ())[:MAX_EXAMPLES]
        with gr.Column(elem_id="askmodel-examples"):
            gr.Markdown("**Example questions**", elem_id="askmodel-examples-title")
            with gr.Row(elem_id="askmodel-examples-row"):
                example_buttons = tuple(
                    gr.Button(
                        starters[i] if i < len(starters) else "",
                        size="sm",
                        visible=i < len(starters),
                        elem_classes="askmodel-example",
                        scale=0,
                    )
                    for i in range(MAX_EXAMPLES)
                )
        with gr.Row():
            clear = gr.Button("New conversation", size="sm", elem_id="askmodel-clear")
            export_md = gr.Button("Export Markdown", size="sm", elem_id="askmodel-export-md")
            export_json = gr.Button("Export JSON", size="sm", elem_id="askmodel-export-json")
        export_file = gr.File(label="Download", visible=False, interactive=False)
        return ChatArea(chatbot, textbox, send, stop, example_buttons, clear, export_md,
                        export_json, export_file)

    def _upload_form(self) -> UploadForm:
        """A user's table, target, id and split columns, model, test file and descriptions."""
        csv_file = gr.File(
            label="Data (CSV with a header row)",
            type="filepath",
            elem_id="askmodel-csv",
        )
        target = gr.Dropdown(
            label="Target column (what the model predicts)",
            choices=[],
            interactive=True,
            allow_custom_value=True,
        )
        index_col = gr.Dropdown(
            label="Id column",
            choices=[NO_INDEX],
            value=NO_INDEX,
            interactive=True,
            allow_custom_value=True,
        )
        model_file = gr.File(
            label="Model (.skops; or .joblib/.pkl) — optional: without one a "
            "model is trained for you",
            type="filepath",
            elem_id="askmodel-model",
        )
        split_col = gr.Dropdown(
            label="Held-out rows: a column saying train / test (optional; "
            "scores then use the test rows)",
            choices=[NO_SPLIT],
            value=NO_SPLIT,
            interactive=True,
            allow_custom_value=True,
            elem_id="askmodel-split",
        )
        test_file = gr.File(
            label="Held-out rows: a separate test CSV (optional; same columns, "
            "rows the model was not trained on)",
            type="filepath",
            elem_id="askmodel-test",
        )
        trusted = gr.Checkbox(
            label="I trust this file (joblib/pickle files can run code when opened)",
            value=False,
        )
        descriptions_file = gr.File(
            label="Feature descriptions (optional .yaml: description, unit, "
            "immutable, bounds per feature)",
            type="filepath",
            elem_id="askmodel-descriptions",
        )
        load = gr.Button("Load data and model", variant="primary", elem_id="askmodel-load")
        status = gr.Markdown(elem_id="askmodel-status")
        replace_chat = gr.Button(
            "Replace the conversation", variant="stop", size="sm",
            visible=False, elem_id="askmodel-replace")
        back = gr.Button(f"Back to {self.start_name}", size="sm", elem_id="askmodel-back")
        return UploadForm(csv_file, target, index_col, model_file, split_col, test_file, trusted,
                          descriptions_file, load, status, replace_chat, back)

    def _wire_questions(self, chat: ChatArea, question: gr.State, session: gr.State) -> None:
        """The textbox, the Ask button, the examples and the clarifying options all take a
        question and answer it the same way; Stop cancels an answer being computed."""
        busy = (gr.update(visible=False), gr.update(visible=True))
        idle = (gr.update(visible=True), gr.update(visible=False))
        answer_kwargs: dict[str, Any] = {
            "fn": self.respond,
            "inputs": [question, chat.chatbot, session],
            "outputs": [chat.chatbot, session],
            "concurrency_limit": self.answer_concurrency,
            "concurrency_id": "answer",
            "show_progress": "minimal",
        }

        def take_text(text: str) -> tuple[str, str, Any, Any]:
            return text, "", *busy

        def take_example(text: str) -> tuple[str, Any, Any]:
            return (text or ""), *busy

        def take_option(evt: gr.SelectData) -> tuple[str, Any, Any]:
            return str(evt.value), *busy

        send, stop = chat.send, chat.stop
        events = []
        for trigger in (chat.textbox.submit, send.click):
            first = trigger(
                take_text,
                [chat.textbox],
                [question, chat.textbox, send, stop],
                queue=False,
                api_visibility="undocumented",
            )
            events.append(first.then(**answer_kwargs, api_visibility="undocumented"))
        for button in chat.example_buttons:
            first = button.click(
                take_example,
                [button],
                [question, send, stop],
                queue=False,
                api_visibility="undocumented",
            )
            events.append(first.then(**answer_kwargs, api_visibility="undocumented"))
        first = chat.chatbot.option_select(
            take_option,
            None,
            [question, send, stop],
            queue=False,
            api_visibility="undocumented",
        )
        events.append(first.then(**answer_kwargs, api_visibility="undocumented"))
        for event in events:
            event.then(
                lambda: idle, None, [send, stop], queue=False, api_visibility="undocumented"
            ).then(None, None, None, js=SCROLL_TO_ANSWER_JS, api_visibility="undocumented")
        stop.click(
            self.stop,
            [chat.chatbot, session],
            [chat.chatbot],
            cancels=events,
            queue=False,
            api_visibility="undocumented",
        ).then(lambda: idle, None, [send, stop], queue=False, api_visibility="undocumented")
        chat.clear.click(self.clear, [session], [chat.chatbot, session],
                         api_visibility="undocumented")

    def _wire_api(self, chat: ChatArea, session: gr.State) -> None:
        """The same answer path as the textbox, as documented endpoints for scripts and load
        tests: ``chat`` (the chat history) and ``ask`` (one answer as JSON)."""
        api_question = gr.Textbox(visible=False)
        api_answer = gr.JSON(visible=False)
        gr.Button(visible=False).click(
            self.respond,
            [api_question, chat.chatbot, session],
            [chat.chatbot, session],
            api_name="chat",
            concurrency_limit=self.answer_concurrency,
            concurrency_id="answer",
        )
        gr.Button(visible=False).click(
            self.ask_api,
            [api_question, session],
            [api_answer, session],
            api_name="ask",
            concurrency_limit=self.answer_concurrency,
            concurrency_id="answer",
        )

    def _wire_exports(self, chat: ChatArea, session: gr.State) -> None:
        for button, kind in ((chat.export_md, "md"), (chat.export_json, "json")):
            button.click(
                lambda s, kind=kind: gr.update(value=self.export(s, kind), visible=True),
                [session],
                [chat.export_file],
                api_name=f"export_{kind}",
            )

    def _wire_uploads(self, form: UploadForm, chat: ChatArea, session: gr.State,
                      page: list[Any], features: gr.Markdown) -> None:
        """Loading a user's files (asking first when it would replace a conversation), going
        back to the demo, and the same two without asking as endpoints for scripts."""
        form.csv_file.change(
            self.inspect_csv,
            [form.csv_file],
            [form.target, form.index_col, form.split_col, form.status],
            api_visibility="undocumented",
        )
        upload_inputs = [form.csv_file, form.target, form.index_col, form.model_file,
                         form.trusted, form.split_col, form.test_file, form.descriptions_file,
                         session]
        page_outputs = [*page, chat.chatbot, form.replace_chat, form.status, features]
        form.load.click(
            _with_features(self.upload_clicked), upload_inputs, page_outputs,
            concurrency_limit=2, concurrency_id="upload", api_visibility="undocumented",
        )
        form.back.click(_with_features(self.back_clicked), [session], page_outputs,
                        api_visibility="undocumented")
        form.replace_chat.click(
            _with_features(self.replace_confirmed), upload_inputs, page_outputs,
            concurrency_limit=2, concurrency_id="upload", api_visibility="undocumented",
        )
        gr.Button(visible=False).click(
            _expanded(lambda csv, tgt, idx, mdl, tr, split, test, desc, s: self.load_upload(
                csv, tgt, idx, mdl, tr, split, test, s, desc)),
            upload_inputs,
            [*page, chat.chatbot, form.status],
            concurrency_limit=2,
            concurrency_id="upload",
            api_name="load_upload",
        )
        gr.Button(visible=False).click(
            _expanded(self.back_to_demo),
            [session],
            [*page, chat.chatbot, form.status],
            api_name="use_demo",
        )


def _conversation_context(conversation: Conversation) -> tuple[str | None, Program | None]:
    """The rows the conversation is about now (in words) and the follow-up it offers."""
    try:
        return conversation.context_words(), conversation.offered
    except Exception:  # noqa: BLE001 - words for buttons must never lose the answer
        LOG.exception("describing the conversation's context failed")
        return None, None


def _pending_message(text: str) -> dict[str, Any]:
    return {
        "role": "assistant",
        "content": text,
        "metadata": {"title": PENDING_TITLE, "status": "pending"},
    }


def _progress_text(update: Progress) -> str:
    """``explainers.Progress`` in words, e.g. "Global importance (exact TreeSHAP): 40,000 of
    200,000 rows (20%)…"."""
    text = str(getattr(update, "text", update))
    return text[:1].upper() + text[1:] + "…"


def _earlier(session: Session) -> tuple[tuple[str, tuple[Turn, ...]], ...]:
    """The session's conversations so far, kept for export when it moves to other data."""
    if not session.turns:
        return session.earlier
    return (*session.earlier, (session.label, tuple(session.turns)))


@dataclass(frozen=True)
class ExampleUpdate:
    """New example questions for the page's example buttons (``None``: keep them)."""

    questions: tuple[str, ...] | None

    def updates(self) -> list[Any]:
        if self.questions is None:
            return [gr.update() for _ in range(MAX_EXAMPLES)]
        shown = list(self.questions)[:MAX_EXAMPLES]
        return [gr.update(value=q, visible=True) for q in shown] + [
            gr.update(value="", visible=False) for _ in range(MAX_EXAMPLES - len(shown))]


KEEP_EXAMPLES = ExampleUpdate(None)


def _samples(questions: tuple[str, ...]) -> ExampleUpdate:
    return ExampleUpdate(tuple(questions))


def _with_features(handler: Callable[..., tuple[Any, ...]]) -> Callable[..., tuple[Any, ...]]:
    """A page handler (its first output the session) that also fills the features table."""
    expanded = _expanded(handler)

    @functools.wraps(handler)
    def run(*args: Any) -> tuple[Any, ...]:
        out = expanded(*args)
        session = out[0]
        try:
            table = features_table_markdown(session.workspace)
        except Exception:  # noqa: BLE001 - the table is a courtesy; the page must load
            LOG.exception("the features table failed")
            table = ""
        return (*out, table)

    return run


def _expanded(handler: Callable[..., tuple[Any, ...]]) -> Callable[..., tuple[Any, ...]]:
    """``handler`` for Gradio: its ``ExampleUpdate`` becomes one update per example button."""

    @functools.wraps(handler)
    def run(*args: Any) -> tuple[Any, ...]:
        out: list[Any] = []
        for item in handler(*args):
            out.extend(item.updates() if isinstance(item, ExampleUpdate) else [item])
        return tuple(out)

    return run


def _default_demo_workspace(dask_scheduler: str | None = None) -> Workspace:
    return demo_workspace(dask_scheduler)


def _load_workspace(
    csv_path: str,
    target: str,
    model_path: str | None,
    index_col: str | None,
    trusted: bool,
    split_column: str | None = None,
    test_path: str | None = None,
    dask_scheduler: str | None = None,
    descriptions_path: str | None = None,
) -> Workspace:
    return Workspace.from_files(
        csv_path,
        target,
        model_path,
        index_col=index_col,
        trusted=trusted,
        split_column=split_column,
        test_path=test_path,
        dask_scheduler=dask_scheduler,
        feature_notes=descriptions_path,
    )


# --------------------------------------------------------------------------- serving own data
SERVE_ENV = {
    "data": "ASKMODEL_DATA",
    "target": "ASKMODEL_TARGET",
    "model": "ASKMODEL_MODEL",
    "index_col": "ASKMODEL_INDEX_COL",
    "descriptions": "ASKMODEL_DESCRIPTIONS",
    "trusted": "ASKMODEL_TRUST_MODEL",
}
TRUE_WORDS = frozenset({"1", "true", "yes", "on"})


class ServeError(ValueError):
    """The data and model to serve cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class ServeOptions:
    """What to serve instead of the demo: a table, its target, optionally a model file."""

    data: str | Path | Any = None  # a CSV/Parquet path or a DataFrame; None: the demo
    target: str | None = None
    model: str | Path | Any = None  # a model file, a fitted model, or None (trained here)
    index_col: str | None = None
    descriptions: str | Path | None = None  # a feature description file (YAML)
    trusted: bool = False  # open joblib/pickle files and skops types off the reviewed list
    label: str | None = None

    @property
    def is_demo(self) -> bool:
        return self.data is None

    def check(self) -> None:
        """Refuse a half-given setting before anything slow is loaded."""
        if self.data is None:
            others = [name for name in ("target", "model", "index_col", "descriptions")
                      if getattr(self, name) is not None]
            if others:
                raise ServeError(f"--{others[0].replace('_', '-')} needs --data (the table to "
                                 "serve); without --data the demo is served.")
            return
        if not self.target:
            raise ServeError("--data needs --target: the column the model predicts.")
        for name in ("data", "model", "descriptions"):
            value = getattr(self, name)
            if isinstance(value, str | Path) and not Path(value).is_file():
                raise ServeError(f"There is no file at {str(value)!r} (--{name}).")

    def title(self) -> str:
        if self.label:
            return self.label
        if isinstance(self.data, str | Path):
            return Path(self.data).name
        return "Your data"


def serve_options_from_env(environ: dict[str, str] | None = None) -> ServeOptions:
    """``ASKMODEL_DATA`` and friends, as a hosted Space passes settings (empty = not given)."""
    env = os.environ if environ is None else environ

    def get(name: str) -> str | None:
        value = env.get(SERVE_ENV[name], "").strip()
        return value or None

    return ServeOptions(
        data=get("data"), target=get("target"), model=get("model"),
        index_col=get("index_col"), descriptions=get("descriptions"),
        trusted=(get("trusted") or "").lower() in TRUE_WORDS,
    )


def served_workspace(options: ServeOptions, dask_scheduler: str | None = None) -> Workspace:
    """The workspace for ``options``: the files are checked and the model is opened with the
    safe loader (untrusted unless ``trusted``); every failure is one ``ServeError`` sentence."""
    import pandas as pd

    options.check()
    model = options.model
    index = options.index_col
    try:
        if isinstance(model, str | Path) and Path(model).suffix.lower() not in (
                ".skops", ".joblib", ".pkl", ".pickle", ".jbl"):
            raise UploadError(f"“{Path(model).name}” is not a model file this app can open; use "
                              "a .skops file (or .joblib / .pkl with --trust-model).")
        if isinstance(options.data, pd.DataFrame) or not isinstance(model, str | Path | None):
            frame = (options.data if isinstance(options.data, pd.DataFrame)
                     else read_table(options.data).frame)
            if isinstance(model, str | Path):
                model = load_model(model, trusted=options.trusted)
            workspace = Workspace.build(frame, str(options.target), model, index_col=index,
                                        feature_notes=options.descriptions,
                                        dask_scheduler=dask_scheduler)
            workspace.adapter  # noqa: B018 - validate the model against the data now
            return workspace
        return Workspace.from_files(
            options.data, str(options.target), model, index_col=index, trusted=options.trusted,
            feature_notes=options.descriptions, dask_scheduler=dask_scheduler)
    except Exception as exc:  # noqa: BLE001 - every failure becomes one sentence

        LOG.info("serving %s failed", options.data, exc_info=True)
        paths = [v for v in (options.data, options.model, options.descriptions)
                 if isinstance(v, str | Path)]
        text = describe_load_error(exc, paths)
        if isinstance(exc, UntrustedFileError):
            text = text.replace("Tick “I trust this file” only if you trust where the model "
                                "file came from.", "Add --trust-model (ASKMODEL_TRUST_MODEL=1) "
                                "only if you trust where the model file came from.")
        raise ServeError(text) from exc


def askmodel_blocks(
    data: str | Path | Any = None,
    target: str | None = None,
    model: str | Path | Any = None,
    *,
    index_col: str | None = None,
    descriptions: str | Path | None = None,
    trusted: bool = False,
    label: str | None = None,
    warm: bool = True,
    dask_scheduler: str | None = None,
) -> gr.Blocks:
    """The AskModel page for ``data`` (a CSV path or a DataFrame) and ``model`` (a model file,
    a fitted model, or None to train one), ready to launch, mount in FastAPI
    (``gr.mount_gradio_app(api, blocks, "/askmodel", css=CSS, theme=theme())``) or render in
    another Blocks. Without ``data`` it is the demo. Raises ``ServeError`` with a sentence."""
    options = ServeOptions(data, target, model, index_col, descriptions, trusted, label)
    return app_for(options, warm=warm, dask_scheduler=dask_scheduler).build()


def app_for(options: ServeOptions, *, warm: bool = True,
            dask_scheduler: str | None = None) -> AskModelApp:
    """An ``AskModelApp`` whose starting data is ``options`` (the demo when it has no data)."""
    if options.is_demo:
        options.check()
        return AskModelApp(warm=warm, dask_scheduler=dask_scheduler)
    workspace = served_workspace(options, dask_scheduler)
    model_name = Path(options.model).name if isinstance(options.model, str | Path) else None
    return AskModelApp(demo_workspace=lambda: workspace, demo_label=options.title(),
                       warm=warm, dask_scheduler=dask_scheduler, model_name=model_name,
                       start_name=options.title())


def theme() -> gr.themes.Base:
    return gr.themes.Soft(primary_hue="indigo", secondary_hue="sky", neutral_hue="slate")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="AskModel web app")
    parser.add_argument(
        "--host",
        default=os.environ.get("GRADIO_SERVER_NAME"),
        help="interface to listen on (default 127.0.0.1; 0.0.0.0 for all)",
    )
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("GRADIO_SERVER_PORT", "7860")),
        help="port (default 7860 or $GRADIO_SERVER_PORT)",
    )
    parser.add_argument("--share", action="store_true", help="create a public gradio.live link")
    env = serve_options_from_env()
    own = parser.add_argument_group(
        "your own data and model (default: the demo; each also from an environment variable)")
    own.add_argument("--data", metavar="FILE", default=env.data,
                     help="the table to serve, CSV or Parquet ($ASKMODEL_DATA)")
    own.add_argument("--target", metavar="COLUMN", default=env.target,
                     help="the column the model predicts ($ASKMODEL_TARGET)")
    own.add_argument("--model", metavar="FILE", default=env.model,
                     help="the fitted model: .skops (or .joblib/.pkl with --trust-model); "
                     "without one a model is trained on the data ($ASKMODEL_MODEL)")
    own.add_argument("--index-col", metavar="COLUMN", default=env.index_col,
                     help="the id column ($ASKMODEL_INDEX_COL)")
    own.add_argument("--descriptions", metavar="FILE.yaml", default=env.descriptions,
                     help="feature descriptions, units, immutable features and bounds "
                     "($ASKMODEL_DESCRIPTIONS)")
    own.add_argument("--trust-model", action="store_true", default=env.trusted,
                     help="open a model file that can run code (joblib/pickle, skops types off "
                     "the reviewed list); only for files you trust ($ASKMODEL_TRUST_MODEL=1)")
    parser.add_argument(
        "--dask-scheduler",
        metavar="ADDRESS",
        default=None,
        help="run dataset-wide explanations on this Dask cluster, e.g. tcp://host:8786 "
        "(default: $ASKMODEL_DASK_SCHEDULER, else in this process)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    # No usage pings from a tool that shows people's data (override by setting it to True).
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    args = parse_args(argv)
    options = ServeOptions(args.data, args.target, args.model, args.index_col,
                           args.descriptions, args.trust_model)
    try:
        blocks = app_for(options, dask_scheduler=args.dask_scheduler).build()
    except ServeError as exc:  # a file that cannot be served: one sentence, exit code 2
        print(f"askmodel: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
    except RuntimeError as exc:  # ClusterUnavailable: a wrong --dask-scheduler address
        raise SystemExit(f"askmodel: {exc}") from None
    blocks.launch(
        server_name=args.host or "127.0.0.1",
        server_port=args.port,
        share=args.share,
        theme=theme(),
        css=CSS,
        show_error=True,
    )


if __name__ == "__main__":
    main()
