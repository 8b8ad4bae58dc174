"""Dumps of the whole graph, the named graphs one by one, and the ontology IRI.

The exports are written once per server start (on first use) from the N-Quads file the
query workers loaded, into the service's work directory, and then streamed from disk
(``send_file``: the body is never built in memory per request). Each file's SHA-256 is its
ETag, so a client revalidates per release.
"""

from __future__ import annotations

import hashlib
import re
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path

from flask import Blueprint, Response, redirect, render_template, request, send_file

from hairkg.export import DumpFile, dump_file_name, write_dump, write_dumps
from hairkg.export.nanopubs import ClaimNanopub
from hairkg.formats import RDF_FORMATS, RdfFormat
from hairkg.namespaces import GRAPH_BASE, GRAPHS, ONTOLOGY_IRI
from hairkg.paths import bundled_dir
from hairkg.service import Service
from hairkg.web import current_service, current_settings
from hairkg.web.http import add_vary, conditional, text_response
from hairkg.web.resources import (
    HTML,
    NegotiationError,
    finish_response,
    link_header,
    negotiate_page,
    not_acceptable,
    not_found,
)

__all__ = ["SSSOM_MEDIA_TYPE", "Exports", "blueprint", "exports"]

blueprint = Blueprint("downloads", __name__)

SSSOM_MEDIA_TYPE = "text/tab-separated-values"
_SSSOM_NAME = "hairkg.sssom.tsv"
_SAFE_NAME = re.compile(r"[a-z0-9.-]+")


@dataclass(frozen=True)
class Extra:
    """A download that is not an RDF dump: the SSSOM mappings, the KGX nodes and edges."""

    path: Path
    name: str
    media_type: str
    size: int
    statements: int
    sha256: str
    kind: str = "SSSOM"  # what the download page calls the format
    unit: str = "mappings"  # what ``statements`` counts


class Exports:
    """The export files of one running service, written on first use."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self._lock = threading.Lock()
        self._dumps: list[DumpFile] | None = None
        self._graphs: dict[tuple[str, str], DumpFile] = {}
        self._extras: list[Extra] | None = None
        self._nanopubs: list[ClaimNanopub] | None = None

    @property
    def directory(self) -> Path:
        dump = self.service.dump_path
        if dump is None:
            raise RuntimeError("the service has no dump to export")
        return dump.parent / "exports"

    def dumps(self) -> list[DumpFile]:
        """The whole dataset in every dump format."""
        with self._lock:
            if self._dumps is None:
                assert self.service.dump_path is not None
                self._dumps = write_dumps(self.service.dump_path, self.directory)
            return self._dumps

    def graph(self, name: str, fmt: RdfFormat) -> DumpFile:
        """One named graph (short name or IRI) in ``fmt``."""
        key = (name, fmt.name)
        with self._lock:
            if key not in self._graphs:
                assert self.service.dump_path is not None
                directory = self.directory / "graphs"
                directory.mkdir(parents=True, exist_ok=True)
                target = directory / dump_file_name(fmt, name)
                with target.open("wb") as out:
                    size, statements, sha = write_dump(self.service.dump_path, fmt, out, name)
                self._graphs[key] = DumpFile(target, fmt, size, statements, sha)
            return self._graphs[key]

    def nanopubs(self) -> list[ClaimNanopub]:
        """Every claim as a nanopublication (built once, on first use)."""
        with self._lock:
            if self._nanopubs is None:
                from hairkg.export.nanopubs import build_nanopubs

                assert self.service.dump_path is not None
                self._nanopubs = build_nanopubs(self.service.dump_path)
            return self._nanopubs

    def nanopub_for_claim(self, claim: str) -> ClaimNanopub | None:
        """The nanopublication of ``claim`` (an IRI), if it is a claim."""
        return next((n for n in self.nanopubs() if n.claim == claim), None)

    def extras(self) -> list[Extra]:
        """The SSSOM mapping set (shipped, as it is) and the KGX export."""
        with self._lock:
            if self._extras is None:
                import hashlib

                path = bundled_dir("data") / "mappings" / _SSSOM_NAME
                body = path.read_bytes()
                rows = [
                    line
                    for line in body.decode("utf-8").splitlines()
                    if line.strip() and not line.startswith("#")
                ]
                sssom = Extra(
                    path,
                    _SSSOM_NAME,
                    SSSOM_MEDIA_TYPE,
                    len(body),
                    max(0, len(rows) - 1),  # the header row is not a mapping
                    hashlib.sha256(body).hexdigest(),
                )
                self._extras = [sssom, *self._kgx()]
            return self._extras

    def _kgx(self) -> list[Extra]:
        """The KGX nodes and edges TSV of the data graph (Biolink categories and predicates)."""
        from hairkg.export.kgx import write_kgx

        assert self.service.dump_path is not None
        written = write_kgx(self.service.dump_path, self.directory / "kgx")
        return [
            Extra(f.path, f.path.name, SSSOM_MEDIA_TYPE, f.size, f.rows, f.sha256, "KGX", unit)
            for f, unit in zip(written, ("nodes", "edges"), strict=True)
        ]


def exports() -> Exports:
    """The exports of the app's service (one per app)."""
    derived = current_service().derived
    found: Exports | None = derived.get("exports")
    if found is None:
        found = derived.setdefault("exports", Exports(current_service()))
    return found


