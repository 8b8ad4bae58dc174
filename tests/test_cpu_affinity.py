"""The web process on one CPU (``HAIRKG_WEB_CPU``), the store host and workers on all."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from hairkg.settings import SettingsError
from hairkg.web.cpu_affinity import (
    WebPlacement,
    choose_web_cpu,
    confined_hairkg_processes,
    single_cpu_of,
)
from live_server import LiveServer, query_processes, start_server

ALLOWED = sorted(os.sched_getaffinity(0))
needs_two_cpus = pytest.mark.skipif(len(ALLOWED) < 2, reason="needs two CPUs to choose from")


@pytest.mark.parametrize(
    ("status", "cpu"),
    [
        ("Name:\tpython\nCpus_allowed_list:\t3\n", 3),
        ("Cpus_allowed_list:\t0-3\n", None),
        ("Cpus_allowed_list:\t0,2\n", None),
        ("Name:\tpython\n", None),
    ],
)
def test_the_single_cpu_of_a_process_status(status: str, cpu: int | None) -> None:
    assert single_cpu_of(status) == cpu


def test_off_leaves_the_placement_to_the_scheduler() -> None:
    assert choose_web_cpu("off", allowed=[0, 1], confined={}) is None
    assert choose_web_cpu(" OFF ", allowed=[0, 1], confined={}) is None


def test_auto_confines_nothing_on_a_single_cpu() -> None:
    assert choose_web_cpu("auto", allowed=[3], confined={}) is None


def test_auto_takes_the_cpu_fewest_other_hairkg_processes_are_confined_to() -> None:
    for pid in range(6):  # whatever breaks the tie, the free CPU wins
        assert choose_web_cpu("auto", allowed=[0, 1, 2], confined={0: 2, 1: 1, 2: 2}, pid=pid) == 1


def test_auto_spreads_equally_free_cpus_by_process_id() -> None:
    chosen = {choose_web_cpu("auto", allowed=[0, 1], confined={}, pid=pid) for pid in (10, 11)}
    assert chosen == {0, 1}


def test_a_cpu_number_is_taken_if_this_process_may_use_it() -> None:
    assert choose_web_cpu("2", allowed=[0, 1, 2, 5], confined={}) == 2
    with pytest.raises(SettingsError, match=r"HAIRKG_WEB_CPU=4: .* CPU 0-2,5 only"):
        choose_web_cpu("4", allowed=[0, 1, 2, 5], confined={})


@pytest.mark.parametrize("value", ["", "any", "-1", "1.5", "0-1", "²"])
def test_any_other_value_is_refused_with_the_choices(value: str) -> None:
    with pytest.raises(SettingsError, match="HAIRKG_WEB_CPU must be auto, off or a CPU number"):
        choose_web_cpu(value, allowed=[0, 1], confined={})


def test_only_other_hairkg_processes_confined_to_one_cpu_are_counted(tmp_path: Path) -> None:
    def process(pid: int, cmdline: bytes, cpus: str | None) -> None:
        folder = tmp_path / str(pid)
        folder.mkdir()
        (folder / "cmdline").write_bytes(cmdline)
        if cpus is not None:  # None: a process that ended between the two reads
            (folder / "status").write_text(f"Name:\tx\nCpus_allowed_list:\t{cpus}\n")

    process(100, b"python\0-m\0hairkg\0serve\0", "1")
    process(101, b"python\0-m\0hairkg\0serve\0", "1")
    process(102, b"python\0-m\0hairkg\0serve\0", "0-1")  # not confined
    process(103, b"nginx: worker process\0", "0")  # not hairkg
    process(104, b"python\0-m\0hairkg\0serve\0", None)
    process(os.getpid(), b"python\0-m\0hairkg\0serve\0", "0")  # this process itself
    (tmp_path / "self").mkdir()
    assert confined_hairkg_processes(str(tmp_path)) == Counter({1: 2})
    assert confined_hairkg_processes(str(tmp_path / "missing")) == Counter()


def test_every_thread_is_confined_and_threads_started_later_inherit_it() -> None:
    # in a child process: confining this test process would slow the rest of the suite
    cpu = ALLOWED[-1]
    script = f"""
