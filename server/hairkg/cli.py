"""The ``hairkg`` command: thin subcommands over the library; the only place that exits."""

from __future__ import annotations

import argparse
import dataclasses
import os
import re
import signal
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path

from hairkg import __version__
from hairkg.errors import DataNotConformingError, FileTooLargeError, HairkgError, UsageError
from hairkg.graph.rdf_io import DEFAULT_MAX_FILE_BYTES
from hairkg.settings import Settings
from hairkg.sparql.engines import ENGINES

__all__ = ["main"]


def _cmd_stats(args: argparse.Namespace) -> int:
    from hairkg.graph.loading import build_store
    from hairkg.graph.stats import compute_stats, format_stats

    store = build_store(args.data, infer=not args.no_infer)
    print(format_stats(compute_stats(store), classes="" if args.all_classes else "hkg"))
    return 0


def _cmd_fmt(args: argparse.Namespace) -> int:
    from hairkg.graph.loading import shipped_sources
    from hairkg.graph.turtle_format import format_turtle_file

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


def _cmd_export(args: argparse.Namespace) -> int:
    import tempfile

    from hairkg.export import write_dump
    from hairkg.formats import rdf_format_named
    from hairkg.graph.loading import load_dataset

    if args.format.lower() == "kgx":
        return _export_kgx(args)
    fmt = rdf_format_named(args.format)
    dataset = load_dataset(args.data)
    with tempfile.TemporaryDirectory(prefix="hairkg-export-") as work:
        dump = Path(work) / "dataset.nq"
        dataset.serialize(str(dump), format="nquads", encoding="utf-8")
        if args.out == "-":
            size, count, sha = write_dump(dump, fmt, sys.stdout.buffer, args.graph)
            sys.stdout.buffer.flush()
        else:
            out = Path(args.out)
            partial = out.with_name(out.name + ".part")
            try:
                with partial.open("wb") as handle:
                    size, count, sha = write_dump(dump, fmt, handle, args.graph)
                partial.replace(out)
            finally:
                partial.unlink(missing_ok=True)
    kind = "quads" if fmt.has_graphs else "triples"
    print(f"hairkg: wrote {count} {kind}, {size} bytes, sha256 {sha}", file=sys.stderr)
    return 0


def _export_kgx(args: argparse.Namespace) -> int:
    import tempfile

    from hairkg.export.kgx import write_kgx
    from hairkg.graph.loading import load_dataset

    if args.graph:
        raise UsageError("--graph does not apply to --format kgx, which exports the data graph")
    if args.out == "-":
        raise UsageError("--format kgx writes two files: give a directory with --out DIR")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise UsageError(f"--out {out}: not a directory")
    dataset = load_dataset(args.data)
    with tempfile.TemporaryDirectory(prefix="hairkg-export-") as work:
        dump = Path(work) / "dataset.nq"
        dataset.serialize(str(dump), format="nquads", encoding="utf-8")
        nodes, edges = write_kgx(dump, out)
    print(
        f"hairkg: wrote {nodes.rows} nodes to {nodes.path} and {edges.rows} edges to {edges.path}",
        file=sys.stderr,
    )
    return 0


def _cmd_changelog(args: argparse.Namespace) -> int:
    from hairkg.export.changelog import compare, render

    sys.stdout.write(render(compare(args.old, args.new), args.format))
    return 0