def _send(path: Path, media_type: str, sha256: str, name: str, attachment: bool) -> Response:
    response = send_file(
        path,
        mimetype=media_type.split(";")[0],
        as_attachment=attachment,
        download_name=name,
        conditional=False,
        etag=False,
        max_age=None,
    )
    response.set_etag(sha256[:32])
    response.headers["Content-Type"] = media_type
    response.headers["Cache-Control"] = f"public, max-age={current_settings().cache_max_age}"
    response.headers["Digest"] = "sha-256=" + _b64(sha256)
    return conditional(response)


def _b64(hex_digest: str) -> str:
    import base64

    return base64.b64encode(bytes.fromhex(hex_digest)).decode("ascii")


@blueprint.get("/download")
def download_page() -> Response:
    """Every dump with its size, statement count and SHA-256."""
    html = render_template(
        "download.html",
        dumps=[(d, f"{request.script_root}/download/{d.path.name}") for d in exports().dumps()],
        extras=[(e, f"{request.script_root}/download/{e.name}") for e in exports().extras()],
        version=current_service().data_version,
    )
    response = Response(html, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "no-cache"
    return response


_TRIG = "application/trig; charset=utf-8"


@blueprint.get("/np/")
def nanopub_bundle() -> Response:
    """Every claim's nanopublication in one TriG document."""
    nanopubs = exports().nanopubs()
    body = b"\n".join(n.trig for n in nanopubs)
    response = Response(body, content_type=_TRIG)
    response.headers["Content-Disposition"] = 'inline; filename="hairkg-nanopubs.trig"'
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.headers["Cache-Control"] = f"public, max-age={current_settings().cache_max_age}"
    return conditional(response)


@blueprint.get("/np/<artefact>")
def nanopub(artefact: str) -> Response:
    """One nanopublication, by its trusty artefact (the last segment of its URI)."""
    found = next((n for n in exports().nanopubs() if n.artefact == artefact), None)
    if found is None:
        return text_response(
            404, f"404 Not Found: no nanopublication {artefact!r}; /np/ lists all of them"
        )
    response = Response(found.trig, content_type=_TRIG)
    response.headers["Link"] = (
        f'<{found.uri}>; rel="canonical", <{local_claim_path(found.claim)}>; rel="describes"'
    )
    response.set_etag(found.artefact)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return conditional(response)


def local_claim_path(claim: str) -> str:
    """This server's path of a claim IRI."""
    from hairkg.web.links import local_path

    return local_path(claim) or claim


@blueprint.get("/dump")
def dump_alias() -> Response:
    """The download page under the name people guess."""
    return redirect(request.script_root + "/download", 301)  # type: ignore[return-value]


@blueprint.get("/download/<name>")
def download_file(name: str) -> Response:
    """One dump, streamed from disk, revalidated by its SHA-256."""
    if not _SAFE_NAME.fullmatch(name):
        return text_response(404, f"404 Not Found: no download named {name!r}")
    for dump in exports().dumps():
        if dump.path.name == name:
            return _send(dump.path, dump.format.content_type, dump.sha256, name, True)
    for extra in exports().extras():
        if extra.name == name:
            return _send(extra.path, extra.media_type + "; charset=utf-8", extra.sha256, name, True)
    names = [d.path.name for d in exports().dumps()] + [e.name for e in exports().extras()]
    return text_response(
        404, f"404 Not Found: no download named {name!r}; there are {', '.join(names)}"
    )


def _graph_iri(name: str) -> str:
    return GRAPH_BASE + name


def _serve_graph(name: str, iri: str, html: str | None) -> Response:
    try:
        chosen = negotiate_page(request.headers.get("Accept"), request.args.get("_format"))
    except NegotiationError as error:
        return text_response(400, f"400 Bad Request: {error}")
    if chosen is None:
        return not_acceptable(RDF_FORMATS)
    if chosen == HTML:
        if html is None:
            files = [
                (f, f"{request.path}?_format={f.name}", exports().graph(name, f))
                for f in RDF_FORMATS
            ]
            html = render_template(
                "graph.html",
                iri=iri,
                name=name,
                files=files,
                sparql_link=request.script_root
                + "/?query="
                + _quote(f"SELECT ?s ?p ?o WHERE {{ GRAPH <{iri}> {{ ?s ?p ?o }} }} LIMIT 100"),
            )
        response = Response(html, content_type="text/html; charset=utf-8")
        return finish_response(response, iri, RDF_FORMATS, [])
    assert isinstance(chosen, RdfFormat)
    dump = exports().graph(name, chosen)
    response = send_file(dump.path, mimetype=chosen.media_type, conditional=False, etag=False)
    response.headers["Content-Type"] = chosen.content_type
    response.headers["Content-Disposition"] = f'inline; filename="{dump.path.name}"'
    add_vary(response, "Accept")
    response.headers["Link"] = link_header(iri, RDF_FORMATS)
    response.set_etag(dump.sha256[:32])
    response.headers["Cache-Control"] = f"public, max-age={current_settings().cache_max_age}"
    return conditional(response)


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="")


