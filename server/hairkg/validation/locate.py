"""Where a result is in the source files: the ``file:line`` of the offending statement.

A text scan, not a parser: the focus node's block in a Turtle/TriG file, then the line of
the path (and value) inside it; in an SSSOM table, the row of the mapping.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.term import Node

from hairkg.errors import HairkgError
from hairkg.graph.mappings import read_sssom
from hairkg.graph.rdf_io import DEFAULT_MAX_FILE_BYTES

__all__ = ["Locator"]


class Locator:
    """Finds the ``file:line`` of a result: the focus node's block, the path's line in it."""

    def __init__(self, sources: Sequence[Path]) -> None:
        self.sources = sources

    def find(self, focus: Node, path: Node | None, value: Node | None) -> str | None:
        if not isinstance(focus, URIRef):
            return None
        fallback = None
        for source in self.sources:
            text = _SourceText.of(source)
            if text is None:
                continue
            for line in text.locate(focus, path, value):
                if line[1]:
                    return f"{_shown(source)}:{line[0]}"
                fallback = fallback or f"{_shown(source)}:{line[0]}"
        return fallback


def _shown(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


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

    @staticmethod
    def of(path: Path) -> _SourceText | None:
        try:
            status = path.stat()
        except OSError:
            return None
        return _source_text(path, status.st_mtime_ns, status.st_size)

    def spellings(self, iri: str) -> tuple[str, ...]:
        names = [f"<{iri}>"]
        for prefix, namespace in self.prefixes.items():
            if namespace and iri.startswith(namespace):
                local = iri[len(namespace) :]
                if re.fullmatch(r"[\w.-]*", local) and not local.endswith("."):
                    names.append(f"{prefix}:{local}")
        return tuple(names)

    def locate(
        self, focus: URIRef, path: Node | None, value: Node | None
    ) -> Iterator[tuple[int, bool]]:
        """Yield (line, exact) for each block of ``focus``; exact if the path and value are in it."""
        if self.tsv:
            yield from self._locate_tsv(focus, value)
            return
        predicates = self.spellings(str(path)) if isinstance(path, URIRef) else ()
        values = self._value_spellings(value)
        for spelling in self.spellings(str(focus)):
            for start in self.starts.get(spelling, ()):
                if self.lines[start - 1][:1].isspace() and not self._starts_block(start):
                    continue
                line, exact = self._inside_block(start, predicates, values)
                yield (line, exact)

    def _value_spellings(self, value: Node | None) -> tuple[str, ...]:
        if isinstance(value, URIRef):
            return self.spellings(str(value))
        if isinstance(value, Literal):
            lexical = str(value).replace("\\", "\\\\").replace('"', '\\"')
            return (f'"{lexical}"', str(value)) if "\n" not in lexical else ()
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


@lru_cache(maxsize=128)
def _source_text(path: Path, mtime_ns: int, size: int) -> _SourceText | None:
    del mtime_ns, size  # part of the cache key only
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
    return any(
        re.search(r"(?:^|(?<=[\s,(]))" + re.escape(name) + r"(?=[\s,;.)]|$)", text)
        for name in names
    )
