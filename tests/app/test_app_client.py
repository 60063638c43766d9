"""The app as a client sees it: gradio_client round trips against ``python app.py`` on loopback,
plus the app's plain helpers (upload checks, export) without a server."""

from __future__ import annotations

import json
import re
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dialogue.app_support import (
    Turn,
    UploadError,
    check_model_file,
    check_target,
    read_upload_csv,
    suggestions_for,
    transcript_json,
    transcript_markdown,
)

gradio_client = pytest.importorskip("gradio_client")


# --------------------------------------------------------------------------- helpers
def client(url: str):
    return gradio_client.Client(url, verbose=False, download_files=False)


def load_upload(c, csv: Path, target: str, index: str, model: Path | None, trusted: bool,
                split: str = "(not known)", test: Path | None = None,
                descriptions: Path | None = None) -> str:
    """Call the upload endpoint like the side panel does; returns the status message."""
    handle = gradio_client.handle_file
    outputs = c.predict(
        handle(str(csv)),
        target,
        index,
        handle(str(model)) if model is not None else None,
        trusted,
        split,
        handle(str(test)) if test is not None else None,
        handle(str(descriptions)) if descriptions is not None else None,
        api_name="/load_upload",
    )
    return outputs[-1]


def exported_path(update: dict) -> str:
    """The server-side path of an exported file (the client leaves it on the server)."""
    value = update["value"]
    return value["path"] if isinstance(value, dict) else value


def make_loan_data(rows: int = 240, seed: int = 7) -> pd.DataFrame:
    """A small data set the project never shipped: loan approvals with a categorical column."""
    rng = np.random.default_rng(seed)
    income = rng.normal(55, 15, rows).round(1)
    debt = rng.uniform(0, 0.8, rows).round(3)
    region = rng.choice(["north", "south", "east"], rows)
    age = rng.integers(21, 70, rows)
    logit = 0.08 * (income - 55) - 5 * (debt - 0.4) + (region == "north") * 0.5
    approved = np.where(rng.random(rows) < 1 / (1 + np.exp(-logit)), "yes", "no")
    return pd.DataFrame(
        {
            "applicant_id": np.arange(1001, 1001 + rows),
            "income": income,
            "debt_ratio": debt,
            "region": region,
            "age": age,
            "batch": "A",
            "approved": approved,
        }
    )


def fit_pipeline(X: pd.DataFrame, y: pd.Series):
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import OneHotEncoder

    categorical = [c for c in X.columns if X[c].dtype == object or str(X[c].dtype) == "str"]
    prep = ColumnTransformer(
        [("onehot", OneHotEncoder(handle_unknown="ignore"), categorical)], remainder="passthrough"
    )
    return Pipeline([("prep", prep), ("model", LogisticRegression(max_iter=1000))]).fit(X, y)


@pytest.fixture(scope="module")
def upload_files(tmp_path_factory) -> dict[str, Path]:
    import joblib
    import skops.io as sio

    folder = tmp_path_factory.mktemp("uploads")
    frame = make_loan_data()
    csv = folder / "loans.csv"
    frame.to_csv(csv, index=False)
    features = frame.drop(columns=["applicant_id", "approved"])
    model = fit_pipeline(features, frame["approved"])
    sio.dump(model, folder / "loans.skops")
    joblib.dump(model, folder / "loans.joblib")
    other = pd.DataFrame({"a": np.arange(50.0), "b": np.arange(50.0) % 7, "c": np.arange(50) % 3})
    sio.dump(fit_pipeline(other, other["c"] > 0), folder / "other.skops")
    (folder / "photo.csv").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200))
    (folder / "report.pdf").write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    return {
        "csv": csv,
        "skops": folder / "loans.skops",
        "joblib": folder / "loans.joblib",
        "other": folder / "other.skops",
        "binary_csv": folder / "photo.csv",
        "pdf": folder / "report.pdf",
    }


# --------------------------------------------------------------------------- round trips
def test_ask_endpoint_answers_on_the_demo(app_url: str) -> None:
    answer = client(app_url).predict("how accurate is the model?", api_name="/ask")
    assert answer["ok"] is True
    assert answer["parse"].startswith("score")
    assert re.search(r"\d+(\.\d+)?\s*%", answer["text"]), answer["text"]
    assert answer["dataset"].startswith("Demo")


