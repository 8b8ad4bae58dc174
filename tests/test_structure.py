"""Issue 12 (2, 3): explanations of the article and study results as structure, not text."""

from __future__ import annotations

from rdflib import Dataset, URIRef

from hairkg.graph.vocab import HKG, HKR, OBO

GROWTH_FACTOR_ACTIVITY = OBO["GO_0008083"]


def objects(dataset: Dataset, subject: str, predicate: URIRef) -> set[str]:
    return {str(o).rsplit("/", 1)[-1] for o in dataset.objects(HKR[subject], predicate)}


def test_rich_in_growth_factors_is_a_go_activity(dataset: Dataset) -> None:
    """Article: conditioned medium "is rich in growth factors"; "platelet-rich plasma rich in
    growth factors" (GO:0008083 growth factor activity, ontology-terms.tsv)."""
    for prep in ("prep-adsc-conditioned-medium", "prep-platelet-rich-plasma"):
        assert (HKR[prep], HKG.richInActivity, GROWTH_FACTOR_ACTIVITY) in dataset


def test_the_niche_and_the_sample_contents_are_anatomical_entities(dataset: Dataset) -> None:
    """Article: "Hair has its own stem cells in a pocket in the hair follicle"; "Every sample
    contains multiple hair follicles and the tissue surrounding it"."""
    assert objects(dataset, "claim-article-hair-stem-cell-pocket", HKG.concernsSite) == {
        "site-hair-follicle-bulge"
    }
    assert objects(dataset, "step-regenera-activa-harvest", HKG.sampleContains) == {
        "site-hair-follicle",
        "site-perifollicular-tissue",
    }


def test_hair_follicle_stem_cell_therapy_has_its_steps_in_order(dataset: Dataset) -> None:
    """Article: "A small biopsy from the scalp and subsequent centrifugation of the tissue gives
    the cells, which ... when injected back on the scalp"."""
    rows = dataset.query(
        """PREFIX hkg: <https://w3id.org/hairkg/ontology/>
        PREFIX hkr: <https://w3id.org/hairkg/resource/>
        SELECT ?step ?order ?process WHERE {
          hkr:therapy-hair-follicle-stem-cell hkg:hasProcedureStep ?step .
          ?step hkg:stepOrder ?order .
          OPTIONAL { ?step hkg:processType ?process }
        } ORDER BY ?order"""
    )
    steps = [(str(r[0]).rsplit("-", 1)[-1], int(r[1])) for r in rows]  # type: ignore[index]
    assert steps == [("biopsy", 1), ("centrifugation", 2), ("injection", 3)]


def test_the_generic_stem_cell_term_is_used(dataset: Dataset) -> None:
    assert objects(dataset, "therapy-stem-cell", HKG.usesCellType) == {"cell-stem-cell"}


def test_tak_results_are_tied_to_their_arms(dataset: Dataset) -> None:
    """studies.tsv tak2020/key_results: ADSC-CE group vs vehicle group."""
    for finding in (
        "finding-tak-2020-hair-count-week-8",
        "finding-tak-2020-hair-count-week-16",
        "finding-tak-2020-hair-diameter-week-16",
    ):
        assert objects(dataset, finding, HKG.resultForArm) == {"arm-tak-2020-adsc-ce"}
        assert objects(dataset, finding, HKG.comparedWithArm) == {"arm-tak-2020-vehicle"}
