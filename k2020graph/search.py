"""Full-text search over the graph's names, titles, goals and notes (nb, nn, en).

:func:`build_index` turns the loaded graph (its quads) into a :class:`SearchIndex`: an in-memory SQLite
database with two FTS5 tables over the same rows, one row per (resource, field, language, text):

- ``terms``: each word lower-cased and also reduced by the Snowball Norwegian stemmer (applied twice,
  as the stemmer is not idempotent: "sykepleiere" → "sykepleier" → "sykeplei"), so that inflected
  forms meet ("kommunen" and "kommune", "sykepleier" and "sykepleiere"); matched as prefixes, so that
  the first part of a compound finds it ("demens" finds "Demensomsorgens ABC");
- ``grams``: FTS5's trigram tokenizer over the text itself, for a word inside a compound ("pleier" in
  "helsesykepleier").

A word that neither finds is taken for a typo: it is replaced by the nearest indexed words (optimal
string alignment distance, 1 for short words and 2 for longer ones, with rapidfuzz) and the answer
says so. :func:`search` never passes the user's text to FTS5: it keeps only the words (letters and
digits) and writes each as a quoted FTS5 string.

Nothing here is module-level state: each caller holds its own index.
"""

from __future__ import annotations

import re
import sqlite3
import threading
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox
import snowballstemmer
from rapidfuzz import process
from rapidfuzz.distance import OSA

from .errors import InputError
from .namespaces import DEFAULT_BASE

MAX_QUERY_CHARS = 200  # characters of a search text at most
MAX_WORDS = 8  # words of a search text at most
DEFAULT_LIMIT = 20  # results per kind, by default
MAX_LIMIT = 100
SNIPPET_CHARS = 160

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"

#: The indexed fields: local name → predicates (without the base) and weight in the ranking.
#: A "{k2}" predicate is in the project's own namespace (``{base}def#``).
FIELDS: dict[str, tuple[tuple[str, ...], float]] = {
    "label": ((RDFS + "label", SKOS + "prefLabel", SKOS + "altLabel", SKOS + "notation"), 3.0),
    "title": ((DCT + "title", "{k2}name"), 3.0),
    "goal": (("{k2}aim", "{k2}goal", "{k2}purpose", "{k2}targetGroup"), 1.5),
    "note": (
        (SKOS + "note", SKOS + "definition", DCT + "description", RDFS + "comment", "{k2}sourceNote", "{k2}quote"),
        1.0,
    ),
}

#: The kinds of resource found, in the order the results show them, with their names in nb and en.
KINDS: dict[str, dict[str, str]] = {
    "tiltak-k2020": {"nb": "Tiltak i K2020", "en": "K2020 tiltak"},
    "tiltak-k2025": {"nb": "Tiltak i K2025", "en": "K2025 tiltak"},
    "tiltak": {"nb": "Andre tiltak", "en": "Other tiltak"},
    "strategy": {"nb": "Strategier", "en": "Strategies"},
    "actor": {"nb": "Aktører", "en": "Actors"},
    "scheme": {"nb": "Tilskuddsordninger", "en": "Grant schemes"},
    "plan": {"nb": "Planer", "en": "Plans"},
    "concept": {"nb": "Begreper", "en": "Concepts"},
    "source": {"nb": "Kilder", "en": "Sources"},
    "figure": {"nb": "Tall fra kildene", "en": "Figures from the sources"},
}

#: Which classes make which kind (local names under ``{base}def#``, or full IRIs).
_CLASS_KINDS = {
    "{k2}Strategy": "strategy",
    ORG + "FormalOrganization": "actor",
    ORG + "OrganizationalUnit": "actor",
    "{k2}ActorGroup": "actor",
    "{k2}GrantScheme": "scheme",
    "{k2}Plan": "plan",
    SKOS + "Concept": "concept",
    "{k2}SourceDocument": "source",
    "{k2}Figure": "figure",
}

_LANG_ORDER = {"nb": ("nb", "nn", "", "en"), "en": ("en", "", "nb", "nn")}
_WORD = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+", re.UNICODE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: Editorial notes on the transcription name the source files ("seed 001 line 18", "k2025.md"): words that
#: are internal to the project, never shown on the site. Such a text is not indexed.
INTERNAL = re.compile(r"\bseeds?\b|\bseed-?\d|\.md\b|/work/", re.IGNORECASE)


