"""Cheap checks on a query's text before any engine sees it.

Oxigraph (like most SPARQL engines) parses recursively: a query nested a few thousand
groups deep overflows its stack and kills the process. It also follows ``SERVICE`` to any
host, which would make a public endpoint a proxy into its own network. One regular-expression
pass over the text (strings, IRIs and comments skipped) refuses both, and SPARQL Update, with
a message a person can act on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["QueryInfo", "QueryLimits", "QueryRejectedError", "check_query"]


@dataclass(frozen=True)
class QueryLimits:
    """How big a query may be (values from :class:`hairkg.settings.Settings`).

    Oxigraph 0.5 overflows its stack on about 1000 chained triple patterns (3000 terms),
    1500 path steps or 700 chained OPTIONALs; real queries stay far below the defaults.
    """

    #: Deepest nesting of ``{ ( [`` accepted.
    max_depth: int
    #: Most terms, keywords and brackets in one query.
    max_tokens: int
    #: Most OPTIONAL / MINUS / UNION / GRAPH / path or boolean operators: each nests the
    #: algebra one level.
    max_operators: int


_TOKENS = re.compile(
    r"""
      (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
                 |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
    | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
    | (?P<comment>\#[^\n\r]*)
    | (?P<var>[?$][A-Za-z0-9_\u00B7-\uFFFF]+)
    | (?P<pname>[A-Za-z_\u00C0-\uFFFF][\w.\-\u00B7-\uFFFF]*:[\w.\-:%\\\u00B7-\uFFFF]*
                |:[\w.\-:%\\\u00B7-\uFFFF]*)
    | (?P<word>[A-Za-z_]+)
    | (?P<open>[{(\[])
    | (?P<close>[})\]])
    | (?P<datatype>\^\^)
    | (?P<op>\|\||&&|[/|^!])
    """,
    re.VERBOSE,
)
_UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"}
)
_QUERY_KEYWORDS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})
_PROLOGUE_KEYWORDS = frozenset({"PREFIX", "BASE"})
_NESTING_KEYWORDS = frozenset({"OPTIONAL", "MINUS", "UNION", "GRAPH", "FILTER", "BIND"})
_CODEPOINT_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


def _unescape_codepoints(text: str) -> str:
    """Apply SPARQL's \\u / \\U escapes, which the grammar applies before parsing."""
    return _CODEPOINT_ESCAPE.sub(
        lambda m: (
            chr(int(m.group(1) or m.group(2), 16))
            if int(m.group(1) or m.group(2), 16) < 0x110000
            else m.group(0)
        ),
        text,
    )


@dataclass(frozen=True)
class QueryInfo:
    """What the scan learnt: the query form and whether the query names its own dataset."""

    form: str | None  # SELECT, ASK, CONSTRUCT, DESCRIBE (None if unrecognised)
    uses_from: bool


class QueryRejectedError(Exception):
    """The query is refused before execution; ``message`` says why (HTTP 400)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_query(text: str, limits: QueryLimits) -> QueryInfo:
    """Raise :class:`QueryRejectedError` if ``text`` must not reach the engine."""
    max_depth, max_tokens, max_operators = (
        limits.max_depth,
        limits.max_tokens,
        limits.max_operators,
    )
    if "\\u" in text or "\\U" in text:
        text = _unescape_codepoints(text)
    if not text.strip():
        raise QueryRejectedError("empty query: send a SPARQL query in the 'query' parameter")
    depth = 0
    deepest = 0
    tokens = 0
    operators = 0
    first_keyword: str | None = None
    uses_from = False
    for match in _TOKENS.finditer(text):
        kind = match.lastgroup
        if kind in ("string", "comment"):
            continue
        tokens += 1
        if kind == "open":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > max_depth:
                    raise QueryRejectedError(
                        f"query nests groups, expressions or collections more than {max_depth} "
                        f"levels deep (at character {match.start()}); flatten it"
                    )
        elif kind == "close":
            depth -= 1
        elif kind == "op":
            operators += 1
        elif kind == "word":
            word = match.group().upper()
            if word in _NESTING_KEYWORDS:
                operators += 1
            if word == "SERVICE":
                raise QueryRejectedError(
                    "SERVICE is not allowed: this endpoint does not query other services "
                    "(federated queries would make it a proxy)"
                )
            if first_keyword is None and word not in _PROLOGUE_KEYWORDS:
                first_keyword = word
            elif word == "FROM":
                uses_from = True
    if operators > max_operators:
        raise QueryRejectedError(
            f"query chains {operators} OPTIONAL/MINUS/UNION/GRAPH/FILTER/BIND or path and "
            f"boolean operators (limit {max_operators}); split it"
        )
    if tokens > max_tokens:
        raise QueryRejectedError(
            f"query is too long: {tokens} terms, keywords and brackets (limit {max_tokens}); "
            "split it or use VALUES with literals"
        )
    if first_keyword in _UPDATE_KEYWORDS:
        raise QueryRejectedError(
            "SPARQL Update is not accepted: this is a read-only query endpoint"
        )
    return QueryInfo(
        form=first_keyword if first_keyword in _QUERY_KEYWORDS else None, uses_from=uses_from
    )
