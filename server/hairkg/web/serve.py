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

from waitress.server import create_server

from hairkg.service import prepare_service
from hairkg.settings import Settings
from hairkg.validation.report import summary
from hairkg.web import create_app

__all__ = ["serve"]


def _stop(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(settings: Settings, data: Sequence[Path] = ()) -> None:
    """Prepare the service and serve it until interrupted."""
    app = create_app(settings)
    service = prepare_service(settings, data)
    app.extensions["hairkg"] = service
    host, port, workers = settings.host, settings.port, settings.workers
    server = create_server(
        app,
        host=host,
        port=port,
        threads=max(4, workers * 2),
        channel_timeout=60,
        connection_limit=1000,
        # above Flask's own limit, so that a too-big body gets its 413 from the app, with the
        # same headers (CORS, nosniff) as every other answer; waitress still stops chunked floods
        max_request_body_size=2 * settings.max_content_length + 65536,
        clear_untrusted_proxy_headers=True,
        ident="hairkg",
    )
    address = getattr(server, "effective_host", host)
    effective_port = getattr(server, "effective_port", port)
    shown = f"[{address}]" if ":" in str(address) else address
    base = f"http://{shown}:{effective_port}"
    if service.validation is not None:
        print(f"validation: {summary(service.validation)}")
    print(
        f"hairkg serving {service.stats.union_triples} triples "
        f"({settings.store} store, {workers} query workers)"
    )
    print(f"  query UI:        {base}/")
    print(f"  SPARQL endpoint: {base}/sparql")
    # before "listening": a client that reads it may send SIGTERM at once
    signal.signal(signal.SIGTERM, _stop)
    print(f"listening on {base}", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        service.close()
        sys.stdout.flush()
