"""The ``hairkg`` command: thin subcommands over the library; the only place that exits."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from hairkg import __version__
from hairkg.errors import HairkgError
from hairkg.stores import STORES

__all__ = ["main"]


def _cmd_stats(args: argparse.Namespace) -> int:
    from hairkg.loading import load_dataset
    from hairkg.stats import compute_stats, format_stats

    dataset = load_dataset(args.data, store=args.store, infer=not args.no_infer)
    print(format_stats(compute_stats(dataset), classes="" if args.all_classes else "hkg"))
    return 0


def _cmd_fmt(args: argparse.Namespace) -> int:
    from hairkg.loading import shipped_sources
    from hairkg.turtle_format import format_turtle_file

    paths = args.files or [s.path for s in shipped_sources() if s.path.suffix == ".ttl"]
    unformatted = []
    for path in paths:
        canonical = format_turtle_file(path)
        if path.read_text(encoding="utf-8") != canonical:
            unformatted.append(path)
            if not args.check:
                path.write_text(canonical, encoding="utf-8")
    verb = "would reformat" if args.check else "reformatted"
    for path in unformatted:
        print(f"{verb} {path}")
    print(f"{len(paths) - len(unformatted)} file(s) already canonical, {len(unformatted)} {verb}")
    return 1 if args.check and unformatted else 0


def _cmd_query(args: argparse.Namespace) -> int:
    from hairkg.loading import load_dataset
    from hairkg.queries import find_query, run_select_as_table

    text = find_query(args.query).text
    dataset = load_dataset(args.data, store=args.store)
    print(run_select_as_table(dataset, text))
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    from hairkg.loading import load_dataset, shipped_sources
    from hairkg.report import render_json, render_text
    from hairkg.validation import load_shapes, validate_graph, validation_graph

    dataset = load_dataset(args.files, store="memory", infer=False, extra_format=args.input_format)
    data = validation_graph(dataset, extra_graphs=_extra_graphs(dataset))
    outcome = validate_graph(
        data,
        load_shapes(),
        engine=args.engine,
        sources=[s.path for s in shipped_sources()] + list(args.files),
    )
    if args.format == "json":
        print(render_json(outcome, strict=args.strict))
    elif args.format == "turtle":
        print(outcome.report.serialize(format="turtle"))
    else:
        print(render_text(outcome, strict=args.strict))
    return 0 if outcome.conforms(strict=args.strict) else 1


def _extra_graphs(dataset: Any) -> list[Any]:
    from hairkg.namespaces import GRAPHS, graph_iri

    known = {graph_iri(name) for name in GRAPHS}
    return [c.identifier for c in dataset.contexts() if c.identifier not in known]


def _cmd_serve(args: argparse.Namespace) -> int:
    from hairkg.web.serve import serve

    serve(
        args.host,
        args.port,
        workers=args.workers,
        data=args.data,
        store=args.store,
        validate=not args.no_validate,
    )
    return 0


def _env(name: str, default: str) -> str:
    return os.environ.get(f"HAIRKG_{name}", default)


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``hairkg`` command."""
    parser = argparse.ArgumentParser(
        prog="hairkg",
        description="Knowledge graph of regenerative hair-loss therapies "
        "(evidence only, no medical advice).",
    )
    parser.add_argument("--version", action="version", version=f"hairkg {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_data(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--data",
            nargs="*",
            type=Path,
            default=[],
            metavar="FILE",
            help="extra RDF files to load with the shipped graph",
        )
        sub.add_argument(
            "--store",
            choices=sorted(STORES),
            default="oxigraph",
            help="store backend (default: oxigraph)",
        )

    serve = commands.add_parser(
        "serve",
        help="start the SPARQL endpoint and query UI (production WSGI server)",
        description="Validate the graph and serve it: a SPARQL 1.1 endpoint at /sparql and a "
        "query editor at /. Every option can also be set with a HAIRKG_* environment variable "
        "(HAIRKG_HOST, HAIRKG_PORT, HAIRKG_WORKERS, HAIRKG_STORE, HAIRKG_QUERY_TIMEOUT, "
        "HAIRKG_QUERY_MEMORY_MB, HAIRKG_ROW_LIMIT).",
    )
    serve.add_argument("--host", default=_env("HOST", "127.0.0.1"))
    serve.add_argument(
        "--port", type=int, default=int(_env("PORT", "8000")), help="TCP port (0 picks a free one)"
    )
    serve.add_argument(
        "--workers",
        type=int,
        default=int(_env("WORKERS", "2")),
        help="query worker processes (default 2)",
    )
    serve.add_argument(
        "--data",
        nargs="*",
        type=Path,
        default=[],
        metavar="FILE",
        help="extra RDF files; TriG/N-Quads keep their named graphs",
    )
    serve.add_argument(
        "--store",
        choices=sorted(STORES),
        default=_env("STORE", "oxigraph"),
        help="query engine (default: oxigraph)",
    )
    serve.add_argument(
        "--no-validate",
        action="store_true",
        default=_env("NO_VALIDATE", "") not in ("", "0", "false"),
        help="serve without checking the shapes first",
    )
    serve.set_defaults(run=_cmd_serve)

    stats = commands.add_parser("stats", help="triples per named graph and instances per class")
    with_data(stats)
    stats.add_argument("--no-infer", action="store_true", help="skip OWL-RL inference")
    stats.add_argument(
        "--all-classes", action="store_true", help="list external classes too, not only hkg: ones"
    )
    stats.set_defaults(run=_cmd_stats)

    fmt = commands.add_parser("fmt", help="rewrite shipped Turtle files in the canonical layout")
    fmt.add_argument("files", nargs="*", type=Path, help="files (default: all shipped .ttl)")
    fmt.add_argument(
        "--check", action="store_true", help="change nothing; exit 1 if a file is not canonical"
    )
    fmt.set_defaults(run=_cmd_fmt)

    validate = commands.add_parser(
        "validate",
        help="check the shipped graph (plus FILEs) against the SHACL shapes",
        description="Validate the shipped graph, or the shipped graph plus the given files, "
        "against the SHACL shapes. Exit 0 when it conforms (warnings allowed unless --strict), "
        "1 on violations, 2 on usage or parse errors.",
    )
    validate.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar="FILE",
        help="RDF files to add (Turtle, N-Triples, N-Quads, TriG, RDF/XML, "
        "JSON-LD; syntax from the extension)",
    )
    validate.add_argument(
        "--input-format",
        metavar="SYNTAX",
        help="syntax of FILEs when the extension does not tell it "
        "(turtle, nt, nquads, trig, xml, json-ld)",
    )
    validate.add_argument(
        "--format",
        choices=("text", "json", "turtle"),
        default="text",
        help="report for people (text, default) or machines (json, or the "
        "standard sh:ValidationReport in turtle)",
    )
    validate.add_argument(
        "--engine",
        choices=("pyshacl", "turbo"),
        default="pyshacl",
        help="SHACL engine (default: pyshacl)",
    )
    validate.add_argument("--strict", action="store_true", help="warnings fail too")
    validate.set_defaults(run=_cmd_validate)

    query = commands.add_parser("query", help="run a SPARQL SELECT (file or competency question)")
    query.add_argument("query", help="a .rq file, or a competency question name such as cq01")
    with_data(query)
    query.set_defaults(run=_cmd_query)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except HairkgError as error:
        print(f"hairkg: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
