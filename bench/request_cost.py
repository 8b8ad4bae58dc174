"""Where one uncached query's CPU goes: the web process, the query worker, and what a server
without hairkg's features spends on the same request.

Each variant is served by waitress with hairkg's own settings (``web.serve._bind``) in a thread
of this process; a client in a separate process sends the same point lookup N times in a row
on one kept connection (concurrency 1: this measures cost, not throughput), and the CPU time
of this process (user and system, ``os.times``) and of the query workers (``/proc``) is
divided by N. Variants, measured in turn in each of ``--rounds`` rounds (median reported):

* ``hairkg``: ``create_app`` with the result cache off, queries through the worker pool;
* ``hairkg web layer alone``: the same app with the pool answering a prepared answer at
  once (no worker, no hop): the cost of the protocol features in the web process;
* ``bare``: ``bare_apps.bare_app`` (Flask + in-memory pyoxigraph, no features) on the
  same quads;
* ``floor``: ``bare_apps.floor_app`` (a fixed answer).

    .venv/bin/python bench/request_cost.py [--requests 3000] [--rounds 3] [--output report.md]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import bare_apps  # noqa: E402  (sibling modules, not a package)
from processes import tree  # noqa: E402
from report import command_line  # noqa: E402

QUERY = "SELECT ?p ?o WHERE { <https://w3id.org/hairkg/resource/therapy-regenera-activa> ?p ?o }"

#: The client: N POSTs of the query on one connection, each answer read and checked.
CLIENT = r"""
import http.client, sys
port, count, query = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].encode()
connection = http.client.HTTPConnection("127.0.0.1", port)
for _ in range(count):
    connection.request("POST", "/sparql", body=query,
                       headers={"Content-Type": "application/sparql-query"})
    response = connection.getresponse()
    response.read()
    assert response.status == 200, response.status
"""


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _drive(port: int, count: int) -> None:
    subprocess.run([sys.executable, "-c", CLIENT, str(port), str(count), QUERY], check=True)


def measure(
    app: Any, settings: Any, count: int, worker_pids: Callable[[], list[int]]
) -> tuple[float, float, float]:
    """(user, system, workers) CPU microseconds per request of ``app`` under waitress."""
    from hairkg.web.serve import _bind

    server = _bind(app, settings)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        port = server.effective_port
        _drive(port, max(100, count // 10))  # warm up
        workers = worker_pids()
        before, workers_before = os.times(), sum(_cpu_seconds(p) for p in workers)
        _drive(port, count)
        after, workers_after = os.times(), sum(_cpu_seconds(p) for p in workers)
    finally:
        server.close()
    scale = 1e6 / count
    return (
        (after.user - before.user) * scale,
        (after.system - before.system) * scale,
        (workers_after - workers_before) * scale,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)

    from hairkg.service import prepare_service
    from hairkg.settings import Settings
    from hairkg.sparql.engines import QueryRequest
    from hairkg.web import create_app

    workdir = Path(tempfile.mkdtemp(prefix="hairkg-request-cost-"))
    settings = Settings(
        validate=False,
        workers=2,
        result_cache_mb=0,
        access_log=str(workdir / "access.log"),  # a file, as an operator keeps it
        host="127.0.0.1",
        port=0,
    )
    service = prepare_service(settings)
    try:
        assert service.dump_path is not None
        pool_execute = service.pool.execute
        answer = pool_execute(QueryRequest(query=QUERY, solutions_format="json"))

        def answered_at_once(request: Any, cancelled: Any = None) -> Any:
            return answer

        def workers() -> list[int]:
            host = service.pool.host_pid
            return [p for p in tree(host) if p != host] if host else []

        variants: dict[str, tuple[Callable[[], Any], Callable[[], list[int]]]] = {
            "hairkg": (lambda: create_app(settings, service), workers),
            "hairkg web layer alone": (lambda: create_app(settings, service), list),
            "bare": (lambda: bare_apps.bare_app(service.dump_path), list),
            "floor": (bare_apps.floor_app, list),
        }
        results: dict[str, list[tuple[float, float, float]]] = {name: [] for name in variants}
        for round_number in range(args.rounds):
            for name, (make_app, worker_pids) in variants.items():
                service.pool.execute = (  # type: ignore[method-assign]
                    answered_at_once if name == "hairkg web layer alone" else pool_execute
                )
                figures = measure(make_app(), settings, args.requests, worker_pids)
                results[name].append(figures)
                print(
                    f"round {round_number + 1} {name:24} user {figures[0]:6.0f} "
                    f"sys {figures[1]:5.0f} workers {figures[2]:5.0f} µs/request",
                    file=sys.stderr,
                    flush=True,
                )
        service.pool.execute = pool_execute  # type: ignore[method-assign]
    finally:
        service.close()

    def median(name: str, index: int) -> float:
        return statistics.median(r[index] for r in results[name])

    bare_total = sum(median("bare", i) for i in range(3))
    lines = [
        command_line(f"load average {os.getloadavg()[0]:.1f}")
        + f"; one point lookup, {args.requests} requests in a row per variant and round, "
        f"median of {args.rounds} rounds; CPU µs per request.",
        "",
        "| variant | web process user | web process system | query workers | total | ÷ bare |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in variants:
        total = sum(median(name, i) for i in range(3))
        lines.append(
            f"| {name} | {median(name, 0):.0f} | {median(name, 1):.0f} | {median(name, 2):.0f} "
            f"| {total:.0f} | {total / bare_total:.2f}x |"
        )
    report = "\n".join(lines) + "\n"
    print(report)
    if args.output:
        args.output.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