@blueprint.get("/graph/<name>")
def graph(name: str) -> Response:
    """A named graph: a summary page for people, the graph itself for RDF clients."""
    iri = _graph_iri(name)
    if name not in GRAPHS or not current_settings().base_iri:
        wants_html = negotiate_page(request.headers.get("Accept"), None) == HTML
        return not_found(iri, wants_html)
    return _serve_graph(name, iri, None)


_PYLODE_CONTRAST = (
    "#pylode, #pylode #p, #pylode #y { color: #333; } "
    ".sup-c, .sup-con { color: #8a4b00; } .sup-fp { color: #00507a; } "
    ".sup-dp { color: #1e6b2e; } .sup-ni { color: #6b3410; }"
)


def _ontology_docs() -> str:
    base = current_settings().base_iri
    key = f"ontology-docs {base} {request.script_root}"
    derived = current_service().derived
    cached: str | None = derived.get(key)
    if cached is not None:
        return cached
    from pylode import OntPub

    source = exports().graph("ontology", next(f for f in RDF_FORMATS if f.name == "turtle"))
    with warnings.catch_warnings():
        # pyLODE 3.3 reads its stylesheet without closing the file (a ResourceWarning)
        warnings.simplefilter("ignore", ResourceWarning)
        html: str = OntPub(str(source.path)).make_html()
    # minted IRIs link to this server, so the documentation works offline and behind a proxy
    html = html.replace(f'href="{base}', f'href="{request.script_root}/')
    # pyLODE's page names no language and colours a few marks below WCAG AA contrast
    # (axe-core, tests/test_ui_browser.py): say it is English, darken those marks
    html = html.replace("<html>", '<html lang="en">', 1)
    html = html.replace("</head>", f"<style>{_PYLODE_CONTRAST}</style></head>", 1)
    derived[key] = html
    return html


