"""Reading RDF files safely: format by extension, Oxigraph's parsers, errors with file and line.

Oxigraph's parsers are used for every format because they never fetch anything (no remote
JSON-LD contexts, no external XML entities) and report the line and column of an error.
Before parsing, inputs that could exhaust memory are refused: oversized files and XML
entity declarations (the "billion laughs" expansion).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from hairkg.errors import RdfSyntaxError, UnknownFormatError, UnsafeInputError

__all__ = [
    "DEFAULT_MAX_FILE_BYTES",
    "RDF_FORMATS",
    "RdfFormatInfo",
    "format_for_path",
    "parse_rdf",
    "read_rdf_file",
]

#: Files larger than this are refused (configurable per call).
DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class RdfFormatInfo:
    """One RDF syntax hairkg reads."""

    name: str
    media_type: str
    extensions: tuple[str, ...]
    oxigraph: ox.RdfFormat
    has_graphs: bool


#: Every syntax hairkg reads, by its short name.
RDF_FORMATS: dict[str, RdfFormatInfo] = {
    info.name: info
    for info in (
        RdfFormatInfo("turtle", "text/turtle", (".ttl",), ox.RdfFormat.TURTLE, False),
        RdfFormatInfo("nt", "application/n-triples", (".nt",), ox.RdfFormat.N_TRIPLES, False),
        RdfFormatInfo("nquads", "application/n-quads", (".nq",), ox.RdfFormat.N_QUADS, True),
        RdfFormatInfo("trig", "application/trig", (".trig",), ox.RdfFormat.TRIG, True),
        RdfFormatInfo(
            "xml", "application/rdf+xml", (".rdf", ".owl", ".xml"), ox.RdfFormat.RDF_XML, False
        ),
        RdfFormatInfo(
            "json-ld", "application/ld+json", (".jsonld", ".json"), ox.RdfFormat.JSON_LD, True
        ),
    )
}

_FORMAT_ALIASES = {
    "ttl": "turtle",
    "ntriples": "nt",
    "n-triples": "nt",
    "nq": "nquads",
    "n-quads": "nquads",
    "rdfxml": "xml",
    "rdf/xml": "xml",
    "owl": "xml",
    "jsonld": "json-ld",
}

_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_LINE_IN_MESSAGE = re.compile(r"\s*\(line \d+\)\s*$")


def format_for_path(path: Path, explicit: str | None = None) -> RdfFormatInfo:
    """Return the syntax of ``path``: ``explicit`` if given, else from the file extension."""
    if explicit is not None:
        name = _FORMAT_ALIASES.get(explicit.lower(), explicit.lower())
        if name not in RDF_FORMATS:
            raise UnknownFormatError(
                f"unknown RDF format {explicit!r}; choose one of {', '.join(sorted(RDF_FORMATS))}"
            )
        return RDF_FORMATS[name]
    suffix = path.suffix.lower()
    for info in RDF_FORMATS.values():
        if suffix in info.extensions:
            return info
    known = sorted(ext for info in RDF_FORMATS.values() for ext in info.extensions)
    raise UnknownFormatError(
        f"{path}: cannot tell the RDF format from the extension {suffix or '(none)'!r}; "
        f"use one of {', '.join(known)} or pass --format"
    )


def parse_rdf(
    data: bytes, fmt: RdfFormatInfo, source: str, base_iri: str | None = None
) -> list[ox.Quad]:
    """Parse ``data`` completely, or raise :class:`RdfSyntaxError` naming ``source``."""
    if fmt.oxigraph == ox.RdfFormat.RDF_XML and _ENTITY_DECLARATION.search(data):
        raise UnsafeInputError(
            source,
            "RDF/XML with <!ENTITY declarations is refused (external entities and entity "
            "expansion are not allowed)",
        )
    try:
        return list(ox.parse(data, format=fmt.oxigraph, base_iri=base_iri, lenient=False))
    except SyntaxError as error:
        return _raise_syntax(error, source)
    except (ValueError, OSError) as error:
        raise RdfSyntaxError(source, str(error)) from None


def _raise_syntax(error: SyntaxError, source: str) -> list[ox.Quad]:
    message = _LINE_IN_MESSAGE.sub("", str(error.msg or error))
    message = re.sub(r"^Parser error at line \d+ between columns \d+ and \d+: ", "", message)
    raise RdfSyntaxError(source, message, line=error.lineno, column=error.offset) from None


def read_rdf_file(
    path: Path, fmt: str | None = None, max_bytes: int = DEFAULT_MAX_FILE_BYTES
) -> list[ox.Quad]:
    """Read every quad of the RDF file ``path``; triples come back in the default graph."""
    info = format_for_path(path, fmt)
    try:
        size = path.stat().st_size
    except OSError as error:
        raise RdfSyntaxError(path, f"cannot read file: {error.strerror}") from None
    if size > max_bytes:
        raise UnsafeInputError(
            path, f"file is {size} bytes, more than the limit of {max_bytes} bytes"
        )
    try:
        data = path.read_bytes()
    except OSError as error:
        raise RdfSyntaxError(path, f"cannot read file: {error.strerror}") from None
    return parse_rdf(data, info, str(path), base_iri=path.resolve().as_uri())
