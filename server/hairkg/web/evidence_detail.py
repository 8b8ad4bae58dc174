"""Evidence in detail: one page per study, the comparison table and the evidence map.

Like :mod:`hairkg.web.evidence`, every value comes from SELECT queries run by the query
workers; the evidence map is drawn server-side by pygal (SVG) from the same rows as the
table printed beside it, so the chart is never the only way to read the numbers.
"""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, request

from hairkg.web.describe import DescriptionUnavailableError, is_safe_iri, select
from hairkg.web.evidence import PROLOGUE, page_response, split_values, text_of, unavailable
from hairkg.web.links import identifier_link, local_path, minted_iri
from hairkg.web.resources import not_found

__all__ = ["blueprint"]

_SCRIPT = re.compile(r"<script\b.*?</script>", re.DOTALL)

blueprint = Blueprint("evidence_detail", __name__)

_STUDY = (
    PROLOGUE
    + """
SELECT ?label ?n ?randomised ?publication ?publicationLabel ?doi ?pmid
       (GROUP_CONCAT(DISTINCT ?designLabel; separator=" | ") AS ?designs)
       (GROUP_CONCAT(DISTINCT ?blindingLabel; separator=" | ") AS ?blinding)
       (GROUP_CONCAT(DISTINCT ?controlLabel; separator=" | ") AS ?controls)
       (GROUP_CONCAT(DISTINCT ?conditionLabel; separator=" | ") AS ?conditions)
       (GROUP_CONCAT(DISTINCT ?interventionLabel; separator=" | ") AS ?interventions)
       (GROUP_CONCAT(DISTINCT ?comparatorLabel; separator=" | ") AS ?comparators)
       (GROUP_CONCAT(DISTINCT ?timeLabel; separator=" | ") AS ?timePoints)
WHERE {
  VALUES ?study { <%(iri)s> }
  ?study a hkg:Study ; rdfs:label ?label .
  OPTIONAL { ?study hkg:enrolledCount ?n }
  OPTIONAL { ?study hkg:isRandomised ?randomised }
  OPTIONAL { ?study hkg:describedIn ?publication . ?publication rdfs:label ?publicationLabel
             OPTIONAL { ?publication bibo:doi ?doi } OPTIONAL { ?publication bibo:pmid ?pmid } }
  OPTIONAL { ?study hkg:studyDesign/rdfs:label ?designLabel }
  OPTIONAL { ?study hkg:blinding/rdfs:label ?blindingLabel }
  OPTIONAL { ?study hkg:controlType/rdfs:label ?controlLabel }
  OPTIONAL { ?study hkg:studiesCondition/rdfs:label ?conditionLabel }
  OPTIONAL { ?study hkg:intervention/rdfs:label ?interventionLabel }
  OPTIONAL { ?study hkg:comparatorTherapy/rdfs:label ?comparatorLabel }
  OPTIONAL { ?study hkg:followUpTimePoint/rdfs:label ?timeLabel }
}
GROUP BY ?label ?n ?randomised ?publication ?publicationLabel ?doi ?pmid
"""
)

_ARMS = (
    PROLOGUE
    + """
SELECT ?arm ?label ?size ?interventionLabel ?conditionLabel ?controlLabel WHERE {
  <%(iri)s> hkg:hasArm ?arm . ?arm rdfs:label ?label .
  OPTIONAL { ?arm hkg:armSize ?size }
  OPTIONAL { ?arm hkg:armIntervention/rdfs:label ?interventionLabel }
  OPTIONAL { ?arm hkg:armCondition/rdfs:label ?conditionLabel }
  OPTIONAL { ?arm hkg:armControlType/rdfs:label ?controlLabel }
} ORDER BY ?label
"""
)

_FINDINGS = (
    PROLOGUE
    + """
SELECT ?finding ?label ?statement ?outcomeLabel ?directionLabel ?basisLabel ?significant
       ?value ?minimum ?maximum ?unit ?approximate
       (GROUP_CONCAT(DISTINCT ?timeLabel; separator=" | ") AS ?timePoints)
WHERE {
  <%(iri)s> hkg:hasFinding ?finding . ?finding rdfs:label ?label .
  OPTIONAL { ?finding hkg:statement ?statement }
  OPTIONAL { ?finding hkg:outcomeMeasure/rdfs:label ?outcomeLabel }
  OPTIONAL { ?finding hkg:findingDirection/rdfs:label ?directionLabel }
  OPTIONAL { ?finding hkg:comparisonBasis/rdfs:label ?basisLabel }
  OPTIONAL { ?finding hkg:isStatisticallySignificant ?significant }
  OPTIONAL { ?finding hkg:atTimePoint/rdfs:label ?timeLabel }
  OPTIONAL { ?finding hkg:absoluteChange ?change .
             OPTIONAL { ?change qudt:numericValue ?value }
             OPTIONAL { ?change hkg:minimumValue ?minimum }
             OPTIONAL { ?change hkg:maximumValue ?maximum }
             OPTIONAL { ?change qudt:hasUnit ?unit }
             OPTIONAL { ?change hkg:isApproximate ?approximate } }
}
GROUP BY ?finding ?label ?statement ?outcomeLabel ?directionLabel ?basisLabel ?significant
         ?value ?minimum ?maximum ?unit ?approximate
ORDER BY ?label
"""
)

