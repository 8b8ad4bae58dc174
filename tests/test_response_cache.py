"""The response cache: a repeated ``/sparql`` request is answered before Flask runs, with
exactly the answer Flask gave, and only where nothing about the request could change it."""

from __future__ import annotations

import io
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from hairkg.service import Service
from hairkg.settings import Settings
from hairkg.web import create_app
from hairkg.web.response_cache import MAX_KEYED_BODY, ResponseCache

QUERY = "SELECT ?s ?p ?o WHERE { ?s a <https://w3id.org/hairkg/ontology/Study> ; ?p ?o } ORDER BY ?s ?p ?o"
# the answer depends on the request's base IRI, so on its Host
RELATIVE = 'SELECT ?iri WHERE { BIND(IRI("here") AS ?iri) }'


@pytest.fixture()
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "access.log"


@pytest.fixture()
def cached_app(service: Service, log_path: Path) -> Flask:
    return create_app(Settings(access_log=str(log_path)), service, testing=True)


@pytest.fixture()
def cached_client(cached_app: Flask) -> FlaskClient:
    return cached_app.test_client()


def _front(app: Flask) -> ResponseCache:
    cache: ResponseCache = app.extensions["hairkg_response_cache"]
    return cache


def _same_answer(miss: TestResponse, hit: TestResponse) -> None:
    assert (miss.status_code, hit.status_code) == (200, 200)
    assert miss.data == hit.data
    assert (miss.headers["Hairkg-Cache"], hit.headers["Hairkg-Cache"]) == ("miss", "hit")
    without_marker = [
        [(k, v) for k, v in r.headers.items() if k != "Hairkg-Cache"] for r in (miss, hit)
    ]
    assert without_marker[0] == without_marker[1]


@pytest.mark.parametrize(
    "send",
    [
        lambda c: c.get("/sparql", query_string={"query": QUERY}),
        lambda c: c.post(
            "/sparql", data=QUERY, content_type="application/sparql-query; charset=utf-8"
        ),
        lambda c: c.post(
            "/sparql",
            data=urlencode({"query": QUERY}),
            content_type="application/x-www-form-urlencoded",
        ),
        lambda c: c.get(
            "/sparql", query_string={"query": QUERY}, headers={"Accept-Encoding": "gzip"}
        ),
    ],
    ids=["GET", "POST query", "POST form", "GET gzip"],
)
def test_a_repeated_request_gets_flasks_answer_without_flask(cached_app: Flask, send: Any) -> None:
    client = cached_app.test_client()
    miss = send(client)
    hits_before = _front(cached_app).entries.hits
    hit = send(client)
    _same_answer(miss, hit)
    assert _front(cached_app).entries.hits == hits_before + 1


def test_the_gzip_and_plain_answers_are_kept_apart(cached_client: FlaskClient) -> None:
    args = {"query_string": {"query": QUERY}}
    plain = [cached_client.get("/sparql", **args) for _ in range(2)]
    packed = [
        cached_client.get("/sparql", headers={"Accept-Encoding": "gzip"}, **args) for _ in range(2)
    ]
    assert [r.headers["Hairkg-Cache"] for r in plain + packed] == ["miss", "hit", "hit", "hit"]
    assert "Content-Encoding" not in plain[1].headers
    assert packed[1].headers["Content-Encoding"] == "gzip"
    assert packed[1].headers["ETag"] == plain[1].headers["ETag"][:-1] + '-gzip"'


def test_each_host_gets_its_own_base_iri(cached_client: FlaskClient) -> None:
    def ask(host: str) -> str:
        answer = cached_client.get(
            "/sparql",
            query_string={"query": RELATIVE},
            headers={"Host": host, "Accept": "application/sparql-results+json"},
        )
        assert answer.status_code == 200
        return str(json.loads(answer.data)["results"]["bindings"][0]["iri"]["value"])

    first = [ask("one.example"), ask("one.example")]
    second = [ask("two.example"), ask("two.example")]
    assert first == ["http://one.example/here"] * 2
    assert second == ["http://two.example/here"] * 2


