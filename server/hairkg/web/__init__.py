"""The hairkg web service: ``create_app`` builds a Flask app around a prepared service."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from flask import Flask, Response
from werkzeug.exceptions import HTTPException

from hairkg.sparql.cache import ResultCache
from hairkg.web.config import DEFAULTS
from hairkg.web.http import install_http_policies, text_response

__all__ = ["create_app"]


def create_app(config: Mapping[str, Any] | None = None, service: Any = None) -> Flask:
    """Create the app serving ``service`` (see :func:`hairkg.service.prepare_service`)."""
    app = Flask(__name__)
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env("HAIRKG")
    if config:
        app.config.update(config)
    app.extensions["hairkg"] = service
    cache_mb = float(app.config["RESULT_CACHE_MB"])
    app.extensions["hairkg_result_cache"] = (
        ResultCache(int(cache_mb * 1024 * 1024)) if cache_mb > 0 else None
    )
    install_http_policies(app)

    from hairkg.web import pages, sparql

    app.register_blueprint(sparql.blueprint)
    app.register_blueprint(pages.blueprint)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        headers = {}
        if error.code == 405:
            valid = getattr(error, "valid_methods", None) or []
            headers["Allow"] = ", ".join(sorted(set(valid) | {"HEAD", "OPTIONS"}))
        return text_response(
            error.code or 500, f"{error.code} {error.name}: {error.description}", headers
        )

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception) -> Response:
        app.logger.exception("unexpected error")
        return text_response(
            500,
            "500 Internal Server Error: the server failed to answer; the problem has been logged",
        )

    @app.get("/health")
    def health() -> Response:
        current = app.extensions.get("hairkg")
        if current is None:
            return Response('{"status": "starting"}', 503, content_type="application/json")
        body = {"status": "ok", "triples": current.stats.union_triples}
        return Response(json.dumps(body), content_type="application/json")

    return app
