"""Shared renderers for pages."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from pages.ui.text import tr
from registry.charts.leadership import csv_bytes


def chart_with_csv(chart: Any, frame: pd.DataFrame, name: str) -> None:
    """An Altair chart (its menu exports PNG/SVG) and its data as a CSV download."""
    st.altair_chart(chart, width="stretch")
    st.download_button(tr("lead.download_csv"), csv_bytes(frame), file_name=f"{name}.csv",
                       mime="text/csv", key=f"csv_{name}", on_click="ignore",
                       icon=":material/download:")
