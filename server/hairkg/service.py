"""Everything the endpoint serves, prepared once at start: store, workers, counts.

The dataset is built once in memory, written as N-Quads for the store host of the worker
pool (:mod:`hairkg.sparql.pool`), which loads it and forks the query workers from itself so
that they share one copy; the web process then keeps only the counts.
"""

from __future__ import annotations

import ctypes
import gc
import hashlib
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from hairkg.errors import DataNotConformingError
from hairkg.graph.loading import build_store, shipped_sources
from hairkg.graph.stats import DatasetStats, compute_stats
from hairkg.namespaces import GRAPH_BASE, GRAPHS, PREFIXES
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
    from hairkg.validation import ValidationData, validate_data

    extra = [str(g.value) for g in store.named_graphs() if not str(g.value).startswith(GRAPH_BASE)]
    data = ValidationData.from_store(
        store, extra, sources=[s.path for s in shipped_sources()] + list(extra_files)
    )
    return validate_data(data)  # the shipped shapes (parsed once), the default engine


def _data_version(stats: DatasetStats, extra_files: Sequence[Path]) -> str:
    """A hash of what is served: the shipped files' and the extra files' bytes and sizes."""
    digest = hashlib.sha256(repr(stats).encode())
    for path in [s.path for s in shipped_sources()] + list(extra_files):
        with path.open("rb") as handle:
            digest.update(hashlib.file_digest(handle, "sha256").digest())
    return digest.hexdigest()[:16]


def _give_back_memory() -> None:
    """Return freed heap pages to the system (glibc keeps them otherwise), where possible."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim(0)
    except (OSError, AttributeError):
        pass  # not glibc: the memory is reused by the process instead


def prepare_service(settings: Settings, extra_files: Sequence[Path] = ()) -> Service:
    """Load, validate (if ``settings.validate``) and start the query workers on the store.

    Raises :class:`DataNotConformingError`, carrying the validation outcome, if the data
    breaks the shapes.
    """
    workdir = tempfile.TemporaryDirectory(prefix="hairkg-")
    try:
        store = build_store(extra_files, max_extra_bytes=settings.data_max_mb * 1024 * 1024)
        outcome = None
        if settings.validate:
            progress("validating against the SHACL shapes")
            outcome = _validate(store, extra_files)
            if not outcome.conforms():
                raise DataNotConformingError(
                    "the data does not conform to the shapes; refusing to serve it", outcome
                )
        stats = compute_stats(store)
        version = _data_version(stats, extra_files)
        dump = Path(workdir.name) / "dataset.nq"
        store.dump(output=str(dump), format=ox.RdfFormat.N_QUADS)
        del store  # free the memory: the store host loads the dump
        gc.collect()
        _give_back_memory()
        progress(f"starting {settings.workers} query worker(s)")
        if settings.store == "sparql":  # the remote store's URLs, beside the dump, for workers
            from hairkg.sparql.remote import configure_store

            configure_store(
                settings.store_query_url,
                settings.store_update_url,
                dump,
                _extra_graph_names(stats),
            )
        pool = WorkerPool(dump, settings.pool)
        # the dump stays: the download pages and exports stream from it (web/downloads.py)
    except BaseException:
        workdir.cleanup()
        raise
    return Service(
        pool=pool,
        stats=stats,
        graph_names=_extra_graph_names(stats),
        data_version=version,
        workdir=workdir,
        validation=outcome,
    )
