"""Typed errors for programs that cannot be read or do not fit the dataset.

Every message is a complete sentence meant for the user, so callers can show ``str(error)`` as is.
"""

from __future__ import annotations


class ProgramError(ValueError):
    """A program that is not valid parse-language text, or not valid for this dataset."""


class ProgramSyntaxError(ProgramError):
    """The text is not a program of the parse language at all (garbage, missing words)."""


class UnknownFeatureError(ProgramError):
    """The program names a feature the dataset does not have."""


class UnknownValueError(ProgramError):
    """A categorical value, class label, row id or metric that does not exist."""


class FeatureKindError(ProgramError):
    """A clause that does not fit the feature's kind (a number compared with a category, ...)."""
