"""Bounded in-memory caches of answers.

The data only changes when the server restarts, so an answer is valid for as long as the
process lives. :class:`ResultCache` keys an answer by its ETag, which hashes the data version
together with everything that shapes the answer (query text, base IRI, dataset, negotiated
format, row cap); only 200 answers are kept, and errors, time-outs and refusals are always
recomputed. :class:`BoundedCache` is the least-recently-used map under it, bounded by the
bytes its entries cost; the web layer keeps whole responses in one too
(``web/response_cache.py``).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Generic, TypeVar

from hairkg.sparql.engines import QueryResponse

__all__ = ["BoundedCache", "ResultCache"]

K = TypeVar("K")
V = TypeVar("V")


class BoundedCache(Generic[K, V]):
    """A thread-safe least-recently-used map whose entries' costs sum to at most ``max_bytes``.

    One entry may cost at most ``max_entry_bytes`` (a sixteenth of the whole by default), so
    that one huge answer cannot flush everything else.
    """

    def __init__(self, max_bytes: int, max_entry_bytes: int | None = None) -> None:
        if max_bytes <= 0:
            raise ValueError("a cache needs a positive size; disable it instead")
        self.max_bytes = max_bytes
        self.max_entry_bytes = max_entry_bytes or max(1, max_bytes // 16)
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.size = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: K) -> V | None:
        """Return the value stored under ``key`` (and mark it recently used), or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return entry[0]

    def put(self, key: K, value: V, cost: int) -> bool:
        """Store ``value`` unless it costs more than one entry may; return whether it was."""
        if cost > self.max_entry_bytes:
            return False
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self.size -= previous[1]
            self._entries[key] = (value, cost)
            self.size += cost
            while self.size > self.max_bytes:
                _, (_, evicted) = self._entries.popitem(last=False)
                self.size -= evicted
            return True

    def count_hit(self) -> None:
        """Count a hit answered by a cache in front of this one (it counts as ours)."""
        with self._lock:
            self.hits += 1

    def __len__(self) -> int:
        return len(self._entries)


class ResultCache(BoundedCache[str, QueryResponse]):
    """Successful answers by ETag, each costing the bytes of its body."""

    def put(self, key: str, value: QueryResponse, cost: int | None = None) -> bool:
        """Store a 200 answer unless it is too big; return whether it was stored."""
        if value.status != 200:
            return False
        return super().put(key, value, len(value.body) if cost is None else cost)
