"""Run the service under waitress, a production WSGI server.

waitress reads whole requests and writes whole responses through its own asynchronous
channels before and after a worker thread runs the app, so slow or idle clients hold no
thread; queries themselves run in the worker processes of :mod:`hairkg.sparql.pool`.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from waitress.server import create_server

from hairkg.service import prepare_service
from hairkg.sparql.pool import PoolSettings
from hairkg.web import create_app

__all__ = ["serve"]


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(
    host: str,
    port: int,
    *,
    workers: int,
    data: Sequence[Path],
    store: str,
    validate: bool,
    config: dict[str, Any] | None = None,
) -> None:
    """Prepare the service and serve it until interrupted."""
    app = create_app(config)
    settings = PoolSettings(
        workers=workers,
        timeout=float(app.config["QUERY_TIMEOUT"]),
        memory_limit_mb=int(app.config["QUERY_MEMORY_MB"]),
    )
    report: list[str] = []
    service = prepare_service(
        data, store=store, validate=validate, settings=settings, report=report
    )
    app.extensions["hairkg"] = service
    server = create_server(
        app,
        host=host,
        port=port,
        threads=max(4, workers * 2),
        channel_timeout=60,
        connection_limit=1000,
        # above Flask's own limit, so that a too-big body gets its 413 from the app, with the
        # same headers (CORS, nosniff) as every other answer; waitress still stops chunked floods
        max_request_body_size=2 * int(app.config["MAX_CONTENT_LENGTH"]) + 65536,
        clear_untrusted_proxy_headers=True,
        ident="hairkg",
    )
    address = getattr(server, "effective_host", host)
    effective_port = getattr(server, "effective_port", port)
    shown = f"[{address}]" if ":" in str(address) else address
    base = f"http://{shown}:{effective_port}"
    for line in report:
        print(f"validation: {line}")
    print(
        f"hairkg serving {service.stats.union_triples} triples "
        f"({store} store, {workers} query workers)"
    )
    print(f"  query UI:        {base}/")
    print(f"  SPARQL endpoint: {base}/sparql")
    print(f"listening on {base}", flush=True)
    signal.signal(signal.SIGTERM, _stop)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        service.close()
        sys.stdout.flush()
