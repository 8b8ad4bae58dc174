"""The ``hairkg`` command as a user runs it: a real process, exit codes, no tracebacks."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def run_hairkg(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "hairkg", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_stats_prints_graphs_and_classes() -> None:
    result = run_hairkg("stats")
    assert result.returncode == 0, result.stderr
    for graph in ("ontology", "imports", "data", "mappings", "inferred"):
        assert f"\n{graph} " in result.stdout
    assert "hkg:Study " in result.stdout
    assert "hkg:Claim " in result.stdout


def test_malformed_file_exits_2_with_file_and_line() -> None:
    bad = FIXTURES / "bad_syntax.ttl"
    result = run_hairkg("stats", "--data", str(bad))
    assert result.returncode == 2
    assert f"{bad}:6:" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_missing_file_exits_2() -> None:
    result = run_hairkg("stats", "--data", "/nonexistent/file.ttl")
    assert result.returncode == 2
    assert "cannot read file" in result.stderr
    assert "Traceback" not in result.stderr


def test_unknown_command_is_a_usage_error() -> None:
    result = run_hairkg("frobnicate")
    assert result.returncode == 2
    assert "usage:" in result.stderr


def test_fmt_check_reports_a_non_canonical_file(tmp_path: Path) -> None:
    path = tmp_path / "messy.ttl"
    path.write_text(
        "@prefix ex: <http://example.org/> .\nex:b ex:p 1 . ex:a ex:p 2 .\n", encoding="utf-8"
    )
    result = run_hairkg("fmt", "--check", str(path))
    assert result.returncode == 1
    assert "would reformat" in result.stdout
    assert run_hairkg("fmt", str(path)).returncode == 0
    assert run_hairkg("fmt", "--check", str(path)).returncode == 0
    assert path.read_text(encoding="utf-8").index("ex:a") < path.read_text().index("ex:b")
