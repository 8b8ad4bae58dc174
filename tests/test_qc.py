"""QC queries (OBO style): each file in tests/qc/ must return no rows over the shipped graph."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import Dataset

QC_DIR = Path(__file__).parent / "qc"
QC_FILES = sorted(QC_DIR.glob("*-violation.rq"))


def test_qc_folder_is_not_empty() -> None:
    assert len(QC_FILES) >= 5


@pytest.mark.parametrize("path", QC_FILES, ids=[p.stem for p in QC_FILES])
def test_qc_query_returns_nothing(dataset: Dataset, path: Path) -> None:
    rows = list(dataset.query(path.read_text(encoding="utf-8")))
    report = "\n".join(" | ".join(str(cell) for cell in row) for row in rows)  # type: ignore[union-attr]
    assert not rows, f"{path.name} found {len(rows)} problem(s):\n{report}"


FIXTURES = Path(__file__).parent / "fixtures" / "qc"


@pytest.mark.parametrize(
    "name",
    [
        "undeclared-term-violation",
        "untyped-quantity-violation",
        "numeric-property-untyped-violation",
        "missing-label-violation",
        "undeclared-external-term-violation",
        "mapping-subject-unknown-violation",
        "mapping-target-unknown-violation",
        "mixed-sources-without-attribution-violation",
        "attribution-source-not-on-node-violation",
        "attribution-of-missing-statement-violation",
        "safety-claim-on-a-phrase-violation",
        "definition-without-source-violation",
    ],
)
def test_qc_query_finds_an_injected_defect(name: str) -> None:
    from hairkg.graph.loading import load_dataset

    # a .trig fixture puts its defect into a named graph (the mappings graph)
    fixture = next(FIXTURES.glob(f"{name}.t*"))
    broken = load_dataset([fixture], infer=False)
    rows = list(broken.query((QC_DIR / f"{name}.rq").read_text(encoding="utf-8")))
    assert len(rows) == 1, rows
    entity = str(rows[0][0])  # type: ignore[index]
    assert entity.startswith(("https://w3id.org/hairkg/", "http://example.org/"))


def test_every_qc_query_has_an_injected_defect_fixture() -> None:
    fixtures = {path.stem for path in FIXTURES.iterdir()}
    assert {path.stem for path in QC_FILES} <= fixtures


DEFINITION_SOURCE_CASES = {
    "a literal": (
        '"hairkg curators"',
        "definition source is not an IRI",
    ),
    "an unknown publication": (
        "<https://w3id.org/hairkg/resource/article-singh-2012>",
        "definition source is no publication of the graph",
    ),
    "a coded value, not a publication": (
        "<https://w3id.org/hairkg/resource/verdict-doubtful>",
        "definition source is no publication of the graph",
    ),
}


@pytest.mark.parametrize("case", sorted(DEFINITION_SOURCE_CASES))
def test_definition_source_query_rejects_a_source_that_is_not_real(
    case: str, tmp_path: Path
) -> None:
    """Beside a missing source (the fixture), the query catches a wrong kind of source."""
    from hairkg.graph.loading import load_dataset

    source, message = DEFINITION_SOURCE_CASES[case]
    fixture = tmp_path / "fixture.trig"
    fixture.write_text(
        "<https://w3id.org/hairkg/graph/ontology> {\n"
        "  <https://w3id.org/hairkg/ontology/Therapy>"
        f" <http://purl.obolibrary.org/obo/IAO_0000119> {source} .\n"
        "}\n",
        encoding="utf-8",
    )
    broken = load_dataset([fixture], infer=False)
    query = (QC_DIR / "definition-without-source-violation.rq").read_text(encoding="utf-8")
    rows = list(broken.query(query))
    assert len(rows) == 1, rows
    entity, _, value = rows[0]  # type: ignore[misc]
    assert str(entity) == "https://w3id.org/hairkg/ontology/Therapy"
    assert str(value).startswith(message), value
