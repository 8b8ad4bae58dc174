"""hairkg's IRIs as plain strings, the prefix table, and the one way to shorten an IRI.

Nothing here imports rdflib, so query workers can use it; the rdflib ``Namespace`` objects
built from these strings are in :mod:`hairkg.graph.vocab`.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # curies (pydantic) costs 0.15 s to import: only when an IRI is shortened
    import curies

__all__ = [
    "BASE_IRI",
    "GRAPHS",
    "GRAPH_BASE",
    "HKG",
    "HKR",
    "ONTOLOGY_IRI",
    "PREFIXES",
    "SHAPES_NS",
    "graph_name_iri",
    "prefix_converter",
    "shorten",
]

#: Where every IRI hairkg mints starts.
BASE_IRI = "https://w3id.org/hairkg/"
#: Classes and properties of the hairkg ontology.
HKG = BASE_IRI + "ontology/"
#: Individuals: therapies, studies, claims, coded values.
HKR = BASE_IRI + "resource/"
#: The ontology itself.
ONTOLOGY_IRI = BASE_IRI + "ontology"
#: Named graphs built by :func:`hairkg.graph.loading.load_dataset`.
GRAPH_BASE = BASE_IRI + "graph/"
#: The SHACL shapes' own IRIs.
SHAPES_NS = BASE_IRI + "shapes/"

#: The named graphs, in load order; the default graph is their union.
GRAPHS: tuple[str, ...] = ("ontology", "imports", "data", "mappings", "inferred")

#: Prefixes bound in serialisations and offered in queries.
PREFIXES: dict[str, str] = {
    "hkg": HKG,
    "hkr": HKR,
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "owl": "http://www.w3.org/2002/07/owl#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "bibo": "http://purl.org/ontology/bibo/",
    "qudt": "http://qudt.org/schema/qudt/",
    "unit": "http://qudt.org/vocab/unit/",
    "obo": "http://purl.obolibrary.org/obo/",
}

#: Prefixes used only to display (validation reports name shapes and SHACL terms).
_DISPLAY_PREFIXES = {"hkgsh": SHAPES_NS, "sh": "http://www.w3.org/ns/shacl#"}

#: A local name that reads back as the same IRI in Turtle and SPARQL (PN_LOCAL, simplified).
_LOCAL_NAME = re.compile(r"[A-Za-z0-9_][\w.-]*")


def graph_name_iri(name: str) -> str:
    """The IRI of the named graph ``name`` (one of :data:`GRAPHS`)."""
    return GRAPH_BASE + name


def prefix_converter(prefixes: dict[str, str] | None = None) -> curies.Converter:
    """A converter for ``prefixes`` (default: hairkg's, plus the display-only ones)."""
    if prefixes is None:
        return _default_converter()
    import curies

    first_per_namespace: dict[str, str] = {}
    for prefix, namespace in prefixes.items():
        first_per_namespace.setdefault(namespace, prefix)  # curies refuses synonyms
    return curies.Converter.from_prefix_map({p: ns for ns, p in first_per_namespace.items()})


@functools.cache
def _default_converter() -> curies.Converter:
    import curies

    return curies.Converter.from_prefix_map({**PREFIXES, **_DISPLAY_PREFIXES})


def shorten(iri: str, converter: curies.Converter | None = None) -> str | None:
    """``hkr:study-tak-2020`` for an IRI in a known namespace, else None.

    The longest matching namespace wins (``curies`` keeps a trie); a local name that would
    not read back as the same IRI (``a/b``, a trailing dot, empty) gives None.
    """
    curie = (converter or _default_converter()).compress(iri)
    if curie is None:
        return None
    local = curie.split(":", 1)[1]
    if not _LOCAL_NAME.fullmatch(local) or local.endswith("."):
        return None
    return curie
