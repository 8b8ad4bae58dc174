"""Cheap checks on a query's text before any engine sees it.

Oxigraph (like most SPARQL engines) parses recursively: a query nested a few thousand
groups deep overflows its stack and kills the process. It also follows ``SERVICE`` to any
host, which would make a public endpoint a proxy into its own network. One regular-expression
pass over the text (strings, IRIs and comments skipped) refuses both, and SPARQL Update, with
a message a person can act on.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from dataclasses import dataclass

__all__ = ["QueryInfo", "QueryLimits", "QueryRejectedError", "check_query"]


@dataclass(frozen=True)
class QueryLimits:
    """How big a query may be (values from :class:`hairkg.settings.Settings`).

    Each limit stops a construct that overflows Oxigraph's stack (its parser and planner
    recurse), measured with ``bench/guard_limits.py`` in a worker-like process (results in
    ``bench/results/guard_limits.md``): 3000 nested groups, sub-selects, MINUS or BIND, and
    10000 chained arithmetic, boolean or path operators, triple patterns or OPTIONALs kill
    the process. The defaults stay three times below. VALUES and IN lists are not limited:
    30000 terms run (they are flat in the algebra).
    """

    #: Deepest nesting of ``{ ( [`` accepted.
    max_depth: int
    #: Most terms, keywords and brackets outside VALUES and IN lists.
    max_tokens: int
    #: Most OPTIONAL / MINUS / UNION / GRAPH / FILTER / BIND: each nests the algebra a level.
    max_operators: int
    #: Most arithmetic, comparison, boolean and property-path operators.
    max_expression_operators: int


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
    | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
    | (?P<datatype>\^\^)
    | (?P<op>\|\||&&|!=|<=|>=|[/|^!+\-*=<>])
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


@dataclass
class _Counts:
    depth: int = 0
    tokens: int = 0
    operators: int = 0
    expression_operators: int = 0
    list_terms: int = 0


def _scan(text: str, limits: QueryLimits | None) -> tuple[_Counts, str | None, bool]:
    """Count what the limits are about; raise as soon as one is passed (if ``limits``)."""
    counts = _Counts()
    depth = 0
    first_keyword: str | None = None
    uses_from = False
    list_opener: str | None = None  # the bracket that opens the list announced by VALUES/IN
    list_depth: int | None = None  # depth at which the current list was opened
    for match in _TOKENS.finditer(text):
        kind = match.lastgroup
        if kind in ("string", "comment"):
            continue
        in_list = list_depth is not None
        if in_list:
            counts.list_terms += 1
        else:
            counts.tokens += 1
        if kind == "open":
            depth += 1
            if list_opener is not None and match.group() == list_opener:
                list_opener, list_depth = None, depth
            if depth > counts.depth:
                counts.depth = depth
                if limits is not None and depth > limits.max_depth:
                    raise QueryRejectedError(
                        f"query nests groups, expressions or collections more than "
                        f"{limits.max_depth} levels deep (at character {match.start()}); "
                        "flatten it"
                    )
        elif kind == "close":
            if list_depth is not None and depth == list_depth:
                list_depth = None
            depth -= 1
        elif kind == "op" and not in_list:
            counts.expression_operators += 1
        elif kind == "word":
            word = match.group().upper()
            if word in _NESTING_KEYWORDS:
                counts.operators += 1
            elif word == "VALUES" and list_depth is None:
                list_opener = "{"
            elif word == "IN" and list_depth is None:
                list_opener = "("
            if word == "SERVICE":
                raise QueryRejectedError(
                    "SERVICE is not allowed: this endpoint does not query other services "
                    "(federated queries would make it a proxy)"
                )
            if first_keyword is None and word not in _PROLOGUE_KEYWORDS:
                first_keyword = word
            elif word == "FROM":
                uses_from = True
    return counts, first_keyword, uses_from


def describe_shape(text: str) -> str:
    """A short description of a query's size, for messages about it."""
    try:
        counts, form, _ = _scan(text, None)
    except QueryRejectedError:
        return f"{len(text)} characters"
    parts = [
        f"{form or 'query'} of {len(text)} characters",
        f"nesting {counts.depth} deep",
        f"{counts.expression_operators} expression operators",
        f"{counts.operators} OPTIONAL/UNION/MINUS/GRAPH/FILTER/BIND",
        f"{counts.tokens} terms outside lists",
    ]
    return ", ".join(parts)


#: Accepted queries up to this many characters are remembered with their verdict (the same
#: queries come again and again, and scanning one costs more than a cached answer), at most
#: _MEMO_ENTRIES of them: a bounded LRU of at most 16 MiB of query text.
_MEMO_MAX_CHARS = 16 * 1024
_MEMO_ENTRIES = 1024
_memo: OrderedDict[tuple[str, QueryLimits], QueryInfo] = OrderedDict()
_memo_lock = threading.Lock()


def check_query(text: str, limits: QueryLimits) -> QueryInfo:
    """Raise :class:`QueryRejectedError` if ``text`` must not reach the engine."""
    if len(text) > _MEMO_MAX_CHARS:
        return _check_query(text, limits)
    key = (text, limits)
    with _memo_lock:
        known = _memo.get(key)
        if known is not None:
            _memo.move_to_end(key)
            return known
    info = _check_query(text, limits)  # refusals raise and are not remembered
    with _memo_lock:
        _memo[key] = info
        if len(_memo) > _MEMO_ENTRIES:
            _memo.popitem(last=False)
    return info


def _check_query(text: str, limits: QueryLimits) -> QueryInfo:
    if "\\u" in text or "\\U" in text:
        text = _unescape_codepoints(text)
    if not text.strip():
        raise QueryRejectedError("empty query: send a SPARQL query in the 'query' parameter")
    counts, first_keyword, uses_from = _scan(text, limits)
    if counts.operators > limits.max_operators:
        raise QueryRejectedError(
            f"query chains {counts.operators} OPTIONAL/MINUS/UNION/GRAPH/FILTER/BIND "
            f"(limit {limits.max_operators}); split it"
        )
    if counts.expression_operators > limits.max_expression_operators:
        raise QueryRejectedError(
            f"query chains {counts.expression_operators} arithmetic, comparison, boolean or "
            f"path operators (limit {limits.max_expression_operators}); split it"
        )
    if counts.tokens > limits.max_tokens:
        raise QueryRejectedError(
            f"query is too long: {counts.tokens} terms, keywords and brackets outside VALUES "
            f"and IN lists (limit {limits.max_tokens}); put long lists of identifiers in "
            "VALUES, or split the query"
        )
    if first_keyword in _UPDATE_KEYWORDS:
        raise QueryRejectedError(
            "SPARQL Update is not accepted: this is a read-only query endpoint"
        )
    return QueryInfo(
        form=first_keyword if first_keyword in _QUERY_KEYWORDS else None, uses_from=uses_from
    )