import os, threading
from hairkg.web.cpu_affinity import confine_to_cpu
stop = threading.Event()
before = threading.Thread(target=stop.wait)
before.start()
assert confine_to_cpu({cpu})
after = threading.Thread(target=stop.wait)
after.start()
print(sorted({{frozenset(os.sched_getaffinity(int(t))) for t in os.listdir("/proc/self/task")}}))
stop.set()
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.strip() == f"[frozenset({{{cpu}}})]"


def test_a_cpu_the_system_refuses_leaves_the_process_as_it_was() -> None:
    # a CPU number no machine has: sched_setaffinity refuses it (EINVAL)
    script = """
import os
from hairkg.web.cpu_affinity import confine_to_cpu
before = os.sched_getaffinity(0)
print(confine_to_cpu(100_000), os.sched_getaffinity(0) == before)
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=True
    )
    assert result.stdout.split() == ["False", "True"]


class _Placer:
    """Records where the placement puts the web process; refuses when told to."""

    def __init__(self) -> None:
        self.calls: list[int | set[int]] = []
        self.attempts = 0
        self.refuse = False

    def __call__(self, cpus: int | set[int]) -> bool:
        self.attempts += 1
        if self.refuse:
            return False
        self.calls.append(cpus)
        return True


def _placement(placer: _Placer, clock: list[float]) -> WebPlacement:
    return WebPlacement(
        1, {0, 1, 2}, long_query=0.002, hold=1.0, clock=lambda: clock[0], place=placer
    )


def test_quick_queries_keep_the_web_process_on_its_cpu() -> None:
    placer, clock = _Placer(), [100.0]
    placement = _placement(placer, clock)
    assert placement.start()
    for _ in range(1000):
        placement.note_query(0.0003)
        clock[0] += 0.001
    assert placement.confined
    assert placer.calls == [1]  # confined once, at the start, and never moved again


def test_a_long_query_frees_it_until_a_quick_one_after_the_hold() -> None:
    placer, clock = _Placer(), [100.0]
    placement = _placement(placer, clock)
    placement.start()
    placement.note_query(0.015)  # an aggregation over the data
    assert not placement.confined
    assert placer.calls == [1, {0, 1, 2}]
    for _ in range(3):  # more long ones and quick ones within the hold: nothing moves
        clock[0] += 0.3
        placement.note_query(0.015)
        placement.note_query(0.0003)
    assert placer.calls == [1, {0, 1, 2}]
    clock[0] += 0.5  # 0.5 s since the last long query
    placement.note_query(0.0003)
    assert not placement.confined
    clock[0] += 0.6  # 1.1 s
    placement.note_query(0.0003)
    assert placement.confined
    assert placer.calls == [1, {0, 1, 2}, 1]
    assert placement.switches == 2


def test_a_refused_move_leaves_the_placement_as_it_was() -> None:
    placer, clock = _Placer(), [100.0]
    placement = _placement(placer, clock)
    placer.refuse = True
    assert not placement.start()
    assert not placement.confined
    placer.refuse = False
    placement.start()
    placer.refuse = True
    placement.note_query(0.015)
    assert placement.confined  # still where it was: the system said no
    assert placement.switches == 0


def test_a_refused_move_is_not_tried_again_within_the_hold() -> None:
    placer, clock = _Placer(), [100.0]
    placement = _placement(placer, clock)
    placement.start()
    placer.refuse = True
    for _ in range(50):
        placement.note_query(0.015)
        clock[0] += 0.01
    assert placer.attempts == 2  # the start, then one refused move in half a second
    clock[0] += 1.0
    placement.note_query(0.015)
    assert placer.attempts == 3


def test_a_long_answer_during_a_move_back_to_the_cpu_is_not_lost() -> None:
    clock = [100.0]
    entered, release = threading.Event(), threading.Event()
    calls: list[int | set[int]] = []

    def place(cpus: int | set[int]) -> bool:
        calls.append(cpus)
        if cpus == 1 and len(calls) > 1:  # the move back: held until the long answer waits
            entered.set()
            release.wait(10)
        return True

    placement = WebPlacement(1, {0, 1}, hold=1.0, clock=lambda: clock[0], place=place)
    placement.start()
    placement.note_query(0.015)  # freed
    clock[0] += 2.0
    back = threading.Thread(target=placement.note_query, args=(0.0003,))
    back.start()
    assert entered.wait(10)
    long = threading.Thread(target=placement.note_query, args=(0.015,))
    long.start()
    long.join(0.2)  # it waits for the move under way
    release.set()
    back.join(10)
    long.join(10)
    assert not placement.confined  # freed again by the long answer
    assert calls == [1, {0, 1}, 1, {0, 1}]


def test_threads_reporting_at_once_switch_once() -> None:
    placer, clock = _Placer(), [100.0]
    placement = _placement(placer, clock)
    placement.start()
    start = threading.Barrier(8)

    def report() -> None:
        start.wait()
        for _ in range(200):
            placement.note_query(0.015)

    threads = [threading.Thread(target=report) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert placer.calls == [1, {0, 1, 2}]
    assert placement.switches == 1


def _cpus(pid: int, task: int | None = None) -> set[int]:
    return set(os.sched_getaffinity(pid if task is None else task))


def _threads(pid: int) -> list[int]:
    return [int(task) for task in os.listdir(f"/proc/{pid}/task")]


def _request(server: LiveServer, query: str) -> None:
    body = urllib.parse.urlencode({"query": query}).encode()
    with urllib.request.urlopen(server.endpoint, data=body, timeout=60) as response:
        assert response.status == 200


def _metric(server: LiveServer, name: str) -> float:
    with urllib.request.urlopen(server.url + "/metrics", timeout=60) as response:
        for line in response.read().decode().splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
    raise AssertionError(f"no {name} in /metrics")


def _web_cpu(server: LiveServer) -> int:
    """The CPU every thread of the web process is confined to (asserting there is one)."""
    placements = {frozenset(_cpus(task)) for task in _threads(server.process.pid)}
    assert len(placements) == 1, placements
    (cpus,) = placements
    assert len(cpus) == 1, cpus
    (cpu,) = cpus
    assert f"web process:     CPU {cpu} " in "".join(server.output)
    return cpu


@pytest.mark.slow
@needs_two_cpus
def test_a_server_confines_its_web_process_and_the_next_one_takes_another_cpu() -> None:
    with start_server("--no-validate", "--workers", "2") as first:
        first_cpu = _web_cpu(first)
        # the store host and both workers keep every CPU the server was given
        host_and_workers = query_processes(first.process.pid)
        assert len(host_and_workers) == 3
        assert all(_cpus(pid) == set(ALLOWED) for pid in host_and_workers)
        # another hairkg confined on this machine (a second test run) could make both CPUs
        # equally taken; then any choice is right
        only_first = confined_hairkg_processes() == Counter({first_cpu: 1})
        with start_server("--no-validate", "--workers", "1") as second:
            second_cpu = _web_cpu(second)
            if only_first:
                assert second_cpu != first_cpu
        # a long query (200,000 rows of a cross product: tens of ms of worker CPU) frees the
        # web process ...
        _request(
            first,
            "SELECT (COUNT(*) AS ?n) WHERE { { SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } "
            "LIMIT 200000 } }",
        )
        assert all(_cpus(task) == set(ALLOWED) for task in _threads(first.process.pid))
        assert _metric(first, "hairkg_web_process_confined") == 0
        # ... and a quick one, a second later, puts it back on its CPU
        time.sleep(1.2)
        _request(first, "ASK {}")
        assert {frozenset(_cpus(task)) for task in _threads(first.process.pid)} == {
            frozenset({first_cpu})
        }
        assert _metric(first, "hairkg_web_process_confined") == 1
        assert _metric(first, "hairkg_web_process_placement_switches_total") == 2


@pytest.mark.slow
def test_off_leaves_the_web_process_where_the_scheduler_puts_it() -> None:
    with start_server("--no-validate", env={"HAIRKG_WEB_CPU": "off"}) as server:
        assert all(_cpus(task) == set(ALLOWED) for task in _threads(server.process.pid))
        assert "web process:" not in "".join(server.output)
        with pytest.raises(AssertionError, match="no hairkg_web_process_confined"):
            _metric(server, "hairkg_web_process_confined")


def test_a_wrong_value_stops_the_command_with_a_clear_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "hairkg", "serve", "--port", "0", "--no-validate"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={**os.environ, "HAIRKG_WEB_CPU": "fastest"},
    )
    assert result.returncode == 2
    assert "HAIRKG_WEB_CPU must be auto, off or a CPU number" in result.stderr
    assert "Traceback" not in result.stderr, result.stderr
