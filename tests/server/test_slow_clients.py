"""Slow and greedy clients (issue 8, item 10): header, body and idle timeouts, connection caps.

The probes are raw sockets, as the adversarial test used them: half a request line and then a byte
every 0.3 s; a connection that sends nothing; a body that stops halfway or trickles; one connection
more than a client may hold. Each waits for an event (the server closes the connection, or answers)
with a generous bound that only fails if the event never comes; the timeouts are set to 1 s.

They run against a real ``k2020graph serve`` (its default HTTP implementation, httptools) and, for the
protocol-level guard, against a real uvicorn server in this process with each of uvicorn's HTTP/1.1
implementations (httptools and h11): the guard relies on their internals (see
:mod:`k2020graph.server.connections`), so a uvicorn upgrade that changes them fails here.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from k2020graph.server.connections import BodyTimeout, Limits, guarded_protocol

BOUND = 30.0  # seconds to wait for an event that, with 1 s timeouts, comes within about 1 s
TRICKLE = 0.3  # seconds between two bytes of a trickling client
SCRIPT = Path(sys.executable).parent / "k2020graph"
SHORT = ("--header-timeout", "1", "--body-timeout", "1", "--keepalive-timeout", "1")


class Probe:
    """A raw client connection to 127.0.0.1:``port``, optionally from another loopback ``source``."""

    def __init__(self, port: int, source: str = "127.0.0.1") -> None:
        self.sock = socket.socket()
        self.sock.bind((source, 0))
        self.sock.connect(("127.0.0.1", port))
        self.received = b""

    def close(self) -> None:
        self.sock.close()

    def request(self, path: str = "/api/status") -> bytes:
        """Send a whole GET and read its whole response (the connection is kept alive)."""
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        self.sock.settimeout(BOUND)
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = self.sock.recv(65536)
            assert chunk, f"the connection closed before a response: {head!r}"
            head += chunk
        header, _, body = head.partition(b"\r\n\r\n")
        length = next(int(line.split(b":")[1]) for line in header.lower().split(b"\r\n") if line.startswith(b"content-length"))
        while len(body) < length:
            body += self.sock.recv(65536)
        return header

    def closed_by_server(self, trickle: bytes = b"", bound: float = BOUND) -> bool:
        """Read until the server closes the connection (True), sending a byte of ``trickle`` every
        0.3 s while it stays open; False if it is still open after ``bound`` seconds."""
        deadline = time.monotonic() + bound
        self.sock.settimeout(TRICKLE)
        sent = 0
        while time.monotonic() < deadline:
            try:
                chunk = self.sock.recv(65536)
            except TimeoutError:
                if sent < len(trickle):
                    try:
                        self.sock.send(trickle[sent : sent + 1])
                    except (BrokenPipeError, ConnectionResetError):
                        return True
                    sent += 1
                continue
            except ConnectionResetError:
                return True
            if not chunk:
                return True
            self.received += chunk
        return False


@pytest.fixture
def probes() -> Iterator[Callable[..., Probe]]:
    made: list[Probe] = []

    def make(port: int, source: str = "127.0.0.1") -> Probe:
        made.append(Probe(port, source))
        return made[-1]

    yield make
    for probe in made:
        probe.close()


#: Half a request line, then the rest of a request whose headers never end, a byte at a time.
HALF_LINE = b"GET /api/status HT"
ENDLESS_HEAD = b"TP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: " + b"a" * 1000


# -- the real `k2020graph serve` -------------------------------------------------------------------


@pytest.fixture(scope="module")
def slow_server(mini_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One server with the short timeouts for the tests below: each opens connections of its own, which
    its ``probes`` close at its end, and the server keeps nothing of a connection once it is closed."""
    from conftest import ServerProcess  # tests/server is on sys.path

    server = ServerProcess(mini_root, tmp_path_factory.mktemp("slow-server") / "server.log", *SHORT)
    try:
        yield server
    finally:
        server.stop()


def test_a_trickled_request_line_is_cut_off(slow_server: Any, probes: Callable[..., Probe]) -> None:
    probe = probes(slow_server.port)
    probe.sock.sendall(HALF_LINE)
    assert probe.closed_by_server(trickle=ENDLESS_HEAD), "a request line trickled for 30 s was never cut off"
    assert probe.received == b"" or probe.received.startswith(b"HTTP/1.1 408 "), probe.received


def test_a_trickle_after_a_first_answer_is_cut_off(slow_server: Any, probes: Callable[..., Probe]) -> None:
    probe = probes(slow_server.port)
    assert probe.request().startswith(b"HTTP/1.1 200 ")
    probe.sock.sendall(HALF_LINE)
    assert probe.closed_by_server(trickle=ENDLESS_HEAD), "a second request trickled for 30 s was never cut off"


