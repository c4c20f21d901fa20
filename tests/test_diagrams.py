"""The SVG layout functions (k2020graph.diagrams) on small hand-made inputs: what is drawn, and escaping."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from k2020graph.diagrams import Band, Bar, Node, bar_chart_svg, esc, flow_svg, shorten

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = "<script>alert(\"x\")</script> & 'q'"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # well-formed XML, or this fails


def classes(el: ET.Element) -> set[str]:
    return set((el.get("class") or "").split())


def nodes(root: ET.Element) -> list[ET.Element]:
    return [el for el in root.iter() if "node" in classes(el)]


def example() -> tuple[list[Node], list[Node], list[Band]]:
    # a -> x, a -> y (a split); b -> y (so y is a merge of a and b); c -> z
    left = [
        Node("a", "A", "Tiltak A", "g1", "/a"),
        Node("b", "B", "Tiltak B", "g1", "/b"),
        Node("c", "C", "Tiltak C", "g2", None),
    ]
    right = [Node("x", "X", "X", "h1", "/x"), Node("y", "Y", "Y", "h1", "/y"), Node("z", "Z", "Z", "h2", "/z")]
    bands = [Band("a", "x"), Band("a", "y"), Band("b", "y"), Band("c", "z")]
    return left, right, bands


def test_flow_diagram_draws_every_node_and_band_and_marks_merges_and_splits() -> None:
    left, right, bands = example()
    layout = flow_svg(
        left,
        right,
        bands,
        left_groups={"g1": "G1", "g2": "G2"},
        right_groups={"h1": "H1", "h2": "H2"},
        title="T",
        desc="D",
        ident="t",
    )
    root = parse(layout.svg)
    assert len(nodes(root)) == 6 == layout.nodes
    assert len([el for el in root.iter(SVG + "path") if "band" in classes(el)]) == 4 == layout.bands
    assert layout.merges == ["y"] and layout.splits == ["a"]
    assert [el.get("href") for el in root.iter(SVG + "a")] == ["/a", "/b", "/x", "/y", "/z"]  # c has no page: no link
    assert [el.text for el in root.iter(SVG + "text") if "group" in classes(el)] == ["G1", "G2", "H1", "H2"]
    merged = [el for el in nodes(root) if "merge" in classes(el)]
    assert [el.get("href") for el in merged] == ["/y"]
    # a node is as tall as its bands: a (2 bands) twice b (1 band)
    heights = {el.get("href"): float(el.find(SVG + "rect").get("height")) for el in root.iter(SVG + "a")}  # type: ignore[union-attr]
    assert heights["/a"] + 1 == 2 * (heights["/b"] + 1)


def test_flow_diagram_is_accessible() -> None:
    left, right, bands = example()
    root = parse(
        flow_svg(left, right, bands, left_groups={}, right_groups={}, title="Title here", desc="Desc here", ident="t").svg
    )
    assert root.get("role") == "group" and root.get("aria-label") == "Title here"
    assert root.find(SVG + "title").text == "Title here"  # type: ignore[union-attr]
    desc = root.find(SVG + "desc")
    assert desc is not None and desc.text == "Desc here" and root.get("aria-describedby") == desc.get("id")
    for link in root.iter(SVG + "a"):
        assert link.get("aria-label")


def test_bands_to_unknown_nodes_and_empty_bands_are_left_out() -> None:
    left, right, _ = example()
    layout = flow_svg(
        left,
        right,
        [Band("a", "x"), Band("nope", "x"), Band("a", "nope"), Band("b", "y", 0)],
        left_groups={},
        right_groups={},
        title="T",
        desc="D",
        ident="t",
    )
    assert layout.bands == 1 and layout.merges == [] and layout.splits == []


def test_hostile_labels_stay_text() -> None:
    left = [Node("a", HOSTILE, HOSTILE, "g", '/a?x="><script>alert(1)</script>')]
    right = [Node("x", HOSTILE, HOSTILE, "h", "/x")]
    svg = flow_svg(
        left,
        right,
        [Band("a", "x", 1, HOSTILE)],
        left_groups={"g": HOSTILE},
        right_groups={"h": HOSTILE},
        title=HOSTILE,
        desc=HOSTILE,
        ident="t",
    ).svg
    root = parse(svg)
    assert not [el for el in root.iter() if el.tag.endswith("script")]
    assert "<script>" not in svg and 'alert("x")' not in svg
    assert root.get("aria-label") == HOSTILE and root.find(SVG + "title").text == HOSTILE  # type: ignore[union-attr]
    assert next(root.iter(SVG + "a")).get("href") == '/a?x="><script>alert(1)</script>'
    chart = bar_chart_svg([Bar(HOSTILE, (1.0,), "/p")], [HOSTILE], title=HOSTILE, desc=HOSTILE, ident="c")
    root = parse(chart)
    assert "<script>" not in chart and not [el for el in root.iter() if el.tag.endswith("script")]


def test_bar_chart_draws_a_bar_per_value_and_writes_every_value() -> None:
    bars = [Bar("Østfold", (12.0, 18.0), "/ostfold"), Bar("Oslo", (14.0, None)), Bar("Total", (0.0, 3.5))]
    root = parse(bar_chart_svg(bars, ["with", "all"], title="T", desc="D", ident="c", missing="–"))
    drawn = [el for el in root.iter(SVG + "rect") if "bar" in classes(el)]
    assert len(drawn) == 5  # the missing value has no bar
    widths = [float(el.get("width") or 0) for el in drawn]
    assert max(widths) == widths[1] and widths[0] / widths[1] == 12 / 18
    assert [el.text for el in root.iter(SVG + "text") if "val" in classes(el)] == ["12", "18", "14", "–", "0", "3.5"]
    assert root.get("role") == "group"  # a category is a link
    assert parse(bar_chart_svg([Bar("a", (1.0,))], ["n"], title="T", desc="D", ident="c")).get("role") == "img"


def test_esc_and_shorten() -> None:
    assert esc('<a href="x">\x00') == "&lt;a href=&quot;x&quot;&gt;"
    assert shorten("Styrking og videreutvikling av helsestasjons- og skolehelsetjenesten", 30) == "Styrking og videreutvikling…"
    assert shorten("kort", 30) == "kort"


def test_line_chart_draws_a_point_per_value_and_breaks_at_a_gap() -> None:
    from k2020graph.diagrams import Line, line_chart_svg

    lines = [Line("A", (1.0, 2.0, 4.0), "/a"), Line("B", (3.0, None, 1.0)), Line(HOSTILE, (None, None, None))]
    root = parse(line_chart_svg(lines, [2008.0, 2013.0, 2014.0], ["2008", "2013", "2014"], title="T", desc="D", ident="l"))
    circles = [el for el in root.iter(SVG + "circle") if "point" in classes(el)]
    assert len(circles) == 5
    polylines = [el.get("points") or "" for el in root.iter(SVG + "polyline")]
    assert [len(p.split()) for p in polylines] == [3]  # B has no two neighbouring values: no line, only points
    xs = [float(el.get("cx") or 0) for el in circles[:3]]
    assert (xs[1] - xs[0]) == 5 * (xs[2] - xs[1])  # 2008→2013 is five times 2013→2014
    ys = [float(el.get("cy") or 0) for el in circles[:3]]
    assert ys[0] > ys[1] > ys[2]  # higher values higher up
    assert [el.get("href") for el in root.iter(SVG + "a")] == ["/a"] and root.get("role") == "group"
