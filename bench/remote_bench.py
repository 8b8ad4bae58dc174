"""hairkg on a remote store, next to the embedded store and the store's own endpoint.

For each size N (``--sizes``, default 100k and 1M synthetic triples next to the shipped
graph, ``bench/synthetic_data.py``), in one run:

1. each remote store is started on free loopback ports in a work directory — Oxigraph's
   server (``oxigraph serve``, the ``oxigraph`` wheel, ``scripts/replicas.py``) and Virtuoso 7
   (Debian's ``virtuoso-t``, ``scripts/virtuoso_server.py``) — and loaded with what
   ``hairkg serve --data synthetic.nt`` serves: ``hairkg load --store sparql --data
   synthetic.nt`` below ``--bulk-from`` triples; from there the shipped graph with
   ``hairkg load`` and the extra triples (the synthetic ones and their RDFS inferences, as
   hairkg builds them) with the store's own bulk loader (``oxigraph load``, Virtuoso's
   ``ld_add`` + ``rdf_loader_run``), the counts per graph checked against hairkg's;
2. hairkg is started, result cache off (``HAIRKG_RESULT_CACHE_MB=0``, so every request goes
   through a query worker), with the same ``--data``: ``hairkg serve --store sparql`` in front
   of each store, and ``hairkg serve`` on its embedded store (``--store oxigraph``), as
   shipped and (``--keep-workers``, on by default) with its query workers never recycled
   (``HAIRKG_WORKER_RECYCLE_MB=0``);
3. the same queries (the synthetic mix of ``bench/endpoint_bench.py`` at every size, its
   competency questions up to ``--cq-up-to`` triples) go to every target with the same driver
   (endpoint_bench's ``Driver``): the store's endpoint directly, each query sent as hairkg
   sends it (a form POST naming the served graphs as ``default-graph-uri`` and
   ``named-graph-uri``), and the hairkg servers. Targets and workloads alternate: ``--rounds``
   rounds, each measuring every target once per workload for ``--seconds`` after
   ``--warmup``, the order of the targets rotated from round to round, so that noise from
   other work on the machine falls on all of them.

Every server is stopped at the end (also on an error or Ctrl-C). The report gives q/s and
p50/p95 per target and workload, CPU per query of hairkg and of the store, the ratios
hairkg-in-front ÷ store directly (the cost of the extra hop) and hairkg-in-front ÷ hairkg
embedded, and the answers compared with the embedded store's. Usage::

    .venv/bin/python bench/remote_bench.py [--sizes 100000 1000000] [--seconds 5] \
        [--rounds 3] [--stores oxigraph virtuoso] [--output bench/results/DATE-remote-stores.md]

Virtuoso is restarted after loading (``VirtuosoServer.restart``: until then it plans queries
with the index samples of the empty store). About 15 minutes on two cores with the defaults.
"""

from __future__ import annotations

import argparse
import datetime
import json
import math
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))
sys.path.insert(0, str(ROOT / "scripts"))

import endpoint_bench as eb  # noqa: E402  (sibling modules and scripts/, not packages)
import synthetic_data  # noqa: E402
from replicas import OxigraphStore, find_oxigraph, hairkg_load  # noqa: E402
from virtuoso_server import VirtuosoServer, virtuoso_missing  # noqa: E402

STORES = ("oxigraph", "virtuoso")
STORE_TITLES = {"oxigraph": "Oxigraph server", "virtuoso": "Virtuoso 7"}
JSON_RESULTS = "application/sparql-results+json"
#: What hairkg asks a store for (``sparql/remote.py``): graph answers as N-Triples only.
NTRIPLES = "application/n-triples, text/plain;q=0.1"
#: hairkg's settings for every hairkg server here: every request through a query worker.
NOCACHE = {"HAIRKG_RESULT_CACHE_MB": "0", "HAIRKG_CLIENT_QUERY_LIMIT": "0"}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- requests


def hairkg_post(query: eb.Query) -> tuple[bytes, dict[str, str]]:
    """A request to hairkg: the query as a POST body; graph answers as N-Triples, as the
    stores are asked (the ratios then measure the hop, not one writer against another)."""
    graph = query.form in ("CONSTRUCT", "DESCRIBE")
    accept = "application/n-triples" if graph else JSON_RESULTS
    return query.text.encode(), {"Content-Type": "application/sparql-query", "Accept": accept}


