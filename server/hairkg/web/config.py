"""Settings of the web service in one place: defaults, overridden by ``HAIRKG_*`` variables."""

from __future__ import annotations

from typing import Any

__all__ = ["DEFAULTS"]

#: Every setting with its default. ``HAIRKG_<NAME>`` environment variables override them
#: (values are parsed as JSON where possible, e.g. ``HAIRKG_QUERY_TIMEOUT=5``).
DEFAULTS: dict[str, Any] = {
    "QUERY_TIMEOUT": 10.0,  # seconds a query may run before its worker is stopped (503)
    "QUERY_MEMORY_MB": 1024,  # memory a query may add to its worker before it is stopped (503)
    "ROW_LIMIT": 10_000,  # result rows (or triples) returned at most; truncation is reported
    "MAX_QUERY_DEPTH": 64,  # nesting of { ( [ refused beyond this (400)
    "MAX_QUERY_TOKENS": 2_000,
    "MAX_QUERY_OPERATORS": 300,
    "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,  # request bodies above this get 413
    "CACHE_MAX_AGE": 300,  # seconds clients may reuse an answer (ETag revalidates after)
    "GZIP_MIN_BYTES": 1024,
    # Memory for remembered answers (the data cannot change while the server runs); 0 turns
    # the cache off. An answer bigger than a sixteenth of it is never kept.
    "RESULT_CACHE_MB": 64,
}
