"""Where a loaded dataset lives: each backend makes an empty rdflib ``Dataset`` (default graph
= union). This is how the graph is *built*; how it is *queried* is
:data:`hairkg.sparql.engines.ENGINES` (``--store``).
"""

from __future__ import annotations

from collections.abc import Callable

from rdflib import Dataset

from hairkg.errors import UnknownStoreError

__all__ = ["DATASET_BACKENDS", "new_dataset"]


def _memory() -> Dataset:
    return Dataset(store="Memory", default_union=True)


def _oxigraph() -> Dataset:
    from oxrdflib import OxigraphStore  # rdflib's SPARQL engine with it: only when used

    return Dataset(store=OxigraphStore(), default_union=True)


#: Registered backends; ``oxigraph`` (Oxigraph in memory, through oxrdflib) is the default.
DATASET_BACKENDS: dict[str, Callable[[], Dataset]] = {"oxigraph": _oxigraph, "memory": _memory}


def new_dataset(backend: str = "oxigraph") -> Dataset:
    """Return an empty dataset on ``backend``."""
    try:
        factory = DATASET_BACKENDS[backend]
    except KeyError:
        raise UnknownStoreError(
            f"unknown dataset backend {backend!r}; choose one of "
            f"{', '.join(sorted(DATASET_BACKENDS))}"
        ) from None
    return factory()
