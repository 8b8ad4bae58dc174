"""The CPU the web process runs on (``HAIRKG_WEB_CPU``).

The web process is Python under one interpreter lock: waitress's loop thread and its task
threads hand the lock to each other several times per request. Spread over several cores,
each hand-over wakes a thread on another core, whose caches hold none of the interpreter's
state; confined to one CPU, the hand-overs stay in one core's caches (measured on 2 cores:
the point-lookup p50 drops by about a tenth, see README "Scale"). A process bound by one lock
cannot run Python on a second core anyway.

Only the web process is confined. The store host is started before it confines itself, and
the query workers are forked from the host, so they keep every CPU the server may use.

``auto`` (the default) picks, among the CPUs this process may use, the one the fewest other
hairkg processes are confined to (so that replicas on one machine spread out), and confines
nothing on a single CPU; ``off`` leaves the placement to the scheduler; a number names the CPU.
"""

from __future__ import annotations

import contextlib
import os
from collections import Counter
from collections.abc import Iterable, Mapping

from hairkg.settings import ENV_PREFIX, SettingsError

__all__ = ["choose_web_cpu", "confine_to_cpu", "confined_hairkg_processes", "single_cpu_of"]

_VARIABLE = ENV_PREFIX + "WEB_CPU"


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
    usable = sorted(os.sched_getaffinity(0) if allowed is None else set(allowed))
    value = setting.strip().lower()
    if value in ("off", "none", "no", "false"):
        return None
    if value.isdigit():
        if int(value) not in usable:
            raise SettingsError(
                f"{_VARIABLE}={setting}: this process may run on CPU {_ranges(usable)} only"
            )
        return int(value)
    if value != "auto":
        raise SettingsError(
            f"{_VARIABLE} must be auto, off or a CPU number ({_ranges(usable)}), got {setting!r}"
        )
    if len(usable) < 2:
        return None  # nothing to choose: the scheduler has one CPU anyway
    counts = confined_hairkg_processes() if confined is None else confined
    fewest = min(counts.get(cpu, 0) for cpu in usable)
    candidates = [cpu for cpu in usable if counts.get(cpu, 0) == fewest]
    return candidates[(os.getpid() if pid is None else pid) % len(candidates)]


def confine_to_cpu(cpu: int) -> bool:
    """Confine every thread of this process to ``cpu`` (threads started later inherit it).

    False when the system refuses (a container's policy, a CPU taken away meanwhile): the
    process then runs where the scheduler puts it, which is correct, only slower.
    """
    try:
        tasks = [int(task) for task in os.listdir("/proc/self/task")]
    except OSError:
        tasks = [0]  # the calling thread only
    before = os.sched_getaffinity(0)
    try:
        for task in tasks:
            with contextlib.suppress(ProcessLookupError):  # a thread that ended meanwhile
                os.sched_setaffinity(task, {cpu})
    except OSError:
        for task in tasks:  # all threads alike again, as they were
            with contextlib.suppress(OSError):
                os.sched_setaffinity(task, before)
        return False
    return True


def _ranges(cpus: list[int]) -> str:
    """``[0, 1, 2, 5]`` as ``0-2,5``."""
    parts: list[str] = []
    start = previous = None
    for cpu in cpus:
        if previous is not None and cpu == previous + 1:
            previous = cpu
            continue
        if start is not None:
            parts.append(str(start) if start == previous else f"{start}-{previous}")
        start = previous = cpu
    if start is not None:
        parts.append(str(start) if start == previous else f"{start}-{previous}")
    return ",".join(parts)
