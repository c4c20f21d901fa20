"""Seed 002's statistics tables as Data Cube data sets: coverage and transcription, read from the source.

Every "Tabell N" caption of seed 002 is found in the raw text (not from a hand list); each must have a
qb:DataSet ``cube:seed002-tabell-NN``, or stand in ``NOT_YET_DONE`` below. For a table that is done, its
cells are read here from the raw lines, independently of the Turtle: the numbers at the end of each row
line (a row whose numbers stand one per line is gathered until it has one number per column), split
into as many numbers as the table has columns (a thousands group such as "2 352" is one number). Every
legible cell must be exactly one observation of the data set: its source line, value, year, statistic,
unit and row (the row concept's label holds the row's label in the source), and nothing else.
A "*" is a cell without a number; it must stand in ``NO_NUMBER`` with the source's reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS

from k2020graph.namespaces import CONCEPT, CUBE, K2, QB, SDMX_ATTRIBUTE, SDMX_MEASURE

SEED = "002_a3c7bc13e67f0b4f.txt"
CAPTION = re.compile(r"^\s*Tabell (\d+) (?=[A-ZÆØÅ])")

#: Tables of seed 002 that are not yet data sets. This list must only shrink: a table that gets its data
#: set must leave it (a test checks that no table listed here has one).
NOT_YET_DONE: dict[int, str] = {}

#: Cells of done tables that hold no number, with the source's reason: (table, line, column index from 0).
NO_NUMBER: dict[tuple[int, int, int], str] = {
    (
        2,
        1496,
        0,
    ): "«*» - «Tidligere øremerket tilskudd … ble lagt inn i kompetanse- og innovasjonstilskuddet fra 2016» (1518-1519)",
    (
        2,
        1499,
        1,
    ): "«*» - «Tidligere øremerket tilskudd … ble lagt inn i kompetanse- og innovasjonstilskuddet fra 2016» (1518-1519)",
    (7, 2231, 0): "«*» - «Utdanningen ble ikke rapportert i 2015» (line 2237)",
    (7, 2231, 1): "«*» - «Utdanningen ble ikke rapportert i 2015» (line 2237)",
    (8, 2314, 0): "«*» - «Veiledning inngikk ikke som egen kategori i rapporteringsskjemaet i 2015» (line 2342)",
    (8, 2314, 1): "«*» - «Veiledning inngikk ikke som egen kategori i rapporteringsskjemaet i 2015» (line 2342)",
    (9, 2451, 0): "«*» - «Psykisk helsearbeid og rusarbeid inngikk ikke i skjemaet i 2015» (line 2490)",
    (9, 2454, 1): "«*» - «Psykisk helsearbeid og rusarbeid inngikk ikke i skjemaet i 2015» (line 2490)",
    **{
        (27, line, c): "«-» (nil: no candidates that year; the education was replaced by helsefagarbeider, lines 5980-5982)"
        for line, c in ((5966, 7), (5966, 8), (5967, 9), (5969, 10), (5971, 8), (5972, 9), (5974, 10))
    },
    (27, 5976, 0): "«-» (nil: helsefagarbeider had no candidates in 2006)",
    (27, 5976, 1): "«-» (nil: helsefagarbeider had no candidates in 2007)",
    (13, 4672, 1): "«Avsluttes våren 2017»: the class that started in autumn 2016 had not finished (line 4672)",
}

#: Illegible cells (a number the extraction lost or garbled), with the reason.
ILLEGIBLE: dict[tuple[int, int, int], str] = {}

#: Tables whose extraction broke numbers over lines ("9" / "389", "10 83" / "7"): every cell written out by
#: hand as (column, ((line, fragment as printed), ...)) per row label; a number is its fragments' digits
#: joined. Tabell 28 (lines 6016-6086): each reading is confirmed by the printed increases, which are
#: cells too: 9 389 + 1 052 = 10 441, 10 441 + 396 = 10 837, 8 341 + 619 = 8 960, 8 960 + 414 = 9 374;
#: 3 239 + 317 = 3 556, 3 556 + 203 = 3 759, 3 182 + 277 = 3 459, 3 459 + 153 = 3 612; 1 836 + 156 = 1 992,
#: 1 992 + 160 = 2 152, 1 144 + 149 = 1 293, 1 293 + 116 = 1 409 (and the text, lines 6103-6107, gives
#: 9 374, 414, 3 612 and 1 409).
HAND_TABLES: dict[int, tuple[tuple[str, tuple[tuple[int, tuple[tuple[int, str], ...]], ...]], ...]] = {
    28: (
        (
            "Helse- og oppvekstfag Vg1",
            (
                (0, ((6020, "9"), (6021, "389"))),
                (1, ((6023, "10 441"),)),
                (2, ((6024, "1052"),)),
                (3, ((6027, "10 83"), (6028, "7"))),
                (4, ((6029, "396"),)),
                (5, ((6031, "8"), (6032, "341"))),
                (6, ((6034, "8 960"),)),
                (7, ((6035, "619"),)),
                (8, ((6038, "9 374"),)),
                (9, ((6039, ""), (6040, "414"))),
            ),
        ),
        (
            "Helsearbeiderfag Vg2",
            (
                (0, ((6045, "3"), (6046, "239"))),
                (1, ((6048, "3 556"),)),
                (2, ((6049, "317"),)),
                (3, ((6051, "3 759"),)),
                (4, ((6052, "203"),)),
                (5, ((6054, "3"), (6055, "182"))),
                (6, ((6057, "3 459"),)),
                (7, ((6058, "277"),)),
                (8, ((6061, "3 612"),)),
                (9, ((6062, "153"),)),
            ),
        ),
        (
            "Helsearbeiderfag Vg3",
            (
                (0, ((6068, "1"), (6069, "836"))),
                (1, ((6071, "1 992"),)),
                (2, ((6072, "156"),)),
                (3, ((6074, "2 152"),)),
                (4, ((6075, "160"),)),
                (5, ((6077, "1"), (6078, "144"))),
                (6, ((6080, "1 293"),)),
                (7, ((6081, "149"),)),
                (8, ((6084, "1 409"),)),
                (9, ((6085, "116"),)),
            ),
        ),
    ),
}

#: In HAND_READ: "*" and "-" (as printed) are cells without a number (listed in NO_NUMBER); "?" stands for
#: a cell whose number cannot be told (listed in ILLEGIBLE).
_NOT_A_NUMBER = ("*", "-", "?")

#: Row lines whose numbers the reader cannot place by counting (fewer numbers than columns, or numbers
#: inside words): (table, line) -> ((column, number as printed), ...) and the reason. Each number must
#: stand on the line as printed ("*": a cell without a number, listed in NO_NUMBER); the row's label is
#: the text before the first number.
HAND_READ: dict[tuple[int, int], tuple[tuple[tuple[int, str], ...], str]] = {
    (10, 2560): (
        ((3, "115"),),
        "«Uspesifisert 115»: one number; it stands under 2016 «Antall innvilget», whose total 1 813 is "
        "399 + 409 + 890 + 115 (the other columns' totals are the sums of the three named rows)",
    ),
    (13, 4670): (
        ((0, "270"), (1, "420")),
        "«Tall på søkere 270 til 2 klasser 420 til 3 klasser»: a count of applicants and of classes per cell; "
        "the applicants are the cell's number (the text, lines 4643-4645: «420 søkere … 270 søkere»)",
    ),
    (20, 5412): (
        ((0, "1,8"), (1, "3,7"), (2, "2,0"), (3, "1,8"), (4, "0,9")),
        "«+ 1,8 + 3,7  + 2,0 + 1,8 + 0,9»: each number has its sign as a word of its own",
    ),
    (17, 5107): (
        tuple(enumerate(("266 409", "100", "38", "29", "20", "12"))),
        "«2009 266 409 …»: the row's name is a year, which the reader would take for a number",
    ),
    (17, 5108): (
        tuple(enumerate(("278 161", "100", "37", "34", "23", "6"))),
        "«2016 278 161 …»: the row's name is a year, which the reader would take for a number",
    ),
    (17, 5112): ((), "«Fordeling aldersgrupper 2016» (lines 5110-5112): a heading between the rows, no cell"),
    (27, 5966): (
        (*enumerate(("3 642", "3 618", "3 599", "1 865", "566", "50", "7")), (7, "-"), (8, "-")),
        "«Hjelpepleier 3 642 … 7 - -»: «-» is no number to the reader; 2015 and 2016's «-» follow on lines 5967, 5969",
    ),
    (27, 5967): (((9, "-"),), "«-» of Hjelpepleier 2015 on a line of its own"),
    (27, 5969): (((10, "-"),), "«-» of Hjelpepleier 2016 on a line of its own"),
    (27, 5971): (
        (*enumerate(("790", "813", "803", "631", "261", "161", "105", "4")), (8, "-")),
        "«Omsorgsarbeider 790 … 4 -»: «-» is no number to the reader; 2015 and 2016's «-» follow on lines 5972, 5974",
    ),
    (27, 5972): (((9, "-"),), "«-» of Omsorgsarbeider 2015 on a line of its own"),
    (27, 5974): (((10, "-"),), "«-» of Omsorgsarbeider 2016 on a line of its own"),
    (27, 5976): (
        (
            (0, "-"),
            (1, "-"),
            *enumerate(("1", "389", "1 408", "2 042", "2 299", "2 413", "2 820", "2 943", "3 151"), start=2),
        ),
        "«Helsefagarbeider - - 1 389 1 408 … 3 151»: sixteen digit groups for nine years (2008-2016); taken as "
        "thousands groups they make eight numbers, so one pair is two numbers. Only 1 | 389 gives a rising "
        "series, and only it agrees with the text (lines 5981-5982: «om lag 4 500 kandidater årlig i perioden "
        "2002 til 2008»: 3 599 + 803 + 1 = 4 403; with 1 389 in 2008 it would be 5 791)",
    ),
    (26, 5903): ((), "page footnote 24 («SPS Nyhetsbrev nr.2 - 2014») between the rows: no cell"),
    (26, 5906): ((), "page footnote 26 («… ikke har bosted i Norge i 2016») between the rows: no cell"),
    (13, 4672): (
        ((0, "101"), (1, "*")),
        "«Fullførte 101 Avsluttes våren 2017»: 2016's cell is text, no number (the class finishes in spring 2017)",
    ),
}


#: Captions with a footnote number glued to a word ("omsorgstjenestene5" is footnote 5, lines 4794-4795):
#: (as printed, as in the data set's title, which leaves the mark out).
CAPTION_FOOTNOTE_MARKS: dict[int, tuple[str, str]] = {
    14: ("omsorgstjenestene5", "omsorgstjenestene"),
    26: ("innvandrere26", "innvandrere"),  # footnote 26, line 5906
}

#: Row labels with a footnote number glued to the last word, as (table, label) -> mark; the row's
#: concept is named without it ("Servicepersonell6" is footnote 6, lines 4996-4998).
LABEL_FOOTNOTE_MARKS: dict[tuple[int, str], str] = {(16, "Servicepersonell6"): "6"}


@dataclass(frozen=True)
class Layout:
    """Where a done table's rows stand and what its columns are (read off the table's header lines)."""

    first: int  # first line of the first row (after the header)
    last: int  # line of the last number of the last row
    # (year, statistic, unit) per column, left to right; statistic and unit "" when each row is a
    # statistic of its own (Tabell 13, 15): then ROW_STATISTICS gives them per row line
    columns: tuple[tuple[str, str, str], ...]
    max_digits: int = 5  # the most digits a number of the table has (see MAX_DIGITS)
    # a further dimension that the columns divide (Tabell 23: adults, children and young people, total):
    # the dimension and its code per column
    column_dimension: str = ""
    column_codes: tuple[str, ...] = ()


_EDU = (
    ("2015", "quantity-graduates", "unit-persons"),
    ("2015", "quantity-students-incl-graduates", "unit-persons"),
    ("2016", "quantity-graduates", "unit-persons"),
    ("2016", "quantity-students-incl-graduates", "unit-persons"),
)
_APPS = (
    ("2015", "quantity-applications", "unit-applications"),
    ("2015", "quantity-projects-granted", "unit-applications"),
    ("2016", "quantity-applications", "unit-applications"),
    ("2016", "quantity-projects-granted", "unit-applications"),
)
_FTE_CHANGE = (
    ("2015", "quantity-full-time-equivalents", "unit-full-time-equivalents"),
    ("2016", "quantity-full-time-equivalents", "unit-full-time-equivalents"),
    ("2015-2016", "quantity-change-percent", "unit-percent"),
)
_FTE_2013_2016 = tuple((str(y), "quantity-full-time-equivalents", "unit-full-time-equivalents") for y in range(2013, 2017))
LAYOUTS: dict[int, Layout] = {
    # header lines 916-923: " 2016", "Fylke Kommuner med psykolog", "Antall kommuner"
    1: Layout(
        925,
        961,
        (
            ("2016", "quantity-municipalities", "unit-municipalities"),
            ("2016", "quantity-municipalities-in-county", "unit-municipalities"),
        ),
    ),
    # header lines 1384-1423: 2015 / 2016, each "… har fullført …", "… under utdanning/opplæring (inkl. fullførte)"
    2: Layout(1425, 1516, _EDU),
    # header line 2034: "Nivå 2008 2013 2014 2015 2016", all "Antall fullførte" (line 2032)
    3: Layout(2036, 2060, tuple((y, "quantity-graduates", "unit-persons") for y in ("2008", "2013", "2014", "2015", "2016"))),
    # header line 2074: "Nivå 2013 2014 2015 2016", all "Under utdanning (eks. fullførte)" (line 2072)
    4: Layout(
        2076, 2084, tuple((y, "quantity-students-excl-graduates", "unit-persons") for y in ("2013", "2014", "2015", "2016"))
    ),
    # header lines 2098-2124: 2015 / 2016, each "Antall fullført", "Antall under utdanning (inkl. fullførte)"
    5: Layout(2126, 2130, _EDU),
    6: Layout(2148, 2180, _EDU),
    # the header fragments (2199-2219) are out of order; lines 2241-2245 fix the order (see the data file)
    7: Layout(2221, 2235, _EDU),
    8: Layout(2265, 2340, _EDU),
    # header lines 2400-2425: 2015 / 2016, each "Antall fullført utdanning/ opplæring", "Antall under …"
    9: Layout(2427, 2489, _EDU),
    # header lines 2532-2549: 2015 / 2016, each "Antall søkt", "Antall innvilget"
    10: Layout(
        2551,
        2562,
        (
            ("2015", "quantity-employees-applied-for", "unit-persons"),
            ("2015", "quantity-employees-granted", "unit-persons"),
            ("2016", "quantity-employees-applied-for", "unit-persons"),
            ("2016", "quantity-employees-granted", "unit-persons"),
        ),
    ),
    # header lines 2862-2877: 2015 / 2016, each "Antall søknader", "Antall innvilget"
    11: Layout(2879, 2882, _APPS),
    # header line 4666: "2015 2016"; each row a statistic of its own (ROW_STATISTICS)
    13: Layout(4668, 4672, (("2015", "", ""), ("2016", "", ""))),
    # header line 4756: "2015 2016 2015-16" (årsverk, årsverk, change in per cent)
    14: Layout(4759, 4776, _FTE_CHANGE, max_digits=6),
    # header line 4851: "2011 2012 2013 2014 2015 2016"; each row a statistic of its own (ROW_STATISTICS)
    15: Layout(4854, 4888, tuple((str(y), "", "") for y in range(2011, 2017)), max_digits=6),
    # header lines 4916-4917: "Yrkesgrupper 2015 2016 Prosentvis endring"
    16: Layout(4919, 4978, _FTE_CHANGE, max_digits=6),
    # header line 5341: "2013 2014 2015 2016"; page footnotes 15-16 (lines 5351-5361) stand between the rows
    19: Layout(5343, 5374, _FTE_2013_2016),
    # header line 5447: "2013 2014 2015 2016"
    21: Layout(5449, 5455, _FTE_2013_2016),
    # header line 5471: "2013 2014 2015 2016"
    22: Layout(5473, 5492, _FTE_2013_2016),
    # header line 5280: "2015 2016 2015 - 2016" (årsverk with one decimal, change in per cent)
    18: Layout(5282, 5296, _FTE_CHANGE),
    # header line 5625: "2015 2016", share of men in per cent
    24: Layout(5627, 5705, (("2015", "quantity-share-men", "unit-percent"), ("2016", "quantity-share-men", "unit-percent"))),
    # header line 5866: "2015 2016", share of immigrants in per cent; page footnotes 21-26 (5900-5906) between rows
    26: Layout(
        5868,
        5913,
        (("2015", "quantity-share-immigrants", "unit-percent"), ("2016", "quantity-share-immigrants", "unit-percent")),
    ),
    # header line 5405: "2013 2014 2015 2016 2017"; each row a statistic of its own (ROW_STATISTICS)
    20: Layout(5407, 5412, tuple((str(y), "", "") for y in range(2013, 2018))),
    # header line 5791: "2012 2013 2014 2015 2016"; each row a statistic of its own (ROW_STATISTICS)
    25: Layout(5793, 5807, tuple((str(y), "", "") for y in range(2012, 2017)), max_digits=6),
    # header line 6118: "Bestått Ikke bestått Totalt"; the period is the title's (1 Oct 2015 - 30 Sep 2016)
    29: Layout(
        6120,
        6128,
        tuple(
            ("2015-10-01-2016-09-30", statistic, "unit-trade-tests")
            for statistic in ("quantity-trade-tests-passed", "quantity-trade-tests-failed", "quantity-trade-tests")
        ),
    ),
    # header line 6147: "2001 2010 2011 2012 2013 2014 2015 2016", admissions
    30: Layout(6149, 6185, tuple((str(y), "quantity-admitted", "unit-persons") for y in (2001, *range(2010, 2017)))),
    # header lines 5083-5105: number of recipients, "I alt %", and four shares by need of assistance;
    # the rows "2009" and "2016" (all ages) and the age groups of 2016 (ROW_YEARS gives 2009's year)
    17: Layout(
        5107,
        5133,
        tuple(
            ("2016", statistic, unit)
            for statistic, unit in (
                ("quantity-recipients-dec-31", "unit-persons"),
                ("quantity-share-all-assistance-needs", "unit-percent"),
                ("quantity-share-limited-assistance-need", "unit-percent"),
                ("quantity-share-medium-assistance-need", "unit-percent"),
                ("quantity-share-extensive-assistance-need", "unit-percent"),
                ("quantity-share-unknown-assistance-need", "unit-percent"),
            )
        ),
    ),
    # header lines 5532-5537: "Voksne", "Barn og unge", "Totalt", each "2015 2016" (the columns divide k2:ageGroup)
    23: Layout(
        5539,
        5545,
        tuple((y, "quantity-full-time-equivalents", "unit-full-time-equivalents") for y in ("2015", "2016") * 3),
        column_dimension="ageGroup",
        column_codes=tuple(f"age-group-t23-{g}" for g in ("voksne", "voksne", "barn-unge", "barn-unge", "total", "total")),
    ),
    # header line 5964: "2006 … 2016", candidates for the trade test and graduates
    27: Layout(
        5966,
        5976,
        tuple((str(y), "quantity-trade-test-candidates-and-graduates", "unit-persons") for y in range(2006, 2017)),
    ),
    # header lines 6005-6014: "Søkere" 2015 2016 2017, "Søkere som har fått tilbudt plass per 15. juli" 2015
    # 2016 2017 (the year 2015 is broken into "201" / "5"); 2016 and 2017 each with the increase "(+n)".
    # The cells are read by hand (HAND_TABLES); first and last give the table's lines.
    28: Layout(
        6016,
        6086,
        (
            ("2015", "quantity-applicants", "unit-persons"),
            ("2016", "quantity-applicants", "unit-persons"),
            ("2016", "quantity-applicants-increase", "unit-persons"),
            ("2017", "quantity-applicants", "unit-persons"),
            ("2017", "quantity-applicants-increase", "unit-persons"),
            ("2015", "quantity-offered-a-place", "unit-persons"),
            ("2016", "quantity-offered-a-place", "unit-persons"),
            ("2016", "quantity-offered-a-place-increase", "unit-persons"),
            ("2017", "quantity-offered-a-place", "unit-persons"),
            ("2017", "quantity-offered-a-place-increase", "unit-persons"),
        ),
    ),
    # header lines 3097-3119: 2015 / 2016, each "Antall søknader", "Antall innvilget"
    12: Layout(3121, 3170, _APPS),
}


@dataclass(frozen=True)
class Cell:
    table: int
    line: int
    column: int
    value: Decimal | None  # None: "*"
    label: str  # the row's label in the source


def source_lines(seeds: Path) -> list[str]:
    return (seeds / SEED).read_text(encoding="utf-8").split("\n")


def captions(lines: list[str]) -> dict[int, int]:
    """Table number -> line of its caption ("Tabell N Xxx…", not "Tabell N viser …")."""
    found: dict[int, int] = {}
    for i, line in enumerate(lines, 1):
        m = CAPTION.match(line)
        if m:
            n = int(m.group(1))
            assert n not in found, f"Tabell {n} has two captions (lines {found[n]} and {i})"
            found[n] = i
    return found


_TOKEN = re.compile(r"^(-?\d+(,\d+)?%?|\*|\d+\*|%)$")


#: No cell of the done tables reaches 100 000 (their largest sums are below 4 000), so a number has at
#: most five digits; without this bound "388 1 280 412 1 533" could also read 388 | 1 | 280 412 | 1 533.
MAX_DIGITS = 5


def split_numbers(tokens: list[str], n: int, max_digits: int = MAX_DIGITS) -> list[str] | None:
    """Join whitespace tokens into exactly ``n`` numbers ("2 352" is one); None if no unique way.

    A decimal ("1,9"), a negative number ("-2,5") or a star ends a number; a decimal may end a
    thousands group ("1 234,5")."""
    ways: list[list[str]] = []

    def walk(i: int, acc: list[str]) -> None:
        if len(ways) > 1:
            return
        if i == len(tokens):
            if len(acc) == n and all(len(a.rstrip("*").split(",")[0].replace(" ", "").lstrip("-")) <= max_digits for a in acc):
                ways.append(acc)
            return
        tok = tokens[i]
        if tok.endswith("*") or "," in tok:
            walk(i + 1, [*acc, tok])
            return
        if len(tok) > 1 and tok.startswith("0"):
            return  # "099" only continues a number ("1 099")
        j, text = i + 1, tok
        walk(j, [*acc, text])
        while len(tok.lstrip("-")) <= 3 and j < len(tokens) and re.fullmatch(r"\d{3}(,\d+)?", tokens[j]):
            text += " " + tokens[j]
            j += 1
            walk(j, [*acc, text])
            if "," in text:
                break

    walk(0, [])
    return ways[0] if len(ways) == 1 else None


def _trailing_numbers(line: str) -> tuple[str, list[str]]:
    """(label text, number tokens) of a line: the tokens at its end that are numbers or stars ("%" dropped)."""
    words = line.split()
    k = len(words)
    while k > 0 and _TOKEN.match(words[k - 1]):
        k -= 1
    return " ".join(words[:k]), [w.rstrip("%") for w in words[k:] if w != "%"]


def number(text: str) -> Decimal:
    """The value of a number as the source writes it: "2 352" -> 2352, "-2,5" -> -2.5."""
    return Decimal(text.rstrip("*").replace(" ", "").replace(",", "."))


def read_hand_table(lines: list[str], table: int) -> list[Cell]:
    """A table of HAND_TABLES: each fragment must be its line's text (up to white space and brackets)."""
    cells = []
    for label, row in HAND_TABLES[table]:
        for column, fragments in row:
            for line, fragment in fragments:
                printed = " ".join(lines[line - 1].replace("(", " ").replace(")", " ").replace("+", " ").split())
                assert printed == fragment, f"Tabell {table} line {line}: {printed!r} is not {fragment!r}"
            cells.append(Cell(table, fragments[0][0], column, number("".join(f for _l, f in fragments)), label))
    return cells


