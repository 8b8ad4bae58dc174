"""The hop between the web process and a query worker: its framing, and the pool's guarantees
over it, with an engine that does what the query says (answer, sleep, run out of memory, die).
"""

from __future__ import annotations

import os
import signal
import socket
import struct
import threading
import time
from collections.abc import Iterator

import pytest

from hairkg.sparql import pool as pool_module
from hairkg.sparql.engines import QueryRequest, QueryResponse
from hairkg.sparql.pool import (
    _HEADER,
    _READ_BUFFER,
    _SEPARATE_BODY,
    PoolSettings,
    WorkerPool,
    _ReadTimeoutError,
    _Wire,
    pid_of_workers,
)


@pytest.fixture
def wires() -> Iterator[tuple[_Wire, _Wire]]:
    left, right = socket.socketpair()
    ends = _Wire(left), _Wire(right)
    yield ends
    for end in ends:
        end.close()


def _received(wire: _Wire) -> tuple[bytes, bytes]:
    wire.set_wait(30)
    message = wire.receive(time.monotonic() + 30)
    assert message is not None
    meta, body = message
    return bytes(meta), body


@pytest.mark.parametrize(
    "size",
    [
        0,
        1,
        _SEPARATE_BODY - 1,  # the last size sent joined to its header
        _SEPARATE_BODY,  # the first sent from its own buffer
        _READ_BUFFER - _HEADER.size - 5,  # header, meta and body fill the read buffer exactly
        _READ_BUFFER - _HEADER.size - 4,  # one byte more than one read takes
        3 * 1024 * 1024 + 7,  # more than the socket buffers hold: sent and read in pieces
    ],
)
def test_a_message_arrives_whole_whatever_its_size(wires: tuple[_Wire, _Wire], size: int) -> None:
    sender, receiver = wires
    body = bytes(range(256)) * (size // 256) + bytes(size % 256)
    # a big message fills the socket's buffers before it is read: send from a thread
    thread = threading.Thread(target=sender.send, args=(b"meta!", body))
    thread.start()
    meta, received = _received(receiver)
    thread.join()
    assert meta == b"meta!"
    assert received == body
    # and the next message is read from its own start
    sender.send(b"next", b"x")
    assert _received(receiver) == (b"next", b"x")


def test_a_message_that_comes_in_pieces_is_put_together(wires: tuple[_Wire, _Wire]) -> None:
    sender, receiver = wires
    meta, body = b"some marshalled tuple", b"b" * 100_000
    raw = _HEADER.pack(len(meta), len(body)) + meta + body
    # the header split, then the meta split, then the body in uneven pieces
    cuts = [3, 9, 20, 30, 1000, 70_000, len(raw)]

    def trickle() -> None:
        start = 0
        for cut in cuts:
            sender.sock.sendall(raw[start:cut])
            start = cut
            time.sleep(0.02)  # so that the reader finds each piece on its own

    thread = threading.Thread(target=trickle)
    thread.start()
    assert _received(receiver) == (meta, body)
    thread.join()


def test_nothing_within_the_wait_is_none_and_a_closed_end_is_eof(
    wires: tuple[_Wire, _Wire],
) -> None:
    sender, receiver = wires
    receiver.set_wait(0.05)
    assert receiver.receive() is None
    sender.close()
    with pytest.raises(EOFError):
        receiver.receive()


def test_an_end_closed_halfway_through_a_message_is_eof(wires: tuple[_Wire, _Wire]) -> None:
    sender, receiver = wires
    sender.sock.sendall(_HEADER.pack(5, 1000) + b"meta!" + b"x" * 10)
    sender.close()
    receiver.set_wait(5)
    with pytest.raises(EOFError):
        receiver.receive()


def test_a_deadline_that_passes_halfway_through_a_message_is_a_timeout(
    wires: tuple[_Wire, _Wire],
) -> None:
    sender, receiver = wires
    sender.sock.sendall(_HEADER.pack(5, 1000) + b"meta!")
    receiver.set_wait(0.02)
    with pytest.raises(_ReadTimeoutError):
        receiver.receive(time.monotonic() + 0.1)


@pytest.mark.parametrize("seconds", [1e-9, 0.1, 2.5])
def test_a_wait_is_never_zero_which_would_mean_for_ever(
    wires: tuple[_Wire, _Wire], seconds: float
) -> None:
    _, receiver = wires
    receiver.set_wait(seconds)
    whole, micro = struct.unpack(
        "@ll", receiver.sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, 16)
    )
    assert (whole, micro) != (0, 0)
    assert whole == int(seconds)


# --- the pool over the wire, with an engine that obeys its query ------------------------------


