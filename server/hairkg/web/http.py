"""HTTP details shared by every route: CORS, security headers, caching, compression."""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from functools import lru_cache
from typing import Any

from flask import Flask, Response, request
from werkzeug.datastructures import Accept
from werkzeug.exceptions import HTTPException
from werkzeug.http import parse_accept_header
from werkzeug.wrappers import Request

__all__ = [
    "POLICY_HEADERS",
    "accepts_gzip",
    "add_policy_headers",
    "client_address",
    "conditional",
    "gzipped",
    "http_error_response",
    "install_http_policies",
    "internal_error_response",
    "maybe_gzip",
    "text_response",
]

_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self' data:; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)


def text_response(status: int, message: str, headers: dict[str, str] | None = None) -> Response:
    """A plain-text response (errors are written for people, never as tracebacks)."""
    response = Response(
        message.rstrip() + "\n", status=status, content_type="text/plain; charset=utf-8"
    )
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def client_address(environ: dict[str, Any], trusted_header: str) -> str:
    """Who is asking: the last value of the trusted proxy's header, else the TCP peer.

    Read from the WSGI environ, so that answers given before Flask runs log it the same way.
    """
    if trusted_header:
        key = "HTTP_" + trusted_header.upper().replace("-", "_")
        last = str(environ.get(key, "")).rsplit(",", 1)[-1].strip()
        if last:
            return last
    return str(environ.get("REMOTE_ADDR") or "unknown")


def accepts_gzip(req: Request) -> bool:
    """Whether the client accepts gzip (with a non-zero quality; ``*`` counts)."""
    header = req.headers.get("Accept-Encoding", "")
    if len(header) > 256:  # an odd header: parsed, not remembered
        return req.accept_encodings.best_match(("gzip", "x-gzip")) is not None
    return _header_accepts_gzip(header)


@lru_cache(maxsize=64)
def _header_accepts_gzip(header: str) -> bool:
    # clients send the same few headers; parsing one costs more than a cached answer's lookup
    parsed = parse_accept_header(header, Accept) if header else Accept()
    return parsed.best_match(("gzip", "x-gzip")) is not None


def add_vary(response: Response, name: str) -> None:
    """Add ``name`` to the response's ``Vary`` header (once).

    ``response.vary.add`` parses and rewrites the header on every call; this is on the path
    of every cached answer.
    """
    current = response.headers.get("Vary")
    if not current:
        response.headers["Vary"] = name
    elif name.lower() not in (part.strip().lower() for part in current.split(",")):
        response.headers["Vary"] = f"{current}, {name}"


class _GzipMemo:
    """The gzip of recent bodies, so that an answer served again (from the result cache, the
    same ``bytes`` object) is not compressed again. Bounded by the compressed bytes kept; a
    ``bytes`` object caches its hash, so a hit costs one dictionary lookup."""

    def __init__(self, max_bytes: int = 16 * 1024 * 1024) -> None:
        self.max_bytes = max_bytes
        self.size = 0
        self._entries: OrderedDict[bytes, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def compress(self, body: bytes) -> bytes:
        with self._lock:
            found = self._entries.get(body)
            if found is not None:
                self._entries.move_to_end(body)
                return found
        packed = gzip.compress(body, compresslevel=5, mtime=0)
        if len(packed) <= self.max_bytes // 16:
            with self._lock:
                if body not in self._entries:
                    self._entries[body] = packed
                    self.size += len(packed)
                while self.size > self.max_bytes:
                    _, evicted = self._entries.popitem(last=False)
                    self.size -= len(evicted)
        return packed


_GZIP = _GzipMemo()


def maybe_gzip(response: Response, minimum: int, req: Request | None = None) -> Response:
    """Compress large bodies when the client of ``req`` (Flask's request by default) accepts
    gzip."""
    add_vary(response, "Accept-Encoding")
    if (
        response.direct_passthrough
        or response.status_code < 200
        or "Content-Encoding" in response.headers
    ):
        return response
    packed = gzipped(response.get_data(), minimum, request if req is None else req)
    if packed is not None:
        response.set_data(packed)
        response.headers["Content-Encoding"] = "gzip"
    return response


def gzipped(body: bytes, minimum: int, req: Request) -> bytes | None:
    """``body`` gzipped if it has at least ``minimum`` bytes and the client accepts gzip."""
    if len(body) < minimum or not accepts_gzip(req):
        return None
    return _GZIP.compress(body)


def conditional(response: Response, req: Request | None = None) -> Response:
    """Apply If-None-Match of ``req`` (Flask's request by default) to a 200 answer that has
    an ETag (RFC 9110 section 13.1.2).

    GET and HEAD get werkzeug's 304 (weak comparison); any other method whose answer the
    client already has gets 412 Precondition Failed, which werkzeug does not do.
    """
    req = request if req is None else req
    if "HTTP_IF_NONE_MATCH" not in req.environ:
        return response  # the usual case, decided without parsing the ETag back
    tag, _ = response.get_etag()
    if not tag or not req.if_none_match.contains_weak(tag):
        return response
    if req.method in ("GET", "HEAD"):
        response.make_conditional(req)
        if response.status_code == 304:
            response.headers.pop("Content-Type", None)  # a 304 has no content to type
        return response
    failed = text_response(
        412, "precondition failed: If-None-Match matches the current answer to this request"
    )
    failed.headers["ETag"] = response.headers["ETag"]
    failed.vary.update(response.vary)
    return failed


#: What every response carries, errors included: any web page may read the answers (the
#: data is public; no credentials are involved), and no browser guesses a content type.
POLICY_HEADERS = (
    ("Access-Control-Allow-Origin", "*"),
    (
        "Access-Control-Expose-Headers",
        "ETag, Hairkg-Result-Truncated, Hairkg-Cache, Warning, Content-Length",
    ),
    ("X-Content-Type-Options", "nosniff"),
)


def add_policy_headers(response: Response) -> Response:
    """The headers every response carries: :data:`POLICY_HEADERS`, and for pages the
    content security policy."""
    for name, value in POLICY_HEADERS:
        response.headers[name] = value
    if response.mimetype == "text/html":
        response.headers["Content-Security-Policy"] = _CSP
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


def http_error_response(error: HTTPException) -> Response:
    """The plain-text answer to an HTTP error werkzeug or Flask raised (404, 405, 413...)."""
    headers = {}
    if error.code == 405:
        valid = getattr(error, "valid_methods", None) or []
        headers["Allow"] = ", ".join(sorted(set(valid) | {"HEAD", "OPTIONS"}))
    return text_response(
        error.code or 500, f"{error.code} {error.name}: {error.description}", headers
    )


def internal_error_response() -> Response:
    """The answer to a bug: no traceback (it goes to the log, which the caller writes)."""
    return text_response(
        500, "500 Internal Server Error: the server failed to answer; the problem has been logged"
    )


def install_http_policies(app: Flask) -> None:
    """Add the headers every response carries, errors included."""
    app.after_request(add_policy_headers)
