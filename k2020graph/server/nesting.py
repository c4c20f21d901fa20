"""How deeply a SPARQL text nests its brackets, found before the text reaches the query engine.

The engine's parser descends once per ``{``, ``(`` or ``[``; thousands of levels overflow its stack and
kill the worker process (SIGSEGV). So a query nested deeper than :data:`MAX_DEPTH` is refused with a
clear message before it runs. Brackets inside strings, IRIs and comments do not count; codepoint
escapes (``\\u007B``), which SPARQL replaces before parsing, are replaced first, as the engine does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

#: Levels of brackets a query may nest. Real queries stay below 20; the engine's parser, on the
#: workers' stack (see :mod:`.pool`), handles thousands.
MAX_DEPTH = 256

_OPEN = frozenset("{([")
_CLOSE = frozenset("})]")
_IRI = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")


@dataclass(frozen=True)
class TooDeep:
    """Where a text first passes ``limit`` levels of brackets (line and column count from 1)."""

    limit: int
    line: int
    column: int


def _unescape(text: str) -> str:
    def repl(m: re.Match[str]) -> str:
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else m.group(0)

    return _CODEPOINT.sub(repl, text)


def _string_end(text: str, start: int) -> int:
    """The offset just past the string literal opening at ``start`` (or the end of the text)."""
    quote = text[start]
    if text.startswith(quote * 3, start):
        end = start + 3
        while end < len(text):
            if text[end] == "\\":
                end += 2
            elif text.startswith(quote * 3, end):
                return end + 3
            else:
                end += 1
        return len(text)
    end = start + 1
    while end < len(text) and text[end] not in (quote, "\n", "\r"):
        end += 2 if text[end] == "\\" else 1
    return end + 1


def too_deep(text: str, limit: int = MAX_DEPTH) -> TooDeep | None:
    """Where ``text`` nests more than ``limit`` levels of brackets, or None if it never does."""
    text = _unescape(text)
    depth = 0
    i, size = 0, len(text)
    while i < size:
        ch = text[i]
        if ch in _OPEN:
            depth += 1
            if depth > limit:
                line = text.count("\n", 0, i) + 1
                return TooDeep(limit, line, i - text.rfind("\n", 0, i))
        elif ch in _CLOSE:
            depth = max(0, depth - 1)
        elif ch in "\"'":
            i = _string_end(text, i)
            continue
        elif ch == "#":
            end = text.find("\n", i)
            i = size if end < 0 else end
            continue
        elif ch == "<":
            m = _IRI.match(text, i)
            if m:
                i = m.end()
                continue
        i += 1
    return None
