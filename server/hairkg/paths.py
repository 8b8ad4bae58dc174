"""The one place that knows where the shipped ontology, data, shapes and queries live.

After a non-editable install they sit in the wheel under ``hairkg/_bundled/<kind>``; in a
checkout (or an editable install) they are the top-level folders of the repository.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Literal

from hairkg.errors import BundleNotFoundError

BundleKind = Literal["ontology", "data", "shapes", "queries"]

__all__ = ["BundleKind", "bundled_dir"]


def bundled_dir(kind: BundleKind) -> Path:
    """Return the folder holding the shipped files of ``kind``."""
    installed = Path(str(resources.files("hairkg"))) / "_bundled" / kind
    if installed.is_dir():
        return installed
    checkout = Path(__file__).resolve().parents[2] / kind
    if checkout.is_dir():
        return checkout
    raise BundleNotFoundError(
        f"cannot find the shipped {kind!r} folder (looked in {installed} and {checkout})"
    )
