"""Query engines: Oxigraph's native result writers and the Python writers give the same answers.

The Oxigraph executor writes SELECT results with Oxigraph's own serialisers and falls back to
the Python writers (evaluating again, stopping at the row cap) when a result is over the cap
or over its byte budget. These tests pin both paths to the same parsed answer.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from hairkg.sparql.engines import ENGINES, OxigraphEngine, QueryRequest

TRIPLES = 40
DATA = "".join(
    f'<http://example.org/s{i}> <http://example.org/p> "value {i}\\nline\\t\\"q\\" <result>"@en .\n'
    for i in range(TRIPLES)
) + ('_:b <http://example.org/p> "7"^^<http://www.w3.org/2001/XMLSchema#integer> .\n')
QUERY = "SELECT ?s ?o ?unbound WHERE { ?s <http://example.org/p> ?o } ORDER BY ?o"
FORMATS = {
    "json": ox.QueryResultsFormat.JSON,
    "xml": ox.QueryResultsFormat.XML,
    "tsv": ox.QueryResultsFormat.TSV,
}


@pytest.fixture(scope="module")
def nquads(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("engine") / "data.nq"
    path.write_text(DATA, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def executor(nquads: Path) -> OxigraphEngine:
    return OxigraphEngine(nquads)


def _rows(fmt: str, body: bytes) -> list[tuple[str, ...]]:
    """Parse a result body into sorted rows of N-Triples-like terms (blank nodes masked)."""
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(body.decode("utf-8"), newline="")))[1:]
        return sorted(tuple(row) for row in rows)
    parsed = ox.parse_query_results(body, format=FORMATS[fmt])
    assert isinstance(parsed, ox.QuerySolutions)
    out = []
    for solution in parsed:
        out.append(
            tuple(
                "" if term is None else "_:b" if isinstance(term, ox.BlankNode) else str(term)
                for term in (solution["s"], solution["o"], solution["unbound"])
            )
        )
    return sorted(out)


def _answer(executor: OxigraphEngine, fmt: str, row_limit: int) -> tuple[bytes, dict[str, str]]:
    response = executor.execute(QueryRequest(QUERY, solutions_format=fmt, row_limit=row_limit))
    assert response.status == 200, response.body
    return response.body, response.headers


@pytest.fixture()
def python_only(executor: OxigraphEngine) -> Iterator[OxigraphEngine]:
    """The same executor with a byte budget too small for any native answer."""
    executor.native_budget = 1
    try:
        yield executor
    finally:
        executor.native_budget = OxigraphEngine.native_budget


@pytest.mark.parametrize("fmt", [*FORMATS, "csv"])
def test_native_and_python_writers_agree(executor: OxigraphEngine, fmt: str) -> None:
    native, native_headers = _answer(executor, fmt, 10_000)
    executor.native_budget = 1
    try:
        python, _ = _answer(executor, fmt, 10_000)
    finally:
        executor.native_budget = OxigraphEngine.native_budget
    assert _rows(fmt, native) == _rows(fmt, python)
    assert len(_rows(fmt, native)) == TRIPLES + 1
    assert "Hairkg-Result-Truncated" not in native_headers


@pytest.mark.parametrize("fmt", [*FORMATS, "csv"])
@pytest.mark.parametrize("limit", [1, 5, TRIPLES, TRIPLES + 1, TRIPLES + 2])
def test_row_cap_in_every_format(executor: OxigraphEngine, fmt: str, limit: int) -> None:
    body, headers = _answer(executor, fmt, limit)
    rows = _rows(fmt, body)
    assert len(rows) == min(limit, TRIPLES + 1)
    truncated = limit < TRIPLES + 1
    assert ("Hairkg-Result-Truncated" in headers) is truncated
    if truncated:
        assert headers["Hairkg-Result-Truncated"] == f"true; limit={limit}"


def test_budget_fallback_keeps_the_cap(python_only: OxigraphEngine) -> None:
    body, headers = _answer(python_only, "json", 3)
    assert len(json.loads(body)["results"]["bindings"]) == 3
    assert headers["Hairkg-Result-Truncated"] == "true; limit=3"


# the remote store (sparql) needs a server: tests/test_remote_store.py runs it
@pytest.mark.parametrize("store", sorted(set(ENGINES) - {"sparql"}))
def test_every_store_gives_the_same_rows(nquads: Path, store: str) -> None:
    executor = ENGINES[store](nquads)
    response = executor.execute(QueryRequest(QUERY, solutions_format="json"))
    reference = OxigraphEngine(nquads).execute(QueryRequest(QUERY, solutions_format="json"))
    assert _rows("json", response.body) == _rows("json", reference.body)


def test_evaluation_error_is_a_client_error(executor: OxigraphEngine) -> None:
    response = executor.execute(QueryRequest("SELECT * WHERE { ?s ?p }", solutions_format="json"))
    assert response.status == 400
    assert b"syntax error" in response.body
