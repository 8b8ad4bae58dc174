"""Linked data in process: every minted IRI resolves, negotiated, with the expected content."""

from __future__ import annotations

import hashlib
import re
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urljoin, urlsplit

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient
from markupsafe import escape
from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic
from rdflib.namespace import DCTERMS, RDFS, SKOS
from rdflib.term import Node

from hairkg.formats import RDF_FORMATS, RdfFormat
from hairkg.namespaces import BASE_IRI, GRAPH_BASE, GRAPHS, HKG, HKR, PREFIXES
from hairkg.service import Service
from hairkg.web.resources import HTML, negotiate_page

THERAPY = HKR + "therapy-regenera-activa"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
INFERRED = URIRef(GRAPH_BASE + "inferred")
FORMAT_BY_NAME = {f.name: f for f in RDF_FORMATS}
QUANTITY_PROPERTIES = {
    URIRef(PREFIXES["qudt"] + "numericValue"),
    URIRef(PREFIXES["qudt"] + "hasUnit"),
    URIRef(HKG + "minimumValue"),
    URIRef(HKG + "maximumValue"),
    URIRef(HKG + "isApproximate"),
}
BIBLIOGRAPHIC = {
    RDFS.label,
    DCTERMS.title,
    DCTERMS.date,
    DCTERMS.issued,
    URIRef(PREFIXES["bibo"] + "doi"),
    URIRef(PREFIXES["bibo"] + "pmid"),
    URIRef(PREFIXES["rdf"] + "type"),
}


def parse(body: bytes, fmt: RdfFormat) -> Dataset:
    dataset = Dataset()
    dataset.parse(data=body, format=fmt.rdflib_name)
    return dataset


XSD_STRING = URIRef("http://www.w3.org/2001/XMLSchema#string")


def same_term(term: Node) -> Node:
    """One spelling per RDF term: plain for xsd:string, canonical lexical form for numbers."""
    if not isinstance(term, Literal) or term.language:
        return term
    if term.datatype in (None, XSD_STRING):
        return Literal(str(term))
    if isinstance(term.value, Decimal):
        return Literal(format(term.value.normalize(), "f"), datatype=term.datatype)
    if term.value is not None and not isinstance(term.value, str):
        return Literal(term.value, datatype=term.datatype)
    return term


def normal(graph: Graph) -> Graph:
    out = Graph()
    for s, p, o in graph:
        out.add((s, p, same_term(o)))
    return out


def union(dataset: Dataset | Graph) -> Graph:
    graph = Graph()
    for s, p, o, _ in dataset.quads((None, None, None, None)):
        graph.add((s, p, same_term(o)))
    return graph


def expected_description(dataset: Dataset, iri: str) -> Graph:
    """The description computed independently with rdflib: asserted graphs only."""
    node = URIRef(iri)
    asserted = [g for g in dataset.graphs() if g.identifier != INFERRED and len(g)]
    graph = Graph()
    neighbours: set[URIRef] = set()
    sources = set()
    for named in asserted:
        for s, p, o in named.triples((node, None, None)):
            graph.add((s, p, o))
            neighbours.update(x for x in (p, o) if isinstance(x, URIRef))
            if p == DCTERMS.source:
                sources.add(o)
        for s, p, o in named.triples((None, None, node)):
            if isinstance(s, URIRef):
                graph.add((s, p, o))
                neighbours.update((s, p))
    neighbours.discard(node)
    for named in asserted:
        for n in neighbours:
            for p in (RDFS.label, SKOS.prefLabel, *QUANTITY_PROPERTIES):
                for o in named.objects(n, p):
                    graph.add((n, p, o))
        for pub in sources:
            for p in BIBLIOGRAPHIC:
                for o in named.objects(pub, p):
                    graph.add((pub, p, o))
    return graph


