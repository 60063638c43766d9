"""Conversations: replies, per-session state, follow-ups, threads and the built-in demo."""

from __future__ import annotations

import subprocess
import sys
import threading

import pandas as pd
import pytest

from dialogue import Conversation, Reply, demo
from tests.dialogue.conftest import CLINIC_DIALOGUES, ROOT, needs_engine


def test_reply_carries_text_parse_and_plain_words(conv):
    reply = conv.run_program("filter age greater than 50 and countdata [E]")
    df = conv.workspace.frame
    assert isinstance(reply, Reply) and reply.ok
    assert reply.parse == "filter age greater than 50 and countdata [E]"
    assert str(int((df.age > 50).sum())) in reply.text
    assert "age above 50" in reply.understood and "count" in reply.understood
    assert reply.followup and reply.followup in reply.text


def test_previousfilter_and_previousoperation_follow_the_dialogue(conv):
    df = conv.workspace.frame
    conv.run_program("filter sex female and filter age greater than 60 and countdata")
    reply = conv.run_program("previousfilter and filter smoker true and countdata")
    expected = ((df.sex == "female") & (df.age > 60) & (df.smoker == 1)).sum()
    assert f"{expected} of the" in reply.text or (expected == 1 and "That is 1" in reply.text)
    conv.run_program("statistic cholesterol")
    reply = conv.run_program("filter smoker true and previousoperation")
    mean = df[df.smoker == 1].cholesterol.mean()
    assert f"mean {mean:.1f}" in reply.text or f"mean {mean:.0f}" in reply.text


def test_followup_accepts_the_offer(conv):
    first = conv.run_program("score accuracy")
    assert "F1" in first.followup
    second = conv.run_program("followup")
    assert second.ok and "F1" in second.text
    assert second.understood.startswith("Yes to my suggestion")


def test_followup_without_an_offer_says_so_kindly(conv):
    reply = conv.run_program("followup")
    assert not reply.ok and "suggested" in reply.text


def test_what_if_reports_before_and_after(conv):
    from dialogue.responses import pct

    ws = conv.workspace
    row_id = ws.frame.index[(ws.frame.smoker == 0).to_numpy()][0]
    reply = conv.run_program(f"filter id {row_id} and change smoker true and likelihood")
    row = ws.X.loc[[row_id]].copy()
    before = ws.adapter.predict_proba(row)[0]
    row["smoker"] = 1
    after = ws.adapter.predict_proba(row)[0]
    assert pct(after[1]) in reply.text and pct(before[1]) in reply.text
    # the change is not carried to the next turn
    plain = conv.run_program("previousfilter and likelihood")
    assert "Without the change" not in plain.text


def test_reset_forgets_state(conv):
    conv.run_program("filter smoker true and countdata")
    conv.reset()
    reply = conv.run_program("previousfilter and countdata")
    assert str(len(conv.workspace.frame)) in reply.text
    assert conv.history[-1].reply is reply and len(conv.history) == 1


