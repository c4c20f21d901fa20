"""The site's tables as files: CSV (UTF-8 with a BOM, comma or semicolon) and XLSX, and server-side sorting.

Every table a page shows can be downloaded with ``?download=csv`` or ``?download=xlsx`` added to the
page's address (``&table=NAME`` where a page has several). ``?sep=semicolon`` gives the CSV that
Norwegian Excel opens by double-click: ``;`` between fields and a decimal comma in numbers (the form
people read there); the default CSV, for programs, has commas and decimal points. XLSX keeps numbers as
numbers. The BOM makes Excel read the file as UTF-8 (æ, ø, å).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import quote

from fastapi import Request, Response

from .context import Problem

Cell = str | int | float | Decimal | None
SEPARATORS = {"comma": ",", "semicolon": ";"}
FORMATS = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@dataclass
class Table:
    """A table as a page shows it: a name (for ``?table=`` and the file name), column headings and cells."""

    name: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)


def _number_text(value: int | float | Decimal, decimal_comma: bool) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    text = format(value, "f") if isinstance(value, Decimal) else repr(value) if isinstance(value, float) else str(value)
    return text.replace(".", ",") if decimal_comma else text


#: How a text cell starts when a spreadsheet would take it for a formula (=1+1, +…, @…, -…).
_FORMULA = re.compile(r"^[=+@\-\t\r]")


def _excel_text(value: str) -> str:
    """A text for the Excel CSV: one that a spreadsheet would run as a formula is quoted with a leading '."""
    return "'" + value if _FORMULA.match(value) and not re.fullmatch(r"-[\d\s.,]+", value) else value


def _csv_cell(value: Cell, excel: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):
        return _number_text(value, excel)
    return _excel_text(str(value)) if excel else str(value)


def to_csv(table: Table, sep: str = ",") -> bytes:
    """The table as CSV: UTF-8 with a BOM; with ``;`` (for Excel) numbers get a decimal comma, formulas are defused."""
    excel = sep == ";"
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\r\n")
    rows: list[Sequence[Cell]] = [table.columns, *table.rows]
    for row in rows:
        writer.writerow([_csv_cell(v, excel) for v in row])
    return ("\ufeff" + buf.getvalue()).encode("utf-8")


def to_xlsx(table: Table) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = re.sub(r"[\[\]:*?/\\]", "-", table.name)[:31] or "table"
    rows: list[Sequence[Cell]] = [table.columns, *table.rows]
    for row in rows:
        ws.append([float(v) if isinstance(v, Decimal) else v for v in row])
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"  # openpyxl writes a text starting with = as a formula: keep it a text
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def wanted(request: Request) -> tuple[str, str] | None:
    """``(format, separator)`` when the request asks for a download, else None; a clear 400 for a bad value."""
    fmt = request.query_params.get("download")
    if fmt is None:
        return None
    if fmt not in FORMATS:
        raise Problem.of(400, "err_download", value=fmt[:40])
    sep = request.query_params.get("sep", "comma")
    if sep not in SEPARATORS:
        raise Problem.of(400, "err_sep", value=sep[:40])
    return fmt, SEPARATORS[sep]


def pick(request: Request, tables: Sequence[Table]) -> Table:
    """The table ``?table=`` names (the first when it names none)."""
    name = request.query_params.get("table")
    if name is None and tables:
        return tables[0]
    for t in tables:
        if t.name == name:
            return t
    raise Problem.of(404, "err_table", value=(name or "")[:40], allowed=", ".join(t.name for t in tables) or "-")


def download(table: Table, fmt: str, sep: str, stem: str) -> Response:
    body = to_csv(table, sep) if fmt == "csv" else to_xlsx(table)
    filename = f"{stem}-{table.name}.{fmt}" if stem != table.name else f"{stem}.{fmt}"
    safe = re.sub(r"[^A-Za-z0-9._-]+", "-", filename)
    disposition = f"attachment; filename=\"{safe}\"; filename*=UTF-8''{quote(filename)}"
    return Response(body, media_type=FORMATS[fmt], headers={"Content-Disposition": disposition})


def own_path(request: Request) -> str:
    """The request's path for links back to it, or "" (the same document) where it could leave the site (``//host``)."""
    path = request.url.path
    return path if path.startswith("/") and not path.startswith("//") else ""


def download_links(request: Request, table: str | None = None) -> dict[str, str]:
    """The links under a table: ``csv``, ``csv_excel`` and ``xlsx`` -> the same page asking for that file."""
    keep = {k: v for k, v in request.query_params.items() if k not in {"download", "sep", "table", "page"}}
    if table is not None:
        keep["table"] = table

    def link(**extra: str) -> str:
        from urllib.parse import urlencode

        return own_path(request) + "?" + urlencode({**keep, **extra})

    return {"csv": link(download="csv"), "csv_excel": link(download="csv", sep="semicolon"), "xlsx": link(download="xlsx")}


