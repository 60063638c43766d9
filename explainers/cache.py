"""Content-keyed, thread-safe result cache owned by an engine (no module-level state)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, TypeVar

import joblib
import numpy as np
import pandas as pd

T = TypeVar("T")


def _column_digest(values: pd.Series | pd.Index) -> np.ndarray:
    """Hashable array for one column: numbers as they are, anything else as pandas' hashes.

    Pickling an object array value by value costs seconds for 10,000 rows; numeric buffers and
    ``hash_pandas_object``'s uint64 digests hash in milliseconds.
    """
    if isinstance(values, pd.Index) and isinstance(values, pd.RangeIndex):
        return np.array([values.start, values.stop, values.step])
    if pd.api.types.is_numeric_dtype(values.dtype) or pd.api.types.is_bool_dtype(values.dtype):
        return np.asarray(values)
    try:
        return pd.util.hash_pandas_object(values, index=False).to_numpy()
    except TypeError:  # unhashable cells (lists, dicts): fall back to pickling the values
        return np.asarray(values, dtype=object)


def content_hash(obj: Any) -> str:
    """Stable hash of a model / DataFrame / parameters (joblib.hash hashes the pickled bytes)."""
    if isinstance(obj, pd.DataFrame):
        return joblib.hash((list(map(str, obj.columns)), [str(t) for t in obj.dtypes],
                            type(obj.index).__name__, _column_digest(obj.index),
                            [_column_digest(obj.iloc[:, j]) for j in range(obj.shape[1])]))
    return joblib.hash(obj)


def model_fingerprint(model: Any, probe: pd.DataFrame, outputs: Callable[[], np.ndarray]) -> str:
    """Hash of the model's bytes; for unpicklable models (lambdas) of its outputs on ``probe``."""
    try:
        return "model:" + joblib.hash(model)
    except Exception:  # noqa: BLE001 - e.g. a lambda or a local function
        return "outputs:" + joblib.hash((type(model).__qualname__, content_hash(probe),
                                         outputs()))


class ResultCache:
    """LRU map from content keys to results; ``get_or_compute`` is safe across threads.

    Concurrent requests for the same key compute once (a per-key lock), others wait for it.
    """

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(*parts: Any) -> str:
        return joblib.hash(parts)

    def get_or_compute(self, key: str, compute: Callable[[], T]) -> T:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                if key in self._data:
                    self.hits += 1
                    return self._data[key]
            value = compute()
            with self._lock:
                self.misses += 1
                self._data[key] = value
                while len(self._data) > self.maxsize:
                    self._data.popitem(last=False)
                self._key_locks.pop(key, None)
            return value

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
