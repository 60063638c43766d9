"""Explanation engines for tabular models (SHAP, LIME, counterfactuals, gradients, importance).

Knows nothing about language: results are typed dataclasses of numbers. See
``notes/EXPLAINERS_API.md`` for the contract the dialogue layer codes against.
"""

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
