"""Content negotiation over the format table (RFC 9110 Accept with quality values).

werkzeug parses the header and ranks the offers; this module only says what is offered:
every media type of every format of the wanted kind, hairkg's preferred format first.
"""

from __future__ import annotations

import re
from functools import lru_cache

from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from hairkg.formats import (
    RDF_FORMATS,
    SOLUTION_FORMATS,
    FormatKind,
    RdfFormat,
    ResultFormat,
    format_named,
)

__all__ = ["negotiate", "negotiate_rdf"]

#: Java's URLConnection sends ``*; q=.2``: a bare ``*`` for ``*/*`` and a q without its
#: leading zero. Both are read as meant rather than dropped.
_BARE_STAR = re.compile(r"(^|,)\s*\*\s*(?=;|,|$)")
_Q_WITHOUT_ZERO = re.compile(r";\s*q=\.", re.IGNORECASE)


def negotiate(
    accept: str | None, kind: FormatKind, format_param: str | None = None
) -> ResultFormat | RdfFormat | None:
    """Pick the result format for ``kind``; ``None`` means 406 Not Acceptable.

    A ``format=`` parameter (short name or media type, as Fuseki and Virtuoso accept) wins
    over the Accept header when it names a format for ``kind``; a name this kind cannot take
    (``format=csv`` on CONSTRUCT, as clients send for every query form) falls back to the
    header. Ties in quality go to the more specific range, then to hairkg's preference order.
    """
    if format_param:
        named = format_named(kind, format_param)
        if named is not None:
            return named
    header = accept.strip() if accept else ""
    if len(header) > _MEMO_MAX_HEADER:  # an odd header: ranked, not remembered
        return _negotiate_header(header, kind)
    return _negotiate_memo(header, kind)


#: Clients send the same few Accept headers again and again, and ranking one costs more than
#: answering from the result cache; headers up to this length are remembered (bounded LRU).
_MEMO_MAX_HEADER = 512


@lru_cache(maxsize=256)
def _negotiate_memo(header: str, kind: FormatKind) -> ResultFormat | RdfFormat | None:
    return _negotiate_header(header, kind)


def _offers(kind: FormatKind) -> dict[str, ResultFormat | RdfFormat]:
    formats: tuple[ResultFormat | RdfFormat, ...] = (
        SOLUTION_FORMATS if kind == "solutions" else RDF_FORMATS
    )
    # every format's own media type first, then the aliases: on a tie (text/*) werkzeug takes
    # the first offer, which must be text/csv, not the alias text/xml of SPARQL XML
    offers = {fmt.media_type: fmt for fmt in formats}
    for fmt in formats:
        for media in fmt.media_types:
            offers.setdefault(media, fmt)
    return offers


_OFFERS: dict[str, dict[str, ResultFormat | RdfFormat]] = {
    "solutions": _offers("solutions"),
    "graph": _offers("graph"),
}


def _negotiate_header(header: str, kind: FormatKind) -> ResultFormat | RdfFormat | None:
    offers = _OFFERS[kind]
    if not header:
        header = "*/*"
    else:
        header = _Q_WITHOUT_ZERO.sub(";q=0.", _BARE_STAR.sub(r"\1*/*", header))
    best = parse_accept_header(header, MIMEAccept).best_match(list(offers))
    return None if best is None else offers[best]


def negotiate_rdf(accept: str | None, format_param: str | None = None) -> RdfFormat | None:
    """:func:`negotiate` for an RDF answer."""
    found = negotiate(accept, "graph", format_param)
    return found if isinstance(found, RdfFormat) else None