def read_cells(lines: list[str], table: int) -> list[Cell]:
    if table in HAND_TABLES:
        return read_hand_table(lines, table)
    layout = LAYOUTS[table]
    n = len(layout.columns)
    cells: list[Cell] = []
    pending: list[tuple[int, str]] = []  # (line, token) of a row whose numbers stand on lines of their own
    label, last_text = "", ""
    for no in range(layout.first, layout.last + 1):
        if (table, no) in HAND_READ:
            placed, _reason = HAND_READ[(table, no)]
            text = lines[no - 1]
            if not placed:  # a line inside the table that holds no cell (a header of a block of rows)
                continue
            first = next((num for _c, num in placed if num not in _NOT_A_NUMBER), None)
            # the text before the first number, without signs ("+ 1,8") and "-" cells ("Helsefagarbeider - - 1")
            words = text.split(first)[0].replace("+", " ").split() if first else []
            while words and words[-1] == "-":
                words.pop()
            row_label = " ".join(words) or last_text
            for c, num in placed:
                if num == "-":
                    assert re.search(r"(?<!\S)-(?!\S)", text), (table, no, num, text)
                elif num not in _NOT_A_NUMBER:
                    assert re.search(rf"(?<![\d,]){re.escape(num)}(?![\d,])", text), (table, no, num, text)
                cells.append(Cell(table, no, c, None if num in _NOT_A_NUMBER else number(num), row_label))
            continue
        text, tokens = _trailing_numbers(lines[no - 1])
        if not tokens:
            if text:
                last_text = text if not pending else last_text
            continue
        whole = split_numbers(tokens, n, layout.max_digits) if not pending else None
        if text and not pending and not whole:  # a row's label with its first numbers; the rest follow
            last_text = text
        elif text or whole:  # a row line: all its numbers
            assert not pending, f"Tabell {table} line {no}: a row starts before the previous one is complete"
            numbers = split_numbers(tokens, n, layout.max_digits)
            assert numbers, f"Tabell {table} line {no}: cannot read {n} numbers from {tokens}"
            for c, num in enumerate(numbers):
                value = None if num == "*" else number(num)
                cells.append(Cell(table, no, c, value, text or last_text))
            continue
        # a row whose numbers stand one per line (or a few): the fewest numbers the tokens can be
        # ("1 637" is one number; "608  801" two, as 608801 has too many digits)
        if not pending:
            label = last_text
        numbers = next((s for k in range(1, n - len(pending) + 1) if (s := split_numbers(tokens, k, layout.max_digits))), None)
        assert numbers, f"Tabell {table} line {no}: cannot read numbers from {tokens}"
        pending += [(no, num) for num in numbers]
        if len(pending) == n:
            for c, (line_no, num) in enumerate(pending):
                value = None if num == "*" else number(num)
                cells.append(Cell(table, line_no, c, value, label))
            pending = []
    assert not pending, f"Tabell {table}: an incomplete row at the end: {pending}"
    return cells


