"""Model files that try to run code never do, through any entry point (issue 10, item 1).

Each hostile ``.skops`` file (tests/hostile_skops.py) would create a marker file if anything in
it ran. It is offered, without ``trusted=True``, to the Python API, to ``python -m dialogue chat
--model FILE`` and to the app's upload handler; every one must refuse it with a sentence that
names the types, and the marker must never appear. Genuine models of every supported library
still load without ``trusted=True``.
"""

from __future__ import annotations

import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import skops.io as sio

from explainers import UntrustedFileError, load_model
from explainers.safe_skops import REVIEWED_SKOPS_TYPES
from tests import hostile_skops

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("numpy function", "chain of numpy callables", "payload inside a real model",
         "user function", "user function in a transformer", "unknown class")


def _frame(n: int = 80, seed: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"age": rng.integers(20, 80, n), "dose": rng.normal(5, 2, n).round(2)})
    frame["outcome"] = (frame.age + 5 * frame.dose + rng.normal(0, 8, n) > 75).astype(int)
    return frame


@pytest.fixture(scope="module")
def setting(tmp_path_factory) -> dict:
    from sklearn.ensemble import RandomForestClassifier

    folder = tmp_path_factory.mktemp("hostile")
    frame = _frame()
    csv = folder / "data.csv"
    frame.to_csv(csv, index=False)
    model = RandomForestClassifier(n_estimators=5, random_state=0).fit(
        frame[["age", "dose"]], frame["outcome"])
    marker = folder / "marker.txt"
    return {"csv": csv, "model": model, "marker": marker, "frame": frame,
            "files": hostile_skops.hostile_files(folder / "files", marker, model)}


def _refusal_names_types(message: str) -> bool:
    return "could run code" in message and "(" in message


# ----------------------------------------------------------------------------- Python API
@pytest.mark.parametrize("kind", KINDS)
def test_the_python_api_refuses_hostile_files_before_anything_runs(setting, kind):
    from dialogue import Conversation

    path = setting["files"][kind]
    with pytest.raises(UntrustedFileError) as info:
        load_model(path)
    assert info.value.types and _refusal_names_types(str(info.value)), str(info.value)
    with pytest.raises(UntrustedFileError):
        Conversation.from_files(setting["csv"], target="outcome", model_path=path, trusted=False)
    assert not setting["marker"].exists(), f"the {kind} file ran code"


def test_a_reviewed_class_in_a_role_no_model_gives_it_is_refused(tmp_path):
    path = hostile_skops.reviewed_class_called_file(tmp_path / "called.skops")
    with pytest.raises(UntrustedFileError) as info:
        load_model(path)
    assert info.value.types == ("collections.OrderedDict",)


def test_a_tree_pointing_outside_itself_is_refused_not_run(tmp_path, setting):
    from sklearn.tree import DecisionTreeClassifier

    frame = setting["frame"]
    tree = DecisionTreeClassifier(random_state=0).fit(frame[["age", "dose"]], frame["outcome"])
    path = hostile_skops.tampered_tree_file(tmp_path / "tree.skops", tree)
    with pytest.raises(UntrustedFileError, match="damaged or crafted"):
        load_model(path)


def test_the_allow_list_names_classes_only():
    """Reviewed entries are single classes, never a function or a module."""
    import importlib

    for name in REVIEWED_SKOPS_TYPES:
        module, _, attribute = name.rpartition(".")
        value = getattr(importlib.import_module(module), attribute)
        assert isinstance(value, type), f"{name} is not a class"


def test_genuine_models_of_each_library_load_without_trust(tmp_path, setting):
    from sklearn.ensemble import (
        GradientBoostingClassifier,
        HistGradientBoostingClassifier,
        RandomForestClassifier,
    )
    from sklearn.linear_model import LogisticRegression
    from sklearn.neural_network import MLPClassifier

    frame = setting["frame"]
    X, y = frame[["age", "dose"]], frame["outcome"]
    models = [GradientBoostingClassifier(n_estimators=10), RandomForestClassifier(n_estimators=5),
              HistGradientBoostingClassifier(max_iter=5), LogisticRegression(),
              MLPClassifier(max_iter=20)]
    for library in ("xgboost", "lightgbm"):
        module = pytest.importorskip(library)
        models.append(module.XGBClassifier(n_estimators=5) if library == "xgboost"
                      else module.LGBMClassifier(n_estimators=5, verbose=-1))
    for number, model in enumerate(models):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # convergence warnings of the tiny fits
            model.fit(X, y)
        path = tmp_path / f"model{number}.skops"
        sio.dump(model, path)
        loaded = load_model(path)
        np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


# ----------------------------------------------------------------------------- command line
def _chat_command(setting: dict, kind: str) -> list[str]:
    return ["chat", "--data", str(setting["csv"]), "--target", "outcome",
            "--model", str(setting["files"][kind])]


@pytest.mark.parametrize("kind", KINDS)
def test_the_cli_refuses_hostile_files_in_one_line(setting, kind, capsys, monkeypatch):
    import io

    from dialogue.__main__ import main

    monkeypatch.setattr(sys, "stdin", io.StringIO("how accurate is the model?\nquit\n"))
    code = main(_chat_command(setting, kind))
    error = capsys.readouterr().err
    assert code == 2, (code, error)
    assert "Traceback" not in error and len(error.strip().splitlines()) == 1, error
    assert "could run code" in error and "--trust-model" in error, error
    assert not setting["marker"].exists(), f"the {kind} file ran code"


def test_python_m_dialogue_chat_refuses_the_numpy_payload(setting):
    """The same through a real ``python -m dialogue chat`` process."""
    result = subprocess.run(
        [sys.executable, "-m", "dialogue", *_chat_command(setting, "numpy function")],
        input=b"how accurate is the model?\nquit\n", capture_output=True, cwd=ROOT, timeout=180)
    error = result.stderr.decode()
    assert result.returncode == 2 and len(error.strip().splitlines()) == 1, error
    assert "numpy.testing._private.utils.runstring" in error
    assert not setting["marker"].exists()


# ----------------------------------------------------------------------------- the app
@pytest.mark.parametrize("kind", KINDS)
def test_the_app_upload_refuses_hostile_files(setting, kind, upload_app):
    session, _panel, _examples, _chat, status = upload_app.load_upload(
        str(setting["csv"]), "outcome", None, str(setting["files"][kind]), False, session=None)
    assert status.startswith("⚠️") and "could run code" in status, status
    assert "I trust this file" in status
    assert session.label.startswith("Demo"), "a refused upload keeps the demo"
    assert not setting["marker"].exists(), f"the {kind} file ran code"


@pytest.fixture(scope="module")
def upload_app():
    pytest.importorskip("gradio")
    from app import AskModelApp
    from dialogue import Workspace
    from dialogue.default_model import train_default_model

    def small_demo() -> Workspace:
        frame = _frame(40, seed=9)
        model, note = train_default_model(frame[["age", "dose"]], frame["outcome"])
        return Workspace(frame, "outcome", model, model_note=note)

    return AskModelApp(demo_workspace=small_demo, warm=False, demo_label="Demo: small")
