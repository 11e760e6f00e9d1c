"""The SVG charts, as pure functions: rows, shapes, the consensus band, conflicts, escaping."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

from service.ui.charts import Band, Mark, domain, figure_chart, ticks, timeline_chart

SVG = "{http://www.w3.org/2000/svg}"
TROOPS = [
    Mark("Kompas.com", 100_000, 100_000, "100.000 tentaranya", date(2022, 2, 13)),
    Mark("Pos-Kupang.com", 100_000, None, "lebih dari 100.000 tentara", date(2021, 12, 31), conflicting=True),
    Mark("alinea.id", 60_000, 90_000, "60.000 hingga 90.000 tentara", date(2021, 12, 31), conflicting=True),
    Mark("Liputan6.com", 94_000, 94_000, "94.000 tentara", date(2021, 12, 8)),
]


def _tree(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def _marks(svg: ET.Element) -> list[ET.Element]:
    return [e for e in svg.iter() if "mark" in e.get("class", "").split()]


def test_one_row_and_one_mark_per_claim_with_its_date() -> None:
    svg = _tree(figure_chart(TROOPS, Band(100_000, 100_000), title="troops"))
    rows = [g for g in svg.iter(f"{SVG}g") if "row" in g.get("class", "").split()]
    assert len(rows) == 4 and svg.get("data-rows") == "4"
    assert [r.get("data-source") for r in rows] == [
        "Kompas.com",
        "Pos-Kupang.com",
        "alinea.id",
        "Liputan6.com",
    ]
    assert len(_marks(svg)) == 4
    days = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "day"]
    assert days == ["2022-02-13", "2021-12-31", "2021-12-31", "2021-12-08"]


def test_points_bars_and_open_ended_hedges_are_drawn_as_such() -> None:
    svg = _tree(figure_chart(TROOPS, None, title="troops"))
    shapes = [(m.tag.removeprefix(SVG), m.get("class").split()[1]) for m in _marks(svg)]
    assert shapes == [("circle", "point"), ("rect", "open-above"), ("rect", "bar"), ("circle", "point")]
    open_bar = next(m for m in _marks(svg) if "open-above" in m.get("class"))
    assert open_bar.get("fill") == "none" and open_bar.get("stroke-dasharray")
    assert len([p for p in svg.iter(f"{SVG}path") if p.get("class") == "arrow"]) == 1


def test_open_below_runs_to_the_left_edge() -> None:
    svg = _tree(
        figure_chart([Mark("A", None, 50, "kurang dari 50"), Mark("B", 60, 60, "60")], None, title="t")
    )
    below = next(m for m in _marks(svg) if "open-below" in m.get("class"))
    point = next(m for m in _marks(svg) if "point" in m.get("class"))
    assert float(below.get("x")) < float(point.get("cx"))
    assert float(below.get("x")) + float(below.get("width")) < float(point.get("cx"))


def test_the_consensus_band_lies_behind_the_rows() -> None:
    svg = _tree(figure_chart(TROOPS, Band(90_000, 100_000), title="troops"))
    children = list(svg)
    band = next(i for i, e in enumerate(children) if e.get("class") == "consensus")
    first_row = next(i for i, e in enumerate(children) if "row" in e.get("class", "").split())
    assert band < first_row
    assert float(children[band].get("width")) > 4
    assert not any(e.get("class") == "consensus" for e in _tree(figure_chart(TROOPS, None, title="t")).iter())


def test_conflicting_claims_are_marked() -> None:
    svg = _tree(figure_chart(TROOPS, None, title="troops"))
    flagged = [m for m in _marks(svg) if "conflict" in m.get("class").split()]
    assert len(flagged) == 2
    rows = [g for g in svg.iter(f"{SVG}g") if "conflicting" in g.get("class", "").split()]
    assert {r.get("data-source") for r in rows} == {"Pos-Kupang.com", "alinea.id"}
    labels = [t.text for t in svg.iter(f"{SVG}text") if t.get("class") == "source"]
    assert labels[1].startswith("✕") and not labels[0].startswith("✕")


def test_the_chart_is_an_accessible_image_with_a_title() -> None:
    svg = _tree(figure_chart(TROOPS, None, title="jumlah tentara"))
    assert svg.get("role") == "img" and svg.get("aria-label") == "jumlah tentara"
    assert svg.find(f"{SVG}title").text == "jumlah tentara"


def test_hostile_text_is_escaped() -> None:
    evil = '<script>alert("x")</script>'
    markup = str(figure_chart([Mark(evil, 1, 1, evil)], None, title=evil))
    assert "<script>" not in markup
    svg = _tree(markup)  # still well-formed
    assert svg.find(f"{SVG}title").text == evil


def test_labels_without_numbers_get_a_row_but_no_position() -> None:
    svg = _tree(figure_chart([Mark("A", None, None, "stabil"), Mark("B", 5, 5, "5")], None, title="t"))
    assert [m.get("class").split()[1] for m in _marks(svg)] == ["none", "point"]


def test_the_number_line_holds_every_figure_and_room_for_arrows() -> None:
    lo, hi = domain(TROOPS)
    assert lo <= 60_000 and hi > 100_000 * 1.02
    lo, hi = domain([Mark("A", 5, 5, "5")])  # one figure: a line around it, not of zero length
    assert lo < 5 < hi
    assert ticks(0, 100_000) == [0, 20_000, 40_000, 60_000, 80_000, 100_000]


def test_timeline_draws_each_dated_claim_and_the_consensus_bands() -> None:
    bands = [Band(94_000, 94_000, date(2021, 12, 8), date(2021, 12, 8))]
    svg = _tree(timeline_chart([*TROOPS, Mark("undated", 1, 1, "1")], bands, title="over time"))
    assert svg.get("data-points") == "4"
    assert len(_marks(svg)) == 4
    assert sum(e.get("class") == "consensus" for e in svg.iter()) == 1
    assert len([p for p in svg.iter(f"{SVG}path") if p.get("class") == "arrow"]) == 1
    empty = _tree(timeline_chart([], [], title="nothing"))
    assert empty.get("data-points") == "0"
