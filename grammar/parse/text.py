"""Token-aligned regular-expression search over a normalised utterance."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field


@functools.lru_cache(maxsize=4096)
def token_aligned(pattern: str) -> re.Pattern[str]:
    """``pattern`` allowed to match only whole tokens (so alternatives backtrack correctly)."""
    return re.compile(r"(?<!\S)(?:" + pattern + r")(?!\S)")


@dataclass(frozen=True)
class Hit:
    """A match covering tokens ``start`` to ``end`` (exclusive)."""

    start: int
    end: int
    match: re.Match[str] = field(compare=False, repr=False)

    def group(self, name: str | int = 0) -> str | None:
        return self.match.group(name)


class TokenText:
    """The tokens of an utterance joined by single spaces, searchable by token-aligned regexes."""

    def __init__(self, tokens: tuple[str, ...]) -> None:
        self.tokens = tokens
        self.text = " ".join(tokens)
        self._token_at: list[int] = []
        for index, token in enumerate(tokens):
            self._token_at.extend([index] * len(token))
            self._token_at.append(index + 1)  # the space after the token
        self._token_at.append(len(tokens))

    def token_index(self, char: int) -> int:
        if char >= len(self._token_at):
            return len(self.tokens)
        return self._token_at[char]

    def finditer(self, pattern: re.Pattern[str] | str) -> Iterator[Hit]:
        regex = token_aligned(pattern if isinstance(pattern, str) else pattern.pattern)
        for match in regex.finditer(self.text):
            if match.end() == match.start():
                continue
            start = self.token_index(match.start())
            end = self.token_index(match.end() - 1) + 1
            yield Hit(start, end, match)

    def search(self, pattern: re.Pattern[str] | str) -> Hit | None:
        return next(self.finditer(pattern), None)

    def window(self, start: int, end: int) -> str:
        start = max(start, 0)
        return " ".join(self.tokens[start:max(end, start)])
