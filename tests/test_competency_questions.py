"""Competency questions: each queries/cqNN-*.rq returns the answer the sources give.

Expected values come from the source article (seed 000_def47234c478a2cc, "Stem Cell Therapy
for Hair Loss: Potential and Limitations") and from the reference facts in shared/reference/
(studies.tsv rows are cited as ``paper/field``, e.g. ``tak2020/n_enrolled``; studies.md and
ontology-terms.tsv by section or target id). Each test's docstring names its sources.
"""

from __future__ import annotations

import re
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from rdflib import Dataset, Literal, URIRef

QUERY_DIR = Path(__file__).resolve().parents[1] / "queries"
QUERY_FILES = sorted(QUERY_DIR.glob("*.rq"))

HKR = "https://w3id.org/hairkg/resource/"
OBO = "http://purl.obolibrary.org/obo/"
SKOS = "http://www.w3.org/2004/02/skos/core#"

Row = dict[str, Any]


def r(local: str) -> str:
    """Full IRI of a hairkg resource."""
    return HKR + local


def query_file(number: int) -> Path:
    matches = sorted(QUERY_DIR.glob(f"cq{number:02d}-*.rq"))
    assert len(matches) == 1, f"expected one queries/cq{number:02d}-*.rq, found {matches}"
    return matches[0]


def _py(value: object) -> Any:
    if value is None:
        return None
    if isinstance(value, URIRef):
        return str(value)
    if isinstance(value, Literal):
        return value.toPython()
    return str(value)


def run(dataset: Dataset, number: int, text: str | None = None) -> list[Row]:
    """Run competency question ``number`` (or ``text``) and return its rows as dicts."""
    result = dataset.query(text if text is not None else query_file(number).read_text("utf-8"))
    names = [str(v) for v in result.vars or []]
    return [dict(zip(names, (_py(v) for v in row), strict=True)) for row in result]  # type: ignore[arg-type]


def cell_set(value: str | None) -> set[str]:
    """The parts of a GROUP_CONCAT cell (order inside a cell is not guaranteed)."""
    return set() if not value else {part.strip() for part in value.split(";")}


def only(rows: list[Row], **where: Any) -> Row:
    hits = [row for row in rows if all(row.get(k) == v for k, v in where.items())]
    assert len(hits) == 1, f"expected one row with {where}, got {len(hits)}: {hits}"
    return hits[0]


# --- every query file is titled and tested -------------------------------------------------


def test_query_folder_holds_the_fifteen_questions() -> None:
    """The issue "knowledge graph", section "Competency questions", lists CQ01-CQ11; issue 12
    ("Evidence depth") adds CQ12 (PICO), CQ13 (evidence level), CQ14 (adverse events) and CQ15
    (claimed significance against the findings)."""
    numbers = sorted(int(m.group(1)) for p in QUERY_FILES if (m := re.match(r"cq(\d\d)-", p.name)))
    assert numbers == list(range(1, 16))


@pytest.mark.parametrize("path", QUERY_FILES, ids=[p.stem for p in QUERY_FILES])
def test_query_file_has_title_and_test(path: Path) -> None:
    """Every queries/*.rq starts with ``# CQnn: <question>``, explains itself in ``#`` lines,
    is a SELECT with PREFIX declarations and ORDER BY, and has a ``test_cqNN_*`` here."""
    lines = path.read_text(encoding="utf-8").splitlines()
    match = re.match(r"^# CQ(\d\d): (.+)$", lines[0])
    assert match, f"{path.name}: first line must be '# CQnn: <the question>', is {lines[0]!r}"
    number = match.group(1)
    assert path.name.startswith(f"cq{number}-"), f"{path.name} is titled CQ{number}"
    assert len(match.group(2).strip()) > 20
    explanation = [line for line in lines[1:] if line.startswith("#") and line.strip("# ")]
    assert len(explanation) >= 2, f"{path.name}: explain in '#' lines how the query works"
    text = "\n".join(lines)
    assert "PREFIX hkg: <https://w3id.org/hairkg/ontology/>" in text
    assert re.search(r"^SELECT ", text, re.MULTILINE)
    assert "ORDER BY" in text
    module = sys.modules[__name__]
    tests = [name for name in dir(module) if name.startswith(f"test_cq{number}_")]
    assert tests, f"{path.name} has no test_cq{number}_* in {Path(__file__).name}"


def test_query_titles_are_what_the_cli_shows() -> None:
    """hairkg.sparql.questions reads the title from the ``# CQnn:`` line (server/hairkg/queries.py)."""
    from hairkg.sparql.questions import competency_questions

    questions = {q.name: q.title for q in competency_questions()}
    assert set(questions) == {p.stem for p in QUERY_FILES}
    assert questions[query_file(5).stem].startswith("What does a Regenera Activa procedure")


def _normalised(dataset: Dataset, text: str) -> list[tuple[str, ...]]:
    rows = []
    for row in dataset.query(text):
        cells = []
        for value in row:  # type: ignore[union-attr]
            cell = "" if value is None else str(value)
            cell = re.sub(r"(\d)\.0\b", r"\1", cell)  # 6.0 (rdflib) vs 6 (Oxigraph)
            cells.append("; ".join(sorted(cell.split("; "))))  # GROUP_CONCAT order
        rows.append(tuple(cells))
    return rows


