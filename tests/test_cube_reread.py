"""The second reading of seed 002's statistics tables (issue 13), kept as a test.

Written by a reader who did not write the data, independently of ``test_cube_coverage.py``'s reader
and of the Turtle. What is typed by hand here is only what a person reads off the printed table: each
row's label as printed and how many cells it has, and what each column is (year, statistic). The
numbers themselves are read from the raw text by a reader of its own kind: it finds each row's label
in the table's text (line breaks are white space), takes every token between that label and the next
row's, and splits the digit groups into exactly as many numbers as the row has cells ("2 352" is one
number or two). A row whose digit groups split more than one way must say which split it takes and
why (``SPLITS``); every other row must split one way only. Each number is then compared with the
graph: one observation of the data set for that row (a row code whose label is the printed label, or
the wording in ``graph_labels`` where the graph words it apart) and column, with that value, and no
observation beyond the cells read. A "*" or "-" cell must have no observation.

Tables this reader does not read stand in ``LEFT_TO_HAND_READING`` with the reason; their second
reading was done by eye (docs/extraction.md, "Second reading").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import Graph, URIRef
from rdflib.namespace import SKOS

from k2020graph.namespaces import CONCEPT, CUBE, K2, QB, SDMX_MEASURE

SEED = "002_a3c7bc13e67f0b4f.txt"

Column = tuple[str, str | None, str | None]  # (year code, statistic code or None = the row's, age group label)


@dataclass(frozen=True)
class Reading:
    row_dim: str  # the dimension that tells the rows apart (its code's label is the row's label)
    first: int  # the first row's label line
    end: int  # the last line with a cell
    rows: tuple[tuple[str, int], ...]  # (label as printed, cells), top to bottom
    columns: tuple[Column, ...]
    skip: tuple[int, ...] = ()  # lines inside the table that are no part of it (page footnotes)
    max_digits: int = 4  # the widest number printed in the table (a total such as "7 603" has four)
    graph_labels: dict[str, str] = field(default_factory=dict)  # printed label -> the graph's, where worded apart


def _years(*years: str, stat: str | None = None) -> tuple[Column, ...]:
    return tuple((y, stat, None) for y in years)


def _pairs(years: tuple[str, ...], stats: tuple[str, ...]) -> tuple[Column, ...]:
    return tuple((y, s, None) for y in years for s in stats)


#: The service-area rows of Tabell 19 and 22, as printed.
T19_T22_SERVICE_AREAS = (
    "Diagnose, behandling og rehabilitering",
    "Skole/helsestasjon",
    "Annet forebyggende arbeid",
    "Institusjoner for eldre og funksjonshemmede",
    "Administrasjon",
    "Totalt",
)


GRAD = ("quantity-graduates", "quantity-students-incl-graduates")
FTE = "quantity-full-time-equivalents"
CHANGE: tuple[Column, ...] = (("2015", FTE, None), ("2016", FTE, None), ("2015-2016", "quantity-change-percent", None))
COUNTIES = (
    "Østfold Akershus Oslo Hedmark Oppland Buskerud Vestfold Telemark",
    "Aust og Vest-Agder|Rogaland|Hordaland|Sogn og Fjordane|Møre og Romsdal|Sør-Trøndelag|Nord-Trøndelag",
    "Nordland Troms Finnmark Total",
)
_county_rows = tuple((name, 2) for part in COUNTIES for name in (part.split("|") if "|" in part else part.split()))

READINGS: dict[int, Reading] = {
    1: Reading(
        "county",
        925,
        961,
        _county_rows,
        (("2016", "quantity-municipalities", None), ("2016", "quantity-municipalities-in-county", None)),
    ),
    3: Reading(
        "education",
        2036,
        2060,
        (
            ("Sum videregående utdanning/yrkesopplæring", 5),
            ("Sum fagskoler", 5),
            ("Sum bachelor*", 5),
            ("Sum videreutdanning/master", 5),
            ("Sum fullførte", 5),
        ),
        _years("2008", "2013", "2014", "2015", "2016", stat="quantity-graduates"),
    ),
    4: Reading(
        "education",
        2076,
        2084,
        (
            ("Sum videregående utdanning/yrkesopplæring", 4),
            ("Sum fagskoler", 4),
            ("Sum bachelor*", 4),
            ("Sum videreutdanning/master", 4),
            ("Sum under utdanning (eks. fullførte)", 4),
        ),
        _years("2013", "2014", "2015", "2016", stat="quantity-students-excl-graduates"),
    ),
    5: Reading(
        "education",
        2126,
        2130,
        (("Helsefagarbeiderutdanning", 4), ("Annen helsefaglig utdanning", 4), ("Sum videregående skole", 4)),
        _pairs(("2015", "2016"), GRAD),
    ),
    6: Reading(
        "education",
        2166,
        2180,
        tuple(
            (r, 4)
            for r in (
                "Sykepleie",
                "Vernepleie",
                "Fysioterapi",
                "Ergoterapi",
                "Sosionom",
                "Barnevernspedagog",
                "Annen bachelorutdanning",
                "Sum bachelorutdanning",
            )
        ),
        _pairs(("2015", "2016"), GRAD),
    ),
    # The header fragments stand as "under, under, fullført, fullført" (lines 2201-2219), but the
    # numbers are "fullført, under" per year: the first row repeats Tabell 2's Fagskole row (85 194 110 260,
    # lines 1431-1440), and in every row the second number of a year is at least the first.
    7: Reading(
        "education",
        2223,
        2235,
        (
            ("Psykisk helsearbeid og rusarbeid", 4),
            ("Eldreomsorg/demens", 4),
            ("Habilitering/rehabilitering", 4),
            ("Kreftomsorg/ lindrende pleie", 4),
            ("Veiledning", 4),
            ("Annen fagskoleutdanning", 4),
            ("Sum fagskoleutdanninger", 4),
        ),
        _pairs(("2015", "2016"), GRAD),
    ),
    8: Reading(
        "education",
        2283,
        2340,
        (
            ("Psykisk helsearbeid og rus", 4),
            ("Tverrfaglig videreutdanning i psykososialt arbeid med barn og unge", 4),
            ("Eldreomsorg/demens", 4),
            ("Kreftomsorg/lindrende pleie", 4),
            ("Habilitering/rehabilitering", 4),
            ("Veiledning", 4),
            ("Lederutdanning", 4),
            ("Annen videre-/masterutdanning", 4),
            ("Sum videre-/ mastergradsutdanning", 4),
        ),
        _pairs(("2015", "2016"), GRAD),
    ),
    9: Reading(
        "education",
        2427,
        2489,
        (
            ("Demensomsorgens/ Eldreomsorgens ABC", 4),
            ("Mitt livs ABC", 4),
            ("Psykisk helsearbeid og rusarbeid", 4),
            ("Annen etterutdanning", 4),
            ("Sum internopplæring/ etterutdanning/ ABC- opplæring/ kurs o.l.", 4),
        ),
        _pairs(("2015", "2016"), GRAD),
        max_digits=5,
        graph_labels={
            "Sum internopplæring/ etterutdanning/ ABC- opplæring/ kurs o.l.": (
                "Sum internopplæring/ etterutdanning/ ABC-opplæring/ kurs o.l."
            )
        },
    ),
    11: Reading(
        "innovationTheme",
        2879,
        2882,
        (("Antall prosjekter med tema ernæring mv.", 4),),
        _pairs(("2015", "2016"), ("quantity-applications", "quantity-projects-granted")),
    ),
    12: Reading(
        "innovationTheme",
        3121,
        3170,
        tuple(
            (r, 4)
            for r in (
                "Antall prosjekter med tema forebygging tidlig innsats og egenmestring:",
                "Antall prosjekter med tema habilitering og rehabilitering, herunder hverdagsrehabilitering:",
                "Antall prosjekter med tema velferdsteknologiske løsninger:",
                "Antall prosjekter med tema samspill med pårørende og frivillige i omsorgssektoren generelt og demensomsorgen",
                "Antall prosjekter med tema legemiddelhåndtering:",
                "Antall prosjekter med tema ernæring:",
                "Antall prosjekter med tema fritidsaktivitet med assistanse",
                "Antall prosjekter med tema kulturopplevelser",
                "Annet",
                "Totalt",
            )
        ),
        _pairs(("2015", "2016"), ("quantity-applications", "quantity-projects-granted")),
        # the label's last word «spesielt:» stands after the row's numbers (line 3146)
        graph_labels={
            "Antall prosjekter med tema samspill med pårørende og frivillige i omsorgssektoren generelt og demensomsorgen": (
                "Antall prosjekter med tema samspill med pårørende og frivillige i omsorgssektoren generelt og "
                "demensomsorgen spesielt"
            )
        },
    ),
    14: Reading(
        "serviceArea",
        4759,
        4776,
        (
            ("Årsverk i omsorgstjenestene", 3),
            ("Årsverk i helsestasjonstjenesten og skolehelsetjenesten*", 3),
            ("Legeårsverk i kommunehelsetjenesten", 3),
            ("Fysioterapeutårsverk i kommunehelsetjenesten", 3),
            ("Sum", 3),
        ),
        CHANGE,
        max_digits=6,
    ),
    15: Reading(
        "statistic",
        4854,
        4888,
        (
            ("Årsverk i alt", 6),
            ("Årsverk av leger i institusjon", 6),
            ("Årsverk av fysioterapeuter i institusjon", 6),
            ("Årsverk per mottaker", 6),
            ("Årsverk per 1 000 innbyggere 80 år og over", 6),
            ("Andel legemeldt sykefravær av årsverk totalt", 6),
        ),
        _years("2011", "2012", "2013", "2014", "2015", "2016"),
        max_digits=6,
    ),
    16: Reading(
        "profession",
        4919,
        4978,
        tuple(
            (r, 3)
            for r in (
                "Sykepleier med spesialutdanning /videreutdanning",
                "Sykepleier uten spesialutdanning /videreutdanning",
                "Vernepleier",
                "Helsefagarbeider*",
                "Ergoterapeut",
                "Sosionom",
                "Barnevernspedagog",
                "Miljøterapeut",
                "Aktivitør",
                "Barne- og ungdomsarbeider",
                "Pleieassistent/ hjemmehjelp, m/helseutdanning",
                "Pleieassistent/ hjemmehjelp uten helseutdanning",
                "Servicepersonell6",
                "Administrativt personell",
                "Uspesifisert, annet",
                "Totalt",
            )
        ),
        CHANGE,
        graph_labels={"Servicepersonell6": "Servicepersonell"},  # footnote 6 glued to the word
        max_digits=6,
    ),
    18: Reading(
        "profession",
        5282,
        5296,
        tuple(
            (r, 3)
            for r in (
                "Legeårsverk",
                "Fysioterapeut",
                "Jordmødre",
                "Helsesøstre",
                "Andre sykepleiere",
                "Annen fagutdanning",
                "Uten fagutdanning",
                "Sum",
            )
        ),
        CHANGE,
    ),
    19: Reading(
        "serviceArea",
        5343,
        5374,
        tuple((r, 4) for r in T19_T22_SERVICE_AREAS),
        _years("2013", "2014", "2015", "2016", stat=FTE),
        skip=tuple(range(5351, 5362)),  # page footnotes 15 and 16 and their addresses
    ),
    20: Reading(
        "statistic",
        5407,
        5412,
        (("Fastleger", 5), ("Prosentvis økning", 5)),
        _years("2013", "2014", "2015", "2016", "2017"),
    ),
    21: Reading(
        "profession",
        5449,
        5455,
        (("Med driftsavtale", 4), ("Med fast lønn", 4), ("Turnuskandidater", 4), ("I alt", 4)),
        _years("2013", "2014", "2015", "2016", stat=FTE),
    ),
    22: Reading(
        "serviceArea",
        5473,
        5492,
        tuple((r, 4) for r in T19_T22_SERVICE_AREAS),
        _years("2013", "2014", "2015", "2016", stat=FTE),
    ),
    23: Reading(
        "serviceArea",
        5539,
        5545,
        (("Psykisk helse og rus", 6), ("Psykisk helse", 6), ("Rus", 6), ("Totalt", 6)),
        tuple((y, FTE, group) for group in ("Voksne", "Barn og unge", "Totalt") for y in ("2015", "2016")),
        max_digits=5,
    ),
    24: Reading(
        "profession",
        5627,
        5705,
        tuple(
            (r, 2)
            for r in (
                "Sykepleiere med videreutdanning",
                "Sykepleiere uten videreutdanning",
                "Helsefagarbeidergruppen",
                "Ergoterapeut",
                "Fysioterapeut",
                "Sosionom og barnevernspedagog",
                "Vernepleier, miljøterapeuter og psykisk miljøarbeid",
                "Lege",
                "Annen helseutdanning på videregående nivå",
                "Pleieassistent, hjemmehjelp",
                "Administrativt personell",
                "Servicefunksjoner",
                "Uspesifisert, annet",
                "Totalt",
            )
        ),
        _years("2015", "2016", stat="quantity-share-men"),
    ),
    25: Reading(
        "statistic",
        5793,
        5807,
        (
            ("Årsverk", 5),
            ("Totalt fravær", 5),
            ("Legemeldt sykefravær", 5),
            ("Fødselspermisjon", 5),
            ("Andel totalt fravær", 5),
            ("Andel legemeldt sykefravær", 5),
        ),
        _years("2012", "2013", "2014", "2015", "2016"),
        max_digits=6,
    ),
    26: Reading(
        "profession",
        5868,
        5913,
        tuple(
            (r, 2)
            for r in (
                "Aktivitør",
                "Barne- og ungdomsarbeider",
                "Barnevernspedagog",
                "Ergoterapeut",
                "Fysioterapeut",
                "Helsesekretær",
                "Helsesøster",
                "Helsefagarbeidergruppen",
                "Sykepleiere (inkl. jordmor og helsesøster)",
                "Lege",
                "Miljøterapeuter",
                "Pleieassistenter, hjemmehjelp",
                "Psykisk miljøarbeid",
                "Sosionom",
                "Vernepleier",
                "Administrativt personell",
                "Servicefunksjoner",
                "Uspesifisert, annet",
                "Totalt",
            )
        ),
        _years("2015", "2016", stat="quantity-share-immigrants"),
        skip=tuple(range(5900, 5907)),  # page footnotes 21-26
    ),
    27: Reading(
        "education",
        5966,
        5976,
        (("Hjelpepleier", 11), ("Omsorgsarbeider", 11), ("Helsefagarbeider", 11)),
        _years(*(str(y) for y in range(2006, 2017)), stat="quantity-trade-test-candidates-and-graduates"),
    ),
    29: Reading(
        "education",
        6120,
        6128,
        (("Elev (fagopplæring i skole)", 3), ("Lærling", 3), ("Praksiskandidat", 3), ("Totalt", 3)),
        tuple(
            ("2015-10-01-2016-09-30", s, None)
            for s in ("quantity-trade-tests-passed", "quantity-trade-tests-failed", "quantity-trade-tests")
        ),
    ),
    30: Reading(
        "profession",
        6149,
        6185,
        tuple(
            (r, 8)
            for r in (
                "Sykepleiere",
                "Vernepleiere",
                "Ergoterapeut",
                "Sosionom",
                "Barnevernspedagog",
                "Fysioterapeut (innenlands)",
                "Leger (innenlands)",
            )
        ),
        _years("2001", "2010", "2011", "2012", "2013", "2014", "2015", "2016", stat="quantity-admitted"),
    ),
}

#: Tables this reader does not read, and why (the coverage test reads them by hand, and the second
#: reading of them is recorded in docs/extraction.md).
LEFT_TO_HAND_READING: dict[int, str] = {
    2: "numbers one per line among blank fragments, «*» cells on lines of their own",
    10: "the row «Uspesifisert» has one number, placed under 2016 «Antall innvilget» by that column's total",
    13: "cells that are text («270 til 2 klasser», «Avsluttes våren 2017»)",
    17: "rows named by a year («2009», «2016») whose cells are of that year; a heading and page footnotes between rows",
    28: "numbers broken over two lines («10 83» / «7»)",
}

#: Rows whose digit groups split into the row's cells more than one way: (table, label) -> (the split
#: taken, as printed numbers, and why).
SPLITS: dict[tuple[int, str], tuple[tuple[str, ...], str]] = {
    (27, "Helsefagarbeider"): (
        ("-", "-", "1", "389", "1 408", "2 042", "2 299", "2 413", "2 820", "2 943", "3 151"),
        "sixteen groups for nine years: any split but 1 | 389 puts 1 389 in 2008 and a number under 1 000 "
        "after it; the text (lines 5981-5982) gives «om lag 4 500 kandidater årlig … 2002 til 2008»: "
        "3 599 + 803 + 1 = 4 403 (with 1 389: 5 791)",
    ),
}

# Table 1: Oslo's «14* 15*» carry the footnote mark «*» (line 962) glued to the number.
# A sign stands apart from its number only as "+ 1,8" (Tabell 20); "- 1" is a "-" cell and a number.
_TOKEN = re.compile(r"(?<!\S)(?:\+ ?|-)?\d+(?:,\d+)?\*?(?!\S)|(?<!\S)[*-](?!\S)")
_PLACEHOLDERS = ("*", "-")


def _norm(text: str) -> str:
    return " ".join(text.replace("*", " ").split()).rstrip(":").casefold()


def splits(tokens: list[str], cells: int, max_digits: int = 6) -> list[list[str]]:
    """Every way to read the tokens as exactly ``cells`` cells: a decimal, "*" or "-" is a cell of its
    own; a group of up to three digits takes at most one following group of exactly three digits
    ("2 352"), so long as the number has no more than ``max_digits`` digits."""
    out: list[list[str]] = []

    def walk(i: int, acc: list[str]) -> None:
        if len(acc) > cells:
            return
        if i == len(tokens):
            if len(acc) == cells:
                out.append(list(acc))
            return
        tok = tokens[i]
        lead = tok.lstrip("+- ")
        joinable = lead.isdigit() and len(lead) <= 3 and (lead == "0" or not lead.startswith("0"))
        if not joinable:
            if lead.isdigit() and lead.startswith("0") and lead != "0":
                return  # "042" cannot begin a number
            walk(i + 1, [*acc, tok])
            return
        j = i + 1
        number = tok
        walk(j, [*acc, number])
        if j < len(tokens) and re.fullmatch(r"\d{3}(?:,\d+)?", tokens[j]) and len(lead) + 3 <= max_digits:
            walk(j + 1, [*acc, f"{number} {tokens[j]}"])

    walk(0, [])
    return out


def value(printed: str) -> Decimal:
    return Decimal(printed.replace(" ", "").replace("+", "").replace(",", "."))


def read_table(lines: list[str], reading: Reading, n: int) -> list[tuple[str, list[str]]]:
    """The table's rows as (label, the printed cells, left to right)."""
    chunks = [(no, lines[no - 1]) for no in range(reading.first, reading.end + 1) if no not in reading.skip]
    text = " ".join(" ".join(t for _no, t in chunks).split())
    spans = []
    pos = 0
    for label, _cells in reading.rows:
        pattern = r"\s*".join(re.escape(w) for w in label.split())
        m = re.compile(pattern).search(text, pos)
        assert m, f"Tabell {n}: the row {label!r} is not in lines {reading.first}-{reading.end}"
        spans.append((label, m.start(), m.end()))
        pos = m.end()
    rows = []
    for k, (label, _start, stop) in enumerate(spans):
        end = spans[k + 1][1] if k + 1 < len(spans) else len(text)
        tokens = [t.rstrip("*") if t != "*" else t for t in _TOKEN.findall(text[stop:end])]
        tokens = [t.replace(" ", "") if t[:1] in "+-" and len(t) > 1 else t for t in tokens]
        cells = dict(reading.rows)[label]
        ways = splits(tokens, cells, reading.max_digits)
        if (n, label) in SPLITS:
            chosen, _why = SPLITS[(n, label)]
            assert list(chosen) in ways, f"Tabell {n} {label!r}: {chosen} is not a split of {tokens}"
            rows.append((label, list(chosen)))
            continue
        assert len(ways) == 1, f"Tabell {n} {label!r}: tokens {tokens} split {len(ways)} ways into {cells} cells"
        rows.append((label, ways[0]))
    return rows


