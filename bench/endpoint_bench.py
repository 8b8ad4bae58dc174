"""Benchmark hairkg's SPARQL endpoint against other endpoints on the same synthetic data.

Servers (each started here, on a free loopback port, and stopped at the end):

* ``hairkg``: ``hairkg serve --data SYNTHETIC.nt --no-validate`` (waitress + worker processes);
* ``bare``: Flask + in-memory pyoxigraph under waitress, no protocol features
  (``bench/bare_apps.py bare``): the limit hairkg's features are measured against;
* ``oxigraph``: Oxigraph's own server (PyPI ``oxigraph``), ``oxigraph load`` then
  ``oxigraph serve --union-default-graph``;
* ``rdflib``: rdflib-endpoint (``SparqlEndpoint`` over an rdflib ``Dataset``) under uvicorn;
* ``floor``: Flask returning a fixed answer under the same waitress settings.

Every server holds the same quads: the dataset hairkg builds from its shipped graph plus the
synthetic file (``hairkg.graph.loading.build_store``, named graphs and inferences
included), and every server's default graph is the union of the named graphs, as hairkg's
is. So the competency questions (``queries/*.rq``, some of which use ``GRAPH``) and the
synthetic mix (no ``GRAPH``) have the same answers everywhere; the script checks that.

The load driver runs ``--concurrency`` threads with keep-alive ``http.client`` connections,
POSTs each query (``application/sparql-query``), checks that every answer has status 200 and
parses (SPARQL JSON with ``json``, RDF with pyoxigraph; identical bodies are parsed once),
and reports queries/second and p50/p95 latency per (server, query) and for the mixes, with
ratios to hairkg. Usage::

    .venv/bin/python bench/endpoint_bench.py [--sizes 10000 100000] [--seconds 5] \
        [--concurrency 2] [--servers hairkg bare oxigraph rdflib floor] [--output report.md]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import synthetic_data  # noqa: E402  (a sibling module, not a package)
from processes import tree  # noqa: E402  (a sibling module)
from report import revision  # noqa: E402  (a sibling module)

SERVERS = (
    "hairkg",
    "hairkg-nocache",
    "hairkg-nocache-keep",
    "hairkg-base",
    "hairkg-base-nocache",
    "bare",
    "oxigraph",
    "rdflib",
    "floor",
)
TITLES = {
    "hairkg": "hairkg",
    "hairkg-nocache": "hairkg, result cache off",
    "hairkg-base": "hairkg before (--baseline)",
    "hairkg-base-nocache": "hairkg before (--baseline), result cache off",
    "hairkg-nocache-keep": "hairkg, result cache off, workers never recycled",
    "hairkg-nocache-unconfined": "hairkg, result cache off, web process unconfined",
    "bare": "bare Flask+pyoxigraph",
    "oxigraph": "Oxigraph server",
    "rdflib": "rdflib-endpoint",
    "floor": "Flask floor",
}
XSD = "http://www.w3.org/2001/XMLSchema#"
_NUMERIC = {XSD + t for t in ("decimal", "double", "float", "integer")}

_PREFIXES = """PREFIX hkg: <https://w3id.org/hairkg/ontology/>
PREFIX hkr: <https://w3id.org/hairkg/resource/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX bibo: <http://purl.org/ontology/bibo/>
"""

#: The synthetic mix: (name, query). None uses GRAPH; result sizes stay below hairkg's
#: 10,000-row limit on the 100k data.
SYNTHETIC_QUERIES: tuple[tuple[str, str], ...] = (
    ("point lookup", "SELECT ?p ?o WHERE { hkr:syn-study-000123 ?p ?o }"),
    (
        "range filter",
        "SELECT ?study ?n WHERE { ?study hkg:enrolledCount ?n FILTER(?n >= 100 && ?n < 150) }",
    ),
    (
        "3-way join",
        "SELECT ?study ?therapy ?doi WHERE {\n"
        "  ?study hkg:studyDesign hkr:design-randomised-controlled-trial ;\n"
        "         hkg:intervention ?therapy ; hkg:describedIn ?pub .\n"
        "  ?therapy hkg:donorRelation hkr:donor-allogeneic .\n"
        "  ?pub bibo:doi ?doi }",
    ),
    (
        "OPTIONAL",
        "SELECT ?study ?label ?n ?comparator WHERE {\n"
        "  ?study hkg:studiesCondition hkr:condition-alopecia-areata ; rdfs:label ?label .\n"
        "  OPTIONAL { ?study hkg:enrolledCount ?n }\n"
        "  OPTIONAL { ?study hkg:comparatorTherapy ?comparator } }",
    ),
    (
        "GROUP BY",
        "SELECT ?design (COUNT(?study) AS ?studies) (SUM(?n) AS ?participants)\n"
        "       (MAX(?n) AS ?largest)\n"
        "WHERE { ?study hkg:studyDesign ?design ; hkg:enrolledCount ?n } GROUP BY ?design",
    ),
    (
        "ORDER BY LIMIT",
        "SELECT ?study ?n WHERE { ?study hkg:enrolledCount ?n } ORDER BY DESC(?n) ?study LIMIT 10",
    ),
    (
        "text filter",
        "SELECT ?finding ?label WHERE { ?finding rdfs:label ?label\n"
        '  FILTER(CONTAINS(LCASE(STR(?label)), "trichoscan")) }',
    ),
    (
        "CONSTRUCT",
        "CONSTRUCT { ?study hkg:intervention ?therapy ; hkg:enrolledCount ?n }\n"
        "WHERE { ?study hkg:studyDesign hkr:design-split-scalp-comparison ;\n"
        "              hkg:intervention ?therapy ; hkg:enrolledCount ?n }",
    ),
    ("DESCRIBE", "DESCRIBE hkr:syn-study-000042"),
    (
        "ASK",
        "ASK { ?study hkg:enrolledCount ?n ; hkg:isRandomised true FILTER(?n > 495) }",
    ),
)


def log(message: str) -> None:
    """Progress on stderr (the report goes to stdout)."""
    print(message, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- queries


@dataclass(frozen=True)
class Query:
    """One benchmark query."""

    name: str
    text: str
    form: str  # SELECT, ASK, CONSTRUCT, DESCRIBE

    @property
    def accept(self) -> str:
        if self.form in ("CONSTRUCT", "DESCRIBE"):
            return "text/turtle"
        return "application/sparql-results+json"


def _form(text: str) -> str:
    from hairkg.settings import Settings
    from hairkg.sparql.guard import check_query

    form = check_query(text, Settings().query_limits).form
    if form is None:
        raise ValueError(f"cannot tell the form of query:\n{text}")
    return form


def load_queries(cq_filter: Sequence[str]) -> tuple[list[Query], list[Query]]:
    """Return (competency questions, synthetic mix)."""
    cqs = []
    for path in sorted((ROOT / "queries").glob("*.rq")):
        name = path.stem.split("-", 1)[0]
        if cq_filter and not any(f in path.stem for f in cq_filter):
            continue
        text = path.read_text(encoding="utf-8")
        cqs.append(Query(name, text, _form(text)))
    synthetic = []
    for name, body in SYNTHETIC_QUERIES:
        text = _PREFIXES + body
        synthetic.append(Query(name, text, _form(text)))
    return cqs, synthetic


# ----------------------------------------------------------------------------- servers


def free_port() -> int:
    """A free loopback port (for servers that cannot bind port 0 and report it)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A server process started by this script (in its own process group)."""

    name: str
    process: subprocess.Popen[str]
    url: str = ""  # the SPARQL endpoint
    startup_seconds: float = 0.0
    output: list[str] = field(default_factory=list)

    def tree_cpu_seconds(self) -> float:
        """CPU time (user + system) of the server and all its live descendants, and of the
        descendants they have reaped (hairkg's recycled query workers): without those, a
        recycled worker's CPU would vanish from the sum, even make it go down."""
        return sum(_cpu_seconds(pid) for pid in tree(self.process.pid))

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                pass
        # whatever is left of the group (e.g. hairkg's workers): stop it too
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(5)


_RUNNING: list[Server] = []


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    # utime, stime, and cutime, cstime: the children it has waited for
    return sum(int(value) for value in fields[11:15]) / os.sysconf("SC_CLK_TCK")


def start_process(
    name: str,
    command: list[str],
    *,
    env: dict[str, str] | None = None,
    path: str = "/sparql",
    announced: bool = True,
    port: int | None = None,
    timeout: float = 900,
) -> Server:
    """Start ``command``; wait for 'listening on URL' (or, if not ``announced``, for HTTP)."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        start_new_session=True,  # its own process group, stopped as a whole
    )
    server = Server(name, process)
    _RUNNING.append(server)
    lines: list[str] = []
    found = threading.Event()
    base: list[str] = []

    def drain() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            match = re.search(r"listening on (http://\S+)", line)
            if match and not found.is_set():
                base.append(match.group(1))
                found.set()

    threading.Thread(target=drain, daemon=True).start()
    deadline = started + timeout
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            time.sleep(0.2)
            raise RuntimeError(f"{name} exited during startup:\n{''.join(lines)}")
        if announced and found.wait(0.05):
            server.url = base[0] + path
            break
        if not announced and _http_up(port or 0, path):
            server.url = f"http://127.0.0.1:{port}{path}"
            break
    else:
        raise RuntimeError(f"{name} did not start within {timeout:g} s:\n{''.join(lines)}")
    server.startup_seconds = time.perf_counter() - started
    server.output = lines
    return server


def _http_up(port: int, path: str) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        connection.request("GET", path + "?query=" + urllib.parse.quote("ASK {}"))
        connection.getresponse().read()
        connection.close()
        return True
    except OSError:
        time.sleep(0.1)
        return False


def stop(server: Server) -> None:
    server.stop()
    with contextlib.suppress(ValueError):
        _RUNNING.remove(server)


def stop_all() -> None:
    for server in list(_RUNNING):
        stop(server)


# ----------------------------------------------------------------------------- answers


def _norm_value(term: dict[str, str]) -> tuple[str, ...]:
    kind = term.get("type", "")
    if kind == "bnode":
        return ("bnode",)
    if kind == "uri":
        return ("uri", term["value"])
    value = term.get("value", "")
    lang = term.get("xml:lang", "").lower()
    datatype = term.get("datatype") or ("" if lang else XSD + "string")
    if datatype in _NUMERIC:
        with contextlib.suppress(InvalidOperation, ValueError):
            value = str(Decimal(value).normalize())
    if "; " in value:  # GROUP_CONCAT: the order inside a cell is not defined
        value = "; ".join(sorted(value.split("; ")))
    return ("literal", value, lang, datatype)


def normalise_answer(query: Query, content_type: str, body: bytes) -> Any:
    """A comparable form of an answer: a multiset of rows or triples, or a boolean."""
    if query.form in ("SELECT", "ASK"):
        document = json.loads(body)
        if "boolean" in document:
            return ("boolean", bool(document["boolean"]))
        rows = Counter(
            tuple(sorted((k, _norm_value(v)) for k, v in binding.items()))
            for binding in document["results"]["bindings"]
        )
        return ("rows", rows)
    triples: Counter[tuple[str, ...]] = Counter()
    for triple in _parse_rdf(content_type, body):
        terms = []
        for term in (triple.subject, triple.predicate, triple.object):
            text = str(term)
            terms.append("_:b" if text.startswith("_:") else text)
        triples[tuple(terms)] += 1
    return ("triples", triples)


def _untagged(answer: Any) -> Any:
    """``answer`` with literals reduced to their lexical form (no language, no datatype)."""
    if answer[0] != "rows":
        return answer
    rows: Counter[Any] = Counter()
    for row, count in answer[1].items():
        rows[tuple((k, v[:2]) for k, v in row)] += count
    return ("rows", rows)


def describe_difference(reference: Any, answer: Any) -> str:
    if _untagged(reference) == _untagged(answer):
        return (
            "same rows, but literals differ in language tag or datatype "
            "(e.g. GROUP_CONCAT of @en strings: Oxigraph keeps @en, rdflib gives xsd:string)"
        )
    if reference[0] != answer[0]:
        return f"{answer[0]} instead of {reference[0]}"
    if reference[0] == "boolean":
        return f"{answer[1]} instead of {reference[1]}"
    ref, got = reference[1], answer[1]
    missing, extra = ref - got, got - ref
    unit = "rows" if reference[0] == "rows" else "triples"
    parts = [f"{sum(got.values())} {unit} vs hairkg's {sum(ref.values())}"]
    if missing:
        parts.append(f"{sum(missing.values())} missing, e.g. {_short(next(iter(missing)))}")
    if extra:
        parts.append(f"{sum(extra.values())} extra, e.g. {_short(next(iter(extra)))}")
    return "; ".join(parts)


def _short(item: Any) -> str:
    text = str(item)
    return text if len(text) < 160 else text[:157] + "..."


_RDF_MEDIA = {
    "text/turtle": "TURTLE",
    "application/n-triples": "N_TRIPLES",
    "application/rdf+xml": "RDF_XML",
    "application/ld+json": "JSON_LD",
    # rdflib-endpoint labels a DESCRIBE answer (RDF/XML) as SPARQL XML results
    "application/sparql-results+xml": "RDF_XML",
    "application/xml": "RDF_XML",
}


def _parse_rdf(content_type: str, body: bytes) -> Iterator[Any]:
    import pyoxigraph as ox

    media = content_type.split(";")[0].strip().lower()
    name = _RDF_MEDIA.get(media)
    if name is None:
        raise ValueError(f"unexpected Content-Type {content_type!r} for an RDF answer")
    yield from ox.parse(body, format=getattr(ox.RdfFormat, name))


def check_answer(
    query: Query, content_type: str, body: bytes, fixed: bool, graph_media: str = "text/turtle"
) -> str | None:
    """Parse an answer; return a note (or None) or raise if it does not parse.

    ``graph_media`` is the RDF syntax asked for a CONSTRUCT or DESCRIBE: another is noted.
    """
    media = content_type.split(";")[0].strip().lower()
    if fixed or query.form in ("SELECT", "ASK"):
        if media not in ("application/sparql-results+json", "application/json"):
            raise ValueError(f"Content-Type {content_type!r}, expected SPARQL JSON")
        document = json.loads(body)
        if "boolean" not in document and "bindings" not in document.get("results", {}):
            raise ValueError("JSON without 'boolean' or 'results.bindings'")
        return None
    for _ in _parse_rdf(content_type, body):
        pass
    if media != graph_media:
        return f"{query.form} answered as {media}"
    return None


# ----------------------------------------------------------------------------- driver


@dataclass
class Sample:
    query: str
    seconds: float


@dataclass
class Outcome:
    """Measurements of one (server, workload)."""

    server: str
    workload: str
    requests: int = 0
    errors: int = 0
    first_error: str = ""
    seconds: float = 0.0
    p50_ms: float = math.nan
    p95_ms: float = math.nan
    qps: float = 0.0
    server_cpu_ms: float = math.nan  # per query
    driver_cpu_ms: float = math.nan  # per query
    aborted: bool = False
    #: CPU ms per query of each part given to the driver (``cpu_parts``), e.g. a remote store
    parts_cpu_ms: dict[str, float] = field(default_factory=dict)
    #: every answered request of the measured phase (not in :meth:`as_dict`)
    samples: list[Sample] = field(default_factory=list, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "samples"}


class _NoDelayConnection(http.client.HTTPConnection):
    """Keep-alive connection with TCP_NODELAY, as urllib3 (requests) sets it.

    http.client sends a POST's headers and body in two writes; without TCP_NODELAY, Nagle's
    algorithm holds the body back until the server's delayed ACK (about 40 ms on Linux).
    """

    def connect(self) -> None:
        super().connect()
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)


def sparql_query_post(query: Query) -> tuple[bytes, dict[str, str]]:
    """The driver's default request: the query as an ``application/sparql-query`` POST body."""
    headers = {"Content-Type": "application/sparql-query", "Accept": query.accept}
    return query.text.encode("utf-8"), headers


class Driver:
    """A bounded closed-loop load driver: ``concurrency`` threads, keep-alive connections.

    ``encode`` makes a query's POST body and headers (default :func:`sparql_query_post`);
    ``cpu_parts`` are CPU-second counters of other processes the requests reach (a remote
    store), read at the start and the end of the measured phase like the server's own.
    """

    def __init__(
        self,
        server: Server,
        concurrency: int,
        timeout: float,
        parse_every: bool,
        fixed_answer: bool,
        encode: Callable[[Query], tuple[bytes, dict[str, str]]] = sparql_query_post,
        cpu_parts: Mapping[str, Callable[[], float]] | None = None,
    ) -> None:
        self.server = server
        self.concurrency = concurrency
        self.timeout = timeout
        self.parse_every = parse_every
        self.fixed_answer = fixed_answer
        self.encode = encode
        self.cpu_parts = dict(cpu_parts or {})
        url = urllib.parse.urlsplit(server.url)
        self.host, self.port, self.path = url.hostname or "", url.port or 80, url.path
        self.answers: dict[str, tuple[str, bytes]] = {}  # first answer per query
        self.notes: set[str] = set()
        self.reconnects = 0
        self._lock = threading.Lock()

    def retarget(self, server: Server) -> None:
        """Send further requests to ``server`` (a restarted instance)."""
        self.server = server
        url = urllib.parse.urlsplit(server.url)
        self.host, self.port, self.path = url.hostname or "", url.port or 80, url.path

    def _connection(self) -> http.client.HTTPConnection:
        return _NoDelayConnection(self.host, self.port, timeout=self.timeout)

    def _request(
        self,
        connection: http.client.HTTPConnection,
        query: Query,
        parsed: dict[tuple[str, bytes], bool],
    ) -> tuple[float, str | None]:
        """Send one query; return (seconds, error or None)."""
        body, headers = self.encode(query)
        started = time.perf_counter()
        for attempt in (1, 2):
            reused = connection.sock is not None
            try:
                connection.request("POST", self.path, body=body, headers=headers)
                response = connection.getresponse()
                data = response.read()
                break
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                stale = reused and not isinstance(error, TimeoutError)
                if attempt == 1 and stale:
                    # the server closed an idle keep-alive connection: reconnect once,
                    # as urllib3 does
                    with self._lock:
                        self.reconnects += 1
                    started = time.perf_counter()
                    continue
                return time.perf_counter() - started, f"{type(error).__name__}: {error}"
        elapsed = time.perf_counter() - started
        if response.status != 200:
            return elapsed, f"HTTP {response.status}: {data[:200]!r}"
        content_type = response.getheader("Content-Type", "")
        key = (content_type, data)
        if self.parse_every or key not in parsed:
            try:
                graph_media = headers["Accept"].split(",")[0].split(";")[0].strip()
                note = check_answer(query, content_type, data, self.fixed_answer, graph_media)
            except Exception as error:
                return elapsed, f"answer does not parse: {type(error).__name__}: {error}"
            parsed[key] = True
            if note:
                with self._lock:
                    self.notes.add(note)
        if response.getheader("Hairkg-Result-Truncated"):
            with self._lock:
                self.notes.add(f"{query.name}: truncated by hairkg's row limit")
        with self._lock:
            self.answers.setdefault(query.name, (content_type, data))
        return elapsed, None

    def run(
        self, workload: str, queries: Sequence[Query], seconds: float, warmup: float
    ) -> Outcome:
        """Warm up, then load the server for ``seconds``; every thread rotates ``queries``."""
        outcome = Outcome(self.server.name, workload)
        samples: list[list[Sample]] = [[] for _ in range(self.concurrency)]
        errors: list[list[str]] = [[] for _ in range(self.concurrency)]
        barrier = threading.Barrier(self.concurrency + 1)
        clock: dict[str, float] = {}
        ends = [0.0] * self.concurrency
        abort = threading.Event()

        def worker(index: int) -> None:
            connection = self._connection()
            parsed: dict[tuple[str, bytes], bool] = {}
            n = len(queries)
            offset = index * n // self.concurrency
            try:
                # warm-up: every query once (split among the threads), then until `warmup`
                warm_until = time.perf_counter() + warmup
                for position in range(index, n, self.concurrency):
                    if abort.is_set():
                        break
                    _, error = self._request(connection, queries[position], parsed)
                    if error:
                        errors[index].append(error)
                        if "timed out" in error:
                            abort.set()
                step = offset
                while time.perf_counter() < warm_until and not abort.is_set():
                    self._request(connection, queries[step % n], parsed)
                    step += 1
                barrier.wait()  # measured phase starts together
                barrier.wait()
                deadline = clock["deadline"]
                step = offset
                while time.perf_counter() < deadline and not abort.is_set():
                    query = queries[step % n]
                    step += 1
                    elapsed, error = self._request(connection, query, parsed)
                    if error:
                        errors[index].append(error)
                        if "timed out" in error:
                            abort.set()
                        continue
                    samples[index].append(Sample(query.name, elapsed))
                ends[index] = time.perf_counter()
            except threading.BrokenBarrierError:
                pass
            except BaseException:
                barrier.abort()
                raise
            finally:
                connection.close()

        threads = [
            threading.Thread(target=worker, args=(i,), daemon=True) for i in range(self.concurrency)
        ]
        for thread in threads:
            thread.start()
        try:
            barrier.wait()  # warm-up done
        except threading.BrokenBarrierError:
            raise RuntimeError(f"a driver thread failed on {workload}") from None
        cpu_server = self.server.tree_cpu_seconds()
        cpu_parts = {name: counter() for name, counter in self.cpu_parts.items()}
        cpu_driver = time.process_time()
        start = time.perf_counter()
        clock["deadline"] = start + seconds
        barrier.wait()
        for thread in threads:
            thread.join()
        wall = max(ends) - start if any(ends) else time.perf_counter() - start
        cpu_server = self.server.tree_cpu_seconds() - cpu_server
        cpu_parts = {name: counter() - cpu_parts[name] for name, counter in self.cpu_parts.items()}
        cpu_driver = time.process_time() - cpu_driver
        outcome.samples = [s for per_thread in samples for s in per_thread]
        latencies = sorted(s.seconds for s in outcome.samples)
        all_errors = [e for per_thread in errors for e in per_thread]
        outcome.requests = len(latencies)
        outcome.errors = len(all_errors)
        outcome.first_error = all_errors[0] if all_errors else ""
        outcome.aborted = abort.is_set()
        outcome.seconds = wall
        if latencies:
            outcome.p50_ms = 1000 * _percentile(latencies, 0.50)
            outcome.p95_ms = 1000 * _percentile(latencies, 0.95)
            outcome.qps = len(latencies) / wall
            outcome.server_cpu_ms = 1000 * cpu_server / len(latencies)
            outcome.driver_cpu_ms = 1000 * cpu_driver / len(latencies)
            outcome.parts_cpu_ms = {
                name: 1000 * seconds / len(latencies) for name, seconds in cpu_parts.items()
            }
        return outcome


def _percentile(ordered: Sequence[float], fraction: float) -> float:
    index = max(0, math.ceil(fraction * len(ordered)) - 1)
    return ordered[index]


# ----------------------------------------------------------------------------- one size


@dataclass
class SizeReport:
    """Everything measured for one data size."""

    size: int
    quads: int = 0
    workloads: list[str] = field(default_factory=list)
    outcomes: dict[tuple[str, str], Outcome] = field(default_factory=dict)
    startup: dict[str, str] = field(default_factory=dict)
    differences: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    servers: list[str] = field(default_factory=list)


def export_dataset(synthetic: Path, target: Path) -> int:
    """Write the quads hairkg serves for ``synthetic`` to ``target`` (N-Quads)."""
    import pyoxigraph as ox

    from hairkg.graph.loading import build_store

    store = build_store([synthetic])
    store.dump(output=str(target), format=ox.RdfFormat.N_QUADS)
    return len(store)


def hairkg_environments(workdir: Path, label: str) -> tuple[dict[str, str], dict[str, str]]:
    """The environment of hairkg as shipped, and of hairkg with the result cache off."""
    hairkg_env = {
        "HAIRKG_CACHE_DIR": str(workdir / f"hairkg-cache-{label}"),
        # the access log goes to a file, as an operator would keep it: on standard error it
        # would be read (and paid for) by this driver, on the same cores as the servers
        "HAIRKG_ACCESS_LOG": str(workdir / f"hairkg-access-{label}.log"),
        # every driver thread comes from 127.0.0.1: the per-client cap would refuse the
        # driver's own concurrency (it protects others from one client; here there are none)
        "HAIRKG_CLIENT_QUERY_LIMIT": "0",
    }
    return hairkg_env, {**hairkg_env, "HAIRKG_RESULT_CACHE_MB": "0"}


def hairkg_serve_command(data: Path, workers: int) -> list[str]:
    """``hairkg serve`` on a free loopback port with ``data`` added, validation off."""
    return [
        sys.executable,
        "-m",
        "hairkg",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--workers",
        str(workers),
        "--data",
        str(data),
        "--no-validate",
    ]


def bench_size(
    size: int,
    args: argparse.Namespace,
    workdir: Path,
    cqs: list[Query],
    synthetic: list[Query],
) -> SizeReport:
    report = SizeReport(size, servers=list(args.servers))
    label = _size_label(size)
    data = synthetic_data.write(workdir / f"synthetic-{label}.nt", size, args.seed)
    cache = workdir / f"hairkg-cache-{label}"  # empty: the first start computes inferences
    hairkg_env, nocache_env = hairkg_environments(workdir, label)
    os.environ["HAIRKG_CACHE_DIR"] = str(cache)
    workloads: list[tuple[str, list[Query]]] = []
    if not args.no_cq:
        workloads += [(q.name, [q]) for q in cqs]
        if cqs:
            workloads.append(("MIX competency questions", cqs))
    workloads += [(q.name, [q]) for q in synthetic]
    workloads.append(("MIX synthetic", synthetic))
    report.workloads = [name for name, _ in workloads]
    reference: dict[str, Any] = {}
    hairkg_command = hairkg_serve_command(data, args.workers)
    dump = workdir / f"dataset-{label}.nq"
    for name in args.servers:
        log(f"[{label}] starting {name}")
        if name in ("hairkg-base", "hairkg-base-nocache"):
            if args.baseline is None:
                raise SystemExit(f"{name} needs --baseline SRC")
            base_env = nocache_env if name.endswith("nocache") else hairkg_env
            env = {**base_env, "PYTHONPATH": str(args.baseline)}
            if args.baseline_cache is not None:
                env["HAIRKG_CACHE_DIR"] = str(args.baseline_cache)
            server = start_process(name, hairkg_command, env=env)
            report.startup[name] = f"{server.startup_seconds:.1f} s (tree {args.baseline})"
        elif name == "hairkg-nocache-keep":
            env = {**nocache_env, "HAIRKG_WORKER_RECYCLE_MB": "0"}
            server = start_process(name, hairkg_command, env=env)
            report.startup[name] = f"{server.startup_seconds:.1f} s, inference cache warm"
        elif name == "hairkg-nocache":
            server = start_process(name, hairkg_command, env=nocache_env)
            report.startup[name] = f"{server.startup_seconds:.1f} s, inference cache warm"
        elif name == "hairkg":
            server = start_process(name, hairkg_command, env=hairkg_env)
            report.startup[name] = (
                f"{server.startup_seconds:.1f} s with an empty inference cache "
                "(load + OWL-RL inference + dump + workers)"
            )
        else:
            if not report.quads:
                started = time.perf_counter()
                report.quads = export_dataset(data, dump)
                report.startup["export"] = (
                    f"{time.perf_counter() - started:.1f} s to build the same dataset "
                    f"({report.quads} quads) with hairkg.graph.loading, inference cache warm"
                )
            server = _start_other(name, dump, workdir, label, args, report)
        driver = Driver(
            server, args.concurrency, args.request_timeout, args.parse_every, name == "floor"
        )
        try:
            for workload, queries in workloads:
                outcome = driver.run(workload, queries, args.seconds, args.warmup)
                report.outcomes[(name, workload)] = outcome
                if outcome.aborted:
                    # a timed-out query may still occupy the server: start it afresh
                    log(f"[{label}] {name}: a request timed out; restarting the server")
                    stop(server)
                    startup = dict(report.startup)
                    if name.startswith("hairkg"):
                        env = nocache_env if name == "hairkg-nocache" else hairkg_env
                        server = start_process(name, hairkg_command, env=env)
                    else:
                        server = _start_other(name, dump, workdir, label, args, report)
                    report.startup = startup
                    driver.retarget(server)
                    report.notes.append(
                        f"{TITLES[name]}: restarted after a request to '{workload}' "
                        f"timed out ({args.request_timeout:g} s)"
                    )
                log(
                    f"[{label}] {name:8} {workload:28} {outcome.qps:9.1f} q/s  "
                    f"p50 {outcome.p50_ms:8.2f} ms  p95 {outcome.p95_ms:8.2f} ms"
                    + (
                        f"  errors {outcome.errors}: {outcome.first_error}"
                        if outcome.errors
                        else ""
                    )
                )
            report.notes += [f"{TITLES[name]}: {note}" for note in sorted(driver.notes)]
            if driver.reconnects:
                report.notes.append(
                    f"{TITLES[name]}: closed an idle keep-alive connection "
                    f"{driver.reconnects} times (the driver reconnected and retried)"
                )
            if name != "floor":
                _compare_answers(name, cqs + synthetic, driver, reference, report)
            if name == "hairkg":
                report.notes.append(
                    f"hairkg /health reports {_health_triples(server)} triples in the union"
                )
        finally:
            stop(server)
        if name == "hairkg":
            warm = start_process(name, hairkg_command, env=hairkg_env)
            report.startup["hairkg (warm)"] = (
                f"{warm.startup_seconds:.1f} s with the inference cache filled by the first start"
            )
            stop(warm)
    return report


def _health_triples(server: Server) -> int:
    with contextlib.suppress(OSError, ValueError, KeyError):
        base = server.url.rsplit("/", 1)[0]
        url = urllib.parse.urlsplit(base)
        connection = http.client.HTTPConnection(url.hostname or "", url.port or 80, timeout=10)
        connection.request("GET", "/health")
        return int(json.loads(connection.getresponse().read())["triples"])
    return 0


def _start_other(
    name: str,
    dump: Path,
    workdir: Path,
    label: str,
    args: argparse.Namespace,
    report: SizeReport,
) -> Server:
    threads = str(max(4, args.workers * 2))  # waitress threads, as hairkg serve uses
    apps = [sys.executable, str(BENCH / "bare_apps.py")]
    if name == "bare":
        server = start_process(name, [*apps, "bare", "--data", str(dump), "--threads", threads])
    elif name == "floor":
        server = start_process(name, [*apps, "floor", "--threads", threads])
    elif name == "rdflib":
        server = start_process(name, [*apps, "rdflib", "--data", str(dump)])
    elif name == "oxigraph":
        location = workdir / f"oxigraph-{label}"
        shutil.rmtree(location, ignore_errors=True)
        binary = str(Path(sys.executable).with_name("oxigraph"))
        started = time.perf_counter()
        subprocess.run(
            [binary, "load", "--location", str(location), "--file", str(dump)],
            check=True,
            capture_output=True,
        )
        loaded = time.perf_counter() - started
        port = free_port()
        command = [
            binary,
            "serve",
            "--location",
            str(location),
            "--bind",
            f"127.0.0.1:{port}",
            "--union-default-graph",
        ]
        server = start_process(name, command, path="/query", announced=False, port=port)
        report.startup[name] = (
            f"{loaded:.1f} s `oxigraph load` + {server.startup_seconds:.1f} s serve"
        )
        return server
    else:
        raise ValueError(name)
    report.startup[name] = f"{server.startup_seconds:.1f} s"
    return server


def _compare_answers(
    name: str,
    queries: Sequence[Query],
    driver: Driver,
    reference: dict[str, Any],
    report: SizeReport,
) -> None:
    for query in queries:
        answer = driver.answers.get(query.name)
        if answer is None:
            continue
        try:
            normal = normalise_answer(query, *answer)
        except Exception as error:
            report.differences.append(f"{TITLES[name]} / {query.name}: cannot compare ({error})")
            continue
        if query.name not in reference:
            reference[query.name] = normal
        elif normal != reference[query.name]:
            report.differences.append(
                f"{TITLES[name]} / {query.name}: "
                + describe_difference(reference[query.name], normal)
            )


# ----------------------------------------------------------------------------- report


def _size_label(size: int) -> str:
    return f"{size // 1000}k" if size % 1000 == 0 else str(size)


def _cell(outcome: Outcome | None) -> str:
    if outcome is None:
        return "-"
    if not outcome.requests:
        return f"failed ({outcome.errors} errors)"
    text = f"{outcome.qps:.1f} · {outcome.p50_ms:.1f} / {outcome.p95_ms:.1f}"
    if outcome.errors:
        text += f" ({outcome.errors} err)"
    if outcome.aborted:
        text += " (timeout)"
    return text


def _ratio(hairkg: Outcome | None, other: Outcome | None) -> str:
    if not hairkg or not other or not hairkg.qps or not other.qps:
        return "-"
    return f"{hairkg.qps / other.qps:.2f}x"


def render(reports: Sequence[SizeReport], args: argparse.Namespace) -> str:
    cores = os.cpu_count() or 0
    out = [
        "# hairkg endpoint benchmark",
        "",
        f"hairkg at {revision()}; {time.strftime('%Y-%m-%d %H:%M %Z')}.",
        "",
        f"Concurrency {args.concurrency} (closed loop, keep-alive), {args.seconds:g} s measured per "
        f"workload after {args.warmup:g} s warm-up; hairkg with {args.workers} query workers; "
        f"waitress threads {max(4, args.workers * 2)} for hairkg, bare and floor.",
        "",
        f"**This machine has {cores} CPU cores. The load driver (Python threads in this process) "
        "runs on the same cores and competes with the server for CPU**; the 'driver CPU' column "
        "shows how much it took. Server CPU per query (whole process tree, workers included) "
        "is the fairer cost measure when the CPU is saturated.",
        "",
        "All servers hold the same quads (hairkg's shipped graph + the synthetic triples + "
        "OWL-RL inferences, in named graphs) with the default graph as the union of the named "
        "graphs (Oxigraph server: `--union-default-graph`; rdflib-endpoint: "
        "`Dataset(default_union=True)`). Cells: queries/second · p50 / p95 latency in ms.",
    ]
    for report in reports:
        servers = [s for s in SERVERS if s in report.servers]
        label = _size_label(report.size)
        out += [
            "",
            f"## {label} synthetic triples ({report.quads} quads served in total)",
            "",
            "Startup: "
            + "; ".join(f"{TITLES.get(k, k)}: {v}" for k, v in report.startup.items())
            + ".",
            "",
            "| workload | " + " | ".join(TITLES[s] for s in servers) + " |",
            "|---|" + "---|" * len(servers),
        ]
        for workload in report.workloads:
            cells = [_cell(report.outcomes.get((s, workload))) for s in servers]
            bold = workload.startswith("MIX")
            name = f"**{workload}**" if bold else workload
            out.append(f"| {name} | " + " | ".join(cells) + " |")
        others = [s for s in servers if s != "hairkg"]
        if "hairkg" in servers and others:
            out += [
                "",
                f"Throughput ratio hairkg ÷ other ({label}; above 1 = hairkg faster):",
                "",
                "| workload | " + " | ".join(f"÷ {TITLES[s]}" for s in others) + " |",
                "|---|" + "---|" * len(others),
            ]
            for workload in report.workloads:
                mine = report.outcomes.get(("hairkg", workload))
                cells = [_ratio(mine, report.outcomes.get((s, workload))) for s in others]
                out.append(f"| {workload} | " + " | ".join(cells) + " |")
        out += [
            "",
            f"CPU per query in ms ({label}): server process tree / load driver:",
            "",
            "| workload | " + " | ".join(TITLES[s] for s in servers) + " |",
            "|---|" + "---|" * len(servers),
        ]
        for workload in report.workloads:
            cells = []
            for s in servers:
                o = report.outcomes.get((s, workload))
                cells.append(
                    "-"
                    if o is None or not o.requests
                    else f"{o.server_cpu_ms:.2f} / {o.driver_cpu_ms:.2f}"
                )
            out.append(f"| {workload} | " + " | ".join(cells) + " |")
        out += ["", "Answers compared with hairkg's (floor excluded): "]
        if report.differences:
            out += [f"- {d}" for d in report.differences]
        else:
            out[-1] += "all the same."
        errors = [
            f"- {TITLES[o.server]} / {o.workload}: {o.errors} errors, first: {o.first_error}"
            for o in report.outcomes.values()
            if o.errors
        ]
        if errors:
            out += ["", "Errors (status not 200, answer not parsing, or timeout):", *errors]
        if report.notes:
            out += ["", "Notes:", *[f"- {n}" for n in report.notes]]
    out += ["", "## Goals", ""]
    out += _goals(reports)
    return "\n".join(out) + "\n"


def _goals(reports: Sequence[SizeReport]) -> list[str]:
    lines = []
    for report in reports:
        for server in ("hairkg", "hairkg-nocache"):
            lines += _goals_of(report, server)
    return lines


def _goals_of(report: SizeReport, server: str) -> list[str]:
    label = f"{_size_label(report.size)} mix, {TITLES[server]}"
    mine = report.outcomes.get((server, "MIX synthetic"))
    if not mine or not mine.qps:
        return []

    def qps(other: str) -> float:
        outcome = report.outcomes.get((other, "MIX synthetic"))
        return outcome.qps if outcome else 0.0

    lines = []
    if qps("oxigraph"):
        ratio = mine.qps / qps("oxigraph")
        lines.append(
            f"- {label}: ≥ 2x Oxigraph server? {ratio:.2f}x — "
            + ("met" if ratio >= 2 else "**missed**")
        )
    if qps("rdflib"):
        ratio = mine.qps / qps("rdflib")
        lines.append(
            f"- {label}: ≥ 30x rdflib-endpoint? {ratio:.1f}x — "
            + ("met" if ratio >= 30 else "**missed**")
        )
    if qps("floor") and server == "hairkg":
        ratio = mine.qps / qps("floor")
        lines.append(
            f"- {label}: cache hits ≥ 0.7x the Flask floor? {ratio:.2f}x — "
            + ("met" if ratio >= 0.7 else "**missed**")
        )
    if qps("bare"):
        cost = 1 - mine.qps / qps("bare")
        lines.append(
            f"- {label}: features cost < 10% of the bare endpoint's throughput? "
            f"{100 * cost:.0f}% — " + ("met" if cost < 0.10 else "**missed**")
        )
    return lines


# ----------------------------------------------------------------------------- main


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--seconds", type=float, default=5.0, help="measured seconds per workload")
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per workload")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="hairkg query worker processes")
    parser.add_argument("--servers", nargs="+", choices=SERVERS, default=list(SERVERS))
    parser.add_argument("--cq", nargs="*", default=[], help="only competency questions matching")
    parser.add_argument("--no-cq", action="store_true", help="synthetic mix only")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--request-timeout", type=float, default=120.0)
    parser.add_argument(
        "--parse-every",
        action="store_true",
        help="parse every body, even one identical to a body already parsed",
    )
    parser.add_argument("--workdir", type=Path, help="keep data and stores here")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="server/ of an older checkout, run as hairkg-base and hairkg-base-nocache",
    )
    parser.add_argument(
        "--baseline-cache", type=Path, help="HAIRKG_CACHE_DIR for the older checkout"
    )
    parser.add_argument("--output", type=Path, help="also write the Markdown report here")
    parser.add_argument("--json", type=Path, help="write raw measurements as JSON")
    args = parser.parse_args(argv)
    # hairkg first: its answers are the reference
    args.servers = sorted(args.servers, key=lambda name: (name != "hairkg", SERVERS.index(name)))
    return args


def _terminate(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def stop_on_sigterm() -> None:
    """SIGTERM ends a benchmark as Ctrl-C does: its ``finally`` blocks stop the servers."""
    signal.signal(signal.SIGTERM, _terminate)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_sigterm()
    cqs, synthetic = load_queries(args.cq)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="hairkg-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    reports: list[SizeReport] = []
    try:
        for size in args.sizes:
            reports.append(bench_size(size, args, workdir, cqs, synthetic))
    except KeyboardInterrupt:
        log("interrupted: stopping the servers")
        return 130
    finally:
        stop_all()
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    text = render(reports, args)
    print(text)
    if args.output:
        args.output.write_text(text, encoding="utf-8")
    if args.json:
        raw = [
            {
                "size": r.size,
                "quads": r.quads,
                "startup": r.startup,
                "differences": r.differences,
                "notes": r.notes,
                "outcomes": [o.as_dict() for o in r.outcomes.values()],
            }
            for r in reports
        ]
        args.json.write_text(json.dumps(raw, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
