"""Serving big operator files: no size cap, one store on disk shared by the query workers."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from hairkg.errors import RdfSyntaxError, UnsafeInputError
from hairkg.graph.loading import build_store
from hairkg.graph.rdf_io import DEFAULT_MAX_FILE_BYTES
from hairkg.service import Service, prepare_service
from hairkg.settings import Settings
from hairkg.sparql.engines import ENGINES, QueryRequest
from hairkg.sparql.pool import WorkerPool, pid_of_workers
from live_server import start_server

EMBEDDED_ENGINES = ("memory", "oxigraph")
QUERY_DIR = Path(__file__).resolve().parents[1] / "queries"
EX = "http://example.org/scale/"
HKG = "https://w3id.org/hairkg/ontology/"


def _write_triples(path: Path, count: int) -> Path:
    """``count`` triples, 3 per resource, of terms the ontology says nothing about."""
    with path.open("w", encoding="utf-8") as out:
        for i in range(count // 3):
            out.write(
                f'<{EX}t{i}> <{EX}label> "thing {i}" .\n'
                f"<{EX}t{i}> <{EX}kind> <{EX}Kind{i % 7}> .\n"
                f"<{EX}t{i}> <{EX}next> <{EX}t{i // 2}> .\n"
            )
    return path


def _big_literals(path: Path, min_bytes: int) -> Path:
    """A few triples whose literals make the file bigger than ``min_bytes``."""
    literal = "x" * (1024 * 1024)
    with path.open("w", encoding="utf-8") as out:
        for i in range(min_bytes // len(literal) + 2):
            out.write(f'<{EX}big{i}> <{EX}text> "{literal}" .\n')
    return path


def _private_mb(pid: int) -> float:
    """Memory only this process holds (private clean + dirty pages), from /proc."""
    total = 0
    with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
        for line in handle:
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                total += int(line.split()[1])
    return total / 1024


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as handle:
        for line in handle:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


@pytest.mark.slow
def test_a_file_bigger_than_the_validate_cap_is_served(tmp_path: Path) -> None:
    big = _big_literals(tmp_path / "big.nt", DEFAULT_MAX_FILE_BYTES)
    assert big.stat().st_size > DEFAULT_MAX_FILE_BYTES
    with start_server("--no-validate", "--workers", "1", "--data", str(big)) as server:
        request = urllib.request.Request(
            server.endpoint,
            data=f"SELECT (COUNT(*) AS ?n) {{ ?s <{EX}text> ?o }}".encode(),
            headers={
                "Content-Type": "application/sparql-query",
                "Accept": "application/sparql-results+json",
            },
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            rows = json.load(response)["results"]["bindings"]
    assert int(rows[0]["n"]["value"]) == big.stat().st_size // (1024 * 1024 + 50)


def test_the_serving_cap_is_a_setting(tmp_path: Path) -> None:
    data = _write_triples(tmp_path / "data.nt", 30_000)
    with pytest.raises(UnsafeInputError, match="more than the limit of 1048576 bytes"):
        prepare_service(Settings(validate=False, workers=1, data_max_mb=1), [data])
    assert Settings.from_env({"HAIRKG_DATA_MAX_MB": "5"}).data_max_mb == 5


def test_the_store_host_builds_the_store_the_web_process_never_holds_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Built once, where the workers fork from: not built here, dumped and loaded again."""
    import hairkg.graph.loading

    def build_here(*args: object, **kwargs: object) -> None:
        raise AssertionError("the web process built the store")

    # the store host is a new interpreter: the patch reaches only this (the web) process
    monkeypatch.setattr(hairkg.graph.loading, "build_store", build_here)
    data = _write_triples(tmp_path / "data.nt", 3_000)
    service = prepare_service(Settings(workers=1), [data])
    try:
        assert service.validation is not None and service.validation.conforms()
        assert service.stats.triples_per_graph["data"] > 3_000
        answer = service.pool.execute(
            QueryRequest(f"SELECT (COUNT(*) AS ?n) {{ ?s <{EX}kind> ?k }}")
        )
        assert json.loads(answer.body)["results"]["bindings"][0]["n"]["value"] == "1000"
        assert service.dump_path is not None
        served = ox.Store()
        served.bulk_load(path=str(service.dump_path), format=ox.RdfFormat.N_QUADS)
        assert len(served) == sum(service.stats.triples_per_graph.values())
    finally:
        service.close()


def test_a_forked_store_host_serves_and_ends_by_itself_when_closed(tmp_path: Path) -> None:
    """``hairkg serve`` forks its host (``fork_host``): the same service, and a clean end.

    A forked host inherits the web process's end of their pipe; unless it closes it, it
    never sees the web process close the pipe and has to be killed. Run in a fresh
    interpreter, as the command runs it: forking this (threaded) test process would not be.
    """
    data = _write_triples(tmp_path / "data.nt", 300)
    probe = f"""
import json
from pathlib import Path
from hairkg.service import start_service
from hairkg.settings import Settings
from hairkg.sparql.engines import QueryRequest
from hairkg.sparql.pool import pid_of_workers

starting = start_service(Settings(workers=2), [Path({str(data)!r})], fork_host=True)
service = starting.wait()
host = starting.pool._host.process
answer = service.pool.execute(QueryRequest("SELECT (COUNT(*) AS ?n) {{ ?s <{EX}kind> ?k }}"))
print(json.loads(answer.body)["results"]["bindings"][0]["n"]["value"])
print(service.validation.conforms(), len(pid_of_workers(service.pool)))
service.close()
print(host.exitcode)
"""
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stderr
    # 100 answers, valid, 2 workers; the host ended on its own (-9: it had to be killed)
    assert result.stdout.split() == ["100", "True", "2", "0"]