def test_chat_answer_has_chart_and_collapsible_understanding(app_url: str) -> None:
    history = client(app_url).predict("what are the most important features?", [], api_name="/chat")
    assert history[0] == {
        "role": "user",
        "metadata": None,
        "content": [{"text": "what are the most important features?", "type": "text"}],
        "options": None,
    }
    contents = [item for message in history[1:] for item in message["content"]]
    plots = [item for item in contents if item.get("type") == "component"]
    assert plots and plots[0]["component"] == "image"
    assert plots[0]["value"]["path"].endswith(".png")
    with urllib.request.urlopen(plots[0]["value"]["url"], timeout=30) as response:
        assert response.read(8) == b"\x89PNG\r\n\x1a\n"
    answer_text = history[1]["content"][0]["text"]
    assert answer_text.startswith("*I read this as: all patients — "), answer_text
    assert "importance" in answer_text.split("\n")[0]
    details = history[-1]
    assert details["metadata"]["title"] == "Details: program, confidence, time"
    assert details["metadata"]["status"] == "done"  # rendered collapsed
    text = details["content"][0]["text"]
    assert "Program: `important" in text
    assert re.search(r"reading: (sure|fairly sure|unsure) · \d+\.\d s", text), text
    assert "parser" not in text and "rules" not in text and "%" not in text
    assert details["options"], "follow-up suggestions are offered under the answer"


def test_clarifying_options_become_clickable_suggestions(app_url: str) -> None:
    """A question the assistant cannot read gets its clarifying options (``Reply.options``)
    under the answer as buttons, the same way as follow-ups."""
    c = client(app_url)
    answer = c.predict("asdkjh qwe zzz", api_name="/ask")
    assert answer["ok"] is False and answer["options"], answer
    history = c.predict("asdkjh qwe zzz", [], api_name="/chat")
    buttons = [option["value"] for option in history[-1]["options"] or []]
    assert buttons[: len(answer["options"][:4])] == answer["options"][:4]


def test_sessions_keep_their_own_filters(app_url: str) -> None:
    """Two browsers filter differently; each follow-up about "them" uses its own filter, and
    matches what a fresh session gets for the same two questions."""
    first = "how many patients have a mean radius above {}?"
    follow = "how many of them are malignant?"
    a, b = client(app_url), client(app_url)
    a.predict(first.format(15), api_name="/ask")
    b.predict(first.format(20), api_name="/ask")
    a_follow = a.predict(follow, api_name="/ask")
    b_follow = b.predict(follow, api_name="/ask")
    assert a_follow["parse"].startswith("previousfilter")
    assert a_follow["text"] != b_follow["text"]
    for threshold, seen in ((15, a_follow), (20, b_follow)):
        fresh = client(app_url)
        fresh.predict(first.format(threshold), api_name="/ask")
        assert fresh.predict(follow, api_name="/ask")["text"] == seen["text"]


def test_export_markdown_and_json(app_url: str) -> None:
    c = client(app_url)
    c.predict("how accurate is the model?", api_name="/ask")
    c.predict("what are the most important features?", api_name="/ask")
    md_path = exported_path(c.predict(api_name="/export_md"))
    json_path = exported_path(c.predict(api_name="/export_json"))
    markdown = Path(md_path).read_text(encoding="utf-8")
    assert "## 1. how accurate is the model?" in markdown
    assert "data:image/png;base64," in markdown
    payload = json.loads(Path(json_path).read_text(encoding="utf-8"))
    assert [t["question"] for t in payload["turns"]] == [
        "how accurate is the model?",
        "what are the most important features?",
    ]
    assert payload["turns"][1]["figures_png_base64"]


def test_uploaded_csv_and_skops_model_work_end_to_end(app_url: str, upload_files) -> None:
    c = client(app_url)
    status = load_upload(
        c, upload_files["csv"], "approved", "applicant_id", upload_files["skops"], False
    )
    assert status.startswith("✅ Loaded **loans.csv**"), status
    answer = c.predict("how accurate is the model?", api_name="/ask")
    assert answer["dataset"] == "loans.csv"
    assert answer["ok"] is True
    import skops.io as sio

    frame = pd.read_csv(upload_files["csv"])
    skops_file = upload_files["skops"]
    model = sio.load(skops_file, trusted=sio.get_untrusted_types(file=skops_file))
    predicted = model.predict(frame.drop(columns=["applicant_id", "approved"]))
    accuracy = float((predicted == frame["approved"]).mean())
    assert f"{accuracy:.1%}".replace(".0%", "%") in answer["text"], answer["text"]
    why = c.predict("why did the model predict that for applicant 1001?", api_name="/ask")
    assert why["ok"] is True and why["n_figures"] >= 1, why
    # class names are spelled from the target column ("approved" / "not approved" for yes/no)
    assert re.search(rf"predicts \*\*{'not approved' if predicted[0] == 'no' else 'approved'}\*\*",
                     why["text"]), why["text"]
    other = client(app_url).predict("how accurate is the model?", api_name="/ask")
    assert other["dataset"].startswith("Demo"), "an upload must not leak into other sessions"


