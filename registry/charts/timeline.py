"""A patient's recorded events on one time axis."""

from __future__ import annotations

import altair as alt
import pandas as pd

KIND_ORDER = ["apheresis", "lot_start", "lot_release", "infusion", "not_infused", "followup",
              "ae", "death"]


def patient_timeline_chart(events: pd.DataFrame, *, kind_title: str = "",
                           date_title: str = "") -> alt.LayerChart:
    """Points on a date axis, one row per kind of event, labelled.

    Parameters
    ----------
    events : DataFrame with columns ``when`` (date), ``kind`` (one of KIND_ORDER),
        ``kind_label`` (shown on the axis) and ``label`` (the tooltip/annotation).
    """
    frame = events.assign(when=pd.to_datetime(events["when"]))
    order = [k for k in KIND_ORDER if k in set(frame["kind"])]
    labels = frame.drop_duplicates("kind").set_index("kind")["kind_label"].to_dict()
    sort = [labels[k] for k in order]
    base = alt.Chart(frame).encode(
        x=alt.X("when:T", title=date_title, scale=alt.Scale(padding=60),
                axis=alt.Axis(format="%d.%m.%Y", labelAngle=0)),
        y=alt.Y("kind_label:N", title=kind_title, sort=sort, axis=alt.Axis(labelLimit=220)),
        color=alt.Color("kind:N", legend=None, scale=alt.Scale(domain=KIND_ORDER)),
        tooltip=[alt.Tooltip("when:T", format="%d.%m.%Y"), "kind_label:N", "label:N"],
    )
    points = base.mark_point(filled=True, size=120)
    text = base.mark_text(dy=-12, fontSize=11).encode(text="label:N")
    layered: alt.LayerChart = (points + text).properties(height=max(160, 48 * len(order)))
    return layered