@dataclass
class Sorting:
    """A server-side sort of a table: the column, the direction, and the links for the headings."""

    column: str
    descending: bool
    links: dict[str, str]  # column -> the page sorted by it (the other way round when it is the current one)

    def aria(self, column: str) -> str | None:
        if column != self.column:
            return None
        return "descending" if self.descending else "ascending"


def sorting(request: Request, keys: dict[str, Callable[[Any], Any]], default: str) -> Sorting:
    """Read ``?sort=COLUMN&order=asc|desc`` (400 for an unknown one) and make the headings' links."""
    from urllib.parse import urlencode

    column = request.query_params.get("sort", default)
    if column not in keys:
        raise Problem.of(400, "err_sort", value=column[:40], allowed=", ".join(keys))
    order = request.query_params.get("order", "asc")
    if order not in ("asc", "desc"):
        raise Problem.of(400, "err_order", value=order[:40])
    keep = {k: v for k, v in request.query_params.items() if k not in {"sort", "order", "page"}}
    links = {}
    for c in keys:
        flip = "desc" if c == column and order == "asc" else "asc"
        links[c] = own_path(request) + "?" + urlencode({**keep, "sort": c, "order": flip})
    return Sorting(column, order == "desc", links)


# -- the tables of the site's pages, as they show them -----------------------------------------------------


def _texts(cell: Any) -> str:
    """A cell's text as the page shows it: a text, one term, or terms joined with ", "."""
    if cell is None:
        return ""
    if isinstance(cell, str):
        return cell
    if hasattr(cell, "text"):
        return str(cell.text)
    return ", ".join(_texts(v) for v in cell)


def _number(value: str) -> Cell:
    """A number written for people ("1 250 000", "12,5") as a number; anything else as it is."""
    plain = value.replace("\u00a0", "").replace("\u202f", "").replace(" ", "").replace(",", ".")
    try:
        number = Decimal(plain)
    except ArithmeticError:
        return value
    if not number.is_finite():
        return value
    return int(number) if number == number.to_integral_value() and "." not in plain else number


def answer_table(answer: Any, columns: list[str]) -> Table:
    """The answer table of a resource page (:class:`.answers.AnswerTable`)."""
    table = Table("answer", columns)
    for r in answer.rows:
        cells = [r.number, r.name, *([_texts(r.responsible)] if answer.show_responsible else [])]
        table.rows.append([*cells, r.status, r.period, r.continued, _texts(r.k2025)])
    return table


def disagreements_table(disagreements: Any, columns: list[str]) -> Table:
    """Where the sources disagree (:class:`.answers.Disagreement`): one row per source, the fact repeated."""
    table = Table("disagreements", columns)
    for d in disagreements:
        for said in d.sources:
            table.rows.append([d.label, _texts(said.citation), _texts(said.values)])
    return table


def history_table(history: Any, columns: list[str]) -> Table:
    """A resource's change history (:func:`.history.history_view`): one row per change, its lines joined."""
    table = Table("history", columns)
    for e in history["entries"]:
        lines = []
        for ln in e["lines"]:
            about = f"{_texts(ln['subject'])} › " if ln["subject"] is not None else ""
            lines.append(f"{ln['sign']} {about}{_texts(ln['predicate'])}: {_texts(ln['object'])}")
        table.rows.append([e["shown"], e["who"], "\n".join(lines)])
    return table


def section_table(section: Any) -> Table:
    """A highlighted section of a resource page (:class:`.views.Section`)."""
    return Table(section.key, list(section.columns), [[_texts(cell) for cell in row] for row in section.rows])


def chart_table(chart: Any) -> Table:
    """A picture's table (:class:`.diagrampages.Chart`): its number columns as numbers."""
    rows = []
    for row in chart.table.rows:
        cells: list[Cell] = []
        for i, cell in enumerate(row):
            value = _texts(cell)
            cells.append(_number(value) if i in chart.table.numeric else value)
        rows.append(cells)
    return Table(chart.key, list(chart.table.columns), rows)


#: XSD datatypes whose values go into a spreadsheet as numbers.
_NUMBERS = {
    "http://www.w3.org/2001/XMLSchema#" + t
    for t in ("integer", "decimal", "double", "float", "int", "long", "short", "nonNegativeInteger", "positiveInteger", "gYear")
}


def from_sparql_json(name: str, body: bytes | str) -> Table:
    """A SELECT result (SPARQL 1.1 results JSON) as a table: a column per variable, numbers as numbers."""
    import json

    data = json.loads(body)
    columns = list(data.get("head", {}).get("vars", []))
    table = Table(name, columns)
    for binding in data.get("results", {}).get("bindings", []):
        row: list[Cell] = []
        for var in columns:
            term = binding.get(var)
            if term is None:
                row.append(None)
                continue
            value = str(term.get("value", ""))
            row.append(_number(value) if term.get("datatype") in _NUMBERS else value)
        table.rows.append(row)
    return table