# ---- the graph -------------------------------------------------------------------------------------


def dataset(n: int) -> URIRef:
    return CUBE[f"seed002-tabell-{n:02d}"]


def _line_of(g: Graph, obs: URIRef) -> set[int]:
    out = set()
    for loc in g.objects(obs, DCTERMS.source):
        s, e = g.value(loc, K2.lineStart), g.value(loc, K2.lineEnd)
        if s is not None and s == e:
            out.add(int(s))
    return out


def _norm(text: str) -> str:
    return " ".join(text.replace(":", " ").replace("*", " ").split()).lower()


ROW_DIMENSIONS = (K2.county, K2.innovationTheme, K2.education, K2.profession, K2.serviceArea, K2.ageGroup)

#: Tables whose rows are statistics of their own (the layout's columns give only the year): the row's
#: label in the source (or, where two rows end in the same words, the row's first line) -> (statistic, unit).
ROW_STATISTICS: dict[int, dict[str | int, tuple[str, str]]] = {
    13: {
        "Antall studieplasser": ("quantity-study-places", "unit-study-places"),
        "Tall på søkere": ("quantity-applicants", "unit-persons"),
        "Fullførte": ("quantity-graduates", "unit-persons"),
    },
    15: {
        "Årsverk i alt": ("quantity-full-time-equivalents", "unit-full-time-equivalents"),
        "Årsverk av leger i institusjon": ("quantity-fte-doctors-in-institutions", "unit-full-time-equivalents"),
        "Årsverk av fysioterapeuter i institusjon": (
            "quantity-fte-physiotherapists-in-institutions",
            "unit-full-time-equivalents",
        ),
        "Årsverk per mottaker": ("quantity-fte-per-recipient", "unit-fte-per-recipient"),
        "over": ("quantity-fte-per-1000-aged-80-plus", "unit-fte-per-1000-inhabitants"),  # "… 80 år og" / "over"
        "totalt": ("quantity-sick-leave-share", "unit-percent"),  # "Andel legemeldt sykefravær av årsverk" / "totalt"
    },
    20: {
        "Fastleger": ("quantity-regular-gps", "unit-persons"),
        "økning": ("quantity-change-percent-from-previous-year", "unit-percent"),  # "Prosentvis" / "økning"
    },
    25: {
        "Årsverk": ("quantity-full-time-equivalents", "unit-full-time-equivalents"),
        "Totalt fravær": ("quantity-absence-fte", "unit-full-time-equivalents"),
        5798: ("quantity-sick-leave-fte", "unit-full-time-equivalents"),  # "Legemeldt" / "sykefravær 11 629 …"
        "Fødselspermisjon": ("quantity-parental-leave-fte", "unit-full-time-equivalents"),
        "Andel totalt fravær": ("quantity-absence-share", "unit-percent"),
        5807: ("quantity-sick-leave-share", "unit-percent"),  # "Andel legemeldt" / "sykefravær 8,9 % …"
    },
}


