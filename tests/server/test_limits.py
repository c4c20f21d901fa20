"""Per-client limits and lanes (issue 8, item 4: four connections starved everyone).

The bookkeeping of :mod:`k2020graph.server.limits` is tested with an injected clock (no sleeping); the
expected figures follow from the policy as WDQS states it (N queries in flight, B query-seconds per
window refilled evenly, Retry-After until the budget is positive again). Then a real server with real
workers: a client beyond its parallel limit gets 429 with Retry-After, and a light client's query is
answered while four heavy clients hold runaway queries (checked by order of events, not by time).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from conftest import ServerProcess  # tests/server is on sys.path (rootdir-relative conftest)

from k2020graph.server.limits import (
    FRESH,
    HEAVY,
    LIGHT,
    Limits,
    NoSlot,
    OverLimit,
    Policy,
    client_key,
    query_shape,
)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def limits(**policy: object) -> tuple[Limits, Clock]:
    clock = Clock()
    return Limits(Policy(**policy), clock), clock  # type: ignore[arg-type]


def mark(lim: Limits, clock: Clock, shape: str, seconds: float, *, timed_out: bool = False) -> None:
    """Teach ``lim`` the cost of ``shape`` by one query of a throw-away client."""
    ticket = lim.enter(f"teacher {shape} {clock.now}", shape)
    assert ticket.started is not None
    clock.now += seconds
    lim.leave(ticket, timed_out=timed_out)
    clock.now += 10 * lim.policy.window  # the teacher is forgotten, its use decays


# -- parallel queries and query-seconds per client -----------------------------------------------------


def test_a_client_beyond_its_parallel_limit_is_refused_with_retry_after() -> None:
    lim, clock = limits(parallel=2, timeout=10)
    lim.enter("1.2.3.4 ua", "s1")
    lim.enter("1.2.3.4 ua", "s1")
    clock.now += 3
    with pytest.raises(OverLimit) as refused:
        lim.enter("1.2.3.4 ua", "s1")
    assert refused.value.reason == "parallel"
    assert refused.value.retry_after == 7  # the oldest query has at most 10 - 3 s left
    lim.enter("1.2.3.4 other-ua", "s1")  # another User-Agent is another client
    assert lim.stats()["refusedParallel"] == 1


def test_waiting_queries_count_as_in_flight() -> None:
    lim, _ = limits(slots=1, parallel=2)
    lim.enter("a", "s")  # runs
    assert lim.enter("b", "s").started is None  # waits for the one slot
    lim.enter("b", "s")
    with pytest.raises(OverLimit):
        lim.enter("b", "s")


def test_query_seconds_are_a_token_bucket_refilled_over_the_window() -> None:
    lim, clock = limits(budget=10, window=60, parallel=5)  # 10 s per 60 s: 1/6 s back per second
    ticket = lim.enter("c", "s")
    clock.now += 12
    assert lim.leave(ticket, timed_out=True) == pytest.approx(12)
    with pytest.raises(OverLimit) as refused:  # 10 - 12 = -2 s: 12 s of refill to get above zero
        lim.enter("c", "s")
    assert refused.value.reason == "budget"
    assert refused.value.retry_after == 12
    clock.now += 11.9
    with pytest.raises(OverLimit):
        lim.enter("c", "s")
    clock.now += 0.2
    assert lim.enter("c", "s").started is not None
    assert lim.stats()["refusedBudget"] == 2


def test_a_running_query_counts_against_the_budget_before_it_ends() -> None:
    lim, clock = limits(budget=10, window=60)
    lim.enter("d", "s")
    lim.enter("d", "s")
    clock.now += 5.5  # two queries running 5.5 s each: 11 s of 10
    with pytest.raises(OverLimit) as refused:
        lim.enter("d", "s")
    assert refused.value.reason == "budget"


def test_the_bucket_never_holds_more_than_the_budget() -> None:
    lim, clock = limits(budget=10, window=60)
    lim.leave(lim.enter("e", "s"))
    clock.now += 3600  # an hour idle does not buy an hour of queries
    lim.enter("e", "s")
    clock.now += 10.5
    with pytest.raises(OverLimit):
        lim.enter("e", "s")


# -- lanes ----------------------------------------------------------------------------------------------


def test_heavy_queries_never_hold_every_slot_and_light_ones_start_at_once() -> None:
    lim, clock = limits(slots=4)
    mark(lim, clock, "runaway", 10, timed_out=True)
    mark(lim, clock, "cheap", 0.003)
    heavy = [lim.enter(f"heavy-{i}", "runaway") for i in range(4)]
    assert [t.lane for t in heavy] == [HEAVY] * 4
    assert sum(t.started is not None for t in heavy) == 2  # slots - 2
    fresh = lim.enter("newcomer", "never-seen")
    assert (fresh.lane, fresh.started is not None) == (FRESH, True)  # fresh + heavy up to slots - 1
    late = lim.enter("newcomer-2", "never-seen-either")
    assert (late.lane, late.started) == (FRESH, None)
    light = lim.enter("reader", "cheap")
    assert (light.lane, light.started is not None) == (LIGHT, True)  # the slot kept for light queries
    stats = lim.stats()
    assert stats["running"] == {LIGHT: 1, FRESH: 1, HEAVY: 2}
    assert stats["waiting"] == {LIGHT: 0, FRESH: 1, HEAVY: 2}


def test_heavy_queries_leave_a_cpu_core_free() -> None:
    lim, clock = limits(slots=4, cores=2)
    mark(lim, clock, "runaway", 10, timed_out=True)
    heavy = [lim.enter(f"heavy-{i}", "runaway") for i in range(3)]
    assert sum(t.started is not None for t in heavy) == 1  # of 2 cores, one is kept for the rest


def test_unknown_shapes_can_hold_all_but_one_slot() -> None:
    lim, clock = limits(slots=4)
    mark(lim, clock, "cheap", 0.003)
    first = [lim.enter(f"attacker-{i}", f"new-shape-{i}") for i in range(5)]
    assert sum(t.started is not None for t in first) == 3
    assert lim.enter("reader", "cheap").started is not None


def test_a_freed_slot_goes_to_light_then_fresh_then_heavy() -> None:
    lim, clock = limits(slots=2)
    mark(lim, clock, "runaway", 10, timed_out=True)
    mark(lim, clock, "cheap", 0.003)
    running = [lim.enter("x", "cheap"), lim.enter("y", "cheap")]  # both slots
    heavy = lim.enter("h", "runaway")
    fresh = lim.enter("f", "new")
    light = lim.enter("l", "cheap")
    assert (heavy.started, fresh.started, light.started) == (None, None, None)
    lim.leave(running[0])
    assert light.started is not None and fresh.started is None and heavy.started is None
    lim.leave(running[1])
    assert fresh.started is not None and heavy.started is None
    lim.leave(light)  # slots - 1 = 1 for fresh and heavy together: the fresh one still holds it
    assert heavy.started is None
    lim.leave(fresh)
    assert heavy.started is not None


def test_a_client_that_used_much_of_its_budget_lately_is_heavy_until_its_use_decays() -> None:
    lim, clock = limits(budget=60, window=60, heavy_share=0.25, expensive=100)
    mark(lim, clock, "cheap", 0.003)
    for _ in range(4):  # 4 x 5 s = 20 s used, over a quarter of 60
        ticket = lim.enter("busy", "cheap")
        clock.now += 5
        lim.leave(ticket)
    ticket = lim.enter("busy", "cheap")
    assert ticket.lane == HEAVY
    lim.leave(ticket)
    assert lim.enter("quiet", "cheap").lane == LIGHT
    clock.now += 60  # 20 s * e^-1 = 7.4 s: under 15 s again
    assert lim.enter("busy", "cheap").lane == LIGHT


def test_an_expensive_shape_stays_expensive_after_a_cheap_run() -> None:
    lim, clock = limits(expensive=1.0)
    mark(lim, clock, "cross-product LIMIT ?", 10, timed_out=True)
    mark(lim, clock, "cross-product LIMIT ?", 0.001)  # the same shape with LIMIT 1
    assert lim.enter("someone", "cross-product LIMIT ?").lane == HEAVY
    mark(lim, clock, "slowish", 1.5)
    assert lim.enter("someone-else", "slowish").lane == HEAVY


def test_a_waiting_query_that_gives_up_frees_its_place_and_its_count() -> None:
    lim, _ = limits(slots=1, parallel=1)
    holder = lim.enter("a", "s")
    waiting = lim.enter("b", "s")
    assert lim.give_up(waiting) is True
    assert lim.stats()["waiting"] == {LIGHT: 0, FRESH: 0, HEAVY: 0}
    assert lim.stats()["gaveUp"] == 1
    lim.leave(holder)
    again = lim.enter("b", "s")  # its parallel count was given back
    assert again.started is not None
    assert lim.give_up(again) is False  # a started ticket is its caller's to leave


# -- bounded memory -----------------------------------------------------------------------------------


def test_idle_clients_are_forgotten_after_the_window() -> None:
    lim, clock = limits(window=60)
    for i in range(50):
        lim.leave(lim.enter(f"client-{i}", "s"))
    assert lim.stats()["clients"] == 50
    clock.now += 61
    lim.leave(lim.enter("late", "s"))
    assert lim.stats()["clients"] == 1


def test_beyond_max_clients_new_clients_share_one_entry() -> None:
    lim, _ = limits(max_clients=2, parallel=1)
    lim.enter("a", "s")
    lim.enter("b", "s")  # both in flight: neither can be dropped
    lim.enter("c", "s")  # counted as the shared overflow client
    with pytest.raises(OverLimit):
        lim.enter("d", "s")  # the same shared client, at its parallel limit
    assert lim.stats()["clients"] == 3


def test_idle_clients_make_room_for_new_ones() -> None:
    lim, _ = limits(max_clients=2, parallel=1)
    lim.leave(lim.enter("a", "s"))
    lim.leave(lim.enter("b", "s"))
    for key in ("c", "d"):
        assert lim.enter(key, "s").client == key
    assert lim.stats()["clients"] == 2


def test_the_shape_memo_is_bounded() -> None:
    lim, clock = limits(max_shapes=3)
    for i in range(10):
        lim.leave(lim.enter("a", f"shape-{i}"))
    shapes = lim.stats()["shapes"]
    assert shapes["cheap"] + shapes["expensive"] == 3


# -- waiting across event loops -------------------------------------------------------------------------


def test_acquire_waits_for_a_slot_and_gives_up_after_its_wait() -> None:
    lim, _ = limits(slots=1)
    holder = lim.enter("a", "s")

    async def wait_then_release() -> str:
        waiter = asyncio.ensure_future(lim.acquire("b", "s", wait=30))
        await asyncio.sleep(0)
        assert not waiter.done()
        await asyncio.get_running_loop().run_in_executor(None, lim.leave, holder)  # from another thread
        ticket = await waiter
        return ticket.client

    assert asyncio.run(wait_then_release()) == "b"

    async def never_released() -> None:
        await lim.acquire("c", "s", wait=0.01)

    with pytest.raises(NoSlot):
        asyncio.run(never_released())
    assert lim.stats()["gaveUp"] == 1


# -- who is who; what is a shape ----------------------------------------------------------------------


def test_a_client_is_its_address_and_user_agent_and_x_forwarded_for_needs_a_trusted_proxy() -> None:
    assert client_key("127.0.0.1", "curl/8", None) == "127.0.0.1 curl/8"
    assert client_key("127.0.0.1", "curl/8", "10.0.0.9") == "127.0.0.1 curl/8"  # not trusted: ignored
    trusted = ["127.0.0.1", "10.0.0.1"]
    assert client_key("127.0.0.1", "curl/8", "6.6.6.6, 10.0.0.9, 10.0.0.1", trusted) == "10.0.0.9 curl/8"
    assert client_key("127.0.0.1", "curl/8", "garbage", trusted) == "127.0.0.1 curl/8"
    assert client_key("127.0.0.1", "x" * 5000, None) == "127.0.0.1 " + "x" * 200
    assert client_key(None, None, None) == "- "


def test_queries_differing_only_in_values_share_a_shape() -> None:
    base = 'SELECT ?s WHERE { ?s <urn:p> "abc"@nb . FILTER(?n > 3) } LIMIT 10'
    same = [
        'SELECT ?s WHERE { ?s <urn:other> "xyz"@nb . FILTER(?n > 4.5e2) } LIMIT 1000',
        'SELECT ?s WHERE {\n  ?s <urn:p> """long\n"text" """@nb . # a comment with { and "\n FILTER(?n > 3) } LIMIT 10',
        "SELECT ?s WHERE { ?s <urn:p> 'abc'@nb . FILTER(?n > -3) } LIMIT 10",
    ]
    different = [
        'SELECT ?o WHERE { ?s <urn:p> "abc"@nb . FILTER(?n > 3) } LIMIT 10',
        'SELECT ?s WHERE { ?s k2:p "abc"@nb . FILTER(?n > 3) } LIMIT 10',
        'SELECT ?s WHERE { ?s <urn:p> "abc"@nb . ?a ?b ?c FILTER(?n > 3) } LIMIT 10',
    ]
    assert {query_shape(q) for q in same} == {query_shape(base)}
    assert query_shape(base) not in {query_shape(q) for q in different}
    assert len({query_shape(q) for q in different}) == 3


# -- a real server: 429, and light queries answered while heavy ones hold workers -----------------------


def _worker_count(server_pid: int) -> int:
    """Processes two levels below the server (the zygote's workers), from /proc."""

    def children(pid: int) -> list[int]:
        out: list[int] = []
        for task in Path(f"/proc/{pid}/task").iterdir():
            out += [int(c) for c in (task / "children").read_text().split()]
        return out

    return sum(len(children(z)) for z in children(server_pid))


def _wait_until_in_flight(server: ServerProcess, n: int) -> None:
    """Wait (bounded) until ``n`` queries are in flight: by the server's limit counters, or, on a server
    without them, until ``n`` worker processes exist and none is idle."""

    def in_flight() -> bool:
        status = httpx.get(server.url + "/api/status", timeout=10).json()
        limits = status.get("limits")
        if limits:
            return sum(limits["running"].values()) + sum(limits["waiting"].values()) == n
        return _worker_count(server.proc.pid) == n and status["workers"]["ready"] == 0

    for _ in range(600):
        if in_flight():
            return
        threading.Event().wait(0.05)
    raise AssertionError(f"{n} queries never got in flight")


class Background:
    """Requests in threads, each recording its response and setting ``done``."""

    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []
        self.responses: list[httpx.Response | Exception] = []
        self.done = threading.Event()

    def get(self, url: str, params: dict[str, str], agent: str) -> None:
        def run() -> None:
            try:
                response: httpx.Response | Exception = httpx.get(url, params=params, headers={"User-Agent": agent}, timeout=60)
            except httpx.HTTPError as exc:
                response = exc
            self.responses.append(response)
            self.done.set()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        self.threads.append(thread)

    def join(self) -> None:
        for thread in self.threads:
            thread.join(timeout=60)


CHEAP = 'SELECT ?s WHERE {{ ?s ?p "{}" }} LIMIT 5'


def test_a_client_beyond_its_parallel_limit_gets_429_with_retry_after(
    mini_root: Path, start_server: Callable[..., ServerProcess], runaway: str
) -> None:
    server = start_server(mini_root, "--timeout", "5", "--client-parallel", "2")
    sparql = server.url + "/sparql"
    greedy = {"User-Agent": "greedy/1.0"}
    assert httpx.get(sparql, params={"query": CHEAP.format("x")}, headers=greedy).headers["K2020-Cache"] == "miss"
    heavy = Background()
    for _ in range(2):
        heavy.get(sparql, {"query": runaway}, "greedy/1.0")
    _wait_until_in_flight(server, 2)
    refused = httpx.get(sparql, params={"query": runaway}, headers=greedy, timeout=60)
    assert refused.status_code == 429, refused.text
    assert int(refused.headers["Retry-After"]) >= 1
    assert "in flight" in refused.text and "i gang" in refused.text
    # Another address in X-Forwarded-For from an untrusted peer is the same client.
    spoofed = httpx.get(sparql, params={"query": CHEAP.format("y")}, headers={**greedy, "X-Forwarded-For": "10.9.9.9"})
    assert spoofed.status_code == 429
    api = httpx.get(server.url + "/api/queries/tiltak-table", headers=greedy)
    assert api.status_code == 429 and "Retry-After" in api.headers and api.json()["status"] == 429
    # An answer from the cache costs nothing and is given whatever the client's limits.
    cached = httpx.get(sparql, params={"query": CHEAP.format("x")}, headers=greedy)
    assert (cached.status_code, cached.headers["K2020-Cache"]) == (200, "hit")
    assert not heavy.done.is_set()  # all of this while the two runaway queries still ran
    heavy.join()
    assert httpx.get(server.url + "/api/status").json()["limits"]["refusedParallel"] == 3


def test_a_light_query_is_answered_while_four_heavy_clients_hold_runaway_queries(
    mini_root: Path, start_server: Callable[..., ServerProcess], runaway: str
) -> None:
    server = start_server(mini_root, "--timeout", "5")  # 2 workers ready, at most 4
    sparql = server.url + "/sparql"
    reader = {"User-Agent": "reader/1.0"}
    assert httpx.get(sparql, params={"query": CHEAP.format("first")}, headers=reader).status_code == 200
    heavy = Background()
    for i in range(4):
        heavy.get(sparql, {"query": runaway}, f"hog-{i}/1.0")
    _wait_until_in_flight(server, 4)
    light = httpx.get(sparql, params={"query": CHEAP.format("second")}, headers=reader, timeout=60)
    answered_first = not heavy.done.is_set()
    assert light.status_code == 200, light.text
    assert light.headers["K2020-Cache"] == "miss"  # it really ran in a worker
    assert answered_first, "the light query waited until a heavy one had ended"
    heavy.join()
    assert all(isinstance(r, httpx.Response) and r.status_code == 503 for r in heavy.responses)
    limits = httpx.get(server.url + "/api/status").json()["limits"]
    assert limits["admitted"]["light"] >= 1
