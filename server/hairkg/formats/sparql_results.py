"""Writers for SELECT/ASK results in the four SPARQL 1.1 result formats.

Engines hand over terms in one neutral shape, so every backend serialises identically:
``("uri", iri)``, ``("bnode", id)``, ``("literal", lexical, language, datatype)``
(``datatype`` is ``None`` for plain and language-tagged strings).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from xml.sax.saxutils import escape, quoteattr

from hairkg.formats.escaping import escape_string

__all__ = [
    "Row",
    "Term",
    "boolean_csv",
    "boolean_json",
    "boolean_tsv",
    "boolean_xml",
    "solutions_csv",
    "solutions_json",
    "solutions_tsv",
    "solutions_xml",
]

Term = tuple[str, ...]
Row = Sequence[Term | None]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def boolean_json(value: bool) -> bytes:
    """An ASK answer in SPARQL JSON results."""
    return json.dumps({"head": {}, "boolean": value}).encode()


def boolean_xml(value: bool) -> bytes:
    """An ASK answer in SPARQL XML results."""
    return (
        '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">'
        f"<head/><boolean>{'true' if value else 'false'}</boolean></sparql>\n"
    ).encode()


# CSV and TSV have no boolean form; Jena and Oxigraph write the bare word.
def boolean_csv(value: bool) -> bytes:
    """An ASK answer as CSV (one ``_askResult`` column)."""
    return f"_askResult\r\n{'true' if value else 'false'}\r\n".encode()


def boolean_tsv(value: bool) -> bytes:
    """An ASK answer as TSV (one ``?_askResult`` column)."""
    return f"?_askResult\n{'true' if value else 'false'}\n".encode()


def _json_term(term: Term) -> dict[str, str]:
    if term[0] == "uri":
        return {"type": "uri", "value": term[1]}
    if term[0] == "bnode":
        return {"type": "bnode", "value": term[1]}
    out = {"type": "literal", "value": term[1]}
    if term[2]:
        out["xml:lang"] = term[2]
    elif term[3] and term[3] != _XSD_STRING:
        out["datatype"] = term[3]
    return out


def solutions_json(variables: Sequence[str], rows: Iterable[Row]) -> bytes:
    bindings = []
    for row in rows:
        bindings.append(
            {
                name: _json_term(term)
                for name, term in zip(variables, row, strict=True)
                if term is not None
            }
        )
    document = {"head": {"vars": list(variables)}, "results": {"bindings": bindings}}
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _xml_text(text: str) -> str:
    return escape(text)


def solutions_xml(variables: Sequence[str], rows: Iterable[Row]) -> bytes:
    out = [
        '<?xml version="1.0"?>\n<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
        "<head>",
    ]
    out += [f"<variable name={quoteattr(name)}/>" for name in variables]
    out.append("</head><results>")
    for row in rows:
        out.append("<result>")
        for name, term in zip(variables, row, strict=True):
            if term is None:
                continue
            out.append(f"<binding name={quoteattr(name)}>")
            if term[0] == "uri":
                out.append(f"<uri>{_xml_text(term[1])}</uri>")
            elif term[0] == "bnode":
                out.append(f"<bnode>{_xml_text(term[1])}</bnode>")
            elif term[2]:
                out.append(f"<literal xml:lang={quoteattr(term[2])}>{_xml_text(term[1])}</literal>")
            elif term[3] and term[3] != _XSD_STRING:
                out.append(f"<literal datatype={quoteattr(term[3])}>{_xml_text(term[1])}</literal>")
            else:
                out.append(f"<literal>{_xml_text(term[1])}</literal>")
            out.append("</binding>")
        out.append("</result>")
    out.append("</results></sparql>\n")
    return "".join(out).encode("utf-8")


def _csv_cell(term: Term | None) -> str:
    if term is None:
        return ""
    value = f"_:{term[1]}" if term[0] == "bnode" else term[1]
    if any(c in value for c in ',"\r\n'):
        return '"' + value.replace('"', '""') + '"'
    return value


def solutions_csv(variables: Sequence[str], rows: Iterable[Row]) -> bytes:
    lines = [",".join(variables)]
    lines += [",".join(_csv_cell(term) for term in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _tsv_term(term: Term | None) -> str:
    if term is None:
        return ""
    if term[0] == "uri":
        return f"<{term[1]}>"
    if term[0] == "bnode":
        return f"_:{term[1]}"
    lexical = escape_string(term[1])
    if term[2]:
        return f'"{lexical}"@{term[2]}'
    if term[3] and term[3] != _XSD_STRING:
        return f'"{lexical}"^^<{term[3]}>'
    return f'"{lexical}"'


def solutions_tsv(variables: Sequence[str], rows: Iterable[Row]) -> bytes:
    lines = ["\t".join(f"?{name}" for name in variables)]
    lines += ["\t".join(_tsv_term(term) for term in row) for row in rows]
    return ("\n".join(lines) + "\n").encode("utf-8")
