"""What the remote-store fixtures share: load the shipped graph into a store, serve from it."""

from __future__ import annotations

from hairkg.cli import main
from hairkg.service import Service, prepare_service
from hairkg.settings import Settings


def load_shipped_graph(query_url: str, update_url: str) -> None:
    """``hairkg load --store sparql`` into the store at these URLs; it must succeed."""
    code = main(
        [
            "load",
            "--store",
            "sparql",
            "--store-query-url",
            query_url,
            "--store-update-url",
            update_url,
        ]
    )
    assert code == 0


def remote_store_service(query_url: str) -> Service:
    """A prepared service whose queries go to the store at ``query_url``."""
    return prepare_service(
        Settings(
            store="sparql", store_query_url=query_url, validate=False, workers=1, query_timeout=10.0
        )
    )
