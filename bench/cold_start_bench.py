"""Start-to-ready of the shipped graph alone: ``hairkg serve --workers 2 --port 0``, validation on.

Each run starts the command (the ``hairkg`` script next to this interpreter, as an operator
types it), reads the address the server prints when it is ready (``listening on http://…``)
and times the first 200 answer to ``ASK {}`` on ``/sparql``: from the command to the first
answer. *Cold* runs get a new, empty ``HAIRKG_CACHE_DIR`` (no inference cache); *warm* runs
share one that an unmeasured run filled first. The variants run in turn within each repeat
(this checkout, then ``--baseline SRC`` as ``baseline``, each with ``PYTHONPATH=SRC`` and the
same interpreter), so a change in the machine's load falls on both. Usage::

    .venv/bin/python bench/cold_start_bench.py --repeats 7 --baseline /tmp/base/server \
        [--tree server] [--output report.md]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

from processes import stop_process  # noqa: E402  (sibling modules, not a package)
from report import command_line  # noqa: E402
from scale_bench import answers_ask  # noqa: E402

_LISTENING = re.compile(rb"listening on http://[^\s:]+:(\d+)")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def start_to_ready(src: Path, cache: Path, log_path: Path, timeout: float) -> float:
    """Seconds from the command to the first answer of ``ASK {}`` (raises if none came)."""
    env = dict(os.environ, HAIRKG_CACHE_DIR=str(cache), PYTHONPATH=str(src))
    env.pop("HAIRKG_PORT", None)
    command = [
        str(Path(sys.executable).with_name("hairkg")),
        "serve",
        "--workers",
        "2",
        "--port",
        "0",
    ]
    with log_path.open("wb") as errors:
        started = time.perf_counter()
        process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=errors)
    assert process.stdout is not None
    try:
        port = None
        for line in process.stdout:
            found = _LISTENING.search(line)
            if found:
                port = int(found.group(1))
                break
            if time.perf_counter() - started > timeout:
                break
        if port is None:
            process.wait(5)
            raise RuntimeError(
                f"no address printed (exit {process.returncode}): "
                + log_path.read_text(errors="replace")[-300:]
            )
        while not answers_ask(port):
            if process.poll() is not None or time.perf_counter() - started > timeout:
                raise RuntimeError(f"no answer on port {port}")
            time.sleep(0.005)
        return time.perf_counter() - started
    finally:
        stop_process(process)
        process.stdout.close()


def _load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def render(
    times: dict[tuple[str, str], list[float]], variants: Sequence[str], loads: list[str]
) -> str:
    lines = [
        "| variant | cache | runs | median s | min s | max s | all runs s |",
        "|---|---|---:|---:|---:|---:|---|",
    ]
    for variant in variants:
        for mode in ("cold", "warm"):
            runs = times.get((variant, mode), [])
            if not runs:
                continue
            lines.append(
                f"| {variant} | {mode} | {len(runs)} | {statistics.median(runs):.2f} "
                f"| {min(runs):.2f} | {max(runs):.2f} | {', '.join(f'{t:.2f}' for t in runs)} |"
            )
    header = command_line(f"load average 1/5/15 min before each repeat: {'; '.join(loads)}")
    return header + "\n\n" + "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--baseline", type=Path, help="server/ of an older checkout")
    parser.add_argument(
        "--tree", type=Path, default=ROOT / "server", help="server/ of the checkout to time"
    )
    parser.add_argument("--modes", nargs="+", default=["cold", "warm"], choices=["cold", "warm"])
    parser.add_argument("--timeout", type=float, default=120)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    trees = {"this": args.tree.resolve()}
    if args.baseline is not None:
        trees["baseline"] = args.baseline.resolve()
    workdir = Path(tempfile.mkdtemp(prefix="hairkg-cold-"))
    times: dict[tuple[str, str], list[float]] = {}
    loads: list[str] = []
    try:
        warm = {name: workdir / f"warm-{name}" for name in trees}
        if "warm" in args.modes:
            for name, src in trees.items():  # fill the warm caches, unmeasured
                start_to_ready(src, warm[name], workdir / f"{name}-fill.log", args.timeout)
        for repeat in range(args.repeats):
            loads.append(_load())
            for mode in args.modes:
                for name, src in trees.items():
                    if mode == "cold":
                        cache = workdir / f"cold-{name}-{repeat}"
                        shutil.rmtree(cache, ignore_errors=True)
                    else:
                        cache = warm[name]
                    seconds = start_to_ready(
                        src, cache, workdir / f"{name}-{mode}-{repeat}.log", args.timeout
                    )
                    times.setdefault((name, mode), []).append(seconds)
                    log(f"repeat {repeat + 1}: {name} {mode} {seconds:.2f} s (load {_load()})")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report = render(times, list(trees), loads)
    print(report)
    if args.output:
        args.output.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
