"""Where a result is in the source files: the ``file:line`` of the offending statement.

A text scan, not a parser: the focus node's block in a Turtle/TriG file, then the line of
the path (and value) inside it; in an SSSOM table, the row of the mapping.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import cached_property
from pathlib import Path

from rdflib import XSD, Literal, URIRef
from rdflib.term import Node

from hairkg.errors import HairkgError
from hairkg.graph.mappings import read_sssom
from hairkg.graph.rdf_io import DEFAULT_MAX_FILE_BYTES

__all__ = ["Locator"]


class Locator:
    """Finds the ``file:line`` of a result: the focus node's block, the path's line in it."""

    def __init__(self, sources: Sequence[Path]) -> None:
        self.sources = sources
        # read on first use, then kept for this report: a report of a big file has tens of
        # thousands of results, and each must not stat and resolve every source again
        self._texts: list[tuple[str, _SourceText]] | None = None

    def _source_texts(self) -> list[tuple[str, _SourceText]]:
        if self._texts is None:
            texts = ((source, _SourceText.of(source)) for source in self.sources)
            self._texts = [(_shown(source), text) for source, text in texts if text is not None]
        return self._texts

    def find(self, focus: Node, path: Node | None, value: Node | None) -> str | None:
        if not isinstance(focus, URIRef):
            return None
        fallback = None
        for shown, text in self._source_texts():
            for line in text.locate(focus, path, value):
                if line[1]:
                    return f"{shown}:{line[0]}"
                fallback = fallback or f"{shown}:{line[0]}"
        return fallback


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


_LOCAL_NAME = re.compile(r"[\w.-]*")
_BARE_DATATYPES = frozenset((XSD.integer, XSD.decimal, XSD.double, XSD.boolean))
#: How many IRIs' spellings a file remembers for one report (a bound: values can be many)
_SPELLINGS_KEPT = 10_000

_PREFIX_LINE = re.compile(r"^\s*(?:@prefix|PREFIX)\s+([\w.-]*):\s*<([^>]*)>", re.IGNORECASE)


class _SourceText:
    """One source file's lines, prefixes and an index of the lines by their first token."""

    def __init__(self, path: Path, lines: tuple[str, ...]) -> None:
        self.path = path
        self.lines = lines
        self.prefixes: dict[str, str] = {}
        self.starts: dict[str, list[int]] = {}
        for number, line in enumerate(lines, start=1):
            match = _PREFIX_LINE.match(line)
            if match:
                self.prefixes[match.group(1)] = match.group(2)
            token = line.split(None, 1)
            if token:
                self.starts.setdefault(token[0], []).append(number)
        self.tsv = path.name.endswith(".tsv")
        self._mappings: list[tuple[int, str, str]] | None = None
        self._spellings: dict[str, tuple[str, ...]] = {}

    @staticmethod
    def of(path: Path) -> _SourceText | None:
        return _source_text(path)

    def spellings(self, iri: str) -> tuple[str, ...]:
        """How ``iri`` may be written in this file: in full, and with each matching prefix."""
        names = [f"<{iri}>"]
        for prefix, namespace in self.prefixes.items():
            if namespace and iri.startswith(namespace):
                local = iri[len(namespace) :]
                if _LOCAL_NAME.fullmatch(local) and not local.endswith("."):
                    names.append(f"{prefix}:{local}")
        return tuple(names)

    def _kept_spellings(self, iri: str) -> tuple[str, ...]:
        """:meth:`spellings`, remembered: paths and coded values recur in every result."""
        known = self._spellings.get(iri)
        if known is None:
            known = self.spellings(iri)
            if len(self._spellings) < _SPELLINGS_KEPT:
                self._spellings[iri] = known
        return known

    def locate(
        self, focus: URIRef, path: Node | None, value: Node | None
    ) -> Iterator[tuple[int, bool]]:
        """Yield (line, exact) for each block of ``focus``; exact if the path and value are in it."""
        if self.tsv:
            yield from self._locate_tsv(focus, value)
            return
        starts = self._iri_starts.get(str(focus))
        if not starts:  # most files of a report do not mention most focus nodes
            return
        predicates = self._kept_spellings(str(path)) if isinstance(path, URIRef) else ()
        values = self._value_spellings(value)
        for start in starts:
            if self.lines[start - 1][:1].isspace() and not self._starts_block(start):
                continue
            line, exact = self._inside_block(start, predicates, values)
            yield (line, exact)

    @cached_property
    def _iri_starts(self) -> dict[str, list[int]]:
        """The lines by the IRI their first token spells (``<iri>`` or ``prefix:local``)."""
        by_iri: dict[str, list[int]] = {}
        for token, numbers in self.starts.items():
            iri = None
            if token.startswith("<") and token.endswith(">"):
                iri = token[1:-1]
            elif ":" in token:
                prefix, local = token.split(":", 1)
                namespace = self.prefixes.get(prefix)
                if namespace and _LOCAL_NAME.fullmatch(local) and not local.endswith("."):
                    iri = namespace + local
            if iri is not None:
                by_iri.setdefault(iri, []).extend(numbers)
        for numbers in by_iri.values():
            numbers.sort()
        return by_iri

    def _value_spellings(self, value: Node | None) -> tuple[str, ...]:
        if isinstance(value, URIRef):
            return self._kept_spellings(str(value))
        if isinstance(value, Literal):
            # spelled in full: a LanguageIn or Datatype result is about the very tag or type
            # that tells "x"@en from "x" and "2018"^^xsd:gYear from "2018"
            lexical = str(value).replace("\\", "\\\\").replace('"', '\\"')
            if "\n" in lexical:
                return ()
            quoted = f'"{lexical}"'
            if value.language:
                return (f"{quoted}@{value.language}",)
            datatype = value.datatype or XSD.string
            typed = tuple(f"{quoted}^^{name}" for name in self._kept_spellings(str(datatype)))
            if datatype == XSD.string:  # written with or without its datatype
                return (quoted, *typed)
            # Turtle writes numbers and booleans bare: 0, 2.5, 1e3, true
            return (*typed, str(value)) if datatype in _BARE_DATATYPES else typed
        return ()

    def _starts_block(self, number: int) -> bool:
        """Whether an indented line ``number`` starts a block (as in TriG graphs)."""
        for previous in reversed(self.lines[: number - 1]):
            stripped = previous.strip()
            if stripped and not stripped.startswith("#"):
                return stripped.endswith((".", "{", "}"))
        return True

    def _inside_block(
        self, start: int, predicates: tuple[str, ...], values: tuple[str, ...]
    ) -> tuple[int, bool]:
        """The line of the path (and value) in the block from ``start``; exact if found."""
        if not predicates:
            return start, False
        first = self.lines[start - 1].split(None, 1)
        rest = first[1] if len(first) > 1 else ""
        if _starts_with(rest, predicates) and (not values or _contains(rest, values)):
            return start, True
        hit = None
        for number in range(start, len(self.lines) + 1):
            stripped = self.lines[number - 1].strip()
            if number > start and _starts_with(stripped, predicates):
                hit = number
                if not values or _contains(stripped, values):
                    return number, True
            elif hit is not None and values and _contains(stripped, values):
                return number, True
            if stripped.endswith(" .") or stripped == ".":
                break
        return (hit or start), False

    def _locate_tsv(self, focus: URIRef, value: Node | None) -> Iterator[tuple[int, bool]]:
        if self._mappings is None:
            try:
                table = read_sssom(self.path)
            except HairkgError:
                table = None
            self._mappings = (
                []
                if table is None
                else [(m.line, str(m.subject), str(m.object)) for m in table.mappings]
            )
        iri = str(focus)
        for line, subject, obj in self._mappings:
            if subject == iri:
                yield (line, value is None or obj == str(value))
            elif obj == iri:
                yield (line, True)