def _cmd_query(args: argparse.Namespace) -> int:
    """Run a query the way the endpoint would: same guard, same engines, same writers."""
    import tempfile

    from hairkg.formats import ALL_FORMATS, format_named
    from hairkg.graph.loading import load_dataset
    from hairkg.namespaces import PREFIXES
    from hairkg.sparql.engines import QueryRequest
    from hairkg.sparql.guard import QueryRejectedError, check_query

    settings = Settings.from_env(
        store=args.store,
        store_query_url=args.store_query_url,
        store_update_url=args.store_update_url,
    )
    source, text = _read_query(args)
    table = args.format == "table" or (args.format is None and sys.stdout.isatty())
    wanted = "json" if table else args.format
    solutions = format_named("solutions", wanted or "tsv")
    graph = format_named("graph", wanted or "turtle")
    if solutions is None and graph is None:
        names = sorted({f.name for f in ALL_FORMATS} | {"table"})
        raise HairkgError(
            f"unknown result format {args.format!r}; choose one of {', '.join(names)}"
        )
    try:
        info = check_query(text, settings.query_limits)
    except QueryRejectedError as error:
        raise HairkgError(f"{source}: query refused: {error.message}") from None
    dataset = load_dataset(args.data)
    with tempfile.TemporaryDirectory(prefix="hairkg-query-") as workdir:
        dump = Path(workdir) / "dataset.nq"
        dataset.serialize(str(dump), format="nquads", encoding="utf-8")
        if settings.store == "sparql":
            from hairkg.sparql.remote import configure_store

            graphs = [str(c.identifier) for c in dataset.contexts() if len(c)]
            configure_store(settings.store_query_url, settings.store_update_url, dump, graphs)
        engine = ENGINES[settings.store](dump)
        answer = engine.execute(
            QueryRequest(
                text,
                solutions_format=solutions.name if solutions else None,
                graph_format=graph.name if graph else None,
                uses_from=info.uses_from,  # no row cap on the command line
                prefixes=PREFIXES,  # as in the query editor: hkg:, hkr: … need no PREFIX
            )
        )
    if answer.status != 200:
        raise HairkgError(f"{source}: {answer.body.decode('utf-8').strip()}")
    sys.stdout.flush()
    if table and answer.content_type.startswith("application/sparql-results+json"):
        print(_results_table(answer.body))
        return 0
    sys.stdout.buffer.write(answer.body)
    sys.stdout.buffer.flush()
    return 0


_QUERY_KEYWORDS = re.compile(r"\b(SELECT|ASK|CONSTRUCT|DESCRIBE|PREFIX|BASE)\b", re.IGNORECASE)


def _read_query(args: argparse.Namespace) -> tuple[str, str]:
    """(where it came from, the query text): stdin, a file, a shipped question or a string."""
    from hairkg.errors import QueryNotFoundError
    from hairkg.sparql.questions import find_query

    given: str | None = args.query
    if given is None and args.data:
        # `hairkg query --data F cq05`: --data takes several files, so it took the query too;
        # the last value is the query unless it names an RDF file
        from hairkg.formats import rdf_format_for_extension

        if rdf_format_for_extension(args.data[-1].suffix) is None:
            given = str(args.data.pop())
    if given is None:
        raise HairkgError(
            "no query given: name a shipped question (cq01 …), a .rq file, a SPARQL string, "
            "or - to read standard input"
        )
    if given == "-":
        return "<stdin>", sys.stdin.read()
    path = Path(given)
    if path.is_file():
        try:
            return str(path), path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise HairkgError(f"{path}: cannot read the query: {error}") from None
    if _QUERY_KEYWORDS.search(given):
        return "<query>", given
    if path.suffix in (".rq", ".sparql") or "/" in given:
        raise HairkgError(f"{given}: no such file")
    try:
        question = find_query(given)
    except QueryNotFoundError as error:
        raise HairkgError(f"{error}; or give a .rq file, a SPARQL string, or -") from None
    return str(question.path), question.text


def _results_table(body: bytes) -> str:
    """SPARQL JSON results as an aligned text table, IRIs as prefixed names where known."""
    import json

    from hairkg.namespaces import shorten

    document = json.loads(body)
    if "boolean" in document:
        return "yes" if document["boolean"] else "no"
    names: list[str] = document["head"]["vars"]

    def cell(term: dict[str, str] | None) -> str:
        if term is None:
            return ""
        if term["type"] == "uri":
            return shorten(term["value"]) or f"<{term['value']}>"
        if term["type"] == "bnode":
            return f"_:{term['value']}"
        text = term["value"].replace("\n", " ").replace("\t", " ")
        return text if len(text) <= 80 else text[:79] + "…"

    rows = [[cell(row.get(name)) for name in names] for row in document["results"]["bindings"]]
    widths = [max([len(name), *(len(row[i]) for row in rows)]) for i, name in enumerate(names)]
    lines = ["  ".join(name.ljust(width) for name, width in zip(names, widths, strict=True))]
    lines.append("  ".join("-" * width for width in widths))
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    lines.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(line.rstrip() for line in lines)


