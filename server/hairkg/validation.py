"""SHACL validation of the graph with pySHACL (reference) or pyshacl-turbo (fast), as data.

The graph validated is the union of the asserted graphs (ontology, imports, data, mappings)
plus any extra files, as one set of triples (:class:`ValidationData`). Each engine gets the
form it is fastest with: pySHACL an rdflib ``Graph``, pyshacl-turbo an Oxigraph ``Store``
(which spares the conversion of every triple to rdflib terms). Both give an rdflib
``sh:ValidationReport``, turned here into :class:`ValidationResult` records with the focus
node's label and the file and line of the offending triple. Nothing here prints.

pyshacl-turbo is the default engine: on this graph it gives the same results as pySHACL
(``tests/test_shapes.py`` checks every shape fixture on both) in a fraction of the time
(``bench/validation_bench.py``). pySHACL stays the reference (``--engine pyshacl``).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SH
from rdflib.term import Node

from hairkg.errors import HairkgError
from hairkg.mappings import read_sssom
from hairkg.namespaces import PREFIXES, graph_iri
from hairkg.paths import bundled_dir
from hairkg.rdf_io import DEFAULT_MAX_FILE_BYTES, read_rdf_file
from hairkg.terms import from_ox, to_ox

__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "EngineError",
    "Shapes",
    "ShapesError",
    "ValidationData",
    "ValidationOutcome",
    "ValidationResult",
    "default_engine",
    "load_shapes",
    "shipped_shapes",
    "validate_data",
    "validate_files",
]

#: The named graphs validated: everything asserted (no inferences; shapes follow
#: ``rdfs:subClassOf`` of the ontology themselves).
VALIDATED_GRAPHS = ("ontology", "imports", "data", "mappings")
#: The default engine, chosen from ``bench/validation_bench.py`` (see the README there).
DEFAULT_ENGINE = "turbo"
#: The prefix of the shapes' own IRIs, used to shorten them in reports.
SHAPES_NS = "https://w3id.org/hairkg/shapes/"
SEVERITIES = ("Violation", "Warning", "Info")
_SEVERITY_RANK = {SH[name]: rank for rank, name in enumerate(SEVERITIES)}
_LABEL = ox.NamedNode(str(RDFS.label))


class ShapesError(HairkgError):
    """The shapes graph itself cannot be used."""


class EngineError(HairkgError):
    """A SHACL engine failed (not the data: the engine); the message names the engine."""

    exit_code = 3


# --- the shapes ---


class Shapes:
    """The shapes graph, with each engine's prepared form made once and kept."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._lock = threading.Lock()
        self._turbo: Any = None

    def turbo_program(self) -> Any:
        """Return the shapes compiled by pyshacl-turbo (compiled on first use)."""
        with self._lock:
            if self._turbo is None:
                import pyshacl_turbo

                try:
                    self._turbo = pyshacl_turbo.compile_shapes(  # type: ignore[no-untyped-call]
                        self.graph, advanced=True
                    )
                except ValueError as error:
                    raise ShapesError(f"pyshacl-turbo cannot compile the shapes: {error}") from None
            return self._turbo

    @cached_property
    def shape_messages(self) -> dict[Node, frozenset[str]]:
        """The ``sh:message`` texts of each shape (to prefer a constraint's own message)."""
        messages: dict[Node, set[str]] = {}
        for shape, message in self.graph.subject_objects(SH.message):
            messages.setdefault(shape, set()).add(str(message))
        return {shape: frozenset(texts) for shape, texts in messages.items()}


def load_shapes(paths: Iterable[Path] | None = None) -> Graph:
    """Parse the shipped shapes (or ``paths``) into one graph."""
    shapes = Graph()
    for prefix, namespace in PREFIXES.items():
        shapes.bind(prefix, namespace)
    shapes.bind("hkgsh", SHAPES_NS)
    shapes.bind("sh", str(SH))
    files = _shape_files() if paths is None else list(paths)
    if not files:
        raise ShapesError(f"no shapes found in {bundled_dir('shapes')}")
    for path in files:
        for quad in read_rdf_file(path):
            shapes.add((from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object)))
    return shapes


