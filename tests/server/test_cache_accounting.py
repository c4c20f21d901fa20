"""The cache's byte accounting at its edges (gaps found by mutation testing, docs/mutation.md).

The rules are the ones ResultCache documents: only 0 bytes disables it; one answer may take at most
``max_bytes // 8``; an entry's size is its body, its key's extra bytes and 256 bytes for the entry.
"""

from __future__ import annotations

from k2020graph.server.cache import ResultCache


def reply(body_bytes: int) -> dict[str, object]:
    return {"status": 200, "body": b"x" * body_bytes}


def test_only_zero_bytes_disables_it() -> None:
    assert ResultCache(1).enabled
    assert not ResultCache(0).enabled and not ResultCache(-5).enabled


def test_an_answer_of_exactly_an_eighth_is_kept_one_byte_more_is_not() -> None:
    cache = ResultCache(8000)  # an eighth: 1000 bytes, 744 of body + 256
    assert cache.put(("v", "exact"), reply(744))
    assert not cache.put(("v", "over"), reply(745))
    assert cache.get(("v", "exact")) is not None and cache.get(("v", "over")) is None


def test_putting_a_key_again_replaces_its_size() -> None:
    cache = ResultCache(8000)
    assert cache.put(("v", "q"), reply(100))
    assert cache.put(("v", "q"), reply(200))
    stats = cache.stats()
    assert stats.entries == 1 and stats.bytes == 200 + 256
