"""Every IRI the graph mints resolves here: resources, ontology terms, the ontology, graphs.

``/resource/<id>``, ``/ontology/<term>``, ``/ontology`` (and its ``versionIRI`` under
``/releases/<version>/ontology``) and ``/graph/<name>`` answer with a description in the
format the client prefers (RFC 9110 proactive negotiation on ``Accept`` with quality values;
``?_format=`` for links), HTML for browsers. Every answer varies on Accept and names its
alternates and its canonical IRI in ``Link`` headers (RFC 8288). An IRI the graph does not
know is 404 with the nearest labels ("did you mean"); a format nobody offers is 406.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, Response, render_template, request, url_for
from rdflib import Literal, URIRef
from rdflib.term import Node
from werkzeug.datastructures import MIMEAccept
from werkzeug.http import parse_accept_header

from hairkg.formats import RDF_FORMATS, RdfFormat, format_named
from hairkg.namespaces import PREFIXES, shorten
from hairkg.web import current_service, current_settings
from hairkg.web.describe import (
    Description,
    DescriptionUnavailableError,
    describe,
    is_safe_iri,
    jsonld_context,
    kept_answers,
    select,
)
from hairkg.web.http import add_vary, conditional, maybe_gzip, text_response
from hairkg.web.links import external_link, identifier_link, local_path, minted_iri

__all__ = [
    "HTML",
    "NegotiationError",
    "blueprint",
    "finish_response",
    "link_header",
    "negotiate_page",
    "not_acceptable",
    "not_found",
    "serialize_description",
]

blueprint = Blueprint("resources", __name__)

#: The format name of the HTML page (``?_format=html``).
HTML = "html"
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_BARE_STAR = re.compile(r"(^|,)\s*\*\s*(?=;|,|$)")
_Q_WITHOUT_ZERO = re.compile(r";\s*q=\.", re.IGNORECASE)
_RDFS = PREFIXES["rdfs"]
_RDF_TYPE = URIRef(PREFIXES["rdf"] + "type")
_DEFINITIONS = (
    URIRef(PREFIXES["skos"] + "definition"),
    URIRef(PREFIXES["dcterms"] + "description"),
    URIRef(_RDFS + "comment"),
)
_LABELS = (URIRef(_RDFS + "label"), URIRef(PREFIXES["skos"] + "prefLabel"))
_SOURCE = URIRef(PREFIXES["dcterms"] + "source")
_DOI = URIRef(PREFIXES["bibo"] + "doi")
_PMID = URIRef(PREFIXES["bibo"] + "pmid")
_NUMERIC = URIRef(PREFIXES["qudt"] + "numericValue")
_UNIT = URIRef(PREFIXES["qudt"] + "hasUnit")
_MIN = URIRef(PREFIXES["hkg"] + "minimumValue")
_MAX = URIRef(PREFIXES["hkg"] + "maximumValue")
_APPROX = URIRef(PREFIXES["hkg"] + "isApproximate")
_OWL_VERSION_IRI = URIRef(PREFIXES["owl"] + "versionIRI")


class NegotiationError(Exception):
    """A ``_format`` value that names no format (400)."""


def negotiate_page(
    accept: str | None, format_param: str | None, formats: tuple[RdfFormat, ...] = RDF_FORMATS
) -> str | RdfFormat | None:
    """``"html"``, an RDF format, or None (406) for this request.

    ``_format`` wins (``html`` or any name, alias or media type of an RDF format). Otherwise
    the Accept header is ranked by werkzeug; on a tie, and for ``*/*``, HTML comes first, as
    a browser expects, then the RDF formats in the table's order.
    """
    if format_param:
        if format_param.strip().lower() in (HTML, *_HTML_TYPES):
            return HTML
        named = format_named("graph", format_param)
        if isinstance(named, RdfFormat) and named in formats:
            return named
        raise NegotiationError(
            f"unknown _format {format_param!r}; use one of "
            + ", ".join([HTML, *(f.name for f in formats)])
        )
    offers: dict[str, str | RdfFormat] = {media: HTML for media in _HTML_TYPES}
    for fmt in formats:
        offers.setdefault(fmt.media_type, fmt)
    for fmt in formats:
        for media in fmt.media_types:
            offers.setdefault(media, fmt)
    header = "*/*"
    if accept and accept.strip():
        header = _Q_WITHOUT_ZERO.sub(";q=0.", _BARE_STAR.sub(r"\1*/*", accept))
    best = parse_accept_header(header, MIMEAccept).best_match(list(offers))
    return None if best is None else offers[best]


