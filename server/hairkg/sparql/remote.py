"""A remote SPARQL 1.1 store as the query engine (``--store sparql``).

hairkg keeps every rule of its endpoint and lets the store only evaluate: the guard has
already refused updates, ``SERVICE`` and over-large queries; here the query is parsed (so a
syntax error reads as on the embedded store), then goes to the store as a form POST (the one
form every store answers, see the SPARQL 1.1 Protocol, 2.1.2) with the protocol's
``default-graph-uri``/``named-graph-uri`` (a query naming no dataset gets the served graphs,
so its default graph is their union as on the embedded store); the answer is asked for as
SPARQL JSON results (SELECT, ASK) or N-Triples (CONSTRUCT, DESCRIBE), read as a stream, cut
at the row cap (and said to be cut where the store cut it, as Virtuoso's
``X-SPARQL-MaxRows`` says), and written in the format the client negotiated by hairkg's own
writers, so every format works whatever the store offers. The time limit is the worker
pool's: a query past it has its worker killed, which closes the connection and abandons the
remote request.

Where the store is: ``--store-query-url`` or ``HAIRKG_STORE_QUERY_URL`` (and the update URL
for ``hairkg load``); who we are: ``HAIRKG_STORE_USER`` and ``HAIRKG_STORE_PASSWORD`` (HTTP
Basic, or HTTP Digest with ``HAIRKG_STORE_AUTH=digest``), read from the environment only,
never from the command line, and never written into a log or a message. A store that is
down, slow or refusing answers 503 with ``Retry-After``.
"""

from __future__ import annotations

import base64
import dataclasses
import http.client
import itertools
import json
import os
import re
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlencode, urlsplit

import pyoxigraph as ox

from hairkg.errors import HairkgError
from hairkg.formats import RdfFormat
from hairkg.formats.sparql_results import Term
from hairkg.namespaces import PREFIXES
from hairkg.sparql.engines import (
    QueryRequest,
    QueryResponse,
    _boolean_response,
    _graph_response,
    _solutions_response,
    _truncation_headers,
    serialize_oxigraph_triples,
    syntax_error_message,
)
from hairkg.sparql.guard import _TOKENS

__all__ = [
    "STORE_REQUEST_TIMEOUT",
    "KeptConnection",
    "SparqlStoreEngine",
    "StoreConfig",
    "StoreConfigError",
    "StoreError",
    "StoreProbe",
    "configure_store",
]

QUERY_URL_VARIABLE = "HAIRKG_STORE_QUERY_URL"
UPDATE_URL_VARIABLE = "HAIRKG_STORE_UPDATE_URL"
USER_VARIABLE = "HAIRKG_STORE_USER"
PASSWORD_VARIABLE = "HAIRKG_STORE_PASSWORD"  # noqa: S105 - the name of a variable
AUTH_VARIABLE = "HAIRKG_STORE_AUTH"
#: How the credentials are sent: ``basic`` with every request, or ``digest`` in answer to the
#: store's challenge (Virtuoso's ``/sparql-auth``), so the password never crosses the wire.
AUTH_SCHEMES = ("basic", "digest")

_SOLUTIONS = "application/sparql-results+json"
_TRIPLES = "application/n-triples"
#: What is asked for, by query form: a store may answer CONSTRUCT as a table of ?s ?p ?o in
#: SPARQL JSON when asked for both (Virtuoso 7.2 does), so each form asks for its own kind only.
_ACCEPT_SOLUTIONS = _SOLUTIONS
_ACCEPT_TRIPLES = f"{_TRIPLES}, text/plain;q=0.1"
#: Virtuoso's header on an answer cut at its ``ResultSetMaxRows`` (it says nothing else).
_MAX_ROWS_HEADER = "X-SPARQL-MaxRows"
#: Seconds to wait for the store to accept a connection or send the next bytes; the query's
#: own time limit is the worker pool's, which abandons the request by killing the worker.
#: ``hairkg load`` takes ``Settings.store_load_timeout`` instead.
STORE_REQUEST_TIMEOUT = 60.0
_ERROR_SNIPPET = 600
_STORE_TIMED_OUT = re.compile(r"\bSR171\b|transaction timed out|query timeout", re.IGNORECASE)


class StoreConfigError(HairkgError):
    """The remote store is not configured, or configured with an unusable URL."""


