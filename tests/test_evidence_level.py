"""Issue 12 (2): the level of evidence is derived, not typed in.

``ontology/rules/evidence-level.rq`` (a SPARQL CONSTRUCT) derives each study's and each claim's
level from the recorded design, randomisation, blinding and control; ``data/evidence_levels.ttl``
holds its result, so that the endpoint serves it. The file must be exactly what the rule gives
over the rest of the data, so a level cannot disagree with the description. After changing a
study, regenerate the file with ``.venv/bin/python tests/test_evidence_level.py --write``.
"""

from __future__ import annotations

import sys
from pathlib import Path

from rdflib import Graph, URIRef

from hairkg.graph.loading import load_dataset, shipped_sources
from hairkg.graph.turtle_format import format_graph
from hairkg.graph.vocab import HKG, HKR

ROOT = Path(__file__).resolve().parents[1]
RULE = ROOT / "ontology" / "rules" / "evidence-level.rq"
DERIVED = ROOT / "data" / "evidence_levels.ttl"
PREFIXES = {"hkg": str(HKG), "hkr": str(HKR)}


def derive(without: Path = DERIVED, extra: tuple[Path, ...] = ()) -> Graph:
    """Run the rule over the shipped data without the derived file (plus ``extra`` files)."""
    sources = [s for s in shipped_sources() if s.path.resolve() != without.resolve()]
    dataset = load_dataset(list(extra), infer=False, sources=sources)
    graph = Graph()
    for triple in dataset.query(RULE.read_text(encoding="utf-8")):
        graph.add(triple)  # type: ignore[arg-type]
    return graph


def test_the_shipped_levels_are_what_the_rule_derives() -> None:
    expected = format_graph(derive(), PREFIXES)
    assert DERIVED.read_text(encoding="utf-8") == expected, (
        "data/evidence_levels.ttl is stale: run .venv/bin/python tests/test_evidence_level.py --write"
    )


def level(graph: Graph, subject: str) -> str | None:
    value = graph.value(HKR[subject], HKG.evidenceLevel)
    return None if value is None else str(value).rsplit("-", 1)[-1]


def test_levels_follow_design_randomisation_blinding_and_control() -> None:
    graph = derive()
    assert level(graph, "study-tak-2020") == "2"  # randomised, double-blind, vehicle
    assert level(graph, "study-fukuoka-2015") == "3"  # placebo side, not randomised
    assert level(graph, "study-elmaadawi-2018") == "3"  # active comparator, not randomised
    for uncontrolled in ("study-stevens-2018", "study-zari-2021", "study-krefft-trzciniecka-2024"):
        assert level(graph, uncontrolled) == "4"
    assert level(graph, "study-gentile-2017") is None  # no design recorded: unknown
    # a claim about a study has the study's level
    assert level(graph, "claim-article-topical-randomized-double-blind") == "2"
    assert level(graph, "claim-article-prs-density-vs-untreated-area") == "4"


def test_a_change_to_the_description_changes_the_level(tmp_path: Path) -> None:
    """Without its blinding, the randomised Tak trial is graded down to level 3."""
    source = (ROOT / "data" / "studies.ttl").read_text(encoding="utf-8")
    unblinded = tmp_path / "studies.ttl"
    unblinded.write_text(
        source.replace("    hkg:blinding hkr:blinding-double-blind ;\n", "", 1), encoding="utf-8"
    )
    sources = [
        s
        for s in shipped_sources()
        if s.path.name not in {"studies.ttl", DERIVED.name} or s.graph != "data"
    ]
    dataset = load_dataset([unblinded], infer=False, sources=sources)
    graph = Graph()
    for triple in dataset.query(RULE.read_text(encoding="utf-8")):
        graph.add(triple)  # type: ignore[arg-type]
    assert graph.value(HKR["study-tak-2020"], HKG.evidenceLevel) == URIRef(
        HKR["ocebm-2011-treatment-level-3"]
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["--write"]:
        DERIVED.write_text(format_graph(derive(), PREFIXES), encoding="utf-8")
        print(f"wrote {DERIVED}")
