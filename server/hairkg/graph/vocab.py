"""hairkg's namespaces as rdflib terms, for the modules that build graphs with rdflib."""

from __future__ import annotations

from rdflib import Namespace, URIRef

from hairkg import namespaces

__all__ = ["BIBO", "HKG", "HKR", "OBO", "ONTOLOGY_IRI", "QUDT", "UNIT", "graph_iri"]

HKG = Namespace(namespaces.HKG)
HKR = Namespace(namespaces.HKR)
OBO = Namespace(namespaces.PREFIXES["obo"])
BIBO = Namespace(namespaces.PREFIXES["bibo"])
QUDT = Namespace(namespaces.PREFIXES["qudt"])
UNIT = Namespace(namespaces.PREFIXES["unit"])
ONTOLOGY_IRI = URIRef(namespaces.ONTOLOGY_IRI)


def graph_iri(name: str) -> URIRef:
    """The IRI of the named graph ``name`` (one of :data:`hairkg.namespaces.GRAPHS`)."""
    return URIRef(namespaces.graph_name_iri(name))