def store_form(graphs: Sequence[str]) -> Callable[[eb.Query], tuple[bytes, dict[str, str]]]:
    """A request to the store as hairkg sends it: a form POST, the served graphs as the
    default graph (their union) and as the named graphs, N-Triples or SPARQL JSON asked."""

    def encode(query: eb.Query) -> tuple[bytes, dict[str, str]]:
        fields = [("query", query.text)]
        fields += [("default-graph-uri", graph) for graph in graphs]
        fields += [("named-graph-uri", graph) for graph in graphs]
        graph = query.form in ("CONSTRUCT", "DESCRIBE")
        headers = {
            "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
            "Accept": NTRIPLES if graph else JSON_RESULTS,
        }
        return urllib.parse.urlencode(fields).encode("ascii"), headers

    return encode


def count_per_graph(query_url: str, graphs: Sequence[str]) -> dict[str, int]:
    """The triples in each graph, as the store counts them."""
    counts = {}
    for graph in graphs:
        query = f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph}> {{ ?s ?p ?o }} }}"
        body = urllib.parse.urlencode({"query": query}).encode()
        request = urllib.request.Request(query_url, data=body, headers={"Accept": JSON_RESULTS})
        with urllib.request.urlopen(request, timeout=300) as answer:
            counts[graph] = int(json.load(answer)["results"]["bindings"][0]["n"]["value"])
    return counts


# ----------------------------------------------------------------------------- the data


@dataclass
class Data:
    """One size's data: the synthetic file, the served graphs with their triple counts, and
    (for a bulk load) the extra triples per graph as N-Triples files."""

    size: int
    label: str
    synthetic: Path
    counts: dict[str, int] = field(default_factory=dict)
    extra: dict[str, Path] = field(default_factory=dict)  # graph IRI -> N-Triples file

    @property
    def graphs(self) -> list[str]:
        return sorted(self.counts)


def size_label(size: int) -> str:
    """100000 -> 100k, 1000000 -> 1M."""
    if size % 1_000_000 == 0:
        return f"{size // 1_000_000}M"
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def prepare_data(size: int, args: argparse.Namespace, workdir: Path) -> Data:
    label = size_label(size)
    synthetic = synthetic_data.write(workdir / f"synthetic-{label}.nt", size, args.seed)
    data = Data(size, label, synthetic)
    if size < args.bulk_from:
        return data  # hairkg load reports the counts
    import pyoxigraph as ox

    from hairkg.graph.loading import build_store

    started = time.perf_counter()
    shipped = build_store()
    full = build_store([synthetic])  # what hairkg serve --data builds: same graphs, inferences
    extra: dict[str, list[Any]] = {}
    for quad in full:
        if not isinstance(quad.graph_name, ox.NamedNode):
            raise RuntimeError(f"a triple in the default graph: {quad}")
        graph = quad.graph_name.value
        data.counts[graph] = data.counts.get(graph, 0) + 1
        if quad in shipped:
            continue
        if isinstance(quad.subject, ox.BlankNode) or isinstance(quad.object, ox.BlankNode):
            # a blank node would be a new node in a second load; none is expected
            raise RuntimeError(f"an extra triple with a blank node: {quad}")
        extra.setdefault(graph, []).append(quad.triple)
    del full, shipped
    for graph, triples in extra.items():
        path = workdir / f"extra-{label}-{graph.rsplit('/', 1)[-1]}.nt"
        ox.serialize(triples, output=str(path), format=ox.RdfFormat.N_TRIPLES)
        data.extra[graph] = path
    log(
        f"[{label}] the extra triples per graph written for the bulk loaders in "
        f"{time.perf_counter() - started:.1f} s: "
        + ", ".join(
            f"{g.rsplit('/', 1)[-1]} {p.stat().st_size // 1_000_000} MB"
            for g, p in data.extra.items()
        )
    )
    return data


def counts_from_load_output(text: str) -> dict[str, int]:
    """The ``GRAPH: N triples`` lines ``hairkg load`` prints."""
    counts = {}
    for line in text.splitlines():
        graph, _, rest = line.partition(": ")
        if graph.startswith(("http://", "https://")) and rest.endswith(" triples"):
            counts[graph] = int(rest.split()[0])
    return counts


# ----------------------------------------------------------------------------- stores