def link_header(iri: str, formats: tuple[RdfFormat, ...], extra: list[str] | None = None) -> str:
    path = request.path
    links = [f'<{iri}>; rel="canonical"']
    links.append(f'<{path}?_format=html>; rel="alternate"; type="text/html"')
    links += [
        f'<{path}?_format={fmt.name}>; rel="alternate"; type="{fmt.media_type}"' for fmt in formats
    ]
    links.append(
        f'<{request.script_root}/context.jsonld>; rel="http://www.w3.org/ns/json-ld#context"; '
        'type="application/ld+json"'
    )
    return ", ".join(links + (extra or []))


def _etag(*parts: object) -> str:
    version = current_service().data_version
    return hashlib.sha256(repr((version, *parts)).encode("utf-8")).hexdigest()[:32]


def finish_response(
    response: Response, iri: str, formats: tuple[RdfFormat, ...], extra: list[str]
) -> Response:
    settings = current_settings()
    add_vary(response, "Accept")
    response.headers["Link"] = link_header(iri, formats, extra)
    if response.status_code == 200:
        response.set_etag(
            _etag(request.path, request.query_string, response.mimetype, request.accept_mimetypes)
        )
        response.headers["Cache-Control"] = f"public, max-age={settings.cache_max_age}"
    response = maybe_gzip(response, settings.gzip_min_bytes)
    if response.headers.get("Content-Encoding") == "gzip":
        tag, _ = response.get_etag()
        if tag:
            response.set_etag(tag + "-gzip")
    return conditional(response)


def not_acceptable(formats: tuple[RdfFormat, ...]) -> Response:
    response = text_response(
        406,
        "406 Not Acceptable: this IRI is described as "
        + ", ".join(["text/html", *(f.media_type for f in formats)]),
    )
    add_vary(response, "Accept")
    return response


def _unavailable(error: DescriptionUnavailableError) -> Response:
    status = error.status if error.status >= 500 else 503
    response = text_response(
        status, f"{status}: the description could not be fetched: {error.message}"
    )
    response.headers["Retry-After"] = "5"
    response.headers["Cache-Control"] = "no-store"
    return response


# -- RDF ------------------------------------------------------------------------------------


def serialize_description(description: Description, fmt: RdfFormat) -> bytes:
    """The description in ``fmt``; JSON-LD is compacted with the published context."""
    if fmt.name == "jsonld":
        context = jsonld_context()["@context"]
        return description.dataset().serialize(format="json-ld", context=context, encoding="utf-8")
    if fmt.has_graphs:
        return description.dataset().serialize(format=fmt.rdflib_name, encoding="utf-8")
    return description.graph().serialize(format=fmt.rdflib_name, encoding="utf-8")


# -- labels and did-you-mean -----------------------------------------------------------------


@dataclass(frozen=True)
class _Known:
    iri: str
    label: str