def test_conversations_do_not_share_state_across_threads(synthetic_workspace):
    df = synthetic_workspace.frame
    errors: list[str] = []

    def chat(threshold: int) -> None:
        conv = Conversation(synthetic_workspace)
        for _ in range(5):
            conv.run_program(f"filter age greater than {threshold} and countdata")
            reply = conv.run_program("previousfilter and countdata")
            expected = int((df.age > threshold).sum())
            if f"{expected} of the" not in reply.text:
                errors.append(reply.text)

    threads = [threading.Thread(target=chat, args=(t,)) for t in (30, 45, 60, 75)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_table_attached_for_show(conv):
    reply = conv.run_program("filter sex male and show")
    assert isinstance(reply.table, pd.DataFrame)
    assert len(reply.table) == int((conv.workspace.frame.sex == "male").sum())


def test_from_frame_without_model_trains_and_caches(tmp_path, monkeypatch, synthetic_frame):
    monkeypatch.setenv("ASKMODEL_CACHE", str(tmp_path))
    conv = Conversation.from_frame(synthetic_frame, "heart_disease", index_col="patient_id")
    assert list(tmp_path.glob("*.skops"))
    assert conv.run_program("model").ok
    assert "trained here" in conv.run_program("model").text


def test_from_files_reads_csv_and_skops_model(tmp_path, monkeypatch, synthetic_frame,
                                              synthetic_workspace):
    import skops.io as sio

    monkeypatch.setenv("ASKMODEL_CACHE", str(tmp_path / "cache"))
    data = tmp_path / "data.csv"
    synthetic_frame.to_csv(data, index=False)
    model_path = tmp_path / "model.skops"
    sio.dump(synthetic_workspace.model, model_path)
    conv = Conversation.from_files(data, "heart_disease", model_path=model_path,
                                   index_col="patient_id", trusted=True)
    reply = conv.run_program("score accuracy")
    assert reply.ok and "accuracy" in reply.text


def test_import_dialogue_is_light():
    code = ("import sys, dialogue; heavy = [m for m in ('pandas', 'torch', 'shap', 'matplotlib', "
            "'sklearn', 'gradio') if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         check=True)
    assert out.stdout.strip() == ""


@pytest.fixture(scope="module")
def demo_workspace(tmp_path_factory):
    return demo.build_demo_workspace(cache=tmp_path_factory.mktemp("demo-cache"))


def test_demo_uses_readable_classes_and_descriptions(demo_workspace):
    conv = Conversation(demo_workspace)
    reply = conv.run_program("statistic target")
    assert "malignant" in reply.text and "benign" in reply.text
    define = conv.run_program("define meanradius")
    assert "centre" in define.text
    model = conv.run_program("model")
    assert "breast-cancer" in model.text


def test_demo_has_mistakes_to_describe(demo_workspace):
    conv = Conversation(demo_workspace)
    reply = conv.run_program("mistake count")
    wrong = int((demo_workspace.adapter.predict(demo_workspace.X)
                 != demo_workspace.y.to_numpy()).sum())
    assert wrong > 0 and f"wrong about {wrong}" in reply.text or f"gets {wrong}" in reply.text


@needs_engine
def test_explain_reply_has_a_sentence_and_a_chart(conv):
    from matplotlib.figure import Figure

    row_id = conv.workspace.frame.index[0]
    reply = conv.run_program(f"filter id {row_id} and explain features")
    assert reply.ok and "the most, by" in reply.text
    assert reply.figures and all(isinstance(f, Figure) for f in reply.figures)
    assert "flip" in reply.followup


@needs_engine
def test_clinic_dialogues_run_with_gold_parses(clinic_workspace):
    yaml = pytest.importorskip("yaml")
    if not CLINIC_DIALOGUES.exists():
        pytest.skip("clinic_dialogues.yaml not available")
    dialogues = yaml.safe_load(CLINIC_DIALOGUES.read_text())
    for dialogue in dialogues:
        conv = Conversation(clinic_workspace)
        for turn in dialogue["turns"]:
            reply = conv.run_program(turn["parse"])
            assert reply.ok, (dialogue["name"], turn["parse"], reply.text)
            assert reply.understood


def test_the_demo_workspace_is_built_once():
    assert demo.demo_workspace() is demo.demo_workspace()


def test_the_reading_and_the_context_name_the_previous_rows(conv):
    """ "previousfilter" is spelled out in the reading, and a follow-up button's program runs
    under the button's words (recorded as such), about the rows it was offered for."""
    conv.run_program("filter age greater than 50 and countdata [E]")
    assert conv.context_words() == "patients with age above 50"
    reply = conv.run_program("previousfilter and predict [E]")
    assert reply.understood.startswith("Patients with age above 50 — ")
    offer = conv.offered
    assert offer is not None
    pressed = conv.follow("followup [E]", "Yes, see more for patients with age above 50")
    assert pressed.ok and pressed.understood.startswith("Yes to my suggestion: Patients with age")
    assert conv.history[-1].message == "Yes, see more for patients with age above 50"
    conv.run_program("filter id 3 and change age set 40 and predict [E]")
    assert conv.context_words() == "patient 3 if age set to 40"
    conv.run_program("score accuracy [E]")
    assert conv.context_words() is None


def test_previous_rows_are_spelled_out_with_their_joins_and_what_ifs(conv):
    from dialogue.conversation import resolve_previous
    from grammar.language import parse_program

    schema = conv.workspace.schema

    def program(text):
        return parse_program(text, schema)

    before = program("filter age greater than 50 or filter smoker true and change age increase "
                     "5 and predict [E]")
    offered = program("previousfilter and likelihood [E]")
    assert str(resolve_previous(offered, before)) == (
        "filter age greater than 50 or filter smoker true and change age increase 5 and "
        "likelihood [E]")
    narrowed = program("previousfilter and filter sex female and countdata [E]")
    assert str(resolve_previous(narrowed, program("filter id 3 and predict [E]"))) == (
        "filter id 3 and filter sex female and countdata [E]")
    assert str(resolve_previous(offered, None)) == "likelihood [E]"
    assert resolve_previous(before, offered) is before