def test_a_broken_file_is_reported_from_the_store_host_as_from_the_web_process(
    tmp_path: Path,
) -> None:
    broken = tmp_path / "broken.ttl"
    broken.write_text("<http://example.org/a> <http://example.org/b> .\n", encoding="utf-8")
    with pytest.raises(RdfSyntaxError, match=r"broken\.ttl:1") as raised:
        prepare_service(Settings(workers=1), [broken])
    assert raised.value.line == 1


@pytest.fixture(scope="module")
def big_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    data = _write_triples(tmp_path_factory.mktemp("scale") / "data.nt", 300_000)
    service = prepare_service(Settings(validate=False, workers=2), [data])
    yield service
    service.close()


@pytest.mark.slow
def test_workers_share_the_store(big_service: Service) -> None:
    pool = big_service.pool
    host = pool.host_pid
    assert host is not None and len(pid_of_workers(pool)) == 2
    touch_everything = QueryRequest("SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", solutions_format="json")
    for _ in range(4):  # idle workers are taken in turn: each one reads every triple
        assert pool.execute(touch_everything).status == 200
    deadline = time.monotonic() + 60
    while len(pid_of_workers(pool)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)  # a worker that read too much of the store is being replaced
    pids = pid_of_workers(pool)
    assert len(pids) == 2
    data_mb = _rss_mb(host)  # the store host holds the one copy of the data
    for pid in pids:
        private = _private_mb(pid)
        # each worker adds at most 100 MB of its own, whatever the data's size: it shares
        # the host's pages of the store (copy-on-write, only read)
        assert private < 100, (pid, private, _rss_mb(pid), data_mb)
        assert private < data_mb / 2, (pid, private, data_mb)
    assert pool.recycled >= 1, "reading 300k triples unshares more than the limit"
    assert big_service.stats.triples_per_graph["data"] >= 300_000


@pytest.fixture(scope="module")
def served_dump(tmp_path_factory: pytest.TempPathFactory) -> Path:
    dump = tmp_path_factory.mktemp("store") / "dump.nq"
    build_store().dump(output=str(dump), format=ox.RdfFormat.N_QUADS)
    return dump


@pytest.mark.slow
@pytest.mark.parametrize("path", sorted(QUERY_DIR.glob("*.rq")), ids=lambda p: p.stem)
def test_competency_questions_same_on_both_engines_over_the_served_dataset(
    served_dump: Path, path: Path
) -> None:
    text = path.read_text(encoding="utf-8")
    answers = []
    for name in EMBEDDED_ENGINES:  # the remote store has its own tests (test_remote_store)
        engine = ENGINES[name](served_dump)
        answer = engine.execute(QueryRequest(text, solutions_format="json"))
        assert answer.status == 200, answer.body
        body = json.loads(answer.body)
        names = body["head"]["vars"]
        answers.append(
            [tuple(_cell(row.get(var)) for var in names) for row in body["results"]["bindings"]]
        )
    assert answers[0], f"{path.name} returns no rows"
    assert answers[0] == answers[1]


def _cell(term: dict[str, str] | None) -> str:
    if term is None:
        return ""
    if term["type"] == "bnode":
        return "_:"
    cell = re.sub(r"(\d)\.0\b", r"\1", term["value"])  # 6.0 (rdflib) vs 6 (Oxigraph)
    return "; ".join(sorted(cell.split("; ")))  # GROUP_CONCAT order


@pytest.mark.slow
def test_workers_are_kept_when_recycling_is_off(big_service: Service) -> None:
    settings = Settings(workers=1, worker_recycle_mb=0).pool
    pool = WorkerPool(big_service.dump_path, settings)
    try:
        before = pid_of_workers(pool)
        touch_everything = QueryRequest(
            "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }", solutions_format="json"
        )
        for _ in range(2):
            assert pool.execute(touch_everything).status == 200
        assert pool.recycled == 0
        assert pid_of_workers(pool) == before
        # the price: the worker now holds much of the data as its own pages
        assert _private_mb(before[0]) > 64
    finally:
        pool.close()


def _cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def test_the_worker_that_just_answered_takes_the_next_query(service: Service) -> None:
    # queries one after another all go to one warm worker; the other stays idle (and keeps
    # sharing the host's pages) instead of the two taking turns
    pids = pid_of_workers(service.pool)
    assert len(pids) == 2
    before = {pid: _cpu_ticks(pid) for pid in pids}
    count = QueryRequest("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    for _ in range(200):
        assert service.pool.execute(count).status == 200
    used = sorted(_cpu_ticks(pid) - before[pid] for pid in pids)
    assert used[0] <= 1 < used[1], used