@dataclass
class Store:
    """A remote store, started and loaded: how to ask it, how long loading took, how to stop."""

    name: str
    query_url: str
    process: subprocess.Popen[Any]
    stop: Callable[[], None]
    load: str = ""  # how it was loaded and how long it took
    load_seconds: float = 0.0

    @property
    def title(self) -> str:
        return STORE_TITLES[self.name]


def start_oxigraph(data: Data, workdir: Path, args: argparse.Namespace) -> Store:
    binary = find_oxigraph()
    if binary is None:
        raise RuntimeError("Oxigraph's server is not installed (pip install oxigraph)")
    location = workdir / f"oxigraph-{data.label}"
    shutil.rmtree(location, ignore_errors=True)
    server = OxigraphStore("oxigraph", workdir / f"oxigraph-{data.label}.log", location=location)
    try:
        server.start(binary)
        started = time.perf_counter()
        if not data.extra:
            output = server.load([data.synthetic], timeout=args.load_timeout)
            data.counts = data.counts or counts_from_load_output(output)
            seconds = time.perf_counter() - started
            how = f"`hairkg load --data` {seconds:.1f} s"
        else:
            server.load(timeout=args.load_timeout)  # the shipped graph
            shipped = time.perf_counter() - started
            server.stop()  # oxigraph load needs the store to itself
            began = time.perf_counter()
            for graph, path in data.extra.items():
                load = [binary, "load", "--location", str(location), "--file", str(path)]
                subprocess.run(
                    [*load, "--graph", graph],
                    check=True,
                    capture_output=True,
                    timeout=args.load_timeout,
                )
            bulk = time.perf_counter() - began
            server.start(binary)
            seconds = shipped + bulk
            how = (
                f"`hairkg load` (shipped graph) {shipped:.1f} s + `oxigraph load` of the "
                f"extra triples {bulk:.1f} s (server stopped meanwhile)"
            )
        assert server.process is not None
        store = Store("oxigraph", server.query_url, server.process, server.stop, how, seconds)
        check_counts(store, data)
    except BaseException:
        server.stop()
        raise
    return store


def start_virtuoso(data: Data, workdir: Path, args: argparse.Namespace) -> Store:
    missing = virtuoso_missing()
    if missing is not None:
        raise RuntimeError(missing)
    directory = workdir / f"virtuoso-{data.label}"
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    server = VirtuosoServer(directory, buffers=args.virtuoso_buffers)
    try:
        server.start()
        started = time.perf_counter()
        load_log = directory / "load.log"
        env = server.loader_environment
        if not data.extra:
            output = hairkg_load(
                server.query_url,
                server.update_url,
                load_log,
                [data.synthetic],
                env=env,
                timeout=args.load_timeout,
            )
            data.counts = data.counts or counts_from_load_output(output)
            seconds = time.perf_counter() - started
            how = f"`hairkg load --data` {seconds:.1f} s"
        else:
            hairkg_load(server.query_url, server.update_url, load_log, env=env)
            shipped = time.perf_counter() - started
            began = time.perf_counter()
            files = {}
            for graph, path in data.extra.items():  # the bulk loader reads its own directory
                files[directory / path.name] = graph
                os.link(path, directory / path.name)
            server.bulk_load(files, timeout=args.load_timeout)
            bulk = time.perf_counter() - began
            seconds = shipped + bulk
            how = (
                f"`hairkg load` (shipped graph) {shipped:.1f} s + bulk loader (`ld_add`, "
                f"`rdf_loader_run`, `checkpoint`) of the extra triples {bulk:.1f} s"
            )
        # Virtuoso plans queries with the index samples it took while the store was empty
        # until it restarts (one competency question then ran past 30 s): restart, as an
        # operator would after a load (scripts/virtuoso_server.py, VirtuosoServer.restart)
        began = time.perf_counter()
        server.restart()
        how += f"; restarted after loading ({time.perf_counter() - began:.1f} s)"
        assert server.process is not None
        store = Store("virtuoso", server.query_url, server.process, server.stop, how, seconds)
        check_counts(store, data)
    except BaseException:
        server.stop()
        raise
    return store


def check_counts(store: Store, data: Data) -> None:
    found = count_per_graph(store.query_url, data.graphs)
    if found != data.counts:
        raise RuntimeError(f"{store.title} holds {found}, hairkg serves {data.counts}")
    log(
        f"[{data.label}] {store.title}: loaded and checked, {sum(found.values()):,} triples in "
        f"{len(found)} graphs; {store.load}"
    )


