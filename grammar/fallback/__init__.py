"""Language-model fallback for the natural-language parser (issue 6).

``build_parser(schema, backend)`` wraps the first-stage parser. Backends, by name:

* ``None`` / ``"off"``: no language model; unsure readings become clarifying options.
* ``"auto"``: the first offline model package installed (``smollm2``, ``gemma3``), else off.
* ``"smollm2"`` / ``"gemma3"``: a PyPI-packaged GGUF model (converted once, then cached).
* a path to a ``.gguf`` file, a local model directory, or a hub id already in the local cache.
* ``"openai"`` or ``"openai:<base url>"``: an OpenAI-compatible chat endpoint; the base URL may
  also come from ``ASKMODEL_LLM_BASE_URL``, the model from ``ASKMODEL_LLM_MODEL``, the key from
  ``ASKMODEL_LLM_API_KEY`` and the server-side constraint from ``ASKMODEL_LLM_CONSTRAINT``.

Exports are lazy (module ``__getattr__``): importing any submodule runs this file first, and
eager imports here tied the chooser and the retrieval into a cycle through it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from grammar.fallback.backends import BackendUnavailable
    from grammar.fallback.build import backend_factory, build_parser
    from grammar.fallback.chooser import FallbackConfig, FallbackParser

_EXPORTS = {
    "BackendUnavailable": "grammar.fallback.backends",
    "FallbackConfig": "grammar.fallback.chooser",
    "FallbackParser": "grammar.fallback.chooser",
    "backend_factory": "grammar.fallback.build",
    "build_parser": "grammar.fallback.build",
}

__all__ = [
    "BackendUnavailable",
    "FallbackConfig",
    "FallbackParser",
    "backend_factory",
    "build_parser",
]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'grammar.fallback' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_EXPORTS))
