"""Issue 14: canned-query parameters are matched to their allowed values in the data, and every column
of every canned query has a heading a person reads, in bokmål and English.

The expected values come from the graph read with rdflib (the notations of the responsible units), not
from the code under test; the CLI is run as its console script.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Literal
from rdflib.namespace import SKOS

from k2020graph.errors import InputError, QueryError
from k2020graph.namespaces import K2
from k2020graph.queries import LISTED_VALUES, Allowed, parse_query_file
from k2020graph.store import SelectResult

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "k2020graph"
BODY = "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\nSELECT ?s ?code WHERE { ?s skos:notation ?code }\n"
HEAD = "#+ title@nb: T\n#+ title@en: T\n"


def responsible_codes(kg) -> list[str]:  # type: ignore[no-untyped-def]
    g = kg.data_and_derived_graph
    return sorted({str(g.value(a, SKOS.notation)) for a in g.objects(None, K2.responsible)})


# ----------------------------------------------------------------------------------------------------------
# Headings
# ----------------------------------------------------------------------------------------------------------


def test_every_column_of_every_canned_query_has_a_heading_in_both_languages(catalogue) -> None:  # type: ignore[no-untyped-def]
    assert len(catalogue) > 20
    for q in catalogue.values():
        select = re.search(r"^SELECT(?: DISTINCT)?(.*?)\bWHERE", q.text, re.S | re.M)
        assert select, q.name
        projection = select.group(1)
        # the projected names: plain variables, and the AS names of expressions (not the variables inside them)
        outside = re.sub(r"\((?:[^()]|\((?:[^()]|\([^()]*\))*\))*\)", " ", projection)
        variables = re.findall(r"\?(\w+)", outside) + re.findall(r"\bAS\s+\?(\w+)", projection)
        assert variables, q.name
        for v in variables:
            assert set(q.columns.get(v, {})) == {"nb", "en"}, f"{q.name}: ?{v} has no heading in nb and en"
            assert q.heading(v, "nb") != v or v in ("type", "status"), f"{q.name}: ?{v}'s heading is its name"


def test_a_column_without_a_heading_shows_its_variable(tmp_path: Path) -> None:
    path = tmp_path / "q.rq"
    path.write_text(HEAD + "#+ column: s | Ressurs | Resource\n" + BODY, encoding="utf-8")
    q = parse_query_file(path)
    assert (q.heading("s", "nb"), q.heading("s", "en"), q.heading("code", "en")) == ("Ressurs", "Resource", "code")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("#+ column: s | Ressurs\n", "column line must be 'variable | heading@nb | heading@en'"),
        ("#+ values: nope | SELECT ?value WHERE {}\n", "values line for 'nope', which is no parameter of this query"),
        (
            "#+ param: code | code | PH | h | h\n#+ values: code | SELECT ?x WHERE {}\n",
            "values line: the SELECT must project ?value",
        ),
        ("#+ param: code | code | PH | h | h\n#+ values: code | SELECT ?value WHERE {\n", "values line: SPARQL syntax error"),
    ],
)
def test_malformed_metadata_is_refused_with_its_line(tmp_path: Path, line: str, message: str) -> None:
    path = tmp_path / "q.rq"
    path.write_text(HEAD + line + BODY, encoding="utf-8")
    with pytest.raises(InputError) as info:
        parse_query_file(path)
    assert info.value.message.startswith(message) and info.value.line is not None


# ----------------------------------------------------------------------------------------------------------
# Allowed values
# ----------------------------------------------------------------------------------------------------------


def test_the_allowed_divisions_are_the_responsible_units_in_the_data(kg, catalogue) -> None:  # type: ignore[no-untyped-def]
    expected = responsible_codes(kg)
    assert "PH" in expected and "KP" in expected
    for name in ("continued-into-k2025", "not-continued"):
        allowed = catalogue[name].allowed_values(kg.store)["division"]
        assert sorted(allowed.values) == expected


@pytest.mark.parametrize("given", ["ph", "Ph", "pH"])
def test_a_code_in_another_case_is_the_canonical_code(kg, catalogue, given: str) -> None:  # type: ignore[no-untyped-def]
    q = catalogue["continued-into-k2025"]
    assert q.bindings({"division": given}, q.allowed_values(kg.store)) == {"division": Literal("PH")}
    lower, upper = q.run(kg.store, {"division": given}), q.run(kg.store, {"division": "PH"})
    assert isinstance(lower, SelectResult) and isinstance(upper, SelectResult)
    assert lower.rows and lower.rows == upper.rows  # was: 0 rows and no hint


@pytest.mark.parametrize("given", ["XX", "Helsedirektoratet", "P"])
def test_a_value_not_in_the_data_is_refused_listing_the_valid_codes(kg, catalogue, given: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(QueryError) as info:
        catalogue["continued-into-k2025"].run(kg.store, {"division": given})
    message = str(info.value)
    listing = ", ".join(sorted(responsible_codes(kg)))
    assert message == (
        f"parameter 'division': {given!r} is not one of the valid values: {listing} / "
        f"parameteret 'division': {given!r} er ikke blant de gyldige verdiene: {listing}"
    )


def test_the_type_is_checked_before_the_allowed_values(kg, catalogue) -> None:  # type: ignore[no-untyped-def]
    """Issue 8's checks stay first: an ill-typed value is refused for its type, and no query runs for it."""
    q = catalogue["continued-into-k2025"]
    with pytest.raises(QueryError, match="is not a short code"):
        q.run(kg.store, {"division": "P H!"})
    with pytest.raises(QueryError, match="is longer than 32 characters"):
        q.run(kg.store, {"division": "P" * 5000})


@pytest.mark.parametrize(
    ("name", "param", "alias"),
    [
        ("tiltak-of-actor", "actor", "helsedirektoratet"),
        ("flows-by-grantor", "grantor", "helsedir"),
        ("tiltak-by-type", "type", "Tilskudd"),
    ],
)
def test_names_and_slugs_the_query_matches_are_still_accepted(kg, catalogue, name: str, param: str, alias: str) -> None:  # type: ignore[no-untyped-def]
    result = catalogue[name].run(kg.store, {param: alias})
    assert isinstance(result, SelectResult) and result.rows


def test_a_long_list_is_cut_with_a_count() -> None:
    allowed = Allowed.of([f"1.{i}" for i in range(LISTED_VALUES + 5)])
    assert allowed.listing().endswith(f"1.{LISTED_VALUES - 1} … (+5)")
    assert allowed.values[:3] == ("1.0", "1.1", "1.2") and allowed.values[10] == "1.10"  # numbers in number order


# ----------------------------------------------------------------------------------------------------------
# The CLI
# ----------------------------------------------------------------------------------------------------------


def test_cli_refuses_a_value_not_in_the_data_with_exit_2(kg) -> None:  # type: ignore[no-untyped-def]
    out = subprocess.run(
        [str(SCRIPT), "query", "continued-into-k2025", "--param", "division=XX"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 2, out.stderr
    assert "Traceback" not in out.stderr
    assert ", ".join(sorted(responsible_codes(kg))) in out.stderr
    assert "'XX' is not one of the valid values" in out.stderr and "er ikke blant de gyldige verdiene" in out.stderr


def test_cli_takes_a_code_in_lower_case() -> None:
    out = subprocess.run(
        [str(SCRIPT), "query", "continued-into-k2025", "--param", "division=ph", "--format", "csv"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert rows and all(row["division"] == "PH" for row in rows)