def test_joblib_model_needs_the_trust_checkbox(app_url: str, upload_files) -> None:
    c = client(app_url)
    refused = load_upload(
        c, upload_files["csv"], "approved", "applicant_id", upload_files["joblib"], False
    )
    assert refused.startswith("⚠️") and "I trust this file" in refused
    accepted = load_upload(
        c, upload_files["csv"], "approved", "applicant_id", upload_files["joblib"], True
    )
    assert accepted.startswith("✅"), accepted


@pytest.mark.parametrize(
    ("csv", "target", "model", "expected"),
    [
        ("csv", "batch", None, "single value"),
        ("csv", "applicant_id", None, "id column"),
        ("csv", "approved", "other", "does not fit the columns"),
        ("binary_csv", "approved", None, "not a CSV"),
        ("pdf", "approved", None, "not a CSV"),
    ],
)
def test_bad_uploads_get_a_clear_message(
    app_url: str, upload_files, csv: str, target: str, model: str | None, expected: str
) -> None:
    c = client(app_url)
    model_path = upload_files[model] if model else None
    status = load_upload(c, upload_files[csv], target, "applicant_id", model_path, False)
    assert status.startswith("⚠️") and expected in status, status
    assert "/tmp/" not in status, "temporary paths are not shown to users"
    still_demo = c.predict("how accurate is the model?", api_name="/ask")
    assert still_demo["dataset"].startswith("Demo")


# --------------------------------------------------------------------------- helpers, no server
def test_upload_checks_explain_what_is_wrong(tmp_path: Path, upload_files) -> None:
    frame = read_upload_csv(upload_files["csv"])
    check_target(frame, "approved", "applicant_id")
    with pytest.raises(UploadError, match="not a column"):
        check_target(frame, "approval", None)
    with pytest.raises(UploadError, match="binary"):
        read_upload_csv(upload_files["binary_csv"])
    tiny = tmp_path / "tiny.csv"
    tiny.write_text("a,b\n1,2\n")
    with pytest.raises(UploadError, match="only 1 rows"):
        read_upload_csv(tiny)
    with pytest.raises(UploadError, match="I trust this file"):
        check_model_file(upload_files["joblib"], trusted=False)
    check_model_file(upload_files["joblib"], trusted=True)
    with pytest.raises(UploadError, match="not a model file"):
        check_model_file(upload_files["pdf"], trusted=True)


def test_transcript_exports_keep_every_turn() -> None:
    table = pd.DataFrame({"feature": ["age", "bmi"], "change": [-3.0, 1.5]})
    turns = [
        Turn(
            "why?",
            "Because **age**.",
            "filter id 3 and explain features [E]",
            "patient 3",
            True,
            0.9,
            "grammar",
            figures_png=(b"\x89PNG fake",),
            table=table,
            followup="Would you like to see what would change it?",
        ),
        Turn("blah", "Sorry, I did not understand.", "", "", False, None, None),
    ]
    markdown = transcript_markdown(turns, "Test")
    assert "## 1. why?" in markdown and "## 2. blah" in markdown
    assert "| age | -3 |" in markdown
    assert "`filter id 3 and explain features [E]`" in markdown
    payload = json.loads(transcript_json(turns, {"dataset": "test"}))
    assert payload["dataset"] == "test"
    assert payload["turns"][0]["table"]["columns"] == ["feature", "change"]
    assert payload["turns"][1]["ok"] is False
    labels = [s.label for s in suggestions_for(turns[0])]
    assert "Yes, see what would change it" in labels
    unclear = Turn("sugar?", "Did you mean…", "", "", False, 0.4, "nl",
                   options=("what is the average glucose?", "how important is glucose?"))
    offered = [(s.label, s.message) for s in suggestions_for(unclear)]
    assert offered[:2] == [("what is the average glucose?",) * 2,
                           ("how important is glucose?",) * 2]


