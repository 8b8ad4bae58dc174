"""Inference: the fast OWL 2 RL reasoner against owlrl, the cache with blank nodes, RDFS for --data."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, URIRef
from rdflib.namespace import RDF, RDFS

from hairkg.graph import inference
from hairkg.graph.loading import SourceFile, build_store, shipped_sources
from hairkg.graph.terms import from_ox
from hairkg.namespaces import graph_name_iri

EX = "http://example.org/"
HKG = "https://w3id.org/hairkg/ontology/"


def _shipped_triples() -> list[ox.Triple]:
    store = build_store(infer=False)
    return [q.triple for q in store]


def _rdflib(triples: list[ox.Triple]) -> list[tuple[object, object, object]]:
    return [(from_ox(t.subject), from_ox(t.predicate), from_ox(t.object)) for t in triples]


@pytest.mark.slow
def test_fast_reasoner_keeps_what_owlrl_keeps_on_the_shipped_graph() -> None:
    asserted = _rdflib(_shipped_triples())
    fast = inference.infer(asserted)  # type: ignore[arg-type]
    reference = {
        tuple(inference._normal(t) for t in triple)
        for triple in inference.infer_owlrl(asserted)  # type: ignore[arg-type]
    }
    assert fast, "the shipped graph entails something"
    assert fast == reference, (
        f"only the fast reasoner: {sorted(fast - reference)[:5]}; "
        f"only owlrl: {sorted(reference - fast)[:5]}"
    )


def _inferred(store: ox.Store) -> set[ox.Triple]:
    graph = ox.NamedNode(graph_name_iri("inferred"))
    return {q.triple for q in store.quads_for_pattern(None, None, None, graph)}


def _asserted_blank_nodes(store: ox.Store) -> set[ox.BlankNode]:
    inferred = ox.NamedNode(graph_name_iri("inferred"))
    found = set()
    for quad in store:
        if quad.graph_name == inferred:
            continue
        found |= {t for t in (quad.subject, quad.object) if isinstance(t, ox.BlankNode)}
    return found


def test_cached_inferences_name_the_blank_nodes_of_the_next_parse(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HAIRKG_CACHE_DIR", str(tmp_path / "cache"))
    ontology = next(s for s in shipped_sources() if s.graph == "ontology")
    data = tmp_path / "anonymous.ttl"
    data.write_text(
        f"@prefix hkg: <{HKG}> .\n"
        "[] a hkg:CellBasedTherapy ; hkg:label 'x' .\n"
        "_:named a hkg:CellFreeTherapy .\n",
        encoding="utf-8",
    )
    sources = [ontology, SourceFile(data, "data")]
    first = build_store(sources=sources)
    assert len(list((tmp_path / "cache").iterdir())) == 1
    second = build_store(sources=sources)  # from the cache
    for store in (first, second):
        inferred = _inferred(store)
        about_blank = {t for t in inferred if isinstance(t.subject, ox.BlankNode)}
        therapy = ox.NamedNode(HKG + "Therapy")
        assert len([t for t in about_blank if t.object == therapy]) == 2
        assert {t.subject for t in about_blank} <= _asserted_blank_nodes(store)
    assert _inferred(first) == _inferred(second)


def test_blank_node_labels_are_stable_per_file() -> None:
    data = b"[] <http://example.org/p> [ <http://example.org/q> _:x ] ."
    once = inference.stable_blank_nodes(ox.parse(data, format=ox.RdfFormat.TURTLE), "f3")
    again = inference.stable_blank_nodes(ox.parse(data, format=ox.RdfFormat.TURTLE), "f3")
    assert once == again
    assert {t.value for q in once for t in (q.subject, q.object)} == {"f3n0", "f3n1", "f3n2"}


SCHEMA = f"""@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix ex: <{EX}> .
ex:Mammal rdfs:subClassOf ex:Animal . ex:Animal rdfs:subClassOf ex:Organism .
ex:Dog rdfs:subClassOf ex:Mammal .
ex:hasOwner rdfs:subPropertyOf ex:relatedTo . ex:relatedTo rdfs:subPropertyOf ex:knows .
ex:hasOwner rdfs:domain ex:Pet ; rdfs:range ex:Person .
ex:Pet rdfs:subClassOf ex:Animal .
"""
DATA = f"""@prefix ex: <{EX}> .
ex:rex a ex:Dog ; ex:hasOwner ex:ann ; ex:name "Rex" .
_:b a ex:Mammal .
"""


def test_extra_data_gets_the_rdfs_closure_and_nothing_owlrl_would_not_add(
    tmp_path: Path,
) -> None:
    schema = tmp_path / "schema.ttl"
    schema.write_text(SCHEMA, encoding="utf-8")
    data = tmp_path / "data.ttl"
    data.write_text(DATA, encoding="utf-8")
    store = build_store([data], sources=[SourceFile(schema, "ontology")])
    inferred = {
        (from_ox(t.subject), from_ox(t.predicate), from_ox(t.object))
        for t in _inferred(store)
        if not isinstance(t.subject, ox.BlankNode)
    }
    ex = {name: URIRef(EX + name) for name in ("rex", "ann", "Animal", "Organism", "Mammal")}
    expected = {
        (ex["rex"], RDF.type, ex["Mammal"]),  # rdfs9, through a chain
        (ex["rex"], RDF.type, ex["Animal"]),
        (ex["rex"], RDF.type, ex["Organism"]),
        (ex["rex"], RDF.type, URIRef(EX + "Pet")),  # rdfs2
        (ex["ann"], RDF.type, URIRef(EX + "Person")),  # rdfs3
        (ex["rex"], URIRef(EX + "relatedTo"), ex["ann"]),  # rdfs7
        (ex["rex"], URIRef(EX + "knows"), ex["ann"]),
        (URIRef(EX + "Dog"), RDFS.subClassOf, ex["Organism"]),  # rdfs11
        (URIRef(EX + "hasOwner"), RDFS.subPropertyOf, URIRef(EX + "knows")),  # rdfs5
    }
    assert expected <= inferred
    blank_types = {
        t.object.value
        for t in _inferred(store)
        if isinstance(t.subject, ox.BlankNode) and t.predicate.value == str(RDF.type)
    }
    assert blank_types == {EX + "Animal", EX + "Organism"}
    # a subset of what full OWL-RL (owlrl) entails from the same triples
    asserted = [
        (from_ox(q.subject), from_ox(q.predicate), from_ox(q.object))
        for q in store
        if q.graph_name != ox.NamedNode(graph_name_iri("inferred"))
    ]
    reference = {
        tuple(inference._normal(t) for t in triple)
        for triple in inference.infer_owlrl(asserted)  # type: ignore[arg-type]
        if not isinstance(triple[0], BNode)
    }
    assert inferred - reference == set()
