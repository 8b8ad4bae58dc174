"""Write shapes/generated_curie_patterns.ttl: known mapping prefixes and their local-id patterns.

The external vocabularies hairkg links to are the import modules in ``ontology/imports/``
(``<prefix>_import.ttl``). For each of them this script takes from bioregistry the regular
expression a local identifier must match, and writes

- ``hkgsh:MappingTargetPrefixShape``: every mapping target (``skos:*Match`` object) starts with
  the namespace of one of these vocabularies;
- one ``hkgsh:CuriePatternShape-<PREFIX>`` per vocabulary with a bioregistry pattern: an IRI in
  that namespace (a mapping target, an evidence type or a superclass) has a well-formed local id.

The namespace of a vocabulary is the one hairkg writes: the ``curie_map`` of the SSSOM mapping
table, else the project's own namespaces (QUDT), else bioregistry's RDF URI prefix.
bioregistry is a test dependency only: the shapes never import it at run time. Run this after
adding an import module or upgrading bioregistry; ``--check`` exits 1 if the file is stale
(the test suite runs it).

Usage: python scripts/generate_curie_patterns.py [--check]
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import bioregistry

from hairkg.graph.mappings import read_sssom
from hairkg.graph.vocab import QUDT, UNIT

ROOT = Path(__file__).resolve().parents[1]
IMPORTS = ROOT / "ontology" / "imports"
SSSOM = ROOT / "data" / "mappings" / "hairkg.sssom.tsv"
OUTPUT = ROOT / "shapes" / "generated_curie_patterns.ttl"

#: Vocabularies whose RDF namespaces are the project's own choice (ontology/imports/README.md).
PROJECT_NAMESPACES: dict[str, tuple[str, ...]] = {"qudt": (str(QUDT), str(UNIT))}

#: Vocabularies bioregistry does not register (yet): their namespace is the SSSOM curie_map's,
#: and their local ids have no pattern to check.
UNREGISTERED = {"pico": "Cochrane PICO Ontology"}

#: The properties whose objects are external identifiers.
MAPPING_PREDICATES = (
    "skos:broadMatch",
    "skos:closeMatch",
    "skos:exactMatch",
    "skos:narrowMatch",
    "skos:relatedMatch",
)
IDENTIFIER_PREDICATES = (*MAPPING_PREDICATES, "hkg:evidenceType")


@dataclass(frozen=True)
class Vocabulary:
    """One external vocabulary: its display prefix, namespaces and local-id pattern."""

    prefix: str
    namespaces: tuple[str, ...]
    pattern: str | None


def vocabularies() -> list[Vocabulary]:
    """Return the vocabularies of the import modules, sorted by prefix."""
    curie_map = {
        str(bioregistry.normalize_prefix(str(key)) or key): str(value)
        for key, value in read_sssom(SSSOM).metadata["curie_map"].items()
    }
    found = []
    for path in sorted(IMPORTS.glob("*_import.ttl")):
        name = path.name.removesuffix("_import.ttl")
        normalized = bioregistry.normalize_prefix(name)
        if normalized is None and name in UNREGISTERED:
            if name not in curie_map:
                raise SystemExit(f"{path}: {UNREGISTERED[name]} needs a curie_map entry in {SSSOM}")
            found.append(Vocabulary(prefix=name, namespaces=(curie_map[name],), pattern=None))
            continue
        if normalized is None:
            raise SystemExit(f"{path}: bioregistry does not know the prefix {name!r}")
        resource = bioregistry.get_resource(normalized)
        assert resource is not None
        if normalized in PROJECT_NAMESPACES:
            namespaces = PROJECT_NAMESPACES[normalized]
        elif normalized in curie_map:
            namespaces = (curie_map[normalized],)
        else:
            uri_prefix = resource.get_rdf_uri_prefix() or resource.get_uri_prefix()
            if uri_prefix is None:
                raise SystemExit(f"bioregistry has no URI prefix for {normalized!r}")
            namespaces = (uri_prefix,)
        found.append(
            Vocabulary(
                prefix=resource.get_preferred_prefix() or normalized,
                namespaces=namespaces,
                pattern=bioregistry.get_pattern(normalized),
            )
        )
    return found


def _literal(text: str) -> str:
    """Return ``text`` as a Turtle string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _in_long_string(text: str) -> str:
    """Return ``text`` escaped for a Turtle triple-quoted string (a SPARQL query's text)."""
    return text.replace("\\", "\\\\")


