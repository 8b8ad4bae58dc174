"""The SHACL shapes: the shipped graph conforms, every shape fails on its fixture with exactly
the expected result, the shapes are well-formed SHACL, and both engines agree.

Fixtures are described in ``tests/shapes/README.md``. Fixture runs use pyshacl-turbo (fast);
``test_engines_agree`` runs them through pySHACL as well.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import RDF, RDFS, SH

from hairkg.graph.loading import shipped_sources
from hairkg.graph.rdf_io import read_rdf_file
from hairkg.graph.terms import from_ox
from hairkg.namespaces import SHAPES_NS
from hairkg.validation import ValidationData, ValidationOutcome, shipped_shapes, validate_data
from hairkg.validation.naming import render_path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "shapes"
INVALID = sorted((FIXTURES / "invalid").glob("*.trig"))
VALID = sorted((FIXTURES / "valid").glob("*.trig"))
REMOVE = "urn:hairkg:fixture:remove"
EXPECT = "urn:hairkg:fixture:expect"
HKG = "https://w3id.org/hairkg/ontology/"
HKR = "https://w3id.org/hairkg/resource/"
#: Parameters that make a shape produce results of its own (not just group other shapes).
CONSTRAINTS = frozenset(
    SH[name]
    for name in (
        "class",
        "datatype",
        "nodeKind",
        "minCount",
        "maxCount",
        "minInclusive",
        "maxInclusive",
        "minExclusive",
        "maxExclusive",
        "minLength",
        "maxLength",
        "pattern",
        "languageIn",
        "uniqueLang",
        "in",
        "hasValue",
        "or",
        "and",
        "not",
        "xone",
        "node",
        "sparql",
        "equals",
        "disjoint",
        "lessThan",
        "lessThanOrEquals",
        "closed",
    )
)

#: One result, as the engines must agree on it: shape, focus (``_:`` for a blank node),
#: path, constraint component and severity.
Key = tuple[str, str, str | None, str, str]


@dataclass(frozen=True)
class Fixture:
    """One fixture file: the change to the shipped graph and the result it must give."""

    path: Path
    shape: str
    component: str | None
    add: tuple[ox.Triple, ...]
    remove: tuple[ox.Triple, ...]
    expected: tuple[str, str | None, str] | None

    @property
    def subjects(self) -> frozenset[str]:
        """The nodes the change is about (to keep fixtures apart when batching them)."""
        nodes = {str(t.subject) for t in (*self.add, *self.remove)}
        if self.expected is not None:
            nodes.add(self.expected[0])
        return frozenset(nodes)


@cache
def read_fixture(path: Path) -> Fixture:
    parts = path.stem.split("--")
    add: list[ox.Triple] = []
    remove: list[ox.Triple] = []
    expect = Graph()
    for quad in read_rdf_file(path):
        graph = quad.graph_name
        if isinstance(graph, ox.DefaultGraph):
            add.append(quad.triple)
        elif graph.value == REMOVE:
            remove.append(quad.triple)
        elif graph.value == EXPECT:
            expect.add((from_ox(quad.subject), from_ox(quad.predicate), from_ox(quad.object)))
        else:
            raise AssertionError(f"{path.name}: unknown graph {graph}")
    expected = None
    if len(expect):
        (node,) = set(expect.subjects(SH.focusNode, None))
        focus = expect.value(node, SH.focusNode)
        result_path = expect.value(node, SH.resultPath)
        severity = expect.value(node, SH.resultSeverity)
        expected = (
            "_:" if isinstance(focus, BNode) else str(focus),
            None if result_path is None else render_path(expect, result_path),
            str(severity).rsplit("#", 1)[-1],
        )
    component = parts[1] if len(parts) == 3 else None
    return Fixture(path, parts[0], component, tuple(add), tuple(remove), expected)


@lru_cache(maxsize=1)
def shipped() -> ValidationData:
    return ValidationData.from_files()


def with_changes(fixtures: list[Fixture]) -> ValidationData:
    base = shipped()
    present = set(base.triples)
    for fixture in fixtures:
        missing = [t for t in fixture.remove if t not in present]
        assert not missing, f"{fixture.path.name} removes triples not in the data: {missing}"
    return base.changed(
        add=[t for f in fixtures for t in f.add], remove=[t for f in fixtures for t in f.remove]
    )


def keys(outcome: ValidationOutcome) -> Counter[Key]:
    found: Counter[Key] = Counter()
    for result in outcome.results:
        shape = str(result.shape)
        found[
            (
                shape.removeprefix(SHAPES_NS),
                "_:" if isinstance(result.focus, BNode) else str(result.focus),
                result.path_text,
                result.component_name,
                result.severity_name,
            )
        ] += 1
    return found


def run(data: ValidationData, engine: str = "turbo") -> Counter[Key]:
    return keys(validate_data(data, engine=engine))


@cache
def baseline(engine: str = "turbo") -> Counter[Key]:
    return run(shipped(), engine)


@cache
def turbo_run(path: Path) -> Counter[Key]:
    return run(with_changes([read_fixture(path)]))


def _ids(paths: list[Path]) -> list[str]:
    return [path.stem for path in paths]


# --- the shipped graph ---


def test_fixture_folders_are_not_empty() -> None:
    assert len(INVALID) >= 150
    assert len(VALID) >= 5


def test_shipped_graph_conforms() -> None:
    outcome = validate_data(shipped())
    violations = [r for r in outcome.results if r.severity_name == "Violation"]
    assert outcome.conforms(), "\n".join(f"{r.focus}: {r.message}" for r in violations)
    assert all(isinstance(r.shape, URIRef) for r in outcome.results)


# --- one failing fixture per shape, with its exact result ---


@pytest.mark.parametrize("path", INVALID, ids=_ids(INVALID))
def test_invalid_fixture_gives_exactly_its_result(path: Path) -> None:
    fixture = read_fixture(path)
    assert fixture.component is not None and fixture.expected is not None, path.name
    found = turbo_run(path)
    new = sorted((found - baseline()).elements())
    focus, result_path, severity = fixture.expected
    assert new == [(fixture.shape, focus, result_path, fixture.component, severity)]


@pytest.mark.parametrize("path", VALID, ids=_ids(VALID))
def test_valid_fixture_gives_no_new_result(path: Path) -> None:
    fixture = read_fixture(path)
    assert fixture.expected is None, f"{path.name}: valid fixtures expect nothing"
    assert sorted((turbo_run(path) - baseline()).elements()) == []


def _shapes_with_constraints() -> set[str]:
    graph = shipped_shapes().graph
    shapes = set(graph.subjects(RDF.type, SH.NodeShape)) | set(
        graph.subjects(RDF.type, SH.PropertyShape)
    )
    return {
        str(shape).removeprefix(SHAPES_NS)
        for shape in shapes
        if any(graph.value(shape, parameter) is not None for parameter in CONSTRAINTS)
    }


def test_every_shape_has_a_failing_fixture() -> None:
    covered = {read_fixture(path).shape for path in INVALID}
    generated = {name for name in _shapes_with_constraints() if name.startswith("CuriePattern")}
    missing = sorted(_shapes_with_constraints() - covered - generated)
    assert not missing, f"shapes without a fixture in tests/shapes/invalid/: {missing}"


def test_fixture_names_name_real_shapes_and_components() -> None:
    graph = shipped_shapes().graph
    for path in INVALID + VALID:
        fixture = read_fixture(path)
        shape = URIRef(SHAPES_NS + fixture.shape)
        assert (shape, RDF.type, None) in graph, f"{path.name}: no shape hkgsh:{fixture.shape}"
        if path in INVALID:
            assert fixture.shape in _shapes_with_constraints(), path.name
            assert fixture.component is not None
            assert (SH[fixture.component], None, None) in _shacl_vocabulary(), path.name


@lru_cache(maxsize=1)
def _shacl_vocabulary() -> Graph:
    return Graph().parse(str(resources.files("pyshacl") / "assets" / "shacl.ttl"), format="turtle")


def _curie_shapes() -> list[tuple[str, str]]:
    graph = shipped_shapes().graph
    found = []
    for shape in sorted(graph.subjects(RDF.type, SH.NodeShape)):
        name = str(shape).removeprefix(SHAPES_NS)
        if name.startswith("CuriePatternShape-"):
            target = graph.value(shape, SH.target)
            query = str(graph.value(target, SH.select))
            namespace = re.search(r'STRSTARTS\(STR\(\?this\), "([^"]+)"\)', query)
            assert namespace is not None, name
            found.append((name, namespace.group(1)))
    return found


@pytest.mark.parametrize(("shape", "namespace"), _curie_shapes(), ids=lambda v: str(v))
def test_curie_pattern_shape_rejects_a_malformed_local_id(shape: str, namespace: str) -> None:
    bad = ox.NamedNode(namespace)  # an empty local id matches no bioregistry pattern
    mapping = ox.Triple(
        ox.NamedNode(HKR + "cell-platelet"),
        ox.NamedNode("http://www.w3.org/2004/02/skos/core#relatedMatch"),
        bad,
    )
    new = sorted((run(shipped().changed(add=[mapping])) - baseline()).elements())
    assert new == [(shape, bad.value, None, "PatternConstraintComponent", "Violation")]


# --- the shapes graph itself ---


def test_shapes_graph_is_valid_shacl() -> None:
    import pyshacl

    shacl_shacl = Graph().parse(
        str(resources.files("pyshacl") / "assets" / "shacl-shacl.ttl"), format="turtle"
    )
    conforms, _, text = pyshacl.validate(
        shipped_shapes().graph, shacl_graph=shacl_shacl, inference="none", max_validation_depth=64
    )
    assert conforms, text


def test_every_shape_has_a_label_a_message_and_a_severity() -> None:
    graph = shipped_shapes().graph
    shapes = set(graph.subjects(RDF.type, SH.NodeShape)) | set(
        graph.subjects(RDF.type, SH.PropertyShape)
    )
    constraints = set(graph.subjects(RDF.type, SH.SPARQLConstraint))
    with_constraints = {URIRef(SHAPES_NS + name) for name in _shapes_with_constraints()}
    for node in shapes | constraints:
        assert isinstance(node, URIRef) or node in constraints, f"unnamed shape {node}"
        assert graph.value(node, RDFS.label) is not None, f"{node} has no rdfs:label"
        assert graph.value(node, SH.message) is not None, f"{node} has no sh:message"
    for node in with_constraints:
        assert graph.value(node, SH.severity) in (SH.Violation, SH.Warning, SH.Info), node


def test_severities_are_all_used() -> None:
    graph = shipped_shapes().graph
    used = Counter(str(s).rsplit("#", 1)[-1] for s in graph.objects(None, SH.severity))
    assert used["Violation"] > used["Warning"] > 0
    assert used["Info"] > 0


def _classes_with_instances() -> set[str]:
    data_files = [s.path for s in shipped_sources() if s.graph == "data"]
    classes = set()
    for path in data_files:
        for quad in read_rdf_file(path):
            if quad.predicate.value == str(RDF.type):
                classes.add(quad.object.value)
    return classes


def test_every_class_with_instances_has_its_own_node_shape() -> None:
    graph = shipped_shapes().graph
    own = {
        str(graph.value(shape, SH.targetClass))
        for shape in graph.subjects(RDF.type, SH.NodeShape)
        if len(set(graph.objects(shape, SH.targetClass))) == 1
    }
    missing = sorted(_classes_with_instances() - own)
    assert not missing, f"classes with instances but no node shape of their own: {missing}"


def test_coded_value_lists_match_the_data() -> None:
    """Every ``sh:in`` list of hkr: codes is exactly the set of instances of their class."""
    graph = shipped_shapes().graph
    instances: dict[str, set[str]] = {}
    types: dict[str, str] = {}
    for triple in shipped().triples:
        if triple.predicate.value == str(RDF.type) and triple.subject.value.startswith(HKR):
            instances.setdefault(triple.object.value, set()).add(triple.subject.value)
            types[triple.subject.value] = triple.object.value
    checked = 0
    for shape, members in graph.subject_objects(SH["in"]):
        values = {str(v) for v in graph.items(members)}
        if not all(v.startswith(HKR) for v in values):
            continue
        classes = {types.get(v) for v in values}
        if len(values) == 1 and shape.endswith(("-donorRelation",)):
            continue  # a one-value restriction of a longer list (autologous only)
        assert len(classes) == 1 and None not in classes, f"{shape}: {values} mix classes"
        (cls,) = classes
        assert values == instances[str(cls)], f"{shape}: sh:in differs from the {cls} values"
        checked += 1
    assert checked >= 15


def test_generated_curie_patterns_are_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "generate_curie_patterns.py"), "--check"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


# --- both engines agree ---


def _batches(size: int = 16) -> list[list[Path]]:
    """Group fixtures about different nodes, so one pySHACL run checks several at once."""
    batches: list[tuple[list[Path], set[str]]] = []
    for path in INVALID + VALID:
        subjects = read_fixture(path).subjects
        for members, nodes in batches:
            if len(members) < size and not nodes & subjects:
                members.append(path)
                nodes |= subjects
                break
        else:
            batches.append(([path], set(subjects)))
    return [members for members, _ in batches]


BATCHES = _batches()


def test_engines_agree_on_the_shipped_graph() -> None:
    assert baseline("pyshacl") == baseline("turbo")


@pytest.mark.parametrize(
    "batch", BATCHES, ids=[f"batch{n:02d}-{len(b)}-fixtures" for n, b in enumerate(BATCHES)]
)
def test_engines_agree(batch: list[Path]) -> None:
    """pySHACL and pyshacl-turbo give the same results on every fixture.

    A pySHACL run takes about 2 s on the shipped graph, so fixtures that change different
    nodes are checked together. That is sound only if their changes do not interact, which
    turbo confirms: the batch must give exactly the union of what each fixture gives alone.
    A batch that interacts is split in two, and each half checked the same way, down to
    single fixtures.
    """
    alone = {path: turbo_run(path) for path in batch}
    pending = [batch]
    while pending:
        paths = pending.pop()
        predicted = Counter(baseline())
        for path in paths:
            predicted += alone[path] - baseline()
            predicted -= baseline() - alone[path]
        data = with_changes([read_fixture(path) for path in paths])
        if len(paths) > 1 and run(data) != predicted:
            half = len(paths) // 2
            pending += [paths[:half], paths[half:]]
            continue
        turbo, reference = run(data, "turbo"), run(data, "pyshacl")
        only_turbo = sorted((turbo - reference).elements())
        only_pyshacl = sorted((reference - turbo).elements())
        names = ", ".join(path.name for path in paths)
        assert not only_turbo and not only_pyshacl, (
            f"engines differ on {names}:\n only turbo: {only_turbo}\n only pyshacl: {only_pyshacl}"
        )
