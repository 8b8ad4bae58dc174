"""GET and POST ``/sparql`` skip Flask's request machinery (``QueryFastPath``): each request
must get exactly the answer Flask's own view gives it, errors included, and be logged and
counted the same way."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import pytest
from flask import Flask
from werkzeug.test import Client, TestResponse

from hairkg.service import Service
from hairkg.settings import Settings
from hairkg.web import create_app
from hairkg.web.sparql import QueryFastPath

STUDIES = "SELECT ?s ?p ?o WHERE { ?s a <https://w3id.org/hairkg/ontology/Study> ; ?p ?o } ORDER BY ?s ?p ?o"
SMALL = "SELECT ?p WHERE { <https://w3id.org/hairkg/ontology/Study> ?p ?o } LIMIT 1"
CONSTRUCT = "CONSTRUCT { ?s a ?t } WHERE { ?s a ?t } LIMIT 5"
FORM = "application/x-www-form-urlencoded"
SPARQL = "application/sparql-query"


@pytest.fixture()
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "access.log"


@pytest.fixture()
def app(service: Service, log_path: Path) -> Flask:
    # the result cache off: every request reaches the fast path (not the response cache)
    settings = Settings(result_cache_mb=0, max_content_length=2048, access_log=str(log_path))
    return create_app(settings, service, testing=True)


def _paths(app: Flask) -> tuple[QueryFastPath, Any]:
    fast: QueryFastPath = app.extensions["hairkg_query_fast_path"]
    return fast, fast.flask_app


def _both(app: Flask, method: str, path: str, **kwargs: Any) -> tuple[TestResponse, TestResponse]:
    fast, flask_only = _paths(app)
    return (
        Client(fast).open(path, method=method, **kwargs),
        Client(flask_only).open(path, method=method, **kwargs),
    )


def _same(fast: TestResponse, flask: TestResponse) -> None:
    assert fast.status == flask.status
    assert fast.data == flask.data
    assert sorted(fast.headers.items()) == sorted(flask.headers.items())


REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/sparql?" + urlencode({"query": STUDIES}), {}),
    ("GET", "/sparql?" + urlencode({"query": STUDIES}), {"headers": {"Accept": "text/csv"}}),
    ("GET", "/sparql?" + urlencode({"query": STUDIES}), {"headers": {"Accept-Encoding": "gzip"}}),
    ("GET", "/sparql?" + urlencode({"query": SMALL, "format": "xml"}), {}),
    ("GET", "/sparql?" + urlencode({"query": CONSTRUCT}), {"headers": {"Accept": "text/turtle"}}),
    ("POST", "/sparql", {"data": urlencode({"query": SMALL}), "content_type": FORM}),
    ("POST", "/sparql", {"data": SMALL, "content_type": SPARQL}),
    # errors: the protocol, the guard, negotiation, the engine, the size limit
    ("POST", "/sparql", {"data": SMALL, "content_type": SPARQL + "; charset=latin-1"}),
    ("POST", "/sparql", {"data": SMALL, "content_type": "text/plain"}),
    ("POST", "/sparql", {"data": urlencode({"update": "CLEAR ALL"}), "content_type": FORM}),
    ("POST", "/sparql", {"data": "x=1", "content_type": FORM}),
    ("GET", "/sparql?query=" + quote("SELECT * WHERE { ?s ?p }"), {}),
    ("GET", "/sparql?query=%FF", {}),
    ("GET", "/sparql?" + urlencode({"query": SMALL, "format": "png"}), {}),
    ("GET", "/sparql?" + urlencode({"query": SMALL}), {"headers": {"Accept": "image/png"}}),
    ("GET", "/sparql?" + urlencode({"query": SMALL, "default-graph-uri": "not an iri"}), {}),
    ("GET", "/sparql?" + urlencode([("query", SMALL), ("query", SMALL)]), {}),
    ("POST", "/sparql", {"data": "#" * 4096 + "\n" + SMALL, "content_type": SPARQL}),
]


@pytest.mark.parametrize(("method", "path", "kwargs"), REQUESTS)
def test_the_fast_path_answers_as_flask_does(
    app: Flask, method: str, path: str, kwargs: dict[str, Any]
) -> None:
    fast, flask = _both(app, method, path, **kwargs)
    _same(fast, flask)
    assert fast.headers["Access-Control-Allow-Origin"] == "*"
    assert fast.headers["X-Content-Type-Options"] == "nosniff"


def test_the_compared_answers_cover_successes_and_each_kind_of_error(app: Flask) -> None:
    statuses = {
        _both(app, method, path, **kwargs)[0].status_code for method, path, kwargs in REQUESTS
    }
    assert statuses == {200, 400, 406, 413, 415}


def test_the_fast_path_serves_a_revalidation_as_flask_does(app: Flask) -> None:
    url = "/sparql?" + urlencode({"query": SMALL})
    first, _ = _both(app, "GET", url)
    tag = first.headers["ETag"]
    fast, flask = _both(app, "GET", url, headers={"If-None-Match": tag})
    _same(fast, flask)
    assert fast.status_code == 304
    fast, flask = _both(
        app, "POST", "/sparql", data=SMALL, content_type=SPARQL, headers={"If-None-Match": tag}
    )
    _same(fast, flask)
    assert fast.status_code == 412


def test_the_fast_path_skips_flask_hooks_and_other_requests_still_run_them(app: Flask) -> None:
    # what a before_request hook would add never reaches GET/POST /sparql: such policies
    # belong in answer_query or add_policy_headers
    seen: list[str] = []
    app.before_request(lambda: seen.append("hook") and None)
    client = app.test_client()
    assert client.get("/sparql", query_string={"query": SMALL}).status_code == 200
    assert client.post("/sparql", data=SMALL, content_type=SPARQL).status_code == 200
    assert seen == []
    assert client.head("/sparql", query_string={"query": SMALL}).status_code == 200
    assert client.get("/sparql").status_code == 200  # the service description: Flask's
    assert seen == ["hook", "hook"]


def test_head_through_flask_carries_the_headers_of_get_through_the_fast_path(
    app: Flask,
) -> None:
    client = app.test_client()
    get = client.get("/sparql", query_string={"query": STUDIES})
    head = client.head("/sparql", query_string={"query": STUDIES})
    assert head.data == b""
    assert sorted(head.headers.items()) == sorted(get.headers.items())


def test_a_bug_on_the_fast_path_is_a_logged_500_without_traceback(
    app: Flask, service: Service, monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internal detail")

    monkeypatch.setattr(service.pool, "execute", broken)
    with caplog.at_level(logging.ERROR):
        fast, flask = _both(app, "GET", "/sparql?" + urlencode({"query": SMALL}))
    _same(fast, flask)
    assert fast.status_code == 500
    assert b"the problem has been logged" in fast.data
    assert b"secret" not in fast.data and b"Traceback" not in fast.data
    logged = [r for r in caplog.records if r.getMessage() == "unexpected error"]
    assert len(logged) == 2  # once per path
    assert all("secret internal detail" in str(r.exc_info[1]) for r in logged)


def test_the_fast_path_logs_and_counts_a_query_as_flask_does(app: Flask, log_path: Path) -> None:
    url = "/sparql?" + urlencode({"query": SMALL})
    _both(app, "GET", url)
    fast_line, flask_line = (json.loads(line) for line in log_path.read_text().splitlines())
    for line in (fast_line, flask_line):
        del line["time"], line["duration_ms"]
    assert fast_line == flask_line
    assert fast_line["route"] == "/sparql" and fast_line["status"] == 200
    assert fast_line["query_hash"]
    metrics = app.test_client().get("/metrics").get_data(as_text=True)
    assert 'hairkg_http_requests_total{method="GET",route="/sparql",status="200"} 2.0' in metrics


def test_the_body_limit_is_read_from_the_app_config_at_each_request(app: Flask) -> None:
    app.config["MAX_CONTENT_LENGTH"] = 64  # as Flask's own routes would see it
    fast, flask = _both(app, "POST", "/sparql", data="#" * 100 + "\n" + SMALL, content_type=SPARQL)
    _same(fast, flask)
    assert fast.status_code == 413
