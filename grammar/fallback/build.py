"""The first-stage parser wrapped with the language-model fallback (see ``grammar.fallback``)."""

from __future__ import annotations

import os
from collections.abc import Callable

from grammar.fallback.backends import (
    BackendUnavailable,
    ChatEndpoint,
    EndpointConfig,
    TransformersLM,
    available_packaged_models,
    cache_dir,
    load_local,
)
from grammar.fallback.chooser import FallbackConfig, FallbackParser
from grammar.fallback.examples import generate_examples
from grammar.fallback.retrieval import ExampleRetriever, MiniLMEncoder
from grammar.nl_parser import NaturalLanguageParser
from grammar.schema import DatasetSchema


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
        retriever = ExampleRetriever(
            _examples(schema), MiniLMEncoder(), cache=cache_dir() / "embeddings"
        )
    return FallbackParser(schema, first=first, lm_factory=factory, config=config,
                          retriever=retriever)


def _examples(schema: DatasetSchema):
    return generate_examples(schema)
