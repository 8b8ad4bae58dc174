"""Claims as nanopublications: one per claim, trusty URIs that verify and catch tampering."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient
from rdflib import ConjunctiveGraph, Dataset, URIRef
from rdflib.namespace import RDF

from hairkg.export.nanopubs import build_nanopubs, verify
from hairkg.namespaces import HKG
from hairkg.service import Service

NP = "http://www.nanopub.org/nschema#"


def test_one_nanopublication_per_claim_and_each_verifies(
    client: FlaskClient, dataset: Dataset
) -> None:
    claims = {str(c) for c in dataset.subjects(RDF.type, URIRef(HKG + "Claim"))}
    bundle = client.get("/np/")
    assert bundle.status_code == 200
    assert bundle.mimetype == "application/trig"
    graph = ConjunctiveGraph()
    graph.parse(data=bundle.data, format="trig")
    heads = set(graph.subjects(RDF.type, URIRef(NP + "Nanopublication")))
    assert len(heads) == len(claims)
    seen = set()
    for claim in sorted(claims)[:15]:
        path = claim.removeprefix("https://w3id.org/hairkg")
        described = client.get(path, headers={"Accept": "text/turtle"})
        link = re.search(r'<([^>]*/np/[^>]+)>; rel="alternate"', described.headers["Link"])
        assert link, claim
        single = client.get(link.group(1))
        assert single.status_code == 200
        uri = verify(single.data)
        assert uri.endswith(link.group(1).rsplit("/", 1)[-1])
        one = ConjunctiveGraph()
        one.parse(data=single.data, format="trig")
        # the assertion holds the claim's own statements
        assert (URIRef(claim), RDF.type, URIRef(HKG + "Claim")) in one
        seen.add(uri)
    assert len(seen) == 15


def test_a_changed_claim_fails_verification(client: FlaskClient) -> None:
    bundle = client.get("/np/")
    graph = ConjunctiveGraph()
    graph.parse(data=bundle.data, format="trig")
    artefact = str(next(graph.subjects(RDF.type, URIRef(NP + "Nanopublication")))).rsplit("/")[-1]
    body = client.get(f"/np/{artefact}").data
    verify(body)
    tampered = re.sub(rb'"([^"]{20,}?)"@en', rb'"\1 (edited)"@en', body, count=1)
    assert tampered != body
    with pytest.raises(Exception, match="not valid"):
        verify(tampered)
    assert client.get("/np/RAnothing").status_code == 404


def test_trusty_uris_depend_on_content_only(service: Service) -> None:
    assert service.dump_path is not None
    first = build_nanopubs(service.dump_path)
    again = build_nanopubs(service.dump_path)
    assert [n.uri for n in first] == [n.uri for n in again]
    assert len({n.uri for n in first}) == len(first)
