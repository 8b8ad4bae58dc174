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
        "hairkg/_bundled/yasgui/yasgui.min.js",
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
