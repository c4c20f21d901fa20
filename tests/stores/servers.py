"""Real SPARQL servers for the integration tests: Oxigraph server (PyPI ``oxigraph``) and Virtuoso (Debian
``virtuoso-opensource``), each on 127.0.0.1 with free ports and its database in a temporary directory."""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

#: Seconds a server may take to answer its first query; only exceeded if it never starts.
START_WAIT = 300.0
VIRTUOSO_USER, VIRTUOSO_PASSWORD = "dba", "dba"  # the administrator a fresh Virtuoso database has

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {dir}/virtuoso.db
ErrorLogFile = {dir}/virtuoso.log
LockFile = {dir}/virtuoso.lck
TransactionFile = {dir}/virtuoso.trx
xa_persistent_file = {dir}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {dir}/virtuoso-temp.db
TransactionFile = {dir}/virtuoso-temp.trx
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
MaxClientConnections = 10
CheckpointInterval = 0
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
DirsAllowed = {dir}

[HTTPServer]
ServerPort = 127.0.0.1:{http_port}
ServerRoot = /var/lib/virtuoso-opensource-7/vsp
; (read only: without the package's document root the Graph Store Protocol paths answer 501)
MaxClientConnections = 10
ServerThreads = 10
Charset = UTF-8
EnabledDavVSP = 0

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 120
MaxQueryCostEstimationTime = 400
"""


def ordered(text: str) -> bool:
    """Whether the query's outermost SELECT has an ORDER BY (subqueries' do not order the answer)."""
    from rdflib.plugins.sparql import prepareQuery

    node = prepareQuery(text).algebra.p
    while node is not None and getattr(node, "name", None) in ("Slice", "Distinct", "Reduced", "Project", "ToMultiSet"):
        node = node.get("p")
    return getattr(node, "name", None) == "OrderBy"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path | None = None, ready: str | None = None) -> None:
    """Until the server answers a query at ``url`` (and its ``log`` says ``ready``, if given)."""
    deadline = time.monotonic() + START_WAIT
    while time.monotonic() < deadline:
        if ready is not None and log is not None and ready not in log.read_text(errors="replace"):
            time.sleep(0.2)
            continue
        if proc.poll() is not None:
            tail = log.read_text(errors="replace")[-2000:] if log is not None and log.exists() else ""
            raise RuntimeError(f"{proc.args[0]} exited with {proc.returncode} before it answered\n{tail}")
        try:
            urllib.request.urlopen(url + "?query=ASK%7B%7D", timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{proc.args[0]} did not answer {url} within {START_WAIT:g} s")


def _stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


def oxigraph_executable() -> str | None:
    return shutil.which("oxigraph", path=str(Path(sys.executable).parent)) or shutil.which("oxigraph")


def virtuoso_executable() -> str | None:
    return shutil.which("virtuoso-t")


@contextlib.contextmanager
def oxigraph_server(directory: Path, timeout_s: int = 60) -> Iterator[str]:
    """An Oxigraph server with its database in ``directory``; yields its query endpoint URL.

    ``timeout_s``: its own query timeout, so that a runaway query a test gives up on stops there too.
    """
    exe = oxigraph_executable()
    assert exe is not None
    port = free_port()
    log = directory / "oxigraph.log"
    command = [exe, "serve", "--location", str(directory / "db"), "--bind", f"127.0.0.1:{port}", "--timeout-s", str(timeout_s)]
    with log.open("wb") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=out)
    try:
        endpoint = f"http://127.0.0.1:{port}/query"
        _wait_until_up(endpoint, proc, log)
        yield endpoint
    finally:
        _stop(proc)


@contextlib.contextmanager
def virtuoso_server(directory: Path) -> Iterator[str]:
    """A Virtuoso server with its own virtuoso.ini, ports and database in ``directory``; yields /sparql."""
    exe = virtuoso_executable()
    assert exe is not None
    http_port, sql_port = free_port(), free_port()
    ini = directory / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(dir=directory, sql_port=sql_port, http_port=http_port))
    log = directory / "virtuoso.out"
    with log.open("wb") as out:
        # +foreground: no daemon, no init script; the process is ours to stop.
        proc = subprocess.Popen([exe, "+foreground", "+configfile", str(ini)], cwd=directory, stdout=out, stderr=out)
    try:
        endpoint = f"http://127.0.0.1:{http_port}/sparql"
        _wait_until_up(endpoint, proc, log, ready="Server online at")
        # Its Graph Store Protocol paths answer 501 for a second or two after that.
        probe = endpoint + "-graph-crud-auth?graph=urn:k2020:probe"
        passwords = urllib.request.HTTPPasswordMgrWithDefaultRealm()
        passwords.add_password(None, probe, VIRTUOSO_USER, VIRTUOSO_PASSWORD)  # type: ignore[arg-type]
        opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(passwords))
        deadline = time.monotonic() + START_WAIT
        while time.monotonic() < deadline:
            try:
                opener.open(probe, timeout=5).read()
                break
            except urllib.error.HTTPError as exc:
                if exc.code != 501:
                    break  # 404: no such graph (yet), so the path works
            except OSError:
                pass
            time.sleep(0.2)
        yield endpoint
    finally:
        _stop(proc)