def shipped_shapes() -> Shapes:
    """Return the shipped shapes, parsed and compiled once per version of the files."""
    files = _shape_files()
    stamp = tuple((path, path.stat().st_mtime_ns, path.stat().st_size) for path in files)
    return _shipped_shapes(stamp)


@lru_cache(maxsize=2)
def _shipped_shapes(stamp: tuple[tuple[Path, int, int], ...]) -> Shapes:
    return Shapes(load_shapes([path for path, _, _ in stamp]))


def _shape_files() -> list[Path]:
    return sorted(bundled_dir("shapes").glob("*.ttl"))


# --- the data ---

Triple = tuple[Any, Any, Any]


class ValidationData:
    """The triples to validate, as one graph, and the files they were read from.

    ``triples`` are Oxigraph terms; :meth:`rdflib_graph` and :meth:`oxigraph_store` build
    (once) the form each engine takes. :meth:`changed` makes the same data plus and minus
    some triples, which is how the tests inject one defect into the shipped graph.
    """

    def __init__(self, triples: Iterable[ox.Triple], sources: Sequence[Path] = ()) -> None:
        self.triples: list[ox.Triple] = list(dict.fromkeys(triples))
        self.sources = tuple(sources)
        self._graph: Graph | None = None
        self._store: ox.Store | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.triples)

    @classmethod
    def from_files(
        cls,
        extra_files: Sequence[Path] = (),
        *,
        input_format: str | None = None,
        max_bytes: int = DEFAULT_MAX_FILE_BYTES,
        shipped: bool = True,
    ) -> ValidationData:
        """Read the shipped graph (unless not ``shipped``) and ``extra_files``.

        Raises :class:`hairkg.errors.RdfSyntaxError` (or its subclass ``UnsafeInputError``)
        naming the file and line of the first bad or hostile input.
        """
        from hairkg.loading import shipped_sources

        triples: list[ox.Triple] = []
        sources: list[Path] = []
        if shipped:
            for source in shipped_sources():
                sources.append(source.path)
                if source.path.name.endswith(".sssom.tsv"):
                    triples.extend(
                        ox.Triple(to_ox(m.subject), to_ox(m.predicate), to_ox(m.object))  # type: ignore[arg-type]
                        for m in read_sssom(source.path).mappings
                    )
                else:
                    triples.extend(quad.triple for quad in read_rdf_file(source.path))
        for path in extra_files:
            sources.append(path)
            quads = read_rdf_file(path, input_format, max_bytes)
            triples.extend(quad.triple for quad in quads)
        return cls(triples, sources)

    @classmethod
    def from_dataset(
        cls,
        dataset: Dataset,
        extra_graphs: Sequence[URIRef] = (),
        sources: Sequence[Path] = (),
    ) -> ValidationData:
        """The asserted graphs of a loaded dataset (and ``extra_graphs``), files not re-read."""
        names = [graph_iri(name) for name in VALIDATED_GRAPHS] + list(extra_graphs)
        return cls(
            (
                ox.Triple(to_ox(s), to_ox(p), to_ox(o))  # type: ignore[arg-type]
                for name in names
                for s, p, o in dataset.graph(name)
            ),
            sources,
        )

    @classmethod
    def from_graph(cls, graph: Graph, sources: Sequence[Path] = ()) -> ValidationData:
        """Wrap an rdflib graph (kept as is for pySHACL)."""
        data = cls((ox.Triple(to_ox(s), to_ox(p), to_ox(o)) for s, p, o in graph), sources)  # type: ignore[arg-type]
        data._graph = graph
        return data

    def changed(
        self, add: Iterable[ox.Triple] = (), remove: Iterable[ox.Triple] = ()
    ) -> ValidationData:
        """Return a copy with the triples ``add`` added and ``remove`` removed."""
        removed = set(remove)
        kept = [t for t in self.triples if t not in removed]
        return ValidationData([*kept, *add], self.sources)

    def rdflib_graph(self) -> Graph:
        """The triples as an rdflib graph (built on first use)."""
        with self._lock:
            if self._graph is None:
                graph = Graph()
                for prefix, namespace in PREFIXES.items():
                    graph.bind(prefix, namespace)
                graph.addN(
                    (from_ox(t.subject), from_ox(t.predicate), from_ox(t.object), graph)
                    for t in self.triples
                )
                self._graph = graph
            return self._graph

    def oxigraph_store(self) -> ox.Store:
        """The triples in an in-memory Oxigraph store (built on first use)."""
        with self._lock:
            if self._store is None:
                store = ox.Store()
                store.bulk_extend(ox.Quad(t.subject, t.predicate, t.object) for t in self.triples)
                self._store = store
            return self._store

    def label(self, node: Node) -> str | None:
        """The ``rdfs:label`` of ``node`` (English first), or None."""
        if not isinstance(node, URIRef):
            return None
        if self._store is not None:
            labels = [
                q.object
                for q in self._store.quads_for_pattern(ox.NamedNode(str(node)), _LABEL, None)
            ]
        else:
            labels = [to_ox(o) for o in self.rdflib_graph().objects(node, RDFS.label)]
        texts = sorted(
            (getattr(label, "language", None) != "en", label.value)
            for label in labels
            if isinstance(label, ox.Literal)
        )
        return texts[0][1] if texts else None


