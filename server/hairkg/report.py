"""Validation reports for people (text) and machines (JSON)."""

from __future__ import annotations

import json
from itertools import groupby

from hairkg.validation import ValidationOutcome

__all__ = ["render_json", "render_text"]


def render_text(outcome: ValidationOutcome, *, strict: bool = False) -> str:
    """One block per focus node: label and IRI, then each result with path, value, shape."""
    lines: list[str] = []
    by_focus = sorted(outcome.results, key=lambda r: str(r.focus))
    for focus, group in groupby(by_focus, key=lambda r: r.focus):
        results = list(group)
        label = results[0].focus_label
        lines.append(f"{label} <{focus}>" if label else f"<{focus}>")
        for result in results:
            severity = str(result.severity).rsplit("#", 1)[-1].upper()
            lines.append(f"  {severity}: {result.message}")
            if result.path is not None:
                lines.append(f"    path:  {result.path}")
            if result.value is not None:
                lines.append(f"    value: {result.value}")
            lines.append(f"    shape: {result.shape} ({str(result.component).rsplit('#', 1)[-1]})")
            if result.location:
                lines.append(f"    at:    {result.location}")
        lines.append("")
    verdict = "conforms" if outcome.conforms(strict=strict) else "does NOT conform"
    counts = outcome.counts
    lines.append(
        f"{verdict}: {counts['Violation']} violation(s), {counts['Warning']} "
        f"warning(s), {counts['Info']} info (engine: {outcome.engine})"
    )
    return "\n".join(lines)


def render_json(outcome: ValidationOutcome, *, strict: bool = False) -> str:
    """The outcome as a JSON document."""
    return json.dumps(
        {
            "conforms": outcome.conforms(strict=strict),
            "engine": outcome.engine,
            "counts": outcome.counts,
            "results": [result.as_json() for result in outcome.results],
        },
        indent=2,
        ensure_ascii=False,
    )
