"""Which rows the model was trained on, so scores can be measured on the rows it has not seen.

A model scores better on the rows it learnt from than on new ones (the demo: 97.9% on all rows,
95.8% on the half it was not trained on). So the workspace keeps, when it can know it, one flag
per row: trained on or held out. It knows it when it trained the model itself (the demo, the
default model of an upload), or when the user says so with a split column or a separate test
file. Otherwise nobody knows, and answers say that the rows may include training data.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Values of a split column, compared lower-case with spaces, hyphens and underscores removed.
HELDOUT_VALUES = frozenset({"test", "testing", "holdout", "heldout", "validation", "valid", "val",
                            "eval", "evaluation", "unseen", "oos", "outofsample"})
TRAINING_VALUES = frozenset({"train", "training", "trained", "fit", "insample"})
# For a yes/no split column, its name says which side "yes" is: "is_test", "in_training", ...
_HELDOUT_NAME = re.compile(r"test|hold|valid|eval|unseen", re.I)
_TRAINING_NAME = re.compile(r"train|fit", re.I)


@dataclass(frozen=True, eq=False)
class TrainingRows:
    """One flag per stored row (``Workspace.frame`` order): True if the model was trained on it.

    ``source`` says how this is known, in words for answers ("it was trained here", "the split
    column 'split'", "the test file test.csv")."""

    trained: np.ndarray
    source: str

    @property
    def n_trained(self) -> int:
        return int(self.trained.sum())

    @property
    def n_heldout(self) -> int:
        return int(len(self.trained) - self.trained.sum())


def default_training_rows(n_rows: int, *, train_fraction: float = 0.7, seed: int = 0
                          ) -> np.ndarray:
    """The rows ``train_default_model`` trains on out of ``n_rows``, as a boolean mask: a fixed,
    seeded random share (so a cached model and its mask always agree)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(n_rows)
    n_train = min(n_rows, max(2, int(round(n_rows * train_fraction))))
    mask = np.zeros(n_rows, dtype=bool)
    mask[order[:n_train]] = True
    return mask


def _plain_word(value: object) -> str:
    return re.sub(r"[\s_\-]+", "", str(value).strip().lower())


def trained_from_split_column(frame: pd.DataFrame, column: str) -> np.ndarray:
    """The training flags a split column gives: values like train/test (or training/holdout,
    validation, ...), or yes/no and 1/0 in a column whose name says which side yes is
    (``is_test``, ``in_training``). A ``ValueError`` with a sentence otherwise."""
    if column not in frame.columns:
        raise ValueError(f"the split column {column!r} is not in the data; columns are: "
                         + ", ".join(map(str, frame.columns)))
    series = frame[column]
    if series.isna().any():
        raise ValueError(f"the split column {column!r} is empty in {int(series.isna().sum())} "
                         "rows; every row must say train or test")
    words = series.map(_plain_word)
    values = set(words)
    if values <= HELDOUT_VALUES | TRAINING_VALUES:
        return words.isin(TRAINING_VALUES).to_numpy()
    yes = {"1", "true", "yes", "y", "t"}
    no = {"0", "false", "no", "n", "f"}
    if values <= yes | no:
        flagged = words.isin(yes).to_numpy()
        if _HELDOUT_NAME.search(str(column)):
            return ~flagged
        if _TRAINING_NAME.search(str(column)):
            return flagged
    shown = ", ".join(sorted(map(str, series.unique()))[:6])
    raise ValueError(
        f"the split column {column!r} should say train or test for every row (its values are "
        f"{shown}); use train/test, or 1/0 in a column named like is_test or in_training")


def with_test_rows(frame: pd.DataFrame, test: pd.DataFrame, *, index_col: str | int | None,
                   test_name: str) -> tuple[pd.DataFrame, np.ndarray]:
    """The data followed by the rows of a separate test file, and the flags: the data's rows are
    the training rows, the test file's are held out. The files must have the same columns."""
    if set(map(str, test.columns)) != set(map(str, frame.columns)):
        missing = [str(c) for c in frame.columns if c not in test.columns]
        extra = [str(c) for c in test.columns if c not in frame.columns]
        parts = ([f"lacks {', '.join(missing)}"] if missing else []) + (
            [f"has extra columns {', '.join(extra)}"] if extra else [])
        raise ValueError(f"{test_name} must have the same columns as the data; it "
                         + " and ".join(parts))
    if len(test) == 0:
        raise ValueError(f"{test_name} has no rows")
    test = test[list(frame.columns)]
    if index_col is not None:
        column = frame.columns[index_col] if isinstance(index_col, int) else index_col
        shared = set(frame[column]) & set(test[column])
        if shared:
            example = ", ".join(map(str, sorted(shared, key=str)[:3]))
            raise ValueError(f"{test_name} repeats ids of the data ({example}); every row needs "
                             "its own id")
    combined = pd.concat([frame, test], ignore_index=True)
    trained = np.concatenate([np.ones(len(frame), dtype=bool), np.zeros(len(test), dtype=bool)])
    return combined, trained


def as_flags(rows: Sequence[bool] | np.ndarray, n_rows: int) -> np.ndarray:
    """``training_rows`` given by a caller, checked: one True/False per row of the data."""
    flags = np.asarray(rows)
    if flags.dtype != bool or flags.shape != (n_rows,):
        raise ValueError(f"training_rows must give one True/False per row ({n_rows} rows)")
    return flags
