"""Chart of the data-quality page (pages/dm_quality.py): unresolved queries by site and age."""

from __future__ import annotations

import altair as alt
import pandas as pd

from registry.services.queries import AGE_BUCKETS

BUCKETS = [label for label, _, _ in AGE_BUCKETS]
BUCKET_COLUMNS = ["age_0_7", "age_8_30", "age_31_90", "age_over_90"]


def ageing_chart(frame: pd.DataFrame, *, labels: dict[str, str], x_title: str, y_title: str,
                 colour_title: str) -> alt.Chart:
    """Unresolved queries per site as bars stacked by age bucket (youngest first)."""
    data = frame.melt(id_vars=["site"], value_vars=BUCKET_COLUMNS, var_name="bucket",
                      value_name="queries")
    data["bucket"] = data["bucket"].map(dict(zip(BUCKET_COLUMNS, BUCKETS, strict=True)))
    data["order"] = data["bucket"].map(BUCKETS.index)
    data["label"] = data["bucket"].map(labels)
    chart: alt.Chart = alt.Chart(data[data["queries"] > 0]).mark_bar().encode(
        x=alt.X("queries:Q", title=x_title, stack="zero", axis=alt.Axis(tickMinStep=1)),
        y=alt.Y("site:N", title=y_title, sort=list(frame["site"])),
        color=alt.Color("label:N", title=colour_title,
                        scale=alt.Scale(domain=[labels[b] for b in BUCKETS],
                                        range=["#1a9850", "#fee08b", "#fc8d59", "#d73027"]),
                        legend=alt.Legend(orient="bottom")),
        order=alt.Order("order:Q"),
        tooltip=[alt.Tooltip("site:N", title=y_title), alt.Tooltip("label:N", title=colour_title),
                 alt.Tooltip("queries:Q", title=x_title)],
    ).properties(height=28 * max(1, len(frame)) + 90)
    return chart