@pytest.mark.parametrize("path", QUERY_FILES, ids=[p.stem for p in QUERY_FILES])
def test_query_gives_the_same_answer_on_both_stores(
    dataset: Dataset, memory_dataset: Dataset, path: Path
) -> None:
    """``hairkg query --store memory`` must answer like the default Oxigraph store: the
    queries use only SPARQL both engines evaluate alike (no outer variables inside UNION
    branches, no GROUP_CONCAT over unbound values)."""
    text = path.read_text(encoding="utf-8")
    oxigraph, memory = _normalised(dataset, text), _normalised(memory_dataset, text)
    assert oxigraph, f"{path.name} returns no rows"
    assert oxigraph == memory


# --- CQ01 ------------------------------------------------------------------------------------


def test_cq01_adipose_therapies_with_their_studies(dataset: Dataset) -> None:
    """Article: "Fat stem cell-conditioned medium ... has also been utilized to treat hair loss"
    (reference 2, Fukuoka & Suga 2015; studies.tsv fukuoka2015/n_enrolled "22 treated");
    "PRP was combined with fat-derived stem cells ... 10 patients" (reference 5, Stevens 2018;
    stevens2018/n_enrolled "10 male patients", cell_source "adipose stromal vascular fraction");
    "fat-derived stem cells were applied twice a day topically" (reference 6, Tak 2020;
    tak2020/n_enrolled "38"). The general ADSC and stem-cell therapies are credited with these
    adipose studies through their narrower therapies, never with the bone-marrow or
    hair-follicle studies (Elmaadawi 2018, Gentile 2017) or the Regenera Activa studies."""
    rows = run(dataset, 1)
    got = {(row["therapy"], row["study"], row["N"], row["testedTherapy"]) for row in rows}
    cm, extract, prs = (
        r("therapy-adsc-conditioned-medium"),
        r("therapy-adsc-constituent-extract-topical"),
        r("therapy-platelet-rich-stroma"),
    )
    fukuoka, stevens, tak = r("study-fukuoka-2015"), r("study-stevens-2018"), r("study-tak-2020")
    assert got == {
        (cm, fukuoka, 22, cm),
        (prs, stevens, 10, prs),
        (extract, tak, 38, extract),
        (r("therapy-adsc"), fukuoka, 22, cm),
        (r("therapy-adsc"), tak, 38, extract),
        (r("therapy-stem-cell"), fukuoka, 22, cm),
        (r("therapy-stem-cell"), stevens, 10, prs),
        (r("therapy-stem-cell"), tak, 38, extract),
    }
    prs_row = only(rows, therapy=prs)
    assert "stromal vascular fraction (SVF)" in cell_set(prs_row["adiposeMaterial"])
    assert prs_row["therapyLabel"].startswith("platelet-rich stroma")
    assert "adipose-derived stem-cell conditioned medium" in cell_set(
        only(rows, therapy=cm)["adiposeMaterial"]
    )


# --- CQ02 ------------------------------------------------------------------------------------


def test_cq02_androgenetic_alopecia_studies(dataset: Dataset) -> None:
    """studies.tsv rows ``study_design``, ``n_enrolled``, ``follow_up_timepoints`` and
    ``primary_outcome_measures``: tak2020 (randomized, 38, baseline/week 8/week 16,
    phototrichogram hair count and diameter), stevens2018 (preliminary single group, 10,
    pre-injection/6/12 weeks, Fotofinder density and hair-to-hair matching), elmaadawi2018 (40,
    6 months, clinical improvement grade); studies.md "Published studies found": Zari 2021
    (retrospective cohort, 140, TrichoScan at 1-6 months) and Krefft-Trzciniecka 2024 (23 women,
    6 months, VAS). Gentile 2017's n, design and time points are unknown (studies.tsv
    gentile2017/n_enrolled "unknown"), so those cells stay empty. Fukuoka & Suga 2015's abstract
    says only "alopecia" (fukuoka2015/condition), so it is not an androgenetic-alopecia study."""
    rows = run(dataset, 2)
    assert {row["study"] for row in rows} == {
        r("study-elmaadawi-2018"),
        r("study-gentile-2017"),
        r("study-krefft-trzciniecka-2024"),
        r("study-stevens-2018"),
        r("study-tak-2020"),
        r("study-zari-2021"),
    }
    tak = only(rows, study=r("study-tak-2020"))
    assert tak["designs"] == "randomised controlled trial"
    assert tak["N"] == 38
    assert cell_set(tak["timePoints"]) == {"baseline", "8 weeks", "16 weeks"}
    assert cell_set(tak["outcomeMeasures"]) == {
        "hair count by phototrichogram",
        "hair diameter by phototrichogram",
    }
    stevens = only(rows, study=r("study-stevens-2018"))
    assert (stevens["N"], stevens["designs"]) == (10, "single-group preliminary study")
    assert cell_set(stevens["timePoints"]) == {"baseline", "6 weeks", "12 weeks"}
    assert cell_set(stevens["outcomeMeasures"]) == {
        "hair density by Fotofinder",
        "hair-to-hair matching",
    }
    zari = only(rows, study=r("study-zari-2021"))
    assert (zari["N"], zari["designs"], zari["timePoints"]) == (
        140,
        "retrospective cohort study",
        "1-6 months",
    )
    assert cell_set(zari["outcomeMeasures"]) == {
        "hair density by TrichoScan",
        "hair thickness by TrichoScan",
        "favourable treatment response",
    }
    elmaadawi = only(rows, study=r("study-elmaadawi-2018"))
    assert (elmaadawi["N"], elmaadawi["timePoints"]) == (40, "6 months")
    assert elmaadawi["outcomeMeasures"] == "clinical improvement grade"
    krefft = only(rows, study=r("study-krefft-trzciniecka-2024"))
    assert (krefft["N"], krefft["timePoints"]) == (23, "6 months")
    assert "female pattern hair loss" in cell_set(krefft["conditions"])
    gentile = only(rows, study=r("study-gentile-2017"))
    assert (gentile["N"], gentile["designs"], gentile["timePoints"]) == (None, None, None)
    assert gentile["outcomeMeasures"] == "hair density (method not stated)"


