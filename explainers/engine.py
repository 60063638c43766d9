"""Placeholder; replaced shortly by the ExplanationEngine facade."""


class ExplanationEngine:  # pragma: no cover - temporary stub
    """Temporary stub while the engine is written."""