_UNIT_LABELS = (
    PROLOGUE
    + """
SELECT ?unit (SAMPLE(?l) AS ?label) WHERE {
  ?unit rdfs:label ?l . FILTER(STRSTARTS(STR(?unit), STR(unit:)))
} GROUP BY ?unit
"""
)

_COMPARISONS = (
    PROLOGUE
    + """
SELECT ?claim ?label ?statement ?therapy ?therapyLabel ?comparatorLabel ?directionLabel
       ?statusLabel ?paperSays ?citedLabel ?assertedLabel
       (GROUP_CONCAT(DISTINCT ?conditionLabel; separator=" | ") AS ?conditions)
WHERE {
  ?claim a hkg:Claim ; hkg:comparedWith ?comparator ; rdfs:label ?label .
  ?comparator rdfs:label ?comparatorLabel .
  OPTIONAL { ?claim hkg:statement ?statement }
  OPTIONAL { ?claim hkg:aboutTherapy ?therapy . ?therapy rdfs:label ?therapyLabel
             FILTER(?therapy != ?comparator) }
  OPTIONAL { ?claim hkg:claimDirection/rdfs:label ?directionLabel }
  OPTIONAL { ?claim hkg:supportStatus/rdfs:label ?statusLabel }
  OPTIONAL { ?claim hkg:primarySourceSays/hkg:statement ?paperSays }
  OPTIONAL { ?claim hkg:citesPublication/rdfs:label ?citedLabel }
  OPTIONAL { ?claim hkg:assertedBy/rdfs:label ?assertedLabel }
  OPTIONAL { ?claim hkg:concernsCondition/rdfs:label ?conditionLabel }
}
GROUP BY ?claim ?label ?statement ?therapy ?therapyLabel ?comparatorLabel ?directionLabel
         ?statusLabel ?paperSays ?citedLabel ?assertedLabel
ORDER BY ?comparatorLabel ?therapyLabel ?label
"""
)

_MAP = (
    PROLOGUE
    + """
SELECT ?therapyLabel ?conditionLabel (COUNT(DISTINCT ?study) AS ?studies)
       (SUM(?n) AS ?participants) (COUNT(?n) AS ?studiesWithN)
       (GROUP_CONCAT(DISTINCT ?designLabel; separator=" | ") AS ?designs)
WHERE {
  { SELECT DISTINCT ?study ?therapy ?condition ?n WHERE {
      ?study a hkg:Study ; hkg:intervention ?therapy ; hkg:studiesCondition ?condition .
      OPTIONAL { ?study hkg:enrolledCount ?n } } }
  ?therapy rdfs:label ?therapyLabel .
  ?condition rdfs:label ?conditionLabel .
  OPTIONAL { ?study hkg:studyDesign/rdfs:label ?designLabel }
}
GROUP BY ?therapyLabel ?conditionLabel
ORDER BY ?therapyLabel ?conditionLabel
"""
)


def _unit_labels() -> dict[str, str]:
    return {str(r["unit"]): str(r["label"]) for r in select(_UNIT_LABELS) if "label" in r}


def _quantity(row: dict[str, Any], units: dict[str, str]) -> str:
    value, low, high = (text_of(row, k) for k in ("value", "minimum", "maximum"))
    if value:
        number = value
    elif low and high:
        number = f"{low} to {high}"
    elif low:
        number = f"at least {low}"
    elif high:
        number = f"at most {high}"
    else:
        return ""
    if text_of(row, "approximate").lower() == "true":
        number = "about " + number
    unit = text_of(row, "unit")
    if unit:
        number += " " + units.get(unit, unit.rsplit("/", 1)[-1])
    return number


@blueprint.get("/studies/<local>")
def study(local: str) -> Response:
    """One study: design, arms, participants, time points, outcomes and findings."""
    iri = minted_iri("resource/" + local)
    if not is_safe_iri(iri):
        return not_found(iri, True)
    try:
        rows = select(_STUDY % {"iri": iri})
        if not rows:
            return not_found(iri, True)
        arms = select(_ARMS % {"iri": iri})
        findings = select(_FINDINGS % {"iri": iri})
        units = _unit_labels()
    except DescriptionUnavailableError as error:
        return unavailable(error)
    head = rows[0]
    doi, pmid = text_of(head, "doi"), text_of(head, "pmid")
    study_view = {
        "iri": iri,
        "href": local_path(iri),
        "label": text_of(head, "label"),
        "n": text_of(head, "n"),
        "randomised": text_of(head, "randomised"),
        "publication": text_of(head, "publicationLabel"),
        "publication_href": local_path(text_of(head, "publication")),
        "doi": (doi, identifier_link("doi", doi)) if doi else None,
        "pmid": (pmid, identifier_link("pubmed", pmid)) if pmid else None,
        **{
            key: split_values(head, key)
            for key in (
                "designs",
                "blinding",
                "controls",
                "conditions",
                "interventions",
                "comparators",
                "timePoints",
            )
        },
    }
    arm_views = [
        {
            "label": text_of(r, "label"),
            "href": local_path(text_of(r, "arm")),
            "size": text_of(r, "size"),
            "intervention": text_of(r, "interventionLabel"),
            "condition": text_of(r, "conditionLabel"),
            "control": text_of(r, "controlLabel"),
        }
        for r in arms
    ]
    finding_views = [
        {
            "label": text_of(r, "label"),
            "href": local_path(text_of(r, "finding")),
            "statement": text_of(r, "statement"),
            "outcome": text_of(r, "outcomeLabel"),
            "direction": text_of(r, "directionLabel"),
            "basis": text_of(r, "basisLabel"),
            "significant": text_of(r, "significant"),
            "change": _quantity(r, units),
            "time_points": split_values(r, "timePoints"),
        }
        for r in findings
    ]
    return page_response("study.html", study=study_view, arms=arm_views, findings=finding_views)


