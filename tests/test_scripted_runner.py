"""The scripted-dialogue runner itself: script validation, fact checking, number matching."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dialogue.scripted import (
    Fact,
    ScriptError,
    ScriptSkipped,
    check_fact,
    load_script,
    normalize_program,
    run_script,
    states_count,
    states_number,
    train_model,
)

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class FakeReply:
    text: str
    table: pd.DataFrame | None = None
    figures: list = field(default_factory=list)
    ok: bool = True
    options: tuple[str, ...] = ()
    followup: str | None = None


# ----------------------------------------------------------------------- number matching
@pytest.mark.parametrize("stated", ["0.83", "83%", "83.1%", "0.831", "83.12 %", "0.8312"])
def test_a_fraction_is_found_however_it_is_written(stated: str) -> None:
    assert states_number(f"The accuracy is {stated} on these rows.", 0.8312)


@pytest.mark.parametrize("stated", ["0.8", "1", "84%", "0.84", "8312"])
def test_a_wrong_or_too_coarse_number_is_not_accepted(stated: str) -> None:
    assert not states_number(f"The accuracy is {stated}.", 0.8312)


def test_small_probabilities_may_be_whole_percents() -> None:
    assert states_number("a 14% chance", 0.1429)
    assert not states_number("a 0% chance", 0.1429)


def test_means_may_be_rounded_to_what_is_shown() -> None:
    assert states_number("average cholesterol is 201.8 mg/dl", 201.79)
    assert states_number("average cholesterol is 202", 201.79)
    assert not states_number("average cholesterol is 200", 201.79)


def test_signs_thousands_and_ranges() -> None:
    assert states_number("it lowers the score by −0.12", -0.12)
    assert not states_number("it raises the score by 0.12", -0.12)
    assert states_number("ages 50-60 are common", 60)
    assert states_count("there are 1,234 rows", 1234)


def test_counts_are_exact_and_may_be_words() -> None:
    assert states_count("There are 42 patients.", 42)
    assert states_count("There are three patients.", 3)
    assert not states_count("There are 42 patients.", 41)
    assert not states_count("There are 4.2 thousand.", 4)


def test_programs_compare_token_by_token() -> None:
    assert normalize_program("filter  age greater than 5 and countdata") == (
        normalize_program("filter age greater than 5 and countdata [E]"))
    assert normalize_program("") == ""


# ---------------------------------------------------------------------- fact checking
def test_facts_are_evaluated_against_the_namespace() -> None:
    data = pd.DataFrame({"age": [30, 60, 70]})
    namespace = {"data": data, "np": np}
    reply = FakeReply("2 patients are over 50.", table=data.iloc[:2])
    assert check_fact(Fact("count", "(data.age > 50).sum()"), reply, namespace).passed
    assert check_fact(Fact("table_rows", "(data.age > 50).sum()"), reply, namespace).passed
    assert not check_fact(Fact("count", "(data.age > 20).sum()"), reply, namespace).passed
    assert check_fact(Fact("contains", "patients"), reply, namespace).passed
    assert check_fact(Fact("not_contains", "error"), reply, namespace).passed
    assert check_fact(Fact("has_figure", False), reply, namespace).passed
    assert check_fact(Fact("contains_value", "str(int((data.age > 50).sum()))"), reply,
                      namespace).passed


def test_a_broken_fact_expression_is_a_reported_failure() -> None:
    outcome = check_fact(Fact("count", "data.nope.sum()"), FakeReply("1"), {"data": pd.DataFrame()})
    assert not outcome.passed
    assert "could not evaluate" in outcome.detail


def test_a_list_of_numbers_must_all_be_stated() -> None:
    reply = FakeReply("benign 62.7%, malignant 37.3%")
    assert check_fact(Fact("number", ["0.627", "0.373"]), reply, {}).passed
    assert not check_fact(Fact("number", ["0.627", "0.5"]), reply, {}).passed


# ----------------------------------------------------------------------- validation
def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "script.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_unknown_fact_kinds_are_rejected_with_the_place(tmp_path: Path) -> None:
    path = _write(tmp_path, """
dataset: {demo: true}
dialogues:
  - name: d
    turns:
      - user: hi
        facts:
          - smells_like: roses
""")
    with pytest.raises(ScriptError, match="d, turn 1: unknown fact 'smells_like'"):
        load_script(path)


def test_a_dataset_needs_csv_and_target(tmp_path: Path) -> None:
    path = _write(tmp_path, "dataset: {csv: x.csv}\ndialogues: [{name: a, turns: [{user: hi}]}]")
    with pytest.raises(ScriptError, match="'csv' and 'target'"):
        load_script(path)


def test_paths_are_relative_to_the_script(tmp_path: Path) -> None:
    path = _write(tmp_path, """
dataset: {csv: data/x.csv, target: y, index_col: 0, train: gradient_boosting}
dialogues: [{name: a, turns: [{user: hi, parse: countdata}]}]
""")
    script = load_script(path)
    assert script.dataset.csv == (tmp_path / "data" / "x.csv").resolve()
    assert script.dataset.index_col == 0
    assert script.dialogues[0].turns[0].parse == "countdata"


def test_a_missing_dataset_skips_the_script(tmp_path: Path) -> None:
    path = _write(tmp_path, "dataset: {csv: absent.csv, target: y}\n"
                            "dialogues: [{name: a, turns: [{user: hi}]}]")
    with pytest.raises(ScriptSkipped):
        run_script(path)


def test_the_test_command_reports_a_skipped_script(tmp_path: Path) -> None:
    path = _write(tmp_path, "dataset: {csv: absent.csv, target: y}\n"
                            "dialogues: [{name: a, turns: [{user: hi}]}]")
    result = subprocess.run([sys.executable, "-m", "dialogue", "test", str(path)],
                            capture_output=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0
    assert b"skipped" in result.stdout


def test_trained_models_are_deterministic() -> None:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"a": rng.normal(size=80), "b": rng.choice(["x", "y"], 80)})
    y = ((X.a > 0) ^ (X.b == "x")).astype(int)
    first = train_model("gradient_boosting", X, y, 0.7).predict_proba(X)
    second = train_model("gradient_boosting", X, y, 0.7).predict_proba(X)
    assert np.array_equal(first, second)


# ------------------------------------------------------------------------ end to end
def test_a_script_runs_end_to_end_through_a_conversation(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"age": rng.integers(20, 80, 120), "smoker": rng.integers(0, 2, 120)})
    frame["sick"] = ((frame.age > 50) & (frame.smoker == 1)).astype(int)
    frame.to_csv(tmp_path / "people.csv")
    path = _write(tmp_path, """
dataset: {csv: people.csv, target: sick, index_col: 0, train: logistic_regression}
dialogues:
  - name: counting
    turns:
      - user: how many people are older than 50?
        parse: filter age greater than 50 and countdata [E]
        facts:
          - count: (data.age > 50).sum()
""")
    outcomes = run_script(path)
    assert len(outcomes) == 1
    assert outcomes[0].passed, outcomes[0].problems()


def test_the_test_command_fails_on_an_invalid_script(tmp_path: Path) -> None:
    path = _write(tmp_path, "dataset: {demo: true}\ndialogues: [{name: a, turns: [{user: yes}]}]")
    result = subprocess.run([sys.executable, "-m", "dialogue", "test", str(path)],
                            capture_output=True, cwd=ROOT, timeout=120)
    assert result.returncode == 1
    assert b"quote it" in result.stdout
