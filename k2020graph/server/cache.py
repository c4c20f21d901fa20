"""A bounded cache of query results, for a server whose data does not change while it runs.

The endpoint serves one data version at a time, so the answer to a query (its text, bindings, format,
dataset and row cap) is the same until the data changes. :class:`ResultCache` keeps the serialised
answers, least recently used first out, within a byte budget; the data version is part of every key,
so an answer to an older version is never served (:meth:`ResultCache.retire` drops those at once).

Only successful answers are kept; errors and timeouts are always computed again. A hit is answered in
the server process without a worker, which is what makes repeated canned queries cheap.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CacheStats:
    entries: int
    bytes: int
    max_bytes: int
    hits: int
    misses: int
    evictions: int

    def as_dict(self) -> dict[str, int]:
        return {
            "entries": self.entries,
            "bytes": self.bytes,
            "maxBytes": self.max_bytes,
            "hits": self.hits,
            "misses": self.misses,
            "evictions": self.evictions,
        }


def request_key(version: str, request: Mapping[str, Any]) -> tuple[Hashable, ...]:
    """The cache key of a worker request (see :func:`.engine.execute`) against data ``version``."""

    def frozen(value: Any) -> Hashable:
        if isinstance(value, Mapping):
            return tuple(sorted((k, frozen(v)) for k, v in value.items()))
        if isinstance(value, (list, tuple)):
            return tuple(frozen(v) for v in value)
        return value  # type: ignore[no-any-return]

    return (version, frozen(request))


class ResultCache:
    """Serialised query answers, least recently used out first, within ``max_bytes`` (0 disables it).

    One answer may take at most ``max_bytes // 8`` bytes, so a few big results cannot push out all the
    small ones. Safe to use from several threads.
    """

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max(0, max_bytes)
        self.max_entry = self.max_bytes // 8
        self._entries: OrderedDict[Hashable, tuple[dict[str, Any], int]] = OrderedDict()
        self._bytes = 0
        self._hits = self._misses = self._evictions = 0
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def get(self, key: Hashable) -> dict[str, Any] | None:
        if not self.enabled:
            return None
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self._misses += 1
                return None
            self._entries.move_to_end(key)
            self._hits += 1
            return found[0]

    def put(self, key: Hashable, reply: dict[str, Any], key_bytes: int = 0) -> bool:
        """Keep ``reply`` (a successful worker reply) under ``key``; False when it is too big to keep.

        ``key_bytes`` is what the key holds beyond a few hundred bytes (a long query text): it counts too.
        """
        size = len(reply.get("body") or b"") + key_bytes + 256  # body, key and roughly the entry itself
        if not self.enabled or size > self.max_entry:
            return False
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (reply, size)
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped
                self._evictions += 1
        return True

    def retire(self, current_version: str) -> int:
        """Drop every answer that belongs to another data version than ``current_version``; how many."""
        with self._lock:
            stale = [k for k in self._entries if not (isinstance(k, tuple) and k and k[0] == current_version)]
            for key in stale:
                self._bytes -= self._entries.pop(key)[1]
        return len(stale)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(len(self._entries), self._bytes, self.max_bytes, self._hits, self._misses, self._evictions)
