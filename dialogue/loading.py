"""Reading a user's table and model, before a ``Workspace`` is built on them.

Checks the table (and says what was adjusted), works out which rows the model was trained on
(a split column, a second file of held-out rows, or the rows a default model was trained on
here), loads the model file safely, and trains a default model when none is given.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from dialogue import holdout
from dialogue.data_checks import check_table, read_table
from dialogue.default_model import train_default_model
from dialogue.settings import BIG_TABLE_ROWS, dask_scheduler_setting
from explainers.adapter import load_model
from explainers.workers import prepare_in_background

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class PreparedTable:
    """A checked table, its model, and which of its rows that model was trained on."""

    frame: pd.DataFrame
    model: Any
    training_rows: np.ndarray | None
    training_source: str
    notes: tuple[str, ...]  # what was adjusted at load, one sentence each
    model_note: str | None  # how a model trained here was trained


@dataclass(frozen=True)
class InputFiles:
    """What was read from the user's files."""

    frame: pd.DataFrame
    test_frame: pd.DataFrame | None
    model: Any
    notes: tuple[str, ...]
    preparing: threading.Thread | None  # worker processes starting for a big table


def prepare_table(frame: pd.DataFrame, target: str, model: Any = None, *,
                  index_col: str | int | None = None, split_column: str | None = None,
                  test_frame: pd.DataFrame | None = None, test_name: str = "the test file",
                  data_name: str = "the data", notes: tuple[str, ...] = ()) -> PreparedTable:
    """Check ``frame`` against ``model`` (trained here when None) and find the training rows:
    a ``split_column`` (train/test per row), or a ``test_frame`` whose rows are held out (the
    rows of ``frame`` are then the training rows), or, for a model trained here, the rows it
    was trained on. A model trained here with a split column or a test file is trained on
    exactly the training rows."""
    check_table(frame, target, index_col=index_col)  # duplicate names, no target: say so first
    trained: np.ndarray | None = None
    source = "it was trained here"
    if test_frame is not None:
        frame, trained = holdout.with_test_rows(frame, test_frame, index_col=index_col,
                                                test_name=test_name)
        source = test_name
    elif split_column is not None:
        trained = holdout.trained_from_split_column(frame, split_column)
        frame = frame.drop(columns=[split_column])
        source = f"the split column {split_column!r}"
    needed = None
    if model is not None:
        known = getattr(model, "feature_names_in_", None)
        needed = [str(c) for c in known] if known is not None else list(map(str, frame.columns))
    checked = check_table(frame, target, index_col=index_col, training_here=model is None,
                          name=data_name, model_features=needed)
    frame = checked.frame
    if trained is not None and checked.kept is not None:
        trained = trained[checked.kept]
    for note in checked.notes:
        LOG.info("data adjusted at load: %s", note)
    model_note = None
    has_target = frame[target].notna().to_numpy()
    if model is None:
        features = frame.drop(columns=[target])
        if index_col is not None:
            column = frame.columns[index_col] if isinstance(index_col, int) else index_col
            features = features.drop(columns=[column])
        if trained is not None:
            fit = trained & has_target
            model, _ = train_default_model(features[fit], frame[target][fit], train_fraction=1.0)
            model_note = (
                f"It was trained here on the {int(fit.sum()):,} rows that {source} marks for "
                f"training; the other {int((~trained & has_target).sum()):,} were held back, "
                "so it has not seen them.")
        else:
            rows = np.flatnonzero(has_target)
            model, model_note = train_default_model(features.iloc[rows], frame[target].iloc[rows])
            trained = np.zeros(len(frame), dtype=bool)
            trained[rows[holdout.default_training_rows(len(rows))]] = True
    return PreparedTable(frame, model, trained, source, (*notes, *checked.notes), model_note)


def read_input_files(data_path: str | os.PathLike, target: str,
                     model_path: str | os.PathLike | None = None, *,
                     test_path: str | os.PathLike | None = None, trusted: bool = False,
                     dask_scheduler: Any = None) -> InputFiles:
    """Read a CSV (or Parquet) table, an optional second file of held-out rows and an optional
    model file (skops; joblib/pickle only when ``trusted``). For a big table explained on this
    machine, the worker processes start loading meanwhile."""
    data = read_table(data_path)
    frame = data.frame
    if target not in frame.columns:
        raise ValueError(
            f"the target column {target!r} is not in {Path(data_path).name}; columns are: "
            + ", ".join(map(str, frame.columns))
        )
    test = read_table(test_path) if test_path is not None else None
    preparing = None
    if len(frame) >= BIG_TABLE_ROWS and dask_scheduler_setting(dask_scheduler) is None:
        preparing = prepare_in_background()  # shap and the workers load with the model
    model = load_model(model_path, trusted=trusted) if model_path is not None else None
    return InputFiles(frame, test.frame if test is not None else None, model,
                      (*data.notes, *(test.notes if test is not None else ())), preparing)
