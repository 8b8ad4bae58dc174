"""Process trees from ``/proc`` (what a server started, for the benchmarks' CPU and memory),
stopping a server process, and running one measured case in a fresh process."""

from __future__ import annotations

import json
import os
import subprocess
from typing import Any

__all__ = ["json_case", "stop_process", "tree"]


def tree(root: int) -> list[int]:
    """``root`` and its descendants (processes that end while this reads are left out)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                parent = int(handle.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(entry))
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo.extend(children.get(pid, ()))
    return found


def stop_process(process: subprocess.Popen[Any], patience: float = 20.0) -> None:
    """Ask ``process`` to stop (SIGTERM), and kill it if it has not ended within ``patience``."""
    process.terminate()
    try:
        process.wait(patience)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def json_case(command: list[str], timeout: float) -> dict[str, Any] | None:
    """Run ``command`` (a benchmark's ``--case`` mode) and read the JSON object on the last
    line of its output; None if it took longer than ``timeout`` seconds. A case that fails
    raises :class:`subprocess.CalledProcessError`, its standard error attached."""
    try:
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, check=True
        )
    except subprocess.TimeoutExpired:
        return None
    return dict(json.loads(result.stdout.strip().splitlines()[-1]))