# --- the engines ---

_PYSHACL_LOCK = threading.Lock()


@lru_cache(maxsize=512)
def _prepared_query(text: str, base: str | None, namespaces: tuple[tuple[str, Any], ...]) -> Any:
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery

    return translateQuery(parseQuery(text), base, dict(namespaces) or None)


@contextmanager
def _sparql_parsed_once() -> Iterator[None]:
    """Let rdflib parse each SPARQL text once while pySHACL runs.

    pySHACL hands rdflib the text of a SPARQL constraint once per focus node, and rdflib
    parses it every time: that parsing was 80 % of pySHACL's run on the shipped graph.
    Evaluating a prepared query is what ``rdflib.plugins.sparql.prepareQuery`` is for, so the
    results are the same; only the repeated parsing goes.
    """
    from rdflib.plugins.sparql import processor

    original = processor.SPARQLProcessor.query

    def query(
        self: Any,
        str_or_query: Any,
        initBindings: Any = None,  # noqa: N803 (rdflib's names)
        initNs: Any = None,  # noqa: N803
        base: str | None = None,
        DEBUG: bool = False,  # noqa: N803
    ) -> Any:
        if isinstance(str_or_query, str):
            namespaces = tuple(sorted((str(k), v) for k, v in (initNs or {}).items()))
            str_or_query = _prepared_query(str_or_query, base, namespaces)
        return original(self, str_or_query, initBindings, initNs, base, DEBUG)

    processor.SPARQLProcessor.query = query  # type: ignore[method-assign,assignment]
    try:
        yield
    finally:
        processor.SPARQLProcessor.query = original  # type: ignore[method-assign]


def _pyshacl(data: ValidationData, shapes: Shapes) -> Graph:
    import pyshacl

    graph = data.rdflib_graph()
    with _PYSHACL_LOCK, _sparql_parsed_once():
        _, report, _ = pyshacl.validate(
            graph,
            shacl_graph=shapes.graph,
            inference="none",
            advanced=True,
            allow_warnings=True,
            allow_infos=True,
            do_owl_imports=False,
        )
    assert isinstance(report, Graph)
    return report


def _turbo(data: ValidationData, shapes: Shapes) -> Graph:
    program = shapes.turbo_program()
    _, report, _ = program.validate(
        data.oxigraph_store(), inference="none", allow_warnings=True, allow_infos=True
    )
    assert isinstance(report, Graph)
    return report


#: Validation engines by name; each takes the data and the shapes and gives the report.
ENGINES: dict[str, Callable[[ValidationData, Shapes], Graph]] = {
    "pyshacl": _pyshacl,
    "turbo": _turbo,
}


