"""Linked-data figures, side by side in one run against one ``hairkg serve`` process.

* the HTML page of a resource, its Turtle description (``/resource/<id>``), and the SPARQL
  endpoint's ``DESCRIBE`` of the same IRI: latency p50/p95 and requests per second, each
  with ``--clients`` concurrent clients for ``--seconds`` (every request asks for a fresh
  answer: ``Cache-Control`` is not honoured by urllib, and no ETag is sent);
* the dump download (``/download/hairkg.nq``): megabytes per second over ``--downloads``
  sequential downloads.

Run from the repository root::

    .venv/bin/python bench/linked_data_bench.py --seconds 10 --clients 4
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from live_server import start_server

RESOURCE = "therapy-regenera-activa"
IRI = "https://w3id.org/hairkg/resource/" + RESOURCE


def _fetch(url: str, accept: str) -> None:
    request = urllib.request.Request(url, headers={"Accept": accept})
    with urllib.request.urlopen(request, timeout=60) as response:
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: {response.status}")


def _measure(url: str, accept: str, seconds: float, clients: int) -> dict[str, float]:
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client() -> None:
        while time.perf_counter() < stop:
            start = time.perf_counter()
            _fetch(url, accept)
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)

    _fetch(url, accept)  # warm: first answers build caches (labels, bioregistry)
    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "p50_ms": 1000 * statistics.median(latencies),
        "p95_ms": 1000 * latencies[int(0.95 * (len(latencies) - 1))],
        "per_second": len(latencies) / wall,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--downloads", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with start_server("--no-validate", "--workers", str(args.workers)) as server:
        base = server.url
        describe = f"{base}/sparql?" + urllib.parse.urlencode({"query": f"DESCRIBE <{IRI}>"})
        cases = [
            ("resource page (HTML)", f"{base}/resource/{RESOURCE}", "text/html"),
            ("resource description (Turtle)", f"{base}/resource/{RESOURCE}", "text/turtle"),
            ("SPARQL DESCRIBE (Turtle)", describe, "text/turtle"),
        ]
        print(f"{args.clients} clients, {args.seconds:g} s each, {args.workers} query workers")
        print(f"{'what':<32} {'requests':>9} {'p50 ms':>8} {'p95 ms':>8} {'req/s':>8}")
        for name, url, accept in cases:
            figures = _measure(url, accept, args.seconds, args.clients)
            print(
                f"{name:<32} {figures['requests']:>9.0f} {figures['p50_ms']:>8.1f} "
                f"{figures['p95_ms']:>8.1f} {figures['per_second']:>8.1f}"
            )
        dump = f"{base}/download/hairkg.nq"
        _fetch(dump, "*/*")
        size = 0
        began = time.perf_counter()
        for _ in range(args.downloads):
            with urllib.request.urlopen(dump, timeout=60) as response:
                size += len(response.read())
        wall = time.perf_counter() - began
        print(
            f"dump download (hairkg.nq): {size / args.downloads / 1e6:.2f} MB per file, "
            f"{size / wall / 1e6:.1f} MB/s over {args.downloads} sequential downloads"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