@pytest.mark.parametrize(
    ("accept", "param", "expected"),
    [
        (None, None, HTML),
        ("*/*", None, HTML),
        (BROWSER, None, HTML),
        ("text/turtle", None, "turtle"),
        ("application/ld+json;q=0.5, text/turtle;q=0.4", None, "jsonld"),
        ("text/html;q=0.1, application/n-triples", None, "ntriples"),
        ("application/rdf+xml", None, "rdfxml"),
        ("application/trig", None, "trig"),
        ("application/n-quads", None, "nquads"),
        ("text/*", None, HTML),
        ("application/pdf", None, None),
        ("text/html", "ttl", "turtle"),
        ("text/turtle", "html", HTML),
    ],
)
def test_negotiation_ranks_quality_values(
    accept: str | None, param: str | None, expected: str | None
) -> None:
    chosen = negotiate_page(accept, param)
    name = chosen if chosen is None or isinstance(chosen, str) else chosen.name
    assert name == expected


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.name)
def test_resource_in_every_format_is_the_expected_description(
    client: FlaskClient, dataset: Dataset, fmt: RdfFormat
) -> None:
    response = client.get("/resource/therapy-regenera-activa", headers={"Accept": fmt.media_type})
    assert response.status_code == 200
    assert response.mimetype == fmt.media_type
    assert "Accept" in response.headers["Vary"]
    got = union(parse(response.data, fmt))
    assert isomorphic(got, normal(expected_description(dataset, THERAPY)))
    links = response.headers["Link"]
    assert f'<{THERAPY}>; rel="canonical"' in links
    for other in RDF_FORMATS:
        assert f'?_format={other.name}>; rel="alternate"; type="{other.media_type}"' in links


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.name)
def test_ontology_term_in_every_format(
    client: FlaskClient, dataset: Dataset, fmt: RdfFormat
) -> None:
    response = client.get(f"/ontology/Therapy?_format={fmt.name}")
    assert response.status_code == 200
    got = union(parse(response.data, fmt))
    assert isomorphic(got, normal(expected_description(dataset, HKG + "Therapy")))


def test_quad_formats_keep_each_statement_in_its_graph(client: FlaskClient) -> None:
    body = client.get("/resource/therapy-regenera-activa?_format=trig").data
    dataset = parse(body, FORMAT_BY_NAME["trig"])
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    assert GRAPH_BASE + "data" in names
    data = dataset.graph(URIRef(GRAPH_BASE + "data"))
    assert (URIRef(THERAPY), RDFS.label, Literal("Regenera Activa", lang="en")) in data


def test_jsonld_description_uses_the_published_context(client: FlaskClient) -> None:
    context = client.get("/context.jsonld").get_json()
    body = client.get(
        "/resource/therapy-regenera-activa", headers={"Accept": "application/ld+json"}
    )
    assert body.get_json()["@context"] == context["@context"]
    assert context["@context"]["hkr"] == HKR


def test_claim_resolves(client: FlaskClient) -> None:
    response = client.get(
        "/resource/claim-elmaadawi-2018-similar-improvement", headers={"Accept": "text/turtle"}
    )
    assert response.status_code == 200
    graph = Graph().parse(data=response.data, format="turtle")
    claim = URIRef(HKR + "claim-elmaadawi-2018-similar-improvement")
    assert (claim, URIRef(HKG + "assertedBy"), URIRef(HKR + "pub-elmaadawi-2018")) in graph
    # the publication that says it, with its DOI
    doi = URIRef(PREFIXES["bibo"] + "doi")
    assert list(graph.objects(URIRef(HKR + "pub-elmaadawi-2018"), doi))


def test_unknown_iri_is_404_with_did_you_mean(client: FlaskClient) -> None:
    page = client.get("/resource/therapy-regenera-activ", headers={"Accept": BROWSER})
    assert page.status_code == 404
    assert page.mimetype == "text/html"
    assert 'href="/resource/therapy-regenera-activa"' in page.get_data(as_text=True)
    text = client.get("/resource/therapy-regenera-activ", headers={"Accept": "text/turtle"})
    assert text.status_code == 404
    assert f"<{THERAPY}>" in text.get_data(as_text=True)
    assert "Traceback" not in text.get_data(as_text=True)


