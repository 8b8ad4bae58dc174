"""Store backends by name; each makes an empty rdflib ``Dataset`` (default graph = union)."""

from __future__ import annotations

from collections.abc import Callable

from oxrdflib import OxigraphStore
from rdflib import Dataset

from hairkg.errors import UnknownStoreError

__all__ = ["STORES", "new_dataset"]


def _memory() -> Dataset:
    return Dataset(store="Memory", default_union=True)


def _oxigraph() -> Dataset:
    return Dataset(store=OxigraphStore(), default_union=True)


#: Registered backends; ``oxigraph`` is the default (Oxigraph's SPARQL engine in memory).
STORES: dict[str, Callable[[], Dataset]] = {"oxigraph": _oxigraph, "memory": _memory}


def new_dataset(store: str = "oxigraph") -> Dataset:
    """Return an empty dataset on the backend ``store``."""
    try:
        factory = STORES[store]
    except KeyError:
        raise UnknownStoreError(
            f"unknown store {store!r}; choose one of {', '.join(sorted(STORES))}"
        ) from None
    return factory()
