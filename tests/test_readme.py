"""The README's figures about the graph are the graph's: they cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from rdflib import Dataset

from hairkg.service import Service

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
HKG = "https://w3id.org/hairkg/ontology/"
ARTICLE = "https://w3id.org/hairkg/resource/article-singh-2021"


def _count(dataset: Dataset, pattern: str) -> int:
    query = f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {pattern} }}"
    # read to the end, here: a half-read Oxigraph result left to the garbage collector may be
    # collected on another thread, which pyoxigraph refuses (seen in a later test's threads)
    (row,) = list(dataset.query(query, initNs={"hkg": HKG}))
    return int(row[0])  # type: ignore[index]


def _graph_rows() -> dict[str, tuple[bool, int]]:
    """Rows of the named-graph table: name -> (approximate?, number)."""
    rows = {}
    for name, approx, number in re.findall(r"^\| `(\w+)` \| (~?)([\d,]+) \|", README, re.MULTILINE):
        rows[name] = (bool(approx), int(number.replace(",", "")))
    return rows


def test_named_graph_table_matches_the_counts(service: Service) -> None:
    stats = service.stats
    rows = _graph_rows()
    assert set(rows) == {"ontology", "imports", "data", "mappings", "inferred"}
    for name, (approximate, number) in rows.items():
        actual = stats.triples_per_graph[name]
        if approximate:  # "~1,900": within 10 %
            assert abs(actual - number) <= 0.1 * actual, (name, number, actual)
        else:
            assert actual == number, (name, number, actual)


@pytest.mark.parametrize(
    ("phrase", "pattern"),
    [
        (r"(\d+) therapies", "?x a hkg:Therapy"),
        (r"\((\d+) regenerative", "?x a hkg:RegenerativeTherapy"),
        (r"(\d+) studies \(", "?x a hkg:Study"),
        (r"(\d+)\s+publications", "?x a hkg:Publication"),
        (r"(\d+) claims", "?x a hkg:Claim"),
        (r"\((\d+) by the article", f"?x a hkg:Claim ; hkg:assertedBy <{ARTICLE}>"),
        (r"(\d+) limitations", "?x a hkg:Limitation"),
        (r"(\d+) evidence assessments", "?x a hkg:EvidenceAssessment"),
    ],
)
def test_instance_counts_in_the_text_match(dataset: Dataset, phrase: str, pattern: str) -> None:
    section = README[README.index("Among the instances") :][:400]
    found = re.search(phrase, section)
    assert found is not None, phrase
    assert int(found.group(1)) == _count(dataset, pattern)


def test_example_query_table_lists_every_competency_question() -> None:
    listed = set(re.findall(r"^\| `(cq\d+)` \|", README, re.MULTILINE))
    shipped = {path.name.split("-", 1)[0] for path in (ROOT / "queries").glob("cq*.rq")}
    assert listed == shipped
