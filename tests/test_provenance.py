"""Issue 12 (1): provenance per statement. For any single triple a reader can ask which source
states it and how that was verified; the examples the issue lists come out right."""

from __future__ import annotations

from rdflib import Dataset, Literal, URIRef

from hairkg.graph.vocab import HKG, HKR

WHO_SAYS = """
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX hkg: <https://w3id.org/hairkg/ontology/>
SELECT ?source ?grade ?claim WHERE {
  VALUES (?s ?p ?o) { (%s %s %s) }
  GRAPH <https://w3id.org/hairkg/graph/data> {
    ?s ?p ?o .
    OPTIONAL {
      ?attribution hkg:attributedSubject ?s ; hkg:attributedPredicate ?p ;
          hkg:attributedObject ?o ; dcterms:source ?attributed .
      OPTIONAL { ?attribution hkg:evidenceGrade ?grade }
      OPTIONAL { ?attribution hkg:viaClaim ?claim }
    }
    # a node with a single source needs no attribution: all its statements are that source's
    OPTIONAL { ?s dcterms:source ?nodeSource }
    BIND(COALESCE(?attributed, ?nodeSource) AS ?source)
  }
}
"""


def who_says(dataset: Dataset, s: URIRef, p: URIRef, o: URIRef | Literal) -> set[str]:
    rows = dataset.query(WHO_SAYS % (s.n3(), p.n3(), o.n3()))
    return {str(row[0]).rsplit("/", 1)[-1] for row in rows}  # type: ignore[index]


def test_three_samples_are_the_article_s_alone(dataset: Dataset) -> None:
    harvest = HKR["step-regenera-activa-harvest"]
    assert who_says(dataset, harvest, HKG.sampleCount, Literal(3)) == {"article-singh-2021"}
    assert who_says(dataset, harvest, HKG.sampleSite, HKR["site-occipital-scalp"]) == {
        "article-singh-2021"
    }
    assert who_says(dataset, harvest, HKG.processType, HKR["process-punch-biopsy"]) == {
        "pub-krefft-trzciniecka-2024"
    }


def test_stem_cells_in_regenera_activa_are_the_article_s_not_zari_s(dataset: Dataset) -> None:
    cell = HKR["cell-hair-follicle-stem-cell"]
    assert who_says(dataset, HKR["therapy-regenera-activa"], HKG.usesCellType, cell) == {
        "article-singh-2021"
    }
    assert who_says(dataset, HKR["prep-micrograft-suspension"], HKG.hasComponent, cell) == {
        "article-singh-2021"
    }


def test_conditioned_medium_has_the_route_its_paper_used(dataset: Dataset) -> None:
    therapy = HKR["therapy-adsc-conditioned-medium"]
    route = HKG.hasAdministrationRoute
    assert who_says(dataset, therapy, route, HKR["route-intradermal-injection"]) == {
        "pub-fukuoka-2015"
    }
    assert who_says(dataset, therapy, route, HKR["route-microneedling"]) == {"article-singh-2021"}


def test_lockhart_year_is_graded_as_cited(dataset: Dataset) -> None:
    volume = URIRef("http://purl.org/ontology/bibo/volume")
    rows = list(dataset.query(WHO_SAYS % (HKR["pub-lockhart-2016"].n3(), volume.n3(), '"1"')))
    assert [(str(r[0]), str(r[1])) for r in rows] == [  # type: ignore[index]
        (str(HKR["article-singh-2021"]), str(HKR["grade-as-cited-unverified"]))
    ]


def test_the_processing_devices_are_kept_apart(dataset: Dataset) -> None:
    devices = set(dataset.objects(HKR["therapy-regenera-activa"], HKG.usesDevice))
    assert {HKR["device-regenera"], HKR["device-rigeneracons"], HKR["device-regenera-biopsy"]} <= (
        devices
    )
    assert set(
        dataset.objects(HKR["device-regenera"], URIRef("http://purl.org/dc/terms/source"))
    ) == {HKR["article-singh-2021"]}
