"""Language-model fallback for the natural-language parser (issue 6).

``build_parser(schema, backend)`` wraps the first-stage parser. Backends, by name:

* ``None`` / ``"off"``: no language model; unsure readings become clarifying options.
* ``"auto"``: the first offline model package installed (``smollm2``, ``gemma3``), else off.
* ``"smollm2"`` / ``"gemma3"``: a PyPI-packaged GGUF model (converted once, then cached).
* a path to a ``.gguf`` file, a local model directory, or a hub id already in the local cache.
* ``"openai"`` or ``"openai:<base url>"``: an OpenAI-compatible chat endpoint; the base URL may
  also come from ``ASKMODEL_LLM_BASE_URL``, the model from ``ASKMODEL_LLM_MODEL``, the key from
  ``ASKMODEL_LLM_API_KEY`` and the server-side constraint from ``ASKMODEL_LLM_CONSTRAINT``.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from grammar.fallback.backends import (
    BackendUnavailable,
    ChatEndpoint,
    EndpointConfig,
    TransformersLM,
    available_packaged_models,
    load_local,
)
from grammar.fallback.chooser import FallbackConfig, FallbackParser
from grammar.fallback.retrieval import ExampleRetriever, MiniLMEncoder
from grammar.nl_parser import NaturalLanguageParser
from grammar.schema import DatasetSchema

__all__ = [
    "BackendUnavailable",
    "FallbackConfig",
    "FallbackParser",
    "backend_factory",
    "build_parser",
]


def backend_factory(backend: str | None) -> Callable[[], TransformersLM | ChatEndpoint] | None:
    """A function that builds the named backend on first use, or None for no fallback."""
    name = (backend or "off").strip()
    if name.lower() in ("off", "none", "no", ""):
        return None
    if name.lower() == "auto":
        installed = available_packaged_models()
        if not installed:
            return None
        name = installed[0]
    if name.lower() == "openai" or name.lower().startswith(("openai:", "http://", "https://")):
        url = name.split(":", 1)[1] if name.lower().startswith("openai:") else name
        if name.lower() == "openai":
            url = os.environ.get("ASKMODEL_LLM_BASE_URL", "")
        if not url:
            raise BackendUnavailable("set ASKMODEL_LLM_BASE_URL or use openai:<base url>")
        config = EndpointConfig(
            base_url=url,
            model=os.environ.get("ASKMODEL_LLM_MODEL", "default"),
            constraint=os.environ.get("ASKMODEL_LLM_CONSTRAINT", "none"),
        )
        return lambda: ChatEndpoint(config)
    return lambda: load_local(name)


def build_parser(
    schema: DatasetSchema,
    backend: str | None = None,
    *,
    first: NaturalLanguageParser | None = None,
    config: FallbackConfig | None = None,
) -> FallbackParser:
    """The first-stage parser wrapped with the fallback; ``.parse(utterance, context)``."""
    factory = backend_factory(backend)
    retriever = None
    if factory is not None:
        from grammar.fallback.backends import cache_dir

        retriever = ExampleRetriever(
            _examples(schema), MiniLMEncoder(), cache=cache_dir() / "embeddings"
        )
    return FallbackParser(schema, first=first, lm_factory=factory, config=config,
                          retriever=retriever)


def _examples(schema: DatasetSchema):
    from grammar.fallback.examples import generate_examples

    return generate_examples(schema)
