"""Repeated ``/sparql`` requests answered before Flask runs: a cache of whole responses.

The result cache (``sparql/cache.py``) keys an answer by what it means; reaching it still
costs the request's parsing, the query guard and content negotiation, which is more than
the lookup itself. This WSGI layer in front of Flask keys the final response by the exact
request parts that shaped it (method, path, query string, Host, scheme, Content-Type, body,
Accept, Accept-Encoding) and sends a repeated request the same status, headers and bytes.

It keeps only what the result cache kept (a 200 answer that carries ``Hairkg-Cache``), so
it never remembers an error, a refusal or an answer the result cache would not serve from
memory, and a server with the result cache off has none. Conditional and range requests,
HEAD, and bodies over :data:`MAX_KEYED_BODY` always go to Flask. A hit is counted in the
metrics and the access log like any other request, through ``on_hit``.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from hairkg.sparql.cache import BoundedCache
from hairkg.web.observability import QUERY_HASH_KEY

__all__ = ["MAX_KEYED_BODY", "CachedResponse", "ResponseCache"]

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]

#: POST bodies up to this size are part of the key; larger ones are never looked up.
MAX_KEYED_BODY = 64 * 1024

#: Request headers that make the answer depend on what the client already has.
_CONDITIONAL = (
    "HTTP_IF_NONE_MATCH",
    "HTTP_IF_MATCH",
    "HTTP_IF_MODIFIED_SINCE",
    "HTTP_IF_UNMODIFIED_SINCE",
    "HTTP_RANGE",
    "HTTP_IF_RANGE",
)

#: Every environ entry the ``/sparql`` view reads to shape a 200 answer: the base IRI comes
#: from scheme, Host (or server name and port) and script root; the query and the dataset
#: from the query string and body; the format from Accept; the coding from Accept-Encoding.
_KEYED = (
    "REQUEST_METHOD",
    "SCRIPT_NAME",
    "QUERY_STRING",
    "HTTP_HOST",
    "SERVER_NAME",
    "SERVER_PORT",
    "wsgi.url_scheme",
    "CONTENT_TYPE",
    "HTTP_ACCEPT",
    "HTTP_ACCEPT_ENCODING",
)

#: What an entry costs beyond its body and key, roughly: headers and the objects around them.
_ENTRY_OVERHEAD = 512


@dataclass(frozen=True, slots=True)
class CachedResponse:
    """A response as it went out, with ``Hairkg-Cache: hit``."""

    status: str
    headers: tuple[tuple[str, str], ...]
    body: bytes
    query_hash: str | None


class ResponseCache:
    """WSGI middleware: ``app = ResponseCache(app, max_bytes, on_hit=...)``."""

    def __init__(
        self,
        app: WsgiApp,
        max_bytes: int,
        *,
        path: str = "/sparql",
        on_hit: Callable[[Environ, CachedResponse, float], None] | None = None,
    ) -> None:
        self.app = app
        self.path = path
        self.on_hit = on_hit
        self.entries: BoundedCache[tuple[Any, ...], CachedResponse] = BoundedCache(max_bytes)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        started = time.perf_counter()
        key = self._key(environ)
        if key is None:
            return self.app(environ, start_response)
        cached = self.entries.get(key)
        if cached is not None:
            start_response(cached.status, list(cached.headers))
            if self.on_hit is not None:
                self.on_hit(environ, cached, time.perf_counter() - started)
            return [cached.body]
        return self._answer_and_keep(key, environ, start_response)

    def _key(self, environ: Environ) -> tuple[Any, ...] | None:
        """The request's key, or None for a request this cache must not answer."""
        method = environ.get("REQUEST_METHOD")
        if method not in ("GET", "POST") or environ.get("PATH_INFO") != self.path:
            return None
        if any(name in environ for name in _CONDITIONAL):
            return None
        body = b""
        if method == "POST":
            length = str(environ.get("CONTENT_LENGTH") or "")
            if not length.isdigit() or int(length) > MAX_KEYED_BODY:
                return None
            # read once, and handed on to Flask as if it had not been read
            body = environ["wsgi.input"].read(int(length))
            environ["wsgi.input"] = io.BytesIO(body)
            if len(body) != int(length):
                return None  # the client sent less than it said: Flask answers that
        return (*(environ.get(name) for name in _KEYED), body)

    def _answer_and_keep(
        self, key: tuple[Any, ...], environ: Environ, start_response: StartResponse
    ) -> Iterable[bytes]:
        sent: list[Any] = []

        def remember_start(status: str, headers: list[tuple[str, str]], *rest: Any) -> Any:
            sent[:] = [status, headers]
            return start_response(status, headers, *rest)

        chunks = self.app(environ, remember_start)
        if not sent or not _keepable(sent[0], sent[1]):
            return chunks
        try:
            body = b"".join(chunks)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        headers = tuple(
            (name, "hit") if name.lower() == "hairkg-cache" else (name, value)
            for name, value in sent[1]
        )
        cached = CachedResponse(sent[0], headers, body, environ.get(QUERY_HASH_KEY))
        cost = len(body) + sum(len(str(part)) for part in key) + _ENTRY_OVERHEAD
        self.entries.put(key, cached, cost)
        return [body]


def _keepable(status: str, headers: list[tuple[str, str]]) -> bool:
    """A 200 that the result cache answered or kept, with a length and no cookie."""
    if not status.startswith("200"):
        return False
    names = {name.lower() for name, _ in headers}
    return "hairkg-cache" in names and "content-length" in names and "set-cookie" not in names
