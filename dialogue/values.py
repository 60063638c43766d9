"""Comparing and rounding the values of a table's cells, the way people read them: ``1``,
``"1"`` and ``1.0`` are the same id or label; a threshold is rounded to a few digits."""

from __future__ import annotations

from typing import Any

import numpy as np


def plain(value: Any) -> Any:
    """A numpy scalar as the Python value it holds."""
    if isinstance(value, np.generic):
        return value.item()
    return value


def equal_values(values: Any, other: Any, *, elementwise: bool = False) -> np.ndarray:
    """Element-wise equality that also matches ``1`` with ``'1'`` and ``1.0``."""
    values = np.asarray(values, dtype=object)
    if elementwise:
        other = np.asarray(other, dtype=object)
        return np.array([same_value(a, b) for a, b in zip(values, other, strict=True)], dtype=bool)
    return np.array([same_value(a, other) for a in values], dtype=bool)


def same_value(a: Any, b: Any) -> bool:
    """Equal, or written the same (``1`` and ``"1"``); a missing value equals nothing."""
    if a is None or b is None:
        return False
    if isinstance(a, float) and np.isnan(a):
        return False
    try:
        if a == b:
            return True
    except (TypeError, ValueError):
        pass
    return id_text(a) == id_text(b)


def id_text(value: Any) -> str:
    """How an id or label is written: ``3`` for 3, 3.0 and " 3"."""
    value = plain(value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def round_nice(value: float | None) -> float | None:
    """A number rounded for reading: integers stay, others keep 1-3 decimals by size."""
    if value is None:
        return None
    value = float(value)
    if value.is_integer():
        return int(value)
    magnitude = abs(value)
    digits = 1 if magnitude >= 100 else 2 if magnitude >= 1 else 3
    return round(value, digits)
