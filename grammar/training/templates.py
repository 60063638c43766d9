"""A small template language for wording questions: alternatives, optional words and slots.

``{a|b|c}`` picks one alternative, ``[words]`` keeps the words half of the time, ``<slot>``
is replaced by the slot's text (a string, or a callable returning one). Alternatives and
options nest: ``{why [exactly] did|how come} <model> {predict|decide} that``.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping

Slot = str | Callable[[], str]
SLOT = re.compile(r"<([a-z][a-z_0-9]*)>")  # a "<" not starting a slot is literal ("age < 30")


def expand(template: str, rng: random.Random, slots: Mapping[str, Slot] | None = None,
           optional: float = 0.5) -> str:
    """One random wording of ``template`` (whitespace tidied)."""
    text, _ = _expand(template, 0, rng, slots or {}, optional, stop="")
    return tidy(text)


def tidy(text: str) -> str:
    """Single spaces, no space before punctuation."""
    words = text.split()
    out = " ".join(words)
    for mark in (" ?", " ,", " .", " !", " ;", " :"):
        out = out.replace(mark, mark[1:])
    return out.replace("( ", "(").replace(" )", ")")


def _expand(template: str, index: int, rng: random.Random, slots: Mapping[str, Slot],
            optional: float, stop: str) -> tuple[str, int]:
    out: list[str] = []
    while index < len(template):
        char = template[index]
        if char in stop:
            return "".join(out), index
        if char == "{":
            choices: list[str] = []
            index += 1
            while True:
                part, index = _expand(template, index, rng, slots, optional, stop="|}")
                choices.append(part)
                if index >= len(template):
                    raise ValueError(f"unclosed '{{' in {template!r}")
                if template[index] == "}":
                    index += 1
                    break
                index += 1  # '|'
            out.append(rng.choice(choices))
        elif char == "[":
            part, index = _expand(template, index + 1, rng, slots, optional, stop="]")
            if index >= len(template):
                raise ValueError(f"unclosed '[' in {template!r}")
            index += 1
            if rng.random() < optional:
                out.append(part)
        elif char == "<" and SLOT.match(template, index):
            end = template.index(">", index)
            name = template[index + 1:end]
            if name not in slots:
                raise KeyError(f"template slot <{name}> has no value in {template!r}")
            value = slots[name]
            out.append(value() if callable(value) else value)
            index = end + 1
        else:
            out.append(char)
            index += 1
    return "".join(out), index


def slots_of(template: str) -> set[str]:
    """The slot names a template uses (to pick templates whose slots can be filled)."""
    return set(SLOT.findall(template))
