"""Honest scores (issue 10, item 4): accuracy and mistakes are measured on the rows the model
was not trained on whenever that is known, and the answer says so; the training rows and all rows
are there when asked for (``split training`` / ``split all``); for a user's own model without a
split column or a test file, answers say the rows may include training data."""

from __future__ import annotations

import io
import sys

import numpy as np
import pandas as pd
import pytest

from dialogue import Conversation, Workspace
from dialogue.app_support import workspace_summary_markdown
from dialogue.demo import demo_workspace
from dialogue.holdout import default_training_rows, trained_from_split_column


def _accuracy(ws: Workspace, rows: np.ndarray) -> float:
    return float((ws.predictions()[rows] == ws.y.to_numpy()[rows]).mean())


def _pct(value: float) -> str:
    return f"{value:.1%}".replace(".0%", "%")


# ----------------------------------------------------------------------------- the demo
@pytest.fixture(scope="module")
def demo() -> Workspace:
    return demo_workspace()


def test_the_demo_knows_the_half_it_was_trained_on(demo):
    assert demo.training.n_trained == 284 and demo.training.n_heldout == 285
    trained = demo.training.trained
    assert _accuracy(demo, trained) == 1.0, "the flags are the rows it learnt"
    assert _accuracy(demo, ~trained) < _accuracy(demo, np.ones(len(trained), dtype=bool))


def test_how_accurate_gives_held_out_accuracy_and_says_so(demo):
    reply = Conversation(demo).ask("how accurate is the model?")
    held = _pct(_accuracy(demo, ~demo.training.trained))
    assert f"**{held}**" in reply.text and held == "95.8%", reply.text
    assert "on the 285 patients it was not trained on" in reply.text
    assert "97.9%" not in reply.text


def test_the_side_panel_gives_held_out_accuracy_and_says_so(demo):
    panel = workspace_summary_markdown(demo, "Demo")
    assert "**Accuracy: 95.8%** on the 285 patients it was not trained on" in panel, panel
    assert "97.9% on all 569" in panel


def test_the_model_answer_gives_held_out_accuracy(demo):
    reply = Conversation(demo).ask("what kind of model is this?")
    assert "95.8% of the 285 patients it was not trained on" in reply.text, reply.text


@pytest.mark.parametrize(("question", "program", "expected"), [
    ("how accurate are you on patients you were not trained on?",
     "split heldout and score accuracy [E]", "95.8%"),
    ("how accurate is the model on the training data?",
     "split training and score accuracy [E]", "100%"),
    ("what is the accuracy on all rows?", "split all and score accuracy [E]", "97.9%"),
])
def test_each_set_of_rows_when_asked_for(demo, question, program, expected):
    conv = Conversation(demo)
    reply = conv.ask(question)
    if reply.source == "clarify":  # unsure: the right reading must be offered, and it answers
        offered = [option.program for option in reply.options]
        assert program in offered, offered
        reply = conv.ask(str(offered.index(program) + 1))
    assert reply.parse == program
    assert f"**{expected}**" in reply.text, reply.text


def test_mistakes_are_counted_on_the_held_out_rows(demo):
    reply = Conversation(demo).ask("how many mistakes does the model make?")
    wrong = int((demo.predictions() != demo.y.to_numpy())[~demo.training.trained].sum())
    assert f"{wrong} of the 285 patients it was not trained on" in reply.text, reply.text


def test_a_group_is_scored_on_its_held_out_members(demo):
    conv = Conversation(demo)
    reply = conv.ask("what is the accuracy for patients with a mean radius above 15?")
    group = (demo.X["mean radius"] > 15).to_numpy()
    held = group & ~demo.training.trained
    assert f"the {int(held.sum())} of these {int(group.sum())} patients" in reply.text
    assert _pct(_accuracy(demo, held)) in reply.text
    again = conv.ask("and on the training data?")
    assert again.parse == "previousfilter and split training and previousoperation [E]"
    assert _pct(_accuracy(demo, group & demo.training.trained)) in again.text


# ----------------------------------------------------------------------------- uploads
def _table(n: int = 200, seed: int = 8) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"record_id": np.arange(1, n + 1), "age": rng.integers(20, 85, n),
                          "dose": rng.normal(5, 2, n).round(2),
                          "group": rng.choice(["a", "b", "c"], n)})
    frame["relapse"] = ((frame.age / 20 + frame.dose + rng.normal(0, 2, n)) > 8).astype(int)
    frame["split"] = np.where(rng.random(n) < 0.6, "train", "test")
    return frame


def test_a_default_model_for_an_upload_is_scored_on_the_rows_it_did_not_see(tmp_path):
    from dialogue.default_model import _build_default_model

    frame = _table().drop(columns=["split"])
    path = tmp_path / "records.csv"
    frame.to_csv(path, index=False)
    ws = Workspace.from_files(path, "relapse", index_col="record_id")
    trained = ws.training.trained
    assert trained.sum() == round(0.7 * len(frame))
    np.testing.assert_array_equal(trained, default_training_rows(len(frame)))
    # the flags are exactly the rows the model was fitted on: refitting on them reproduces it
    refit = _build_default_model(ws.X[trained], ws.y[trained], 0).fit(ws.X[trained], ws.y[trained])
    np.testing.assert_array_equal(refit.predict(ws.X), ws.predictions())
    reply = Conversation(ws).ask("how accurate is the model?")
    assert f"the {int((~trained).sum())} records it was not trained on" in reply.text, reply.text
    assert _pct(_accuracy(ws, ~trained)) in reply.text


def _own_model(frame: pd.DataFrame):
    from sklearn.ensemble import RandomForestClassifier

    train = frame[frame.split == "train"]
    return RandomForestClassifier(n_estimators=30, random_state=0).fit(
        train[["age", "dose"]], train["relapse"])