def _cmd_validate(args: argparse.Namespace) -> int:
    from rdflib import BNode

    from hairkg.validation import validate_files
    from hairkg.validation.report import render_json, render_text, render_turtle
    from hairkg.validation.results import SEVERITIES

    report_format, input_format = _split_validate_format(args.format, args.input_format)
    outcome = validate_files(
        args.files,
        input_format=input_format,
        engine=args.engine,
        max_bytes=args.max_file_mb * 1024 * 1024,
    )
    filtered = args.only_given or args.min_severity != "info"
    if filtered and report_format == "turtle":
        raise HairkgError(
            "--only-given and --min-severity apply to the text and json reports; the turtle "
            "report is the engine's complete sh:ValidationReport"
        )
    if args.only_given:
        about = _iris_in(args.files, input_format, args.max_file_mb * 1024 * 1024)
        # shipped files have no blank nodes, so a blank focus node comes from a given file
        outcome = outcome.only(
            lambda result: isinstance(result.focus, BNode) or str(result.focus) in about
        )
    if args.min_severity != "info":
        shown = SEVERITIES[: SEVERITIES.index(args.min_severity.capitalize()) + 1]
        outcome = outcome.only(lambda result: result.severity_name in shown)
    if report_format == "json":
        print(render_json(outcome, strict=args.strict))
    elif report_format == "turtle":
        print(render_turtle(outcome))
    else:
        print(render_text(outcome, strict=args.strict))
    return 0 if outcome.conforms(strict=args.strict) else 1


def _iris_in(files: list[Path], input_format: str | None, max_bytes: int) -> set[str]:
    """Every IRI the given files state something about or link to."""
    import pyoxigraph as ox

    from hairkg.graph.rdf_io import read_rdf_file

    iris: set[str] = set()
    for path in files:
        for quad in read_rdf_file(path, input_format, max_bytes):
            for term in (quad.subject, quad.object):
                if isinstance(term, ox.NamedNode):
                    iris.add(term.value)
    return iris


REPORT_FORMATS = ("text", "json", "turtle")


def _split_validate_format(value: str | None, input_format: str | None) -> tuple[str, str | None]:
    """Read ``validate --format``: a report format, or else the syntax of the input FILEs.

    The issue asks for both ``--format json|turtle`` (the report) and ``--format`` overriding
    the files' syntax. The names only collide on ``turtle``, which means the report; a Turtle
    input with an odd extension is given with ``--input-format turtle``.
    """
    from hairkg.formats import rdf_format_named

    if value is None or value in REPORT_FORMATS:
        return value or "text", input_format
    if input_format is not None:
        raise HairkgError(
            f"--format {value} names an input syntax and --input-format is given too; use one"
        )
    rdf_format_named(value)  # raises with the list of known syntaxes
    return "text", value


def _cmd_serve(args: argparse.Namespace) -> int:
    from hairkg.service import start_service

    settings = Settings.from_env(
        host=args.host,
        port=args.port,
        workers=args.workers,
        store=args.store,
        store_query_url=args.store_query_url,
        store_update_url=args.store_update_url,
        validate=False if args.no_validate else None,
        base_iri=args.base_iri,
    )
    # The store host starts building now, before this process imports Flask, rdflib and the
    # web layer (half a second): on two cores the two overlap. Nothing before this line may
    # import them (tests/test_architecture.py checks). This process has no thread and no
    # socket yet, so the host is forked from it rather than started as a new interpreter.
    starting = start_service(settings, args.data, fork_host=True)
    try:
        try:
            from hairkg.web.serve import serve
        except BaseException:
            starting.close()
            raise
        serve(settings, starting=starting)  # owns ``starting`` from here on
    except DataNotConformingError as error:
        from hairkg.validation.report import render_refusal

        print(f"hairkg: error: {error}:\n{render_refusal(error.outcome)}", file=sys.stderr)
        return error.exit_code
    return 0


