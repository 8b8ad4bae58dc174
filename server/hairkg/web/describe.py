"""What the server says about one IRI, fetched from the query workers.

A description is the IRI's concise bounded description (its statements, following blank
nodes), one page of its incoming links with their counts per property, the labels of every
neighbour and the bibliographic statements (title, DOI, PMID) of the publications the IRI
names as its source: in hairkg every individual carries ``dcterms:source``, which is the
publication that says each of its statements. Statements keep their named graph; the
``inferred`` graph is left out (it is derivable, and it would bury the asserted statements).

The queries run in the worker pool, like any SPARQL request, and their answers are kept in
the app's result cache, keyed by the data version. Only the small answers are turned into
rdflib terms here.
"""

from __future__ import annotations

import json
import re
import threading
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass, field

from flask import current_app
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from hairkg.namespaces import GRAPH_BASE, PREFIXES
from hairkg.sparql.engines import QueryRequest, QueryResponse
from hairkg.web import current_service

__all__ = [
    "Description",
    "DescriptionUnavailableError",
    "describe",
    "is_safe_iri",
    "jsonld_context",
    "select",
]

_INFERRED = GRAPH_BASE + "inferred"
_RDFS_LABEL = PREFIXES["rdfs"] + "label"
_SKOS_PREF = PREFIXES["skos"] + "prefLabel"
_DCTERMS_SOURCE = PREFIXES["dcterms"] + "source"
#: What is fetched of every neighbour: its label, and its value and unit if it is a quantity.
_NEIGHBOUR_PROPERTIES = (
    _RDFS_LABEL,
    _SKOS_PREF,
    PREFIXES["qudt"] + "numericValue",
    PREFIXES["qudt"] + "hasUnit",
    PREFIXES["hkg"] + "minimumValue",
    PREFIXES["hkg"] + "maximumValue",
    PREFIXES["hkg"] + "isApproximate",
)
#: What a source publication is shown with.
_BIBLIOGRAPHIC = (
    _RDFS_LABEL,
    PREFIXES["dcterms"] + "title",
    PREFIXES["dcterms"] + "date",
    PREFIXES["dcterms"] + "issued",
    PREFIXES["bibo"] + "doi",
    PREFIXES["bibo"] + "pmid",
    PREFIXES["rdf"] + "type",
)
#: Characters that may not appear in a SPARQL IRIREF (and so in an IRI we look up).
_UNSAFE = re.compile(r'[\x00-\x20<>"{}|^`\\]')
_MAX_STATEMENTS = 5_000


