"""Start-to-ready and memory of ``hairkg serve --data`` next to Oxigraph, on synthetic data.

For each size (synthetic N-Triples from ``synthetic_data.py``) and each variant, one run:

* ``hairkg``: ``hairkg serve --data FILE --no-validate --workers 2 --port P`` (this checkout,
  or ``--tree SRC``; an older one given with ``--baseline SRC`` runs as ``hairkg-baseline``,
  both with the same interpreter and ``PYTHONPATH=SRC``), an empty inference cache each time; ready is the
  first 200 answer to ``ASK {}`` on ``/sparql``;
* ``oxigraph``: ``oxigraph load --location DIR --file FILE`` then ``oxigraph serve-read-only
  --location DIR``, ready at its first answer;
* ``pyoxigraph``: ``pyoxigraph.Store().bulk_load(path=FILE)`` in a fresh interpreter (in memory);
* ``hairkg-validate``: validation on, which needs data that conforms, so it serves the
  validation benchmark's synthetic graph of the same size (``validation_bench.make_synthetic``:
  the shipped records copied with their own IRIs) instead; the same run also loads that file
  with ``oxigraph load`` and times its validation alone (``validation_bench.py``'s case, turbo,
  in a fresh process), so the second table sets hairkg's start-to-ready against
  3 x Oxigraph's load + the validation.

Memory is read from ``/proc`` every 20 ms over the whole process tree: peaks of the summed
PSS (shared pages split between the processes sharing them: what the tree takes from the
machine) and of the summed RSS (which counts the store once per forked worker) while
starting, then, once ready, the steady RSS and PSS of every process. Usage::

    .venv/bin/python bench/scale_bench.py --sizes 10000 100000 1000000 \
        [--baseline /tmp/base/server] [--variants hairkg oxigraph pyoxigraph] [--output r.md]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(BENCH))

import synthetic_data  # noqa: E402  (a sibling module, not a package)
from processes import stop_process, tree  # noqa: E402  (a sibling module)
from report import command_line  # noqa: E402  (a sibling module)

PAGE = os.sysconf("SC_PAGE_SIZE")


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * PAGE / 1e6
    except (OSError, IndexError, ValueError):
        return 0.0


def pss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) / 1000
    except OSError:
        pass
    return 0.0


class Sampler:
    """Peaks of the summed RSS (every 20 ms) and PSS (every 100 ms) of a process tree.

    Summed RSS counts a page shared by forked processes once per process; summed PSS splits
    it between them, so it is what the tree takes from the machine.
    """

    def __init__(self, root: int) -> None:
        self.root = root
        self.peak = 0.0
        self.peak_pss = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        samples = 0
        while not self._stop.is_set():
            pids = tree(self.root)
            self.peak = max(self.peak, sum(rss_mb(p) for p in pids))
            if samples % 5 == 0:  # PSS costs the kernel a walk of every page: every 100 ms
                self.peak_pss = max(self.peak_pss, sum(pss_mb(p) for p in pids))
            samples += 1
            self._stop.wait(0.02)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak


@dataclass
class Result:
    variant: str
    size: int
    ready_s: float | None = None
    load_s: float | None = None  # oxigraph: the load step alone
    peak_mb: float | None = None  # summed RSS
    peak_pss_mb: float | None = None  # summed PSS (a single process: its peak RSS)
    steady_rss_mb: list[float] = field(default_factory=list)
    steady_pss_mb: list[float] = field(default_factory=list)
    note: str = ""


def answers_ask(port: int, path: str = "/sparql") -> bool:
    """Whether the server on ``port`` answers ``ASK {}`` POSTed to ``path`` with a 200."""
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request(
            "POST",
            path,
            body=b"ASK {}",
            headers={"Content-Type": "application/sparql-query"},
        )
        ok = connection.getresponse().status == 200
        connection.close()
        return ok
    except OSError:
        return False


def _answers_oxigraph(port: int) -> bool:
    return answers_ask(port, "/query")


def _serve_and_measure(
    command: list[str],
    env: dict[str, str],
    port: int,
    ready: object,
    result: Result,
    timeout: float,
    log_path: Path,
) -> None:
    started = time.perf_counter()
    with log_path.open("wb") as out:
        process = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)
    sampler = Sampler(process.pid)
    try:
        while time.perf_counter() - started < timeout:
            if process.poll() is not None:
                tail = log_path.read_text(errors="replace").strip().splitlines()[-1:]
                result.note = f"exited {process.returncode}: {' '.join(tail)[:200]}"
                return
            if ready(port):  # type: ignore[operator]
                result.ready_s = time.perf_counter() - started
                break
            time.sleep(0.05)
        else:
            result.note = f"not ready after {timeout:.0f} s"
            return
        time.sleep(1.0)  # settle
        pids = tree(process.pid)
        result.steady_rss_mb = [rss_mb(p) for p in pids]
        result.steady_pss_mb = [pss_mb(p) for p in pids]
    finally:
        result.peak_mb = sampler.stop()
        result.peak_pss_mb = sampler.peak_pss
        stop_process(process)


def run_hairkg(
    name: str,
    data: Path,
    size: int,
    src: Path | None,
    workdir: Path,
    timeout: float,
    validate: bool = False,
) -> Result:
    result = Result(name, size)
    cache = workdir / f"cache-{name}-{size}"
    shutil.rmtree(cache, ignore_errors=True)
    env = dict(os.environ, HAIRKG_CACHE_DIR=str(cache), PYTHONUNBUFFERED="1")
    if src is not None:
        env["PYTHONPATH"] = str(src)
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "hairkg",
        "serve",
        "--data",
        str(data),
        *([] if validate else ["--no-validate"]),
        "--workers",
        "2",
        "--port",
        str(port),
    ]
    _serve_and_measure(
        command, env, port, answers_ask, result, timeout, workdir / f"{name}-{size}.log"
    )
    return result


def run_oxigraph(data: Path, size: int, workdir: Path, timeout: float) -> Result:
    result = Result("oxigraph", size)
    binary = str(Path(sys.executable).with_name("oxigraph"))
    location = workdir / f"oxigraph-{size}"
    shutil.rmtree(location, ignore_errors=True)
    started = time.perf_counter()
    process = subprocess.Popen(
        [binary, "load", "--location", str(location), "--file", str(data)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    result.load_s = time.perf_counter() - started
    load_peak = usage.ru_maxrss / 1000
    if status != 0:
        result.note = f"load failed ({status})"
        return result
    port = free_port()
    serve = Result("oxigraph", size)
    command = [
        binary,
        "serve-read-only",
        "--location",
        str(location),
        "--bind",
        f"127.0.0.1:{port}",
    ]
    _serve_and_measure(
        command,
        dict(os.environ),
        port,
        _answers_oxigraph,
        serve,
        timeout,
        workdir / f"oxigraph-{size}.log",
    )
    result.ready_s = result.load_s + (serve.ready_s or 0.0)
    result.peak_mb = max(load_peak, serve.peak_mb or 0.0)
    result.peak_pss_mb = max(load_peak, serve.peak_pss_mb or 0.0)
    result.steady_rss_mb = serve.steady_rss_mb
    result.steady_pss_mb = serve.steady_pss_mb
    result.note = (
        f"load {result.load_s:.1f} s (peak {load_peak:.0f} MB) + serve {serve.ready_s or 0:.2f} s"
    )
    shutil.rmtree(location, ignore_errors=True)
    return result


def run_pyoxigraph(data: Path, size: int) -> Result:
    result = Result("pyoxigraph", size)
    code = (
        "import time, pyoxigraph as ox, sys; s = ox.Store(); t = time.perf_counter(); "
        "s.bulk_load(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES); "
        "print(time.perf_counter() - t, len(s))"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", code, str(data)], stdout=subprocess.PIPE, text=True
    )
    assert process.stdout is not None
    out = process.stdout.read()
    _, _, usage = os.wait4(process.pid, 0)
    process.returncode = 0
    seconds = float(out.split()[0])
    result.load_s = result.ready_s = seconds
    result.peak_mb = result.peak_pss_mb = usage.ru_maxrss / 1000
    result.note = "in-memory bulk_load, load alone"
    return result


@dataclass
class ValidatedRun:
    """``hairkg-validate`` at one size: hairkg with validation on, and its two references."""

    size: int
    hairkg: Result
    oxigraph: Result
    validation_s: float | None
    results: str


def run_validated(size: int, workdir: Path, src: Path | None, timeout: float) -> ValidatedRun:
    import validation_bench  # a sibling module; imports hairkg, so only when asked for

    data = workdir / f"validation-synthetic-{size}.nt"
    if not data.exists():
        validation_bench.make_synthetic(size, data)
    hairkg = run_hairkg("hairkg-validate", data, size, src, workdir, timeout, validate=True)
    oxigraph = run_oxigraph(data, size, workdir, timeout)
    case = validation_bench.subprocess_case("turbo", data, timeout)
    counts = (
        "/".join(str(case["results"][k]) for k in ("Violation", "Warning", "Info")) if case else "-"
    )
    return ValidatedRun(size, hairkg, oxigraph, case["total"] if case else None, counts)


def render_validated(runs: Sequence[ValidatedRun]) -> str:
    lines = [
        "With validation on (`hairkg-validate`: the validation benchmark's synthetic graph, "
        "which conforms):",
        "",
        "| size | hairkg start-to-ready s | Oxigraph load s | validation alone s (results V/W/I) "
        "| budget: 3 x load + validation, s | ÷ budget | hairkg peak PSS MB | note |",
        "|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for run in runs:
        load = run.oxigraph.load_s
        budget = 3 * load + run.validation_s if load and run.validation_s else None
        ready = run.hairkg.ready_s
        lines.append(
            f"| {run.size:,} | {f'{ready:.1f}' if ready else '-'} "
            f"| {f'{load:.1f}' if load else '-'} "
            f"| {f'{run.validation_s:.1f}' if run.validation_s else '-'} ({run.results}) "
            f"| {f'{budget:.1f}' if budget else '-'} "
            f"| {f'{ready / budget:.2f}x' if ready and budget else '-'} "
            f"| {f'{run.hairkg.peak_pss_mb:.0f}' if run.hairkg.peak_pss_mb else '-'} "
            f"| {run.hairkg.note} |"
        )
    return "\n".join(lines) + "\n"


def render(results: Sequence[Result], args: argparse.Namespace) -> str:
    lines = [
        "| size | variant | start-to-ready s | ÷ oxigraph | peak PSS MB (all processes) | ÷ oxigraph | peak RSS MB summed | steady RSS MB (per process) | steady PSS MB total | note |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    oxigraph = {r.size: r for r in results if r.variant == "oxigraph"}

    def ratio(value: float | None, reference: float | None) -> str:
        return f"{value / reference:.2f}x" if value and reference else "-"

    for r in results:
        ref = oxigraph.get(r.size)
        ready = f"{r.ready_s:.2f}" if r.ready_s is not None else "-"
        ready_ratio = ratio(r.ready_s, ref.ready_s if ref else None)
        peak_pss = f"{r.peak_pss_mb:.0f}" if r.peak_pss_mb else "-"
        pss_ratio = ratio(r.peak_pss_mb, ref.peak_pss_mb if ref else None)
        peak = f"{r.peak_mb:.0f}" if r.peak_mb else "-"
        rss = " + ".join(f"{m:.0f}" for m in r.steady_rss_mb) or "-"
        pss = f"{sum(r.steady_pss_mb):.0f}" if r.steady_pss_mb else "-"
        lines.append(
            f"| {r.size:,} | {r.variant} | {ready} | {ready_ratio} | {peak_pss} | {pss_ratio} "
            f"| {peak} | {rss} | {pss} | {r.note} |"
        )
    return command_line() + "\n\n" + "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument(
        "--variants", nargs="+", default=["hairkg", "hairkg-baseline", "oxigraph", "pyoxigraph"]
    )
    parser.add_argument("--baseline", type=Path, help="server/ of an older checkout")
    parser.add_argument(
        "--tree",
        type=Path,
        help="server/ of the checkout to run as 'hairkg' (default: this one, as installed)",
    )
    parser.add_argument("--timeout", type=float, default=900)
    parser.add_argument("--workdir", type=Path)
    parser.add_argument("--output", type=Path)
    args = parser.parse_args(argv)
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="hairkg-scale-"))
    workdir.mkdir(parents=True, exist_ok=True)
    results: list[Result] = []
    validated: list[ValidatedRun] = []
    for size in args.sizes:
        data = workdir / f"synthetic-{size}.nt"
        if not data.exists():
            synthetic_data.write(data, size)
        for variant in args.variants:
            log(f"{size}: {variant}")
            if variant == "hairkg":
                result = run_hairkg("hairkg", data, size, args.tree, workdir, args.timeout)
            elif variant == "hairkg-baseline":
                if args.baseline is None:
                    continue
                result = run_hairkg(
                    "hairkg-baseline", data, size, args.baseline, workdir, args.timeout
                )
            elif variant == "oxigraph":
                result = run_oxigraph(data, size, workdir, args.timeout)
            elif variant == "pyoxigraph":
                result = run_pyoxigraph(data, size)
            elif variant == "hairkg-validate":
                validated.append(run_validated(size, workdir, args.tree, args.timeout))
                log(f"  {validated[-1]}")
                continue
            else:
                parser.error(f"unknown variant {variant}")
            log(f"  {result}")
            results.append(result)
    report = render(results, args) if results else command_line() + "\n"
    if validated:
        report += "\n" + render_validated(validated)
    print(report)
    if args.output:
        args.output.write_text(report, encoding="utf-8")
    if args.workdir is None:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