def test_each_format_and_body_is_a_different_request(cached_client: FlaskClient) -> None:
    xml = "application/sparql-results+xml"
    json_answer = cached_client.get("/sparql", query_string={"query": QUERY})
    xml_answer = cached_client.get(
        "/sparql", query_string={"query": QUERY}, headers={"Accept": xml}
    )
    other = cached_client.post(
        "/sparql", data=QUERY + " LIMIT 1", content_type="application/sparql-query"
    )
    assert xml_answer.mimetype == xml and json_answer.mimetype != xml
    assert other.headers["Hairkg-Cache"] == "miss"
    assert other.data != json_answer.data


def test_conditional_requests_still_get_304_and_412(cached_client: FlaskClient) -> None:
    first = cached_client.get("/sparql", query_string={"query": QUERY})
    etag = first.headers["ETag"]
    again = cached_client.get(
        "/sparql", query_string={"query": QUERY}, headers={"If-None-Match": etag}
    )
    assert again.status_code == 304 and again.data == b""
    posted = cached_client.post(
        "/sparql",
        data=urlencode({"query": QUERY}),
        content_type="application/x-www-form-urlencoded",
        headers={"If-None-Match": "*"},
    )
    assert posted.status_code == 412


def test_errors_and_refusals_are_not_kept(cached_app: Flask) -> None:
    client = cached_app.test_client()
    for _ in range(2):
        assert client.get("/sparql?query=SELEKT").status_code == 400
        bad = client.get(
            "/sparql", query_string={"query": "SELECT * WHERE { BIND(1 AS ?x) BIND(2 AS ?x) }"}
        )
        assert bad.status_code == 400
        assert (
            client.get("/sparql", query_string={"query": QUERY, "format": "nope"}).status_code
            == 400
        )
    assert len(_front(cached_app).entries) == 0


def test_a_hit_is_logged_and_counted_like_a_miss(
    cached_client: FlaskClient, log_path: Path
) -> None:
    url = "/sparql?query=" + quote(QUERY)
    miss = cached_client.get(url, headers={"X-Forwarded-For": "203.0.113.9"})
    hit = cached_client.get(url, headers={"X-Forwarded-For": "203.0.113.9"})
    assert hit.headers["Hairkg-Cache"] == "hit"
    records = [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines()]
    assert [r["cache_hit"] for r in records] == [False, True]
    assert records[0]["query_hash"] == records[1]["query_hash"] == miss.headers["ETag"].strip('"')
    assert {r["route"] for r in records} == {"/sparql"}
    assert records[1]["bytes"] == len(hit.data) and records[1]["client"] == "127.0.0.1"
    metrics = cached_client.get("/metrics").get_data(as_text=True)
    assert 'hairkg_http_requests_total{method="GET",route="/sparql",status="200"} 2.0' in metrics
    assert "hairkg_result_cache_hits_total 1.0" in metrics


def test_a_trusted_proxy_header_names_the_client_of_a_hit(service: Service, log_path: Path) -> None:
    settings = Settings(access_log=str(log_path), client_address_header="X-Forwarded-For")
    client = create_app(settings, service, testing=True).test_client()
    for _ in range(2):
        client.get(
            "/sparql", query_string={"query": QUERY}, headers={"X-Forwarded-For": "a, 203.0.113.9"}
        )
    records = [json.loads(line) for line in log_path.read_text(encoding="utf-8").splitlines()]
    assert [(r["cache_hit"], r["client"]) for r in records] == [
        (False, "203.0.113.9"),
        (True, "203.0.113.9"),
    ]


def test_no_response_cache_without_the_result_cache(service: Service) -> None:
    app = create_app(Settings(result_cache_mb=0, access_log="off"), service, testing=True)
    assert "hairkg_response_cache" not in app.extensions
    answers = [app.test_client().get("/sparql", query_string={"query": QUERY}) for _ in range(2)]
    assert all(a.status_code == 200 and "Hairkg-Cache" not in a.headers for a in answers)


