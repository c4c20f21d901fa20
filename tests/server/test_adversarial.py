"""Hostile requests that the endpoint withstood in the adversarial review (issue 8), kept as regression tests.

Path traversal in its usual disguises, request smuggling (Content-Length against Transfer-Encoding), and
dataset clauses (FROM, FROM NAMED, GRAPH) and LOAD aimed at a listener on this machine: the files stay
unread, the smuggled request is never answered, and the listener is never contacted. Sent over raw sockets
to a real ``k2020graph serve`` process, so that no client library tidies the request first.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

#: Text that would only appear if a file outside the served folders were read.
SECRETS = ("root:x:0:0", "[boot loader]", "PRIVATE KEY", "import ", "def ")

TRAVERSALS = [
    "/static/../../../../../../etc/passwd",
    "/static/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd",
    "/static/%2e%2e/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/static/%252e%252e/%252e%252e/%252e%252e/etc/passwd",
    "/static/..%5c..%5c..%5c..%5cetc%5cpasswd",
    "/static/..\\..\\..\\..\\etc\\passwd",
    "/static/....//....//....//etc/passwd",
    "/static/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    "/static/%ef%bc%8e%ef%bc%8e/%ef%bc%8e%ef%bc%8e/etc/passwd",
    "/static/style.css%00../../../../etc/passwd",
    "/static//etc/passwd",
    "/static/../server/app.py",
    "/static/..%2fapp.py",
    "/static/%2e%2e/app.py",
    "/static/..;/app.py",
    "/id/../../../../etc/passwd",
    "/id/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/id/..%2f..%2f..%2fetc%2fpasswd",
    "/def/../../../etc/passwd",
    "/dump.ttl/../../../../etc/passwd",
    "/dump.%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/resource?iri=file:///etc/passwd",
    "/resource?iri=file%3A%2F%2F%2Fetc%2Fpasswd",
    "/instances?class=file:///etc/passwd",
    "/api/queries/..%2f..%2f..%2fetc%2fpasswd",
    "/api/queries/../../../etc/passwd",
    "/query?name=../../../../etc/passwd",
    "/..%2f..%2f..%2f..%2fetc%2fpasswd",
    "//etc/passwd",
    "/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
    "/static/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fproc/self/environ",
    "/static/../../../../../../proc/self/cmdline",
    "/static/templates/../context.py",
    "/static/.%2e/.%2e/.%2e/etc/passwd",
]


def raw(url: str, request: bytes, wait: float = 5.0) -> bytes:
    """Send ``request`` as written and read until the server closes or ``wait`` seconds pass without data."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=wait) as sock:
        sock.sendall(request)
        chunks = []
        try:
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        except TimeoutError:
            pass
    return b"".join(chunks)


def status_of(response: bytes) -> int:
    return int(response.split(b" ", 2)[1])


@pytest.mark.parametrize("path", TRAVERSALS)
def test_path_traversal_reads_no_file(server: Any, path: str) -> None:
    response = raw(server.url, f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".encode())
    assert response.startswith(b"HTTP/1.1 "), response[:200]
    text = response.decode("utf-8", "replace")
    assert not any(secret in text for secret in SECRETS), f"{path} leaked a file:\n{text[:500]}"
    assert status_of(response) != 500, text[:500]
    if status_of(response) == 200:  # a page of the site itself, never a file's bytes
        assert "text/html" in text.split("\r\n\r\n", 1)[0].lower() or "text/turtle" in text.lower(), text[:300]


SMUGGLED = b"GET /smuggled-request HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


@pytest.mark.parametrize(
    "head",
    [
        # CL.TE: the front reads the Content-Length, the back would read chunks
        "POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
        "Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
        # TE.CL with an obfuscated Transfer-Encoding
        "POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
        "Transfer-Encoding: xchunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n",
        # two different Content-Lengths
        "POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
        "Content-Length: 0\r\nContent-Length: 60\r\n\r\n",
        # Transfer-Encoding with a space before the colon
        "POST /sparql HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/sparql-query\r\n"
        "Transfer-Encoding : chunked\r\nContent-Length: 0\r\n\r\n",
    ],
)
def test_a_smuggled_request_is_never_answered(server: Any, head: str) -> None:
    response = raw(server.url, head.encode() + SMUGGLED, wait=3.0)
    assert b"/smuggled-request" not in response
    statuses = [int(line.split(b" ")[1]) for line in response.split(b"\r\n") if line.startswith(b"HTTP/1.1 ")]
    assert statuses, response[:300]
    assert all(s != 404 for s in statuses[1:]), "a second (smuggled) request was read and answered"
    assert all(s < 500 or s == 503 for s in statuses), response[:500]
    assert "/smuggled-request" not in server.log.read_text()


@pytest.fixture
def listener() -> Iterator[dict[str, Any]]:
    """A TCP listener on 127.0.0.1 that counts every connection made to it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    sock.settimeout(0.2)
    state: dict[str, Any] = {"port": sock.getsockname()[1], "connections": 0, "stop": False}

    def accept() -> None:
        while not state["stop"]:
            try:
                conn, _ = sock.accept()
            except (TimeoutError, OSError):
                continue
            state["connections"] += 1
            conn.close()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield state
    state["stop"] = True
    thread.join(timeout=5)
    sock.close()


@pytest.mark.parametrize(
    "template",
    [
        "SELECT * FROM <{url}> WHERE {{ ?s ?p ?o }} LIMIT 1",
        "SELECT * FROM NAMED <{url}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} LIMIT 1",
        "SELECT * WHERE {{ GRAPH <{url}> {{ ?s ?p ?o }} }} LIMIT 1",
        "CONSTRUCT {{ ?s ?p ?o }} FROM <{url}> WHERE {{ ?s ?p ?o }}",
        "DESCRIBE <{url}>",
        "ASK FROM <{url}> {{ ?s ?p ?o }}",
        "LOAD <{url}>",
        "LOAD SILENT <{url}> INTO GRAPH <urn:x>",
    ],
)
def test_dataset_clauses_never_fetch(server: Any, listener: dict[str, Any], template: str) -> None:
    url = f"http://127.0.0.1:{listener['port']}/data.ttl"
    query = template.format(url=url)
    with httpx.Client(base_url=server.url, timeout=30) as http:
        for r in (
            http.get("/sparql", params={"query": query}),
            http.post("/sparql", data={"query": query}),
            http.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "default-graph-uri": url}),
            http.get("/sparql", params={"query": "SELECT * WHERE { ?s ?p ?o } LIMIT 1", "named-graph-uri": url}),
        ):
            assert r.status_code < 500, r.text
    assert listener["connections"] == 0