#: Rows whose year is not the column's: (table, line) -> year (Tabell 17's rows "2009" and "2016").
ROW_YEARS: dict[tuple[int, int], str] = {(17, 5107): "2009"}


def column_of(n: int, cell: Cell) -> tuple[str, str, str]:
    year, statistic, unit = LAYOUTS[n].columns[cell.column]
    year = ROW_YEARS.get((n, cell.line), year)
    if not statistic:
        rows = ROW_STATISTICS[n]
        statistic, unit = rows[cell.line] if cell.line in rows else rows[cell.label]
    return year, statistic, unit


def check_table(g: Graph, lines: list[str], n: int) -> list[str]:
    problems: list[str] = []
    cells = read_cells(lines, n)
    ds = dataset(n)
    observations = set(g.subjects(QB.dataSet, ds))
    matched: set[URIRef] = set()
    layout = LAYOUTS[n]
    for cell in cells:
        key = (n, cell.line, cell.column)
        if cell.value is None:
            if key not in NO_NUMBER and key not in ILLEGIBLE:
                problems.append(
                    f"Tabell {n} line {cell.line} column {cell.column}: no number, not listed in NO_NUMBER or ILLEGIBLE"
                )
            continue
        year, statistic, unit = column_of(n, cell)
        hits = [
            o
            for o in observations
            if cell.line in _line_of(g, o)
            and g.value(o, K2.refYear) == CONCEPT[f"year-{year}"]
            and g.value(o, K2.statistic) == CONCEPT[statistic]
            and (
                not layout.column_dimension
                or g.value(o, K2[layout.column_dimension]) == CONCEPT[layout.column_codes[cell.column]]
            )
        ]
        where = f"Tabell {n} line {cell.line} column {cell.column} ({year}, {statistic})"
        if len(hits) != 1:
            problems.append(f"{where}: {len(hits)} observations instead of 1")
            continue
        (obs,) = hits
        matched.add(obs)
        value = g.value(obs, SDMX_MEASURE.obsValue)
        if value is None or Decimal(str(value)) != cell.value:
            problems.append(f"{where}: the source says {cell.value}, the graph {value}")
        if g.value(obs, SDMX_ATTRIBUTE.unitMeasure) != CONCEPT[unit]:
            problems.append(f"{where}: unit {g.value(obs, SDMX_ATTRIBUTE.unitMeasure)}, expected concept:{unit}")
        dims = ROW_DIMENSIONS + ((K2.statistic,) if n in ROW_STATISTICS else ())
        rows = [g.value(obs, d) for d in dims if g.value(obs, d) is not None]
        labels = [
            _norm(str(lab))
            for r in rows
            for p in (SKOS.prefLabel, SKOS.altLabel)  # Tabell 3 and 4 name the levels in words of their own
            for lab in g.objects(r, p)
            if getattr(lab, "language", None) == "nb"
        ]
        label = cell.label.removesuffix(LABEL_FOOTNOTE_MARKS.get((n, cell.label), ""))
        if not any(_norm(label) in lab for lab in labels):
            problems.append(f"{where}: the row is {cell.label!r} in the source, the graph's row is {labels}")
    for extra in sorted(observations - matched):
        problems.append(f"Tabell {n}: observation {extra} is no legible cell of the source")
    return problems