def _known_iris() -> list[_Known]:
    """Every minted IRI that is a subject, with its label (fetched once per app)."""
    base = current_settings().base_iri
    derived = current_service().derived
    cached: list[_Known] | None = derived.get(f"known-iris {base}")
    if cached is not None:
        return cached
    rows = select(
        f"""SELECT ?s (SAMPLE(?l) AS ?label) WHERE {{
  ?s ?p ?o . FILTER(isIRI(?s) && STRSTARTS(STR(?s), "{base}"))
  OPTIONAL {{ ?s <{_RDFS}label> ?l }}
}} GROUP BY ?s ORDER BY ?s"""
    )
    known = [_Known(str(r["s"]), str(r.get("label", "")) if r.get("label") else "") for r in rows]
    derived[f"known-iris {base}"] = known
    return known


def did_you_mean(iri: str, limit: int = 5) -> list[_Known]:
    """Minted IRIs whose local name or label is close to ``iri``'s last segment."""
    wanted = iri.rstrip("/").rsplit("/", 1)[-1].lower()
    words = wanted.replace("-", " ").replace("_", " ")
    known = _known_iris()
    scored: list[tuple[float, _Known]] = []
    for item in known:
        local = item.iri.rsplit("/", 1)[-1].lower()
        score = max(
            difflib.SequenceMatcher(None, wanted, local).ratio(),
            difflib.SequenceMatcher(None, words, item.label.lower()).ratio() if item.label else 0,
        )
        if words and (words in item.label.lower() or wanted in local):
            score = max(score, 0.8)
        if score >= 0.5:
            scored.append((score, item))
    scored.sort(key=lambda pair: (-pair[0], pair[1].iri))
    return [item for _, item in scored[:limit]]


def not_found(iri: str, wants_html: bool) -> Response:
    suggestions = did_you_mean(iri)
    if wants_html:
        html = render_template(
            "not_found.html",
            iri=iri,
            suggestions=[(s, local_path(s.iri)) for s in suggestions],
        )
        response = Response(html, 404, content_type="text/html; charset=utf-8")
    else:
        lines = [f"404 Not Found: the graph says nothing about <{iri}>."]
        if suggestions:
            lines.append("Did you mean:")
            lines += [f"  <{s.iri}>  {s.label}" for s in suggestions]
        response = text_response(404, "\n".join(lines))
    add_vary(response, "Accept")
    response.headers["Cache-Control"] = "no-cache"
    return response


# -- the HTML page ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Value:
    """One value on a page: text, where it links, and what kind of term it is."""

    text: str
    href: str | None = None
    kind: str = "literal"  # literal, local, external, bnode
    note: str | None = None  # datatype or language, a quantity's unit, an external CURIE
    ols: str | None = None


def _quantity_text(node: Node, description: Description) -> str | None:
    values: dict[URIRef, Node] = {}
    for s, p, o, _ in description.neighbours:
        if s == node and p in (_NUMERIC, _UNIT, _MIN, _MAX, _APPROX):
            values[URIRef(str(p))] = o
    if _NUMERIC not in values and _MIN not in values and _MAX not in values:
        return None
    if _NUMERIC in values:
        number = str(values[_NUMERIC])
    elif _MIN in values and _MAX in values:
        number = f"{values[_MIN]} to {values[_MAX]}"
    elif _MIN in values:
        number = f"≥ {values[_MIN]}"
    else:
        number = f"≤ {values[_MAX]}"
    if str(values.get(_APPROX, "")).lower() == "true":
        number = "about " + number
    unit = values.get(_UNIT)
    if unit is not None:
        number += (
            " " + (shorten(str(unit)) or str(unit)).split(":", 1)[-1].replace("_", " ").lower()
        )
    return number


def value_of(node: Node, description: Description) -> Value:
    """How ``node`` is shown: label and link for IRIs, quantity with unit, escaped text."""
    if isinstance(node, Literal):
        note = None
        if node.language:
            note = node.language
        elif node.datatype is not None:
            note = shorten(str(node.datatype)) or str(node.datatype)
        return Value(str(node), None, "literal", note)
    if isinstance(node, URIRef):
        iri = str(node)
        label = description.label(node)
        quantity = _quantity_text(node, description)
        path = local_path(iri)
        if path is not None:
            text = str(label) if label is not None else (shorten(iri) or iri)
            return Value(text, path, "local", quantity)
        link = external_link(iri)
        text = str(label) if label is not None else link.text
        return Value(
            text, link.href, "external", link.text if label is not None else None, link.ols
        )
    return Value("(blank node)", None, "bnode")


