"""Query engines behind the endpoint: requests and responses as plain data.

A query engine owns one copy of the dataset and turns a :class:`QueryRequest` into a
:class:`QueryResponse` (status, media type, body). Nothing outside this module and the
worker pool sees an engine's own types, so a remote SPARQL store can later implement the
same method. ``--store NAME`` picks the engine from :data:`ENGINES`; that is its only
meaning.
"""

from __future__ import annotations

import io
import itertools
import json
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from hairkg.formats import RDF_FORMATS, SOLUTION_FORMATS, RdfFormat, ResultFormat, format_named
from hairkg.formats.sparql_results import Term
from hairkg.namespaces import PREFIXES

__all__ = [
    "ENGINES",
    "OxigraphEngine",
    "QueryEngine",
    "QueryRequest",
    "QueryResponse",
    "RdflibEngine",
    "open_store",
]


@dataclass(frozen=True)
class QueryRequest:
    """Everything an executor needs; the formats were negotiated by the web layer."""

    query: str
    base_iri: str | None = None
    default_graphs: tuple[str, ...] | None = None  # None: the protocol gave no dataset
    named_graphs: tuple[str, ...] | None = None
    solutions_format: str | None = "json"  # None: the client accepts no solutions format
    graph_format: str | None = "turtle"
    row_limit: int = sys.maxsize - 1  # the endpoint passes its setting; no cap otherwise
    uses_from: bool = False  # the query has FROM / FROM NAMED clauses
    #: Prefixes the query may use without declaring them (the command line's convenience).
    prefixes: dict[str, str] | None = None


@dataclass(frozen=True)
class QueryResponse:
    """An HTTP-shaped answer: status, content type, body and any extra headers."""

    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def error(
        cls, status: int, message: str, headers: dict[str, str] | None = None
    ) -> QueryResponse:
        """A plain-text error response."""
        body = (message.rstrip() + "\n").encode()
        return cls(status, "text/plain; charset=utf-8", body, dict(headers or {}))


_POSITION = re.compile(r"^error at (\d+):(\d+): ")
_PNAME_BEFORE = re.compile(r"([A-Za-z_][\w.-]*)?:[\w.-]*$")


def syntax_error_message(raw: str, query: str) -> str:
    """Oxigraph's syntax error, short: the line and column, what was expected, the line.

    Oxigraph lists every character class it could accept (a few hundred characters of
    Unicode ranges); a person needs the keywords, or "undefined prefix" when that is it.
    """
    match = _POSITION.match(raw)
    if match is None:
        return f"SPARQL syntax error: {raw.splitlines()[0] if raw else 'unreadable query'}"
    line, column = int(match.group(1)), int(match.group(2))
    detail = raw[match.end() :]
    lines = query.splitlines()
    text = lines[line - 1] if 0 < line <= len(lines) else ""
    where = f"line {line}, column {column}"
    if "Prefix not found" in detail:
        name = _PNAME_BEFORE.search(text[: column - 1])
        prefix = f"{name.group(1) or ''}:" if name else "a prefix"
        problem = f"undefined prefix {prefix} (declare it: PREFIX {prefix} <…>)"
    else:
        expected = detail.removeprefix("expected one of ").removeprefix("expected ")
        words = [w.strip() for w in expected.replace("\n", " ").split(",")]
        readable = [w for w in words if w and "'" not in w and "[" not in w and "]" not in w]
        problem = "unexpected text"
        if readable:
            problem += f"; expected {', '.join(readable[:6])}" + (" …" if len(readable) > 6 else "")
    if line > len(lines) or not text.strip():
        # Oxigraph gives up at the end when a statement before it is malformed (an extra
        # term, a group not closed): its list of what it expected there only misleads
        where = f"the end of the query (line {line})"
        problem = "a statement before it is malformed or a group is not closed"
    shown = f"\n  {text.strip()}" if text.strip() else ""
    return f"SPARQL syntax error at {where}: {problem}{shown}"


class QueryEngine(Protocol):
    """Runs queries over one dataset."""

    def execute(self, request: QueryRequest) -> QueryResponse:
        """Answer ``request``."""
        ...


