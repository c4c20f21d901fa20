"""The derived "direct layer": runs the rules in ``rules/*.rq`` over a loaded store.

Each rule is one SPARQL ``CONSTRUCT`` per concern (a property of the direct layer, the kinds of
actors), with ``#+`` metadata lines on top as the canned queries have them (``title@nb``,
``title@en``, ``derives``, ``from``, ``description@en``). Every rule reads the records only, never
another rule's output, so the rules run in one pass, in any order, and running them again over the
data with the derived triples gives the same triples (a test checks this). Which value wins where
sources disagree is written in the rules themselves (the newest source that states the property,
by the year of its ``dct:modified``, else of its ``dct:issued``, else of its ``dct:temporal``), not in the order they run.

:func:`derive` is pure: it only queries the store it is given and returns the derived triples;
:meth:`k2020graph.loading.KnowledgeGraph.load` adds them to its store and keeps them apart
(``KnowledgeGraph.derived``) so that exports can leave them out.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from .errors import InputError
from .namespaces import DEFAULT_BASE

_META = re.compile(r"^#\+\s*([\w-]+)(?:@([a-z]{2}))?\s*:\s*(.*?)\s*$")


@dataclass(frozen=True)
class Rule:
    """One derivation rule: a ``CONSTRUCT`` query and what its header says about it."""

    name: str
    path: Path
    text: str
    title: dict[str, str] = field(default_factory=dict)
    derives: tuple[str, ...] = ()
    source: str = ""
    description: str = ""


def read_rule(path: Path) -> Rule:
    """Read one rule file; a file without a title or without ``derives`` is unusable input."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"cannot read rule: {exc}", path) from None
    title: dict[str, str] = {}
    derives: list[str] = []
    source = ""
    description: list[str] = []
    for line in text.splitlines():
        m = _META.match(line)
        if not m:
            continue
        key, lang, value = m.groups()
        if key == "title" and lang:
            title[lang] = value
        elif key == "derives":
            derives.extend(v.strip() for v in value.split(",") if v.strip())
        elif key == "from":
            source = value
        elif key == "description":
            description.append(value)
    if not title or not derives:
        raise InputError("rule header lacks '#+ title@en:' or '#+ derives:' / regelen mangler tittel eller 'derives'", path)
    if not re.search(r"^\s*CONSTRUCT\b", text, re.MULTILINE | re.IGNORECASE):
        raise InputError("a rule must be a SPARQL CONSTRUCT query / en regel må være en SPARQL CONSTRUCT-spørring", path)
    return Rule(path.stem, path, text, title, tuple(derives), source, " ".join(description))


def read_rules(paths: Iterable[Path]) -> list[Rule]:
    return [read_rule(p) for p in sorted(paths)]


def derive(store: ox.Store, rules: Sequence[Rule], base: str = DEFAULT_BASE) -> list[ox.Quad]:
    """The triples that ``rules`` derive from ``store`` (default graph), without duplicates.

    The store is only queried. Rules are written against :data:`DEFAULT_BASE`; data loaded under
    another base is matched by rewriting the rule text the same way the data was rebased.
    """
    seen: set[ox.Quad] = set()
    for rule in rules:
        text = rule.text if base == DEFAULT_BASE else rule.text.replace(DEFAULT_BASE, base)
        try:
            result = store.query(text)
        except (SyntaxError, ValueError, OSError) as exc:
            raise InputError(f"rule cannot run / regelen kan ikke kjøres: {exc}", rule.path) from None
        if not isinstance(result, ox.QueryTriples):
            raise InputError("a rule must be a SPARQL CONSTRUCT query / en regel må være en SPARQL CONSTRUCT-spørring", rule.path)
        for triple in result:
            seen.add(ox.Quad(triple.subject, triple.predicate, triple.object))
    return list(seen)
