"""The first line of every benchmark report: the command as run, the code it ran, where, when."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def revision() -> str:
    """``commit abc1234``, and whether the code a benchmark runs has uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--", "server", "scripts", "bench/*.py"],
            cwd=ROOT,
            capture_output=True,
            text=True,
        ).stdout.strip()
    except OSError:
        return "unknown revision"
    return f"commit {head or 'unknown'}" + (" with uncommitted changes" if dirty else "")


def command_line(details: str = "", argv: Sequence[str] | None = None) -> str:
    """``Command: `python bench/NAME ARGS` (commit, cores, UTC time[, details])``."""
    args = sys.argv[1:] if argv is None else argv
    command = " ".join([f"python bench/{Path(sys.argv[0]).name}", *args])
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    extra = f", {details}" if details else ""
    return f"Command: `{command}` ({revision()}, {os.cpu_count()} cores, {when}{extra})"
