"""Charts as files: SVG rendered offline (vl-convert, no browser, no network)."""

from __future__ import annotations

from typing import Any


def chart_svg(chart: Any) -> bytes:
    """An Altair chart as an SVG document (UTF-8 bytes).

    Streamlit's chart menu already downloads PNG; this gives the vector version for reports.
    """
    import vl_convert

    svg: str = vl_convert.vegalite_to_svg(chart.to_json())
    return svg.encode("utf-8")
