"""Content negotiation as pure functions (RFC 9110 Accept with quality values)."""

from __future__ import annotations

import pytest

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
