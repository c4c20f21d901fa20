"""The guard against the engine itself: thousands of generated queries, the same seed every run.

Oxigraph does not show its parser to Python, but it does call services over HTTP. So each generated
query runs on a small real store with the service pointing at a listener on 127.0.0.1 that counts the
connections it accepts (and closes them at once). The engine *called* the service when the count grew.
Because the engine may skip a service whose join partner is empty, a second question is asked of its
parser: with every ``service`` (any case) turned into ``servixe``, does the query stop parsing? Then
one of them was the keyword.

The guard must refuse every query the engine called a service for, or read SERVICE in, and should
refuse none of the others that parse. Syntax errors are counted but need no verdict: they never run.
Updates get the same treatment against ``Store.update``: whatever parses as an update is an UPDATE.
"""

from __future__ import annotations

import random
import re
import socket
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import pyoxigraph as ox
import pytest

from k2020graph.server.guard import inspect

SEED = 20_086  # issue 8, item 6
QUERY_CASES = 3000
MUTATION_CASES = 1500
UPDATE_CASES = 1500

XSD = "http://www.w3.org/2001/XMLSchema#"


class Listener:
    """A TCP listener on 127.0.0.1 that counts and closes every connection."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}/sparql"
        self.count = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            conn, _ = self.sock.accept()
            if self.stopping.is_set():  # the connection of stop()
                conn.close()
                return
            self.count += 1  # counted before the engine can see the connection end
            conn.close()

    def stop(self) -> None:
        self.stopping.set()
        socket.create_connection(self.sock.getsockname(), timeout=5).close()  # wakes accept() up
        self.thread.join(10)
        self.sock.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[Listener]:
    listen = Listener()
    try:
        yield listen
    finally:
        listen.stop()


# ---- the pieces of generated queries -------------------------------------------------------------------

#: What stands before the keyword: every kind of token, the object of the triple right before it.
OBJECTS = [
    "?o", "true", "false", "TRUE", "1", "1.5", "1.", "1e0", "1E5", ".5", "-1", "+1", "- 1", '"x"', "'x'",
    '"x"@en', '"x"@en-GB', f'"x"^^<{XSD}string>', '"x"^^xsd:string', "'''x'''", '"""x"""', "''", '""',
    "<http://ex/o>", "ex:o", "ex:o.x", "ex:a\\.b", "ex:", "[]", "[ ?q ?r ]", "_:b", "( 1 )", "?service",
    "$o", "ex:service", '"SERVICE"', "'''SERVICE <URL> {}'''", "ex:%41", "ex:a\\'b", "ex:a\\#b",
]  # fmt: skip
#: Whole group elements that may stand before the keyword instead of a triple.
ELEMENTS = [
    "FILTER(true)", "FILTER(?o<?o||true)", "FILTER(!(?o<?o))", "FILTER(?o < ?o || true)", "BIND(1 AS ?z)",
    "VALUES ?z {1}", "OPTIONAL{?s ?p ?o}", "{?s ?p ?o}", "MINUS{?s <http://ex/none> ?o}",
    "{?s ?p ?o} UNION {?s ?p ?o}", "FILTER(?o != 'a')", 'FILTER(?o != "#")', "FILTER(<http://ex/f>(?o)||true)",
]  # fmt: skip
#: Each slot has usual choices and odd ones (taken now and then), so that most queries parse.
#: Between tokens: nothing, white space, comments; and things the engine takes for none of these.
SEPS = (["", "", " ", " ", "\n", "\t", "#c\n", "# SERVICE <URL> {}\n", "\r\n"], ["\u00a0", "/**/", ";", ",", ".", "\f"])
ENDS = (["", " ", ".", " . ", "\n", "#c\n", ".#c\n"], ["\u00a0", "/**/", ";", ","])  # before the clause
KEYWORDS = (
    ["SERVICE", "service", "Service", "sErViCe"],
    ["\\u0053ERVICE", "SERV\\u0049CE", "\u017fERVICE", "SERV ICE", "SERVICEE"],
)
SILENTS = (["", "", "SILENT", "silent", "SILENT ", " SILENT ", "SILENT\n", "SILENT#x\n"], ["SILENTT", "SILEN"])
TARGETS = (["<URL>", "<URL>", "?u", ":", ":x", "u:x", "u:", "<\\u0068ttp://127.0.0.1:PORT/sparql>"], ["<URL", "URL", "?"])
INNERS = (["", "?a ?b ?c", "?a ?b ?c .", "{}"], ["?a ?b", "}"])
PROLOGUES = [
    "", "PREFIX : <URL>\n", "PREFIX :<URL>", "prefix u: <URL> ", "PREFIX ex: <http://ex/>\n",
    f"PREFIX xsd: <{XSD}>\n", "BASE <http://b/>\n", "PREFIX ex: <http://[::1]>\n", "# PREFIX\n",
]  # fmt: skip
#: Ways to put the service clause where it is no keyword (or is one after all): most as a triple's object.
WRAPS = (
    ["{}"],
    ['?s ?p "{}"', "?s ?p '{}'", "?s ?p '''{}'''", '?s ?p """{}"""', "#{}\n", "?s ?p <{}>", "?s ?p ?{}", "?s ?p ex:{}",
     '?s ?p "x"@{}', "?s ?p '''\\uD800' {} '''", "VALUES ?x {{ '''}}' }} {} # \\uD800'''\n}}",
     "?s ?p ?o FILTER(?o<?o) #{}\n", "?s ?p '''\\u0022 {} '''"],
)  # fmt: skip
FORMS = (["SELECT * WHERE", "SELECT *", "select*where", "ASK", "SELECT ?s"], ["CONSTRUCT WHERE", "SELECT"])


def pick(rng: random.Random, choices: tuple[list[str], list[str]], odd: float = 0.06) -> str:
    return rng.choice(choices[1] if rng.random() < odd else choices[0])


def _fill(text: str, url: str) -> str:
    port = url.split(":")[2].split("/")[0]
    return text.replace("URL", url).replace("PORT", port)


def generate_query(rng: random.Random) -> str:
    """A query with a SERVICE-like clause among every kind of neighbour, separator and disguise."""
    prologue = "".join(rng.sample(PROLOGUES, rng.randint(0, 3)))
    if "ex:" not in prologue:
        prologue += "PREFIX ex: <http://ex/> "
    if "xsd:" not in prologue:
        prologue += f"PREFIX xsd: <{XSD}> "
    if "u:" not in prologue:
        prologue += "PREFIX u: <URL> "
    if "PREFIX :" not in prologue:
        prologue += "PREFIX : <URL> "
    before = rng.choice(
        [f"?s ?p {rng.choice(OBJECTS)}", f"?s a {rng.choice(OBJECTS)}", rng.choice(ELEMENTS), "", "VALUES ?u {<URL>}"]
    )
    target = pick(rng, TARGETS)
    if target == "?u" and rng.random() < 0.8:
        before = "VALUES ?u {<URL>} " + before
    clause = pick(rng, KEYWORDS) + pick(rng, SEPS) + pick(rng, SILENTS) + pick(rng, SEPS) + target
    clause += pick(rng, SEPS) + "{" + pick(rng, INNERS) + "}"
    wrap = pick(rng, WRAPS, 0.4)
    if wrap != "{}":
        before, end = before or "?s ?p ?o", " . "
    else:
        end = pick(rng, ENDS)
    clause = wrap.format(clause)
    after = rng.choice(["", "", " ?s ?p ?o", " . ?s ?p ?o", " FILTER(true)"])
    tail = rng.choice(["", "", " LIMIT 1", "\n#}", " # end"])
    return f"{prologue}{pick(rng, FORMS)} {{ {before}{end}{clause}{after} }}{tail}"


#: The disguises of test_guard.py (as written there), mutated character by character.
SEEDS = [
    "SELECT * WHERE { SERVICE <URL> { ?s ?p ?o } }",
    "select * where { service <URL> { ?s ?p ?o } }",
    "SELECT * WHERE { SERVICE SILENT <URL> { ?s ?p ?o } }",
    "SELECT * WHERE { ?x ?y ?z SERVICE ?endpoint { ?s ?p ?o } }",
    'SELECT * WHERE { BIND("x" AS ?a) SERVICE<URL>{?s ?p ?o} }',
    "SELECT * WHERE { # comment\n SERVICE <URL> { ?s ?p ?o } }",
    "SELECT * WHERE { \\u0053ERVICE <URL> { ?s ?p ?o } }",
    'SELECT * WHERE { ?s ?p "SERVICE <URL>" }',
    "SELECT * WHERE { ?s ?p '''a\nSERVICE <URL> { }''' }",
    "SELECT * WHERE { ?s <http://example.org/service> ?o }",
    "PREFIX service: <http://ex/> SELECT * WHERE { ?s service:load ?o }",
    "PREFIX ex: <http://ex/> SELECT ?service ?load WHERE { ?service ex:SERVICE ?load }",
    "SELECT * WHERE { ?s ?p ?o } # SERVICE <URL> in a comment",
    'SELECT * WHERE { ?s ?p "x"@service }',
    "SELECT * WHERE { ?s ?p ?o FILTER(?o < 3) } # LOAD",
    "SELECT * WHERE { ?s ?p true.SERVICE SILENT <URL> {?a ?b ?c} } LIMIT 1",
    "PREFIX : <URL> SELECT * WHERE { ?s ?p ?o FILTER(!(?o<?o))SERVICE:#>\n{} }",
    "SELECT * WHERE { VALUES ?x { '''}' } SERVICE <URL> {} # \\uD800'''\n}",
]
MUTATION_CHARS = list(" .\n#\"'<>{}?$:\\u1e_@^;,()") + ["SERVICE", "SILENT", "true", "1.", "#", "'''"]


def mutate(rng: random.Random, text: str) -> str:
    chars = text.split("URL")  # the URL itself is never cut, so the engine can only reach the listener
    for _ in range(rng.randint(1, 2)):
        i = rng.randrange(len(chars))
        part = chars[i]
        pos = rng.randint(0, len(part))
        op = rng.random()
        if op < 0.4:
            part = part[:pos] + rng.choice(MUTATION_CHARS) + part[pos:]
        elif op < 0.7 and part:
            part = part[:pos] + part[pos + 1 :]
        elif part:
            part = part[:pos] + part[pos:].swapcase()
        chars[i] = part
    return "URL".join(chars)


# ---- the oracle ----------------------------------------------------------------------------------------


def _parses(store: ox.Store, query: str) -> bool:
    try:
        result = store.query(query)
        if not isinstance(result, ox.QueryBoolean):
            for _ in result:
                pass
    except SyntaxError:
        return False
    except (OSError, RuntimeError, ValueError):  # an evaluation error: it parsed
        pass
    return True


#: A <…> with a quote or '#' inside: an IRI, or a less-than followed by a string or comment? The guard
#: does not exempt strings and comments from its check then (it refuses where unsure).
UNSURE = re.compile(r"<[^>]*[\"'#][^>]*>")


@dataclass
class Tally:
    counts: Counter[str] = field(default_factory=Counter)
    misses: list[str] = field(default_factory=list)
    false_alarms: list[str] = field(default_factory=list)


def judge(store: ox.Store, listener: Listener, query: str, tally: Tally) -> None:
    before = listener.count
    parsed = _parses(store, query)
    called = listener.count > before
    keyword = called or (parsed and not _parses(store, re.sub(r"(?i)(serv)(i)(ce)", r"\1x\3", query)))
    refused = inspect(query).refusal == "SERVICE"
    outcome = "service called" if called else "service read" if keyword else "no service"
    tally.counts[outcome if parsed else "syntax error"] += 1
    if keyword and not refused:
        tally.misses.append(query)
    elif parsed and not keyword and refused:
        if UNSURE.search(query):
            tally.counts["refused, unsure"] += 1  # by design: the guard cannot tell an IRI from a less-than
        else:
            tally.false_alarms.append(query)
    tally.counts["refused"] += refused


@pytest.fixture(scope="module")
def store() -> ox.Store:
    """Every object the generator writes is in the store, so the triple before a service is never empty."""
    st = ox.Store()
    prologue = f"PREFIX ex: <http://ex/> PREFIX xsd: <{XSD}> "
    for obj in OBJECTS:
        for predicate in ("<http://ex/p>", "a"):
            try:
                st.update(f"{prologue} INSERT DATA {{ <http://ex/s> {predicate} {_fill(obj, 'http://h:1/')} }}")
            except SyntaxError:
                pass  # a variable or a blank-node list: matches anything anyway
    return st


def _report(tally: Tally) -> str:
    shown = "\n".join(repr(q) for q in (tally.misses + tally.false_alarms)[:10])
    return f"{dict(tally.counts)}; {len(tally.misses)} missed, {len(tally.false_alarms)} refused wrongly:\n{shown}"


def test_generated_queries(store: ox.Store, listener: Listener) -> None:
    rng = random.Random(SEED)
    tally = Tally()
    for _ in range(QUERY_CASES):
        judge(store, listener, _fill(generate_query(rng), listener.url), tally)
    print(_report(tally))
    assert not tally.misses and not tally.false_alarms, _report(tally)
    # The generator reaches every outcome often enough to mean something.
    assert tally.counts["service called"] >= QUERY_CASES // 10
    assert tally.counts["no service"] >= QUERY_CASES // 20
    assert tally.counts["syntax error"] >= QUERY_CASES // 10


def test_mutated_disguises(store: ox.Store, listener: Listener) -> None:
    rng = random.Random(SEED + 1)
    tally = Tally()
    for _ in range(MUTATION_CASES):
        judge(store, listener, _fill(mutate(rng, rng.choice(SEEDS)), listener.url), tally)
    print(_report(tally))
    assert not tally.misses and not tally.false_alarms, _report(tally)
    assert tally.counts["service called"] >= MUTATION_CASES // 20
    assert tally.counts["no service"] >= MUTATION_CASES // 20


# ---- updates -------------------------------------------------------------------------------------------

UPDATES = [
    "INSERT DATA { <http://a> <http://b> <http://c> }", "INSERTDATA{<http://a> <http://b> <http://c>}",
    "DELETE DATA { <http://a> <http://b> <http://c> }", "DELETE WHERE { ?s <http://none> ?o }",
    "DELETE{?s ?p ?o}WHERE{?s <http://none> ?o}", "INSERT{?s ?p ?o}WHERE{?s <http://none> ?o}",
    "WITH<http://g>DELETE{?s ?p ?o}WHERE{?s <http://none> ?o}", "LOAD<URL>", "LOAD SILENT <URL> INTO GRAPH <http://g>",
    "CLEAR ALL", "CLEARSILENT DEFAULT", "DROP SILENT GRAPH <http://g>", "CREATE SILENT GRAPH <http://g>",
    "ADD DEFAULT TO <http://g>", "MOVE SILENT <http://g> TO DEFAULT", "COPY DEFAULT TO <http://g>",
    "CLEAR ALL ; INSERT DATA { <http://a> <http://b> <http://c> }", "\\u0049NSERT DATA { <http://a> <http://b> <http://c> }",
    "SELECT * WHERE { ?s ?p ?o }", "ASK{}", "CONSTRUCT WHERE {}", "DESCRIBE <http://a>",
]  # fmt: skip
UPDATE_PROLOGUES = [
    "", "", " ", "\n", "#SELECT\n", "# c\n", "PREFIX a: <http://a/>", "PREFIX a:<http://a/> ", "BASE<http://b/>",
    "base <http://b/>\n",
]  # fmt: skip


def generate_update(rng: random.Random) -> str:
    text = "".join(rng.choice(UPDATE_PROLOGUES) for _ in range(rng.randint(0, 3))) + rng.choice(UPDATES)
    if rng.random() < 0.5:
        text = mutate(rng, text)
    elif rng.random() < 0.5:
        text = "".join(c.swapcase() if rng.random() < 0.5 else c for c in text)
    return text


def _runs_as_update(store: ox.Store, text: str) -> bool:
    try:
        store.update(text)
    except SyntaxError:
        return False
    except (OSError, RuntimeError, ValueError):  # LOAD reached the listener: it parsed
        pass
    return True


def test_generated_updates(listener: Listener) -> None:
    rng = random.Random(SEED + 2)
    scratch = ox.Store()
    counts: Counter[str] = Counter()
    wrong: list[tuple[str, str | None, str]] = []
    for _ in range(UPDATE_CASES):
        text = _fill(generate_update(rng), listener.url)
        # An update with an operation in it (not only a prologue or comments): one more needs a ";" first.
        is_update = _runs_as_update(scratch, text) and not _runs_as_update(scratch, text + "\nCLEAR SILENT GRAPH <http://g>")
        is_query = _parses(scratch, text)
        form = inspect(text).form
        counts["update" if is_update else "query" if is_query else "neither (or an empty update)"] += 1
        if (is_update and form != "UPDATE") or (is_query and form == "UPDATE"):
            wrong.append((text, form, "update" if is_update else "query"))
    print(dict(counts))
    assert not wrong, wrong[:10]
    assert counts["update"] >= UPDATE_CASES // 10
    assert counts["query"] >= UPDATE_CASES // 20