@blueprint.get("/comparisons")
def comparisons() -> Response:
    """Every comparative claim: what against what, direction, support, the paper's own words."""
    try:
        rows = select(_COMPARISONS)
    except DescriptionUnavailableError as error:
        return unavailable(error)
    views = [
        {
            "href": local_path(text_of(r, "claim")),
            "label": text_of(r, "label"),
            "therapy": text_of(r, "therapyLabel"),
            "therapy_href": local_path(text_of(r, "therapy")),
            "comparator": text_of(r, "comparatorLabel"),
            "conditions": split_values(r, "conditions"),
            "direction": text_of(r, "directionLabel"),
            "status": text_of(r, "statusLabel"),
            "statement": text_of(r, "statement"),
            "paper_says": text_of(r, "paperSays"),
            "cited": text_of(r, "citedLabel"),
            "asserted": text_of(r, "assertedLabel"),
        }
        for r in rows
    ]
    return page_response("comparisons.html", comparisons=views)


def _import_pygal() -> Any:
    """pygal, without the import hook it adds for its map plugins.

    ``import pygal`` appends a ``sys.meta_path`` finder that has only the ``find_module`` API
    removed from Python 3.12, so every later import in the process warns (ImportWarning). The
    map plugins are not used here; the hook is taken out again.
    """
    import sys

    import pygal

    sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]
    return pygal


def _map_svg(cells: list[dict[str, Any]]) -> str:
    """A dot chart: one row per therapy, one column per condition, dots sized by participants."""
    pygal = _import_pygal()
    from pygal.style import Style

    therapies = sorted({c["therapy"] for c in cells})
    conditions = sorted({c["condition"] for c in cells})
    by_key = {(c["therapy"], c["condition"]): c for c in cells}
    style = Style(
        background="white",
        plot_background="white",
        foreground="#1b1b1b",
        foreground_strong="#1b1b1b",
        foreground_subtle="#555",
        font_family="system-ui, sans-serif",
        colors=("#0b57a4", "#b3261e", "#1e7a3a", "#7a4d00", "#5b2a86", "#00607a", "#8a3b12"),
    )
    chart = pygal.Dot(
        style=style,
        x_label_rotation=25,
        show_legend=False,
        width=900,
        height=80 + 40 * max(1, len(therapies)),
        js=(),  # a static picture: no script, the table beside it has the numbers
        disable_xml_declaration=True,
        title="Participants by therapy and condition",
    )
    chart.x_labels = conditions
    for therapy in therapies:
        values: list[Any] = []
        for condition in conditions:
            cell = by_key.get((therapy, condition))
            if cell is None:
                values.append(None)
                continue
            designs = ", ".join(cell["designs"]) or "design not recorded"
            values.append(
                {
                    "value": cell["participants"] or 0,
                    "label": f"{cell['studies']} studies; {designs}",
                }
            )
        chart.add(therapy, values)
    svg: str = chart.render(is_unicode=True)
    # pygal always writes its tooltip configuration as a script; the picture needs none (and
    # the page's CSP would refuse it). Text in the SVG is XML-escaped, so no "</script>"
    # can occur inside a label.
    return _SCRIPT.sub("", svg)


@blueprint.get("/evidence-map")
def evidence_map() -> Response:
    """Therapies against conditions, sized by participants, with the same numbers as a table."""
    try:
        rows = select(_MAP)
    except DescriptionUnavailableError as error:
        return unavailable(error)
    cells = [
        {
            "therapy": text_of(r, "therapyLabel"),
            "condition": text_of(r, "conditionLabel"),
            "studies": int(text_of(r, "studies") or 0),
            "participants": int(text_of(r, "participants") or 0),
            "studies_with_n": int(text_of(r, "studiesWithN") or 0),
            "designs": split_values(r, "designs"),
        }
        for r in rows
    ]
    return page_response(
        "evidence_map.html",
        cells=cells,
        svg=_map_svg(cells) if cells else "",
        base=request.script_root,
    )
