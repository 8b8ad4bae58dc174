"""Reading RDF files safely: format by extension, Oxigraph's parsers, errors with file and line.

Oxigraph's parsers are used for every format because they never fetch anything (no remote
JSON-LD contexts, no external XML entities) and report the line and column of an error.
Before parsing, inputs that could exhaust memory or time, or crash the parser, are refused:

- files larger than ``max_bytes``, and anything that is not a regular file (a FIFO,
  ``/dev/zero``), read at most ``max_bytes`` bytes;
- XML entity declarations (external entities and the "billion laughs" expansion);
- nesting deeper than ``max_nesting`` levels: blank nodes ``[ … ]``, collections ``( … )``,
  triple terms ``<<( … )>>`` (Oxigraph's parsers recurse on these and crash the process
  a few ten thousand levels down), JSON arrays and objects, XML elements (Oxigraph's
  RDF/XML parser slows down quadratically with depth);

and after parsing, literals longer than ``max_literal_chars`` and RDF 1.2 triple terms, which
hairkg does not use. Invalid UTF-8 is a syntax error of the parser.
"""

from __future__ import annotations

import re
import stat
from pathlib import Path

import pyoxigraph as ox

from hairkg.errors import (
    FileTooLargeError,
    RdfSyntaxError,
    UnknownFormatError,
    UnsafeInputError,
)
from hairkg.formats import RDF_FORMATS, RdfFormat, rdf_format_for_extension, rdf_format_named

__all__ = [
    "DEFAULT_MAX_FILE_BYTES",
    "DEFAULT_MAX_LITERAL_CHARS",
    "DEFAULT_MAX_NESTING",
    "format_for_path",
    "load_rdf_file",
    "parse_rdf",
    "read_rdf_file",
]

#: Files larger than this are refused (configurable per call).
DEFAULT_MAX_FILE_BYTES = 64 * 1024 * 1024
#: Nesting deeper than this (blank nodes, collections, triple terms, JSON, XML) is refused.
DEFAULT_MAX_NESTING = 256
#: Literals longer than this many characters are refused (checked only in bigger files).
DEFAULT_MAX_LITERAL_CHARS = 1024 * 1024


_UTF8_BOM = b"\xef\xbb\xbf"
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_LINE_IN_MESSAGE = re.compile(r"\s*\(line \d+\)\s*$")


def format_for_path(path: Path, explicit: str | None = None) -> RdfFormat:
    """Return the syntax of ``path``: ``explicit`` if given, else from the file extension."""
    if explicit is not None:
        return rdf_format_named(explicit)
    suffix = path.suffix.lower()
    found = rdf_format_for_extension(suffix)
    if found is not None:
        return found
    known = sorted(ext for info in RDF_FORMATS for ext in info.extensions)
    raise UnknownFormatError(
        f"{path}: cannot tell the RDF format from the extension {suffix or '(none)'!r}; "
        f"use one of {', '.join(known)} or pass --format"
    )


def parse_rdf(
    data: bytes,
    fmt: RdfFormat,
    source: str,
    base_iri: str | None = None,
    *,
    max_nesting: int = DEFAULT_MAX_NESTING,
    max_literal_chars: int = DEFAULT_MAX_LITERAL_CHARS,
) -> list[ox.Quad]:
    """Parse ``data`` completely, or raise :class:`RdfSyntaxError` naming ``source``."""
    if fmt.oxigraph == ox.RdfFormat.RDF_XML and _ENTITY_DECLARATION.search(data):
        raise UnsafeInputError(
            source,
            "RDF/XML with <!ENTITY declarations is refused (external entities and entity "
            "expansion are not allowed)",
        )
    if data.startswith(_UTF8_BOM):
        # A byte-order mark is allowed before UTF-8 text and says nothing about the RDF; the
        # blank replacement keeps columns of the first line right.
        data = b" " + data[len(_UTF8_BOM) :]
    _check_nesting(data, fmt, source, max_nesting)
    try:
        quads = list(ox.parse(data, format=fmt.oxigraph, base_iri=base_iri, lenient=False))
    except SyntaxError as error:
        return _raise_syntax(error, source)
    except (ValueError, OSError) as error:
        _refuse_remote_context(error, source)
        raise RdfSyntaxError(source, str(error)) from None
    except MemoryError as error:
        raise UnsafeInputError(
            source, f"a token (literal or IRI) is too long for the parser: {error}"
        ) from None
    # A literal cannot be longer than the file, and in the line-based syntaxes a triple term
    # needs "<<": most files skip the scan over every quad.
    long_literals = len(data) > max_literal_chars
    if long_literals or b"<<" in data or fmt.name in ("rdfxml", "jsonld"):
        _check_terms(quads, source, max_literal_chars if long_literals else None)
    return quads


