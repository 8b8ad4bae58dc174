"""Every setting of hairkg with its default, written once, read once.

:class:`Settings` is built from ``HAIRKG_<NAME>`` environment variables and then from
command-line arguments (which win), and handed down: the web app, the worker pool and the
query guard get their limits from it and define no defaults of their own.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from hairkg.errors import HairkgError
from hairkg.sparql.guard import QueryLimits
from hairkg.sparql.pool import PoolSettings

__all__ = ["ENV_PREFIX", "Settings", "SettingsError"]

ENV_PREFIX = "HAIRKG_"


class SettingsError(HairkgError):
    """A setting with a value of the wrong kind (the message names the variable)."""


@dataclass(frozen=True)
class Settings:
    """What ``hairkg serve`` runs with. Each field reads ``HAIRKG_<FIELD NAME IN CAPITALS>``."""

    host: str = "127.0.0.1"
    port: int = 8000  # 0 picks a free port
    workers: int = 2  # query worker processes
    #: The query engine (``--store``): a name of :data:`hairkg.sparql.engines.ENGINES`.
    store: str = "oxigraph"
    #: ``--store sparql``: the remote store's SPARQL query endpoint (credentials are read
    #: from HAIRKG_STORE_USER and HAIRKG_STORE_PASSWORD only, never from here).
    store_query_url: str = ""
    #: ``hairkg load --store sparql``: the remote store's SPARQL update endpoint.
    store_update_url: str = ""
    #: ``hairkg load``: seconds one request to the store (a batch, the swap of a loaded graph
    #: into place, a count) may take; moving a million triples takes minutes on some stores.
    store_load_timeout: float = 3600.0
    validate: bool = True  # check the shapes before serving
    #: Size limit of each ``--data`` file, in MiB; 0: none (the files are the operator's own;
    #: ``hairkg validate`` keeps its own limit for files from elsewhere).
    data_max_mb: int = 0
    query_timeout: float = 10.0  # seconds a query may run before its worker is stopped (503)
    query_memory_mb: int = 1024  # memory a query may add to its worker before it is stopped (503)
    queue_timeout: float = 1.0  # seconds a query may wait for a free worker (then 503)
    #: Queries that may wait for a worker at once, beyond those running (more get 503 at
    #: once); None: as many as there are workers.
    waiting_queries: int | None = None
    #: Uncached queries one client may have in flight (more get 429); 0 turns the cap off;
    #: None: one less than the workers (at least 1), so one client never holds them all.
    client_query_limit: int | None = None
    #: A header set by a trusted reverse proxy that names the client (its last value is
    #: used, e.g. X-Forwarded-For); empty: the client is the TCP peer address.
    client_address_header: str = ""
    #: Unshared memory (MiB) after which a query worker is replaced by a fresh fork of the
    #: store host; 0 never. Low keeps one copy of the data; high makes big scans faster.
    worker_recycle_mb: int = 64
    row_limit: int = 10_000  # result rows (or triples) returned at most; truncation is reported
    max_query_depth: int = 64  # nesting of { ( [ refused beyond this (400)
    max_query_tokens: int = 2_000  # terms, keywords and brackets outside VALUES and IN lists
    max_query_operators: int = 300  # OPTIONAL/MINUS/UNION/GRAPH/FILTER/BIND
    max_query_expression_operators: int = 1_000  # arithmetic, comparison, boolean, path ops
    max_content_length: int = 4 * 1024 * 1024  # request bodies above this get 413
    cache_max_age: int = 300  # seconds clients may reuse an answer (ETag revalidates after)
    gzip_min_bytes: int = 1024  # smaller bodies are sent uncompressed
    #: Memory for remembered answers (the data cannot change while the server runs); 0 turns
    #: the cache off. An answer bigger than a sixteenth of it is never kept.
    result_cache_mb: float = 64.0
    #: Where the IRIs the graph mints start; the rest of an IRI is its path on this server
    #: (``/resource/x``), so the same server answers on localhost, behind a reverse proxy and
    #: behind the w3id.org redirect.
    base_iri: str = "https://w3id.org/hairkg/"
    incoming_page_size: int = 100  # incoming links shown per page of a description
    #: Where the access log goes, one JSON line per request: stderr, stdout, a file path
    #: (appended to), or off.
    access_log: str = "stderr"
    #: The previous release's dump (N-Quads from its /download page, or any RDF file):
    #: /changelog compares the served graph with it, claim by claim. Empty: no previous
    #: release (hairkg ships none), and /changelog says so.
    previous_release: str = ""
    #: The CPU the web process is confined to (its threads share one interpreter lock, which
    #: costs less within one core): auto (one CPU, the least taken by other hairkg processes;
    #: none on a single CPU), off (the scheduler decides), or a CPU number. The query workers
    #: always keep every CPU. See hairkg/web/cpu_affinity.py.
    web_cpu: str = "auto"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``HAIRKG_*`` variables, then ``overrides`` (None values ignored)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for spec in fields(cls):
            raw = environ.get(ENV_PREFIX + spec.name.upper())
            if raw is not None and raw.strip() != "":
                values[spec.name] = _parse(spec.name, spec.type, raw.strip())
        # the flag's name on the command line, kept as a variable too
        no_validate = environ.get(ENV_PREFIX + "NO_VALIDATE", "").strip().lower()
        if no_validate not in ("", "0", "false", "no"):
            values["validate"] = False
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes`` applied."""
        return dataclasses.replace(self, **changes)

    @property
    def query_limits(self) -> QueryLimits:
        """The guard's limits on a query's shape."""
        return QueryLimits(
            max_depth=self.max_query_depth,
            max_tokens=self.max_query_tokens,
            max_operators=self.max_query_operators,
            max_expression_operators=self.max_query_expression_operators,
        )

    @property
    def query_capacity(self) -> int:
        """Queries running or waiting for a worker at once."""
        waiting = self.workers if self.waiting_queries is None else self.waiting_queries
        return self.workers + max(0, waiting)

    @property
    def per_client_queries(self) -> int:
        """The per-client cap in force (0: none)."""
        if self.client_query_limit is None:
            return max(1, self.workers - 1)
        return max(0, self.client_query_limit)

    @property
    def server_threads(self) -> int:
        """WSGI threads: one per query that may be in flight, and four for everything else."""
        return self.query_capacity + 4

    @property
    def pool(self) -> PoolSettings:
        """The worker pool's settings."""
        return PoolSettings(
            engine=self.store,
            workers=self.workers,
            timeout=self.query_timeout,
            memory_limit_mb=self.query_memory_mb,
            queue_timeout=self.queue_timeout,
            recycle_mb=self.worker_recycle_mb,
        )


_OPTIONAL_FIELDS = frozenset({"waiting_queries", "client_query_limit"})


def _parse(name: str, kind: Any, raw: str) -> Any:
    variable = ENV_PREFIX + name.upper()
    kind = kind if isinstance(kind, str) else getattr(kind, "__name__", str(kind))
    kind = kind.removesuffix(" | None")
    if raw.lower() in ("none", "auto") and name in _OPTIONAL_FIELDS:
        return None
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError:
        what = "a whole number" if kind == "int" else "a number"
        raise SettingsError(f"{variable} must be {what}, got {raw!r}") from None
    if kind == "bool":
        lowered = raw.lower()
        if lowered in ("1", "true", "yes", "on"):
            return True
        if lowered in ("0", "false", "no", "off"):
            return False
        raise SettingsError(f"{variable} must be true or false, got {raw!r}")
    if kind == "Path":
        return Path(raw)
    return raw
