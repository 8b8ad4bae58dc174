"""Everything the endpoint serves, prepared once at start: dataset, dump, pool, descriptions."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, URIRef

from hairkg.errors import HairkgError
from hairkg.loading import load_dataset, shipped_sources
from hairkg.namespaces import PREFIXES
from hairkg.sparql.pool import PoolSettings, WorkerPool
from hairkg.stats import DatasetStats, compute_stats

__all__ = ["DataNotConformingError", "Service", "prepare_service"]


class DataNotConformingError(HairkgError):
    """The data breaks the shapes; the server refuses to serve it."""

    exit_code = 1


@dataclass
class Service:
    """The running endpoint's state, shared by every request."""

    pool: WorkerPool
    stats: DatasetStats
    graph_names: list[str]
    data_version: str
    prefixes: dict[str, str] = field(default_factory=lambda: dict(PREFIXES))
    workdir: tempfile.TemporaryDirectory[str] | None = None

    def close(self) -> None:
        """Stop the workers and remove the dump."""
        self.pool.close()
        if self.workdir is not None:
            self.workdir.cleanup()


def _extra_graph_names(dataset: Dataset) -> list[str]:
    return sorted(str(c.identifier) for c in dataset.contexts() if len(c))


def prepare_service(
    extra_files: Sequence[Path] = (),
    *,
    store: str = "oxigraph",
    validate: bool = True,
    settings: PoolSettings | None = None,
    report: list[str] | None = None,
) -> Service:
    """Load, validate, dump and start the workers; raise if the data does not conform."""
    dataset = load_dataset(extra_files, store="oxigraph")
    if validate:
        from hairkg.report import render_text, summary
        from hairkg.validation import ValidationData, validate_data

        extra = [
            URIRef(c.identifier)
            for c in dataset.contexts()
            if not str(c.identifier).startswith("https://w3id.org/hairkg/graph/")
        ]
        data = ValidationData.from_dataset(
            dataset, extra, sources=[s.path for s in shipped_sources()] + list(extra_files)
        )
        outcome = validate_data(data)  # the shipped shapes (parsed once), the default engine
        if not outcome.conforms():
            raise DataNotConformingError(
                "the data does not conform to the shapes; refusing to serve it:\n"
                + render_text(outcome)
            )
        if report is not None:
            report.append(summary(outcome))
    workdir = tempfile.TemporaryDirectory(prefix="hairkg-")
    dump = Path(workdir.name) / "dataset.nq"
    dataset.serialize(str(dump), format="nquads", encoding="utf-8")
    version = hashlib.sha256(dump.read_bytes()).hexdigest()[:16]
    stats = compute_stats(dataset)
    pool = WorkerPool(dump, store=store, settings=settings)
    return Service(
        pool=pool,
        stats=stats,
        graph_names=_extra_graph_names(dataset),
        data_version=version,
        workdir=workdir,
    )
