"""Charts export as SVG offline."""

from __future__ import annotations

import altair as alt
import pandas as pd

from registry.charts.export import chart_svg


def test_chart_svg_is_an_svg_document_with_the_data() -> None:
    frame = pd.DataFrame({"product": ["KYMRIAH", "NMRC-CD19"], "n": [12, 7]})
    chart = alt.Chart(frame).mark_bar().encode(x="product:N", y="n:Q")
    svg = chart_svg(chart).decode("utf-8")
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "KYMRIAH" in svg and "NMRC-CD19" in svg
