"""The comparison servers of ``endpoint_bench.py`` that are not a command of their own.

* ``bare``: a Flask app answering SPARQL from an in-memory pyoxigraph store in the request
  thread, with no protocol features: no negotiation (SELECT/ASK as SPARQL JSON,
  CONSTRUCT/DESCRIBE as Turtle), no query guard, no worker processes or limits, no ETag,
  no gzip, no CORS. Served by waitress like hairkg: the limit hairkg's features are
  measured against.
* ``floor``: a Flask app returning one fixed SPARQL JSON answer to every request, under the
  same waitress settings: the cost of the WSGI stack alone.
* ``rdflib``: rdflib-endpoint's ``SparqlEndpoint`` over an rdflib ``Dataset`` (default graph
  = union of the named graphs, as ``rdflib-endpoint serve`` builds it) under uvicorn with
  its defaults except the access log, which is turned off.

Each prints ``listening on http://HOST:PORT`` once it accepts connections (``--port 0``
picks a free port)::

    python bench/bare_apps.py bare --data dataset.nq --port 0 --threads 4
"""

from __future__ import annotations

import argparse
import signal
import socket
import sys
from pathlib import Path
from typing import Any

FIXED_ANSWER = (
    b'{"head":{"vars":["s"]},"results":{"bindings":'
    b'[{"s":{"type":"uri","value":"https://w3id.org/hairkg/resource/fixed"}}]}}'
)


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _read_query(request: Any) -> str | None:
    """The query of a GET ?query=, a form POST or an application/sparql-query POST."""
    if request.method == "POST" and request.mimetype == "application/sparql-query":
        return str(request.get_data(as_text=True))
    return request.values.get("query")


def bare_app(data: Path) -> Any:
    """Flask + pyoxigraph in memory, nothing else."""
    import pyoxigraph as ox
    from flask import Flask, Response, request

    store = ox.Store()
    store.bulk_load(path=str(data), format=ox.RdfFormat.N_QUADS)
    app = Flask("bare")

    @app.route("/sparql", methods=["GET", "POST"])
    def sparql() -> Response:
        query = _read_query(request)
        if not query:
            return Response("missing query\n", 400, content_type="text/plain")
        try:
            result = store.query(query, use_default_graph_as_union=True)
        except (SyntaxError, ValueError, OSError) as error:
            return Response(f"{error}\n", 400, content_type="text/plain")
        if isinstance(result, ox.QueryTriples):
            return Response(
                result.serialize(format=ox.RdfFormat.TURTLE), content_type="text/turtle"
            )
        body = result.serialize(format=ox.QueryResultsFormat.JSON)
        return Response(body, content_type="application/sparql-results+json")

    return app


def floor_app() -> Any:
    """Flask returning a fixed answer: the floor of any Flask endpoint under waitress."""
    from flask import Flask, Response

    app = Flask("floor")

    @app.route("/sparql", methods=["GET", "POST"])
    def sparql() -> Response:
        return Response(FIXED_ANSWER, content_type="application/sparql-results+json")

    return app


def serve_waitress(app: Any, host: str, port: int, threads: int) -> None:
    """Serve ``app`` with waitress as hairkg does (same thread count, same limits)."""
    from waitress.server import create_server

    server = create_server(
        app,
        host=host,
        port=port,
        threads=threads,
        channel_timeout=60,
        connection_limit=1000,
        clear_untrusted_proxy_headers=True,
    )
    print(f"listening on http://{host}:{server.effective_port}", flush=True)  # type: ignore[union-attr]
    signal.signal(signal.SIGTERM, _stop)
    try:
        server.run()
    except KeyboardInterrupt:
        pass


def serve_rdflib(data: Path, host: str, port: int) -> None:
    """rdflib-endpoint under uvicorn on a socket bound before the announcement."""
    import uvicorn
    from rdflib import Dataset
    from rdflib_endpoint import SparqlEndpoint

    graph = Dataset(default_union=True)
    graph.parse(str(data), format="nquads")
    app = SparqlEndpoint(graph=graph, path="/sparql")
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says TCP
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    config = uvicorn.Config(app, log_level="warning", access_log=False)
    server = uvicorn.Server(config)
    print(f"listening on http://{host}:{sock.getsockname()[1]}", flush=True)
    server.run(sockets=[sock])


def main(argv: list[str] | None = None) -> int:
    """Command line: ``bare_apps.py {bare,floor,rdflib} [--data F] [--port P]``."""
    parser = argparse.ArgumentParser(description="comparison servers for endpoint_bench.py")
    parser.add_argument("kind", choices=("bare", "floor", "rdflib"))
    parser.add_argument("--data", type=Path, help="N-Quads file (bare, rdflib)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--threads", type=int, default=4, help="waitress threads")
    args = parser.parse_args(argv)
    if args.kind in ("bare", "rdflib") and args.data is None:
        parser.error(f"{args.kind} needs --data")
    if args.kind == "bare":
        serve_waitress(bare_app(args.data), args.host, args.port, args.threads)
    elif args.kind == "floor":
        serve_waitress(floor_app(), args.host, args.port, args.threads)
    else:
        serve_rdflib(args.data, args.host, args.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