@dataclass
class _Row:
    predicate: Value
    values: list[Value]
    graph: str


def _rows(description: Description, skip: tuple[URIRef, ...]) -> list[_Row]:
    grouped: dict[tuple[Node, URIRef], list[Node]] = {}
    for s, p, o, g in description.statements:
        if s != description.iri or p in skip:
            continue
        grouped.setdefault((p, g), []).append(o)
    rows = []
    for (p, g), objects in sorted(grouped.items(), key=lambda item: str(item[0][0])):
        values = sorted((value_of(o, description) for o in objects), key=lambda v: v.text.lower())
        rows.append(_Row(value_of(p, description), values, g.rsplit("/", 1)[-1]))
    return rows


def _publications(description: Description) -> list[dict[str, Any]]:
    found = []
    for s, p, o, _ in description.statements:
        if s != description.iri or p != _SOURCE:
            continue
        entry: dict[str, Any] = {"value": value_of(o, description), "doi": None, "pmid": None}
        for s2, p2, o2, _ in description.sources:
            if s2 != o:
                continue
            if p2 == _DOI:
                entry["doi"] = (str(o2), identifier_link("doi", str(o2)))
            elif p2 == _PMID:
                entry["pmid"] = (str(o2), identifier_link("pubmed", str(o2)))
        found.append(entry)
    return found


def _conformance(iri: str) -> tuple[bool, list[Any]]:
    outcome = current_service().validation
    if outcome is None:
        return False, []
    return True, [r for r in outcome.results if str(r.focus) == iri]


def _sparql_link(iri: str) -> str:
    query = f"DESCRIBE <{iri}>"
    return request.script_root + "/?" + urlencode({"query": query})


def _html_page(description: Description, formats: tuple[RdfFormat, ...], title_kind: str) -> str:
    iri = str(description.iri)
    label = description.label(description.iri)
    types = [
        value_of(o, description)
        for s, p, o, _ in description.statements
        if s == description.iri and p == _RDF_TYPE
    ]
    definitions = [
        str(o)
        for s, p, o, _ in description.statements
        if s == description.iri and p in _DEFINITIONS[:1]
    ]
    incoming = [
        (value_of(p, description), value_of(s, description)) for s, p, _, _ in description.incoming
    ]
    counts = sorted(
        ((value_of(p, description), n) for p, n in description.incoming_counts.items()),
        key=lambda pair: pair[0].text.lower(),
    )
    checked, results = _conformance(iri)
    study_page = None
    if any(
        p == _RDF_TYPE and str(o) == PREFIXES["hkg"] + "Study"
        for s, p, o, _ in description.statements
        if s == description.iri
    ):
        study_page = url_for("evidence_detail.study", local=iri.rsplit("/", 1)[-1])
    nanopub_page = None
    if any(
        p == _RDF_TYPE and str(o) == PREFIXES["hkg"] + "Claim"
        for s, p, o, _ in description.statements
        if s == description.iri
    ):
        from hairkg.web.downloads import exports

        found = exports().nanopub_for_claim(iri)
        if found is not None:
            nanopub_page = (f"{request.script_root}/np/{found.artefact}", found.uri)
    page = description.page
    path = request.path
    return render_template(
        "resource.html",
        iri=iri,
        curie=shorten(iri),
        title=str(label) if label is not None else (shorten(iri) or iri),
        kind=title_kind,
        types=types,
        definitions=definitions,
        rows=_rows(description, (_RDF_TYPE, *_LABELS[:1], *_DEFINITIONS[:1], _SOURCE)),
        incoming=incoming,
        counts=counts,
        incoming_total=description.incoming_total,
        page=page,
        pages=description.pages,
        previous_page=f"{path}?page={page - 1}" if page > 1 else None,
        next_page=f"{path}?page={page + 1}" if page < description.pages else None,
        publications=_publications(description),
        checked=checked,
        results=results,
        formats=[(f.name, f.media_type, f"{path}?_format={f.name}") for f in formats],
        sparql_link=_sparql_link(iri),
        study_page=study_page,
        nanopub_page=nanopub_page,
        data_version=current_service().data_version,
    )


