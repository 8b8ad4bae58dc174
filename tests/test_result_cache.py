"""The result cache: repeated queries are answered from memory, byte-for-byte the same."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from hairkg.service import Service
from hairkg.settings import Settings
from hairkg.sparql.cache import ResultCache
from hairkg.sparql.engines import QueryResponse
from hairkg.web import create_app

QUERY = "SELECT ?s WHERE { ?s a <https://w3id.org/hairkg/ontology/Study> } ORDER BY ?s"


def _ok(body: bytes) -> QueryResponse:
    return QueryResponse(200, "text/plain", body)


def test_repeated_query_is_a_hit_with_the_same_answer(client: FlaskClient) -> None:
    first = client.get("/sparql", query_string={"query": QUERY})
    second = client.get("/sparql", query_string={"query": QUERY})
    assert first.status_code == second.status_code == 200
    assert (first.headers["Hairkg-Cache"], second.headers["Hairkg-Cache"]) == ("miss", "hit")
    assert first.data == second.data
    assert first.headers["ETag"] == second.headers["ETag"]
    assert first.headers["Content-Type"] == second.headers["Content-Type"]


def test_each_format_is_cached_apart(client: FlaskClient) -> None:
    client.get("/sparql", query_string={"query": QUERY})
    xml = client.get(
        "/sparql",
        query_string={"query": QUERY},
        headers={"Accept": "application/sparql-results+xml"},
    )
    assert xml.headers["Hairkg-Cache"] == "miss"
    assert xml.mimetype == "application/sparql-results+xml"


def test_errors_are_never_cached(client: FlaskClient) -> None:
    # parses, but fails in the engine: the worker answers 400, which must not be remembered
    bad = "SELECT * WHERE { BIND(1 AS ?x) BIND(2 AS ?x) }"
    answers = [client.get("/sparql", query_string={"query": bad}) for _ in range(2)]
    assert [a.status_code for a in answers] == [400, 400]
    assert all(a.headers.get("Hairkg-Cache") == "miss" for a in answers)


def test_cache_can_be_turned_off(service: Service) -> None:
    app: Flask = create_app(Settings(result_cache_mb=0), service, testing=True)
    client = app.test_client()
    answers = [client.get("/sparql", query_string={"query": QUERY}) for _ in range(2)]
    assert all(a.status_code == 200 for a in answers)
    assert all("Hairkg-Cache" not in a.headers for a in answers)


def test_least_recently_used_answers_leave_first() -> None:
    cache = ResultCache(max_bytes=10, max_entry_bytes=10)
    assert cache.put("a", _ok(b"aaaa"))
    assert cache.put("b", _ok(b"bbbb"))
    assert cache.get("a") is not None  # "b" is now the least recently used
    assert cache.put("c", _ok(b"cccc"))
    assert cache.get("b") is None
    assert cache.get("a") is not None and cache.get("c") is not None
    assert cache.size == 8 and len(cache) == 2


def test_oversized_and_failed_answers_are_not_kept() -> None:
    cache = ResultCache(max_bytes=100, max_entry_bytes=5)
    assert not cache.put("big", _ok(b"123456"))
    assert not cache.put("error", QueryResponse.error(503, "busy"))
    assert cache.get("big") is None and cache.get("error") is None
    assert (cache.hits, cache.misses, cache.size) == (0, 2, 0)


def test_replacing_an_entry_keeps_the_size_right() -> None:
    cache = ResultCache(max_bytes=100)
    cache.put("k", _ok(b"12345"))
    cache.put("k", _ok(b"12"))
    assert cache.size == 2 and len(cache) == 1
