"""Throughput of 1, 2 and 3 hairkg replicas behind HAProxy on one shared Oxigraph store.

Starts ``scripts/replicas.py``'s deployment on loopback (Oxigraph's server loaded with
``hairkg load --store sparql``, three ``hairkg serve --store sparql`` replicas, HAProxy) and
measures, one after the other, with the same queries and the same load driver:

* ``store``: the store's own endpoint directly, each query sent as the replicas send it (a
  form POST with the served graphs as ``default-graph-uri`` and ``named-graph-uri``);
* ``replica``: one replica directly, no balancer;
* ``balancer, N replicas``: HAProxy with N = 1, 2, 3 replicas in rotation (the others put in
  maintenance through HAProxy's runtime API, ``disable server``).

The replicas run with the result cache off (``HAIRKG_RESULT_CACHE_MB=0``), so every request
goes through a query worker to the store: the cost measured is a query's, not a cache hit's.
The driver runs ``--concurrency`` threads with keep-alive connections, GETs each query (the
competency questions by default) and checks status 200 and that the answer parses; CPU is
read from ``/proc`` for every process of each component (store, replicas with their workers,
HAProxy) and for the driver, and divided by the queries answered. Usage::

    .venv/bin/python bench/replicas_bench.py [--seconds 10] [--warmup 2] [--concurrency 4] \
        [--output bench/results/DATE-replicas.md]
"""

from __future__ import annotations

import argparse
import datetime
import http.client
import json
import os
import platform
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT / "bench"))

from hairkg.sparql.questions import competency_questions  # noqa: E402
from replicas import Deployment  # noqa: E402  (scripts/replicas.py, not a package)
from report import revision  # noqa: E402  (bench/report.py)

JSON = "application/sparql-results+json"
TICK = os.sysconf("SC_CLK_TCK")


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def group_cpu(pgids: set[int]) -> float:
    """CPU seconds (user + system, reaped children included) of every process in the groups."""
    total = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        if int(fields[2]) in pgids:  # pgrp
            total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return total / TICK


def own_cpu() -> float:
    times = os.times()
    return times.user + times.system


@dataclass
class Target:
    """Where the driver sends queries: ``host:port`` and how one query is asked."""

    name: str
    port: int
    request: Callable[[str], tuple[str, str, bytes | None, dict[str, str]]]


@dataclass
class Outcome:
    name: str
    seconds: float
    latencies: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    cpu: dict[str, float] = field(default_factory=dict)  # component -> CPU seconds in the run
    rounds: list[float] = field(default_factory=list)  # q/s of each round, when merged

    @property
    def answered(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.answered / self.seconds

    def percentile(self, fraction: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))] * 1000

    def busy(self) -> float:
        """The share of all cores the measured processes (driver included) used."""
        return sum(self.cpu.values()) / (self.seconds * (os.cpu_count() or 1))

    def cpu_ms(self, component: str) -> float:
        return self.cpu.get(component, 0.0) * 1000 / max(1, self.answered)


def drive(
    target: Target, queries: Sequence[str], seconds: float, concurrency: int
) -> tuple[list[float], list[str], float]:
    """Send the queries round-robin from ``concurrency`` threads for ``seconds``."""
    latencies: list[float] = []
    errors: list[str] = []
    stop = time.monotonic() + seconds
    lock = threading.Lock()

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", target.port, timeout=60)
        sent = index
        while time.monotonic() < stop:
            method, path, body, headers = target.request(queries[sent % len(queries)])
            sent += 1
            began = time.perf_counter()
            try:
                connection.request(method, path, body=body, headers=headers)
                answer = connection.getresponse()
                data = answer.read()
                took = time.perf_counter() - began
                if answer.status != 200:
                    raise ValueError(f"status {answer.status}: {data[:120]!r}")
                json.loads(data)
            except (OSError, ValueError, http.client.HTTPException) as error:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", target.port, timeout=60)
                with lock:
                    errors.append(f"{type(error).__name__}: {error}")
                continue
            with lock:
                latencies.append(took)
        connection.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(concurrency)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, errors, time.monotonic() - began


