"""Building the dataset: named graphs, inference, bad and hostile input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, URIRef
from rdflib.namespace import RDF, XSD

from hairkg.errors import RdfSyntaxError, UnknownFormatError, UnknownStoreError, UnsafeInputError
from hairkg.graph.loading import load_dataset, shipped_sources
from hairkg.graph.rdf_io import read_rdf_file
from hairkg.graph.vocab import HKG, HKR, graph_iri
from hairkg.namespaces import GRAPHS

FIXTURES = Path(__file__).parent / "fixtures"


def test_every_named_graph_is_filled(dataset: Dataset) -> None:
    for name in GRAPHS:
        assert len(dataset.graph(graph_iri(name))) > 0, name


def test_default_graph_is_the_union_of_the_named_graphs(dataset: Dataset) -> None:
    union = set(dataset.triples((None, None, None)))
    parts: set[tuple[object, object, object]] = set()
    for name in GRAPHS:
        parts |= set(dataset.graph(graph_iri(name)))
    assert union == parts


def test_inferred_graph_holds_only_new_triples(dataset: Dataset) -> None:
    asserted = set()
    for name in GRAPHS[:-1]:
        asserted |= set(dataset.graph(graph_iri(name)))
    inferred = set(dataset.graph(graph_iri("inferred")))
    assert inferred and not inferred & asserted


def test_inference_types_individuals_by_superclass(dataset: Dataset) -> None:
    # Regenera Activa is asserted as an autologous micrograft procedure only.
    inferred = dataset.graph(graph_iri("inferred"))
    assert (HKR["therapy-regenera-activa"], RDF.type, HKG.Therapy) in inferred


def _plain(triples: object) -> set[tuple[object, ...]]:
    """Compare literals by value where the stores spell them differently.

    ``"x"^^xsd:string`` and ``"x"`` are one RDF 1.1 literal with two rdflib spellings, and
    Oxigraph keeps numbers in canonical form (``"16.0"^^xsd:decimal`` comes back as ``"16"``).
    """
    return {tuple(_canonical(t) for t in triple) for triple in triples}  # type: ignore[attr-defined]


def _canonical(term: object) -> object:
    if not isinstance(term, Literal):
        return term
    if term.datatype in (None, XSD.string) and not term.language:
        return ("string", str(term))
    if term.datatype in (XSD.decimal, XSD.integer, XSD.double, XSD.boolean):
        return ("value", term.datatype, term.toPython())
    return term


def test_both_stores_hold_the_same_triples(dataset: Dataset, memory_dataset: Dataset) -> None:
    for name in GRAPHS[:-1]:
        a = _plain(dataset.graph(graph_iri(name)))
        b = _plain(memory_dataset.graph(graph_iri(name)))
        assert a == b, name


def test_unknown_store_lists_the_choices() -> None:
    with pytest.raises(UnknownStoreError, match="memory"):
        load_dataset(backend="nosuchstore", infer=False)


def test_shipped_sources_cover_each_part() -> None:
    graphs = {source.graph for source in shipped_sources()}
    assert graphs == {"ontology", "imports", "data", "mappings"}


def test_syntax_error_names_file_and_line() -> None:
    path = FIXTURES / "bad_syntax.ttl"
    with pytest.raises(RdfSyntaxError) as caught:
        read_rdf_file(path)
    assert caught.value.line == 6
    assert str(caught.value).startswith(f"{path}:6:")


def test_extra_trig_file_keeps_its_named_graph(tmp_path: Path) -> None:
    extra = tmp_path / "extra.trig"
    extra.write_text(
        '<http://example.org/g> { <http://example.org/s> <http://example.org/p> "o" . }\n',
        encoding="utf-8",
    )
    loaded = load_dataset([extra], infer=False)
    assert len(loaded.graph(URIRef("http://example.org/g"))) == 1


def test_unknown_extension_asks_for_format(tmp_path: Path) -> None:
    path = tmp_path / "data.txt"
    path.write_text("", encoding="utf-8")
    with pytest.raises(UnknownFormatError, match="--format"):
        read_rdf_file(path)


def test_jsonld_remote_context_is_refused_without_fetching(tmp_path: Path) -> None:
    path = tmp_path / "remote.jsonld"
    path.write_text(
        json.dumps(
            {"@context": "http://127.0.0.1:9/context.jsonld", "@id": "http://example.org/s"}
        ),
        encoding="utf-8",
    )
    with pytest.raises(RdfSyntaxError, match="remote context"):
        read_rdf_file(path)


def test_jsonld_file_context_is_refused(tmp_path: Path) -> None:
    secret = tmp_path / "context.jsonld"
    secret.write_text('{"@context": {"p": "http://example.org/p"}}', encoding="utf-8")
    path = tmp_path / "local.jsonld"
    path.write_text(json.dumps({"@context": secret.as_uri(), "p": "x"}), encoding="utf-8")
    with pytest.raises(RdfSyntaxError, match="remote context"):
        read_rdf_file(path)


def test_xml_external_entity_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "xxe.rdf"
    path.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:ex="http://example.org/"><rdf:Description rdf:about="http://example.org/a">'
        "<ex:p>&xxe;</ex:p></rdf:Description></rdf:RDF>\n",
        encoding="utf-8",
    )
    with pytest.raises(UnsafeInputError, match="ENTITY"):
        read_rdf_file(path)


def test_oversized_file_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.nt"
    path.write_bytes(b"#" * 2048)
    with pytest.raises(UnsafeInputError, match="limit"):
        read_rdf_file(path, max_bytes=1024)


def test_invalid_utf8_is_a_syntax_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.nt"
    path.write_bytes(b'<http://example.org/s> <http://example.org/p> "caf\xe9" .\n')
    with pytest.raises(RdfSyntaxError, match="UTF-8"):
        read_rdf_file(path)
