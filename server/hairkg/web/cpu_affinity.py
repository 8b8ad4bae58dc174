"""The CPU the web process runs on (``HAIRKG_WEB_CPU``).

The web process is Python under one interpreter lock: waitress's loop thread and its task
threads hand the lock to each other several times per request. Spread over several cores,
each hand-over wakes a thread on another core, whose caches hold none of the interpreter's
state; confined to one CPU, the hand-overs stay in one core's caches (measured on 2 cores:
the point-lookup p50 drops by a fifth, see README "Scale"). A process bound by one lock
cannot run Python on a second core anyway.

But while long queries keep the workers busy, the CPU the web process is confined to is often
the one a worker runs on, and the web process then waits for it while another is free
(measured: the synthetic mix 5-10% slower). So :class:`WebPlacement` confines the web process
only while the queries are quick, and lets it run on every CPU from the first answer that cost
its worker more than :data:`LONG_QUERY_CPU_SECONDS` until none has for
:data:`HOLD_SECONDS`.

Only the web process is ever confined. The store host is started before it confines itself,
and the query workers are forked from the host, so they keep every CPU the server may use.

``auto`` (the default) picks, among the CPUs this process may use, the one the fewest other
hairkg processes are confined to (so that replicas on one machine spread out), and confines
nothing on a single CPU; ``off`` leaves the placement to the scheduler; a number names the CPU.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from itertools import groupby

from hairkg.settings import ENV_PREFIX, SettingsError

__all__ = [
    "HOLD_SECONDS",
    "LONG_QUERY_CPU_SECONDS",
    "WebPlacement",
    "choose_web_cpu",
    "confine_to_cpu",
    "confined_hairkg_processes",
    "single_cpu_of",
]

_SETTING_NAME = ENV_PREFIX + "WEB_CPU"

#: Worker CPU time past which an answer counts as a long query (a point lookup costs its worker
#: about 0.3 ms; the synthetic mix's aggregations and scans 5-15 ms). CPU time, not elapsed
#: time, so that a quick query slowed down by a busy machine does not count.
LONG_QUERY_CPU_SECONDS = 0.002
#: How long after the last long query the web process stays free to run on every CPU.
HOLD_SECONDS = 1.0


def single_cpu_of(status: str) -> int | None:
    """The CPU a process is confined to, from its ``/proc/PID/status`` text; None when it may
    run on more than one (a list such as ``0-3`` or ``0,2``)."""
    for line in status.splitlines():
        if line.startswith("Cpus_allowed_list:"):
            value = line.partition(":")[2].strip()
            return int(value) if value.isdigit() else None
    return None


def confined_hairkg_processes(proc: str = "/proc") -> Counter[int]:
    """How many other hairkg processes are confined to each CPU (read from ``proc``)."""
    counts: Counter[int] = Counter()
    own = os.getpid()
    try:
        entries = os.listdir(proc)
    except OSError:  # no /proc: nothing known, every CPU counts as free
        return counts
    for entry in entries:
        if not entry.isdigit() or int(entry) == own:
            continue
        try:  # a process may end while it is read, or belong to a user we cannot read
            with open(f"{proc}/{entry}/cmdline", "rb") as handle:
                if b"hairkg" not in handle.read():
                    continue
            with open(f"{proc}/{entry}/status", encoding="utf-8", errors="replace") as handle:
                cpu = single_cpu_of(handle.read())
        except OSError:
            continue
        if cpu is not None:
            counts[cpu] += 1
    return counts


def choose_web_cpu(
    setting: str,
    allowed: Iterable[int] | None = None,
    confined: Mapping[int, int] | None = None,
    pid: int | None = None,
) -> int | None:
    """The CPU to confine the web process to, or None to leave it to the scheduler.

    ``allowed`` defaults to the CPUs this process may use, ``confined`` to
    :func:`confined_hairkg_processes`; ties between equally free CPUs are broken by ``pid``
    (this process's), so that replicas started together do not all pick the same one.
    Raises :class:`SettingsError` for a value that is not ``auto``, ``off`` or a usable CPU.
    """
    value = setting.strip().lower()
    if value in ("off", "none", "no", "false"):
        return None
    try:
        usable = sorted(os.sched_getaffinity(0) if allowed is None else set(allowed))
    except OSError as error:  # a system that does not tell where this process may run
        if value == "auto":
            return None
        raise SettingsError(
            f"{_SETTING_NAME}={setting}: this system does not let hairkg choose its CPU "
            f"({error.strerror})"
        ) from None
    if value.isascii() and value.isdigit():
        if int(value) not in usable:
            raise SettingsError(
                f"{_SETTING_NAME}={setting}: this process may run on CPU {_ranges(usable)} only"
            )
        return int(value)
    if value != "auto":
        raise SettingsError(
            f"{_SETTING_NAME} must be auto, off or a CPU number ({_ranges(usable)}), "
            f"got {setting!r}"
        )
    if len(usable) < 2:
        return None  # nothing to choose: the scheduler has one CPU anyway
    counts = confined_hairkg_processes() if confined is None else confined
    fewest = min(counts.get(cpu, 0) for cpu in usable)
    candidates = [cpu for cpu in usable if counts.get(cpu, 0) == fewest]
    return candidates[(os.getpid() if pid is None else pid) % len(candidates)]


def confine_to_cpu(cpu: int | set[int]) -> bool:
    """Confine every thread of this process to ``cpu`` (one CPU, or a set of them); threads
    started later inherit it from the thread that starts them.

    False when the system refuses (a container's policy, a CPU taken away meanwhile): the
    process then runs where it ran before, which is correct, only slower.
    """
    cpus = {cpu} if isinstance(cpu, int) else cpu
    try:
        tasks = [int(task) for task in os.listdir("/proc/self/task")]
    except OSError:
        tasks = [0]  # the calling thread only
    try:
        before = os.sched_getaffinity(0)
    except OSError:
        return False
    try:
        for task in tasks:
            with contextlib.suppress(ProcessLookupError):  # a thread that ended meanwhile
                os.sched_setaffinity(task, cpus)
    except (OSError, ValueError):
        for task in tasks:  # all threads alike again, as they were
            with contextlib.suppress(OSError, ValueError):
                os.sched_setaffinity(task, before)
        return False
    return True


class WebPlacement:
    """Keeps the web process on ``cpu`` while the queries are quick, on every CPU of ``free``
    while long ones run; :meth:`note_query` is called with each answer's worker CPU time.

    A switch happens at most once per change of workload (a few system calls), not per query:
    a stream of quick queries stays confined, a mix with long queries stays free. A move the
    system refuses is not tried again for :attr:`hold` seconds. Nothing here raises.
    """

    def __init__(
        self,
        cpu: int,
        free: set[int],
        *,
        long_query: float = LONG_QUERY_CPU_SECONDS,
        hold: float = HOLD_SECONDS,
        clock: Callable[[], float] = time.monotonic,
        place: Callable[[int | set[int]], bool] = confine_to_cpu,
    ) -> None:
        self.cpu = cpu
        self.free = set(free)
        self.long_query = long_query
        self.hold = hold
        self._clock = clock
        self._place = place
        self._lock = threading.Lock()
        self._last_long = float("-inf")
        self._retry_at = float("-inf")  # after a refused move
        #: Whether the web process is on ``cpu`` alone right now.
        self.confined = False
        #: Switches made (for /metrics and the tests).
        self.switches = 0

    def start(self) -> bool:
        """Confine the web process now; False when the system refuses (then nothing moves)."""
        with self._lock:
            if self._place(self.cpu):
                self.confined = True
        return self.confined

    def note_query(self, cpu_seconds: float) -> None:
        """Follow one answer: a long one frees the web process, a quick one after
        :attr:`hold` seconds without long ones confines it again."""
        now = self._clock()
        if cpu_seconds >= self.long_query:
            # locked, so that a move back to the CPU under way cannot miss it
            with self._lock:
                self._last_long = now
                if self.confined and now >= self._retry_at:
                    self._move(confined=False, now=now)
        elif not self.confined and self._may_confine(now):  # unlocked: the usual case
            with self._lock:
                if not self.confined and self._may_confine(now):
                    self._move(confined=True, now=now)

    def _may_confine(self, now: float) -> bool:
        return now - self._last_long >= self.hold and now >= self._retry_at

    def _move(self, *, confined: bool, now: float) -> None:
        """Confine or free the web process (called locked)."""
        if self._place(self.cpu if confined else self.free):
            self.confined = confined
            self.switches += 1
        else:
            self._retry_at = now + self.hold


def _ranges(cpus: list[int]) -> str:
    """``[0, 1, 2, 5]`` (sorted) as ``0-2,5``."""
    parts: list[str] = []
    # consecutive CPUs share cpu - position
    for _, run in groupby(enumerate(cpus), key=lambda item: item[1] - item[0]):
        numbers = [cpu for _, cpu in run]
        parts.append(str(numbers[0]) if len(numbers) == 1 else f"{numbers[0]}-{numbers[-1]}")
    return ",".join(parts)