def measure(
    target: Target,
    queries: Sequence[str],
    groups: dict[str, set[int]],
    args: argparse.Namespace,
) -> Outcome:
    log(f"{target.name}: warm-up {args.warmup} s, then {args.seconds} s")
    drive(target, queries, args.warmup, args.concurrency)
    before = {name: group_cpu(pgids) for name, pgids in groups.items()}
    driver_before = own_cpu()
    latencies, errors, elapsed = drive(target, queries, args.seconds, args.concurrency)
    outcome = Outcome(target.name, elapsed, latencies, errors)
    outcome.cpu = {name: group_cpu(pgids) - before[name] for name, pgids in groups.items()}
    outcome.cpu["driver"] = own_cpu() - driver_before
    log(
        f"{target.name}: {outcome.rate:.1f} q/s, p50 {outcome.percentile(0.5):.1f} ms, "
        f"p95 {outcome.percentile(0.95):.1f} ms, {len(errors)} errors"
    )
    return outcome


def merge(name: str, parts: Sequence[Outcome]) -> Outcome:
    """The rounds of one target as one outcome (q/s over all rounds); each round's q/s kept."""
    merged = Outcome(name, sum(part.seconds for part in parts))
    for part in parts:
        merged.latencies += part.latencies
        merged.errors += part.errors
        for component, seconds in part.cpu.items():
            merged.cpu[component] = merged.cpu.get(component, 0.0) + seconds
    merged.rounds = [part.rate for part in parts]
    return merged


def served_graphs(store_port: int) -> list[str]:
    query = urllib.parse.quote("SELECT DISTINCT ?g WHERE { GRAPH ?g { } }")
    connection = http.client.HTTPConnection("127.0.0.1", store_port, timeout=60)
    connection.request("GET", f"/query?query={query}", headers={"Accept": JSON})
    rows = json.loads(connection.getresponse().read())["results"]["bindings"]
    connection.close()
    return sorted(row["g"]["value"] for row in rows if "staging" not in row["g"]["value"])


def hairkg_request(query: str) -> tuple[str, str, bytes | None, dict[str, str]]:
    return "GET", "/sparql?" + urllib.parse.urlencode({"query": query}), None, {"Accept": JSON}


def store_request(
    graphs: Sequence[str],
) -> Callable[[str], tuple[str, str, bytes | None, dict[str, str]]]:
    def request(query: str) -> tuple[str, str, bytes | None, dict[str, str]]:
        fields = [("query", query)]
        fields += [("default-graph-uri", g) for g in graphs]
        fields += [("named-graph-uri", g) for g in graphs]
        body = urllib.parse.urlencode(fields).encode()
        headers = {"Accept": JSON, "Content-Type": "application/x-www-form-urlencoded"}
        return "POST", "/query", body, headers

    return request


def rows_of(target: Target, query: str) -> int:
    method, path, body, headers = target.request(query)
    connection = http.client.HTTPConnection("127.0.0.1", target.port, timeout=60)
    connection.request(method, path, body=body, headers=headers)
    answer = json.loads(connection.getresponse().read())
    connection.close()
    return len(answer["results"]["bindings"]) if "results" in answer else int(answer["boolean"])


