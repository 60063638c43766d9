"""Dialogue layer: conversations about a model, answered in plain words.

Exports are lazy (``lazy_loader.attach``) so ``import dialogue`` stays cheap: nothing heavy
(pandas, scikit-learn, explainers, matplotlib) is imported until it is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import lazy_loader

if TYPE_CHECKING:  # pragma: no cover
    from dialogue.conversation import ClarifyOption, Conversation, Reply
    from dialogue.errors import DialogueError
    from dialogue.workspace import Workspace

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submod_attrs={
        "conversation": ["ClarifyOption", "Conversation", "Reply"],
        "errors": ["DialogueError"],
        "workspace": ["Workspace"],
    },
)