def test_every_answer_starts_with_how_the_question_was_read() -> None:
    """The reading is one plain line above the answer; the details keep the program, the
    confidence in words and the time, and no parser jargon."""
    from dialogue.app_support import answer_markdown, confidence_words, understood_markdown

    turn = Turn("what does the model predict for patients with mean radius above 17.5?",
                "The model predicts **malignant** for 80 of them.",
                "filter mean_radius greater than 17.5 and predict [E]",
                "Patients with mean radius above 17.5 — what the model predicts", True, 0.93,
                "rules", seconds=0.42)
    shown = answer_markdown(turn)
    assert shown.splitlines()[0] == (
        "*I read this as: patients with mean radius above 17.5 — what the model predicts*")
    details = understood_markdown(turn)
    assert "Program: `filter mean_radius greater than 17.5 and predict [E]`" in details
    assert "reading: sure · 0.4 s" in details
    assert "rules" not in details and "parser" not in details
    assert [confidence_words(c) for c in (0.99, 0.85, 0.7, 0.6, 0.55, None)] == [
        "sure", "sure", "fairly sure", "fairly sure", "unsure", None]
    unsure = Turn("q", "a", "countdata [E]", "All patients — count them", True, 0.52, "nl")
    assert "not sure" in answer_markdown(unsure).splitlines()[0]
    asked = Turn("sugar?", "Did you mean…", "", "", False, 0.4, "nl", options=("a", "b"))
    assert not answer_markdown(asked).startswith("*I read this as")
    assert "I read this as: patient 3" in transcript_markdown(
        [Turn("why?", "Because.", "filter id 3 and explain features [E]", "Patient 3 — why",
              True, 0.9, "rules")], "T")


def _buttons(history: list[dict]) -> list[str]:
    return [option["value"] for option in history[-1]["options"] or []]


def test_a_follow_up_button_keeps_its_patient_and_is_recorded_by_its_words(app_url: str) -> None:
    """After a counterfactual for patient 1, "how sure" is about patient 1, and the chat and the
    export record the button's words, not "yes"."""
    c = client(app_url)
    history = c.predict("what would change the prediction for patient 1?", [], api_name="/chat")
    buttons = _buttons(history)
    sure = [b for b in buttons if b.startswith("Yes, see how sure the model is")]
    assert sure == ["Yes, see how sure the model is for patient 1"], buttons
    history = c.predict(sure[0], history, api_name="/chat")
    user = [m for m in history if m["role"] == "user"][-1]
    assert user["content"][0]["text"] == sure[0]
    answer = [m for m in history if m["role"] == "assistant"][-2]["content"][0]["text"]
    assert answer.startswith("*I read this as a yes to my suggestion: patient 1 — how likely"), answer
    assert "for patient 1" in answer.lower() and "569" not in answer, answer
    markdown = Path(exported_path(c.predict(api_name="/export_md"))).read_text(encoding="utf-8")
    assert "## 2. Yes, see how sure the model is for patient 1" in markdown
    assert "## 2. yes" not in markdown


def test_buttons_under_a_group_answer_name_the_group(app_url: str) -> None:
    c = client(app_url)
    history = c.predict("how many patients have mean radius above 17.5?", [], api_name="/chat")
    buttons = _buttons(history)
    assert buttons and all("mean radius above 17.5" in b for b in buttons), buttons
    pressed = next(b for b in buttons if "accurate" in b)
    history = c.predict(pressed, history, api_name="/chat")
    answer = [m for m in history if m["role"] == "assistant"][-2]["content"][0]["text"]
    assert "patients with mean radius above 17.5" in answer.split("\n")[0], answer


def test_no_two_buttons_under_one_answer_mean_the_same() -> None:
    """The offer ("why?") and the usual next step ("why?") run the same program: shown once."""
    turn = Turn("what does the model predict for patient 12?", "Malignant.",
                "filter id 12 and predict [E]", "Patient 12 — what the model predicts", True,
                0.95, "nl", followup="Would you like to know why the model predicts this?",
                context="patient 12", offer_program="previousfilter and explain features [E]",
                offer_about_rows=True)
    shown = suggestions_for(turn)
    assert [s.label for s in shown] == [
        "Yes, know why the model predicts this for patient 12",
        "What would change the outcome for patient 12?",
    ]
    assert len({s.program for s in shown}) == len(shown)
    assert all(s.label == s.message for s in shown), "the chat records what the button says"