# --- CQ03 ------------------------------------------------------------------------------------

REGENERA_OWN_LIMITATIONS = {
    "limitation-regenera-activa-cost-may-exceed-transplantation",
    "limitation-regenera-activa-evidence-small-and-weak-for-cost",
    "limitation-regenera-activa-unclear-regimen",
    "limitation-regenera-activa-variable-results",
}
STEM_CELL_LIMITATIONS = {
    "limitation-stem-cell-complicated-extraction",
    "limitation-stem-cell-cost-reservations",
    "limitation-stem-cell-legal-grey-zone",
    "limitation-stem-cell-minimal-studies",
    "limitation-stem-cell-no-comparison-studies",
    "limitation-stem-cell-no-comparison-with-gold-standard",
    "limitation-stem-cell-no-standard-preparation",
    "limitation-stem-cell-not-for-severe-hair-loss",
    "limitation-stem-cell-practical-limitations",
    "limitation-stem-cell-unclear-frequency-and-duration",
}


def test_cq03_regenera_activa_limitations(dataset: Dataset) -> None:
    """Article, "Does Regenera activa work?": "It is also unclear what the treatment regimen
    is ...", "the treatment costs may exceed the cost of a good old reliable hair
    transplantation", "The results are, at best, variable", "There are small studies ...";
    and the general list under "Limitations of stem cell therapy" ("No standard method of
    preparation", "Not an ideal option for severe hair loss", "Legal grey zone ...", "No
    comparison studies with the gold standard therapies ...", ...) plus the closing paragraphs
    ("minimal studies", "practical limitations", "I have my reservations"), inherited through
    Regenera Activa -> hair-follicle stem-cell therapy -> stem-cell therapy ("It is a type of
    follicular stem cell therapy"). "Bone marrow stem cell extraction can be painful" concerns
    bone-marrow cells only and the topical extract's limitations concern that product only,
    so neither is inherited."""
    rows = run(dataset, 3)
    own = {row["limitation"].removeprefix(HKR) for row in rows if row["inherited"] is False}
    inherited = {row["limitation"].removeprefix(HKR) for row in rows if row["inherited"] is True}
    assert own == REGENERA_OWN_LIMITATIONS
    assert inherited == STEM_CELL_LIMITATIONS
    assert len(rows) == len(own) + len(inherited)
    for row in rows:
        expected = "therapy-regenera-activa" if row["inherited"] is False else "therapy-stem-cell"
        assert row["appliesTo"] == r(expected)
    legal = only(rows, limitation=r("limitation-stem-cell-legal-grey-zone"))
    assert legal["appliesToLabel"] == "stem-cell therapy for hair loss"
    assert legal["categories"] == "regulatory uncertainty"
    assert legal["quotation"].startswith("Legal grey zone in many countries")
    regimen = only(rows, limitation=r("limitation-regenera-activa-unclear-regimen"))
    assert regimen["categories"] == "lack of standardisation"
    assert r("limitation-bone-marrow-extraction-painful") not in {row["limitation"] for row in rows}


# --- CQ04 ------------------------------------------------------------------------------------


def test_cq04_comparisons_with_minoxidil(dataset: Dataset) -> None:
    """Article: "Particularly in the female pattern hair loss, the growth observed is superior
    to 2% minoxidil" (the conditioned-medium paragraph, reference 2) and "Much research needs to
    go into it before it comes into the big league of minoxidil, finasteride, or even PRP".
    studies.md, Fukuoka & Suga 2015: "The abstract contains no comparison with minoxidil at
    all ... The claim is not supported by this paper's abstract"; its only comparison is the
    half-side study against a placebo side (fukuoka2015/control_type). The big-league remark
    cites no paper. No study in studies.tsv has minoxidil as comparator, so there is no
    study-finding row."""
    rows = run(dataset, 4)
    assert {(row["kind"], row["therapy"], row["source"]) for row in rows} == {
        ("claim", r("therapy-adsc-conditioned-medium"), r("claim-article-fphl-minoxidil")),
        ("claim", r("therapy-stem-cell"), r("claim-article-big-league")),
    }
    fphl = only(rows, source=r("claim-article-fphl-minoxidil"))
    assert "superior to that with 2% minoxidil" in fphl["result"]
    assert fphl["direction"] == "favourable"
    assert fphl["citedPaper"] == r("pub-fukuoka-2015")
    assert fphl["supportStatus"] == "unsupported"
    assert "treated side than on the placebo side" in fphl["paperSays"]
    assert "no comparison with minoxidil" in fphl["supportNote"]
    big_league = only(rows, source=r("claim-article-big-league"))
    assert big_league["citedPaper"] is None
    assert big_league["supportStatus"] == "unverifiable"
    assert big_league["direction"] == "unfavourable"


