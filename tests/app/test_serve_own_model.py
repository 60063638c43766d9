"""Serving your own model: ``python app.py --data/--target/--model``, the same settings from
environment variables (a hosted Space), and ``askmodel_blocks`` mounted inside FastAPI."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.app.conftest import ROOT, chromium, free_port, stop_process, wait_until_up
from tests.app.test_app_client import client, fit_pipeline, make_loan_data

gradio_client = pytest.importorskip("gradio_client")

LOAN_NOTES = """\
features:
  income:
    description: yearly income in thousands
    unit: k$
    bounds: [10, 120]
  age:
    description: age of the applicant
    unit: years
    immutable: true
  debt_ratio: share of income that goes to paying debts
"""


@pytest.fixture(scope="module")
def loan_files(tmp_path_factory) -> dict[str, Path]:
    import joblib
    import skops.io as sio

    folder = tmp_path_factory.mktemp("serve")
    frame = make_loan_data()
    frame.to_csv(folder / "loans.csv", index=False)
    model = fit_pipeline(frame.drop(columns=["applicant_id", "approved"]), frame["approved"])
    sio.dump(model, folder / "loans.skops")
    joblib.dump(model, folder / "loans.joblib")
    (folder / "loans.yaml").write_text(LOAN_NOTES)
    (folder / "typo.yaml").write_text("features:\n  incme: {unit: k$}\n")
    return {name: folder / f"loans.{name}" for name in ("csv", "skops", "joblib", "yaml")} | {
        "typo": folder / "typo.yaml"}


def _start(args: list[str], env_extra: dict[str, str], log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False", "NO_PROXY": "127.0.0.1",
           "no_proxy": "127.0.0.1", **env_extra}
    with log.open("w") as handle:
        process = subprocess.Popen(
            [sys.executable, "app.py", "--host", "127.0.0.1", "--port", str(port), *args],
            cwd=ROOT, env=env, stdout=handle, stderr=subprocess.STDOUT)
    return process, f"http://127.0.0.1:{port}/"


@pytest.fixture(scope="module")
def served_url(loan_files, artifacts_dir: Path) -> Iterator[str]:
    """``python app.py --data loans.csv --target approved --model loans.skops ...``."""
    log = artifacts_dir / "app-served-own-model.log"
    process, url = _start(
        ["--data", str(loan_files["csv"]), "--target", "approved",
         "--model", str(loan_files["skops"]), "--index-col", "applicant_id",
         "--descriptions", str(loan_files["yaml"])], {}, log)
    try:
        wait_until_up(url, process, log, 240)
        yield url
    finally:
        stop_process(process)


def test_the_app_started_on_a_csv_and_a_skops_model_answers(served_url: str) -> None:
    c = client(served_url)
    answer = c.predict("how accurate is the model?", api_name="/ask")
    assert answer["ok"] is True, answer
    assert answer["dataset"] == "loans.csv"
    assert answer["parse"].startswith("score"), answer
    why = c.predict("why did the model decide that for applicant 1005?", api_name="/ask")
    assert why["ok"] is True, why
    assert "1005" in why["parse"], why


def test_the_served_app_names_its_data_and_model_file(served_url: str) -> None:
    c = client(served_url)
    panel = c.predict(None, api_name="/use_demo")[0]
    assert "loans.csv" in panel and "loans.skops" in panel, panel


def test_the_description_file_fills_the_features_table(loan_files) -> None:
    from dialogue.app_support import features_table_markdown

    app = _app_module()
    table = features_table_markdown(app.served_workspace(app.ServeOptions(
        str(loan_files["csv"]), "approved", str(loan_files["skops"]), "applicant_id",
        str(loan_files["yaml"]))))
    rows = {line.split("|")[1].strip(" *"): line for line in table.splitlines()[2:]}
    assert "yearly income in thousands" in rows["income"] and "k$" in rows["income"]
    assert "only within 10 to 120" in rows["income"]
    assert "never changed" in rows["age"]
    assert "may change" in rows["debt_ratio"]


def test_the_environment_sets_what_the_command_line_does(loan_files) -> None:
    app = _app_module()
    env = {"ASKMODEL_DATA": str(loan_files["csv"]), "ASKMODEL_TARGET": "approved",
           "ASKMODEL_MODEL": str(loan_files["joblib"]), "ASKMODEL_INDEX_COL": "applicant_id",
           "ASKMODEL_DESCRIPTIONS": str(loan_files["yaml"]), "ASKMODEL_TRUST_MODEL": "1"}
    options = app.serve_options_from_env(env)
    assert options == app.ServeOptions(
        str(loan_files["csv"]), "approved", str(loan_files["joblib"]), "applicant_id",
        str(loan_files["yaml"]), True)
    assert app.serve_options_from_env({}).is_demo
    assert app.serve_options_from_env({"ASKMODEL_TRUST_MODEL": "no"}).trusted is False


def test_a_joblib_model_needs_trust_and_says_how_to_give_it(loan_files) -> None:
    app = _app_module()
    options = app.ServeOptions(str(loan_files["csv"]), "approved", str(loan_files["joblib"]),
                               "applicant_id")
    with pytest.raises(app.ServeError, match="--trust-model"):
        app.served_workspace(options)
    trusted = app.served_workspace(app.ServeOptions(
        str(loan_files["csv"]), "approved", str(loan_files["joblib"]), "applicant_id",
        trusted=True))
    assert trusted.target == "approved"


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--data", "nowhere.csv", "--target", "y"], "There is no file at 'nowhere.csv'"),
        (["--target", "approved"], "--target needs --data"),
        (["--data", "{csv}"], "--data needs --target"),
        (["--data", "{csv}", "--target", "nope"], "nope"),
        (["--data", "{csv}", "--target", "approved", "--descriptions", "{typo}"], "incme"),
        (["--data", "{csv}", "--target", "approved", "--model", "{yaml}"], "not a model file"),
    ],
)
def test_bad_settings_get_one_sentence(loan_files, args: list[str], words: str) -> None:
    app = _app_module()
    filled = [a.format(csv=loan_files["csv"], typo=loan_files["typo"], yaml=loan_files["yaml"])
              for a in args]
    parsed = app.parse_args(filled)
    options = app.ServeOptions(parsed.data, parsed.target, parsed.model, parsed.index_col,
                               parsed.descriptions, parsed.trust_model)
    with pytest.raises(app.ServeError) as caught:
        app.served_workspace(options) if not options.is_demo else options.check()
    message = str(caught.value)
    assert words in message and "Traceback" not in message and "\n" not in message, message


def test_the_command_line_exits_with_one_line_on_a_missing_file(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "app.py", "--data", str(tmp_path / "missing.csv"), "--target", "y"],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"})
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1].startswith("askmodel: There is no file at")
    assert "Traceback" not in done.stderr


def test_the_blocks_mount_in_fastapi_and_answer(loan_files) -> None:
    """``askmodel_blocks`` for a DataFrame and a fitted model, mounted at /askmodel."""
    import gradio as gr
    import uvicorn
    from fastapi import FastAPI

    app = _app_module()
    frame = make_loan_data()
    model = fit_pipeline(frame.drop(columns=["applicant_id", "approved"]), frame["approved"])
    api = FastAPI()

    @api.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    blocks = app.askmodel_blocks(frame, "approved", model, index_col="applicant_id",
                                 label="Loan book", warm=False)
    api = gr.mount_gradio_app(api, blocks, path="/askmodel", css=app.CSS, theme=app.theme())
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(api, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 60
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.1)
        assert server.started
        answer = client(f"http://127.0.0.1:{port}/askmodel/").predict(
            "how many applicants are older than 50?", api_name="/ask")
        assert answer["ok"] is True, answer
        assert answer["dataset"] == "Loan book"
        assert answer["parse"].startswith("filter age greater than 50"), answer
    finally:
        server.should_exit = True
        thread.join(timeout=20)


def _app_module():
    from tests.app.test_progress_message import _app_module as load

    return load()


def test_the_blocks_render_inside_another_gradio_app() -> None:
    """``askmodel_blocks(...).render()`` as one tab of a team's own Gradio app."""
    import gradio as gr

    app = _app_module()
    frame = make_loan_data()
    model = fit_pipeline(frame.drop(columns=["applicant_id", "approved"]), frame["approved"])
    chat = app.askmodel_blocks(frame, "approved", model, index_col="applicant_id",
                               label="Loan book", warm=False)
    with gr.Blocks() as outer:
        with gr.Tab("Our dashboard"):
            gr.Markdown("Team dashboard")
        with gr.Tab("Ask the model"):
            chat.render()
    outer.queue()
    _, url, _ = outer.launch(server_name="127.0.0.1", server_port=free_port(),
                             prevent_thread_lock=True, quiet=True)
    try:
        answer = client(url).predict("how many applicants are older than 50?", api_name="/ask")
        assert answer["ok"] is True and answer["dataset"] == "Loan book", answer
    finally:
        outer.close()