# --------------------------------------------------------- the middleware on its own


class CountingApp:
    """A WSGI app that answers like the result cache would, and counts its calls."""

    def __init__(self, status: str = "200 OK", marker: bool = True) -> None:
        self.calls = 0
        self.bodies: list[bytes] = []
        self.status = status
        self.marker = marker

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        self.calls += 1
        body = environ["wsgi.input"].read()
        self.bodies.append(body)
        answer = b"answer to " + body + environ.get("QUERY_STRING", "").encode()
        headers = [("Content-Type", "text/plain"), ("Content-Length", str(len(answer)))]
        if self.marker:
            headers.append(("Hairkg-Cache", "miss"))
        start_response(self.status, headers)
        return [answer]


def _environ(method: str = "POST", body: bytes = b"q", **extra: Any) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": method,
        "PATH_INFO": "/sparql",
        "QUERY_STRING": "",
        "CONTENT_TYPE": "application/sparql-query",
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.input": io.BytesIO(body),
        **extra,
    }


def _call(cache: ResponseCache, environ: dict[str, Any]) -> tuple[str, dict[str, str], bytes]:
    sent: list[Any] = []
    chunks = cache(environ, lambda status, headers, *rest: sent.extend([status, headers]))
    return sent[0], dict(sent[1]), b"".join(chunks)


def test_the_body_reaches_the_app_on_a_miss_and_is_not_read_again() -> None:
    app = CountingApp()
    cache = ResponseCache(app, 1 << 20)
    first = _call(cache, _environ(body=b"ASK {}"))
    second = _call(cache, _environ(body=b"ASK {}"))
    assert app.calls == 1 and app.bodies == [b"ASK {}"]
    assert first[2] == second[2] == b"answer to ASK {}"
    assert second[1]["Hairkg-Cache"] == "hit" and first[1]["Hairkg-Cache"] == "miss"


@pytest.mark.parametrize(
    "environ",
    [
        _environ(method="HEAD"),
        _environ(method="PUT"),
        _environ(PATH_INFO="/other"),
        _environ(HTTP_IF_NONE_MATCH='"x"'),
        _environ(HTTP_RANGE="bytes=0-1"),
        _environ(body=b"x" * (MAX_KEYED_BODY + 1)),
        _environ(CONTENT_LENGTH="10"),  # says more than it sends
        _environ(CONTENT_LENGTH="ten"),
    ],
    ids=["HEAD", "PUT", "other path", "If-None-Match", "Range", "big body", "short", "bad length"],
)
def test_requests_it_must_not_answer_always_reach_the_app(environ: dict[str, Any]) -> None:
    app = CountingApp()
    cache = ResponseCache(app, 1 << 20)
    body = environ["wsgi.input"].getvalue()
    for _ in range(2):
        fresh = {**environ, "wsgi.input": io.BytesIO(body)}
        _call(cache, fresh)
    assert app.calls == 2
    # what the app read is what the client sent, whether or not the cache looked at it
    expected = (
        body[: int(environ["CONTENT_LENGTH"])] if environ["CONTENT_LENGTH"].isdigit() else body
    )
    if environ["REQUEST_METHOD"] == "POST" and environ["PATH_INFO"] == "/sparql":
        assert app.bodies[0] in (body, expected)


@pytest.mark.parametrize(
    "app",
    [CountingApp(status="400 Bad Request"), CountingApp(marker=False)],
    ids=["400", "unmarked"],
)
def test_only_what_the_result_cache_kept_is_kept(app: CountingApp) -> None:
    cache = ResponseCache(app, 1 << 20)
    for _ in range(2):
        _call(cache, _environ())
    assert app.calls == 2 and len(cache.entries) == 0


def test_the_cache_stays_within_its_bytes() -> None:
    app = CountingApp()
    cache = ResponseCache(app, 16 * 1024)
    for n in range(200):
        _call(cache, _environ(body=str(n).encode() * 20))
    assert cache.entries.size <= 16 * 1024
    assert 0 < len(cache.entries) < 200
