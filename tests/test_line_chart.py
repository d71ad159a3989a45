"""The chart and table drawn as markup (display/line_chart.py, display/tables.py), and the first
page without the elements whose scripts made a first load heavy: no data grid (st.dataframe)
and no Vega chart."""

import re

import pytest

from display.line_chart import line_chart_html, nice_ticks
from display.tables import compact_table_html
from tests.apptest_support import start_app


def _polylines(html: str) -> list[list[tuple[float, float]]]:
    return [
        [tuple(float(v) for v in point.split(",")) for point in points.split()]
        for points in re.findall(r'<polyline points="([^"]+)"', html)
    ]


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [(0, 1, [0, 0.25, 0.5, 0.75, 1]), (0, 938, [0, 250, 500, 750]), (0.02, 0.31, [0.1, 0.2, 0.3])],
)
def test_ticks_are_round_and_inside_the_range(low, high, expected):
    assert nice_ticks(low, high) == pytest.approx(expected)


def test_ticks_step_evenly_for_any_range():
    for low, high in [(0, 7), (3, 3000), (-2.5, 0.4), (0.9, 0.95), (1, 15)]:
        ticks = nice_ticks(low, high)
        steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:], strict=False)}
        assert 2 <= len(ticks) <= 7 and len(steps) == 1, (low, high, ticks)
        assert low - 1e-9 <= ticks[0] and ticks[-1] <= high + 1e-9


def test_the_lines_and_the_mark_sit_where_their_values_are():
    html = line_chart_html(
        [0, 10, 40],
        {"accuracy": [0.1, 0.5, 1.0], "loss": [1.0, 0.25, 0.0]},
        x_title="step",
        y_title="so far",
        description="two curves",
        y_domain=(0.0, 1.0),
        percent=True,
        marked_x=10,
        points=True,
    )
    accuracy, loss = _polylines(html)
    # x: 0-40 across 0-1000; y: 1.0 at the top (0), 0 at the bottom (1000)
    assert accuracy == [(0, 900), (250, 500), (1000, 0)]
    assert loss == [(0, 0), (250, 750), (1000, 1000)]
    assert re.search(r'<path d="M250.0 0V1000" stroke="#d62728"', html)
    assert "step 10: accuracy 50%" in html  # the point's hover text
    assert ">25%</span>" in html and 'role="img" aria-label="two curves"' in html


def test_names_are_escaped():
    html = line_chart_html([0, 1], {"<b>x</b>": [0, 1]}, x_title="a&b", y_title="y", description='"q"')
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html and "a&amp;b" in html
    assert 'aria-label="&quot;q&quot;"' in html


def test_a_single_point_or_flat_line_still_draws():
    html = line_chart_html([5], {"flat": [0.5]}, x_title="x", y_title="y", description="one point")
    assert len(_polylines(html)[0]) == 1


def test_the_table_aligns_numbers_and_escapes_text():
    html = compact_table_html([{"layer": "a<b", "parameters": 93322}, {"layer": "pool", "parameters": 0}], "Layers")
    assert html.startswith('<div role="region" aria-label="Layers" tabindex="0"')  # scrolled by keyboard too
    header, first, second = re.findall(r"<tr>(.*?)</tr>", html)
    assert re.findall(r'<th style="text-align:(\w+)[^>]*>([^<]*)</th>', header) == [
        ("left", "layer"),
        ("right", "parameters"),
    ]
    assert re.findall(r"<td[^>]*>([^<]*)</td>", first) == ["a&lt;b", "93,322"]
    assert re.findall(r"<td[^>]*>([^<]*)</td>", second) == ["pool", "0"]


def test_the_first_page_has_no_data_grid_and_no_vega_chart(canvas, model_copy):
    # st.dataframe and Vega charts each make the browser fetch a large script (161 KB and 272 KB
    # gzipped) on the first load; the first page shows its tables and curve without them.
    app = start_app()
    assert not app.get("dataframe") and not app.get("vega_lite_chart")
    assert any('class="compact-table"' in m.value and ">conv3</td>" in m.value for m in app.sidebar.markdown)
    curve = [m.value for m in app.main.markdown if 'class="line-chart"' in m.value]
    assert len(curve) == 1 and "marked: step" in curve[0]
    app.select_slider(key="learning_step_convnet").set_value(0).run()
    curve = [m.value for m in app.main.markdown if 'class="line-chart"' in m.value]
    assert "marked: before the first step" in curve[0]
    assert re.search(r'<path d="M0.0 0V1000" stroke="#d62728"', curve[0])  # the mark moved to step 0
