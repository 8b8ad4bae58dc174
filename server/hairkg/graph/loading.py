"""Build the hairkg dataset: one named graph per part, the default graph their union."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
from rdflib import Dataset, URIRef
from rdflib.term import Node

from hairkg.graph import inference
from hairkg.graph.backends import new_dataset
from hairkg.graph.mappings import read_sssom
from hairkg.graph.rdf_io import read_rdf_file
from hairkg.graph.terms import from_ox
from hairkg.graph.vocab import graph_iri
from hairkg.namespaces import PREFIXES
from hairkg.paths import bundled_dir
from hairkg.progress import progress

__all__ = ["SourceFile", "load_dataset", "shipped_sources"]


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


Triple = tuple[Node, Node, Node]


def _read_source(source: SourceFile) -> list[Triple]:
    if source.path.name.endswith(".sssom.tsv"):
        return [(m.subject, m.predicate, m.object) for m in read_sssom(source.path).mappings]
    return [
        (from_ox(q.subject), from_ox(q.predicate), from_ox(q.object))
        for q in read_rdf_file(source.path)
    ]


def load_dataset(
    extra_files: Sequence[Path] = (),
    *,
    backend: str = "oxigraph",
    infer: bool = True,
    extra_format: str | None = None,
    sources: Iterable[SourceFile] | None = None,
) -> Dataset:
    """Parse the shipped graph (plus ``extra_files``) into a new dataset.

    Triples of extra files join the ``data`` graph, so they are validated like shipped data;
    quads of TriG/N-Quads/JSON-LD files keep their own named graphs. With ``infer`` the
    OWL-RL entailments of everything else go into the ``inferred`` graph. Raises
    :class:`hairkg.errors.RdfSyntaxError` naming the file and line of the first bad input.
    """
    dataset = new_dataset(backend)
    for prefix, namespace in PREFIXES.items():
        dataset.bind(prefix, namespace)
    asserted: list[Triple] = []
    inputs: list[bytes] = []
    for source in shipped_sources() if sources is None else sources:
        inputs.append(source.path.read_bytes())
        triples = _read_source(source)
        _add(dataset, graph_iri(source.graph), triples)
        asserted.extend(triples)
    for path in extra_files:
        progress(f"reading {path}")
        quads = read_rdf_file(path, extra_format)
        inputs.append(path.read_bytes())
        by_graph: dict[URIRef, list[Triple]] = {}
        for quad in quads:
            name = (
                graph_iri("data")
                if isinstance(quad.graph_name, ox.DefaultGraph)
                else URIRef(quad.graph_name.value)
            )
            triple = (from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object))
            by_graph.setdefault(name, []).append(triple)
            asserted.append(triple)
        for name, triples in by_graph.items():
            _add(dataset, name, triples)
    if infer:
        _add(dataset, graph_iri("inferred"), list(inference.infer_cached(asserted, inputs)))
    return dataset


def _add(dataset: Dataset, graph: URIRef, triples: list[Triple]) -> None:
    context = dataset.graph(graph)
    dataset.addN((s, p, o, context) for s, p, o in triples)
