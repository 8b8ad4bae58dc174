"""The ``data`` graph as a KGX graph: a nodes TSV and an edges TSV with Biolink terms.

KGX (https://github.com/biolink/kgx) is the exchange format of Biolink-based knowledge
graphs. What is exported, so that a SPARQL count over the dataset gives the same numbers
(``NODES_QUERY`` and ``EDGES_QUERY`` are those counts):

* **edges**: every statement of the ``data`` graph whose predicate is an ``hkg:`` object
  property (declared ``owl:ObjectProperty`` in the ``ontology`` graph) between two IRIs,
  the object not being an ontology term. Literal-valued statements stay out: they are node
  attributes, not edges.
* **nodes**: every IRI typed in the ``data`` graph, plus every object of an edge.

Biolink terms are used only where the project has justified them:

* categories come from the SSSOM mappings of hkg classes to Biolink classes (the
  ``mappings`` graph: ``skos:closeMatch``/``exactMatch``, or ``skos:broadMatch`` where the
  hkg class is the narrower one), inherited along ``rdfs:subClassOf``; a node whose classes
  have no Biolink mapping is a ``biolink:NamedThing``;
* predicates: :data:`PREDICATES` maps the one hkg property whose meaning a verified
  Biolink predicate covers; every other edge is ``biolink:related_to`` (the root
  predicate), and every edge keeps its hkg property in ``original_predicate``.

Provenance per edge: ``publications`` lists the publications the graph records for the
statement (the ``hkg:StatementAttribution`` sources for exactly that triple, else the
``dcterms:source`` of its subject, which in hairkg names the source of each statement about
an individual); ``primary_knowledge_source`` is ``infores:hairkg``, ``knowledge_level``
``knowledge_assertion`` and ``agent_type`` ``manual_agent`` (curated by hand). No rdflib,
no kgx here: the files are written with the standard library, and tests check them with
kgx's validator.
"""

from __future__ import annotations

import csv
import hashlib
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from hairkg.namespaces import GRAPH_BASE, HKG, HKR

__all__ = [
    "AGENT_TYPE",
    "BIOLINK",
    "EDGES_QUERY",
    "EDGE_COLUMNS",
    "KGX_FILE_NAMES",
    "KNOWLEDGE_LEVEL",
    "KNOWLEDGE_SOURCE",
    "NODES_QUERY",
    "NODE_COLUMNS",
    "PREDICATES",
    "KgxFile",
    "curie",
    "write_kgx",
]

BIOLINK = "https://w3id.org/biolink/vocab/"
_DATA = GRAPH_BASE + "data"
_ONTOLOGY = GRAPH_BASE + "ontology"
_MAPPINGS = GRAPH_BASE + "mappings"
_SKOS = "http://www.w3.org/2004/02/skos/core#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"
_OWL = "http://www.w3.org/2002/07/owl#"
_DCTERMS = "http://purl.org/dc/terms/"
_BIBO = "http://purl.org/ontology/bibo/"

#: hkg properties with a Biolink predicate that states what they say (each predicate is in
#: ontology/imports/biolink_import.ttl and in the Biolink Model; tests check both).
#: hkg:hasComponent "relates a preparation to a preparation or cell type that it contains";
#: biolink:has_part "holds between wholes and their parts (material entities or processes)".
PREDICATES: dict[str, str] = {
    HKG + "hasComponent": BIOLINK + "has_part",
}
#: The root Biolink predicate, for every edge without a more specific justified one.
RELATED_TO = BIOLINK + "related_to"
#: The root Biolink category, for nodes whose classes have no Biolink mapping.
NAMED_THING = BIOLINK + "NamedThing"
#: hairkg as a knowledge source (not registered in the Translator infores catalogue).
KNOWLEDGE_SOURCE = "infores:hairkg"
#: Biolink KnowledgeLevelEnum / AgentTypeEnum values of every edge: curated statements.
KNOWLEDGE_LEVEL = "knowledge_assertion"
AGENT_TYPE = "manual_agent"
#: The file names of the export (KGX finds the kind of a TSV file by "nodes"/"edges").
KGX_FILE_NAMES = ("hairkg-kgx-nodes.tsv", "hairkg-kgx-edges.tsv")

NODE_COLUMNS = ("id", "category", "name", "description", "iri", "xref", "provided_by")
EDGE_COLUMNS = (
    "id",
    "subject",
    "predicate",
    "object",
    "original_predicate",
    "publications",
    "primary_knowledge_source",
    "knowledge_level",
    "agent_type",
)

