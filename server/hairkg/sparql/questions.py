"""The competency questions shipped in ``queries/``: one SPARQL file per question.

Each file starts with ``# CQnn: <the question>`` and may add ``# `` lines of explanation; the
CLI, the tests and the query editor's examples all read them from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hairkg.errors import QueryNotFoundError
from hairkg.paths import bundled_dir

__all__ = ["CompetencyQuestion", "competency_questions", "find_query"]


@dataclass(frozen=True)
class CompetencyQuestion:
    """A shipped SPARQL query and the question it answers."""

    name: str
    title: str
    text: str
    path: Path


def _read(path: Path) -> CompetencyQuestion:
    text = path.read_text(encoding="utf-8")
    first = text.splitlines()[0] if text else ""
    title = first.lstrip("# ").split(":", 1)[-1].strip() if first.startswith("#") else path.stem
    return CompetencyQuestion(name=path.stem, title=title, text=text, path=path)


def competency_questions() -> list[CompetencyQuestion]:
    """Return the shipped competency questions in file-name order."""
    return [_read(path) for path in sorted(bundled_dir("queries").glob("*.rq"))]


def find_query(name: str) -> CompetencyQuestion:
    """Return the query in file ``name``, or the competency question whose name starts so."""
    path = Path(name)
    if path.suffix == ".rq" and path.is_file():
        return _read(path)
    matches = [q for q in competency_questions() if q.name == name or q.name.startswith(name)]
    if len(matches) == 1:
        return matches[0]
    names = ", ".join(q.name for q in competency_questions())
    raise QueryNotFoundError(f"no single query matches {name!r}; shipped: {names}")
