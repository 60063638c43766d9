"""Start-up work done ahead of the first questions, so that they are fast."""

from __future__ import annotations

import logging
import threading
import time

from dialogue.conversation import Conversation
from dialogue.workspace import Workspace

LOG = logging.getLogger(__name__)


def warm_up(workspace: Workspace, *, background: bool = False) -> threading.Thread | None:
    """Pay the start-up costs now (optionally in a daemon thread), in the order people need
    them: the explainers for one row (imports SHAP and builds its explainer, seconds on a small
    CPU), the model's predictions, then the work every session shares, whose results (and
    charts) stay cached on the shared engine: global importance and interactions over all rows.
    Models without exact TreeSHAP also get their explanation method chosen by measured
    faithfulness. Each step waits while a real answer is being computed."""

    def work() -> None:
        started = time.perf_counter()
        try:
            engine = workspace.engine
            engine.explain(workspace.X.iloc[:1])  # what a first "why" needs
            workspace.parser  # noqa: B018 - and the parser it is asked through
            workspace.wait_for_answers()
            workspace.predictions()
            if workspace.task == "classification":
                workspace.wait_for_answers()
                workspace.probabilities()
            if not engine.exact_tree_shap:
                workspace.wait_for_answers()
                engine.faithfulness()
            if len(workspace.X) >= engine.PARALLEL_MIN_ROWS:
                engine.start_workers()
            conversation = Conversation(workspace)
            for program in ("important all [E]", "interact [E]"):
                workspace.wait_for_answers()
                reply = conversation.run_program(program)
                for chart in reply.charts:
                    chart.png()  # rendered once, cached by content for every session
        except Exception:  # noqa: BLE001 - the first real question reports any problem
            LOG.info("warm-up stopped early", exc_info=True)
            return
        LOG.info("warm-up done in %.1f s", time.perf_counter() - started)

    if not background:
        work()
        return None
    thread = threading.Thread(target=work, name="askmodel-warm-up", daemon=True)
    thread.start()
    return thread