class SearchInputError(InputError):
    """A search text that cannot be searched; ``key`` names its message in nb and en (:data:`MESSAGES`)."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(MESSAGES[key]["en"].format(**values) + " / " + MESSAGES[key]["nb"].format(**values))
        self.key = key
        self.values = values

    def localized(self, lang: str) -> str:
        return MESSAGES[self.key].get(lang, MESSAGES[self.key]["nb"]).format(**self.values)


MESSAGES: dict[str, dict[str, str]] = {
    "empty": {
        "nb": "Skriv ett eller flere ord å søke etter.",
        "en": "Type one or more words to search for.",
    },
    "no_words": {
        "nb": "Søketeksten inneholder ingen ord (bare tegn som {chars}); skriv bokstaver eller tall.",
        "en": "The search text holds no words (only characters such as {chars}); type letters or digits.",
    },
    "too_long": {
        "nb": "Søketeksten er {length} tegn lang; høyst {limit} tegn er tillatt.",
        "en": "The search text is {length} characters long; at most {limit} are allowed.",
    },
    "too_many_words": {
        "nb": "Søketeksten har {count} ord; høyst {limit} er tillatt.",
        "en": "The search text has {count} words; at most {limit} are allowed.",
    },
    # for format_text
    "count": {"nb": "{n} treff for «{q}»", "en": "{n} results for «{q}»"},
    "none": {"nb": "Ingen treff for «{q}».", "en": "No results for «{q}»."},
    "corrected": {
        "nb": "Fant ikke «{word}»; viser treff for {instead}.",
        "en": "«{word}» was not found; showing results for {instead}.",
    },
    "some_words": {
        "nb": "Ingen treff inneholder alle ordene; viser treff med noen av dem.",
        "en": "No result holds every word; showing results with some of them.",
    },
    "more": {"nb": "… og {n} til", "en": "… and {n} more"},
}


# -- words ------------------------------------------------------------------------------------------


def words_of(text: str) -> list[str]:
    """The words of a text, lower-cased: runs of letters, and numbers (with their dots: "3.14")."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).lower())


@dataclass
class Analyzer:
    """Words and stems, as the index and the queries both see them.

    One per index, used under its lock: the stemmer and the memo of stems are not thread-safe.
    """

    stemmer: Any = field(default_factory=lambda: snowballstemmer.stemmer("norwegian"))
    memo: dict[str, str] = field(default_factory=dict, repr=False)

    def stem(self, word: str) -> str:
        if not word.isalpha():
            return word
        stem = self.memo.get(word)
        if stem is None:
            stem = str(self.stemmer.stemWord(self.stemmer.stemWord(word)))
            if len(self.memo) < 100_000:  # bounded: queries add their words too
                self.memo[word] = stem
        return stem

    def tokens(self, text: str) -> str:
        """The text as the ``terms`` table indexes it: every word, and its stem where that differs."""
        out: list[str] = []
        for word in words_of(text):
            out.append(word)
            stem = self.stem(word)
            if stem != word:
                out.append(stem)
        return " ".join(out)


def _fts_string(token: str) -> str:
    """``token`` as an FTS5 string: quoted, so no character of it is FTS5 syntax."""
    return '"' + token.replace('"', '""') + '"'


# -- the index --------------------------------------------------------------------------------------


@dataclass
class Document:
    iri: str
    kind: str
    labels: dict[str, tuple[str, str]]  # reader's lang → the shown name and its own language tag
    titles: dict[str, tuple[str, str]]  # reader's lang → the title (k2:name, dct:title, skos:prefLabel), if another


@dataclass
class SearchIndex:
    """An index built by :func:`build_index`; :func:`search` reads it (one query at a time, by its lock)."""

    connection: sqlite3.Connection
    documents: list[Document]
    vocabulary: list[str]
    analyzer: Analyzer = field(default_factory=Analyzer)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    _beginnings: dict[int, list[str]] = field(default_factory=dict, repr=False)

    def beginnings(self, size: int) -> list[str]:
        """The indexed words and their beginnings of ``size`` - 1 to ``size`` + 1 characters (remembered)."""
        if size not in self._beginnings:
            self._beginnings[size] = sorted({t[:n] for t in self.vocabulary for n in (size - 1, size, size + 1) if len(t) >= n})
        return self._beginnings[size]

    @property
    def size(self) -> int:
        """Indexed texts (rows)."""
        return int(self.connection.execute("SELECT count(*) FROM texts").fetchone()[0])

    def close(self) -> None:
        self.connection.close()


