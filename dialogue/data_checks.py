"""The data is checked once, at load: every problem is one clear sentence, or a named adjustment.

``read_table`` turns a file into a DataFrame (binary files, other text encodings, duplicate column
names, broken CSV); ``check_table`` looks at the table against its target (no rows, one row, a
target with gaps or a single value, columns empty in every row or the same in every row). What
cannot be used raises ``DataError``, whose ``str()`` is the sentence; what can be fixed is fixed
and said in ``notes`` (e.g. "3 rows without a value for outcome were left out."). The API raises
or returns the notes, the command line prints the sentence as one line (exit 2), the app shows it.
"""

from __future__ import annotations

import csv
import io
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

LOG = logging.getLogger(__name__)
MIN_TRAINING_ROWS = 10  # below this a default model would learn nothing worth explaining
_SNIFF_BYTES = 64 * 1024


class DataError(ValueError):
    """A table that cannot be used; ``str()`` says why, and what to do, in one sentence."""


@dataclass(frozen=True)
class Table:
    """A table ready for a workspace, with the adjustments made to it (one sentence each)."""

    frame: pd.DataFrame
    notes: tuple[str, ...] = ()
    kept: np.ndarray | None = None  # which input rows are still there (None: all of them)


# ----------------------------------------------------------------------------- files
def read_table(path: str | Path, *, sep: str | None = None, nrows: int | None = None) -> Table:
    """A CSV (or Parquet) file as a DataFrame, or a ``DataError`` saying what is wrong with it.

    Text that is not UTF-8 is read as Windows-1252 (Western European) and the note says so."""
    file = Path(path)
    name = file.name
    if not file.is_file():
        raise DataError(f"There is no data file at {name!r}.")
    if file.suffix.lower() in {".parquet", ".pq"}:
        try:
            return Table(_unique_columns(pd.read_parquet(file), name))
        except DataError:
            raise
        except Exception as exc:  # noqa: BLE001 - pyarrow's messages are not for users
            LOG.info("reading %s as Parquet failed", name, exc_info=exc)
            raise DataError(f"{name!r} could not be read as a Parquet table.") from exc
    raw = file.read_bytes()
    if not raw.strip():
        raise DataError(f"{name!r} is empty; it needs a header row and at least one data row.")
    if _looks_binary(raw[:_SNIFF_BYTES]):
        raise DataError(f"{name!r} looks like a binary file, not a CSV table; export the data as "
                        "CSV (comma-separated, with a header row) and use that.")
    notes: list[str] = []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
        notes.append(f"{name} is not UTF-8 text, so it was read as Windows-1252 (Western "
                     "European); check that accented letters look right.")
    header = next(csv.reader(io.StringIO(text.split("\n", 1)[0]),
                             delimiter=sep or ","), [])
    _no_duplicates([h.strip() for h in header], name)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep or ",", nrows=nrows)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        LOG.info("reading %s as CSV failed", name, exc_info=exc)
        raise DataError(f"{name!r} could not be read as a CSV table (comma-separated, one header "
                        "row, the same number of fields on every line).") from exc
    return Table(frame, tuple(notes))


_TEXT_CONTROLS = frozenset(b"\t\n\r\f\v")


def _looks_binary(sample: bytes) -> bool:
    """NUL bytes, or more control bytes than any text has (images, archives, random bytes)."""
    if b"\x00" in sample:
        return True
    controls = sum(1 for byte in sample if byte < 0x20 and byte not in _TEXT_CONTROLS)
    return controls > 0.02 * max(len(sample), 1)


def _no_duplicates(columns: Sequence[object], name: str) -> None:
    repeated = [str(c) for c, k in Counter(map(str, columns)).items() if k > 1 and str(c)]
    if repeated:
        listed = ", ".join(f"“{c}”" for c in repeated[:5])
        raise DataError(f"{name} has more than one column named {listed}; give every column its "
                        "own name.")