class DescriptionUnavailableError(Exception):
    """The workers could not answer (busy, timed out): carries the status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def is_safe_iri(iri: str) -> bool:
    """Whether ``iri`` can be written between ``<`` and ``>`` in a query unchanged."""
    return bool(iri) and not _UNSAFE.search(iri)


def _term(binding: dict[str, str]) -> Node:
    kind = binding["type"]
    value = binding["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if "xml:lang" in binding:
        return Literal(value, lang=binding["xml:lang"])
    datatype = binding.get("datatype")
    return Literal(value, datatype=URIRef(datatype) if datatype else None)


def _execute(query: str) -> QueryResponse:
    service = current_service()
    cache = current_app.extensions.get("hairkg_result_cache")
    key = f"describe:{service.data_version}:{query}"
    answer = cache.get(key) if cache is not None else None
    if answer is None:
        answer = service.pool.execute(QueryRequest(query=query, solutions_format="json"))
        if cache is not None and answer.status == 200:
            cache.put(key, answer)
    return answer


def select(query: str) -> list[dict[str, Node]]:
    """Run a SELECT query in the workers; each row maps variable names to rdflib terms."""
    answer = _execute(query)
    if answer.status != 200:
        raise DescriptionUnavailableError(answer.status, answer.body.decode("utf-8", "replace"))
    data = json.loads(answer.body)
    return [
        {name: _term(value) for name, value in row.items()} for row in data["results"]["bindings"]
    ]


Quad = tuple[Node, Node, Node, URIRef]


@dataclass
class Description:
    """Everything said about one IRI (see the module's docstring)."""

    iri: URIRef
    statements: list[Quad]
    incoming: list[Quad]
    incoming_counts: dict[URIRef, int]
    page: int
    page_size: int
    neighbours: list[Quad] = field(default_factory=list)
    sources: list[Quad] = field(default_factory=list)

    @property
    def incoming_total(self) -> int:
        """Incoming links over every page."""
        return sum(self.incoming_counts.values())

    @property
    def pages(self) -> int:
        """Number of pages of incoming links (at least 1)."""
        return max(1, -(-self.incoming_total // self.page_size))

    @property
    def exists(self) -> bool:
        """Whether the graph says anything with this IRI as subject or object."""
        return bool(self.statements) or self.incoming_total > 0

    def quads(self) -> list[Quad]:
        """Every statement of the description, each in its named graph, without repeats."""
        seen: dict[Quad, None] = {}
        for quad in (*self.statements, *self.incoming, *self.neighbours, *self.sources):
            seen.setdefault(quad, None)
        return list(seen)

    def label(self, node: Node) -> Literal | None:
        """The English (or any) label of ``node`` if the description has one."""
        found = [
            o
            for s, p, o, _ in (*self.statements, *self.neighbours, *self.sources)
            if s == node and str(p) in (_RDFS_LABEL, _SKOS_PREF) and isinstance(o, Literal)
        ]
        found.sort(key=lambda lit: (lit.language not in ("en", None), len(lit), str(lit)))
        return found[0] if found else None

    def dataset(self) -> Dataset:
        """The description as an rdflib dataset (graphs kept), prefixes bound."""
        dataset = Dataset()
        for prefix, namespace in PREFIXES.items():
            dataset.bind(prefix, namespace)
        for s, p, o, g in self.quads():
            dataset.graph(g).add((s, p, o))
        return dataset

    def graph(self) -> Graph:
        """The description as one graph (the union of its named graphs)."""
        graph = Graph()
        for prefix, namespace in PREFIXES.items():
            graph.bind(prefix, namespace)
        for s, p, o, _ in self.quads():
            graph.add((s, p, o))
        return graph


def _values(nodes: list[Node]) -> str:
    return " ".join(f"<{n}>" for n in nodes if isinstance(n, URIRef) and is_safe_iri(str(n)))


#: Descriptions kept per service (the data cannot change while it runs): a description costs
#: several queries on the workers, rendering it a few milliseconds.
DESCRIPTIONS_KEPT = 512


def describe(iri: str, page: int = 1, page_size: int = 100) -> Description:
    """The description of ``iri`` (which must pass :func:`is_safe_iri`), remembered (LRU)."""
    if not is_safe_iri(iri):
        raise ValueError(f"not a describable IRI: {iri!r}")
    kept = kept_answers("descriptions")
    key = (iri, max(1, page), page_size)
    found = kept.get(key)
    if not isinstance(found, Description):
        found = _describe(iri, max(1, page), page_size)  # refusals raise and are not kept
        kept.put(key, found)
    return found


class KeptAnswers:
    """A least-recently-used map (at most :data:`DESCRIPTIONS_KEPT` entries), thread-safe."""

    def __init__(self) -> None:
        self._entries: OrderedDict[Hashable, object] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> object | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def put(self, key: Hashable, value: object) -> None:
        with self._lock:
            self._entries[key] = value
            while len(self._entries) > DESCRIPTIONS_KEPT:
                self._entries.popitem(last=False)


def kept_answers(name: str) -> KeptAnswers:
    """The service's LRU map called ``name`` (made on first use)."""
    kept = current_service().derived.setdefault(name, KeptAnswers())
    assert isinstance(kept, KeptAnswers)
    return kept


def _describe(iri: str, page: int, page_size: int) -> Description:
    page = max(1, page)
    subject = URIRef(iri)
    statements: list[Quad] = []
    for row in select(
        f"""SELECT ?g ?s ?p ?o WHERE {{
  GRAPH ?g {{
    {{ <{iri}> ?p ?o . BIND(<{iri}> AS ?s) }}
    UNION
    {{ <{iri}> ?p0 ?b . FILTER(isBlank(?b)) ?b (<urn:x-hairkg:none>|!<urn:x-hairkg:none>)* ?s .
       FILTER(isBlank(?s)) ?s ?p ?o }}
  }}
  FILTER(?g != <{_INFERRED}>)
}} LIMIT {_MAX_STATEMENTS}"""
    ):
        statements.append((row["s"], row["p"], row["o"], URIRef(str(row["g"]))))
    counts: dict[URIRef, int] = {}
    for row in select(
        f"""SELECT ?p (COUNT(*) AS ?n) WHERE {{
  SELECT DISTINCT ?s ?p WHERE {{
    GRAPH ?g {{ ?s ?p <{iri}> }} FILTER(?g != <{_INFERRED}> && !isBlank(?s))
  }}
}} GROUP BY ?p"""
    ):
        counts[URIRef(str(row["p"]))] = int(str(row["n"]))
    incoming: list[Quad] = []
    if counts:
        for row in select(
            f"""SELECT ?s ?p (MIN(?g0) AS ?g) WHERE {{
  GRAPH ?g0 {{ ?s ?p <{iri}> }} FILTER(?g0 != <{_INFERRED}> && !isBlank(?s))
}} GROUP BY ?s ?p ORDER BY ?p ?s LIMIT {page_size} OFFSET {(page - 1) * page_size}"""
        ):
            incoming.append((row["s"], row["p"], subject, URIRef(str(row["g"]))))
    description = Description(subject, statements, incoming, counts, page, page_size)
    neighbours = [s for s, _, _, _ in incoming] + [o for _, _, o, _ in statements]
    neighbours += [p for _, p, _, _ in (*statements, *incoming)] + list(counts)
    listed = _values(list(dict.fromkeys(n for n in neighbours if n != subject)))
    if listed:
        for row in select(
            f"""SELECT ?g ?n ?p ?label WHERE {{
  VALUES ?n {{ {listed} }} VALUES ?p {{ {" ".join(f"<{p}>" for p in _NEIGHBOUR_PROPERTIES)} }}
  GRAPH ?g {{ ?n ?p ?label }} FILTER(?g != <{_INFERRED}>)
}}"""
        ):
            description.neighbours.append((row["n"], row["p"], row["label"], URIRef(str(row["g"]))))
    sources = [o for s, p, o, _ in statements if s == subject and str(p) == _DCTERMS_SOURCE]
    listed = _values(sources)
    if listed:
        properties = " ".join(f"<{p}>" for p in _BIBLIOGRAPHIC)
        for row in select(
            f"""SELECT ?g ?n ?p ?o WHERE {{
  VALUES ?n {{ {listed} }} VALUES ?p {{ {properties} }}
  GRAPH ?g {{ ?n ?p ?o }} FILTER(?g != <{_INFERRED}>)
}}"""
        ):
            description.sources.append((row["n"], row["p"], row["o"], URIRef(str(row["g"]))))
    return description


def jsonld_context() -> dict[str, object]:
    """The JSON-LD ``@context`` of hairkg's descriptions (published at ``/context.jsonld``)."""
    return {"@context": dict(PREFIXES)}
