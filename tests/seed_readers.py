"""Independent readers of the raw source documents (seeds 000, 001, 002), written from their layout.

Nothing here imports k2020graph: these readers give the tests their expectations, so they must not
share code with what they check. Each reader says which layout it assumes; every place where the
layout alone does not decide a reading is a named, commented table in ``tests/test_transcription.py``.

Line numbers are 1-based, as ``grep -n`` gives them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from pathlib import Path

NBSP = "\u00a0"
SEED_000 = "000_39e83a8743c44998.txt"
SEED_001 = "001_85afa97b513bbd00.txt"
SEED_002 = "002_a3c7bc13e67f0b4f.txt"


def read_lines(seeds: Path, name: str) -> list[str]:
    """The file's lines; index 0 is line 1."""
    return (seeds / name).read_text(encoding="utf-8").split("\n")


def clean(text: str) -> str:
    """A cell's text without the spaces and NO-BREAK SPACEs at the ends of each of its lines."""
    return "\n".join(line.strip(" " + NBSP) for line in text.split("\n"))


# ==================================================================================================
# Seed 001: "Tabell 1", one cell per paragraph (paragraphs are separated by empty lines)
# ==================================================================================================

FINAL_HEADER = (
    "Nr.",
    "Ref. tiltak nr.",
    "Navn på tiltaket",
    "Type tiltak",
    "Tiltak startet",
    "Tiltak avsluttet",
    "Tiltak videreført",
    "i K2025",
    "Ref. i K2025",
)
ROW_NUMBER = re.compile(r"[1-6]\.\d{1,2}")


@dataclass(frozen=True)
class Paragraph:
    first: int  # line number
    last: int
    text: str  # the lines joined by "\n", exactly as in the file

    @property
    def empty(self) -> bool:
        return self.text.strip(" " + NBSP) == ""


@dataclass
class FinalRow:
    """One row of seed 001's Tabell 1: its paragraphs, by column."""

    number: str
    first: int
    last: int
    ref: Paragraph  # "Ref. tiltak nr."
    name: Paragraph
    middle: list[Paragraph]  # between the name and the start: type cell, notes, scheme lists
    start: Paragraph
    end: Paragraph
    answer: Paragraph  # "Tiltak videreført i K2025"
    k2025: Paragraph  # "Ref. i K2025"


def paragraphs(lines: list[str], first: int, last: int) -> list[Paragraph]:
    """Paragraphs of lines first..last (line numbers); a paragraph holding only U+00A0 is a cell."""
    out: list[Paragraph] = []
    block: list[int] = []
    for n in range(first, last + 1):
        if lines[n - 1] == "":
            if block:
                out.append(Paragraph(block[0], block[-1], "\n".join(lines[i - 1] for i in block)))
                block = []
        else:
            block.append(n)
    if block:
        out.append(Paragraph(block[0], block[-1], "\n".join(lines[i - 1] for i in block)))
    return out


def read_final_table(seeds: Path) -> list[FinalRow]:
    """Every row of Tabell 1 in seed 001, in order.

    Layout: after the nine header paragraphs, a row is its number, the reference cell (a number, a
    bracketed number or empty), the name, then one or more paragraphs of the type cell and notes, and
    four last cells: started, ended, continued (Ja/Nei), Ref. i K2025. Between strategies the table
    has one row of eight empty cells. A row starts at a number followed by an empty-or-number cell
    and then a name (text that is not a number).
    """
    lines = read_lines(seeds, SEED_001)
    top = next(i for i, line in enumerate(lines, 1) if line.startswith("Tabell 1: Tiltaksportefølje i planperioden"))
    bottom = next(i for i, line in enumerate(lines, 1) if i > top and line.startswith("Tabell 1:"))
    paras = paragraphs(lines, top + 1, bottom - 1)
    header = tuple(p.text for p in paras[: len(FINAL_HEADER)])
    if header != FINAL_HEADER:
        raise ValueError(f"seed 001: unexpected table header {header}")
    paras = paras[len(FINAL_HEADER) :]

    def is_ref(p: Paragraph) -> bool:
        return p.empty or bool(re.fullmatch(r"\(?[1-6]\.\d{1,2}\)?", p.text.strip()))

    def is_name(p: Paragraph) -> bool:
        return not p.empty and not re.fullmatch(r"[\d./()\s-]+", p.text)

    starts = [
        k for k in range(len(paras) - 2) if ROW_NUMBER.fullmatch(paras[k].text) and is_ref(paras[k + 1]) and is_name(paras[k + 2])
    ]
    rows = []
    for i, k in enumerate(starts):
        stop = starts[i + 1] if i + 1 < len(starts) else len(paras)
        cells = paras[k:stop]
        number = cells[0].text
        following = paras[stop].text if stop < len(paras) else None
        if following is not None and following.split(".")[0] != number.split(".")[0]:
            # the strategy changes: the row of eight empty cells between strategies ends this run
            separator, cells = cells[-8:], cells[:-8]
            if not all(p.empty for p in separator):
                raise ValueError(f"seed 001: no empty separator row after {number} (line {cells[0].first})")
        if len(cells) < 8:
            raise ValueError(f"seed 001: row {number} at line {cells[0].first} has only {len(cells)} cells")
        rows.append(
            FinalRow(
                number=number,
                first=cells[0].first,
                last=cells[-1].last,
                ref=cells[1],
                name=cells[2],
                middle=cells[3:-4],
                start=cells[-4],
                end=cells[-3],
                answer=cells[-2],
                k2025=cells[-1],
            )
        )
    return rows


