"""Run kgx's validator on KGX TSV files, offline; print its findings as JSON.

Runs under .venv-kgx/bin/python (scripts/setup-kgx.sh), not hairkg's .venv: kgx 2.7.0
cannot share an environment with hairkg's dependencies.

    .venv-kgx/bin/python tests/kgx_validate.py NODES.tsv EDGES.tsv

kgx and its Biolink Model Toolkit (bmt) fetch the Biolink Model from GitHub by default.
Here they read the model the ``biolink-model`` package installs instead (its
``biolink_model.yaml`` and its prefix map, which stands in for the JSON-LD context kgx
takes the valid CURIE prefixes from); every network connection is refused, so a run
cannot quietly depend on one. Output: ``{"biolink_version", "errors", "elements"}``,
``errors`` being kgx's ``Validator.get_errors()`` and ``elements`` the Biolink elements
the caller asks about (``--check TERM`` ...) with what the model says of each, and the
values of the two enumerations the export uses (knowledge level, agent type).
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
from importlib.resources import files
from typing import Any


def _refuse(self: socket.socket, address: Any, *args: Any, **kwargs: Any) -> None:
    raise OSError(f"network access refused during offline validation: {address}")


socket.socket.connect = _refuse  # type: ignore[method-assign]

import bmt  # noqa: E402
import bmt.toolkit  # noqa: E402
from linkml_runtime.utils.schemaview import SchemaView  # noqa: E402

SCHEMA = str(files("biolink_model") / "schema" / "biolink_model.yaml")
PREFIX_MAP = files("biolink_model") / "prefixmaps" / "biolink_model_prefix_map.json"


class OfflineToolkit(bmt.toolkit.Toolkit):  # type: ignore[misc]
    """bmt's Toolkit on the installed Biolink Model, without the remote predicate map."""

    def __init__(self, schema: str = SCHEMA, predicate_map: str | None = None) -> None:
        self.view = SchemaView(schema)
        self.pmap: dict[str, Any] = {}


bmt.Toolkit = OfflineToolkit
bmt.toolkit.Toolkit = OfflineToolkit

import kgx.config  # noqa: E402

kgx.config.jsonld_context_map["biolink"] = json.loads(PREFIX_MAP.read_text())

from kgx.transformer import Transformer  # noqa: E402
from kgx.validator import Validator  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("files", nargs="+")
    parser.add_argument("--check", nargs="*", default=[], metavar="CURIE")
    args = parser.parse_args()
    validator = Validator()
    transformer = Transformer(stream=True)
    transformer.transform(
        input_args={"filename": args.files, "format": "tsv"},
        output_args={"format": "null"},
        inspector=validator,
    )
    toolkit = Validator.get_toolkit()
    elements = {}
    for term in args.check:
        element = toolkit.get_element(term)
        elements[term] = (
            None
            if element is None
            else {
                "name": element.name,
                "is_category": bool(toolkit.is_category(element.name)),
                "is_predicate": bool(toolkit.is_predicate(element.name)),
                "is_mixin": bool(toolkit.is_mixin(element.name)),
            }
        )
    enums = {
        name: sorted(toolkit.view.get_enum(name).permissible_values)
        for name in ("KnowledgeLevelEnum", "AgentTypeEnum")
    }
    json.dump(
        {
            "biolink_version": validator.get_validation_model_version(),
            "errors": validator.get_errors(),
            "elements": elements,
            "enums": enums,
        },
        sys.stdout,
        default=str,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
