"""Query worker processes: time limit, memory bound, and isolation from crashes.

One *store host* process gets the dataset into memory once and then only forks: every query
worker is a fork of it, so all workers share the host's pages of the store copy-on-write
(queries only read them) and start in milliseconds, with in-memory query speed. The host
either loads an N-Quads file (Oxigraph's bulk loader) or calls an *opener* the caller gives,
which builds the store in the host itself (:func:`hairkg.service.prepare_service` does, so
that a big dataset is built once, not built, written out and loaded again), and sends what
the opener found back to the main process. The host
runs no queries and starts no threads, so forking it is safe. A query that runs past
the time limit gets its worker killed (the CPU really is freed) and replaced; a worker that
dies (memory limit reached, or an engine crash) fails only the request it was running. The
other workers keep answering throughout.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import functools
import gc
import marshal
import multiprocessing
import operator
import os
import pickle
import queue
import resource
import signal
import socket
import struct
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from hairkg.errors import UnknownStoreError
from hairkg.sparql.engines import ENGINES, QueryEngine, QueryRequest, QueryResponse
from hairkg.sparql.guard import describe_shape

__all__ = ["EngineOpener", "PoolSettings", "WorkerPool", "open_nquads"]

#: Called in the store host to get its engine, and facts for the main process (picklable,
#: as the opener itself must be: a module-level function or a ``functools.partial`` of one).
EngineOpener = Callable[[], tuple[QueryEngine, Any]]

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
    #: a worker whose unshared memory passes this after a query is replaced by a fresh fork
    #: (0: never): low keeps the workers sharing the host's copy of the data, high spares
    #: big scans the cost of unsharing the pages they read again and again
    recycle_mb: int = 64


# The wire between the web process and a worker: each message is a header of two lengths, then
# a ``marshal`` of a plain tuple (both ends run the same interpreter; not pickled objects), then
# a raw body. A request is the QueryRequest's fields in order and no body; an answer is (status,
# content type, header pairs, retire, the worker's CPU seconds) and the answer's body. Each end
# is a raw socket (its buffer and reads in C), not a multiprocessing Connection, whose poll()
# builds a selector in Python on every call and whose recv_bytes() reads the length and the
# message in two system calls: here a usual message goes out in one send and comes in with one
# read (see _Wire).
_HEADER = struct.Struct("=QQ")  # bytes of the marshalled tuple, bytes of the body

#: A body this big or bigger is sent from its own buffer, not copied next to the header first,
#: and read into a buffer of its own size.
_SEPARATE_BODY = 64 * 1024

#: What one read takes at most: a usual answer (its headers, a body under _SEPARATE_BODY) whole.
_READ_BUFFER = _SEPARATE_BODY + 16 * 1024

_REQUEST_FIELDS = tuple(field.name for field in dataclasses.fields(QueryRequest))


class _ReadTimeoutError(Exception):
    """The deadline passed while a message was still arriving."""


class _Wire:
    """One end of a worker's socket pair: whole messages in and out, safe from one thread.

    Reads block in the kernel (a blocking socket: no poll before each read), each for at most
    :meth:`set_wait` (SO_RCVTIMEO, set only when it changes), so a wait for an answer that checks
    for cancellation every :data:`_CANCEL_POLL_SECONDS` costs one system call, not a poll and a
    read. The two ends strictly take turns (a request, then its answer), so a read never takes
    bytes of a message after the one it waits for.
    """

    def __init__(self, sock: socket.socket) -> None:
        sock.setblocking(True)
        self.sock = sock
        self._buffer = bytearray(_READ_BUFFER)
        self._view = memoryview(self._buffer)
        self._wait: float | None = None  # None: reads wait for ever (the kernel's default)

    def send(self, meta: bytes, body: bytes = b"") -> None:
        """Send one message: the marshalled ``meta`` and the raw ``body``."""
        header = _HEADER.pack(len(meta), len(body))
        if len(body) < _SEPARATE_BODY:
            self.sock.sendall(b"".join((header, meta, body)))  # one system call
        else:
            self.sock.sendall(header + meta)
            self.sock.sendall(body)

    def set_wait(self, seconds: float | None) -> None:
        """Make each read give up after ``seconds`` without data (None: never)."""
        if seconds == self._wait:
            return
        if seconds is None:
            whole, micro = 0, 0  # a zero timeval: no timeout
        else:
            whole = int(seconds)
            micro = int((seconds - whole) * 1_000_000)
            if whole == 0 and micro == 0:
                micro = 1  # a zero timeval would mean no timeout at all
        self.sock.setsockopt(
            socket.SOL_SOCKET, socket.SO_RCVTIMEO, struct.pack("@ll", whole, micro)
        )
        self._wait = seconds

    def receive(self, deadline: float | None = None) -> tuple[memoryview, bytes] | None:
        """The next message (its marshalled part, valid until the next read, and its body).

        None if nothing came within the wait; EOFError if the other end has closed;
        :class:`_ReadTimeoutError` if ``deadline`` (``time.monotonic``) passes halfway.
        """
        try:
            got = self.sock.recv_into(self._buffer)
        except BlockingIOError:  # the wait ran out
            return None
        if got == 0:
            raise EOFError
        view = self._view
        while got < _HEADER.size:
            got += self._more(view[got:], deadline)
        meta_size, body_size = _HEADER.unpack_from(view)
        meta_end = _HEADER.size + meta_size
        total = meta_end + body_size
        if total > len(view):  # a big message: read the rest into a buffer of its size
            whole = memoryview(bytearray(total))
            whole[:got] = view[:got]
            view = whole
        while got < total:
            got += self._more(view[got:total], deadline)
        return view[_HEADER.size : meta_end], bytes(view[meta_end:total])

    def _more(self, into: memoryview, deadline: float | None) -> int:
        """Read some of the rest of a message into ``into``: how many bytes came."""
        while True:
            try:
                got = self.sock.recv_into(into)
            except BlockingIOError:
                if deadline is not None and time.monotonic() >= deadline:
                    raise _ReadTimeoutError from None
                continue
            if got == 0:
                raise EOFError
            return got

    def close(self) -> None:
        self.sock.close()


#: The request's fields as a tuple, in order, read in C (half the cost of a generator of getattr;
#: not dataclasses.astuple, which deep-copies every field: a tenth of a quick query's cost)
_request_fields = operator.attrgetter(*_REQUEST_FIELDS)


def _encode_request(request: QueryRequest) -> bytes:
    return marshal.dumps(_request_fields(request))


def _decode_request(data: bytes | memoryview) -> QueryRequest:
    return QueryRequest(*marshal.loads(data))  # noqa: S302 (our own process, same interpreter)


def _send_response(
    wire: _Wire, response: QueryResponse, retire: bool, cpu_seconds: float = 0.0
) -> None:
    head = (
        response.status,
        response.content_type,
        tuple(response.headers.items()),
        retire,
        cpu_seconds,
    )
    wire.send(marshal.dumps(head), response.body)


def _decode_response(meta: memoryview, body: bytes) -> tuple[QueryResponse, bool, float]:
    """The answer, whether the worker asks to be replaced by a fresh fork, and the CPU time
    the worker spent on it."""
    status, content_type, headers, retire, cpu_seconds = marshal.loads(meta)  # noqa: S302
    return QueryResponse(status, content_type, body, dict(headers)), retire, cpu_seconds


# A worker whose own (unshared) memory grows beyond PoolSettings.recycle_mb asks to be
# replaced: reading the in-memory store writes reference counts next to the data, so the
# pages a long scan reads stop being shared with the host (copy-on-write); a fresh fork
# shares them all again.


def _private_mb() -> float:
    """This process's memory that no other process shares (private pages), from /proc."""
    total = 0
    with open("/proc/self/smaps_rollup", encoding="ascii") as rollup:
        for line in rollup:
            if line.startswith(("Private_Clean:", "Private_Dirty:")):
                total += int(line.split()[1])
    return total / 1024


