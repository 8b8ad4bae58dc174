"""``hairkg serve`` as a real process on a free loopback port, for the integration tests.

The one launcher of the suite: it starts the server with ``--port 0``, reads the address
from the "listening on" line, keeps the output, and stops the server with SIGTERM (then
SIGKILL if it does not stop).
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field

__all__ = ["LiveServer", "query_processes", "start_server"]


@dataclass
class LiveServer:
    process: subprocess.Popen[str]
    url: str
    output: list[str] = field(default_factory=list)
    reader: threading.Thread | None = None

    @property
    def endpoint(self) -> str:
        return self.url + "/sparql"

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, wait up to ``timeout`` s, SIGKILL if needed; return the exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(30)
        if self.reader is not None:
            self.reader.join(timeout=30)
        if self.process.stdout is not None:
            self.process.stdout.close()
        return self.process.returncode

    def __enter__(self) -> LiveServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def start_server(*args: str, env: dict[str, str] | None = None, timeout: float = 180) -> LiveServer:
    """Start ``python -m hairkg serve --host 127.0.0.1 --port 0 ARGS``; wait until it listens."""
    process = subprocess.Popen(
        [sys.executable, "-m", "hairkg", "serve", "--host", "127.0.0.1", "--port", "0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
    )
    lines: queue.Queue[str | None] = queue.Queue()
    output: list[str] = []

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            output.append(line)
            lines.put(line)
        lines.put(None)

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    server = LiveServer(process, "", output, reader)
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        try:
            line = lines.get(timeout=max(remaining, 0.01))
        except queue.Empty:
            line = ""
        if line is None or remaining <= 0:
            server.stop(5)
            what = "exited before listening" if line is None else "did not listen in time"
            raise AssertionError(f"the server {what}:\n" + "".join(output))
        if line.startswith("listening on "):
            server.url = line.split("listening on ", 1)[1].strip()
            return server


def query_processes(pid: int) -> list[int]:
    """The store host and the workers it forks under server ``pid``, by the names the pool
    gives them (read from ``/proc``)."""
    with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as handle:
        children = [int(child) for child in handle.read().split()]
    found = []
    for child in children:
        with open(f"/proc/{child}/comm", encoding="utf-8") as comm:
            if comm.read().strip() in ("hairkg-host", "hairkg-worker"):
                found += [child, *query_processes(child)]
    return found
