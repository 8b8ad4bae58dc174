"""SHACL validation of the graph, as data: nothing here prints.

The graph validated is the union of the asserted graphs (ontology, imports, data, mappings)
plus any extra files (:class:`ValidationData`), checked against the shapes
(:mod:`~hairkg.validation.shapes`) by one of the :mod:`~hairkg.validation.engines`; the
report becomes :class:`ValidationResult` records (:mod:`~hairkg.validation.results`) with
display names (:mod:`~hairkg.validation.naming`) and the file and line of each result
(:mod:`~hairkg.validation.locate`); :mod:`~hairkg.validation.report` renders them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

from rdflib.namespace import RDF, SH

from hairkg.errors import EngineError, HairkgError
from hairkg.graph.rdf_io import DEFAULT_MAX_FILE_BYTES
from hairkg.validation.data import ValidationData
from hairkg.validation.engines import DEFAULT_ENGINE, ENGINES, default_engine
from hairkg.validation.locate import Locator
from hairkg.validation.results import (
    SEVERITY_RANK,
    ValidationOutcome,
    ValidationResult,
    read_result,
)
from hairkg.validation.shapes import Shapes, load_shapes, shipped_shapes

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "Shapes",
    "ValidationData",
    "ValidationOutcome",
    "ValidationResult",
    "default_engine",
    "load_shapes",
    "shipped_shapes",
    "validate_data",
    "validate_files",
]


def validate_data(
    data: ValidationData, shapes: Shapes | None = None, *, engine: str | None = None
) -> ValidationOutcome:
    """Validate ``data`` against ``shapes`` (default: the shipped ones) with ``engine``."""
    name = default_engine() if engine is None else engine
    try:
        run = ENGINES[name]
    except KeyError:
        raise HairkgError(
            f"unknown engine {name!r}; choose one of {', '.join(sorted(ENGINES))}"
        ) from None
    shapes = shipped_shapes() if shapes is None else shapes
    started = time.perf_counter()
    try:
        report = run(data, shapes)
    except ImportError as error:
        raise EngineError(
            f"the {name} engine is not installed ({error.name}); "
            "install pyshacl-turbo or choose --engine pyshacl"
        ) from None
    except HairkgError:
        raise
    except Exception as error:
        raise EngineError(f"the {name} engine failed: {type(error).__name__}: {error}") from None
    seconds = time.perf_counter() - started
    locator = Locator(data.sources)
    results = [
        read_result(report, node, data, shapes, locator)
        for node in report.subjects(RDF.type, SH.ValidationResult)
    ]
    results.sort(key=lambda r: (SEVERITY_RANK.get(r.severity, 3), str(r.focus), r.key()))
    return ValidationOutcome(
        results=results, report=report, engine=name, seconds=seconds, triples=len(data)
    )


def validate_files(
    extra_files: Sequence[Path] = (),
    *,
    input_format: str | None = None,
    engine: str | None = None,
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> ValidationOutcome:
    """Validate the shipped graph plus ``extra_files`` against the shipped shapes."""
    data = ValidationData.from_files(extra_files, input_format=input_format, max_bytes=max_bytes)
    return validate_data(data, engine=engine)
