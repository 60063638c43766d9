"""Counterfactuals for an XGBoost pipeline: every change an answer lists must flip the model.

The changes are read out of the answer text ("- age from 58 to 63, bmi from 26.6 to 30.4") and
applied to the patient's row; the fitted model itself (not the assistant) then decides.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from dialogue import Conversation
from dialogue.scripted import train_model

CLINIC = Path(__file__).resolve().parents[3] / "shared" / "dev" / "clinic.csv"
# one option's changes, joined by commas or "and": "age from 62 to 55 and bmi from 26.6 to 30.4"
CHANGE = re.compile(r"(?P<feature>\w+) from (?P<old>[^,]+?) to (?P<new>[^,]+?)"
                    r"(?=,| and \w+ from |$)")


@pytest.fixture(scope="module")
def clinic() -> tuple[pd.DataFrame, object, Conversation]:
    if not CLINIC.is_file():
        pytest.skip("the clinic data is not here")
    data = pd.read_csv(CLINIC).set_index("patient_id")
    X = data.drop(columns=["heart_disease"])
    model = train_model("xgboost", X, data["heart_disease"], train_fraction=0.7)
    conv = Conversation.from_frame(data.reset_index(), target="heart_disease", model=model,
                                   index_col="patient_id",
                                   class_names={0: "healthy", 1: "heart disease"})
    return X, model, conv


def _listed_changes(text: str) -> list[dict[str, str]]:
    """Each bullet of the answer as {feature: new value}."""
    changes = []
    for line in text.splitlines():
        if not line.startswith("- "):
            continue
        found = {m["feature"]: m["new"].strip() for m in CHANGE.finditer(line[2:].strip())}
        if found:
            changes.append(found)
    return changes


def _apply(row: pd.DataFrame, change: dict[str, str]) -> pd.DataFrame:
    out = row.copy()
    for feature, value in change.items():
        assert feature in out.columns, f"the answer changes an unknown feature {feature!r}"
        kind = out[feature].dtype
        out[feature] = value if not pd.api.types.is_numeric_dtype(kind) else float(value)
    return out.astype(row.dtypes.to_dict(), errors="ignore")


@pytest.mark.parametrize("patient", [64, 22, 316, 106])
def test_every_listed_counterfactual_flips_the_xgboost_prediction(clinic, patient: int) -> None:
    X, model, conv = clinic
    conv.reset()
    reply = conv.ask(f"what would it take to change the prediction for patient {patient}?")
    assert reply.ok, reply.text
    assert reply.parse.startswith(f"filter id {patient} and explain cfe")
    row = X.loc[[patient]]
    before = model.predict(row)[0]
    changes = _listed_changes(reply.text)
    assert changes, f"no changes found in: {reply.text}"
    for change in changes:
        after = model.predict(_apply(row, change))[0]
        assert after != before, f"{change} does not flip the prediction for patient {patient}"
    wanted = "heart disease" if before == 0 else "healthy"
    assert f"**{wanted}**" in reply.text
