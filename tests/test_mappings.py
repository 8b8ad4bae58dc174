"""The SSSOM mapping table: valid SSSOM, verified targets, bioregistry identifier patterns."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import bioregistry
import pytest
from rdflib import Dataset, URIRef
from rdflib.namespace import SKOS

from hairkg.graph.mappings import read_sssom
from hairkg.graph.vocab import graph_iri
from hairkg.paths import bundled_dir

SSSOM_PATH = bundled_dir("data") / "mappings" / "hairkg.sssom.tsv"
VERIFIED_TERMS = bundled_dir("ontology") / "imports" / "verified-terms.tsv"
#: Prefixes whose RDF namespace deliberately differs from bioregistry's default URI format
#: (see ontology/imports/README.md): MeSH RDF, Biolink's rdf_uri_format, schema.org https.
RDF_NAMESPACE_OVERRIDES = {
    "mesh": "http://id.nlm.nih.gov/mesh/",
    "biolink": "https://w3id.org/biolink/vocab/",
    "schema": "https://schema.org/",
}


def _verified_curies() -> set[str]:
    with VERIFIED_TERMS.open(encoding="utf-8") as handle:
        return {row["target_id"] for row in csv.DictReader(handle, delimiter="\t")}


def test_table_is_valid_sssom() -> None:
    from sssom.constants import SchemaValidationType
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate

    msdf = parse_sssom_table(SSSOM_PATH)
    assert len(msdf.df) > 20
    validate(
        msdf,
        [
            SchemaValidationType.JsonSchema,
            SchemaValidationType.PrefixMapCompleteness,
            SchemaValidationType.StrictCurieFormat,
        ],
        fail_on_error=True,
    )
    for key in ("mapping_set_id", "license"):
        assert key in msdf.metadata
    assert msdf.converter.expand("MONDO:0005339") == "http://purl.obolibrary.org/obo/MONDO_0005339"


def test_every_row_is_justified_and_attributed() -> None:
    mapping_set = read_sssom(SSSOM_PATH)
    assert str(mapping_set.metadata["license"]).startswith("https://creativecommons.org/")
    with SSSOM_PATH.open(encoding="utf-8") as handle:
        rows = list(
            csv.DictReader((line for line in handle if not line.startswith("#")), delimiter="\t")
        )
    for row in rows:
        assert row["mapping_justification"].startswith("semapv:"), row


def test_every_target_is_a_verified_term() -> None:
    verified = _verified_curies()
    unverified = [
        m.object_id for m in read_sssom(SSSOM_PATH).mappings if m.object_id not in verified
    ]
    assert not unverified


def test_every_target_matches_its_bioregistry_pattern() -> None:
    for mapping in read_sssom(SSSOM_PATH).mappings:
        prefix, local_id = mapping.object_id.split(":", 1)
        pattern = bioregistry.get_pattern(bioregistry.normalize_prefix(prefix) or prefix)
        if pattern is None:  # schema.org has no pattern in bioregistry
            continue
        assert re.match(pattern, local_id), f"{mapping.object_id} !~ {pattern}"


def test_prefix_expansions_agree_with_bioregistry() -> None:
    curie_map = read_sssom(SSSOM_PATH).metadata["curie_map"]
    for prefix, namespace in curie_map.items():
        key = bioregistry.normalize_prefix(prefix)
        if key is None or prefix in ("hkg", "hkr", "semapv", "skos"):
            continue
        expected = RDF_NAMESPACE_OVERRIDES.get(key) or bioregistry.get_uri_prefix(key)
        assert namespace == expected, prefix


@pytest.mark.parametrize("predicate", [SKOS.exactMatch, SKOS.closeMatch, SKOS.broadMatch])
def test_mappings_graph_holds_the_table(dataset: Dataset, predicate: URIRef) -> None:
    graph = dataset.graph(graph_iri("mappings"))
    expected = {
        (m.subject, m.object) for m in read_sssom(SSSOM_PATH).mappings if m.predicate == predicate
    }
    assert expected
    assert set(graph.subject_objects(predicate)) == expected


def test_a_row_with_an_unknown_prefix_is_reported_with_its_line(tmp_path: Path) -> None:
    from hairkg.errors import RdfSyntaxError

    text = SSSOM_PATH.read_text(encoding="utf-8").rstrip("\n")
    header_lines = sum(1 for line in text.splitlines() if line.startswith("#"))
    data_lines = len(text.splitlines()) - header_lines - 1
    broken = tmp_path / "broken.sssom.tsv"
    columns = text.splitlines()[header_lines].split("\t")
    row = {c: "" for c in columns} | {
        "subject_id": "hkr:condition-alopecia",
        "predicate_id": "skos:exactMatch",
        "object_id": "NOPE:0000001",
        "mapping_justification": "semapv:ManualMappingCuration",
    }
    broken.write_text(text + "\n" + "\t".join(row[c] for c in columns) + "\n", encoding="utf-8")
    with pytest.raises(RdfSyntaxError) as caught:
        read_sssom(broken)
    assert caught.value.line == header_lines + 1 + data_lines + 1
    assert "NOPE:0000001" in str(caught.value)


def test_the_curie_map_expands_as_curies_does_and_refuses_one_iri_for_two_prefixes(
    tmp_path: Path,
) -> None:
    from curies import Converter

    from hairkg.errors import RdfSyntaxError

    mapping_set = read_sssom(SSSOM_PATH)
    reference = Converter.from_prefix_map(mapping_set.converter.prefix_map)
    for curie in ("MONDO:0005339", "mondo:0005339", "skos:exactMatch", "a:b:c", ":x", "hkg:"):
        assert mapping_set.converter.expand(curie) == reference.expand(curie), curie
    assert mapping_set.converter.expand("no-colon") is None  # curies raises; a row error here
    text = SSSOM_PATH.read_text(encoding="utf-8")
    twice = tmp_path / "twice.sssom.tsv"
    twice.write_text(
        text.replace(
            "#curie_map:\n", "#curie_map:\n#  MONDO2: http://purl.obolibrary.org/obo/MONDO_\n"
        ),
        encoding="utf-8",
    )
    with pytest.raises(RdfSyntaxError) as caught:
        read_sssom(twice)
    assert "the same IRI" in str(caught.value)
