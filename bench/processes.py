"""Process trees from ``/proc`` (what a server started, for the benchmarks' CPU and memory), and
stopping a server process."""

from __future__ import annotations

import os
import subprocess
from typing import Any

__all__ = ["stop_process", "tree"]


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
