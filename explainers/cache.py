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


def content_hash(obj: Any) -> str:
    """Stable hash of a model / DataFrame / parameters (joblib.hash hashes the pickled bytes)."""
    if isinstance(obj, pd.DataFrame):
        return joblib.hash((list(map(str, obj.columns)), list(obj.index),
                            [str(t) for t in obj.dtypes], obj.to_numpy(dtype=object)))
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
