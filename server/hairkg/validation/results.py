"""Validation results as records: what a person needs to find and fix each one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

from hairkg.validation.data import ValidationData
from hairkg.validation.locate import Locator
from hairkg.validation.naming import render_path, shorten_iris_in
from hairkg.validation.shapes import Shapes

__all__ = ["SEVERITIES", "ValidationOutcome", "ValidationResult", "read_result"]

SEVERITIES = ("Violation", "Warning", "Info")
SEVERITY_RANK = {SH[name]: rank for rank, name in enumerate(SEVERITIES)}


@dataclass(frozen=True)
class ValidationResult:
    """One ``sh:ValidationResult``, with what a person needs to find and fix it."""

    focus: Node
    focus_label: str | None
    path: Node | None
    path_text: str | None
    value: Node | None
    message: str
    severity: URIRef
    shape: Node
    component: URIRef
    location: str | None = None

    @property
    def severity_name(self) -> str:
        """``Violation``, ``Warning`` or ``Info``."""
        return str(self.severity).rsplit("#", 1)[-1]

    @property
    def component_name(self) -> str:
        """The constraint component without its namespace (``MinCountConstraintComponent``)."""
        return str(self.component).rsplit("#", 1)[-1]

    def key(self) -> tuple[str, str, str, str]:
        """What two engines must agree on: focus node, path, component and severity."""
        # a result without a path (node shapes) sorts first, never compared with None
        return (str(self.focus), self.path_text or "", self.component_name, self.severity_name)

    def as_json(self) -> dict[str, Any]:
        """Return the result as a JSON-ready dict (IRIs as strings)."""
        return {
            "focusNode": str(self.focus),
            "focusLabel": self.focus_label,
            "resultPath": str(self.path) if isinstance(self.path, URIRef) else self.path_text,
            "value": None if self.value is None else str(self.value),
            "message": self.message,
            "severity": self.severity_name,
            "sourceShape": str(self.shape),
            "sourceConstraintComponent": str(self.component),
            "location": self.location,
        }


@dataclass
class ValidationOutcome:
    """What validation found; ``conforms`` follows SHACL (violations only, by default)."""

    results: list[ValidationResult]
    report: Graph
    engine: str
    seconds: float = 0.0
    triples: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for severity in SEVERITIES:
            self.counts[severity] = sum(1 for r in self.results if r.severity_name == severity)

    def conforms(self, *, strict: bool = False) -> bool:
        """No violations (and with ``strict`` no warnings either)."""
        return self.counts["Violation"] == 0 and (not strict or self.counts["Warning"] == 0)

    def only(self, keep: Callable[[ValidationResult], bool]) -> ValidationOutcome:
        """The same outcome with only the results ``keep`` accepts (counts follow them)."""
        return ValidationOutcome(
            results=[r for r in self.results if keep(r)],
            report=self.report,
            engine=self.engine,
            seconds=self.seconds,
            triples=self.triples,
        )


def read_result(
    report: Graph, node: Node, data: ValidationData, shapes: Shapes, locator: Locator
) -> ValidationResult:
    """The result ``node`` of ``report`` as a record."""
    focus = report.value(node, SH.focusNode)
    assert focus is not None
    path = report.value(node, SH.resultPath)
    value = report.value(node, SH.value)
    shape = report.value(node, SH.sourceShape) or BNode()
    messages = sorted(str(m) for m in report.objects(node, SH.resultMessage))
    own = [m for m in messages if m not in shapes.shape_messages.get(shape, frozenset())]
    message = shorten_iris_in((own or messages or [""])[0])
    return ValidationResult(
        focus=focus,
        focus_label=None if isinstance(focus, Literal) else data.label(focus),
        path=path,
        path_text=None if path is None else render_path(report, path),
        value=value,
        message=message,
        severity=URIRef(str(report.value(node, SH.resultSeverity))),
        shape=shape,
        component=URIRef(str(report.value(node, SH.sourceConstraintComponent))),
        location=locator.find(focus, path, value),
    )
