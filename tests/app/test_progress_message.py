"""The chat handler shows a long answer's progress, and sends a quick answer in one update."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path
from types import SimpleNamespace

from dialogue.app_support import Turn
from explainers import Progress

ROOT = Path(__file__).resolve().parents[2]


def _app_module():
    if "askmodel_app" in sys.modules:
        return sys.modules["askmodel_app"]
    spec = importlib.util.spec_from_file_location("askmodel_app", ROOT / "app.py")
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    sys.modules["askmodel_app"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def _app(answer):
    module = _app_module()
    app = module.AskModelApp(demo_workspace=lambda: None, warm=False)
    app.pending_after = 0.05
    app.answer = answer
    session = module.Session(workspace=None, conversation=None, label="test")
    return module, app, session


def _turn(question: str) -> Turn:
    return Turn(question, f"answer to {question}", "important all [E]", "", True, 1.0, "rules")


def test_a_long_answer_shows_its_progress_then_the_answer():
    def answer(session, question, progress=None):
        progress(Progress(1_000, 4_000, "global importance (exact TreeSHAP)"))
        time.sleep(0.4)
        progress(Progress(4_000, 4_000, "global importance (exact TreeSHAP)"))
        time.sleep(0.7)
        return _turn(question)

    module, app, session = _app(answer)
    updates = [history for history, _ in app.respond("rank the features", [], session)]
    pending = [h[-1]["content"] for h in updates[:-1]]
    assert "Global importance (exact TreeSHAP): 1,000 of 4,000 rows (25%)…" in pending
    assert "Global importance (exact TreeSHAP): 4,000 of 4,000 rows (100%)…" in pending
    assert all(h[-1]["metadata"]["title"] == module.PENDING_TITLE for h in updates[:-1])
    final = updates[-1]
    assert final[0] == {"role": "user", "content": "rank the features"}
    assert "answer to rank the features" in str(final[1]["content"])
    assert session.turns and session.turns[-1].question == "rank the features"


def test_a_quick_answer_comes_in_one_update():
    _, app, session = _app(lambda session, question, progress=None: _turn(question))
    updates = list(app.respond("how many rows?", [], session))
    assert len(updates) == 1
    assert "answer to how many rows?" in str(updates[0][0][1]["content"])


def test_the_progress_text_reads_like_a_sentence():
    module = _app_module()
    update = SimpleNamespace(text="interactions (exact TreeSHAP): 8 of 200 rows (4%)")
    assert module._progress_text(update) == "Interactions (exact TreeSHAP): 8 of 200 rows (4%)…"
