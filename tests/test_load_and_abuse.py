"""Under load and abuse the server keeps answering everyone (real server, real sockets).

Runaway queries hold at most their client's share of the workers (429 past it); queries
whose client hangs up are cancelled and their worker freed; requests that need no worker
(/health, cached answers) never wait behind queries; a burst gets only 200, 429 or 503
with Retry-After. Bounds below are client time-outs, ten times or more the target, so the
tests are about "answers at all while the workers are busy", not about speed.
"""

from __future__ import annotations

import collections
import http.client
import json
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit

import pytest

from live_server import LiveServer, start_server

pytestmark = pytest.mark.slow

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CACHED = "ASK { ?s a <https://w3id.org/hairkg/ontology/Study> }"


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    # a long time limit: a runaway that is not cancelled holds its worker for the whole test
    env = {
        "HAIRKG_QUERY_TIMEOUT": "60",
        "HAIRKG_WORKERS": "2",
        "HAIRKG_CLIENT_ADDRESS_HEADER": "X-Forwarded-For",
    }
    with start_server("--no-validate", env=env) as live:
        yield live


def _request(
    server: LiveServer, path: str, client: str, timeout: float
) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(server.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"X-Forwarded-For": client})
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def _query_path(query: str) -> str:
    return "/sparql?" + urlencode({"query": query})


def _send_and_hold(server: LiveServer, client: str) -> socket.socket:
    """Send a runaway query and keep the connection open without reading the answer."""
    parts = urlsplit(server.url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=5)
    path = _query_path(RUNAWAY)
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: {client}\r\n\r\n".encode())
    return sock


def _wait_ready(server: LiveServer, limit: float) -> dict[str, object]:
    deadline = time.monotonic() + limit
    while True:
        status, _, body = _request(server, "/ready", "10.9.9.9", 5)
        state = json.loads(body)
        if status == 200 and state["idle_workers"] == 2:
            return state
        if time.monotonic() > deadline:
            raise AssertionError(f"workers not free after {limit} s: {state}")
        time.sleep(0.2)


def test_one_client_runaways_do_not_stall_anyone(server: LiveServer) -> None:
    _wait_ready(server, 30)
    _request(server, _query_path(CACHED), "10.0.0.9", 10)  # now cached
    held = [_send_and_hold(server, "10.0.0.1") for _ in range(6)]
    try:
        time.sleep(0.5)
        # the client's share (one of two workers) runs; its other five queries were refused
        refused = []
        for sock in held:
            sock.settimeout(0.5)
            try:
                refused.append(sock.recv(64).split(b" ")[1])
            except TimeoutError:
                pass
        assert refused.count(b"429") == 5, refused
        for path in ("/health", _query_path(CACHED)):
            status, _, _ = _request(server, path, "10.0.0.2", timeout=1.0)
            assert status == 200
        status, _, body = _request(server, _query_path("ASK { FILTER(1 > 0) }"), "10.0.0.2", 5)
        assert status == 200, body
        _, _, body = _request(server, "/ready", "10.0.0.2", 1.0)
        assert json.loads(body)["idle_workers"] == 1
    finally:
        for sock in held:
            sock.close()
    # hung up: the running query is cancelled and its worker replaced long before 60 s
    _wait_ready(server, 30)


def test_abandoned_queries_free_their_workers(server: LiveServer) -> None:
    _wait_ready(server, 30)
    held = [_send_and_hold(server, f"10.1.0.{i}") for i in range(6)]
    time.sleep(0.5)
    _, _, body = _request(server, "/ready", "10.1.1.1", 1.0)
    assert json.loads(body)["idle_workers"] == 0  # both workers took a runaway
    for sock in held:
        sock.close()
    _wait_ready(server, 30)
    status, _, _ = _request(server, _query_path("ASK { FILTER(2 > 0) }"), "10.1.1.1", 5)
    assert status == 200
    status, _, _ = _request(server, "/health", "10.1.1.1", 1.0)
    assert status == 200


def test_a_burst_gets_only_answers_a_client_can_act_on(server: LiveServer) -> None:
    _wait_ready(server, 30)
    outcomes: collections.Counter[str] = collections.Counter()
    lock = threading.Lock()
    numbers = list(range(400))

    def work(client: str) -> None:
        while True:
            with lock:
                if not numbers:
                    return
                number = numbers.pop()
            try:
                status, headers, _ = _request(
                    server, _query_path(f"ASK {{ FILTER({number} >= 0) }}"), client, 10
                )
                outcome = str(status)
                if status in (429, 503) and "Retry-After" not in headers:
                    outcome += " without Retry-After"
            except (TimeoutError, OSError) as error:
                outcome = f"no answer: {error}"
            with lock:
                outcomes[outcome] += 1

    threads = [threading.Thread(target=work, args=(f"10.2.0.{i}",)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(outcomes.values()) == 400
    assert set(outcomes) <= {"200", "429", "503"}, outcomes
    assert outcomes["200"] > 0
