"""Each house rule of the Turtle checker, one bad file per rule (gaps found by mutation testing, docs/mutation.md).

The rules are those the module promises (UTF-8, LF line ends, a final newline, no tabs, no trailing
blanks, prefix declarations first and sorted, every declared prefix used, the project's prefixes bound
to the project's namespaces); each file here breaks exactly one of them, and a file in house form
yields no problem at all.
"""

from __future__ import annotations

from pathlib import Path

from k2020graph.turtle_style import check_turtle_style, fix_prefix_block

GOOD = (
    "@prefix dct: <http://purl.org/dc/terms/> .\n"
    "@prefix k2: <https://w3id.org/k2020graph/def#> .\n"
    "\n"
    '<urn:x> dct:title "x" ; k2:p "y" .\n'
)


def problems(tmp_path: Path, data: bytes) -> list[str]:
    path = tmp_path / "f.ttl"
    path.write_bytes(data)
    return check_turtle_style(path)


def test_a_file_in_house_form_has_no_problem(tmp_path: Path) -> None:
    assert problems(tmp_path, GOOD.encode()) == []


def test_not_utf8_is_the_only_problem_reported(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD.replace('"x"', '"\xe6"').encode("latin-1"))
    assert len(found) == 1 and found[0].startswith("not UTF-8")


def test_crlf_line_ends(tmp_path: Path) -> None:
    found = problems(tmp_path, GOOD.replace("\n", "\r\n").encode())
    assert "line ends must be LF, not CRLF" in found


def test_missing_final_newline(tmp_path: Path) -> None:
    assert problems(tmp_path, GOOD.rstrip("\n").encode()) == ["the file must end with a newline"]


def test_empty_file_is_in_house_form(tmp_path: Path) -> None:
    assert problems(tmp_path, b"") == []


def test_tab_and_trailing_blank_name_their_line(tmp_path: Path) -> None:
    assert problems(tmp_path, GOOD.replace('"x" ;', '"x" ;\t').encode()) == ["line 4: tab character (indent with spaces)"]
    assert problems(tmp_path, GOOD.replace('"y" .', '"y" .\t').encode()) == [
        "line 4: tab character (indent with spaces)",
        "line 4: trailing whitespace",
    ]
    assert problems(tmp_path, GOOD.replace('"y" .', '"y" . ').encode()) == ["line 4: trailing whitespace"]


def test_prefix_after_the_first_statement(tmp_path: Path) -> None:
    text = '@prefix dct: <http://purl.org/dc/terms/> .\n# a comment is not a statement\n<urn:x> dct:title "x" .\n'
    text += '@prefix k2: <https://w3id.org/k2020graph/def#> .\n<urn:y> k2:p "y" .\n'
    assert problems(tmp_path, text.encode()) == ["line 4: @prefix after the first statement (declare prefixes at the top)"]


def test_a_comment_before_the_prefixes_is_not_a_statement(tmp_path: Path) -> None:
    assert problems(tmp_path, ("# header\n\n" + GOOD).encode()) == []


def test_unsorted_and_unused_and_wrong_namespace_each_alone(tmp_path: Path) -> None:
    lines = GOOD.split("\n")
    unsorted = "\n".join([lines[1], lines[0], *lines[2:]])
    assert problems(tmp_path, unsorted.encode()) == ["prefix declarations are not sorted by prefix"]
    unused = GOOD.replace(' ; k2:p "y"', "")
    assert problems(tmp_path, unused.encode()) == ["line 2: prefix k2: is declared but not used"]
    wrong = GOOD.replace("<https://w3id.org/k2020graph/def#>", "<https://w3id.org/k2020graph/def/>")
    assert problems(tmp_path, wrong.encode()) == [
        "line 2: prefix k2: must be <https://w3id.org/k2020graph/def#>, not <https://w3id.org/k2020graph/def/>"
    ]


def test_a_prefix_used_only_inside_a_longer_name_is_unused(tmp_path: Path) -> None:
    # "xk2:" and "k2-x:" contain "k2:" but do not use the prefix k2.
    text = GOOD.replace(' ; k2:p "y"', ' ; dct:x "xk2:y"')
    assert problems(tmp_path, text.encode()) == ["line 2: prefix k2: is declared but not used"]


def test_the_empty_prefix_is_checked_too(tmp_path: Path) -> None:
    text = "@prefix : <urn:a#> .\n" + GOOD
    assert problems(tmp_path, text.encode()) == ["line 1: prefix : is declared but not used"]
    assert problems(tmp_path, (text + '<urn:y> :p "z" .\n').encode()) == []


def test_the_fixer_leaves_a_file_without_prefixes_alone(tmp_path: Path) -> None:
    path = tmp_path / "f.ttl"
    path.write_text('<urn:x> <urn:p> "x" .\n', encoding="utf-8")
    assert not fix_prefix_block(path)
    assert path.read_text(encoding="utf-8") == '<urn:x> <urn:p> "x" .\n'


def test_the_fixer_keeps_the_body_and_removes_blank_lines_after_the_block(tmp_path: Path) -> None:
    path = tmp_path / "f.ttl"
    path.write_text('@prefix k2: <https://w3id.org/k2020graph/def#> .\n\n\n\n<urn:x> k2:p "x" .\n', encoding="utf-8")
    assert fix_prefix_block(path)
    assert path.read_text(encoding="utf-8") == '@prefix k2: <https://w3id.org/k2020graph/def#> .\n\n<urn:x> k2:p "x" .\n'