# ==================================================================================================
# Seed 000: chapter 5 table, OCR of a four-column PDF table run together line by line
# ==================================================================================================


@dataclass
class OverviewRow:
    """One row of seed 000's chapter 5 table: its number(s) and its lines (line number, text)."""

    numbers: tuple[str, ...]  # the row's own number first, then the other number of a double number
    opening: str  # the raw number token(s) that open the row
    lines: list[tuple[int, str]]  # from the opening line to the last line before the next row/page end
    link_block: list[str] = field(default_factory=list)  # full addresses listed after the row's page
    fragment: list[tuple[int, str]] = field(default_factory=list)  # lines the OCR moved elsewhere

    @property
    def number(self) -> str:
        return self.numbers[0]

    @property
    def first(self) -> int:
        return self.lines[0][0]

    @property
    def last(self) -> int:
        return max(n for n, text in self.lines if text.strip())

    @property
    def all_lines(self) -> list[tuple[int, str]]:
        return self.lines + self.fragment


URL_LINE = re.compile(r"https?://\S+")
PAGE_HEADER = re.compile(r"Tiltak/oppdrag|^\s*Nummer p")


def _dotless(token: str) -> str | None:
    """A row number whose dot the OCR lost: "11" is 1.1, "311" is 3.11."""
    if re.fullmatch(r"[1-6]\d{1,2}", token):
        return f"{token[0]}.{token[1:]}"
    return None


Fragment = tuple[int, list[tuple[int, str]]]  # (first line, its lines)


def read_overview_2017(seeds: Path, mangled_openings: dict[str, tuple[str, ...]]) -> tuple[list[OverviewRow], list[Fragment]]:
    """The rows of seed 000's chapter 5 table, and the out-of-place fragments (first line, lines).

    Layout: each table page starts with a header line ("... Tiltak/oppdrag Ansvarleg ... Mal med
    tiltaket"); a row starts with its number (legible "3.15", dotless "311", or one of the mangled
    double numbers given in ``mangled_openings``) followed by the first words of the name; after the
    page's rows come three or more empty lines and the page's block of full web addresses. A text
    block that starts with a space but with no number (e.g. " deira familiar") is a piece of a row
    that the OCR printed out of place: it runs to the next page header.
    """
    lines = read_lines(seeds, SEED_000)
    top = next(i for i, line in enumerate(lines, 1) if "Oversikt over alle tiltak i Kompetanse" in line)
    numbered = [(n, lines[n - 1]) for n in range(top + 1, len(lines) + 1)]

    def opening(text: str) -> tuple[str, tuple[str, ...]] | None:
        stripped = text.lstrip()
        for raw, numbers in mangled_openings.items():
            if stripped.startswith(raw + " "):
                return raw, numbers
        m = re.match(r"([1-6]\.\d{1,2}|\d{2,3}) +(?=[A-ZÆØÅa-zæøå(])", stripped)
        if m:
            token = m.group(1)
            number = token if "." in token else _dotless(token)
            if number:
                return token, (number,)
        return None

    rows: list[OverviewRow] = []
    fragments: list[Fragment] = []
    pending: list[OverviewRow] = []  # rows opened since the last link block
    current: OverviewRow | None = None
    fragment: list[tuple[int, str]] = []
    state = "rows"  # or "links" or "fragment"
    block: list[str] = []
    blank_run = 0
    for n, text in numbered:
        if text.strip() == "":
            blank_run += 1
            if state == "rows" and current is not None:
                current.lines.append((n, text))
            continue
        after_blanks, blank_run = blank_run, 0
        full_url = bool(URL_LINE.fullmatch(text.strip()))
        if PAGE_HEADER.search(text):
            state, current = "rows", None
        elif (found := opening(text)) is not None:
            current = OverviewRow(numbers=found[1], opening=found[0], lines=[(n, text)])
            rows.append(current)
            pending.append(current)
            state = "rows"
        elif full_url and (state == "links" or after_blanks >= 2):
            if state != "links":
                block = []
                for r in pending:
                    r.link_block = block
                pending = []
            block.append(text.strip())
            state, current = "links", None
        elif state == "rows" and current is not None and not text.startswith(" "):
            current.lines.append((n, text))
        elif state == "fragment":
            fragment.append((n, text))
        else:
            fragment = [(n, text)]
            fragments.append((n, fragment))
            state, current = "fragment", None
    for r in rows:
        while r.lines and not r.lines[-1][1].strip():
            r.lines.pop()
    return rows, fragments


