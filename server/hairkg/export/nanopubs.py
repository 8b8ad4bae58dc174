"""Every claim as a nanopublication with a trusty URI, built with the ``nanopub`` library.

One nanopublication per ``hkg:Claim`` of the ``data`` graph:

* assertion: every statement of the data graph about the claim;
* provenance: the assertion ``prov:wasDerivedFrom`` each publication that asserts it
  (``hkg:assertedBy``, else ``dcterms:source``);
* publication info: the nanopublication's licence (the data's, CC BY 4.0) and
  ``prov:wasDerivedFrom`` the hairkg dataset.

No signature (hairkg has no signing key) and no creation time, so a claim's trusty URI
depends on its content only: it changes exactly when the claim does, and a citation of it
cannot silently change meaning. The trusty artefact is computed by the nanopub library's
RDF hasher (``RdfHasher.make_hash``) and written into the IRIs by its
``replace_trusty_in_graph``; ``verify`` checks one with ``verify_trusty``.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, PROV, RDF
from rdflib.term import Node

from hairkg.graph.terms import from_ox
from hairkg.namespaces import BASE_IRI, GRAPH_BASE, HKG

__all__ = ["ClaimNanopub", "build_nanopubs", "verify"]

_LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
_DATASET = URIRef(BASE_IRI + "dataset")
_CLAIM = ox.NamedNode(HKG + "Claim")
_ASSERTED_BY = URIRef(HKG + "assertedBy")


@dataclass(frozen=True)
class ClaimNanopub:
    """A claim's nanopublication: its IRI, trusty artefact and TriG text."""

    claim: str
    uri: str
    artefact: str
    trig: bytes


def _nanopub() -> Any:
    with warnings.catch_warnings():  # the library imports rdflib's deprecated ConjunctiveGraph
        warnings.simplefilter("ignore")
        import nanopub
        from nanopub import sign_utils
        from nanopub.trustyuri.rdf import RdfHasher, RdfUtils
    return nanopub, sign_utils, RdfHasher, RdfUtils


def _claims(nquads: Path) -> dict[str, list[tuple[Node, Node, Node]]]:
    data = ox.NamedNode(GRAPH_BASE + "data")
    statements: dict[str, list[tuple[Node, Node, Node]]] = {}
    claims: set[str] = set()
    for quad in ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS):
        if quad.graph_name != data or not isinstance(quad.subject, ox.NamedNode):
            continue
        if quad.predicate.value == str(RDF.type) and quad.object == _CLAIM:
            claims.add(quad.subject.value)
        statements.setdefault(quad.subject.value, []).append(
            (from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object))
        )
    return {claim: statements[claim] for claim in sorted(claims)}


def _build_one(claim: str, triples: Iterable[tuple[Node, Node, Node]]) -> ClaimNanopub:
    nanopub, sign_utils, hasher, utils = _nanopub()
    assertion = Graph()
    for triple in triples:
        assertion.add(triple)
    sources = list(assertion.objects(URIRef(claim), _ASSERTED_BY)) or list(
        assertion.objects(URIRef(claim), DCTERMS.source)
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        publication = nanopub.Nanopub(conf=nanopub.NanopubConf(), assertion=assertion)
        namespace = publication.metadata.namespace
        provenance = Graph(publication.rdf.store, publication.metadata.provenance)
        pubinfo = Graph(publication.rdf.store, publication.metadata.pubinfo)
        for source in sources:
            provenance.add((publication.metadata.assertion, PROV.wasDerivedFrom, source))
        np_uri = publication.metadata.np_uri
        pubinfo.add((np_uri, DCTERMS.license, _LICENSE))
        pubinfo.add((np_uri, PROV.wasDerivedFrom, _DATASET))
        pubinfo.add((np_uri, DCTERMS.subject, URIRef(claim)))
        quads = utils.get_quads(publication.rdf)
        artefact = hasher.make_hash(quads, baseuri=str(namespace), hashstr=" ")
        graph = sign_utils.replace_trusty_in_graph(artefact, str(namespace), publication.rdf)
        uri = next(
            str(s)
            for s in graph.subjects(
                RDF.type, URIRef("http://www.nanopub.org/nschema#Nanopublication")
            )
        )
        trig = graph.serialize(format="trig", encoding="utf-8")
    return ClaimNanopub(claim, uri, artefact, trig)


def build_nanopubs(nquads: Path) -> list[ClaimNanopub]:
    """One nanopublication per claim of the dataset in ``nquads``, sorted by claim IRI."""
    return [_build_one(claim, triples) for claim, triples in _claims(nquads).items()]


def verify(trig: bytes) -> str:
    """Check the trusty URI of one nanopublication (TriG); return its URI or raise."""
    _, sign_utils, _, _ = _nanopub()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from nanopub.utils import extract_np_metadata
        from rdflib import ConjunctiveGraph

        graph = ConjunctiveGraph()
        # the library's metadata query uses these prefixes without declaring them
        graph.bind("np", "http://www.nanopub.org/nschema#")
        graph.bind("npx", "http://purl.org/nanopub/x/")
        graph.parse(data=trig, format="trig")
        metadata = extract_np_metadata(graph)
        sign_utils.verify_trusty(graph, str(metadata.np_uri), metadata.namespace)
    return str(metadata.np_uri)
