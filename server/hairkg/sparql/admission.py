"""Admission control for queries that need a worker: bounded queue, per-client cap.

Only uncached queries come here; ``/health``, pages, static files and cache hits never do,
so they never wait behind a slow query. A request is refused at once, with a status and a
``Retry-After`` the client can act on, when its client already has ``per_client`` queries
in flight (429) or when ``capacity`` queries are already running or waiting (503). That
bounds the WSGI threads queries can hold, so the server always has threads for the rest.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass

__all__ = ["Admission", "Refusal"]


@dataclass(frozen=True)
class Refusal:
    """Why a query was not admitted: HTTP status, message and seconds to wait."""

    status: int
    message: str
    retry_after: int = 1


class Admission:
    """Counts queries in flight, in total and per client; thread-safe."""

    def __init__(self, capacity: int, per_client: int) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.capacity = capacity
        self.per_client = per_client  # 0: no per-client cap
        self._lock = threading.Lock()
        self._per_client: Counter[str] = Counter()
        self._total = 0

    def enter(self, client: str) -> Refusal | None:
        """Admit one query of ``client`` (and count it), or say why not."""
        with self._lock:
            if self.per_client and self._per_client[client] >= self.per_client:
                return Refusal(
                    429,
                    f"too many queries at once from your address: {self.per_client} may run "
                    "at a time; wait for one to finish",
                )
            if self._total >= self.capacity:
                return Refusal(503, "the server is busy with other queries; try again in a moment")
            self._per_client[client] += 1
            self._total += 1
            return None

    def leave(self, client: str) -> None:
        """The query of ``client`` admitted by :meth:`enter` has ended."""
        with self._lock:
            self._total -= 1
            self._per_client[client] -= 1
            if self._per_client[client] <= 0:
                del self._per_client[client]

    @property
    def in_flight(self) -> int:
        """Queries admitted and not yet ended."""
        with self._lock:
            return self._total
