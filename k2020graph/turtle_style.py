"""The house form of the hand-written Turtle files, checked by a test (and usable by editors' hooks).

The files are written by people and read in diffs, so they keep comments and grouping; a machine
re-serialisation would lose both. What is fixed instead: UTF-8, LF line ends, a final newline, no tabs,
no trailing blanks, prefix declarations first and sorted, every declared prefix used, and the project's
prefixes bound to the project's namespaces (never a look-alike IRI).
"""

from __future__ import annotations

import re
from pathlib import Path

from .namespaces import PREFIXES

_PREFIX = re.compile(r"^@prefix\s+([A-Za-z][\w-]*)?:\s*<([^>]*)>\s*\.\s*$")


def check_turtle_style(path: Path) -> list[str]:
    """Problems with ``path``'s form, each as ``line N: what``; empty when the file is in house form."""
    raw = path.read_bytes()
    problems: list[str] = []
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return [f"not UTF-8: {exc}"]
    if "\r" in text:
        problems.append("line ends must be LF, not CRLF")
    if text and not text.endswith("\n"):
        problems.append("the file must end with a newline")
    elif text.endswith("\n\n"):
        problems.append(f"line {text.count(chr(10))}: blank line at the end of the file (end with one newline)")
    lines = text.split("\n")
    prefixes: list[tuple[str, str, int]] = []
    seen_statement = False
    for n, line in enumerate(lines, 1):
        if "\t" in line:
            problems.append(f"line {n}: tab character (indent with spaces)")
        if line != line.rstrip():
            problems.append(f"line {n}: trailing whitespace")
        m = _PREFIX.match(line)
        if m:
            if seen_statement:
                problems.append(f"line {n}: @prefix after the first statement (declare prefixes at the top)")
            prefixes.append((m.group(1) or "", m.group(2), n))
        elif line.strip() and not line.lstrip().startswith("#"):
            seen_statement = True
    names = [p for p, _, _ in prefixes]
    if names != sorted(names):
        problems.append("prefix declarations are not sorted by prefix")
    body = "\n".join(line for line in lines if not _PREFIX.match(line))
    for prefix, iri, n in prefixes:
        expected = PREFIXES.get(prefix)
        if expected is not None and str(expected) != iri:
            problems.append(f"line {n}: prefix {prefix}: must be <{expected}>, not <{iri}>")
        if not re.search(rf"(?<![\w-]){re.escape(prefix)}:", body):
            problems.append(f"line {n}: prefix {prefix}: is declared but not used")
    return problems


def fix_prefix_block(path: Path) -> bool:
    """Rewrite the ``@prefix`` lines of ``path`` into house form (sorted, only the used ones). True if changed.

    Only the prefix block changes; comments, order and spacing of the statements stay as written. The
    file is replaced atomically.
    """
    import os
    import tempfile

    text = path.read_text(encoding="utf-8")
    lines = text.split("\n")
    decls = {m.group(1) or "": m.group(2) for line in lines if (m := _PREFIX.match(line))}
    if not decls:
        return False
    first = next(i for i, line in enumerate(lines) if _PREFIX.match(line))
    rest = [line for line in lines[first:] if not _PREFIX.match(line)]
    body = "\n".join(rest)
    used = {p: iri for p, iri in decls.items() if re.search(rf"(?<![\w-]){re.escape(p)}:", body)}
    block = [f"@prefix {p}: <{used[p]}> ." for p in sorted(used)]
    while rest and not rest[0].strip():
        rest.pop(0)
    new = "\n".join(lines[:first] + block + [""] + rest)
    if new == text:
        return False
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(new)
    os.replace(tmp, path)
    return True