def default_engine() -> str:
    """Return :data:`DEFAULT_ENGINE` if it is installed, else ``pyshacl``."""
    try:
        import pyshacl_turbo  # noqa: F401
    except ImportError:
        return "pyshacl"
    return DEFAULT_ENGINE


# --- results ---


@dataclass(frozen=True)
class ValidationResult:
    """One ``sh:ValidationResult``, with what a person needs to find and fix it."""

    focus: Node
    focus_label: str | None
    path: Node | None
    path_text: str | None
    value: Node | None
    message: str
    severity: URIRef
    shape: Node
    component: URIRef
    location: str | None = None

    @property
    def severity_name(self) -> str:
        """``Violation``, ``Warning`` or ``Info``."""
        return str(self.severity).rsplit("#", 1)[-1]

    @property
    def component_name(self) -> str:
        """The constraint component without its namespace (``MinCountConstraintComponent``)."""
        return str(self.component).rsplit("#", 1)[-1]

    def key(self) -> tuple[str, str | None, str, str]:
        """What two engines must agree on: focus node, path, component and severity."""
        return (str(self.focus), self.path_text, self.component_name, self.severity_name)

    def as_json(self) -> dict[str, Any]:
        """Return the result as a JSON-ready dict (IRIs as strings)."""
        return {
            "focusNode": str(self.focus),
            "focusLabel": self.focus_label,
            "resultPath": str(self.path) if isinstance(self.path, URIRef) else self.path_text,
            "value": None if self.value is None else str(self.value),
            "message": self.message,
            "severity": self.severity_name,
            "sourceShape": str(self.shape),
            "sourceConstraintComponent": str(self.component),
            "location": self.location,
        }


@dataclass
class ValidationOutcome:
    """What validation found; ``conforms`` follows SHACL (violations only, by default)."""

    results: list[ValidationResult]
    report: Graph
    engine: str
    seconds: float = 0.0
    triples: int = 0
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for severity in SEVERITIES:
            self.counts[severity] = sum(1 for r in self.results if r.severity_name == severity)

    def conforms(self, *, strict: bool = False) -> bool:
        """No violations (and with ``strict`` no warnings either)."""
        return self.counts["Violation"] == 0 and (not strict or self.counts["Warning"] == 0)


# --- validating ---


def validate_data(
    data: ValidationData, shapes: Shapes | None = None, *, engine: str | None = None
) -> ValidationOutcome:
    """Validate ``data`` against ``shapes`` (default: the shipped ones) with ``engine``."""
    name = default_engine() if engine is None else engine
    try:
        run = ENGINES[name]
    except KeyError:
        raise HairkgError(
            f"unknown engine {name!r}; choose one of {', '.join(sorted(ENGINES))}"
        ) from None
    shapes = shipped_shapes() if shapes is None else shapes
    started = time.perf_counter()
    try:
        report = run(data, shapes)
    except ImportError as error:
        raise EngineError(
            f"the {name} engine is not installed ({error.name}); "
            "install pyshacl-turbo or choose --engine pyshacl"
        ) from None
    except HairkgError:
        raise
    except Exception as error:
        raise EngineError(f"the {name} engine failed: {type(error).__name__}: {error}") from None
    seconds = time.perf_counter() - started
    locator = _Locator(data.sources)
    results = [
        _result(report, node, data, shapes, locator)
        for node in report.subjects(RDF.type, SH.ValidationResult)
    ]
    results.sort(key=lambda r: (_SEVERITY_RANK.get(r.severity, 3), str(r.focus), r.key()))
    return ValidationOutcome(
        results=results, report=report, engine=name, seconds=seconds, triples=len(data)
    )


def validate_files(
    extra_files: Sequence[Path] = (),
    *,
    input_format: str | None = None,
    engine: str | None = None,
    max_bytes: int = DEFAULT_MAX_FILE_BYTES,
) -> ValidationOutcome:
    """Validate the shipped graph plus ``extra_files`` against the shipped shapes."""
    data = ValidationData.from_files(extra_files, input_format=input_format, max_bytes=max_bytes)
    return validate_data(data, engine=engine)


