"""Replicas behind HAProxy on one shared store: a replica killed under load costs no request.

Real processes on free loopback ports, started by ``scripts/replicas.py`` (the deployment
under test) and stopped here: Oxigraph's server as the store, three ``hairkg serve --store
sparql`` replicas, HAProxy with the generated configuration. Skipped, with the reason in the
summary, when haproxy or Oxigraph's server is not installed.
"""

from __future__ import annotations

import json
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import pytest

from replicas import Deployment, Replica, find_haproxy, find_oxigraph, haproxy_config

pytestmark = [pytest.mark.remote_store, pytest.mark.slow]

QUERIES = [
    "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } LIMIT 50",
    "ASK { ?s a ?class }",
]


def need(binary: str | None, what: str) -> str:
    if binary is None:
        pytest.skip(f"{what} is not installed; replicas behind a balancer untested")
    return binary


def test_the_generated_configuration_is_valid_haproxy(tmp_path: Path) -> None:
    haproxy = need(find_haproxy(), "haproxy (apt-get install haproxy)")
    text = haproxy_config([8101, 8102, 8103], port=8100, stats_socket=tmp_path / "s.sock")
    for line in (
        "option httpchk GET /ready",
        "option redispatch",
        "retry-on conn-failure empty-response",
        "server r1 127.0.0.1:8101",
        "server r3 127.0.0.1:8103",
        "bind 127.0.0.1:8100",
    ):
        assert line in text
    config = tmp_path / "haproxy.cfg"
    config.write_text(text)
    checked = subprocess.run(
        [haproxy, "-c", "-f", str(config)], capture_output=True, text=True, check=False
    )
    assert checked.returncode == 0, checked.stderr


@dataclass
class Load:
    """Client threads sending GET /sparql to ``url`` until stopped; every outcome kept."""

    url: str
    threads: int = 4
    outcomes: list[tuple[float, int | str]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _workers: list[threading.Thread] = field(default_factory=list)

    def run(self, index: int) -> None:
        sent = 0
        while not self._stop.is_set():
            query = QUERIES[(index + sent) % len(QUERIES)]
            request = urllib.request.Request(
                f"{self.url}/sparql?query={quote(query)}",
                headers={"Accept": "application/sparql-results+json"},
            )
            outcome: int | str
            try:
                with urllib.request.urlopen(request, timeout=30) as answer:
                    json.load(answer)  # the whole answer arrived and parses
                    outcome = answer.status
            except urllib.error.HTTPError as error:
                outcome = f"{error.code}: {error.read()[:200]!r}"
            except (OSError, ValueError) as error:
                outcome = f"{type(error).__name__}: {error}"
            self.outcomes.append((time.monotonic(), outcome))
            sent += 1

    def __enter__(self) -> Load:
        for index in range(self.threads):
            thread = threading.Thread(target=self.run, args=(index,), daemon=True)
            thread.start()
            self._workers.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        for thread in self._workers:
            thread.join(60)

    def failures(self) -> list[tuple[float, int | str]]:
        return [(when, what) for when, what in self.outcomes if what != 200]

    def answered_since(self, moment: float) -> int:
        return sum(1 for when, what in self.outcomes if when > moment and what == 200)


def queries_served(node: Replica, start: int = 0) -> int:
    """How many /sparql requests the replica's JSON access log holds after byte ``start``."""
    if not node.access_log.exists():
        return 0
    with node.access_log.open("rb") as log:
        log.seek(start)
        lines = log.read().decode().splitlines()
    return sum(1 for line in lines if line and json.loads(line)["path"] == "/sparql")


def wait_until(what: str, condition: object, timeout: float) -> None:
    assert callable(condition)
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    need(find_haproxy(), "haproxy (apt-get install haproxy)")
    need(find_oxigraph(), "Oxigraph's server (pip install oxigraph)")
    setup = Deployment(
        replicas=3,
        workers=2,
        validate=False,
        # every query reaches a worker and the store (no cached answers); all the test's
        # clients share one address, so no per-client cap
        settings={"HAIRKG_RESULT_CACHE_MB": "0", "HAIRKG_CLIENT_QUERY_LIMIT": "0"},
        workdir=tmp_path_factory.mktemp("replicas"),
    )
    setup.start()
    try:
        yield setup
    finally:
        setup.stop()


def test_a_replica_killed_under_load_costs_no_request_and_comes_back(
    deployment: Deployment,
) -> None:
    assert deployment.balancer is not None
    victim = deployment.nodes[1]
    name = deployment.names()[1]
    others = [node for node in deployment.nodes if node is not victim]
    with Load(deployment.url) as load:
        # all three take queries
        wait_until(
            "every replica answers queries",
            lambda: all(queries_served(node) >= 5 for node in deployment.nodes),
            30,
        )
        victim.kill()  # SIGKILL, whatever it was doing
        killed = time.monotonic()
        states = deployment.wait_for_states({name: "DOWN"}, timeout=20)
        others_up = [states[o].startswith("UP") for o in deployment.names() if o != name]
        assert all(others_up), states
        wait_until("queries answered without it", lambda: load.answered_since(killed) >= 30, 30)
        others_before = [queries_served(node) for node in others]

        # back on the same port: the health checks bring it back into rotation
        restart_offset = victim.access_log.stat().st_size
        victim.start()
        deployment.wait_for_states({name: "UP"}, timeout=60)
        wait_until(
            "the restarted replica takes queries again",
            lambda: queries_served(victim, restart_offset) >= 5,
            30,
        )
        after = [queries_served(node) for node in others]
        assert all(a > b for a, b in zip(after, others_before, strict=True))  # and the others
    answered = sum(1 for _, what in load.outcomes if what == 200)
    failures = load.failures()
    backend = deployment.balancer.stats()["BACKEND"]
    print(
        f"{answered} queries answered, {len(failures)} failed {failures[:5]}; HAProxy "
        f"retried {backend['wretr']} and redispatched {backend['wredis']}"
    )
    # at most the queries in flight on the killed replica (HAProxy sends a replica at most
    # `workers` at a time); HAProxy retries those cut off before any answer, so normally none
    assert len(failures) <= deployment.workers, failures
    assert answered > 100


def test_a_store_outage_takes_every_replica_out_until_the_store_returns(
    deployment: Deployment,
) -> None:
    assert deployment.store is not None
    oxigraph = find_oxigraph()
    assert oxigraph is not None
    names = deployment.names()
    deployment.wait_for_states(dict.fromkeys(names, "UP"), timeout=60)
    deployment.store.stop()
    try:
        # every replica's /ready says "store unavailable": HAProxy has no replica left
        deployment.wait_for_states(dict.fromkeys(names, "DOWN"), timeout=30)
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(f"{deployment.url}/sparql?query={quote(QUERIES[2])}", timeout=30)
        assert refused.value.code == 503
        refused.value.close()
    finally:
        deployment.store.start(oxigraph)  # same port, same data
    deployment.wait_for_states(dict.fromkeys(names, "UP"), timeout=60)
    request = urllib.request.Request(
        f"{deployment.url}/sparql?query={quote(QUERIES[2])}",
        headers={"Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        assert json.load(answer)["boolean"] is True
