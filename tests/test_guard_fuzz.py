"""Generated deep and long queries through the guard and a real query worker.

The rule: every query either gets a 4xx from the guard, or an answer from the engine (a
result, a syntax error, or the time limit); never a dead worker. Also: a worker that does
die by a signal is reported as an engine crash (500), distinct from the memory bound (503).
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hairkg.settings import Settings
from hairkg.sparql.engines import QueryRequest
from hairkg.sparql.guard import QueryRejectedError, check_query
from hairkg.sparql.pool import WorkerPool

pytestmark = pytest.mark.slow

LIMITS = Settings().query_limits

#: Building blocks, each repeated or nested ``n`` times: the constructs that recurse in
#: Oxigraph's parser and planner.
CHAINS = {
    "arithmetic": lambda n: "SELECT (" + "+".join(["1"] * n) + " AS ?x) {}",
    "multiply": lambda n: "SELECT (" + "*".join(["2"] * n) + " AS ?x) {}",
    "or": lambda n: "SELECT * { FILTER(" + " || ".join(["true"] * n) + ") }",
    "and": lambda n: "ASK { FILTER(" + " && ".join(["true"] * n) + ") }",
    "comparison": lambda n: "ASK { FILTER(" + " = ".join(["1"] * n) + ") }",
    "not": lambda n: "ASK { FILTER(" + "!" * n + "true) }",
    "minus_sign": lambda n: "SELECT (" + "-" * n + "1 AS ?x) {}",
    "parentheses": lambda n: "ASK { FILTER(" + "(" * n + "1" + ")" * n + ") }",
    "groups": lambda n: "SELECT * WHERE " + "{ " * n + "}" * n,
    "optional": lambda n: "SELECT * { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o } " * n + "}",
    "union": lambda n: "SELECT * { " + " UNION ".join(["{ ?s ?p ?o }"] * n) + " }",
    "path": lambda n: "SELECT * { ?s " + "/".join(["<http://e/p>"] * n) + " ?o }",
    "path_alternatives": lambda n: "SELECT * { ?s (" + "|".join(["<http://e/p>"] * n) + ") ?o }",
    "triples": lambda n: (
        "SELECT * { " + " . ".join(f"?s{i} <http://e/p> ?o{i}" for i in range(n)) + " }"
    ),
    "subselects": lambda n: "SELECT * WHERE " + "{ SELECT * WHERE " * n + "{ ?s ?p ?o }" + " }" * n,
    "values": lambda n: (
        "SELECT * { VALUES ?x { " + " ".join(f"<http://e/{i}>" for i in range(n)) + " } }"
    ),
    "in_list": lambda n: (
        "ASK { BIND(1 AS ?x) FILTER(?x IN (" + ",".join(str(i) for i in range(n)) + ")) }"
    ),
}


@pytest.fixture(scope="module")
def pool() -> Iterator[WorkerPool]:
    with tempfile.TemporaryDirectory() as workdir:
        dump = Path(workdir) / "empty.nq"
        dump.write_text("<http://e/s> <http://e/p> <http://e/o> .\n", encoding="utf-8")
        limits = Settings(workers=1, query_timeout=3.0, query_memory_mb=512, queue_timeout=30)
        with WorkerPool(dump, limits.pool) as running:
            yield running


def _outcome(pool: WorkerPool, query: str) -> int:
    try:
        info = check_query(query, LIMITS)
    except QueryRejectedError:
        return 400
    answer = pool.execute(QueryRequest(query, uses_from=info.uses_from))
    return answer.status


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    chain=st.sampled_from(sorted(CHAINS)),
    size=st.one_of(st.integers(1, 200), st.integers(200, 3000), st.integers(3000, 20000)),
)
def test_guard_or_answer_never_a_dead_worker(pool: WorkerPool, chain: str, size: int) -> None:
    crashes_before = pool.crashes
    status = _outcome(pool, CHAINS[chain](size))
    assert status != 500, f"{chain} x {size} crashed the engine"
    assert pool.crashes == crashes_before
    assert status in (200, 400, 503), status


def test_long_identifier_lists_run(pool: WorkerPool) -> None:
    assert _outcome(pool, CHAINS["values"](10_000)) == 200
    assert _outcome(pool, CHAINS["in_list"](10_000)) == 200


def test_a_worker_killed_by_a_signal_is_an_engine_crash(pool: WorkerPool) -> None:
    # past the guard (the pool does not run it): 40 KB of arithmetic overflows the stack
    query = CHAINS["arithmetic"](20_000)
    answer = pool.execute(QueryRequest(query))
    assert answer.status == 500
    message = answer.body.decode()
    assert "crashed" in message and "expression operators" in message
    assert "MiB" not in message  # not mistaken for the memory bound
    # the pool replaced the worker and answers again
    assert pool.execute(QueryRequest("ASK {}")).status == 200
