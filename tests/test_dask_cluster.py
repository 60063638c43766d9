"""Dataset-wide explanations on a real Dask cluster give the same answers as in this process.

A ``distributed.LocalCluster`` of two worker processes on loopback (it starts in a few seconds);
the conversation reaches it through its scheduler address, as a user's would through
``--dask-scheduler`` or ``dask_scheduler=``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import GradientBoostingClassifier

from dialogue import Conversation
from dialogue.settings import ClusterUnavailable

QUESTIONS = (
    "what are the most important features?",
    "which features interact the most?",
    "how important is income for people older than 40?",
)


def _table(n: int = 900) -> tuple[pd.DataFrame, GradientBoostingClassifier]:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame({
        "age": rng.integers(20, 80, n),
        "income": rng.normal(50.0, 15.0, n).round(1),
        "debt": rng.normal(10.0, 4.0, n).round(1),
        "score": rng.uniform(0, 1, n).round(3),
    })
    logit = 0.05 * (frame["age"] - 50) + 0.06 * (frame["income"] - 50) * frame["score"]
    frame["approved"] = (logit + rng.normal(0, 0.5, n) > 0).astype(int)
    frame.index = pd.RangeIndex(1, n + 1, name="applicant_id")
    model = GradientBoostingClassifier(n_estimators=30, max_depth=3, random_state=0)
    model.fit(frame.drop(columns=["approved"]), frame["approved"])
    return frame, model


def test_a_local_cluster_of_two_workers_gives_the_same_answers_with_progress():
    from distributed import Client, LocalCluster, get_task_stream

    frame, model = _table()
    local = Conversation.from_frame(frame, "approved", model)
    expected = [local.ask(q).text for q in QUESTIONS]
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      host="127.0.0.1", dashboard_address=None) as cluster, \
            Client(cluster, set_as_default=False) as watcher:
        remote = Conversation.from_frame(frame, "approved", model,
                                         dask_scheduler=cluster.scheduler_address)
        updates: list = []
        with get_task_stream(client=watcher) as stream:
            answers = [remote.ask(q, progress=updates.append).text for q in QUESTIONS]
        remote.workspace.dask_client.close()
    assert answers == expected
    ran = [task for task in stream.data if "_call_job" in str(task.get("key"))]
    assert len({task["worker"] for task in ran}) == 2  # both workers explained chunks
    assert updates and updates[-1].done == updates[-1].total


def test_a_wrong_scheduler_address_is_a_clear_error(monkeypatch):
    frame, model = _table(60)
    monkeypatch.setattr("dialogue.settings.connect_dask.__defaults__", (0.5,))
    with pytest.raises(ClusterUnavailable, match="Could not reach the Dask scheduler"):
        Conversation.from_frame(frame, "approved", model, dask_scheduler="tcp://127.0.0.1:9")


def test_the_scheduler_can_come_from_the_environment(monkeypatch):
    from dialogue.settings import DASK_ENV, dask_scheduler_setting

    monkeypatch.setenv(DASK_ENV, " tcp://10.0.0.5:8786 ")
    assert dask_scheduler_setting() == "tcp://10.0.0.5:8786"
    assert dask_scheduler_setting("tcp://other:1") == "tcp://other:1"
    monkeypatch.delenv(DASK_ENV)
    assert dask_scheduler_setting() is None
