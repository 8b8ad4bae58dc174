"""What an operator watches: a JSON access log line per request, and ``/metrics``.

The access log (``Settings.access_log``) writes one JSON object per line: time (UTC, ISO
8601), method, path (never the query string, which may hold a query), status, duration,
bytes, route, client, and for queries their hash (the answer's cache key, not the text)
and whether the result cache answered. No header, body or credential is ever logged.

``/metrics`` is the Prometheus text exposition (``prometheus-client``): requests and their
latencies by route, method and status, and, read when scraped, the query workers'
restarts, time-outs, crashes and cancellations, the wait for a free worker, the result
cache and the queries in flight. Each app has its own registry, so several apps in one
process (tests) never share counters.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import weakref
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from flask import Flask, Response, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, SummaryMetricFamily
from prometheus_client.registry import Collector

from hairkg.settings import Settings, SettingsError
from hairkg.web.http import client_address

__all__ = [
    "CACHE_HIT_KEY",
    "QUERY_HASH_KEY",
    "AccessLog",
    "RequestRecorder",
    "install_observability",
    "note_query",
]

#: Latency buckets in seconds: cache hits take a millisecond, queries up to the time limit.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60)


#: One encoder for every line (json.dumps with options builds a new one per call).
_LINE_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


class AccessLog:
    """Writes JSON lines to standard error or output, or appends them to a file; thread-safe.

    ``target`` is ``stderr`` (the default), ``stdout``, ``off`` (or empty) or a file path.
    """

    def __init__(self, target: str) -> None:
        self.target = target.strip()
        self._lock = threading.Lock()
        self._path: Path | None = None
        self._file: Any = None
        self._closer: Any = None
        self._identity: tuple[int, int] = (0, 0)
        self._next_check = 0.0
        if self.enabled and self.target.lower() not in ("stderr", "stdout", "-"):
            self._path = Path(self.target)
            try:
                self._path.open("a", encoding="utf-8").close()  # a bad path fails at start
            except OSError as error:
                raise SettingsError(
                    f"HAIRKG_ACCESS_LOG: cannot append to {self.target}: {error.strerror}"
                ) from None

    @property
    def enabled(self) -> bool:
        return self.target.lower() not in ("", "off", "none", "false", "0")

    def write(self, record: dict[str, Any]) -> None:
        if not self.enabled:
            return
        line = _LINE_ENCODER.encode(record) + "\n"
        with self._lock:
            if self._path is not None:
                # unbuffered and appending: one write(2) per line, so `tail -f` and a crash
                # lose nothing, without a text layer and a flush on every request
                self._log_file().write(line.encode("utf-8"))
                return
            stream = sys.stdout if self.target.lower() == "stdout" else sys.stderr
            stream.write(line)
            stream.flush()

    #: Seconds between checks that the log file is still the one open (logrotate moves it).
    rotation_check_seconds = 1.0

    def _log_file(self) -> Any:
        """The open log file; reopened when the path no longer names it (called locked).

        Opening the file for every line cost more than answering a cached query; a kept file
        is checked against its path at most once a second instead, as
        ``logging.handlers.WatchedFileHandler`` does on every line.
        """
        assert self._path is not None
        now = time.monotonic()
        if self._file is not None and now < self._next_check:
            return self._file
        self._next_check = now + self.rotation_check_seconds
        try:
            current = os.stat(self._path)
            same = self._file is not None and (current.st_dev, current.st_ino) == self._identity
        except OSError:
            same = False  # moved away or deleted: start a new file at the path
        if not same:
            if self._file is not None:
                self._closer.detach()
                self._file.close()
            self._file = self._path.open("ab", buffering=0)
            # closed when this log is collected (an app dropped, the process exiting)
            self._closer = weakref.finalize(self, self._file.close)
            opened = os.fstat(self._file.fileno())
            self._identity = (opened.st_dev, opened.st_ino)
        return self._file


#: Where ``note_query`` leaves the query's hash and whether the cache answered, in the WSGI
#: environ: the access log reads them there, and the response cache keeps the hash.
QUERY_HASH_KEY = "hairkg.query_hash"
CACHE_HIT_KEY = "hairkg.cache_hit"


def note_query(environ: dict[str, Any], query_hash: str, cache_hit: bool | None) -> None:
    """Tell the access log which query the request of ``environ`` ran (``/sparql`` does)."""
    environ[QUERY_HASH_KEY] = query_hash
    environ[CACHE_HIT_KEY] = cache_hit


class _ServiceCollector(Collector):
    """Reads the pool, cache and admission counters of ``app`` when ``/metrics`` is scraped."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def collect(self) -> Iterator[Any]:
        extensions = self.app.extensions
        admission = extensions.get("hairkg_admission")
        if admission is not None:
            yield GaugeMetricFamily(
                "hairkg_queries_in_flight",
                "Queries admitted (running or waiting for a worker) right now",
                value=admission.in_flight,
            )
        cache = extensions.get("hairkg_result_cache")
        if cache is not None:
            yield CounterMetricFamily(
                "hairkg_result_cache_hits", "Queries answered from the result cache", cache.hits
            )
            yield CounterMetricFamily(
                "hairkg_result_cache_misses",
                "Queries the result cache could not answer",
                cache.misses,
            )
            yield GaugeMetricFamily(
                "hairkg_result_cache_bytes",
                "Bytes of answers kept in the result cache",
                value=cache.size,
            )
            yield GaugeMetricFamily(
                "hairkg_result_cache_entries",
                "Answers kept in the result cache",
                value=len(cache),
            )
        probe = extensions.get("hairkg_store_probe")
        if probe is not None:
            yield GaugeMetricFamily(
                "hairkg_store_up",
                "1 if the remote triple store answered a trivial query lately, else 0",
                value=0 if probe.problem() else 1,
            )
        placement = extensions.get("hairkg_web_placement")
        if placement is not None:
            yield GaugeMetricFamily(
                "hairkg_web_process_confined",
                "1 while the web process keeps to its CPU (quick queries), 0 while it may use "
                "every CPU (long queries lately); absent with HAIRKG_WEB_CPU=off",
                value=1 if placement.confined else 0,
            )
            yield CounterMetricFamily(
                "hairkg_web_process_placement_switches",
                "Times the web process was confined to its CPU or freed from it",
                placement.switches,
            )
        service = extensions.get("hairkg")
        if service is None:
            return
        pool = service.pool
        settings: Settings = extensions["hairkg_settings"]
        yield GaugeMetricFamily(
            "hairkg_query_workers", "Query worker processes configured", value=settings.workers
        )
        yield GaugeMetricFamily(
            "hairkg_query_workers_idle",
            "Query workers free right now",
            value=pool.idle_workers(),
        )
        for name, attribute, text in (
            ("hairkg_query_worker_restarts", "restarts", "Query workers replaced"),
            ("hairkg_query_timeouts", "timeouts", "Queries stopped at the time limit"),
            ("hairkg_query_crashes", "crashes", "Queries on which the engine crashed"),
            ("hairkg_query_cancellations", "cancelled", "Queries of clients that hung up"),
        ):
            yield CounterMetricFamily(name, text, getattr(pool, attribute, 0))
        yield SummaryMetricFamily(
            "hairkg_query_queue_wait_seconds",
            "Time queries waited for a free query worker",
            count_value=getattr(pool, "queue_waits", 0),
            sum_value=getattr(pool, "queue_wait_seconds", 0.0),
        )


