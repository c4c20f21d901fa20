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
is the first line; this is the second); ``RLIMIT_AS`` bounds its memory. It runs queries on a thread
with a large stack (:data:`_QUERY_STACK`), so that the engine's recursive parser does not overflow on
long queries, and says "ready" over its socket once all this is in place: only then is it counted.
Workers and zygote exit when the server's end of their socket closes, and a worker dies with its
zygote (``PR_SET_PDEATHSIG``).

Descriptors: the zygote keeps its sockets above every descriptor it inherited, because fork handlers
of libraries in the server (libuv's, under uvloop) close and reopen descriptors by number in every
child; and it points 0 and 1 (and 2, unless it is still the server's own stderr) at ``/dev/null``, as
they may hold the server's own sockets when it was started with them closed.

Deaths: a worker is checked before it is handed out (its socket must not be at end-of-file), and the
zygote, the parent of every worker, reaps each one when the server asks and tells its exit status.
A worker's death is reported with its cause (:class:`Death`); a query whose worker was killed from
outside (or went down with its zygote) is run again on another worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
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
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from .engine import execute

log = logging.getLogger("k2020graph.server")

_HEADER = struct.Struct("<Q")
_STATUS = struct.Struct("<q")
_WORKER_FD = 3  # a worker's socket, after the sandbox has closed everything else
#: The stack of a worker's query thread. Measured: 100,000 characters of nested ``{`` need ~170 MB;
#: 8 MB (the usual main-thread stack) overflow at ~2,500 levels, or at ~3,000 chained BINDs.
#: Only the pages used are ever backed by memory.
_QUERY_STACK = 256 * 1024 * 1024
_START_WAIT = 30.0  # seconds a new worker may take to say it is ready (only exceeded if it never will)
_REAP_WAIT = 2.0  # seconds the zygote waits for a worker that closed its socket to exit, then kills it
_ATTEMPTS = 3  # runs of a query whose workers are killed from outside, at most

# A worker's exit codes (besides 0: its socket closed, the normal end).
_EXIT_ERROR = 1  # an unexpected Python exception
_EXIT_MEMORY = 3  # MemoryError (its RLIMIT_AS)
# What the zygote answers instead of an exit status.
_NOT_OURS = -1  # not a child of this zygote (any more)
_STUCK = -2  # it did not exit in _REAP_WAIT s and was killed


class QueryTimeout(Exception):
    """The query ran past its timeout and its worker was killed (or no worker was free in time)."""

    def __init__(self, seconds: float, busy: bool = False) -> None:
        super().__init__(seconds)
        self.seconds = seconds
        self.busy = busy


@dataclass(frozen=True)
class Death:
    """Why a worker ended. ``kind`` is one of:

    ``timeout``, ``cancelled``, ``shutdown`` (killed by the server), ``stack`` (SIGSEGV: the engine's
    stack overflowed on a deeply nested query), ``memory`` (its memory limit), ``killed`` (a signal
    from outside the server: ``kill``, the kernel's out-of-memory killer), ``zygote`` (it went down
    with its zygote), ``crashed`` (anything else). ``retry``: the query it ran did not cause it.
    """

    kind: str
    detail: str
    retry: bool = False


class WorkerLost(Exception):
    """The query has no answer because its worker died (``death`` says why), or no worker could start."""

    def __init__(self, message: str, death: Death | None = None) -> None:
        super().__init__(message)
        self.death = death


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def describe(status: int | None, killed_by_us: str | None = None) -> Death:
    """The :class:`Death` of a worker from the exit status its zygote reaped (``os.waitpid``'s).

    ``status`` None: its zygote is gone (so the worker was killed with it). ``killed_by_us``: the
    reason the server sent it SIGKILL, if it did.
    """
    if killed_by_us and status in (None, _NOT_OURS):
        return Death(killed_by_us, f"killed by the server with SIGKILL ({killed_by_us})")
    if status is None:
        return Death("zygote", "its zygote process stopped, and it was killed with it", retry=True)
    if status == _NOT_OURS:
        return Death("zygote", "its exit status is unknown (its zygote did not start it)", retry=True)
    if status == _STUCK:
        return Death("crashed", f"it closed its socket but did not exit within {_REAP_WAIT:g} s, so it was killed")
    code = os.waitstatus_to_exitcode(status)
    if code >= 0:
        if code == _EXIT_MEMORY:
            return Death("memory", "it ran out of memory (MemoryError at its memory limit)")
        if code == _EXIT_ERROR:
            return Death("crashed", "it failed with an unexpected error (exit code 1)")
        return Death("crashed", f"it exited with code {code}")
    number = -code
    name = _signal_name(number)
    if number == signal.SIGKILL and killed_by_us:
        return Death(killed_by_us, f"killed by the server with SIGKILL ({killed_by_us})")
    if number in (signal.SIGSEGV, signal.SIGBUS):
        return Death("stack", f"it crashed with {name}: the query engine's stack overflowed (a query nested too deeply)")
    if number == signal.SIGABRT:
        return Death("memory", "it aborted (SIGABRT): an allocation failed at its memory limit")
    if number in (signal.SIGKILL, signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGQUIT):
        extra = " (kill, or the kernel's out-of-memory killer)" if number == signal.SIGKILL else ""
        return Death("killed", f"killed by {name} from outside the server{extra}", retry=True)
    return Death("crashed", f"it was killed by {name}")


def _send(sock: socket.socket, obj: object) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    sock.sendall(_HEADER.pack(len(data)) + data)


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
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)  # the zygote reaps its workers itself


def _fd_limit() -> int:
    soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
    return soft if 0 < soft < 1 << 24 else 1 << 20


def _raise_fd_limit() -> None:
    """Raise the soft ``RLIMIT_NOFILE`` to the hard one (the zygote lifts its sockets above the server's)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _close_other_fds(keep: int) -> None:
    os.closerange(3, keep)
    os.closerange(keep + 1, _fd_limit())


def _highest_fd() -> int:
    """The highest open file descriptor of this process."""
    for listing in ("/proc/self/fd", "/dev/fd"):
        with contextlib.suppress(OSError):
            return max(int(name) for name in os.listdir(listing) if name.isdigit())
    top = 2
    for fd in range(_fd_limit()):
        with contextlib.suppress(OSError):
            os.fstat(fd)
            top = fd
    return top


def _lift(sock: socket.socket, floor: int) -> socket.socket:
    """``sock`` moved to the lowest free descriptor at or above ``floor``."""
    fd = fcntl.fcntl(sock.fileno(), fcntl.F_DUPFD_CLOEXEC, floor)
    sock.close()
    return socket.socket(fileno=fd)


def _identity(fd: int) -> tuple[int, int] | None:
    try:
        st = os.fstat(fd)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def _standard_fds(stderr: tuple[int, int] | None) -> None:
    """Point 0 and 1 at /dev/null, and 2 too unless it is still ``stderr`` (the server's, by identity)."""
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        if fd == 2 and stderr is not None and _identity(2) == stderr:
            continue
        if fd != null:
            os.dup2(null, fd)
    if null > 2:
        os.close(null)


def open_missing_standard_fds() -> None:
    """Open /dev/null on whichever of descriptors 0, 1 and 2 is closed.

    A server started with one of them closed (``0<&-``, some service managers) would otherwise give
    that number to the next socket it opens, and write its log into it. Call it first thing.
    """
    for fd in (0, 1, 2):
        if _identity(fd) is None:
            opened = os.open(os.devnull, os.O_RDWR)
            if opened != fd:  # a lower one was closed too: the loop reaches it first, so this cannot happen
                os.dup2(opened, fd)
                os.close(opened)


def _worker_main(sock: socket.socket, store: ox.Store | Path, memory_mb: int | None) -> None:
    _set_pdeathsig()
    fd = sock.detach()
    if fd != _WORKER_FD:
        os.dup2(fd, _WORKER_FD)
        os.close(fd)
    _close_other_fds(_WORKER_FD)
    if isinstance(store, Path):  # an on-disk store: opened here, read-only, before the sandbox forbids files
        store = ox.Store.read_only(str(store))
    conn = socket.socket(fileno=_WORKER_FD)
    conn.setblocking(True)
    go = threading.Event()

    def serve() -> None:
        go.wait()
        try:
            _send(conn, ("ready", os.getpid()))
            while True:
                request = _recv(conn)
                if request is None:
                    break
                _send(conn, execute(store, request))
        except MemoryError:
            os._exit(_EXIT_MEMORY)
        except OSError:  # the server's end went away
            pass
        except BaseException:  # noqa: BLE001 - reported by the exit code, read by the zygote
            os._exit(_EXIT_ERROR)
        os._exit(0)

    threading.stack_size(_QUERY_STACK)
    threading.Thread(target=serve, name="k2020graph-query", daemon=True).start()  # maps its stack now
    if memory_mb:
        with open("/proc/self/statm", "rb") as fh:  # read before the sandbox forbids opening files
            vm_bytes = int(fh.read().split()[0]) * resource.getpagesize()
        limit = vm_bytes + memory_mb * 1024 * 1024
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    resource.setrlimit(resource.RLIMIT_NOFILE, (_WORKER_FD + 1, _WORKER_FD + 1))
    go.set()
    while True:  # the query thread ends the process
        time.sleep(3600)


def _reap(pid: int) -> int:
    """The exit status of worker ``pid`` (waited for up to _REAP_WAIT s, then killed), or _NOT_OURS/_STUCK."""
    deadline = time.monotonic() + _REAP_WAIT
    while True:
        try:
            done, status = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:
            return _NOT_OURS
        if done:
            return status
        if time.monotonic() > deadline:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)
            return _STUCK
        time.sleep(0.005)


def _zygote_main(ctl: socket.socket, store: ox.Store | Path, memory_mb: int | None, stderr: tuple[int, int] | None) -> None:
    """Fork a worker on ``w``; on ``x`` + pid, reap that worker and answer its exit status."""
    _child_signals()
    _raise_fd_limit()
    floor = _highest_fd() + 1  # above every descriptor a fork handler may close in a worker
    ctl = _lift(ctl, floor)
    _close_other_fds(ctl.fileno())
    _standard_fds(stderr)
    while True:
        op = ctl.recv(1)
        if not op:
            return
        if op == b"x":
            data = _recv_exact(ctl, _HEADER.size)
            if data is None:
                return
            ctl.sendall(_STATUS.pack(_reap(_HEADER.unpack(data)[0])))
            continue
        pair = socket.socketpair()
        ours, theirs = _lift(pair[0], floor), _lift(pair[1], floor)
        pid = os.fork()
        if pid == 0:
            try:
                ctl.close()
                ours.close()
                _worker_main(theirs, store, memory_mb)
            finally:
                os._exit(_EXIT_ERROR)
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


def _alive(worker: _Worker) -> bool:
    """False if the worker's end of its socket is closed (it died) or it sent something unasked."""
    try:
        worker.sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return True  # nothing to read: it is waiting for a request
    except OSError:
        return False
    return False  # end of file (it died), or bytes it was never asked for


@dataclass
class _Worker:
    pid: int
    sock: socket.socket
    zygote: int | None  # the pid of the zygote that forked it


class QueryPool:
    """Worker processes over one pyoxigraph store; :meth:`run` answers one request with a timeout.

    ``store`` is an in-memory store (shared with the workers by fork) or the directory of an on-disk
    one, which each worker opens read-only itself (a RocksDB handle does not survive a fork).

    ``size`` workers are kept ready; up to ``max_size`` run at once. Usable from any event loop
    (TestClient starts a new one per request) and from several threads.
    """

    def __init__(self, store: ox.Store | Path, size: int = 2, max_size: int = 4, memory_mb: int | None = None) -> None:
        self.store = store
        self.size = max(1, size)
        self.max_size = max(self.size, max_size)
        self.memory_mb = memory_mb
        self._stderr = _identity(2)  # the workers keep writing crash messages here while it is still this file
        self._lock = threading.Lock()  # guards _idle, _total and _ended
        self._spawn_lock = threading.Lock()  # guards the control socket
        self._idle: list[_Worker] = []
        self._waiters: deque[tuple[asyncio.AbstractEventLoop, asyncio.Future[_Worker]]] = deque()
        self._total = 0
        self._ended: Counter[str] = Counter()
        self._zygote_restarts = 0
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
        store, memory_mb, stderr = self.store, self.memory_mb, self._stderr

        def zygote() -> None:
            ours.close()
            _zygote_main(theirs, store, memory_mb, stderr)

        pid = _fork(zygote)
        theirs.close()
        self._ctl, self._zygote_pid = ours, pid

    def _spawn(self) -> _Worker:
        """A new worker that has said it is ready (with the spawn lock: one at a time)."""
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
                    self._stop_zygote(expected=False)  # it died: start a new one and try once more
                    if attempt == 2:
                        raise
                    continue
                break
            worker = _Worker(_HEADER.unpack(data)[0], socket.socket(fileno=fds[0]), self._zygote_pid)
            try:
                worker.sock.settimeout(_START_WAIT)
                hello = _recv(worker.sock)
            except (OSError, EOFError, pickle.UnpicklingError):
                hello = None
            if hello != ("ready", worker.pid):
                worker.sock.close()
                death = self._record(worker, self._ask_status(worker), None)
                raise OSError(f"a query worker did not start: {death.detail}")
            worker.sock.setblocking(False)
            return worker

    def _ask_status(self, worker: _Worker) -> int | None:
        """The exit status of ``worker``, reaped by its zygote (None if that zygote is gone). Hold the spawn lock."""
        if self._ctl is None or worker.zygote != self._zygote_pid:
            return None
        try:
            self._ctl.sendall(b"x" + _HEADER.pack(worker.pid))
            data = _recv_exact(self._ctl, _STATUS.size)
        except OSError:
            data = None
        if data is None:
            self._stop_zygote(expected=False)
            return None
        return int(_STATUS.unpack(data)[0])

    def _stop_zygote(self, expected: bool = True) -> None:
        ctl, pid = self._ctl, self._zygote_pid
        self._ctl = self._zygote_pid = None
        if ctl is not None:
            ctl.close()
        if pid is None:
            return
        status: int | None = None
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline and status is None:
            with contextlib.suppress(ChildProcessError):
                done, code = os.waitpid(pid, os.WNOHANG)
                if done:
                    status = code
                    break
            time.sleep(0.01)
        if status is None:
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(pid, signal.SIGKILL)
                status = os.waitpid(pid, 0)[1]
        if not expected:
            with self._lock:
                self._zygote_restarts += 1
            how = describe(status).detail if status is not None else "its exit status is unknown"
            log.warning("the query workers' zygote process %d ended (%s); starting a new one", pid, how)

    def _discard(self, worker: _Worker, kill: str | None = None) -> None:
        """Take ``worker`` out of the pool (SIGKILL first if ``kill`` says why); :meth:`_inquest` follows."""
        if kill:
            with contextlib.suppress(ProcessLookupError):
                os.kill(worker.pid, signal.SIGKILL)  # not reaped yet, so the pid is still the worker's
        worker.sock.close()
        with self._lock:
            self._total -= 1

    def _inquest(self, worker: _Worker, kill: str | None = None) -> Death:
        """Reap a discarded worker through its zygote and record why it ended (blocking)."""
        with self._spawn_lock:
            status = self._ask_status(worker)
        return self._record(worker, status, kill)

    def _record(self, worker: _Worker, status: int | None, kill: str | None) -> Death:
        death = describe(status, kill)
        with self._lock:
            self._ended[death.kind] += 1
        level = logging.INFO if death.kind in ("timeout", "cancelled", "shutdown") else logging.WARNING
        log.log(level, "query worker %d ended: %s", worker.pid, death.detail)
        return death

    def _replenish(self, dead: list[tuple[_Worker, str | None]] | None = None) -> None:
        """In a thread: the inquests of ``dead`` workers, then as many new workers as needed."""

        def fill() -> None:
            for worker, kill in dead or ():
                self._inquest(worker, kill)
            while True:
                with self._lock:
                    needed = self._total < self.size or (self._waiters and self._total < self.max_size)
                    if self._closed or not needed:
                        return
                    self._total += 1
                try:
                    worker = self._spawn_counted()
                except OSError as exc:
                    log.warning("could not start a query worker: %s", exc)
                    return
                self._release(worker)

        threading.Thread(target=fill, name="k2020graph-respawn", daemon=True).start()

    def _take_idle(self) -> tuple[_Worker | None, list[_Worker]]:
        """A live idle worker (or None) and the dead ones found on the way. Hold ``_lock``."""
        dead: list[_Worker] = []
        while self._idle:
            worker = self._idle.pop()
            if _alive(worker):
                return worker, dead
            dead.append(worker)
        return None, dead

    def _prune(self) -> None:
        """Take every dead idle worker out of the pool, then replace it."""
        with self._lock:
            dead = [w for w in self._idle if not _alive(w)]
            self._idle = [w for w in self._idle if w not in dead]
        for worker in dead:
            self._discard(worker)
        if dead:
            self._replenish([(w, None) for w in dead])

    def worker_pids(self) -> list[int]:
        """The process ids of the idle workers that are alive (for tests and status pages)."""
        self._prune()
        with self._lock:
            return [w.pid for w in self._idle]

    def health(self) -> dict[str, Any]:
        """For the status page: live idle workers, workers running a query (or starting), deaths by kind."""
        ready = len(self.worker_pids())
        with self._lock:
            return {
                "ready": ready,
                "running": self._total - len(self._idle),
                "ended": dict(sorted(self._ended.items())),
                "zygoteRestarts": self._zygote_restarts,
            }

    @property
    def zygote_pid(self) -> int | None:
        return self._zygote_pid

    def close_when_idle(self, limit: float) -> None:
        """Close the pool once no query runs or waits in it (at most ``limit`` seconds from now): how an
        old pool ends after the data changed, while a new pool answers the new queries."""
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            with self._lock:
                if self._total <= len(self._idle) and not self._waiters:
                    break
            time.sleep(0.05)
        self.close()

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
            self._discard(worker, "shutdown")
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
            worker, dead = self._take_idle()
            spawn = worker is None and self._total - len(dead) < self.max_size
            if spawn:
                self._total += 1
            elif worker is None:
                future: asyncio.Future[_Worker] = loop.create_future()
                self._waiters.append((loop, future))
        if dead:  # never handed out: reaped, reported and replaced in the background
            for w in dead:
                self._discard(w)
            self._replenish([(w, None) for w in dead])
        if worker is not None:
            return worker
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
        """The worker's reply to ``request``; :class:`QueryTimeout` or :class:`WorkerLost` when it has none.

        A worker that dies of a cause outside the query (killed from outside, its zygote gone) is
        replaced and the query run again, up to :data:`_ATTEMPTS` times in all.
        """
        if self._ctl is None:
            await asyncio.to_thread(self.start)
        deadline = time.monotonic() + timeout
        attempt = 0
        while True:
            attempt += 1
            worker = await self._acquire(deadline, timeout)
            try:
                reply = await asyncio.wait_for(self._call(worker, request), max(0.001, deadline - time.monotonic()))
            except TimeoutError:
                self._discard(worker, "timeout")
                self._replenish([(worker, "timeout")])
                raise QueryTimeout(timeout) from None
            except (EOFError, OSError):
                self._discard(worker)
                death = await asyncio.to_thread(self._inquest, worker)
                self._replenish()
                if death.retry and attempt < _ATTEMPTS and time.monotonic() < deadline:
                    continue
                raise WorkerLost(f"the worker process stopped during the query: {death.detail}", death) from None
            except BaseException:  # cancelled (the client went away): the worker's state is unknown
                self._discard(worker, "cancelled")
                self._replenish([(worker, "cancelled")])
                raise
            self._release(worker)
            return reply  # type: ignore[no-any-return]
