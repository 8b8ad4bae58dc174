"""Build the hairkg dataset: one named graph per part, the default graph their union.

:func:`build_store` is the serving path: an Oxigraph store (in memory, or on disk for the
query workers to open read-only), the operator's files streamed in by Oxigraph's bulk loader
and their inferences computed by SPARQL inside it. :func:`load_dataset` wraps the same store
as an rdflib ``Dataset`` for the commands and modules that work with rdflib.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset

from hairkg.graph import inference
from hairkg.graph.backends import new_dataset
from hairkg.graph.mappings import read_sssom
from hairkg.graph.rdf_io import DEFAULT_MAX_FILE_BYTES, load_rdf_file, read_rdf_file
from hairkg.graph.terms import from_ox, to_ox
from hairkg.namespaces import GRAPHS, PREFIXES, graph_name_iri
from hairkg.paths import bundled_dir
from hairkg.progress import progress

__all__ = ["SourceFile", "build_store", "load_dataset", "shipped_sources"]


@dataclass(frozen=True)
class SourceFile:
    """A file of the graph and the named graph its triples go into."""

    path: Path
    graph: str


def shipped_sources() -> list[SourceFile]:
    """Return the shipped files in load order: ontology, imports, data, mappings."""
    ontology = bundled_dir("ontology")
    data = bundled_dir("data")
    sources = [SourceFile(path, "ontology") for path in sorted(ontology.glob("*.ttl"))]
    imports = sorted((ontology / "imports").glob("*.ttl"))
    sources += [SourceFile(path, "imports") for path in imports]
    sources += [SourceFile(path, "data") for path in sorted(data.glob("*.ttl"))]
    sources += [
        SourceFile(path, "mappings") for path in sorted((data / "mappings").glob("*.sssom.tsv"))
    ]
    return sources


def _read_source(source: SourceFile, index: int) -> list[ox.Quad]:
    graph = ox.NamedNode(graph_name_iri(source.graph))
    if source.path.name.endswith(".sssom.tsv"):
        return [
            ox.Quad(to_ox(m.subject), to_ox(m.predicate), to_ox(m.object), graph)  # type: ignore[arg-type]
            for m in read_sssom(source.path).mappings
        ]
    quads = inference.stable_blank_nodes(read_rdf_file(source.path), f"f{index}")
    return [ox.Quad(q.subject, q.predicate, q.object, graph) for q in quads]


def build_store(
    extra_files: Sequence[Path] = (),
    *,
    infer: bool = True,
    extra_format: str | None = None,
    max_extra_bytes: int = 0,
    sources: Iterable[SourceFile] | None = None,
) -> ox.Store:
    """Load the shipped graph (plus ``extra_files``) into a new in-memory Oxigraph store.

    In memory: building on disk, where every bulk load and query goes through RocksDB, is
    several times slower.
    Triples of extra
    files join the ``data`` graph, so they are validated like shipped data; quads of
    TriG/N-Quads/JSON-LD files keep their own named graphs. With ``infer`` the ``inferred``
    graph gets the OWL 2 RL entailments of the shipped graph and the RDFS entailments of the
    extra files (:mod:`hairkg.graph.inference`). ``max_extra_bytes`` (0: none) caps the size
    of each extra file. Raises :class:`hairkg.errors.RdfSyntaxError` naming the file and line
    of the first bad input.
    """
    store = ox.Store()
    asserted: list[ox.Triple] = []
    inputs: list[bytes] = []
    for index, source in enumerate(shipped_sources() if sources is None else sources):
        inputs.append(source.path.read_bytes())
        quads = _read_source(source, index)
        store.bulk_extend(quads)
        asserted.extend(q.triple for q in quads)
    inferred = graph_name_iri("inferred")
    if infer:
        triples = inference.infer_cached(asserted, inputs)
        graph = ox.NamedNode(inferred)
        store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object, graph) for t in triples)
    del asserted
    data = graph_name_iri("data")
    for extra in extra_files:
        load_rdf_file(store, extra, data, extra_format, max_extra_bytes)
    if infer and extra_files:
        progress("computing the RDFS closure of the extra data")
        inference.rdfs_closure(store, inferred)
    return store


def load_dataset(
    extra_files: Sequence[Path] = (),
    *,
    backend: str = "oxigraph",
    infer: bool = True,
    extra_format: str | None = None,
    sources: Iterable[SourceFile] | None = None,
) -> Dataset:
    """The dataset of :func:`build_store` (in memory) as an rdflib ``Dataset`` on ``backend``.

    Extra files are capped at the size :func:`hairkg.graph.rdf_io.read_rdf_file` allows.
    """
    dataset = new_dataset(backend)  # an unknown backend fails before anything is read
    store = build_store(
        extra_files,
        infer=infer,
        extra_format=extra_format,
        max_extra_bytes=DEFAULT_MAX_FILE_BYTES,
        sources=sources,
    )
    if backend == "oxigraph":
        # oxrdflib brings rdflib's SPARQL engine (0.15 s of imports): not on the serving path
        from oxrdflib import OxigraphStore

        dataset = Dataset(store=OxigraphStore(store=store), default_union=True)
    for prefix, namespace in PREFIXES.items():
        dataset.bind(prefix, namespace)
    if backend == "oxigraph":
        return dataset
    graphs = [graph_name_iri(name) for name in GRAPHS]
    graphs += sorted({g.value for g in store.named_graphs()} - set(graphs))
    for name in graphs:
        context = dataset.graph(from_ox(ox.NamedNode(name)))
        dataset.addN(
            (from_ox(q.subject), from_ox(q.predicate), from_ox(q.object), context)
            for q in store.quads_for_pattern(None, None, None, ox.NamedNode(name))
        )
    return dataset
