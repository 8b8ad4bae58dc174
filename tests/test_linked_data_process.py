"""Linked data through a real server process: negotiation, hostile literals, the CLI export."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

from hairkg.formats import RDF_FORMATS
from live_server import LiveServer, start_server

pytestmark = pytest.mark.slow

BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
HOSTILE = """@prefix hkr: <https://w3id.org/hairkg/resource/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
hkr:hostile-label rdfs:label "<script>alert('x')</script> & \\"quoted\\""@en ;
    skos:definition "<img src=x onerror=alert(1)>"@en ;
    rdfs:seeAlso hkr:therapy-regenera-activa .
"""


def http_get(url: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture(scope="module")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    hostile = tmp_path_factory.mktemp("hostile") / "hostile.ttl"
    hostile.write_text(HOSTILE, encoding="utf-8")
    with start_server("--no-validate", "--workers", "1", "--data", str(hostile)) as server:
        yield server


def test_hostile_literal_is_shown_as_text(live_server: LiveServer) -> None:
    status, headers, body = http_get(
        live_server.url + "/resource/hostile-label", {"Accept": BROWSER}
    )
    assert status == 200
    html = body.decode("utf-8")
    assert "&lt;script&gt;alert(" in html
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<script" not in html  # the page needs no JavaScript
    assert "script-src 'self'" in headers["Content-Security-Policy"]


@pytest.mark.parametrize("fmt", RDF_FORMATS, ids=lambda f: f.name)
def test_real_clients_negotiate_every_format(live_server: LiveServer, fmt: object) -> None:
    assert hasattr(fmt, "media_type")
    status, headers, body = http_get(
        live_server.url + "/resource/therapy-regenera-activa",
        {"Accept": f"text/html;q=0.5, {fmt.media_type}"},  # type: ignore[attr-defined]
    )
    assert status == 200
    assert headers["Content-Type"].startswith(fmt.media_type)  # type: ignore[attr-defined]
    assert "Accept" in headers["Vary"]
    quads = list(ox.parse(body, format=fmt.oxigraph))  # type: ignore[attr-defined]
    assert any(
        q.subject == ox.NamedNode("https://w3id.org/hairkg/resource/therapy-regenera-activa")
        for q in quads
    )


def test_real_client_gets_404_and_406(live_server: LiveServer) -> None:
    status, _, body = http_get(live_server.url + "/resource/no-such-thing", {"Accept": BROWSER})
    assert status == 404
    assert b"Not found" in body
    status, headers, _ = http_get(
        live_server.url + "/resource/therapy-regenera-activa", {"Accept": "image/png"}
    )
    assert status == 406
    assert "Accept" in headers["Vary"]


def test_dump_download_is_streamed_with_its_checksum(live_server: LiveServer) -> None:
    _, _, page = http_get(live_server.url + "/download")
    status, headers, body = http_get(live_server.url + "/download/hairkg.nq")
    assert status == 200
    assert hashlib.sha256(body).hexdigest().encode() in page
    assert int(headers["Content-Length"]) == len(body)


def test_cli_export_writes_the_same_dataset(tmp_path: Path) -> None:
    out = tmp_path / "data.trig"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "hairkg",
            "export",
            "--format",
            "trig",
            "--graph",
            "data",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    quads = list(ox.parse(path=str(out), format=ox.RdfFormat.TRIG))
    assert {q.graph_name.value for q in quads} == {"https://w3id.org/hairkg/graph/data"}  # type: ignore[union-attr]
    assert f"wrote {len(quads)} quads" in done.stderr
    piped = subprocess.run(
        [
            sys.executable,
            "-m",
            "hairkg",
            "export",
            "--format",
            "nt",
            "--graph",
            "data",
            "--out",
            "-",
        ],
        capture_output=True,
        check=False,
    )
    assert piped.returncode == 0
    assert {q.triple for q in quads} == {
        q.triple for q in ox.parse(piped.stdout, format=ox.RdfFormat.N_TRIPLES)
    }
    bad = subprocess.run(
        [
            sys.executable,
            "-m",
            "hairkg",
            "export",
            "--format",
            "ttl",
            "--graph",
            "nope",
            "--out",
            str(tmp_path / "x.ttl"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 2
    assert "has no graph 'nope'" in bad.stderr
    assert not (tmp_path / "x.ttl").exists()
