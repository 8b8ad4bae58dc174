"""Validation benchmark: the shipped graph, and synthetic graphs of the same shape, per engine.

The synthetic graphs are the shipped graph made bigger the way the real one would grow: the
ontology and import modules once, then the data and mapping triples again and again, each copy
with its own individuals (``hkr:study-tak-2020`` becomes ``hkr:study-tak-2020-c7``) and DOIs,
sharing only the coded values and administration routes. So every shape sees the same kinds
of records, links and defects as in the shipped graph, in proportion.

Each case runs in a fresh process (no caches, a clean peak-memory figure) with a time limit,
and reports, in seconds:

- parse: reading the RDF file(s) with Oxigraph (``ValidationData.from_files``);
- prepare: building the engine's input (an rdflib ``Graph`` for pySHACL, an Oxigraph
  ``Store`` for pyshacl-turbo);
- validate: the engine alone;
- report: turning the ``sh:ValidationReport`` into results with labels and file:line;
- end to end: all of it, plus loading (and for turbo compiling) the shapes.

Usage::

    python bench/validation_bench.py                       # shipped, 10k, 100k, 1M; both engines
    python bench/validation_bench.py --sizes 10000 --engines turbo
    python bench/validation_bench.py --timeout 1800        # give pySHACL longer at 1M

It prints a Markdown table (bench/README.md shows one). Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from hairkg.graph.loading import shipped_sources
from hairkg.graph.mappings import read_sssom
from hairkg.graph.rdf_io import read_rdf_file
from hairkg.graph.terms import to_ox
from processes import json_case

HKR = "https://w3id.org/hairkg/resource/"
DOI = "http://purl.org/ontology/bibo/doi"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
#: Individuals of these classes, and everything data/coded_values.ttl defines, are a shared
#: vocabulary, not records: never copied.
SHARED_CLASSES = frozenset(
    "https://w3id.org/hairkg/ontology/" + name
    for name in (
        "AdministrationRoute",
        "BlindingScheme",
        "ClaimDirection",
        "ControlType",
        "DonorRelation",
        "EvidenceGrade",
        "EvidenceOrigin",
        "LimitationCategory",
        "StudyDesign",
        "SupportStatus",
        "Verdict",
    )
)
DEFAULT_SIZES = (10_000, 100_000, 1_000_000)
MAX_BYTES = 4 * 1024 * 1024 * 1024


def _shipped_parts() -> tuple[list[ox.Triple], list[ox.Triple], set[str]]:
    """The shipped triples: (ontology and imports, data and mappings, coded values' IRIs)."""
    schema: list[ox.Triple] = []
    records: list[ox.Triple] = []
    coded: set[str] = set()
    for source in shipped_sources():
        if source.path.name.endswith(".sssom.tsv"):
            triples = [
                ox.Triple(to_ox(m.subject), to_ox(m.predicate), to_ox(m.object))  # type: ignore[arg-type]
                for m in read_sssom(source.path).mappings
            ]
        else:
            triples = [quad.triple for quad in read_rdf_file(source.path)]
        if source.path.name == "coded_values.ttl":
            coded.update(t.subject.value for t in triples if isinstance(t.subject, ox.NamedNode))
        (records if source.graph in ("data", "mappings") else schema).extend(triples)
    return schema, records, coded


def make_synthetic(target: int, path: Path) -> int:
    """Write an N-Triples graph of about ``target`` triples to ``path``; return its size."""
    schema, records, shared = _shipped_parts()
    shared |= {
        t.subject.value
        for t in records
        if isinstance(t.subject, ox.NamedNode)
        and t.predicate.value == RDF_TYPE
        and isinstance(t.object, ox.NamedNode)
        and t.object.value in SHARED_CLASSES
    }

    def rename(term: Any, copy: int) -> Any:
        if isinstance(term, ox.NamedNode) and term.value.startswith(HKR):
            if term.value not in shared:
                return ox.NamedNode(f"{term.value}-c{copy}")
        return term

    copies = max(1, round((target - len(schema)) / len(records)))
    with path.open("wb") as stream:
        ox.serialize(schema, stream, format=ox.RdfFormat.N_TRIPLES)
        for copy in range(copies):
            batch = []
            for t in records:
                obj = t.object
                if t.predicate.value == DOI and isinstance(obj, ox.Literal):
                    obj = ox.Literal(f"{obj.value}.c{copy}")
                batch.append(ox.Triple(rename(t.subject, copy), t.predicate, rename(obj, copy)))
            ox.serialize(batch, stream, format=ox.RdfFormat.N_TRIPLES)
    return len(schema) + copies * len(records)


def run_case(engine: str, path: Path | None) -> dict[str, Any]:
    """Time one validation in this process (``path`` None: the shipped graph)."""
    from hairkg.validation import ValidationData, shipped_shapes, validate_data

    started = time.perf_counter()
    shapes = shipped_shapes()
    if engine == "turbo":
        shapes.turbo_program()
    shapes_done = time.perf_counter()
    if path is None:
        data = ValidationData.from_files()
    else:
        data = ValidationData.from_files([path], shipped=False, max_bytes=MAX_BYTES)
    parsed = time.perf_counter()
    if engine == "turbo":
        data.oxigraph_store()
    else:
        data.rdflib_graph()
    prepared = time.perf_counter()
    outcome = validate_data(data, shapes, engine=engine)
    done = time.perf_counter()
    return {
        "triples": len(data),
        "shapes": shapes_done - started,
        "parse": parsed - shapes_done,
        "prepare": prepared - parsed,
        "validate": outcome.seconds,
        "report": done - prepared - outcome.seconds,
        "total": done - started,
        "results": outcome.counts,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }


def subprocess_case(engine: str, path: Path | None, timeout: float) -> dict[str, Any] | None:
    """One case in a fresh process (None if it took longer than ``timeout`` seconds)."""
    command = [sys.executable, __file__, "--case", engine]
    if path is not None:
        command.append(str(path))
    return json_case(command, timeout)


def _cell(case: dict[str, Any] | None, key: str, timeout: float) -> str:
    if case is None:
        return f"> {timeout:.0f}" if key in ("validate", "total") else "-"
    value = case[key]
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark (or, with ``--case``, one case) and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="*", default=list(DEFAULT_SIZES))
    parser.add_argument("--engines", nargs="*", default=["turbo", "pyshacl"])
    parser.add_argument("--timeout", type=float, default=900, help="seconds per case")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the shipped graph")
    parser.add_argument("--workdir", type=Path, help="keep the synthetic files here")
    parser.add_argument("--case", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        path = Path(args.case[1]) if len(args.case) > 1 else None
        print(json.dumps(run_case(args.case[0], path)))
        return 0
    with tempfile.TemporaryDirectory(prefix="hairkg-bench-") as temporary:
        workdir = args.workdir or Path(temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        graphs: list[tuple[str, Path | None]] = [("shipped", None)]
        for size in args.sizes:
            path = workdir / f"synthetic-{size}.nt"
            made = make_synthetic(size, path)
            graphs.append((f"synthetic {made:,}", path))
        rows = []
        for name, path in graphs:
            for engine in args.engines:
                runs = 1 if path is not None else args.repeat
                cases = [subprocess_case(engine, path, args.timeout) for _ in range(runs)]
                done = [c for c in cases if c is not None]
                case = None
                if done:
                    case = min(done, key=lambda c: c["total"])
                    if len(done) > 1:
                        case = dict(case, total=statistics.median(c["total"] for c in done))
                rows.append((name, engine, case))
                print(f"{name} {engine}: {case}", file=sys.stderr, flush=True)
    print(
        "| graph | triples | engine | parse | prepare | validate | report | end to end "
        "| results (V/W/I) | peak MB |"
    )
    print("|---|---:|---|---:|---:|---:|---:|---:|---|---:|")
    for name, engine, case in rows:
        triples = f"{case['triples']:,}" if case else "-"
        counts = (
            "/".join(str(case["results"][k]) for k in ("Violation", "Warning", "Info"))
            if case
            else "-"
        )
        print(
            f"| {name.split()[0]} | {triples} | {engine} | {_cell(case, 'parse', args.timeout)} "
            f"| {_cell(case, 'prepare', args.timeout)} | {_cell(case, 'validate', args.timeout)} "
            f"| {_cell(case, 'report', args.timeout)} | {_cell(case, 'total', args.timeout)} "
            f"| {counts} | {case['peak_mb'] if case else '-'} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