def _route() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else "unmatched"  # bounded: no raw paths as labels


class RequestRecorder:
    """Counts an answered request in the metrics and writes its access-log line.

    Used by Flask's ``after_request`` and by the response cache, which answers repeated
    requests before Flask runs (``web/response_cache.py``): both are logged alike.
    """

    def __init__(self, registry: CollectorRegistry, access_log: AccessLog, settings: Settings):
        self.requests = Counter(
            "hairkg_http_requests",
            "HTTP requests answered, by route, method and status",
            ["route", "method", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "hairkg_http_request_duration_seconds",
            "Time from request to response (before the body is sent), by route and status",
            ["route", "method", "status"],
            buckets=_BUCKETS,
            registry=registry,
        )
        self.access_log = access_log
        self.trusted_header = settings.client_address_header
        # labels() checks and locks; one lookup per series suffices
        self._children: dict[tuple[str, str, str], tuple[Any, Any]] = {}

    def record(
        self,
        environ: dict[str, Any],
        *,
        path: str,
        route: str,
        status: int,
        duration: float,
        size: int | None,
        query_hash: str | None = None,
        cache_hit: bool | None = None,
    ) -> None:
        """Count and log a request; the query's hash and cache outcome default to what
        :func:`note_query` left in ``environ``."""
        if query_hash is None:
            query_hash = environ.get(QUERY_HASH_KEY)
        if cache_hit is None:
            cache_hit = environ.get(CACHE_HIT_KEY)
        method = str(environ.get("REQUEST_METHOD", ""))
        key = (route, method, str(status))
        counters = self._children.get(key)
        if counters is None:
            counters = self._children.setdefault(
                key, (self.requests.labels(*key), self.latency.labels(*key))
            )
        counters[0].inc()
        counters[1].observe(duration)
        if self.access_log.enabled:
            self.access_log.write(
                {
                    "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
                    "method": method,
                    "path": path,
                    "route": route,
                    "status": status,
                    "duration_ms": round(duration * 1000, 3),
                    "bytes": size,
                    "client": client_address(environ, self.trusted_header),
                    "query_hash": query_hash,
                    "cache_hit": cache_hit,
                }
            )


def install_observability(app: Flask, settings: Settings) -> None:
    """Add the access log, the request metrics and ``/metrics`` to ``app``."""
    registry = CollectorRegistry(auto_describe=True)
    access_log = AccessLog(settings.access_log)
    recorder = RequestRecorder(registry, access_log, settings)
    registry.register(_ServiceCollector(app))
    app.extensions["hairkg_metrics"] = registry
    app.extensions["hairkg_access_log"] = access_log
    app.extensions["hairkg_request_recorder"] = recorder

    @app.before_request
    def start_clock() -> None:
        g.hairkg_started = time.perf_counter()

    @app.after_request
    def record(response: Response) -> Response:
        started = g.get("hairkg_started")
        duration = time.perf_counter() - started if started is not None else 0.0
        recorder.record(
            request.environ,
            path=request.path,
            route=_route(),
            status=response.status_code,
            duration=duration,
            size=response.calculate_content_length(),
        )
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        """The Prometheus text exposition of this process's counters."""
        response = Response(generate_latest(registry), 200, content_type=CONTENT_TYPE_LATEST)
        response.headers["Cache-Control"] = "no-store"
        return response