def _labels(g: Graph, node: URIRef) -> set[str]:
    return {
        _norm(str(lab))
        for p in (SKOS.prefLabel, SKOS.altLabel)
        for lab in g.objects(node, p)
        if getattr(lab, "language", None) == "nb"
    }


def compare(g: Graph, n: int, rows: list[tuple[str, list[str]]], reading: Reading) -> list[str]:
    ds = CUBE[f"seed002-tabell-{n:02d}"]
    observations = set(g.subjects(QB.dataSet, ds))
    problems: list[str] = []
    matched: set[URIRef] = set()
    for label, cells in rows:
        wanted = _norm(reading.graph_labels.get(label, label))
        in_row = {o for o in observations if wanted in _labels(g, g.value(o, K2[reading.row_dim]))}
        for (year, stat, other), printed in zip(reading.columns, cells, strict=True):
            hits = [
                o
                for o in in_row
                if g.value(o, K2.refYear) == CONCEPT[f"year-{year}"]
                and (stat is None or g.value(o, K2.statistic) == CONCEPT[stat])
                and (other is None or _norm(other) in _labels(g, g.value(o, K2.ageGroup)))
            ]
            where = f"Tabell {n} {label!r} {year} {stat or ''} {other or ''}".rstrip()
            if printed in _PLACEHOLDERS:
                if hits:
                    problems.append(f"{where}: «{printed}» is no number, the graph has {hits}")
                continue
            if len(hits) != 1:
                problems.append(f"{where}: the source prints {printed}, the graph has {len(hits)} observations")
                continue
            matched.update(hits)
            got = g.value(hits[0], SDMX_MEASURE.obsValue)
            if got is None or Decimal(str(got)) != value(printed):
                problems.append(f"{where}: the source prints {printed}, the graph says {got}")
    for extra in sorted(observations - matched):
        problems.append(f"Tabell {n}: {extra} is no cell of this reading")
    return problems


