"""Small tables the parser was never written for, shared by the grammar tests.

Each builder returns a ``DatasetSchema``; the data is synthetic (fixed seed) except the breast-cancer
table, which ships inside scikit-learn.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np
import pandas as pd

from grammar import DatasetSchema

DEV = Path(__file__).resolve().parents[2].parent / "shared" / "dev"


@functools.cache
def clinic() -> DatasetSchema:
    """The development clinic table when present, else a synthetic table with its columns."""
    return DatasetSchema.from_frame(clinic_frame(), "heart_disease", index_col="patient_id")


@functools.cache
def clinic_regression() -> DatasetSchema:
    """The clinic table with a numeric target: systolic blood pressure, as a regression."""
    return DatasetSchema.from_frame(clinic_frame(), "systolic_bp", index_col="patient_id")


@functools.cache
def clinic_without_sex() -> DatasetSchema:
    """The clinic table without its sex column: "women" names nothing here."""
    return DatasetSchema.from_frame(clinic_frame().drop(columns=["sex"]), "heart_disease",
                                    index_col="patient_id")


def clinic_frame() -> pd.DataFrame:
    """The clinic rows: the development csv when present, else synthetic rows (fixed seed)."""
    if (DEV / "clinic.csv").exists():
        frame = pd.read_csv(DEV / "clinic.csv")
    else:
        rng = np.random.default_rng(0)
        n = 400
        frame = pd.DataFrame({
            "patient_id": rng.permutation(np.arange(1, n + 1)),
            "age": rng.integers(25, 85, n),
            "sex": rng.choice(["female", "male"], n),
            "smoker": rng.integers(0, 2, n),
            "bmi": rng.normal(27, 4, n).round(1),
            "systolic_bp": rng.integers(95, 190, n),
            "cholesterol": rng.integers(140, 320, n),
            "resting_heart_rate": rng.integers(50, 110, n),
            "diabetic": rng.integers(0, 2, n),
            "exercise_hours_per_week": rng.integers(0, 15, n),
            "chest_pain_type": rng.choice(["typical", "atypical", "non-anginal", "asymptomatic"],
                                          n),
            "family_history": rng.integers(0, 2, n),
            "heart_disease": rng.integers(0, 2, n),
        })
    return frame


@functools.cache
def loans() -> DatasetSchema:
    """A credit table: categorical, boolean and numeric columns, text class labels."""
    rng = np.random.default_rng(7)
    n = 300
    frame = pd.DataFrame({
        "applicant_id": np.arange(1000, 1000 + n),
        "Age": rng.integers(19, 75, n),
        "AnnualIncome": rng.integers(12_000, 250_000, n),
        "loan_amount": rng.integers(500, 40_000, n),
        "credit_score": rng.integers(300, 850, n),
        "homeowner": rng.choice(["yes", "no"], n),
        "employment_type": rng.choice(["salaried", "self-employed", "unemployed"], n),
        "purpose": rng.choice(["car", "education", "business", "medical"], n),
        "gender": rng.choice(["female", "male"], n),
        "number_of_late_payments": rng.integers(0, 12, n),
        "approved": rng.choice(["approved", "rejected"], n),
    })
    return DatasetSchema.from_frame(frame, "approved", index_col="applicant_id")


@functools.cache
def cancer() -> DatasetSchema:
    """The breast-cancer table as the demo builds it: 30 multiword features, ids 1..569."""
    from sklearn.datasets import load_breast_cancer

    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.data.copy()
    names = [str(n) for n in bunch.target_names]
    frame["diagnosis"] = [names[int(v)] for v in bunch.target]
    frame.index = pd.RangeIndex(1, len(frame) + 1, name="patient_id")
    return DatasetSchema.from_frame(frame, "diagnosis")


SCHEMAS = {"clinic": clinic, "loans": loans, "cancer": cancer}
