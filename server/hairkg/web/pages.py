"""Pages for people: the query editor at ``/`` and the VoID description."""

from __future__ import annotations

from flask import Blueprint, Response

from hairkg.web.description import void_response

__all__ = ["blueprint"]

blueprint = Blueprint("pages", __name__)


@blueprint.get("/.well-known/void")
def void() -> Response:
    """The VoID description of the dataset."""
    return void_response()
