"""The triples to validate, in the form each engine takes, and the files they came from."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Dataset, Graph, URIRef
from rdflib.namespace import RDFS
from rdflib.term import Node

from hairkg.graph.mappings import read_sssom
from hairkg.graph.rdf_io import DEFAULT_MAX_FILE_BYTES, read_rdf_file
from hairkg.graph.terms import from_ox, to_ox
from hairkg.graph.vocab import graph_iri
from hairkg.namespaces import PREFIXES

__all__ = ["VALIDATED_GRAPHS", "ValidationData"]

#: The named graphs validated: everything asserted (no inferences; shapes follow
#: ``rdfs:subClassOf`` of the ontology themselves).
VALIDATED_GRAPHS = ("ontology", "imports", "data", "mappings")
_LABEL = ox.NamedNode(str(RDFS.label))

Triple = tuple[Any, Any, Any]


class ValidationData:
    """The triples to validate, as one graph, and the files they were read from.

    ``triples`` are Oxigraph terms; :meth:`rdflib_graph` and :meth:`oxigraph_store` build
    (once) the form each engine takes. :meth:`changed` makes the same data plus and minus
    some triples, which is how the tests inject one defect into the shipped graph.
    """

    def __init__(
        self,
        triples: Iterable[ox.Triple] = (),
        sources: Sequence[Path] = (),
        *,
        store: ox.Store | None = None,
    ) -> None:
        # given as a ``store`` (its default graph), the triples are read from it only if asked
        self._triples: list[ox.Triple] | None = (
            None if store is not None else list(dict.fromkeys(triples))
        )
        self.sources = tuple(sources)
        self._graph: Graph | None = None
        self._store: ox.Store | None = store
        self._lock = threading.RLock()  # re-entered: the engines' forms read ``triples``

    @property
    def triples(self) -> list[ox.Triple]:
        """The triples, each once (read from the store on first use if it came as one)."""
        with self._lock:
            if self._triples is None:
                assert self._store is not None
                self._triples = [quad.triple for quad in self._store]
            return self._triples

    def __len__(self) -> int:
        if self._triples is None and self._store is not None:
            return len(self._store)  # without making the Python triples
        return len(self.triples)

    @classmethod
    def from_files(
        cls,
        extra_files: Sequence[Path] = (),
        *,
        input_format: str | None = None,
        max_bytes: int = DEFAULT_MAX_FILE_BYTES,
        shipped: bool = True,
    ) -> ValidationData:
        """Read the shipped graph (unless not ``shipped``) and ``extra_files``.

        Raises :class:`hairkg.errors.RdfSyntaxError` (or its subclass ``UnsafeInputError``)
        naming the file and line of the first bad or hostile input.
        """
        from hairkg.graph.loading import shipped_sources

        triples: list[ox.Triple] = []
        sources: list[Path] = []
        if shipped:
            for source in shipped_sources():
                sources.append(source.path)
                if source.path.name.endswith(".sssom.tsv"):
                    triples.extend(
                        ox.Triple(to_ox(m.subject), to_ox(m.predicate), to_ox(m.object))  # type: ignore[arg-type]
                        for m in read_sssom(source.path).mappings
                    )
                else:
                    triples.extend(quad.triple for quad in read_rdf_file(source.path))
        for path in extra_files:
            sources.append(path)
            quads = read_rdf_file(path, input_format, max_bytes)
            triples.extend(quad.triple for quad in quads)
        return cls(triples, sources)

    @classmethod
    def from_dataset(
        cls,
        dataset: Dataset,
        extra_graphs: Sequence[URIRef] = (),
        sources: Sequence[Path] = (),
    ) -> ValidationData:
        """The asserted graphs of a loaded dataset (and ``extra_graphs``), files not re-read."""
        names = [graph_iri(name) for name in VALIDATED_GRAPHS] + list(extra_graphs)
        return cls(
            (
                ox.Triple(to_ox(s), to_ox(p), to_ox(o))  # type: ignore[arg-type]
                for name in names
                for s, p, o in dataset.graph(name)
            ),
            sources,
        )

    @classmethod
    def from_store(
        cls,
        store: ox.Store,
        extra_graphs: Sequence[str] = (),
        sources: Sequence[Path] = (),
    ) -> ValidationData:
        """The asserted graphs of a store built by :func:`hairkg.graph.loading.build_store`.

        They are streamed into a store of their own, not kept as a list of Python triples:
        at a million triples the list was 350 MB at the peak of a validated start (and a
        CONSTRUCT's N-Triples bulk-loaded cost more than it saved).
        """
        names = [str(graph_iri(name)) for name in VALIDATED_GRAPHS] + list(extra_graphs)
        validated = ox.Store()
        validated.bulk_extend(
            ox.Quad(quad.subject, quad.predicate, quad.object)
            for name in names
            for quad in store.quads_for_pattern(None, None, None, ox.NamedNode(name))
        )
        return cls(sources=sources, store=validated)

    @classmethod
    def from_graph(cls, graph: Graph, sources: Sequence[Path] = ()) -> ValidationData:
        """Wrap an rdflib graph (kept as is for pySHACL)."""
        data = cls((ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in graph), sources)  # type: ignore[arg-type]
        data._graph = graph
        return data

    def changed(
        self, add: Iterable[ox.Triple] = (), remove: Iterable[ox.Triple] = ()
    ) -> ValidationData:
        """Return a copy with the triples ``add`` added and ``remove`` removed."""
        removed = set(remove)
        kept = [t for t in self.triples if t not in removed]
        return ValidationData([*kept, *add], self.sources)

    def rdflib_graph(self) -> Graph:
        """The triples as an rdflib graph (built on first use)."""
        with self._lock:
            if self._graph is None:
                graph = Graph()
                for prefix, namespace in PREFIXES.items():
                    graph.bind(prefix, namespace)
                graph.addN(
                    (from_ox(t.subject), from_ox(t.predicate), from_ox(t.object), graph)
                    for t in self.triples
                )
                self._graph = graph
            return self._graph

    def oxigraph_store(self) -> ox.Store:
        """The triples in an in-memory Oxigraph store (built on first use)."""
        with self._lock:
            if self._store is None:
                store = ox.Store()
                store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in self.triples)
                self._store = store
            return self._store

    def label(self, node: Node) -> str | None:
        """The ``rdfs:label`` of ``node`` (English first), or None."""
        if not isinstance(node, URIRef):
            return None
        if self._store is not None:
            labels = [
                q.object
                for q in self._store.quads_for_pattern(ox.NamedNode(str(node)), _LABEL, None)
            ]
        else:
            labels = [to_ox(o) for o in self.rdflib_graph().objects(node, RDFS.label)]
        texts = sorted(
            (getattr(label, "language", None) != "en", label.value)
            for label in labels
            if isinstance(label, ox.Literal)
        )
        return texts[0][1] if texts else None
