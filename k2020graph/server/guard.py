"""Reading a SPARQL request's text before it runs: its form, and what the endpoint refuses.

The engine (Oxigraph) parses SPARQL with a PEG grammar whose keywords need no word boundary:
``?s ?p true.SERVICE SILENT <u> {}``, ``1SERVICE<u>{}`` and ``SERVICESILENT<u>{}`` are all a
``SERVICE`` to it. So the check does not cut the text into words. It looks at every place where the
letters ``SERVICE`` (any case) stand, and asks what the engine's rule for a service pattern asks
of what follows them::

    SERVICE _ (SILENT _)? VarOrIri _ "{"        (_ = spaces, tabs, line ends and # comments)

Only where that holds can the engine call a service; there the request is refused unless the
place is certainly not code: inside a variable name (``?service``, read greedily by the engine),
or inside a string literal or a comment when nothing in the text can make the engine read strings
and comments otherwise (a ``<…>`` holding a quote or ``#`` could be an IRI or a less-than, so its
presence voids that exemption). Names such as ``ex:service`` are never exempt: the engine falls
back to ``ex:`` alone when ``ex:service`` is not a valid IRI. ``LOAD`` is found the same way in
updates. Codepoint escapes (``\\u0053ERVICE``), which SPARQL 1.1 says are replaced before parsing,
are checked both as written and as replaced. Where unsure, the check refuses.

``tests/server/test_guard_fuzz.py`` holds this against the engine itself: thousands of generated
queries, run on a real store with the service pointing at a local listener. The worker processes
add a second line of defence: they cannot open a file or a socket at all (see :mod:`.pool`).
"""

from __future__ import annotations

import bisect
import re
import sys
from dataclasses import dataclass

QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
UPDATE_WORDS = ("INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH")

# The engine's terminals (Oxigraph's SPARQL grammar), written with possessive repeats as its PEG reads them.
_WS = r"(?:[ \t\r\n]|\#[^\r\n]*+)*+"  # its `_`: space, tab, CR, LF and comments
_IRIREF = r"<[^>]*+>"  # anything up to the first '>' (the engine checks the IRI afterwards)
_NAME_RUN = r"(?:\\[^\r\n]|[^\s\#{}<>\"'\\])++"  # a variable or prefixed name, read greedily (a superset)
_VAR_OR_IRI = rf"(?:{_IRIREF}|{_NAME_RUN})"
_FLAGS = re.IGNORECASE | re.ASCII | re.VERBOSE  # keywords compare ASCII letters without case, as the engine does

_SERVICE = re.compile(rf"SERVICE {_WS} (?:SILENT {_WS})? {_VAR_OR_IRI} {_WS} \{{", _FLAGS)
_LOAD = re.compile(rf"LOAD {_WS} (?:SILENT {_WS})? {_VAR_OR_IRI}", _FLAGS)
_FETCH = {"SERVICE": (re.compile("service", re.I | re.A), _SERVICE), "LOAD": (re.compile("load", re.I | re.A), _LOAD)}

_PROLOGUE = re.compile(
    rf"{_WS} (?: (?: BASE {_WS} {_IRIREF} | PREFIX {_WS} [^\s:\#<>\"']*+ : {_WS} {_IRIREF} ) {_WS} )*+", _FLAGS
)

#: The first keyword after the prologue (the engine needs no word boundary after it either).
_FORM = re.compile(f"({'|'.join(QUERY_FORMS)})|(?:{'|'.join(UPDATE_WORDS)})", re.IGNORECASE | re.ASCII)

_ESCAPES = r"\\[tbnrf\"'\\]|\\u[0-9A-Fa-f]{4}|\\U[0-9A-Fa-f]{8}"
#: The engine's string literals, in the order it tries them (a long one first, then a short one).
_STRINGS = {
    "'": (
        re.compile(rf"'''(?:(?:''|')?+(?:[^'\\]|{_ESCAPES}))*+'''"),
        re.compile(rf"'(?:[^'\\\n\r]|{_ESCAPES})*+'"),
    ),
    '"': (
        re.compile(rf'"""(?:(?:""|")?+(?:[^"\\]|{_ESCAPES}))*+"""'),
        re.compile(rf'"(?:[^"\\\n\r]|{_ESCAPES})*+"'),
    ),
}
_CODE = re.compile(r"[^\"'#<\\]++")
_EOL = re.compile(r"[\r\n]")
_MARK = re.compile(r"[\"'#]")
_HEX_ESCAPE = re.compile(r"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|.)", re.S)
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_VARNAME_CHAR = re.compile(
    "[0-9A-Za-z_\u00b7\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u037d\u037f-\u1fff\u200c\u200d\u203f\u2040"
    "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd]"
)


def _valid_codepoint(code: int) -> bool:
    return code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF


def _escapes_valid(literal: str) -> bool:
    """Whether every ``\\u``/``\\U`` escape names a character (the engine rejects the literal otherwise)."""
    for m in _HEX_ESCAPE.finditer(literal):
        digits = m.group(1) or m.group(2)
        if digits and not _valid_codepoint(int(digits, 16)):
            return False
    return True


def _string_at(text: str, pos: int) -> int | None:
    """The end of the string literal the engine reads at ``pos``, or None if it reads none there."""
    for pattern in _STRINGS[text[pos]]:
        m = pattern.match(text, pos)
        if m and _escapes_valid(m.group()):
            return m.end()
    return None


@dataclass(frozen=True)
class _Layout:
    """Where the strings and comments are, and whether that reading is certain."""

    quiet: list[tuple[int, int]]  # spans of string literals and comments, in order
    certain: bool  # False when a <…> with a quote or '#' inside could be read as an IRI or as a less-than

    def is_quiet(self, pos: int) -> bool:
        i = bisect.bisect_right(self.quiet, (pos, sys.maxsize)) - 1
        return i >= 0 and self.quiet[i][0] <= pos < self.quiet[i][1]


def _layout(text: str, start: int) -> _Layout:
    quiet: list[tuple[int, int]] = []
    certain = True
    pos, end = start, len(text)
    next_gt = next_mark = -1  # the next '>' and the next quote or '#' at or after pos (end: none); -1: not sought yet
    while pos < end:
        m = _CODE.match(text, pos)
        if m:
            pos = m.end()
            continue
        ch = text[pos]
        if ch == "#":
            eol = _EOL.search(text, pos)
            stop = eol.start() if eol else end
            quiet.append((pos, stop))
            pos = stop
        elif ch in "\"'":
            literal_end = _string_at(text, pos)
            if literal_end is None:
                pos += 1  # no literal the engine would read: the quote is not quiet text
            else:
                quiet.append((pos, literal_end))
                pos = literal_end
        elif ch == "<":
            if next_gt < pos:
                found = text.find(">", pos)
                next_gt = found if found >= 0 else end
            if next_gt >= end:
                pos += 1
                continue
            if next_mark < pos:
                mark = _MARK.search(text, pos)
                next_mark = mark.start() if mark else end
            if next_mark < next_gt:
                certain = False
            pos = next_gt + 1
        else:  # a backslash: an escape in a prefixed name (\' or \#) starts nothing
            pos += 2
    return _Layout(quiet, certain)


def _in_variable(text: str, pos: int) -> bool:
    """Whether ``pos`` is inside a variable name: ``?`` or ``$`` then name characters up to it."""
    k = pos
    while k > 0 and _VARNAME_CHAR.match(text[k - 1]):
        k -= 1
    return k > 0 and text[k - 1] in "?$" and (k < 2 or text[k - 2] != "\\")


def _fetches(text: str, word: str, start: int) -> bool:
    """Whether ``word`` (SERVICE or LOAD) may be a keyword the engine acts on after the prologue.

    ``start`` is where the prologue ends: the engine reads BASE and PREFIX declarations exactly as
    :data:`_PROLOGUE` does (or fails on the whole query), so their IRIs and comments are certain.
    """
    letters, rule = _FETCH[word]
    layout: _Layout | None = None
    for m in letters.finditer(text, start):
        pos = m.start()
        if not rule.match(text, pos) or _in_variable(text, pos):
            continue
        if layout is None:
            layout = _layout(text, start)
        if not layout.certain or not layout.is_quiet(pos):
            return True
    return False


def _unescape_codepoints(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if _valid_codepoint(code) else m.group()

    return _CODEPOINT.sub(repl, text)


@dataclass(frozen=True)
class Inspection:
    """What the text of a request is: ``form`` is SELECT, CONSTRUCT, DESCRIBE, ASK, UPDATE or None."""

    form: str | None
    refusal: str | None = None  # why the request is refused, or None


def _inspect_one(text: str) -> Inspection:
    body = _PROLOGUE.match(text)
    start = body.end() if body else 0
    first = _FORM.match(text, start)
    form = None if not first else first.group(1).upper() if first.group(1) else "UPDATE"
    refusal = None
    if _fetches(text, "SERVICE", start):
        refusal = "SERVICE"
    elif form not in QUERY_FORMS and _fetches(text, "LOAD", start):  # a query cannot LOAD: no need to look there
        refusal = "LOAD"
    return Inspection(form, refusal)


def inspect(text: str) -> Inspection:
    """The form of the request and the reason to refuse it, if any (checked as written and unescaped)."""
    first = _inspect_one(text)
    unescaped = _unescape_codepoints(text)
    if unescaped == text:
        return first
    second = _inspect_one(unescaped)
    form = first.form or second.form
    if second.form == "UPDATE":
        form = "UPDATE"
    return Inspection(form, first.refusal or second.refusal)
