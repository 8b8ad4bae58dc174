"""Show that chosen tests fail on a deliberately broken build (mutation checks, by hand).

A test that passes whatever the code does proves nothing. For each *mutant* below, this
script copies the committed tree (``git archive HEAD``) to a temporary directory, applies one
deliberate defect (a text replacement that must match exactly once), and runs the tests that
are meant to catch it, with this checkout's virtual environment and the copy first on
``PYTHONPATH``. Each mutant must make its tests fail; the script exits 1 if one survives.

It is not part of the test command: each mutant starts real servers and costs up to a minute.
Usage::

    .venv/bin/python scripts/check_tests_can_fail.py [--only NAME ...]
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Mutant:
    """One deliberate defect and the tests that must catch it."""

    name: str
    path: str  # file to break, relative to the repository root
    old: str  # text that must occur exactly once
    new: str
    tests: tuple[str, ...]


MUTANTS = (
    Mutant(
        "SIGTERM ignored",
        "server/hairkg/web/serve.py",
        "signal.signal(signal.SIGTERM, _stop)",
        "signal.signal(signal.SIGTERM, signal.SIG_IGN)",
        ("tests/test_server_process.py::test_sigterm_stops_the_server_and_its_workers",),
    ),
    Mutant(
        "no memory bound for query workers",
        "server/hairkg/sparql/pool.py",
        "    if memory_limit_mb > 0:",
        "    if False:",
        ("tests/test_server_process.py::test_memory_bound_stops_a_query_and_the_server_survives",),
    ),
    Mutant(
        "an access log file left open (ResourceWarning)",
        "server/hairkg/web/observability.py",
        'self._path.open("a", encoding="utf-8").close()',
        'self._path.open("a", encoding="utf-8")',
        ("tests/test_observability.py",),
    ),
    Mutant(
        "mapping QC blind to unknown targets",
        "tests/qc/mapping-target-unknown-violation.rq",
        "FILTER NOT EXISTS { GRAPH <https://w3id.org/hairkg/graph/imports> { ?value rdf:type ?kind } }",
        "FILTER(false)",
        ("tests/test_qc.py::test_qc_query_finds_an_injected_defect",),
    ),
    Mutant(
        "mapping QC blind to unknown subjects",
        "tests/qc/mapping-subject-unknown-violation.rq",
        "SELECT DISTINCT",
        "SELECT DISTINCT * { FILTER(false) } #",
        ("tests/test_qc.py::test_qc_query_finds_an_injected_defect",),
    ),
    Mutant(
        "definition-source QC blind to a missing source",
        "tests/qc/definition-without-source-violation.rq",
        'BIND(IF(!BOUND(?source), "missing definition source",',
        'BIND(IF(false, "missing definition source",',
        ("tests/test_qc.py::test_qc_query_finds_an_injected_defect",),
    ),
)


def committed_tree(target: Path) -> None:
    """Extract ``git archive HEAD`` into ``target``."""
    archive = subprocess.run(
        ["git", "archive", "--format=tar", "HEAD"], cwd=ROOT, capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")


def run_mutant(mutant: Mutant) -> tuple[bool, str]:
    """Apply ``mutant`` to a fresh copy and run its tests; True if they failed (killed)."""
    with tempfile.TemporaryDirectory(prefix="hairkg-mutant-") as work:
        tree = Path(work)
        committed_tree(tree)
        target = tree / mutant.path
        text = target.read_text(encoding="utf-8")
        if text.count(mutant.old) != 1:
            raise SystemExit(f"{mutant.name}: the text to break is not in {mutant.path} once")
        target.write_text(text.replace(mutant.old, mutant.new), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": str(tree / "server")}
        env.pop("PYTEST_ADDOPTS", None)
        result = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *mutant.tests],
            cwd=tree,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        summary = (result.stdout.strip().splitlines() or ["(no output)"])[-1]
        return result.returncode != 0, summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--only", nargs="*", help="mutant names (substrings) to run")
    args = parser.parse_args(argv)
    survivors = 0
    for mutant in MUTANTS:
        if args.only and not any(part in mutant.name for part in args.only):
            continue
        started = time.perf_counter()
        killed, summary = run_mutant(mutant)
        verdict = "caught" if killed else "SURVIVED"
        print(f"{verdict:8} {mutant.name} ({time.perf_counter() - started:.0f} s): {summary}")
        survivors += not killed
    return 1 if survivors else 0


if __name__ == "__main__":
    sys.exit(main())