def _cmd_load(args: argparse.Namespace) -> int:
    """Upload the shipped graph (plus --data files) into a remote store, one graph per part.

    The dataset is built as ``hairkg serve`` builds it (the same graphs, inferences and size cap,
    ``HAIRKG_DATA_MAX_MB``), so the store holds what a replica serving the same files counts.
    """
    import pyoxigraph as ox

    from hairkg.graph.loading import build_store
    from hairkg.progress import progress
    from hairkg.sparql.remote import StoreConfig
    from hairkg.sparql.upload import upload_graphs

    settings = Settings.from_env(
        store=args.store,
        store_query_url=args.store_query_url,
        store_update_url=args.store_update_url,
    )
    if settings.store != "sparql":
        raise HairkgError("hairkg load fills a remote store: give --store sparql")
    config = StoreConfig.from_env(settings.store_query_url, settings.store_update_url)
    store = build_store(args.data, max_extra_bytes=settings.data_max_mb * 1024 * 1024)
    graphs: dict[str, list[str]] = {}
    for name in sorted(store.named_graphs(), key=lambda graph: graph.value):
        triples = (quad.triple for quad in store.quads_for_pattern(None, None, None, name))
        text = ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES) or b""
        if text:
            graphs[name.value] = text.decode("utf-8").splitlines()
    del store
    loads = upload_graphs(config, graphs, report=progress, timeout=settings.store_load_timeout)
    for load in loads:
        print(f"{load.graph}: {load.triples} triples")
    total = sum(load.triples for load in loads)
    print(f"loaded {len(loads)} graphs ({total} triples) into {config.where}; counts verified")
    return 0


def _store_urls(sub: argparse.ArgumentParser) -> None:
    sub.add_argument(
        "--store-query-url",
        metavar="URL",
        default=None,
        help="with --store sparql: the store's SPARQL query endpoint (HAIRKG_STORE_QUERY_URL); "
        "credentials only in HAIRKG_STORE_USER and HAIRKG_STORE_PASSWORD (HAIRKG_STORE_AUTH=digest "
        "for HTTP Digest)",
    )
    sub.add_argument(
        "--store-update-url",
        metavar="URL",
        default=None,
        help="with --store sparql: the store's SPARQL update endpoint (HAIRKG_STORE_UPDATE_URL)",
    )


class _ShaclEngines:
    """The names of ``validate --engine``, read from :mod:`hairkg.validation` when asked.

    Building the parser must not import the validation layer (rdflib with it): ``serve``
    starts its store host right after parsing, and every import before that delays it.
    """

    def _names(self) -> list[str]:
        from hairkg.validation import ENGINES

        return sorted(ENGINES)

    def __contains__(self, name: object) -> bool:
        return name in self._names()

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


