"""An edited copy of the tiltak table (``export --table tiltak``) read back as a change.

Each edited cell is a data steward's correction. It never edits a transcription record: it becomes a
statement of a source of its own (issue 9's rule), written to ``data/turtle/corrections.ttl``:

* one ``k2:SourceDocument`` per import (``src:correction-<UTC stamp>``: title, file name, author as
  ``dct:creator``, ``dct:issued`` date), one ``k2:SourceLocation`` per spreadsheet row (``…-L<row>``);
* one ``k2:TiltakRecord`` per edited row (``record:correction-<stamp>-k2020-<nr>``), ``prov:wasRevisionOf``
  the records whose columns it corrects, stating only the corrected values.

The tiltak table query and the direct layer's rules take the newest source that states a value, so the
correction shows in both. What cannot be mapped (an unknown number, a composed column, an emptied cell,
…) is explained row by row; nothing is written then. The change passes through the same
:class:`~k2020graph.changes.Change` and :func:`~k2020graph.changes.check` as every other.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, SKOS

from ..errors import InputError
from ..exports import DERIVED_COLUMNS, TABLE_COLUMNS
from ..loading import parse_quads
from ..namespaces import DEFAULT_BASE, PREFIXES
from ..project import LAYOUT, Project
from . import snapshot as snapshots
from .change import Change, between
from .snapshot import Snapshot, _triples

#: Where corrections are written (a new resource's file, see docs/modelling.md).
CORRECTIONS_FILE = f"{LAYOUT['data']}/corrections.ttl"

#: Columns a cell edit maps back to: column → the property the correction states.
MAPPED = {
    "name": "dct:title",
    "start": "k2:start",
    "end": "k2:end",
    "continued_k2025": "k2:continuedInK2025",
    "responsible": "k2:responsible",
}
#: Whose record each mapped column comes from (the export's query): the record the correction revises.
SEED_OF = {"name": "seed-001", "start": "seed-001", "end": "seed-001", "continued_k2025": "seed-001", "responsible": "seed-000"}

# Why a cell cannot be mapped: (bokmål, English).
REASONS: dict[str, tuple[str, str]] = {
    "unknown_nr": (
        "ukjent K2020-tiltaksnummer; import legger ikke til tiltak",
        "unknown K2020 tiltak number; import adds no tiltak",
    ),
    "duplicate_nr": (
        "nummeret står på en tidligere rad også (er nr endret?)",
        "the number is on an earlier row too (was nr changed?)",
    ),
    "numeric_nr": (
        "nr er et tall, ikke tekst: regnearket kan ha gjort 3.10 til 3.1; formater kolonnen som tekst",
        "nr is a number, not text: the spreadsheet may have turned 3.10 into 3.1; format the column as text",
    ),
    "strategy": (
        "strategien følger av nummeret og kan ikke endres her",
        "the strategy follows from the number and cannot be changed here",
    ),
    "composed": (
        "sammensatt kolonne (flere verdier og ressurser slått sammen); rett den i Turtle",
        "composed column (several values and resources joined); correct it in Turtle",
    ),
    "cleared": (
        "en tom celle kan ikke overstyre en eldre kildes verdi (nyeste kilde som oppgir en verdi gjelder); rett den i Turtle",
        "an empty cell cannot override an older source's value (the newest source that states a value wins); "
        "correct it in Turtle",
    ),
    "year": ("sluttår må være et årstall (fire sifre)", "the end must be a year (four digits)"),
    "start": (
        "start må være et årstall (fire sifre) eller et tiår («1990-tallet»)",
        'start must be a year (four digits) or a decade ("1990-tallet")',
    ),
    "yes_no": ("videreført må være yes eller no (ja/nei)", "continued must be yes or no (ja/nei)"),
    "unknown_actor": ("ukjent aktørkode (skos:notation)", "unknown actor code (skos:notation)"),
    "derived": (
        "avledet kolonne (det direkte laget, utledet av reglene fra oppføringene) kan ikke endres her; "
        "rett kildekolonnen (start, end, continued_k2025, name, responsible) eller Turtle. Er den ikke endret, "
        "ble filen eksportert før dataene endret seg: eksporter tabellen på nytt",
        "derived column (the direct layer, computed by the rules from the records) is read-only; "
        "edit the source column (start, end, continued_k2025, name, responsible) or the Turtle. If you did not "
        "edit it, the file was exported before the data changed: export the table again",
    ),
    "unknown_column": ("ukjent kolonne; den leses ikke", "unknown column; it is not read"),
    "no_record": (
        "tiltaket har ingen oppføring fra kilden denne kolonnen kommer fra",
        "the tiltak has no record from the source this column comes from",
    ),
}


@dataclass(frozen=True)
class Problem:
    """A cell (or row) that cannot be mapped: where, what, why."""

    row: int
    column: str
    value: str
    reason: str

    def text(self, lang: str) -> str:
        nb, en = REASONS[self.reason]
        label = {"nb": "rad", "en": "row"}.get(lang, "rad")
        return f"{label} {self.row}, {self.column} = {self.value!r}: {nb if lang == 'nb' else en}"


@dataclass(frozen=True)
class CellEdit:
    row: int
    nr: str
    column: str
    old: str
    new: str

    def text(self, lang: str) -> str:
        label = {"nb": "rad", "en": "row"}.get(lang, "rad")
        return f"tiltak {self.nr} ({label} {self.row}): {self.column}: {self.old or '∅'} → {self.new or '∅'}"


@dataclass
class TableImport:
    """What an edited table means: the cell edits, the problems, and the change (``None`` if no edit)."""

    edits: list[CellEdit] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    turtle: str | None = None  # the new content of CORRECTIONS_FILE
    change: Change | None = None

    @property
    def usable(self) -> bool:
        return not self.problems


# --------------------------------------------------------------------------------------------------
# Reading the table
# --------------------------------------------------------------------------------------------------


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_table(path: Path) -> list[tuple[int, dict[str, str], set[str]]]:
    """(spreadsheet row number, cells by column, columns whose cell held a number) for each data row;
    the header is row 1. CSV: UTF-8 (with or without BOM) or Windows-1252, ``,``, ``;`` or tab."""
    if not path.is_file():
        raise InputError("no such file / filen finnes ikke", path)
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        rows = _read_xlsx(path)
    elif suffix in (".csv", ".txt"):
        rows = _read_csv(path)
    else:
        raise InputError("give a .csv or .xlsx file / oppgi en .csv- eller .xlsx-fil", path)
    if not rows:
        raise InputError("the table is empty / tabellen er tom", path)
    header = [_cell(h) for h in rows[0]]
    if "nr" not in header:
        raise InputError(
            f"no column 'nr' in the first row (found: {', '.join(h for h in header if h) or 'nothing'}) / "
            "ingen kolonne «nr» i første rad",
            path,
            1,
        )
    out = []
    for n, raw in enumerate(rows[1:], 2):
        if all(_cell(v) == "" for v in raw):
            continue
        cells: dict[str, str] = {}
        numeric: set[str] = set()
        for name, value in zip(header, raw, strict=False):
            if name:
                cells[name] = _cell(value)
                if isinstance(value, int | float) and not isinstance(value, bool):
                    numeric.add(name)
        out.append((n, cells, numeric))
    return out


def _read_xlsx(path: Path) -> list[list[object]]:
    try:
        from openpyxl import load_workbook
    except ImportError as exc:  # pragma: no cover - openpyxl is a core dependency
        raise InputError(f"reading xlsx needs openpyxl: {exc}", path) from None
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many kinds for a broken file
        raise InputError(f"not a readable xlsx file / ikke en lesbar xlsx-fil ({type(exc).__name__})", path) from None
    ws = wb["tiltak"] if "tiltak" in wb.sheetnames else wb.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    wb.close()
    return rows


def _read_csv(path: Path) -> list[list[object]]:
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")  # Excel's "CSV (semikolonseparert)" on Windows
    first = text.split("\n", 1)[0]
    delimiter = max((";", ",", "\t"), key=first.count)
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


# --------------------------------------------------------------------------------------------------
# Mapping the cells to corrections
# --------------------------------------------------------------------------------------------------


def _records(data: Graph, tiltak: URIRef) -> dict[str, URIRef]:
    """The tiltak's transcription records by seed (``seed-001`` → its record)."""
    k2 = PREFIXES["k2"]
    out = {}
    for record in data.subjects(k2.recordOf, tiltak):
        for loc in data.objects(record, DCTERMS.source):
            for doc in data.objects(loc, DCTERMS.isPartOf):
                seed = str(doc).rsplit("/", 1)[-1]
                if seed in ("seed-000", "seed-001") and isinstance(record, URIRef):
                    out[seed] = record
    return out