# ----------------------------------------------------------------------------- targets


@dataclass
class Target:
    """Where the driver sends the queries, and what it is in the comparison."""

    name: str
    title: str
    role: str  # "store" (a), "front" (b: hairkg --store sparql), "embedded" (c)
    store: str | None  # the remote store's name, for a and b
    driver: eb.Driver
    startup: str = ""


def hairkg_command(data: Data, args: argparse.Namespace, store: Store | None) -> list[str]:
    command = [sys.executable, "-m", "hairkg", "serve", "--host", "127.0.0.1", "--port", "0"]
    command += ["--workers", str(args.workers), "--data", str(data.synthetic), "--no-validate"]
    if store is not None:
        command += ["--store", "sparql", "--store-query-url", store.query_url]
    return command


def start_hairkg(
    name: str, data: Data, args: argparse.Namespace, workdir: Path, store: Store | None, **env: str
) -> eb.Server:
    environment = {
        **NOCACHE,
        "HAIRKG_ACCESS_LOG": str(workdir / f"{name}-{data.label}.access.log"),
        **env,
    }
    return eb.start_process(name, hairkg_command(data, args, store), env=environment)


def _process_cpu(process: subprocess.Popen[Any]) -> Callable[[], float]:
    server = eb.Server("", process)
    return server.tree_cpu_seconds


def make_targets(
    data: Data, stores: Sequence[Store], args: argparse.Namespace, workdir: Path
) -> list[Target]:
    targets = []

    def driver(server: eb.Server, encode: Any, parts: dict[str, Callable[[], float]]) -> eb.Driver:
        return eb.Driver(
            server,
            args.concurrency,
            args.request_timeout,
            parse_every=False,
            fixed_answer=False,
            encode=encode,
            cpu_parts=parts,
        )

    for store in stores:
        store_cpu = _process_cpu(store.process)
        direct = eb.Server(store.name, store.process, url=store.query_url)
        targets.append(
            Target(
                store.name,
                f"{store.title} directly",
                "store",
                store.name,
                driver(direct, store_form(data.graphs), {"store": store_cpu}),
                store.load,
            )
        )
        log(f"[{data.label}] starting hairkg serve --store sparql on {store.title}")
        front = start_hairkg(f"hairkg-{store.name}", data, args, workdir, store)
        targets.append(
            Target(
                front.name,
                f"hairkg → {store.title}",
                "front",
                store.name,
                driver(front, hairkg_post, {"hairkg": front.tree_cpu_seconds, "store": store_cpu}),
                f"{front.startup_seconds:.1f} s",
            )
        )
    embedded = [("hairkg-embedded", "hairkg embedded", {})]
    if args.keep_workers:
        embedded.append(
            (
                "hairkg-embedded-keep",
                "hairkg embedded, workers kept",
                {"HAIRKG_WORKER_RECYCLE_MB": "0"},
            )
        )
    for name, title, env in embedded:
        log(f"[{data.label}] starting {title}")
        server = start_hairkg(name, data, args, workdir, None, **env)
        targets.append(
            Target(
                name,
                title,
                "embedded",
                None,
                driver(server, hairkg_post, {"hairkg": server.tree_cpu_seconds}),
                f"{server.startup_seconds:.1f} s",
            )
        )
    return targets


# ----------------------------------------------------------------------------- measuring