@blueprint.get("/ontology")
def ontology() -> Response:
    """The ontology: pyLODE documentation for people, the ontology graph for RDF clients."""
    return _serve_graph("ontology", ONTOLOGY_IRI, _ontology_docs() if _wants_html() else None)


def _wants_html() -> bool:
    try:
        return negotiate_page(request.headers.get("Accept"), request.args.get("_format")) == HTML
    except NegotiationError:
        return False


@blueprint.get("/releases/<version>/ontology")
def ontology_release(version: str) -> Response:
    """The ontology's ``owl:versionIRI``: this release's ontology, if it is this release."""
    from hairkg.web.describe import select

    iri = current_settings().base_iri + f"releases/{version}/ontology"
    rows = select(
        f"SELECT ?v WHERE {{ <{ONTOLOGY_IRI}> <http://www.w3.org/2002/07/owl#versionIRI> ?v }}"
    )
    if not any(str(r["v"]) == iri for r in rows):
        return not_found(iri, _wants_html())
    response = _serve_graph("ontology", ONTOLOGY_IRI, _ontology_docs() if _wants_html() else None)
    return response


#: How the README asks to cite hairkg (README.md, "Linking and citing").
CITATION = (
    "hairkg contributors (2026). hairkg: a curated knowledge graph of regenerative hair-loss "
    "therapies, version {version}. https://w3id.org/hairkg/"
)


def dataset_jsonld() -> str:
    """A schema.org ``Dataset`` for the landing page: name, licence, version, dumps, citation.

    The same facts are in the VoID/DCAT description (``/.well-known/void``).
    """
    import json

    from hairkg import __version__

    root = request.host_url.rstrip("/") + request.script_root
    settings = current_settings()
    distributions: list[dict[str, object]] = [
        {
            "@type": "DataDownload",
            "name": dump.path.name,
            "encodingFormat": dump.format.media_type,
            "contentUrl": f"{root}/download/{dump.path.name}",
            "contentSize": f"{dump.size} B",
            "sha256": dump.sha256,
        }
        for dump in exports().dumps()
    ]
    distributions += [
        {
            "@type": "DataDownload",
            "name": extra.name,
            "encodingFormat": extra.media_type,
            "contentUrl": f"{root}/download/{extra.name}",
            "contentSize": f"{extra.size} B",
            "sha256": extra.sha256,
        }
        for extra in exports().extras()
    ]
    data = {
        "@context": "https://schema.org/",
        "@type": "Dataset",
        "@id": settings.base_iri + "dataset",
        "name": "hairkg",
        "description": (
            "A curated knowledge graph of regenerative (stem-cell based) hair-loss therapies, "
            "the studies behind them, their limitations and the claims made about them, each "
            "with its source. It describes evidence and gives no medical advice."
        ),
        "url": root + "/",
        "license": "https://creativecommons.org/licenses/by/4.0/",
        "version": __version__,
        "creator": {"@type": "Organization", "name": "hairkg contributors"},
        "citation": CITATION.format(version=__version__),
        "keywords": ["alopecia", "stem cells", "hair loss", "evidence", "knowledge graph"],
        "distribution": distributions,
        "includedInDataCatalog": {"@type": "DataCatalog", "name": "hairkg"},
    }
    # "</" cannot end the data block early: JSON allows "<\/" for "</"
    return json.dumps(data, indent=2, ensure_ascii=False).replace("</", "<\\/")
