"""Entailments materialised into a graph of their own, in two regimes.

**The shipped graph: OWL 2 RL.** The Rust reasoner `reasonable` computes the closure of the
shipped graph (ontology, imports, data, mappings) in a fraction of a second; the few OWL 2 RL
schema rules it does not apply (``scm-cls``, ``scm-dom1/2``, ``scm-rng1/2``) are added here,
so that what is kept is exactly what owlrl keeps (``tests/test_inference.py`` checks that
against :func:`infer_owlrl`, the reference). The result is cached by the input files' bytes;
blank nodes are labelled by their position in their file (:func:`stable_blank_nodes`), so a
cached triple names the same blank node on the next start.

**Files given with ``--data``: RDFS.** Over large extra data (a million triples of an
ontology or a partner's graph) full OWL 2 RL costs minutes, so the extra data gets the RDFS
closure — ``rdfs7`` (sub-properties), ``rdfs2``/``rdfs3`` (domain and range), ``rdfs9``
(types of superclasses), ``rdfs5``/``rdfs11`` (transitive sub-property and subclass) — over the
union of every graph, shipped entailments included, computed by SPARQL updates inside
Oxigraph (:func:`rdfs_closure`), no Python object per triple. It answers "which therapies
treat a subclass of X" across both; OWL features of the extra files (inverse, transitive and
equivalent properties, restrictions) are not applied to them.

Only what the asserted graphs do not already say is kept, and tautologies that OWL-RL adds to
every resource (``x owl:sameAs x``, ``x a owl:Thing``, ``x a rdfs:Resource`` …) are dropped,
so the inferred graph holds answers a query can use, not noise.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

import pyoxigraph as ox
from rdflib import Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS
from rdflib.term import Literal, Node

from hairkg.graph.terms import from_ox, to_ox
from hairkg.progress import progress

__all__ = [
    "cache_dir",
    "infer",
    "infer_cached",
    "infer_owlrl",
    "rdfs_closure",
    "stable_blank_nodes",
]

_TRIVIAL_CLASSES = frozenset(
    {
        OWL.Thing,
        RDFS.Resource,
        OWL.NamedIndividual,
        RDFS.Class,
        OWL.Class,
        RDF.Property,
        OWL.ObjectProperty,
        OWL.DatatypeProperty,
        OWL.AnnotationProperty,
        RDFS.Datatype,
        RDFS.Literal,
    }
)
_KEPT_PREDICATES = frozenset({RDF.type, RDFS.subClassOf, RDFS.subPropertyOf})
_BOOKKEEPING = frozenset(
    {
        OWL.sameAs,
        OWL.differentFrom,
        OWL.equivalentClass,
        OWL.equivalentProperty,
        OWL.inverseOf,
        OWL.disjointWith,
    }
)

Triple = tuple[Node, Node, Node]


def infer_owlrl(asserted: Iterable[Triple]) -> Graph:
    """The reference: what owlrl's OWL-RL closure of ``asserted`` adds, informative part only.

    Seconds in pure Python even for the shipped graph; kept to test :func:`infer` against.
    """
    import owlrl

    closure = Graph()
    for triple in asserted:
        closure.add(triple)
    before = set(closure)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(closure)
    inferred = Graph()
    for triple in closure:
        if triple not in before and _is_informative(triple):
            inferred.add(triple)
    return inferred


def _normal(term: Node) -> Node:
    """One spelling per RDF term: ``"x"^^xsd:string`` is ``"x"`` (RDF 1.1)."""
    if isinstance(term, Literal):
        return from_ox(to_ox(term))
    return term


def infer(asserted: Iterable[Triple]) -> set[Triple]:
    """Return the triples OWL 2 RL entails from ``asserted`` that are new and informative."""
    import reasonable

    # one object per distinct term: the reasoner makes a new one for every term it returns, and
    # comparing sets of thousands of triples is then mostly identity checks, each literal
    # normalised once
    normal = _Memo(_normal)
    given = {(normal(s), normal(p), normal(o)) for s, p, o in asserted}
    reasoner = reasonable.PyReasoner()
    reasoner.from_graph(list(given))
    closure: set[Triple] = {(normal(s), normal(p), normal(o)) for s, p, o in reasoner.reason()}
    closure |= given
    _complete_schema_rules(closure)
    return {t for t in closure - given if _is_informative(t)}


# rdflib's namespace attributes are looked up through __getattr__: once here, not per triple
_TYPE, _SUBCLASS, _SUBPROPERTY = RDF.type, RDFS.subClassOf, RDFS.subPropertyOf
_DOMAIN, _RANGE = RDFS.domain, RDFS.range
_CLASS, _THING, _NOTHING = OWL.Class, OWL.Thing, OWL.Nothing


def _complete_schema_rules(closure: set[Triple]) -> None:
    """Add the OWL 2 RL schema rules `reasonable` leaves out, to a fixpoint.

    ``scm-cls`` (every class is below ``owl:Thing`` and above ``owl:Nothing``), ``scm-dom1``
    and ``scm-rng1`` (a domain or range widens along ``rdfs:subClassOf``), ``scm-dom2`` and
    ``scm-rng2`` (a sub-property has its super-property's domain and range). The last four
    add only domain and range statements, so the hierarchies they follow are read once and
    each round applies them to the statements the previous round added.
    """
    for cls in [s for s, p, o in closure if p == _TYPE and o == _CLASS]:
        closure.add((cls, _SUBCLASS, _THING))
        closure.add((_NOTHING, _SUBCLASS, cls))
    supers: dict[Node, set[Node]] = {}
    subprops: dict[Node, set[Node]] = {}
    frontier: set[Triple] = set()
    for triple in closure:
        s, p, o = triple
        if p == _SUBCLASS:
            supers.setdefault(s, set()).add(o)
        elif p == _SUBPROPERTY:
            subprops.setdefault(o, set()).add(s)
        elif p in (_DOMAIN, _RANGE):
            frontier.add(triple)
    while frontier:
        new: set[Triple] = set()
        for s, p, o in frontier:
            new.update((s, p, wider) for wider in supers.get(o, ()))
            new.update((narrower, p, o) for narrower in subprops.get(s, ()))
        new -= closure
        closure |= new
        frontier = new


def _reasoner_version() -> str:
    try:
        return "reasonable " + metadata.version("reasonable")
    except metadata.PackageNotFoundError:
        return "reasonable"


def cache_dir() -> Path:
    """Where inferred graphs are cached: ``$HAIRKG_CACHE_DIR`` or ``~/.cache/hairkg``."""
    configured = os.environ.get("HAIRKG_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "hairkg"


def stable_blank_nodes(quads: Iterable[ox.Quad], prefix: str) -> list[ox.Quad]:
    """Relabel the blank nodes of one parsed file by order of first appearance.

    A parser names blank nodes afresh on every parse, so an inferred triple cached from one
    parse would name nodes that the next parse of the same bytes does not have. With
    ``prefix`` unique per file (its place in the load order), the same bytes give the same
    labels every time.
    """
    labels: dict[ox.BlankNode, ox.BlankNode] = {}

    def stable(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> object:
        if isinstance(term, ox.BlankNode):
            found = labels.get(term)
            if found is None:
                found = labels[term] = ox.BlankNode(f"{prefix}n{len(labels)}")
            return found
        return term

    return [
        ox.Quad(stable(q.subject), q.predicate, stable(q.object), q.graph_name)  # type: ignore[arg-type]
        for q in quads
    ]


def infer_cached(asserted: Sequence[ox.Triple], inputs: Sequence[bytes]) -> list[ox.Triple]:
    """:func:`infer` over ``asserted``, reusing the result computed earlier from ``inputs``.

    The key is a hash of every input file's bytes and the reasoner's version, so any edit
    recomputes it. ``asserted`` must have stable blank nodes (:func:`stable_blank_nodes`): the
    cache file names them by label.
    """
    digest = hashlib.sha256(_reasoner_version().encode() + b"\0owl2rl-v2")
    for blob in inputs:
        digest.update(hashlib.sha256(blob).digest())
    path = cache_dir() / f"inferred-{digest.hexdigest()[:32]}.nt"
    if path.is_file():
        try:
            return [q.triple for q in ox.parse(path=str(path), format=ox.RdfFormat.N_TRIPLES)]
        except (OSError, SyntaxError, ValueError):
            pass  # a damaged cache entry is recomputed below
    progress(f"computing the OWL-RL inferences of {len(asserted)} triples (once; cached after)")
    rdflib_term = _Memo(from_ox)
    ox_term = _Memo(to_ox)
    inferred = sorted(
        (
            ox.Triple(ox_term(s), ox_term(p), ox_term(o))
            for s, p, o in infer(
                (rdflib_term(t.subject), rdflib_term(t.predicate), rdflib_term(t.object))
                for t in asserted
            )
        ),
        key=str,
    )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("wb", dir=path.parent, delete=False) as handle:
            handle.write(ox.serialize(inferred, format=ox.RdfFormat.N_TRIPLES) or b"")
        os.replace(handle.name, path)
    except OSError:
        pass  # a read-only home only costs speed
    return inferred


class _Memo:
    """A term conversion that converts each distinct term once (IRIs repeat a lot)."""

    def __init__(self, convert: Callable[[Any], Any]) -> None:
        self._convert = convert
        self._seen: dict[Any, Any] = {}

    def __call__(self, term: Any) -> Any:
        found = self._seen.get(term)
        if found is None:
            found = self._seen[term] = self._convert(term)
        return found


def _is_informative(triple: Triple) -> bool:
    subject, predicate, obj = triple
    if isinstance(subject, Literal) or subject == obj:
        return False
    if predicate == RDF.type:
        return obj not in _TRIVIAL_CLASSES
    if predicate in _KEPT_PREDICATES:
        return isinstance(obj, URIRef)
    # equality and inverse bookkeeping is not what users query for.
    return predicate not in _BOOKKEEPING


_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RDFS = "http://www.w3.org/2000/01/rdf-schema#"


def _iri_list(terms: Iterable[Node]) -> str:
    return ", ".join(f"<{t}>" for t in sorted(str(t) for t in terms))


def rdfs_closure(store: ox.Store, inferred: str) -> None:
    """Add to graph ``inferred`` of ``store`` the RDFS entailments of all its graphs.

    Four SPARQL CONSTRUCT queries over the union of the graphs, in the order that makes one
    pass complete: ``rdfs5``/``rdfs11`` (the hierarchies) → ``rdfs7`` → ``rdfs2``/``rdfs3`` →
    ``rdfs9``. Each one's answer is written as N-Triples by Oxigraph and bulk-loaded into
    ``inferred`` before the next runs (no Python object per triple, no update transaction,
    which on disk costs ten times more); what a graph already holds and what
    :func:`_is_informative` drops are left out.
    """
    trivial = _iri_list(_TRIVIAL_CLASSES)
    bookkeeping = _iri_list(_BOOKKEEPING)
    steps = [
        *(
            f"""CONSTRUCT {{ ?a <{sub}> ?b }} WHERE {{
                  {{ SELECT DISTINCT ?a ?b {{ ?a <{sub}>/<{sub}>+ ?b }} }}
                  FILTER(isIRI(?b) && ?a != ?b && !isLITERAL(?a))
                  FILTER NOT EXISTS {{ ?a <{sub}> ?b }} }}"""
            for sub in (_RDFS + "subClassOf", _RDFS + "subPropertyOf")
        ),
        f"""CONSTRUCT {{ ?s ?q ?o }} WHERE {{
              {{ SELECT DISTINCT ?p ?q {{ ?p <{_RDFS}subPropertyOf> ?q
                 FILTER(isIRI(?q) && ?p != ?q && ?q NOT IN ({bookkeeping})) }} }}
              ?s ?p ?o FILTER(?s != ?o)
              FILTER NOT EXISTS {{ ?s ?q ?o }} }}""",
        # declared (not inferred) domains and ranges only: a wider one is a superclass,
        # which the next step adds, and a sub-property's statements were added above
        f"""CONSTRUCT {{ ?x <{_RDF}type> ?c }} WHERE {{
              {{ SELECT DISTINCT ?x ?c {{
                 {{ GRAPH ?g {{ ?p <{_RDFS}domain> ?c }} FILTER(?g != <{inferred}>) ?x ?p ?o }}
                 UNION {{ GRAPH ?g {{ ?p <{_RDFS}range> ?c }} FILTER(?g != <{inferred}>)
                         ?o ?p ?x FILTER(!isLITERAL(?x)) }}
                 FILTER(isIRI(?c) && ?c NOT IN ({trivial})) }} }}
              FILTER NOT EXISTS {{ ?x <{_RDF}type> ?c }} }}""",
        f"""CONSTRUCT {{ ?x <{_RDF}type> ?d }} WHERE {{
              {{ SELECT DISTINCT ?c ?d {{ ?c <{_RDFS}subClassOf> ?d
                 FILTER(isIRI(?d) && ?c != ?d && ?d NOT IN ({trivial})) }} }}
              ?x <{_RDF}type> ?c FILTER(?x != ?d)
              FILTER NOT EXISTS {{ ?x <{_RDF}type> ?d }} }}""",
    ]
    target = ox.NamedNode(inferred)
    for step in steps:
        answer = store.query(step, use_default_graph_as_union=True)
        assert isinstance(answer, ox.QueryTriples)
        _add_ntriples(store, answer.serialize(format=ox.RdfFormat.N_TRIPLES) or b"", target)


def _add_ntriples(store: ox.Store, data: bytes, graph: ox.NamedNode) -> None:
    """Add the N-Triples ``data`` to ``graph``, keeping the labels of its blank nodes.

    The bulk loader gives blank nodes new labels (right for a file, wrong for entailments
    about nodes already in the store), so lines naming one are added through the parser,
    which keeps labels; the rest, nearly always all, go through the bulk loader. In
    N-Triples a line names a blank node as subject iff it starts with ``_:``, and as object
    iff it ends with ``_:label .`` (a literal ends with a quote, a language tag or an IRI).
    """
    lines = data.split(b"\n")
    blank = [line for line in lines if line.startswith(b"_:") or _BLANK_OBJECT.search(line)]
    if blank:
        kept = set(blank)
        lines = [line for line in lines if line not in kept]
        quads = ox.parse(b"\n".join(blank), format=ox.RdfFormat.N_TRIPLES)
        store.bulk_extend(ox.Quad(q.subject, q.predicate, q.object, graph) for q in quads)
    rest = b"\n".join(line for line in lines if line)
    if rest:
        store.bulk_load(rest, format=ox.RdfFormat.N_TRIPLES, to_graph=graph)


_BLANK_OBJECT = re.compile(rb" _:\S+ \.$")