# --- CQ05 ------------------------------------------------------------------------------------


def test_cq05_regenera_activa_procedure(dataset: Dataset) -> None:
    """Article, "How is it performed?": "three 2.5 mm samples of hair follicles are taken from
    the back of the scalp"; "placed into the 'Regenera' machine for around 5 mins ... the
    tissue is disintegrated and centrifuged"; "injected superficially into the scalp (the
    affected area) using a thin needle with a microinjection technique"; "Donor areas heal in a
    week or two. Results are promised within six months."; "How much does it cost?": "anywhere
    upwards of 2000 dollars for a session". (studies.md: 2.5 mm is supported by
    Krefft-Trzciniecka 2024; three, 5 min, 1-2 weeks and the price are not verified.)"""
    rows = run(dataset, 5)
    assert [row["stepOrder"] for row in rows] == [1, 2, 3]
    harvest, processing, injection = rows
    assert harvest["step"] == r("step-regenera-activa-harvest")
    assert harvest["sampleCount"] == 3
    assert harvest["sampleSize"] == Decimal("2.5")
    assert harvest["sampleSizeUnit"] == "Millimetre"
    assert harvest["sampleSiteLabel"] == "occipital scalp (back of the scalp)"
    assert harvest["processes"] == "punch biopsy"
    assert processing["step"] == r("step-regenera-activa-processing")
    assert processing["duration"] == Decimal("5")
    assert processing["durationUnit"] == "Minute"
    assert processing["durationApproximate"] is True
    assert cell_set(processing["processes"]) == {"tissue disaggregation", "centrifugation"}
    assert processing["deviceLabel"].startswith("Regenera")
    assert injection["step"] == r("step-regenera-activa-microinjection")
    assert injection["deviceLabel"] == "thin needle"
    assert injection["targetSiteLabel"] == "scalp"
    assert "microinjection" in injection["statement"]
    for row in rows:
        assert (row["minCost"], row["currency"], row["costPer"]) == (
            Decimal("2000"),
            "USD",
            "per session",
        )
        assert (row["recoveryMin"], row["recoveryMax"], row["recoveryUnit"]) == (
            Decimal("1"),
            Decimal("2"),
            "Week",
        )
        assert (row["resultsWithinMax"], row["resultsUnit"]) == (Decimal("6"), "Month")


# --- CQ06 ------------------------------------------------------------------------------------


def test_cq06_only_tak_2020_is_randomised_and_double_blind(dataset: Dataset) -> None:
    """studies.tsv tak2020/randomized "yes", tak2020/blinding "double-blind",
    tak2020/primary_outcome_measures "change from baseline in hair count and hair thickness
    (diameter) ... by phototrichogram", tak2020/key_results "+28.1% (ADSC-CE) vs +7.1%
    (vehicle)" and "+14.2% vs +6.3%"; article: "In a randomized double-blinded study". Every
    other paper's randomisation or blinding is "unknown" or "no randomization described"
    (fukuoka2015, gentile2017, elmaadawi2018, stevens2018 rows), so no other study is returned."""
    rows = run(dataset, 6)
    assert {row["study"] for row in rows} == {r("study-tak-2020")}
    assert {row["outcomeLabel"] for row in rows} == {
        "hair count by phototrichogram",
        "hair diameter by phototrichogram",
    }
    count = only(rows, outcomeMeasure=r("outcome-hair-count-phototrichogram"))
    assert count["N"] == 38
    assert count["controlTypes"] == "vehicle control"
    assert cell_set(count["timePoints"]) == {"baseline", "8 weeks", "16 weeks"}
    assert "Tak et al. 2020: hair count +28.1% vs +7.1% with vehicle at week 16" in cell_set(
        count["findings"]
    )
    diameter = only(rows, outcomeMeasure=r("outcome-hair-diameter-phototrichogram"))
    assert cell_set(diameter["findings"]) == {
        "Tak et al. 2020: hair diameter +14.2% vs +6.3% with vehicle at week 16"
    }


# --- CQ07 ------------------------------------------------------------------------------------


