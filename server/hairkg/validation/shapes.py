"""The SHACL shapes: parsed once from ``shapes/``, compiled once for pyshacl-turbo."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

from rdflib import Graph
from rdflib.namespace import SH
from rdflib.term import Node

from hairkg.errors import ShapesError
from hairkg.graph.rdf_io import read_rdf_file
from hairkg.graph.terms import from_ox
from hairkg.namespaces import PREFIXES, SHAPES_NS
from hairkg.paths import bundled_dir

__all__ = ["Shapes", "load_shapes", "shipped_shapes"]


class Shapes:
    """The shapes graph, with each engine's prepared form made once and kept."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._lock = threading.Lock()
        self._turbo: Any = None

    def turbo_program(self) -> Any:
        """Return the shapes compiled by pyshacl-turbo (compiled on first use)."""
        with self._lock:
            if self._turbo is None:
                import pyshacl_turbo

                try:
                    self._turbo = pyshacl_turbo.compile_shapes(  # type: ignore[no-untyped-call]
                        self.graph, advanced=True
                    )
                except ValueError as error:
                    raise ShapesError(f"pyshacl-turbo cannot compile the shapes: {error}") from None
            return self._turbo

    @cached_property
    def shape_messages(self) -> dict[Node, frozenset[str]]:
        """The ``sh:message`` texts of each shape (to prefer a constraint's own message)."""
        messages: dict[Node, set[str]] = {}
        for shape, message in self.graph.subject_objects(SH.message):
            messages.setdefault(shape, set()).add(str(message))
        return {shape: frozenset(texts) for shape, texts in messages.items()}


def load_shapes(paths: Iterable[Path] | None = None) -> Graph:
    """Parse the shipped shapes (or ``paths``) into one graph."""
    shapes = Graph()
    for prefix, namespace in PREFIXES.items():
        shapes.bind(prefix, namespace)
    shapes.bind("hkgsh", SHAPES_NS)
    shapes.bind("sh", str(SH))
    files = _shape_files() if paths is None else list(paths)
    if not files:
        raise ShapesError(f"no shapes found in {bundled_dir('shapes')}")
    for path in files:
        for quad in read_rdf_file(path):
            shapes.add((from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object)))
    return shapes


def shipped_shapes() -> Shapes:
    """Return the shipped shapes, parsed and compiled once per version of the files."""
    files = _shape_files()
    stamp = tuple((path, path.stat().st_mtime_ns, path.stat().st_size) for path in files)
    return _shipped_shapes(stamp)


@lru_cache(maxsize=2)
def _shipped_shapes(stamp: tuple[tuple[Path, int, int], ...]) -> Shapes:
    return Shapes(load_shapes([path for path, _, _ in stamp]))


def _shape_files() -> list[Path]:
    return sorted(bundled_dir("shapes").glob("*.ttl"))
