"""``python -m dialogue parse``: one JSON line per input line, fast start, never a crash."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dialogue.__main__ import build_argument_parser, main, run_chat

ROOT = Path(__file__).resolve().parents[1]
HEAVY_MODULES = ("torch", "shap", "lime", "dice_ml", "gradio", "matplotlib", "transformers")


def _frame(n: int = 60, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "age": rng.integers(20, 90, n),
        "sex": rng.choice(["female", "male"], n),
        "smoker": rng.integers(0, 2, n),
        "cholesterol": rng.integers(120, 320, n),
    })
    frame["outcome"] = ((frame.age > 55) & (frame.smoker == 1)).astype(int)
    return frame


@pytest.fixture()
def csv_with_id(tmp_path: Path) -> Path:
    frame = _frame()
    frame.insert(0, "record_id", np.arange(101, 101 + len(frame)))
    path = tmp_path / "records.csv"
    frame.to_csv(path, index=False)
    return path


@pytest.fixture()
def csv_unnamed_index(tmp_path: Path) -> Path:
    """What ``DataFrame.to_csv()`` writes by default: the index as an unnamed first column."""
    frame = _frame()
    frame.index = np.arange(501, 501 + len(frame))
    path = tmp_path / "unnamed.csv"
    frame.to_csv(path)
    return path


def run_parse(data: Path, lines: list[str] | bytes, *extra: str,
              index_col: str | None = "record_id", target: str = "outcome",
              timeout: float = 120) -> subprocess.CompletedProcess[bytes]:
    command = [sys.executable, "-m", "dialogue", "parse", "--data", str(data), "--target", target]
    if index_col is not None:
        command += ["--index-col", index_col]
    command += list(extra)
    payload = lines if isinstance(lines, bytes) else "".join(f"{x}\n" for x in lines).encode()
    return subprocess.run(command, input=payload, capture_output=True, cwd=ROOT, timeout=timeout)


def records(result: subprocess.CompletedProcess[bytes]) -> list[dict]:
    text = result.stdout.decode("utf-8")
    return [json.loads(line) for line in text.splitlines()]


def assert_well_formed(record: dict) -> None:
    assert set(record) >= {"utterance", "parse", "source", "confidence"}
    assert isinstance(record["confidence"], float)
    if record["parse"]:
        assert record["parse"].endswith(" [E]")
    else:
        assert record.get("error"), f"an empty parse must say why: {record}"


# ------------------------------------------------------------------------- output shape
def test_one_json_line_per_input_line_in_order(csv_with_id: Path) -> None:
    questions = [
        "how many people are older than 50?",
        "what does the model predict for record 105?",
        "top 3 features",
        "how accurate is the model?",
        "who are you?",
    ]
    result = run_parse(csv_with_id, questions)
    assert result.returncode == 0, result.stderr.decode()
    out = records(result)
    assert [r["utterance"] for r in out] == questions
    for record in out:
        assert_well_formed(record)


def test_empty_and_garbage_lines_get_an_error_line(csv_with_id: Path) -> None:
    lines = ["", "   ", "zxqv blorp fnord wibble", "how many people are older than 50?"]
    result = run_parse(csv_with_id, lines)
    assert result.returncode == 0, result.stderr.decode()
    out = records(result)
    assert [r["utterance"] for r in out] == lines
    for record in out[:3]:
        assert record["parse"] == ""
        assert record["error"]
    assert_well_formed(out[3])


def test_simple_questions_parse_to_canonical_programs(csv_with_id: Path) -> None:
    lines = ["how many people are older than 50?", "what does the model predict for record 105?"]
    out = records(run_parse(csv_with_id, lines))
    assert out[0]["parse"] == "filter age greater than 50 and countdata [E]"
    assert out[1]["parse"] == "filter id 105 and predict [E]"
    assert all(0.0 < r["confidence"] <= 1.0 for r in out)
    assert all(r["source"] for r in out)


def test_unnamed_first_column_works_as_index_col_0(csv_unnamed_index: Path) -> None:
    result = run_parse(csv_unnamed_index, ["show me row 507", "how many rows are there?"],
                       index_col="0")
    assert result.returncode == 0, result.stderr.decode()
    out = records(result)
    assert len(out) == 2
    for record in out:
        assert_well_formed(record)


def test_unnamed_index_values_are_the_ids(csv_unnamed_index: Path) -> None:
    out = records(run_parse(csv_unnamed_index, ["show me row 507"], index_col="0"))
    assert out[0]["parse"] == "filter id 507 and show [E]"


def test_dialogue_mode_carries_the_previous_program(csv_with_id: Path) -> None:
    lines = ["what does the model predict for record 105?", "why?"]
    out = records(run_parse(csv_with_id, lines, "--dialogue"))
    assert out[0]["parse"] == "filter id 105 and predict [E]"
    assert out[1]["parse"] == "previousfilter and explain features [E]"


# --------------------------------------------------------------------------- robustness
def test_hostile_inputs_never_crash(csv_with_id: Path) -> None:
    lines = [
        "age " * 2500,  # 10,000 characters
        "😀🔥 how many smokers? 🚬",
        "¿cuántos pacientes tienen más de 50 años?",
        "有多少吸烟者？",
        "'; DROP TABLE patients; --",
        "SELECT * FROM data WHERE age > 50",
        "filter age greater than 50 and countdata [E]",
        "\t\t",
        "[E] [E] [E]",
        "\u202eright-to-left override",
    ]
    result = run_parse(csv_with_id, lines)
    assert result.returncode == 0, result.stderr.decode()
    out = records(result)
    assert [r["utterance"] for r in out] == [line.rstrip("\r\n") for line in lines]
    for record in out:
        assert_well_formed(record)


def test_invalid_utf8_and_crlf_lines(csv_with_id: Path) -> None:
    payload = b"how many smokers?\r\n\xff\xfe broken bytes\nlast line without newline"
    result = run_parse(csv_with_id, payload)
    assert result.returncode == 0, result.stderr.decode()
    out = records(result)
    assert len(out) == 3
    assert out[0]["utterance"] == "how many smokers?"
    assert "\ufffd" in out[1]["utterance"]
    assert out[2]["utterance"] == "last line without newline"


def test_output_is_flushed_line_by_line(csv_with_id: Path) -> None:
    """An interactive client can read each answer before sending the next question."""
    command = [sys.executable, "-m", "dialogue", "parse", "--data", str(csv_with_id),
               "--target", "outcome", "--index-col", "record_id"]
    started = time.perf_counter()
    process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, cwd=ROOT)
    assert process.stdin is not None and process.stdout is not None
    try:
        process.stdin.write(b"how many people are older than 50?\n")
        process.stdin.flush()
        first = json.loads(process.stdout.readline())
        first_answer = time.perf_counter() - started
        process.stdin.write(b"top 3 features\n")
        process.stdin.flush()
        second = json.loads(process.stdout.readline())
    finally:
        process.stdin.close()
        process.wait(timeout=60)
    print(f"\nparse CLI: start-up to first answer {first_answer:.2f} s")
    assert first["utterance"] == "how many people are older than 50?"
    assert second["utterance"] == "top 3 features"
    assert process.returncode == 0


def test_parse_path_imports_no_heavy_library(csv_with_id: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "dialogue", "parse", "--data",
         str(csv_with_id), "--target", "outcome", "--index-col", "record_id"],
        input=b"how many smokers are there?\n", capture_output=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0
    imported = {line.split("|")[-1].strip().split(".")[0]
                for line in result.stderr.decode().splitlines() if line.startswith("import time:")}
    assert not imported & set(HEAVY_MODULES), sorted(imported & set(HEAVY_MODULES))


# ------------------------------------------------------------------------ usage errors
def test_unknown_target_is_a_clear_error(csv_with_id: Path) -> None:
    result = run_parse(csv_with_id, ["hello"], target="no_such_column")
    assert result.returncode == 2
    assert "no_such_column" in result.stderr.decode()
    assert result.stdout == b""


def test_missing_data_file_is_a_clear_error(tmp_path: Path) -> None:
    result = run_parse(tmp_path / "absent.csv", ["hello"])
    assert result.returncode == 2
    assert "absent.csv" in result.stderr.decode()


def test_bad_index_col_is_a_clear_error(csv_with_id: Path) -> None:
    result = run_parse(csv_with_id, ["hello"], index_col="nope")
    assert result.returncode == 2
    assert "nope" in result.stderr.decode()


def test_parse_requires_data_and_target() -> None:
    with pytest.raises(SystemExit) as exit_info:
        build_argument_parser().parse_args(["parse"])
    assert exit_info.value.code == 2


def test_main_returns_usage_code_for_missing_file(tmp_path: Path) -> None:
    assert main(["parse", "--data", str(tmp_path / "x.csv"), "--target", "y"]) == 2


# ------------------------------------------------------------------------------- chat
class _Reply:
    def __init__(self, text: str, options: tuple[str, ...] = ()) -> None:
        self.text = text
        self.parse = "countdata [E]" if not options else ""
        self.understood = "count the rows"
        self.table = pd.DataFrame({"a": [1, 2]}) if not options else None
        self.figures: list = []
        self.options = options
        self.followup = None
        self.ok = not options


class _RecordingConversation:
    """Stands in for a Conversation to test the loop itself: what it was asked, in order."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def ask(self, text: str, progress: object = None) -> _Reply:
        self.asked.append(text)
        if text == "ambiguous":
            return _Reply("Did you mean:", ("how many rows are there?", "show the data"))
        if text == "boom":
            raise RuntimeError("engine failure")
        return _Reply(f"answer to {text}")


