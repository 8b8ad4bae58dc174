"""Progress of long work, for a person at a terminal; silent when output is piped or logged."""

from __future__ import annotations

import os
import sys

__all__ = ["progress"]


def progress(message: str) -> None:
    """Print ``hairkg: message …`` on standard error if it is a terminal."""
    if sys.stderr.isatty() and not os.environ.get("HAIRKG_QUIET"):
        print(f"hairkg: {message} …", file=sys.stderr, flush=True)
