"""Errors that the front ends turn into one clear line for the user (never a traceback)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class K2020Error(Exception):
    """Base of every error the package raises on purpose. ``exit_code`` is what the CLI returns."""

    exit_code = 2


@dataclass
class InputError(K2020Error):
    """Unusable input: a missing directory, an unreadable or malformed file, a bad parameter."""

    message: str
    path: Path | str | None = None
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        where = ""
        if self.path is not None:
            where = str(self.path)
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        return where + self.message


class QueryError(K2020Error):
    """A canned query that does not exist, or a parameter that is missing, unknown or ill-typed."""
