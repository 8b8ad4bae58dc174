"""The endpoint's protocol tests again, with a remote store (Oxigraph's server) behind it.

Every test of ``test_sparql_protocol.py`` that takes the ``client`` fixture runs here with the
client below, whose ``/sparql`` asks the store over the SPARQL 1.1 Protocol.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from hairkg.service import Service
from hairkg.settings import Settings
from hairkg.web import create_app
from test_remote_store import OxigraphStore, remote_service, store
from test_sparql_protocol import *  # noqa: F403 - the tests, each run with the client below

pytestmark = pytest.mark.remote_store

__all__ = ["remote_service", "store"]  # fixtures, imported to be used here


@pytest.fixture()
def client(remote_service: Service, store: OxigraphStore) -> FlaskClient:
    settings = Settings(store="sparql", store_query_url=store.query_url, access_log="off")
    return create_app(settings, remote_service, testing=True).test_client()