def _actors(data: Graph) -> dict[str, URIRef]:
    base = str(PREFIXES["actor"])
    return {str(code): s for s, code in data.subject_objects(SKOS.notation) if isinstance(s, URIRef) and str(s).startswith(base)}


def _value(column: str, new: str, actors: Mapping[str, URIRef]) -> tuple[list[str] | None, str | None]:
    """The Turtle objects for ``new`` in ``column``, or the reason it cannot be mapped."""
    if column == "name":
        return [Literal(new, lang="nb").n3()], None
    if column == "end":
        return ([f'"{new}"^^xsd:gYear'], None) if re.fullmatch(r"[0-9]{4}", new) else (None, "year")
    if column == "start":
        if re.fullmatch(r"[0-9]{4}", new):
            return [f'"{new}"^^xsd:gYear'], None
        if re.fullmatch(r"[0-9]{3}0-tallet", new):
            return [Literal(new, lang="nb").n3()], None
        return None, "start"
    if column == "continued_k2025":
        flag = {"yes": "true", "ja": "true", "no": "false", "nei": "false"}.get(new.lower())
        return ([flag], None) if flag else (None, "yes_no")
    codes = _codes(new)
    if any(c not in actors for c in codes):
        return None, "unknown_actor"
    return [f"actor:{str(actors[c])[len(str(PREFIXES['actor'])) :]}" for c in sorted(codes)], None


