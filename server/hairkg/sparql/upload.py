"""``hairkg load --store sparql``: put the graph into a remote store, one named graph per part.

Each part goes first into a staging graph (``DROP SILENT``, then ``INSERT DATA`` in batches),
whose triple count is checked; only then does one ``MOVE`` replace the part's graph, and its
count is checked again. A load that fails on the way leaves the previous graph as it was, and
a second load replaces the first, never duplicates it. Only SPARQL 1.1 Update over the
protocol is used, so any store with an update endpoint will do.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import quote

from hairkg.sparql.remote import (
    STORE_REQUEST_TIMEOUT,
    StoreConfig,
    StoreConfigError,
    StoreError,
    post_form,
)

__all__ = ["GraphLoad", "UploadError", "upload_graphs"]

_SOLUTIONS = "application/sparql-results+json"
#: Triples sent in one INSERT DATA request. Virtuoso 7.2 refuses one of 1,500 triples ("SP031:
#: The length of generated SQL text has exceeded 10000 lines of code"; its parser runs out of
#: memory at 5,000), and 1,000 cost Oxigraph's server no measurable time over 5,000.
BATCH_TRIPLES = 1_000


class UploadError(StoreError):
    """A load that stopped; the graph it was loading keeps its previous content."""


@dataclass(frozen=True)
class GraphLoad:
    """One part as loaded: its graph IRI and the triples the store now holds in it."""

    graph: str
    triples: int


def staging_graph(graph: str) -> str:
    """The graph a part is loaded into before it replaces ``graph``."""
    return "urn:hairkg:staging:" + quote(graph, safe="")


#: What a store says when the account may read but not write (Virtuoso: "SR186:SECURITY: No
#: permission to execute procedure DB.DBA.SPARQL_INSERT_DICT_CONTENT", with HTTP 500).
_NO_PERMISSION = ("no permission", "permission denied", "not authorized")


def _update(config: StoreConfig, update: str, timeout: float) -> None:
    try:
        with post_form(config, config.update_url, [("update", update)], "*/*", timeout) as answer:
            answer.read()
    except StoreError as error:
        said = str(error).split("SPARQL query:")[0].lower()  # not the data Virtuoso echoes
        if any(word in said for word in _NO_PERMISSION):
            raise UploadError(
                f"the triple store at {config.where} does not let hairkg write: {error} (the "
                "update URL must take updates from the user in HAIRKG_STORE_USER; on Virtuoso, "
                "/sparql-auth with a user granted SPARQL_UPDATE and HAIRKG_STORE_AUTH=digest)",
                status=error.status,
                retry_after=error.retry_after,
            ) from None
        raise


def count_triples(config: StoreConfig, graph: str, timeout: float = STORE_REQUEST_TIMEOUT) -> int:
    """The triples in ``graph`` of the store, counted by the store."""
    import json

    query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
    with post_form(config, config.query_url, [("query", query)], _SOLUTIONS, timeout) as answer:
        document = json.loads(answer.read())
    try:
        return int(document["results"]["bindings"][0]["n"]["value"])
    except (KeyError, IndexError, ValueError, TypeError):
        raise UploadError(
            f"the triple store at {config.where} answered a COUNT query unreadably"
        ) from None


_BLANK_LABEL = re.compile(r"_:[A-Za-z0-9_][A-Za-z0-9_.-]*")


def _batches(lines: Sequence[str], size: int) -> list[list[str]]:
    """Batches of about ``size`` N-Triples lines; lines that share a blank node stay together.

    A blank node label names one node only within one INSERT DATA request, so splitting the
    triples of one blank node across requests would split the node. The lines are grouped by
    the blank nodes they share (a ``_:`` inside a literal only makes a group larger), and the
    groups are packed into batches; a group larger than ``size`` is sent as one batch.
    """
    parent: dict[str, str] = {}

    def root(label: str) -> str:
        while parent.setdefault(label, label) != label:
            parent[label] = parent[parent[label]]
            label = parent[label]
        return label

    labels = [_BLANK_LABEL.findall(line) if "_:" in line else [] for line in lines]
    for found in labels:
        for label in found[1:]:
            parent[root(label)] = root(found[0])
    groups: dict[str, list[str]] = {}
    batches: list[list[str]] = []
    current: list[str] = []
    for line, found in zip(lines, labels, strict=True):
        if found:
            groups.setdefault(root(found[0]), []).append(line)
            continue
        current.append(line)
        if len(current) >= size:
            batches.append(current)
            current = []
    for group in groups.values():
        if current and len(current) + len(group) > size:
            batches.append(current)
            current = []
        current.extend(group)
    if current:
        batches.append(current)
    return batches


def upload_graphs(
    config: StoreConfig,
    graphs: Mapping[str, Sequence[str]],
    report: Callable[[str], None] = lambda message: None,
    batch_triples: int = BATCH_TRIPLES,
    timeout: float = STORE_REQUEST_TIMEOUT,
) -> list[GraphLoad]:
    """Load each graph IRI's N-Triples ``lines`` into the store, replacing what it held.

    ``timeout``: seconds each request to the store may take (``Settings.store_load_timeout``).

    Raises :class:`UploadError` (or :class:`StoreError` for a store that cannot be reached)
    when a part cannot be loaded and checked; parts loaded before it stay loaded.
    """
    if not config.update_url:
        raise StoreConfigError(
            "loading needs the store's update URL: --store-update-url URL or "
            "HAIRKG_STORE_UPDATE_URL"
        )
    loaded = []
    for graph, lines in graphs.items():
        unique = sorted(set(lines))
        staging = staging_graph(graph)
        _update(config, f"DROP SILENT GRAPH <{staging}>", timeout)
        batches = _batches(unique, batch_triples)
        sent = 0
        for number, batch in enumerate(batches, 1):
            body = "\n".join(batch)
            _update(config, f"INSERT DATA {{ GRAPH <{staging}> {{\n{body}\n}} }}", timeout)
            sent += len(batch)
            report(f"{graph}: batch {number}/{len(batches)}, {sent}/{len(unique)} triples")
        staged = count_triples(config, staging, timeout)
        if staged != len(unique):
            _update(config, f"DROP SILENT GRAPH <{staging}>", timeout)
            raise UploadError(
                f"{graph}: the store holds {staged} triples after loading {len(unique)}; the "
                "previous content of the graph is left in place",
                status=502,
            )
        _update(config, f"MOVE SILENT GRAPH <{staging}> TO GRAPH <{graph}>", timeout)
        stored = count_triples(config, graph, timeout)
        if stored != len(unique):
            raise UploadError(
                f"{graph}: the store holds {stored} triples after replacing it with {len(unique)}",
                status=502,
            )
        loaded.append(GraphLoad(graph, stored))
    return loaded
