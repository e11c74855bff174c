"""reports/static/reports/charts.js in Chromium: each report table becomes an ECharts chart, the table stays.

A static page (no server) with the vendored ECharts, its Chinese locale and charts.js loaded like the reports
pages load them: an hbar of three centres with one empty value, a line of twelve months and two series with a gap,
and a percent bar chart (plus stacked and grouped bars). Checked: an SVG chart before each table, the table still
visible, no value drawn for an empty cell, percent axes, the aria label, escaped tooltips, re-rendering, resizing,
axe, and print (tables, no charts). Without ECharts the page keeps its tables and charts.js raises nothing.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "reports" / "static" / "reports"
ECHARTS = STATIC / "vendor" / "echarts" / "echarts.min.js"
LOCALE = STATIC / "vendor" / "echarts" / "langZH.js"
CHARTS = STATIC / "charts.js"
CSS = STATIC / "reports.css"

HOSTILE = "静安区<img src=x onerror=window.__xss=1>"
MONTHS = [f"{m}月" for m in range(1, 13)]

# The pages here need no data, but the `browser` fixture needs the test database (tests/conftest.py makes the test
# centres in it), and pytest-django creates it only when a collected test asks for it: run alone, this file must.
pytestmark = pytest.mark.django_db


def cell(value: float | None, text: str | None = None, attribute: bool = True) -> str:
    shown = html.escape(text if text is not None else ("" if value is None else f"{value:g}"))
    if not attribute:
        return f"<td>{shown}</td>"
    return f'<td data-value="{"" if value is None else value}">{shown}</td>'


def figure(kind: str, caption: str, head: list[str], rows: list[tuple[str, list[str]]], **data: str) -> str:
    attributes = " ".join(f'data-{name.replace("_", "-")}="{html.escape(v)}"' for name, v in data.items())
    header = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in head)
    body = "".join(f'<tr><th scope="row">{html.escape(name)}</th>{"".join(cells)}</tr>' for name, cells in rows)
    return (
        f'<figure class="report-chart" data-chart="{kind}" {attributes}>'
        f"<figcaption>{html.escape(caption)}</figcaption>"
        f'<table class="chart-data"><thead><tr>{header}</tr></thead><tbody>{body}</tbody></table></figure>'
    )


FIGURES = [
    figure(
        "hbar",
        "各中心在册军休干部",
        ["中心", "人数"],
        [("黄浦区军休中心", [cell(12)]), ("普陀区军休中心", [cell(None, "<5")]), (HOSTILE, [cell(30)])],
        unit="人",
        percent="false",
        higher_better="true",
    ),
    figure(
        "line",
        "每月活动参与人次",
        ["月份", "黄浦", "普陀"],
        [
            (month, [cell(10 + i), cell(None, "—", attribute=False) if i == 5 else cell(20 + i)])
            for i, month in enumerate(MONTHS)
        ],
        unit="人",
        percent="false",
    ),
    figure(
        "bar",
        "按时报送率",
        ["中心", "报送率"],
        [("黄浦区军休中心", [cell(0.952, "95.2%")]), ("普陀区军休中心", [cell(0.5, "50%")])],
        unit="%",
        percent="true",
        higher_better="true",
    ),
]


STACKED = [
    figure(
        kind,
        f"{kind} 服务时长",
        ["中心", "上门", "来访"],
        [("黄浦区军休中心", [cell(3.5), cell(1)]), ("普陀区军休中心", [cell(None, "<5"), cell(2)])],
        unit="天",
        percent="false",
    )
    for kind in ("stacked", "stacked-hbar", "bar", "hbar")
]

# As reports/templates/reports/area.html renders them: Django's True/False, "None" for no value, links and
# .stale/.partial markers in the row headers, data-chart-skip columns, a total column without data-value, a tfoot.
AREA = [
    """<figure class="report-chart" data-chart="hbar" data-unit="%" data-percent="True">
  <figcaption>满意度 · 按中心</figcaption>
  <table class="chart-data">
    <thead><tr><th scope="col">中心</th><th scope="col">2026年</th><th scope="col" data-chart-skip>去年同期</th>
      <th scope="col" data-chart-skip>变化</th></tr></thead>
    <tbody>
      <tr><th scope="row"><a href="/c/huangpu/">黄浦区军休中心</a> <span class="partial">部分期间</span></th>
        <td data-value="0.9">90%</td><td data-chart-skip>85%</td><td data-chart-skip class="change good">+5%</td></tr>
      <tr><th scope="row"><a href="/c/putuo/">普陀区军休中心</a> <span class="stale" title="x">未更新</span></th>
        <td data-value="None">—</td><td data-chart-skip>80%</td><td data-chart-skip>—</td></tr>
    </tbody>
    <tfoot><tr><th scope="row">全市</th><td>88%</td><td data-chart-skip>83%</td>
      <td data-chart-skip>+5%</td></tr></tfoot>
  </table>
