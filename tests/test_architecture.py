"""The layer rule of ARCHITECTURE.md holds, and query workers start without rdflib."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lint_imports(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            str(Path(sys.executable).with_name("lint-imports")),
            "--config",
            str(config),
            "--no-cache",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
        env={**os.environ, "PYTHONPATH": str(ROOT / "server")},
    )


def test_import_contracts_are_kept() -> None:
    result = _lint_imports(ROOT / "pyproject.toml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def test_a_reversed_layer_is_reported(tmp_path: Path) -> None:
    # the same checker with web declared *below* the graph layer must object, which shows
    # that the contract above is checked against the real imports
    config = tmp_path / "reversed.toml"
    config.write_text(
        '[tool.importlinter]\nroot_packages = ["hairkg"]\n\n'
        "[[tool.importlinter.contracts]]\n"
        'name = "reversed"\ntype = "layers"\nlayers = ["hairkg.graph", "hairkg.web"]\n',
        encoding="utf-8",
    )
    result = _lint_imports(config)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout


@pytest.mark.parametrize("module", ["hairkg.sparql.pool", "hairkg.cli"])
def test_importing_leaves_rdflib_out_where_it_is_not_needed(module: str) -> None:
    # the query workers import the pool; the CLI imports the rest lazily, per subcommand
    probe = (
        f"import sys, {module}; "
        "print(sorted(m for m in ('rdflib', 'owlrl', 'pyshacl', 'flask') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert result.stdout.strip() == "[]"


def test_serve_starts_the_store_host_before_importing_the_web_layer() -> None:
    # `hairkg serve` starts the store host first, so that it builds while this process
    # imports Flask, rdflib and the web layer (on two cores the two overlap): at that moment
    # none of them may be imported yet. The host is replaced by a stub that reports what the
    # web process had imported, then stops the command.
    probe = (
        "import sys, hairkg.service, hairkg.cli\n"
        "def start(*args, **kwargs):\n"
        "    heavy = ('rdflib', 'owlrl', 'pyshacl', 'pyshacl_turbo', 'flask', 'werkzeug',\n"
        "             'waitress', 'curies', 'pydantic', 'hairkg.web', 'hairkg.validation')\n"
        "    print(sorted(m for m in heavy if m in sys.modules), kwargs, flush=True)\n"
        "    raise KeyboardInterrupt\n"
        "hairkg.service.start_service = start\n"
        "sys.exit(hairkg.cli.main(['serve', '--port', '0']))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False
    )
    assert result.returncode == 130, result.stderr
    assert result.stdout.strip() == "[] {'fork_host': True}"
