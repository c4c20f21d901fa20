"""Worker processes that run queries, so that a query past its timeout can really be stopped.

pyoxigraph cannot cancel a running query. So queries run in worker processes that hold the store,
and a worker whose query outlives its timeout is killed (SIGKILL) and replaced; other requests go to
the other workers meanwhile.

Process layout, all forked after the data is loaded (copy-on-write: nothing is loaded twice)::

    server process ──(control socket)── zygote ──fork──> worker 1, worker 2, …
         └──────────────(one socket per worker, passed over the control socket)──────┘

The zygote is forked once, while the server is still single-threaded, and forks every worker itself:
forking a busy multi-threaded server again and again would be unsafe. A worker is sandboxed before it
serves a query: every file descriptor but its socket is closed and ``RLIMIT_NOFILE`` stops it from
opening any other, so no query can open a connection or read a file (the text check in :mod:`.guard`
is the first line; this is the second); ``RLIMIT_AS`` bounds its memory. Workers and zygote exit when
the server's end of their socket closes, and a worker dies with its zygote (``PR_SET_PDEATHSIG``).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import pickle
import resource
import signal
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox

from .engine import execute

log = logging.getLogger("k2020graph.server")

_HEADER = struct.Struct("<Q")
_WORKER_FD = 3  # a worker's socket, after the sandbox has closed everything else


class QueryTimeout(Exception):
    """The query ran past its timeout and its worker was killed (or no worker was free in time)."""

    def __init__(self, seconds: float, busy: bool = False) -> None:
        super().__init__(seconds)
        self.seconds = seconds
        self.busy = busy


class WorkerLost(Exception):
    """The worker died during the query (most likely its memory limit)."""


def _send(sock: socket.socket, obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_HEADER.pack(len(data)))
    sock.sendall(data)


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < size:
        chunk = sock.recv(min(size - len(buf), 1 << 20))
        if not chunk:
            return None
        buf += chunk
    return bytes(buf)


def _recv(sock: socket.socket) -> Any:
    header = _recv_exact(sock, _HEADER.size)
    if header is None:
        return None
    data = _recv_exact(sock, _HEADER.unpack(header)[0])
    return None if data is None else pickle.loads(data)


def _set_pdeathsig() -> None:
    """Ask Linux to SIGKILL this process when its parent dies (no-op elsewhere)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _child_signals() -> None:
    with contextlib.suppress(ValueError, OSError):
        signal.set_wakeup_fd(-1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server shuts down first; its children follow on EOF
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _close_other_fds(keep: int) -> None:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    top = soft if 0 < soft < 1 << 20 else 1 << 16
    os.closerange(3, keep)
    os.closerange(keep + 1, top)


def _worker_main(sock: socket.socket, store: ox.Store, memory_mb: int | None) -> None:
    _set_pdeathsig()
    fd = sock.detach()
    if fd != _WORKER_FD:
        os.dup2(fd, _WORKER_FD)
        os.close(fd)
    _close_other_fds(_WORKER_FD)
    conn = socket.socket(fileno=_WORKER_FD)
    if memory_mb:
        with open("/proc/self/statm", "rb") as fh:  # read before the sandbox forbids opening files
            vm_bytes = int(fh.read().split()[0]) * resource.getpagesize()
        limit = vm_bytes + memory_mb * 1024 * 1024
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_NOFILE, (_WORKER_FD + 1, _WORKER_FD + 1))
    while True:
        request = _recv(conn)
        if request is None:
            return
        _send(conn, execute(store, request))


def _zygote_main(ctl: socket.socket, store: ox.Store, memory_mb: int | None) -> None:
    _child_signals()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # workers are reaped by the kernel
    _close_other_fds(ctl.fileno())
    while True:
        if not ctl.recv(1):
            return
        ours, theirs = socket.socketpair()
        pid = os.fork()
        if pid == 0:
            try:
                ctl.close()
                ours.close()
                signal.signal(signal.SIGCHLD, signal.SIG_DFL)
                _worker_main(theirs, store, memory_mb)
            finally:
                os._exit(0)
        theirs.close()
        socket.send_fds(ctl, [_HEADER.pack(pid)], [ours.fileno()])
        ours.close()


