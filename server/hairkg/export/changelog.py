"""What changed between two releases, claim by claim.

Compares two release dumps (N-Quads as written by ``hairkg export`` and the server, or any
RDF file the reader accepts) by claim IRI: a claim is an IRI typed ``hkg:Claim`` in any
graph but ``inferred``, and its description is every statement about it outside that graph.
Reported: claims added, claims removed, and for claims in both releases the support status,
quotation and statement when they changed, and any other property that changed.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pyoxigraph as ox

from hairkg.errors import RdfSyntaxError
from hairkg.formats import RDF_FORMATS, rdf_format_for_extension
from hairkg.graph.rdf_io import read_rdf_file
from hairkg.namespaces import GRAPH_BASE, HKG, shorten

__all__ = ["Changelog", "ClaimChange", "ClaimSummary", "FieldChange", "compare", "render"]

_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_LABEL = "http://www.w3.org/2000/01/rdf-schema#label"
_CLAIM = HKG + "Claim"
_INFERRED = GRAPH_BASE + "inferred"
SUPPORT_STATUS = HKG + "supportStatus"
QUOTATION = HKG + "quotation"
STATEMENT = HKG + "statement"
#: The changes reported by name, in this order; other properties are "other".
NAMED = {SUPPORT_STATUS: "support status", QUOTATION: "quotation", STATEMENT: "statement"}
KINDS = ("added", "removed", "support status", "quotation", "statement", "other")
#: A claim's description: property IRI -> the values, as displayed.
_Description = dict[str, frozenset[str]]


@dataclass(frozen=True)
class FieldChange:
    """One property of a claim whose values differ: old and new values, for display."""

    property: str  # CURIE (or IRI)
    name: str  # "support status", "quotation", "statement" or the CURIE
    old: tuple[str, ...]
    new: tuple[str, ...]


@dataclass(frozen=True)
class ClaimSummary:
    """A claim added or removed: its IRI, label and support status in its release."""

    claim: str
    curie: str
    label: str
    support_status: tuple[str, ...]


@dataclass(frozen=True)
class ClaimChange:
    """A claim in both releases whose description changed."""

    claim: str
    curie: str
    label: str
    changes: tuple[FieldChange, ...]

    @property
    def kinds(self) -> set[str]:
        return {c.name if c.name in NAMED.values() else "other" for c in self.changes}


@dataclass(frozen=True)
class Changelog:
    """The claim-level differences between an old and a new release."""

    old: str
    new: str
    old_claims: int
    new_claims: int
    added: tuple[ClaimSummary, ...] = ()
    removed: tuple[ClaimSummary, ...] = ()
    changed: tuple[ClaimChange, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


def _display(term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple) -> str:
    if isinstance(term, ox.NamedNode):
        return shorten(term.value) or term.value
    if isinstance(term, ox.Literal):
        # the language shows unless it is English, the language of hairkg's own texts
        if term.language and term.language.lower() != "en":
            return f"{term.value} @{term.language}"
        return term.value
    return str(term)


def _claims(quads: list[ox.Quad]) -> dict[str, _Description]:
    claims = {
        q.subject.value
        for q in quads
        if isinstance(q.subject, ox.NamedNode)
        and q.predicate.value == _RDF_TYPE
        and isinstance(q.object, ox.NamedNode)
        and q.object.value == _CLAIM
        and not (isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value == _INFERRED)
    }
    values: dict[str, dict[str, set[str]]] = {c: {} for c in claims}
    for q in quads:
        if not isinstance(q.subject, ox.NamedNode) or q.subject.value not in values:
            continue
        if isinstance(q.graph_name, ox.NamedNode) and q.graph_name.value == _INFERRED:
            continue
        values[q.subject.value].setdefault(q.predicate.value, set()).add(_display(q.object))
    return {c: {p: frozenset(v) for p, v in d.items()} for c, d in values.items()}


def _read(path: Path) -> dict[str, _Description]:
    if rdf_format_for_extension(path.suffix.lower()) is None:
        known = ", ".join(sorted(e for f in RDF_FORMATS for e in f.extensions))
        raise RdfSyntaxError(
            path, f"not a release dump: cannot tell its RDF syntax from the name (use {known})"
        )
    return _claims(read_rdf_file(path))


def _label(description: _Description, claim: str) -> str:
    labels = sorted(description.get(_LABEL, ()))
    return labels[0] if labels else (shorten(claim) or claim)


def _summary(claim: str, description: _Description) -> ClaimSummary:
    return ClaimSummary(
        claim,
        shorten(claim) or claim,
        _label(description, claim),
        tuple(sorted(description.get(SUPPORT_STATUS, ()))),
    )


def _property_order(prop: str) -> tuple[int, str]:
    order = list(NAMED)
    return (order.index(prop) if prop in NAMED else len(order), prop)


def compare(old: Path, new: Path) -> Changelog:
    """The changelog from release ``old`` to release ``new`` (files; unreadable ones raise)."""
    before, after = _read(old), _read(new)
    added = tuple(_summary(c, after[c]) for c in sorted(after.keys() - before.keys()))
    removed = tuple(_summary(c, before[c]) for c in sorted(before.keys() - after.keys()))
    changed = []
    for claim in sorted(before.keys() & after.keys()):
        a, b = before[claim], after[claim]
        changes = tuple(
            FieldChange(
                shorten(prop) or prop,
                NAMED.get(prop, shorten(prop) or prop),
                tuple(sorted(a.get(prop, ()))),
                tuple(sorted(b.get(prop, ()))),
            )
            for prop in sorted(a.keys() | b.keys(), key=_property_order)
            if a.get(prop, frozenset()) != b.get(prop, frozenset())
        )
        if changes:
            changed.append(ClaimChange(claim, shorten(claim) or claim, _label(b, claim), changes))
    counts = {"added": len(added), "removed": len(removed)}
    for kind in KINDS[2:]:
        counts[kind] = sum(1 for c in changed if kind in c.kinds)
    return Changelog(
        str(old), str(new), len(before), len(after), added, removed, tuple(changed), counts
    )


def _values(values: tuple[str, ...]) -> str:
    return "; ".join(values) if values else "(none)"


def _text(log: Changelog) -> str:
    lines = [
        f"claims: {log.old_claims} in {log.old}, {log.new_claims} in {log.new}",
        ", ".join(f"{kind} {n}" for kind, n in log.counts.items()),
    ]
    if log.empty:
        lines.append("no claim changed")
    for s in log.added:
        lines.append(f"+ {s.curie}  {s.label}  [support status: {_values(s.support_status)}]")
    for s in log.removed:
        lines.append(f"- {s.curie}  {s.label}  [support status: {_values(s.support_status)}]")
    for c in log.changed:
        lines.append(f"~ {c.curie}  {c.label}")
        for f in c.changes:
            lines.append(f"    {f.name}: {_values(f.old)} -> {_values(f.new)}")
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    return " ".join(text.replace("|", "\\|").split())


def _markdown(log: Changelog) -> str:
    lines = [
        "# Claim changelog",
        "",
        f"From `{log.old}` ({log.old_claims} claims) to `{log.new}` ({log.new_claims} claims).",
        "",
        "| change | claims |",
        "|---|---|",
        *(f"| {kind} | {n} |" for kind, n in log.counts.items()),
    ]
    for title, summaries in (("Added", log.added), ("Removed", log.removed)):
        if summaries:
            lines += ["", f"## {title}", "", "| claim | label | support status |", "|---|---|---|"]
            lines += [
                f"| `{s.curie}` | {_md_cell(s.label)} | {_md_cell(_values(s.support_status))} |"
                for s in summaries
            ]
    if log.changed:
        lines += ["", "## Changed", "", "| claim | what | before | after |", "|---|---|---|---|"]
        for c in log.changed:
            for f in c.changes:
                lines.append(
                    f"| `{c.curie}` | {_md_cell(f.name)} | {_md_cell(_values(f.old))} "
                    f"| {_md_cell(_values(f.new))} |"
                )
    if log.empty:
        lines += ["", "No claim changed."]
    return "\n".join(lines) + "\n"


def render(log: Changelog, fmt: str) -> str:
    """The changelog as ``text``, ``json`` or ``md`` (Markdown)."""
    if fmt == "json":
        return json.dumps(asdict(log), indent=2, ensure_ascii=False) + "\n"
    if fmt == "md":
        return _markdown(log)
    return _text(log)