def _pick(values: dict[str, list[str]], lang: str) -> tuple[str, str] | None:
    """The text to show a reader of ``lang`` and its own language tag ("" for none)."""
    for code in _LANG_ORDER.get(lang, _LANG_ORDER["nb"]):
        if values.get(code):
            return sorted(values[code])[0], code
    return None


def _shorten(picked: tuple[str, str] | None, length: int = 90) -> tuple[str, str] | None:
    """A text as a name: its first ``length`` characters, cut at a space."""
    if picked is None or len(picked[0]) <= length:
        return picked
    text, lang = picked
    cut = text.rfind(" ", 0, length)
    return text[: cut if cut > length // 2 else length].rstrip(" ,.;:") + " …", lang


def build_index(quads: Iterable[ox.Quad | ox.Triple], base: str = DEFAULT_BASE) -> SearchIndex:
    """The search index of a graph: its resources of the kinds in :data:`KINDS`, with their texts.

    The texts of a tiltak's records (``k2:recordOf``) count as the tiltak's own. ``base`` is the base
    IRI the data is served under (the project's namespace ``{base}def#`` names its classes).
    """
    k2 = base + "def#"

    def expand(name: str) -> str:
        return name.replace("{k2}", k2)

    field_of = {expand(p): name for name, (preds, _) in FIELDS.items() for p in preds}
    class_kind = {expand(c): kind for c, kind in _CLASS_KINDS.items()}
    tiltak_class, record_class = k2 + "Tiltak", k2 + "TiltakRecord"
    in_plan, record_of = k2 + "inPlan", k2 + "recordOf"

    types: dict[str, set[str]] = defaultdict(set)
    plans: dict[str, str] = {}
    records: dict[str, str] = {}
    texts: dict[str, set[tuple[str, str, str, str]]] = defaultdict(set)  # subject → (field, lang, text, predicate)
    for q in quads:
        s, p, o = q.subject, q.predicate.value, q.object
        if not isinstance(s, ox.NamedNode):
            continue
        if p == RDF_TYPE and isinstance(o, ox.NamedNode):
            types[s.value].add(o.value)
        elif p == in_plan and isinstance(o, ox.NamedNode):
            plans[s.value] = o.value
        elif p == record_of and isinstance(o, ox.NamedNode):
            records[s.value] = o.value
        elif p in field_of and isinstance(o, ox.Literal) and o.value.strip() and not INTERNAL.search(o.value):
            texts[s.value].add((field_of[p], o.language or "", o.value.strip(), p))

    kinds: dict[str, str] = {}
    for iri, classes in types.items():
        if tiltak_class in classes:
            plan = plans.get(iri, "")
            kinds[iri] = "tiltak-k2020" if plan.endswith("/k2020") else "tiltak-k2025" if plan.endswith("/k2025") else "tiltak"
            continue
        for cls in classes:
            if cls in class_kind:
                kinds[iri] = class_kind[cls]
                break
    for record, tiltak in records.items():
        if tiltak in kinds and record_class in types.get(record, set()):
            texts[tiltak] |= texts.get(record, set())

    analyzer = Analyzer()
    conn = sqlite3.connect(":memory:", check_same_thread=False)
    conn.executescript(
        """
        CREATE TABLE texts(id INTEGER PRIMARY KEY, doc INTEGER NOT NULL, field TEXT NOT NULL, lang TEXT NOT NULL,
                           body TEXT NOT NULL);
        CREATE VIRTUAL TABLE terms USING fts5(tokens, content='', tokenize="unicode61 tokenchars '.,'");
        CREATE VIRTUAL TABLE grams USING fts5(body, content='', tokenize='trigram');
        CREATE VIRTUAL TABLE vocab USING fts5vocab(terms, 'row');
        """
    )
    documents: list[Document] = []
    rows: list[tuple[int, int, str, str, str]] = []
    for iri in sorted(kinds):
        own = texts.get(iri)
        if not own:
            continue
        label_preds = (RDFS + "label", SKOS + "prefLabel")
        labels: dict[str, list[str]] = defaultdict(list)
        titles: dict[str, list[str]] = defaultdict(list)
        prefs: dict[str, list[str]] = defaultdict(list)
        notes: dict[str, list[str]] = defaultdict(list)
        for fname, lang, text, pred in own:
            if fname == "note":
                notes[lang].append(text)
            if pred == label_preds[0]:
                labels[lang].append(text)
            elif pred == label_preds[1]:
                prefs[lang].append(text)
            elif fname == "title":
                titles[lang].append(text)
        doc = Document(iri, kinds[iri], {}, {})
        for lang in _LANG_ORDER:
            label = _pick(labels, lang) or _pick(prefs, lang) or _pick(titles, lang) or _shorten(_pick(notes, lang))
            title = _pick(titles, lang) or (_pick(prefs, lang) if labels else None)
            doc.labels[lang] = label or (iri, "")
            if title and title[0] != doc.labels[lang][0]:
                doc.titles[lang] = title
        index = len(documents)
        documents.append(doc)
        seen: set[tuple[str, str, str]] = set()
        for fname, lang, text, _ in sorted(own):
            if (fname, lang, text) not in seen:
                seen.add((fname, lang, text))
                rows.append((len(rows) + 1, index, fname, lang, text))
    conn.executemany("INSERT INTO texts VALUES (?, ?, ?, ?, ?)", rows)
    conn.executemany("INSERT INTO terms(rowid, tokens) VALUES (?, ?)", ((r[0], analyzer.tokens(r[4])) for r in rows))
    conn.executemany("INSERT INTO grams(rowid, body) VALUES (?, ?)", ((r[0], r[4]) for r in rows))
    vocabulary = [row[0] for row in conn.execute("SELECT term FROM vocab WHERE term GLOB '[^0-9]*'")]
    return SearchIndex(conn, documents, vocabulary, analyzer)


# -- queries ----------------------------------------------------------------------------------------


@dataclass
class Hit:
    iri: str
    kind: str
    label: str
    title: str | None
    field: str
    lang: str
    snippet: str
    highlights: list[tuple[int, int]]
    score: float
    label_lang: str = ""  # the language tags of the label and the title ("" for none)
    title_lang: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {
            "iri": self.iri,
            "kind": self.kind,
            "label": self.label,
            "labelLang": self.label_lang or None,
            "title": self.title,
            "titleLang": self.title_lang or None,
            "field": self.field,
            "lang": self.lang or None,
            "snippet": self.snippet,
            "highlights": [list(h) for h in self.highlights],
            "score": round(self.score, 4),
        }

    def parts(self) -> list[tuple[str, bool]]:
        """The snippet as (text, highlighted) pieces, for a page to mark up."""
        out, at = [], 0
        for start, end in self.highlights:
            if start > at:
                out.append((self.snippet[at:start], False))
            out.append((self.snippet[start:end], True))
            at = end
        if at < len(self.snippet):
            out.append((self.snippet[at:], False))
        return out


@dataclass
class Group:
    kind: str
    title: str
    total: int
    hits: list[Hit]

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "title": self.title, "total": self.total, "results": [h.as_dict() for h in self.hits]}


