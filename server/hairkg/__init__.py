"""hairkg: a curated knowledge graph of regenerative (stem-cell based) hair-loss therapies."""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = ["__version__", "load_dataset"]


def __getattr__(name: str) -> Any:
    # Imported lazily so that query worker processes start without rdflib and owlrl.
    if name == "load_dataset":
        from hairkg.graph.loading import load_dataset

        return load_dataset
    raise AttributeError(name)
