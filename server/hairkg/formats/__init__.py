"""Every serialisation hairkg reads or writes, one record per format, in one table.

A format's media types, aliases, file extensions, Oxigraph format, rdflib serializer name,
service-description IRI and (for SPARQL results) Python writer live on its record; the
endpoint, the engines, the file reader, the service description and the command line all
read them from here. Adding a format is adding a record (and its test).

Nothing here imports rdflib or Flask, so query workers can use the table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import pyoxigraph as ox

from hairkg.errors import UnknownFormatError
from hairkg.formats import sparql_results as results
from hairkg.formats.sparql_results import Row

__all__ = [
    "ALL_FORMATS",
    "RDF_FORMATS",
    "SOLUTION_FORMATS",
    "FormatKind",
    "RdfFormat",
    "ResultFormat",
    "format_named",
    "rdf_format_for_extension",
    "rdf_format_named",
]

FormatKind = Literal["solutions", "graph"]

#: Types that are text without a ``text/`` major type: their Content-Type names UTF-8.
_CHARSET_TYPES = frozenset(
    {
        "application/sparql-results+json",
        "application/sparql-results+xml",
        "application/ld+json",
        "application/n-triples",
        "application/n-quads",
        "application/trig",
        "application/rdf+xml",
    }
)
_W3C_FORMATS = "http://www.w3.org/ns/formats/"


@dataclass(frozen=True)
class _Format:
    name: str
    media_type: str
    #: Other names a client may use: short names, file extensions, other media types.
    aliases: tuple[str, ...]
    #: The format's IRI in the W3C formats namespace (``sd:resultFormat`` values).
    sd_iri: str

    @property
    def content_type(self) -> str:
        """The Content-Type header value (UTF-8 made explicit for text types)."""
        if self.media_type.startswith("text/") or self.media_type in _CHARSET_TYPES:
            return f"{self.media_type}; charset=utf-8"
        return self.media_type

    @property
    def media_types(self) -> tuple[str, ...]:
        """The media type first, then the alias media types (offered in negotiation)."""
        return (self.media_type, *(a for a in self.aliases if "/" in a))


@dataclass(frozen=True)
class ResultFormat(_Format):
    """A SPARQL 1.1 query results format (SELECT and ASK answers)."""

    #: Oxigraph's own serialiser, or None if only the Python writer can write it.
    oxigraph: ox.QueryResultsFormat | None
    write_solutions: Callable[[Sequence[str], Iterable[Row]], bytes]
    write_boolean: Callable[[bool], bytes]
    kind: FormatKind = "solutions"


@dataclass(frozen=True)
class RdfFormat(_Format):
    """An RDF syntax: read from files, written as CONSTRUCT/DESCRIBE answers and descriptions."""

    oxigraph: ox.RdfFormat
    rdflib_name: str
    #: File extensions it is read from, with the dot.
    extensions: tuple[str, ...]
    #: Whether the syntax carries named graphs.
    has_graphs: bool
    kind: FormatKind = "graph"


#: SELECT / ASK result formats, preferred first.
SOLUTION_FORMATS: tuple[ResultFormat, ...] = (
    ResultFormat(
        name="json",
        media_type="application/sparql-results+json",
        aliases=("application/json", "srj"),
        sd_iri=_W3C_FORMATS + "SPARQL_Results_JSON",
        oxigraph=ox.QueryResultsFormat.JSON,
        write_solutions=results.solutions_json,
        write_boolean=results.boolean_json,
    ),
    ResultFormat(
        name="xml",
        media_type="application/sparql-results+xml",
        aliases=("application/xml", "text/xml", "srx"),
        sd_iri=_W3C_FORMATS + "SPARQL_Results_XML",
        oxigraph=ox.QueryResultsFormat.XML,
        write_solutions=results.solutions_xml,
        write_boolean=results.boolean_xml,
    ),
    ResultFormat(
        name="csv",
        media_type="text/csv",
        aliases=(),
        sd_iri=_W3C_FORMATS + "SPARQL_Results_CSV",
        oxigraph=ox.QueryResultsFormat.CSV,
        write_solutions=results.solutions_csv,
        write_boolean=results.boolean_csv,
    ),
    ResultFormat(
        name="tsv",
        media_type="text/tab-separated-values",
        aliases=("tab-separated-values",),
        sd_iri=_W3C_FORMATS + "SPARQL_Results_TSV",
        oxigraph=ox.QueryResultsFormat.TSV,
        write_solutions=results.solutions_tsv,
        write_boolean=results.boolean_tsv,
    ),
)

#: RDF syntaxes, preferred first (the order of content negotiation for graph answers).
RDF_FORMATS: tuple[RdfFormat, ...] = (
    RdfFormat(
        name="turtle",
        media_type="text/turtle",
        aliases=(
            "ttl",
            "application/x-turtle",
            "application/turtle",
            "n3",
            "text/n3",
            "text/rdf+n3",
            "application/n3",
        ),
        sd_iri=_W3C_FORMATS + "Turtle",
        oxigraph=ox.RdfFormat.TURTLE,
        rdflib_name="turtle",
        extensions=(".ttl",),
        has_graphs=False,
    ),
    RdfFormat(
        name="ntriples",
        media_type="application/n-triples",
        aliases=("nt", "n-triples", "text/plain"),
        sd_iri=_W3C_FORMATS + "N-Triples",
        oxigraph=ox.RdfFormat.N_TRIPLES,
        rdflib_name="nt",
        extensions=(".nt",),
        has_graphs=False,
    ),
    RdfFormat(
        name="jsonld",
        media_type="application/ld+json",
        aliases=("json-ld", "json", "application/json"),
        sd_iri=_W3C_FORMATS + "JSON-LD",
        oxigraph=ox.RdfFormat.JSON_LD,
        rdflib_name="json-ld",
        extensions=(".jsonld", ".json"),
        has_graphs=True,
    ),
    RdfFormat(
        name="rdfxml",
        media_type="application/rdf+xml",
        aliases=("rdf", "xml", "rdf/xml", "owl", "application/xml", "text/xml"),
        sd_iri=_W3C_FORMATS + "RDF_XML",
        oxigraph=ox.RdfFormat.RDF_XML,
        rdflib_name="xml",
        extensions=(".rdf", ".owl", ".xml"),
        has_graphs=False,
    ),
    RdfFormat(
        name="trig",
        media_type="application/trig",
        aliases=(),
        sd_iri=_W3C_FORMATS + "TriG",
        oxigraph=ox.RdfFormat.TRIG,
        rdflib_name="trig",
        extensions=(".trig",),
        has_graphs=True,
    ),
    RdfFormat(
        name="nquads",
        media_type="application/n-quads",
        aliases=("nq", "n-quads"),
        sd_iri=_W3C_FORMATS + "N-Quads",
        oxigraph=ox.RdfFormat.N_QUADS,
        rdflib_name="nquads",
        extensions=(".nq",),
        has_graphs=True,
    ),
)

#: Every format, solutions first.
ALL_FORMATS: tuple[ResultFormat | RdfFormat, ...] = (*SOLUTION_FORMATS, *RDF_FORMATS)

_BY_KEY: dict[tuple[FormatKind, str], ResultFormat | RdfFormat] = {}
for _format in ALL_FORMATS:
    for _key in (_format.name, _format.media_type, *_format.aliases):
        _BY_KEY.setdefault((_format.kind, _key.lower()), _format)


def format_named(kind: FormatKind, name: str) -> ResultFormat | RdfFormat | None:
    """The format of ``kind`` that ``name`` (short name, alias or media type) stands for."""
    return _BY_KEY.get((kind, name.strip().lower()))


def rdf_format_named(name: str) -> RdfFormat:
    """The RDF syntax ``name`` stands for, or raise :class:`UnknownFormatError`."""
    found = format_named("graph", name)
    if not isinstance(found, RdfFormat):
        raise UnknownFormatError(
            f"unknown RDF format {name!r}; choose one of {', '.join(_input_names())}"
        )
    return found


def rdf_format_for_extension(suffix: str) -> RdfFormat | None:
    """The RDF syntax of files ending in ``suffix`` (``.ttl``), or None."""
    return next((f for f in RDF_FORMATS if suffix.lower() in f.extensions), None)


def _input_names() -> list[str]:
    # the names users know from other tools (nt, xml, json-ld) next to hairkg's own
    return sorted({name for f in RDF_FORMATS for name in (f.name, *f.aliases) if "/" not in name})
