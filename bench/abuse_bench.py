"""Attack scenarios of issue 9 as a repeatable load script: does one client stall everyone?

Starts ``hairkg serve`` (2 query workers, 10 s time limit) on a free loopback port, then:

1. ``runaway``: N clients send a runaway cross-product query (and, with ``--abandon``, hang
   up after 0.5 s); meanwhile ``/health``, a cached query and a cheap uncached query are
   timed every 0.2 s.
2. ``burst``: 400 distinct cheap ASK queries from 16 clients; counts of each outcome
   (status code, or ``timeout`` after 5 s).

Prints a Markdown table. Run before and after a change, on the same machine::

    .venv/bin/python bench/abuse_bench.py --runaways 6 --abandon
"""

from __future__ import annotations

import argparse
import collections
import http.client
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from live_server import start_server

RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
CACHED = "ASK { ?s a <https://w3id.org/hairkg/ontology/Study> }"


def _get(host: str, port: int, path: str, timeout: float) -> tuple[str, float]:
    started = time.perf_counter()
    try:
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
        connection.request("GET", path)
        response = connection.getresponse()
        response.read()
        connection.close()
        outcome = str(response.status)
    except (TimeoutError, OSError):
        outcome = "timeout"
    return outcome, time.perf_counter() - started


def _runaway(host: str, port: int, abandon: bool) -> None:
    path = "/sparql?" + urlencode({"query": RUNAWAY})
    if not abandon:
        _get(host, port, path, 60)
        return
    connection = http.client.HTTPConnection(host, port, timeout=60)
    connection.request("GET", path)
    time.sleep(0.5)
    connection.close()  # the client hangs up


def _quantiles(values: list[float]) -> str:
    if not values:
        return "-"
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"{statistics.median(ordered) * 1000:.0f} / {p95 * 1000:.0f}"


def scenario_runaway(host: str, port: int, runaways: int, abandon: bool, seconds: float) -> None:
    _get(host, port, "/sparql?" + urlencode({"query": CACHED}), 10)  # warm the cache
    threads = [
        threading.Thread(target=_runaway, args=(host, port, abandon), daemon=True)
        for _ in range(runaways)
    ]
    for thread in threads:
        thread.start()
    time.sleep(0.3)
    samples: dict[str, list[float]] = collections.defaultdict(list)
    outcomes: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    deadline = time.monotonic() + seconds
    counter = 0
    while time.monotonic() < deadline:
        counter += 1
        for name, path in (
            ("health", "/health"),
            ("cached query", "/sparql?" + urlencode({"query": CACHED})),
            (
                "cheap uncached query",
                "/sparql?" + urlencode({"query": f"ASK {{ FILTER({counter} > 0) }}"}),
            ),
        ):
            outcome, seconds_taken = _get(host, port, path, 10)
            samples[name].append(seconds_taken)
            outcomes[name][outcome] += 1
        time.sleep(0.2)
    print(f"\n### {runaways} runaway queries{' (abandoned)' if abandon else ''}\n")
    print("| request | p50 / p95 ms | outcomes |")
    print("|---|---|---|")
    for name in samples:
        print(f"| {name} | {_quantiles(samples[name])} | {dict(outcomes[name])} |")


def scenario_burst(host: str, port: int, total: int, clients: int) -> None:
    outcomes: collections.Counter[str] = collections.Counter()
    lock = threading.Lock()
    queue = list(range(total))

    def work() -> None:
        while True:
            with lock:
                if not queue:
                    return
                number = queue.pop()
            query = f"ASK {{ FILTER({number} >= 0) }}"
            outcome, _ = _get(host, port, "/sparql?" + urlencode({"query": query}), 5)
            with lock:
                outcomes[outcome] += 1

    threads = [threading.Thread(target=work) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    print(f"\n### burst: {total} distinct cheap ASK queries from {clients} clients\n")
    print(f"outcomes: {dict(outcomes)} in {time.perf_counter() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runaways", type=int, default=6)
    parser.add_argument("--abandon", action="store_true", help="runaway clients hang up")
    parser.add_argument("--seconds", type=float, default=8.0)
    parser.add_argument("--url", help="an already running server instead of starting one")
    args = parser.parse_args()
    if args.url:
        parts = urlsplit(args.url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        scenario_runaway(host, port, args.runaways, args.abandon, args.seconds)
        scenario_burst(host, port, 400, 16)
        return
    with start_server("--no-validate") as server:
        parts = urlsplit(server.url)
        host, port = parts.hostname or "127.0.0.1", parts.port or 80
        scenario_runaway(host, port, args.runaways, args.abandon, args.seconds)
        time.sleep(11)  # let the runaways reach the time limit
        scenario_burst(host, port, 400, 16)


if __name__ == "__main__":
    main()