def test_cq07_autologous_cell_sources_and_their_mappings(dataset: Dataset) -> None:
    """studies.tsv: stevens2018/cell_source "autologous adipose stromal vascular fraction",
    elmaadawi2018/cell_source "autologous bone marrow-derived mononuclear cells ... vs
    autologous follicular stem cells"; gentile2017/cell_source "autologous human hair follicle
    stem cells"; studies.md: Zari 2021 "autologous cellular micrografts (Regenera Activa)".
    Mapping targets and labels from ontology-terms.tsv: UBERON:0001013 "adipose tissue",
    UBERON:0002371 "bone marrow", UBERON:0002073 "hair follicle", UBERON:0000403 "scalp",
    CL:0002570 "mesenchymal stem cell of adipose tissue", CL:0002337 "keratinocyte stem cell"
    (closest, broader, for the hair-follicle stem cell, per ontology-terms.md)."""
    rows = run(dataset, 7)
    assert {row["source"] for row in rows} == {
        r("source-adipose-tissue"),
        r("source-bone-marrow"),
        r("source-hair-follicle-unaffected-scalp"),
    }
    got = {
        (
            row["source"].removeprefix(HKR),
            row["role"],
            row["entity"].removeprefix(HKR),
            (row["mappingPredicate"] or "").removeprefix(SKOS),
            (row["externalTerm"] or "").removeprefix(OBO),
        )
        for row in rows
    }
    adipose, marrow, follicle = (
        "source-adipose-tissue",
        "source-bone-marrow",
        "source-hair-follicle-unaffected-scalp",
    )
    expected = {
        (adipose, "cell source", adipose, "closeMatch", "UBERON_0001013"),
        (adipose, "anatomical site", "site-adipose-tissue", "exactMatch", "UBERON_0001013"),
        (adipose, "cell type", "cell-adipose-derived-stem-cell", "exactMatch", "CL_0002570"),
        (marrow, "cell source", marrow, "closeMatch", "UBERON_0002371"),
        (marrow, "anatomical site", "site-bone-marrow", "exactMatch", "UBERON_0002371"),
        (follicle, "cell source", follicle, "broadMatch", "UBERON_0002073"),
        (follicle, "anatomical site", "site-hair-follicle", "exactMatch", "UBERON_0002073"),
        (follicle, "anatomical site", "site-scalp", "exactMatch", "UBERON_0000403"),
        (follicle, "cell type", "cell-hair-follicle-stem-cell", "broadMatch", "CL_0002337"),
    }
    assert expected <= got
    for row in rows:
        if row["externalTerm"] is not None:
            assert row["externalTerm"].startswith((OBO + "UBERON_", OBO + "CL_"))
            assert row["externalLabel"], row
    hf_stem_cell = only(rows, entity=r("cell-hair-follicle-stem-cell"))
    assert hf_stem_cell["externalLabel"] == "keratinocyte stem cell"
    assert cell_set(hf_stem_cell["autologousTherapies"]) == {
        "Regenera Activa",
        "hair-follicle stem-cell therapy",
    }
    # bone-marrow mononuclear cells have no CL mapping: the row is there, the mapping empty
    bmmc = only(rows, entity=r("cell-bone-marrow-mononuclear-cell"))
    assert bmmc["externalTerm"] is None


# --- CQ08 ------------------------------------------------------------------------------------


def test_cq08_studies_participants_and_verdict_per_therapy(dataset: Dataset) -> None:
    """Enrolment from studies.tsv ``n_enrolled`` (fukuoka2015 22, elmaadawi2018 40,
    stevens2018 10, tak2020 38; gentile2017 unknown) and studies.md (Zari 2021 140,
    Krefft-Trzciniecka 2024 23, Ceccarelli 2018 no n). Verdicts from the article: Regenera
    Activa "Maybe ... I strongly doubt that" (doubtful); topical extract "real-life application
    remains questionable" (impractical); "the big league of minoxidil, finasteride, or even
    PRP" (established benchmark); "a good old reliable hair transplantation" (established
    benchmark); stem-cell therapy "promising" but "nascent" (promising but unproven)."""
    rows = run(dataset, 8)
    got = {
        row["therapy"].removeprefix(HKR): (
            row["studies"],
            row["studiesCitedByArticle"],
            row["studiesWithN"],
            row["totalParticipants"],
            row["verdictLabel"],
        )
        for row in rows
    }
    assert got == {
        "therapy-regenera-activa": (3, 0, 2, 163, "doubtful"),
        "therapy-hair-follicle-stem-cell": (2, 2, 1, 40, "promising but unproven"),
        "therapy-adsc-conditioned-medium": (1, 1, 1, 22, "promising but unproven"),
        "therapy-bone-marrow-cell": (1, 1, 1, 40, "promising but unproven"),
        "therapy-platelet-rich-stroma": (1, 1, 1, 10, "promising but unproven"),
        "therapy-adsc-constituent-extract-topical": (1, 1, 1, 38, "impractical"),
        "therapy-adsc": (0, 0, 0, 0, "promising but unproven"),
        "therapy-stem-cell": (0, 0, 0, 0, "promising but unproven"),
        "therapy-minoxidil": (0, 0, 0, 0, "established benchmark"),
        "therapy-finasteride": (0, 0, 0, 0, "established benchmark"),
        "therapy-prp": (0, 0, 0, 0, "established benchmark"),
        "therapy-hair-transplantation": (0, 0, 0, 0, "established benchmark"),
    }
    assert rows[0]["therapyLabel"] == "Regenera Activa"  # most studies first


# --- CQ09 ------------------------------------------------------------------------------------