def _result(
    report: Graph, node: Node, data: ValidationData, shapes: Shapes, locator: _Locator
) -> ValidationResult:
    focus = report.value(node, SH.focusNode)
    assert focus is not None
    path = report.value(node, SH.resultPath)
    value = report.value(node, SH.value)
    shape = report.value(node, SH.sourceShape) or BNode()
    messages = sorted(str(m) for m in report.objects(node, SH.resultMessage))
    own = [m for m in messages if m not in shapes.shape_messages.get(shape, frozenset())]
    message = _IRI_IN_TEXT.sub(_shorten, (own or messages or [""])[0])
    return ValidationResult(
        focus=focus,
        focus_label=None if isinstance(focus, Literal) else data.label(focus),
        path=path,
        path_text=None if path is None else render_path(report, path),
        value=value,
        message=message,
        severity=URIRef(str(report.value(node, SH.resultSeverity))),
        shape=shape,
        component=URIRef(str(report.value(node, SH.sourceConstraintComponent))),
        location=locator.find(focus, path, value),
    )


#: Prefixes for shortening IRIs in reports, longest namespace first.
_SHORT_NAMES = sorted(
    {**PREFIXES, "hkgsh": SHAPES_NS, "sh": str(SH)}.items(), key=lambda item: -len(item[1])
)
_LOCAL_NAME = re.compile(r"[A-Za-z_][\w.-]*")
#: Full IRIs in messages (engines fill {$this} and {?value} with them), to shorten.
_IRI_IN_TEXT = re.compile(r"<?(https?://[^\s<>\"{}|^`]+?)>?(?=[\s,;:)]|\.(?:\s|$)|$)")


def _qname(iri: str) -> str | None:
    """``hkr:study-tak-2020`` for a full IRI in a known namespace, else None."""
    for prefix, namespace in _SHORT_NAMES:
        if iri.startswith(namespace):
            local = iri[len(namespace) :]
            if _LOCAL_NAME.fullmatch(local) and not local.endswith("."):
                return f"{prefix}:{local}"
    return None


def _shorten(match: re.Match[str]) -> str:
    name = _qname(match.group(1))
    return name if name is not None else match.group(0)


def _n3(node: Node) -> str:
    """``node`` in Turtle, with the hairkg prefixes (``hkr:study-tak-2020``, ``40``…)."""
    if isinstance(node, Literal):
        return str(node._literal_n3(use_plain=True, qname_callback=_qname))
    if isinstance(node, URIRef):
        return _qname(str(node)) or f"<{node}>"
    return str(node.n3())


def short(node: Node) -> str:
    """A prefixed name for ``node`` where one fits, else its Turtle form."""
    return _n3(node)


def render_path(graph: Graph, path: Node) -> str:
    """A SHACL property path as SPARQL path syntax (``^hkg:hasArm``, ``(a|b)``)."""
    if isinstance(path, URIRef):
        return _n3(path)
    inverse = graph.value(path, SH.inversePath)
    if inverse is not None:
        return "^" + render_path(graph, inverse)
    alternatives = graph.value(path, SH.alternativePath)
    if alternatives is not None:
        items = [render_path(graph, item) for item in graph.items(alternatives)]
        return "(" + "|".join(items) + ")"
    for predicate, suffix in ((SH.zeroOrMorePath, "*"), (SH.oneOrMorePath, "+")):
        inner = graph.value(path, predicate)
        if inner is not None:
            return render_path(graph, inner) + suffix
    inner = graph.value(path, SH.zeroOrOnePath)
    if inner is not None:
        return render_path(graph, inner) + "?"
    if graph.value(path, RDF.first) is not None:
        return "/".join(render_path(graph, item) for item in graph.items(path))
    return _n3(path)


# --- where a result is in the files ---


class _Locator:
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