_EDGE_PATTERN = f"""
    GRAPH <{_DATA}> {{ ?s ?p ?o }}
    GRAPH <{_ONTOLOGY}> {{ ?p a <{_OWL}ObjectProperty> }}
    FILTER(isIRI(?s) && isIRI(?o) && STRSTARTS(STR(?p), "{HKG}")
           && !STRSTARTS(STR(?o), "{HKG}"))
"""
#: The edges of the export, counted in SPARQL.
EDGES_QUERY = f"SELECT (COUNT(*) AS ?n) WHERE {{ {_EDGE_PATTERN} }}"
_NODES_PATTERN = f"""
    {{ GRAPH <{_DATA}> {{ ?node a ?type }} FILTER(isIRI(?node)) }}
    UNION {{ {_EDGE_PATTERN} BIND(?o AS ?node) }}
"""
#: The nodes of the export, counted in SPARQL.
NODES_QUERY = f"SELECT (COUNT(DISTINCT ?node) AS ?n) WHERE {{ {_NODES_PATTERN} }}"

#: Prefixes for node CURIEs: Biolink's spelling (OBO terms as PREFIX:local), else hairkg's.
_CURIE_PREFIXES = (
    ("hkr:", HKR),
    ("hkg:", HKG),
    ("biolink:", BIOLINK),
    ("clinicaltrials:", "https://clinicaltrials.gov/study/"),  # the Bioregistry prefix
)


@dataclass(frozen=True)
class KgxFile:
    """One written KGX file: where it is, its rows (nodes or edges) and SHA-256."""

    path: Path
    rows: int
    size: int
    sha256: str


def curie(iri: str) -> str:
    """The CURIE of an IRI in the export (OBO PURLs as ``GO:0008083``), or the IRI itself."""
    obo = "http://purl.obolibrary.org/obo/"
    if iri.startswith(obo) and "_" in iri[len(obo) :]:
        prefix, local = iri[len(obo) :].split("_", 1)
        return f"{prefix}:{local}"
    for prefix, namespace in _CURIE_PREFIXES:
        if iri.startswith(namespace) and "/" not in iri[len(namespace) :]:
            return prefix + iri[len(namespace) :]
    return iri


def _rows(store: ox.Store, query: str) -> list[tuple[str, ...]]:
    result = store.query(query)
    assert isinstance(result, ox.QuerySolutions)
    return [tuple("" if v is None else v.value for v in row) for row in result]


def _store(nquads: Path) -> ox.Store:
    store = ox.Store()
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    return store


def _categories(store: ox.Store) -> dict[str, set[str]]:
    query = f"""
        SELECT DISTINCT ?node ?category WHERE {{
          GRAPH <{_DATA}> {{ ?node a ?type }}
          GRAPH <{_ONTOLOGY}> {{ ?type <{_RDFS}subClassOf>* ?class }}
          GRAPH <{_MAPPINGS}> {{
            ?class <{_SKOS}closeMatch>|<{_SKOS}exactMatch>|<{_SKOS}broadMatch> ?category
          }}
          FILTER(STRSTARTS(STR(?category), "{BIOLINK}"))
        }}"""
    found: dict[str, set[str]] = {}
    for node, category in _rows(store, query):
        found.setdefault(node, set()).add(category)
    return found


def _first_literal(store: ox.Store, predicates: Iterable[str]) -> dict[str, str]:
    """Per node, the first value (English first) of the first predicate that has one."""
    values: dict[str, str] = {}
    for predicate in predicates:
        query = f"""
            SELECT ?node ?value WHERE {{
              GRAPH <{_DATA}> {{ ?node <{predicate}> ?value }} FILTER(isLiteral(?value))
            }} ORDER BY ?node DESC(LANGMATCHES(LANG(?value), "en")) STR(?value)"""
        for node, value in _rows(store, query):
            values.setdefault(node, " ".join(value.split()))
    return values


