"""Where a page links an IRI to: minted IRIs to this server's paths, others to a resolver.

Minted IRIs start with the ``base_iri`` setting; the rest of the IRI is the path on this
server (under the app's root, so a reverse proxy's prefix is kept). External IRIs are shown
as CURIEs and linked to the resolver bioregistry names for their prefix (its URL patterns,
loaded once; nothing here writes a URL pattern by hand).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from flask import request

from hairkg.namespaces import shorten
from hairkg.web import current_settings

__all__ = ["ExternalLink", "external_link", "identifier_link", "local_path", "minted_iri"]


def minted_iri(path: str) -> str:
    """The IRI that the request path ``path`` (``/resource/x``) stands for."""
    return current_settings().base_iri + path.lstrip("/")


def local_path(iri: str) -> str | None:
    """This server's path for a minted IRI (None for other IRIs)."""
    base = current_settings().base_iri
    if not iri.startswith(base) or iri == base:
        return None
    return request.script_root + "/" + quote(iri[len(base) :], safe="/:@!$&'()*+,;=-._~%")


@dataclass(frozen=True)
class ExternalLink:
    """An external term: how it is shown, where it resolves, its OLS page if any."""

    text: str
    href: str
    ols: str | None = None


@functools.cache
def _registry() -> Any:
    import bioregistry

    return bioregistry


@functools.cache
def _converter() -> Any:
    return _registry().get_converter()


def warm_up() -> None:
    """Load bioregistry's data now (it takes seconds) rather than on the first page."""
    _converter()


def external_link(iri: str) -> ExternalLink:
    """The CURIE of an external IRI and its resolver URL (the IRI itself when unknown)."""
    short = shorten(iri)
    curie = _converter().compress(iri)
    if curie is None:
        return ExternalLink(short or iri, iri)
    prefix, identifier = curie.split(":", 1)
    registry = _registry()
    href = registry.get_iri(prefix, identifier) or iri
    ols = registry.get_ols_iri(prefix, identifier)
    return ExternalLink(short or curie, href, ols)


def identifier_link(prefix: str, identifier: str) -> str | None:
    """The resolver URL of ``prefix:identifier`` (``doi``, ``pubmed``), from bioregistry."""
    found = _registry().get_iri(prefix, identifier)
    return str(found) if found else None
