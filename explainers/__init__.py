"""Explanation engines for tabular models (SHAP, LIME, counterfactuals, gradients, importance).

Knows nothing about language: results are typed dataclasses of numbers. Exports are lazy (module
``__getattr__``), so importing one engine does not import every other one. See
``notes/EXPLAINERS_API.md`` for the contract the dialogue layer codes against.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from explainers.adapter import ModelAdapter, load_model
    from explainers.engine import ExplanationEngine
    from explainers.errors import (
        EmptySelectionError,
        ExplainerError,
        ModelError,
        RowNotFoundError,
        UnknownFeatureError,
        UnsupportedModelError,
        UntrustedFileError,
    )
    from explainers.results import (
        Attribution,
        Counterfactual,
        CounterfactualResult,
        FaithfulnessReport,
        FeatureChange,
        ImportanceResult,
        InteractionResult,
        Progress,
    )

_EXPORTS = {
    "ModelAdapter": "explainers.adapter",
    "load_model": "explainers.adapter",
    "ExplanationEngine": "explainers.engine",
    "EmptySelectionError": "explainers.errors",
    "ExplainerError": "explainers.errors",
    "ModelError": "explainers.errors",
    "RowNotFoundError": "explainers.errors",
    "UnknownFeatureError": "explainers.errors",
    "UnsupportedModelError": "explainers.errors",
    "UntrustedFileError": "explainers.errors",
    "Attribution": "explainers.results",
    "Counterfactual": "explainers.results",
    "CounterfactualResult": "explainers.results",
    "FaithfulnessReport": "explainers.results",
    "FeatureChange": "explainers.results",
    "ImportanceResult": "explainers.results",
    "InteractionResult": "explainers.results",
    "Progress": "explainers.results",
}

__all__ = [
    "Attribution",
    "Counterfactual",
    "CounterfactualResult",
    "EmptySelectionError",
    "ExplainerError",
    "ExplanationEngine",
    "FaithfulnessReport",
    "FeatureChange",
    "ImportanceResult",
    "InteractionResult",
    "ModelAdapter",
    "ModelError",
    "Progress",
    "RowNotFoundError",
    "UnknownFeatureError",
    "UnsupportedModelError",
    "UntrustedFileError",
    "load_model",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'explainers' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_EXPORTS))
