"""Everything the endpoint serves, prepared once at start: dataset, dump, workers, counts."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, URIRef

from hairkg.errors import DataNotConformingError
from hairkg.graph.loading import load_dataset, shipped_sources
from hairkg.graph.stats import DatasetStats, compute_stats
from hairkg.namespaces import GRAPH_BASE, PREFIXES
from hairkg.progress import progress
from hairkg.settings import Settings
from hairkg.sparql.pool import WorkerPool
from hairkg.validation.results import ValidationOutcome

__all__ = ["Service", "prepare_service"]


@dataclass
class Service:
    """The running endpoint's state, shared by every request."""

    pool: WorkerPool
    stats: DatasetStats
    graph_names: list[str]
    data_version: str
    prefixes: dict[str, str] = field(default_factory=lambda: dict(PREFIXES))
    workdir: tempfile.TemporaryDirectory[str] | None = None
    #: What validation found at start (None when it was skipped).
    validation: ValidationOutcome | None = None

    def close(self) -> None:
        """Stop the workers and remove the dump."""
        self.pool.close()
        if self.workdir is not None:
            self.workdir.cleanup()


def _extra_graph_names(dataset: Dataset) -> list[str]:
    return sorted(str(c.identifier) for c in dataset.contexts() if len(c))


def _validate(dataset: Dataset, extra_files: Sequence[Path]) -> ValidationOutcome:
    from hairkg.validation import ValidationData, validate_data

    extra = [
        URIRef(c.identifier)
        for c in dataset.contexts()
        if not str(c.identifier).startswith(GRAPH_BASE)
    ]
    data = ValidationData.from_dataset(
        dataset, extra, sources=[s.path for s in shipped_sources()] + list(extra_files)
    )
    return validate_data(data)  # the shipped shapes (parsed once), the default engine


def prepare_service(settings: Settings, extra_files: Sequence[Path] = ()) -> Service:
    """Load, validate (if ``settings.validate``), dump and start the query workers.

    Raises :class:`DataNotConformingError`, carrying the validation outcome, if the data
    breaks the shapes.
    """
    dataset = load_dataset(extra_files)
    outcome = None
    if settings.validate:
        progress("validating against the SHACL shapes")
        outcome = _validate(dataset, extra_files)
        if not outcome.conforms():
            raise DataNotConformingError(
                "the data does not conform to the shapes; refusing to serve it", outcome
            )
    workdir = tempfile.TemporaryDirectory(prefix="hairkg-")
    dump = Path(workdir.name) / "dataset.nq"
    dataset.serialize(str(dump), format="nquads", encoding="utf-8")
    version = hashlib.sha256(dump.read_bytes()).hexdigest()[:16]
    stats = compute_stats(dataset)
    progress(f"starting {settings.workers} query worker(s)")
    if settings.store == "sparql":  # the remote store's URLs, beside the dump, for the workers
        from hairkg.sparql.remote import configure_store

        graphs = _extra_graph_names(dataset)
        configure_store(settings.store_query_url, settings.store_update_url, dump, graphs)
    pool = WorkerPool(dump, settings.pool)
    return Service(
        pool=pool,
        stats=stats,
        graph_names=_extra_graph_names(dataset),
        data_version=version,
        workdir=workdir,
        validation=outcome,
    )
