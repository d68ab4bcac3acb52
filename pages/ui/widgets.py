"""Shared renderers for pages."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from pages.ui.text import tr
from registry.charts.export import chart_svg
from registry.charts.leadership import csv_bytes


def chart_with_csv(chart: Any, frame: pd.DataFrame, name: str) -> None:
    """An Altair chart (its menu downloads PNG), its SVG and its data as CSV."""
    st.altair_chart(chart, width="stretch")
    left, right, _ = st.columns([1, 1, 3])
    left.download_button(tr("lead.download_csv"), csv_bytes(frame), file_name=f"{name}.csv",
                         mime="text/csv", key=f"csv_{name}", on_click="ignore",
                         icon=":material/download:")
    right.download_button(tr("chart.download_svg"), lambda: chart_svg(chart),
                          file_name=f"{name}.svg", mime="image/svg+xml", key=f"svg_{name}",
                          on_click="ignore", icon=":material/image:")