def run(args: argparse.Namespace) -> tuple[list[Outcome], list[str], str]:
    queries = [question.text for question in competency_questions()]
    deployment = Deployment(
        replicas=3,
        workers=args.workers,
        validate=False,
        settings={"HAIRKG_RESULT_CACHE_MB": "0", "HAIRKG_CLIENT_QUERY_LIMIT": "0"},
    )
    deployment.start(report=log)
    try:
        assert deployment.store is not None and deployment.balancer is not None
        balancer = deployment.balancer
        groups = {
            "store": {deployment.store.pid},
            "replicas": {node.pid for node in deployment.nodes},
            "haproxy": {balancer.pid},
        }
        graphs = served_graphs(deployment.store.port)
        store = Target("store", deployment.store.port, store_request(graphs))
        replica = Target("replica", deployment.nodes[0].port, hairkg_request)
        through = Target("balancer", balancer.port, hairkg_request)
        # same answers everywhere (row counts), before anything is timed
        checks = []
        for number, query in enumerate(queries, start=1):
            counts = {rows_of(target, query) for target in (store, replica, through)}
            if len(counts) != 1:
                checks.append(f"query {number}: row counts differ: {sorted(counts)}")
        names = deployment.names()
        rounds: dict[str, list[Outcome]] = {}
        for number in range(1, args.rounds + 1):
            log(f"round {number} of {args.rounds}")
            for target in (store, replica):
                rounds.setdefault(target.name, []).append(measure(target, queries, groups, args))
            for active in (1, 2, 3):
                for index, name in enumerate(names):
                    state = "enable" if index < active else "disable"
                    balancer.command(f"{state} server replicas/{name}")
                wanted = {name: "UP" if i < active else "MAINT" for i, name in enumerate(names)}
                deployment.wait_for_states(wanted, timeout=30)
                target = Target(
                    f"balancer, {active} replica{'s' if active > 1 else ''}",
                    balancer.port,
                    hairkg_request,
                )
                rounds.setdefault(target.name, []).append(measure(target, queries, groups, args))
        outcomes = [merge(name, parts) for name, parts in rounds.items()]
        return outcomes, checks, f"{len(queries)} competency questions over {len(graphs)} graphs"
    finally:
        deployment.stop()


