"""Writing a change back into a hand-written Turtle file, touching only what changed.

The data files are written by people and read in diffs (see :mod:`k2020graph.turtle_style`), so an
accepted change must not re-serialise a whole file. :func:`rewrite` cuts the file into its top-level
statements (comments, blank lines and the prefix block stay as they are), and re-writes only the
statements of the subjects whose description changed:

- a subject whose triples (with the blank nodes below it) are unchanged keeps its text, byte for byte;
- a changed subject's first statement is replaced by its new description, in the house layout
  (``a`` first, then the predicates in the order the old text had them, one per line, objects in their
  old order, new ones after); its other statements, if any, are dropped;
- a subject that is gone loses its statements; a new subject is appended at the end of the file;
- the prefix block is kept in house form (sorted, only the used ones, the project's prefixes added
  when a new line needs them).

The result is parsed again and compared with the triples asked for; should the two ever differ, the
whole file is written afresh in the same layout (header comment kept), so the file always holds
exactly the new triples.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox

from ..namespaces import PREFIXES

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
XSD = "http://www.w3.org/2001/XMLSchema#"
_PREFIX_LINE = re.compile(r"^@prefix\s+([A-Za-z][\w-]*)?:\s*<([^>]*)>\s*\.\s*$")
_LOCAL = re.compile(r"[A-Za-z0-9_](?:[A-Za-z0-9_.\-]*[A-Za-z0-9_\-])?")
_SHORT = {
    XSD + "integer": re.compile(r"[+-]?\d+"),
    XSD + "decimal": re.compile(r"[+-]?\d*\.\d+"),
    XSD + "boolean": re.compile(r"true|false"),
}

Subject = ox.NamedNode | ox.BlankNode


@dataclass(frozen=True)
class Segment:
    """A piece of the file: a top-level statement (``statement`` True) or the text between them."""

    text: str
    statement: bool


def segments(text: str) -> list[Segment]:
    """``text`` cut into statements and what lies between them (their concatenation is ``text``).

    A statement ends at a ``.`` outside strings, IRIs, comments and brackets that is followed by
    white space, a comment or the end. Directives (``@prefix``) count as text between statements.
    """
    out: list[Segment] = []
    i, n = 0, len(text)
    gap_start = 0
    while i < n:
        c = text[i]
        if c in " \t\r\n":
            i += 1
            continue
        if c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        if c == "@" or text.startswith(("PREFIX", "BASE", "prefix", "base"), i):  # a directive: up to its line end
            end = text.find("\n", i)
            i = n if end < 0 else end + 1
            continue
        start = i
        i = _statement_end(text, i)
        if gap_start < start:
            out.append(Segment(text[gap_start:start], False))
        out.append(Segment(text[start:i], True))
        gap_start = i
    if gap_start < n:
        out.append(Segment(text[gap_start:], False))
    return out


def _statement_end(text: str, i: int) -> int:
    n = len(text)
    depth = 0
    while i < n:
        c = text[i]
        if c == "#":
            end = text.find("\n", i)
            i = n if end < 0 else end
            continue
        if c == "<":
            end = text.find(">", i)
            i = n if end < 0 else end + 1
            continue
        if c in "\"'":
            quote = c * 3 if text.startswith(c * 3, i) else c
            j = i + len(quote)
            while j < n and not text.startswith(quote, j):
                j += 2 if text[j] == "\\" else 1
            i = j + len(quote)
            continue
        if c in "[(":
            depth += 1
        elif c in "])":
            depth -= 1
        elif c == "." and depth <= 0 and (i + 1 >= n or text[i + 1] in " \t\r\n#"):
            return i + 1
        i += 1
    return n


def declared_prefixes(text: str) -> dict[str, str]:
    return {m.group(1) or "": m.group(2) for line in text.split("\n") if (m := _PREFIX_LINE.match(line))}


def parse(text: str, base_iri: str) -> list[ox.Triple]:
    return [q.triple for q in ox.parse(text.encode(), format=ox.RdfFormat.TURTLE, base_iri=base_iri)]


# -- descriptions -------------------------------------------------------------------------------------


class Described:
    """Triples indexed by subject, with canonical spellings of a subject's description (its triples and,
    recursively, those of the blank nodes below it), which do not depend on blank-node labels."""

    def __init__(self, triples: Iterable[ox.Triple]) -> None:
        self.by_subject: dict[Subject, list[ox.Triple]] = {}
        self.refs: dict[ox.BlankNode, int] = {}
        for t in triples:
            self.by_subject.setdefault(t.subject, []).append(t)  # type: ignore[arg-type]
            if isinstance(t.object, ox.BlankNode):
                self.refs[t.object] = self.refs.get(t.object, 0) + 1

    def spell(self, node: Subject, seen: frozenset[ox.BlankNode] = frozenset()) -> str:
        parts = []
        for t in self.by_subject.get(node, ()):
            o = t.object
            if isinstance(o, ox.BlankNode):
                shown = "[cycle]" if o in seen else "[" + self.spell(o, seen | {o}) + "]"
            else:
                shown = str(o)
            parts.append(f"{t.predicate} {shown}")
        return " ; ".join(sorted(parts))

    def roots(self) -> list[Subject]:
        """Subjects that are named, or blank nodes no triple points at."""
        return [s for s in self.by_subject if not isinstance(s, ox.BlankNode) or s not in self.refs]


# -- writing terms and statements ---------------------------------------------------------------------


class Writer:
    def __init__(self, prefixes: Mapping[str, str]) -> None:
        # longest namespace first, so that id/tiltak/ wins over id/
        self.prefixes = sorted(prefixes.items(), key=lambda kv: -len(kv[1]))
        self.used: set[str] = set()

    def iri(self, value: str) -> str:
        for prefix, ns in self.prefixes:
            if ns and value.startswith(ns) and _LOCAL.fullmatch(value[len(ns) :]):
                self.used.add(prefix)
                return f"{prefix}:{value[len(ns) :]}"
        return f"<{value}>"

    def literal(self, lit: ox.Literal) -> str:
        v = lit.value
        if lit.language is None and lit.datatype.value in _SHORT and _SHORT[lit.datatype.value].fullmatch(v):
            return v
        quoted = (
            '"' + v.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r").replace("\t", "\\t") + '"'
        )
        if lit.language:
            return f"{quoted}@{lit.language}"
        if lit.datatype.value == XSD + "string":
            return quoted
        return f"{quoted}^^{self.iri(lit.datatype.value)}"

    def term(self, term: object, d: Described, indent: int, seen: frozenset[ox.BlankNode]) -> str:
        if isinstance(term, ox.NamedNode):
            return self.iri(term.value)
        if isinstance(term, ox.Literal):
            return self.literal(term)
        if isinstance(term, ox.BlankNode):
            if term in seen or d.refs.get(term, 0) > 1:
                return f"_:{term.value}"
            body = self.predicates(term, d, indent + 4, seen | {term}, {})
            return "[]" if not body else "[\n" + body + "\n" + " " * indent + "]"
        raise TypeError(f"unsupported term {term!r}")

    def predicates(
        self, subject: Subject, d: Described, indent: int, seen: frozenset[ox.BlankNode], order: Mapping[str, int]
    ) -> str:
        groups: dict[str, list[object]] = {}
        for t in d.by_subject.get(subject, ()):
            groups.setdefault(t.predicate.value, []).append(t.object)

        def rank(p: str) -> tuple[int, int, str]:
            return (0 if p == RDF_TYPE else 1, order.get(p, len(order)), p)

        lines = []
        for p in sorted(groups, key=rank):
            objects = groups[p]
            shown_p = "a" if p == RDF_TYPE else self.iri(p)
            values = [self.term(o, d, indent, seen) for o in objects]
            lines.append(" " * indent + f"{shown_p} " + " , ".join(values))
        return " ;\n".join(lines)

    def statement(self, subject: Subject, d: Described, order: Mapping[str, int]) -> str:
        if isinstance(subject, ox.BlankNode) and subject not in d.refs:
            head = "["
            body = self.predicates(subject, d, 4, frozenset({subject}), order)
            return f"{head}\n{body}\n] ."
        head = self.iri(subject.value) if isinstance(subject, ox.NamedNode) else f"_:{subject.value}"
        body = self.predicates(subject, d, 4, frozenset(), order)
        first, _, rest = body.lstrip().partition("\n")
        return f"{head} {first}" + (f"\n{rest}" if rest else "") + " ."


def _ordered(objects: list[ox.Triple], old: list[ox.Triple]) -> list[ox.Triple]:
    """``objects`` (one subject's new triples) in the order the old text had them, new ones after, sorted."""
    pos = {t: i for i, t in enumerate(old)}
    return sorted(objects, key=lambda t: (pos.get(t, len(pos)), str(t.predicate), str(t.object)))


#: What can hold a "prefix:" that is no prefixed name: long and short strings, IRIs, comments (leftmost wins,
#: so a '#' inside an IRI or a string is not a comment, and a quote inside a comment opens no string).
_NOT_CODE = re.compile(
    r'"""(?:[^"\\]|\\.|"(?!""))*"""'
    r"|'''(?:[^'\\]|\\.|'(?!''))*'''"
    r'|"(?:[^"\\\n]|\\.)*"'
    r"|'(?:[^'\\\n]|\\.)*'"
    r"|<[^<>\s]*>"
    r"|#[^\n]*"
)


def _prefix_block(text: str, used: set[str], known: Mapping[str, str]) -> str:
    """``text`` with its prefix block declaring the prefixes it uses, sorted."""
    lines = text.split("\n")
    decl_lines = [i for i, line in enumerate(lines) if _PREFIX_LINE.match(line)]
    text_body = "\n".join(line for line in lines if not _PREFIX_LINE.match(line))
    code_body = _NOT_CODE.sub(" ", text_body)
    declared = {m.group(1) for line in lines if (m := re.match(r"@prefix\s+([\w-]*):", line))}

    def named(p: str, body: str) -> bool:
        return re.search(rf"(?<![\w-]){re.escape(p)}:", body) is not None

    # the prefixes the statements use (not words in strings, IRIs or comments), and a declared one while
    # the text still names it anywhere (as the house-form check counts use): no change, no other block
    wanted = {p for p in known if named(p, code_body) or (p in declared and named(p, text_body))}
    block = [f"@prefix {p}: <{known[p]}> ." for p in sorted(wanted)]
    if decl_lines:
        first = decl_lines[0]
        rest = [line for line in lines[first:] if not _PREFIX_LINE.match(line)]
        return "\n".join(lines[:first] + block + rest)
    # no prefix block yet: after the leading comment lines
    head = 0
    while head < len(lines) and lines[head].startswith("#"):
        head += 1
    return "\n".join(lines[:head] + ([""] if head else []) + block + [""] + lines[head:]).lstrip("\n")


def rewrite(text: str, new: Iterable[ox.Triple], base_iri: str, header: str = "") -> str:
    """``text`` (a Turtle file in house form) changed so that it holds exactly the triples ``new``."""
    wanted = list(new)
    declared = declared_prefixes(text)
    known = {**declared, **{p: str(ns) for p, ns in PREFIXES.items()}}
    prologue = "".join(f"@prefix {p}: <{iri}> .\n" for p, iri in declared.items())
    parts = segments(text)
    old_d = Described(parse(text, base_iri)) if text.strip() else Described(())
    new_d = Described(wanted)
    changed = {s for s in set(old_d.by_subject) | set(new_d.by_subject) if not isinstance(s, ox.BlankNode)}
    changed = {s for s in changed if old_d.spell(s) != new_d.spell(s)}
    old_orphans = sorted(old_d.spell(s) for s in old_d.roots() if isinstance(s, ox.BlankNode))
    new_orphans = sorted(new_d.spell(s) for s in new_d.roots() if isinstance(s, ox.BlankNode))
    orphans_changed = old_orphans != new_orphans
    writer = Writer(known)
    out: list[str] = []
    done: set[Subject] = set()
    drop_gap = False
    for seg in parts:
        if not seg.statement:
            out.append(seg.text[1:] if drop_gap and seg.text.startswith("\n\n") else seg.text)
            drop_gap = False
            continue
        try:
            triples = parse(prologue + seg.text, base_iri)
        except SyntaxError:
            return _fresh(text, wanted, writer, header)
        subjects = {t.subject for t in triples if not isinstance(t.subject, ox.BlankNode)}
        if not subjects:  # a blank-node statement: kept unless the blank-node statements changed
            if orphans_changed:
                drop_gap = True
                continue
            out.append(seg.text)
            continue
        subject: Subject | None = next(iter(subjects)) if len(subjects) == 1 else None  # type: ignore[assignment]
        if subject is None:
            return _fresh(text, wanted, writer, header)
        if subject not in changed:
            out.append(seg.text)
            continue
        if subject in done or subject not in new_d.by_subject:
            drop_gap = True  # the subject's description was written already, or is gone
            continue
        order = {t.predicate.value: i for i, t in enumerate(old_d.by_subject.get(subject, []))}
        new_d.by_subject[subject] = _ordered(new_d.by_subject[subject], old_d.by_subject.get(subject, []))
        out.append(writer.statement(subject, new_d, order))
        done.add(subject)
    added = [s for s in new_d.by_subject if s in changed and s not in done]
    if orphans_changed:
        added += [s for s in new_d.roots() if isinstance(s, ox.BlankNode)]
    result = "".join(out)
    if added:
        result = result.rstrip("\n") + "\n"
        for s in sorted(added, key=str):
            result += "\n" + writer.statement(s, new_d, {}) + "\n"
    result = _prefix_block(result, writer.used, known)
    result = result.rstrip("\n") + "\n" if result.strip() else ""
    if not _holds(result, wanted, base_iri):
        return _fresh(text, wanted, writer, header)
    return result


def _fresh(text: str, wanted: list[ox.Triple], writer: Writer, header: str) -> str:
    """The whole file written afresh from ``wanted`` in the house layout, keeping its leading comment."""
    lines = text.split("\n")
    head = []
    for line in lines:
        if not line.startswith("#"):
            break
        head.append(line)
    d = Described(wanted)
    body = "\n\n".join(writer.statement(s, d, {}) for s in sorted(d.roots(), key=str))
    comment = "\n".join(head) if head else header.rstrip("\n")
    known = {p: iri for p, iri in writer.prefixes}
    result = (comment + "\n\n" if comment else "") + body + "\n"
    return _prefix_block(result, writer.used, known)


def _key(d: Described) -> list[tuple[str, str]]:
    return sorted((str(s) if isinstance(s, ox.NamedNode) else "_", d.spell(s)) for s in d.roots())


def _holds(text: str, wanted: list[ox.Triple], base_iri: str) -> bool:
    """True when ``text`` parses to the triples ``wanted`` (blank nodes compared by what they hold)."""
    try:
        got = parse(text, base_iri)
    except SyntaxError:
        return False
    return len(set(got)) == len(set(wanted)) and _key(Described(got)) == _key(Described(wanted))


def base_iri_of(path: Path) -> str:
    """The base IRI a data file is read with (:func:`k2020graph.loading.parse_quads`)."""
    return path.resolve().as_uri()
