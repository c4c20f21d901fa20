"""Bounded memory for a server whose data does not change while it runs.

:class:`BoundedLRU` is the one kind of memo the server keeps: least recently used out first, within a
number of entries *and* a byte budget, so that no request input (an IRI shown on a page, a query text)
can make the server's memory grow without limit. Every memo of the server is one (see
:attr:`.context.Context.memos`), and so is :class:`ResultCache`.

The endpoint serves one data version at a time, so the answer to a query (its text, bindings, format,
dataset and row cap) is the same until the data changes. :class:`ResultCache` keeps the serialised
answers; the data version is part of every key, so an answer to an older version is never served
(:meth:`ResultCache.retire` drops those at once).

Only successful answers are kept; errors and timeouts are always computed again. A hit is answered in
the server process without a worker, which is what makes repeated canned queries cheap.
"""

from __future__ import annotations

import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")

#: What one entry costs beyond its key and value: the ordered dict's node, the tuple, the size.
ENTRY_OVERHEAD = 256


@dataclass(frozen=True)
class CacheStats:
    entries: int
    bytes: int
    max_bytes: int
    hits: int
    misses: int
    evictions: int
    max_entries: int = 0  # 0: bounded by bytes only

    def as_dict(self) -> dict[str, int]:
        return {
            "entries": self.entries,
            "bytes": self.bytes,
            "maxBytes": self.max_bytes,
            "maxEntries": self.max_entries,
            "hits": self.hits,
            "misses": self.misses,
            "evictions": self.evictions,
        }


def approx_size(value: object) -> int:
    """Roughly the bytes ``value`` holds: strings, bytes, numbers and (nested) tuples, lists, dicts, sets."""
    if isinstance(value, (str, bytes, bytearray, int, float, bool)) or value is None:
        return sys.getsizeof(value)
    if isinstance(value, Mapping):
        return sys.getsizeof(value) + sum(approx_size(k) + approx_size(v) for k, v in value.items())
    if isinstance(value, (tuple, list, set, frozenset)):
        return sys.getsizeof(value) + sum(approx_size(v) for v in value)
    return sys.getsizeof(value)


def request_key(version: str, request: Mapping[str, Any]) -> tuple[Hashable, ...]:
    """The cache key of a worker request (see :func:`.engine.execute`) against data ``version``."""

    def frozen(value: Any) -> Hashable:
        if isinstance(value, Mapping):
            return tuple(sorted((k, frozen(v)) for k, v in value.items()))
        if isinstance(value, (list, tuple)):
            return tuple(frozen(v) for v in value)
        return value  # type: ignore[no-any-return]

    return (version, frozen(request))


_MISSING = object()  # a sentinel: None and False are values a memo may hold


class BoundedLRU:
    """A memo bounded in entries and in bytes: least recently used out first.

    ``max_bytes`` 0 keeps nothing; ``max_entries`` 0 bounds by bytes only (each entry counts at least
    :data:`ENTRY_OVERHEAD` bytes, so the bytes bound the entries too). One entry may take at most
    ``max_entry`` bytes (default: the whole budget); a bigger one is not kept. Safe to use from
    several threads.
    """

    def __init__(self, max_bytes: int, max_entries: int = 0, max_entry: int | None = None) -> None:
        self.max_bytes = max(0, max_bytes)
        self.max_entries = max(0, max_entries)
        self.max_entry = self.max_bytes if max_entry is None else max(0, max_entry)
        self._entries: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._bytes = 0
        self._hits = self._misses = self._evictions = 0
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.max_bytes > 0

    def lookup(self, key: Hashable, default: Any = None) -> Any:
        """The value kept under ``key`` (now the most recently used), else ``default``."""
        if not self.enabled:
            return default
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                self._misses += 1
                return default
            self._entries.move_to_end(key)
            self._hits += 1
            return found[0]

    def store(self, key: Hashable, value: Any, size: int) -> bool:
        """Keep ``value`` under ``key``, counted as ``size`` bytes plus the entry's overhead.

        False when it is too big to keep; older entries go out until the bounds hold again.
        """
        size += ENTRY_OVERHEAD
        if not self.enabled or size > self.max_entry:
            return False
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._bytes -= old[1]
            self._entries[key] = (value, size)
            self._bytes += size
            while self._bytes > self.max_bytes or (self.max_entries and len(self._entries) > self.max_entries):
                _, (_, dropped) = self._entries.popitem(last=False)
                self._bytes -= dropped
                self._evictions += 1
        return True

    def get_or_build(self, key: Hashable, build: Callable[[], T], size: Callable[[T], int] | None = None) -> T:
        """The value under ``key``, else ``build()`` kept (if it fits) and returned.

        ``size`` measures a built value (default :func:`approx_size` of the key and the value).
        """
        found = self.lookup(key, _MISSING)
        if found is not _MISSING:
            return found  # type: ignore[no-any-return]
        value = build()
        self.store(key, value, size(value) if size is not None else approx_size(key) + approx_size(value))
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(
                len(self._entries),
                self._bytes,
                self.max_bytes,
                self._hits,
                self._misses,
                self._evictions,
                self.max_entries,
            )


class ResultCache(BoundedLRU):
    """Serialised query answers, least recently used out first, within ``max_bytes`` (0 disables it).

    One answer may take at most ``max_bytes // 8`` bytes, so a few big results cannot push out all the
    small ones. Safe to use from several threads.
    """

    def __init__(self, max_bytes: int) -> None:
        super().__init__(max_bytes, max_entry=max(0, max_bytes) // 8)

    def get(self, key: Hashable) -> dict[str, Any] | None:
        return self.lookup(key)  # type: ignore[no-any-return]

    def put(self, key: Hashable, reply: dict[str, Any], key_bytes: int = 0) -> bool:
        """Keep ``reply`` (a successful worker reply) under ``key``; False when it is too big to keep.

        ``key_bytes`` is what the key holds beyond a few hundred bytes (a long query text): it counts too.
        """
        return self.store(key, reply, len(reply.get("body") or b"") + key_bytes)

    def retire(self, current_version: str) -> int:
        """Drop every answer that belongs to another data version than ``current_version``; how many."""
        with self._lock:
            stale = [k for k in self._entries if not (isinstance(k, tuple) and k and k[0] == current_version)]
            for key in stale:
                self._bytes -= self._entries.pop(key)[1]
        return len(stale)
