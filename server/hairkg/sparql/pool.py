"""Query worker processes: time limit, memory bound, and isolation from crashes.

Each worker is a separate process holding its own copy of the dataset. A query that runs past
the time limit gets its worker killed (the CPU really is freed) and replaced; a worker that
dies (memory limit reached, or an engine crash) fails only the request it was running. The
other workers keep answering throughout.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import queue
import resource
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from hairkg.errors import UnknownStoreError
from hairkg.sparql.engines import ENGINES, QueryRequest, QueryResponse
from hairkg.sparql.guard import describe_shape

__all__ = ["PoolSettings", "WorkerPool"]

#: How often a running query checks whether its client is still there.
_CANCEL_POLL_SECONDS = 0.1


@dataclass(frozen=True)
class PoolSettings:
    """The pool's engine and limits; the defaults are :class:`hairkg.settings.Settings`'."""

    engine: str  # a name of hairkg.sparql.engines.ENGINES
    workers: int
    timeout: float  # seconds a query may run
    memory_limit_mb: int  # address-space growth allowed per worker, on top of its data
    queue_timeout: float  # seconds a request may wait for a free worker


def _worker_main(conn: Connection, engine_name: str, nquads: str, memory_limit_mb: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when workers stop
    engine = ENGINES[engine_name](Path(nquads))
    if memory_limit_mb > 0:
        with open("/proc/self/statm", encoding="ascii") as statm:
            current = int(statm.read().split()[0]) * resource.getpagesize()
        limit = current + memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    conn.send("ready")
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            response = engine.execute(request)
        except MemoryError:
            response = QueryResponse.error(
                503,
                f"query stopped: it needed more than the {memory_limit_mb} MiB a query "
                "may use; add LIMIT or narrow the pattern",
            )
        except Exception as error:  # never let one query end the worker's loop
            response = QueryResponse.error(500, f"internal error while answering: {error}")
        try:
            conn.send(response)
        except (OSError, ValueError):
            return


class _Worker:
    def __init__(self, context: Any, engine: str, nquads: Path, memory_limit_mb: int) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_worker_main,
            args=(child, engine, str(nquads), memory_limit_mb),
            daemon=True,
            name="hairkg-query-worker",
        )
        self.process.start()
        child.close()

    def wait_ready(self, timeout: float) -> None:
        if not self.conn.poll(timeout) or self.conn.recv() != "ready":
            raise RuntimeError("query worker did not start")

    def kill(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.process.kill()
        self.process.join(5)
        self.conn.close()


class WorkerPool:
    """A fixed number of query workers; :meth:`execute` is safe to call from many threads."""

    def __init__(self, nquads: Path, settings: PoolSettings) -> None:
        if settings.engine not in ENGINES:
            raise UnknownStoreError(
                f"unknown store {settings.engine!r}; choose one of {', '.join(sorted(ENGINES))}"
            )
        self.settings = settings
        self.nquads = nquads
        self._context = multiprocessing.get_context("spawn")
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self._closed = False
        self.restarts = 0
        self.cancelled = 0
        self.timeouts = 0
        self.crashes = 0
        #: time requests spent waiting for a free worker, and how many got one (for /metrics)
        self.queue_wait_seconds = 0.0
        self.queue_waits = 0
        workers = [self._spawn() for _ in range(max(1, self.settings.workers))]
        for worker in workers:
            worker.wait_ready(120)
            self._idle.put(worker)

    def _spawn(self) -> _Worker:
        return _Worker(
            self._context, self.settings.engine, self.nquads, self.settings.memory_limit_mb
        )

    def _replace(self, broken: _Worker) -> None:
        """Kill ``broken`` and start its successor in the background."""
        broken.kill()
        self.restarts += 1

        def start() -> None:
            while not self._closed:
                worker = self._spawn()
                try:
                    worker.wait_ready(120)
                except (RuntimeError, EOFError, OSError):
                    worker.kill()
                    time.sleep(1)
                    continue
                self._idle.put(worker)
                return

        threading.Thread(target=start, daemon=True, name="hairkg-respawn").start()

    def execute(
        self, request: QueryRequest, cancelled: Callable[[], bool] | None = None
    ) -> QueryResponse:
        """Run ``request`` on a free worker, within the time limit.

        ``cancelled`` is polled while the query runs (the web layer passes "has the client
        hung up?"); when it says yes, the worker is stopped and replaced, so an abandoned
        query does not hold a worker until the time limit.
        """
        waiting_since = time.monotonic()
        try:
            worker = self._idle.get(timeout=self.settings.queue_timeout)
        except queue.Empty:
            if self._closed:
                return QueryResponse.error(503, "server is shutting down")
            return QueryResponse.error(
                503,
                f"all query workers stayed busy for {self.settings.queue_timeout:g} s; "
                "try again shortly",
                {"Retry-After": "1"},
            )
        self.queue_wait_seconds += time.monotonic() - waiting_since
        self.queue_waits += 1
        deadline = time.monotonic() + self.settings.timeout
        try:
            worker.conn.send(request)
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                if worker.conn.poll(min(remaining, _CANCEL_POLL_SECONDS)):
                    response: QueryResponse = worker.conn.recv()
                    self._idle.put(worker)
                    return response
                if cancelled is not None and cancelled():
                    self._replace(worker)
                    self.cancelled += 1
                    return QueryResponse.error(
                        499, "query cancelled: the client closed the connection"
                    )
        except (EOFError, OSError, ValueError):
            worker.process.join(2)
            exitcode = worker.process.exitcode
            self._replace(worker)
            return self._ended_response(request, exitcode)
        self._replace(worker)
        self.timeouts += 1
        return QueryResponse.error(
            503,
            f"query stopped: it ran longer than the {self.settings.timeout:g} s limit; "
            "add LIMIT or narrow the pattern",
            {"Retry-After": "1"},
        )

    def _ended_response(self, request: QueryRequest, exitcode: int | None) -> QueryResponse:
        """The answer when the worker running ``request`` died."""
        if exitcode == -signal.SIGSEGV:
            self.crashes += 1
            return QueryResponse.error(
                500,
                f"the query engine crashed on this query ({describe_shape(request.query)}); "
                "it was not a problem of memory or time. Simplify the query (fewer nested or "
                "chained expressions); the server keeps running.",
            )
        return QueryResponse.error(
            503,
            f"query stopped: the worker running it ended (exit code {exitcode}), "
            f"because the query needed more than the {self.settings.memory_limit_mb} MiB "
            "a query may use. Add LIMIT or narrow the pattern.",
        )

    def idle_workers(self) -> int:
        """Workers free right now (for readiness)."""
        return self._idle.qsize()

    def close(self) -> None:
        """Stop every worker."""
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                break

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def pid_of_workers(pool: WorkerPool) -> list[int]:
    """Process ids of the idle workers (for tests and diagnostics)."""
    with pool._idle.mutex:
        return [w.process.pid for w in list(pool._idle.queue) if w.process.pid is not None]
