"""The console script: every command and its --help, exit codes, output formats, bad input."""

from __future__ import annotations

import csv
import io
import json
import os
import resource
import shutil
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from rdflib import Graph

from k2020graph.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "k2020graph"
COMMANDS = ["validate", "queries", "query", "export", "serve", "diff", "import", "publish", "load", "search"]


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(SCRIPT), *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_console_script_help() -> None:
    out = run("--help")
    assert out.returncode == 0
    assert "Kompetanseløft 2020" in out.stdout
    for command in COMMANDS:
        assert command in out.stdout


@pytest.mark.parametrize("command", COMMANDS)
def test_each_command_has_help(command: str) -> None:
    out = run(command, "--help")
    assert out.returncode == 0, out.stderr
    assert "--root" in out.stdout


def test_the_parser_knows_every_command() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    assert sorted(sub.choices) == sorted(COMMANDS)  # type: ignore[arg-type]


def test_unknown_option_exits_2() -> None:
    out = run("validate", "--no-such-option")
    assert out.returncode == 2
    assert "Traceback" not in out.stderr


def test_missing_root_exits_2_with_one_line(tmp_path: Path) -> None:
    out = run("validate", "--root", str(tmp_path / "nowhere"))
    assert out.returncode == 2
    assert out.stderr.count("\n") == 1 and "not a directory" in out.stderr
    out = run("validate", "--root", str(tmp_path))
    assert out.returncode == 2 and "missing ontology" in out.stderr and "Traceback" not in out.stderr


@pytest.fixture()
def copy_root(tmp_path: Path) -> Path:
    for d in ("ontology", "data", "shapes", "queries"):
        shutil.copytree(ROOT / d, tmp_path / d)
    return tmp_path


def test_turtle_syntax_error_names_file_line_and_column(copy_root: Path) -> None:
    bad = copy_root / "data/turtle/zz-broken.ttl"
    bad.write_text('@prefix dct: <http://purl.org/dc/terms/> .\n\n<urn:a> dct:title "unterminated .\n', encoding="utf-8")
    out = run("validate", "--root", str(copy_root))
    assert out.returncode == 2
    assert "zz-broken.ttl:3:" in out.stderr and "syntax error" in out.stderr.lower()
    assert "Traceback" not in out.stderr and out.stderr.count("\n") == 1


