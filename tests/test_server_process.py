"""`hairkg serve` as a real process on a free loopback port, queried by real clients."""

from __future__ import annotations

import http.client
import os
import signal
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox
import pytest
from rdflib import Graph, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore
from SPARQLWrapper import CSV, JSON, N3, TSV, TURTLE, XML, SPARQLWrapper

from live_server import LiveServer, query_processes, start_server

pytestmark = pytest.mark.slow

HKG = "https://w3id.org/hairkg/ontology/"
CROSS_PRODUCT = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
SORTED_PRODUCT = "SELECT ?c ?f WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?f ?c LIMIT 1"


@pytest.fixture(scope="module")
def live_server() -> Iterator[LiveServer]:
    with start_server(
        "--no-validate",
        # every request here comes from one address; the per-client cap has its own tests
        env={
            "HAIRKG_QUERY_TIMEOUT": "2",
            "HAIRKG_QUERY_MEMORY_MB": "300",
            "HAIRKG_CLIENT_QUERY_LIMIT": "0",
        },
    ) as server:
        yield server


def http_get(
    url: str, headers: dict[str, str] | None = None, timeout: float = 30
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


def test_start_prints_the_urls(live_server: LiveServer) -> None:
    text = "".join(live_server.output)
    assert f"query UI:        {live_server.url}/" in text
    assert f"SPARQL endpoint: {live_server.url}/sparql" in text


@pytest.mark.parametrize("fmt", [JSON, XML, CSV, TSV])
def test_sparqlwrapper_select_in_each_format(live_server: LiveServer, fmt: str) -> None:
    client = SPARQLWrapper(live_server.endpoint)
    client.setQuery(f"SELECT ?s WHERE {{ ?s a <{HKG}Study> }} ORDER BY ?s")
    client.setReturnFormat(fmt)
    result = client.query()
    body = result.response.read()
    if fmt == CSV:  # lossy by design: pyoxigraph refuses to parse it, so read it as CSV
        lines = body.decode().splitlines()
        assert lines[0] == "s" and len(lines) == 9
        assert "https://w3id.org/hairkg/resource/study-tak-2020" in lines
        return
    kind = {
        JSON: ox.QueryResultsFormat.JSON,
        XML: ox.QueryResultsFormat.XML,
        TSV: ox.QueryResultsFormat.TSV,
    }[fmt]
    rows = list(ox.parse_query_results(body, format=kind))  # type: ignore[arg-type]
    assert len(rows) == 8
    assert any(str(row["s"]).endswith("study-tak-2020>") for row in rows)


@pytest.mark.parametrize("fmt", [TURTLE, N3, XML, "json-ld"])
def test_sparqlwrapper_construct_in_each_format(live_server: LiveServer, fmt: str) -> None:
    client = SPARQLWrapper(live_server.endpoint)
    client.setQuery(f"CONSTRUCT {{ ?s a <{HKG}Study> }} WHERE {{ ?s a <{HKG}Study> }}")
    client.setReturnFormat(fmt)
    graph = client.queryAndConvert()
    if isinstance(graph, bytes):  # SPARQLWrapper hands Turtle, N3 and JSON-LD back unparsed
        graph = Graph().parse(data=graph, format="json-ld" if fmt == "json-ld" else "turtle")
    assert isinstance(graph, Graph)
    assert len(graph) == 8


def test_sparqlwrapper_ask_and_post(live_server: LiveServer) -> None:
    client = SPARQLWrapper(live_server.endpoint)
    client.setMethod("POST")
    client.setQuery(f"ASK {{ ?s a <{HKG}Claim> }}")
    client.setReturnFormat(JSON)
    assert client.queryAndConvert()["boolean"] is True  # type: ignore[index]


def test_rdflib_sparqlstore(live_server: LiveServer) -> None:
    store = SPARQLStore(live_server.endpoint, returnFormat="json")
    graph = Graph(store=store)
    rows = list(
        graph.query(
            f"SELECT ?label WHERE {{ ?s a <{HKG}Study> ; "
            "<http://www.w3.org/2000/01/rdf-schema#label> ?label }"
        )
    )
    assert len(rows) == 8
    assert (URIRef("https://w3id.org/hairkg/resource/study-tak-2020"), None, None) in graph


def test_long_get_request_line_works(live_server: LiveServer) -> None:
    padding = "# " + "x" * 8000 + "\n"
    query = padding + f"SELECT (COUNT(?s) AS ?n) WHERE {{ ?s a <{HKG}Study> }}"
    url = live_server.endpoint + "?" + urlencode({"query": query})
    assert len(url) > 8000
    status, _, body = http_get(url)
    assert status == 200 and b'"8"' in body


def test_large_post_body_works(live_server: LiveServer) -> None:
    values = " ".join(f'"value number {i}"' for i in range(20000))
    query = f"SELECT (COUNT(?v) AS ?n) WHERE {{ VALUES ?v {{ {values} }} }}"
    data = urlencode({"query": query}).encode()
    assert len(data) > 300_000
    request = urllib.request.Request(
        live_server.endpoint,
        data=data,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        assert b'"20000"' in response.read()


@pytest.mark.parametrize("megabytes", [5, 16])
def test_too_big_body_is_413_with_the_usual_headers(
    live_server: LiveServer, megabytes: int
) -> None:
    # 16 MiB used to close the socket under the sending client: a reset, not a 413
    body = b"SELECT * WHERE { ?s ?p ?o } #" + b"x" * (megabytes * 1024 * 1024)
    request = urllib.request.Request(
        live_server.endpoint, data=body, headers={"Content-Type": "application/sparql-query"}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, headers = response.status, dict(response.headers)
    except urllib.error.HTTPError as error:
        status, headers = error.code, dict(error.headers)
    assert status == 413
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Access-Control-Allow-Origin"] == "*"


def _run_in_thread(url: str, results: list[tuple[int, float]]) -> threading.Thread:
    def work() -> None:
        started = time.monotonic()
        status, _, _ = http_get(url, timeout=60)
        results.append((status, time.monotonic() - started))

    thread = threading.Thread(target=work)
    thread.start()
    return thread


def test_time_limit_stops_the_query_and_others_are_served(live_server: LiveServer) -> None:
    slow: list[tuple[int, float]] = []
    thread = _run_in_thread(live_server.endpoint + "?" + urlencode({"query": CROSS_PRODUCT}), slow)
    time.sleep(0.2)
    status, _, body = http_get(
        live_server.endpoint + "?" + urlencode({"query": f"ASK {{ ?s a <{HKG}Study> }}"})
    )
    assert status == 200 and b"true" in body
    assert thread.is_alive()  # answered while the slow query was still running
    thread.join(60)
    assert slow and slow[0][0] == 503
    # the stopped query's worker was killed, not abandoned: no child process keeps the CPU busy
    assert _children_cpu_seconds(live_server.process.pid, interval=1.0) < 0.5
    status, _, _ = http_get(live_server.endpoint + "?" + urlencode({"query": "ASK {}"}))
    assert status == 200


def _children_cpu_seconds(pid: int, interval: float) -> float:
    """CPU time the server's child processes use during ``interval`` seconds."""

    def total() -> float:
        ticks = 0
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as handle:
            children = handle.read().split()
        for child in children:
            try:
                with open(f"/proc/{child}/stat", encoding="ascii") as stat:
                    fields = stat.read().rsplit(")", 1)[1].split()
            except FileNotFoundError:
                continue
            ticks += int(fields[11]) + int(fields[12])  # utime + stime
        return ticks / os.sysconf("SC_CLK_TCK")

    before = total()
    time.sleep(interval)
    return total() - before


def test_memory_bound_stops_a_query_and_the_server_survives() -> None:
    # a time limit no busy machine reaches first: the memory bound must be what stops it
    limits = {"HAIRKG_QUERY_TIMEOUT": "120", "HAIRKG_QUERY_MEMORY_MB": "200"}
    with start_server("--no-validate", "--workers", "1", env=limits) as server:
        status, _, body = http_get(
            server.endpoint + "?" + urlencode({"query": SORTED_PRODUCT}), timeout=150
        )
        assert status == 503
        # stopped by the memory bound, not by the time limit (which says "longer than")
        assert b"MiB" in body and b"longer than" not in body, body
        status, _, body = http_get(
            server.endpoint + "?" + urlencode({"query": f"ASK {{ ?s a <{HKG}Study> }}"})
        )
        assert status == 200


def test_service_call_is_refused_without_a_connection(live_server: LiveServer) -> None:
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(1.0)
    port = listener.getsockname()[1]
    query = f"SELECT * {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}"
    status, _, body = http_get(live_server.endpoint + "?" + urlencode({"query": query}))
    assert status == 400 and b"SERVICE" in body
    with pytest.raises(TimeoutError):
        listener.accept()
    listener.close()


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_sigterm_stops_the_server_and_its_workers() -> None:
    server = start_server("--no-validate", "--workers", "2")
    # the store host and the two workers it forks
    workers = query_processes(server.process.pid)
    assert len(workers) == 3, workers
    server.process.send_signal(signal.SIGTERM)
    # supervisors repeat it (so does server.stop): the second one, arriving while the server
    # closes, must not turn the clean exit into an interrupted one (130)
    time.sleep(0.05)
    server.process.send_signal(signal.SIGTERM)
    # a clean exit, by itself: a server that ignored SIGTERM would time out here (and the
    # kill that follows would give -9, not 0)
    assert server.stop(timeout=30) == 0, "".join(server.output)
    assert not [pid for pid in workers if _alive(pid)]


HIT_QUERY = "SELECT ?s ?p ?o WHERE { ?s a <https://w3id.org/hairkg/ontology/Study> ; ?p ?o } ORDER BY ?s ?p ?o"


# before the stalled clients below, whose queries hold admission slots for a while
def test_response_cache_hits_over_one_kept_connection_are_framed_right(
    live_server: LiveServer,
) -> None:
    address = urlsplit(live_server.url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=60)
    try:
        answers = []
        for encoding in ("identity", "identity", "gzip", "gzip", "identity"):
            connection.request(
                "POST",
                "/sparql",
                body=HIT_QUERY.encode(),
                headers={"Content-Type": "application/sparql-query", "Accept-Encoding": encoding},
            )
            response = connection.getresponse()
            body = response.read()
            assert response.status == 200, body
            assert int(response.headers["Content-Length"]) == len(body)
            answers.append(
                (response.headers["Hairkg-Cache"], response.headers.get("Content-Encoding"), body)
            )
    finally:
        connection.close()
    assert [a[0] for a in answers[1:]] == ["hit"] * 4
    assert answers[0][2] == answers[1][2] == answers[4][2]
    assert answers[2][1] == answers[3][1] == "gzip" and answers[2][2] == answers[3][2]


def test_slow_and_idle_clients_do_not_starve_the_server(live_server: LiveServer) -> None:
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(live_server.url)
    stalled = []
    for index in range(40):  # more idle connections than the server has threads
        conn = socket.create_connection((parts.hostname, parts.port), timeout=5)
        if index % 2:
            conn.sendall(b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: x\r\n")  # never ends
        else:
            # a client that asks for a large answer and never reads it
            conn.sendall(
                b"GET /sparql?query=SELECT%20*%20%7B%3Fs%20%3Fp%20%3Fo%7D HTTP/1.1\r\n"
                b"Host: x\r\n\r\n"
            )
        stalled.append(conn)
    try:
        status, _, body = http_get(
            live_server.endpoint + "?" + urlencode({"query": f"ASK {{ ?s a <{HKG}Study> }}"}),
            timeout=10,
        )
        assert status == 200 and b"true" in body
    finally:
        for conn in stalled:
            conn.close()