def _solutions_format(request: QueryRequest) -> ResultFormat | None:
    found = format_named("solutions", request.solutions_format or "")
    return found if isinstance(found, ResultFormat) else None


def _graph_format(request: QueryRequest) -> RdfFormat | None:
    found = format_named("graph", request.graph_format or "")
    return found if isinstance(found, RdfFormat) else None


def _not_acceptable(kind: str) -> QueryResponse:
    offered = SOLUTION_FORMATS if kind == "solutions" else RDF_FORMATS
    return QueryResponse.error(
        406,
        f"no acceptable format for {kind} results; this endpoint offers "
        + ", ".join(f.media_type for f in offered),
    )


def _capped(rows: Iterator[Any], limit: int) -> tuple[list[Any], bool]:
    taken = list(itertools.islice(rows, limit + 1))
    return taken[:limit], len(taken) > limit


def _truncation_headers(truncated: bool, limit: int) -> dict[str, str]:
    if not truncated:
        return {}
    return {
        "Hairkg-Result-Truncated": f"true; limit={limit}",
        "Warning": f'199 hairkg "result truncated to {limit} rows; add LIMIT/OFFSET"',
    }


def _boolean_response(request: QueryRequest, value: bool) -> QueryResponse:
    fmt = _solutions_format(request)
    if fmt is None:
        return _not_acceptable("solutions")
    return QueryResponse(200, fmt.content_type, fmt.write_boolean(value))


def _capped_response(
    request: QueryRequest,
    fmt: ResultFormat | RdfFormat,
    items: Iterator[Any],
    write: Callable[[list[Any]], bytes],
) -> QueryResponse:
    """Write at most ``request.row_limit`` of ``items`` with ``write``; say if more were cut."""
    kept, truncated = _capped(items, request.row_limit)
    return QueryResponse(
        200, fmt.content_type, write(kept), _truncation_headers(truncated, request.row_limit)
    )


def _solutions_response(
    request: QueryRequest, names: list[str], rows: Iterator[list[Term | None]]
) -> QueryResponse:
    fmt = _solutions_format(request)
    if fmt is None:
        return _not_acceptable("solutions")
    return _capped_response(request, fmt, rows, lambda kept: fmt.write_solutions(names, kept))


def _graph_response(
    request: QueryRequest,
    triples: Iterator[Any],
    serialize: Callable[[list[Any], RdfFormat], bytes],
) -> QueryResponse:
    fmt = _graph_format(request)
    if fmt is None:
        return _not_acceptable("graph")
    return _capped_response(request, fmt, triples, lambda kept: serialize(kept, fmt))


class _BudgetExceededError(Exception):
    """Raised from :class:`_BoundedBuffer` to stop a serialiser that writes too much."""


class _BoundedBuffer(io.RawIOBase):
    """A byte sink for Oxigraph's serialisers that refuses to grow beyond ``budget``."""

    def __init__(self, budget: int) -> None:
        super().__init__()
        self.budget = budget
        self.chunks: list[bytes] = []
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.size += len(data)
        if self.size > self.budget:
            raise _BudgetExceededError
        self.chunks.append(bytes(data))
        return len(data)

    def value(self) -> bytes:
        return b"".join(self.chunks)


def _most_rows(fmt: str, body: bytes) -> int | None:
    """An upper bound of the rows in a result serialised by Oxigraph, counted cheaply.

    JSON: every row is ``{}`` or holds a term object starting ``{"type":``, which cannot occur
    inside a string (quotes are escaped there). XML: ``<result>`` (``<`` is escaped inside
    values). TSV: one line per row (newlines are escaped). CSV: line ends, which quoted values
    can only add to.
    """
    if fmt == "json":
        return body.count(b"{}") + body.count(b'{"type":')
    if fmt == "xml":
        return body.count(b"<result>")
    if fmt in ("csv", "tsv"):
        return body.count(b"\n") - 1
    return None  # a format this function cannot count: the Python writer applies the cap


def open_store(nquads: Path) -> Any:
    """A ``pyoxigraph.Store`` in memory holding the N-Quads file ``nquads`` (bulk-loaded)."""
    import pyoxigraph as ox

    store = ox.Store()
    store.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
    return store