def test_chat_loop_numbers_pick_options_and_quit_ends(tmp_path: Path) -> None:
    import io

    conversation = _RecordingConversation()
    out = io.StringIO()
    lines = ["ambiguous\n", "2\n", "\n", "boom\n", "after the failure\n", "quit\n", "never\n"]
    answered = run_chat(conversation, lines, out, interactive=False, figure_dir=None)
    assert conversation.asked == ["ambiguous", "show the data", "boom", "after the failure"]
    assert answered == 3
    text = out.getvalue()
    assert "  1. how many rows are there?" in text and "  2. show the data" in text
    assert "(understood as: count the rows — countdata [E])" in text
    assert "Sorry, something went wrong" in text


@pytest.mark.slow
def test_chat_on_the_demo_with_scripted_stdin() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "dialogue", "chat"],
        input=b"how many rows are there?\nwhat kind of model is it?\nquit\n",
        capture_output=True, cwd=ROOT, timeout=300)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    text = result.stdout.decode()
    assert text.count("(understood as:") == 2
    assert "countdata [E]" in text


# --------------------------------------------------------------------------- fallback
# Many words the first stage does not know make it unsure enough to ask.
RAMBLING = ("zorbly wibble frobnicate quixotic snazzle plonk grommet twiddle, "
            "how many smokers are there?")


