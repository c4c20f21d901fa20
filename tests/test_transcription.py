"""A record is a transcription of its source.

Every field of every record of seeds 000 and 001 is read again from the raw source text by the
independent readers in ``tests/seed_readers.py`` (which do not import k2020graph), and compared with
what the Turtle in ``data/turtle/`` states (read with rdflib directly, not through the package's
loader). Seed 002's figures are checked by their quotations and numbers. Where the source's layout
does not decide a reading, the decision taken (docs/extraction.md, docs/modelling.md, the data
files' comments) is written below as a small table, with its reason; nothing is decided silently.

Later corrections by data stewards come as statements of their own source (the change), never as
edits of a transcription, so these tests stay true.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, RDF, SKOS, Namespace
from rdflib.term import Node
from seed_readers import (
    SEED_002,
    FinalRow,
    OverviewRow,
    TiltakSection,
    clean,
    numbers_as_written,
    read_bullets,
    read_final_table,
    read_lines,
    read_overview_2017,
    read_strategy_assessments,
    read_tiltak_sections,
    reads_as_line_starts,
    reads_as_url,
    url_starts,
)

from k2020graph.validation import ValidationReport

ROOT = Path(__file__).resolve().parent.parent
BASE = "https://w3id.org/k2020graph/"
K2 = Namespace(BASE + "def#")
K2SH = Namespace(BASE + "shapes#")
RECORD = Namespace(BASE + "id/record/")
TILTAK = Namespace(BASE + "id/tiltak/")
ACTOR = Namespace(BASE + "id/actor/")
CONCEPT = Namespace(BASE + "id/concept/")
SRC = Namespace(BASE + "id/source/")
PLAN = Namespace(BASE + "id/plan/")
CUBE = Namespace(BASE + "id/cube/")
PROV = Namespace("http://www.w3.org/ns/prov#")
SILENT = "(silent)"
XSD_BOOLEAN = URIRef("http://www.w3.org/2001/XMLSchema#boolean")

# ==================================================================================================
# Decisions on odd cells: each entry is a reading the layout alone does not give, with its reason.
# ==================================================================================================

# --- Seed 001 (Tabell 1) ---------------------------------------------------------------------------

# Rows whose name is followed by more than one paragraph before the "started" cell: which paragraph
# is the "Type tiltak" cell ("type", k2:typeText) and which is a note (k2:sourceNote). A tuple entry
# splits one paragraph line by line. A row with one paragraph there has it as its type cell; a row
# with more paragraphs that is not listed here fails the test (a new layout needs a decision).
CELL_ROLES: dict[str, tuple[str | tuple[str, ...], ...]] = {
    "2.2": ("note", "type"),  # "Ny tittel: …" is a note of the name cell (docs/modelling.md)
    "3.1": ("note", "type"),  # "Tilskuddsordningens navn er …", a note of the name cell
    "3.13": ("note", "type"),  # "Tilskuddsordningens navn: …", a note of the name cell
    "3.14": ("type", "note", "note", "note"),  # "Tre ulike tilskuddsordninger:", then the three schemes
    # "Nytt oppdrag …" is a note of the name; "To tilskudd til kommuner:" is a type line over two scheme
    # names (notes); "Anskaffelse av kursarrangør" is the second type (modelling.md: 3.19 has two)
    "3.19": ("note", ("type", "note"), "note", "type"),
    "3.24": ("type", "type"),  # "Anskaffelse" and "Oppdrag til Høgskoler": two types (modelling.md)
    "4.2": ("note", "type"),  # the list of centres (RKBU/R-BUP … NAKU) is a note; the type list follows
    "5.2": ("note", "type"),  # as 4.2, its cross-listed partner
    "5.8": ("note", "type"),  # "Tiltaket ble kalt …", a note of the name cell
    "5.9": ("note", "type"),  # "Navn på tilskuddsordningen er …", a note of the name cell
    "5.10": ("type", "note"),  # "Tilskudd", then the partnership as a note
}

# Start cells that are not a year: kept as the source's text (nb) and flagged by a SHACL warning.
START_AS_TEXT = {"3.3": "1990-tallet"}  # a decade (docs/extraction.md, "source oddities")

# "Ref. i K2025" cells with a second line: the extra line is read as one more continuation.
K2025_EXTRA_LINE = {"3.27": "2.1"}  # "2.8/3.6" and "2.1" below it: three continuations (extraction.md)

# --- Seed 000 (chapter 5, OCR) ---------------------------------------------------------------------

# Double numbers "a og b" that the OCR ran together: the raw opening of the row and its reading
# (the row's own number first). Legible ("3.15") and dotless ("311" = 3.11) numbers need no entry.
MANGLED_OPENINGS: dict[str, tuple[str, ...]] = {
    "3140944": ("3.14", "4.4"),  # "3.14 og 4.4" (docs/extraction.md)
    "3170954": ("3.17", "5.4"),
    "3240056": ("3.24", "5.6"),
    "410g5.1": ("4.1", "5.1"),
    "4.2095.2": ("4.2", "5.2"),
    "4409314": ("4.4", "3.14"),
    "450953": ("4.5", "5.3"),
    "51o0g41l": ("5.1", "4.1"),
    "5.20g4.2": ("5.2", "4.2"),
    "530g4.5": ("5.3", "4.5"),
    "5.4 09317": ("5.4", "3.17"),
    "5600324": ("5.6", "3.24"),
}

# Blocks of text that the OCR printed away from their row (a block with no number, before a page
# header): the row they belong to, by the block's first line. The records cite both locations and
# say so in an rdfs:comment.
OUT_OF_PLACE = {
    1224: "4.6",  # " deira familiar (Teknologisk støtte …)", the end of 4.6's name and its type cell
    1342: "5.7",  # " lovom kommunale …", the rest of 5.7's name and its type cell
    1431: "6.3",  # " for kommunen si oppfølging …", the rest of 6.3's name and its type cell
}
PAGE_FURNITURE = {
    745: "the second line of the chapter heading (i budsjettåret 2017)",
    1028: "the page footer (20 // 5. OVERSIKT OVER ALLE TILTAK)",
}

# Ansvarleg cells that the reading rule (the first organisation on the row's first line; for
# Helsedirektoratet the division code standing alone on a later line) does not read.
RESPONSIBLE_READINGS = {
    # "KSog" + "Nasjonal | ledelses- | utvikling | for helse- | foretak | (NLU)" over seven lines
    "6.2": {"ks", "nlu"},
}

# ==================================================================================================
# Fixtures
# ==================================================================================================


@pytest.fixture(scope="session")
def data() -> Graph:
    """The data files as rdflib reads them (not through k2020graph's loader)."""
    graph = Graph()
    files = sorted((ROOT / "data" / "turtle").glob("*.ttl"))
    assert files, "no data files"
    for path in files:
        graph.parse(path, format="turtle")
    return graph


@pytest.fixture(scope="session")
def final_rows(seeds: Path) -> list[FinalRow]:
    rows = read_final_table(seeds)
    assert len(rows) > 0, "the seed 001 reader found no rows"
    return rows


@pytest.fixture(scope="session")
def overview(seeds: Path) -> tuple[list[OverviewRow], list[tuple[int, list[tuple[int, str]]]]]:
    rows, fragments = read_overview_2017(seeds, MANGLED_OPENINGS)
    assert len(rows) > 0, "the seed 000 reader found no rows"
    return rows, fragments


@pytest.fixture(scope="session")
def real_data_report(repository_report: ValidationReport) -> ValidationReport:
    """The repository's data validated once per session, through the library's function (tests/conftest.py)."""
    return repository_report


# ==================================================================================================
# Reading the data side
# ==================================================================================================


def _notation(iri: Node, plan: str) -> str:
    prefix = str(TILTAK[f"{plan}-"])
    assert str(iri).startswith(prefix), f"{iri} is not a {plan} tiltak"
    return str(iri)[len(prefix) :]


def _texts(g: Graph, node: Node, prop: URIRef, lang: str) -> set[str] | str:
    values = list(g.objects(node, prop))
    wrong = [v for v in values if not isinstance(v, Literal) or v.language != lang]
    if wrong:
        return f"not @{lang}: {wrong}"
    return {str(v) for v in values}


def _cell(g: Graph, record: Node, prop: URIRef) -> object:
    """A cell as the data states it: (datatype or language, text), SILENT, or what is wrong."""
    values = list(g.objects(record, prop))
    silent = (record, K2.silentOn, prop) in g
    if silent and not values:
        return SILENT
    if len(values) != 1 or silent:
        return f"{len(values)} values, silentOn={silent}"
    (v,) = values
    assert isinstance(v, Literal)
    if v.datatype == XSD_BOOLEAN:
        return v.toPython()
    return ("@" + v.language if v.language else str(v.datatype).split("#")[-1], str(v))


def _status(g: Graph, record: Node) -> str | None:
    values = [str(v).rsplit("/", 1)[-1] for v in g.objects(record, K2.status)]
    return values[0] if len(values) == 1 else (None if not values else f"several: {values}")


def _locations(g: Graph, node: Node) -> set[tuple[str, int, int]]:
    out = set()
    for loc in g.objects(node, DCTERMS.source):
        doc = g.value(loc, DCTERMS.isPartOf)
        start, end = g.value(loc, K2.lineStart), g.value(loc, K2.lineEnd)
        if doc is not None and start is not None and end is not None:
            out.add((str(doc).rsplit("/", 1)[-1], int(start), int(end)))
    return out


def _records(g: Graph, prefix: str) -> set[str]:
    start = str(RECORD[prefix])
    return {str(r)[len(start) :] for r in g.subjects(RDF.type, K2.TiltakRecord) if str(r).startswith(start)}


def _report(problems: Iterable[str], what: str) -> None:
    problems = list(problems)
    assert not problems, f"{len(problems)} {what}:\n" + "\n".join(problems)


# ==================================================================================================
# Seed 001
# ==================================================================================================


def _year_cell(text: str, number: str, column: str) -> object:
    text = clean(text)
    if text == "":
        return SILENT
    if column == "start" and number in START_AS_TEXT:
        assert text == START_AS_TEXT[number], (
            f"{number}: the exception expects {START_AS_TEXT[number]!r}, the source has {text!r}"
        )
        return ("@nb", text)
    assert text.isdigit() and len(text) == 4, f"seed 001 row {number}: {column} cell {text!r} is not a year (add a decision)"
    return ("gYear", text)


def expected_final_record(row: FinalRow) -> dict[str, object]:
    """What row ``row`` of Tabell 1 states, field by field, as the data should record it."""
    number = row.number
    roles = CELL_ROLES.get(number, ("type",) if len(row.middle) == 1 else None)
    assert roles is not None and len(roles) == len(row.middle), (
        f"seed 001 row {number} (line {row.first}) has {len(row.middle)} paragraphs between name and start; "
        f"CELL_ROLES must say which is the type cell"
    )
    types, notes = set(), set()
    for paragraph, role in zip(row.middle, roles, strict=True):
        parts = [paragraph.text] if isinstance(role, str) else paragraph.text.split("\n")
        part_roles = (role,) if isinstance(role, str) else role
        assert len(parts) == len(part_roles), f"row {number}: {paragraph.text!r} has not {len(part_roles)} lines"
        for text, part_role in zip(parts, part_roles, strict=True):
            (types if part_role == "type" else notes).add(clean(text))

    ref = clean(row.ref.text)
    references = {ref.strip("()")} if ref else set()

    answer = clean(row.answer.text)
    continued: object = {"Ja": True, "Nei": False, "": SILENT}[answer]

    k2025_cell = clean(row.k2025.text)
    lines = k2025_cell.split("\n")
    if len(lines) > 1:
        assert number in K2025_EXTRA_LINE and lines[1:] == [K2025_EXTRA_LINE[number]], (
            f"seed 001 row {number}: 'Ref. i K2025' has extra lines {lines[1:]} (add a decision)"
        )
    k2025 = [n for line in lines if line not in ("", "-") for n in line.split("/")]

    start = _year_cell(row.start.text, number, "start")
    end = _year_cell(row.end.text, number, "end")
    # docs/extraction.md: status only from cells: "Ikke mottatt fra HOD", ended (an end year), running
    # (a start and no end); otherwise none
    status = None
    if types == {"Ikke mottatt fra HOD"}:
        status = "status-ikke-mottatt-fra-hod"
    elif end != SILENT:
        status = "status-avsluttet"
    elif start != SILENT:
        status = "status-pagaende"

    return {
        "title": {clean(row.name.text)},
        "type text": types,
        "notes": notes,
        "start": start,
        "end": end,
        "continued": continued,
        "K2025 references": k2025,
        "references": references,
        "status": status,
        "source": {("seed-001", row.first, row.last)},
    }


def stated_final_record(g: Graph, number: str) -> dict[str, object]:
    record = RECORD[f"seed001-k2020-{number}"]
    tiltak = TILTAK[f"k2020-{number}"]
    continuations = []
    for cont in g.subjects(K2.fromTiltak, tiltak):
        to = g.value(cont, K2.toTiltak)
        position = g.value(cont, K2.position)
        derived = g.value(cont, PROV.wasDerivedFrom)
        assert to is not None and position is not None
        note = "" if derived == record else f" (derived from {derived})"
        if (to, K2.inPlan, PLAN.k2025) not in g:
            note += " (not a K2025 tiltak)"
        continuations.append((int(position), _notation(to, "k2025") + note))
    return {
        "title": _texts(g, record, DCTERMS.title, "nb"),
        "type text": _texts(g, record, K2.typeText, "nb"),
        "notes": _texts(g, record, K2.sourceNote, "nb"),
        "start": _cell(g, record, K2.start),
        "end": _cell(g, record, K2.end),
        "continued": _cell(g, record, K2.continuedInK2025),
        "K2025 references": [n for _, n in sorted(continuations)],
        "references": {_notation(t, "k2020") for t in g.objects(record, K2.referencesTiltak)},
        "status": _status(g, record),
        "source": {loc for loc in _locations(g, record) if loc[0] == "seed-001"},
    }


def test_every_row_of_the_final_table_is_one_record(final_rows, data) -> None:  # type: ignore[no-untyped-def]
    numbers = [r.number for r in final_rows]
    assert len(numbers) == len(set(numbers)), "a number opens two rows"
    assert set(numbers) == _records(data, "seed001-k2020-")


def test_final_table_records_say_what_their_row_says(final_rows, data) -> None:  # type: ignore[no-untyped-def]
    problems = []
    for row in final_rows:
        expected = expected_final_record(row)
        stated = stated_final_record(data, row.number)
        for name, value in expected.items():
            if stated[name] != value:
                problems.append(f"seed 001 row {row.number} (line {row.first}), {name}: source {value!r}, data {stated[name]!r}")
    _report(problems, "fields differ from seed 001")


def test_continuation_positions_are_one_to_n(data) -> None:  # type: ignore[no-untyped-def]
    by_tiltak: dict[Node, list[int]] = {}
    for cont in data.subjects(RDF.type, K2.Continuation):
        by_tiltak.setdefault(data.value(cont, K2.fromTiltak), []).append(int(data.value(cont, K2.position)))  # type: ignore[arg-type]
    assert by_tiltak
    bad = {str(t): sorted(p) for t, p in by_tiltak.items() if sorted(p) != list(range(1, len(p) + 1))}
    assert not bad, bad


def test_cross_listings_are_the_rows_that_refer_to_each_other(final_rows, data) -> None:  # type: ignore[no-untyped-def]
    # A cross-listing is two rows whose "Ref. tiltak nr." cells name each other without brackets;
    # 1.4's bracketed "(3.10)" is one-way (docs/modelling.md) and stays a reference only.
    refs = {r.number: clean(r.ref.text) for r in final_rows}
    expected = {(a, b) for a, b in refs.items() if b and not b.startswith("(") and refs.get(b) == a}
    stated = {(_notation(a, "k2020"), _notation(b, "k2020")) for a, b in data.subject_objects(K2.crossListedWith)}
    assert len(expected) >= 14
    assert stated == expected, f"only in the data: {sorted(stated - expected)}; only in the source: {sorted(expected - stated)}"


# ==================================================================================================
# Seed 000
# ==================================================================================================

DIVISION = r"(PH|KP|SP|FL)"
ORGANISATIONS = {"Helsedir": "hdir", "Hdir": "hdir", "HOD": "hod", "KS": "ks", "KD": "kd"}


def responsible_reading(row: OverviewRow) -> set[str]:
    """The Ansvarleg cell: the first organisation named on the row's first line; for
    Helsedirektoratet, the division code(s) standing alone on a later line of the row."""
    if row.number in RESPONSIBLE_READINGS:
        return RESPONSIBLE_READINGS[row.number]
    first = row.lines[0][1].lstrip()[len(row.opening) :]
    names = [w for w in re.split(r"[\s|]+", first) if w in ORGANISATIONS]
    assert names, f"seed 000 row {row.number}: no Ansvarleg on line {row.first} (add a reading)"
    org = ORGANISATIONS[names[0]]
    if org != "hdir":
        return {org}
    codes = [
        w for _, text in row.all_lines[1:] for w in re.split(r"[\s|]+", text) if re.fullmatch(rf"{DIVISION}(/{DIVISION})*", w)
    ]
    assert len(codes) == 1, f"seed 000 row {row.number}: division codes {codes} (add a reading)"
    return {"hdir-" + c.lower() for c in codes[0].split("/")}


def _title_offset(row: OverviewRow) -> int:
    text = row.lines[0][1]
    return len(text) - len(text.lstrip()) + len(row.opening)


def check_2017_row(g: Graph, row: OverviewRow) -> list[str]:
    record = RECORD[f"seed000-k2020-{row.number}"]
    where = f"seed 000 row {row.number} (line {row.first})"
    problems = []
    lines = [text for _, text in row.all_lines]

    titles = _texts(g, record, DCTERMS.title, "nn")
    if not isinstance(titles, set) or len(titles) != 1:
        problems.append(f"{where}, title: {titles!r}")
    elif not reads_as_line_starts(next(iter(titles)), lines, _title_offset(row)):
        problems.append(f"{where}, title: {next(iter(titles))!r} is not what the name cell says")

    type_lines = [i for i, text in enumerate(lines) if re.search(r"Type tiltak[:;]", text)]
    types = _texts(g, record, K2.typeText, "nn")
    if len(type_lines) != 1:
        problems.append(f"{where}: {len(type_lines)} 'Type tiltak' cells")
    elif not isinstance(types, set) or len(types) != 1:
        problems.append(f"{where}, type text: {types!r}")
    else:
        i = type_lines[0]
        offset = re.search(r"Type tiltak[:;] *", lines[i]).end()  # type: ignore[union-attr]
        if not reads_as_line_starts(next(iter(types)), lines[i:], offset):
            problems.append(f"{where}, type text: {next(iter(types))!r} is not what the type cell says")

    responsible = {str(a)[len(str(ACTOR)) :] for a in g.objects(record, K2.responsible)}
    if responsible != responsible_reading(row):
        problems.append(f"{where}, Ansvarleg: source {sorted(responsible_reading(row))}, data {sorted(responsible)}")

    references = {_notation(t, "k2020") for t in g.objects(record, K2.referencesTiltak)}
    if references != set(row.numbers[1:]):
        problems.append(f"{where}, references: source {sorted(row.numbers[1:])}, data {sorted(references)}")

    follows = any(re.search(r"HOD f\S+ opp tiltaket", t) for t in lines)
    status = _status(g, record)
    if status != ("status-folges-opp-av-hod" if follows else None):
        problems.append(f"{where}, status: source {'HOD følgjer opp' if follows else 'none'}, data {status}")

    # links: every address that begins in the row is one foaf:page, and each page is written there
    pages = sorted(str(p) for p in g.objects(record, FOAF.page))
    starts = url_starts(lines)
    unused = list(starts)
    for page in pages:
        match = next((s for s in unused if reads_as_url(page, lines, *s)), None)
        if match is None:
            problems.append(f"{where}, link {page}: not written in the row")
        else:
            unused.remove(match)
        if row.link_block and page not in row.link_block:
            problems.append(f"{where}, link {page}: not in the page's list of full addresses")
    for li, ci in unused:
        problems.append(f"{where}: the address at line {row.all_lines[li][0]} ({lines[li][ci:]!r}) is not a foaf:page")
    return problems


def test_every_row_of_the_2017_table_is_one_record(overview, data) -> None:  # type: ignore[no-untyped-def]
    rows, fragments = overview
    numbers = [r.number for r in rows]
    assert len(numbers) == len(set(numbers)), "a number opens two rows"
    assert set(numbers) == _records(data, "seed000-k2020-")
    assert {first for first, _ in fragments} == set(OUT_OF_PLACE) | set(PAGE_FURNITURE), "an unexplained block of text"


def test_2017_records_say_what_their_row_says(overview, data) -> None:  # type: ignore[no-untyped-def]
    rows, fragments = overview
    by_number = {r.number: r for r in rows}
    for first, lines in fragments:
        if first in OUT_OF_PLACE:
            by_number[OUT_OF_PLACE[first]].fragment = lines
    problems = []
    for row in rows:
        problems += check_2017_row(data, row)
        expected = {("seed-000", row.first, row.last)}
        if row.fragment:
            expected.add(("seed-000", row.fragment[0][0], max(n for n, t in row.fragment if t.strip())))
        stated = {loc for loc in _locations(data, RECORD[f"seed000-k2020-{row.number}"]) if loc[0] == "seed-000"}
        if stated != expected:
            problems.append(f"seed 000 row {row.number}, source: source {sorted(expected)}, data {sorted(stated)}")
    _report(problems, "fields differ from seed 000")


# ==================================================================================================
# Seed 002
# ==================================================================================================


def test_figures_quote_their_source_and_state_its_number(seeds, data) -> None:  # type: ignore[no-untyped-def]
    lines = read_lines(seeds, SEED_002)
    prefix = str(Namespace(BASE + "id/figure/")["seed002-L"])
    things = [f for f in data.subjects(RDF.type, K2.Figure) if str(f).startswith(prefix)]
    things += [
        f for f in data.subjects(RDF.type, K2.FundingFlow) if str(f).startswith(str(Namespace(BASE + "id/flow/")["seed002-L"]))
    ]
    assert len(things) >= 90
    problems = []
    for thing in sorted(things):
        name = str(thing).rsplit("/", 1)[-1]
        quotes = [str(q) for q in data.objects(thing, K2.quote)]
        value = data.value(thing, K2.value) or data.value(thing, K2.amount)
        if len(quotes) != 1 or value is None:
            problems.append(f"{name}: {len(quotes)} quotes, value {value}")
            continue
        (quote,) = quotes
        # verbatim, up to white space: a run of spaces, tabs and line breaks counts as one space
        # (the data's convention: "where it runs over a line break the lines are joined by one space")
        cited = [
            " ".join(" ".join(lines[start - 1 : end]).split()) for doc, start, end in _locations(data, thing) if doc == "seed-002"
        ]
        if not any(" ".join(quote.split()) in text for text in cited):
            problems.append(f"{name}: the quote {quote!r} is not in its cited lines")
        readings = [(w, v) for w, v in numbers_as_written(quote) if v == Decimal(str(value.toPython()))]
        if not readings:
            problems.append(f"{name}: the value {value} is not a number of the quote {quote!r}")
            continue
        line_no = int(name.split("-L")[1].split("-")[0])
        if not any(w in " ".join(lines[line_no - 1].split()) for w, _ in readings):
            problems.append(f"{name}: {readings[0][0]!r} does not stand on line {line_no}")
    _report(problems, "figures differ from seed 002")


def test_each_strategy_s_overall_assessment_is_a_record_with_the_source_s_words(seeds, data) -> None:  # type: ignore[no-untyped-def]
    """Seed 002: every «Samlet vurdering» after a «Strategi N:» heading is one k2:StrategyRecord of strategy N,
    its text word for word (page numbers and footnotes left out), its source the heading to the last line."""
    parts = read_strategy_assessments(seeds)
    lines = read_lines(seeds, SEED_002)
    assert len(parts) == sum(1 for line in lines if line.strip() == "Samlet vurdering") == 6
    strategy = Namespace(BASE + "id/strategy/")
    records = set(data.subjects(RDF.type, K2.StrategyRecord))
    assert len(records) == len(parts)
    problems = []
    for part in parts:
        of = [r for r in records if data.value(r, K2.recordOfStrategy) == strategy[f"k2020-{part.strategy}"]]
        if len(of) != 1:
            problems.append(f"strategy {part.strategy}: {len(of)} records")
            continue
        (record,) = of
        texts = [str(t) for t in data.objects(record, K2.overallAssessmentText)]
        if texts != [part.text]:
            problems.append(f"strategy {part.strategy}: the text differs from lines {part.heading}-{part.last}")
        if _locations(data, record) != {("seed-002", part.heading, part.last)}:
            problems.append(f"strategy {part.strategy}: sources {_locations(data, record)}, not {part.heading}-{part.last}")
    _report(problems, "strategy records differ from seed 002")


def test_the_size_of_the_implementation_plan_is_a_figure_about_k2020(seeds, data) -> None:  # type: ignore[no-untyped-def]
    """Seed 002, chapter 1: "Helsedirektoratet utarbeidet i <year> en gjennomføringsplan for Kompetanseløft 2020, som
    omfatter <n> tiltak": one figure about plan:k2020 counting tiltak, with that number, year and line."""
    lines = read_lines(seeds, SEED_002)
    sentence = re.compile(r"utarbeidet i (\d{4}) en gjennomføringsplan for Kompetanseløft 2020, som omfatter (\d+) tiltak")
    found = [(no, m) for no, line in enumerate(lines, 1) if (m := sentence.search(line))]
    assert len(found) == 1, found
    (line_no, match) = found[0]
    year, count = match.group(1), int(match.group(2))
    figures = [
        f
        for f in data.subjects(K2.about, PLAN["k2020"])
        if (f, RDF.type, K2.Figure) in data and data.value(f, K2.quantity) == CONCEPT["quantity-tiltak"]
    ]
    assert len(figures) == 1, figures
    (figure,) = figures
    assert data.value(figure, K2.value).toPython() == count == 52
    assert str(data.value(figure, K2.year)) == year
    assert data.value(figure, K2.unit) == CONCEPT["unit-tiltak"]
    assert str(figure).endswith(f"-L{line_no}")
    assert any(doc == "seed-002" and start <= line_no <= end for doc, start, end in _locations(data, figure))
    assert match.group(0) in str(data.value(figure, K2.quote))


# ==================================================================================================
# Warnings on the real data
# ==================================================================================================

# The source's own oddities that docs/extraction.md lists, each flagged by one warning and nothing
# else: (focus node, shape, severity). A change here is a change of the data or of the shapes.
# ==================================================================================================
# Seed 002: the per-tiltak sections of chapter 2
# ==================================================================================================

#: Sentence openings that state a purpose (k2:purpose is the first such sentence of the opening text).
PURPOSE_OPENINGS = ("Formålet", "Målet", "Hensikten")
#: Level words for goal achievement and their concepts (concepts.ttl, concept:goal-achievement).
LEVEL_WORDS = {"høy": "goal-achievement-hoy", "god": "goal-achievement-god", "svak": "goal-achievement-svak"}
#: Parts whose text stops at a table caption, with the caption's line (the table is a data set of its own).
CUT_AT_TABLE = {("1.5", "results"): 914, ("3.8", "results"): 1382, ("3.17", "assessment"): 2030,
                ("3.22", "description"): 2860, ("6.1", "results"): 4664}  # fmt: skip


@pytest.fixture(scope="session")
def sections(seeds: Path) -> list[TiltakSection]:
    found = read_tiltak_sections(seeds)
    assert len(found) > 50
    return found


def _values(g: Graph, record: Node, prop: URIRef) -> list[str]:
    values = list(g.objects(record, prop))
    assert all(isinstance(v, Literal) and v.language == "nb" for v in values), (record, prop)
    return [str(v) for v in values]


def check_section(g: Graph, s: TiltakSection) -> list[str]:
    record = RECORD[f"seed002-k2020-{s.number}"]
    problems: list[str] = []
    if (record, RDF.type, K2.TiltakRecord) not in g:
        return [f"{s.number}: no record"]
    if _locations(g, record) != {("seed-002", s.first, s.last)}:
        problems.append(f"{s.number}: source {_locations(g, record)} != lines {s.first}-{s.last}")
    if g.value(record, K2.recordOf) != TILTAK[f"k2020-{s.number}"]:
        problems.append(f"{s.number}: recordOf {g.value(record, K2.recordOf)}")
    text = s.running_text()
    heading = re.sub(r"^\S+\s+", "", text)  # the title starts after the number(s)
    title = str(g.value(record, DCTERMS.title))
    if not heading.startswith(title) or g.value(record, DCTERMS.title).language != "nb":
        problems.append(f"{s.number}: title {title!r} is not the heading {heading[:80]!r}")
    refs = {_notation(t, "k2020") for t in g.objects(record, K2.referencesTiltak)}
    if refs != ({s.other} if s.other else set()):
        problems.append(f"{s.number}: references {refs} != the heading's other number {s.other}")
    # «under tiltak 2.3», «under punkt 4.2», «i samanheng med tiltak nr. 2.4», and a joint heading «… / 3.4 …»
    mentioned = set(re.findall(r"(?:under|med) (?:tiltak|punkt) (?:nr\. )?([1-6]\.\d+)", text))
    mentioned |= set(re.findall(r"/ ([1-6]\.\d+) ", title + " "))
    mentions = {_notation(t, "k2020") for t in g.objects(record, K2.mentionsTiltak)}
    if mentions != mentioned - {s.number}:
        problems.append(f"{s.number}: mentions {mentions} != the text's {mentioned - {s.number}}")
    # every text is a run of the section's words; as many results/assessment texts as part headings
    for prop in (K2.descriptionText, K2.resultsText, K2.assessmentText, K2.purpose, K2.goalAchievementText):
        for value in _values(g, record, prop):
            if " ".join(value.split()) not in text:
                problems.append(f"{s.number}: {prop.split('#')[1]} is not in the section: {value[:60]!r}")
    for kind, prop in (("results", K2.resultsText), ("assessment", K2.assessmentText)):
        n_values, n_headings = len(_values(g, record, prop)), len(s.parts[kind])
        silent = (record, K2.silentOn, prop) in g
        if n_values != n_headings or silent != (n_headings == 0):
            problems.append(f"{s.number}: {n_values} {kind} texts, {n_headings} headings, silent {silent}")
        for line in s.parts[kind]:
            after = " ".join(s.lines[k] for k in range(line + 1, min(line + 4, s.last + 1))).split()[:6]
            if not any(v.split()[:6] == after for v in _values(g, record, prop)):
                problems.append(f"{s.number}: no {kind} text starts after line {line}: {after}")
        for (number, part), caption in CUT_AT_TABLE.items():
            if number == s.number and part == kind:
                assert caption in s.lines and s.lines[caption].startswith("Tabell "), (number, caption)
    descriptions = _values(g, record, K2.descriptionText)
    if len(descriptions) != 1 + len(s.sub_headings):
        problems.append(f"{s.number}: {len(descriptions)} descriptions for {len(s.sub_headings)} sub-sections")
    main = [d for d in descriptions if not re.match(r"[1-6]\.\d+\.\d+ ", d)]
    openings = [x for x in re.split(r"(?<=\.) (?=[A-ZÆØÅ])", main[0]) if x.startswith(PURPOSE_OPENINGS)] if main else []
    if _values(g, record, K2.purpose) != openings[:1]:
        problems.append(f"{s.number}: purpose {_values(g, record, K2.purpose)} != {openings[:1]}")
    # a level of goal achievement where a sentence outside the sub-sections says «måloppnåelse» and a level word
    own = text[: text.find(" " + s.lines[s.sub_headings[0]].split()[0] + " ")] if s.sub_headings else text
    levels = {
        LEVEL_WORDS[w]
        for sentence in re.split(r"(?<=\.) ", own)
        if "måloppnåelse" in sentence.lower()
        for w in re.findall(r"\b(høy|god|svak)\b", sentence)
    }
    stated = {str(c).rsplit("/", 1)[1] for c in g.objects(record, K2.goalAchievement)}
    if stated != levels:
        problems.append(f"{s.number}: goal achievement {stated} != {levels}")
    return problems


def test_every_tiltak_section_of_the_2016_report_is_one_record(sections, data) -> None:  # type: ignore[no-untyped-def]
    numbers = {s.number for s in sections}
    assert numbers == _records(data, "seed002-k2020-")


def test_2016_section_records_say_what_their_section_says(sections, data) -> None:  # type: ignore[no-untyped-def]
    _report([p for s in sections for p in check_section(data, s)], "seed 002 sections")


#: Roles of actors in a tiltak that a record states (docs/modelling.md, "Partners and deliverers").
ROLES = ("deliverer", "partner", "grantee")
#: Sub-sections of 4.2 that name no centre (so no k2:deliverer), with the reason.
NO_CENTRE = {"4.2.3": "«Kompetansehevingstiltak for overgrepsmottak»: a grant aim, refers to tiltak 3.19"}


def _names(g: Graph, actor: Node) -> list[str]:
    return [str(n) for p in (SKOS.prefLabel, SKOS.altLabel) for n in g.objects(actor, p) if n.language in ("nb", "nn")]


def _named_in(g: Graph, actor: Node, text: str) -> bool:
    """An actor is named in a text by one of its nb/nn names (a line-end hyphen «kompetanse- tjeneste» joined)."""
    joined = text.replace("- ", "-").replace("-", "")
    return any(n in text or n.replace("-", "") in joined for n in _names(g, actor))


def test_actors_in_a_role_are_named_in_their_source_text(sections, data) -> None:  # type: ignore[no-untyped-def]
    by_number = {s.number: s for s in sections}
    problems: list[str] = []
    records = {r for role in ROLES for r in data.subjects(K2[role], None)}
    assert records
    for record in records:
        number = _notation(data.value(record, K2.recordOf), "k2020")
        if str(record).startswith(str(RECORD["seed002-"])):
            text = by_number[number].running_text()
        else:  # seeds 000/001: the row's goal and notes, themselves checked against the row above
            text = " ".join(str(v) for p in (K2.goal, K2.sourceNote) for v in data.objects(record, p))
        for role in ROLES:
            for actor in data.objects(record, K2[role]):
                if not _named_in(data, actor, text):
                    problems.append(f"{record}: {role} {actor} ({_names(data, actor)}) is not named in its text")
    # every centre of 4.2 (a sub-heading 4.2.N) is a deliverer of 4.2, named in its sub-heading
    s = by_number["4.2"]
    deliverers = set(data.objects(RECORD["seed002-k2020-4.2"], K2.deliverer))
    for line in s.sub_headings:
        heading = " ".join(" ".join(s.lines[k] for k in range(line, line + 3)).split()).split(" 4.2.")[0]
        number = heading.split()[0]
        named = [a for a in deliverers if _named_in(data, a, " ".join(heading.split()))]
        if (len(named) != 1) != (number in NO_CENTRE):
            problems.append(f"4.2: sub-section {number} names {named} of the deliverers")
    _report(problems, "actors in a role")


def test_text_cross_references_of_the_2017_table_are_links(data) -> None:  # type: ignore[no-untyped-def]
    """«Oppdraget må sjåast i samanheng med tiltak nr. 2.4 og 2.6» (seed 000) gives k2:mentionsTiltak."""
    problems = []
    for record in data.subjects(RDF.type, K2.TiltakRecord):
        if not str(record).startswith(str(RECORD["seed000-"])):
            continue
        goal = " ".join(str(v) for v in data.objects(record, K2.goal))
        said = set()
        for first, rest in re.findall(r"tiltak nr\. ([1-6]\.\d+)((?: og [1-6]\.\d+)*)", goal):
            said |= {first, *re.findall(r"[1-6]\.\d+", rest)}
        stated = {_notation(t, "k2020") for t in data.objects(record, K2.mentionsTiltak)}
        if stated != said:
            problems.append(f"{record}: mentions {stated} != the goal's {said}")
    _report(problems, "cross-references")


# ==================================================================================================
# Seed 003: the 2023 grant's rules as structured facts
# ==================================================================================================

SCHEME = Namespace(BASE + "id/scheme/")
GRANT_2023 = SCHEME["kompetanse-og-tjenesteutviklingstilskudd"]
SERVICE_PART = SCHEME["kompetanse-og-tjenesteutviklingstilskudd-tjenesteutvikling"]


def _bullet(bullets: list[tuple[int, str]], words: str) -> str:
    found = [text for _, text in bullets if words in text]
    assert len(found) == 1, (words, found)
    return found[0]


def test_rules_of_the_2023_grant_are_its_bullets(seeds, data) -> None:  # type: ignore[no-untyped-def]
    bullets = read_bullets(seeds)
    assert len(bullets) > 30
    texts = {text for _, text in bullets}
    problems = [
        f"{scheme}: {prop.split('#')[1]} {str(v)!r} is no bullet of seed 003"
        for prop in (K2.rule, K2.recommendation, K2.applicationRequirement)
        for scheme, v in data.subject_objects(prop)
        if " ".join(str(v).split()) not in texts
    ]
    _report(problems, "rules")
    # the definite facts, each read off its bullet
    assert "ikke satt noen nedre eller øvre tak" in _bullet(bullets, "tak for antall ansatte")
    assert data.value(GRANT_2023, K2.capOnEmployees).toPython() is False
    assert _bullet(bullets, "rapporterer på tildelte midler").endswith("året etter")
    assert data.value(GRANT_2023, K2.reportingYearsAfterGrant).toPython() == 1
    most = re.search(r"inntil (\d+)", _bullet(bullets, "tjenesteutviklingstiltak"))
    assert most and data.value(SERVICE_PART, K2.maxApplicationsPerApplicant).toPython() == int(most.group(1))
    assert "fastsettes av hvert enkelt embete" in _bullet(bullets, "frist")
    assert set(data.objects(GRANT_2023, K2.deadlineSetBy)) == {ACTOR.statsforvalteren}
    assert "statsforvalterembete" in _bullet(bullets, "Søknad og rapportering sendes")
    assert set(data.objects(GRANT_2023, K2.applicationTo)) == {ACTOR.statsforvalteren}
    assert "skal stå som søker" in _bullet(bullets, "Ved samarbeid er kommunen")
    assert set(data.objects(GRANT_2023, K2.applicantWhenCooperating)) == {ACTOR.kommuner}
    # «Nytt tiltak: … - Frogn kommune»: the municipality after the last «- » of each granted example
    examples = {t.rsplit("- ", 1)[1] for t in texts if t.rsplit("- ", 1)[-1].endswith(("kommune", "Aker"))}
    named = {str(data.value(a, SKOS.prefLabel)) for a in data.objects(SERVICE_PART, K2.exampleRecipient)}
    assert len(examples) == 5 and named == examples


EXPECTED_RESULTS = {
    # 3.3's start "1990-tallet", a decade kept as text
    (RECORD["seed001-k2020-3.3"], K2SH["TiltakRecordShape-startNotAYear"], "Warning"),
    # 3.27 "Ja" although it ended in 2020
    (RECORD["seed001-k2020-3.27"], K2SH["TiltakRecordShape-continuedButEnded"], "Warning"),
    # 1.4's bracketed "(3.10)", a reference that 3.10 does not return
    (RECORD["seed001-k2020-1.4"], K2SH["TiltakRecordShape-oneWayReference"], "Warning"),
    # seed 002 Tabell 1: the printed total of "Antall kommuner" is 428, its rows sum to 442 (line 961)
    (CUBE["seed002-tabell-01-L961-2"], K2SH["CubeTotalDiffersShape"], "Warning"),
    # seed 002 Tabell 16: "Totalt 135 433 137 950" (line 4978), its rows sum to 135 435 and 137 951 (SSB's rounding)
    (CUBE["seed002-tabell-16-L4978"], K2SH["CubeTotalDiffersShape"], "Warning"),
    (CUBE["seed002-tabell-16-L4978-2"], K2SH["CubeTotalDiffersShape"], "Warning"),
    # seed 002 Tabell 21: "I alt 4 535 4 596 4 690 4 806" (line 5455); 2014 and 2016 rows sum to 4 597 and 4 807
    (CUBE["seed002-tabell-21-L5455-2"], K2SH["CubeTotalDiffersShape"], "Warning"),
    (CUBE["seed002-tabell-21-L5455-4"], K2SH["CubeTotalDiffersShape"], "Warning"),
    # seed 002 Tabell 17: the row "2016" gives 278 161 recipients (line 5108), its age groups sum to 278 160
    (CUBE["seed002-tabell-17-L5108"], K2SH["CubeTotalDiffersShape"], "Warning"),
    # seed 002 Tabell 23 (line 5545): children and young people 2015 "Totalt" 2 702, rows sum to 2 701; the
    # total of 2015 is 13 131, its column sums to 13 130
    (CUBE["seed002-tabell-23-L5545-3"], K2SH["CubeTotalDiffersShape"], "Warning"),
    (CUBE["seed002-tabell-23-L5545-5"], K2SH["CubeTotalDiffersShape"], "Warning"),
}


def test_the_real_data_gives_exactly_the_known_warnings(real_data_report) -> None:  # type: ignore[no-untyped-def]
    results = {(r.focus, r.source_shape, r.severity) for r in real_data_report.results}
    assert len(real_data_report.results) == len(results), "a result is reported twice"
    assert results == EXPECTED_RESULTS, (
        f"unexpected: {sorted(map(str, results - EXPECTED_RESULTS))}; missing: {sorted(map(str, EXPECTED_RESULTS - results))}"
    )


# ==================================================================================================
# The decisions above are all used (a table of exceptions must not outlive its cases)
# ==================================================================================================


def test_every_decision_is_used(final_rows, overview) -> None:  # type: ignore[no-untyped-def]
    rows, fragments = overview
    multi = {r.number for r in final_rows if len(r.middle) != 1}
    assert set(CELL_ROLES) == multi, f"CELL_ROLES for rows without several paragraphs: {set(CELL_ROLES) - multi}"
    starts = {r.number for r in final_rows if clean(r.start.text) and not clean(r.start.text).isdigit()}
    assert set(START_AS_TEXT) == starts
    extra = {r.number for r in final_rows if "\n" in clean(r.k2025.text)}
    assert set(K2025_EXTRA_LINE) == extra
    assert set(MANGLED_OPENINGS) == {r.opening for r in rows if r.opening in MANGLED_OPENINGS}
    assert set(RESPONSIBLE_READINGS) <= {r.number for r in rows}
