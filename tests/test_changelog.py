"""The claim-level changelog: the shipped graph against a modified copy, command and page."""

from __future__ import annotations

import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from flask import Flask

from hairkg.cli import main
from hairkg.export.changelog import compare
from hairkg.namespaces import HKG, HKR
from hairkg.service import Service
from hairkg.settings import Settings
from hairkg.web import create_app

RDF_TYPE = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
CLAIM = ox.NamedNode(HKG + "Claim")
SUPPORT = ox.NamedNode(HKG + "supportStatus")
QUOTATION = ox.NamedNode(HKG + "quotation")
STATEMENT = ox.NamedNode(HKG + "statement")
DIRECTION = ox.NamedNode(HKG + "claimDirection")
ADDED = HKR + "claim-test-added"


def curie(iri: str) -> str:
    return "hkr:" + iri.removeprefix(HKR)


@pytest.fixture(scope="module")
def releases(service: Service, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The served dump and a copy with one change of each kind, by which claim."""
    assert service.dump_path is not None
    old = service.dump_path
    quads = list(ox.parse(path=str(old), format=ox.RdfFormat.N_QUADS))
    claims = sorted(
        {q.subject.value for q in quads if q.predicate == RDF_TYPE and q.object == CLAIM}
    )

    def has(claim: str, predicate: ox.NamedNode) -> bool:
        return any(q.subject.value == claim and q.predicate == predicate for q in quads)

    full = [c for c in claims if all(has(c, p) for p in (SUPPORT, QUOTATION, STATEMENT, DIRECTION))]
    removed, copied, status, quotation, statement, other = full[:6]
    changed: list[ox.Quad] = []
    for q in quads:
        subject = q.subject.value
        if subject == removed:
            continue
        if subject == status and q.predicate == SUPPORT:
            q = ox.Quad(
                q.subject, q.predicate, ox.NamedNode(HKR + "support-test-status"), q.graph_name
            )
        elif subject == quotation and q.predicate == QUOTATION:
            q = ox.Quad(
                q.subject, q.predicate, ox.Literal("A new quotation.", language="en"), q.graph_name
            )
        elif subject == statement and q.predicate == STATEMENT:
            q = ox.Quad(
                q.subject, q.predicate, ox.Literal("A new statement.", language="en"), q.graph_name
            )
        elif subject == other and q.predicate == DIRECTION:
            q = ox.Quad(q.subject, q.predicate, ox.NamedNode(HKR + "direction-test"), q.graph_name)
        changed.append(q)
        if subject == copied:
            changed.append(ox.Quad(ox.NamedNode(ADDED), q.predicate, q.object, q.graph_name))
    new = tmp_path_factory.mktemp("releases") / "new.nq"
    with new.open("wb") as out:
        ox.serialize(changed, out, ox.RdfFormat.N_QUADS)
    return {
        "old": old,
        "new": new,
        "claims": len(claims),
        "removed": removed,
        "support status": status,
        "quotation": quotation,
        "statement": statement,
        "other": other,
    }


def test_each_kind_of_change_is_reported(releases: dict[str, object]) -> None:
    log = compare(releases["old"], releases["new"])  # type: ignore[arg-type]
    assert (log.old_claims, log.new_claims) == (releases["claims"], releases["claims"])
    assert [s.claim for s in log.added] == [ADDED]
    assert log.added[0].support_status  # the copy's status, shown with the new claim
    assert [s.claim for s in log.removed] == [releases["removed"]]
    by_claim = {c.claim: c for c in log.changed}
    assert set(by_claim) == {
        releases[k] for k in ("support status", "quotation", "statement", "other")
    }
    for kind in ("support status", "quotation", "statement"):
        change = by_claim[releases[kind]]  # type: ignore[index]
        assert change.kinds == {kind}
        assert change.changes[0].old != change.changes[0].new
    assert by_claim[releases["support status"]].changes[0].new == ("hkr:support-test-status",)  # type: ignore[index]
    assert by_claim[releases["quotation"]].changes[0].new == ("A new quotation.",)  # type: ignore[index]
    other = by_claim[releases["other"]]  # type: ignore[index]
    assert other.kinds == {"other"} and other.changes[0].property == "hkg:claimDirection"
    assert log.counts == {
        "added": 1,
        "removed": 1,
        "support status": 1,
        "quotation": 1,
        "statement": 1,
        "other": 1,
    }
    same = compare(releases["old"], releases["old"])  # type: ignore[arg-type]
    assert same.empty and set(same.counts.values()) == {0}


def test_command_in_every_format(
    releases: dict[str, object], capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = str(releases["old"]), str(releases["new"])
    assert main(["changelog", old, new]) == 0
    text = capsys.readouterr().out
    assert f"+ {curie(ADDED)}" in text
    assert f"- {curie(releases['removed'])}" in text  # type: ignore[arg-type]
    assert f"~ {curie(releases['support status'])}" in text  # type: ignore[arg-type]
    assert "support status: " in text and "-> hkr:support-test-status" in text
    assert main(["changelog", old, new, "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["counts"]["added"] == 1 and data["added"][0]["claim"] == ADDED
    assert {c["claim"] for c in data["changed"]} >= {releases["quotation"], releases["statement"]}
    assert main(["changelog", old, new, "--format", "md"]) == 0
    md = capsys.readouterr().out
    assert md.startswith("# Claim changelog") and "| support status | 1 |" in md
    assert "A new statement." in md


@pytest.mark.parametrize("kind", ["garbage", "missing", "directory", "not-rdf-name"])
def test_unreadable_or_non_rdf_input_is_exit_2_in_one_line(
    kind: str, releases: dict[str, object], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = {
        "garbage": tmp_path / "garbage.nq",
        "missing": tmp_path / "missing.nq",
        "directory": tmp_path / "dir.nq",
        "not-rdf-name": tmp_path / "release.txt",
    }[kind]
    if kind == "garbage":
        bad.write_bytes(b"this is not N-Quads\n")
    elif kind == "directory":
        bad.mkdir()
    elif kind == "not-rdf-name":
        bad.write_text("hello\n")
    assert main(["changelog", str(bad), str(releases["new"])]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and str(bad) in captured.err
    assert "Traceback" not in captured.err
    assert main(["changelog", str(releases["old"]), str(bad)]) == 2


def _app(service: Service, previous: str) -> Flask:
    return create_app(Settings(previous_release=previous, access_log="off"), service, testing=True)


def test_page_without_a_previous_release_says_so(service: Service) -> None:
    response = _app(service, "").test_client().get("/changelog")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert 'id="no-previous-release"' in page and "no previous release" in page
    assert "<table" not in page


def test_page_compares_with_the_configured_previous_release(
    service: Service, releases: dict[str, object], tmp_path: Path
) -> None:
    # the modified copy plays the previous release: its extra claim was "removed" since
    response = _app(service, str(releases["new"])).test_client().get("/changelog")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert curie(ADDED) in page and "A new quotation." in page
    assert f'href="/resource/{releases["removed"].removeprefix(HKR)}"' in page  # type: ignore[attr-defined]
    broken = tmp_path / "broken.nq"
    broken.write_bytes(b"<not rdf")
    response = _app(service, str(broken)).test_client().get("/changelog")
    assert response.status_code == 500
    assert 'id="changelog-error"' in response.get_data(as_text=True)
