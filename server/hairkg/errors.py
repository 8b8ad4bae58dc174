"""Errors that reach users: each carries a message, a CLI exit code and an HTTP status."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hairkg.validation.results import ValidationOutcome

__all__ = [
    "BundleNotFoundError",
    "DataNotConformingError",
    "EngineError",
    "FileTooLargeError",
    "HairkgError",
    "PortUnavailableError",
    "QueryNotFoundError",
    "RdfSyntaxError",
    "ShapesError",
    "UnknownFormatError",
    "UnknownStoreError",
    "UnsafeInputError",
    "UsageError",
]


class HairkgError(Exception):
    """Base class: ``str(error)`` is the message shown to a person, never a traceback."""

    exit_code = 2
    http_status = 500


class UsageError(HairkgError):
    """A command line that asks for something the command cannot do (exit status 2)."""


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

    def __reduce__(self) -> tuple[Any, ...]:
        # the store host raises it in another process (hairkg.sparql.pool), which pickles it
        return (type(self), (self.source, self.problem, self.line, self.column))


class UnsafeInputError(RdfSyntaxError):
    """Input refused before parsing because it could exhaust memory or reach the network."""


class FileTooLargeError(UnsafeInputError):
    """A file bigger than the size limit the caller set (each command says how to raise it)."""


class UnknownFormatError(HairkgError):
    """An RDF format name or file extension that hairkg does not read."""

    http_status = 400


class UnknownStoreError(HairkgError):
    """A query engine (``--store``) name that is not registered."""


class PortUnavailableError(HairkgError):
    """The address the server should listen on is taken or not allowed."""


class QueryNotFoundError(HairkgError):
    """No query file or competency question of that name."""


class ShapesError(HairkgError):
    """The shapes graph itself cannot be used."""


class EngineError(HairkgError):
    """A SHACL engine failed (not the data: the engine); the message names the engine."""

    exit_code = 3


class DataNotConformingError(HairkgError):
    """The data breaks the shapes; the server refuses to serve it.

    ``outcome`` holds the validation results, for the caller to render as it likes.
    """

    exit_code = 1

    def __init__(self, message: str, outcome: ValidationOutcome) -> None:
        super().__init__(message)
        self.outcome = outcome

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (str(self), self.outcome))