#: What raises the size limit of ``--data`` files, for the commands that read that setting
_DATA_LIMIT_HINT = "HAIRKG_DATA_MAX_MB sets the limit (0: none)"


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser of the ``hairkg`` command."""
    parser = argparse.ArgumentParser(
        prog="hairkg",
        description="Knowledge graph of regenerative hair-loss therapies "
        "(evidence only, no medical advice).",
    )
    parser.add_argument("--version", action="version", version=f"hairkg {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def with_data(sub: argparse.ArgumentParser, *, store: bool = True) -> None:
        sub.add_argument(
            "--data",
            nargs="*",
            type=Path,
            default=[],
            metavar="FILE",
            help="extra RDF files to load with the shipped graph; TriG/N-Quads keep their "
            "named graphs",
        )
        if store:
            sub.add_argument(
                "--store",
                choices=sorted(ENGINES),
                default=None,
                help=f"query engine (default: {Settings.store})",
            )

    serve = commands.add_parser(
        "serve",
        help="start the SPARQL endpoint and query UI (production WSGI server)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Validate the graph and serve it: a SPARQL 1.1 endpoint at /sparql and a "
        "query editor at /.",
        epilog="settings:\n  Every setting is read from a HAIRKG_<NAME> environment variable; "
        "options given here win.\n"
        + "\n".join(
            f"  HAIRKG_{spec.name.upper():<22} default {spec.default!r}"
            for spec in dataclasses.fields(Settings)
        ),
    )
    serve.add_argument("--host", default=None, help=f"address (default: {Settings.host})")
    serve.add_argument(
        "--port",
        type=int,
        default=None,
        help=f"TCP port (default: {Settings.port}; 0 picks a free one)",
    )
    serve.add_argument(
        "--workers",
        type=_positive_int,
        default=None,
        help=f"query worker processes (default: {Settings.workers})",
    )
    with_data(serve)
    serve.set_defaults(size_limit_hint=_DATA_LIMIT_HINT)
    _store_urls(serve)
    serve.add_argument(
        "--no-validate",
        action="store_true",
        help="serve without checking the shapes first (HAIRKG_VALIDATE=false)",
    )
    serve.add_argument(
        "--base-iri",
        default=None,
        metavar="IRI",
        help=f"where minted IRIs start; the rest is their path here (default: {Settings.base_iri})",
    )
    serve.set_defaults(run=_cmd_serve)

    export = commands.add_parser(
        "export",
        help="write the whole graph (or one named graph) in an RDF syntax",
        description="Write the served dataset (shipped graph, --data files, inferences) as "
        "Turtle, N-Triples, RDF/XML (the union of the named graphs), or TriG, N-Quads, "
        "JSON-LD (named graphs kept): the files of the server's /download page.",
    )
    export.add_argument(
        "--format",
        required=True,
        metavar="FMT",
        help="turtle, ntriples, rdfxml, trig, nquads or jsonld (or a media type); kgx for "
        "the KGX nodes and edges TSV with Biolink categories and predicates (--out DIR)",
    )
    export.add_argument(
        "--graph", metavar="NAME", help="only this named graph (ontology, imports, data, …)"
    )
    export.add_argument(
        "--out",
        default="-",
        metavar="FILE",
        help="file to write; - is stdout (a directory for --format kgx)",
    )
    with_data(export, store=False)
    export.set_defaults(run=_cmd_export)
    changelog = commands.add_parser(
        "changelog",
        help="what changed between two release dumps, claim by claim",
        description="Compare two release dumps (N-Quads from `hairkg export --format nquads` "
        "or the /download page, or any RDF file) by claim IRI: claims added and removed, and "
        "claims whose support status, quotation, statement or other properties changed. "
        "Exit status 2 (one line on stderr) if a file cannot be read or is not RDF.",
    )
    changelog.add_argument("old", type=Path, metavar="OLD", help="the earlier release's dump")
    changelog.add_argument("new", type=Path, metavar="NEW", help="the later release's dump")
    changelog.add_argument(
        "--format",
        choices=("text", "json", "md"),
        default="text",
        help="text (default), json or md (Markdown)",
    )
    changelog.set_defaults(run=_cmd_changelog)

    load = commands.add_parser(
        "load",
        help="upload the graph into a remote SPARQL store (--store sparql), one graph per part",
        description="Put the shipped graph (plus --data files) into a remote SPARQL 1.1 store, "
        "one named graph per part: each is loaded into a staging graph, its triple count "
        "checked, then moved over the old one (a failed load leaves the old graph in place; "
        "a second load replaces, never duplicates).",
    )
    with_data(load)
    load.set_defaults(size_limit_hint=_DATA_LIMIT_HINT)
    _store_urls(load)
    load.set_defaults(run=_cmd_load)

    stats = commands.add_parser("stats", help="triples per named graph and instances per class")
    with_data(stats, store=False)
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
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Validate the shipped graph, or the shipped graph plus the given files, "
        "against the SHACL shapes in shapes/.",
        epilog="""formats:
  The syntax of each FILE comes from its extension (.ttl .nt .nq .trig .rdf .owl .xml
  .jsonld .json); --input-format overrides it. --format chooses the REPORT: text for
  people (one block per focus node: label, IRI, path, value, message, severity, shape,
  file:line), json, or turtle (the standard sh:ValidationReport). --format with an input
  syntax (nt, nquads, trig, xml, json-ld) overrides the FILEs' syntax like --input-format.