@dataclass
class SearchResults:
    query: str
    words: list[str]
    lang: str
    total: int
    groups: list[Group]
    corrections: dict[str, list[str]]  # a word found nowhere → the indexed words searched instead
    all_words: bool  # every word found in each result (else: results holding some of them)

    def as_dict(self) -> dict[str, Any]:
        return {
            "query": self.query,
            "words": self.words,
            "lang": self.lang,
            "total": self.total,
            "allWords": self.all_words,
            "corrections": self.corrections,
            "groups": [g.as_dict() for g in self.groups],
        }


def parse_query(q: str) -> list[str]:
    """The words of a search text; :class:`SearchInputError` if it is empty, too long or has no words."""
    text = _CONTROL.sub(" ", q or "").strip()
    if not text:
        raise SearchInputError("empty")
    if len(text) > MAX_QUERY_CHARS:
        raise SearchInputError("too_long", length=len(text), limit=MAX_QUERY_CHARS)
    words = list(dict.fromkeys(words_of(text)))
    if not words:
        shown = " ".join(dict.fromkeys(c for c in text if not c.isspace()))[:20]
        raise SearchInputError("no_words", chars=shown)
    if len(words) > MAX_WORDS:
        raise SearchInputError("too_many_words", count=len(words), limit=MAX_WORDS)
    return words


@dataclass
class _WordMatch:
    rows: dict[int, float]  # text row → score (higher is better)
    stems: list[str]  # what a word of the text must start with to be highlighted
    infix: str | None  # or contain


