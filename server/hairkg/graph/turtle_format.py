"""The canonical layout of hairkg's Turtle files, so that ontology and data read like code.

One block per subject; blocks ordered by the subject's first ``rdf:type`` and then by IRI,
with a comment line opening each type's section; inside a block ``a`` first, then
``rdfs:label`` and ``skos:definition``, then the other predicates by name. ``hairkg fmt``
rewrites files in this layout and ``hairkg fmt --check`` (run by the tests) reports files
that are not in it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

from rdflib import BNode, Graph, Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD
from rdflib.term import Node

from hairkg.errors import RdfSyntaxError
from hairkg.formats.escaping import escape_string
from hairkg.graph.rdf_io import read_rdf_file
from hairkg.graph.terms import from_ox
from hairkg.namespaces import prefix_converter, shorten

__all__ = ["format_graph", "format_turtle_file"]

_FIRST_PREDICATES = (RDF.type, RDFS.label, SKOS.definition)
_BARE_DATATYPES = {
    XSD.integer: re.compile(r"^[+-]?\d+$"),
    XSD.decimal: re.compile(r"^[+-]?\d*\.\d+$"),
    XSD.boolean: re.compile(r"^(true|false)$"),
}
_PREFIX_DECLARATION = re.compile(r"^\s*@prefix\s+([\w-]*):\s*<([^>]*)>\s*\.\s*$", re.MULTILINE)


def format_turtle_file(path: Path) -> str:
    """Return the canonical text of the Turtle file ``path`` (its prefixes are kept)."""
    graph = Graph(bind_namespaces="none")
    for quad in read_rdf_file(path, "turtle"):
        graph.add((from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object)))
    prefixes = dict(
        (name, uri) for name, uri in _PREFIX_DECLARATION.findall(path.read_text("utf-8"))
    )
    for node in graph.all_nodes():
        if isinstance(node, BNode):
            raise RdfSyntaxError(
                path, "blank nodes are not allowed in shipped files; give the node an IRI"
            )
    return format_graph(graph, prefixes)


def format_graph(graph: Graph, prefixes: dict[str, str]) -> str:
    """Render ``graph`` (no blank nodes) canonically with the given prefix declarations."""
    converter = prefix_converter(prefixes)

    def name(term: Node) -> str:
        if isinstance(term, URIRef):
            return shorten(str(term), converter) or f"<{term}>"
        if isinstance(term, Literal):
            return _literal(term, name)
        raise TypeError(f"unexpected term {term!r}")

    blocks: dict[Node, dict[Node, list[Node]]] = defaultdict(lambda: defaultdict(list))
    for s, p, o in graph:
        blocks[s][p].append(o)

    def section(subject: Node) -> str:
        types = sorted(name(t) for t in blocks[subject].get(RDF.type, []))
        if OWL.Ontology in blocks[subject].get(RDF.type, []):
            return ""
        return types[0] if types else "~untyped"

    used = {
        name(t).split(":", 1)[0]
        for s, p, o in graph
        for t in (s, p, o)
        if isinstance(t, URIRef) and not name(t).startswith("<")
    }
    used |= {
        name(o.datatype).split(":", 1)[0]
        for o in graph.objects()
        if isinstance(o, Literal) and o.datatype is not None
    }
    out = [
        f"@prefix {prefix}: <{namespace}> ."
        for prefix, namespace in sorted(prefixes.items())
        if prefix in used
    ]
    current = None
    for subject in sorted(blocks, key=lambda s: (section(s), name(s))):
        if section(subject) != current:
            current = section(subject)
            out.append("")
            out.append(f"# --- {current} ---" if current else "# --- ontology header ---")
        out.append("")
        out.append(_block(subject, blocks[subject], name))
    return "\n".join(out) + "\n"


def _block(subject: Node, predicates: dict[Node, list[Node]], render: Callable[[Node], str]) -> str:
    ordered: list[Node] = [p for p in _FIRST_PREDICATES if p in predicates]
    ordered += sorted((p for p in predicates if p not in _FIRST_PREDICATES), key=render)
    parts = []
    for predicate in ordered:
        objects = sorted({render(o) for o in predicates[predicate]})
        label = "a" if predicate == RDF.type else render(predicate)
        joined = (" ,\n" + " " * 8).join(objects)
        parts.append(f"    {label} {joined}")
    return f"{render(subject)}\n" + " ;\n".join(parts) + " ."


def _literal(term: Literal, name: Callable[[Node], str]) -> str:
    lexical = str(term)
    if term.datatype in _BARE_DATATYPES and _BARE_DATATYPES[term.datatype].match(lexical):
        return lexical
    text = f'"{escape_string(lexical)}"'
    if term.language:
        return f"{text}@{term.language}"
    if term.datatype is not None and term.datatype != XSD.string:
        return f"{text}^^{name(term.datatype)}"
    return text