def render(
    outcomes: Sequence[Outcome], checks: Sequence[str], what: str, args: argparse.Namespace
) -> str:
    command = " ".join(["bench/replicas_bench.py", *args.argv])
    lines = [
        f"# Replicas behind HAProxy on one shared Oxigraph store ({datetime.date.today()})",
        "",
        f"Command: `.venv/bin/python {command}` ({revision()}, "
        f"{os.cpu_count()} cores, {platform.python_implementation()} "
        f"{platform.python_version()}, load average before the run "
        f"{args.load_before}).",
        "",
        f"Workload: {what}, round-robin from {args.concurrency} client threads with "
        f"keep-alive connections; {args.rounds} rounds, each measuring every target in turn "
        f"for {args.seconds:g} s after {args.warmup:g} s of warm-up (q/s over all rounds, "
        "percentiles and CPU over all their queries); each replica has "
        f"{args.workers} query workers and the result cache off, so every request reaches "
        "the store. Everything (store, replicas, HAProxy, the load driver) shares the same "
        'cores, with whatever else ran on the machine ("cores busy" counts only the '
        "processes measured here), in one run.",
        "",
        "| target | q/s | q/s by round | p50 ms | p95 ms | errors | CPU ms/query: store "
        "| replicas | HAProxy | driver | all servers | cores busy |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for outcome in outcomes:
        servers = sum(outcome.cpu_ms(part) for part in ("store", "replicas", "haproxy"))
        lines.append(
            f"| {outcome.name} | {outcome.rate:.1f} | "
            f"{' / '.join(f'{rate:.1f}' for rate in outcome.rounds)} | "
            f"{outcome.percentile(0.5):.1f} | "
            f"{outcome.percentile(0.95):.1f} | {len(outcome.errors)} | "
            f"{outcome.cpu_ms('store'):.2f} | {outcome.cpu_ms('replicas'):.2f} | "
            f"{outcome.cpu_ms('haproxy'):.2f} | {outcome.cpu_ms('driver'):.2f} | {servers:.2f} | "
            f"{outcome.busy():.0%} |"
        )
    lines += ["", "Answers: " + ("; ".join(checks) if checks else "same row counts on all.")]
    errors = sorted({e for outcome in outcomes for e in outcome.errors})
    if errors:
        lines += ["", "Errors seen: " + "; ".join(errors[:5])]
    lines += ["", *arithmetic(outcomes, args)]
    return "\n".join(lines) + "\n"


def arithmetic(outcomes: Sequence[Outcome], args: argparse.Namespace) -> list[str]:
    """What N replicas on N machines would serve, from the measured CPU per query."""
    by_name = {outcome.name: outcome for outcome in outcomes}
    store, direct = by_name["store"], by_name["replica"]
    one, three = by_name["balancer, 1 replica"], by_name["balancer, 3 replicas"]
    replica_ms = three.cpu_ms("replicas")
    store_ms = three.cpu_ms("store")
    haproxy_ms = three.cpu_ms("haproxy")

    def servers_ms(outcome: Outcome) -> float:
        return sum(outcome.cpu_ms(part) for part in ("store", "replicas", "haproxy"))

    cores = os.cpu_count() or 1
    per_machine = cores * 1000 / replica_ms
    store_limit = cores * 1000 / store_ms
    balancer_limit = 1000 / haproxy_ms if haproxy_ms > 0 else float("inf")
    bounds = ", ".join(
        f"{n}: {min(n * per_machine, store_limit, balancer_limit):,.0f}" for n in (1, 2, 3, 4, 8)
    )
    return [
        "## What this shows, and what N replicas on N machines would serve",
        "",
        f"All of it ran on {cores} cores, so more replicas add processes, not CPU. Through "
        f"the balancer, 1 replica answered {one.rate:.1f} q/s and 3 replicas {three.rate:.1f} "
        f"q/s ({three.rate / one.rate:.2f}x); the CPU all servers spent per query was "
        f"{servers_ms(one):.2f} ms with 1 replica and {servers_ms(three):.2f} ms with 3. "
        f"Whatever difference there is between them is not capacity: HAProxy sends a replica "
        f"at most {args.workers} queries at a time (its query workers), so with 1 replica "
        f"only {args.workers} of the {args.concurrency} clients' queries run at once and the "
        "others wait in HAProxy's queue, while 3 replicas run them all; on 2 cores that "
        "overlap of waiting is all replicas can give, and the figures show the overhead "
        "(more processes, one more hop), not the gain. The hop through HAProxy: one replica "
        f"directly {direct.rate:.1f} q/s (p50 {direct.percentile(0.5):.1f} ms), through the "
        f"balancer {one.rate:.1f} q/s (p50 {one.percentile(0.5):.1f} ms), HAProxy itself "
        f"{one.cpu_ms('haproxy'):.2f} ms of CPU per query. hairkg in front of the store, "
        f"against the store's own endpoint: {store.rate:.1f} q/s and "
        f"{servers_ms(store):.2f} ms of server CPU per query for the store alone, "
        f"{servers_ms(direct):.2f} ms for replica + store.",
        "",
        f"On N machines: with 3 replicas, a query cost {replica_ms:.2f} ms of CPU in hairkg "
        f"(web process, store host and workers), {store_ms:.2f} ms in the Oxigraph store and "
        f"{haproxy_ms:.2f} ms in HAProxy. A {cores}-core machine running one replica and "
        f"nothing else would serve at most {cores} * 1000 / {replica_ms:.2f} ≈ "
        f"{per_machine:,.0f} q/s of this mix, so N such machines N * {per_machine:,.0f} q/s, "
        f"until the one shared store is the limit: a {cores}-core store machine answers at "
        f"most {cores} * 1000 / {store_ms:.2f} ≈ {store_limit:,.0f} q/s of these queries "
        f"(one HAProxy core about 1000 / {haproxy_ms:.2f} ≈ {balancer_limit:,.0f} q/s). "
        f"Upper bounds by N (q/s, the least of the three): {bounds}. So past "
        f"{store_limit / per_machine:.1f} replicas the store, not hairkg, sets the ceiling "
        "for uncached queries: more replicas then need a faster or replicated store. These "
        "are CPU bounds only: the network between machines adds latency (not CPU) per "
        "query, and the result cache (off here) answers repeated queries without the store "
        "at all, on each replica separately.",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="per target and round")
    parser.add_argument("--warmup", type=float, default=2.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--rounds", type=int, default=3, help="every target once per round")
    parser.add_argument("--workers", type=int, default=2, help="query workers per replica")
    parser.add_argument("--output", type=Path, default=None, help="markdown report (else stdout)")
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    args.load_before = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    outcomes, checks, what = run(args)
    report = render(outcomes, checks, what, args)
    if args.output is None:
        print(report)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report)
        log(f"report written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
