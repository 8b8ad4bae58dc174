"""The KGX export: counts against SPARQL, kgx's validator, Biolink terms, provenance, serving."""

from __future__ import annotations

import csv
import hashlib
import json
import re
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask.testing import FlaskClient

from hairkg.cli import main
from hairkg.export.kgx import (
    AGENT_TYPE,
    KGX_FILE_NAMES,
    KNOWLEDGE_LEVEL,
    PREDICATES,
    KgxFile,
    write_kgx,
)
from hairkg.namespaces import GRAPH_BASE, HKG
from hairkg.paths import bundled_dir
from hairkg.service import Service

ROOT = Path(__file__).resolve().parent.parent
KGX_PYTHON = ROOT / ".venv-kgx" / "bin" / "python"
BIOLINK = "https://w3id.org/biolink/vocab/"
#: The Biolink slots the export uses as columns (nodes, then edges).
SLOTS = (
    "category",
    "name",
    "description",
    "iri",
    "xref",
    "provided by",
    "subject",
    "predicate",
    "object",
    "original predicate",
    "publications",
    "primary knowledge source",
    "knowledge level",
    "agent type",
)


@pytest.fixture(scope="module")
def kgx(service: Service, tmp_path_factory: pytest.TempPathFactory) -> list[KgxFile]:
    assert service.dump_path is not None
    return write_kgx(service.dump_path, tmp_path_factory.mktemp("kgx"))


@pytest.fixture(scope="module")
def store(service: Service) -> ox.Store:
    assert service.dump_path is not None
    loaded = ox.Store()
    loaded.bulk_load(path=str(service.dump_path), format=ox.RdfFormat.N_QUADS)
    return loaded


def rows(file: KgxFile) -> list[dict[str, str]]:
    with file.path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def count(store: ox.Store, query: str) -> int:
    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions)
    return int(next(iter(result))[0].value)  # type: ignore[union-attr]


def test_node_and_edge_counts_match_a_sparql_count(kgx: list[KgxFile], store: ox.Store) -> None:
    """Written independently of the exporter's own queries."""
    data, ontology = GRAPH_BASE + "data", GRAPH_BASE + "ontology"
    edge = f"""
        GRAPH <{data}> {{ ?s ?p ?o }}
        GRAPH <{ontology}> {{ ?p a <http://www.w3.org/2002/07/owl#ObjectProperty> }}
        FILTER(isIRI(?s) && isIRI(?o) && STRSTARTS(STR(?p), "{HKG}")
               && !STRSTARTS(STR(?o), "{HKG}"))"""
    edges = count(store, f"SELECT (COUNT(*) AS ?n) WHERE {{ {edge} }}")
    typed = f"SELECT DISTINCT ?x WHERE {{ GRAPH <{data}> {{ ?x a ?t }} FILTER(isIRI(?x)) }}"
    objects = f"SELECT DISTINCT ?x WHERE {{ {edge} BIND(?o AS ?x) }}"
    nodes = count(
        store, f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {{ {typed} }} UNION {{ {objects} }} }}"
    )
    node_file, edge_file = kgx
    assert edges > 1000 and nodes > 400
    assert (node_file.rows, edge_file.rows) == (nodes, edges)
    node_rows, edge_rows = rows(node_file), rows(edge_file)
    assert (len(node_rows), len(edge_rows)) == (nodes, edges)
    ids = {r["id"] for r in node_rows}
    assert len(ids) == nodes
    assert all(r["subject"] in ids and r["object"] in ids for r in edge_rows)
    assert len({r["id"] for r in edge_rows}) == edges
    for file in kgx:
        assert hashlib.sha256(file.path.read_bytes()).hexdigest() == file.sha256


def test_categories_follow_the_sssom_mappings(kgx: list[KgxFile]) -> None:
    by_id = {r["id"]: r for r in rows(kgx[0])}
    assert by_id["hkr:therapy-regenera-activa"]["category"] == "biolink:Treatment"
    assert by_id["hkr:condition-androgenetic-alopecia"]["category"] == "biolink:Disease"
    assert set(by_id["hkr:pub-gentile-2017"]["category"].split("|")) == {
        "biolink:Article",
        "biolink:Publication",
    }
    # a claim: no Biolink mapping for hkg:Claim, so the root category
    claim = next(r for i, r in by_id.items() if i.startswith("hkr:claim-"))
    assert claim["category"] == "biolink:NamedThing"
    assert by_id["hkr:therapy-regenera-activa"]["name"]
    assert by_id["hkr:therapy-regenera-activa"]["iri"].startswith("https://w3id.org/hairkg/")


