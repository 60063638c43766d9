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


class _ProgressHub:
    """Fans one computation's progress out to every caller waiting for its result."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[Callable[[Any], None]] = []
        self._last: Any = None

    def add(self, listener: Callable[[Any], None]) -> None:
        with self._lock:
            self._listeners.append(listener)
            last = self._last
        if last is not None:
            _quietly(listener, last)

    def remove(self, listener: Callable[[Any], None]) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    def __call__(self, update: Any) -> None:
        with self._lock:
            self._last = update
            listeners = list(self._listeners)
        for listener in listeners:
            _quietly(listener, update)


def _quietly(listener: Callable[[Any], None], update: Any) -> None:
    try:
        listener(update)
    except Exception:  # noqa: BLE001 - a broken progress display must not stop the work
        pass


class ResultCache:
    """LRU map from content keys to results; ``get_or_compute`` is safe across threads.

    Concurrent requests for the same key compute once (a per-key lock), others wait for it.
    A computation reports progress through ``reporter(key)``; every caller that passed a
    ``progress`` callback for that key (the one computing and the ones waiting) receives it.
    """

    def __init__(self, maxsize: int = 256) -> None:
        self.maxsize = maxsize
        self._data: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[str, threading.Lock] = {}
        self._hubs: dict[str, _ProgressHub] = {}
        self.hits = 0
        self.misses = 0

    @staticmethod
    def key(*parts: Any) -> str:
        return joblib.hash(parts)

    def reporter(self, key: str) -> Callable[[Any], None]:
        """The progress channel of the computation for ``key`` (a callable taking updates)."""
        with self._lock:
            return self._hubs.setdefault(key, _ProgressHub())

    def peek(self, key: str) -> Any:
        """The cached value for ``key``, or ``None`` (does not count as a hit or a miss)."""
        with self._lock:
            return self._data.get(key)

    def get_or_compute(self, key: str, compute: Callable[[], T],
                       progress: Callable[[Any], None] | None = None) -> T:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                self.hits += 1
                return self._data[key]
            key_lock = self._key_locks.setdefault(key, threading.Lock())
            hub = self._hubs.setdefault(key, _ProgressHub()) if progress is not None else None
        if hub is not None:
            hub.add(progress)  # type: ignore[arg-type]
        try:
            return self._compute_once(key, key_lock, compute)
        finally:
            if hub is not None:
                hub.remove(progress)  # type: ignore[arg-type]

    def _compute_once(self, key: str, key_lock: threading.Lock, compute: Callable[[], T]) -> T:
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
                self._hubs.pop(key, None)
            return value

    def __len__(self) -> int:
        with self._lock:
            return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
