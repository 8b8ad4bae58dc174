"""The curated SSSOM mapping table, turned into ``skos:*Match`` triples for the mappings graph.

``data/mappings/hairkg.sssom.tsv`` is the one hand-edited copy of the mappings (as OBO projects
keep theirs); the triples are derived from it at load time and never written a second time.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from rdflib import URIRef

from hairkg.errors import RdfSyntaxError

__all__ = ["MAPPING_PREDICATES", "CurieMap", "Mapping", "MappingSet", "read_sssom"]

#: The SKOS mapping relations hairkg publishes.
MAPPING_PREDICATES = frozenset(
    {
        "skos:exactMatch",
        "skos:closeMatch",
        "skos:broadMatch",
        "skos:narrowMatch",
        "skos:relatedMatch",
    }
)
_REQUIRED_COLUMNS = ("subject_id", "predicate_id", "object_id", "mapping_justification")
_REQUIRED_METADATA = ("curie_map", "mapping_set_id", "license")


@dataclass(frozen=True)
class Mapping:
    """One row of the table, with its CURIEs expanded."""

    subject: URIRef
    predicate: URIRef
    object: URIRef
    subject_id: str
    object_id: str
    line: int


@dataclass(frozen=True)
class CurieMap:
    """The table's ``curie_map``: expands ``PREFIX:local`` as ``curies.Converter.expand`` does.

    Not ``curies`` itself: importing it (pydantic) takes 0.15-0.2 s, which every start of the
    server paid to expand a few hundred CURIEs of one file.
    """

    prefix_map: dict[str, str]

    def expand(self, curie: str) -> str | None:
        """The IRI of ``curie``, or None if it has no colon or an unknown prefix."""
        prefix, colon, local = curie.partition(":")
        namespace = self.prefix_map.get(prefix) if colon else None
        return None if namespace is None else namespace + local


@dataclass(frozen=True)
class MappingSet:
    """The table's metadata block and its rows."""

    metadata: dict[str, Any]
    mappings: tuple[Mapping, ...]
    converter: CurieMap


def read_sssom(path: Path) -> MappingSet:
    """Read an SSSOM TSV file, or raise :class:`RdfSyntaxError` with the offending line."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise RdfSyntaxError(path, f"cannot read mapping table: {error}") from None
    lines = text.splitlines()
    header_end = 0
    while header_end < len(lines) and lines[header_end].startswith("#"):
        header_end += 1
    metadata = _read_metadata(path, [line[1:] for line in lines[:header_end]])
    prefix_map = {str(k): str(v) for k, v in metadata["curie_map"].items()}
    prefix_map.setdefault("skos", "http://www.w3.org/2004/02/skos/core#")
    first: dict[str, str] = {}
    for prefix, namespace in prefix_map.items():
        other = first.setdefault(namespace, prefix)
        if other != prefix:  # an IRI would have two CURIEs (curies refuses such a map too)
            raise RdfSyntaxError(
                path, f"curie_map gives {other} and {prefix} the same IRI {namespace}", line=1
            )
    converter = CurieMap(prefix_map)
    reader = csv.DictReader(io.StringIO("\n".join(lines[header_end:])), delimiter="\t")
    missing = [c for c in _REQUIRED_COLUMNS if c not in (reader.fieldnames or ())]
    if missing:
        raise RdfSyntaxError(path, f"missing column(s): {', '.join(missing)}", line=header_end + 1)
    rows = []
    for offset, row in enumerate(reader, start=header_end + 2):
        rows.append(_read_row(path, offset, row, converter))
    return MappingSet(metadata=metadata, mappings=tuple(rows), converter=converter)


def _read_metadata(path: Path, yaml_lines: list[str]) -> dict[str, Any]:
    try:
        metadata = yaml.safe_load("\n".join(yaml_lines)) or {}
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise RdfSyntaxError(path, f"metadata block is not valid YAML: {error}", line) from None
    if not isinstance(metadata, dict):
        raise RdfSyntaxError(path, "metadata block must be a YAML mapping", line=1)
    missing = [key for key in _REQUIRED_METADATA if key not in metadata]
    if missing:
        raise RdfSyntaxError(path, f"metadata block lacks {', '.join(missing)}", line=1)
    if not isinstance(metadata["curie_map"], dict):
        raise RdfSyntaxError(path, "curie_map must be a mapping of prefix to IRI", line=1)
    return metadata


def _read_row(path: Path, line: int, row: dict[str, str | None], converter: CurieMap) -> Mapping:
    values = {key: (row.get(key) or "").strip() for key in _REQUIRED_COLUMNS}
    if None in row:
        raise RdfSyntaxError(path, "row has more cells than the header", line=line)
    for key, value in values.items():
        if not value:
            raise RdfSyntaxError(path, f"empty {key}", line=line)
    if values["predicate_id"] not in MAPPING_PREDICATES:
        raise RdfSyntaxError(
            path,
            f"predicate {values['predicate_id']!r} is not one of "
            f"{', '.join(sorted(MAPPING_PREDICATES))}",
            line=line,
        )
    expanded = {}
    for key in ("subject_id", "predicate_id", "object_id"):
        iri = converter.expand(values[key])
        if iri is None:
            raise RdfSyntaxError(
                path, f"{key} {values[key]!r} uses a prefix not in curie_map", line=line
            )
        expanded[key] = URIRef(iri)
    return Mapping(
        subject=expanded["subject_id"],
        predicate=expanded["predicate_id"],
        object=expanded["object_id"],
        subject_id=values["subject_id"],
        object_id=values["object_id"],
        line=line,
    )
