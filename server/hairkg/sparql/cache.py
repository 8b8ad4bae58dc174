"""A bounded in-memory cache of successful answers.

The data only changes when the server restarts, so an answer is valid for as long as the
process lives: the key is the response's ETag, which hashes the data version together with
everything that shapes the answer (query text, base IRI, dataset, negotiated format, row cap).
Only 200 answers are kept; errors, time-outs and refusals are always recomputed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from hairkg.sparql.engines import QueryResponse

__all__ = ["ResultCache"]


class ResultCache:
    """A least-recently-used map from ETag to answer, bounded by the bytes of the bodies."""

    def __init__(self, max_bytes: int, max_entry_bytes: int | None = None) -> None:
        if max_bytes <= 0:
            raise ValueError("a result cache needs a positive size; disable it instead")
        self.max_bytes = max_bytes
        # One huge answer must not flush everything else.
        self.max_entry_bytes = max_entry_bytes or max(1, max_bytes // 16)
        self._entries: OrderedDict[str, QueryResponse] = OrderedDict()
        self._lock = threading.Lock()
        self.size = 0
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> QueryResponse | None:
        """Return the answer stored under ``key`` (and mark it recently used), or None."""
        with self._lock:
            answer = self._entries.get(key)
            if answer is None:
                self.misses += 1
                return None
            self._entries.move_to_end(key)
            self.hits += 1
            return answer

    def put(self, key: str, answer: QueryResponse) -> bool:
        """Store a 200 answer unless it is too big; return whether it was stored."""
        cost = len(answer.body)
        if answer.status != 200 or cost > self.max_entry_bytes:
            return False
        with self._lock:
            previous = self._entries.pop(key, None)
            if previous is not None:
                self.size -= len(previous.body)
            self._entries[key] = answer
            self.size += cost
            while self.size > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self.size -= len(evicted.body)
            return True

    def __len__(self) -> int:
        return len(self._entries)
