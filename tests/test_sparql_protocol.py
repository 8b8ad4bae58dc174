"""The /sparql endpoint through Flask's test client: protocol, negotiation, errors, headers."""

from __future__ import annotations

import csv
import gzip
import io
import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient
from rdflib import Graph

from hairkg.settings import Settings
from hairkg.web import create_app

HKG = "https://w3id.org/hairkg/ontology/"
COUNT_STUDIES = f"SELECT (COUNT(?s) AS ?n) WHERE {{ ?s a <{HKG}Study> }}"
FORM = "application/x-www-form-urlencoded"
SRJ = "application/sparql-results+json"


def bindings(response_json: dict[str, object]) -> list[dict[str, dict[str, str]]]:
    return response_json["results"]["bindings"]  # type: ignore[index,return-value]


def test_get_query_returns_json_results(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": COUNT_STUDIES})
    assert response.status_code == 200
    assert response.mimetype == SRJ
    assert bindings(response.get_json())[0]["n"]["value"] == "8"


@pytest.mark.parametrize("content_type", [FORM, f"{FORM}; charset=UTF-8", f"{FORM};charset=utf-8"])
def test_post_form(client: FlaskClient, content_type: str) -> None:
    response = client.post(
        "/sparql", data=f"query={quote(COUNT_STUDIES)}", content_type=content_type
    )
    assert response.status_code == 200, response.text
    assert bindings(response.get_json())[0]["n"]["value"] == "8"


def test_post_direct_query(client: FlaskClient) -> None:
    response = client.post(
        "/sparql", data=COUNT_STUDIES.encode(), content_type="application/sparql-query"
    )
    assert response.status_code == 200
    assert bindings(response.get_json())[0]["n"]["value"] == "8"


@pytest.mark.parametrize("content_type", ["text/plain", "application/json", "multipart/form-data"])
def test_post_with_wrong_content_type_is_415(client: FlaskClient, content_type: str) -> None:
    response = client.post("/sparql", data=COUNT_STUDIES, content_type=content_type)
    assert response.status_code == 415
    assert "application/sparql-query" in response.text


def test_form_in_another_charset_is_refused(client: FlaskClient) -> None:
    response = client.post("/sparql", data="query=ASK{}", content_type=f"{FORM}; charset=latin1")
    assert response.status_code == 415


def test_invalid_utf8_in_query_string_is_400(client: FlaskClient) -> None:
    response = client.get("/sparql?query=SELECT%20%22caf%E9%22%20%7B%7D")
    assert response.status_code == 400
    assert "UTF-8" in response.text


def test_invalid_utf8_in_direct_body_is_400(client: FlaskClient) -> None:
    response = client.post(
        "/sparql",
        data=b'SELECT * { BIND("caf\xe9" AS ?x) }',
        content_type="application/sparql-query",
    )
    assert response.status_code == 400


def test_non_bmp_and_escapes_pass_through_get(client: FlaskClient) -> None:
    query = 'SELECT ?x { BIND("😀 \\"quoted\\"\\nline" AS ?x) }'
    response = client.get("/sparql", query_string={"query": query})
    assert bindings(response.get_json())[0]["x"]["value"] == '😀 "quoted"\nline'


@pytest.mark.parametrize(
    ("query", "fragment"),
    [
        ("SELECT * WHERE { ?s ?p }", "syntax error"),
        ("", "empty"),
        ("INSERT DATA { <http://a> <http://b> <http://c> }", "read-only"),
        ("SELECT * { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * " + "{" * 3000 + "}" * 3000, "levels deep"),
    ],
)
def test_bad_queries_get_400_with_a_message(client: FlaskClient, query: str, fragment: str) -> None:
    response = client.get("/sparql", query_string={"query": query})
    assert response.status_code == 400
    assert response.mimetype == "text/plain"
    assert fragment in response.text
    assert "Traceback" not in response.text


def test_syntax_error_names_line_and_column(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT *\nWHERE { ?s ?p }"})
    assert response.status_code == 400
    assert "2:" in response.text or "line 2" in response.text


def test_two_query_parameters_are_400(client: FlaskClient) -> None:
    response = client.get("/sparql?query=ASK%7B%7D&query=ASK%7B%7D")
    assert response.status_code == 400
    assert "more than one" in response.text


def test_update_parameter_is_400_and_changes_nothing(client: FlaskClient) -> None:
    update = f"INSERT DATA {{ <http://example.org/x> a <{HKG}Study> }}"
    response = client.post("/sparql", data={"update": update})
    assert response.status_code == 400
    response = client.post("/sparql", data=update, content_type="application/sparql-update")
    assert response.status_code == 400
    after = client.get("/sparql", query_string={"query": COUNT_STUDIES}).get_json()
    assert bindings(after)[0]["n"]["value"] == "8"


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
def test_write_methods_are_405_with_allow(client: FlaskClient, method: str) -> None:
    response = client.open("/sparql", method=method)
    assert response.status_code == 405
    assert set(response.headers["Allow"].replace(" ", "").split(",")) >= {"GET", "POST"}
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_head_answers_like_get_without_body(client: FlaskClient) -> None:
    get = client.get("/sparql", query_string={"query": COUNT_STUDIES})
    head = client.head("/sparql", query_string={"query": COUNT_STUDIES})
    assert head.status_code == 200 and head.data == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers["ETag"] == get.headers["ETag"]


def test_cors_preflight_and_headers(client: FlaskClient) -> None:
    response = client.options(
        "/sparql",
        headers={
            "Origin": "https://example.org",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    error = client.get("/sparql", query_string={"query": "SELECT"})
    assert error.headers["Access-Control-Allow-Origin"] == "*"
    assert error.headers["X-Content-Type-Options"] == "nosniff"


def test_etag_allows_revalidation(client: FlaskClient) -> None:
    first = client.get("/sparql", query_string={"query": COUNT_STUDIES})
    etag = first.headers["ETag"]
    assert "max-age" in first.headers["Cache-Control"]
    again = client.get(
        "/sparql", query_string={"query": COUNT_STUDIES}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304 and again.data == b""
    other = client.get(
        "/sparql",
        query_string={"query": COUNT_STUDIES},
        headers={"If-None-Match": etag, "Accept": "text/csv"},
    )
    assert other.status_code == 200


def test_not_modified_carries_the_headers_of_the_full_answer(client: FlaskClient) -> None:
    first = client.get("/sparql", query_string={"query": COUNT_STUDIES})
    weak = "W/" + first.headers["ETag"]  # If-None-Match compares weakly (RFC 9110 13.1.2)
    again = client.get(
        "/sparql", query_string={"query": COUNT_STUDIES}, headers={"If-None-Match": weak}
    )
    assert again.status_code == 304
    for name in ("ETag", "Cache-Control", "Vary"):
        assert again.headers[name] == first.headers[name], name
    head = client.head(
        "/sparql", query_string={"query": COUNT_STUDIES}, headers={"If-None-Match": "*"}
    )
    assert head.status_code == 304


def test_if_none_match_on_post_is_a_failed_precondition(client: FlaskClient) -> None:
    first = client.post("/sparql", data={"query": COUNT_STUDIES})
    assert first.status_code == 200
    again = client.post(
        "/sparql", data={"query": COUNT_STUDIES}, headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status_code == 412  # only GET and HEAD answer 304 (RFC 9110 13.1.2)


def test_gzip_and_identity_have_different_validators(client: FlaskClient) -> None:
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 500"
    plain = client.get("/sparql", query_string={"query": query})
    zipped = client.get(
        "/sparql", query_string={"query": query}, headers={"Accept-Encoding": "gzip"}
    )
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert plain.headers["ETag"] != zipped.headers["ETag"]
    # the identity validator does not validate the gzip representation, nor the reverse
    crossed = client.get(
        "/sparql",
        query_string={"query": query},
        headers={"Accept-Encoding": "gzip", "If-None-Match": plain.headers["ETag"]},
    )
    assert crossed.status_code == 200
    same = client.get(
        "/sparql",
        query_string={"query": query},
        headers={"Accept-Encoding": "gzip", "If-None-Match": zipped.headers["ETag"]},
    )
    assert same.status_code == 304


def test_preflight_has_no_content_type(client: FlaskClient) -> None:
    response = client.options("/sparql")
    assert response.status_code == 204
    assert "Content-Type" not in response.headers


def test_large_results_are_gzipped_when_accepted(client: FlaskClient) -> None:
    query = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 500"
    plain = client.get("/sparql", query_string={"query": query})
    zipped = client.get(
        "/sparql", query_string={"query": query}, headers={"Accept-Encoding": "gzip"}
    )
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.data) == plain.data
    assert "Accept-Encoding" in zipped.headers["Vary"]


def test_row_cap_is_reported(client: FlaskClient) -> None:
    app = create_app(Settings(row_limit=5), client.application.extensions["hairkg"], testing=True)
    response = app.test_client().get("/sparql", query_string={"query": "SELECT * { ?s ?p ?o }"})
    assert len(bindings(response.get_json())) == 5
    assert response.headers["Hairkg-Result-Truncated"].startswith("true")


# --- content negotiation, parsed back --------------------------------------------------

TRICKY = [
    ('"plain"', "plain", None, None),
    ('"chat"@fr', "chat", "fr", None),
    ('"Grüße"@de-AT', "Grüße", "de-at", None),
    ('"😀 non-BMP 𝄞"', "😀 non-BMP 𝄞", None, None),
    (
        '"say \\"hi\\", then\\nnew line\\ttab\\\\ back"',
        'say "hi", then\nnew line\ttab\\ back',
        None,
        None,
    ),
    (
        '"2021-03-29"^^<http://www.w3.org/2001/XMLSchema#date>',
        "2021-03-29",
        None,
        "http://www.w3.org/2001/XMLSchema#date",
    ),
    ('"x"^^<http://example.org/dt>', "x", None, "http://example.org/dt"),
    ('"<b>&amp;</b>"', "<b>&amp;</b>", None, None),
    ('"a,b;c"', "a,b;c", None, None),
]
TRICKY_QUERY = (
    "SELECT ?i ?x WHERE { VALUES (?i ?x) { "
    + " ".join(f'("{i}" {lit})' for i, (lit, *_) in enumerate(TRICKY))
    + " } }"
)


def _expected_pairs() -> dict[str, tuple[str, str | None, str | None]]:
    return {str(i): (value, lang, dt) for i, (_, value, lang, dt) in enumerate(TRICKY)}


@pytest.mark.parametrize("fmt", ["json", "xml", "tsv"])
def test_literals_round_trip_in_solution_formats(client: FlaskClient, fmt: str) -> None:
    response = client.get("/sparql", query_string={"query": TRICKY_QUERY, "format": fmt})
    assert response.status_code == 200
    media = {
        "json": ox.QueryResultsFormat.JSON,
        "xml": ox.QueryResultsFormat.XML,
        "tsv": ox.QueryResultsFormat.TSV,
    }[fmt]
    parsed = ox.parse_query_results(response.data, format=media)
    got = {solution["i"].value: _literal_key(solution["x"]) for solution in parsed}  # type: ignore[union-attr]
    assert got == _expected_pairs()


def _literal_key(literal: ox.Literal) -> tuple[str, str | None, str | None]:
    """A literal as (lexical form, language, datatype), plain strings without a datatype."""
    plain = literal.datatype.value.endswith(("#string", "#langString"))
    return (literal.value, literal.language, None if plain else literal.datatype.value)


def test_literals_round_trip_in_csv(client: FlaskClient) -> None:
    response = client.get(
        "/sparql", query_string={"query": TRICKY_QUERY}, headers={"Accept": "text/csv"}
    )
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8"), newline="")))
    assert rows[0] == ["i", "x"]
    assert {row[0]: row[1] for row in rows[1:]} == {k: v[0] for k, v in _expected_pairs().items()}


def test_ask_in_every_solution_format(client: FlaskClient) -> None:
    query = f"ASK {{ ?s a <{HKG}Study> }}"
    assert client.get("/sparql", query_string={"query": query}).get_json()["boolean"] is True
    xml = client.get(
        "/sparql",
        query_string={"query": query},
        headers={"Accept": "application/sparql-results+xml"},
    )
    ns = "{http://www.w3.org/2005/sparql-results#}"
    assert ET.fromstring(xml.data).find(f"{ns}boolean").text == "true"  # type: ignore[union-attr]
    for accept in ("text/csv", "text/tab-separated-values"):
        body = client.get(
            "/sparql", query_string={"query": query}, headers={"Accept": accept}
        ).data.decode()
        assert body.split()[-1] == "true"


GRAPH_FORMATS = {
    "text/turtle": ("turtle", ox.RdfFormat.TURTLE),
    "application/n-triples": ("nt", ox.RdfFormat.N_TRIPLES),
    "application/ld+json": ("json-ld", ox.RdfFormat.JSON_LD),
    "application/rdf+xml": ("xml", ox.RdfFormat.RDF_XML),
    "application/trig": ("trig", ox.RdfFormat.TRIG),
    "application/n-quads": ("nquads", ox.RdfFormat.N_QUADS),
}
CONSTRUCT_TRICKY = (
    "CONSTRUCT { ?s <http://example.org/p> ?x } WHERE { VALUES (?i ?x) { "
    + " ".join(f'("{i}" {lit})' for i, (lit, *_) in enumerate(TRICKY))
    + ' } BIND(IRI(CONCAT("http://example.org/s", ?i)) AS ?s) }'
)


@pytest.mark.parametrize("media_type", list(GRAPH_FORMATS))
def test_construct_round_trips_in_every_graph_format(client: FlaskClient, media_type: str) -> None:
    response = client.get(
        "/sparql", query_string={"query": CONSTRUCT_TRICKY}, headers={"Accept": media_type}
    )
    assert response.status_code == 200
    assert response.mimetype == media_type
    assert "Accept" in response.headers["Vary"]
    quads = list(ox.parse(response.data, format=GRAPH_FORMATS[media_type][1]))
    got = {quad.subject.value.rsplit("s", 1)[-1]: _literal_key(quad.object) for quad in quads}
    assert got == _expected_pairs()
    rdflib_graph = Graph().parse(data=response.data, format=GRAPH_FORMATS[media_type][0])
    assert len(rdflib_graph) == len(TRICKY)


def test_describe_returns_a_graph(client: FlaskClient) -> None:
    response = client.get(
        "/sparql",
        query_string={"query": "DESCRIBE <https://w3id.org/hairkg/resource/study-tak-2020>"},
        headers={"Accept": "text/turtle"},
    )
    graph = Graph().parse(data=response.data, format="turtle")
    assert len(graph) > 10


@pytest.mark.parametrize(
    ("query", "accept"),
    [
        (COUNT_STUDIES, "text/turtle"),
        ("CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", "text/csv"),
        (COUNT_STUDIES, "image/png"),
    ],
)
def test_unacceptable_formats_get_406(client: FlaskClient, query: str, accept: str) -> None:
    response = client.get("/sparql", query_string={"query": query}, headers={"Accept": accept})
    assert response.status_code == 406
    assert "Accept" in response.headers["Vary"]


# --- dataset ----------------------------------------------------------------------------

GRAPH = "https://w3id.org/hairkg/graph/"
COUNT_ALL = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def count(client: FlaskClient, query: str, **params: object) -> int:
    response = client.get("/sparql", query_string={"query": query, **params})
    assert response.status_code == 200, response.text
    return int(bindings(response.get_json())[0]["n"]["value"])


def test_named_graphs_are_queryable(client: FlaskClient) -> None:
    response = client.get(
        "/sparql",
        query_string={"query": "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"},
    )
    names = {b["g"]["value"] for b in bindings(response.get_json())}
    assert names == {GRAPH + n for n in ("ontology", "imports", "data", "mappings", "inferred")}


def test_default_graph_is_the_union(client: FlaskClient) -> None:
    union = count(client, COUNT_ALL)
    parts = count(
        client,
        "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o "
        "WHERE { GRAPH ?g { ?s ?p ?o } } }",
    )
    assert union == parts


def test_default_graph_uri_restricts_the_dataset(client: FlaskClient) -> None:
    mappings_only = count(client, COUNT_ALL, **{"default-graph-uri": GRAPH + "mappings"})
    union = count(client, COUNT_ALL)
    assert 0 < mappings_only < union
    assert count(client, COUNT_ALL, **{"default-graph-uri": "http://example.org/unknown"}) == 0


def test_named_graph_uri_restricts_graph_patterns(client: FlaskClient) -> None:
    query = "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"
    assert count(client, query, **{"named-graph-uri": GRAPH + "data"}) == 1


def test_protocol_dataset_wins_over_from(client: FlaskClient) -> None:
    query = f"SELECT (COUNT(*) AS ?n) FROM <{GRAPH}ontology> WHERE {{ ?s ?p ?o }}"
    from_only = count(client, query)
    overridden = count(client, query, **{"default-graph-uri": GRAPH + "mappings"})
    assert from_only == count(client, COUNT_ALL, **{"default-graph-uri": GRAPH + "ontology"})
    assert overridden == count(client, COUNT_ALL, **{"default-graph-uri": GRAPH + "mappings"})
    assert from_only != overridden


def test_from_an_unknown_remote_graph_is_empty(client: FlaskClient) -> None:
    query = "SELECT (COUNT(*) AS ?n) FROM <http://127.0.0.1:9/secret> WHERE { ?s ?p ?o }"
    assert count(client, query) == 0


def test_relative_iris_resolve_against_the_endpoint(client: FlaskClient) -> None:
    response = client.get("/sparql", query_string={"query": "SELECT ?x { BIND(<foo> AS ?x) }"})
    assert bindings(response.get_json())[0]["x"]["value"] == "http://localhost/foo"


# --- descriptions, health ----------------------------------------------------------------


def test_service_description(client: FlaskClient) -> None:
    response = client.get("/sparql", base_url="http://hairkg.example:8080")
    assert response.mimetype == "text/turtle"
    graph = Graph().parse(data=response.data, format="turtle")
    endpoints = [
        str(o)
        for o in graph.objects(
            None, ox_iri("http://www.w3.org/ns/sparql-service-description#endpoint")
        )
    ]
    assert endpoints == ["http://hairkg.example:8080/sparql"]
    names = {
        str(o)
        for o in graph.objects(None, ox_iri("http://www.w3.org/ns/sparql-service-description#name"))
    }
    assert GRAPH + "inferred" in names
    jsonld = client.get("/sparql", headers={"Accept": "application/ld+json"})
    assert jsonld.mimetype == "application/ld+json"
    assert json.loads(jsonld.data)


def ox_iri(value: str) -> object:
    from rdflib import URIRef

    return URIRef(value)


def test_void_description(client: FlaskClient) -> None:
    response = client.get("/.well-known/void")
    assert response.status_code == 200
    graph = Graph().parse(data=response.data, format="turtle")
    assert len(graph) > 20
    assert b"void:sparqlEndpoint <http://localhost/sparql>" in response.data


def test_health(client: FlaskClient) -> None:
    response = client.get("/health")
    assert response.status_code == 200 and response.get_json()["status"] == "ok"


def test_unknown_path_is_a_plain_404(client: FlaskClient) -> None:
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# --- the rdflib memory store behind the same endpoint -----------------------------------------


@pytest.fixture(scope="module")
def memory_client() -> Iterator[FlaskClient]:
    from hairkg.service import prepare_service
    from hairkg.web import create_app

    service = prepare_service(
        Settings(store="memory", validate=False, workers=1, query_timeout=20.0)
    )
    yield create_app(Settings(), service, testing=True).test_client()
    service.close()


def test_memory_store_answers_the_same(memory_client: FlaskClient, client: FlaskClient) -> None:
    query = f"SELECT ?s WHERE {{ ?s a <{HKG}Study> }} ORDER BY ?s"
    assert (
        memory_client.get("/sparql", query_string={"query": query}).get_json()
        == client.get("/sparql", query_string={"query": query}).get_json()
    )


def test_memory_store_restricts_the_dataset_and_never_fetches(memory_client: FlaskClient) -> None:
    from hairkg.graph.mappings import read_sssom
    from hairkg.paths import bundled_dir

    rows = len(read_sssom(bundled_dir("data") / "mappings" / "hairkg.sssom.tsv").mappings)
    assert count(memory_client, COUNT_ALL, **{"default-graph-uri": GRAPH + "mappings"}) == rows
    query = "SELECT (COUNT(*) AS ?n) FROM <http://127.0.0.1:9/secret> WHERE { ?s ?p ?o }"
    assert count(memory_client, query) == 0
    bad = memory_client.get("/sparql", query_string={"query": "SELECT * WHERE { ?s ?p }"})
    assert bad.status_code == 400 and "syntax error" in bad.text


@pytest.mark.parametrize("name", ["yaml", "text/html", "jsonx"])
def test_unknown_format_parameter_is_refused_with_the_list(client: FlaskClient, name: str) -> None:
    response = client.get("/sparql", query_string={"query": COUNT_STUDIES, "format": name})
    assert response.status_code == 400
    text = response.get_data(as_text=True)
    assert "unknown format" in text and "turtle" in text and "tsv" in text


def test_format_of_the_other_kind_falls_back_to_accept(client: FlaskClient) -> None:
    # clients send format=csv for every query form; a CONSTRUCT then follows Accept
    response = client.get(
        "/sparql",
        query_string={"query": "CONSTRUCT WHERE { ?s a ?t } LIMIT 1", "format": "csv"},
        headers={"Accept": "application/n-triples"},
    )
    assert response.status_code == 200 and response.mimetype == "application/n-triples"
