"""The ontology header and the declarations every term needs."""

from __future__ import annotations

from rdflib import Dataset, URIRef
from rdflib.namespace import DCTERMS, OWL, RDF, RDFS, SKOS

from hairkg.graph.vocab import HKG, ONTOLOGY_IRI, graph_iri

VANN_PREFIX = URIRef("http://purl.org/vocab/vann/preferredNamespacePrefix")


def test_header_has_the_required_metadata(dataset: Dataset) -> None:
    ontology = dataset.graph(graph_iri("ontology"))
    assert (ONTOLOGY_IRI, RDF.type, OWL.Ontology) in ontology
    for predicate in (
        OWL.versionIRI,
        DCTERMS.title,
        DCTERMS.description,
        DCTERMS.creator,
        DCTERMS.created,
        DCTERMS.modified,
    ):
        assert ontology.value(ONTOLOGY_IRI, predicate) is not None, predicate
    assert ontology.value(ONTOLOGY_IRI, DCTERMS.license) == URIRef(
        "https://creativecommons.org/licenses/by/4.0/"
    )
    assert str(ontology.value(ONTOLOGY_IRI, VANN_PREFIX)) == "hkg"
    assert (ONTOLOGY_IRI, OWL.imports, None) not in ontology


def test_every_term_has_label_and_definition(dataset: Dataset) -> None:
    ontology = dataset.graph(graph_iri("ontology"))
    terms = {s for s in ontology.subjects() if isinstance(s, URIRef) and s.startswith(HKG)}
    assert len(terms) > 100
    for term in terms:
        assert ontology.value(term, RDFS.label) is not None, term
        assert ontology.value(term, SKOS.definition) is not None, term


def test_object_properties_have_domain_or_a_note(dataset: Dataset) -> None:
    ontology = dataset.graph(graph_iri("ontology"))
    for prop in ontology.subjects(RDF.type, OWL.ObjectProperty):
        has_axiom = (
            ontology.value(prop, RDFS.domain) is not None
            or ontology.value(prop, RDFS.range) is not None
        )
        assert has_axiom or ontology.value(prop, SKOS.editorialNote) is not None, prop
