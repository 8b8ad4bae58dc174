"""The hairkg web service: ``create_app`` builds a Flask app around a prepared service."""

from __future__ import annotations

import json
from typing import Any

from flask import Flask, Response, current_app
from werkzeug.exceptions import HTTPException

from hairkg.service import Service
from hairkg.settings import Settings
from hairkg.sparql.admission import Admission
from hairkg.sparql.cache import ResultCache
from hairkg.web.http import (
    http_error_response,
    install_http_policies,
    internal_error_response,
)

__all__ = ["create_app", "current_service", "current_settings"]


def create_app(
    settings: Settings | None = None, service: Service | None = None, *, testing: bool = False
) -> Flask:
    """Create the app serving ``service`` (see :func:`hairkg.service.prepare_service`).

    ``settings`` defaults to :meth:`Settings.from_env`. The service may be attached later
    (``app.extensions["hairkg"]``); until then ``/health`` answers 503 "starting".
    """
    settings = Settings.from_env() if settings is None else settings
    app = Flask(__name__)
    app.testing = testing
    # Flask itself answers 413 past this size
    app.config["MAX_CONTENT_LENGTH"] = settings.max_content_length
    app.extensions["hairkg_settings"] = settings
    app.extensions["hairkg"] = service
    cache_bytes = int(settings.result_cache_mb * 1024 * 1024)
    result_cache = ResultCache(cache_bytes) if cache_bytes > 0 else None
    app.extensions["hairkg_result_cache"] = result_cache
    app.extensions["hairkg_admission"] = Admission(
        settings.query_capacity, settings.per_client_queries
    )
    if settings.store == "sparql":  # readiness asks the remote store too
        from hairkg.sparql.remote import StoreConfig, StoreProbe

        config = StoreConfig.from_env(settings.store_query_url, settings.store_update_url)
        app.extensions["hairkg_store_probe"] = StoreProbe(config)
    install_http_policies(app)

    from hairkg.web import (
        changelog,
        downloads,
        evidence,
        evidence_detail,
        pages,
        resources,
        sparql,
    )
    from hairkg.web.observability import install_observability

    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(resources.blueprint)  # /resource, /ontology/<term>: linked data
    app.register_blueprint(downloads.blueprint)  # /download, /graph, /ontology
    app.register_blueprint(evidence.blueprint)  # /therapies, /studies
    app.register_blueprint(evidence_detail.blueprint)  # /studies/<id>, /comparisons, map
    app.register_blueprint(changelog.blueprint)  # /changelog: claims since the last release
    install_observability(app, settings)  # access log, request metrics, /metrics
    # GET and POST /sparql skip Flask's request machinery (same code, same headers)
    fast_path = sparql.QueryFastPath(app, app.wsgi_app, app.extensions["hairkg_request_recorder"])
    app.extensions["hairkg_query_fast_path"] = fast_path
    app.wsgi_app = fast_path  # type: ignore[method-assign]
    if result_cache is not None:
        _answer_repeats_before_flask(app, result_cache, cache_bytes)

    app.register_error_handler(HTTPException, http_error_response)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> Response:
        app.logger.exception("unexpected error")
        return internal_error_response()

    @app.get("/health")
    def health() -> Response:
        """Liveness: the process answers. Cheap: no worker, no store."""
        current = app.extensions.get("hairkg")
        if current is None:
            return _json_status(503, {"status": "starting"})
        return _json_status(200, {"status": "ok", "triples": current.stats.union_triples})

    @app.get("/ready")
    def ready() -> Response:
        """Readiness: a query sent now would find a free worker."""
        current = app.extensions.get("hairkg")
        if current is None:
            return _json_status(503, {"status": "starting"})
        idle = current.pool.idle_workers()
        body = {
            "status": "ready" if idle else "busy",
            "idle_workers": idle,
            "workers": settings.workers,
            "queries_in_flight": app.extensions["hairkg_admission"].in_flight,
        }
        if not idle:
            body["reason"] = "no query worker free"
            return _json_status(503, body)
        probe = app.extensions.get("hairkg_store_probe")
        problem = probe.problem() if probe is not None else None
        if problem is not None:
            body.update(status="store unavailable", reason=problem)
            return _json_status(503, body)
        return _json_status(200, body)

    return app


def _answer_repeats_before_flask(app: Flask, result_cache: ResultCache, max_bytes: int) -> None:
    """Put the response cache in front of Flask; its hits count as result-cache hits."""
    from hairkg.web.observability import RequestRecorder
    from hairkg.web.response_cache import CachedResponse, ResponseCache

    recorder: RequestRecorder = app.extensions["hairkg_request_recorder"]

    def record_hit(environ: dict[str, Any], cached: CachedResponse, duration: float) -> None:
        result_cache.count_hit()
        recorder.record(
            environ,
            path=str(environ.get("PATH_INFO", "")),
            route="/sparql",
            status=200,
            duration=duration,
            size=len(cached.body),
            query_hash=cached.query_hash,
            cache_hit=True,
        )

    response_cache = ResponseCache(app.wsgi_app, max_bytes, on_hit=record_hit)
    app.extensions["hairkg_response_cache"] = response_cache
    app.wsgi_app = response_cache  # type: ignore[method-assign]


def _json_status(status: int, body: dict[str, object]) -> Response:
    response = Response(json.dumps(body), status, content_type="application/json")
    response.headers["Cache-Control"] = "no-store"
    if status == 503:
        response.headers["Retry-After"] = "1"
    return response


def current_settings() -> Settings:
    """The settings of the app handling the current request."""
    settings: Settings = current_app.extensions["hairkg_settings"]
    return settings


def current_service() -> Service:
    """The service of the app handling the current request."""
    service: Service = current_app.extensions["hairkg"]
    return service