class OxigraphEngine:
    """Executes with Oxigraph in memory: the default, fastest backend.

    SELECT results are written by Oxigraph's own (Rust) serialisers, which costs a fraction of
    converting every term to Python; the Python writers of :mod:`hairkg.sparql.results` take
    over only when a result is bigger than the row cap (it is then evaluated again, stopping
    at the cap) or than :attr:`native_budget` bytes.
    """

    native_budget = 32 * 1024 * 1024

    def __init__(self, source: Path | Any) -> None:
        """Load the N-Quads file ``source``, or take ``source`` as a ready ``pyoxigraph.Store``."""
        import pyoxigraph as ox

        self._ox = ox
        self.store: Any = source if isinstance(source, ox.Store) else open_store(source)

    def _native_solutions(self, request: QueryRequest, result: Any) -> QueryResponse | None:
        """Serialise ``result`` natively; None when it must be redone with the row cap."""
        fmt = _solutions_format(request)
        if fmt is None:
            return _not_acceptable("solutions")
        if fmt.oxigraph is None:
            return None
        sink = _BoundedBuffer(self.native_budget)
        try:
            result.serialize(sink, format=fmt.oxigraph)
        except _BudgetExceededError:
            return None
        body = sink.value()
        most = _most_rows(fmt.name, body)
        if most is None:
            return None
        if most > request.row_limit:
            # XML and TSV counts are exact, JSON's is a bound that parsing settles, and CSV's
            # cannot be settled cheaply: past the cap, the Python writers cut the rows
            exact = (
                fmt.name == "json"
                and len(json.loads(body)["results"]["bindings"]) <= request.row_limit
            )
            if not exact:
                return None
        return QueryResponse(200, fmt.content_type, body)

    def _term(self, term: Any) -> Term:
        ox = self._ox
        if isinstance(term, ox.NamedNode):
            return ("uri", term.value)
        if isinstance(term, ox.BlankNode):
            return ("bnode", term.value)
        if isinstance(term, ox.Literal):
            return ("literal", term.value, term.language or "", term.datatype.value)
        raise TypeError("RDF-star triple terms are not supported in results")

    def execute(self, request: QueryRequest) -> QueryResponse:
        ox = self._ox
        kwargs: dict[str, Any] = {"base_iri": request.base_iri, "prefixes": request.prefixes}
        if request.default_graphs is not None or request.named_graphs is not None:
            kwargs["default_graph"] = [ox.NamedNode(g) for g in request.default_graphs or ()]
            kwargs["named_graphs"] = [ox.NamedNode(g) for g in request.named_graphs or ()]
        elif not request.uses_from:
            kwargs["use_default_graph_as_union"] = True
        try:
            result = self.store.query(request.query, **kwargs)
            if isinstance(result, ox.QuerySolutions):
                native = self._native_solutions(request, result)
                if native is not None:
                    return native
                result = self.store.query(request.query, **kwargs)
        except SyntaxError as error:
            return QueryResponse.error(400, syntax_error_message(str(error), request.query))
        except (ValueError, OSError) as error:
            return QueryResponse.error(400, f"query error: {error}")
        if isinstance(result, ox.QueryBoolean):
            return _boolean_response(request, bool(result))
        if isinstance(result, ox.QuerySolutions):
            names = [v.value for v in result.variables]
            return _solutions_response(
                request,
                names,
                (
                    [None if s[i] is None else self._term(s[i]) for i in range(len(names))]
                    for s in result
                ),
            )
        prefixes = PREFIXES
        return _graph_response(
            request,
            iter(result),
            lambda triples, fmt: self._serialize_triples(triples, fmt, prefixes),
        )

    def _serialize_triples(
        self, triples: Sequence[Any], fmt: RdfFormat, prefixes: dict[str, str]
    ) -> bytes:
        return serialize_oxigraph_triples(triples, fmt, prefixes)


