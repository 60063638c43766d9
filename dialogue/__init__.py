"""Dialogue layer: conversations about a model, answered in plain words.

Exports are lazy (module ``__getattr__``) so ``import dialogue`` stays cheap: nothing heavy
(pandas, scikit-learn, explainers, matplotlib) is imported until it is used.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from dialogue.conversation import ClarifyOption, Conversation, Reply
    from dialogue.executor import DialogueError
    from dialogue.workspace import Workspace

_EXPORTS = {
    "ClarifyOption": "dialogue.conversation",
    "Conversation": "dialogue.conversation",
    "Reply": "dialogue.conversation",
    "Workspace": "dialogue.workspace",
    "DialogueError": "dialogue.executor",
}

__all__ = ["ClarifyOption", "Conversation", "DialogueError", "Reply", "Workspace"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'dialogue' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


def __dir__() -> list[str]:
    return sorted(list(globals()) + list(_EXPORTS))
