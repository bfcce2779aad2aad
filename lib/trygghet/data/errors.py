"""Errors for bad input: each says what is wrong, where, and how to fix it.

Every error the user can cause is a ``TrygghetError`` (a ``ValueError``), so the command line can print
its one line and exit 2 instead of a traceback.
"""

from __future__ import annotations

__all__ = ["TrygghetError", "DataError", "ParameterError"]


class TrygghetError(ValueError):
    """Bad input from the user: a file, a parameter or a configuration."""


class DataError(TrygghetError):
    """A data file cannot be read or used. The message starts with the file's name."""

    def __init__(self, file: str, problem: str, fix: str | None = None) -> None:
        self.file = file
        self.problem = problem
        self.fix = fix
        text = f"{file}: {problem}"
        if fix:
            text += f"; {fix}"
        super().__init__(text)


class ParameterError(TrygghetError):
    """A parameter of a run, a notebook or a function is unknown or has a wrong value."""
