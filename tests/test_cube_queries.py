"""The canned queries over the statistics tables, with expected values read from seed 002's raw text.

The cells are read by the coverage test's reader (tests/test_cube_coverage.py), which parses the source
lines, not the Turtle; the query must give them in the table's order (row by row, columns left to right).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from rdflib import URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, Namespace
from seed_readers import read_tiltak_sections
from test_cube_coverage import LABEL_FOOTNOTE_MARKS, LAYOUTS, ROW_STATISTICS, captions, column_of, read_cells, source_lines

from k2020graph.errors import QueryError
from k2020graph.namespaces import CONCEPT, CUBE, SRC
from k2020graph.store import SelectResult

QB = Namespace("http://purl.org/linked-data/cube#")


@pytest.fixture(scope="module")
def lines(seeds):  # type: ignore[no-untyped-def]
    return source_lines(seeds)


@pytest.mark.parametrize("n", sorted(LAYOUTS))
def test_statistics_table_gives_the_cells_in_the_tables_order(kg, catalogue, lines, n: int) -> None:  # type: ignore[no-untyped-def]
    result = catalogue["statistics-table"].run(kg.store, {"table": str(n)})
    assert isinstance(result, SelectResult)
    got = [(int(str(d["line"])), Decimal(str(d["value"])), str(d["year"])) for d in result.dicts()]
    years = {column_of(n, c)[0] for c in read_cells(lines, n)}
    notation = {y: str(kg.data_graph.value(CONCEPT[f"year-{y}"], SKOS.notation)) for y in years}
    expected = [(c.line, c.value, notation[column_of(n, c)[0]]) for c in read_cells(lines, n) if c.value is not None]
    assert got == expected
    if n in (2, 3, 4, 17):  # rows named in other words: codes of Tabell 5-8 there; Tabell 17 names two rows by year
        return
    rows = [str(d["row"]) for d in result.dicts()]
    labels = [
        c.label.removesuffix(LABEL_FOOTNOTE_MARKS.get((n, c.label), "")) for c in read_cells(lines, n) if c.value is not None
    ]
    if n in ROW_STATISTICS:  # the row is the statistic, named by its prefLabel (the coverage test reads altLabels too)
        g = kg.data_graph
        labels = [
            next(str(x) for x in g.objects(CONCEPT[column_of(n, c)[1]], SKOS.prefLabel) if x.language == "nb")
            for c in read_cells(lines, n)
            if c.value is not None
        ]
    assert all(
        " ".join(lab.replace(":", " ").replace("*", " ").split()).lower() in row.lower()
        for lab, row in zip(labels, rows, strict=True)
    )
    assert {str(d["table"]) for d in result.dicts()} == {str(n)}


def test_statistics_table_of_tabell_12_ends_with_the_printed_totals(kg, catalogue, lines) -> None:  # type: ignore[no-untyped-def]
    totals_line = next(i for i, line in enumerate(lines, 1) if line.startswith("Totalt 401"))
    printed = [int(x) for x in lines[totals_line - 1].split()[1:]]
    result = catalogue["statistics-table"].run(kg.store, {"table": "12"})
    assert isinstance(result, SelectResult)
    last = result.dicts()[-4:]
    assert [int(str(d["value"])) for d in last] == printed == [401, 250, 504, 350]
    assert {str(d["row"]) for d in last} == {"Totalt"}


def test_statistics_table_of_a_table_not_in_the_graph_is_refused_listing_those_that_are(kg, catalogue) -> None:  # type: ignore[no-untyped-def]
    """Issue 14: a value outside the parameter's allowed values (the tables in the graph) is refused, not 0 rows."""
    g = kg.data_graph
    titles = [str(t) for d in g.subjects(RDF.type, QB.DataSet) for t in g.objects(d, DCTERMS.title)]
    numbers = sorted({int(t.split()[1]) for t in titles if t.startswith("Tabell ")})
    assert numbers
    with pytest.raises(QueryError) as info:
        catalogue["statistics-table"].run(kg.store, {"table": "31"})
    assert f"'31' is not one of the valid values: {', '.join(map(str, numbers))} /" in str(info.value)


def test_observation_provenance_of_oslo(kg, catalogue, lines) -> None:  # type: ignore[no-untyped-def]
    obs = CUBE["seed002-tabell-01-L929"]
    result = catalogue["observation-provenance"].run(kg.store, {"observation": str(obs)})
    assert isinstance(result, SelectResult)
    rows = result.dicts()
    # the source: line 929 is "Oslo 14* 15*", line 962 the footnote on the star
    assert lines[928].split()[:2] == ["Oslo", "14*"]
    footnote = lines[961].split(",")[0].strip()
    assert footnote == "*Bydelene i Oslo er inkludert i tallet"
    assert {(int(str(d["line_start"])), int(str(d["line_end"]))) for d in rows} == {(929, 929), (962, 962)}
    assert {d["source"] for d in rows} == {SRC["seed-002-L929"], SRC["seed-002-L962"]}
    for d in rows:
        assert d["observation"] == obs and isinstance(d["observation"], URIRef)
        assert int(str(d["value"])) == 14 and str(d["row"]) == "Oslo" and str(d["year"]) == "2016"
        assert str(d["file"]) == "002_a3c7bc13e67f0b4f.txt"
        assert footnote in str(d["note"])
        assert str(d["table"]).startswith(" ".join(lines[913].split()))
        assert "tiltak/k2020-1.5" in str(d["reports_on"])


