"""Pages for people: the query editor at ``/`` and the VoID description.

The editor is YASGUI (npm package ``@zazuko/yasgui``), served from this app so that the page
works offline and under a strict Content-Security-Policy: the page has no inline script; its
own code is ``static/query-ui.js``, which reads the endpoint, the prefixes and the competency
questions from a ``<script type="application/json">`` data block (never executed).
"""

from __future__ import annotations

import functools
import gzip
import hashlib
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for

from hairkg.namespaces import PREFIXES
from hairkg.sparql.questions import competency_questions
from hairkg.web import current_settings
from hairkg.web.description import void_response
from hairkg.web.downloads import dataset_jsonld
from hairkg.web.http import accepts_gzip, add_vary, conditional, maybe_gzip

__all__ = ["YASGUI_FILES", "blueprint"]

blueprint = Blueprint("pages", __name__)

#: The files of the YASGUI build that the page loads (the wheel ships exactly these; the
#: build needs no fonts or images: its icons are inline SVG).
YASGUI_FILES: dict[str, str] = {
    "yasgui.min.js": "text/javascript; charset=utf-8",
    "yasgui.min.css": "text/css; charset=utf-8",
}
_ASSET_MAX_AGE = 86_400


@blueprint.get("/")
def index() -> Response:
    """The query editor, with the competency questions as ready examples."""
    service = current_app.extensions.get("hairkg")  # None while the server starts
    prefixes = dict(service.prefixes if service is not None else PREFIXES)
    examples = [
        {
            "id": question.name.split("-", 1)[0].upper(),
            "name": question.name,
            "title": question.title,
            "query": question.text,
        }
        for question in competency_questions()
    ]
    ui_data = {
        "endpoint": url_for("sparql.sparql"),
        "prefixes": prefixes,
        "examples": examples,
        # a query to open in its own tab: the "open in the query editor" links of the pages
        "query": request.args.get("query", "")[:20_000],
    }
    html = render_template(
        "index.html",
        ui_data=ui_data,
        examples=examples,
        triples=service.stats.union_triples if service is not None else None,
        dataset_jsonld=dataset_jsonld() if service is not None else None,
    )
    response = Response(html, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "no-cache"
    return maybe_gzip(response, current_settings().gzip_min_bytes)


@dataclass(frozen=True)
class _Asset:
    body: bytes
    gzipped: bytes
    etag: str


@functools.lru_cache(maxsize=8)
def _load_asset(path: Path, mtime_ns: int) -> _Asset:
    """The file's bytes, compressed once (``mtime_ns`` makes a changed file load again)."""
    body = path.read_bytes()
    return _Asset(
        body=body,
        gzipped=gzip.compress(body, compresslevel=6, mtime=0),
        etag=hashlib.sha256(body).hexdigest()[:32],
    )


#: The vendored YASGUI build (see static/yasgui/README.md).
YASGUI_DIR = Path(__file__).parent / "static" / "yasgui"


def _asset_path(filename: str) -> Path:
    if filename not in YASGUI_FILES:
        abort(404)
    path = YASGUI_DIR / filename
    if not path.is_file():
        current_app.logger.error("%s is missing from %s", filename, YASGUI_DIR)
        abort(404, description=f"{filename} is missing from this installation of hairkg")
    return path


@blueprint.get("/ui/yasgui/<filename>")
def yasgui_asset(filename: str) -> Response:
    """A file of the YASGUI build, cached, revalidated by ETag and gzipped when accepted."""
    path = _asset_path(filename)
    asset = _load_asset(path, path.stat().st_mtime_ns)
    use_gzip = accepts_gzip(request)
    response = Response(
        asset.gzipped if use_gzip else asset.body, content_type=YASGUI_FILES[filename]
    )
    if use_gzip:
        response.headers["Content-Encoding"] = "gzip"
    response.set_etag(asset.etag)
    add_vary(response, "Accept-Encoding")
    response.headers["Cache-Control"] = f"public, max-age={_ASSET_MAX_AGE}, must-revalidate"
    return conditional(response)


@blueprint.get("/.well-known/void")
def void() -> Response:
    """The VoID description of the dataset."""
    return void_response()
