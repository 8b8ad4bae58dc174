"""Run the service under waitress, a production WSGI server.

waitress reads whole requests and writes whole responses through its own asynchronous
channels before and after a worker thread runs the app, so slow or idle clients hold no
thread; queries themselves run in the worker processes of :mod:`hairkg.sparql.pool`.
"""

from __future__ import annotations

import errno
import os
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import Flask
from waitress.server import create_server

from hairkg.errors import PortUnavailableError
from hairkg.service import Service, StartingService, start_service
from hairkg.settings import Settings
from hairkg.validation.report import summary
from hairkg.web import create_app
from hairkg.web.cpu_affinity import WebPlacement, choose_web_cpu

__all__ = ["serve"]


#: Bodies up to this size are read (spooled to disk by waitress) so that the client gets a
#: readable 413 rather than a reset connection.
_DRAINED_BODY_BYTES = 64 * 1024 * 1024


def _stop(signum: int, frame: object) -> None:
    # a supervisor may repeat SIGTERM while we close: the first one stops us, cleanly
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    raise KeyboardInterrupt


def serve(
    settings: Settings, data: Sequence[Path] = (), *, starting: StartingService | None = None
) -> None:
    """Bind the port, prepare the service, and serve it until interrupted.

    ``starting`` is the service whose store host the caller started already (the command
    does, before importing this module, so that the host builds while Flask, rdflib and the
    web layer are imported here); without it the host starts now, on ``data``. The port is
    bound before waiting for the host, so that a busy port is reported at once, not after
    seconds of loading and validating (the host is stopped then).
    """
    if starting is None:
        starting = start_service(settings, data)
    try:
        # a wrong value is refused before the wait (the /proc count is for the real choice)
        choose_web_cpu(settings.web_cpu, confined={})
        app = create_app(settings)
        server = _bind(app, settings)
    except BaseException:
        starting.close()
        raise
    try:
        service = starting.wait()
    except BaseException:
        server.close()
        raise
    app.extensions["hairkg"] = service
    # from here on SIGTERM stops the server cleanly; the handler is in place before the
    # address is announced, so a supervisor that stops us at once gets a clean exit too
    try:
        signal.signal(signal.SIGTERM, _stop)
        web_cpu = _place_web_process(settings, app, service)
        _announce(server, settings, service, web_cpu)
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        service.close()
        sys.stdout.flush()


def _place_web_process(settings: Settings, app: Flask, service: Service) -> int | None:
    """Start the web process's placement (web/cpu_affinity.py): its CPU, or None.

    Only now, once the store host has started: the host, and every worker it forks, keeps
    all the CPUs; and the choice sees the replicas that started meanwhile.
    """
    web_cpu = choose_web_cpu(settings.web_cpu)
    if web_cpu is None:
        return None
    placement = WebPlacement(web_cpu, os.sched_getaffinity(0))
    if not placement.start():
        if settings.web_cpu.strip().lower() != "auto":  # asked for by name: say why not
            print(
                f"hairkg: warning: HAIRKG_WEB_CPU={settings.web_cpu}: the system refused to "
                "keep the web process on that CPU; it runs where the scheduler puts it",
                file=sys.stderr,
            )
        return None
    service.pool.on_worker_cpu_seconds = placement.note_query
    app.extensions["hairkg_web_placement"] = placement
    return web_cpu


def _announce(server: Any, settings: Settings, service: Service, web_cpu: int | None) -> None:
    address = getattr(server, "effective_host", settings.host)
    effective_port = getattr(server, "effective_port", settings.port)
    shown = f"[{address}]" if ":" in str(address) else address
    base = f"http://{shown}:{effective_port}"
    if service.validation is not None:
        print(f"validation: {summary(service.validation)}")
    print(
        f"hairkg serving {service.stats.union_triples} triples "
        f"({settings.store} store, {settings.workers} query workers)"
    )
    if web_cpu is not None:
        print(
            f"  web process:     CPU {web_cpu} while queries are quick, every CPU while long "
            "ones run (HAIRKG_WEB_CPU)"
        )
    print(f"  query UI:        {base}/")
    print(f"  SPARQL endpoint: {base}/sparql")
    print(f"listening on {base}", flush=True)


def _bind(app: Flask, settings: Settings) -> Any:
    """The waitress server on its socket, or :class:`PortUnavailableError`."""
    try:
        return create_server(
            app,
            host=settings.host,
            port=settings.port,
            # a thread per query that may be in flight, and four more, so that /health,
            # pages, static files and cache hits never wait behind queries (see
            # sparql/admission.py)
            threads=settings.server_threads,
            # lets the app see a client that hung up, to cancel its query
            channel_request_lookahead=1,
            channel_timeout=60,
            connection_limit=1000,
            # waitress reads a body up to this size before the app runs; Flask then answers
            # 413 past max_content_length, with the usual headers. Refusing earlier would
            # close the socket under a client still sending, which it sees as a reset, not
            # as a 413 it can read. Chunked floods past this are still stopped by waitress.
            max_request_body_size=max(_DRAINED_BODY_BYTES, 4 * settings.max_content_length),
            # the forwarded headers reach the app only when the operator names one to trust
            clear_untrusted_proxy_headers=not settings.client_address_header,
            ident="hairkg",
        )
    except OSError as error:
        reason = "is in use" if error.errno == errno.EADDRINUSE else f"cannot be used ({error})"
        raise PortUnavailableError(
            f"port {settings.port} on {settings.host} {reason}; choose another with --port "
            "(or HAIRKG_PORT), or stop the program that holds it"
        ) from None
