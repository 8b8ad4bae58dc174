"""Evidence pages for people who will not write SPARQL: therapies and studies.

Each page is one or two SELECT queries run by the query workers (and kept in the result
cache); every number and name on a page comes from the graph. Every page carries the
no-medical-advice notice (``_layout.html``).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template, request

from hairkg.namespaces import PREFIXES
from hairkg.web import current_service, current_settings
from hairkg.web.describe import DescriptionUnavailableError, select
from hairkg.web.http import add_vary, maybe_gzip, text_response
from hairkg.web.links import local_path

__all__ = ["PROLOGUE", "blueprint", "page_response", "split_values", "text_of", "unavailable"]

blueprint = Blueprint("evidence", __name__)

PROLOGUE = "\n".join(f"PREFIX {p}: <{ns}>" for p, ns in PREFIXES.items()) + "\n"

_THERAPIES = (
    PROLOGUE
    + """
SELECT ?therapy ?label ?verdictLabel
       (GROUP_CONCAT(DISTINCT ?sourceLabel; separator=" | ") AS ?cellSources)
       (GROUP_CONCAT(DISTINCT ?routeLabel; separator=" | ") AS ?routes)
       (GROUP_CONCAT(DISTINCT ?designLabel; separator=" | ") AS ?designs)
       (COUNT(DISTINCT ?study) AS ?studies)
       (COUNT(DISTINCT ?randomised) AS ?randomisedStudies)
       (COUNT(DISTINCT ?limitation) AS ?limitations)
WHERE {
  { SELECT DISTINCT ?therapy WHERE {
      ?therapy rdf:type/rdfs:subClassOf* hkg:Therapy . FILTER(STRSTARTS(STR(?therapy), STR(hkr:)))
  } }
  ?therapy rdfs:label ?label .
  OPTIONAL { ?therapy hkg:usesCellSource/rdfs:label ?sourceLabel }
  OPTIONAL { ?therapy hkg:hasAdministrationRoute/rdfs:label ?routeLabel }
  OPTIONAL { ?study hkg:intervention ?therapy .
             OPTIONAL { ?study hkg:studyDesign/rdfs:label ?designLabel }
             OPTIONAL { ?study hkg:isRandomised true . BIND(?study AS ?randomised) } }
  OPTIONAL { ?limitation hkg:appliesTo ?therapy }
  OPTIONAL { ?assessment hkg:assessedTherapy ?therapy ; hkg:verdict/rdfs:label ?verdictLabel }
}
GROUP BY ?therapy ?label ?verdictLabel
ORDER BY DESC(?studies) ?label
"""
)

_PARTICIPANTS = (
    PROLOGUE
    + """
SELECT ?therapy (SUM(?n) AS ?participants) (COUNT(?n) AS ?studiesWithN) WHERE {
  { SELECT DISTINCT ?therapy ?study ?n WHERE { ?study hkg:intervention ?therapy ; hkg:enrolledCount ?n } }
} GROUP BY ?therapy
"""
)

_STUDIES = (
    PROLOGUE
    + """
SELECT ?study ?label ?n
       (GROUP_CONCAT(DISTINCT ?designLabel; separator=" | ") AS ?designs)
       (GROUP_CONCAT(DISTINCT ?therapyLabel; separator=" | ") AS ?therapies)
       (GROUP_CONCAT(DISTINCT ?conditionLabel; separator=" | ") AS ?conditions)
       (COUNT(DISTINCT ?finding) AS ?findings)
WHERE {
  ?study a hkg:Study ; rdfs:label ?label .
  OPTIONAL { ?study hkg:enrolledCount ?n }
  OPTIONAL { ?study hkg:studyDesign/rdfs:label ?designLabel }
  OPTIONAL { ?study hkg:intervention/rdfs:label ?therapyLabel }
  OPTIONAL { ?study hkg:studiesCondition/rdfs:label ?conditionLabel }
  OPTIONAL { ?study hkg:hasFinding ?finding }
}
GROUP BY ?study ?label ?n
ORDER BY ?label
"""
)


def text_of(row: dict[str, Any], name: str) -> str:
    """The text of a variable of a result row ("" when unbound)."""
    value = row.get(name)
    return "" if value is None else str(value)


def split_values(row: dict[str, Any], name: str) -> list[str]:
    """The sorted values of a GROUP_CONCAT (separator " | ")."""
    return sorted(v for v in text_of(row, name).split(" | ") if v)


def page_response(template: str, **context: Any) -> Response:
    """An evidence page rendered from ``template`` (always fresh: revalidated each time)."""
    html = render_template(template, data_version=current_service().data_version, **context)
    response = Response(html, content_type="text/html; charset=utf-8")
    response.headers["Cache-Control"] = "no-cache"
    add_vary(response, "Accept")
    return maybe_gzip(response, current_settings().gzip_min_bytes)


def unavailable(error: DescriptionUnavailableError) -> Response:
    """503 when the query workers could not answer."""
    response = text_response(503, f"503: the page could not be built: {error.message}")
    response.headers["Retry-After"] = "5"
    return response


@blueprint.get("/therapies")
def therapies() -> Response:
    """One row per therapy: cells, route, studies, participants, designs, verdict, limitations."""
    try:
        rows = select(_THERAPIES)
        participants = {str(r["therapy"]): r for r in select(_PARTICIPANTS)}
    except DescriptionUnavailableError as error:
        return unavailable(error)
    therapies = []
    for row in rows:
        iri = str(row["therapy"])
        counted = participants.get(iri, {})
        therapies.append(
            {
                "iri": iri,
                "href": local_path(iri),
                "label": text_of(row, "label"),
                "cell_sources": split_values(row, "cellSources"),
                "routes": split_values(row, "routes"),
                "designs": split_values(row, "designs"),
                "studies": int(str(row.get("studies", 0))),
                "randomised": int(str(row.get("randomisedStudies", 0))),
                "participants": text_of(counted, "participants"),
                "studies_with_n": text_of(counted, "studiesWithN"),
                "verdict": text_of(row, "verdictLabel"),
                "limitations": int(str(row.get("limitations", 0))),
            }
        )
    return page_response("therapies.html", therapies=therapies)


@blueprint.get("/studies")
def studies() -> Response:
    """Every study: design, therapies, conditions, participants, number of findings."""
    try:
        rows = select(_STUDIES)
    except DescriptionUnavailableError as error:
        return unavailable(error)
    found = [
        {
            "iri": str(row["study"]),
            "href": local_path(str(row["study"])),
            "label": text_of(row, "label"),
            "n": text_of(row, "n"),
            "designs": split_values(row, "designs"),
            "therapies": split_values(row, "therapies"),
            "conditions": split_values(row, "conditions"),
            "findings": int(str(row.get("findings", 0))),
        }
        for row in rows
    ]
    return page_response("studies.html", studies=found, base=request.script_root)