def _escape(text: str) -> str:
    """Escape the regex metacharacters of ``text`` the way XPath (and so SHACL) allows."""
    return re.sub(r"([\\.?*+{}()\[\]^$|])", r"\\\1", text)


def _iri_regex(namespace: str, local_pattern: str) -> str:
    """Return the regex a full IRI matches: the namespace, then a local id of ``local_pattern``."""
    local = local_pattern.removeprefix("^").removesuffix("$")
    return "^" + _escape(namespace) + f"({local})$"


def render() -> str:
    """Return the text of shapes/generated_curie_patterns.ttl."""
    vocabs = vocabularies()
    namespaces = sorted(ns for vocab in vocabs for ns in vocab.namespaces)
    known = "^(" + "|".join(_escape(ns) for ns in namespaces) + ")"
    prefix_list = ", ".join(vocab.prefix for vocab in vocabs)
    identifiers = " | ".join(IDENTIFIER_PREDICATES)
    lines = [
        "# Generated by scripts/generate_curie_patterns.py from bioregistry: do not edit by hand.",
        "# Known mapping prefixes (the import modules of ontology/imports/) and, for each",
        "# vocabulary with a bioregistry pattern, the pattern its local identifiers match.",
        "@prefix hkg: <https://w3id.org/hairkg/ontology/> .",
        "@prefix hkgsh: <https://w3id.org/hairkg/shapes/> .",
        "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .",
        "@prefix sh: <http://www.w3.org/ns/shacl#> .",
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .",
        "",
        "hkgsh:MappingTargetPrefixShape",
        "    a sh:NodeShape ;",
        '    rdfs:label "mapping target prefix known"@en ;',
        "    sh:targetObjectsOf " + " ,\n        ".join(MAPPING_PREDICATES) + " ;",
        "    sh:sparql [",
        "        a sh:SPARQLConstraint ;",
        '        rdfs:label "target in a known namespace"@en ;',
        "        sh:message "
        + _literal(
            "The mapping target {$this} is not in the namespace of a vocabulary hairkg "
            f"imports ({prefix_list}): add an import module, or fix the IRI."
        )
        + "@en ;",
        "        sh:prefixes <https://w3id.org/hairkg/shapes> ;",
        '        sh:select """SELECT $this WHERE {',
        f"    FILTER(!isIRI($this) || !REGEX(STR($this), {_in_long_string(_literal(known))}))",
        '}"""',
        "    ] ;",
        "    sh:severity sh:Violation ;",
        "    sh:message "
        + _literal("Every mapping target's prefix is one of the vocabularies hairkg imports.")
        + "@en .",
    ]
    for vocab in vocabs:
        if vocab.pattern is None:
            continue
        for namespace in vocab.namespaces:
            lines += [
                "",
                f"hkgsh:CuriePatternShape-{vocab.prefix}",
                "    a sh:NodeShape ;",
                f"    rdfs:label {_literal(vocab.prefix + ' identifier')}@en ;",
                "    sh:target [",
                "        a sh:SPARQLTarget ;",
                "        sh:prefixes <https://w3id.org/hairkg/shapes> ;",
                '        sh:select """SELECT DISTINCT ?this WHERE {',
                f"    ?subject {identifiers} ?this .",
                f"    FILTER(isIRI(?this) && STRSTARTS(STR(?this), {_literal(namespace)}))",
                '}"""',
                "    ] ;",
                f"    sh:pattern {_literal(_iri_regex(namespace, vocab.pattern))} ;",
                "    sh:severity sh:Violation ;",
                "    sh:message "
                + _literal(
                    f"A {vocab.prefix} identifier ({namespace}…) has a local id matching "
                    f"{vocab.pattern} (bioregistry)."
                )
                + "@en .",
            ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Write the file, or with ``--check`` report whether it is up to date."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the file is stale")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is stale: run python scripts/generate_curie_patterns.py")
            return 1
        print(f"{OUTPUT} is up to date")
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
