"""Data checked once, at load (issue 10, item 5): each problem is one clear sentence, or a named
adjustment, in the Python API, the command line (one line, exit 2, no traceback) and the app."""

from __future__ import annotations

import io
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dialogue import Conversation
from dialogue.data_checks import DataError, check_table, read_table


def _frame(n: int = 80, seed: int = 6) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"visit_id": np.arange(1, n + 1), "age": rng.integers(20, 85, n),
                          "dose": rng.normal(5, 2, n).round(2)})
    frame["relapse"] = ((frame.age / 20 + frame.dose + rng.normal(0, 1.5, n)) > 8).astype(int)
    return frame


def _one_line_error(argv: list[str], capsys, monkeypatch, stdin: str = "quit\n") -> str:
    from dialogue.__main__ import main

    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(argv)
    error = capsys.readouterr().err
    assert code == 2, (code, error)
    assert "Traceback" not in error and len(error.strip().splitlines()) == 1, error
    return error


def _chat(path: Path, *extra: str) -> list[str]:
    return ["chat", "--data", str(path), "--target", "relapse", *extra]


@pytest.fixture(scope="module")
def upload_app():
    pytest.importorskip("gradio")
    from app import AskModelApp
    from dialogue import Workspace

    return AskModelApp(demo_workspace=lambda: Workspace.build(_frame(40), "relapse"), warm=False,
                       demo_label="Demo: small")


def _upload(app, csv: Path, target: str = "relapse", model: Path | None = None) -> str:
    *_rest, status = app.load_upload(str(csv), target, None, str(model) if model else None,
                                     False, None, None, None)
    return status


# ----------------------------------------------------------------------------- empty columns
def test_an_empty_column_is_left_out_of_a_model_trained_here_and_said(tmp_path, upload_app):
    frame = _frame().assign(notes=np.nan)
    conv = Conversation.from_frame(frame, "relapse", index_col="visit_id")
    assert "notes" not in conv.workspace.X.columns
    assert conv.workspace.notes == ("The column “notes” is empty in every row, so it was left "
                                    "out.",)
    why = conv.ask("why did the model predict that for visit 3?")
    assert why.ok, why.text
    csv = tmp_path / "visits.csv"
    frame.to_csv(csv, index=False)
    status = _upload(upload_app, csv)
    assert status.startswith("✅") and "“notes” is empty in every row" in status, status


def test_an_empty_column_your_model_needs_is_kept_and_why_still_answers():
    """Before: every "why" answer was "Sorry, something went wrong" (an IndexError in LIME)."""
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline

    frame = _frame().assign(notes=np.nan)
    X = frame[["age", "dose", "notes"]]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = make_pipeline(SimpleImputer(keep_empty_features=True),
                              GradientBoostingClassifier(n_estimators=20, random_state=0)
                              ).fit(X, frame["relapse"])
    conv = Conversation.from_frame(frame, "relapse", model, index_col="visit_id")
    assert "notes" in conv.workspace.X.columns
    assert "the model still gets it" in conv.workspace.notes[0]
    for question in ("why did the model predict that for visit 3?",
                     "explain visit 4 with lime", "what are the most important features?"):
        reply = conv.ask(question)
        assert reply.ok and "went wrong" not in reply.text, (question, reply.text)


def test_a_constant_column_is_named():
    frame = _frame().assign(site="north")
    conv = Conversation.from_frame(frame, "relapse", index_col="visit_id")
    assert any("“site” has the same value in every row" in n for n in conv.workspace.notes)


# ----------------------------------------------------------------------------- rows and classes
def test_a_single_row_is_one_sentence_everywhere(tmp_path, capsys, monkeypatch):
    """Before: scikit-learn's "y contains 1 class after sample_weight trimmed classes"."""
    one = _frame().head(1)
    with pytest.raises(DataError, match="only one row"):
        Conversation.from_frame(one, "relapse", index_col="visit_id")
    csv = tmp_path / "one.csv"
    one.to_csv(csv, index=False)
    assert "only one row" in _one_line_error(_chat(csv), capsys, monkeypatch)


def test_a_single_class_is_one_sentence_when_training_here(tmp_path, capsys, monkeypatch):
    frame = _frame().assign(relapse=1)
    with pytest.raises(DataError, match="same value .* in every row"):
        Conversation.from_frame(frame, "relapse", index_col="visit_id")
    csv = tmp_path / "same.csv"
    frame.to_csv(csv, index=False)
    assert "nothing for a model to learn" in _one_line_error(_chat(csv), capsys, monkeypatch)


