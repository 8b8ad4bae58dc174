"""Names for display: RDF terms, SHACL paths and IRIs in messages as prefixed names."""

from __future__ import annotations

import re

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import RDF, SH
from rdflib.term import Node

from hairkg.namespaces import shorten

__all__ = ["render_path", "short", "shorten_iris_in"]

#: Full IRIs in messages (engines fill {$this} and {?value} with them), to shorten.
_IRI_IN_TEXT = re.compile(r"<?(https?://[^\s<>\"{}|^`]+?)>?(?=[\s,;:)]|\.(?:\s|$)|$)")


def shorten_iris_in(text: str) -> str:
    """``text`` with each full IRI in a known namespace written as a prefixed name."""
    return _IRI_IN_TEXT.sub(lambda match: shorten(match.group(1)) or match.group(0), text)


def _n3(node: Node) -> str:
    """``node`` in Turtle, with the hairkg prefixes (``hkr:study-tak-2020``, ``40``…)."""
    if isinstance(node, Literal):
        return str(node._literal_n3(use_plain=True, qname_callback=shorten))
    if isinstance(node, URIRef):
        return shorten(str(node)) or f"<{node}>"
    return str(node.n3())


def short(node: Node) -> str:
    """A prefixed name for ``node`` where one fits, else its Turtle form."""
    return _n3(node)


def render_path(graph: Graph, path: Node) -> str:
    """A SHACL property path as SPARQL path syntax (``^hkg:hasArm``, ``(a|b)``)."""
    if isinstance(path, URIRef):
        return _n3(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + render_path(graph, inverse)
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        items = [render_path(graph, item) for item in graph.items(alternatives)]
        return "(" + "|".join(items) + ")"
    for predicate, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+")):
        inner = graph.value(path, predicate)
        if inner is not None:
            return render_path(graph, inner) + suffix
    inner = graph.value(path, SH.zeroOrOnePath)
    if inner is not None:
        return render_path(graph, inner) + "?"
    if graph.value(path, RDF.first) is not None:
        return "/".join(render_path(graph, item) for item in graph.items(path))
    return _n3(path)
