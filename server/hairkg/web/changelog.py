"""/changelog: the served release against the previous one, claim by claim.

The previous release is the dump named by ``Settings.previous_release``; without one the
page says that there is nothing to compare with (hairkg ships no earlier release).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, render_template

from hairkg.errors import HairkgError
from hairkg.export.changelog import Changelog, compare
from hairkg.web import current_service, current_settings
from hairkg.web.links import local_path

__all__ = ["blueprint"]

blueprint = Blueprint("changelog", __name__)


def _changelog(previous: Path) -> Changelog:
    service = current_service()
    key = f"changelog {previous}"
    found: Changelog | None = service.derived.get(key)
    if found is None:
        assert service.dump_path is not None
        found = service.derived.setdefault(key, compare(previous, service.dump_path))
    return found


@blueprint.get("/changelog")
def changelog() -> Response:
    """Claims added, removed and changed since the previous release, if there is one."""
    previous = current_settings().previous_release
    log: Changelog | None = None
    error: str | None = None
    status = 200
    if previous:
        try:
            log = _changelog(Path(previous))
        except HairkgError as problem:
            error, status = str(problem), 500
    html = render_template(
        "changelog.html",
        log=log,
        error=error,
        previous=previous,
        version=current_service().data_version,
        href=lambda iri: local_path(iri) or iri,
    )
    response = Response(html, status=status, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "no-cache"
    return response