@pytest.fixture(scope="module")
def lines(seeds: Path) -> list[str]:
    return (seeds / SEED).read_text(encoding="utf-8").split("\n")


@pytest.mark.parametrize("n", sorted(READINGS))
def test_second_reading_agrees_with_the_graph(kg, lines, n: int) -> None:  # type: ignore[no-untyped-def]
    rows = read_table(lines, READINGS[n], n)
    problems = compare(kg.data_graph, n, rows, READINGS[n])
    assert not problems, "\n".join(problems)


def test_the_reader_finds_a_wrong_number() -> None:
    """The splitter is strict: a row with one number too many or too few has no reading at all."""
    assert splits(["913", "2", "352", "1", "099", "2", "749"], 4) == [["913", "2 352", "1 099", "2 749"]]
    assert splits(["913", "2", "352", "1", "099"], 4) == [["913", "2", "352", "1 099"]]
    assert splits(["1", "099"], 3) == []
    assert splits(["135", "433", "137", "950", "1,9"], 3, 6) == [["135 433", "137 950", "1,9"]]
    assert splits(["135", "433", "137", "950", "1,9"], 3, 4) == []
    # Tabell 27's Helsefagarbeider row: seven splits into nine numbers ("042" cannot begin one)
    assert len(splits("1 389 1 408 2 042 2 299 2 413 2 820 2 943 3 151".split(), 9, 4)) == 7


def test_every_table_is_read_here_or_named_as_left_to_hand_reading() -> None:
    assert set(READINGS) | set(LEFT_TO_HAND_READING) == set(range(1, 31))
    assert set(READINGS).isdisjoint(LEFT_TO_HAND_READING)
