"""Property-based tests: generated valid studies pass the shapes; one mutated field fails.

Each example adds a generated study (with its paper, arms, time points and a finding) to the
shipped graph and validates with pyshacl-turbo. A valid study must add no result at all; a
study with one field broken must make the shape that guards that field fire.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import lru_cache

import pyoxigraph as ox
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hairkg.namespaces import SHAPES_NS
from hairkg.validation import ValidationData, ValidationOutcome, validate_data

DESIGNS = (
    "design-randomised-controlled-trial",
    "design-before-after-case-series",
    "design-split-scalp-comparison",
    "design-comparative-clinical-study",
    "design-single-group-preliminary-study",
    "design-retrospective-cohort",
    "design-histological-study",
)
CONTROLS = (
    "control-vehicle",
    "control-placebo-side",
    "control-untreated-area",
    "control-untreated-patients",
    "control-baseline",
    "control-active-comparator",
    "control-none",
)
THERAPIES = (
    "therapy-adsc-conditioned-medium",
    "therapy-adsc-constituent-extract-topical",
    "therapy-bone-marrow-cell",
    "therapy-hair-follicle-stem-cell",
    "therapy-platelet-rich-stroma",
    "therapy-regenera-activa",
)
CONDITIONS = (
    "condition-alopecia",
    "condition-alopecia-areata",
    "condition-androgenetic-alopecia",
    "condition-female-pattern-hair-loss",
    "condition-male-pattern-hair-loss",
)
OUTCOMES = ("outcome-hair-density", "outcome-hair-count-trichogram", "outcome-vas-photographs")
DIRECTIONS = ("direction-favourable", "direction-unfavourable", "direction-neutral")
PREFIXES = """@prefix bibo: <http://purl.org/ontology/bibo/> .
@prefix dcterms: <http://purl.org/dc/terms/> .
@prefix hkg: <https://w3id.org/hairkg/ontology/> .
@prefix hkr: <https://w3id.org/hairkg/resource/> .
@prefix qudt: <http://qudt.org/schema/qudt/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix unit: <http://qudt.org/vocab/unit/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
"""
PROPERTY_SETTINGS = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@dataclass(frozen=True)
class Study:
    """The fields of a generated study and its paper."""

    enrolled: int
    men: int
    women: int
    arm_sizes: tuple[int, ...]
    design: str
    controls: tuple[str, ...]
    double_blind: bool
    weeks: tuple[Decimal, ...]
    baseline: bool
    therapy: str
    condition: str
    outcome: str
    direction: str
    p_value: Decimal | None
    ages: tuple[Decimal, Decimal, Decimal] | None
    doi: str
    pmid: str
    year: int
    label_language: str = "en"
    described: bool = True

    def turtle(self) -> str:
        """The study as Turtle."""
        study = [
            "hkr:study-hypothesis a hkg:Study",
            f'rdfs:label "Generated study"@{self.label_language}',
            "dcterms:source hkr:pub-hypothesis",
            "hkg:evidenceOrigin hkr:origin-beyond-article",
            f"hkg:intervention hkr:{self.therapy}",
            f"hkg:studiesCondition hkr:{self.condition}",
            f"hkg:studyDesign hkr:{self.design}",
            f"hkg:outcomeMeasure hkr:{self.outcome}",
            f"hkg:enrolledCount {self.enrolled}",
            f"hkg:maleCount {self.men}",
            f"hkg:femaleCount {self.women}",
            "hkg:hasFinding hkr:finding-hypothesis",
        ]
        if self.described:
            study.append("hkg:describedIn hkr:pub-hypothesis")
        if self.design == "design-randomised-controlled-trial":
            study.append("hkg:isRandomised true")
        if self.double_blind:
            study.append("hkg:blinding hkr:blinding-double-blind")
        study += [f"hkg:controlType hkr:{control}" for control in self.controls]
        if self.ages is not None:
            low, mean, high = self.ages
            study += [f"hkg:ageMinimum {low}", f"hkg:meanAge {mean}", f"hkg:ageMaximum {high}"]
        parts = []
        points = [f"hkr:timepoint-hypothesis-{n}" for n in range(len(self.weeks))]
        for point, weeks in zip(points, self.weeks, strict=True):
            study.append(f"hkg:followUpTimePoint {point}")
            parts.append(
                f'{point} a hkg:TimePoint ; rdfs:label "week {weeks}"@en ; '
                f"dcterms:source hkr:pub-hypothesis ; qudt:hasUnit unit:WK ; "
                f"qudt:numericValue {weeks} ."
            )
        if self.baseline:
            study.append("hkg:followUpTimePoint hkr:timepoint-hypothesis-baseline")
            parts.append(
                'hkr:timepoint-hypothesis-baseline a hkg:TimePoint ; rdfs:label "baseline"@en ; '
                "dcterms:source hkr:pub-hypothesis ; hkg:isBaseline true ; "
                "qudt:hasUnit unit:WK ; qudt:numericValue 0.0 ."
            )
        for n, size in enumerate(self.arm_sizes):
            study.append(f"hkg:hasArm hkr:arm-hypothesis-{n}")
            parts.append(
                f'hkr:arm-hypothesis-{n} a hkg:StudyArm ; rdfs:label "arm {n}"@en ; '
                f"dcterms:source hkr:pub-hypothesis ; hkg:armIntervention hkr:{self.therapy} ; "
                f"hkg:armSize {size} ."
            )
        finding = [
            "hkr:finding-hypothesis a hkg:Finding",
            'rdfs:label "Generated finding"@en',
            "dcterms:source hkr:pub-hypothesis",
            f"hkg:outcomeMeasure hkr:{self.outcome}",
            f"hkg:findingDirection hkr:{self.direction}",
            "hkg:comparisonBasis hkr:control-baseline",
            'hkg:statement "A generated result."@en',
        ]
        if points:
            finding.append(f"hkg:atTimePoint {points[0]}")
        if self.p_value is not None:
            finding.append(f"hkg:pValue {self.p_value}")
        paper = [
            "hkr:pub-hypothesis a hkg:JournalArticle",
            'rdfs:label "Generated paper"@en',
            'dcterms:title "A generated paper"@en',
            f'bibo:doi "{self.doi}"',
            f'bibo:pmid "{self.pmid}"',
            'hkg:journalTitle "Journal of Generated Results"',
            f'hkg:publicationYear "{self.year}"^^xsd:gYear',
            'hkg:verificationSource "https://example.org/generated"^^xsd:anyURI',
        ]
        blocks = [study, finding, paper]
        text = "\n\n".join(" ;\n    ".join(block) + " ." for block in blocks)
        return PREFIXES + "\n" + text + "\n\n" + "\n".join(parts) + "\n"


def _tenths(n: int) -> Decimal:
    """``n`` tenths, always written with a decimal point (``1.0``, an xsd:decimal)."""
    return (Decimal(n) / 10).quantize(Decimal("0.1"))


def _decimal(low: int, high: int) -> st.SearchStrategy[Decimal]:
    return st.integers(low * 10, high * 10).map(_tenths)


@st.composite
def studies(draw: st.DrawFn) -> Study:
    enrolled = draw(st.integers(2, 500))
    men = draw(st.integers(0, enrolled))
    women = draw(st.integers(0, enrolled - men))
    arms = draw(st.integers(0, min(3, enrolled)))
    sizes = tuple(draw(st.integers(1, enrolled // max(arms, 1))) for _ in range(arms))
    low = draw(_decimal(0, 60))
    high = draw(_decimal(int(low) + 1, 120))
    mean = draw(st.integers(int(low * 10), int(high * 10)).map(_tenths))
    registrant = draw(st.integers(1000, 999_999_999))
    suffix = draw(st.text("abcdefghijklmnopqrstuvwxyz0123456789.-", min_size=1, max_size=12))
    return Study(
        enrolled=enrolled,
        men=men,
        women=women,
        arm_sizes=sizes,
        design=draw(st.sampled_from(DESIGNS)),
        controls=tuple(draw(st.sets(st.sampled_from(CONTROLS), max_size=2))),
        double_blind=draw(st.booleans()),
        weeks=tuple(draw(st.lists(_decimal(1, 104), min_size=1, max_size=3, unique=True))),
        baseline=draw(st.booleans()),
        therapy=draw(st.sampled_from(THERAPIES)),
        condition=draw(st.sampled_from(CONDITIONS)),
        outcome=draw(st.sampled_from(OUTCOMES)),
        direction=draw(st.sampled_from(DIRECTIONS)),
        p_value=draw(
            st.none()
            | st.integers(0, 1000).map(lambda n: (Decimal(n) / 1000).quantize(Decimal("0.001")))
        ),
        ages=draw(st.none() | st.just((low, mean, high))),
        doi=f"10.{registrant}/hypothesis.{suffix}",
        pmid=str(draw(st.integers(1, 99_999_999))),
        year=draw(st.integers(1900, datetime.date.today().year)),
    )


@lru_cache(maxsize=1)
def shipped() -> ValidationData:
    return ValidationData.from_files()


def _keys(outcome: ValidationOutcome) -> set[tuple[str, str, str]]:
    return {
        (str(r.shape).removeprefix(SHAPES_NS), r.component_name, str(r.focus))
        for r in outcome.results
    }


@lru_cache(maxsize=1)
def baseline() -> frozenset[tuple[str, str, str]]:
    return frozenset(_keys(validate_data(shipped())))


def new_results(study: Study) -> set[tuple[str, str, str]]:
    triples = [q.triple for q in ox.parse(study.turtle(), format=ox.RdfFormat.TURTLE)]
    return _keys(validate_data(shipped().changed(add=triples))) - baseline()


@PROPERTY_SETTINGS
@given(studies())
def test_a_valid_study_adds_no_result(study: Study) -> None:
    assert new_results(study) == set(), study.turtle()


#: One broken field each, and the (shape, component) that must fire.
Mutation = Callable[[Study], Study]
MUTATIONS: list[tuple[str, Mutation, str, str]] = [
    (
        "nobody enrolled",
        lambda s: replace(s, enrolled=0, men=0, women=0, arm_sizes=()),
        "StudyShape-enrolledCount",
        "MinInclusiveConstraintComponent",
    ),
    (
        "more men than enrolled",
        lambda s: replace(s, men=s.enrolled + 1, women=0),
        "StudySexCountShape",
        "SPARQLConstraintComponent",
    ),
    (
        "an arm larger than the study",
        lambda s: replace(s, arm_sizes=(s.enrolled + 1,)),
        "StudyArmSizeShape",
        "SPARQLConstraintComponent",
    ),
    (
        "DOI with a doi: prefix",
        lambda s: replace(s, doi="doi:" + s.doi),
        "PublicationShape-doi",
        "PatternConstraintComponent",
    ),
    (
        "PMID with a prefix",
        lambda s: replace(s, pmid="PMID:" + s.pmid),
        "PublicationShape-pmid",
        "PatternConstraintComponent",
    ),
    (
        "published before 1900",
        lambda s: replace(s, year=1850),
        "PublicationYearRangeShape",
        "SPARQLConstraintComponent",
    ),
    (
        "p-value above 1",
        lambda s: replace(s, p_value=Decimal("1.5")),
        "FindingShape-pValue",
        "MaxInclusiveConstraintComponent",
    ),
    (
        "a follow-up before the start",
        lambda s: replace(s, weeks=(-s.weeks[0], *s.weeks[1:])),
        "TimePointValueShape",
        "SPARQLConstraintComponent",
    ),
    (
        "a design that is not coded",
        lambda s: replace(s, design="design-unknown"),
        "StudyShape-studyDesign",
        "InConstraintComponent",
    ),
    (
        "no paper",
        lambda s: replace(s, described=False),
        "StudyShape-describedIn",
        "MinCountConstraintComponent",
    ),
    (
        "label not in English",
        lambda s: replace(s, label_language="de"),
        "LabelShape",
        "LanguageInConstraintComponent",
    ),
]


@PROPERTY_SETTINGS
@given(studies(), st.sampled_from(MUTATIONS))
def test_one_broken_field_makes_its_shape_fire(
    study: Study, mutation: tuple[str, Mutation, str, str]
) -> None:
    _, mutate, shape, component = mutation
    found = {(s, c) for s, c, _ in new_results(mutate(study))}
    assert (shape, component) in found, (mutation[0], sorted(found))