@dataclass
class Merged:
    """A target's rounds of one workload, as one measurement."""

    requests: int = 0
    seconds: float = 0.0
    errors: int = 0
    first_error: str = ""
    aborted: bool = False
    latencies: list[float] = field(default_factory=list)
    per_query: dict[str, list[float]] = field(default_factory=dict)
    rounds: list[float] = field(default_factory=list)  # q/s per round
    cpu_seconds: dict[str, float] = field(default_factory=dict)  # part -> CPU s in all rounds

    @property
    def qps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, fraction: float, latencies: Sequence[float] | None = None) -> float:
        ordered = sorted(self.latencies if latencies is None else latencies)
        if not ordered:
            return math.nan
        return 1000 * ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]

    def cpu_ms(self, part: str) -> float:
        if part not in self.cpu_seconds or not self.requests:
            return math.nan
        return 1000 * self.cpu_seconds[part] / self.requests

    def add(self, outcome: eb.Outcome) -> None:
        self.requests += outcome.requests
        self.seconds += outcome.seconds
        self.errors += outcome.errors
        self.first_error = self.first_error or outcome.first_error
        self.aborted = self.aborted or outcome.aborted
        self.rounds.append(outcome.qps)
        for sample in outcome.samples:
            self.latencies.append(sample.seconds)
            self.per_query.setdefault(sample.query, []).append(sample.seconds)
        for part, ms in outcome.parts_cpu_ms.items():
            spent = ms * outcome.requests / 1000 if outcome.requests else 0.0
            self.cpu_seconds[part] = self.cpu_seconds.get(part, 0.0) + spent
        if outcome.requests:
            spent = outcome.driver_cpu_ms * outcome.requests / 1000
            self.cpu_seconds["driver"] = self.cpu_seconds.get("driver", 0.0) + spent

    def spread(self) -> float:
        """(highest - lowest) ÷ mean of the rounds' q/s: how much the rounds disagree."""
        rates = [rate for rate in self.rounds if rate]
        if len(rates) < 2:
            return math.nan
        return (max(rates) - min(rates)) / (sum(rates) / len(rates))


@dataclass
class SizeResult:
    size: int
    label: str
    triples: int
    targets: list[Target]
    workloads: list[str]
    measured: dict[tuple[str, str], Merged]
    differences: list[str]
    notes: list[str]
    load: dict[str, str]
    minutes: float
    load_average: tuple[str, str]


def measure(
    targets: Sequence[Target],
    workloads: Sequence[tuple[str, list[eb.Query]]],
    args: argparse.Namespace,
    label: str,
) -> dict[tuple[str, str], Merged]:
    measured: dict[tuple[str, str], Merged] = {}
    for number in range(args.rounds):
        shift = number % len(targets)
        order = [*targets[shift:], *targets[:shift]]
        log(f"[{label}] round {number + 1} of {args.rounds}: {', '.join(t.name for t in order)}")
        for workload, queries in workloads:
            for target in order:
                outcome = target.driver.run(workload, queries, args.seconds, args.warmup)
                measured.setdefault((target.name, workload), Merged()).add(outcome)
                log(
                    f"[{label}] {target.name:22} {workload:26} {outcome.qps:8.1f} q/s  "
                    f"p50 {outcome.p50_ms:8.2f} ms  p95 {outcome.p95_ms:8.2f} ms"
                    + (
                        f"  errors {outcome.errors}: {outcome.first_error}"
                        if outcome.errors
                        else ""
                    )
                )
    return measured


def difference(expected: Any, found: Any) -> str:
    """How an answer differs from the embedded store's, in a few words."""
    if eb._untagged(expected) == eb._untagged(found):
        return "same values, other datatype or language tag"
    if expected[0] != found[0] or expected[0] == "boolean":
        return f"{found[0]} {found[1]} instead of {expected[0]} {expected[1]}"
    unit = "rows" if expected[0] == "rows" else "triples"
    mine, theirs = expected[1], found[1]
    return (
        f"{sum(theirs.values())} {unit} instead of {sum(mine.values())} "
        f"({sum((mine - theirs).values())} missing, {sum((theirs - mine).values())} extra)"
    )


def compare(targets: Sequence[Target], queries: Sequence[eb.Query]) -> tuple[list[str], list[str]]:
    """Differences of every target's first answers from the embedded store's (rows as a
    multiset, numbers by value, blank nodes ignored), one line per target; and notes."""
    reference = next(t for t in targets if t.role == "embedded")
    differences, notes = [], []
    for target in targets:
        notes += [f"{target.title}: {note}" for note in sorted(target.driver.notes)]
        if target.driver.reconnects:
            notes.append(
                f"{target.title}: closed an idle keep-alive connection "
                f"{target.driver.reconnects} times (the driver reconnected)"
            )
        if target.role == "embedded":
            continue
        found_here = []
        for query in queries:
            mine = reference.driver.answers.get(query.name)
            theirs = target.driver.answers.get(query.name)
            if mine is None or theirs is None:
                continue
            try:
                expected = eb.normalise_answer(query, *mine)
                found = eb.normalise_answer(query, *theirs)
            except Exception as error:  # an answer that does not parse is a finding too
                found_here.append(f"{query.name}: cannot compare ({error})")
                continue
            if expected != found:
                found_here.append(f"{query.name}: {difference(expected, found)}")
        if found_here:
            differences.append(f"{target.title}: " + "; ".join(found_here))
    return differences, notes


