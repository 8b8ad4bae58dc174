"""The query page at ``/``: content, the local YASGUI files, the CSP and the examples."""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from hairkg.namespaces import PREFIXES
from hairkg.service import Service, prepare_service
from hairkg.settings import Settings
from hairkg.sparql.questions import competency_questions
from hairkg.web import create_app, pages


@pytest.fixture(scope="module")
def service() -> Iterator[Service]:
    prepared = prepare_service(Settings(validate=False, workers=1))
    try:
        yield prepared
    finally:
        prepared.close()


@pytest.fixture(scope="module")
def app(service: Service) -> Flask:
    return create_app(Settings(), service, testing=True)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


class PageParser(HTMLParser):
    """Collects the elements the tests look at."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[dict[str, str | None]] = []
        self.script_bodies: list[str] = []
        self.links: list[dict[str, str | None]] = []
        self.anchors: list[str] = []
        self.examples: list[str] = []
        self.handlers: list[str] = []
        self.title = ""
        self._in: str | None = None
        self._script_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.handlers += [name for name, _ in attrs if name.startswith("on")]
        if tag == "script":
            self.scripts.append(attributes)
            self._script_text = []
        elif tag == "link":
            self.links.append(attributes)
        elif tag == "a" and attributes.get("href"):
            self.anchors.append(str(attributes["href"]))
        elif tag == "button" and attributes.get("data-example"):
            self.examples.append(str(attributes["data-example"]))
        self._in = tag

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.script_bodies.append("".join(self._script_text))
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "script":
            self._script_text.append(data)
        elif self._in == "title":
            self.title += data


@pytest.fixture(scope="module")
def page(app: Flask) -> tuple[str, PageParser]:
    response = app.test_client().get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    parser = PageParser()
    parser.feed(html)
    return html, parser


def ui_data(html: str) -> dict[str, Any]:
    match = re.search(
        r'<script type="application/json" id="hairkg-ui-data">(.*?)</script>', html, re.S
    )
    assert match, "the page has no JSON data block"
    data: dict[str, Any] = json.loads(match.group(1))
    return data


def test_page_is_html_with_title_description_and_notice(page: tuple[str, PageParser]) -> None:
    html, parser = page
    assert "hairkg" in parser.title
    assert "knowledge graph of regenerative" in html
    assert 'id="no-medical-advice"' in html
    assert "No medical advice." in html
    assert "describes published evidence" in html


def test_page_links_to_the_service_and_void_descriptions(page: tuple[str, PageParser]) -> None:
    _, parser = page
    assert "/sparql" in parser.anchors
    assert "/.well-known/void" in parser.anchors


def test_page_sets_the_strict_csp(client: FlaskClient) -> None:
    response = client.get("/")
    assert response.mimetype == "text/html"
    csp = response.headers["Content-Security-Policy"]
    directives = {}
    for part in csp.split(";"):
        name, _, value = part.strip().partition(" ")
        directives[name] = value.strip()
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["default-src"] == "'self'"
    assert "'unsafe-eval'" not in csp
    assert directives["object-src"] == "'none'"


def test_page_has_no_inline_script_and_no_external_resource(page: tuple[str, PageParser]) -> None:
    _, parser = page
    assert parser.handlers == [], "inline event handlers break script-src 'self'"
    for attributes, body in zip(parser.scripts, parser.script_bodies, strict=True):
        if attributes.get("src"):
            assert str(attributes["src"]).startswith("/"), attributes
            assert not body.strip()
        else:
            # JSON and JSON-LD (the schema.org Dataset) are data blocks: never executed
            assert attributes.get("type") in ("application/json", "application/ld+json"), (
                "a script without src must be a JSON data block, never executed"
            )
    for link in parser.links:
        assert str(link.get("href", "")).startswith("/"), link
    sources = [s["src"] for s in parser.scripts if s.get("src")]
    assert sources == ["/ui/yasgui/yasgui.min.js", "/static/query-ui.js"]


def test_data_block_configures_endpoint_prefixes_and_examples(
    page: tuple[str, PageParser],
) -> None:
    html, _ = page
    data = ui_data(html)
    assert data["endpoint"] == "/sparql"
    assert data["prefixes"] == PREFIXES
    questions = competency_questions()
    assert questions, "no competency questions in queries/"
    assert [e["name"] for e in data["examples"]] == [q.name for q in questions]
    for example, question in zip(data["examples"], questions, strict=True):
        assert example["title"] == question.title
        assert example["query"] == question.text
        assert example["id"] == question.name.split("-", 1)[0].upper()


def test_data_block_cannot_close_its_script_element(page: tuple[str, PageParser]) -> None:
    html, _ = page
    start = html.index('id="hairkg-ui-data">') + len('id="hairkg-ui-data">')
    body = html[start : html.index("</script>", start)]
    assert "<" not in body, "tojson must escape '<' so that a query cannot end the block"
    assert json.loads(body)["examples"]


def test_every_competency_question_has_a_button(page: tuple[str, PageParser]) -> None:
    html, parser = page
    assert parser.examples == [q.name for q in competency_questions()]
    for question in competency_questions():
        assert question.name.split("-", 1)[0].upper() in html


@pytest.mark.parametrize(
    ("path", "mimetype", "marker"),
    [
        ("/ui/yasgui/yasgui.min.js", "text/javascript", b"Yasgui"),
        ("/ui/yasgui/yasgui.min.css", "text/css", b".yasgui"),
        ("/static/query-ui.js", "text/javascript", b"hairkg-ui-data"),
        ("/static/query-ui.css", "text/css", b".notice"),
        ("/static/favicon.svg", "image/svg+xml", b"<svg"),
    ],
)
def test_static_files_are_served_locally(
    client: FlaskClient, path: str, mimetype: str, marker: bytes
) -> None:
    response = client.get(path)
    assert response.status_code == 200
    assert response.mimetype == mimetype
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert marker in response.get_data()


def test_yasgui_files_served_are_the_vendored_ones(client: FlaskClient) -> None:
    for name in pages.YASGUI_FILES:
        assert client.get(f"/ui/yasgui/{name}").get_data() == (pages.YASGUI_DIR / name).read_bytes()


def test_vendored_yasgui_is_the_pinned_npm_build() -> None:
    root = Path(__file__).resolve().parents[1]
    lock = json.loads((root / "package-lock.json").read_text(encoding="utf-8"))
    pinned = json.loads((root / "package.json").read_text(encoding="utf-8"))["dependencies"]
    version = pinned["@zazuko/yasgui"]
    assert lock["packages"]["node_modules/@zazuko/yasgui"]["version"] == version
    assert version in (pages.YASGUI_DIR / "README.md").read_text(encoding="utf-8")
    npm_build = root / "node_modules" / "@zazuko" / "yasgui"
    if not npm_build.is_dir():
        pytest.skip("node_modules/ is not installed (scripts/setup.sh --test installs it)")
    installed = json.loads((npm_build / "package.json").read_text(encoding="utf-8"))["version"]
    assert installed == version
    for name in pages.YASGUI_FILES:
        assert (pages.YASGUI_DIR / name).read_bytes() == (npm_build / "build" / name).read_bytes()


def test_yasgui_script_is_gzipped_cached_and_revalidated(client: FlaskClient) -> None:
    plain = client.get("/ui/yasgui/yasgui.min.js")
    zipped = client.get("/ui/yasgui/yasgui.min.js", headers={"Accept-Encoding": "gzip"})
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert "max-age=" in plain.headers["Cache-Control"]
    etag = plain.headers["ETag"]
    again = client.get("/ui/yasgui/yasgui.min.js", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert not again.get_data()


def test_yasgui_css_needs_no_other_file(client: FlaskClient) -> None:
    css = client.get("/ui/yasgui/yasgui.min.css").get_data(as_text=True)
    for url in re.findall(r"url\(\s*['\"]?([^'\")]+)", css):
        assert url.startswith("data:"), f"the YASGUI styles load {url}, which is not served"


@pytest.mark.parametrize(
    "path",
    [
        "/ui/yasgui/yasgui.esm.js",
        "/ui/yasgui/../package.json",
        "/ui/yasgui/%2e%2e%2fpackage.json",
        "/ui/yasgui/nothing.js",
        "/static/../pages.py",
    ],
)
def test_only_the_listed_files_are_served(client: FlaskClient, path: str) -> None:
    assert client.get(path).status_code == 404


def test_page_is_gzipped_when_accepted(client: FlaskClient) -> None:
    response = client.get("/", headers={"Accept-Encoding": "gzip"})
    assert response.headers.get("Content-Encoding") == "gzip"
    assert b"No medical advice." in gzip.decompress(response.get_data())


def test_page_script_reads_the_data_block_and_configures_yasgui() -> None:
    script = Path(pages.__file__).parent / "static" / "query-ui.js"
    text = script.read_text(encoding="utf-8")
    for required in ("hairkg-ui-data", "requestConfig", "endpoint", "prefixes", "addTab"):
        assert required in text
    assert "eval(" not in text
    assert "new Function" not in text