def _codes(cell: str) -> set[str]:
    return {c.strip() for c in re.split(r"[;/,]", cell) if c.strip()}


def _same_set(column: str, old: str, new: str) -> bool:
    if column == "responsible":
        return _codes(old) == _codes(new)
    if column == "continued_k2025":
        norm = {"ja": "yes", "nei": "no"}
        return norm.get(new.lower(), new.lower()) == old
    return old.strip() == new


def plan_import(
    project: Project,
    path: Path,
    current: Sequence[Mapping[str, str]],
    author: str,
    now: datetime,
    base: str = DEFAULT_BASE,
) -> TableImport:
    """Read ``path`` against ``current`` (the table as exported now) and build the change.

    ``now`` (UTC) dates the correction and names its resources; ``author`` is its ``dct:creator``.
    """
    rows = read_table(path)
    result = TableImport()
    by_nr = {r["nr"]: r for r in current}
    base_snapshot = snapshots.from_project(project, base)
    data = base_snapshot.graph("data")
    actors = _actors(data)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    taken = {str(x) for x in data.subjects()}
    for n in range(2, 1000):  # two imports within one second: the second gets "-2"
        if f"{PREFIXES['src']}correction-{stamp}" not in taken:
            break
        stamp = f"{now.strftime('%Y%m%dT%H%M%SZ')}-{n}"
    doc = f"src:correction-{stamp}"
    blocks: list[str] = []
    seen: dict[str, int] = {}
    header_columns = set(rows[0][1]) if rows else set()
    for column in sorted(header_columns - set(TABLE_COLUMNS)):
        result.problems.append(Problem(1, column, column, "unknown_column"))
    for n, cells, numeric in rows:
        nr = cells.get("nr", "")
        if "nr" in numeric:
            result.problems.append(Problem(n, "nr", nr, "numeric_nr"))
            continue
        if nr in seen:
            result.problems.append(Problem(n, "nr", nr, "duplicate_nr"))
            continue
        seen[nr] = n
        old = by_nr.get(nr)
        if old is None:
            result.problems.append(Problem(n, "nr", nr, "unknown_nr"))
            continue
        statements: list[tuple[str, list[str]]] = []
        revised: set[str] = set()
        tiltak = URIRef(f"{PREFIXES['tiltak']}k2020-{nr}")
        records = _records(data, tiltak)
        for column in TABLE_COLUMNS:
            if column == "nr" or column not in cells or _same_set(column, old[column], cells[column]):
                continue
            new = cells[column]
            if column == "strategy":
                reason: str | None = "strategy"
            elif column in DERIVED_COLUMNS:
                reason = "derived"
            elif column not in MAPPED:
                reason = "composed"
            elif new == "":
                reason = "cleared"
            else:
                objects, reason = _value(column, new, actors)
                if reason is None and objects is not None:
                    statements.append((MAPPED[column], objects))
                    result.edits.append(CellEdit(n, nr, column, old[column], new))
                    if SEED_OF[column] in records:
                        revised.add(records[SEED_OF[column]].n3(data.namespace_manager))
                    elif "seed-001" in records:
                        revised.add(records["seed-001"].n3(data.namespace_manager))
                    else:
                        reason = "no_record"
            if reason is not None:
                result.problems.append(Problem(n, column, new, reason))
        if statements:
            blocks.append(_record_block(doc, n, nr, sorted(revised), statements, stamp))
    if not blocks:
        return result
    result.turtle = _corrections_text(project, doc, path.name, author, now, sorted({e.row for e in result.edits}), blocks)
    target = project.root / CORRECTIONS_FILE
    files = dict(base_snapshot.files)
    files[CORRECTIONS_FILE] = _triples(parse_quads(result.turtle.encode("utf-8"), target, base))
    result.change = between(base_snapshot, Snapshot(files))
    return result


