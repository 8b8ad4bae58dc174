"""The access log (one JSON line per request) and /metrics (Prometheus text format)."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families

from hairkg.service import Service
from hairkg.settings import Settings
from hairkg.web import create_app
from live_server import start_server

SECRET_QUERY = 'ASK { ?s ?p "s3cret-token-in-a-literal" }'  # noqa: S105


def metric_samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample of a Prometheus exposition, by name and sorted labels."""
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(
    samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str
) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


@pytest.fixture()
def log_path(tmp_path: Path) -> Path:
    return tmp_path / "access.log"


@pytest.fixture()
def logged_app(service: Service, log_path: Path) -> Flask:
    return create_app(Settings(query_timeout=3.0, access_log=str(log_path)), service, testing=True)


@pytest.fixture()
def logged_client(logged_app: Flask) -> FlaskClient:
    return logged_app.test_client()


def read_log(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_access_log_has_one_json_line_per_request_without_the_query(
    logged_client: FlaskClient, log_path: Path
) -> None:
    url = "/sparql?query=" + quote(SECRET_QUERY)
    first = logged_client.get(url, headers={"Accept": "application/sparql-results+json"})
    second = logged_client.get(url, headers={"Accept": "application/sparql-results+json"})
    assert first.status_code == second.status_code == 200
    logged_client.get("/no/such/page")
    logged_client.get("/health")
    records = read_log(log_path)
    assert [r["path"] for r in records] == ["/sparql", "/sparql", "/no/such/page", "/health"]
    assert [r["status"] for r in records] == [200, 200, 404, 200]
    miss, hit, missing, health = records
    assert miss["cache_hit"] is False and hit["cache_hit"] is True
    assert miss["query_hash"] == hit["query_hash"] == first.headers["ETag"].strip('"')
    assert missing["route"] == "unmatched" and missing["query_hash"] is None
    assert health["cache_hit"] is None
    for record in records:
        assert set(record) >= {"time", "method", "path", "status", "duration_ms", "client"}
        assert record["method"] == "GET" and record["client"] == "127.0.0.1"
        assert isinstance(record["duration_ms"], float) and record["duration_ms"] >= 0
        assert str(record["time"]).endswith("+00:00")
    text = log_path.read_text(encoding="utf-8")
    assert "s3cret" not in text and "query=" not in text


def test_access_log_follows_a_rotated_file(logged_app: Flask, log_path: Path) -> None:
    log = logged_app.extensions["hairkg_access_log"]
    log.rotation_check_seconds = 0.0  # check the path at every line (default: once a second)
    client = logged_app.test_client()
    client.get("/health")
    rotated = log_path.with_name("access.log.1")
    log_path.rename(rotated)  # what logrotate does, before it signals nobody
    client.get("/health?after")
    client.get("/no/such/page")
    assert [r["path"] for r in read_log(rotated)] == ["/health"]
    assert [r["path"] for r in read_log(log_path)] == ["/health", "/no/such/page"]
    log_path.unlink()  # deleted outright: a new file is started
    client.get("/health")
    assert [r["path"] for r in read_log(log_path)] == ["/health"]


def test_access_log_can_be_turned_off(service: Service, capsys: pytest.CaptureFixture[str]) -> None:
    client = create_app(Settings(access_log="off"), service, testing=True).test_client()
    assert client.get("/health").status_code == 200
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_access_log_goes_to_stderr_by_default(
    service: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    client = create_app(Settings(), service, testing=True).test_client()
    client.get("/health")
    lines = capsys.readouterr().err.splitlines()
    assert json.loads(lines[-1])["path"] == "/health"


def test_metrics_count_requests_by_route_and_status(logged_client: FlaskClient) -> None:
    url = "/sparql?query=" + quote("SELECT * WHERE { ?s ?p ?o } LIMIT 3")
    for _ in range(3):
        assert logged_client.get(url).status_code == 200
    assert logged_client.get("/sparql?query=SELEKT").status_code == 400
    response = logged_client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.headers["Cache-Control"] == "no-store"
    samples = metric_samples(response.get_data(as_text=True))
    ok = {"route": "/sparql", "method": "GET", "status": "200"}
    assert value(samples, "hairkg_http_requests_total", **ok) == 3
    assert value(samples, "hairkg_http_requests_total", **{**ok, "status": "400"}) == 1
    assert value(samples, "hairkg_http_request_duration_seconds_count", **ok) == 3
    assert value(samples, "hairkg_http_request_duration_seconds_bucket", **ok, le="+Inf") == 3
    # the first run missed the cache, the two after it hit; the syntax error missed too
    # (it reaches the engine) and was not kept
    assert value(samples, "hairkg_result_cache_hits_total") == 2
    assert value(samples, "hairkg_result_cache_misses_total") == 2
    assert value(samples, "hairkg_result_cache_entries") == 1
    assert value(samples, "hairkg_result_cache_bytes") > 0
    assert value(samples, "hairkg_queries_in_flight") == 0
    assert value(samples, "hairkg_query_workers") == 2
    assert value(samples, "hairkg_query_queue_wait_seconds_count") >= 1
    for counter in ("restarts", "timeouts", "crashes", "cancellations"):
        name = (
            "hairkg_query_worker_restarts_total"
            if counter == "restarts"
            else f"hairkg_query_{counter}_total"
        )
        assert value(samples, name) >= 0


def test_metrics_count_a_time_out(service: Service) -> None:
    app = create_app(Settings(query_timeout=3.0, access_log="off"), service, testing=True)
    client = app.test_client()
    before = metric_samples(client.get("/metrics").get_data(as_text=True))
    slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    response = client.get("/sparql?query=" + quote(slow))
    assert response.status_code == 503
    after = metric_samples(client.get("/metrics").get_data(as_text=True))
    assert (
        value(after, "hairkg_query_timeouts_total")
        == value(before, "hairkg_query_timeouts_total") + 1
    )
    assert (
        value(after, "hairkg_query_worker_restarts_total")
        >= value(before, "hairkg_query_worker_restarts_total") + 1
    )


def test_metrics_of_an_app_without_service(tmp_path: Path) -> None:
    client = create_app(Settings(access_log="off"), testing=True).test_client()
    samples = metric_samples(client.get("/metrics").get_data(as_text=True))
    assert value(samples, "hairkg_queries_in_flight") == 0
    assert not any(name == "hairkg_query_workers" for name, _ in samples)


@pytest.mark.slow
def test_live_server_logs_json_and_serves_metrics() -> None:
    with start_server(
        "--no-validate", "--workers", "1", env={"HAIRKG_ACCESS_LOG": "stdout"}
    ) as live:
        query = quote("ASK { ?s ?p ?o }")
        with urllib.request.urlopen(f"{live.endpoint}?query={query}", timeout=60) as answer:
            assert answer.status == 200
        with urllib.request.urlopen(live.url + "/metrics", timeout=60) as answer:
            assert answer.headers["Content-Type"].startswith("text/plain; version=")
            samples = metric_samples(answer.read().decode("utf-8"))
        assert (
            value(
                samples, "hairkg_http_requests_total", route="/sparql", method="GET", status="200"
            )
            == 1
        )
        assert value(samples, "hairkg_query_workers") == 1
        assert value(samples, "hairkg_query_queue_wait_seconds_count") == 1
        live.stop()
    records = [json.loads(line) for line in live.output if line.startswith("{")]
    assert [r["path"] for r in records] == ["/sparql", "/metrics"]
    assert records[0]["status"] == 200 and records[0]["client"] == "127.0.0.1"


def test_an_unwritable_access_log_is_a_clear_error(tmp_path: Path) -> None:
    from hairkg.settings import SettingsError

    with pytest.raises(SettingsError, match="HAIRKG_ACCESS_LOG: cannot append to"):
        create_app(Settings(access_log=str(tmp_path / "missing" / "access.log")), testing=True)