def _xrefs(store: ox.Store) -> dict[str, set[str]]:
    """External identifiers: SKOS mappings of individuals, DOIs and PMIDs of publications."""
    found: dict[str, set[str]] = {}
    query = f"""
        SELECT ?node ?target WHERE {{
          GRAPH <{_MAPPINGS}> {{ ?node <{_SKOS}exactMatch>|<{_SKOS}closeMatch> ?target }}
          FILTER(STRSTARTS(STR(?node), "{HKR}"))
        }}"""
    for node, target in _rows(store, query):
        found.setdefault(node, set()).add(curie(target))
    for predicate, prefix in (("doi", "doi:"), ("pmid", "PMID:")):
        query = f"""
            SELECT ?node ?value WHERE {{ GRAPH <{_DATA}> {{ ?node <{_BIBO}{predicate}> ?value }} }}"""
        for node, value in _rows(store, query):
            found.setdefault(node, set()).add(prefix + value.strip())
    return found


def _publications(
    store: ox.Store,
) -> tuple[dict[tuple[str, str, str], set[str]], dict[str, set[str]]]:
    attributed: dict[tuple[str, str, str], set[str]] = {}
    query = f"""
        SELECT ?s ?p ?o ?source WHERE {{ GRAPH <{_DATA}> {{
          ?a a <{HKG}StatementAttribution> ; <{HKG}attributedSubject> ?s ;
             <{HKG}attributedPredicate> ?p ; <{HKG}attributedObject> ?o ;
             <{_DCTERMS}source> ?source }} }}"""
    for s, p, o, source in _rows(store, query):
        attributed.setdefault((s, p, o), set()).add(source)
    sources: dict[str, set[str]] = {}
    query = f"SELECT ?s ?source WHERE {{ GRAPH <{_DATA}> {{ ?s <{_DCTERMS}source> ?source }} }}"
    for s, source in _rows(store, query):
        sources.setdefault(s, set()).add(source)
    return attributed, sources


def _edge_id(s: str, p: str, o: str) -> str:
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, f"{s} {p} {o}"))


def _write(path: Path, columns: tuple[str, ...], rows: list[dict[str, str]]) -> KgxFile:
    partial = path.with_name(path.name + ".part")
    with partial.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(
            handle,
            fieldnames=columns,
            delimiter="\t",
            lineterminator="\n",
            quoting=csv.QUOTE_NONE,
            escapechar="\\",
        )
        writer.writeheader()
        writer.writerows(rows)
    partial.replace(path)
    body = path.read_bytes()
    return KgxFile(path, len(rows), len(body), hashlib.sha256(body).hexdigest())


def _join(values: Iterable[str]) -> str:
    return "|".join(sorted(values))


def _clean(text: str) -> str:
    """A cell without tabs, newlines or the multivalue separator."""
    return " ".join(text.replace("|", "/").split())


def write_kgx(nquads: Path, directory: Path) -> list[KgxFile]:
    """Write the nodes and edges TSV of the dataset in ``nquads`` into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    store = _store(nquads)
    edges = _rows(store, f"SELECT ?s ?p ?o WHERE {{ {_EDGE_PATTERN} }} ORDER BY ?s ?p ?o")
    nodes = [
        row[0]
        for row in _rows(
            store, f"SELECT DISTINCT ?node WHERE {{ {_NODES_PATTERN} }} ORDER BY ?node"
        )
    ]
    categories = _categories(store)
    names = _first_literal(store, (_RDFS + "label", _DCTERMS + "title"))
    descriptions = _first_literal(store, (_SKOS + "definition", _DCTERMS + "description"))
    xrefs = _xrefs(store)
    attributed, sources = _publications(store)
    node_rows = [
        {
            "id": curie(node),
            "category": _join(curie(c) for c in categories.get(node, {NAMED_THING})),
            "name": _clean(names.get(node, "")),
            "description": _clean(descriptions.get(node, "")),
            "iri": node,
            "xref": _join(xrefs.get(node, ())),
            "provided_by": KNOWLEDGE_SOURCE,
        }
        for node in nodes
    ]
    edge_rows = [
        {
            "id": _edge_id(s, p, o),
            "subject": curie(s),
            "predicate": curie(PREDICATES.get(p, RELATED_TO)),
            "object": curie(o),
            "original_predicate": curie(p),
            "publications": _join(curie(x) for x in attributed.get((s, p, o), sources.get(s, ()))),
            "primary_knowledge_source": KNOWLEDGE_SOURCE,
            "knowledge_level": KNOWLEDGE_LEVEL,
            "agent_type": AGENT_TYPE,
        }
        for s, p, o in edges
    ]
    return [
        _write(directory / KGX_FILE_NAMES[0], NODE_COLUMNS, node_rows),
        _write(directory / KGX_FILE_NAMES[1], EDGE_COLUMNS, edge_rows),
    ]