def test_a_target_with_gaps_loses_those_rows_and_says_so(tmp_path, upload_app):
    frame = _frame()
    frame.loc[[3, 10, 11], "relapse"] = np.nan
    conv = Conversation.from_frame(frame, "relapse", index_col="visit_id")
    assert len(conv.workspace.frame) == len(frame) - 3
    assert "3 rows without a value for relapse were left out." in conv.workspace.notes
    csv = tmp_path / "gaps.csv"
    frame.to_csv(csv, index=False)
    status = _upload(upload_app, csv)
    assert status.startswith("✅") and "3 rows without a value" in status, status


# ----------------------------------------------------------------------------- files
def test_duplicate_column_names_are_one_sentence_everywhere(tmp_path, capsys, monkeypatch,
                                                            upload_app):
    """Before: pandas silently renamed the second one "age.1" and answers showed it."""
    csv = tmp_path / "dup.csv"
    text = _frame().to_csv(index=False).replace("visit_id,age,dose", "visit_id,age,age", 1)
    csv.write_text(text)
    with pytest.raises(DataError, match="more than one column named “age”"):
        Conversation.from_files(csv, "relapse")
    with pytest.raises(DataError, match="more than one column named"):
        check_table(pd.DataFrame([[1, 2, 0], [3, 4, 1]], columns=["a", "a", "y"]), "y")
    assert "more than one column named" in _one_line_error(_chat(csv), capsys, monkeypatch)
    assert "more than one column named" in _upload(upload_app, csv)


@pytest.mark.parametrize("content", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(300),
    bytes(range(1, 256)) * 40,  # binary with no NUL byte: used to get "'utf-8' codec can't ..."
])
def test_a_binary_file_is_one_sentence_everywhere(tmp_path, content, capsys, monkeypatch,
                                                  upload_app):
    path = tmp_path / "scan.csv"
    path.write_bytes(content)
    with pytest.raises(DataError, match="binary file"):
        read_table(path)
    with pytest.raises(DataError, match="binary file"):
        Conversation.from_files(path, "relapse")
    assert "binary file" in _one_line_error(_chat(path), capsys, monkeypatch)
    assert "binary file" in _one_line_error(
        ["parse", "--data", str(path), "--target", "relapse"], capsys, monkeypatch,
        stdin="how many rows?\n")
    assert "binary file" in _upload(upload_app, path)


def test_text_that_is_not_utf8_is_read_as_windows_1252_and_said(tmp_path):
    frame = _frame().assign(town=lambda d: np.where(d.age > 50, "Zürich", "Genève"))
    path = tmp_path / "latin.csv"
    path.write_bytes(frame.to_csv(index=False).encode("cp1252"))
    conv = Conversation.from_files(path, "relapse", index_col="visit_id")
    assert set(conv.workspace.frame["town"]) == {"Zürich", "Genève"}
    assert any("not UTF-8" in note for note in conv.workspace.notes)


# ----------------------------------------------------------------------------- models in the CLI
def test_the_cli_reports_an_untrusted_pickle_and_a_mismatched_model_in_one_line(
        tmp_path, capsys, monkeypatch):
    """Before: a 24-line traceback for each."""
    import joblib
    import skops.io as sio
    from sklearn.linear_model import LogisticRegression

    frame = _frame()
    csv = tmp_path / "visits.csv"
    frame.to_csv(csv, index=False)
    model = LogisticRegression().fit(frame[["age", "dose"]], frame["relapse"])
    joblib.dump(model, tmp_path / "model.joblib")
    error = _one_line_error(_chat(csv, "--index-col", "visit_id", "--model",
                                  str(tmp_path / "model.joblib")), capsys, monkeypatch)
    assert "--trust-model" in error
    other = LogisticRegression().fit(pd.DataFrame({"height": [1.0, 2, 3, 4]}), [0, 1, 0, 1])
    sio.dump(other, tmp_path / "other.skops")
    error = _one_line_error(_chat(csv, "--index-col", "visit_id", "--model",
                                  str(tmp_path / "other.skops")), capsys, monkeypatch)
    assert "height" in error or "feature" in error