def test_edges_keep_the_hairkg_property_and_their_publications(kgx: list[KgxFile]) -> None:
    edge_rows = rows(kgx[1])
    assert all(r["original_predicate"].startswith("hkg:") for r in edge_rows)
    assert all(r["knowledge_level"] == KNOWLEDGE_LEVEL for r in edge_rows)
    assert all(r["agent_type"] == AGENT_TYPE for r in edge_rows)
    mapped = {
        f"hkg:{p.removeprefix(HKG)}": "biolink:" + b.removeprefix(BIOLINK)
        for p, b in PREDICATES.items()
    }
    for row in edge_rows:
        assert row["predicate"] == mapped.get(row["original_predicate"], "biolink:related_to")
    # the statement attributions name three sources for this one triple
    component = next(
        r
        for r in edge_rows
        if r["subject"] == "hkr:prep-follicular-stem-cells"
        and r["object"] == "hkr:cell-hair-follicle-stem-cell"
    )
    assert component["predicate"] == "biolink:has_part"
    assert set(component["publications"].split("|")) == {
        "hkr:article-singh-2021",
        "hkr:pub-elmaadawi-2018",
        "hkr:pub-gentile-2017",
    }
    # otherwise the subject's source; nearly every statement has one
    with_source = [r for r in edge_rows if r["publications"]]
    assert len(with_source) >= 0.99 * len(edge_rows)
    publication_ids = {
        r["id"] for r in rows(kgx[0]) if "biolink:Publication" in r["category"].split("|")
    }
    cited = {p for r in with_source for p in r["publications"].split("|")}
    assert cited <= publication_ids


def _biolink_slice() -> set[str]:
    text = (bundled_dir("ontology") / "imports" / "biolink_import.ttl").read_text(encoding="utf-8")
    return set(re.findall(r"^biolink:(\w+)$", text, re.MULTILINE))


def test_kgx_validator_accepts_the_export(kgx: list[KgxFile]) -> None:
    """kgx 2.7.0's Validator, offline on the biolink-model package's model (.venv-kgx).

    Its one finding is that Biolink's prefix registry does not know hairkg's ``hkr:``
    prefix (nor the Bioregistry's ``clinicaltrials:``): no export can fix that short of
    registering the prefix with Biolink. Every other check (required properties, types,
    categories, predicates) passes, and every Biolink term the files use is in the model.
    """
    if not KGX_PYTHON.exists():
        pytest.skip("the kgx validator is not installed: run scripts/setup-kgx.sh")
    node_rows, edge_rows = rows(kgx[0]), rows(kgx[1])
    categories = {c for r in node_rows for c in r["category"].split("|")}
    predicates = {r["predicate"] for r in edge_rows}
    terms = sorted(categories | predicates)
    files = [str(f.path) for f in kgx]
    validator = [str(KGX_PYTHON), str(ROOT / "tests" / "kgx_validate.py")]
    result = subprocess.run(
        [*validator, *files, "--check", *terms, *SLOTS],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    report = json.loads(result.stdout)
    assert report["biolink_version"].startswith("4.")
    unregistered = re.compile(
        r"with a CURIE prefix '(hkr|clinicaltrials)' (that )?is not represented in Biolink Model"
    )
    other = [
        (level, kind, message)
        for level, kinds in report["errors"].items()
        for kind, messages in kinds.items()
        for message in messages
        if not unregistered.search(message)
    ]
    assert other == []
    assert report["errors"], "the validator ran and saw the files"
    elements = report["elements"]
    for term in categories:
        assert elements[term]["is_category"] and not elements[term]["is_mixin"], term
    for term in predicates:
        assert elements[term]["is_predicate"] and not elements[term]["is_mixin"], term
    for slot in SLOTS:
        assert elements[slot] is not None, slot
    assert KNOWLEDGE_LEVEL in report["enums"]["KnowledgeLevelEnum"]
    assert AGENT_TYPE in report["enums"]["AgentTypeEnum"]
    # the project verified each of them (ontology/imports), except the root predicate
    verified = _biolink_slice()
    assert {t.removeprefix("biolink:") for t in terms} - verified <= {"related_to"}


def test_export_command_writes_a_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export", "--format", "kgx", "--out", str(tmp_path / "kgx")]) == 0
    assert sorted(p.name for p in (tmp_path / "kgx").iterdir()) == sorted(KGX_FILE_NAMES)
    assert "nodes" in capsys.readouterr().err
    assert main(["export", "--format", "kgx", "--out", "-"]) == 2
    message = capsys.readouterr().err.strip()
    assert message.count("\n") == 0 and "directory" in message


def test_download_page_lists_the_kgx_files(client: FlaskClient) -> None:
    page = client.get("/download").get_data(as_text=True)
    void = client.get("/.well-known/void", headers={"Accept": "text/turtle"}).get_data(as_text=True)
    for name in KGX_FILE_NAMES:
        response = client.get(f"/download/{name}")
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("text/tab-separated-values")
        digest = hashlib.sha256(response.data).hexdigest()
        assert digest in page and digest in void
        assert f"/download/{name}" in page and f"/download/{name}" in void
        assert str(len(response.data)) in page