def test_cq09_therapies_for_conditions_under_mondo_alopecia(dataset: Dataset) -> None:
    """ontology-terms.tsv: MONDO:0005339 "androgenetic alopecia", MONDO:0005340 "alopecia
    areata", MONDO:0800201 "baldness, male pattern" (narrower than AGA), female pattern hair
    loss has no term and maps to MONDO:0005339 as broader; the MONDO import module gives
    MONDO:0005339 < MONDO:0021208 < MONDO:0004907 and MONDO:0005340 < MONDO:0004907. Therapy
    targets from the article ("a type of follicular stem cell therapy against androgenetic
    alopecia"; "20 patients with alopecia areata and 20 with pattern hair loss"; "Particularly
    in the female pattern hair loss"; "10 patients with male pattern hair loss"). Hair
    transplantation has no target condition in the graph, so it cannot appear."""
    rows = run(dataset, 9)
    got = {
        (
            row["therapy"].removeprefix(HKR),
            row["condition"].removeprefix(HKR),
            row["mondo"].removeprefix(OBO),
        )
        for row in rows
    }
    for expected in [
        ("therapy-regenera-activa", "condition-androgenetic-alopecia", "MONDO_0005339"),
        ("therapy-bone-marrow-cell", "condition-alopecia-areata", "MONDO_0005340"),
        ("therapy-hair-follicle-stem-cell", "condition-alopecia-areata", "MONDO_0005340"),
        ("therapy-adsc-conditioned-medium", "condition-female-pattern-hair-loss", "MONDO_0005339"),
        ("therapy-platelet-rich-stroma", "condition-male-pattern-hair-loss", "MONDO_0800201"),
        (
            "therapy-adsc-constituent-extract-topical",
            "condition-androgenetic-alopecia",
            "MONDO_0005339",
        ),
        ("therapy-minoxidil", "condition-alopecia", "MONDO_0004907"),
    ]:
        assert expected in got, expected
    fphl = only(
        rows,
        therapy=r("therapy-adsc-conditioned-medium"),
        condition=r("condition-female-pattern-hair-loss"),
    )
    assert fphl["mappingPredicate"] == SKOS + "broadMatch"
    assert fphl["mondoLabel"] == "androgenetic alopecia"
    therapies = {row["therapy"].removeprefix(HKR) for row in rows}
    assert "therapy-hair-transplantation" not in therapies
    assert len(therapies) == 11


# --- CQ10 ------------------------------------------------------------------------------------


def test_cq10_statements_on_the_authority_of_tak_2020(dataset: Dataset) -> None:
    """Default DOI 10.1002/sctm.19-0410 is Tak et al. 2020 (article reference 6;
    studies.tsv tak2020/doi). Its rows include tak2020/n_enrolled "38", tak2020/key_results
    "+28.1% (ADSC-CE) vs +7.1% (vehicle)", tak2020/pmid "32420695", and the paper's own claim
    that the results are between-group differences against vehicle (studies.md, Tak 2020).
    Statements that rest on another paper (Stevens 2018) are not returned; the topical route
    rests on the article as well (article: "topical application of stem cells")."""
    rows = run(dataset, 10)
    assert {row["publication"] for row in rows} == {r("pub-tak-2020")}
    triples = {(row["resource"], row["property"], row["value"]) for row in rows}
    hkg = "https://w3id.org/hairkg/ontology/"
    assert (r("study-tak-2020"), hkg + "enrolledCount", 38) in triples
    assert (r("study-tak-2020"), hkg + "blinding", r("blinding-double-blind")) in triples
    finding = r("finding-tak-2020-hair-count-week-16")
    assert (finding, hkg + "treatedChangePercent", Decimal("28.1")) in triples
    assert (finding, hkg + "controlChangePercent", Decimal("7.1")) in triples
    assert (r("pub-tak-2020"), "http://purl.org/ontology/bibo/pmid", "32420695") in triples
    resources = {row["resource"] for row in rows}
    assert r("claim-tak-2020-between-group-vs-vehicle") in resources
    assert r("study-stevens-2018") not in resources
    assert not any(res.startswith(r("finding-stevens")) for res in resources)
    route = [row for row in rows if row["resource"] == r("route-topical")]
    assert route and all("Singh 2021" in (row["otherSources"] or "") for row in route)
    enrolled = only(rows, resource=r("study-tak-2020"), property=hkg + "enrolledCount")
    assert enrolled["propertyLabel"] == "enrolled count"


def test_cq10_doi_can_be_changed(dataset: Dataset) -> None:
    """A user edits the VALUES line. With Stevens et al. 2018's DOI (article reference 5,
    studies.tsv stevens2018/doi "10.1093/asj/sjy029", written here in upper case to show the
    match is case-insensitive) the rows are Stevens's: stevens2018/n_enrolled "10 male
    patients", key_results "P = 0.013" at 6 weeks."""
    text = query_file(10).read_text(encoding="utf-8")
    default = 'VALUES ?doi { "10.1002/sctm.19-0410" }'
    assert text.count(default) == 1
    rows = run(dataset, 10, text.replace(default, 'VALUES ?doi { "10.1093/ASJ/SJY029" }'))
    assert {row["publication"] for row in rows} == {r("pub-stevens-2018")}
    hkg = "https://w3id.org/hairkg/ontology/"
    triples = {(row["resource"], row["property"], row["value"]) for row in rows}
    assert (r("study-stevens-2018"), hkg + "enrolledCount", 10) in triples
    assert (r("finding-stevens-2018-density-week-6"), hkg + "pValue", Decimal("0.013")) in triples
    assert r("study-tak-2020") not in {row["resource"] for row in rows}