def test_observation_provenance_of_a_split_row(kg, catalogue, lines) -> None:  # type: ignore[no-untyped-def]
    # Tabell 8, "Annen videre-/masterutdanning" 2016 in education: the number "1 227" alone on line 2328
    assert lines[2327].strip() == "1 227"
    result = catalogue["observation-provenance"].run(kg.store, {"observation": str(CUBE["seed002-tabell-08-L2328"])})
    assert isinstance(result, SelectResult)
    (row,) = result.dicts()
    assert int(str(row["value"])) == 1227 and int(str(row["line_start"])) == 2328 and str(row["year"]) == "2016"
    assert str(row["row"]) == "Annen videre-/masterutdanning"


def test_statistics_table_of_tabell_23_names_the_column_group(kg, catalogue, lines) -> None:  # type: ignore[no-untyped-def]
    # the header (lines 5532-5535) prints "Voksne", "Barn og", "unge", "Totalt", each over a pair of years
    assert [lines[i - 1].split() for i in (5532, 5533, 5535)] == [["Voksne", "Barn", "og"], ["unge"], ["Totalt"]]
    result = catalogue["statistics-table"].run(kg.store, {"table": "23"})
    assert isinstance(result, SelectResult)
    columns = [str(d["column"]) for d in result.dicts()]
    assert columns == ["Voksne", "Voksne", "Barn og unge", "Barn og unge", "Totalt", "Totalt"] * 4


# ---- county breakdown for a tiltak ---------------------------------------------------------------------


def county_tables(lines: list[str]) -> dict[int, tuple[int, str]]:
    """The tables whose rows are counties: table number -> (caption line, the year printed above the
    header), where the header (the lines between the caption and the first row) opens with "Fylke"."""
    found: dict[int, tuple[int, str]] = {}
    for n, at in captions(lines).items():
        header = [lines[i].strip() for i in range(at, LAYOUTS[n].first - 1)]
        if any(h.split()[:1] == ["Fylke"] for h in header if h):
            years = [h for h in header if h.isdigit() and len(h) == 4]
            assert len(years) == 1, f"Tabell {n}: the header prints the years {years}"
            found[n] = (at, years[0])
    return found


def test_county_breakdown_of_tiltak_1_5_gives_tabell_1_as_printed(kg, catalogue, seeds, lines) -> None:  # type: ignore[no-untyped-def]
    tables = county_tables(lines)
    assert sorted(tables) == [1]  # the one county table of the report: "Fylke", "Kommuner med psykolog", "Antall kommuner"
    at, year = tables[1]
    (section,) = [s for s in read_tiltak_sections(seeds) if s.first < at <= s.last]
    assert section.number == "1.5"
    result = catalogue["county-breakdown-of-tiltak"].run(kg.store, {"nr": section.number})
    assert isinstance(result, SelectResult)
    rows = result.dicts()
    cells = [c for c in read_cells(lines, 1) if c.value is not None]
    assert len(cells) == 38  # 18 county rows and "Total", two columns each
    got = [(str(d["county"]), int(str(d["line"])), Decimal(str(d["value"])), str(d["year"])) for d in rows]
    assert got == [(c.label, c.line, c.value, year) for c in cells]
    # the columns: one statistic per printed column, the same in every row
    statistic_of = {c.column: set() for c in cells}
    for c, d in zip(cells, rows, strict=True):
        statistic_of[c.column].add(str(d["statistic"]))
    assert all(len(s) == 1 for s in statistic_of.values()) and len(set.union(*statistic_of.values())) == 2
    caption = " ".join(lines[at - 1].split())
    assert {str(d["table"]) for d in rows} == {caption}
    assert {str(d["nr"]) for d in rows} == {"1.5"}
    assert all(isinstance(d["observation"], URIRef) and isinstance(d["dataset"], URIRef) for d in rows)
    assert {d["document"] for d in rows} == {SRC["seed-002"]}


def test_county_breakdown_refuses_a_tiltak_without_county_statistics(kg, catalogue, seeds, lines) -> None:  # type: ignore[no-untyped-def]
    """3.17's tables (Tabell 2-10) are by education and profession; the only tiltak with a county table is the one
    whose section holds it, and the refusal lists it."""
    ((at, _year),) = county_tables(lines).values()
    with_counties = [s.number for s in read_tiltak_sections(seeds) if s.first < at <= s.last]
    assert with_counties == ["1.5"]
    with pytest.raises(QueryError) as info:
        catalogue["county-breakdown-of-tiltak"].run(kg.store, {"nr": "3.17"})
    assert "'3.17' is not one of the valid values: 1.5 /" in str(info.value)
