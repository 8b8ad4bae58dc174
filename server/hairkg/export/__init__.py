"""Whole-graph exports: the served dataset written in every RDF syntax of the format table.

Reads the N-Quads dump the service writes at start (or any N-Quads file) with Oxigraph and
writes it streaming to a file or a binary stream: the quad syntaxes (TriG, N-Quads, JSON-LD)
keep the named graphs; the triple syntaxes (Turtle, N-Triples, RDF/XML) get the default
graph, the union of the named graphs without repeats. This module imports neither rdflib
nor Flask; ``nanopubs`` (claims as nanopublications) builds its graphs with rdflib, as the
``nanopub`` library does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import pyoxigraph as ox

from hairkg.errors import HairkgError
from hairkg.formats import RDF_FORMATS, RdfFormat
from hairkg.namespaces import GRAPH_BASE, PREFIXES

__all__ = [
    "DUMP_FORMATS",
    "DumpFile",
    "UnknownGraphError",
    "dump_file_name",
    "graph_names",
    "write_dump",
    "write_dumps",
]

#: The syntaxes of the downloads, in the order of the download page.
DUMP_FORMATS: tuple[RdfFormat, ...] = tuple(
    f
    for name in ("turtle", "ntriples", "trig", "nquads", "jsonld")
    for f in RDF_FORMATS
    if f.name == name
)


class UnknownGraphError(HairkgError):
    """A named graph that the dataset does not have (the message lists those it has)."""


@dataclass(frozen=True)
class DumpFile:
    """One written export: where it is, its syntax, size, statement count and SHA-256."""

    path: Path
    format: RdfFormat
    size: int
    statements: int  # quads for the quad syntaxes, distinct triples for the others
    sha256: str


def dump_file_name(fmt: RdfFormat, graph: str | None = None) -> str:
    """``hairkg.ttl``, ``hairkg-data.trig``: the file name of an export."""
    stem = "hairkg" if graph is None else f"hairkg-{graph.rsplit('/', 1)[-1]}"
    return stem + fmt.extensions[0]


def _graph_iri(name: str) -> str:
    return name if ":" in name else GRAPH_BASE + name


def graph_names(nquads: Path) -> list[str]:
    """The IRIs of the named graphs in ``nquads``, sorted."""
    names = {
        q.graph_name.value
        for q in ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS)
        if isinstance(q.graph_name, ox.NamedNode)
    }
    return sorted(names)


def _quads(nquads: Path, graph: str | None) -> Iterator[ox.Quad]:
    quads = ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    if graph is None:
        yield from quads
        return
    wanted = ox.NamedNode(_graph_iri(graph))
    yield from (q for q in quads if q.graph_name == wanted)


def _triples(nquads: Path, graph: str | None) -> Iterator[ox.Triple]:
    seen: set[ox.Triple] = set()
    for quad in _quads(nquads, graph):
        triple = quad.triple
        if triple not in seen:
            seen.add(triple)
            yield triple


class _Counting:
    """A binary writer that hashes and counts what passes through it."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self.out.write(data)

    def flush(self) -> None:
        self.out.flush()


def write_dump(
    nquads: Path, fmt: RdfFormat, out: BinaryIO, graph: str | None = None
) -> tuple[int, int, str]:
    """Write the dataset in ``nquads`` (or its graph ``graph``) to ``out`` in ``fmt``.

    Returns (bytes written, statements written, SHA-256 hex). A graph the file does not
    have raises :class:`UnknownGraphError`.
    """
    if graph is not None and _graph_iri(graph) not in graph_names(nquads):
        known = ", ".join(n.rsplit("/", 1)[-1] for n in graph_names(nquads))
        raise UnknownGraphError(f"the dataset has no graph {graph!r}; it has {known}")
    counted = 0

    def counting(items: Iterator[ox.Quad] | Iterator[ox.Triple]) -> Iterator[object]:
        nonlocal counted
        for item in items:
            counted += 1
            yield item

    sink = _Counting(out)
    prefixes = PREFIXES if fmt.name in ("turtle", "trig", "rdfxml") else None
    if fmt.has_graphs:
        ox.serialize(counting(_quads(nquads, graph)), sink, fmt.oxigraph, prefixes=prefixes)  # type: ignore[arg-type]
    else:
        ox.serialize(counting(_triples(nquads, graph)), sink, fmt.oxigraph, prefixes=prefixes)  # type: ignore[arg-type]
    return sink.size, counted, sink.digest.hexdigest()


def write_dumps(nquads: Path, directory: Path) -> list[DumpFile]:
    """Write every format of :data:`DUMP_FORMATS` into ``directory`` (atomically, each)."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for fmt in DUMP_FORMATS:
        target = directory / dump_file_name(fmt)
        partial = target.with_suffix(target.suffix + ".part")
        with partial.open("wb") as out:
            size, statements, sha = write_dump(nquads, fmt, out)
        partial.replace(target)
        written.append(DumpFile(target, fmt, size, statements, sha))
    return written