# ---- tests -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lines(seeds: Path) -> list[str]:
    return source_lines(seeds)


def test_the_source_has_thirty_tables(lines) -> None:  # type: ignore[no-untyped-def]
    found = captions(lines)
    assert sorted(found) == list(range(1, 31)), sorted(found)


def test_every_table_is_a_data_set_or_listed_as_not_yet_done(kg, lines) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    found = captions(lines)
    missing = [n for n in found if n not in NOT_YET_DONE and (dataset(n), RDF.type, QB.DataSet) not in g]
    assert not missing, f"tables without a qb:DataSet and not in NOT_YET_DONE: {missing}"
    stale = [n for n in NOT_YET_DONE if (dataset(n), RDF.type, QB.DataSet) in g]
    assert not stale, f"tables in NOT_YET_DONE that have a data set (remove them from the list): {stale}"
    assert set(LAYOUTS) == set(found) - set(NOT_YET_DONE), "every done table needs its layout here"


@pytest.mark.parametrize("n", sorted(LAYOUTS))
def test_data_set_title_is_the_caption(kg, lines, n: int) -> None:  # type: ignore[no-untyped-def]
    caption = " ".join(lines[captions(lines)[n] - 1].split())
    if n in CAPTION_FOOTNOTE_MARKS:  # the title leaves out a footnote mark that the extraction glued on
        printed, title = CAPTION_FOOTNOTE_MARKS[n]
        assert printed in caption, (caption, printed)
        caption = caption.replace(printed, title)
    titles = [" ".join(str(t).split()) for t in kg.data_graph.objects(dataset(n), DCTERMS.title)]
    assert titles and all(t.startswith(caption) for t in titles), (caption, titles)


