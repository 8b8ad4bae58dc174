"""Inference for ``--data`` files at scale: hairkg's RDFS closure next to a Rust OWL 2 RL reasoner.

For each size (synthetic N-Triples from ``synthetic_data.py``), each in a fresh process:

* ``hairkg``: the store ``hairkg serve`` builds (the shipped graph with its cached OWL 2 RL
  entailments, then the file bulk-loaded into the ``data`` graph), then
  :func:`hairkg.graph.inference.rdfs_closure`, timed on its own: the inferred graph for the
  extra data, the figure the scale issue sets at 10 s for 1M triples;
* ``reasonable``: the same file plus the shipped ontology and imports, given to the
  ``reasonable`` package (full OWL 2 RL, in Rust), load and reasoning timed apart.

Usage::

    .venv/bin/python bench/inference_bench.py --sizes 10000 100000 1000000 [--output r.md]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import synthetic_data  # noqa: E402  (a sibling module, not a package)
from processes import json_case  # noqa: E402  (a sibling module)
from report import command_line  # noqa: E402  (a sibling module)


def run_hairkg(path: Path) -> dict[str, float]:
    """Build the store as ``hairkg serve`` does, then time the RDFS closure alone."""
    import pyoxigraph as ox

    from hairkg.graph.inference import rdfs_closure
    from hairkg.graph.loading import build_store
    from hairkg.graph.rdf_io import load_rdf_file
    from hairkg.namespaces import graph_name_iri

    started = time.perf_counter()
    store = build_store(infer=True)  # the shipped graph and its (cached) entailments
    inferred = ox.NamedNode(graph_name_iri("inferred"))
    load_rdf_file(store, path, graph_name_iri("data"))  # as ``hairkg serve --data`` loads it
    loaded = time.perf_counter()
    before = sum(1 for _ in store.quads_for_pattern(None, None, None, inferred))
    rdfs_closure(store, inferred.value)
    done = time.perf_counter()
    after = sum(1 for _ in store.quads_for_pattern(None, None, None, inferred))
    return {"load": loaded - started, "infer": done - loaded, "inferred": after - before}


def run_reasonable(path: Path) -> dict[str, float]:
    """Load the file and the shipped ontology into ``reasonable`` and reason (OWL 2 RL)."""
    import reasonable

    from hairkg.graph.loading import shipped_sources

    started = time.perf_counter()
    reasoner = reasonable.PyReasoner()
    for source in shipped_sources():
        if source.graph not in ("data", "mappings") and source.path.suffix == ".ttl":
            reasoner.load_file(str(source.path))
    turtle = path.with_suffix(".ttl")  # it reads only .ttl and .n3; N-Triples is Turtle
    if not turtle.exists():
        turtle.symlink_to(path.name)
    reasoner.load_file(str(turtle))
    loaded = time.perf_counter()
    triples = reasoner.reason()  # what it was given and what it inferred
    done = time.perf_counter()
    inferred = len(triples) - len(reasoner.get_base_triples())
    return {"load": loaded - started, "infer": done - loaded, "inferred": float(inferred)}


def run_case(variant: str, path: Path, timeout: float) -> dict[str, Any] | None:
    """One case in a fresh process, with its peak memory (None if it failed or timed out)."""
    try:
        return json_case([sys.executable, __file__, "--case", variant, str(path)], timeout)
    except subprocess.CalledProcessError as error:  # e.g. ``reasonable`` not installed
        last = (error.stderr or "").strip().splitlines()[-1:]
        print(f"{variant} failed: {' '.join(last)}", file=sys.stderr)
        return None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--variants", nargs="+", default=["hairkg", "reasonable"])
    parser.add_argument("--timeout", type=float, default=600, help="seconds per case")
    parser.add_argument("--workdir", type=Path, help="keep the synthetic files here")
    parser.add_argument("--output", type=Path)
    parser.add_argument("--case", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.case:
        run = {"hairkg": run_hairkg, "reasonable": run_reasonable}[args.case[0]]
        measured = run(Path(args.case[1]))
        measured["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(measured))
        return 0
    lines = [
        "| extra triples | variant | load s | inference s | inferred triples | peak MB |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    with tempfile.TemporaryDirectory(prefix="hairkg-inference-") as temporary:
        workdir = args.workdir or Path(temporary)
        workdir.mkdir(parents=True, exist_ok=True)
        for size in args.sizes:
            path = workdir / f"synthetic-{size}.nt"
            if not path.exists():
                synthetic_data.write(path, size)
            for variant in args.variants:
                case = run_case(variant, path, args.timeout)
                print(f"{size} {variant}: {case}", file=sys.stderr, flush=True)
                if case is None:
                    lines.append(
                        f"| {size:,} | {variant} | - | failed or > {args.timeout:.0f} | - | - |"
                    )
                    continue
                lines.append(
                    f"| {size:,} | {variant} | {case['load']:.2f} | {case['infer']:.2f} "
                    f"| {case['inferred']:,.0f} | {case['peak_mb']:.0f} |"
                )
    report = command_line() + "\n\n" + "\n".join(lines) + "\n"
    print(report)
    if args.output:
        args.output.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
