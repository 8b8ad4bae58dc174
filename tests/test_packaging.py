"""The wheel ships the ontology, data, shapes and queries, and finds them after installation."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "build",
            "--wheel",
            "--no-isolation",
            "--outdir",
            str(out),
            str(ROOT),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    return next(out.glob("hairkg-*.whl"))


@pytest.mark.slow
def test_wheel_contains_the_bundled_files(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for required in (
        "hairkg/_bundled/ontology/hairkg.ttl",
        "hairkg/_bundled/data/mappings/hairkg.sssom.tsv",
        "hairkg/_bundled/ontology/imports/verified-terms.tsv",
        "hairkg/cli.py",
        "hairkg/web/static/yasgui/yasgui.min.js",
        "hairkg/web/static/yasgui/yasgui.min.css",
        "hairkg/web/templates/index.html",
        "hairkg/web/static/query-ui.js",
        "hairkg/py.typed",
    ):
        assert required in names
    assert any(n.startswith("hairkg/_bundled/queries/") for n in names)
    assert any(n.startswith("hairkg/_bundled/data/") and n.endswith(".ttl") for n in names)


@pytest.mark.slow
def test_installed_wheel_loads_from_its_bundle(wheel: Path, tmp_path: Path) -> None:
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        timeout=300,
    )
    code = (
        "import hairkg.paths as p, hairkg.graph.loading as l; "
        "print(p.bundled_dir('data')); print(len(l.load_dataset(infer=False)))"
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=300,
        check=True,
    )
    bundle, triples = result.stdout.split()
    assert bundle == str(target / "hairkg" / "_bundled" / "data")
    assert int(triples) > 1000


@pytest.mark.slow
def test_pip_installs_a_clean_copy_without_node_modules(tmp_path: Path) -> None:
    """``pip install .`` on a machine with only Python: no npm, no node_modules/."""
    tracked = (
        subprocess.run(
            ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, timeout=60
        )
        .stdout.decode()
        .split("\0")
    )
    clean = tmp_path / "clean"
    for name in filter(None, tracked):
        source = ROOT / name
        if source.is_file():
            (clean / name).parent.mkdir(parents=True, exist_ok=True)
            (clean / name).write_bytes(source.read_bytes())
    assert not (clean / "node_modules").exists()
    target = tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "--target",
            str(target),
            str(clean),
        ],
        check=True,
        capture_output=True,
        timeout=600,
    )
    code = (
        "from hairkg.settings import Settings; from hairkg.web import create_app; "
        "c = create_app(Settings()).test_client(); "
        "print(c.get('/ui/yasgui/yasgui.min.js').status_code, c.get('/').status_code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(target)},
        check=False,
    )
    assert result.stdout.split() == ["200", "200"], result.stderr
