"""The ontology stays within OWL 2 DL: a DL reasoner (HermiT, bundled with owlready2) loads
ontology + imports + data, finds them consistent and finds no unsatisfiable class.

Issue 12 (5): HermiT refused to start on an ``xsd:gYear`` range, Pellet dropped the axiom
``hkg:assertedBy rdfs:subPropertyOf dcterms:source`` (an object property under an annotation
property) and judged ``rdf:langString`` ranges inconsistent. The structural tests below catch
those three kinds of mistake without Java; the HermiT tests run the reasoner itself, on the
shipped graph and on two fixtures that must make it fail (so the check can fail).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD

from hairkg.graph.vocab import graph_iri

FIXTURES = Path(__file__).parent / "fixtures" / "owl"
#: The graphs a DL reasoner classifies (the mappings graph is skos:*Match annotations only).
CLASSIFIED = ("ontology", "imports", "data")
PROPERTY_KINDS = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty)
RDF_PLAIN_LITERAL = URIRef(str(RDF) + "PlainLiteral")
#: The OWL 2 datatype map (OWL 2 Structural Specification, section 4).
OWL2_DATATYPES = frozenset(
    {
        RDF_PLAIN_LITERAL,
        RDF.XMLLiteral,
        RDFS.Literal,
        OWL.real,
        OWL.rational,
        XSD.string,
        XSD.normalizedString,
        XSD.token,
        XSD.language,
        XSD.Name,
        XSD.NCName,
        XSD.NMTOKEN,
        XSD.decimal,
        XSD.integer,
        XSD.nonNegativeInteger,
        XSD.nonPositiveInteger,
        XSD.positiveInteger,
        XSD.negativeInteger,
        XSD.long,
        XSD.int,
        XSD.short,
        XSD.byte,
        XSD.unsignedLong,
        XSD.unsignedInt,
        XSD.unsignedShort,
        XSD.unsignedByte,
        XSD.double,
        XSD.float,
        XSD.boolean,
        XSD.hexBinary,
        XSD.base64Binary,
        XSD.anyURI,
        XSD.dateTime,
        XSD.dateTimeStamp,
    }
)


def _classified_graph(dataset: Dataset, extra: Path | None = None) -> Graph:
    graph = Graph()
    for name in CLASSIFIED:
        for triple in dataset.graph(graph_iri(name)):
            graph.add(triple)
    if extra is not None:
        graph.parse(extra, format="turtle")
    return graph


def _kinds(graph: Graph, prop: URIRef) -> set[URIRef]:
    return {kind for kind in PROPERTY_KINDS if (prop, RDF.type, kind) in graph}


def test_no_property_has_two_kinds(dataset: Dataset) -> None:
    graph = _classified_graph(dataset)
    for kind in PROPERTY_KINDS:
        for prop in graph.subjects(RDF.type, kind):
            assert len(_kinds(graph, prop)) == 1, (prop, _kinds(graph, prop))  # type: ignore[arg-type]


def test_subproperties_stay_within_their_kind(dataset: Dataset) -> None:
    graph = _classified_graph(dataset)
    for sub, sup in graph.subject_objects(RDFS.subPropertyOf):
        assert _kinds(graph, sub) == _kinds(graph, sup), (sub, sup)  # type: ignore[arg-type]


def test_data_property_ranges_are_in_the_owl2_datatype_map(dataset: Dataset) -> None:
    graph = _classified_graph(dataset)
    for prop in graph.subjects(RDF.type, OWL.DatatypeProperty):
        for datatype in graph.objects(prop, RDFS.range):
            assert datatype in OWL2_DATATYPES, (prop, datatype)


def test_data_property_values_use_owl2_datatypes(dataset: Dataset) -> None:
    graph = _classified_graph(dataset)
    for prop in set(graph.subjects(RDF.type, OWL.DatatypeProperty)):
        for value in graph.objects(None, prop):
            assert isinstance(value, Literal), (prop, value)
            datatype = value.datatype or (RDF_PLAIN_LITERAL if value.language else XSD.string)
            assert datatype in OWL2_DATATYPES, (prop, value, datatype)


# --- HermiT (a Java process) ---

owlready2 = pytest.importorskip("owlready2")
needs_java = pytest.mark.skipif(shutil.which("java") is None, reason="HermiT needs Java")


def _classify(graph: Graph, tmp_path: Path) -> list[str]:
    """Run HermiT over ``graph``; return the IRIs of unsatisfiable classes.

    Raises ``owlready2.OwlReadyInconsistentOntologyError`` if the graph is inconsistent.
    """
    path = tmp_path / "classified.nt"
    graph.serialize(path, format="nt", encoding="utf-8")
    world = owlready2.World()
    ontology = world.get_ontology(path.as_uri()).load(format="ntriples")
    with ontology:
        owlready2.sync_reasoner_hermit(world, infer_property_values=False, debug=0)
    return sorted(cls.iri for cls in world.inconsistent_classes() if cls is not owlready2.Nothing)


@pytest.mark.slow
@needs_java
def test_hermit_finds_the_graph_consistent_without_unsatisfiable_classes(
    dataset: Dataset, tmp_path: Path
) -> None:
    assert _classify(_classified_graph(dataset), tmp_path) == []


@pytest.mark.slow
@needs_java
def test_hermit_reports_an_injected_unsatisfiable_class(dataset: Dataset, tmp_path: Path) -> None:
    graph = _classified_graph(dataset, FIXTURES / "unsatisfiable-class.ttl")
    assert _classify(graph, tmp_path) == ["http://example.org/ImpossibleTherapy"]


@pytest.mark.slow
@needs_java
def test_hermit_reports_injected_inconsistent_data(dataset: Dataset, tmp_path: Path) -> None:
    graph = _classified_graph(dataset, FIXTURES / "inconsistent-data.ttl")
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        _classify(graph, tmp_path)
