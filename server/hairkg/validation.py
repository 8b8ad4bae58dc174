"""SHACL validation of the dataset with pySHACL (reference) or pyshacl-turbo (fast), as data.

``validate_graph`` never prints: it returns a :class:`ValidationOutcome` whose results the
CLI renders for people (grouped by focus node, with labels and file:line) or as JSON/Turtle.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from hairkg.errors import HairkgError
from hairkg.namespaces import PREFIXES, graph_iri
from hairkg.paths import bundled_dir
from hairkg.rdf_io import read_rdf_file
from hairkg.terms import from_ox

__all__ = [
    "ENGINES",
    "ValidationOutcome",
    "ValidationResult",
    "load_shapes",
    "validate_graph",
    "validation_graph",
]

#: The graphs validated: everything asserted (inferences are recomputed by the shapes' needs).
VALIDATED_GRAPHS = ("ontology", "imports", "data", "mappings")
SEVERITY_ORDER = {SH.Violation: 0, SH.Warning: 1, SH.Info: 2}


class ShapesError(HairkgError):
    """The shapes graph itself cannot be used."""


def _pyshacl(data: Graph, shapes: Graph) -> tuple[bool, Graph]:
    import pyshacl

    conforms, report, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
        allow_infos=True,
        do_owl_imports=False,
    )
    assert isinstance(report, Graph)
    return bool(conforms), report


def _turbo(data: Graph, shapes: Graph) -> tuple[bool, Graph]:
    import pyshacl_turbo

    conforms, report, _ = pyshacl_turbo.validate(
        data,
        shacl_graph=shapes,
        inference="none",
        advanced=True,
        allow_warnings=True,
        allow_infos=True,
        do_owl_imports=False,
    )
    assert isinstance(report, Graph)
    return bool(conforms), report


#: Validation engines by name; both take and give rdflib graphs with pySHACL's semantics.
ENGINES: dict[str, Callable[[Graph, Graph], tuple[bool, Graph]]] = {
    "pyshacl": _pyshacl,
    "turbo": _turbo,
}


@dataclass(frozen=True)
class ValidationResult:
    """One ``sh:ValidationResult``, with what a person needs to find and fix it."""

    focus: Node
    focus_label: str | None
    path: Node | None
    value: Node | None
    message: str
    severity: URIRef
    shape: Node
    component: URIRef
    location: str | None = None

    def as_json(self) -> dict[str, Any]:
        """Return the result as a JSON-ready dict (IRIs as strings)."""
        return {
            "focusNode": str(self.focus),
            "focusLabel": self.focus_label,
            "resultPath": None if self.path is None else str(self.path),
            "value": None if self.value is None else str(self.value),
            "message": self.message,
            "severity": str(self.severity).rsplit("#", 1)[-1],
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
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for severity in ("Violation", "Warning", "Info"):
            self.counts[severity] = sum(
                1 for r in self.results if str(r.severity).endswith(severity)
            )

    def conforms(self, *, strict: bool = False) -> bool:
        """No violations (and with ``strict`` no warnings either)."""
        return self.counts["Violation"] == 0 and (not strict or self.counts["Warning"] == 0)


def load_shapes(paths: Iterable[Path] | None = None) -> Graph:
    """Parse the shipped shapes (or ``paths``) into one graph."""
    shapes = Graph()
    for prefix, namespace in PREFIXES.items():
        shapes.bind(prefix, namespace)
    files = sorted(bundled_dir("shapes").glob("*.ttl")) if paths is None else list(paths)
    if not files:
        raise ShapesError(f"no shapes found in {bundled_dir('shapes')}")
    for path in files:
        for quad in read_rdf_file(path):
            shapes.add((from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object)))
    return shapes


def validation_graph(dataset: Dataset, extra_graphs: Sequence[URIRef] = ()) -> Graph:
    """Copy the asserted graphs (and ``extra_graphs``) of ``dataset`` into one plain graph."""
    graph = Graph()
    for prefix, namespace in PREFIXES.items():
        graph.bind(prefix, namespace)
    for name in [graph_iri(n) for n in VALIDATED_GRAPHS] + list(extra_graphs):
        for triple in dataset.graph(name):
            graph.add(triple)
    return graph


def validate_graph(
    data: Graph, shapes: Graph, *, engine: str = "pyshacl", sources: Sequence[Path] = ()
) -> ValidationOutcome:
    """Validate ``data`` against ``shapes``; ``sources`` are searched for file:line locations."""
    try:
        run = ENGINES[engine]
    except KeyError:
        raise HairkgError(
            f"unknown engine {engine!r}; choose one of {', '.join(sorted(ENGINES))}"
        ) from None
    conforms_flag, report = run(data, shapes)
    del conforms_flag  # recomputed from the results, so warnings never fail a run by accident
    locator = _Locator(tuple(sources), data)
    results = []
    for node in report.subjects(RDF.type, SH.ValidationResult):
        focus = report.value(node, SH.focusNode)
        assert focus is not None
        path = report.value(node, SH.resultPath)
        value = report.value(node, SH.value)
        label = data.value(focus, RDFS.label) if not isinstance(focus, Literal) else None
        message = report.value(node, SH.resultMessage)
        severity = report.value(node, SH.resultSeverity)
        results.append(
            ValidationResult(
                focus=focus,
                focus_label=None if label is None else str(label),
                path=None if isinstance(path, BNode) else path,
                value=value,
                message="" if message is None else str(message),
                severity=URIRef(str(severity)),
                shape=report.value(node, SH.sourceShape) or BNode(),
                component=URIRef(str(report.value(node, SH.sourceConstraintComponent))),
                location=locator.find(focus, path),
            )
        )
    results.sort(key=lambda r: (SEVERITY_ORDER.get(r.severity, 3), str(r.focus), str(r.path)))
    return ValidationOutcome(results=results, report=report, engine=engine)


class _Locator:
    """Finds ``file:line`` of a focus node's block (and the path's line inside it)."""

    def __init__(self, sources: tuple[Path, ...], graph: Graph) -> None:
        self.sources = sources
        self.graph = graph

    def find(self, focus: Node, path: Node | None) -> str | None:
        if not isinstance(focus, URIRef):
            return None
        names = _spellings(self.graph, focus)
        path_names = _spellings(self.graph, path) if isinstance(path, URIRef) else ()
        for source in self.sources:
            lines = _lines(source)
            for number, line in enumerate(lines, start=1):
                if _starts_with_any(line, names):
                    return f"{source}:{self._inside_block(lines, number, path_names)}"
        return None

    @staticmethod
    def _inside_block(lines: tuple[str, ...], start: int, path_names: tuple[str, ...]) -> int:
        for offset, line in enumerate(lines[start - 1 :], start=start):
            stripped = line.strip()
            if path_names and any(stripped.startswith(n + " ") for n in path_names):
                return offset
            if stripped.endswith(" .") and offset > start:
                break
        return start


def _spellings(graph: Graph, iri: URIRef) -> tuple[str, ...]:
    names = [f"<{iri}>"]
    try:
        names.append(graph.namespace_manager.normalizeUri(iri))
    except ValueError:
        pass
    return tuple(names)


def _starts_with_any(line: str, names: tuple[str, ...]) -> bool:
    return any(re.match(re.escape(n) + r"(\s|$)", line) for n in names)


@lru_cache(maxsize=64)
def _lines(path: Path) -> tuple[str, ...]:
    try:
        return tuple(path.read_text(encoding="utf-8").splitlines())
    except (OSError, UnicodeDecodeError):
        return ()
