"""The ``/sparql`` endpoint: the SPARQL 1.1 Protocol for queries, read-only.

Parameters are decoded strictly as UTF-8 (a wrong byte is a 400, never a silent U+FFFD);
every query passes :func:`hairkg.sparql.guard.check_query` before a worker sees it.

:func:`answer_query` is the endpoint. Flask's view calls it for every method it routes;
:class:`QueryFastPath`, a WSGI layer in front of Flask, calls it for GET and POST without
Flask's request machinery (request context, URL matching, hooks, context-local proxies),
which cost more than the protocol itself on a quick query. Both add the same headers
(:func:`hairkg.web.http.add_policy_headers`) and record the request alike.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl

from flask import Blueprint, Flask, Response, current_app, request
from werkzeug.exceptions import HTTPException
from werkzeug.http import quote_etag
from werkzeug.wrappers import Request

from hairkg.formats import ALL_FORMATS, format_named
from hairkg.service import Service
from hairkg.settings import Settings
from hairkg.sparql.admission import Admission
from hairkg.sparql.engines import QueryRequest, QueryResponse
from hairkg.sparql.guard import QueryRejectedError, check_query
from hairkg.web.description import service_description_response
from hairkg.web.http import (
    POLICY_HEADERS,
    add_policy_headers,
    add_vary,
    client_address,
    conditional,
    gzipped,
    http_error_response,
    internal_error_response,
    text_response,
)
from hairkg.web.negotiation import negotiate
from hairkg.web.observability import RequestRecorder, note_query
from hairkg.web.response_cache import Environ, StartResponse, WsgiApp

__all__ = ["QueryAnswer", "QueryFastPath", "answer_query", "blueprint"]

blueprint = Blueprint("sparql", __name__)

_ALLOWED = "GET, HEAD, POST, OPTIONS"


class ProtocolError(Exception):
    """A request that breaks the protocol: status and message for the client."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def _parse_pairs(raw: bytes, where: str) -> list[tuple[str, str]]:
    try:
        text = raw.decode("ascii")
        return parse_qsl(text, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError:
        raise ProtocolError(
            400,
            f"the {where} is not valid UTF-8 (after percent-decoding); "
            "this endpoint accepts UTF-8 only",
        ) from None


def _charset_is_utf8(req: Request) -> bool:
    charset = req.mimetype_params.get("charset")
    return charset is None or charset.strip().strip('"').lower() in ("utf-8", "utf8")


def _read_parameters(req: Request) -> tuple[str | None, list[tuple[str, str]]]:
    """Return (query, all parameters) from the URL and, for POST, the body."""
    pairs = _parse_pairs(req.query_string, "query string")
    query_values = [v for k, v in pairs if k == "query"]
    if req.method == "POST":
        mimetype = req.mimetype
        if mimetype == "application/x-www-form-urlencoded":
            if not _charset_is_utf8(req):
                raise ProtocolError(415, "form bodies must be UTF-8 (charset=UTF-8)")
            body_pairs = _parse_pairs(req.get_data(cache=False), "request body")
            pairs += body_pairs
            query_values += [v for k, v in body_pairs if k == "query"]
            if any(k == "update" for k, _ in body_pairs):
                raise ProtocolError(
                    400, "SPARQL Update is not accepted: this is a read-only query endpoint"
                )
        elif mimetype == "application/sparql-query":
            if not _charset_is_utf8(req):
                raise ProtocolError(415, "query bodies must be UTF-8 (charset=UTF-8)")
            try:
                query_values.append(req.get_data(cache=False).decode("utf-8"))
            except UnicodeDecodeError:
                raise ProtocolError(
                    400, "the query body is not valid UTF-8; this endpoint accepts UTF-8 only"
                ) from None
        elif mimetype == "application/sparql-update":
            raise ProtocolError(
                400, "SPARQL Update is not accepted: this is a read-only query endpoint"
            )
        else:
            raise ProtocolError(
                415,
                f"unsupported Content-Type {req.mimetype or '(none)'!r}: POST "
                "application/x-www-form-urlencoded or application/sparql-query",
            )
    if len(query_values) > 1:
        raise ProtocolError(400, "more than one 'query' parameter; send exactly one")
    if any(k == "update" for k, _ in pairs):
        raise ProtocolError(
            400, "SPARQL Update is not accepted: this is a read-only query endpoint"
        )
    return (query_values[0] if query_values else None), pairs


def _graph_list(pairs: list[tuple[str, str]], name: str) -> tuple[str, ...]:
    values = tuple(v.strip() for k, v in pairs if k == name)
    for value in values:
        if not value or any(c in value for c in ' <>"{}|^`\\'):
            raise ProtocolError(400, f"{name} must be an absolute IRI, got {value!r}")
    return values


@blueprint.route("/sparql", methods=["GET", "POST", "OPTIONS"])
def sparql() -> Response:
    """Answer a SPARQL query, or describe the service when there is none."""
    if request.method == "OPTIONS":
        return _preflight()
    answer = answer_query(request, current_app)
    if answer is None:
        return service_description_response(current_app.extensions["hairkg"])
    return answer


def answer_query(req: Request, app: Flask) -> Response | None:
    """The answer to the query of ``req`` (GET, HEAD or POST) on ``app``'s service.

    None for a GET without a query, which the service description answers.
    """
    answer = _answer(req, app)
    return answer.response(req) if isinstance(answer, QueryAnswer) else answer


@dataclass(frozen=True, slots=True)
class QueryAnswer:
    """What the engine answered, with every header of the response but the content type,
    length and policy headers: the fast path can send it without building a Response."""

    status: int
    content_type: str
    headers: list[tuple[str, str]]
    body: bytes

    def response(self, req: Request) -> Response:
        """The response, with ``req``'s If-None-Match applied to a 200."""
        response = Response(self.body, self.status, self.headers, content_type=self.content_type)
        return conditional(response, req) if self.status == 200 else response


def _answer(req: Request, app: Flask) -> Response | QueryAnswer | None:
    """:func:`answer_query`, with a query's answer left as a :class:`QueryAnswer`."""
    settings: Settings = app.extensions["hairkg_settings"]
    service: Service = app.extensions["hairkg"]
    try:
        query, pairs = _read_parameters(req)
        if query is None:
            if req.method == "POST":
                raise ProtocolError(400, "missing 'query' parameter")
            return None
        info = check_query(query, settings.query_limits)
        default_graphs = _graph_list(pairs, "default-graph-uri")
        named_graphs = _graph_list(pairs, "named-graph-uri")
    except ProtocolError as error:
        return text_response(
            error.status, error.message, {"Allow": _ALLOWED} if error.status == 405 else None
        )
    except QueryRejectedError as error:
        return text_response(400, f"query refused: {error.message}")
    format_param = next((v for k, v in pairs if k in ("format", "output")), None)
    if format_param and not known_format(format_param):
        names = ", ".join(sorted({f.name for f in ALL_FORMATS}))
        return _vary(
            text_response(
                400,
                f"unknown format {format_param!r}: use one of {names}, or a media type of "
                "one of them (or leave format out and send an Accept header)",
            )
        )
    accept = req.headers.get("Accept")
    solutions = negotiate(accept, "solutions", format_param)
    graph = negotiate(accept, "graph", format_param)
    wants_solutions = info.form in ("SELECT", "ASK")
    if (wants_solutions and solutions is None) or (
        info.form in ("CONSTRUCT", "DESCRIBE") and graph is None
    ):
        kind = "solutions" if wants_solutions else "graph"
        return _vary(
            text_response(
                406,
                f"none of the acceptable formats can carry {kind} "
                "results; see the service description for the list",
            )
        )
    query_request = QueryRequest(
        query=query,
        base_iri=_base_url(req.environ),
        default_graphs=default_graphs if (default_graphs or named_graphs) else None,
        named_graphs=named_graphs if (default_graphs or named_graphs) else None,
        solutions_format=solutions.name if solutions else None,
        graph_format=graph.name if graph else None,
        row_limit=settings.row_limit,
        uses_from=info.uses_from,
    )
    etag = _etag(service.data_version, query_request)
    cache = app.extensions.get("hairkg_result_cache")
    answer = cache.get(etag) if cache is not None else None
    from_cache = answer is not None
    note_query(req.environ, etag, from_cache if cache is not None else None)
    if answer is None:
        answer = _run_admitted(req, app, service, query_request, settings)
        if cache is not None:
            cache.put(etag, answer)
    # the headers as one list, not set one by one on werkzeug's Headers (each set scans them)
    headers = list(answer.headers.items())
    if cache is not None:
        headers.append(("Hairkg-Cache", "hit" if from_cache else "miss"))
    body = answer.body
    packed = gzipped(body, settings.gzip_min_bytes, req)
    if packed is not None:
        body = packed
        headers.append(("Content-Encoding", "gzip"))
    headers.append(("Vary", "Accept, Accept-Encoding"))
    if answer.status != 200:
        headers.append(("Cache-Control", "no-store"))
    else:
        headers.append(
            ("Cache-Control", f"public, max-age={settings.cache_max_age}, must-revalidate")
        )
        # a gzipped body is another representation, so it has another strong validator
        # (RFC 9110 section 8.8.3)
        headers.append(("ETag", quote_etag(etag + "-gzip" if packed is not None else etag)))
    return QueryAnswer(answer.status, answer.content_type, headers, body)


class QueryFastPath:
    """WSGI layer in front of Flask: GET and POST ``/sparql`` answered by :func:`answer_query`
    without Flask's request machinery; everything else goes on to ``flask_app``.

    What Flask would add is added here the same way: the policy headers, the error answers
    (413 for a body past ``MAX_CONTENT_LENGTH``, a logged 500 for a bug), the metrics and
    the access-log line. A GET without a query (the service description, rendered with
    Flask's templates) goes on to Flask.
    """

    def __init__(self, app: Flask, flask_app: WsgiApp, recorder: RequestRecorder) -> None:
        self.app = app
        self.flask_app = flask_app
        self.recorder = recorder

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if (
            environ.get("PATH_INFO") != "/sparql"
            or environ.get("REQUEST_METHOD") not in ("GET", "POST")
            or self.app.extensions.get("hairkg") is None
        ):
            return self.flask_app(environ, start_response)
        started = time.perf_counter()
        req = Request(environ)
        req.max_content_length = self.app.config["MAX_CONTENT_LENGTH"]
        answer: Response | QueryAnswer | None
        try:
            answer = _answer(req, self.app)
            if isinstance(answer, QueryAnswer) and not _sendable_as_is(answer, environ):
                answer = answer.response(req)
        except HTTPException as error:
            answer = http_error_response(error)
        except Exception:
            self.app.logger.exception("unexpected error")
            answer = internal_error_response()
        # outside the try, so that a failure while sending is never answered a second time
        if answer is None:  # a GET without a query: the service description, Flask's page
            return self.flask_app(environ, start_response)
        if isinstance(answer, QueryAnswer):
            return self._send(answer, environ, start_response, started)
        response = answer
        add_policy_headers(response)
        self._record(environ, response.status_code, response.calculate_content_length(), started)
        return response(environ, start_response)

    def _send(
        self,
        answer: QueryAnswer,
        environ: Environ,
        start_response: StartResponse,
        started: float,
    ) -> Iterable[bytes]:
        """Send a 200 as werkzeug's Response would, without building one (measured: 280 ->
        170 µs for a point lookup in the web layer, the hop aside)."""
        headers = [
            ("Content-Type", answer.content_type),
            *answer.headers,
            ("Content-Length", str(len(answer.body))),
            *POLICY_HEADERS,
        ]
        self._record(environ, 200, len(answer.body), started)
        start_response("200 OK", headers)
        return [answer.body]

    def _record(self, environ: Environ, status: int, size: int | None, started: float) -> None:
        """The metrics and the access-log line, as Flask's ``after_request`` writes them."""
        self.recorder.record(
            environ,
            path="/sparql",
            route="/sparql",
            status=status,
            duration=time.perf_counter() - started,
            size=size,
        )


def _sendable_as_is(answer: QueryAnswer, environ: Environ) -> bool:
    """A 200 that no precondition can turn into a 304 or 412, and no page (which would need
    the pages' policy headers)."""
    return (
        answer.status == 200
        and "HTTP_IF_NONE_MATCH" not in environ
        and not answer.content_type.startswith("text/html")
    )


def known_format(name: str) -> bool:
    """Whether ``name`` stands for a result format of either kind."""
    return any(format_named(kind, name) is not None for kind in ("solutions", "graph"))


def _run_admitted(
    req: Request, app: Flask, service: Service, query_request: QueryRequest, settings: Settings
) -> QueryResponse:
    """Run the query on a worker if admission lets it in; else the refusal as an answer."""
    admission: Admission = app.extensions["hairkg_admission"]
    client = client_address(req.environ, settings.client_address_header)
    refusal = admission.enter(client)
    if refusal is not None:
        return QueryResponse.error(
            refusal.status, refusal.message, {"Retry-After": str(refusal.retry_after)}
        )
    # waitress reports a client that hung up (with channel_request_lookahead > 0)
    disconnected = req.environ.get("waitress.client_disconnected")
    try:
        return service.pool.execute(query_request, cancelled=disconnected)
    finally:
        admission.leave(client)


def _base_url(environ: dict[str, Any]) -> str:
    """``request.base_url``, worked out once per host and path (werkzeug re-derives it, IRI
    decoding included, on every request)."""
    return _base_url_of(
        environ.get("wsgi.url_scheme"),
        environ.get("HTTP_HOST"),
        environ.get("SERVER_NAME"),
        environ.get("SERVER_PORT"),
        environ.get("SCRIPT_NAME", ""),
        environ.get("PATH_INFO", ""),
    )


@lru_cache(maxsize=256)
def _base_url_of(
    scheme: str, host: str | None, server_name: str, server_port: str, script: str, path: str
) -> str:
    environ = {
        "wsgi.url_scheme": scheme,
        "SERVER_NAME": server_name,
        "SERVER_PORT": server_port,
        "SCRIPT_NAME": script,
        "PATH_INFO": path,
        "REQUEST_METHOD": "GET",
    }
    if host is not None:
        environ["HTTP_HOST"] = host
    return str(Request(environ).base_url)


def _etag(version: str, query_request: QueryRequest) -> str:
    digest = hashlib.sha256(repr((version, query_request)).encode("utf-8"))
    return digest.hexdigest()[:32]


def _vary(response: Response) -> Response:
    add_vary(response, "Accept")
    return response


def _preflight() -> Response:
    response = Response(status=204)
    response.headers.pop("Content-Type", None)
    response.headers["Allow"] = _ALLOWED
    response.headers["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
    response.headers["Access-Control-Allow-Headers"] = (
        request.headers.get("Access-Control-Request-Headers") or "Accept, Content-Type"
    )
    response.headers["Access-Control-Max-Age"] = "86400"
    return response