# --------------------------------------------------------------------------------------------------
# Reading OCR text: does a clean text read as (a part of) the raw lines?
# --------------------------------------------------------------------------------------------------

# What the OCR of seed 000 prints for a letter (lower case). Only letter confusions seen in the file;
# a letter changed to anything else is a different text.
OCR_READS = {
    "ø": ("ø", "g", "@", "e", "a", "o", "0", "z", "ea"),
    "å": ("å", "a", "d", "&", "3", "4", "@"),
    "æ": ("æ", "ae", "ee", "a", "e"),
    "o": ("o", "0"),
    "g": ("g", "q"),
    "l": ("l", "i", "1"),
    "i": ("i", "l", "j", "|"),
    "j": ("j", "i"),
    ":": (":", "."),
    "/": ("/",),
}


def _alternatives(ch: str) -> tuple[str, ...]:
    return OCR_READS.get(ch, (ch,))


def reads_as_line_starts(text: str, lines: list[str], first_offset: int = 0) -> bool:
    """True if ``text`` is the left column of ``lines``: the first words of successive lines.

    The text is a sequence of pieces, each the start of a line (the first piece starts at
    ``first_offset`` of the first line) that ends at a word boundary (a space, "|" or the line's
    end), the lines taken in order (a line may give nothing). Spaces are ignored (the OCR drops and
    adds them), a hyphen that ends a piece may be dropped (a word broken over two lines), and letters
    may be read as in ``OCR_READS``.
    """
    t = "".join(c for c in text.lower() if not c.isspace())
    raw = [line.lower() for line in lines]

    def boundary(li: int, ci: int) -> bool:
        line = raw[li]
        return ci >= len(line) or line[ci] in " |"

    @cache
    def go(ti: int, li: int, ci: int) -> bool:
        line = raw[li]
        if boundary(li, ci):
            if ti == len(t):
                return True
            for nxt in range(li + 1, len(raw)):
                start = len(raw[nxt]) - len(raw[nxt].lstrip(" |"))
                if go(ti, nxt, start):
                    return True
        if ci < len(line) and line[ci] == " ":
            return go(ti, li, ci + 1)
        if ci < len(line) and line[ci] == "-" and boundary(li, ci + 1) and go(ti, li, ci + 1):
            return True
        if ti < len(t):
            for alt in _alternatives(t[ti]):
                if line.startswith(alt, ci) and go(ti + 1, li, ci + len(alt)):
                    return True
        return False

    return go(0, 0, first_offset)


def url_starts(lines: list[str]) -> list[tuple[int, int]]:
    """(line index, column) of every web address that begins in the lines."""
    out = []
    for li, line in enumerate(lines):
        for m in re.finditer(r"(?:(?<=\s)|^)(https?[:.]//|www\.)", line):
            out.append((li, m.start()))
    return out


def reads_as_url(url: str, lines: list[str], li: int, ci: int) -> bool:
    """True if ``url`` is written from (li, ci) on: whole words of successive lines, joined.

    A web address that wraps continues with whole words of the next non-empty lines; a hyphen that
    ends a piece may be dropped; a line may give nothing (the address is in the right column, and
    lines of other columns come between); letters as in ``OCR_READS``; "http://" may be left out
    before "www.".
    """
    u = url.lower()
    raw = [line.lower() for line in lines]
    if raw[li].startswith("www.", ci):
        u = re.sub(r"^https?://", "", u)

    def boundary(lj: int, cj: int) -> bool:
        line = raw[lj]
        return cj >= len(line) or line[cj] == " "

    @cache
    def go(ui: int, lj: int, cj: int) -> bool:
        line = raw[lj]
        if boundary(lj, cj):
            if ui == len(u):
                return True
            for nxt in range(lj + 1, len(raw)):
                for m in re.finditer(r"(?:(?<=\s)|^)\S", raw[nxt]):
                    if go(ui, nxt, m.start()):
                        return True
            return False
        if line[cj] == "-" and boundary(lj, cj + 1) and go(ui, lj, cj + 1):
            return True
        if ui < len(u):
            for alt in _alternatives(u[ui]):
                if line.startswith(alt, cj) and go(ui + 1, lj, cj + len(alt)):
                    return True
        return False

    return go(0, li, ci)