def _match_word(index: SearchIndex, word: str, fuzzy: bool = True) -> tuple[_WordMatch, list[str] | None]:
    """The rows a word finds, and the words searched instead of it where it was taken for a typo."""
    conn, analyzer = index.connection, index.analyzer
    stem = analyzer.stem(word)
    prefix = stem if len(stem) >= 4 or not word.isalpha() else word
    rows: dict[int, float] = {}
    for rowid, rank in conn.execute(
        "SELECT rowid, bm25(terms) FROM terms WHERE terms MATCH ?",
        (_fts_string(prefix) + (" *" if len(prefix) >= 3 else ""),),  # "i", "og": whole words only
    ):
        rows[rowid] = -rank + 1.0  # bm25 is lower for better matches
    infix = None
    if word.isalpha() and len(word) >= 4:
        infix = word
        for (rowid,) in conn.execute("SELECT rowid FROM grams WHERE grams MATCH ?", (_fts_string(word),)):
            rows.setdefault(rowid, 0.5)
    if rows or not fuzzy or not word.isalpha() or len(word) < 3:
        return _WordMatch(rows, [prefix], infix), None
    # A typo: the nearest indexed words or beginnings of words (at the smallest distance found), each
    # searched as the word was ("demnes" → "demens", the beginning of "demensomsorgens").
    cutoff = 1 if len(word) <= 5 else 2
    choices = index.beginnings(len(word))
    near = process.extract(word, choices, scorer=OSA.distance, score_cutoff=cutoff, limit=16)
    if not near:
        return _WordMatch({}, [prefix], None), []
    best = min(d for _, d, _ in near)
    candidates = sorted({term for term, d, _ in near if d == best})[:4]
    stems: list[str] = []
    for candidate in candidates:
        found, _ = _match_word(index, candidate, fuzzy=False)
        for rowid, score in found.rows.items():
            rows[rowid] = max(rows.get(rowid, 0.0), score * 0.8)
        stems += found.stems
    return _WordMatch(rows, stems, None), candidates


def _marker(matches: list[_WordMatch]) -> re.Pattern[str]:
    """What to mark in a text: words beginning with a searched stem, or holding a searched inner part.

    A stem is a beginning of its word (the stemmer only takes endings off), so a word's beginning tells.
    """
    stems = sorted({re.escape(s) for wm in matches for s in wm.stems}, key=len, reverse=True)
    infixes = sorted({re.escape(wm.infix) for wm in matches if wm.infix}, key=len, reverse=True)
    parts = []
    if stems:
        parts.append(r"(?<!\w)(?:" + "|".join(stems) + r")\w*(?:[.,]\d+)*")
    if infixes:
        parts.append(r"\w*(?:" + "|".join(infixes) + r")\w*")
    return re.compile("|".join(parts) or r"(?!)", re.IGNORECASE)


