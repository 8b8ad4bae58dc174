"""The two SHACL engines: pySHACL (the reference) and pyshacl-turbo (the default, fast).

Each takes the data in the form it is fastest with (pySHACL an rdflib ``Graph``,
pyshacl-turbo an Oxigraph ``Store``) and gives the standard ``sh:ValidationReport``.
pyshacl-turbo gives the same results as pySHACL on this graph (``tests/test_shapes.py``
checks every shape fixture on both) in a fraction of the time (``bench/validation_bench.py``).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any

from rdflib import Graph

from hairkg.validation.data import ValidationData
from hairkg.validation.shapes import Shapes

__all__ = ["DEFAULT_ENGINE", "ENGINES", "default_engine"]

#: The default engine, chosen from ``bench/validation_bench.py`` (see the README there).
DEFAULT_ENGINE = "turbo"

_PYSHACL_LOCK = threading.Lock()


@lru_cache(maxsize=512)
def _prepared_query(text: str, base: str | None, namespaces: tuple[tuple[str, Any], ...]) -> Any:
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    return translateQuery(parseQuery(text), base, dict(namespaces) or None)


@contextmanager
def _sparql_parsed_once() -> Iterator[None]:
    """Let rdflib parse each SPARQL text once while pySHACL runs.

    pySHACL hands rdflib the text of a SPARQL constraint once per focus node, and rdflib
    parses it every time: that parsing was 80 % of pySHACL's run on the shipped graph.
    Evaluating a prepared query is what ``rdflib.plugins.sparql.prepareQuery`` is for, so the
    results are the same; only the repeated parsing goes.
    """
    from rdflib.plugins.sparql import processor

    original = processor.SPARQLProcessor.query

    def query(
        self: Any,
        str_or_query: Any,
        initBindings: Any = None,  # noqa: N803 (rdflib's names)
        initNs: Any = None,  # noqa: N803
        base: str | None = None,
        DEBUG: bool = False,  # noqa: N803
    ) -> Any:
        if isinstance(str_or_query, str):
            namespaces = tuple(sorted((str(k), v) for k, v in (initNs or {}).items()))
            str_or_query = _prepared_query(str_or_query, base, namespaces)
        return original(self, str_or_query, initBindings, initNs, base, DEBUG)

    processor.SPARQLProcessor.query = query  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        processor.SPARQLProcessor.query = original  # type: ignore[method-assign]


def _pyshacl(data: ValidationData, shapes: Shapes) -> Graph:
    import pyshacl

    graph = data.rdflib_graph()
    with _PYSHACL_LOCK, _sparql_parsed_once():
        _, report, _ = pyshacl.validate(
            graph,
            shacl_graph=shapes.graph,
            inference="none",
            advanced=True,
            allow_warnings=True,
            allow_infos=True,
            do_owl_imports=False,
        )
    assert isinstance(report, Graph)
    return report


def _turbo(data: ValidationData, shapes: Shapes) -> Graph:
    program = shapes.turbo_program()
    _, report, _ = program.validate(
        data.oxigraph_store(), inference="none", allow_warnings=True, allow_infos=True
    )
    assert isinstance(report, Graph)
    return report


#: Validation engines by name; each takes the data and the shapes and gives the report.
ENGINES: dict[str, Callable[[ValidationData, Shapes], Graph]] = {
    "pyshacl": _pyshacl,
    "turbo": _turbo,
}


def default_engine() -> str:
    """Return :data:`DEFAULT_ENGINE` if it is installed, else ``pyshacl``."""
    try:
        import pyshacl_turbo  # noqa: F401
    except ImportError:
        return "pyshacl"
    return DEFAULT_ENGINE
