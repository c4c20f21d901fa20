"""Reading a SPARQL request's text before it runs: its form, and what the endpoint refuses.

A small tokenizer skips comments, strings and IRIs, so that ``SERVICE`` or ``LOAD`` are found only where
they are keywords: ``"service"`` in a string, ``<http://ex/service>``, ``ex:service``, ``?service`` and
``# SERVICE`` in a comment are not. Codepoint escapes (``\\u0053ERVICE``), which SPARQL 1.1 says are
replaced before parsing, are checked both as written and as replaced. The worker processes add a
second line of defence: they cannot open a file or a socket at all (see :mod:`.pool`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

QUERY_FORMS = ("SELECT", "CONSTRUCT", "DESCRIBE", "ASK")
UPDATE_WORDS = frozenset({"INSERT", "DELETE", "LOAD", "CLEAR", "DROP", "CREATE", "ADD", "MOVE", "COPY", "WITH"})
#: Keywords that would make the engine open a connection or read a document.
FETCH_WORDS = {
    "SERVICE": "SERVICE",
    "LOAD": "LOAD",
}

_IRI = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_VAR = re.compile(r"[?$][A-Za-z0-9_\u00B7\u00C0-\uFFFF]+")
_LANG = re.compile(r"@[A-Za-z]+(?:-[A-Za-z0-9]+)*")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?")
# A keyword, a function name or a prefixed name (with ':'); local names may hold escapes and %xx.
_NAME = re.compile(
    r"(?:[A-Za-z_\u00C0-\uFFFF][A-Za-z0-9_\-.\u00B7\u00C0-\uFFFF]*)?"
    r"(?::(?:[A-Za-z0-9_:\-.\u00B7\u00C0-\uFFFF]|%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])*)?"
)
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


@dataclass(frozen=True)
class Token:
    kind: str  # word, pname, iri, var, string, number, lang, punct
    text: str
    offset: int


def _string_end(text: str, start: int) -> int:
    """The offset after the string literal that starts at ``start`` (the end of text if unterminated)."""
    quote = text[start]
    if text.startswith(quote * 3, start):
        pos = start + 3
        while pos < len(text):
            if text[pos] == "\\":
                pos += 2
            elif text.startswith(quote * 3, pos):
                return pos + 3
            else:
                pos += 1
        return len(text)
    pos = start + 1
    while pos < len(text):
        ch = text[pos]
        if ch == "\\":
            pos += 2
        elif ch == quote:
            return pos + 1
        elif ch in "\r\n":  # short strings cannot span lines
            return pos
        else:
            pos += 1
    return len(text)


def tokenize(text: str) -> Iterator[Token]:
    pos, end = 0, len(text)
    while pos < end:
        ch = text[pos]
        if ch.isspace():
            pos += 1
            continue
        if ch == "#":
            newline = re.compile(r"[\r\n]").search(text, pos)
            pos = newline.end() if newline else end
            continue
        if ch in "\"'":
            stop = _string_end(text, pos)
            yield Token("string", text[pos:stop], pos)
            pos = stop
            continue
        if ch == "<":
            m = _IRI.match(text, pos)
            if m:
                yield Token("iri", m.group(), pos)
                pos = m.end()
                continue
        if ch in "?$":
            m = _VAR.match(text, pos)
            if m:
                yield Token("var", m.group(), pos)
                pos = m.end()
                continue
        if ch == "@":
            m = _LANG.match(text, pos)
            if m:
                yield Token("lang", m.group(), pos)
                pos = m.end()
                continue
        if ch == "_" and text.startswith("_:", pos):
            m = _NAME.match(text, pos + 1)
            stop = m.end() if m else pos + 2
            yield Token("pname", text[pos:stop], pos)
            pos = stop
            continue
        if ch.isdigit() or (ch == "." and pos + 1 < end and text[pos + 1].isdigit()):
            m = _NUMBER.match(text, pos)
            assert m is not None
            yield Token("number", m.group(), pos)
            pos = m.end()
            continue
        m = _NAME.match(text, pos)
        if m and m.end() > pos:
            word = m.group().rstrip(".")  # a name never ends with '.', which ends a triple
            if not word:
                yield Token("punct", ".", pos)
                pos += 1
                continue
            yield Token("pname" if ":" in word else "word", word, pos)
            pos += len(word)
            continue
        yield Token("punct", ch, pos)
        pos += 1


def _unescape_codepoints(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else m.group()

    return _CODEPOINT.sub(repl, text)


@dataclass(frozen=True)
class Inspection:
    """What the text of a request is: ``form`` is SELECT, CONSTRUCT, DESCRIBE, ASK, UPDATE or None."""

    form: str | None
    refusal: str | None = None  # why the request is refused, or None


def _inspect_one(text: str) -> Inspection:
    form: str | None = None
    refusal: str | None = None
    for token in tokenize(text):
        if token.kind != "word":
            continue
        word = token.text.upper()
        if form is None and word not in ("BASE", "PREFIX"):
            form = word if word in QUERY_FORMS else "UPDATE" if word in UPDATE_WORDS else None
            if form is None:
                form = ""  # something else first: the parser will say what is wrong
        if refusal is None and word in FETCH_WORDS:
            refusal = FETCH_WORDS[word]
    return Inspection(form or None, refusal)


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