class StoreError(HairkgError):
    """The store could not be used: ``status`` and ``retry_after`` for the HTTP answer."""

    def __init__(self, message: str, status: int = 503, retry_after: int = 5) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after

    def response(self) -> QueryResponse:
        headers = {"Retry-After": str(self.retry_after)} if self.status == 503 else {}
        return QueryResponse.error(self.status, str(self), headers)


def _check_url(url: str, variable: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise StoreConfigError(
            f"{variable} must be an http:// or https:// URL of a SPARQL endpoint"
        )
    if parts.username is not None or parts.password is not None:
        # said without repeating the URL, which holds the secret
        raise StoreConfigError(
            f"{variable} must not hold credentials; give them in {USER_VARIABLE} and "
            f"{PASSWORD_VARIABLE}"
        )
    return url


def store_config_path(nquads: Path) -> Path:
    """Where :func:`configure_store` leaves the store's URLs for the workers, by the dump."""
    return nquads.with_name("remote-store.json")


def configure_store(
    query_url: str,
    update_url: str = "",
    nquads: Path | None = None,
    graphs: Sequence[str] = (),
) -> None:
    """Check the store's URLs and, given the dump's path, leave them there for the workers.

    Called before the worker pool starts: each worker (and each replacement) reads the URLs,
    and the named graphs whose union is the default graph, from beside the dump it is given.
    Credentials are never passed here or written down: they are only read from
    ``HAIRKG_STORE_USER`` / ``HAIRKG_STORE_PASSWORD``.
    """
    config = StoreConfig.from_env(query_url, update_url)
    if nquads is not None:
        document = {
            "query_url": config.query_url,
            "update_url": config.update_url,
            "graphs": list(graphs),
        }
        store_config_path(nquads).write_text(json.dumps(document), encoding="utf-8")


@dataclass(frozen=True)
class StoreConfig:
    """Where the store answers and how to sign in; ``repr`` never shows the password."""

    query_url: str
    update_url: str = ""
    user: str = ""
    password: str = ""
    auth: str = "basic"

    def __repr__(self) -> str:
        return f"StoreConfig(query_url={self.query_url!r}, update_url={self.update_url!r})"

    @classmethod
    def from_env(cls, query_url: str = "", update_url: str = "") -> StoreConfig:
        """The URLs given (else their ``HAIRKG_STORE_*`` variables) and the credentials."""
        query_url = query_url.strip() or os.environ.get(QUERY_URL_VARIABLE, "")
        if not query_url.strip():
            raise StoreConfigError(
                f"--store sparql needs the store's query URL: --store-query-url URL or "
                f"{QUERY_URL_VARIABLE}"
            )
        update_url = update_url.strip() or os.environ.get(UPDATE_URL_VARIABLE, "")
        auth = os.environ.get(AUTH_VARIABLE, "").strip().lower() or "basic"
        if auth not in AUTH_SCHEMES:
            raise StoreConfigError(f"{AUTH_VARIABLE} must be one of {', '.join(AUTH_SCHEMES)}")
        return cls(
            query_url=_check_url(query_url, QUERY_URL_VARIABLE),
            update_url=_check_url(update_url, UPDATE_URL_VARIABLE) if update_url.strip() else "",
            user=os.environ.get(USER_VARIABLE, ""),
            password=os.environ.get(PASSWORD_VARIABLE, ""),
            auth=auth,
        )

    @property
    def where(self) -> str:
        """The store's address for messages: host and port only."""
        parts = urlsplit(self.query_url)
        return f"{parts.hostname}:{parts.port or (443 if parts.scheme == 'https' else 80)}"

    def headers(self) -> dict[str, str]:
        """The ``Authorization`` sent with every request (HTTP Basic), if any."""
        if (not self.user and not self.password) or self.auth != "basic":
            return {}
        token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode("ascii")
        return {"Authorization": f"Basic {token}"}


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A redirect is reported, never followed (a POST must not turn into a GET elsewhere)."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _opener(config: StoreConfig) -> urllib.request.OpenerDirector:
    """How requests are sent: never through a proxy from the environment (the store is
    addressed directly, credentials go nowhere else), never following a redirect, and with
    ``digest`` answering the store's challenge, for the store's own URLs only."""
    handlers: list[urllib.request.BaseHandler] = [
        urllib.request.ProxyHandler({}),
        _NoRedirect(),
    ]
    if config.auth == "digest" and (config.user or config.password):
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        urls = [url for url in (config.query_url, config.update_url) if url]
        passwords.add_password(None, urls, config.user, config.password)
        handlers.append(_ClosingDigestAuthHandler(passwords))
    return urllib.request.build_opener(*handlers)


class _ClosingDigestAuthHandler(urllib.request.HTTPDigestAuthHandler):
    """urllib's Digest handler, closing the 401 answer it retries after.

    urllib drops the challenge's response without closing it, which leaves its socket to the
    garbage collector (a ResourceWarning per authenticated request).
    """

    def http_error_401(self, req: Any, fp: Any, code: int, msg: str, headers: Any) -> Any:
        fp.close()
        return super().http_error_401(req, fp, code, msg, headers)


def _snippet(body: bytes) -> str:
    text = body[:_ERROR_SNIPPET].decode("utf-8", "replace").strip()
    return " ".join(text.split()) or "(no message)"


def post_form(
    config: StoreConfig,
    url: str,
    fields: Sequence[tuple[str, str]],
    accept: str,
    timeout: float = STORE_REQUEST_TIMEOUT,
) -> http.client.HTTPResponse:
    """POST ``fields`` as a UTF-8 form to ``url``; the open response, or :class:`StoreError`."""
    request = urllib.request.Request(  # noqa: S310 - the URL was checked to be http(s)
        url,
        data=urlencode(fields, encoding="utf-8").encode("ascii"),
        method="POST",
        headers=_form_headers(config, accept),
    )
    try:
        return cast(http.client.HTTPResponse, _opener(config).open(request, timeout=timeout))
    except urllib.error.HTTPError as error:
        with error:
            body = error.read(_ERROR_SNIPPET)
        raise _http_error(config, error.code, body) from None
    except TimeoutError:
        raise _timed_out(config, timeout) from None
    except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
        raise _unreachable(config, getattr(error, "reason", error)) from None


def _form_headers(config: StoreConfig, accept: str) -> dict[str, str]:
    return {
        "Content-Type": "application/x-www-form-urlencoded; charset=UTF-8",
        "Accept": accept,
        "User-Agent": "hairkg",
        **config.headers(),
    }


def _timed_out(config: StoreConfig, timeout: float) -> StoreError:
    return StoreError(
        f"the triple store at {config.where} did not answer within {timeout:g} s; "
        "try again shortly",
        retry_after=5,
    )


def _unreachable(config: StoreConfig, reason: object) -> StoreError:
    return StoreError(
        f"the triple store at {config.where} is not reachable ({_reason(reason)}); "
        "try again shortly",
        retry_after=5,
    )


class KeptConnection:
    """One HTTP/1.1 connection to the store, kept open from one query to the next.

    A query worker runs one query at a time, so one connection serves it. A new TCP
    connection per query cost 2.0 ms against 0.5 ms on a kept one (measured at 100k, see
    ``bench/results/2026-12-04-remote-stores.md``). A connection the store has closed meanwhile
    is replaced and the query sent again once (a query changes nothing); an answer not read
    to its end (cut at the row cap) closes the connection, whose unread rest would otherwise
    be taken for the next answer. Requests with Digest authentication go through
    :func:`post_form` instead (urllib answers the challenge).
    """

    def __init__(self, config: StoreConfig) -> None:
        self.config = config
        self._connection: http.client.HTTPConnection | None = None

    def post(
        self,
        url: str,
        fields: Sequence[tuple[str, str]],
        accept: str,
        timeout: float = STORE_REQUEST_TIMEOUT,
    ) -> http.client.HTTPResponse:
        """As :func:`post_form`, on the kept connection."""
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        body = urlencode(fields, encoding="utf-8").encode("ascii")
        headers = _form_headers(self.config, accept)
        for _attempt in range(2):
            reused = self._connection is not None
            if self._connection is None:
                kind = (
                    http.client.HTTPSConnection
                    if parts.scheme == "https"
                    else http.client.HTTPConnection
                )
                self._connection = kind(parts.hostname or "", parts.port, timeout=timeout)
            connection = self._connection
            try:
                connection.timeout = timeout
                if connection.sock is not None:
                    connection.sock.settimeout(timeout)
                connection.request("POST", target, body=body, headers=headers)
                answer = connection.getresponse()
            except (ConnectionResetError, BrokenPipeError, http.client.RemoteDisconnected) as error:
                self.close()
                if reused:
                    continue  # the store closed the kept connection: once more, on a new one
                raise _unreachable(self.config, error) from None
            except TimeoutError:
                self.close()
                raise _timed_out(self.config, timeout) from None
            except (OSError, http.client.HTTPException) as error:
                self.close()
                raise _unreachable(self.config, error) from None
            if answer.status >= 300:
                with answer:
                    said = answer.read(_ERROR_SNIPPET)
                self.close()
                raise _http_error(self.config, answer.status, said)
            return answer
        raise _unreachable(self.config, "the connection was closed twice")

    def release(self, answer: http.client.HTTPResponse) -> None:
        """Done with ``answer``: keep the connection only if the answer was read to its end."""
        if not answer.isclosed():
            self.close()
        answer.close()

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _reason(reason: object) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, (TimeoutError, socket.timeout)):
        return "timed out"
    if isinstance(reason, socket.gaierror):
        return "unknown host"
    text = str(reason)
    return text.split("] ", 1)[-1] if text else type(reason).__name__