def _die_with_parent() -> None:
    """Ask Linux to kill this process when its parent ends (no orphans after a crash)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG


def _name_process(name: bytes) -> None:
    """Name this process (``/proc/PID/comm``, what ``ps`` and ``top`` show) where Linux allows."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(15, name[:15])  # PR_SET_NAME


def _give_back_memory() -> None:
    """Return freed heap pages to the system (glibc keeps them otherwise), where possible."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: the process reuses them
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _serve_queries(wire: _Wire, engine: Any, memory_limit_mb: int, recycle_mb: int) -> None:
    """A worker's loop: the memory bound, then answer requests until the pipe closes."""
    if memory_limit_mb > 0:
        with open("/proc/self/statm", encoding="ascii") as statm:
            current = int(statm.read().split()[0]) * resource.getpagesize()
        limit = current + memory_limit_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    wire.send(b"ready")
    while True:
        try:  # blocks in the kernel (no wait set): one system call until a request comes
            message = wire.receive()
        except (EOFError, OSError):
            return
        if message is None:
            continue
        request = _decode_request(message[0])
        started = time.perf_counter()
        cpu_before = time.process_time()
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
        cpu_seconds = time.process_time() - cpu_before  # the query's, not the check's below
        # a query that ran for a while may have touched many pages; a quick one cannot have
        retire = (
            recycle_mb > 0 and time.perf_counter() - started > 0.02 and _private_mb() > recycle_mb
        )
        try:
            _send_response(wire, response, retire, cpu_seconds)
        except (OSError, ValueError):
            return
        if retire:
            return


