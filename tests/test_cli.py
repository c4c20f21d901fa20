"""The console script: every command and its --help, exit codes, output formats, bad input."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import Graph

from k2020graph.cli import build_parser, main

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "k2020graph"
COMMANDS = ["validate", "queries", "query", "export", "serve"]


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


def test_validate_conforms_and_writes_every_format(capsys) -> None:  # type: ignore[no-untyped-def]
    assert main(["validate", "--root", str(ROOT)]) == 0
    assert "Grafen er gyldig" in capsys.readouterr().out
    assert main(["validate", "--root", str(ROOT), "--lang", "en", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["conforms"] is True and payload["counts"]["Violation"] == 0
    assert main(["validate", "--root", str(ROOT), "--format", "turtle"]) == 0
    report = Graph().parse(data=capsys.readouterr().out, format="turtle")
    assert len(report) > 0
    assert main(["validate", "--root", str(ROOT), "--format", "junit"]) == 0
    import xml.etree.ElementTree as ET

    suite = ET.fromstring(capsys.readouterr().out)
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
