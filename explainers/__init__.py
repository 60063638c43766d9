"""Explanation engines for tabular models (SHAP, LIME, counterfactuals, gradients, importance).

Knows nothing about language: results are typed dataclasses of numbers. Exports are lazy
(``lazy_loader.attach``), so importing one engine does not import every other one. The
contract the dialogue layer codes against is ``ExplanationEngine`` and the result dataclasses
in ``explainers.results``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader

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

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "adapter": ["ModelAdapter", "load_model"],
        "engine": ["ExplanationEngine"],
        "errors": [
            "EmptySelectionError",
            "ExplainerError",
            "ModelError",
            "RowNotFoundError",
            "UnknownFeatureError",
            "UnsupportedModelError",
            "UntrustedFileError",
        ],
        "results": [
            "Attribution",
            "Counterfactual",
            "CounterfactualResult",
            "FaithfulnessReport",
            "FeatureChange",
            "ImportanceResult",
            "InteractionResult",
            "Progress",
        ],
    },
)
