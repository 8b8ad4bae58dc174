"""Random valid datasets through ``validate`` and a server start: no path to "internal error".

Generated with Hypothesis: a default graph and named graphs, blank nodes, and every kind of
literal (plain, language-tagged, typed, non-ASCII, control characters, quotes), written as
TriG by Oxigraph. Whatever the shapes say about them, validation must finish with a report
(conforming or not), and the service must either start or refuse with
``DataNotConformingError`` — never another exception.
"""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hairkg.errors import DataNotConformingError
from hairkg.service import prepare_service
from hairkg.settings import Settings
from hairkg.validation import validate_files
from hairkg.validation.report import render_json, render_text

EX = "http://example.org/"

iris = st.sampled_from([f"{EX}{name}" for name in ("a", "b", "c", "d")]).map(ox.NamedNode)
predicates = st.sampled_from(
    [f"{EX}p", f"{EX}q", "http://www.w3.org/2000/01/rdf-schema#label"]
).map(ox.NamedNode)
blank_nodes = st.sampled_from(["b1", "b2", "b3"]).map(ox.BlankNode)
texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=20)
literals = st.one_of(
    texts.map(ox.Literal),
    st.tuples(texts, st.sampled_from(["en", "de", "fr-CA", "zh-Hant"])).map(
        lambda pair: ox.Literal(pair[0], language=pair[1])
    ),
    st.integers(-(10**20), 10**20).map(
        lambda n: ox.Literal(
            str(n), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")
        )
    ),
    st.decimals(allow_nan=False, allow_infinity=False, places=3).map(
        lambda d: ox.Literal(
            str(d), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")
        )
    ),
    st.booleans().map(
        lambda b: ox.Literal(
            str(b).lower(), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#boolean")
        )
    ),
    st.dates().map(
        lambda d: ox.Literal(
            d.isoformat(), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#date")
        )
    ),
)
graphs = st.one_of(
    st.just(ox.DefaultGraph()), st.sampled_from([f"{EX}g1", f"{EX}g2"]).map(ox.NamedNode)
)
quads = st.builds(
    ox.Quad,
    st.one_of(iris, blank_nodes),
    predicates,
    st.one_of(iris, blank_nodes, literals),
    graphs,
)
datasets = st.lists(quads, min_size=1, max_size=25)


def _write(tmp_path: Path, dataset: list[ox.Quad]) -> Path:
    path = tmp_path / "random.trig"
    path.write_bytes(ox.serialize(dataset, format=ox.RdfFormat.TRIG))  # type: ignore[arg-type]
    return path


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(dataset=datasets)
def test_validate_reports_on_any_valid_dataset(tmp_path: Path, dataset: list[ox.Quad]) -> None:
    outcome = validate_files([_write(tmp_path, dataset)])
    # the reports render (the sort of results with and without paths used to fail here)
    assert "triples checked" in render_text(outcome)
    assert '"results"' in render_json(outcome)


@pytest.mark.slow
@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(dataset=datasets)
def test_a_server_starts_or_refuses_on_any_valid_dataset(
    tmp_path: Path, dataset: list[ox.Quad]
) -> None:
    try:
        service = prepare_service(Settings(workers=1), [_write(tmp_path, dataset)])
    except DataNotConformingError as refused:
        assert not refused.outcome.conforms()
        return
    try:
        assert service.stats.union_triples > 0
    finally:
        service.close()
