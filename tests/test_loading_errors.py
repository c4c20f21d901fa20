"""Reading Turtle files: each kind of unusable file is an InputError that names the file (and where known the
position), never a Python exception. Gaps found by mutation testing (docs/mutation.md)."""

from __future__ import annotations

from pathlib import Path

import pytest

from k2020graph.errors import InputError
from k2020graph.loading import KnowledgeGraph, load_files, read_quads
from k2020graph.project import Project

TRIPLE = '<urn:a> <urn:p> "x" .\n'


def test_a_missing_file_cannot_be_read(tmp_path: Path) -> None:
    path = tmp_path / "nope.ttl"
    with pytest.raises(InputError) as info:
        read_quads(path)
    assert info.value.path == path and info.value.message.startswith("cannot read file: ")
    assert "No such file" in info.value.message


def test_a_directory_cannot_be_read(tmp_path: Path) -> None:
    with pytest.raises(InputError) as info:
        read_quads(tmp_path)
    assert info.value.message.startswith("cannot read file: ")


def test_a_syntax_error_names_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "bad.ttl"
    path.write_text(TRIPLE + TRIPLE + '<urn:b> <urn:p> "unterminated .\n', encoding="utf-8")
    with pytest.raises(InputError) as info:
        read_quads(path)
    assert info.value.path == path and info.value.line == 3 and info.value.column is not None
    assert info.value.message.startswith("Turtle syntax error: ")


def test_files_are_kept_apart_and_counted(tmp_path: Path) -> None:
    a, b = tmp_path / "a.ttl", tmp_path / "b.ttl"
    a.write_text(TRIPLE, encoding="utf-8")
    b.write_text(TRIPLE.replace("urn:a", "urn:b") + TRIPLE.replace("urn:a", "urn:c"), encoding="utf-8")
    loaded = load_files([a, b])
    assert [len(loaded.quads[a]), len(loaded.quads[b])] == [1, 2]
    assert len(loaded) == 3 and len(list(loaded.all())) == 3 and len(loaded.graph()) == 3


def test_a_project_without_data_files_is_refused(tmp_path: Path) -> None:
    for rel in ("ontology", "data/turtle", "shapes", "queries"):
        (tmp_path / rel).mkdir(parents=True)
    with pytest.raises(InputError) as info:
        KnowledgeGraph.load(Project.at(tmp_path))
    assert info.value.message == "no data files (*.ttl) found"
    assert info.value.path == tmp_path.resolve() / "data/turtle"