exit status:
  0  the graph conforms (warnings and info allowed, unless --strict)
  1  violations (or, with --strict, warnings)
  2  usage error, or a file that cannot be read or parsed, or is refused as hostile
     (too big, nested too deep, XML entities, remote JSON-LD contexts, invalid UTF-8);
     the message names the file and line
  3  the SHACL engine failed""",
    )
    validate.add_argument(
        "files",
        nargs="*",
        type=Path,
        metavar="FILE",
        help="RDF files to validate together with the shipped graph",
    )
    validate.add_argument(
        "--input-format",
        metavar="SYNTAX",
        help="syntax of every FILE, whatever its extension: turtle, nt, nquads, trig, xml, json-ld",
    )
    validate.add_argument(
        "--format",
        default=None,
        metavar="FORMAT",
        help="report format: text (default), json or turtle; any other RDF syntax name "
        "(nt, nquads, trig, xml, json-ld) sets the syntax of the FILEs instead",
    )
    validate.add_argument(
        "--engine",
        choices=_ShaclEngines(),
        metavar="ENGINE",  # a metavar of the choices would read them when the parser is built
        default=None,
        help="SHACL engine: turbo (default, fast) or pyshacl (the reference)",
    )
    validate.add_argument("--strict", action="store_true", help="warnings fail too (exit 1)")
    validate.add_argument(
        "--only-given",
        action="store_true",
        help="report only results about nodes the given FILEs mention (not the shipped "
        "graph's own); the exit status follows what is reported",
    )
    validate.add_argument(
        "--min-severity",
        choices=("info", "warning", "violation"),
        default="info",
        help="report only results of this severity or worse (default: info, i.e. all)",
    )
    validate.add_argument(
        "--max-file-mb",
        type=_positive_int,
        default=DEFAULT_MAX_FILE_BYTES // (1024 * 1024),
        metavar="MB",
        help="refuse FILEs bigger than this (default: %(default)s)",
    )
    validate.set_defaults(run=_cmd_validate, size_limit_hint="--max-file-mb MB raises the limit")

    query = commands.add_parser(
        "query",
        help="run a SPARQL query (shipped question, file, string or stdin) on the graph",
        description="Run a read-only SPARQL query on the shipped graph (plus --data files), "
        "with the endpoint's checks: SERVICE, updates and over-deep queries are refused, "
        "FROM is never fetched. The project's prefixes (hkg:, hkr:, obo:, …) need no PREFIX "
        "line. On a terminal SELECT/ASK answers print as a table; piped, as SPARQL TSV "
        "unless --format says otherwise; CONSTRUCT/DESCRIBE as Turtle.",
    )
    query.add_argument(
        "query",
        nargs="?",
        help="a shipped question (cq05, or its full name), a .rq file, a SPARQL string, "
        "or - for standard input",
    )
    query.add_argument(
        "--format",
        metavar="FORMAT",
        help="table, json, xml, csv or tsv for SELECT/ASK; turtle, ntriples, jsonld, rdfxml, "
        "trig or nquads for CONSTRUCT/DESCRIBE",
    )
    with_data(query)
    _store_urls(query)
    query.set_defaults(run=_cmd_query)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except FileTooLargeError as error:  # a limit the command's own setting may raise
        hint = getattr(args, "size_limit_hint", None)
        print(f"hairkg: error: {error}{f'; {hint}' if hint else ''}", file=sys.stderr)
        return error.exit_code
    except HairkgError as error:
        print(f"hairkg: error: {error}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (`hairkg stats | head -1`): stop quietly, as `cat` would;
        # stdout goes to /dev/null so that Python's final flush does not fail again
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    except Exception as error:  # a bug: say so in one line; HAIRKG_DEBUG=1 shows the traceback
        if os.environ.get("HAIRKG_DEBUG"):
            raise
        print(
            f"hairkg: internal error: {type(error).__name__}: {error} "
            "(please report it; HAIRKG_DEBUG=1 shows the traceback)",
            file=sys.stderr,
        )
        return 3
