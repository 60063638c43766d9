"""A feature description file: its words reach the answers, and counterfactuals never change an
immutable feature, never cross a bound and only move a feature in its allowed direction."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dialogue import Conversation
from dialogue.demo import DEMO_FEATURE_FILE, FEATURE_NAMES, demo_frame
from dialogue.feature_file import FeatureFileError, FeatureNote, load_feature_notes


def credit_data(rows: int = 300, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "client_id": np.arange(1, rows + 1),
        "income": rng.normal(50, 12, rows).round(1),
        "debt_to_income": rng.uniform(0, 0.9, rows).round(3),
        "age": rng.integers(20, 70, rows),
        "late_payments": rng.integers(0, 6, rows),
    })
    score = (0.06 * (frame.income - 50) - 4 * (frame.debt_to_income - 0.45)
             - 0.5 * (frame.late_payments - 2.5))
    frame["default"] = np.where(score + rng.normal(0, 0.5, rows) < 0, "yes", "no")
    return frame


NOTES = """\
features:
  income:
    description: yearly income in thousands
    unit: k$
  debt_to_income:
    description: share of income spent on debt
    bounds: [0.2, 0.9]
  age:
    immutable: true
  late_payments:
    direction: down
"""


@pytest.fixture(scope="module")
def credit(tmp_path_factory) -> Conversation:
    from sklearn.linear_model import LogisticRegression

    path = tmp_path_factory.mktemp("notes") / "credit.yaml"
    path.write_text(NOTES)
    frame = credit_data()
    model = LogisticRegression(max_iter=1000).fit(
        frame.drop(columns=["client_id", "default"]), frame["default"])
    return Conversation.from_frame(frame, "default", model, index_col="client_id",
                                   feature_notes=path)


def test_the_file_reads_into_typed_notes(tmp_path: Path) -> None:
    path = tmp_path / "notes.yaml"
    path.write_text(NOTES)
    notes = load_feature_notes(path)
    assert notes is not None
    assert notes.notes["income"] == FeatureNote("yearly income in thousands", "k$")
    assert notes.notes["debt_to_income"].minimum == 0.2
    assert notes.immutable() == ("age",)
    assert notes.no_increase() == ("late_payments",)
    assert load_feature_notes({"income": "what they earn"}).descriptions() == {
        "income": "what they earn"}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("features:\n  income: {colour: red}\n", "'colour'"),
        ("features:\n  income: {bounds: [5]}\n", "[low, high]"),
        ("features:\n  income: {bounds: [5, 1]}\n", "empty"),
        ("features:\n  income: {direction: sideways}\n", "up, down or any"),
        ("features:\n  income: {immutable: maybe}\n", "true or false"),
        ("features:\n  income: {min: ten}\n", "not a number"),
        ("features: [income, age]\n", "must map feature names"),
        ("features:\n  income: [1, 2\n", "not valid YAML"),
    ],
)
def test_a_broken_file_is_one_clear_sentence(tmp_path: Path, text: str, words: str) -> None:
    path = tmp_path / "notes.yaml"
    path.write_text(text)
    with pytest.raises(FeatureFileError) as caught:
        load_feature_notes(path)
    assert words in str(caught.value)


def test_a_feature_the_data_lacks_is_named(tmp_path: Path) -> None:
    frame = credit_data(60)
    with pytest.raises(FeatureFileError, match="'incme'"):
        Conversation.from_frame(frame, "default", index_col="client_id",
                                feature_notes={"incme": {"unit": "k$"}})


def test_counterfactuals_keep_immutable_features_bounds_and_directions(credit) -> None:
    ws = credit.workspace
    assert "age" in ws.immutable and ws.bounds["debt_to_income"] == (0.2, 0.9)
    checked = 0
    for client in ws.frame.index[:40]:
        reply = credit.ask(f"what would change the prediction for client {client}?")
        if "cfe" not in reply.parse:
            continue
        for line in reply.text.splitlines():
            if "age from" in line:
                pytest.fail(f"client {client}: age was changed: {line}")
            if "late payments from" in line or "late_payments from" in line:
                before, after = _change(line, "late")
                assert after < before, f"client {client}: late payments went up: {line}"
            if "debt to income from" in line or "debt_to_income from" in line:
                _, after = _change(line, "debt")
                assert 0.2 <= after <= 0.9, f"client {client}: crossed the bound: {line}"
        checked += 1
        if checked >= 8:
            break
    assert checked >= 3


def _change(line: str, word: str) -> tuple[float, float]:
    import re

    part = line[line.index(word):]
    match = re.search(r"from (-?[\d.,]+) to (-?[\d.,]+)", part)
    assert match, line
    return float(match.group(1).replace(",", "")), float(match.group(2).replace(",", ""))


def test_the_demo_ships_a_complete_feature_file() -> None:
    notes = load_feature_notes(DEMO_FEATURE_FILE)
    assert notes is not None
    assert set(notes.notes) == set(FEATURE_NAMES)
    frame = demo_frame()
    for name, note in notes.notes.items():
        assert note.description and "how much the how much" not in note.description
        words = note.description.lower().replace(",", "").split()
        repeated = [a for a, b in zip(words, words[1:], strict=False) if a == b]
        assert not repeated, f"{name}: a word twice in a row in {note.description!r}"
        assert note.description[:1].islower() and not note.description.endswith(".")
        if name.endswith(" error"):
            assert note.immutable, f"{name}: a measurement error cannot be changed"
        else:
            assert note.minimum == pytest.approx(frame[name].min(), rel=1e-3)
            assert note.maximum == pytest.approx(frame[name].max(), rel=1e-3)
