"""RDFS/OWL-RL entailments, materialised with owlrl into a graph of their own.

Only what the asserted graphs do not already say is kept, and tautologies that owlrl adds to
every resource (``x owl:sameAs x``, ``x a owl:Thing``, ``x a rdfs:Resource`` …) are dropped,
so the inferred graph holds answers a query can use, not noise.
"""

from __future__ import annotations

from collections.abc import Iterable

import owlrl
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Literal, Node

__all__ = ["infer"]

_TRIVIAL_CLASSES = frozenset(
    {
        OWL.Thing,
        RDFS.Resource,
        OWL.NamedIndividual,
        RDFS.Class,
        OWL.Class,
        RDF.Property,
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
        RDFS.Datatype,
        RDFS.Literal,
    }
)
_KEPT_PREDICATES = frozenset({RDF.type, RDFS.subClassOf, RDFS.subPropertyOf})


def infer(asserted: Iterable[tuple[Node, Node, Node]]) -> Graph:
    """Return the triples OWL-RL entails from ``asserted`` that are new and informative."""
    closure = Graph()
    for triple in asserted:
        closure.add(triple)
    before = set(closure)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(closure)
    inferred = Graph()
    for triple in closure:
        if triple not in before and _is_informative(triple):
            inferred.add(triple)
    return inferred


def _is_informative(triple: tuple[Node, Node, Node]) -> bool:
    subject, predicate, obj = triple
    if isinstance(subject, Literal) or subject == obj:
        return False
    if predicate == RDF.type:
        return obj not in _TRIVIAL_CLASSES
    if predicate in _KEPT_PREDICATES:
        return isinstance(obj, URIRef)
    # owlrl's equality and inverse bookkeeping is not what users query for.
    return predicate not in (
        OWL.sameAs,
        OWL.differentFrom,
        OWL.equivalentClass,
        OWL.equivalentProperty,
        OWL.inverseOf,
        OWL.disjointWith,
    )