def _fork(target: Callable[[], None]) -> int:
    pid = os.fork()
    if pid == 0:  # the child: run target, never return into the caller's stack
        code = 0
        try:
            gc.freeze()  # keep the shared pages shared
            target()
        except BaseException:  # noqa: BLE001 - a child must never unwind into the server's code
            code = 1
        finally:
            os._exit(code)
    return pid


def _fail(future: asyncio.Future[Any]) -> None:
    if not future.done():
        future.set_exception(WorkerLost("the server is shutting down"))


@dataclass
class _Worker:
    pid: int
    sock: socket.socket


class QueryPool:
    """Worker processes over one pyoxigraph store; :meth:`run` answers one request with a timeout.

    ``size`` workers are kept ready; up to ``max_size`` run at once. Usable from any event loop
    (TestClient starts a new one per request) and from several threads.
    """

    def __init__(self, store: ox.Store, size: int = 2, max_size: int = 4, memory_mb: int | None = None) -> None:
        self.store = store
        self.size = max(1, size)
        self.max_size = max(self.size, max_size)
        self.memory_mb = memory_mb
        self._lock = threading.Lock()  # guards _idle and _total
        self._spawn_lock = threading.Lock()  # guards the control socket
        self._idle: list[_Worker] = []
        self._waiters: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[_Worker]]] = deque()
        self._total = 0
        self._ctl: socket.socket | None = None
        self._zygote_pid: int | None = None
        self._closed = False

    # -- processes ---------------------------------------------------------------------------------

    def start(self) -> None:
        """Fork the zygote and the first workers (idempotent). Call it after loading, before serving."""
        with self._spawn_lock:
            if self._ctl is not None or self._closed:
                return
            self._start_zygote()
        while True:
            with self._lock:
                if self._total >= self.size:
                    break
                self._total += 1
            self._release(self._spawn_counted())

    def _spawn_counted(self) -> _Worker:
        """Start a worker whose place the caller has already counted in ``_total``; give the place back on failure."""
        try:
            return self._spawn()
        except OSError:
            with self._lock:
                self._total -= 1
            raise

    def _start_zygote(self) -> None:
        ours, theirs = socket.socketpair()
        store, memory_mb = self.store, self.memory_mb

        def zygote() -> None:
            ours.close()
            _zygote_main(theirs, store, memory_mb)

        pid = _fork(zygote)
        theirs.close()
        self._ctl, self._zygote_pid = ours, pid

    def _spawn(self) -> _Worker:
        with self._spawn_lock:
            if self._closed:
                raise OSError("the query pool is closed")
            for attempt in (1, 2):
                if self._ctl is None:
                    self._start_zygote()
                assert self._ctl is not None
                try:
                    self._ctl.sendall(b"w")
                    data, fds, _flags, _addr = socket.recv_fds(self._ctl, _HEADER.size, 1)
                    if len(data) != _HEADER.size or len(fds) != 1:
                        raise OSError("the zygote did not answer")
                except OSError:
                    self._stop_zygote()  # it died: start a new one and try once more
                    if attempt == 2:
                        raise
                    continue
                sock = socket.socket(fileno=fds[0])
                sock.setblocking(False)
                return _Worker(_HEADER.unpack(data)[0], sock)
        raise OSError("unreachable")

    def _stop_zygote(self) -> None:
        ctl, pid = self._ctl, self._zygote_pid
        self._ctl = self._zygote_pid = None
        if ctl is not None:
            ctl.close()
        if pid is not None:
            deadline = time.monotonic() + 2
            while time.monotonic() < deadline:
                with contextlib.suppress(ChildProcessError):
                    if os.waitpid(pid, os.WNOHANG)[0]:
                        return
                time.sleep(0.01)
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)

    def _kill(self, worker: _Worker) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(worker.pid, signal.SIGKILL)
        worker.sock.close()
        with self._lock:
            self._total -= 1

    def _replenish(self) -> None:
        def fill() -> None:
            with self._lock:
                needed = self._total < self.size or (self._waiters and self._total < self.max_size)
                if self._closed or not needed:
                    return
                self._total += 1
            try:
                worker = self._spawn_counted()
            except OSError:
                log.warning("could not start a query worker")
                return
            self._release(worker)

        threading.Thread(target=fill, name="k2020graph-respawn", daemon=True).start()

    def worker_pids(self) -> list[int]:
        """The process ids of the idle workers (for tests and status pages)."""
        with self._lock:
            return [w.pid for w in self._idle]

    @property
    def zygote_pid(self) -> int | None:
        return self._zygote_pid

    def close(self) -> None:
        """Stop every worker and the zygote."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            waiters, self._waiters = list(self._waiters), deque()
        for loop, future in waiters:
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(_fail, future)
        for worker in idle:
            self._kill(worker)
        with self._spawn_lock:
            self._stop_zygote()

    # -- queries ------------------------------------------------------------------------------------

    def _release(self, worker: _Worker) -> None:
        """Hand ``worker`` to the longest-waiting request (on its own event loop), or keep it idle."""
        with self._lock:
            if self._closed:
                worker.sock.close()
                return
            while self._waiters:
                loop, future = self._waiters.popleft()
                if future.done() or loop.is_closed():
                    continue
                try:
                    loop.call_soon_threadsafe(self._deliver, future, worker)
                except RuntimeError:  # the loop closed meanwhile
                    continue
                return
            self._idle.append(worker)

    def _deliver(self, future: asyncio.Future[_Worker], worker: _Worker) -> None:
        if future.done():  # the request gave up meanwhile: the next one gets it
            self._release(worker)
        else:
            future.set_result(worker)

    async def _acquire(self, deadline: float, timeout: float) -> _Worker:
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._closed:
                raise WorkerLost("the server is shutting down")
            if self._idle:
                return self._idle.pop()
            spawn = self._total < self.max_size
            if spawn:
                self._total += 1
            else:
                future: asyncio.Future[_Worker] = loop.create_future()
                self._waiters.append((loop, future))
        if spawn:
            try:
                return await asyncio.to_thread(self._spawn_counted)
            except OSError as exc:
                raise WorkerLost(str(exc)) from None
        try:
            return await asyncio.wait_for(future, max(0.001, deadline - time.monotonic()))
        except TimeoutError:
            raise QueryTimeout(timeout, busy=True) from None

    @staticmethod
    async def _call(worker: _Worker, request: dict[str, Any]) -> Any:
        loop = asyncio.get_running_loop()
        data = pickle.dumps(request, protocol=pickle.HIGHEST_PROTOCOL)
        await loop.sock_sendall(worker.sock, _HEADER.pack(len(data)) + data)

        async def exact(size: int) -> bytes:
            buf = bytearray()
            while len(buf) < size:
                chunk = await loop.sock_recv(worker.sock, min(size - len(buf), 1 << 20))
                if not chunk:
                    raise EOFError
                buf += chunk
            return bytes(buf)

        size = _HEADER.unpack(await exact(_HEADER.size))[0]
        return pickle.loads(await exact(size))

    async def run(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        """The worker's reply to ``request``; :class:`QueryTimeout` or :class:`WorkerLost` when it has none."""
        if self._ctl is None:
            await asyncio.to_thread(self.start)
        deadline = time.monotonic() + timeout
        worker = await self._acquire(deadline, timeout)
        try:
            reply = await asyncio.wait_for(self._call(worker, request), max(0.001, deadline - time.monotonic()))
        except TimeoutError:
            self._kill(worker)
            self._replenish()
            raise QueryTimeout(timeout) from None
        except (EOFError, OSError):
            self._kill(worker)
            self._replenish()
            raise WorkerLost("the worker process stopped during the query") from None
        except BaseException:  # cancelled (the client went away): the worker's state is unknown
            self._kill(worker)
            self._replenish()
            raise
        self._release(worker)
        return reply  # type: ignore[no-any-return]