@pytest.mark.parametrize("n", sorted(LAYOUTS))
def test_every_legible_cell_is_one_observation_with_its_value(kg, lines, n: int) -> None:  # type: ignore[no-untyped-def]
    problems = check_table(kg.data_graph, lines, n)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("n", sorted(LAYOUTS))
def test_observations_count_the_legible_cells(kg, lines, n: int) -> None:  # type: ignore[no-untyped-def]
    cells = read_cells(lines, n)
    legible = [c for c in cells if c.value is not None and (n, c.line, c.column) not in ILLEGIBLE]
    observations = list(kg.data_graph.subjects(QB.dataSet, dataset(n)))
    assert len(observations) == len(legible), (
        f"Tabell {n}: {len(cells)} cells, {len(legible)} legible, {len(observations)} observations"
    )


def test_no_number_and_illegible_lists_name_real_cells(lines) -> None:  # type: ignore[no-untyped-def]
    cells = {(c.table, c.line, c.column): c for n in LAYOUTS for c in read_cells(lines, n)}
    for key in NO_NUMBER:
        assert key in cells and cells[key].value is None, f"NO_NUMBER {key} is not a '*' cell of the source"
    for key in ILLEGIBLE:
        assert key in cells, f"ILLEGIBLE {key} is not a cell of the source"


