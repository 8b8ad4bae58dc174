"""Content negotiation as pure functions (RFC 9110 Accept with quality values)."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from hairkg.formats import ALL_FORMATS, RdfFormat, ResultFormat
from hairkg.web.negotiation import negotiate


@pytest.mark.parametrize(
    ("accept", "kind", "expected"),
    [
        (None, "solutions", "application/sparql-results+json"),
        ("*/*", "graph", "text/turtle"),
        ("application/sparql-results+xml", "solutions", "application/sparql-results+xml"),
        ("text/csv;q=0.5, text/tab-separated-values", "solutions", "text/tab-separated-values"),
        ("text/*;q=0.9, application/sparql-results+json;q=0.1", "solutions", "text/csv"),
        ("application/json", "solutions", "application/sparql-results+json"),
        ("application/n-triples, text/turtle;q=0.8", "graph", "application/n-triples"),
        ("application/ld+json", "graph", "application/ld+json"),
        ("application/rdf+xml;q=1.0, */*;q=0.1", "graph", "application/rdf+xml"),
        ("application/trig", "graph", "application/trig"),
        ("application/n-quads", "graph", "application/n-quads"),
        ("text/turtle;q=0, */*;q=0.5", "graph", "application/n-triples"),
    ],
)
def test_negotiate_picks_the_best_format(accept: str | None, kind: str, expected: str) -> None:
    chosen = negotiate(accept, kind)  # type: ignore[arg-type]
    assert chosen is not None and chosen.media_type == expected


@pytest.mark.parametrize(
    ("accept", "kind"),
    [
        ("image/png", "solutions"),
        ("text/turtle", "solutions"),
        ("text/csv", "graph"),
        ("application/sparql-results+json;q=0", "solutions"),
    ],
)
def test_negotiate_returns_none_when_nothing_fits(accept: str, kind: str) -> None:
    assert negotiate(accept, kind) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("param", "kind", "expected"),
    [
        ("json", "solutions", "application/sparql-results+json"),
        ("csv", "solutions", "text/csv"),
        ("tsv", "solutions", "text/tab-separated-values"),
        ("xml", "solutions", "application/sparql-results+xml"),
        ("turtle", "graph", "text/turtle"),
        ("json-ld", "graph", "application/ld+json"),
        ("text/turtle", "graph", "text/turtle"),
    ],
)
def test_format_parameter_overrides_accept(param: str, kind: str, expected: str) -> None:
    chosen = negotiate("image/png", kind, param)  # type: ignore[arg-type]
    assert chosen is not None and chosen.media_type == expected


@pytest.mark.parametrize("accept", ["text/csv;q=abc", "text/csv;q=2", "text/csv;q=-1"])
def test_malformed_quality_does_not_select(accept: str) -> None:
    # an out-of-range or unreadable q is not a preference for the range (RFC 9110 12.4.2)
    assert negotiate(accept, "solutions") is None


def test_java_default_accept_header_gets_the_preferred_format() -> None:
    # what Java's HttpURLConnection sends when a client sets nothing
    chosen = negotiate("text/html, image/gif, image/jpeg, *; q=.2, */*; q=.2", "graph")
    assert chosen is not None and chosen.media_type == "text/turtle"


def test_format_json_on_a_graph_result_means_json_ld() -> None:
    graph = negotiate("text/turtle", "graph", "json")
    assert graph is not None and graph.media_type == "application/ld+json"
    solutions = negotiate(None, "solutions", "json")
    assert solutions is not None and solutions.media_type == "application/sparql-results+json"


def _kind_query(fmt: ResultFormat | RdfFormat) -> str:
    if fmt.kind == "solutions":
        return "SELECT ?s WHERE { ?s a <https://w3id.org/hairkg/ontology/Study> } LIMIT 2"
    return "CONSTRUCT WHERE { ?s a <https://w3id.org/hairkg/ontology/Study> } LIMIT 2"


@pytest.mark.parametrize("fmt", ALL_FORMATS, ids=lambda f: f.name)
def test_every_format_of_the_table_is_served_and_described(
    client: FlaskClient, fmt: ResultFormat | RdfFormat
) -> None:
    """A record in the format table is all a format needs: negotiation, engine, description."""
    query = _kind_query(fmt)
    by_accept = client.get(
        "/sparql", query_string={"query": query}, headers={"Accept": fmt.media_type}
    )
    by_parameter = client.get("/sparql", query_string={"query": query, "format": fmt.name})
    for response in (by_accept, by_parameter):
        assert response.status_code == 200, response.data
        assert response.headers["Content-Type"] == fmt.content_type
        assert response.data
    description = client.get("/sparql", headers={"Accept": "application/n-triples"}).data
    assert f"<{fmt.sd_iri}>".encode() in description
