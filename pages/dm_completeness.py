"""Data manager: follow-up completeness by site and timepoint, overdue forms and the days
from assessment to data entry; sites under the threshold flagged."""

import pandas as pd
import streamlit as st

from pages.ui import forms
from pages.ui.state import require_actor, session_scope
from pages.ui.text import dmy, lang, tr
from pages.ui.widgets import chart_with_csv
from registry import InvalidInput, RegistryError, today
from registry.charts.leadership import completeness_heatmap, csv_bytes, display_table
from registry.i18n import error_text, message_text
from registry.services.completeness import completeness_report, completeness_threshold

actor = require_actor()
st.title(tr("dm.completeness.title"))
try:
    setting = completeness_threshold()
except InvalidInput as exc:  # the portal's settings are broken: say which
    st.error(tr("dm.completeness.bad_setting", problem=error_text(exc.errors[0], lang())))
    st.stop()

left, right = st.columns(2)
percent = left.number_input(tr("dm.completeness.threshold"), min_value=1, max_value=100,
                            value=round(setting * 100), step=1, key="dm_completeness_threshold",
                            help=tr("dm.completeness.threshold_help",
                                    default=f"{setting:.0%}"))
with right:
    as_of = forms.date_input(tr("dm.completeness.as_of"), key="dm_completeness_as_of",
                             value=today())
if as_of is None:
    st.info(tr("dm.completeness.pick_date"))
    st.stop()
try:
    with session_scope() as session:
        report = completeness_report(session=session, actor=actor, as_of=as_of,
                                     threshold=int(percent) / 100)
except RegistryError as exc:
    st.error(message_text(exc, lang()))
    st.stop()

by_site, cells = report.by_site, report.by_site_timepoint
threshold = f"{report.threshold:.0%}"
expected, received = int(by_site["expected"].sum()), int(by_site["received"].sum())
flagged = by_site.loc[by_site["flagged"], "site_code"].tolist()
for column, (label, value) in zip(st.columns(4), [
    (tr("dm.completeness.metric.expected"), str(expected)),
    (tr("dm.completeness.metric.overdue"), str(int(by_site["overdue"].sum()))),
    (tr("dm.completeness.metric.overall"), f"{received / expected:.1%}" if expected else "–"),
    (tr("dm.completeness.metric.flagged", threshold=threshold), str(len(flagged))),
], strict=True):
    column.metric(label, value)
st.caption(tr("dm.completeness.rules", date=dmy(report.as_of)))
if flagged:
    st.warning(tr("dm.completeness.flagged", threshold=threshold, sites=", ".join(flagged)))
elif expected:
    st.success(tr("dm.completeness.none_flagged", threshold=threshold))

st.subheader(tr("dm.completeness.by_site"))
marked = by_site.assign(mark=["⚠" if f else "" for f in by_site["flagged"]])
st.dataframe(display_table(marked, {
    "mark": " ", "site_code": tr("col.site"), "site_name": tr("dm.completeness.col.name"),
    "expected": tr("dm.completeness.col.expected"),
    "received": tr("dm.completeness.col.received"),
    "overdue": tr("dm.completeness.col.overdue"),
    "completeness": tr("dm.completeness.col.completeness"),
    "entered": tr("dm.completeness.col.entered"),
    "median_entry_days": tr("dm.completeness.col.median_entry"),
    "p90_entry_days": tr("dm.completeness.col.p90_entry"),
}, percent=["completeness"], decimals={"median_entry_days": 1, "p90_entry_days": 1}),
    hide_index=True, key="dm_completeness_sites")
st.caption(tr("dm.completeness.timeliness_note"))
st.download_button(tr("lead.download_csv"), csv_bytes(by_site),
                   file_name=f"completeness_by_site_{report.as_of:%Y%m%d}.csv", mime="text/csv",
                   key="csv_dm_completeness_by_site", on_click="ignore",
                   icon=":material/download:")

st.subheader(tr("dm.completeness.heatmap"))
if cells.empty:
    st.info(tr("dm.completeness.nothing_expected"))
    st.stop()
chart_with_csv(completeness_heatmap(
    cells, threshold=report.threshold, x_title=tr("col.timepoint"), y_title=tr("col.site"),
    color_title=tr("dm.completeness.col.completeness")), cells,
    f"completeness_by_site_timepoint_{report.as_of:%Y%m%d}")
with st.expander(tr("dm.completeness.overdue_table")):
    overdue = cells.pivot(index="site_code", columns="timepoint", values="overdue")
    order = cells.drop_duplicates("timepoint").sort_values("timepoint_order")["timepoint"]
    overdue = overdue.reindex(columns=list(order)).fillna(0).astype(int)
    st.dataframe(pd.DataFrame(overdue).rename_axis(tr("col.site")), key="dm_overdue_table")