def _source_text(path: Path) -> _SourceText | None:
    # not cached beyond a Locator (one report): the store host that validates at start
    # goes on to serve, and a big file's lines and index would stay in its memory for good
    try:
        with path.open("rb") as stream:
            data = stream.read(DEFAULT_MAX_FILE_BYTES + 1)
    except OSError:
        return None
    if len(data) > DEFAULT_MAX_FILE_BYTES:
        return None
    try:
        return _SourceText(path, tuple(data.decode("utf-8").splitlines()))
    except UnicodeDecodeError:
        return None


def _starts_with(text: str, names: tuple[str, ...]) -> bool:
    """Whether ``text`` starts with one of ``names`` followed by a separator."""
    return any(
        text.startswith(name) and text[len(name) : len(name) + 1] in ("", " ", "\t", ",", ";")
        for name in names
    )


def _contains(text: str, names: tuple[str, ...]) -> bool:
    """Whether ``text`` has one of ``names`` as a whole token."""
    return any(_has_token(text, name) for name in names)


#: What may come before a token, and after it (a literal is spelled with its tag or
#: datatype, so "x" does not end inside "x"@en)
_BEFORE = frozenset(" \t\n\r\f\v,(")
_AFTER = frozenset(" \t\n\r\f\v,;.)")


def _has_token(text: str, name: str) -> bool:
    if not name:
        return False
    at = text.find(name)
    while at != -1:
        end = at + len(name)
        if (at == 0 or text[at - 1] in _BEFORE) and (end == len(text) or text[end] in _AFTER):
            return True
        at = text.find(name, at + 1)
    return False
