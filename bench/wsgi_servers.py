"""Which WSGI server: waitress against gunicorn, serving the same fixed-answer Flask app.

The app is ``bare_apps.py floor`` (a fixed SPARQL JSON answer), so only the server's own cost
is measured. Each server runs in turn (twice, interleaved, as these machines are noisy) on a
free loopback port and is loaded for ``--seconds`` by two keep-alive clients::

    python bench/wsgi_servers.py --seconds 5

Needs the ``bench`` extra (gunicorn). Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import http.client
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
APP = "bare_apps:floor_app()"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _commands(port: int) -> dict[str, list[str]]:
    bind = f"127.0.0.1:{port}"
    gunicorn = [sys.executable, "-m", "gunicorn", "-b", bind, "--chdir", str(BENCH)]
    return {
        "waitress, 4 threads (hairkg's choice)": [
            sys.executable,
            "-m",
            "waitress",
            f"--listen={bind}",
            "--threads=4",
            "--call",
            "bare_apps:floor_app",
        ],
        "gunicorn gthread, 1 worker x 4 threads": [
            *gunicorn,
            "-w",
            "1",
            "--threads",
            "4",
            "-k",
            "gthread",
            APP,
        ],
        "gunicorn sync, 2 workers": [*gunicorn, "-w", "2", APP],
    }


def _wait_for(port: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


def _drive(port: int, seconds: float, clients: int = 2) -> float:
    counts = [0] * clients

    def client(index: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            connection.request(
                "POST",
                "/sparql",
                body=b"ASK {}",
                headers={"Content-Type": "application/sparql-query"},
            )
            response = connection.getresponse()
            response.read()
            counts[index] += response.status == 200

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(counts) / seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    results: dict[str, list[float]] = {}
    for _ in range(args.rounds):
        for name in _commands(0):
            port = _free_port()
            command = _commands(port)[name]
            process = subprocess.Popen(
                command, cwd=BENCH, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            try:
                _wait_for(port)
                _drive(port, 0.5)  # warm-up
                results.setdefault(name, []).append(_drive(port, args.seconds))
            finally:
                process.terminate()
                process.wait(10)
    print("| server | q/s per round |")
    print("|---|---|")
    for name, rounds in results.items():
        print(f"| {name} | {' / '.join(f'{q:,.0f}' for q in rounds)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
