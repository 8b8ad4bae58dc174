"""IRIs of the hairkg vocabulary, its resources and its named graphs, and the prefix map."""

from __future__ import annotations

from rdflib import Namespace, URIRef
from rdflib.namespace import DCTERMS, OWL, PROV, RDF, RDFS, SDO, SKOS, XSD

__all__ = [
    "BIBO",
    "GRAPHS",
    "HKG",
    "HKR",
    "OBO",
    "PREFIXES",
    "QUDT",
    "UNIT",
    "graph_iri",
]

#: Classes and properties of the hairkg ontology.
HKG = Namespace("https://w3id.org/hairkg/ontology/")
#: Individuals: therapies, studies, claims, coded values.
HKR = Namespace("https://w3id.org/hairkg/resource/")
#: Named graphs built by :func:`hairkg.loading.load_dataset`.
GRAPH_BASE = "https://w3id.org/hairkg/graph/"
OBO = Namespace("http://purl.obolibrary.org/obo/")
BIBO = Namespace("http://purl.org/ontology/bibo/")
QUDT = Namespace("http://qudt.org/schema/qudt/")
UNIT = Namespace("http://qudt.org/vocab/unit/")
ONTOLOGY_IRI = URIRef("https://w3id.org/hairkg/ontology")

#: The named graphs, in load order; the default graph is their union.
GRAPHS: tuple[str, ...] = ("ontology", "imports", "data", "mappings", "inferred")


def graph_iri(name: str) -> URIRef:
    """Return the IRI of the named graph ``name`` (one of :data:`GRAPHS`)."""
    return URIRef(GRAPH_BASE + name)


#: Prefixes bound in serialisations and offered in queries.
PREFIXES: dict[str, str] = {
    "hkg": str(HKG),
    "hkr": str(HKR),
    "rdf": str(RDF),
    "rdfs": str(RDFS),
    "owl": str(OWL),
    "xsd": str(XSD),
    "skos": str(SKOS),
    "dcterms": str(DCTERMS),
    "prov": str(PROV),
    "schema": str(SDO),
    "bibo": str(BIBO),
    "qudt": str(QUDT),
    "unit": str(UNIT),
    "obo": str(OBO),
}