def serialize_oxigraph_triples(
    triples: Sequence[Any], fmt: RdfFormat, prefixes: dict[str, str]
) -> bytes:
    """Write Oxigraph triples in ``fmt`` (as quads of the default graph for dataset formats)."""
    import pyoxigraph as ox

    rdf_format = fmt.oxigraph
    if rdf_format.supports_datasets:
        items: Sequence[Any] = [ox.Quad(t.subject, t.predicate, t.object) for t in triples]
    else:
        items = triples
    use_prefixes = rdf_format in (ox.RdfFormat.TURTLE, ox.RdfFormat.TRIG, ox.RdfFormat.RDF_XML)
    data = ox.serialize(items, format=rdf_format, prefixes=prefixes if use_prefixes else None)
    assert isinstance(data, bytes)
    return data


class RdflibEngine:
    """Executes with rdflib's own SPARQL engine over its memory store (``--store memory``)."""

    def __init__(self, source: Path) -> None:
        from rdflib import Dataset
        from rdflib.plugins import sparql

        # rdflib would otherwise fetch FROM / FROM NAMED IRIs from the web.
        sparql.SPARQL_LOAD_GRAPHS = False
        self.dataset = Dataset(default_union=True)
        self.dataset.parse(str(source), format="nquads")

    def _restricted(self, request: QueryRequest) -> Any:
        """A dataset holding only the protocol's default and named graphs."""
        from rdflib import Dataset, URIRef

        view = Dataset(default_union=False)
        for name in request.default_graphs or ():
            for triple in self.dataset.graph(URIRef(name)):
                view.default_context.add(triple)
        for name in request.named_graphs or ():
            target = view.graph(URIRef(name))
            for triple in self.dataset.graph(URIRef(name)):
                target.add(triple)
        return view

    @staticmethod
    def _term(term: Any) -> Term:
        from rdflib import BNode, Literal, URIRef

        if isinstance(term, URIRef):
            return ("uri", str(term))
        if isinstance(term, BNode):
            return ("bnode", str(term))
        if isinstance(term, Literal):
            datatype = (
                str(term.datatype)
                if term.datatype
                else ("" if term.language else "http://www.w3.org/2001/XMLSchema#string")
            )
            return ("literal", str(term), term.language or "", datatype)
        raise TypeError(f"unsupported term {term!r}")

    def execute(self, request: QueryRequest) -> QueryResponse:
        from pyparsing import ParseException
        from rdflib import Graph
        from rdflib.plugins.sparql import prepareQuery

        try:
            prepared = prepareQuery(
                request.query, base=request.base_iri, initNs=dict(request.prefixes or {})
            )
        except ParseException as error:
            return QueryResponse.error(
                400, f"SPARQL syntax error at line {error.lineno}, column {error.col}: {error}"
            )
        except Exception as error:  # rdflib raises assorted exceptions for bad queries
            return QueryResponse.error(400, f"query error: {error}")
        protocol_dataset = request.default_graphs is not None or request.named_graphs is not None
        target = self._restricted(request) if protocol_dataset else self.dataset
        try:
            result = target.query(prepared)
        except Exception as error:  # evaluation errors are the query's fault, not ours
            return QueryResponse.error(400, f"query error: {error}")
        if result.type == "ASK":
            return _boolean_response(request, bool(result.askAnswer))
        if result.type == "SELECT":
            return _solutions_response(
                request,
                [str(v) for v in result.vars or []],
                (
                    [None if v is None else self._term(v) for v in row]  # type: ignore[union-attr]
                    for row in result
                ),
            )

        def serialize(triples: list[Any], fmt: RdfFormat) -> bytes:
            graph = Graph()
            for prefix, namespace in PREFIXES.items():
                graph.bind(prefix, namespace)
            for triple in triples:
                graph.add(triple)
            return graph.serialize(format=fmt.rdflib_name, encoding="utf-8")

        return _graph_response(request, iter(result), serialize)


def _sparql_store(nquads: Path) -> QueryEngine:
    """A remote SPARQL 1.1 store (``--store sparql``; see :mod:`hairkg.sparql.remote`)."""
    from hairkg.sparql.remote import SparqlStoreEngine

    return SparqlStoreEngine(nquads)


#: Query engines by the name ``--store`` gives them.
ENGINES: dict[str, Callable[[Path], QueryEngine]] = {
    "oxigraph": OxigraphEngine,
    "memory": RdflibEngine,
    "sparql": _sparql_store,
}