def test_your_own_model_without_a_split_warns_that_rows_may_include_training_data():
    frame = _table()
    conv = Conversation.from_frame(frame.drop(columns=["split", "group"]), "relapse",
                                   _own_model(frame), index_col="record_id")
    reply = conv.ask("how accurate is the model?")
    assert "may include the ones the model was trained on" in reply.text, reply.text
    assert "on all 200 records" in reply.text
    panel = workspace_summary_markdown(conv.workspace, "records")
    assert "may include the rows the model was trained on" in panel
    # the program itself: how the parser reads split words is the parser's tests' concern
    refused = conv.run_program("split heldout and score accuracy [E]")
    assert not refused.ok and "split column" in refused.text and "test file" in refused.text


def test_a_split_column_says_which_rows_are_held_out():
    frame = _table().drop(columns=["group"])
    conv = Conversation.from_frame(frame, "relapse", _own_model(frame), index_col="record_id",
                                   split_column="split")
    ws = conv.workspace
    assert "split" not in ws.X.columns, "the split column is not a feature"
    held = (frame.split == "test").to_numpy()
    np.testing.assert_array_equal(~ws.training.trained, held)
    reply = conv.ask("how accurate is the model?")
    assert f"the {int(held.sum())} records it was not trained on" in reply.text, reply.text
    assert _pct(_accuracy(ws, held)) in reply.text
    training = conv.run_program("split training and score accuracy [E]")
    assert _pct(_accuracy(ws, ~held)) in training.text


def test_a_separate_test_file_is_the_held_out_rows(tmp_path):
    frame = _table().drop(columns=["group"])
    model = _own_model(frame)
    frame = frame.drop(columns=["split"])
    train_part, test_part = frame.iloc[:150], frame.iloc[150:]
    train_csv, test_csv = tmp_path / "train.csv", tmp_path / "test.csv"
    train_part.to_csv(train_csv, index=False)
    test_part.to_csv(test_csv, index=False)
    import skops.io as sio

    model_path = tmp_path / "model.skops"
    sio.dump(model, model_path)
    conv = Conversation.from_files(train_csv, "relapse", model_path, index_col="record_id",
                                   test_path=test_csv)
    ws = conv.workspace
    assert len(ws.frame) == 200 and ws.training.n_heldout == 50
    reply = conv.ask("how accurate is the model?")
    assert "the 50 records it was not trained on" in reply.text
    assert _pct(_accuracy(ws, ~ws.training.trained)) in reply.text


@pytest.mark.parametrize(("values", "name", "trained"), [
    (["train", "Test", "holdout", "TRAINING"], "split", [True, False, False, True]),
    ([1, 0, 0, 1], "is_test", [False, True, True, False]),
    (["yes", "no", "no", "yes"], "in_training", [True, False, False, True]),
])
def test_split_column_spellings(values, name, trained):
    frame = pd.DataFrame({name: values})
    assert trained_from_split_column(frame, name).tolist() == trained


def test_an_unreadable_split_column_is_one_sentence():
    frame = pd.DataFrame({"fold": [1, 2, 3]})
    with pytest.raises(ValueError, match="should say train or test"):
        trained_from_split_column(frame, "fold")


# ----------------------------------------------------------------------------- CLI and app
def test_the_cli_takes_a_split_column_and_a_test_file(tmp_path, capsys, monkeypatch):
    from dialogue.__main__ import main

    frame = _table().drop(columns=["group"])
    csv = tmp_path / "records.csv"
    frame.to_csv(csv, index=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO("how accurate is the model?\nquit\n"))
    assert main(["chat", "--data", str(csv), "--target", "relapse", "--index-col", "record_id",
                 "--split-column", "split"]) == 0
    held = int((frame.split == "test").sum())
    assert f"the {held} records it was not trained on" in capsys.readouterr().out
    plain = frame.drop(columns=["split"])
    plain.iloc[:150].to_csv(tmp_path / "train.csv", index=False)
    plain.iloc[150:].to_csv(tmp_path / "test.csv", index=False)
    monkeypatch.setattr(sys, "stdin", io.StringIO("how accurate is the model?\nquit\n"))
    assert main(["chat", "--data", str(tmp_path / "train.csv"), "--target", "relapse",
                 "--index-col", "record_id", "--test-data", str(tmp_path / "test.csv")]) == 0
    assert "the 50 records it was not trained on" in capsys.readouterr().out


def test_the_upload_form_takes_a_split_column_and_a_test_file(tmp_path):
    pytest.importorskip("gradio")
    from app import AskModelApp

    frame = _table().drop(columns=["group"])
    csv = tmp_path / "records.csv"
    frame.to_csv(csv, index=False)
    app = AskModelApp(demo_workspace=lambda: Workspace.build(
        frame.drop(columns=["split"]), "relapse"), warm=False)
    _target, _index, split_choice, _status = app.inspect_csv(str(csv))
    assert split_choice["value"] == "split", "the split column is proposed"
    session, panel, _examples, _chat, status = app.load_upload(
        str(csv), "relapse", "record_id", None, False, "split", None, None)
    assert status.startswith("✅"), status
    held = int((frame.split == "test").sum())
    assert f"on the {held} records it was not trained on" in panel, panel
    plain = frame.drop(columns=["split"])
    plain.iloc[:150].to_csv(tmp_path / "train.csv", index=False)
    plain.iloc[150:].to_csv(tmp_path / "test.csv", index=False)
    session, panel, _examples, _chat, status = app.load_upload(
        str(tmp_path / "train.csv"), "relapse", "record_id", None, False, None,
        str(tmp_path / "test.csv"), None)
    assert status.startswith("✅") and "on the 50 records it was not trained on" in panel, panel
