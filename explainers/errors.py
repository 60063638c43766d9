"""Typed errors raised by the explanation engines.

Every error's ``str()`` is a plain sentence a lay user can read, so the dialogue layer can show it
as-is; the attributes carry the details for programmatic handling.
"""

from __future__ import annotations

from collections.abc import Iterable


class ExplainerError(Exception):
    """Base class: something about the request, the data or the model prevents an explanation."""


class RowNotFoundError(ExplainerError):
    """A requested row id is not in the data."""

    def __init__(self, row_id: object, message: str | None = None) -> None:
        self.row_id = row_id
        super().__init__(message or f"There is no row with id {row_id!r} in the data.")


class UnknownFeatureError(ExplainerError):
    """A feature name the model never saw."""

    def __init__(
        self, feature: str, known: Iterable[str] = (), message: str | None = None
    ) -> None:
        self.feature = feature
        self.known = tuple(known)
        if message is None:
            hint = ""
            if self.known:
                shown = ", ".join(self.known[:12]) + (", ..." if len(self.known) > 12 else "")
                hint = f" Known features are: {shown}."
            message = f"The model has no feature called {feature!r}.{hint}"
        super().__init__(message)


class EmptySelectionError(ExplainerError):
    """The selection of rows to explain is empty."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or "The selection is empty: no rows match, so there is nothing "
                         "to explain.")


class ModelError(ExplainerError):
    """The user's model raised while being called; the original exception is ``__cause__``.

    ``str()`` never contains the model's own exception text (it may hold secrets, paths or
    library jargon); ``detail`` keeps it for logs."""

    def __init__(self, message: str | None = None, *, detail: str = "") -> None:
        self.detail = detail
        super().__init__(message or "The model raised an error when asked for a prediction.")


def exception_detail(exc: BaseException) -> str:
    """``'ValueError: Input X contains infinity'``: for logs, never for replies."""
    return f"{type(exc).__name__}: {exc}"


class UnsupportedModelError(ExplainerError):
    """The model (or the requested method for it) is not supported."""


class UntrustedFileError(ExplainerError):
    """A file that could run code was offered without ``trusted=True``.

    ``types`` names the offending types of a skops file (empty for joblib/pickle files).
    """

    def __init__(self, path: object, message: str | None = None,
                 types: tuple[str, ...] = ()) -> None:
        self.path = path
        self.types = tuple(types)
        super().__init__(message or (
            f"Refusing to load {str(path)!r}: joblib/pickle files can run arbitrary code when "
            "opened. Save the model with skops instead, or load it with trusted=True if you "
            "trust where the file came from."))