def open_nquads(engine_name: str, nquads: str) -> tuple[QueryEngine, None]:
    """The opener of a pool given an N-Quads file: the named engine loads it."""
    return ENGINES[engine_name](Path(nquads)), None


def _portable(error: BaseException) -> BaseException:
    """``error`` if it survives pickling, else an error with its message that does."""
    try:
        pickle.loads(pickle.dumps(error))  # noqa: S301 (our own bytes, just made)
    except Exception:
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


def _host_main(
    control: Connection,
    opener: EngineOpener,
    memory_limit_mb: int,
    recycle_mb: int,
    parent_end: Connection | None = None,
) -> None:
    """The store host: open the dataset once, then fork one worker per ``fork`` request.

    It first sends ``("ready", facts)`` (what the opener returned beside the engine) or
    ``("failed", error)``. For each fork it sends back the worker's pid and one end of a new
    socket pair (the other end is the worker's pipe); ``exit PID`` answers the worker's exit
    code once it has ended. ``parent_end`` is the main process's end of ``control``, which a
    forked host inherits and closes (else it would never see the main process close it).
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent decides when we stop
    _die_with_parent()
    _name_process(b"hairkg-host")
    if parent_end is not None:
        parent_end.close()
    try:
        engine, facts = opener()
    except BaseException as error:  # reported to the main process, which raises it
        with contextlib.suppress(OSError):  # unless the main process has gone already
            control.send(("failed", _portable(error)))
        return
    gc.collect()  # what building left behind would be copied into every worker otherwise
    _give_back_memory()
    channel = socket.socket(fileno=os.dup(control.fileno()))
    children: set[int] = set()
    ended: dict[int, int] = {}

    def reap(pid: int = -1, patience: float = 0.0) -> None:
        deadline = time.monotonic() + patience
        while children:
            try:
                found, status = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                return
            if found:
                children.discard(found)
                ended[found] = os.waitstatus_to_exitcode(status)
                if pid == -1:
                    continue
                return
            if time.monotonic() >= deadline:
                return
            time.sleep(0.01)

    try:
        control.send(("ready", facts))
    except OSError:  # the main process gave up meanwhile (a busy port, a wrong setting)
        return
    try:
        while True:
            try:
                message = control.recv_bytes()
            except (EOFError, OSError):
                return
            reap()
            if message == b"fork":
                ours, theirs = socket.socketpair()
                pid = os.fork()
                if pid == 0:  # the worker
                    code = 0
                    try:
                        _die_with_parent()
                        _name_process(b"hairkg-worker")
                        control.close()
                        channel.close()
                        ours.close()
                        _serve_queries(_Wire(theirs), engine, memory_limit_mb, recycle_mb)
                    except BaseException:
                        code = 1
                    finally:
                        os._exit(code)
                theirs.close()
                children.add(pid)
                socket.send_fds(channel, [struct.pack("q", pid)], [ours.fileno()])
                ours.close()
            elif message.startswith(b"exit "):
                pid = int(message[5:])
                reap(pid, patience=2.0)
                control.send_bytes(marshal.dumps(ended.pop(pid, None)))
    finally:
        for pid in children:
            with contextlib.suppress(OSError):
                os.kill(pid, signal.SIGKILL)


class _Host:
    """The main process's handle on the store host (one per pool), safe from many threads."""

    def __init__(self, context: Any, opener: EngineOpener, settings: PoolSettings) -> None:
        self.conn, child = context.Pipe()
        forked = context.get_start_method() == "fork"
        if forked:  # what the child would print again from the buffers it inherits
            sys.stdout.flush()
            sys.stderr.flush()
        self.process = context.Process(
            target=_host_main,
            args=(
                child,
                opener,
                settings.memory_limit_mb,
                settings.recycle_mb,
                self.conn if forked else None,
            ),
            daemon=True,
            name="hairkg-store-host",
        )
        self.process.start()
        child.close()
        self.channel = socket.socket(fileno=os.dup(self.conn.fileno()))
        self.lock = threading.Lock()

    def wait_ready(self, timeout: float) -> Any:
        """What the opener found; raises what it raised."""
        kind: str = ""
        value: Any = None
        try:
            if self.conn.poll(timeout):
                kind, value = self.conn.recv()
        except (EOFError, OSError):
            pass  # the host ended: reported below
        if kind == "failed":
            raise value
        if kind != "ready":
            code = self.process.exitcode
            raise RuntimeError(
                "the store host did not start"
                + (f" (exit code {code}; out of memory?)" if code is not None else "")
            )
        return value

    def fork(self) -> tuple[int, socket.socket]:
        """A new worker: its pid and the main process's end of its socket pair."""
        with self.lock:
            self.conn.send_bytes(b"fork")
            data, fds, _, _ = socket.recv_fds(self.channel, 8, 1)
        if len(data) != 8 or len(fds) != 1:
            raise RuntimeError("the store host did not start a worker")
        return struct.unpack("q", data)[0], socket.socket(fileno=fds[0])

    def exit_code(self, pid: int) -> int | None:
        with self.lock:
            self.conn.send_bytes(b"exit %d" % pid)
            if not self.conn.poll(5):
                return None
            code: int | None = marshal.loads(self.conn.recv_bytes())  # noqa: S302
            return code

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.channel.close()
        with contextlib.suppress(OSError):
            self.conn.close()
        self.process.join(5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(5)


class _ForkedProcess:
    """What the pool needs of a worker process (``pid``, ``kill``, ``join``, ``exitcode``)."""

    def __init__(self, host: _Host, pid: int) -> None:
        self.host = host
        self.pid = pid
        self._exitcode: int | None = None
        self._ended = False

    def kill(self) -> None:
        os.kill(self.pid, signal.SIGKILL)

    def join(self, timeout: float | None = None) -> None:
        if not self._ended:
            with contextlib.suppress(OSError, EOFError, ValueError):
                self._exitcode = self.host.exit_code(self.pid)
            self._ended = self._exitcode is not None

    @property
    def exitcode(self) -> int | None:
        return self._exitcode


class _Worker:
    def __init__(self, host: _Host) -> None:
        pid, sock = host.fork()
        self.wire = _Wire(sock)
        self.process = _ForkedProcess(host, pid)

    def wait_ready(self, timeout: float) -> None:
        self.wire.set_wait(timeout)
        try:
            message = self.wire.receive(time.monotonic() + timeout)
        except _ReadTimeoutError:  # what the respawn thread expects of a failed start
            message = None
        if message is None or bytes(message[0]) != b"ready":
            raise RuntimeError("query worker did not start")

    def kill(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.process.kill()
        self.process.join(5)
        self.wire.close()


class WorkerPool:
    """A fixed number of query workers; :meth:`execute` is safe to call from many threads."""

    def __init__(
        self,
        source: Path | EngineOpener,
        settings: PoolSettings,
        *,
        wait: bool = True,
        fork_host: bool = False,
    ) -> None:
        """Start the host on ``source`` (an N-Quads file, or an opener) and the workers.

        What an opener returned beside its engine is :attr:`opened`. With ``wait=False``
        only the host is started: it builds while the caller does other work, and
        :meth:`wait_ready` waits for it and starts the workers.

        The host is a fresh interpreter (``spawn``), which is safe whatever the caller's
        state. ``fork_host`` forks it from the caller instead, which spares it starting
        Python and importing again what the caller has imported (a quarter of a second):
        only for a caller that has started no thread and holds no file or socket a host
        should not keep (``hairkg serve`` does it first thing).
        """
        if settings.engine not in ENGINES:
            raise UnknownStoreError(
                f"unknown store {settings.engine!r}; choose one of {', '.join(sorted(ENGINES))}"
            )
        self.settings = settings
        opener = (
            functools.partial(open_nquads, settings.engine, str(source))
            if isinstance(source, Path)
            else source
        )
        self.opened: Any = None
        self._context = multiprocessing.get_context("fork" if fork_host else "spawn")
        # last in, first out: the worker that just answered takes the next query while its
        # caches are warm and the scheduler still has it awake; under light load the others
        # stay idle and keep sharing the host's pages (measured: 10-25% off a quick query's
        # round trip against taking the workers in turn)
        self._idle: queue.Queue[_Worker] = queue.LifoQueue()
        self._closed = False
        self.restarts = 0
        self.cancelled = 0
        self.timeouts = 0
        self.crashes = 0
        #: time requests spent waiting for a free worker, and how many got one (for /metrics)
        self.queue_wait_seconds = 0.0
        self.queue_waits = 0
        self.recycled = 0
        #: Called with the worker CPU seconds of every answer, once the worker is free again
        #: (the web process's placement follows it, see web/cpu_affinity.py); must not raise.
        self.on_worker_cpu_seconds: Callable[[float], None] | None = None
        self._started = False
        self._host = _Host(self._context, opener, settings)
        if wait:
            self.wait_ready()

    def wait_ready(self) -> Any:
        """Wait for the host to open the dataset, then start the workers; return :attr:`opened`.

        Raises what the opener raised (the pool is closed then).
        """
        if self._started:
            return self.opened
        try:
            self.opened = self._host.wait_ready(3600)  # a big dataset takes what it takes
            workers = [self._spawn() for _ in range(max(1, self.settings.workers))]
            for worker in workers:
                worker.wait_ready(120)
                self._idle.put(worker)
        except BaseException:
            self.close()
            raise
        self._started = True
        return self.opened

    @property
    def host_pid(self) -> int | None:
        """The store host's process id (for tests and diagnostics)."""
        pid: int | None = self._host.process.pid
        return pid

    def _spawn(self) -> _Worker:
        return _Worker(self._host)

    def _recycle(self, worker: _Worker) -> None:
        """Replace a worker that asked for it (a fork is quick) by a fresh fork of the host."""
        self.recycled += 1
        worker.kill()
        self._start_successor()

    def _replace(self, broken: _Worker) -> None:
        """Kill ``broken`` and start its successor in the background."""
        broken.kill()
        self.restarts += 1
        self._start_successor()

    def _start_successor(self) -> None:
        """Fork a new worker in the background and make it idle once it is ready."""

        def start() -> None:
            while not self._closed:
                try:
                    worker = self._spawn()
                except (RuntimeError, EOFError, OSError, ValueError):
                    if not self._host.process.is_alive():
                        return  # nothing left to fork from; requests get 503
                    time.sleep(1)
                    continue
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
        wire = worker.wire
        answer: tuple[QueryResponse, bool, float] | None = None
        try:
            wire.send(_encode_request(request))
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                # usually the same wait as the last query's: no system call to set it
                wire.set_wait(min(remaining, _CANCEL_POLL_SECONDS))
                message = wire.receive(deadline)
                if message is not None:
                    answer = _decode_response(*message)
                    break
                if cancelled is not None and cancelled():
                    self._replace(worker)
                    self.cancelled += 1
                    return QueryResponse.error(
                        499, "query cancelled: the client closed the connection"
                    )
        except _ReadTimeoutError:
            pass  # the deadline passed with the answer half sent: a timeout like any other
        except (EOFError, OSError, ValueError):
            worker.process.join(2)
            exitcode = worker.process.exitcode
            self._replace(worker)
            return self._ended_response(request, exitcode)
        if answer is None:
            self._replace(worker)
            self.timeouts += 1
            if self.on_worker_cpu_seconds is not None:
                self.on_worker_cpu_seconds(self.settings.timeout)  # ran to the limit: long
            return QueryResponse.error(
                503,
                f"query stopped: it ran longer than the {self.settings.timeout:g} s limit; "
                "add LIMIT or narrow the pattern",
                {"Retry-After": "1"},
            )
        response, retire, cpu_seconds = answer
        if retire:
            self._recycle(worker)
        else:
            self._idle.put(worker)
        # only now, with the worker free for the next query
        if self.on_worker_cpu_seconds is not None:
            self.on_worker_cpu_seconds(cpu_seconds)
        return response

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
        """Stop every worker, then the store host (which kills any worker still running)."""
        self._closed = True
        while True:
            try:
                self._idle.get_nowait().kill()
            except queue.Empty:
                break
        self._host.close()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def pid_of_workers(pool: WorkerPool) -> list[int]:
    """Process ids of the idle workers (for tests and diagnostics)."""
    with pool._idle.mutex:
        return [w.process.pid for w in list(pool._idle.queue) if w.process.pid is not None]
