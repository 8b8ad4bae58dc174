"""One workload on several servers measured in turn, round after round, all servers running.

``endpoint_bench.py`` measures one server after the other, each for all its workloads; on a
shared 2-core machine the speed of the cores drifts over minutes, so two servers measured a
minute apart can differ by a third for no reason of their own. Here every server is started
first and the workload runs for a few seconds on each in turn, in a rotating order, for
``--rounds`` rounds: each round's ratio against the reference server compares measurements
seconds apart, and the report gives every round and the median.

    .venv/bin/python bench/interleaved_bench.py --size 10000 --workload "point lookup" \\
        --servers hairkg-nocache bare floor --rounds 7 --seconds 3 [--output report.md]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import synthetic_data  # noqa: E402  (sibling modules, not a package)
from endpoint_bench import (  # noqa: E402
    TITLES,
    Driver,
    Outcome,
    Server,
    SizeReport,
    _size_label,
    _start_other,
    export_dataset,
    hairkg_environments,
    hairkg_serve_command,
    load_queries,
    log,
    start_process,
    stop,
    stop_on_sigterm,
)
from report import command_line  # noqa: E402

SERVERS = (
    "hairkg",
    "hairkg-nocache",
    "hairkg-nocache-unconfined",
    "hairkg-base-nocache",
    "bare",
    "floor",
)
#: The --workload that runs every synthetic query in turn (as endpoint_bench's mix does).
MIX = "mix"


def start_servers(args: argparse.Namespace, workdir: Path) -> dict[str, Server]:
    """Every server of ``args.servers`` on the same data, started one after the other."""
    label = _size_label(args.size)
    data = synthetic_data.write(workdir / f"synthetic-{label}.nt", args.size, args.seed)
    hairkg_env, nocache_env = hairkg_environments(workdir, label)
    os.environ["HAIRKG_CACHE_DIR"] = hairkg_env["HAIRKG_CACHE_DIR"]
    command = hairkg_serve_command(data, args.workers)
    report = SizeReport(args.size, servers=list(args.servers))
    dump = workdir / f"dataset-{label}.nq"
    servers: dict[str, Server] = {}
    try:
        for name in args.servers:
            log(f"starting {name}")
            if name == "hairkg":
                servers[name] = start_process(name, command, env=hairkg_env)
            elif name == "hairkg-nocache":
                servers[name] = start_process(name, command, env=nocache_env)
            elif name == "hairkg-nocache-unconfined":  # the scheduler places the web process
                env = {**nocache_env, "HAIRKG_WEB_CPU": "off"}
                servers[name] = start_process(name, command, env=env)
            elif name == "hairkg-base-nocache":
                if args.baseline is None:
                    raise SystemExit(f"{name} needs --baseline SRC")
                env = {**nocache_env, "PYTHONPATH": str(args.baseline)}
                if args.baseline_cache is not None:
                    env["HAIRKG_CACHE_DIR"] = str(args.baseline_cache)
                servers[name] = start_process(name, command, env=env)
            else:
                if not dump.exists():
                    export_dataset(data, dump)
                servers[name] = _start_other(name, dump, workdir, label, args, report)
    except BaseException:
        for server in servers.values():
            stop(server)
        raise
    return servers


def measure(args: argparse.Namespace, servers: dict[str, Server]) -> dict[str, list[Outcome]]:
    """``args.rounds`` rounds; in round r the servers go in the order rotated by r."""
    _, synthetic = load_queries([])
    queries = [q for q in synthetic if args.workload in (MIX, q.name)]
    if not queries:
        names = ", ".join([MIX, *(q.name for q in synthetic)])
        raise SystemExit(f"no workload {args.workload!r}; choose one of: {names}")
    drivers = {
        name: Driver(server, args.concurrency, 60.0, False, name == "floor")
        for name, server in servers.items()
    }
    for driver in drivers.values():  # warm every server once before the rounds
        driver.run(args.workload, queries, args.warmup, 0.5)
    results: dict[str, list[Outcome]] = {name: [] for name in servers}
    order = list(servers)
    for round_number in range(args.rounds):
        turn = order[round_number % len(order) :] + order[: round_number % len(order)]
        for name in turn:
            outcome = drivers[name].run(args.workload, queries, args.seconds, args.warmup)
            if outcome.errors:
                raise SystemExit(f"{name}: {outcome.errors} errors: {outcome.first_error}")
            results[name].append(outcome)
            log(
                f"round {round_number + 1} {name:20} {outcome.qps:8.1f} q/s  "
                f"p50 {outcome.p50_ms:6.2f} ms  server CPU {outcome.server_cpu_ms:5.2f} ms/query"
            )
    return results


def render(args: argparse.Namespace, results: dict[str, list[Outcome]], argv: list[str]) -> str:
    reference = args.reference
    lines = [
        f"# Interleaved: {args.workload!r} at {_size_label(args.size)} synthetic triples",
        "",
        command_line(f"load average {os.getloadavg()[0]:.1f}", argv)
        + f". Concurrency {args.concurrency} (closed loop, "
        f"keep-alive), {args.seconds:g} s per server and round after {args.warmup:g} s of "
        f"warm-up, {args.rounds} rounds, the servers' order rotated each round; all servers "
        "running throughout. The load driver shares the 2 cores with the servers.",
        "",
        "p50 latency in ms (server CPU per query in ms) per round:",
        "",
        "| round | " + " | ".join(TITLES[name] for name in results) + " |",
        "|---|" + "---:|" * len(results),
    ]
    for index in range(args.rounds):
        cells = [
            f"{outcomes[index].p50_ms:.2f} ({outcomes[index].server_cpu_ms:.2f})"
            for outcomes in results.values()
        ]
        lines.append(f"| {index + 1} | " + " | ".join(cells) + " |")

    def median(name: str, attribute: str) -> float:
        return statistics.median(getattr(o, attribute) for o in results[name])

    lines.append(
        "| **median** | "
        + " | ".join(
            f"**{median(name, 'p50_ms'):.2f}** ({median(name, 'server_cpu_ms'):.2f})"
            for name in results
        )
        + " |"
    )
    lines += [
        "",
        f"Against {TITLES[reference]}, the median of the per-round ratios (each round's "
        "figures taken seconds apart), and the range over the rounds:",
        "",
        "| server | p50 ÷ reference | throughput ÷ reference | server CPU ÷ reference |",
        "|---|---:|---:|---:|",
    ]

    def ratios(name: str, attribute: str) -> str:
        values = [
            getattr(mine, attribute) / getattr(theirs, attribute)
            for mine, theirs in zip(results[name], results[reference], strict=True)
        ]
        return f"{statistics.median(values):.2f}x ({min(values):.2f}-{max(values):.2f})"

    for name in results:
        if name != reference:
            lines.append(
                f"| {TITLES[name]} | {ratios(name, 'p50_ms')} | {ratios(name, 'qps')} "
                f"| {ratios(name, 'server_cpu_ms')} |"
            )
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000)
    parser.add_argument(
        "--workload", default="point lookup", help=f"a synthetic query's name, or {MIX!r}: all"
    )
    parser.add_argument("--servers", nargs="+", choices=SERVERS, default=["hairkg-nocache", "bare"])
    parser.add_argument("--reference", default="bare", help="the server the ratios divide by")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--warmup", type=float, default=0.5)
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="hairkg query worker processes")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, help="keep data and stores here")
    parser.add_argument("--baseline", type=Path, help="server/ of an older checkout")
    parser.add_argument("--baseline-cache", type=Path, help="HAIRKG_CACHE_DIR for it")
    parser.add_argument("--output", type=Path, help="also write the Markdown report here")
    args = parser.parse_args(argv)
    if args.reference not in args.servers:
        parser.error(f"--reference {args.reference} is not among --servers")
    return args


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    stop_on_sigterm()
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="hairkg-interleaved-"))
    workdir.mkdir(parents=True, exist_ok=True)
    servers = start_servers(args, workdir)
    try:
        results = measure(args, servers)
    finally:
        for server in servers.values():
            stop(server)
    report = render(args, results, argv)
    print(report)
    if args.output:
        args.output.write_text(report, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