</figure>""",
    """<figure class="report-chart" data-chart="stacked-hbar" data-unit="人" data-percent="False">
  <figcaption>在册人数 · 按中心</figcaption>
  <table class="chart-data">
    <thead><tr><th scope="col">中心</th><th scope="col">男</th><th scope="col">女</th>
      <th scope="col" class="total">合计</th></tr></thead>
    <tbody>
      <tr><th scope="row">黄浦区军休中心</th><td data-value="30">30</td><td data-value="12">12</td>
        <td class="total">42</td></tr>
      <tr><th scope="row">普陀区军休中心</th><td data-value="20">20</td><td data-value="" class="suppressed">&lt;5</td>
        <td class="total">24</td></tr>
    </tbody>
    <tfoot><tr><th scope="row">全市</th><td>50</td><td>16</td><td class="total">66</td></tr></tfoot>
  </table>
</figure>""",
]


def page_html(with_echarts: bool, figures: list[str] = FIGURES) -> str:
    scripts = [ECHARTS, LOCALE, CHARTS] if with_echarts else [CHARTS]
    tags = "".join(f'<script src="{path.as_uri()}" defer></script>' for path in scripts)
    return (
        '<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>报表</title>'
        f'<link rel="stylesheet" href="{CSS.as_uri()}">{tags}</head>'
        f'<body><main class="reports-main"><h1>报表</h1><p class="as-of">数据截至 2026-05-31</p>{"".join(figures)}'
        "</main></body></html>"
    )


@pytest.fixture
def open_page(browser, tmp_path) -> Iterator:
    """Open the page (file://, scripts deferred as in the templates); yields (page, page errors, console errors)."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1024, "height": 900})

    def opener(with_echarts: bool, figures: list[str] = FIGURES):
        page = context.new_page()
        errors: list[str] = []
        console: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.on("console", lambda message: console.append(message.text) if message.type == "error" else None)
        path = tmp_path / ("charts.html" if with_echarts else "tables.html")
        path.write_text(page_html(with_echarts, figures), encoding="utf-8")
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        return page, errors, console

    try:
        yield opener
    finally:
        context.close()


def svg_texts(page, index: int) -> list[str]:
    texts = page.locator("figure.report-chart").nth(index).locator(".chart-canvas svg text")
    return texts.evaluate_all("nodes => nodes.map(n => n.textContent.trim())")


def option(page, index: int) -> dict:
    return page.evaluate(
        """(i) => {
          const el = document.querySelectorAll('figure.report-chart .chart-canvas')[i];
          return JSON.parse(JSON.stringify(echarts.getInstanceByDom(el).getOption()));
        }""",
        index,
    )


def tooltip(page, index: int, data_index: int, series_index: int = 0) -> str:
    """The text of the tooltip of figure `index` shown at category `data_index` (of a series with a value there)."""
    page.evaluate(
        """([i, d, s]) => {
          const el = document.querySelectorAll('figure.report-chart .chart-canvas')[i];
          echarts.getInstanceByDom(el).dispatchAction({type: 'showTip', seriesIndex: s, dataIndex: d});
        }""",
        [index, data_index, series_index],
    )
    box = page.locator("figure.report-chart").nth(index).locator(".chart-canvas > div").last
    box.wait_for(state="visible")
    return box.inner_text()


def test_each_table_becomes_an_svg_chart_before_it_and_the_table_stays(open_page):
    page, errors, console = open_page(with_echarts=True)
    page.wait_for_function("document.querySelectorAll('figure .chart-canvas svg').length === 3")
    assert page.locator("figure .chart-canvas svg").count() == 3

    for i, caption in enumerate(["各中心在册军休干部", "每月活动参与人次", "按时报送率"]):
        fig = page.locator("figure.report-chart").nth(i)
        canvas = fig.locator(".chart-canvas")
        table = fig.locator("table.chart-data")
        assert canvas.count() == 1
        assert table.is_visible()
        # The chart sits just before its table, and the table is below the chart, not covered by it.
        assert canvas.evaluate("el => el.nextElementSibling.matches('table.chart-data')")
        chart_box, table_box = canvas.bounding_box(), table.bounding_box()
        assert chart_box["height"] >= 140
        assert table_box["height"] > 0
        assert table_box["y"] >= chart_box["y"] + chart_box["height"] - 1
        assert canvas.get_attribute("role") == "img"
        label = canvas.get_attribute("aria-label")
        assert label and label.startswith(caption)
        assert "chart-ready" in fig.get_attribute("class")

    hbar = option(page, 0)
    assert hbar["series"][0]["type"] == "bar"
    assert hbar["series"][0]["data"] == [12, None, 30]  # the empty value is no value, not 0
    assert hbar["yAxis"][0]["type"] == "category"
    assert hbar["yAxis"][0]["data"][2] == HOSTILE
    assert hbar["yAxis"][0]["inverse"] is True  # the table's order, top-down
    assert not hbar["legend"][0]["show"]  # one series: no legend
    assert hbar["aria"]["enabled"] is True
    assert hbar["aria"]["decal"]["show"] is False
    texts = svg_texts(page, 0)
    assert "12人" in texts and "30人" in texts
    assert "0人" not in texts  # no bar, so no label, for the empty value
    assert any("黄浦区军休中心" in t for t in texts)
    assert "数值越高越好" in page.locator("figure .chart-canvas").first.get_attribute("aria-label")

    line = option(page, 1)
    assert [s["name"] for s in line["series"]] == ["黄浦", "普陀"]
    assert all(s["type"] == "line" for s in line["series"])
    assert line["xAxis"][0]["data"] == MONTHS
    assert line["series"][0]["data"] == [10 + i for i in range(12)]
    assert line["series"][1]["data"][5] is None  # a cell without data-value
    assert line["series"][1]["data"][6] == 26
    assert line["legend"][0]["show"] is True

    percent = option(page, 2)
    assert percent["series"][0]["data"] == [0.952, 0.5]
    assert percent["yAxis"][0]["max"] == 1
    labels = svg_texts(page, 2)
    assert "100%" in labels and "50%" in labels  # axis labels as percentages
    assert "95.2%" in labels  # the bar's own label

    # The tooltip shows hostile names as text, and a series without a value as the table's own text.
    assert HOSTILE in tooltip(page, 0, 2)
    assert page.evaluate("window.__xss") is None
    shown = tooltip(page, 1, 5)
    assert "6月" in shown and "黄浦：15人" in shown and "普陀：—" in shown

    assert errors == [] and console == []


def test_the_charted_page_passes_axe(open_page):
    from axe_playwright_python.sync_playwright import Axe

    page, _, _ = open_page(with_echarts=True)
    page.wait_for_function("document.querySelectorAll('figure .chart-canvas svg').length === 3")
    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21aa", "wcag22aa"]}}
    violations = Axe().run(page, options=options).response["violations"]
    assert [(v["id"], [n["target"] for n in v["nodes"]]) for v in violations] == []


def test_the_hbar_grows_with_its_rows_and_charts_follow_the_window(open_page):
    page, errors, _ = open_page(with_echarts=True)
    page.wait_for_function("document.querySelectorAll('figure .chart-canvas svg').length === 3")
    canvas = page.locator("figure .chart-canvas").first
    three_rows = canvas.bounding_box()["height"]

    page.evaluate(
        """() => {
          const body = document.querySelector('figure.report-chart tbody');
          for (let i = 0; i < 13; i++) {
            const row = body.rows[0].cloneNode(true);
            row.cells[0].textContent = '中心' + i;
            body.appendChild(row);
          }
          window.junxiuCharts.render(document);
        }"""
    )
    assert page.locator("figure .chart-canvas").count() == 3  # re-rendered, not duplicated
    assert page.locator("figure .chart-canvas svg").count() == 3
    sixteen_rows = canvas.bounding_box()["height"]
    assert sixteen_rows >= 16 * 28 and sixteen_rows > three_rows  # 28px a row (the CSS keeps at least 260px)
    assert option(page, 0)["series"][0]["data"][:3] == [12, None, 30]

    width = page.locator("figure .chart-canvas svg").first.evaluate("svg => svg.getBoundingClientRect().width")
    page.set_viewport_size({"width": 600, "height": 900})
    page.wait_for_function(
        "(w) => document.querySelector('figure .chart-canvas svg').getBoundingClientRect().width < w - 100", arg=width
    )
    assert errors == []


def test_stacked_and_grouped_bars(open_page):
    page, errors, console = open_page(True, STACKED)
    page.wait_for_function("document.querySelectorAll('figure .chart-canvas svg').length === 4")
    for i, (stacked, horizontal) in enumerate([(True, False), (True, True), (False, False), (False, True)]):
        chart = option(page, i)
        assert [s["name"] for s in chart["series"]] == ["上门", "来访"]
        assert chart["series"][0]["data"] == [3.5, None]
        assert all(s.get("stack") == ("total" if stacked else None) for s in chart["series"])
        assert chart["yAxis" if horizontal else "xAxis"][0]["type"] == "category"
        assert chart["legend"][0]["show"] is True
        assert "单位：天" in svg_texts(page, i)
    shown = tooltip(page, 1, 1, series_index=1)
    assert "普陀区军休中心" in shown and "上门：<5" in shown and "来访：2天" in shown
    assert errors == [] and console == []


def test_the_markup_of_the_reports_templates(open_page):
    page, errors, console = open_page(True, AREA)
    page.wait_for_function("document.querySelectorAll('figure .chart-canvas svg').length === 2")

    rate = option(page, 0)
    assert [s["name"] for s in rate["series"]] == ["2026年"]  # no data-chart-skip column, no tfoot
    assert rate["series"][0]["data"] == [0.9, None]  # "None" is no value
    assert rate["yAxis"][0]["data"] == ["黄浦区军休中心（部分期间）", "普陀区军休中心（未更新）"]
    assert rate["xAxis"][0]["max"] == 1  # data-percent="True" as Django writes it
    assert "90%" in svg_texts(page, 0) and "100%" in svg_texts(page, 0)

    stacked = option(page, 1)
    assert [s["name"] for s in stacked["series"]] == ["男", "女"]  # the total column has no data-value
    assert stacked["series"][1]["data"] == [12, None]
    assert all(s["stack"] == "total" for s in stacked["series"])
    assert "全市" not in stacked["yAxis"][0]["data"]
    assert errors == [] and console == []


def test_without_echarts_the_tables_remain_and_nothing_fails(open_page):
    page, errors, console = open_page(with_echarts=False)
    page.wait_for_function("window.junxiuCharts && typeof window.junxiuCharts.render === 'function'")
    page.evaluate("window.junxiuCharts.render(document)")
    assert page.evaluate("typeof window.echarts") == "undefined"
    assert page.locator(".chart-canvas").count() == 0
    tables = page.locator("figure.report-chart table.chart-data")
    assert tables.count() == 3
    for i in range(3):
        assert tables.nth(i).is_visible()
    assert "<5" in tables.first.inner_text()
    assert errors == [] and console == []


def test_print_shows_the_tables_and_the_as_of_line_but_no_charts(open_page):
    page, errors, _ = open_page(with_echarts=True)
    page.wait_for_function("document.querySelectorAll('figure .chart-canvas svg').length === 3")
    page.emulate_media(media="print")
    assert not page.locator("figure .chart-canvas").first.is_visible()
    assert page.locator("figure table.chart-data").first.is_visible()
    assert page.locator(".as-of").is_visible()
    assert page.locator("figure thead").first.evaluate("el => getComputedStyle(el).display") == "table-header-group"
    assert errors == []
