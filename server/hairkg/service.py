"""Everything the endpoint serves, prepared once at start: store, workers, counts.

The dataset is built once, in memory, by the store host of the worker pool
(:mod:`hairkg.sparql.pool`), which then forks the query workers from itself so that they
share that one copy; it also writes the N-Quads dump the downloads stream from. The web
process never holds the store: it keeps only the counts the host sends back.
"""

from __future__ import annotations

import functools
import hashlib
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyoxigraph as ox

from hairkg.errors import DataNotConformingError
from hairkg.namespaces import GRAPH_BASE, GRAPHS, PREFIXES
from hairkg.progress import progress
from hairkg.settings import Settings
from hairkg.sparql.engines import ENGINES, OxigraphEngine, QueryEngine
from hairkg.sparql.pool import WorkerPool

# rdflib, pySHACL and the graph layer are imported where the store is built, in the store
# host: the web process starts the host first and imports its own layer while the host builds
if TYPE_CHECKING:
    from hairkg.graph.stats import DatasetStats
    from hairkg.validation.results import ValidationOutcome

__all__ = ["Service", "StartingService", "prepare_service", "start_service"]


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
    #: What the web layer derives from the data on first use (exports, ontology
    #: documentation, the label index): it lives as long as the data, not as one app.
    derived: dict[str, Any] = field(default_factory=dict)

    @property
    def dump_path(self) -> Path | None:
        """The N-Quads file the query workers loaded (None without a work directory)."""
        return None if self.workdir is None else Path(self.workdir.name) / "dataset.nq"

    def close(self) -> None:
        """Stop the workers and remove the store."""
        self.pool.close()
        if self.workdir is not None:
            self.workdir.cleanup()


def _extra_graph_names(stats: DatasetStats) -> list[str]:
    return sorted(
        (GRAPH_BASE + name if name in GRAPHS else name)
        for name, count in stats.triples_per_graph.items()
        if count
    )


def _validate(store: ox.Store, extra_files: Sequence[Path]) -> ValidationOutcome:
    from hairkg.graph.loading import shipped_sources
    from hairkg.validation import ValidationData, validate_data

    extra = [str(g.value) for g in store.named_graphs() if not str(g.value).startswith(GRAPH_BASE)]
    data = ValidationData.from_store(
        store, extra, sources=[s.path for s in shipped_sources()] + list(extra_files)
    )
    return validate_data(data)  # the shipped shapes (parsed once), the default engine


def _data_version(stats: DatasetStats, extra_files: Sequence[Path]) -> str:
    """A hash of what is served: the shipped files' and the extra files' bytes and sizes."""
    from hairkg.graph.loading import shipped_sources

    digest = hashlib.sha256(repr(stats).encode())
    for path in [s.path for s in shipped_sources()] + list(extra_files):
        with path.open("rb") as handle:
            digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class _StorePlan:
    """What the store host needs to build the dataset (sent to it, so plain and picklable)."""

    extra_files: tuple[Path, ...]
    max_extra_bytes: int
    validate: bool
    engine: str
    dump: Path
    store_query_url: str = ""
    store_update_url: str = ""


@dataclass(frozen=True)
class _StoreFacts:
    """What the store host found while building, for the main process."""

    stats: DatasetStats
    data_version: str
    validation: ValidationOutcome | None


def _build_in_store_host(plan: _StorePlan) -> tuple[QueryEngine, _StoreFacts]:
    """Build, validate, count and dump the dataset; the engine answers from the built store.

    Runs in the store host (:mod:`hairkg.sparql.pool`), so the store is built once, in the
    process whose forks answer the queries: not built here, written out and loaded again
    there. Raises :class:`DataNotConformingError` (in the main process, through the pool).
    """
    from hairkg.graph.loading import build_store
    from hairkg.graph.stats import compute_stats

    store = build_store(plan.extra_files, max_extra_bytes=plan.max_extra_bytes)
    outcome = None
    if plan.validate:
        progress("validating against the SHACL shapes")
        outcome = _validate(store, plan.extra_files)
        if not outcome.conforms():
            raise DataNotConformingError(
                "the data does not conform to the shapes; refusing to serve it", outcome
            )
    stats = compute_stats(store)
    facts = _StoreFacts(stats, _data_version(stats, plan.extra_files), outcome)
    # the download pages and exports stream from the dump (web/downloads.py)
    store.dump(output=str(plan.dump), format=ox.RdfFormat.N_QUADS)
    if plan.engine == "oxigraph":
        return OxigraphEngine(store), facts
    del store  # the other engines load the dump their own way
    if plan.engine == "sparql":  # the remote store's URLs, beside the dump, for workers
        from hairkg.sparql.remote import configure_store

        configure_store(
            plan.store_query_url,
            plan.store_update_url,
            plan.dump,
            _extra_graph_names(stats),
        )
    return ENGINES[plan.engine](plan.dump), facts


@dataclass
class StartingService:
    """A service whose store host is still building: :meth:`wait` gives the :class:`Service`."""

    pool: WorkerPool
    workdir: tempfile.TemporaryDirectory[str]
    workers: int

    def wait(self) -> Service:
        """Wait for the store host and start the workers; raise what the host raised.

        Raises :class:`DataNotConformingError`, carrying the validation outcome, if the data
        breaks the shapes.
        """
        try:
            facts: _StoreFacts = self.pool.wait_ready()
            progress(f"serving with {self.workers} query worker(s)")
        except BaseException:
            self.close()
            raise
        return Service(
            pool=self.pool,
            stats=facts.stats,
            graph_names=_extra_graph_names(facts.stats),
            data_version=facts.data_version,
            workdir=self.workdir,
            validation=facts.validation,
        )

    def close(self) -> None:
        """Stop the store host (and any worker) and remove the work directory."""
        self.pool.close()
        self.workdir.cleanup()


def start_service(
    settings: Settings, extra_files: Sequence[Path] = (), *, fork_host: bool = False
) -> StartingService:
    """Start the store host, which builds and validates (if ``settings.validate``) the dataset.

    Returns at once: the host builds in its own process while the caller goes on (the web
    process imports its own layer meanwhile); :meth:`StartingService.wait` waits for it.
    ``fork_host``: see :class:`hairkg.sparql.pool.WorkerPool` (for a caller with no thread
    and no socket yet).
    """
    workdir = tempfile.TemporaryDirectory(prefix="hairkg-")
    plan = _StorePlan(
        extra_files=tuple(extra_files),
        max_extra_bytes=settings.data_max_mb * 1024 * 1024,
        validate=settings.validate,
        engine=settings.store,
        dump=Path(workdir.name) / "dataset.nq",
        store_query_url=settings.store_query_url,
        store_update_url=settings.store_update_url,
    )
    try:
        if settings.store == "sparql":  # fail on a bad URL before building anything
            from hairkg.sparql.remote import configure_store

            configure_store(settings.store_query_url, settings.store_update_url)
        pool = WorkerPool(
            functools.partial(_build_in_store_host, plan),
            settings.pool,
            wait=False,
            fork_host=fork_host,
        )
    except BaseException:
        workdir.cleanup()
        raise
    return StartingService(pool=pool, workdir=workdir, workers=settings.workers)


def prepare_service(settings: Settings, extra_files: Sequence[Path] = ()) -> Service:
    """Build and validate (if ``settings.validate``) the dataset, and start the query workers.

    Raises :class:`DataNotConformingError`, carrying the validation outcome, if the data
    breaks the shapes.
    """
    return start_service(settings, extra_files).wait()