class _ObedientEngine:
    """``answer N`` (a body of N bytes), ``sleep S``, ``spin S``, ``memory``, ``exit``,
    ``segv``."""

    def execute(self, request: QueryRequest) -> QueryResponse:
        word, _, argument = request.query.partition(" ")
        argument = argument.split(" ")[0]  # what follows is padding
        if word == "answer":
            body = bytes(range(256)) * (int(argument) // 256) + b"!" * (int(argument) % 256)
            return QueryResponse(200, "text/x-test", body, {"X-Query": request.query})
        if word == "sleep":
            time.sleep(float(argument))
            return QueryResponse(200, "text/x-test", b"slept", {})
        if word == "spin":  # busy for S seconds of CPU time
            until = time.process_time() + float(argument)
            while time.process_time() < until:
                pass
            return QueryResponse(200, "text/x-test", b"spun", {})
        if word == "memory":
            raise MemoryError
        if word == "exit":
            os._exit(7)
        if word == "segv":
            os.kill(os.getpid(), signal.SIGSEGV)
        raise ValueError(f"no such test query: {request.query}")


def _open_obedient() -> tuple[_ObedientEngine, dict[str, str]]:
    return _ObedientEngine(), {"opened": "yes"}


def _settings(**changes: float) -> PoolSettings:
    values: dict[str, float] = {
        "workers": 2,
        "timeout": 20.0,
        "memory_limit_mb": 0,
        "queue_timeout": 30.0,
        "recycle_mb": 0,
    }
    values.update(changes)
    return PoolSettings(
        engine="oxigraph",
        workers=int(values["workers"]),
        timeout=values["timeout"],
        memory_limit_mb=int(values["memory_limit_mb"]),
        queue_timeout=values["queue_timeout"],
        recycle_mb=int(values["recycle_mb"]),
    )


@pytest.fixture(scope="module")
def pool() -> Iterator[WorkerPool]:
    with WorkerPool(_open_obedient, _settings(), fork_host=True) as started:
        yield started


@pytest.mark.slow
@pytest.mark.parametrize("size", [0, 100, _SEPARATE_BODY - 1, _SEPARATE_BODY, 5 * 1024 * 1024])
def test_answers_of_every_size_come_back_whole(pool: WorkerPool, size: int) -> None:
    response = pool.execute(QueryRequest(query=f"answer {size}"))
    assert response.status == 200
    assert response.content_type == "text/x-test"
    assert response.headers == {"X-Query": f"answer {size}"}
    assert response.body == bytes(range(256)) * (size // 256) + b"!" * (size % 256)
    assert isinstance(response.body, bytes)


@pytest.mark.slow
def test_a_big_query_gets_to_the_worker(pool: WorkerPool) -> None:
    # a request bigger than the read buffer and than the socket buffers
    size = 2 * 1024 * 1024
    response = pool.execute(QueryRequest(query=f"answer {size} " + "#" * (3 * 1024 * 1024)))
    assert response.status == 200
    assert len(response.body) == size
    assert response.headers["X-Query"].endswith("#" * 1000)


@pytest.mark.slow
def test_many_threads_each_get_their_own_answer(pool: WorkerPool) -> None:
    answers: dict[int, list[bytes]] = {}

    def ask(thread: int) -> None:
        sizes = [thread * 1000 + i * 37 for i in range(30)] + [_SEPARATE_BODY + thread]
        answers[thread] = [pool.execute(QueryRequest(query=f"answer {n}")).body for n in sizes]

    threads = [threading.Thread(target=ask, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for thread, bodies in answers.items():
        sizes = [thread * 1000 + i * 37 for i in range(30)] + [_SEPARATE_BODY + thread]
        assert [len(body) for body in bodies] == sizes


@pytest.mark.slow
def test_the_worker_that_just_answered_answers_next(pool: WorkerPool) -> None:
    pool.execute(QueryRequest(query="answer 1"))
    first = pid_of_workers(pool)
    pool.execute(QueryRequest(query="answer 1"))
    assert pid_of_workers(pool) == first  # the same worker went back on top of the stack


@pytest.mark.slow
def test_an_engine_error_is_a_500_and_the_worker_stays(pool: WorkerPool) -> None:
    before = sorted(pid_of_workers(pool))
    response = pool.execute(QueryRequest(query="nonsense"))
    assert response.status == 500
    assert b"no such test query" in response.body
    assert sorted(pid_of_workers(pool)) == before


def test_each_answer_reports_the_cpu_time_its_worker_spent(pool: WorkerPool) -> None:
    reported: list[float] = []
    pool.on_worker_cpu_seconds = reported.append
    try:
        for query in ("spin 0.05", "answer 10", "sleep 0.2"):
            assert pool.execute(QueryRequest(query=query)).status == 200
    finally:
        pool.on_worker_cpu_seconds = None
    spun, answered, slept = reported
    assert spun >= 0.045
    assert answered < 0.02
    assert slept < 0.05  # CPU time, not elapsed time: sleeping costs none


def test_a_query_stopped_at_the_time_limit_reports_the_limit() -> None:
    reported: list[float] = []
    with WorkerPool(_open_obedient, _settings(workers=1, timeout=0.5), fork_host=True) as pool:
        pool.on_worker_cpu_seconds = reported.append
        assert pool.execute(QueryRequest(query="sleep 30")).status == 503
    assert reported == [0.5]


def _wait_for_workers(pool: WorkerPool, count: int) -> list[int]:
    for _ in range(600):
        pids = pid_of_workers(pool)
        if len(pids) == count:
            return pids
        time.sleep(0.05)
    raise AssertionError(f"{count} idle workers expected, found {pid_of_workers(pool)}")


@pytest.mark.slow
@pytest.mark.parametrize("fork_host", [True, False], ids=["fork", "spawn"])
def test_limits_and_failures_end_only_their_worker(fork_host: bool) -> None:
    settings = _settings(workers=1, timeout=1.0, memory_limit_mb=256)
    with WorkerPool(_open_obedient, settings, fork_host=fork_host) as pool:
        assert pool.opened == {"opened": "yes"}
        (first,) = _wait_for_workers(pool, 1)

        late = pool.execute(QueryRequest(query="sleep 60"))
        assert late.status == 503
        assert b"ran longer than the 1 s limit" in late.body
        assert pool.timeouts == 1

        (second,) = _wait_for_workers(pool, 1)
        assert second != first  # the late worker was killed and replaced

        memory = pool.execute(QueryRequest(query="memory"))
        assert memory.status == 503
        assert b"more than the 256 MiB" in memory.body
        assert pid_of_workers(pool) == [second]  # a MemoryError leaves the worker serving

        ended = pool.execute(QueryRequest(query="exit"))
        assert ended.status == 503
        assert b"exit code 7" in ended.body

        crashed = pool.execute(QueryRequest(query="segv"))
        assert crashed.status == 500
        assert b"crashed" in crashed.body
        assert pool.crashes == 1

        assert pool.execute(QueryRequest(query="answer 10")).body == b"!" * 10
        assert pool.restarts == 3


@pytest.mark.slow
def test_a_query_whose_client_hung_up_is_cancelled() -> None:
    with WorkerPool(_open_obedient, _settings(workers=1), fork_host=True) as pool:
        (first,) = _wait_for_workers(pool, 1)
        asked = 0

        def cancelled() -> bool:
            nonlocal asked
            asked += 1
            return asked >= 3  # the client is gone at the third look

        response = pool.execute(QueryRequest(query="sleep 60"), cancelled)
        assert response.status == 499
        assert asked == 3
        assert pool.cancelled == 1
        (second,) = _wait_for_workers(pool, 1)
        assert second != first
        assert pool.execute(QueryRequest(query="answer 3")).status == 200


@pytest.mark.slow
def test_a_worker_that_grew_past_the_recycling_bound_is_replaced() -> None:
    # any worker holds more than 1 MiB of its own; a query must run 20 ms to be checked
    settings = _settings(workers=1, recycle_mb=1)
    with WorkerPool(_open_obedient, settings, fork_host=True) as pool:
        (first,) = _wait_for_workers(pool, 1)
        quick = pool.execute(QueryRequest(query="answer 5"))
        assert quick.status == 200
        assert pid_of_workers(pool) == [first]  # too quick to have unshared anything
        slow = pool.execute(QueryRequest(query="sleep 0.05"))
        assert slow.body == b"slept"  # the answer that asks for a successor still arrives
        assert pool.recycled == 1
        (second,) = _wait_for_workers(pool, 1)
        assert second != first


@pytest.mark.slow
def test_the_wire_is_a_socket_per_worker() -> None:
    # what the web process holds of a worker: one socket of the pair the host made
    with WorkerPool(_open_obedient, _settings(workers=1), fork_host=True) as pool:
        with pool._idle.mutex:
            (worker,) = list(pool._idle.queue)
        assert isinstance(worker.wire, pool_module._Wire)
        assert worker.wire.sock.family == socket.AF_UNIX
        assert worker.wire.sock.type == socket.SOCK_STREAM


def test_a_worker_whose_ready_message_is_cut_off_did_not_start() -> None:
    # the respawn thread retries on RuntimeError; any other error would end it for good
    class CutOff:
        def set_wait(self, seconds: float | None) -> None:
            pass

        def receive(self, deadline: float | None = None) -> None:
            raise pool_module._ReadTimeoutError

    worker = pool_module._Worker.__new__(pool_module._Worker)
    worker.wire = CutOff()  # type: ignore[assignment]
    with pytest.raises(RuntimeError, match="did not start"):
        worker.wait_ready(0.1)