def _http_error(config: StoreConfig, status: int, body: bytes) -> StoreError:
    where = config.where
    if status == 400:
        return StoreError(f"the triple store refused the query: {_snippet(body)}", status=400)
    if status in (401, 403):
        return StoreError(
            f"the triple store at {where} refused hairkg's credentials (HTTP {status}); the "
            f"operator sets them in {USER_VARIABLE} and {PASSWORD_VARIABLE}",
            retry_after=30,
        )
    if status == 404:
        return StoreError(
            f"no SPARQL endpoint at the configured address on {where} (HTTP 404)", retry_after=30
        )
    if 300 <= status < 400:
        return StoreError(
            f"the triple store at {where} redirects (HTTP {status}); configure the URL it "
            "redirects to",
            retry_after=30,
        )
    if status >= 500 and _STORE_TIMED_OUT.search(_snippet(body).split("SPARQL query:")[0]):
        # Virtuoso past its MaxQueryExecutionTime: HTTP 500 "S1T00 Error SR171: Transaction
        # timed out"; said as hairkg says its own time limit
        return StoreError(
            f"query stopped: it ran longer than the triple store's own time limit "
            f"({_snippet(body).split(' SPARQL query:')[0]}); add LIMIT or narrow the pattern",
            retry_after=1,
        )
    if status == 429 or status >= 500:
        return StoreError(
            f"the triple store at {where} is unavailable (HTTP {status}): {_snippet(body)}",
            retry_after=5,
        )
    return StoreError(
        f"the triple store at {where} refused the request (HTTP {status}): {_snippet(body)}",
        retry_after=5,
    )


