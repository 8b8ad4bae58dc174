"""The string escapes shared by Turtle, N-Triples and SPARQL TSV (ECHAR of their grammars)."""

from __future__ import annotations

__all__ = ["escape_string"]

_ECHAR = str.maketrans({"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t"})


def escape_string(lexical: str) -> str:
    """``lexical`` escaped for a double-quoted string of Turtle, N-Triples or TSV results."""
    return lexical.translate(_ECHAR)
