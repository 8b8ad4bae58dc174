"""Validation reports for people (text) and machines (JSON, and the SHACL report in Turtle)."""

from __future__ import annotations

import json
from collections import Counter
from itertools import groupby

from rdflib.namespace import SH

from hairkg.graph.rdf_io import DEFAULT_MAX_FILE_BYTES
from hairkg.namespaces import PREFIXES, SHAPES_NS
from hairkg.validation.naming import short
from hairkg.validation.results import ValidationOutcome, ValidationResult

__all__ = ["render_json", "render_refusal", "render_text", "render_turtle"]

_RANK = {"Violation": 0, "Warning": 1, "Info": 2}


def render_text(outcome: ValidationOutcome, *, strict: bool = False) -> str:
    """One block per focus node (label and IRI), then each result: what, where, which shape.

    Focus nodes with violations come first, then those with warnings, then info.
    """
    lines = _node_blocks(_by_focus(outcome.results))
    lines.append(summary(outcome, strict=strict))
    return "\n".join(lines)


def render_refusal(outcome: ValidationOutcome, *, nodes: int = 20) -> str:
    """Why data is refused, for a server's start: its violations, the first ``nodes`` in full.

    A big file can break a shape on every one of its records, so the rest are counted by
    shape; warnings and info, which refuse nothing, are only counted in the summary line.
    """
    groups = _by_focus([r for r in outcome.results if r.severity_name == "Violation"])
    lines = _node_blocks(groups[:nodes])
    rest = [result for group in groups[nodes:] for result in group]
    if rest:
        lines.append(
            f"… and {len(rest)} more violation(s) of {len(groups) - nodes} more node(s), by shape:"
        )
        per_shape = Counter(_shape_name(r) for r in rest)
        for shape, count in sorted(per_shape.items(), key=lambda item: (-item[1], item[0])):
            lines.append(f"  {count:>8}  {shape}")
        lines.append(
            "(`hairkg validate --min-severity violation FILE…` lists every one; "
            f"`--max-file-mb` for files over {DEFAULT_MAX_FILE_BYTES // (1024 * 1024)} MB)"
        )
        lines.append("")
    lines.append(summary(outcome))
    return "\n".join(lines)


def _by_focus(results: list[ValidationResult]) -> list[list[ValidationResult]]:
    """The results grouped by focus node, worst first, then by the node's IRI."""
    by_focus = sorted(results, key=lambda r: str(r.focus))
    groups = [list(group) for _, group in groupby(by_focus, key=lambda r: r.focus)]
    groups.sort(
        key=lambda group: (min(_RANK.get(r.severity_name, 3) for r in group), str(group[0].focus))
    )
    return groups


def _node_blocks(groups: list[list[ValidationResult]]) -> list[str]:
    lines: list[str] = []
    for results in groups:
        first = results[0]
        label = f'"{first.focus_label}" ' if first.focus_label else ""
        lines.append(f"{label}{_focus(first)}")
        for result in sorted(results, key=lambda r: (_RANK.get(r.severity_name, 3), r.key())):
            lines.extend(_result_lines(result))
        lines.append("")
    return lines


def summary(outcome: ValidationOutcome, *, strict: bool = False) -> str:
    """One line: conforms or not, the counts, the engine and the time taken."""
    counts = outcome.counts
    verdict = "conforms" if outcome.conforms(strict=strict) else "does NOT conform"
    if strict and counts["Violation"] == 0 and counts["Warning"]:
        verdict += " (--strict: warnings fail)"
    return (
        f"{verdict}: {counts['Violation']} violation(s), {counts['Warning']} warning(s), "
        f"{counts['Info']} info; {outcome.triples} triples checked by {outcome.engine} "
        f"in {outcome.seconds:.2f} s"
    )


def _focus(result: ValidationResult) -> str:
    iri = short(result.focus)
    full = str(result.focus)
    return f"{iri} <{full}>" if iri != f"<{full}>" and not iri.startswith('"') else iri


def _result_lines(result: ValidationResult) -> list[str]:
    lines = [f"  {result.severity_name.upper()}: {result.message}"]
    if result.path_text is not None:
        lines.append(f"    path:  {result.path_text}")
    if result.value is not None and result.value != result.focus:
        lines.append(f"    value: {_clip(short(result.value))}")
    lines.append(f"    shape: {_shape_name(result)}")
    if result.location:
        lines.append(f"    at:    {result.location}")
    return lines


def _shape_name(result: ValidationResult) -> str:
    """The result's shape, short, with its constraint: ``hkgsh:StudyShape-x (MinCount)``."""
    shape = str(result.shape)
    shown = (
        "hkgsh:" + shape[len(SHAPES_NS) :] if shape.startswith(SHAPES_NS) else short(result.shape)
    )
    return f"{shown} ({result.component_name.removesuffix('ConstraintComponent')})"


def _clip(text: str, limit: int = 200) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def render_json(outcome: ValidationOutcome, *, strict: bool = False) -> str:
    """The outcome as a JSON document."""
    return json.dumps(
        {
            "conforms": outcome.conforms(strict=strict),
            "engine": outcome.engine,
            "seconds": round(outcome.seconds, 3),
            "triples": outcome.triples,
            "counts": outcome.counts,
            "results": [result.as_json() for result in outcome.results],
        },
        indent=2,
        ensure_ascii=False,
    )


def render_turtle(outcome: ValidationOutcome) -> str:
    """The standard ``sh:ValidationReport`` as Turtle."""
    report = outcome.report
    report.bind("sh", str(SH))
    report.bind("hkgsh", SHAPES_NS)
    for prefix, namespace in PREFIXES.items():
        report.bind(prefix, namespace)
    return report.serialize(format="turtle")