def test_validate_conforms_and_writes_every_format(capsys, repository_report) -> None:  # type: ignore[no-untyped-def]
    # one run end to end; the other formats from the session's shared report (the same function the command calls)
    assert main(["validate", "--root", str(ROOT), "--lang", "en", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["conforms"] is True and payload["counts"]["Violation"] == 0
    assert payload["counts"]["Warning"] == repository_report.count("Warning")  # the exact set: test_transcription.py
    from k2020graph.validation import FORMATTERS

    assert "Grafen er gyldig" in FORMATTERS["text"](repository_report, "nb")
    report = Graph().parse(data=FORMATTERS["turtle"](repository_report, "nb"), format="turtle")
    assert len(report) > 0
    import xml.etree.ElementTree as ET

    suite = ET.fromstring(FORMATTERS["junit"](repository_report, "nb"))
    assert suite.tag == "testsuite" and suite.get("failures") == "0"


def test_validate_a_file_with_a_violation_exits_1(copy_root: Path, tmp_path: Path) -> None:
    bad = tmp_path / "change.ttl"
    bad.write_text(
        "@prefix k2: <https://w3id.org/k2020graph/def#> .\n"
        "@prefix tiltak: <https://w3id.org/k2020graph/id/tiltak/> .\n\n"
        "tiltak:k2020-9.99 a k2:Tiltak .\n",
        encoding="utf-8",
    )
    out = run("validate", "--root", str(copy_root), "--lang", "en", "--format", "json", str(bad))
    assert out.returncode == 1, out.stderr
    payload = json.loads(out.stdout)
    assert payload["conforms"] is False
    assert any(r["focus"].endswith("k2020-9.99") and r["severity"] == "Violation" for r in payload["results"])
    # the same as text, grouped by focus node, in English
    out = run("validate", "--root", str(copy_root), "--lang", "en", str(bad))
    assert out.returncode == 1 and "tiltak:k2020-9.99" in out.stdout and "does not conform" in out.stdout


def test_validate_missing_path_exits_2(tmp_path: Path) -> None:
    out = run("validate", str(tmp_path / "nope.ttl"))
    assert out.returncode == 2 and "no such file" in out.stderr


def test_queries_lists_the_catalogue(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["queries", "--root", str(ROOT)]) == 0
    text = capsys.readouterr().out
    assert "continued-into-k2025" in text and "tiltak-table" in text
    assert main(["queries", "--root", str(ROOT), "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert len(listed) == len(list((ROOT / "queries").glob("*.rq")))


def test_headline_query_in_every_format(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["query", "continued-into-k2025", "--root", str(ROOT), "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows and set(rows[0]) >= {"nr", "name", "responsible", "k2025_refs"}
    assert main(["query", "continued-into-k2025", "--root", str(ROOT), "--param", "division=PH", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["results"]["bindings"]
    assert main(["query", "continued-into-k2025", "--root", str(ROOT), "--format", "tsv"]) == 0
    assert "\t" in capsys.readouterr().out
    assert main(["query", "continued-into-k2025", "--root", str(ROOT)]) == 0
    assert "rader / rows" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["query", "no-such-query"], "no canned query named"),
        (["query", "continued-into-k2025", "--param", "colour=red"], "unknown parameter colour"),
        (["query", "continued-into-k2025", "--param", "division"], "KEY=VALUE"),
        (["query", "continued-into-k2025", "--param", "division=P H;DROP"], "not a short code"),
    ],
)
def test_bad_query_input_exits_2_with_one_line(args: list[str], needle: str) -> None:
    out = run(*args)
    assert out.returncode == 2
    assert needle in out.stderr and "Traceback" not in out.stderr and out.stderr.count("\n") == 1


def test_output_file_is_written_whole(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    assert main(["query", "tiltak-table", "--root", str(ROOT), "--format", "csv", "-o", str(target)]) == 0
    assert target.read_text(encoding="utf-8").startswith("tiltak,nr,")
    assert [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # no temporary file left behind
    out = run("query", "tiltak-table", "-o", str(tmp_path / "missing-dir" / "x.csv"))
    assert out.returncode == 2 and "does not exist" in out.stderr


def test_piped_output_has_nothing_extra(tmp_path: Path) -> None:
    """A progress bar is for terminals only: piped, stderr stays empty and stdout holds just the data."""
    out = run("export", "--format", "ntriples")
    assert out.returncode == 0 and out.stderr == ""
    assert all(line.endswith(" .") for line in out.stdout.splitlines())
    out = run("validate")
    assert out.returncode == 0 and out.stderr == ""


def test_serve_cache_default_is_the_servers_own() -> None:
    from k2020graph.server import Settings

    args = build_parser().parse_args(["serve"])
    assert args.cache_mb == Settings().cache_mb
    assert build_parser().parse_args(["serve", "--cache-mb", "0"]).cache_mb == 0


@pytest.mark.parametrize(("option", "value", "says"), [("--cache-mb", "-1", "--cache-mb"), ("--timeout", "0", "--timeout")])
def test_serve_refuses_bad_limits_before_loading(option: str, value: str, says: str) -> None:
    out = run("serve", option, value)
    assert out.returncode == 2
    assert says in out.stderr and "Traceback" not in out.stderr
    assert out.stderr.count("\n") == 1


# ----------------------------------------------------------------------------------------------------------
# Issue 8, item 8: -o writes like a shell redirect (through links, to devices), atomically only for regular
# files; every failure is one line and exit 2. Device nodes are made in tmp_path (as root), never /dev's own.
# ----------------------------------------------------------------------------------------------------------


def _one_line_exit_2(out: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert out.returncode == 2, (out.returncode, out.stderr[-2000:])
    assert "Traceback" not in out.stderr and out.stderr.count("\n") == 1, out.stderr[-2000:]
    for needle in needles:
        assert needle in out.stderr, out.stderr


def _device(path: Path, major: int, minor: int) -> Path:
    try:
        os.mknod(path, 0o666 | stat.S_IFCHR, os.makedev(major, minor))
    except PermissionError:
        pytest.skip("making a device node needs root")
    return path


@pytest.mark.parametrize("where", ["tmp", "dev"])
def test_output_through_a_symlink_to_a_null_device_writes_to_it(tmp_path: Path, where: str) -> None:
    device = _device(tmp_path / "null", 1, 3) if where == "tmp" else Path("/dev/null")
    link = tmp_path / "out.nt"
    link.symlink_to(device)
    out = run("export", "--format", "ntriples", "-o", str(link))
    assert out.returncode == 0, out.stderr
    assert link.is_symlink() and os.readlink(link) == str(device)  # the link is not replaced
    assert stat.S_ISCHR(os.stat(device).st_mode) and os.stat(device).st_rdev == os.makedev(1, 3)
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == (["null", "out.nt"] if where == "tmp" else ["out.nt"])


def test_output_through_a_symlink_to_a_fifo_is_read_from_the_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "out.nt"
    link.symlink_to(fifo)
    received: list[bytes] = []

    def reader() -> None:
        with open(fifo, "rb") as fh:  # blocks until a writer opens the FIFO
            received.append(fh.read())

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        out = run("export", "--format", "ntriples", "-o", str(link))
    finally:
        if thread.is_alive():  # nobody opened the FIFO: open and close it so that the reader ends
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join()
    assert out.returncode == 0, out.stderr
    assert link.is_symlink() and stat.S_ISFIFO(os.stat(fifo).st_mode)
    lines = received[0].decode("utf-8").splitlines()
    assert len(lines) > 1000 and all(line.endswith(" .") for line in lines)


def test_output_through_a_symlink_to_a_regular_file_replaces_the_file_not_the_link(tmp_path: Path) -> None:
    target = tmp_path / "real.csv"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    link = tmp_path / "out.csv"
    link.symlink_to(target)
    assert main(["query", "tiltak-table", "--root", str(ROOT), "--format", "csv", "-o", str(link)]) == 0
    assert link.is_symlink() and target.read_text(encoding="utf-8").startswith("tiltak,nr,")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # the file keeps its mode, as with a redirect
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv", "real.csv"]  # no temporary file left


@pytest.mark.parametrize("via_link", [False, True])
def test_output_to_a_directory_is_one_line(tmp_path: Path, via_link: bool) -> None:
    directory = tmp_path / "dir"
    directory.mkdir()
    given = directory
    if via_link:
        given = tmp_path / "link"
        given.symlink_to(directory)
    out = run("export", "--format", "ntriples", "-o", str(given))
    _one_line_exit_2(out, str(given), "is a directory")
    assert directory.is_dir() and not any(directory.iterdir())
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["dir", "link"] if via_link else ["dir"])


def test_output_to_a_full_device_is_one_line(tmp_path: Path) -> None:
    full = _device(tmp_path / "full", 1, 7)  # what /dev/full is
    link = tmp_path / "out.nt"
    link.symlink_to(full)
    out = run("export", "--format", "ntriples", "-o", str(link))
    _one_line_exit_2(out, str(link), "no space left on device")
    assert link.is_symlink() and stat.S_ISCHR(os.stat(full).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["full", "out.nt"]


def test_a_full_disk_leaves_the_old_file_whole(tmp_path: Path) -> None:
    """A file size limit (RLIMIT_FSIZE) stands in for a full disk: the write fails part-way."""
    target = tmp_path / "k2020.nt"
    target.write_text("old\n", encoding="utf-8")

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))

    out = subprocess.run(
        [str(SCRIPT), "export", "--format", "ntriples", "-o", str(target)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=small_files,
    )
    _one_line_exit_2(out, str(target), "file too large")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["k2020.nt"]


def test_output_into_an_unwritable_directory_is_one_line(tmp_path: Path) -> None:
    """An immutable directory (chattr +i) refuses even root, which these tests run as."""
    locked = tmp_path / "locked"
    locked.mkdir()
    chattr = shutil.which("chattr")
    if chattr is None or subprocess.run([chattr, "+i", str(locked)], capture_output=True).returncode != 0:
        pytest.skip("chattr +i is not available here")
    try:
        out = run("export", "--format", "ntriples", "-o", str(locked / "k2020.nt"))
    finally:
        subprocess.run([chattr, "-i", str(locked)], check=True)
    _one_line_exit_2(out, str(locked / "k2020.nt"), "permission denied")
    assert not any(locked.iterdir())


@pytest.mark.parametrize("value", ["nan", "inf"])
def test_serve_refuses_a_timeout_that_is_not_a_number_in_one_line(value: str) -> None:
    _one_line_exit_2(run("serve", "--timeout", value), "--timeout", value)


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--port", "70000"], "1–65535"),  # was bound as 70000 % 65536 = 4464
        (["--port", "0"], "1–65535"),
        (["--port", "٣"], "--port"),
        (["--timeout", "nan"], "--timeout"),
        (["--timeout", "-1"], "--timeout"),
        (["--cache-mb", "-1"], "--cache-mb"),
    ],
)
def test_serve_options_are_checked_by_the_parser(argv: list[str], says: str, capsys) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(SystemExit) as caught:
        build_parser().parse_args(["serve", *argv])
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert says in err and err.count("\n") == 1
    assert " / " in err  # English / bokmål


@pytest.mark.parametrize(
    ("literal", "line"),
    [('"abc"^^xsd:integer', "abc"), ('"2016-13-45"^^xsd:date', "2016-13-45"), ('"2016-02-30"^^xsd:date', "2016-02-30")],
)
def test_validate_an_ill_typed_literal_is_one_line(tmp_path: Path, literal: str, line: str) -> None:
    """Unusable input (exit 2), like a syntax error: the value is unknown, so no query or export can use it."""
    bad = tmp_path / "change.ttl"
    bad.write_text(
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        "@prefix k2: <https://w3id.org/k2020graph/def#> .\n\n"
        f"<https://w3id.org/k2020graph/id/tiltak/k2020-3.14> k2:startYear {literal} .\n",
        encoding="utf-8",
    )
    out = run("validate", str(bad))
    _one_line_exit_2(out, f"{bad}:4:", line, "k2020-3.14", "def#startYear")


def test_well_typed_literals_outside_pythons_range_still_validate(tmp_path: Path) -> None:
    """XSD takes what Python's int() and date() do not: no rdflib traceback, no refusal."""
    good = tmp_path / "change.ttl"
    good.write_text(
        "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n"
        f'<urn:x:a> <urn:x:p> "{"7" * 5000}"^^xsd:integer , "12016-01-01"^^xsd:date , " 42 "^^xsd:integer .\n',
        encoding="utf-8",
    )
    out = run("validate", "--format", "json", str(good))
    assert out.returncode in (0, 1) and out.stderr == "", out.stderr[-2000:]
    json.loads(out.stdout)


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["query", "tiltak-of-strategy", "--param", "strategy=" + "1" * 5000], "'strategy'"),
        (["query", "tiltak-of-strategy", "--param", "strategy=٣"], "'strategy'"),
        (["query", "ended-before", "--param", "year=" + "2" * 5000], "'year'"),
    ],
)
def test_ill_typed_parameters_exit_2_with_one_line(args: list[str], needle: str) -> None:
    _one_line_exit_2(run(*args), needle, "heltall" if "strategy" in needle else "årstall")