def test_unacceptable_and_bad_format_parameter(client: FlaskClient) -> None:
    refused = client.get("/resource/therapy-regenera-activa", headers={"Accept": "image/png"})
    assert refused.status_code == 406
    assert "text/turtle" in refused.get_data(as_text=True)
    assert "Accept" in refused.headers["Vary"]
    bad = client.get("/resource/therapy-regenera-activa?_format=pdf")
    assert bad.status_code == 400
    assert "turtle" in bad.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/resource/a<b", '/resource/x"y', "/resource/%7Bx%7D"])
def test_hostile_paths_are_404_not_errors(client: FlaskClient, path: str) -> None:
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 404


def test_etag_revalidates(client: FlaskClient) -> None:
    first = client.get("/resource/therapy-regenera-activa", headers={"Accept": "text/turtle"})
    tag = first.headers["ETag"]
    again = client.get(
        "/resource/therapy-regenera-activa",
        headers={"Accept": "text/turtle", "If-None-Match": tag},
    )
    assert again.status_code == 304


def test_incoming_links_are_counted_and_paged(app, service) -> None:  # type: ignore[no-untyped-def]
    from hairkg.settings import Settings
    from hairkg.web import create_app

    small = create_app(Settings(incoming_page_size=2), service, testing=True).test_client()
    iri = "/resource/pub-tak-2020"
    first = small.get(iri, headers={"Accept": "text/turtle"})
    total = int(first.headers["Hairkg-Incoming-Links"])
    assert total > 2
    assert f'<{iri}?page=2>; rel="next"' in first.headers["Link"]
    pages = -(-total // 2)
    seen = set()
    for page in range(1, pages + 1):
        graph = Graph().parse(
            data=small.get(f"{iri}?page={page}", headers={"Accept": "text/turtle"}).data,
            format="turtle",
        )
        seen |= {(s, p) for s, p in graph.subject_predicates(URIRef(HKR + "pub-tak-2020"))}
    assert len(seen) == total
    html = small.get(iri, headers={"Accept": BROWSER}).get_data(as_text=True)
    assert f"Incoming links ({total})" in html
    assert f"Page 1 of {pages}" in html


@pytest.mark.parametrize("name", GRAPHS)
def test_named_graph_resolves_in_trig_and_turtle(
    client: FlaskClient, dataset: Dataset, name: str
) -> None:
    iri = URIRef(GRAPH_BASE + name)
    trig = client.get(f"/graph/{name}", headers={"Accept": "application/trig"})
    assert trig.status_code == 200
    got = parse(trig.data, FORMAT_BY_NAME["trig"]).graph(iri)
    assert isomorphic(normal(got), normal(dataset.graph(iri)))
    turtle = client.get(f"/graph/{name}", headers={"Accept": "text/turtle"})
    assert isomorphic(
        normal(Graph().parse(data=turtle.data, format="turtle")), normal(dataset.graph(iri))
    )
    assert "Accept" in turtle.headers["Vary"]


def test_ontology_iri_gives_docs_to_browsers_and_the_ontology_to_rdf_clients(
    client: FlaskClient, dataset: Dataset
) -> None:
    docs = client.get("/ontology", headers={"Accept": BROWSER})
    assert docs.status_code == 200
    assert docs.mimetype == "text/html"
    assert "Therapy" in docs.get_data(as_text=True)
    turtle = client.get("/ontology", headers={"Accept": "text/turtle"})
    graph = Graph().parse(data=turtle.data, format="turtle")
    assert isomorphic(normal(graph), normal(dataset.graph(URIRef(GRAPH_BASE + "ontology"))))
    version = next(
        graph.objects(URIRef(BASE_IRI + "ontology"), URIRef(PREFIXES["owl"] + "versionIRI"))
    )
    path = urlsplit(str(version)).path.removeprefix("/hairkg")
    release = client.get(path, headers={"Accept": "text/turtle"})
    assert release.status_code == 200
    assert isomorphic(Graph().parse(data=release.data, format="turtle"), graph)
    assert (
        client.get("/releases/9.9.9/ontology", headers={"Accept": "text/turtle"}).status_code == 404
    )


def test_resource_page_for_people(client: FlaskClient) -> None:
    html = client.get("/resource/study-tak-2020", headers={"Accept": BROWSER}).get_data(
        as_text=True
    )
    assert "<h1>Tak et al. 2020" in html
    assert "No medical advice" in html
    assert 'href="https://doi.org/' in html or 'href="https://pubmed.ncbi.nlm.nih.gov/' in html
    assert 'href="/resource/design-randomised-controlled-trial"' in html
    assert "/?query=DESCRIBE" in html
    assert "?_format=turtle" in html
    assert "<script" not in html


def test_external_mapping_links_come_from_bioregistry(client: FlaskClient) -> None:
    html = client.get(
        "/resource/condition-androgenetic-alopecia", headers={"Accept": BROWSER}
    ).get_data(as_text=True)
    import bioregistry

    expected = bioregistry.get_iri("mondo", "0007152")
    if "MONDO_0007152" in html:
        assert expected is not None and f'href="{expected}"' in html


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.links.append(value)


PAGES = (
    "/therapies",
    "/studies",
    "/comparisons",
    "/evidence-map",
    "/download",
    "/resource/",
    "/ontology/",
    "/graph/",
)


def test_crawl_every_internal_link_of_the_generated_pages(client: FlaskClient) -> None:
    todo = ["/therapies", "/studies", "/download", "/comparisons", "/evidence-map"]
    seen: set[str] = set()
    alternates = 0
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        if "_format=" in path:
            # the same route for every resource: its raw formats are checked on 30 pages
            alternates += 1
            if alternates > 30 * len(RDF_FORMATS):
                continue
        seen.add(path)
        response = client.get(path, headers={"Accept": BROWSER})
        assert response.status_code == 200, path
        if response.mimetype != "text/html" or not path.startswith(PAGES):
            continue
        parser = _Links()
        parser.feed(response.get_data(as_text=True))
        for link in parser.links:
            target = urljoin("http://localhost" + path, link)
            parts = urlsplit(target)
            if parts.netloc != "localhost":
                continue
            todo.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    assert any(p.startswith("/resource/study-") for p in seen)
    assert len(seen) > 100


def test_every_minted_iri_resolves(client: FlaskClient, dataset: Dataset) -> None:
    minted = {
        str(s)
        for s in dataset.subjects(unique=True)
        if isinstance(s, URIRef) and str(s).startswith((HKR, HKG))
    }
    assert len(minted) > 100
    for iri in sorted(minted):
        path = "/" + iri.removeprefix(BASE_IRI)
        response = client.get(path, headers={"Accept": "application/n-triples"})
        assert response.status_code == 200, iri


def test_downloads_round_trip_with_checksums(client: FlaskClient, service: Service) -> None:
    """Each dump parsed back holds exactly the served quads (the graph has no blank nodes)."""
    assert service.dump_path is not None
    served = set(ox.parse(path=str(service.dump_path), format=ox.RdfFormat.N_QUADS))
    assert not any(isinstance(q.subject, ox.BlankNode) for q in served)
    named = {q.graph_name for q in served}
    assert len(named) == len(GRAPHS)
    page = client.get("/download").get_data(as_text=True)
    for name in ("hairkg.ttl", "hairkg.nt", "hairkg.trig", "hairkg.nq", "hairkg.jsonld"):
        response = client.get(f"/download/{name}")
        assert response.status_code == 200
        body = response.data
        assert hashlib.sha256(body).hexdigest() in page, name
        fmt = next(f for f in RDF_FORMATS if name.endswith(f.extensions[0]))
        parsed = list(ox.parse(body, format=fmt.oxigraph))
        if fmt.has_graphs:
            assert set(parsed) == served, name
            assert len(parsed) == len(served)
        else:
            assert {q.triple for q in parsed} == {q.triple for q in served}, name
        again = client.get(f"/download/{name}", headers={"If-None-Match": response.headers["ETag"]})
        assert again.status_code == 304
    sssom = client.get("/download/hairkg.sssom.tsv")
    assert hashlib.sha256(sssom.data).hexdigest() in page
    assert client.get("/download/nothing.ttl").status_code == 404
    assert client.get("/dump").status_code == 301


def test_void_lists_the_dumps_with_checksums(client: FlaskClient) -> None:
    void = Graph().parse(
        data=client.get("/.well-known/void", headers={"Accept": "text/turtle"}).data,
        format="turtle",
    )
    dumps = set(void.objects(None, URIRef("http://rdfs.org/ns/void#dataDump")))
    assert len(dumps) == 8  # five RDF dumps, the SSSOM file, the KGX nodes and edges
    for url in dumps:
        path = urlsplit(str(url)).path
        body = client.get(path).data
        values = {
            str(v) for v in void.objects(None, URIRef("http://spdx.org/rdf/terms#checksumValue"))
        }
        assert hashlib.sha256(body).hexdigest() in values


@pytest.mark.parametrize("path", ["/.well-known/void", "/sparql"])
def test_descriptions_render_as_html_for_browsers(client: FlaskClient, path: str) -> None:
    response = client.get(path, headers={"Accept": BROWSER})
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert client.get(path, headers={"Accept": "*/*"}).mimetype == "text/turtle"


def test_evidence_pages_have_the_notice_and_numbers_from_the_graph(client: FlaskClient) -> None:
    html = client.get("/therapies").get_data(as_text=True)
    assert "No medical advice" in html
    assert re.search(r'<a href="/resource/therapy-regenera-activa">Regenera Activa</a>', html)
    studies = client.get("/studies").get_data(as_text=True)
    assert "Tak et al. 2020" in studies and ">38<" in studies


def test_study_page_shows_design_arms_and_findings(client: FlaskClient, dataset: Dataset) -> None:
    html = client.get("/studies/study-tak-2020").get_data(as_text=True)
    assert "No medical advice" in html
    study = URIRef(HKR + "study-tak-2020")
    enrolled = next(dataset.objects(study, URIRef(HKG + "enrolledCount")))
    assert f"<td>{enrolled}</td>" in html
    for finding in dataset.objects(study, URIRef(HKG + "hasFinding")):
        label = next(dataset.objects(finding, RDFS.label))
        assert str(label) in html
    for arm in dataset.objects(study, URIRef(HKG + "hasArm")):
        assert str(next(dataset.objects(arm, RDFS.label))) in html
    assert client.get("/studies/study-nothing").status_code == 404
    assert client.get("/studies/therapy-regenera-activa").status_code == 404


def test_findings_show_numbers_with_units(client: FlaskClient, dataset: Dataset) -> None:
    change = URIRef(HKG + "absoluteChange")
    with_change = [
        (study, finding)
        for study, _, finding in dataset.triples((None, URIRef(HKG + "hasFinding"), None))
        if (finding, change, None) in dataset
    ]
    if not with_change:
        pytest.skip("no finding in the graph has an absolute change")
    study, finding = with_change[0]
    quantity = next(dataset.objects(finding, change))
    unit = next(dataset.objects(quantity, URIRef(PREFIXES["qudt"] + "hasUnit")))
    unit_label = str(next(dataset.objects(unit, RDFS.label)))
    html = client.get("/studies/" + str(study).rsplit("/", 1)[-1]).get_data(as_text=True)
    assert unit_label in html


def test_comparisons_put_the_claim_beside_the_paper(client: FlaskClient, dataset: Dataset) -> None:
    html = client.get("/comparisons").get_data(as_text=True)
    compared = set(dataset.subjects(URIRef(HKG + "comparedWith"), None))
    assert compared
    for claim in compared:
        assert f'href="/resource/{str(claim).rsplit("/", 1)[-1]}"' in html
    says = URIRef(HKG + "primarySourceSays")
    for claim in compared:
        for paper_claim in dataset.objects(claim, says):
            statement = next(dataset.objects(paper_claim, URIRef(HKG + "statement")))
            assert escape(str(statement)) in html


def test_evidence_map_is_svg_beside_a_table(client: FlaskClient) -> None:
    html = client.get("/evidence-map").get_data(as_text=True)
    assert "<svg" in html
    assert "<script" not in html
    assert 'id="evidence-map-table"' in html
    assert "Regenera Activa" in html


def test_landing_page_embeds_a_schema_org_dataset(client: FlaskClient) -> None:
    import json

    html = client.get("/").get_data(as_text=True)
    start = html.index('<script type="application/ld+json" id="dataset-description">')
    body = html[html.index(">", start) + 1 : html.index("</script>", start)]
    data = json.loads(body)
    assert data["@type"] == "Dataset"
    assert data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert data["citation"].startswith("hairkg contributors (2026)")
    page = client.get("/download").get_data(as_text=True)
    urls = {urlsplit(d["contentUrl"]).path for d in data["distribution"]}
    assert "/download/hairkg.trig" in urls and "/download/hairkg.sssom.tsv" in urls
    for distribution in data["distribution"]:
        assert distribution["sha256"] in page
    # the same files are in VoID/DCAT
    void = client.get("/.well-known/void", headers={"Accept": "text/turtle"}).get_data(as_text=True)
    for distribution in data["distribution"]:
        assert distribution["sha256"] in void


def test_editor_opens_a_linked_query(client: FlaskClient) -> None:
    import json

    html = client.get("/?query=DESCRIBE%20%3Chttps://w3id.org/hairkg/resource/x%3E").get_data(
        as_text=True
    )
    start = html.index('id="hairkg-ui-data">')
    data = json.loads(html[start + len('id="hairkg-ui-data">') : html.index("</script>", start)])
    assert data["query"] == "DESCRIBE <https://w3id.org/hairkg/resource/x>"


def test_void_has_one_linkset_per_external_vocabulary(client: FlaskClient) -> None:
    void = Graph().parse(
        data=client.get("/.well-known/void", headers={"Accept": "text/turtle"}).data,
        format="turtle",
    )
    ns = "http://rdfs.org/ns/void#"
    top = [
        ls
        for ls in void.subjects(URIRef(PREFIXES["rdf"] + "type"), URIRef(ns + "Linkset"))
        if (None, URIRef(ns + "subset"), ls) in void
        and not list(void.objects(ls, URIRef(ns + "linkPredicate")))
    ]
    names = {str(ls).rsplit("/", 1)[-1] for ls in top}
    assert {"MONDO", "UBERON", "CL"} <= names
    assert "hkr" not in names and "hkg" not in names
    # the counts add up to the links to external terms in the SSSOM file
    sssom = client.get("/download/hairkg.sssom.tsv").get_data(as_text=True)
    rows = [line.split("\t") for line in sssom.splitlines() if line and not line.startswith("#")]
    external = [r for r in rows[1:] if r[3].split(":", 1)[0] in names]
    total = sum(int(next(void.objects(ls, URIRef(ns + "triples")))) for ls in top)
    assert total == len(external)
    sd = client.get("/sparql", headers={"Accept": "text/turtle"}).get_data(as_text=True)
    assert "/.well-known/void" in sd


def test_a_description_is_queried_once_and_each_rendering_made_once(
    client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hairkg.web.describe as describe_module
    import hairkg.web.resources as resources_module

    described: list[str] = []
    rendered: list[str] = []
    real_describe, real_serialize = (
        describe_module._describe,
        resources_module.serialize_description,
    )

    def counting_describe(iri: str, page: int, size: int) -> describe_module.Description:
        described.append(iri)
        return real_describe(iri, page, size)

    def counting_serialize(description: describe_module.Description, fmt: Any) -> bytes:
        rendered.append(fmt.name)
        return real_serialize(description, fmt)

    monkeypatch.setattr(describe_module, "_describe", counting_describe)
    monkeypatch.setattr(resources_module, "serialize_description", counting_serialize)
    path = "/resource/limitation-adsc-extract-long-term-cost"
    answers = [
        client.get(path, headers={"Accept": accept})
        for accept in ("text/turtle", "text/turtle", "application/n-triples", "text/turtle")
    ]
    assert [a.status_code for a in answers] == [200] * 4
    assert answers[0].data == answers[1].data == answers[3].data
    assert len(described) <= 1  # the description is kept: a second request asks no worker
    assert rendered.count("turtle") <= 1 and rendered.count("ntriples") <= 1
