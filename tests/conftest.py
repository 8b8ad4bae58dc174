"""Shared fixtures: the shipped dataset is built once per test session."""

from __future__ import annotations

import pytest
from rdflib import Dataset

from hairkg.loading import load_dataset


@pytest.fixture(scope="session")
def dataset() -> Dataset:
    """The shipped graph with inferences, on the default (Oxigraph) store."""
    return load_dataset()


@pytest.fixture(scope="session")
def memory_dataset() -> Dataset:
    """The shipped graph on rdflib's memory store, to compare backends."""
    return load_dataset(store="memory")
