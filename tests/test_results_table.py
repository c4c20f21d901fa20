"""The CLI's table: long cells are clipped to the width, short ones kept whole (a gap found by mutation
testing, docs/mutation.md)."""

from __future__ import annotations

from rdflib import Literal

from k2020graph.results import to_table
from k2020graph.store import SelectResult


def test_long_cells_are_clipped_short_ones_kept() -> None:
    result = SelectResult(["a", "b"], [(Literal("x" * 12), Literal("kort")), (Literal("y" * 10), None)])
    lines = to_table(result, max_width=10).splitlines()
    assert lines[2] == "x" * 9 + "…" + "  kort"  # 12 characters clipped to 10, the last one an ellipsis
    assert lines[3] == "y" * 10  # exactly the width: kept whole (and no trailing blanks for the empty cell)
    assert lines[0].split() == ["a", "b"] and lines[1] == "-" * 10 + "  " + "-" * 4  # columns as wide as their widest cell
    assert lines[-1] == "(2 rader / rows)"
