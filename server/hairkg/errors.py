"""Errors that reach users: each carries a message, a CLI exit code and an HTTP status."""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "BundleNotFoundError",
    "HairkgError",
    "RdfSyntaxError",
    "UnknownFormatError",
    "UnknownStoreError",
    "UnsafeInputError",
]


class HairkgError(Exception):
    """Base class: ``str(error)`` is the message shown to a person, never a traceback."""

    exit_code = 2
    http_status = 500


class BundleNotFoundError(HairkgError):
    """The shipped ontology/data/shapes folders are missing from the installation."""

    exit_code = 3


class RdfSyntaxError(HairkgError):
    """A file or request body is not valid RDF in the stated format."""

    http_status = 400

    def __init__(
        self, source: str | Path, message: str, line: int | None = None, column: int | None = None
    ) -> None:
        self.source = str(source)
        self.line = line
        self.column = column
        self.problem = message
        where = self.source
        if line is not None:
            where += f":{line}"
            if column is not None:
                where += f":{column}"
        super().__init__(f"{where}: {message}")


class UnsafeInputError(RdfSyntaxError):
    """Input refused before parsing because it could exhaust memory or reach the network."""


class UnknownFormatError(HairkgError):
    """An RDF format name or file extension that hairkg does not read."""

    http_status = 400


class UnknownStoreError(HairkgError):
    """A store backend name that is not registered."""
