"""HTTP details shared by every route: CORS, security headers, caching, compression."""

from __future__ import annotations

import gzip
import threading
from collections import OrderedDict
from functools import lru_cache
from typing import Any

from flask import Flask, Request, Response, request
from werkzeug.datastructures import Accept
from werkzeug.http import parse_accept_header

__all__ = [
    "accepts_gzip",
    "client_address",
    "conditional",
    "install_http_policies",
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


def maybe_gzip(response: Response, minimum: int) -> Response:
    """Compress large bodies when the client accepts gzip."""
    add_vary(response, "Accept-Encoding")
    if (
        response.direct_passthrough
        or response.status_code < 200
        or "Content-Encoding" in response.headers
        or not accepts_gzip(request)
    ):
        return response
    body = response.get_data()
    if len(body) < minimum:
        return response
    response.set_data(_GZIP.compress(body))
    response.headers["Content-Encoding"] = "gzip"
    return response


def conditional(response: Response) -> Response:
    """Apply If-None-Match to a 200 answer that has an ETag (RFC 9110 section 13.1.2).

    GET and HEAD get werkzeug's 304 (weak comparison); any other method whose answer the
    client already has gets 412 Precondition Failed, which werkzeug does not do.
    """
    tag, _ = response.get_etag()
    if not tag or not request.if_none_match.contains_weak(tag):
        return response
    if request.method in ("GET", "HEAD"):
        response.make_conditional(request)
        if response.status_code == 304:
            response.headers.pop("Content-Type", None)  # a 304 has no content to type
        return response
    failed = text_response(
        412, "precondition failed: If-None-Match matches the current answer to this request"
    )
    failed.headers["ETag"] = response.headers["ETag"]
    failed.vary.update(response.vary)
    return failed


def install_http_policies(app: Flask) -> None:
    """Add the headers every response carries, errors included."""

    @app.after_request
    def add_headers(response: Response) -> Response:
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = (
            "ETag, Hairkg-Result-Truncated, Hairkg-Cache, Warning, Content-Length"
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        if response.mimetype == "text/html":
            response.headers["Content-Security-Policy"] = _CSP
            response.headers["Referrer-Policy"] = "no-referrer"
        return response
