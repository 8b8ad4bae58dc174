"""Result formats and content negotiation (RFC 9110 Accept with quality values).

Pure functions over one table of media types: no Flask, no engine types, so the same
negotiation serves every store backend.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

__all__ = [
    "BY_NAME",
    "GRAPH_FORMATS",
    "SOLUTION_FORMATS",
    "ResultFormat",
    "ResultKind",
    "format_named",
    "negotiate",
    "parse_accept",
]

ResultKind = Literal["solutions", "graph"]


@dataclass(frozen=True)
class ResultFormat:
    """A serialisation of query results."""

    name: str
    media_type: str
    kind: ResultKind
    aliases: tuple[str, ...] = ()
    rdflib_format: str = ""  # rdflib's serializer name, for RDF formats

    @property
    def content_type(self) -> str:
        """The Content-Type header value (UTF-8 made explicit for text types)."""
        if self.media_type.startswith("text/") or self.media_type in _CHARSET_TYPES:
            return f"{self.media_type}; charset=utf-8"
        return self.media_type


_CHARSET_TYPES = {
    "application/sparql-results+json",
    "application/sparql-results+xml",
    "application/ld+json",
    "application/n-triples",
    "application/n-quads",
    "application/trig",
    "application/rdf+xml",
}

#: SELECT / ASK result formats, preferred first.
SOLUTION_FORMATS: tuple[ResultFormat, ...] = (
    ResultFormat(
        "json", "application/sparql-results+json", "solutions", ("application/json", "srj")
    ),
    ResultFormat(
        "xml", "application/sparql-results+xml", "solutions", ("application/xml", "text/xml", "srx")
    ),
    ResultFormat("csv", "text/csv", "solutions"),
    ResultFormat("tsv", "text/tab-separated-values", "solutions", ("tab-separated-values",)),
)
#: CONSTRUCT / DESCRIBE result formats, preferred first.
GRAPH_FORMATS: tuple[ResultFormat, ...] = (
    ResultFormat(
        "turtle",
        "text/turtle",
        "graph",
        (
            "ttl",
            "application/x-turtle",
            "application/turtle",
            "n3",
            "text/n3",
            "text/rdf+n3",
            "application/n3",
        ),
        "turtle",
    ),
    ResultFormat("ntriples", "application/n-triples", "graph", ("nt", "text/plain"), "nt"),
    ResultFormat(
        "jsonld", "application/ld+json", "graph", ("json-ld", "json", "application/json"), "json-ld"
    ),
    ResultFormat(
        "rdfxml",
        "application/rdf+xml",
        "graph",
        ("rdf", "xml", "application/xml", "text/xml"),
        "xml",
    ),
    ResultFormat("trig", "application/trig", "graph", (), "trig"),
    ResultFormat("nquads", "application/n-quads", "graph", ("nq",), "nquads"),
)

#: Every format by its short name.
BY_NAME: dict[str, ResultFormat] = {f.name: f for f in SOLUTION_FORMATS + GRAPH_FORMATS}

_SHORT_NAMES: dict[tuple[ResultKind, str], ResultFormat] = {}
for _format in SOLUTION_FORMATS + GRAPH_FORMATS:
    for _key in (_format.name, _format.media_type, *_format.aliases):
        _SHORT_NAMES.setdefault((_format.kind, _key.lower()), _format)


def format_named(kind: ResultKind, name: str) -> ResultFormat | None:
    """The format of ``kind`` that ``name`` (short name, alias or media type) stands for."""
    return _SHORT_NAMES.get((kind, name.strip().lower()))


def parse_accept(header: str | None) -> list[tuple[str, float, int]]:
    """Return ``(media range, q, position)`` entries of an Accept header; bad q counts as 0."""
    if not header:
        return [("*/*", 1.0, 0)]
    entries = []
    for position, part in enumerate(header.split(",")):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        if "/" not in media:
            media = "*/*" if media == "*" else media
        q = 1.0
        for param in pieces[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
                q = q if 0.0 <= q <= 1.0 else 0.0
        entries.append((media, q, position))
    return entries


def _match_quality(
    entries: list[tuple[str, float, int]], fmt: ResultFormat
) -> tuple[float, int, int]:
    """Return (q, specificity, -position) of the most specific range matching ``fmt``."""
    best: tuple[float, int, int] | None = None
    major = fmt.media_type.split("/", 1)[0]
    candidates = {fmt.media_type, *(a for a in fmt.aliases if "/" in a)}
    for media, q, position in entries:
        if media in candidates:
            specificity = 3 if media == fmt.media_type else 2
        elif media == f"{major}/*":
            specificity = 1
        elif media == "*/*":
            specificity = 0
        else:
            continue
        key = (q, specificity, -position)
        if best is None or specificity > best[1]:
            best = key
    return best if best is not None else (0.0, -1, 0)


def negotiate(
    accept: str | None, kind: ResultKind, format_param: str | None = None
) -> ResultFormat | None:
    """Pick the result format for ``kind``; ``None`` means 406 Not Acceptable.

    A ``format=`` parameter (short name or media type, as Fuseki and Virtuoso accept) wins
    over the Accept header when it names a format for ``kind``. Ties in q go to the more specific range, then to hairkg's
    preference order.
    """
    formats = SOLUTION_FORMATS if kind == "solutions" else GRAPH_FORMATS
    if format_param:
        named = format_named(kind, format_param)
        if named is not None:
            return named
        # a name this kind of result cannot take (format=csv on CONSTRUCT, as clients send
        # for every query form) falls back to the Accept header
    entries = parse_accept(accept)
    scored = []
    for preference, fmt in enumerate(formats):
        q, specificity, _ = _match_quality(entries, fmt)
        if q > 0:
            scored.append((q, specificity, -preference, fmt))
    if not scored:
        return None
    scored.sort(key=lambda item: item[:3], reverse=True)
    return scored[0][3]