def _record_block(doc: str, row: int, nr: str, revised: list[str], statements: list[tuple[str, list[str]]], stamp: str) -> str:
    lines = [
        f"record:correction-{stamp}-k2020-{nr} a k2:TiltakRecord ;",
        f"    k2:recordOf tiltak:k2020-{nr} ;",
        f"    prov:wasRevisionOf {' , '.join(revised)} ;",
        f"    dct:source {doc}-L{row}",
    ]
    for prop, objects in statements:
        lines[-1] += " ;"
        lines.append(f"    {prop} {' , '.join(objects)}")
    return "\n".join(lines) + " .\n"


HEADER = """\
# Corrections by data stewards, one source of their own per import of an edited tiltak table
# (`k2020graph import --table tiltak FILE --apply`). A transcription record is never edited: each
# correction is a k2:TiltakRecord that is prov:wasRevisionOf the record(s) it corrects, from a dated
# k2:SourceDocument (the import) and a k2:SourceLocation per spreadsheet row (line = row number,
# the header is row 1). The newest source that states a value wins (see docs/modelling.md).
"""


def _one_line(text: str) -> str:
    """``text`` fit for a Turtle comment: one line, no control characters."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())


def _corrections_text(
    project: Project, doc: str, file_name: str, author: str, now: datetime, rows: list[int], blocks: list[str]
) -> str:
    """The corrections file with this import's statements appended, prefixes in house form."""
    path = project.root / CORRECTIONS_FILE
    existing = path.read_text(encoding="utf-8") if path.exists() else HEADER
    prefix_line = re.compile(r"^@prefix\s.*$")
    head: list[str] = []
    body_lines: list[str] = []
    in_head = True
    for line in existing.split("\n"):
        if prefix_line.match(line):
            in_head = False
            continue
        (head if in_head else body_lines).append(line)
    new_block = [
        "# " + "=" * 98,
        f"# Import of {_one_line(file_name)} by {_one_line(author)}, {now.strftime('%Y-%m-%d %H:%M:%S')} UTC",
        "# " + "=" * 98,
        "",
        f"{doc} a k2:SourceDocument ;",
        f"    dct:title {Literal(f'Retting fra tabellimport: {file_name}', lang='nb').n3()} ,",
        f"        {Literal(f'Correction from a table import: {file_name}', lang='en').n3()} ;",
        f"    k2:fileName {Literal(file_name).n3()} ;",
        f"    dct:creator {Literal(author).n3()} ;",
        f'    dct:issued "{now.strftime("%Y-%m-%d")}"^^xsd:date .',
        "",
    ]
    for row in rows:
        new_block += [
            f"{doc}-L{row} a k2:SourceLocation ;",
            f"    dct:isPartOf {doc} ;",
            f"    k2:lineStart {row} ;",
            f"    k2:lineEnd {row} .",
            "",
        ]
    for block in blocks:
        new_block += [block]
    body = "\n".join(body_lines).strip("\n")
    body = (body + "\n\n" if body else "") + "\n".join(new_block).rstrip("\n") + "\n"
    used = sorted(p for p in PREFIXES if re.search(rf"(?<![\w-]){re.escape(p)}:", body))
    prefixes = "\n".join(f"@prefix {p}: <{PREFIXES[p]}> ." for p in used)
    return "\n".join(head).rstrip("\n") + "\n\n" + prefixes + "\n\n" + body


def apply_import(project: Project, imported: TableImport, who: str, audit_dir: Path | None = None) -> Path:
    """Write the corrections file through :func:`.persist.commit`, as every HTTP write is written: a
    temporary file, fsynced, a journal, an atomic rename, and an entry in the audit log (``who`` names
    the writer there). A commit that a crash interrupted is finished first. Returns the file's path."""
    from .persist import audit_dir_of, audit_entry, commit, recover

    if imported.turtle is None:
        raise ValueError("nothing to apply")
    target = project.root / CORRECTIONS_FILE
    recover(target.parent)
    data = imported.turtle.encode("utf-8")
    old = {q.triple for q in parse_quads(target.read_bytes(), target)} if target.exists() else set()
    new = {q.triple for q in parse_quads(data, target)}
    entry = audit_entry(who, "default", "IMPORT", new - old, old - new, [CORRECTIONS_FILE])
    commit(target.parent, {target: data}, audit_dir or audit_dir_of(project.root), entry)
    return target