def test_an_idle_connection_is_closed(slow_server: Any, probes: Callable[..., Probe]) -> None:
    probe = probes(slow_server.port)
    assert probe.closed_by_server(), "a connection that sent nothing stayed open for 30 s"
    assert probe.received == b""  # closed without an answer: no request was started


def test_a_request_head_without_end_is_cut_off_by_its_size(
    mini_root: Path, start_server: Callable[..., Any], probes: Callable[..., Probe]
) -> None:
    # Sent as fast as the socket takes it; the header timeout is long, so only the size can end it.
    # httptools itself would keep every header in memory (555 MB sent in 8 s grew the server to 440 MB).
    server = start_server(mini_root, "--header-timeout", "600")
    # A large head within the limit is answered (a long URL and ~250 KB of headers).
    large = probes(server.port)
    pad = "".join(f"X-Pad-{i}: {'a' * 1000}\r\n" for i in range(250))
    head = f"GET /api/status?pad={'%41' * 10_000} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n{pad}\r\n"
    large.sock.sendall(head.encode())
    assert large.closed_by_server()
    assert large.received.startswith(b"HTTP/1.1 200 "), large.received[:200]
    probe = probes(server.port)
    probe.sock.sendall(b"GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    line = b"X-Pad: " + b"a" * 1000 + b"\r\n"
    sent = 0
    try:
        while sent < 16 * 1024 * 1024:  # 32 times the default limit, 512 KiB
            probe.sock.sendall(line * 64)
            sent += len(line) * 64
    except (BrokenPipeError, ConnectionResetError):
        pass
    assert probe.closed_by_server(), "16 MB of headers were taken in"
    assert probe.received.startswith(b"HTTP/1.1 431 ") or probe.received == b"", probe.received


@pytest.mark.parametrize("trickle", [False, True], ids=["stalled", "trickled"])
def test_a_body_that_does_not_arrive_gets_408(slow_server: Any, probes: Callable[..., Probe], trickle: bool) -> None:
    query = b"ASK { ?s ?p ?o }" + b" " * 200
    probe = probes(slow_server.port)
    head = (
        "POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
        f"Content-Length: {len(query)}\r\n\r\n"
    )
    probe.sock.sendall(head.encode() + query[:20])
    assert probe.closed_by_server(trickle=query[20:] if trickle else b""), "the body's wait never ended"
    assert probe.received.startswith(b"HTTP/1.1 408 "), probe.received
    assert b"The request body did not arrive within 1 s" in probe.received


def admitted(probes: Callable[..., Probe], port: int, source: str) -> Probe:
    """A connection from ``source`` that was answered 200. A refusal is tried again (bounded): a
    connection just closed by a client (the start-up check's, or the test's) is counted until the
    server has seen it close."""
    deadline = time.monotonic() + BOUND
    while True:
        probe = probes(port, source)
        try:
            header = probe.request()
        except (AssertionError, ConnectionResetError):
            header = probe.received
        if header.startswith(b"HTTP/1.1 200 "):
            return probe
        probe.close()
        assert time.monotonic() < deadline, f"no connection from {source} was answered: {header!r}"
        time.sleep(0.1)


def test_connections_beyond_the_caps_are_refused_while_others_are_answered(
    mini_root: Path, start_server: Callable[..., Any], probes: Callable[..., Probe]
) -> None:
    # Long timeouts: the held connections stay open for the whole test.
    server = start_server(mini_root, "--keepalive-timeout", "60", "--max-connections-per-client", "2", "--max-connections", "3")
    held = [admitted(probes, server.port, "127.0.0.4") for _ in range(2)]  # both kept alive

    third = probes(server.port, "127.0.0.4")  # a third from the same address: one too many for it
    assert third.closed_by_server(), "the connection beyond the per-client cap stayed open"
    assert third.received.startswith(b"HTTP/1.1 503 "), third.received
    assert b"at most 2" in third.received

    admitted(probes, server.port, "127.0.0.2")  # another client is still answered
    assert held[0].request().startswith(b"HTTP/1.1 200 ")  # and the admitted ones too

    fourth = probes(server.port, "127.0.0.3")  # three are open: one too many for the server
    assert fourth.closed_by_server(), "the connection beyond the global cap stayed open"
    assert fourth.received.startswith(b"HTTP/1.1 503 "), fourth.received

    held[1].close()  # a closed connection frees its place
    admitted(probes, server.port, "127.0.0.4")


def test_a_trusted_proxy_is_not_capped_per_client(
    mini_root: Path, start_server: Callable[..., Any], probes: Callable[..., Probe]
) -> None:
    # Every client behind a reverse proxy comes from the proxy's address.
    server = start_server(
        mini_root, "--max-connections-per-client", "1", "--keepalive-timeout", "60", "--trusted-proxy", "127.0.0.5"
    )
    held = [probes(server.port, "127.0.0.5") for _ in range(3)]  # open at once, kept alive
    for probe in held:
        assert probe.request().startswith(b"HTTP/1.1 200 ")


@pytest.mark.parametrize(
    ("option", "value"),
    [
        ("--header-timeout", "nan"),
        ("--body-timeout", "-1"),
        ("--keepalive-timeout", "inf"),
        ("--header-timeout", "0"),
        ("--max-connections-per-client", "0"),
        ("--max-connections", "-5"),
    ],
)
def test_serve_refuses_unusable_limits(mini_root: Path, option: str, value: str) -> None:
    done = subprocess.run(
        [str(SCRIPT), "serve", "--root", str(mini_root), "--port", str(free_port()), option, value],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert option in lines[0] and value in lines[0]
    assert "Traceback" not in done.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- the guard over each of uvicorn's HTTP/1.1 implementations, in this process ---------------------


async def echo_length(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A small real application: reads the whole body, answers its length."""
    if scope["type"] != "http":
        return
    size = 0
    while True:
        message = await receive()
        size += len(message.get("body", b""))
        if not message.get("more_body"):
            break
    body = str(size).encode()
    headers = [(b"content-type", b"text/plain"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class InProcessServer:
    def __init__(self, base: type[asyncio.Protocol], limits: Limits) -> None:
        self.port = free_port()
        app = BodyTimeout(echo_length, seconds=1)
        config = uvicorn.Config(
            app,  # type: ignore[arg-type]
            host="127.0.0.1",
            port=self.port,
            http=guarded_protocol(limits, base),
            timeout_keep_alive=1,
            lifespan="off",
            log_level="warning",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + BOUND
        while not self.server.started:
            assert self.thread.is_alive() and time.monotonic() < deadline, "the server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(BOUND)


@pytest.fixture(params=[HttpToolsProtocol, H11Protocol], ids=["httptools", "h11"])
def inprocess(request: pytest.FixtureRequest) -> Iterator[Callable[..., InProcessServer]]:
    """Start a server over one of uvicorn's implementations: ``inprocess(**limits)``; stopped at the end."""
    started: list[InProcessServer] = []

    def start(**limits: Any) -> InProcessServer:
        values = {"header_timeout": 1, "keepalive_timeout": 1, "max_connections_per_client": 100, "max_connections": 100}
        started.append(InProcessServer(request.param, Limits(**{**values, **limits})))
        return started[-1]

    yield start
    for server in started:
        server.stop()


def test_each_implementation_cuts_off_a_trickled_head(
    inprocess: Callable[..., InProcessServer], probes: Callable[..., Probe]
) -> None:
    port = inprocess().port
    probe = probes(port)
    probe.sock.sendall(HALF_LINE)
    assert probe.closed_by_server(trickle=ENDLESS_HEAD)
    assert probe.received.startswith(b"HTTP/1.1 408 "), probe.received

    probe = probes(port)  # and on a kept-alive connection, after an answer
    assert probe.request().startswith(b"HTTP/1.1 200 ")
    probe.sock.sendall(HALF_LINE)
    assert probe.closed_by_server(trickle=ENDLESS_HEAD)


def test_each_implementation_closes_idle_connections(
    inprocess: Callable[..., InProcessServer], probes: Callable[..., Probe]
) -> None:
    probe = probes(inprocess().port)
    assert probe.closed_by_server()
    assert probe.received == b""


def test_each_implementation_lets_a_complete_head_take_its_time_for_the_body(
    inprocess: Callable[..., InProcessServer], probes: Callable[..., Probe]
) -> None:
    # The head is complete at once; the body comes in pieces over more than the header timeout, within
    # the body timeout: the header timer must have stopped with the head. (Waiting is the point here.)
    probe = probes(inprocess(header_timeout=0.5).port)
    probe.sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab")
    time.sleep(0.8)
    probe.sock.sendall(b"cd")
    probe.sock.settimeout(BOUND)
    answer = b""
    while not answer.endswith(b"\r\n\r\n4"):
        chunk = probe.sock.recv(65536)
        assert chunk, answer
        answer += chunk
    assert answer.startswith(b"HTTP/1.1 200 ")


def test_each_implementation_caps_connections_per_client(
    inprocess: Callable[..., InProcessServer], probes: Callable[..., Probe]
) -> None:
    port = inprocess(header_timeout=60, keepalive_timeout=60, max_connections_per_client=2).port
    held = [probes(port), probes(port)]
    for probe in held:
        assert probe.request().startswith(b"HTTP/1.1 200 ")
    third = probes(port)
    assert third.closed_by_server()
    assert third.received.startswith(b"HTTP/1.1 503 "), third.received
    assert probes(port, "127.0.0.2").request().startswith(b"HTTP/1.1 200 ")
