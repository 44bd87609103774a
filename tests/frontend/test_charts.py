"""Server-side SVG charts: well-formed XML, one bar or point per value, accessible names, and
nothing the Content-Security-Policy would block."""

import xml.etree.ElementTree as ET

from frontend.charts import Chart, Series, bar_chart, line_chart, nice_ticks
from marketplace.core.money import format_yuan

SVG = "{http://www.w3.org/2000/svg}"


def _chart(**overrides) -> Chart:
    values = {
        "chart_id": "chart-test",
        "title": "各街道志愿服务时长",
        "description": "已确认的时长,单位:小时。",
        "categories": ["甲街道", "乙街道", "丙街道"],
        "series": [Series("服务时长", [12, 0, 30.5])],
        "x_label": "街道",
        "y_label": "时长(小时)",
    }
    values.update(overrides)
    return Chart(**values)


def _parse(chart: Chart) -> ET.Element:
    return ET.fromstring(str(chart.svg))


def test_a_bar_chart_is_well_formed_with_one_bar_per_value():
    root = _parse(bar_chart(_chart()))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "chart-test-title chart-test-desc"
    assert root.find(f"{SVG}title").text == "各街道志愿服务时长"
    assert root.find(f"{SVG}desc").text == "已确认的时长,单位:小时。"
    bars = root.findall(f".//{SVG}rect[@class='bar']")
    assert [(b.get("data-category"), b.get("data-value")) for b in bars] == [
        ("甲街道", "12"),
        ("乙街道", "0"),
        ("丙街道", "30.5"),
    ]
    # Taller bar for the larger value; each bar names its value for a pointer or screen reader.
    heights = [float(b.get("height")) for b in bars]
    assert heights[2] > heights[0] > heights[1] == 0
    assert bars[0].find(f"{SVG}title").text == "甲街道 服务时长:12"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert {"甲街道", "乙街道", "丙街道", "街道", "时长(小时)"} <= set(texts)


def test_grouped_bars_and_a_legend_for_several_series():
    chart = bar_chart(_chart(series=[Series("筹款", [1, 2, 3]), Series("拨付", [3, 2, 1])]))
    root = _parse(chart)
    bars = root.findall(f".//{SVG}rect[@class='bar']")
    assert len(bars) == 6
    assert {b.get("fill") for b in bars if b.get("data-series") == "筹款"} != {
        b.get("fill") for b in bars if b.get("data-series") == "拨付"
    }
    assert {"筹款", "拨付"} <= {t.text for t in root.iter(f"{SVG}text")}


def test_a_line_chart_has_a_line_per_series_and_a_point_per_value_in_yuan():
    chart = line_chart(
        _chart(
            categories=["2026-01", "2026-02"],
            series=[Series("筹款", [1_000_000, 250_000]), Series("拨付", [0, 500_000])],
            fmt=format_yuan,
        )
    )
    root = _parse(chart)
    assert len(root.findall(f".//{SVG}polyline")) == 2
    points = root.findall(f".//{SVG}circle[@class='point']")
    assert [(p.get("data-series"), p.get("data-value")) for p in points] == [
        ("筹款", "1000000"),
        ("筹款", "250000"),
        ("拨付", "0"),
        ("拨付", "500000"),
    ]
    assert points[0].find(f"{SVG}title").text == "2026-01 筹款:¥10,000.00"
    # The y axis is labelled in yuan.
    assert "¥0.00" in {t.text for t in root.iter(f"{SVG}text")}
    assert chart.table_rows == [("2026-01", ["¥10,000.00", "¥0.00"]), ("2026-02", ["¥2,500.00", "¥5,000.00"])]


def test_no_inline_style_or_script_and_text_is_escaped():
    chart = bar_chart(_chart(categories=["<script>alert(1)</script>", "a&b", '"q"']))
    svg = str(chart.svg)
    assert "<script" not in svg
    assert "style=" not in svg
    root = _parse(chart)  # still well-formed with the markup characters escaped
    assert root.findall(f".//{SVG}rect[@class='bar']")[0].get("data-category") == "<script>alert(1)</script>"
    for element in root.iter():
        assert "style" not in element.attrib
        assert not any(name.startswith("on") for name in element.attrib)


def test_an_all_zero_chart_still_draws_and_says_it_is_empty():
    chart = bar_chart(_chart(series=[Series("服务时长", [0, 0, 0])]))
    _parse(chart)
    assert chart.is_empty
    assert not _chart().is_empty


def test_nice_ticks():
    assert nice_ticks(0) == [0, 1]
    assert nice_ticks(30.5) == [0, 10, 20, 30, 40]
    assert nice_ticks(1_000_000) == [0, 250_000, 500_000, 750_000, 1_000_000]
    assert nice_ticks(3) == [0, 1, 2, 3]
    assert nice_ticks(0.5)[-1] >= 0.5