# --- CQ11 ------------------------------------------------------------------------------------


def test_cq11_article_claims_the_cited_paper_does_not_support(dataset: Dataset) -> None:
    """studies.md "Per-paper verification status and discrepancies" and "Suggested modelling
    flags": Fukuoka 2015 has no minoxidil comparison, and nothing mentions microneedling (used
    intradermal injection only); Stevens 2018 compares with baseline, not an untreated area;
    Tak 2020's significance is between groups (vs vehicle), not "from baseline", the diameter
    result is at week 16 only, and the product is a cell-free extract, not stem cells;
    Elmaadawi 2018 used bone-marrow mononuclear cells, not purified stem cells. Gentile 2017's
    n = 11 is "not verifiable" (no source gives n): the graph marks it unverifiable, so it is
    not among the unsupported/contradicted claims."""
    rows = run(dataset, 11)
    assert {row["claim"].removeprefix(HKR) for row in rows} == {
        "claim-article-fphl-minoxidil",
        "claim-article-conditioned-medium-microneedling",
        "claim-article-prs-density-vs-untreated-area",
        "claim-article-topical-improvement-from-baseline",
        "claim-article-topical-diameter-week-8",
        "claim-article-topical-stem-cells-applied",
        "claim-article-bm-cell-type",
    }
    assert all(row["supportStatusLabel"] == "unsupported" for row in rows)
    assert all(row["paperSays"] and row["supportNote"] for row in rows)

    minoxidil = only(rows, claim=r("claim-article-fphl-minoxidil"))
    assert minoxidil["paper"] == r("pub-fukuoka-2015")
    assert "superior to 2% minoxidil" in minoxidil["quotation"]
    assert "placebo side" in minoxidil["paperSays"]

    untreated = only(rows, claim=r("claim-article-prs-density-vs-untreated-area"))
    assert untreated["paper"] == r("pub-stevens-2018")
    assert "compared to the non-treated area" in untreated["quotation"]
    assert "compared with before injection" in untreated["paperSays"]
    assert "(P = 0.013)" in untreated["paperSays"]

    baseline = only(rows, claim=r("claim-article-topical-improvement-from-baseline"))
    assert baseline["paper"] == r("pub-tak-2020")
    assert baseline["paperClaim"] == r("claim-tak-2020-between-group-vs-vehicle")
    assert "+28.1% versus +7.1% with vehicle" in baseline["paperSays"]

    week8 = only(rows, claim=r("claim-article-topical-diameter-week-8"))
    assert week8["paperClaim"] == r("claim-tak-2020-diameter-week-16-only")
    assert "no week-8 diameter result is stated" in week8["paperSays"]

    cell_type = only(rows, claim=r("claim-article-bm-cell-type"))
    assert cell_type["paper"] == r("pub-elmaadawi-2018")
    assert "mononuclear cells (BMMCs)" in cell_type["paperSays"]

    extract = only(rows, claim=r("claim-article-topical-stem-cells-applied"))
    assert "constituent extract (ADSC-CE), a cell-free product" in extract["paperSays"]

    microneedling = only(rows, claim=r("claim-article-conditioned-medium-microneedling"))
    assert "injected intradermally" in microneedling["paperSays"]

    assert r("claim-article-hf-11-patients") not in {row["claim"] for row in rows}
    status = dataset.query(
        "PREFIX hkg: <https://w3id.org/hairkg/ontology/> "
        "PREFIX hkr: <https://w3id.org/hairkg/resource/> "
        "SELECT ?s WHERE { hkr:claim-article-hf-11-patients hkg:supportStatus ?s ; "
        "hkg:statedSampleSize 11 }"
    )
    assert [str(row[0]) for row in status] == [r("support-unverifiable")]  # type: ignore[index]


# --- issue 12: PICO, evidence level, adverse events ------------------------------------------


def test_cq12_no_rct_in_female_pattern_hair_loss_only_a_broader_one(dataset: Dataset) -> None:
    """studies.tsv: the only randomised, vehicle-controlled trial is tak2020, in androgenetic
    alopecia with 29 men and 9 women ("38 (29 men; hence 9 women)"), not a trial in female
    pattern hair loss; the article's female-pattern claim cites Fukuoka 2015 (placebo side,
    not randomised). So the answer is Tak, flagged as a broader population with women."""
    rows = run(dataset, 12)
    assert {row["study"] for row in rows} == {r("study-tak-2020")}
    assert {row["population"] for row in rows} == {
        "broader: androgenetic alopecia (pattern hair loss), with women enrolled"
    }
    assert {row["outcomeLabel"] for row in rows} == {
        "hair count by phototrichogram",
        "hair diameter by phototrichogram",
    }


