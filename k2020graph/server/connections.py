"""Slow and greedy clients: time limits and connection caps below and around the application.

uvicorn closes a connection only when it stays idle after a response (``timeout_keep_alive``); a
client that opens a connection and sends nothing, or trickles its request line and headers a byte at
a time, or stops halfway through its body, holds the connection (and a file descriptor) for ever.
Here:

* :func:`guarded_protocol` makes the HTTP protocol class that ``run`` hands to uvicorn: uvicorn's
  own (httptools, else h11) with a small mixin that

  - refuses a connection beyond ``max_connections_per_client`` open ones from the same address (but
    a trusted reverse proxy's, which carry many clients), or beyond ``max_connections`` in all (a
    short ``503`` and close, before reading anything);
  - closes a new connection on which no request starts within ``keepalive_timeout``;
  - closes a connection whose request line and headers are not complete within ``header_timeout``
    of their first byte (with a ``408``), or grow past ``max_head_bytes`` (with a ``431``: httptools
    itself sets no bound, and keeps every header in memory).

* :class:`BodyTimeout`, an ASGI middleware: the whole request body must arrive within
  ``body_timeout`` of the request's start, else the answer is ``408`` and the connection is closed.

The mixin relies on three things every uvicorn HTTP/1.1 protocol has had for years: ``connection_made``,
``data_received`` and ``connection_lost`` (the asyncio protocol interface), and the attribute ``cycle``,
set to a new request/response cycle object (with ``response_complete``) once a request's headers are
complete. ``tests/server/test_slow_clients.py`` checks both implementations, so an upgrade of uvicorn
that changes them fails there; pyproject.toml pins the range that was checked.

The counts live in one :class:`ConnectionCounter` per server (made by ``run``), never in a module.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from .context import Problem
from .texts import both

log = logging.getLogger("k2020graph.server")

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

_WARN_EVERY = 10.0  # seconds between two log lines about refused connections


@dataclass(frozen=True)
class Limits:
    """The connection-level limits of one server (from :class:`~.context.Settings`)."""

    header_timeout: float
    keepalive_timeout: float
    max_connections_per_client: int
    max_connections: int
    max_head_bytes: int = 512 * 1024
    uncapped: frozenset[str] = frozenset()  # addresses without a per-client cap: trusted reverse proxies


class ConnectionCounter:
    """Open connections per client address and in all, for one server (used from its event loop only)."""

    def __init__(self, per_client: int, total: int, uncapped: frozenset[str] = frozenset()) -> None:
        self.per_client = per_client
        self.uncapped = uncapped
        self.total = total
        self.open: dict[str, int] = {}  # address -> open connections; an address with none is removed
        self.count = 0
        self.refused = 0
        self._refused_logged = 0
        self._last_warning = 0.0

    def admit(self, address: str) -> str | None:
        """Count a new connection from ``address``; or, if it is one too many, why it is refused."""
        if self.count >= self.total:
            reason = both("err_connections_total", limit=self.total)
        elif self.open.get(address, 0) >= self.per_client and address not in self.uncapped:
            reason = both("err_connections_client", limit=self.per_client)
        else:
            self.open[address] = self.open.get(address, 0) + 1
            self.count += 1
            return None
        self.refused += 1
        now = time.monotonic()
        if now - self._last_warning >= _WARN_EVERY:  # not a line per refusal: a flood would fill the log
            log.warning(
                "refused %d connection(s) (last from %s): at most %d per client and %d in all",
                self.refused - self._refused_logged,
                address,
                self.per_client,
                self.total,
            )
            self._last_warning = now
            self._refused_logged = self.refused
        return reason

    def release(self, address: str) -> None:
        left = self.open.get(address, 0) - 1
        if left > 0:
            self.open[address] = left
        else:
            self.open.pop(address, None)
        self.count -= 1


def _plain_response(status: str, message: str, extra: str = "") -> bytes:
    body = (message + "\n").encode("utf-8")
    head = (
        f"HTTP/1.1 {status}\r\ncontent-type: text/plain; charset=utf-8\r\ncontent-length: {len(body)}\r\n"
        f"{extra}connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body


class _SlowClientGuard(asyncio.Protocol):
    """The mixin put in front of uvicorn's protocol class by :func:`guarded_protocol`."""

    limits: Limits  # set on the class made by guarded_protocol
    counter: ConnectionCounter
    # uvicorn's, set by its protocol class:
    transport: asyncio.Transport
    cycle: Any  # None before the first request, then the current request's cycle

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not hasattr(self, "cycle"):  # pragma: no cover - an unchecked uvicorn version
            raise RuntimeError(f"{type(self).__mro__[2].__name__} has no 'cycle': this uvicorn version is not supported")
        self._address: str | None = None  # set when counted (admitted)
        self._timer: asyncio.TimerHandle | None = None
        self._timed_cycle: Any = None  # the cycle current when the timer was armed
        self._waiting_bytes = 0  # bytes of an incomplete request head received

    # -- the asyncio protocol interface ---------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        peer = transport.get_extra_info("peername")
        address = str(peer[0]) if isinstance(peer, tuple | list) and peer else "unix"
        refused = self.counter.admit(address)
        if refused is not None:
            self.transport.write(_plain_response("503 Service Unavailable", refused, "retry-after: 1\r\n"))
            self.transport.close()
            return
        self._address = address
        self._arm(self.limits.keepalive_timeout, self._idle_expired)

    def data_received(self, data: bytes) -> None:
        if self._address is None:  # refused: closing, nothing is read
            return
        between = self.cycle is None or self.cycle.response_complete
        if between and (self._timer is None or self._waiting_bytes == 0):
            # The first bytes of a request: its head must be complete within header_timeout.
            self._arm(self.limits.header_timeout, self._head_expired)
        cycle = self.cycle
        super().data_received(data)
        if self.cycle is not cycle:  # a request's headers are complete
            self._disarm()
        elif self._timer is not None:
            self._waiting_bytes += len(data)
            if self._waiting_bytes > self.limits.max_head_bytes and not self.transport.is_closing():
                self._disarm()
                message = both("err_head_too_large", limit=self.limits.max_head_bytes)
                self.transport.write(_plain_response("431 Request Header Fields Too Large", message))
                self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        if self._address is not None:
            self.counter.release(self._address)
            self._address = None
        super().connection_lost(exc)

    # -- timers ---------------------------------------------------------------------------------

    def _arm(self, seconds: float, expired: Callable[[], None]) -> None:
        self._disarm()
        self._timed_cycle = self.cycle
        self._timer = asyncio.get_running_loop().call_later(seconds, expired)

    def _disarm(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._waiting_bytes = 0

    def _still_waiting(self) -> bool:
        self._timer = None
        return self.cycle is self._timed_cycle and not self.transport.is_closing()

    def _idle_expired(self) -> None:
        if self._still_waiting():
            self.transport.close()

    def _head_expired(self) -> None:
        if self._still_waiting():
            message = both("err_header_timeout", seconds=self.limits.header_timeout)
            self.transport.write(_plain_response("408 Request Timeout", message))
            self.transport.close()


def default_protocol() -> type[asyncio.Protocol]:
    """The class uvicorn's ``http="auto"`` would choose: httptools if installed, else h11."""
    try:
        from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
    except ImportError:  # pragma: no cover - httptools is a dependency of the server extra
        from uvicorn.protocols.http.h11_impl import H11Protocol

        return H11Protocol
    return HttpToolsProtocol


def guarded_protocol(limits: Limits, base: type[asyncio.Protocol] | None = None) -> type[asyncio.Protocol]:
    """uvicorn's HTTP protocol class ``base`` (default: :func:`default_protocol`) with the limits applied.

    Pass the result to uvicorn as ``http=``; every connection of that server shares one counter.
    """
    base = base or default_protocol()
    counter = ConnectionCounter(limits.max_connections_per_client, limits.max_connections, limits.uncapped)
    namespace = {"limits": limits, "counter": counter, "__module__": __name__}
    return type(f"Guarded{base.__name__}", (_SlowClientGuard, base), namespace)


class BodyTimeout:
    """ASGI middleware: a request's body must have arrived ``seconds`` after the request started.

    The application reads the body through ``receive``; past the deadline, the read raises a
    :class:`~.context.Problem` (``408``, ``Connection: close``), answered like every other error. Once
    the body is complete, ``receive`` is passed through untouched (it then waits for a disconnect).
    """

    def __init__(self, app: Any, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.seconds
        complete = False

        async def receiving() -> Message:
            nonlocal complete
            if complete:
                return await receive()
            try:
                async with asyncio.timeout_at(deadline):
                    message = await receive()
            except TimeoutError:
                raise Problem.of(408, "err_body_timeout", {"Connection": "close"}, seconds=self.seconds) from None
            if message["type"] != "http.request" or not message.get("more_body", False):
                complete = True
            return message

        await self.app(scope, receiving, send)