def bench_size(size: int, args: argparse.Namespace, workdir: Path) -> SizeResult:
    began = time.perf_counter()
    before = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    data = prepare_data(size, args, workdir)
    cqs, synthetic = eb.load_queries([])
    workloads = [("synthetic mix", synthetic)]
    if size <= args.cq_up_to:
        workloads.append(("competency questions", cqs))
    stores: list[Store] = []
    try:
        for name in args.stores:
            log(f"[{data.label}] starting and loading {STORE_TITLES[name]}")
            start = start_oxigraph if name == "oxigraph" else start_virtuoso
            stores.append(start(data, workdir, args))
        targets = make_targets(data, stores, args, workdir)
        measured = measure(targets, workloads, args, data.label)
        differences, notes = compare(targets, [*synthetic, *cqs])
    finally:
        eb.stop_all()
        for store in stores:
            store.stop()
    after = " / ".join(f"{value:.1f}" for value in os.getloadavg())
    return SizeResult(
        size,
        data.label,
        sum(data.counts.values()),
        targets,
        [name for name, _ in workloads],
        measured,
        differences,
        notes,
        {store.title: store.load for store in stores},
        (time.perf_counter() - began) / 60,
        (before, after),
    )


# ----------------------------------------------------------------------------- report


def _ms(value: float) -> str:
    if math.isnan(value):
        return "-"
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _qps(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.1f}"


def _ratio(top: float, bottom: float) -> str:
    if not top or not bottom or math.isnan(top) or math.isnan(bottom):
        return "-"
    return f"{top / bottom:.2f}"


def render(results: Sequence[SizeResult], args: argparse.Namespace, minutes: float) -> str:
    command = " ".join(["bench/remote_bench.py", *args.argv])
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    out = [
        f"# hairkg on a remote store, the store directly, hairkg embedded ({datetime.date.today()})",
        "",
        f"Command: `.venv/bin/python {command}` (hairkg {eb.revision()}; {minutes:.1f} min in "
        "all, loading included).",
        "",
        f"Machine: {os.cpu_count()} cores, {memory:.0f} GiB, {platform.system()} "
        f"{platform.release()}, {platform.python_implementation()} {platform.python_version()}; "
        f"pyoxigraph / Oxigraph server {_oxigraph_version()}, {_virtuoso_version()}. Other work "
        "ran on the same cores during the run (load averages below, before and after each "
        "size); the load driver (Python threads in this process) shares them too.",
        "",
        f"Each target, each workload: {args.rounds} rounds of {args.seconds:g} s measured after "
        f"{args.warmup:g} s of warm-up (every query once, then the mix), {args.concurrency} "
        "client threads with keep-alive connections; in each round the targets take their "
        "turn one after the other, the order rotated from round to round. q/s is over all "
        "rounds, p50/p95 over all their requests. hairkg: `hairkg serve --no-validate --workers "
        f"{args.workers} --data synthetic.nt`, result cache off (`HAIRKG_RESULT_CACHE_MB=0`: "
        "every request goes through a query worker, to the store for `--store sparql`), per-"
        "client cap off (`HAIRKG_CLIENT_QUERY_LIMIT=0`), access log to a file. The store "
        "directly: each query as hairkg sends it — a form POST, the served graphs as "
        "`default-graph-uri` and `named-graph-uri` — so (b) ÷ (a) is the hop through hairkg, "
        "nothing else. CONSTRUCT and DESCRIBE answers are asked for as N-Triples everywhere.",
        "",
        "Targets: **(a)** the store's own SPARQL endpoint; **(b)** `hairkg serve --store "
        "sparql` in front of it; **(c)** `hairkg serve` on its embedded store, with the same "
        "`--data`"
        + (
            ", as shipped and with its query workers never recycled (`HAIRKG_WORKER_RECYCLE_MB=0`)"
            if args.keep_workers
            else ""
        )
        + f". Workloads: the synthetic mix of `bench/endpoint_bench.py` at every size, its 15 "
        f"competency questions up to {args.cq_up_to:,} triples (beyond, some take 10-25 s on "
        "Oxigraph's server, past hairkg's 10 s limit).",
        "",
        "Ratios: **(b) ÷ (a)** = hairkg in front of the store ÷ the store's own endpoint: for "
        "q/s, below 1 is what the extra hop costs; for p50 latency, above 1 is the hop's "
        "added latency. **(b) ÷ (c)** = hairkg in front of the store ÷ hairkg on its embedded "
        "store, the same way round.",
    ]
    for result in results:
        out += render_size(result)
    return "\n".join(out) + "\n"