def test_cq12_pico_for_androgenetic_alopecia_gives_tak_at_week_16(dataset: Dataset) -> None:
    """The same question for androgenetic alopecia: tak2020/key_results "week 16: hair count
    change +28.1% (ADSC-CE) vs +7.1% (vehicle) ... hair diameter change at 16 weeks +14.2% vs
    +6.3%, significant"; n_enrolled "38 (29 men; hence 9 women)"; mean age 45.3; twice daily
    for 16 weeks."""
    text = (
        query_file(12)
        .read_text("utf-8")
        .replace("hkr:condition-female-pattern-hair-loss", "hkr:condition-androgenetic-alopecia")
    )
    rows = run(dataset, 12, text)
    assert {row["study"] for row in rows} == {r("study-tak-2020")}
    assert {row["population"] for row in rows} == {
        "as asked: androgenetic alopecia (pattern hair loss)"
    }
    count = only(rows, outcomeLabel="hair count by phototrichogram")
    diameter = only(rows, outcomeLabel="hair diameter by phototrichogram")
    assert (count["treated"], count["control"]) == (Decimal("28.1"), Decimal("7.1"))
    assert (diameter["treated"], diameter["control"]) == (Decimal("14.2"), Decimal("6.3"))
    assert count["significant"] is True and diameter["significant"] is True
    assert (count["N"], count["men"], count["women"]) == (38, 29, 9)
    assert count["meanAge"] == Decimal("45.3")
    assert count["applicationsPerDay"] == 2
    assert count["treatmentWeeks"] == Decimal("16")


def test_cq13_evidence_levels_follow_the_designs(dataset: Dataset) -> None:
    """Derived by ontology/rules/evidence-level.rq: tak2020 randomised, double-blind, vehicle
    (level 2); fukuoka2015 placebo side and elmaadawi2018 active comparator without reported
    randomisation (level 3); stevens2018, zari2021, krefft2024 and ceccarelli2018 without a
    concurrent control (level 4); gentile2017 has no recorded design (no level)."""
    rows = run(dataset, 13)
    levels = {row["study"].rsplit("/", 1)[-1]: row["rank"] for row in rows}
    assert levels == {
        "study-tak-2020": 2,
        "study-fukuoka-2015": 3,
        "study-elmaadawi-2018": 3,
        "study-stevens-2018": 4,
        "study-zari-2021": 4,
        "study-krefft-trzciniecka-2024": 4,
        "study-ceccarelli-2018": 4,
        "study-gentile-2017": None,
    }
    assert [row["rank"] for row in rows if row["rank"] is not None] == sorted(
        row["rank"] for row in rows if row["rank"] is not None
    )
    tak = only(rows, study=r("study-tak-2020"))
    assert tak["N"] == 38 and tak["randomised"] is True and tak["blindingLabel"] == "double-blind"
    gentile = only(rows, study=r("study-gentile-2017"))
    assert gentile["articleClaims"] >= 1  # claims about a study of unknown design


def test_cq14_adverse_events_as_data(dataset: Dataset) -> None:
    """studies.tsv adverse_events: elmaadawi2018 "no serious adverse events reported";
    stevens2018 "no side effects noted after treatment"; tak2020 "abstract: 'maintaining
    adequate treatment safety'; specific AE types/counts unknown"; studies.md: Krefft 2024
    "described as safe"; fukuoka2015 and gentile2017 "unknown" (no report). The article's "no
    consequential side effects" (topical) rests on Tak's phrase, not on data."""
    rows = run(dataset, 14)
    status = {row["study"].rsplit("/", 1)[-1]: row["status"].rsplit("/", 1)[-1] for row in rows}
    assert status == {
        "study-elmaadawi-2018": "ae-no-serious-reported",
        "study-stevens-2018": "ae-none-reported",
        "study-tak-2020": "ae-safety-stated-without-data",
        "study-krefft-trzciniecka-2024": "ae-safety-stated-without-data",
    }
    tak = only(rows, study=r("study-tak-2020"))
    assert tak["wording"] == "maintaining adequate treatment safety"
    assert tak["safetyClaim"] == r("claim-article-topical-no-side-effects")
    assert tak["claimStatus"] == r("support-supported")


def test_cq15_no_claimed_significance_is_backed_by_a_matching_finding(dataset: Dataset) -> None:
    """studies.md: Tak 2020 reports diameter at week 16 only and its significance is between
    groups (vs vehicle), not from baseline; Stevens 2018 compares with baseline, not with an
    untreated area. So every claimed significant result of the article is unbacked, and each
    such claim is judged unsupported."""
    rows = run(dataset, 15)
    claims = {row["claim"].rsplit("/", 1)[-1] for row in rows}
    assert claims == {
        "claim-article-topical-diameter-week-8",
        "claim-article-topical-improvement-from-baseline",
        "claim-article-prs-density-vs-untreated-area",
    }
    assert not any(row["backed"] for row in rows)
    assert {row["supportStatus"] for row in rows} == {r("support-unsupported")}
    week8 = only(
        rows,
        claim=r("claim-article-topical-diameter-week-8"),
        outcomeLabel="hair diameter by phototrichogram",
    )
    assert week8["finding"] is None  # no diameter result at week 8 at all
    stevens = [row for row in rows if row["claim"].endswith("prs-density-vs-untreated-area")]
    assert {row["findingBasis"] for row in stevens} == {r("control-baseline")}
    assert all(row["findingSignificant"] is True for row in stevens)
