"""Language-model fallback for the natural-language parser (issue 6).

``build_parser(schema, backend)`` wraps the first-stage parser. Backends, by name:

* ``None`` / ``"off"``: no language model; unsure readings become clarifying options.
* ``"auto"``: the first offline model package installed (``smollm2``, ``gemma3``), else off.
* ``"smollm2"`` / ``"gemma3"``: a PyPI-packaged GGUF model (converted once, then cached).
* a path to a ``.gguf`` file, a local model directory, or a hub id already in the local cache.
* ``"openai"`` or ``"openai:<base url>"``: an OpenAI-compatible chat endpoint; the base URL may
  also come from ``ASKMODEL_LLM_BASE_URL``, the model from ``ASKMODEL_LLM_MODEL``, the key from
  ``ASKMODEL_LLM_API_KEY`` and the server-side constraint from ``ASKMODEL_LLM_CONSTRAINT``.

Exports are lazy (``lazy_loader.attach``): importing any submodule runs this file first, and
eager imports here tied the chooser and the retrieval into a cycle through it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader

if TYPE_CHECKING:  # pragma: no cover
    from grammar.fallback.backends import BackendUnavailable
    from grammar.fallback.build import backend_factory, build_parser
    from grammar.fallback.chooser import FallbackConfig, FallbackParser

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "backends": ["BackendUnavailable"],
        "build": ["backend_factory", "build_parser"],
        "chooser": ["FallbackConfig", "FallbackParser"],
    },
)
