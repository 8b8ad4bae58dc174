"""RDFS/OWL-RL entailments, materialised with owlrl into a graph of their own.

Only what the asserted graphs do not already say is kept, and tautologies that owlrl adds to
every resource (``x owl:sameAs x``, ``x a owl:Thing``, ``x a rdfs:Resource`` …) are dropped,
so the inferred graph holds answers a query can use, not noise.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

import owlrl
import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Literal, Node

from hairkg.progress import progress

__all__ = ["cache_dir", "infer", "infer_cached"]

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


def cache_dir() -> Path:
    """Where inferred graphs are cached: ``$HAIRKG_CACHE_DIR`` or ``~/.cache/hairkg``."""
    configured = os.environ.get("HAIRKG_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "hairkg"


def infer_cached(asserted: Sequence[tuple[Node, Node, Node]], inputs: Sequence[bytes]) -> Graph:
    """Like :func:`infer`, but reuse the result computed earlier from the same ``inputs``.

    OWL-RL closure in pure Python takes seconds even for a small graph; the key is a hash of
    every input file's bytes and the owlrl version, so any edit recomputes it.
    """
    digest = hashlib.sha256(owlrl.__version__.encode())
    for blob in inputs:
        digest.update(hashlib.sha256(blob).digest())
    path = cache_dir() / f"inferred-{digest.hexdigest()[:32]}.nt"
    if path.is_file():
        try:
            return _read_ntriples(path)
        except (OSError, SyntaxError):
            pass  # a damaged cache entry is recomputed below
    progress(f"computing the OWL-RL inferences of {len(asserted)} triples (once; cached after)")
    inferred = infer(asserted)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False) as handle:
            handle.write(inferred.serialize(format="nt", encoding="utf-8"))
        os.replace(handle.name, path)
    except OSError:
        pass  # a read-only home only costs speed
    return inferred


def _read_ntriples(path: Path) -> Graph:
    from hairkg.graph.terms import from_ox

    graph = Graph()
    for quad in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES):
        graph.add((from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object)))
    return graph


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
