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
