"""The CLI from anywhere (issue 14): --root found above the working directory, -o files with the usual
mode, and a taken port said before anything is loaded or served."""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = Path(sys.executable).parent / "k2020graph"


def run(*args: str, cwd: Path, umask: int | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's code, wherever the command runs
    return subprocess.run(
        [str(SCRIPT), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,  # noqa: PLW1509 - no threads
    )


def test_the_root_is_found_from_a_subdirectory() -> None:
    out = run("query", "continued-into-k2025", "--param", "division=PH", "--format", "csv", cwd=ROOT / "queries")
    assert out.returncode == 0, out.stderr
    assert "Demensomsorgens ABC" in out.stdout


def test_a_data_layout_is_a_root_too(tmp_path: Path) -> None:
    """No pyproject.toml: ontology/ and data/turtle/ (with shapes/ and queries/) make a root."""
    for part in ("ontology", "data", "shapes", "queries"):
        shutil.copytree(ROOT / part, tmp_path / part)
    deep = tmp_path / "data" / "turtle"
    out = run("queries", cwd=deep)
    assert out.returncode == 0, out.stderr
    assert "continued-into-k2025" in out.stdout


def test_no_root_anywhere_above_is_a_clear_error_in_both_languages(tmp_path: Path) -> None:
    out = run("validate", cwd=tmp_path)
    assert out.returncode == 2
    assert "Traceback" not in out.stderr and out.stderr.count("\n") == 1
    assert "fant ingen k2020graph-prosjektrot" in out.stderr and "found no k2020graph project root" in out.stderr
    assert str(tmp_path.resolve()) in out.stderr


def test_diff_of_two_files_needs_no_root(tmp_path: Path) -> None:
    a, b = tmp_path / "a.ttl", tmp_path / "b.ttl"
    a.write_text("<http://a> <http://b> 1 .\n")
    b.write_text("<http://a> <http://b> 2 .\n")
    out = run("diff", str(a), str(b), cwd=tmp_path)
    assert out.returncode in (0, 1), out.stderr
    assert "Traceback" not in out.stderr and "project root" not in out.stderr


def test_output_files_get_the_mode_a_redirect_gives(tmp_path: Path) -> None:
    target = tmp_path / "tiltak.csv"
    out = run("export", "--table", "tiltak", "--format", "csv", "-o", str(target), cwd=ROOT, umask=0o027)
    assert out.returncode == 0, out.stderr
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # 0666 & ~027, as `> tiltak.csv` would make it


def test_a_taken_port_is_an_error_before_serving(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out = run("serve", "--host", "127.0.0.1", "--port", str(port), cwd=ROOT)
    assert out.returncode == 2, out.stderr
    assert "serving" not in out.stderr and "loaded" not in out.stderr  # said before the data is loaded
    assert "Traceback" not in out.stderr
    assert f"127.0.0.1:{port}" in out.stderr
    assert "the port is in use" in out.stderr and "porten er i bruk" in out.stderr
