"""The SVG charts: well-formed XML, named and described, scaled right, every label escaped."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from markupsafe import Markup

from reform.charts import BAR, LINE, BarGroup, Point, bar_chart, line_chart, nice_max

NS = "{http://www.w3.org/2000/svg}"
D = Decimal


def comma(value: Decimal) -> str:
    """The Vietnamese way: a decimal comma."""
    return f"{value:.2f}".replace(".", ",")


def parse(markup: Markup) -> ET.Element:
    assert isinstance(markup, Markup)
    return ET.fromstring(str(markup))


def texts(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{NS}text")]


# ---- line chart ----------------------------------------------------------------------------


def test_line_chart_is_a_named_described_image():
    root = parse(
        line_chart(
            [
                Point("2023", D("70.5")),
                Point("2024", D("74.25")),
                Point("2025", D("76.32"), "live"),
            ],
            chart_id="years",
            title="Chỉ số qua các năm",
            summary="Chỉ số theo năm:",
            number=comma,
            top_value=D(100),
        )
    )
    assert root.tag == f"{NS}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "years-title years-desc"
    assert root.get("viewBox") == f"0 0 {LINE.width} {LINE.height}"
    assert root.get("width") is None  # scales with its container
    title, desc = root.find(f"{NS}title"), root.find(f"{NS}desc")
    assert title.get("id") == "years-title" and title.text == "Chỉ số qua các năm"
    assert desc.get("id") == "years-desc"
    assert desc.text == "Chỉ số theo năm: 2023: 70,50; 2024: 74,25; 2025: 76,32 (live)."
    # Every value is written on the chart with the caller's formatting; the note under its year.
    labels = texts(root)
    for shown in ("70,50", "74,25", "76,32", "2023", "2024", "2025", "(live)"):
        assert shown in labels


def test_line_chart_scales_values_between_zero_and_the_top():
    root = parse(
        line_chart(
            [Point("a", D(0)), Point("b", D(50)), Point("c", D(100))],
            chart_id="c",
            title="t",
            number=comma,
            top_value=D(100),
        )
    )
    circles = list(root.iter(f"{NS}circle"))
    ys = [float(c.get("cy")) for c in circles]
    xs = [float(c.get("cx")) for c in circles]
    assert ys == [LINE.plot_bottom, (LINE.plot_bottom + LINE.top) / 2, LINE.top]
    # Evenly spaced inside the plot, first and last inset from its edges.
    assert xs[0] == LINE.left + LINE.pad
    assert xs[2] == LINE.width - LINE.right - LINE.pad
    assert xs[1] == pytest.approx((xs[0] + xs[2]) / 2)
    # Grid lines and tick labels at 0, 25, 50, 75 and 100.
    assert [t for t in texts(root) if t.isdigit()] == ["0", "25", "50", "75", "100"]


def test_points_frameworks_get_a_round_axis_above_the_highest_value():
    root = parse(
        line_chart(
            [Point("2024", D("98")), Point("2025", D("118.5"))],
            chart_id="p",
            title="t",
            number=comma,
        )
    )
    assert "125" in texts(root)
    top = [c for c in root.iter(f"{NS}circle")][1]
    assert float(top.get("cy")) == pytest.approx(LINE.y(D("118.5"), D(125)), abs=0.01)
    # An index above the percent axis (a bonus) widens the axis instead of leaving the plot.
    root = parse(
        line_chart([Point("x", D(104))], chart_id="q", title="t", number=comma, top_value=D(100))
    )
    assert float(next(root.iter(f"{NS}circle")).get("cy")) >= LINE.top


def test_nice_max():
    assert nice_max(D("118.5")) == (D(125), D(25))
    assert nice_max(D(100)) == (D(100), D(20))
    assert nice_max(D(7)) == (D(8), D(2))
    assert nice_max(D(0)) == (D(4), D(1))


def test_a_year_without_a_figure_breaks_the_line():
    root = parse(
        line_chart(
            [Point("1", D(10)), Point("2", D(20)), Point("3", None), Point("4", D(30))],
            chart_id="g",
            title="t",
            number=comma,
            top_value=D(100),
            no_figure="không có số liệu",
        )
    )
    lines = list(root.iter(f"{NS}polyline"))
    assert len(lines) == 1 and len(lines[0].get("points").split()) == 2
    assert len(list(root.iter(f"{NS}circle"))) == 3
    assert "3: không có số liệu" in root.find(f"{NS}desc").text


def test_every_label_is_escaped():
    nasty = 'Sở <b>"A"</b> & B'
    markup = line_chart(
        [Point(nasty, D(1), note="<i>")],
        chart_id="x",
        title=nasty,
        summary=nasty,
        number=comma,
        top_value=D(100),
    )
    assert "<b>" not in str(markup) and "<i>" not in str(markup)
    root = parse(markup)
    assert root.find(f"{NS}title").text == nasty
    assert nasty in texts(root)
    bars = bar_chart(
        [BarGroup(nasty, (D(1), D(2)))],
        chart_id="y",
        title=nasty,
        series=(nasty, "<script>"),
        number=comma,
        top_value=D(100),
    )
    assert "<script>" not in str(bars) and "<b>" not in str(bars)
    root = parse(bars)
    assert nasty in texts(root) and "<script>" in texts(root)


def test_empty_series_says_so():
    for markup in (
        line_chart([], chart_id="e", title="t", number=comma, empty_text="Chưa có số liệu."),
        line_chart(
            [Point("2025", None)], chart_id="e", title="t", number=comma, empty_text="Chưa có."
        ),
        bar_chart([], chart_id="f", title="t", series=("a", "b"), number=comma, empty_text="0"),
    ):
        root = parse(markup)
        assert root.get("role") == "img"
        assert list(root.iter(f"{NS}circle")) == [] and list(root.iter(f"{NS}polyline")) == []
        assert len(texts(root)) == 1
    root = parse(line_chart([], chart_id="e", title="t", number=comma, empty_text="Chưa có."))
    assert root.find(f"{NS}desc").text == "Chưa có."


def test_a_bad_chart_id_is_refused():
    with pytest.raises(ValueError):
        line_chart([], chart_id='x" onload="y', title="t", number=comma)


# ---- bar chart -----------------------------------------------------------------------------


def test_bar_chart_draws_each_series_at_scale_with_its_value():
    root = parse(
        bar_chart(
            [
                BarGroup("1. Chỉ đạo, điều hành", (D(90), D("66.67"))),
                BarGroup("2. Thủ tục hành chính", (D(100), None)),
            ],
            chart_id="areas",
            title="Các lĩnh vực",
            summary="Chỉ số thành phần:",
            series=("Sở An", "Bình quân khối"),
            number=comma,
            top_value=D(100),
            no_figure="không áp dụng",
        )
    )
    assert root.get("aria-labelledby") == "areas-title areas-desc"
    assert root.get("viewBox").startswith(f"0 0 {BAR.width} ")
    assert root.find(f"{NS}desc").text == (
        "Chỉ số thành phần: 1. Chỉ đạo, điều hành: Sở An 90,00, Bình quân khối 66,67; "
        "2. Thủ tục hành chính: Sở An 100,00, Bình quân khối không áp dụng."
    )
    bars = [r for r in root.iter(f"{NS}rect") if r.get("height") == str(BAR.bar)]
    assert [float(b.get("width")) for b in bars] == [
        pytest.approx(BAR.plot_width * 0.9, abs=0.01),
        pytest.approx(BAR.plot_width * 0.6667, abs=0.01),
        pytest.approx(BAR.plot_width, abs=0.01),
    ]
    # The two series differ by pattern, not colour alone, and the legend names them.
    fills = [b.get("fill") for b in bars]
    assert fills[0] == fills[2] and fills[1] == "url(#areas-hatch)"
    assert root.find(f".//{NS}pattern[@id='areas-hatch']") is not None
    labels = texts(root)
    for shown in ("90,00", "66,67", "100,00", "không áp dụng", "Sở An", "Bình quân khối"):
        assert shown in labels
    # Bars start on the axis.
    assert {b.get("x") for b in bars} == {str(BAR.left)}


def test_long_labels_are_cut_on_the_chart_but_whole_in_the_description():
    name = "8. Tác động của cải cách hành chính đến người dân, tổ chức và phát triển kinh tế"
    root = parse(
        bar_chart(
            [BarGroup(name, (D(50), D(60)))],
            chart_id="long",
            title="t",
            series=("a", "b"),
            number=comma,
            top_value=D(100),
        )
    )
    assert name in root.find(f"{NS}desc").text
    cut = [t for t in texts(root) if t.startswith("8. Tác động")]
    assert cut and cut[0].endswith("…") and len(cut[0]) < len(name)
