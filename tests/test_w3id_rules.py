"""The w3id.org redirect rules route every media type to a path the server answers."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask.testing import FlaskClient

from hairkg.formats import RDF_FORMATS

RULES = Path(__file__).resolve().parent.parent / "deploy" / "w3id" / ".htaccess"
BROWSER = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
#: One minted IRI of each kind, as a path under https://w3id.org/hairkg/.
MINTED = [
    "resource/therapy-regenera-activa",
    "resource/claim-elmaadawi-2018-similar-improvement",
    "ontology/Therapy",
    "ontology",
    "graph/data",
    "releases/0.1.0/ontology",
]


@dataclass(frozen=True)
class Rule:
    accept: re.Pattern[str] | None
    pattern: re.Pattern[str]
    target: str
    flags: str


def read_rules(text: str) -> list[Rule]:
    """The RewriteCond %{HTTP_ACCEPT} / RewriteRule pairs of an .htaccess file."""
    rules = []
    condition: re.Pattern[str] | None = None
    for line in text.splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "RewriteCond":
            assert words[1] == "%{HTTP_ACCEPT}", line
            ignore_case = len(words) > 3 and "NC" in words[3]
            condition = re.compile(words[2], re.IGNORECASE if ignore_case else 0)
        elif words[0] == "RewriteRule":
            rules.append(Rule(condition, re.compile(words[1]), words[2], words[3]))
            condition = None
    return rules


def redirect(rules: list[Rule], path: str, accept: str) -> tuple[int, str]:
    """What mod_rewrite answers for ``path`` with this Accept header: (status, Location)."""
    for rule in rules:
        if rule.accept is not None and not rule.accept.search(accept):
            continue
        match = rule.pattern.match(path)
        if match is None:
            continue
        status = int(re.search(r"R=(\d+)", rule.flags).group(1))  # type: ignore[union-attr]
        return status, match.expand(rule.target.replace("$", "\\"))
    raise AssertionError(f"no rule for {path} with Accept {accept}")


def test_the_rules_file_has_rules() -> None:
    rules = read_rules(RULES.read_text(encoding="utf-8"))
    assert len(rules) == len(RDF_FORMATS) + 1
    assert all("R=303" in rule.flags for rule in rules)


@pytest.mark.parametrize("path", MINTED)
@pytest.mark.parametrize(
    ("accept", "media_type"),
    [(f.media_type, f.media_type) for f in RDF_FORMATS]
    + [(BROWSER, "text/html"), ("*/*", "text/html"), ("text/html", "text/html")],
)
def test_every_media_type_routes_to_a_path_the_server_answers(
    client: FlaskClient, path: str, accept: str, media_type: str
) -> None:
    status, location = redirect(read_rules(RULES.read_text(encoding="utf-8")), path, accept)
    assert status == 303
    target = urlsplit(location)
    followed = target.path + (f"?{target.query}" if target.query else "")
    response = client.get(followed, headers={"Accept": accept})
    assert response.status_code == 200, (path, accept, followed)
    assert response.mimetype == media_type