def test_tabell_28_read_by_hand_agrees_with_its_printed_increases(lines) -> None:  # type: ignore[no-untyped-def]
    cells = read_cells(lines, 28)
    for label in {c.label for c in cells}:
        v = {c.column: c.value for c in cells if c.label == label}
        # applicants 2015 -> 2016 -> 2017 (columns 0, 1, 3; increases 2, 4); offered a place (5, 6, 8; 7, 9)
        assert v[1] == v[0] + v[2] and v[3] == v[1] + v[4], (label, v)
        assert v[6] == v[5] + v[7] and v[8] == v[6] + v[9], (label, v)


def test_hand_read_lines_lie_in_done_tables(lines) -> None:  # type: ignore[no-untyped-def]
    for table, line in HAND_READ:
        layout = LAYOUTS[table]
        assert layout.first <= line <= layout.last, f"HAND_READ ({table}, {line}) is outside the table's rows"


def test_a_figure_that_repeats_an_observation_has_its_year_statistic_and_value(kg) -> None:  # type: ignore[no-untyped-def]
    g = kg.data_graph
    links = list(g.subject_objects(K2.repeatsObservation))
    assert links, "no figure is linked to a table cell"
    for figure, obs in links:
        assert (figure, RDF.type, K2.Figure) in g and (obs, RDF.type, QB.Observation) in g, (figure, obs)
        assert Decimal(str(g.value(figure, K2.value))) == Decimal(str(g.value(obs, SDMX_MEASURE.obsValue))), figure
        assert g.value(figure, K2.quantity) == g.value(obs, K2.statistic), figure
        year = g.value(figure, K2.year)  # a figure may be silent on its year (k2:silentOn k2:year)
        assert year is None or str(year) == str(g.value(g.value(obs, K2.refYear), SKOS.notation)), figure