@pytest.mark.browser
def test_the_served_app_answers_in_the_browser(served_url: str, artifacts_dir: Path) -> None:
    with chromium() as browser:
        tab = browser.new_page(viewport={"width": 1366, "height": 900})
        tab.goto(served_url)
        tab.wait_for_selector("#askmodel-input textarea", timeout=60_000)
        assert "loans.csv" in tab.locator("#askmodel-panel").inner_text()
        tab.fill("#askmodel-input textarea", "how many applicants are older than 50?")
        tab.click("#askmodel-send")
        tab.locator("#askmodel-chat").get_by_text(
            "I read this as: applicants with age above 50").wait_for(timeout=120_000)
        tab.screenshot(path=str(artifacts_dir / "issue11-laptop-served-own-model.png"))


def test_a_space_configured_by_variables_only_answers(loan_files, artifacts_dir: Path) -> None:
    """What a hosted Space runs: ``python app.py`` with the ASKMODEL_* variables set."""
    log = artifacts_dir / "app-served-by-variables.log"
    process, url = _start([], {
        "ASKMODEL_DATA": str(loan_files["csv"]), "ASKMODEL_TARGET": "approved",
        "ASKMODEL_MODEL": str(loan_files["skops"]), "ASKMODEL_INDEX_COL": "applicant_id",
        "ASKMODEL_DESCRIPTIONS": str(loan_files["yaml"])}, log)
    try:
        wait_until_up(url, process, log, 240)
        answer = client(url).predict("how accurate is the model?", api_name="/ask")
        assert answer["ok"] is True and answer["dataset"] == "loans.csv", answer
    finally:
        stop_process(process)
