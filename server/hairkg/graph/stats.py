"""Counts that describe the dataset: triples per named graph, instances per class."""

from __future__ import annotations

from dataclasses import dataclass

from rdflib import Dataset, URIRef
from rdflib.namespace import RDF
from rdflib.term import Node

from hairkg.graph.vocab import graph_iri
from hairkg.namespaces import GRAPHS, shorten

__all__ = ["DatasetStats", "compute_stats", "format_stats"]


@dataclass(frozen=True)
class DatasetStats:
    """Triples per named graph (in load order) and distinct instances per class."""

    triples_per_graph: dict[str, int]
    union_triples: int
    instances_per_class: dict[str, int]


def compute_stats(dataset: Dataset) -> DatasetStats:
    """Count triples per named graph and instances per class over the union graph."""
    per_graph: dict[str, int] = {}
    known = {graph_iri(name) for name in GRAPHS}
    for name in GRAPHS:
        per_graph[name] = len(dataset.graph(graph_iri(name)))
    for context in dataset.contexts():
        if context.identifier not in known and len(context):
            per_graph[str(context.identifier)] = len(context)
    members: dict[URIRef, set[Node]] = {}
    for subject, _, cls in dataset.triples((None, RDF.type, None)):
        if isinstance(cls, URIRef):
            members.setdefault(cls, set()).add(subject)
    union = len(set(dataset.triples((None, None, None))))
    return DatasetStats(
        triples_per_graph=per_graph,
        union_triples=union,
        instances_per_class={
            (shorten(cls) or f"<{cls}>"): len(found)
            for cls, found in sorted(members.items(), key=lambda item: (-len(item[1]), item[0]))
        },
    )


def format_stats(stats: DatasetStats, *, classes: str = "hkg") -> str:
    """Render ``stats`` as two plain-text tables; ``classes`` filters class names by prefix."""
    lines = ["named graph                          triples"]
    for name, count in stats.triples_per_graph.items():
        lines.append(f"{name:<36} {count:>7}")
    lines.append(f"{'(union, distinct)':<36} {stats.union_triples:>7}")
    lines.append("")
    lines.append("class                                instances")
    for cls, count in stats.instances_per_class.items():
        if not classes or cls.startswith(f"{classes}:"):
            lines.append(f"{cls:<36} {count:>9}")
    return "\n".join(lines)
