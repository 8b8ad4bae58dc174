"""Shared fixtures: the shipped dataset is built once per test session."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from rdflib import Dataset

from hairkg.graph.loading import load_dataset
from hairkg.service import Service, prepare_service
from hairkg.settings import Settings
from hairkg.web import create_app
from remote_fixtures import load_shipped_graph, remote_store_service
from virtuoso_server import VirtuosoServer, virtuoso_missing


class BufferedClient(FlaskClient):
    """A test client that reads each answer whole and closes the app's body iterator.

    Unbuffered (werkzeug's default), an answer served from a file keeps the file open until
    the test closes the response, which a test reading ``.data`` never does; a WSGI server
    closes it after sending. Buffering does what the server does, so an unclosed file in a
    test means one the app itself leaks.
    """

    def open(self, *args: Any, **kwargs: Any) -> Any:
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


Flask.test_client_class = BufferedClient  # every app the tests create, fixtures or not


@pytest.fixture(scope="session")
def dataset() -> Dataset:
    """The shipped graph with inferences, on the default (Oxigraph) store."""
    return load_dataset()


@pytest.fixture(scope="session")
def memory_dataset() -> Dataset:
    """The shipped graph on rdflib's memory store, to compare backends."""
    return load_dataset(backend="memory")


@pytest.fixture(scope="session", autouse=True)
def _isolated_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Keep the inference cache of the test run (and its subprocesses) out of ~/.cache."""
    import os

    os.environ["HAIRKG_CACHE_DIR"] = str(tmp_path_factory.mktemp("hairkg-cache"))


@pytest.fixture(scope="session")
def service() -> Iterator[Service]:
    """A prepared service (dump + two query workers) shared by the web tests."""
    prepared = prepare_service(
        Settings(validate=False, workers=2, query_timeout=3.0, query_memory_mb=512)
    )
    yield prepared
    prepared.close()


@pytest.fixture()
def app(service: Service) -> Flask:
    return create_app(Settings(query_timeout=3.0), service, testing=True)


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VirtuosoServer]:
    """One Virtuoso for the session (``scripts/virtuoso_server.py``), holding the shipped graph as
    ``hairkg load`` put it; skipped with the reason when Virtuoso is not installed."""
    missing = virtuoso_missing()
    if missing is not None:
        pytest.skip(missing)
    server = VirtuosoServer(tmp_path_factory.mktemp("virtuoso-store"))
    try:
        server.start()
        with pytest.MonkeyPatch.context() as patch:
            for name, value in server.loader_environment.items():
                patch.setenv(name, value)
            load_shipped_graph(server.query_url, server.update_url)
        # as an operator must (README): after a load Virtuoso plans with the empty store's
        # index samples until it restarts, and some answers are wrong until then
        server.restart()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def virtuoso_service(virtuoso: VirtuosoServer) -> Iterator[Service]:
    prepared = remote_store_service(virtuoso.query_url)
    yield prepared
    prepared.close()