# -- routes ----------------------------------------------------------------------------------


def _page_number() -> int:
    raw = request.args.get("page", "1")
    try:
        return max(1, int(raw))
    except ValueError:
        return 1


def _serve_description(
    iri: str, kind: str, formats: tuple[RdfFormat, ...] = RDF_FORMATS
) -> Response:
    try:
        chosen = negotiate_page(request.headers.get("Accept"), request.args.get("_format"), formats)
    except NegotiationError as error:
        return text_response(400, f"400 Bad Request: {error}")
    if chosen is None:
        return not_acceptable(formats)
    if not is_safe_iri(iri):
        return not_found(iri, chosen == HTML)
    page = _page_number()
    try:
        description = describe(iri, page, current_settings().incoming_page_size)
    except DescriptionUnavailableError as error:
        return _unavailable(error)
    if not description.exists:
        return not_found(iri, chosen == HTML)
    extra = []
    if any(
        p == _RDF_TYPE and str(o) == PREFIXES["hkg"] + "Claim"
        for s, p, o, _ in description.statements
        if s == description.iri
    ):
        from hairkg.web.downloads import exports

        found = exports().nanopub_for_claim(iri)
        if found is not None:
            extra.append(
                f'<{request.script_root}/np/{found.artefact}>; rel="alternate"; '
                'type="application/trig"; title="nanopublication"'
            )
    if page < description.pages:
        extra.append(f'<{request.path}?page={page + 1}>; rel="next"')
    if page > 1:
        extra.append(f'<{request.path}?page={page - 1}>; rel="prev"')
    # a rendering depends on the description, the format and the links' base (the proxy's)
    rendered = kept_answers("rendered descriptions")
    shown = chosen if isinstance(chosen, str) else chosen.name
    key = (iri, page, kind, shown, request.script_root, current_settings().base_iri)
    body = rendered.get(key)
    if not isinstance(body, (str, bytes)):
        if chosen == HTML:
            body = _html_page(description, formats, kind)
        else:
            assert isinstance(chosen, RdfFormat)
            body = serialize_description(description, chosen)
        rendered.put(key, body)
    if chosen == HTML:
        response = Response(body, content_type="text/html; charset=utf-8")
    else:
        assert isinstance(chosen, RdfFormat)
        response = Response(body, content_type=chosen.content_type)
        response.headers["Hairkg-Incoming-Links"] = str(description.incoming_total)
    return finish_response(response, iri, formats, extra)


@blueprint.get("/resource/<path:local>")
def resource(local: str) -> Response:
    """An individual: therapy, study, claim, publication, coded value …"""
    return _serve_description(minted_iri(request.path), "resource")


@blueprint.get("/ontology/<path:local>")
def term(local: str) -> Response:
    """A class or property of the hairkg ontology."""
    return _serve_description(minted_iri(request.path), "ontology term")


@blueprint.get("/context.jsonld")
def context() -> Response:
    """The JSON-LD ``@context`` the JSON-LD descriptions are compacted with."""
    body = json.dumps(jsonld_context(), indent=2, sort_keys=True)
    response = Response(body, content_type="application/ld+json; charset=utf-8")
    response.headers["Cache-Control"] = f"public, max-age={current_settings().cache_max_age}"
    return response