def _snippet(text: str, marker: re.Pattern[str]) -> tuple[str, list[tuple[int, int]]]:
    spans = [m.span() for m in marker.finditer(text) if m.end() > m.start()]
    if len(text) <= SNIPPET_CHARS:
        return text, spans
    first = spans[0][0] if spans else 0
    start = max(0, first - SNIPPET_CHARS // 3)
    if start > 0:
        space = text.find(" ", start)
        start = space + 1 if 0 <= space < first else start
    end = min(len(text), start + SNIPPET_CHARS)
    if end < len(text):
        space = text.rfind(" ", start, end)
        end = space if space > (spans[0][1] if spans else start) else end
    lead, tail = ("…" if start > 0 else ""), ("…" if end < len(text) else "")
    shift = len(lead) - start
    shown = [(s + shift, e + shift) for s, e in spans if s >= start and e <= end]
    return lead + text[start:end] + tail, shown


def search(index: SearchIndex, q: str, lang: str = "nb", limit: int = DEFAULT_LIMIT) -> SearchResults:
    """The resources whose texts hold the words of ``q``, grouped by kind, best first in each group.

    Every word (but those of one or two letters, where there are longer ones) must be found in a resource,
    in any of its texts; where no resource holds them all, those holding most of them are shown
    (``all_words`` false). ``limit``: results per kind.
    """
    words = parse_query(q)
    # Words of one or two letters ("i", "og", "av") are left out where there are others: most texts hold them.
    words = [w for w in words if not (w.isalpha() and len(w) <= 2)] or words
    lang = lang if lang in _LANG_ORDER else "nb"
    limit = max(1, min(limit, MAX_LIMIT))
    with index.lock:
        conn = index.connection
        matches: list[_WordMatch] = []
        corrections: dict[str, list[str]] = {}
        for word in words:
            match, instead = _match_word(index, word)
            matches.append(match)
            if instead:
                corrections[word] = instead
        all_ids = sorted({r for m in matches for r in m.rows})
        info: dict[int, tuple[int, str, str, str]] = {}
        for chunk in range(0, len(all_ids), 500):
            ids = all_ids[chunk : chunk + 500]
            marks = ",".join("?" * len(ids))
            for rowid, doc, fname, tlang, body in conn.execute(
                f"SELECT id, doc, field, lang, body FROM texts WHERE id IN ({marks})", ids
            ):
                info[rowid] = (doc, fname, tlang, body)
        # per document: which words it holds, its score, its best text
        found: dict[int, set[int]] = defaultdict(set)
        score: dict[int, float] = defaultdict(float)
        best_row: dict[int, tuple[float, int]] = {}
        row_words: dict[int, int] = defaultdict(int)
        for i, m in enumerate(matches):
            per_doc: dict[int, float] = {}
            for rowid, s in m.rows.items():
                doc, fname, tlang, _ = info[rowid]
                weighted = s * FIELDS[fname][1]
                per_doc[doc] = max(per_doc.get(doc, 0.0), weighted)
                row_words[rowid] += 1
            for doc, s in per_doc.items():
                found[doc].add(i)
                score[doc] += s
        for rowid, n in row_words.items():
            doc, fname, tlang, _ = info[rowid]
            preference = (n, FIELDS[fname][1], 1 if tlang == lang or (lang == "nb" and tlang == "nn") else 0)
            key = preference[0] * 100 + preference[1] * 10 + preference[2]
            if doc not in best_row or key > best_row[doc][0]:
                best_row[doc] = (key, rowid)
        everything = [d for d, w in found.items() if len(w) == len(words)]
        all_words = bool(everything) or len(words) == 1
        chosen = everything or sorted(found)
        by_kind: dict[str, list[int]] = defaultdict(list)
        for doc in chosen:
            by_kind[index.documents[doc].kind].append(doc)
        groups: list[Group] = []
        marker = _marker(matches)
        for kind, names in KINDS.items():
            docs = by_kind.get(kind)
            if not docs:
                continue
            docs.sort(key=lambda d: (-len(found[d]), -score[d], index.documents[d].labels[lang][0]))
            hits = []
            for doc in docs[:limit]:
                d = index.documents[doc]
                _, rowid = best_row[doc]
                _, fname, tlang, body = info[rowid]
                snippet, spans = _snippet(body, marker)
                label, title = d.labels[lang], d.titles.get(lang)
                hits.append(
                    Hit(
                        iri=d.iri,
                        kind=kind,
                        label=label[0],
                        title=title[0] if title else None,
                        field=fname,
                        lang=tlang,
                        snippet=snippet,
                        highlights=spans,
                        score=score[doc] / len(words),
                        label_lang=label[1],
                        title_lang=title[1] if title else "",
                    )
                )
            groups.append(Group(kind, names.get(lang, names["nb"]), len(docs), hits))
    total = sum(g.total for g in groups)
    return SearchResults(_CONTROL.sub(" ", q).strip(), words, lang, total, groups, corrections, all_words)


def format_text(results: SearchResults) -> str:
    """The results as lines for a terminal (``k2020graph search``), in the results' language."""

    def say(key: str, **values: object) -> str:
        return MESSAGES[key].get(results.lang, MESSAGES[key]["nb"]).format(**values)

    lines = []
    for word, instead in results.corrections.items():
        lines.append(say("corrected", word=word, instead=", ".join(f"«{w}»" for w in instead)))
    if not results.all_words:
        lines.append(say("some_words"))
    if not results.total:
        lines.append(say("none", q=results.query))
        return "\n".join(lines) + "\n"
    lines.append(say("count", n=results.total, q=results.query))
    for group in results.groups:
        lines.append("")
        lines.append(f"{group.title} ({group.total})")
        for hit in group.hits:
            lines.append(f"  {hit.label}" + (f" – {hit.title}" if hit.title else "") + f"  <{hit.iri}>")
            if hit.snippet not in (hit.label, hit.title):
                shown = "".join(f"[{part}]" if marked else part for part, marked in hit.parts())
                lines.append("      " + " ".join(shown.split()))
        if group.total > len(group.hits):
            lines.append("  " + say("more", n=group.total - len(group.hits)))
    return "\n".join(lines) + "\n"