def render_size(result: SizeResult) -> list[str]:
    out = [
        "",
        f"## {result.label} synthetic triples ({result.triples:,} triples served in all)",
        "",
        f"One run, {result.minutes:.1f} min for this size (loading, starting, measuring); "
        f"load average {result.load_average[0]} before, {result.load_average[1]} after.",
        "",
        "Loading: "
        + "; ".join(f"{title}: {how}" for title, how in result.load.items())
        + ". hairkg started in: "
        + "; ".join(f"{t.title} {t.startup}" for t in result.targets if t.role != "store")
        + " (each builds the dataset from the shipped graph and the file itself).",
    ]
    for workload in result.workloads:
        out += [
            "",
            f"### {workload} ({result.label})",
            "",
            "| target | q/s | q/s by round | p50 ms | p95 ms | errors | CPU ms/query: hairkg "
            "| store | driver |",
            "|---|---:|---|---:|---:|---:|---:|---:|---:|",
        ]
        for target in result.targets:
            merged = result.measured.get((target.name, workload))
            if merged is None:
                continue
            label = {"store": "(a)", "front": "(b)", "embedded": "(c)"}[target.role]
            out.append(
                f"| {label} {target.title} | {_qps(merged.qps)} | "
                + " / ".join(_qps(rate) for rate in merged.rounds)
                + f" | {_ms(merged.percentile(0.5))} | {_ms(merged.percentile(0.95))} | "
                f"{merged.errors}{' (timeout)' if merged.aborted else ''} | "
                f"{_ms(merged.cpu_ms('hairkg'))} | {_ms(merged.cpu_ms('store'))} | "
                f"{_ms(merged.cpu_ms('driver'))} |"
            )
        out += ["", *ratio_table(result, workload), "", noise(result, workload)]
    out += ["", *per_query_table(result)]
    out += [
        "",
        "Answers compared with hairkg embedded's (the first answer of each query; rows as a "
        "multiset, numbers by value, blank nodes ignored); where a target is not listed, all "
        "its answers are the same: ",
    ]
    if result.differences:
        out += [f"- {d}" for d in result.differences]
    else:
        out[-1] += "all the same."
    errors = [
        f"- {t.title} / {w}: {m.errors} errors, first: {m.first_error[:300]}"
        for (name, w), m in result.measured.items()
        for t in result.targets
        if t.name == name and m.errors
    ]
    if errors:
        out += ["", "Errors (status not 200, an answer that does not parse, a timeout):", *errors]
    if result.notes:
        out += ["", "Notes:", *[f"- {n}" for n in result.notes]]
    return out


def noise(result: SizeResult, workload: str) -> str:
    """How far the rounds of each target disagree: the measure of this run's noise."""
    spreads = {
        target.title: merged.spread()
        for target in result.targets
        if (merged := result.measured.get((target.name, workload))) is not None
    }
    known = {title: value for title, value in spreads.items() if not math.isnan(value)}
    if not known:
        return "Noise: one round only, no spread between rounds to show."
    worst = max(known, key=lambda title: known[title])
    return (
        "Noise: the q/s of a target's rounds differ by "
        f"{min(known.values()):.0%} to {max(known.values()):.0%} of their mean (most: "
        f"{worst}); ratios that differ by less than that are within this run's noise."
    )


