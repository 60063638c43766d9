"""Runs every dialogue of every ``tests/dialogues/*.yaml`` script as its own test.

A script whose dataset is absent (e.g. ``shared/dev`` missing) is skipped, not failed. Each
dialogue starts a fresh conversation; the data, model and workspace are built once per script
dataset and shared (read-only) by its dialogues.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from dialogue.scripted import (
    ScriptRunner,
    ScriptSkipped,
    format_outcome,
    load_script,
)

HERE = Path(__file__).resolve().parent
SCRIPTS = sorted(HERE.glob("*.yaml"))


def _cases() -> list:
    cases = []
    for path in SCRIPTS:
        script = load_script(path)
        for dialogue in script.dialogues:
            cases.append(pytest.param(path, dialogue.name, id=f"{path.stem}::{dialogue.name}"))
    return cases


@pytest.fixture(scope="session")
def runner() -> ScriptRunner:
    return ScriptRunner()


def test_there_are_scripts_for_the_demo_and_the_clinic() -> None:
    datasets = {load_script(path).dataset.demo for path in SCRIPTS}
    assert datasets == {True, False}


@pytest.mark.parametrize(("path", "name"), _cases())
def test_scripted_dialogue(runner: ScriptRunner, path: Path, name: str) -> None:
    script = load_script(path)
    dialogue = next(d for d in script.dialogues if d.name == name)
    try:
        outcomes = runner.run_dialogue(script, dialogue)
    except ScriptSkipped as exc:
        pytest.skip(str(exc))
    assert len(outcomes) == len(dialogue.turns)
    failed = [format_outcome(o) for o in outcomes if not o.passed]
    assert not failed, "\n".join(failed)