def test_a_quantity_of_the_whole_plan_has_one_value_per_year(kg) -> None:  # type: ignore[no-untyped-def]
    """A figure about plan:k2020 is about the whole programme: one population, so one value per quantity and
    year. (Tabell 14's, 18's and 23's årsverk were figures about the plan: four values of "full-time
    equivalents, 2016" for four different services; they are the tables' observations, with their service
    area, and no longer figures.)"""
    g = kg.data_graph
    plan = URIRef("https://w3id.org/k2020graph/id/plan/k2020")
    values: dict[tuple[object, object], set[Decimal]] = {}
    for figure in g.subjects(K2.about, plan):
        if (figure, RDF.type, K2.Figure) in g:
            key = (g.value(figure, K2.quantity), g.value(figure, K2.year))
            values.setdefault(key, set()).add(Decimal(str(g.value(figure, K2.value))))
    assert values, "the plan has figures (the 52 tiltak of the implementation plan)"
    assert {k: v for k, v in values.items() if len(v) > 1} == {}


def test_the_reader_splits_thousands_groups() -> None:
    assert split_numbers("913 2 352 1 099 2 749".split(), 4) == ["913", "2 352", "1 099", "2 749"]
    assert split_numbers("270 858 232 943".split(), 4) == ["270", "858", "232", "943"]
    assert split_numbers("519 919 448 1 053".split(), 4) == ["519", "919", "448", "1 053"]
    assert split_numbers("* * 22 38".split(), 4) == ["*", "*", "22", "38"]
    assert split_numbers("1 2 3".split(), 2) is None
    assert split_numbers("135 433 137 950 1,9".split(), 3, 6) == ["135 433", "137 950", "1,9"]
    assert split_numbers("1 250 1 219 -2,5".split(), 3) == ["1 250", "1 219", "-2,5"]
    assert number("-2,5") == Decimal("-2.5") and number("2 352") == 2352