_BOOLEAN = "http://www.w3.org/2001/XMLSchema#boolean"
_CANONICAL_BOOLEAN = {"0": "false", "1": "true"}


def _canonical(term: Any) -> Any:
    """``term`` with a boolean's canonical form: Virtuoso stores ``"false"^^xsd:boolean`` as
    a number and gives it back as ``"0"^^xsd:boolean``, the same value written otherwise."""
    if (
        isinstance(term, ox.Literal)
        and term.value in _CANONICAL_BOOLEAN
        and term.datatype.value == _BOOLEAN
    ):
        return ox.Literal(_CANONICAL_BOOLEAN[term.value], datatype=term.datatype)
    return term


def _term(term: Any) -> Term:
    if isinstance(term, ox.NamedNode):
        return ("uri", term.value)
    if isinstance(term, ox.BlankNode):
        return ("bnode", term.value)
    if isinstance(term, ox.Literal):
        term = _canonical(term)
        return ("literal", term.value, term.language or "", term.datatype.value)
    raise TypeError("RDF-star triple terms are not supported in results")


def _serialize(triples: Sequence[Any], fmt: RdfFormat) -> bytes:
    return serialize_oxigraph_triples(triples, fmt, PREFIXES)


def _without_dataset_clauses(query: str) -> str:
    """``query`` with its ``FROM`` / ``FROM NAMED`` clauses blanked out (newlines kept).

    For a request whose protocol dataset must win over the query's own (SPARQL 1.1 Protocol
    2.1.4): Virtuoso 7.2 merges the two instead. The query has parsed, so a ``FROM`` outside
    every bracket is a dataset clause, followed by ``NAMED`` or not and one IRI.
    """
    pieces: list[str] = []
    depth = 0
    cut_from: int | None = None
    last = 0
    for match in _TOKENS.finditer(query):
        kind, token = match.lastgroup, match.group()
        if kind in ("string", "comment"):
            continue
        if kind == "open":
            depth += 1
        elif kind == "close":
            depth -= 1
        elif cut_from is None and depth == 0 and kind == "word" and token.upper() == "FROM":
            cut_from = match.start()
        elif cut_from is not None and kind in ("iri", "pname"):
            pieces.append(query[last:cut_from])
            pieces.append(re.sub(r"[^\n]", " ", query[cut_from : match.end()]))
            last, cut_from = match.end(), None
    pieces.append(query[last:])
    return "".join(pieces)


