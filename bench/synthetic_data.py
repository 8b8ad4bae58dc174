"""Deterministic synthetic hairkg data: therapies, publications, studies, findings and claims.

The resources follow the hairkg model (``docs/model.md``): a ``hkg:Study`` has an enrolled
count, a design, the therapy it tested (``hkg:intervention``), the publication describing
it, findings and follow-up conditions; claims are made about therapies and studies. Coded
values (designs, directions, conditions, cell sources …) are the shipped ``hkr:`` ones, so
the synthetic part joins the shipped graph. The data need not conform to the shapes (serve
it with ``--no-validate``).

The output is exactly ``n`` distinct triples in N-Triples, the same bytes for the same
``n`` and ``seed``. Use it as a module (:func:`generate`, :func:`write`) or from the shell::

    python bench/synthetic_data.py 100000 /tmp/synthetic-100k.nt [--seed 7]
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from pathlib import Path

__all__ = ["HKG", "HKR", "PREFIX", "generate", "write"]

HKG = "https://w3id.org/hairkg/ontology/"
HKR = "https://w3id.org/hairkg/resource/"
#: IRIs of synthetic resources start with this (``hkr:syn-…``).
PREFIX = HKR + "syn-"

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_SKOS_DEFINITION = "http://www.w3.org/2004/02/skos/core#definition"
_DCT_SOURCE = "http://purl.org/dc/terms/source"
_DCT_TITLE = "http://purl.org/dc/terms/title"
_BIBO_DOI = "http://purl.org/ontology/bibo/doi"
_XSD = "http://www.w3.org/2001/XMLSchema#"

_THERAPY_CLASSES = ("CellBasedTherapy", "CellFreeTherapy", "RegenerativeTherapy", "Therapy")
_ROOT_THERAPIES = ("therapy-stem-cell", "therapy-adsc", "therapy-hair-follicle-stem-cell")
_CONDITIONS = (
    "condition-alopecia",
    "condition-alopecia-areata",
    "condition-androgenetic-alopecia",
    "condition-female-pattern-hair-loss",
    "condition-male-pattern-hair-loss",
)
_SOURCES = (
    "source-adipose-tissue",
    "source-bone-marrow",
    "source-hair-follicle-unaffected-scalp",
)
_ROUTES = (
    "route-injection",
    "route-intradermal-injection",
    "route-mesotherapy",
    "route-microinjection",
    "route-microneedling",
    "route-topical",
)
_DESIGNS = (
    "design-before-after-case-series",
    "design-comparative-clinical-study",
    "design-histological-study",
    "design-randomised-controlled-trial",
    "design-retrospective-cohort",
    "design-single-group-preliminary-study",
    "design-split-scalp-comparison",
)
_CONTROLS = (
    "control-active-comparator",
    "control-baseline",
    "control-none",
    "control-placebo-side",
    "control-untreated-area",
    "control-vehicle",
)
_OUTCOMES = (
    "outcome-clinical-improvement-grade",
    "outcome-favourable-response",
    "outcome-follicle-histology",
    "outcome-hair-count-phototrichogram",
    "outcome-hair-count-trichogram",
    "outcome-hair-density",
    "outcome-hair-density-fotofinder",
    "outcome-hair-density-trichoscan",
    "outcome-hair-diameter-phototrichogram",
    "outcome-hair-thickness-trichoscan",
    "outcome-hair-to-hair-matching",
    "outcome-vas-photographs",
)
_DIRECTIONS = (
    "direction-favourable",
    "direction-mixed",
    "direction-neutral",
    "direction-unfavourable",
)
_SUPPORT = (
    "support-contradicted",
    "support-supported",
    "support-unsupported",
    "support-unverifiable",
)
_MATERIALS = (
    "adipose-derived",
    "bone-marrow",
    "hair-follicle",
    "umbilical-cord",
    "dermal-papilla",
    "exosome",
)
_FORMS = ("stem-cell therapy", "conditioned medium", "micrograft suspension", "cell extract")
_MEASURES = (
    "hair density",
    "hair count",
    "hair diameter",
    "trichoscan density",
    "VAS rating",
    "shedding",
)
_SURNAMES = (
    "Abe",
    "Bianchi",
    "Chen",
    "Dubois",
    "Eriksen",
    "Fernandes",
    "Garcia",
    "Hoffmann",
    "Ito",
    "Jensen",
    "Kowalski",
    "Lopez",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
)


def _iri(value: str) -> str:
    return f"<{value}>"


def _hkg(name: str) -> str:
    return f"<{HKG}{name}>"


def _hkr(name: str) -> str:
    return f"<{HKR}{name}>"


def _text(value: str, lang: str | None = "en") -> str:
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{escaped}"@{lang}' if lang else f'"{escaped}"'


def _typed(value: object, datatype: str) -> str:
    return f'"{value}"^^<{_XSD}{datatype}>'


def _entities(rng: random.Random) -> Iterator[list[tuple[str, str, str]]]:
    """Yield the triples of one resource at a time, forever, in a fixed interleaving."""
    therapies: list[str] = []
    publications: list[str] = []
    study_number = 0
    therapy_number = 0
    while True:
        # one therapy per eight studies, one publication per study
        therapy_number += 1
        therapy = _iri(f"{PREFIX}therapy-{therapy_number:05d}")
        material = rng.choice(_MATERIALS)
        form = rng.choice(_FORMS)
        broader = rng.choice(therapies) if therapies and rng.random() < 0.5 else None
        triples = [
            (therapy, _iri(_RDF_TYPE), _hkg(rng.choice(_THERAPY_CLASSES))),
            (therapy, _iri(_LABEL), _text(f"{material} {form} {therapy_number}")),
            (
                therapy,
                _iri(_SKOS_DEFINITION),
                _text(
                    f"Synthetic therapy {therapy_number}: {material} {form} for hair loss, "
                    "generated for benchmarking."
                ),
            ),
            (
                therapy,
                _hkg("broaderTherapy"),
                broader or _hkr(rng.choice(_ROOT_THERAPIES)),
            ),
            (therapy, _hkg("targetsCondition"), _hkr(rng.choice(_CONDITIONS))),
            (therapy, _hkg("usesCellSource"), _hkr(rng.choice(_SOURCES))),
            (
                therapy,
                _hkg("donorRelation"),
                _hkr("donor-autologous" if rng.random() < 0.7 else "donor-allogeneic"),
            ),
            (therapy, _hkg("hasAdministrationRoute"), _hkr(rng.choice(_ROUTES))),
            (therapy, _iri(_DCT_SOURCE), _hkr("article-singh-2021")),
        ]
        therapies.append(therapy)
        yield triples
        for _ in range(8):
            study_number += 1
            yield from _study_block(rng, study_number, therapy, therapies, publications)


def _study_block(
    rng: random.Random,
    number: int,
    therapy: str,
    therapies: list[str],
    publications: list[str],
) -> Iterator[list[tuple[str, str, str]]]:
    year = 2005 + rng.randrange(20)
    author = rng.choice(_SURNAMES)
    publication = _iri(f"{PREFIX}pub-{number:06d}")
    publications.append(publication)
    yield [
        (publication, _iri(_RDF_TYPE), _hkg("JournalArticle")),
        (publication, _iri(_LABEL), _text(f"{author} et al. {year} (synthetic {number})")),
        (publication, _iri(_DCT_TITLE), _text(f"A synthetic study of hair regrowth, no. {number}")),
        (publication, _iri(_BIBO_DOI), _text(f"10.5555/syn.{number:06d}", None)),
        (publication, _hkg("publicationYear"), _typed(year, "gYear")),
        (publication, _hkg("journalTitle"), _text("Journal of Synthetic Dermatology", None)),
        (publication, _iri(_DCT_SOURCE), _hkr("article-singh-2021")),
    ]
    study = _iri(f"{PREFIX}study-{number:06d}")
    design = rng.choice(_DESIGNS)
    condition = rng.choice(_CONDITIONS)
    outcome = rng.choice(_OUTCOMES)
    triples = [
        (study, _iri(_RDF_TYPE), _hkg("Study")),
        (
            study,
            _iri(_LABEL),
            _text(f"{author} et al. {year}: {design[7:].replace('-', ' ')} no. {number}"),
        ),
        (study, _iri(_DCT_SOURCE), publication),
        (study, _hkg("describedIn"), publication),
        (study, _hkg("intervention"), therapy),
        (study, _hkg("studyDesign"), _hkr(design)),
        (study, _hkg("studiesCondition"), _hkr(condition)),
        (study, _hkg("outcomeMeasure"), _hkr(outcome)),
        (study, _hkg("controlType"), _hkr(rng.choice(_CONTROLS))),
        (
            study,
            _hkg("evidenceOrigin"),
            _hkr("origin-cited-by-article" if rng.random() < 0.3 else "origin-beyond-article"),
        ),
        (study, _hkg("numberOfSessions"), _typed(1 + rng.randrange(6), "integer")),
    ]
    if rng.random() < 0.8:  # some sources do not give N
        triples.append((study, _hkg("enrolledCount"), _typed(10 + rng.randrange(490), "integer")))
    if rng.random() < 0.4:
        triples.append((study, _hkg("isRandomised"), _typed("true", "boolean")))
        if rng.random() < 0.5:
            triples.append((study, _hkg("blinding"), _hkr("blinding-double-blind")))
    if rng.random() < 0.25 and len(therapies) > 1:
        comparator = rng.choice(therapies[:-1])
        triples.append((study, _hkg("comparatorTherapy"), comparator))
    findings = [_iri(f"{PREFIX}finding-{number:06d}-{i}") for i in (1, 2)]
    triples += [(study, _hkg("hasFinding"), finding) for finding in findings]
    yield triples
    for index, finding in enumerate(findings, 1):
        measure = rng.choice(_MEASURES)
        week = rng.choice((4, 8, 12, 16, 24, 52))
        change = rng.randrange(-5, 40)
        yield [
            (finding, _iri(_RDF_TYPE), _hkg("Finding")),
            (
                finding,
                _iri(_LABEL),
                _text(f"study {number} finding {index}: {measure} at week {week}"),
            ),
            (
                finding,
                _hkg("statement"),
                _text(f"{measure.capitalize()} changed by {change}% at week {week} (synthetic)."),
            ),
            (finding, _hkg("findingDirection"), _hkr(rng.choice(_DIRECTIONS))),
            (finding, _hkg("outcomeMeasure"), _hkr(outcome)),
            (
                finding,
                _hkg("isStatisticallySignificant"),
                _typed("true" if rng.random() < 0.5 else "false", "boolean"),
            ),
            (finding, _iri(_DCT_SOURCE), publication),
        ]
    claim = _iri(f"{PREFIX}claim-{number:06d}")
    yield [
        (claim, _iri(_RDF_TYPE), _hkg("Claim")),
        (claim, _iri(_LABEL), _text(f"claim about synthetic study {number}")),
        (claim, _hkg("aboutTherapy"), therapy),
        (claim, _hkg("aboutStudy"), study),
        (claim, _hkg("assertedBy"), _hkr("article-singh-2021")),
        (claim, _hkg("citesPublication"), publication),
        (claim, _hkg("claimDirection"), _hkr(rng.choice(_DIRECTIONS))),
        (claim, _hkg("supportStatus"), _hkr(rng.choice(_SUPPORT))),
        (claim, _hkg("statement"), _text(f"Therapy works in study {number} (synthetic claim).")),
    ]


def generate(n: int, seed: int = 7) -> list[tuple[str, str, str]]:
    """Return exactly ``n`` distinct triples (N-Triples terms), deterministic for ``seed``."""
    rng = random.Random(seed)
    out: list[tuple[str, str, str]] = []
    seen: set[tuple[str, str, str]] = set()
    for entity in _entities(rng):
        for triple in entity:
            if triple in seen:
                continue
            seen.add(triple)
            out.append(triple)
            if len(out) == n:
                return out
    raise AssertionError("unreachable")


def write(path: Path, n: int, seed: int = 7) -> Path:
    """Write ``n`` synthetic triples to ``path`` as N-Triples; return ``path``."""
    lines = [f"{s} {p} {o} .\n" for s, p, o in generate(n, seed)]
    path.write_text("".join(lines), encoding="utf-8")
    return path


def main() -> None:
    """Command line: ``synthetic_data.py N OUT.nt [--seed S]``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("triples", type=int)
    parser.add_argument("output", type=Path)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    write(args.output, args.triples, args.seed)
    print(f"wrote {args.triples} triples to {args.output}")


if __name__ == "__main__":
    main()