def ratio_table(result: SizeResult, workload: str) -> list[str]:
    by_name = {t.name: t for t in result.targets}
    embedded = result.measured.get(("hairkg-embedded", workload))
    kept = result.measured.get(("hairkg-embedded-keep", workload))
    lines = [
        "| store | (b) ÷ (a) q/s | (b) ÷ (a) p50 | (b) ÷ (c) q/s | (b) ÷ (c) p50 | "
        + ("(b) ÷ (c, workers kept) q/s | " if kept else "")
        + "CPU ms/query (b), hairkg + store | CPU ms/query (a) |",
        "|---|---:|---:|---:|---:|" + ("---:|" if kept else "") + "---:|---:|",
    ]
    for target in result.targets:
        if target.role != "front" or target.store is None:
            continue
        front = result.measured.get((target.name, workload))
        direct = result.measured.get((target.store, workload))
        if front is None or direct is None:
            continue
        cells = [
            by_name[target.store].title.removesuffix(" directly"),
            _ratio(front.qps, direct.qps),
            _ratio(front.percentile(0.5), direct.percentile(0.5)),
            _ratio(front.qps, embedded.qps) if embedded else "-",
            _ratio(front.percentile(0.5), embedded.percentile(0.5)) if embedded else "-",
        ]
        if kept:
            cells.append(_ratio(front.qps, kept.qps))
        cells += [
            f"{_ms(front.cpu_ms('hairkg'))} + {_ms(front.cpu_ms('store'))}",
            _ms(direct.cpu_ms("store")),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def per_query_table(result: SizeResult) -> list[str]:
    """Median latency per query in the mixes, every target (where the hop costs most)."""
    names = [t.name for t in result.targets]
    lines = [
        f"Median latency per query, ms, within the mixes ({result.label}; - : not answered "
        "within the measured windows):",
        "",
        "| query | " + " | ".join(t.title for t in result.targets) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for workload in result.workloads:
        queries: list[str] = []
        for name in names:
            merged = result.measured.get((name, workload))
            for query in merged.per_query if merged else ():
                if query not in queries:
                    queries.append(query)
        for query in queries:
            cells = []
            for name in names:
                merged = result.measured.get((name, workload))
                samples = merged.per_query.get(query, []) if merged else []
                cells.append(_ms(merged.percentile(0.5, samples)) if merged and samples else "-")
            lines.append(f"| {query} | " + " | ".join(cells) + " |")
    return lines


def _oxigraph_version() -> str:
    import pyoxigraph

    return str(pyoxigraph.__version__)


def _virtuoso_version() -> str:
    if shutil.which("virtuoso-t") is None:
        return "Virtuoso not installed"
    done = subprocess.run(
        ["virtuoso-t", "-?"], capture_output=True, text=True, check=False, timeout=30
    )
    for line in (done.stdout + done.stderr).splitlines():
        if "Version" in line:
            return "Virtuoso " + line.split("Version", 1)[1].strip()
    return "Virtuoso (version unknown)"


# ----------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--stores", nargs="+", choices=STORES, default=list(STORES))
    parser.add_argument("--seconds", type=float, default=5.0, help="per target, workload, round")
    parser.add_argument("--warmup", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="hairkg's query workers")
    parser.add_argument(
        "--cq-up-to",
        type=int,
        default=100_000,
        help="the competency questions up to this size, the synthetic mix at every size (at 1M "
        "some questions take 10-25 s on Oxigraph's server, past hairkg's 10 s limit)",
    )
    parser.add_argument(
        "--keep-workers",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also hairkg embedded with HAIRKG_WORKER_RECYCLE_MB=0 (workers never recycled; "
        "at 1M the default recycling is most of the embedded store's cost)",
    )
    parser.add_argument(
        "--bulk-from",
        type=int,
        default=1_000_000,
        help="from this size on, the extra triples go in with the store's own bulk loader "
        "(the shipped graph still with hairkg load)",
    )
    parser.add_argument(
        "--virtuoso-buffers", type=int, default=100_000, help="NumberOfBuffers (8 KiB pages)"
    )
    parser.add_argument("--load-timeout", type=float, default=1800.0)
    parser.add_argument("--request-timeout", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, help="keep data, stores and logs here")
    parser.add_argument("--output", type=Path, help="also write the Markdown report here")
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    eb.stop_on_sigterm()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="hairkg-remote-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    # one inference cache for this run's hairkg processes and this one (bulk-load files)
    os.environ["HAIRKG_CACHE_DIR"] = str(workdir / "hairkg-cache")
    began = time.perf_counter()
    results = []
    try:
        for size in args.sizes:
            results.append(bench_size(size, args, workdir))
    except KeyboardInterrupt:
        log("interrupted: the servers are stopped")
        return 130
    finally:
        eb.stop_all()
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    report = render(results, args, (time.perf_counter() - began) / 60)
    print(report)
    if args.output:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(report, encoding="utf-8")
        log(f"report written to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
