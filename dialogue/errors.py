"""The exception a turn ends with when it cannot be answered: its text is for the user."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from grammar import program as p


class DialogueError(Exception):
    """A turn that cannot be answered; ``str()`` is a friendly sentence for the user."""

    def __init__(self, message: str, suggestions: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.suggestions = tuple(suggestions)


class NoRowsMatch(DialogueError):
    """The filters select no rows: each filter with the number of rows it left, and the rows
    before filtering, from which the prose layer says why (``responses.describe_no_match``)."""

    def __init__(self, log: tuple[tuple[p.Clause, int], ...], data: pd.DataFrame) -> None:
        super().__init__("No rows match these conditions.")
        self.log = log
        self.data = data