def _refuse_remote_context(error: Exception, source: str) -> None:
    """Say plainly that a JSON-LD context to fetch was refused (Oxigraph has no loader set)."""
    if "LoadDocumentCallback" in str(error):
        raise UnsafeInputError(
            source,
            "JSON-LD with a remote context (a @context URL or file) is refused: hairkg never "
            "fetches anything while loading; put the context inline in the file",
            line=getattr(error, "lineno", None),
        ) from None


def _raise_syntax(error: SyntaxError, source: str) -> list[ox.Quad]:
    _refuse_remote_context(error, source)
    message = _LINE_IN_MESSAGE.sub("", str(error.msg or error))
    message = re.sub(r"^Parser error at line \d+ between columns \d+ and \d+: ", "", message)
    raise RdfSyntaxError(source, message, line=error.lineno, column=error.offset) from None


# Tokens that can hold brackets without nesting anything (strings, IRIs, comments), and the
# brackets that do nest, per family of syntaxes. Only bracket tokens change the depth.
_TURTLE_TOKENS = re.compile(
    rb'"""(?:[^"\\]|\\.|"(?!""))*"""'
    rb"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    rb'|"(?:[^"\\\n\r]|\\.)*"'
    rb"|'(?:[^'\\\n\r]|\\.)*'"
    rb"|#[^\n\r]*"
    rb"|(?P<open><<\(?|[\[({])"
    rb"|(?P<close>\)?>>|[\])}])"
    rb"|<[^<>\"{}|^`\\\x00-\x20]*>",
    re.DOTALL,
)
_JSON_TOKENS = re.compile(rb'"(?:[^"\\]|\\.)*"|(?P<open>[\[{])|(?P<close>[\]}])', re.DOTALL)
_XML_TOKENS = re.compile(
    rb"<!--.*?-->|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<![^>]*>"
    rb"|(?P<close></[^>]*>)"
    rb"|(?P<open><(?:\"[^\"]*\"|'[^']*'|[^'\">])*>)",
    re.DOTALL,
)
_OPENERS = {
    "rdfxml": (b"<",),
    "jsonld": (b"[", b"{"),
}


def _check_nesting(data: bytes, fmt: RdfFormat, source: str, limit: int) -> None:
    """Refuse ``data`` nested deeper than ``limit`` levels, before a parser recurses on it."""
    openers = _OPENERS.get(fmt.name, (b"[", b"(", b"<<", b"{"))
    if sum(data.count(opener) for opener in openers) <= limit:
        return  # cannot be deeper than the number of brackets it has
    tokens = {"rdfxml": _XML_TOKENS, "jsonld": _JSON_TOKENS}.get(fmt.name, _TURTLE_TOKENS)
    depth = 0
    for match in tokens.finditer(data):
        if match.group("close") is not None:
            depth -= 1
        elif match.group("open") is not None and not match.group("open").endswith(b"/>"):
            depth += 1
            if depth > limit:
                line = data.count(b"\n", 0, match.start()) + 1
                raise UnsafeInputError(
                    source,
                    f"nesting deeper than {limit} levels is refused (blank nodes, "
                    "collections, triple terms, JSON arrays/objects or XML elements)",
                    line=line,
                )


def _check_terms(quads: list[ox.Quad], source: str, max_literal_chars: int | None) -> None:
    """Refuse triple terms, and literals longer than ``max_literal_chars`` (if given)."""
    for quad in quads:
        obj = quad.object
        if isinstance(obj, ox.Triple) or isinstance(quad.subject, ox.Triple):
            raise UnsafeInputError(
                source, "RDF 1.2 triple terms (<<( … )>>, rdf:reifies) are not supported"
            )
        if (
            max_literal_chars is not None
            and isinstance(obj, ox.Literal)
            and len(obj.value) > max_literal_chars
        ):
            raise UnsafeInputError(
                source,
                f"a literal of {len(obj.value)} characters is refused (the limit is "
                f"{max_literal_chars})",
            )


def read_rdf_file(
    path: Path,
    fmt: str | None = None,
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
    *,
    max_nesting: int = DEFAULT_MAX_NESTING,
    max_literal_chars: int = DEFAULT_MAX_LITERAL_CHARS,
) -> list[ox.Quad]:
    """Read every quad of the RDF file ``path``; triples come back in the default graph."""
    info = format_for_path(path, fmt)
    try:
        status = path.stat()
    except OSError as error:
        raise RdfSyntaxError(path, f"cannot read file: {error.strerror}") from None
    if not stat.S_ISREG(status.st_mode):
        raise UnsafeInputError(path, "not a regular file (a directory, device or pipe)")
    if status.st_size > max_bytes:
        raise FileTooLargeError(
            path, f"file is {status.st_size} bytes, more than the limit of {max_bytes} bytes"
        )
    try:
        with path.open("rb") as stream:
            data = stream.read(max_bytes + 1)
    except OSError as error:
        raise RdfSyntaxError(path, f"cannot read file: {error.strerror}") from None
    if len(data) > max_bytes:
        raise UnsafeInputError(path, f"file grew beyond the limit of {max_bytes} bytes")
    return parse_rdf(
        data,
        info,
        str(path),
        base_iri=path.resolve().as_uri(),
        max_nesting=max_nesting,
        max_literal_chars=max_literal_chars,
    )


#: Formats with one statement per line: nothing nests in them but RDF 1.2 triple terms.
_LINE_BASED = ("ntriples", "nquads")
_CHUNK = 16 * 1024 * 1024


def _has_triple_term_marker(path: Path) -> bool:
    """Whether ``<<`` occurs in the file, read in chunks (no copy of a big file in memory)."""
    previous = b""
    with path.open("rb") as stream:
        while chunk := stream.read(_CHUNK):
            if b"<<" in previous[-1:] + chunk:
                return True
            previous = chunk
    return False


def load_rdf_file(
    store: ox.Store,
    path: Path,
    graph: str,
    fmt: str | None = None,
    max_bytes: int = 0,
    *,
    max_nesting: int = DEFAULT_MAX_NESTING,
) -> None:
    """Stream the RDF file ``path`` into ``store`` (Oxigraph's bulk loader, no Python objects).

    Triples, and quads of the default graph, go into the named graph ``graph``; quads of other
    graphs keep theirs. This is the serving path for the operator's own files: ``max_bytes``
    (0: none) is the operator's setting, and what would crash or hang the parser is refused
    as in :func:`parse_rdf` (deep nesting, XML entity declarations, remote JSON-LD contexts,
    triple terms). Long literals are not looked for. Raises :class:`RdfSyntaxError` naming the
    file and line of the first bad input; the store then holds part of the file.
    """
    info = format_for_path(path, fmt)
    try:
        status = path.stat()
    except OSError as error:
        raise RdfSyntaxError(path, f"cannot read file: {error.strerror}") from None
    if not stat.S_ISREG(status.st_mode):
        raise UnsafeInputError(path, "not a regular file (a directory, device or pipe)")
    if max_bytes and status.st_size > max_bytes:
        raise FileTooLargeError(
            path, f"file is {status.st_size} bytes, more than the limit of {max_bytes} bytes"
        )
    try:
        triple_terms = _has_triple_term_marker(path)
        if info.name not in _LINE_BASED or triple_terms:
            data = path.read_bytes()
            if info.oxigraph == ox.RdfFormat.RDF_XML and _ENTITY_DECLARATION.search(data):
                raise UnsafeInputError(
                    path,
                    "RDF/XML with <!ENTITY declarations is refused (external entities and "
                    "entity expansion are not allowed)",
                )
            _check_nesting(data, info, str(path), max_nesting)
            del data
    except OSError as error:
        raise RdfSyntaxError(path, f"cannot read file: {error.strerror}") from None
    try:
        store.bulk_load(
            path=str(path),
            format=info.oxigraph,
            base_iri=path.resolve().as_uri(),
            to_graph=ox.NamedNode(graph),
        )
    except SyntaxError as error:
        _raise_syntax(error, str(path))
    except (ValueError, OSError) as error:
        _refuse_remote_context(error, str(path))
        raise RdfSyntaxError(path, str(error)) from None
    except MemoryError as error:
        raise UnsafeInputError(
            path, f"a token (literal or IRI) is too long for the parser: {error}"
        ) from None
    if triple_terms and store.query(
        "ASK { GRAPH ?g { ?s ?p ?o FILTER(isTRIPLE(?s) || isTRIPLE(?o)) } }"
    ):
        raise UnsafeInputError(
            path, "RDF 1.2 triple terms (<<( … )>>, rdf:reifies) are not supported"
        )
