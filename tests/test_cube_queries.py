"""The canned queries over the statistics tables, with expected values read from seed 002's raw text.

The cells are read by the coverage test's reader (tests/test_cube_coverage.py), which parses the source
lines, not the Turtle; the query must give them in the table's order (row by row, columns left to right).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from rdflib import URIRef
from rdflib.namespace import DCTERMS, RDF, SKOS, Namespace
from test_cube_coverage import LABEL_FOOTNOTE_MARKS, LAYOUTS, ROW_STATISTICS, column_of, read_cells, source_lines

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