# ==================================================================================================
# Seed 002: numbers as written in Norwegian text
# ==================================================================================================

GROUPED = re.compile(r"\d{1,3}(?: \d{3})+(?:,\d+)?|\d+(?:,\d+)?")
MULTIPLIERS = {
    "mill": 1_000_000,
    "mill.": 1_000_000,
    "millioner": 1_000_000,
    "million": 1_000_000,
    "mrd": 1_000_000_000,
    "mrd.": 1_000_000_000,
    "milliarder": 1_000_000_000,
    "tusen": 1_000,
}


# Small numbers written as words (bokmål)
NUMBER_WORDS = {
    "to": 2,
    "tre": 3,
    "fire": 4,
    "fem": 5,
    "seks": 6,
    "sju": 7,
    "syv": 7,
    "åtte": 8,
    "ni": 9,
    "ti": 10,
    "elleve": 11,
    "tolv": 12,
}


def numbers_as_written(text: str) -> list[tuple[str, Decimal]]:
    """Every reading of a number in ``text`` as (the text as written, its value).

    A number is one token of digits (a decimal comma allowed) or a run of tokens grouped by threes
    with spaces ("32 183"); since a table row puts numbers side by side ("149 666 152 816"), every
    run that forms a grouped number is a reading. A number followed by "mill."/"mrd."/"tusen" also
    reads as that multiple.
    """
    tokens = [t.strip('.,;:()»«"”') for t in text.replace(NBSP, " ").split()]
    out: list[tuple[str, Decimal]] = []
    for i in range(len(tokens)):
        for j in range(i + 1, min(i + 5, len(tokens)) + 1):
            written = " ".join(tokens[i:j])
            if j == i + 1 and written.lower() in NUMBER_WORDS:
                out.append((tokens[i], Decimal(NUMBER_WORDS[written.lower()])))
                continue
            if not GROUPED.fullmatch(written):
                continue
            value = Decimal(written.replace(" ", "").replace(",", "."))
            out.append((written, value))
            factor = MULTIPLIERS.get(tokens[j].lower()) if j < len(tokens) else None
            word = text.replace(NBSP, " ").split()[j].lower() if j < len(tokens) else ""
            if factor is None and word.rstrip(".,") in MULTIPLIERS:
                factor = MULTIPLIERS[word.rstrip(".,")]
            if factor:
                out.append((written, value * factor))
    return out


# ==================================================================================================
# Seed 002: chapter 2, one section per tiltak heading («1.1  Rekruttering: Menn i helse»)
# ==================================================================================================

#: A tiltak heading: its number (and a second one after "/"), then the name; a sub-heading such as
#: "4.2.1 …" has a third number and is no tiltak heading.
SECTION_HEADING = re.compile(r"^ {0,2}([1-6]\.\d{1,2})(?:/([1-6]\.\d{1,2}))? {1,2}(?=[A-ZÆØÅ])")
SUB_HEADING = re.compile(r"^ {0,2}[1-6]\.\d{1,2}\.\d{1,2} \S")
PART_HEADINGS = {
    "results": re.compile(r"^ ?(?:Resultater i 2016|Resultater 2016|Resultatrapport 2016) *$"),
    "assessment": re.compile(r"^ ?Vurdering *$"),
}


@dataclass
class TiltakSection:
    """One tiltak section of seed 002's chapter 2: its lines and the headings of its parts."""

    number: str
    other: str | None  # the second number of "3.14/4.4"
    first: int  # the heading's line
    last: int  # the section's last line with text
    lines: dict[int, str] = field(default_factory=dict)  # line number -> line, first..last
    parts: dict[str, list[int]] = field(default_factory=dict)  # "results"/"assessment" -> heading lines
    sub_headings: list[int] = field(default_factory=list)

    def running_text(self) -> str:
        """The section's words in order, one space apart: no page numbers, no footnote blocks."""
        return running_text(self.lines, self.first, self.last)