def _unique_columns(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    _no_duplicates(list(frame.columns), name)
    return frame


# ----------------------------------------------------------------------------- tables
def check_table(frame: pd.DataFrame, target: str, *, index_col: str | int | None = None,
                training_here: bool = False, name: str = "the data",
                model_features: Sequence[str] | None = None) -> Table:
    """``frame`` checked for a workspace predicting ``target``: a ``DataError`` for what cannot
    be used, adjustments (named in ``notes``) for what can.

    ``training_here``: a model will be trained on it, which needs two classes (or values) and a
    few rows. ``model_features``: the columns the user's model needs; an empty column the model
    needs is kept (the model gets it as it expects), otherwise it is left out."""
    _no_duplicates(list(frame.columns), name)
    if target not in frame.columns:
        raise DataError(f"The target column “{target}” is not in {name}; its columns are "
                        + ", ".join(map(str, frame.columns)) + ".")
    id_column = None
    if index_col is not None:
        id_column = frame.columns[index_col] if isinstance(index_col, int) else index_col
    notes: list[str] = []
    missing = frame[target].isna()
    kept_rows = ~missing.to_numpy()
    if missing.all():
        raise DataError(f"The target “{target}” is empty in every row of {name}, so there is "
                        "nothing to predict or compare with.")
    if missing.any():
        frame = frame[~missing]
        notes.append(f"{int(missing.sum()):,} row{'s' if missing.sum() != 1 else ''} without a "
                     f"value for {target} {'were' if missing.sum() != 1 else 'was'} left out.")
    if len(frame) < 2:
        raise DataError(f"{name[:1].upper() + name[1:]} has only one row with a {target}; "
                        "AskModel needs at least two rows (and, to train a model, "
                        f"{MIN_TRAINING_ROWS} or more).")
    values = frame[target].nunique()
    if training_here and values < 2:
        raise DataError(f"The target “{target}” has the same value ({frame[target].iloc[0]!r}) "
                        "in every row, so there is nothing for a model to learn. Did you pick "
                        "the wrong column?")
    if training_here and len(frame) < MIN_TRAINING_ROWS:
        raise DataError(f"{name[:1].upper() + name[1:]} has only {len(frame)} rows; a model "
                        f"trained here needs at least {MIN_TRAINING_ROWS}.")
    if values < 2:
        notes.append(f"Every row has the same {target} ({frame[target].iloc[0]!r}), so scores "
                     "such as accuracy say little about the model.")
    needed = set(map(str, model_features)) if model_features is not None else set()
    features = [c for c in frame.columns if c not in (target, id_column)]
    empty = [c for c in features if frame[c].isna().all()]
    dropped = [c for c in empty if str(c) not in needed]
    if dropped:
        frame = frame.drop(columns=dropped)
        notes.append(_listed(dropped) + f" {'is' if len(dropped) == 1 else 'are'} empty in every "
                     "row, so " + ("it was" if len(dropped) == 1 else "they were") + " left out.")
    still_used = [c for c in empty if str(c) in needed]
    if still_used:
        one = len(still_used) == 1
        notes.append(_listed(still_used) + f" {'is' if one else 'are'} empty in every row; the "
                     f"model still gets {'it' if one else 'them'}, but "
                     f"{'it tells' if one else 'they tell'} it nothing.")
    constant = [c for c in features if c not in empty and frame[c].nunique(dropna=False) == 1]
    if constant:
        notes.append(_listed(constant) + f" {'has' if len(constant) == 1 else 'have'} the same "
                     "value in every row, so " + ("it cannot" if len(constant) == 1 else
                                                  "they cannot")
                     + " explain any difference between rows.")
    if not [c for c in features if c not in dropped]:
        raise DataError(f"{name[:1].upper() + name[1:]} has no feature columns besides the "
                        "target and the id, so there is nothing to predict from.")
    return Table(frame, tuple(notes), kept_rows)


def _listed(columns: Sequence[object]) -> str:
    names = [f"“{c}”" for c in columns]
    text = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return ("The column " if len(names) == 1 else "The columns ") + text