def test_loading_new_data_asks_first_and_keeps_the_old_chat_exportable(upload_files) -> None:
    """With questions in the chat, Load (and Back) ask before replacing the conversation; once
    replaced, the old conversation is still in both exports."""
    from dialogue import Workspace
    from tests.app.test_progress_message import _app_module

    module = _app_module()
    frame = make_loan_data(80, seed=3).drop(columns=["applicant_id"])
    app = module.AskModelApp(demo_workspace=lambda: Workspace.build(frame, "approved"),
                             warm=False, demo_label="Start data")
    session = app.new_session()
    *_, (history, session) = app.respond("how many rows are there?", [], session)
    inputs = [str(upload_files["csv"]), "approved", "applicant_id", str(upload_files["skops"]),
              False, "(not known)", None, None]
    asked = app.upload_clicked(*inputs, session)
    new, _panel, _examples, chat, replace_button, status = asked
    assert new is session and session.turns, "nothing is replaced before the user says so"
    assert chat == {"__type__": "update"} and replace_button["visible"] is True
    assert status.startswith("⚠️ Loading this data starts a new conversation; this one has 1 "
                             "question."), status
    new, _panel, _examples, chat, replace_button, status = app.replace_confirmed(*inputs, session)
    assert status.startswith("✅ Loaded **loans.csv**"), status
    assert chat == [] and replace_button["visible"] is False and not new.turns
    assert new.earlier[0][0] == "Start data"
    markdown = Path(app.export(new, "md")).read_text(encoding="utf-8")
    assert "# Earlier conversation — Start data" in markdown
    assert "## 1. how many rows are there?" in markdown
    payload = json.loads(Path(app.export(new, "json")).read_text(encoding="utf-8"))
    assert payload["earlier_conversations"][0]["turns"][0]["question"] == (
        "how many rows are there?")
    *_, (history, new) = app.respond("how accurate is the model?", [], new)
    back = app.back_clicked(new)
    assert back[0] is new and "Going back to the demo starts a new conversation" in back[-1]
    again = app.replace_confirmed(*inputs, new)
    assert again[-1] == "Back on the demo." and len(again[0].earlier) == 2


def test_an_empty_chat_loads_at_once_and_a_description_file_is_used(upload_files,
                                                                    tmp_path: Path) -> None:
    from dialogue import Workspace
    from tests.app.test_progress_message import _app_module

    module = _app_module()
    frame = make_loan_data(80, seed=3).drop(columns=["applicant_id"])
    app = module.AskModelApp(demo_workspace=lambda: Workspace.build(frame, "approved"),
                             warm=False)
    notes = tmp_path / "loans.yaml"
    notes.write_text("features:\n  income: {description: yearly income in thousands}\n")
    inputs = [str(upload_files["csv"]), "approved", "applicant_id", str(upload_files["skops"]),
              False, "(not known)", None, str(notes)]
    new, panel, _examples, _chat, _button, status = app.upload_clicked(*inputs,
                                                                       app.new_session())
    assert status.startswith("✅"), status
    from dialogue.app_support import features_table_markdown

    assert "yearly income in thousands" in features_table_markdown(new.workspace)
    assert "Features of the data" in panel
    notes.write_text("features:\n  incme: {unit: k$}\n")
    refused = app.upload_clicked(*inputs, app.new_session())[-1]
    assert refused.startswith("⚠️") and "'incme'" in refused, refused
    bad = app.upload_clicked(*inputs[:-1], str(upload_files["csv"]), app.new_session())[-1]
    assert bad.startswith("⚠️") and "not a feature description file" in bad, bad


def test_after_a_yes_the_buttons_follow_what_ran() -> None:
    """A "yes" to "how sure" ran a likelihood for patient 1: the next steps are those of a
    prediction for patient 1, and the offer's own meaning is not repeated."""
    turn = Turn("Yes, see how sure the model is for patient 1", "97.9% malignant.",
                "followup [E]", "Yes to my suggestion: Patient 1 — how likely", True, 1.0,
                "button", followup="Would you like to know why the model predicts this?",
                context="patient 1", offer_program="previousfilter and explain features [E]",
                offer_about_rows=True, ran="previousfilter and likelihood [E]", one_row=True)
    assert [s.label for s in suggestions_for(turn)] == [
        "Yes, know why the model predicts this for patient 1",
        "What would change the outcome for patient 1?",
    ]
