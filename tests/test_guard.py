"""The cheap pre-checks that keep dangerous queries away from the engine."""

from __future__ import annotations

import pytest

from hairkg.settings import Settings
from hairkg.sparql.guard import QueryRejectedError, check_query, describe_shape

LIMITS = Settings().query_limits


@pytest.mark.parametrize(
    ("query", "reason"),
    [
        ("SELECT * WHERE " + "{ " * 5000 + "}" * 5000, "levels deep"),
        ("SELECT * { FILTER(" + "(" * 200 + "1" + ")" * 200 + ") }", "levels deep"),
        ("SELECT * { ?s <http://p> " + "(" * 100 + ")" * 100 + " }", "levels deep"),
        ("SELECT * { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * { service <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * { \\u0053ERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * { SERVICE SILENT <http://10.0.0.1/> { ?s ?p ?o } }", "SERVICE"),
        ("INSERT DATA { <http://a> <http://b> <http://c> }", "read-only"),
        ("PREFIX ex: <http://e/> DELETE WHERE { ?s ?p ?o }", "read-only"),
        ("LOAD <http://127.0.0.1:9/data.ttl>", "read-only"),
        ("CLEAR ALL", "read-only"),
        ("", "empty"),
        ("   \n ", "empty"),
        ("SELECT * { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o } " * 400 + "}", "chains"),
        ("SELECT * { ?s " + "/".join(["<http://p>"] * 1200) + " ?o }", "chains"),
        # 40 KB of arithmetic: passed the old guard and killed the worker with SIGSEGV
        ("SELECT (" + "+".join(["1"] * 20000) + " AS ?x) {}", "arithmetic"),
        ("SELECT * { FILTER(" + " || ".join(["true"] * 5000) + ") }", "boolean"),
        (
            "SELECT * { " + " . ".join(f"?s{i} <http://p> ?o{i}" for i in range(800)) + " }",
            "too long",
        ),
    ],
)
def test_dangerous_queries_are_refused(query: str, reason: str) -> None:
    with pytest.raises(QueryRejectedError, match=reason):
        check_query(query, LIMITS)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT * { ?s ?p ?o }",
        'SELECT * { ?s <http://example.org/service> "SERVICE" . # SERVICE in a comment\n }',
        "SELECT ?service { ?service a ?class }",
        "PREFIX ex: <http://example.org/> SELECT * { ?s ex:service ?o }",
        "SELECT * { ?s ?p ?o FILTER(?o < 3 && ?o > 1) }",
        "SELECT * { VALUES ?x { " + " ".join(f'"{i}"' for i in range(20000)) + " } }",
        'SELECT * { ?s ?p "literal with { unbalanced ( brackets" }',
        "ASK { ?s ?p ?o }",
        # what a biomedical user sends to look up a list of identifiers
        "SELECT * { VALUES ?id { "
        + " ".join(f"<http://purl.obolibrary.org/obo/MONDO_{i:07d}>" for i in range(10000))
        + " } ?id ?p ?o }",
        "PREFIX obo: <http://purl.obolibrary.org/obo/> SELECT * { ?id ?p ?o FILTER(?id IN ("
        + ", ".join(f"obo:MONDO_{i:07d}" for i in range(10000))
        + ")) }",
        "SELECT * { VALUES (?a ?b) { " + " ".join(f"({i} {i})" for i in range(10000)) + " } }",
    ],
)
def test_ordinary_queries_pass(query: str) -> None:
    check_query(query, LIMITS)


def test_query_form_and_dataset_clauses_are_reported() -> None:
    info = check_query("PREFIX ex: <http://e/> CONSTRUCT WHERE { ?s ?p ?o }", LIMITS)
    assert info.form == "CONSTRUCT" and not info.uses_from
    info = check_query("SELECT * FROM <http://g> WHERE { ?s ?p ?o }", LIMITS)
    assert info.form == "SELECT" and info.uses_from


def test_shape_description_names_what_is_big() -> None:
    shape = describe_shape("SELECT (" + "+".join(["1"] * 50) + " AS ?x) {}")
    assert "SELECT" in shape and "49 expression operators" in shape