def test_parse_with_fallback_off_offers_options_and_stays_light(csv_with_id: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "dialogue", "parse", "--data",
         str(csv_with_id), "--target", "outcome", "--index-col", "record_id",
         "--fallback", "off"],
        input=f"{RAMBLING}\nhow many people are older than 50?\n".encode(),
        capture_output=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    unsure, clear = records(result)
    for record in (unsure, clear):
        assert_well_formed(record)
    assert unsure["source"] == "clarify" and unsure["parse"] == ""
    assert unsure["options"] and all(o["parse"].endswith(" [E]") and o["text"]
                                     for o in unsure["options"])
    assert clear["parse"] == "filter age greater than 50 and countdata [E]"
    imported = {line.split("|")[-1].strip().split(".")[0]
                for line in result.stderr.decode().splitlines() if line.startswith("import time:")}
    assert not imported & set(HEAVY_MODULES), sorted(imported & set(HEAVY_MODULES))


def test_chat_prints_numbered_readings_and_a_number_runs_one(csv_with_id: Path) -> None:
    import io

    from sklearn.tree import DecisionTreeClassifier

    from dialogue import Conversation

    frame = pd.read_csv(csv_with_id)
    frame["smoker"] = frame["smoker"].astype(int)
    features = frame[["age", "sex", "smoker", "cholesterol"]].assign(
        sex=(frame["sex"] == "male").astype(int))
    frame["sex"] = features["sex"]
    model = DecisionTreeClassifier(max_depth=2).fit(features, frame["outcome"])
    conversation = Conversation.from_frame(frame, target="outcome", model=model,
                                           index_col="record_id", fallback="off")
    out = io.StringIO()
    run_chat(conversation, [RAMBLING + "\n", "1\n", "quit\n"], out, interactive=False,
             figure_dir=None)
    text = out.getvalue()
    asked, chosen = conversation.history
    first = asked.reply.options[0]
    assert f"1. {first}" in text and f"(1 runs: {first.program})" in text
    assert "(type a number to choose)" in text
    assert chosen.reply.parse == first.program and chosen.reply.ok
    assert f"— {first.program})" in text or f"(understood as: {first.program})" in text


def test_chat_reports_a_misconfigured_fallback(csv_with_id: Path, monkeypatch, capsys) -> None:
    monkeypatch.delenv("ASKMODEL_LLM_BASE_URL", raising=False)
    monkeypatch.setenv("ASKMODEL_CACHE", str(csv_with_id.parent / "cache"))
    code = main(["chat", "--data", str(csv_with_id), "--target", "outcome",
                 "--index-col", "record_id", "--fallback", "openai"])
    assert code == 2
    assert "ASKMODEL_LLM_BASE_URL" in capsys.readouterr().err


def test_chat_reads_a_feature_description_file(csv_with_id: Path, capsys) -> None:
    """``chat --descriptions``: a typo in the file is one line naming it (exit code 2)."""
    notes = csv_with_id.with_name("notes.yaml")
    notes.write_text("features:\n  cholestrol: {unit: mg/dl}\n")
    code = main(["chat", "--data", str(csv_with_id), "--target", "outcome", "--index-col",
                 "record_id", "--descriptions", str(notes)])
    assert code == 2
    assert "'cholestrol'" in capsys.readouterr().err
    assert main(["chat", "--data", str(csv_with_id), "--target", "outcome",
                 "--descriptions", str(notes.with_name("missing.yaml"))]) == 2
