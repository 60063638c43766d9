"""Numbers as a person reads them: a few significant digits, no float noise, shares as
percentages that never round to 0% or 100%. Used by the prose and by the executor's messages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np


def fmt(value: Any, digits: int = 3) -> str:
    """A number with a few significant digits and no float noise: 0.213, 54.2, 1,250."""
    if value is None:
        return "n/a"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, int):
        if abs(value) >= 10**21:  # nobody reads 400 digits: 9.99×10^399 (no float involved)
            mantissa, exponent = format(Decimal(value), ".3e").split("e")
            mantissa = mantissa.rstrip("0").rstrip(".")
            return f"{mantissa}×10^{int(exponent)}"
        return f"{value:,}" if abs(value) >= 10000 else str(value)
    if isinstance(value, float):
        if np.isnan(value):
            return "n/a"
        if np.isinf(value):
            return "infinity" if value > 0 else "minus infinity"
        if value.is_integer() and abs(value) < 1e15:
            return fmt(int(value))
        if abs(value) >= 1e15:
            return f"{value:.3g}"
        magnitude = abs(value)
        decimals = max(digits - 1 - int(np.floor(np.log10(magnitude))), 0) if magnitude else 0
        if 100 <= magnitude < 1000:
            decimals = max(decimals, 1)  # 54.2 and 122.8 alike: one decimal
        comma = "," if magnitude >= 10000 else ""
        text = f"{value:{comma}.{decimals}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    return str(value)


def pct(share: float) -> str:
    """0.7234 -> '72.3%': one decimal so a reader can check it, never rounding to 0% or 100%."""
    value = float(share) * 100
    if 0 < value < 0.05:
        return "under 0.1%"
    if 99.95 <= value < 100:
        return "over 99.9%"
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text}%"


def points(delta: float) -> str:
    """A change of a probability in percentage points: 0.158 -> '16 points' is too coarse for
    small effects, so one decimal: '15.8 points', '0.4 points', 'under 0.1 points'."""
    value = abs(float(delta)) * 100
    if 0 < value < 0.05:
        return "under 0.1 points"
    text = f"{value:.1f}".removesuffix(".0")
    return f"{text} point" + ("" if text == "1" else "s")


def fmt_pair(first: Any, second: Any, digits: int = 3) -> tuple[str, str]:
    """Two numbers that are read together ("from 58,000 to 9,500", "781.0 to 658.8"), written
    the same way: a thousands separator on both or neither, the same number of decimals."""
    numbers = all(isinstance(v, (int, float, np.generic)) and not isinstance(v, (bool, np.bool_))
                  for v in (first, second))
    if not numbers:
        return fmt(first, digits), fmt(second, digits)
    a, b = fmt(first, digits), fmt(second, digits)
    if any(t in ("n/a", "infinity", "minus infinity") or "×" in t or "e" in t for t in (a, b)):
        return a, b
    decimals = max(len(t.split(".")[1]) if "." in t else 0 for t in (a, b))
    comma = "," if max(abs(float(first)), abs(float(second))) >= 10000 else ""
    return (f"{float(first):{comma}.{decimals}f}", f"{float(second):{comma}.{decimals}f}")


def value_text(value: Any) -> str:
    """A cell's value as written: numbers by ``fmt``, anything else as it is."""
    return fmt(value) if isinstance(value, (int, float, np.generic)) else str(value)
