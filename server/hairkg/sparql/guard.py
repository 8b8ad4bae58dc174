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

__all__ = ["DEFAULT_MAX_DEPTH", "QueryRejected", "check_query"]

#: Deepest nesting of ``{ ( [`` accepted; real queries stay far below it.
DEFAULT_MAX_DEPTH = 64
#: Most operators of one kind in a row (``a || b || …``), also parsed recursively.
DEFAULT_MAX_TOKENS = 50_000

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
    """,
    re.VERBOSE,
)
_UPDATE_KEYWORDS = frozenset(
    {"INSERT", "DELETE", "LOAD", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH"})
_QUERY_KEYWORDS = frozenset({"SELECT", "CONSTRUCT", "DESCRIBE", "ASK"})
_PROLOGUE_KEYWORDS = frozenset({"PREFIX", "BASE"})


@dataclass(frozen=True)
class QueryRejected(Exception):
    """The query is refused before execution; ``message`` says why (HTTP 400)."""

    message: str

    def __str__(self) -> str:
        return self.message


def check_query(text: str, *, max_depth: int = DEFAULT_MAX_DEPTH,
                max_tokens: int = DEFAULT_MAX_TOKENS) -> None:
    """Raise :class:`QueryRejected` if ``text`` must not reach the engine."""
    if not text.strip():
        raise QueryRejected("empty query: send a SPARQL query in the 'query' parameter")
    depth = 0
    deepest = 0
    tokens = 0
    first_keyword: str | None = None
    for match in _TOKENS.finditer(text):
        kind = match.lastgroup
        tokens += 1
        if kind == "open":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > max_depth:
                    raise QueryRejected(
                        f"query nests groups, expressions or collections more than {max_depth} "
                        f"levels deep (at character {match.start()}); flatten it")
        elif kind == "close":
            depth -= 1
        elif kind == "word":
            word = match.group().upper()
            if word == "SERVICE":
                raise QueryRejected(
                    "SERVICE is not allowed: this endpoint does not query other services "
                    "(federated queries would make it a proxy)")
            if first_keyword is None and word not in _PROLOGUE_KEYWORDS:
                first_keyword = word
    if tokens > max_tokens:
        raise QueryRejected(f"query has more than {max_tokens} tokens; split it")
    if first_keyword in _UPDATE_KEYWORDS:
        raise QueryRejected(
            "SPARQL Update is not accepted: this is a read-only query endpoint")