def _query_text(request: QueryRequest) -> str:
    """The query as the store must see it: relative IRIs resolve against hairkg's endpoint;
    the protocol's dataset, when given, is the only one.

    The prologue is put on the query's first line, so the store's line numbers stay right.
    """
    query = request.query
    if request.uses_from and (
        request.default_graphs is not None or request.named_graphs is not None
    ):
        query = _without_dataset_clauses(query)
    prologue = ""
    if request.base_iri:
        prologue += f"BASE <{request.base_iri}> "
    for prefix, namespace in (request.prefixes or {}).items():
        prologue += f"PREFIX {prefix}: <{namespace}> "
    return prologue + query


class SparqlStoreEngine:
    """Answers queries by asking a remote SPARQL 1.1 store (``--store sparql``).

    The dump the embedded engines load is not read: the store holds the data, uploaded by
    ``hairkg load --store sparql``; beside the dump, :func:`configure_store` left the store's
    URLs (else they come from ``HAIRKG_STORE_QUERY_URL``).
    """

    def __init__(self, nquads: Path | None = None) -> None:
        given = store_config_path(nquads) if nquads is not None else None
        #: The default graph when the request names none: the union of these graphs (the
        #: store's own default graph is not relied on; stores differ in what it is).
        self.union: tuple[str, ...] = ()
        if given is not None and given.exists():
            document = json.loads(given.read_text(encoding="utf-8"))
            self.config = StoreConfig.from_env(document["query_url"], document["update_url"])
            self.union = tuple(document.get("graphs", ()))
        else:
            self.config = StoreConfig.from_env()
        # parses queries, so a syntax error reads the same whatever the store
        self._parser = ox.Store()
        digest = self.config.auth == "digest" and bool(self.config.user or self.config.password)
        self._kept = None if digest else KeptConnection(self.config)
        self._kept_lock = threading.Lock()  # a second thread at once gets a connection of its own

    def _check(self, request: QueryRequest) -> QueryResponse | bool:
        """The embedded engine's 400 for a query that does not parse, else whether the
        query's answer is a graph (CONSTRUCT, DESCRIBE).

        The query is evaluated on an empty store, which parses it and finds nothing (results
        are lazy, and nothing is fetched).
        """
        try:
            result = self._parser.query(
                request.query, base_iri=request.base_iri, prefixes=request.prefixes
            )
        except SyntaxError as error:
            return QueryResponse.error(400, syntax_error_message(str(error), request.query))
        except (ValueError, OSError):
            return False  # not a syntax error: the store decides
        return isinstance(result, ox.QueryTriples)

    def execute(self, request: QueryRequest) -> QueryResponse:
        checked = self._check(request)
        if isinstance(checked, QueryResponse):
            return checked
        accept = _ACCEPT_TRIPLES if checked else _ACCEPT_SOLUTIONS
        fields = [("query", _query_text(request))]
        if request.default_graphs is not None or request.named_graphs is not None:
            # the protocol's dataset wins over FROM / FROM NAMED (SPARQL 1.1 Protocol 2.1.4)
            fields += [("default-graph-uri", g) for g in request.default_graphs or ()]
            fields += [("named-graph-uri", g) for g in request.named_graphs or ()]
        elif not request.uses_from and self.union:
            # as in the embedded store: the default graph is the union of the named graphs,
            # and GRAPH ?g sees each of them
            fields += [("default-graph-uri", g) for g in self.union]
            fields += [("named-graph-uri", g) for g in self.union]
        kept = self._kept if self._kept is not None and self._kept_lock.acquire(False) else None
        try:
            try:
                if kept is not None:
                    answer = kept.post(self.config.query_url, fields, accept)
                else:
                    answer = post_form(self.config, self.config.query_url, fields, accept)
            except StoreError as error:
                return error.response()
            media_type = (answer.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            try:
                return self._convert(request, media_type, answer, graph=checked)
            except (SyntaxError, ValueError, OSError, http.client.HTTPException) as error:
                return StoreError(
                    f"the triple store at {self.config.where} sent an answer hairkg cannot "
                    f"read ({media_type or 'no Content-Type'}): {error}",
                ).response()
            finally:
                if kept is not None:
                    kept.release(answer)
                else:
                    answer.close()
        finally:
            if kept is not None:
                self._kept_lock.release()

    def _convert(
        self,
        request: QueryRequest,
        media_type: str,
        answer: http.client.HTTPResponse,
        graph: bool,
    ) -> QueryResponse:
        if media_type in (_SOLUTIONS, "application/json") and not graph:
            results = ox.parse_query_results(answer, format=ox.QueryResultsFormat.JSON)
            if isinstance(results, ox.QueryBoolean):
                return _boolean_response(request, bool(results))
            names = [v.value for v in results.variables]
            counted = _Counted(
                [None if s[i] is None else _term(s[i]) for i in range(len(names))] for s in results
            )
            # at most one row past the cap is read; closing the answer drops the rest
            response = _solutions_response(
                request, names, itertools.islice(counted, request.row_limit + 1)
            )
            return _store_capped(response, answer, counted.count, request.row_limit)
        if media_type in (_TRIPLES, "text/plain") and graph:
            quads = ox.parse(answer, format=ox.RdfFormat.N_TRIPLES)
            triples = (
                ox.Triple(quad.subject, quad.predicate, _canonical(quad.object)) for quad in quads
            )
            return _graph_response(
                request, itertools.islice(triples, request.row_limit + 1), _serialize
            )
        expected = "N-Triples" if graph else "SPARQL JSON results"
        raise ValueError(f"expected {expected} for this query")


class _Counted(Iterator[list[Term | None]]):
    """Rows passed through, counted."""

    def __init__(self, rows: Iterator[list[Term | None]]) -> None:
        self.rows = rows
        self.count = 0

    def __next__(self) -> list[Term | None]:
        row = next(self.rows)
        self.count += 1
        return row


def _store_capped(
    response: QueryResponse, answer: http.client.HTTPResponse, rows: int, row_limit: int
) -> QueryResponse:
    """``response``, said to be truncated if the store cut the answer at its own row cap.

    Virtuoso cuts a SELECT at ``ResultSetMaxRows`` and says so only in ``X-SPARQL-MaxRows``
    (sent when the answer has that many rows; one of exactly that many cannot be told apart,
    and is reported as cut). hairkg reports it as it reports its own cap, with the store's.
    """
    cap = (answer.headers.get(_MAX_ROWS_HEADER) or "").strip()
    if response.status != 200 or "Hairkg-Result-Truncated" in response.headers:
        return response
    if not cap.isdigit() or int(cap) > row_limit or rows < int(cap):
        return response
    headers = {**response.headers, **_truncation_headers(True, int(cap))}
    return dataclasses.replace(response, headers=headers)


class StoreProbe:
    """Whether the store answers a trivial query now; remembered for ``interval`` seconds."""

    def __init__(self, config: StoreConfig, timeout: float = 2.0, interval: float = 1.0) -> None:
        self.config = config
        self.timeout = timeout
        self.interval = interval
        self._checked_at = float("-inf")
        self._problem: str | None = None

    def problem(self) -> str | None:
        """None if the store answered ``ASK {}``; else why it is not usable."""
        now = time.monotonic()
        if now - self._checked_at < self.interval:
            return self._problem
        try:
            with post_form(
                self.config, self.config.query_url, [("query", "ASK {}")], _SOLUTIONS, self.timeout
            ) as answer:
                answer.read(4096)
            self._problem = None
        except StoreError as error:
            self._problem = str(error)
        self._checked_at = time.monotonic()
        return self._problem
