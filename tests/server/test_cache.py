"""The result cache: answers to repeated queries come from memory, for the same data version only."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from k2020graph.loading import KnowledgeGraph
from k2020graph.server import Settings, create_app
from k2020graph.server.cache import ResultCache, request_key

SELECT = "SELECT ?s WHERE { ?s a ?c } ORDER BY ?s LIMIT 3"
JSON = {"accept": "application/sparql-results+json"}


def reply(size: int) -> dict[str, object]:
    return {"ok": True, "kind": "solutions", "body": b"x" * size, "truncated": False, "count": 1}


# -- the cache itself -------------------------------------------------------------------------------


def test_keeps_and_returns_an_answer() -> None:
    cache = ResultCache(10_000)
    key = request_key("v1", {"query": "ASK {}", "substitutions": {"nr": ("literal", "3.14", "", "")}})
    assert cache.get(key) is None
    assert cache.put(key, reply(10))
    assert cache.get(key) == reply(10)
    stats = cache.stats()
    assert (stats.entries, stats.hits, stats.misses) == (1, 1, 1)


def test_keys_differ_by_version_and_by_every_part_of_the_request() -> None:
    base = {"query": "ASK {}", "results": "json", "default_graph": [], "substitutions": {"a": ("iri", "x")}}
    keys = {
        request_key("v1", base),
        request_key("v2", base),
        request_key("v1", {**base, "results": "csv"}),
        request_key("v1", {**base, "default_graph": ["http://example.org/g"]}),
        request_key("v1", {**base, "substitutions": {"a": ("iri", "y")}}),
    }
    assert len(keys) == 5
    # The order of a mapping's keys does not matter.
    assert request_key("v1", {"a": 1, "b": 2}) == request_key("v1", {"b": 2, "a": 1})


def test_least_recently_used_goes_first_within_the_byte_budget() -> None:
    cache = ResultCache(8 * 1300)  # entries of 1000 + 256 bytes; at most 1300 bytes one
    for i in range(8):
        assert cache.put(("v", i), reply(1000))
    assert cache.get(("v", 0)) is not None  # 0 is now the most recently used
    assert cache.put(("v", 8), reply(1000))
    assert cache.get(("v", 1)) is None  # the least recently used went
    assert cache.get(("v", 0)) is not None
    stats = cache.stats()
    assert stats.bytes <= stats.max_bytes
    assert stats.evictions >= 1


def test_refuses_an_answer_bigger_than_an_eighth_of_the_budget() -> None:
    cache = ResultCache(8000)
    assert not cache.put(("v", "big"), reply(2000))
    assert cache.get(("v", "big")) is None
    assert cache.stats().entries == 0


def test_a_long_key_counts_against_the_budget() -> None:
    cache = ResultCache(80_000)
    assert cache.put(("v", "plain"), reply(100))
    plain = cache.stats().bytes
    assert cache.put(("v", "short"), reply(100), key_bytes=100)
    assert cache.stats().bytes - plain == plain + 100  # the same entry again, and its key's 100 bytes
    assert not cache.put(("v", "long"), reply(100), key_bytes=20_000)  # over an eighth of the budget


def test_zero_bytes_disables_it() -> None:
    cache = ResultCache(0)
    assert not cache.enabled
    assert not cache.put(("v", 1), reply(1))
    assert cache.get(("v", 1)) is None


def test_retire_drops_the_answers_of_other_versions() -> None:
    cache = ResultCache(100_000)
    cache.put(request_key("old", {"query": "a"}), reply(10))
    cache.put(request_key("new", {"query": "a"}), reply(10))
    both = cache.stats().bytes
    assert cache.retire("new") == 1
    assert cache.get(request_key("old", {"query": "a"})) is None
    assert cache.get(request_key("new", {"query": "a"})) is not None
    assert cache.stats().bytes == both // 2  # the two entries were the same size


# -- in the server ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cached_client(mini_kg: KnowledgeGraph) -> Iterator[TestClient]:
    app = create_app(mini_kg, Settings(timeout=5, workers=1, max_workers=2, cache_mb=8))
    with TestClient(app) as c:
        yield c


@pytest.fixture(scope="module")
def uncached_client(mini_kg: KnowledgeGraph) -> Iterator[TestClient]:
    app = create_app(mini_kg, Settings(timeout=5, workers=1, max_workers=2, cache_mb=0))
    with TestClient(app) as c:
        yield c


def cache_stats(client: TestClient) -> dict[str, int]:
    return client.get("/api/status").json()["cache"]  # type: ignore[no-any-return]


def test_a_repeated_query_is_answered_from_the_cache(cached_client: TestClient) -> None:
    query = SELECT + " # repeated"
    first = cached_client.get("/sparql", params={"query": query}, headers=JSON)
    second = cached_client.get("/sparql", params={"query": query}, headers=JSON)
    assert (first.status_code, second.status_code) == (200, 200)
    assert (first.headers["k2020-cache"], second.headers["k2020-cache"]) == ("miss", "hit")
    assert first.content == second.content
    assert first.headers["etag"] == second.headers["etag"]
    assert first.headers["k2020-rows"] == second.headers["k2020-rows"] == "3"


def test_another_format_or_text_is_another_answer(cached_client: TestClient) -> None:
    query = SELECT + " # formats"
    json = cached_client.get("/sparql", params={"query": query}, headers=JSON)
    csv = cached_client.get("/sparql", params={"query": query}, headers={"accept": "text/csv"})
    other = cached_client.get("/sparql", params={"query": query + " "}, headers=JSON)
    assert [r.headers["k2020-cache"] for r in (json, csv, other)] == ["miss", "miss", "miss"]
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.content != json.content


def test_canned_query_parameters_are_part_of_the_key(cached_client: TestClient) -> None:
    url = "/api/queries/continued-into-k2025"
    ph = [cached_client.get(url, params={"division": "PH"}) for _ in range(2)]
    kp = cached_client.get(url, params={"division": "KP"})
    assert [r.headers["k2020-cache"] for r in ph] == ["miss", "hit"]
    assert kp.headers["k2020-cache"] == "miss"
    assert ph[0].content == ph[1].content


def test_errors_are_never_kept(cached_client: TestClient) -> None:
    before = cache_stats(cached_client)
    for _ in range(2):
        r = cached_client.get("/sparql", params={"query": "SELECT ?s WHERE { ?s ?p }"}, headers=JSON)
        assert r.status_code == 400
        assert "k2020-cache" not in r.headers
    after = cache_stats(cached_client)
    assert after["entries"] == before["entries"]
    assert after["misses"] == before["misses"] + 2


def test_status_reports_hits_and_misses(cached_client: TestClient) -> None:
    query = SELECT + " # status"
    before = cache_stats(cached_client)
    for _ in range(3):
        cached_client.get("/sparql", params={"query": query}, headers=JSON)
    after = cache_stats(cached_client)
    assert after["misses"] - before["misses"] == 1
    assert after["hits"] - before["hits"] == 2
    assert after["maxBytes"] == 8 * 1024 * 1024
    assert 0 < after["bytes"] <= after["maxBytes"]


def test_without_a_cache_every_query_runs(uncached_client: TestClient) -> None:
    answers = [uncached_client.get("/sparql", params={"query": SELECT}, headers=JSON) for _ in range(3)]
    assert [r.headers["k2020-cache"] for r in answers] == ["miss"] * 3
    assert len({r.content for r in answers}) == 1
    stats = cache_stats(uncached_client)
    assert (stats["entries"], stats["hits"], stats["maxBytes"]) == (0, 0, 0)
