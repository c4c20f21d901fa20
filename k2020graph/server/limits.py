"""Fair use of the query workers: per-client limits and lanes, after the Wikidata Query Service's policy.

WDQS tells its clients apart by address and User-Agent, lets each run a bounded number of queries at
once and spend a bounded number of query-seconds per minute, and answers ``429 Too Many Requests`` with
``Retry-After`` beyond that. Here the same, and because there are only a few workers (``max_workers``),
queries are also sorted into *lanes* so that expensive ones can never hold every worker:

- **light**: a query whose shape (its text with literals, IRIs and comments blanked, see
  :func:`query_shape`) ran quickly before, from a client that has not used much of its budget lately.
  It may take any free worker; with the other lanes capped, one is always free for it.
- **fresh**: a shape not seen yet, from such a client. Fresh and heavy queries together hold at most
  ``slots - 1`` workers. The caller runs a fresh query on a lease of ``expensive`` seconds: past it,
  the query is stopped, its shape is then known to be expensive, and it is queued again as heavy
  (:meth:`.context.Context.execute`), so an unknown query holds a worker for a second at most.
- **heavy**: a shape that once took ``expensive`` seconds or more (remembered until it is pushed out of
  the bounded shape memo), or any query of a client whose recent use is above ``heavy_share`` of its
  budget. Heavy queries hold at most ``slots - 2`` workers, and leave a CPU core free (at least one).

A query that cannot start at once waits for a slot of its lane (light before fresh before heavy; in a
lane, the client with less recent use first). Answers from the result cache are given before any of
this and cost nothing. A client's in-flight count covers waiting and running queries.

Everything here is bookkeeping under one lock, with an injectable clock, so that it can be tested
without sleeping; :meth:`Limits.acquire` is the one asynchronous method (it waits for a slot, and can
be woken from any thread or event loop, as the worker pool can). Memory is bounded: idle clients are
forgotten after ``window`` seconds, at most ``max_clients`` are tracked (beyond that, new clients share
one entry) and at most ``max_shapes`` shapes are remembered.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import heapq
import ipaddress
import itertools
import math
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

LIGHT, FRESH, HEAVY = "light", "fresh", "heavy"
LANES = (LIGHT, FRESH, HEAVY)
OVERFLOW = "*"  # the client key shared by clients beyond max_clients
_UA_LIMIT = 200  # characters of a User-Agent kept in a client's key


@dataclass(frozen=True)
class Policy:
    """The limits. ``slots`` is the number of queries that may run at once (the pool's ``max_workers``)."""

    slots: int = 4
    cores: int = 0  # CPUs the workers run on (0: as many as ``slots``); heavy queries keep one free
    parallel: int = 5  # queries in flight (running or waiting) per client
    budget: float = 60.0  # query-seconds per client per window (a token bucket, refilled continuously)
    window: float = 60.0  # seconds
    heavy_share: float = 0.25  # a client whose recent use passes this share of its budget is heavy
    expensive: float = 1.0  # seconds: a shape that ran this long (or timed out) is expensive
    timeout: float = 10.0  # seconds a query may run (for Retry-After when a client is at its parallel limit)
    max_clients: int = 10_000
    max_shapes: int = 4096

    def cap(self, lane: str) -> int:
        """How many queries of ``lane`` (together with the lanes more restricted than it) may run at once."""
        if lane == LIGHT:
            return max(1, self.slots)
        if lane == FRESH:
            return max(1, self.slots - 1)
        return max(1, min(self.slots - 2, (self.cores or self.slots) - 1))


class OverLimit(Exception):
    """The client is over one of its limits: ``reason`` is ``"parallel"`` or ``"budget"``."""

    def __init__(self, reason: str, retry_after: int, limit: float) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after
        self.limit = limit


class NoSlot(Exception):
    """No slot of the query's lane came free within the wait allowed."""


@dataclass
class _Client:
    key: str
    tokens: float  # query-seconds left at ``stamp`` (may go below zero: a query is charged when it ends)
    recent: float = 0.0  # query-seconds used lately, decaying with time constant ``window``, at ``stamp``
    stamp: float = 0.0
    inflight: int = 0
    running: dict[int, float] = field(default_factory=dict)  # ticket id -> start time


@dataclass
class Ticket:
    """One query's place: its lane, and once it runs, when it started."""

    id: int
    client: str
    shape: str
    lane: str
    started: float | None = None
    done: bool = False
    waker: tuple[asyncio.AbstractEventLoop, asyncio.Future[None]] | None = field(default=None, repr=False)


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class Limits:
    """The bookkeeping of :class:`Policy` for one server (held by its :class:`~.context.Context`)."""

    def __init__(self, policy: Policy, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self.clock = clock
        self._lock = threading.Lock()
        self._clients: OrderedDict[str, _Client] = OrderedDict()  # least recently seen first
        self._shapes: OrderedDict[str, bool] = OrderedDict()  # shape -> expensive; least recently used first
        self._running = dict.fromkeys(LANES, 0)
        self._waiting: dict[str, list[tuple[float, int, Ticket]]] = {lane: [] for lane in LANES}
        self._ids = itertools.count(1)
        self._admitted = dict.fromkeys(LANES, 0)
        self._counts = {
            "waited": 0,
            "gaveUp": 0,
            "refusedParallel": 0,
            "refusedBudget": 0,
        }

    # -- clients ------------------------------------------------------------------------------------

    def _refresh(self, client: _Client, now: float) -> None:
        p = self.policy
        elapsed = max(0.0, now - client.stamp)
        client.tokens = min(p.budget, client.tokens + elapsed * p.budget / p.window)
        client.recent *= math.exp(-elapsed / p.window)
        client.stamp = now

    def _expire(self, now: float) -> None:
        while self._clients:
            key, oldest = next(iter(self._clients.items()))
            if oldest.inflight or now - oldest.stamp < self.policy.window:
                return
            del self._clients[key]

    def _client(self, key: str, now: float) -> _Client:
        self._expire(now)
        client = self._clients.get(key)
        if client is None:
            if len(self._clients) >= self.policy.max_clients:
                victim = next((k for k, c in self._clients.items() if not c.inflight and k != OVERFLOW), None)
                if victim is None:
                    key = OVERFLOW
                    client = self._clients.get(key)
                else:
                    del self._clients[victim]
            if client is None:
                client = self._clients[key] = _Client(key, self.policy.budget, stamp=now)
        self._clients.move_to_end(key)
        self._refresh(client, now)
        return client

    @staticmethod
    def _running_time(client: _Client, now: float) -> float:
        return sum(now - start for start in client.running.values())

    # -- admission ------------------------------------------------------------------------------------

    def _lane(self, client: _Client, shape: str, now: float) -> str:
        p = self.policy
        if client.recent + self._running_time(client, now) >= p.heavy_share * p.budget:
            return HEAVY
        expensive = self._shapes.get(shape)
        if expensive is None:
            return FRESH
        self._shapes.move_to_end(shape)
        return HEAVY if expensive else LIGHT

    def _fits(self, lane: str) -> bool:
        p, r = self.policy, self._running
        if sum(r.values()) >= p.cap(LIGHT):
            return False
        if lane != LIGHT and r[FRESH] + r[HEAVY] >= p.cap(FRESH):
            return False
        return lane != HEAVY or r[HEAVY] < p.cap(HEAVY)

    def _start(self, ticket: Ticket, now: float) -> None:
        ticket.started = now
        self._running[ticket.lane] += 1
        self._admitted[ticket.lane] += 1
        client = self._clients.get(ticket.client)
        if client is not None:
            client.running[ticket.id] = now

    def enter(self, key: str, shape: str) -> Ticket:
        """A ticket for one query of client ``key``: started at once if its lane has room, else waiting.

        Raises :class:`OverLimit` when the client has ``parallel`` queries in flight or no budget left.
        """
        with self._lock:
            now = self.clock()
            client = self._client(key, now)
            p = self.policy
            if client.inflight >= p.parallel:
                self._counts["refusedParallel"] += 1
                oldest = max((now - s for s in client.running.values()), default=0.0)
                raise OverLimit("parallel", max(1, math.ceil(p.timeout - oldest)), p.parallel)
            left = client.tokens - self._running_time(client, now)
            if left <= 0:
                self._counts["refusedBudget"] += 1
                raise OverLimit("budget", max(1, math.ceil(-left * p.window / p.budget)), p.budget)
            ticket = Ticket(next(self._ids), client.key, shape, self._lane(client, shape, now))
            client.inflight += 1
            heapq.heappush(self._waiting[ticket.lane], (client.recent, ticket.id, ticket))
            self._grant(now)  # this ticket, unless others of its lane or of a lane before it wait
            if ticket.started is None:
                self._counts["waited"] += 1
            return ticket

    def _grant(self, now: float) -> None:
        """Start waiting tickets while their lanes have room: light first, then fresh, then heavy."""
        for lane in LANES:
            queue = self._waiting[lane]
            while queue and self._fits(lane):
                ticket = heapq.heappop(queue)[2]
                if ticket.done:
                    continue
                self._start(ticket, now)
                if ticket.waker is not None:
                    loop, future = ticket.waker
                    with contextlib.suppress(RuntimeError):  # that loop closed: the ticket is given up there
                        loop.call_soon_threadsafe(_wake, future)

    def leave(self, ticket: Ticket, *, timed_out: bool = False) -> float:
        """The query of ``ticket`` is over (or gave up waiting): charge its client, free its slot.

        Returns the query-seconds charged. The shape is remembered as expensive when the query ran
        ``expensive`` seconds or more or ``timed_out``, as cheap otherwise (an expensive mark stays).
        """
        with self._lock:
            return self._leave(ticket, timed_out)

    def _leave(self, ticket: Ticket, timed_out: bool) -> float:
        if ticket.done:
            return 0.0
        ticket.done = True
        now = self.clock()
        client = self._clients.get(ticket.client)
        if client is not None:
            client.inflight -= 1
            client.running.pop(ticket.id, None)
            self._refresh(client, now)
            self._clients.move_to_end(ticket.client)
        if ticket.started is None:  # never ran: it only waited
            self._counts["gaveUp"] += 1
            queue = self._waiting[ticket.lane]
            queue[:] = [entry for entry in queue if entry[2] is not ticket]
            heapq.heapify(queue)
            return 0.0
        cost = max(0.0, now - ticket.started)
        self._running[ticket.lane] -= 1
        if client is not None:
            client.tokens -= cost
            client.recent += cost
        expensive = timed_out or cost >= self.policy.expensive
        self._shapes[ticket.shape] = expensive or self._shapes.get(ticket.shape, False)
        self._shapes.move_to_end(ticket.shape)
        while len(self._shapes) > self.policy.max_shapes:
            self._shapes.popitem(last=False)
        self._grant(now)
        return cost

    async def acquire(self, key: str, shape: str, wait: float) -> Ticket:
        """:meth:`enter`, then wait up to ``wait`` seconds for the ticket to start (:class:`NoSlot` if it does not)."""
        ticket = self.enter(key, shape)
        if ticket.started is not None:
            return ticket
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        with self._lock:
            started = ticket.started is not None
            if not started:
                ticket.waker = (loop, future)
        if started:
            return ticket
        try:
            await asyncio.wait_for(future, wait)
        except TimeoutError:
            if self.give_up(ticket):
                raise NoSlot(wait) from None
        except BaseException:
            self.leave(ticket)
            raise
        return ticket

    def give_up(self, ticket: Ticket) -> bool:
        """Withdraw a ticket that is still waiting (True); False if it has started meanwhile (it is the caller's)."""
        with self._lock:
            if ticket.started is not None:
                return False
            self._leave(ticket, False)
            return True

    # -- for /api/status ----------------------------------------------------------------------------

    def stats(self) -> dict[str, Any]:
        with self._lock:
            expensive = sum(self._shapes.values())
            return {
                "clients": len(self._clients),
                "running": dict(self._running),
                "waiting": {lane: sum(not t.done for _, _, t in q) for lane, q in self._waiting.items()},
                "shapes": {"cheap": len(self._shapes) - expensive, "expensive": expensive},
                "admitted": dict(self._admitted),
                **self._counts,
            }


# ----------------------------------------------------------------------------------------------------
# Who is asking, and what kind of query it is
# ----------------------------------------------------------------------------------------------------


def _address(value: str) -> str | None:
    try:
        return str(ipaddress.ip_address(value.strip()))
    except ValueError:
        return None


def client_key(peer: str | None, user_agent: str | None, forwarded_for: str | None, trusted: Iterable[str] = ()) -> str:
    """The client a request counts against: its address and its User-Agent.

    The address is the connection's peer. ``X-Forwarded-For`` is believed only when the peer is one of
    the ``trusted`` proxies, and then only its right-most address that is not itself a trusted proxy
    (the left part is whatever the client chose to write).
    """
    address = _address(peer or "") or (peer or "-")
    proxies = {a for a in (_address(t) for t in trusted) if a}
    if forwarded_for and address in proxies:
        for hop in reversed(forwarded_for.split(",")):
            hop_address = _address(hop)
            if hop_address is None:
                break
            address = hop_address
            if hop_address not in proxies:
                break
    agent = (user_agent or "").strip()[:_UA_LIMIT]
    return f"{address} {agent}"


_TOKENS = re.compile(
    r"""
    (?P<iri><[^<>"{}|^`\\\s]*>)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')
  | (?P<comment>\#[^\n]*)
  | (?P<var>[?$][A-Za-z0-9_\u00b7\u00c0-\uffff]+)
  | (?P<word>[A-Za-z_\u00c0-\uffff][\w.\-]*(?::[\w.\-:%]*)?|:[\w.\-:%]*)
  | (?P<number>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<space>\s+)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_BLANK = {"iri": "<>", "string": '""', "number": "0", "comment": "", "space": " "}


def query_shape(query: str) -> str:
    """A digest of ``query`` with its IRIs, strings and numbers blanked and its comments and spacing dropped.

    Queries that differ only in such values (an ad-hoc query asked again with another literal) share a
    shape, and so what was learnt about the cost of one: a shape's cost decides its lane.
    """
    parts: list[str] = []
    for match in _TOKENS.finditer(query):
        kind = match.lastgroup or "other"
        parts.append(_BLANK.get(kind, match.group()))
    normal = " ".join("".join(parts).split())
    return hashlib.blake2b(normal.encode("utf-8", "surrogatepass"), digest_size=12).hexdigest()