def running_text(lines: Mapping[int, str], first: int, last: int) -> str:
    """The words of lines first..last (line number -> line) in order, one space apart: no page numbers,
    no footnote blocks."""
    words: list[str] = []
    in_footnote = False
    for n in range(first, last + 1):
        line = lines[n]
        if line.strip() == "":
            # a footnote block opens with a long line of spaces and runs to the page number
            in_footnote = in_footnote or len(line) > 20
            continue
        if line.strip().isdigit() and len(line.strip()) <= 3:
            in_footnote = False
            continue
        if not in_footnote:
            words.extend(line.split())
    return " ".join(words)


def read_tiltak_sections(seeds: Path) -> list[TiltakSection]:
    """Seed 002's tiltak sections, from the chapter heading «2. RAPPORTERING AV TILTAK» in the body
    (not the table of contents) to «3. STATISTIKK»; a section ends at the next tiltak heading, a
    «Strategi N:» heading or the next chapter."""
    lines = read_lines(seeds, SEED_002)
    body = [i for i, s in enumerate(lines) if "...." not in s]  # the table of contents has dot leaders
    start = next(i for i in body if lines[i].strip().startswith("2. RAPPORTERING AV TILTAK")) + 1
    stop = next(i for i in body if lines[i].strip().startswith("3. STATISTIKK") and i > start) + 1
    boundaries: list[tuple[int, re.Match[str] | None]] = []
    for n in range(start, stop):
        text = lines[n - 1]
        heading = SECTION_HEADING.match(text)
        if heading or text.lstrip().startswith("Strategi ") and ":" in text:
            boundaries.append((n, heading))
    boundaries.append((stop, None))
    sections: list[TiltakSection] = []
    for (n, heading), (following, _) in zip(boundaries, boundaries[1:], strict=False):
        if heading is None:
            continue
        last = following - 1
        while not lines[last - 1].strip():
            last -= 1
        section = TiltakSection(heading.group(1), heading.group(2), n, last)
        section.lines = {k: lines[k - 1] for k in range(n, last + 1)}
        section.parts = {kind: [] for kind in PART_HEADINGS}
        for k in range(n + 1, last + 1):
            for kind, pattern in PART_HEADINGS.items():
                if pattern.match(section.lines[k]):
                    section.parts[kind].append(k)
            if SUB_HEADING.match(section.lines[k]):
                section.sub_headings.append(k)
        sections.append(section)
    return sections


@dataclass
class StrategyAssessment:
    """A strategy's «Samlet vurdering» in seed 002's chapter 2: from that heading to its last line of text,
    which comes before the strategy's first tiltak heading or a table caption, whichever is first."""

    strategy: str  # the number of «Strategi N:»
    heading: int  # the line «Samlet vurdering»
    last: int
    text: str


def read_strategy_assessments(seeds: Path) -> list[StrategyAssessment]:
    lines = read_lines(seeds, SEED_002)
    body = [i for i, s in enumerate(lines, 1) if "...." not in s]
    start = next(i for i in body if lines[i - 1].strip().startswith("2. RAPPORTERING AV TILTAK"))
    stop = next(i for i in body if lines[i - 1].strip().startswith("3. STATISTIKK") and i > start)
    found: list[StrategyAssessment] = []
    strategy: str | None = None
    for n in range(start, stop):
        text = lines[n - 1]
        opening = re.match(r"^\s*Strategi (\d):", text)
        if opening:
            strategy = opening.group(1)
            continue
        if text.strip() != "Samlet vurdering" or strategy is None:
            continue
        end = n + 1
        while not SECTION_HEADING.match(lines[end - 1]) and not re.match(r"^\s*Tabell \d+ ", lines[end - 1]):
            end += 1
        last = end - 1
        while not lines[last - 1].strip():
            last -= 1
        numbered = {k: lines[k - 1] for k in range(n + 1, last + 1)}
        found.append(StrategyAssessment(strategy, n, last, running_text(numbered, n + 1, last)))
        strategy = None
    return found


# ==================================================================================================
# Seed 003: slide text; each slide's bullets come before its title
# ==================================================================================================

SEED_003 = "003_1814de2653581e10.txt"


def read_bullets(seeds: Path) -> list[tuple[int, str]]:
    """Seed 003's bullets («• …», «1. …») as (first line, text with its continuation lines joined)."""
    lines = read_lines(seeds, SEED_003)
    bullets: list[tuple[int, str]] = []
    for i, line in enumerate(lines):
        if not re.match(r"^ ?(•|\d\.) ", line):
            continue
        words = re.sub(r"^ ?(•|\d\.) ", "", line).split()
        for more in lines[i + 1 :]:
            if not more.strip() or re.match(r"^ ?(•|\d\.) ", more):
                break
            words.extend(more.split())
        bullets.append((i + 1, " ".join(words)))
    return bullets
