"""Leadership: enrolment by product and site, apheresed vs infused, follow-up, completeness."""


import streamlit as st

from pages.ui.state import require_actor, session_scope
from pages.ui.text import dmy, lang, tr
from pages.ui.widgets import chart_with_csv
from registry import RegistryError, today
from registry.charts import leadership as charts
from registry.i18n import message_text
from registry.services.leadership import overview

PERIODS = ["month", "quarter", "year"]
ALL = "ALL"




actor = require_actor()
st.title(tr("lead.overview.title"))
st.caption(tr("lead.caption"))
period = st.segmented_control(tr("lead.period"), PERIODS, default="quarter",
                              format_func=lambda p: tr(f"lead.period.{p}"),
                              key="lead_period") or "quarter"
try:
    with session_scope() as session:
        data = overview(session=session, actor=actor, as_of=today(), period=period)
except RegistryError as exc:
    st.error(message_text(exc, lang()))
    st.stop()

threshold = f"{data.threshold:.0%}"
by_site = data.completeness_by_site
flagged = by_site.loc[by_site["flagged"].eq(True), "site_code"].tolist()
totals = data.treatment[data.treatment["product_code"] == ALL].iloc[0]
followup_all = charts.display_table(data.followup[data.followup["product_code"] == ALL],
                                    {"median_months": "m"}, decimals={"median_months": 1})
for column, (label, value) in zip(st.columns(4), [
    (tr("lead.metric.apheresed"), totals["apheresed"]),
    (tr("lead.metric.infused"), totals["infused"]),
    (tr("lead.metric.followup"), followup_all["m"].iloc[0]),
    (tr("lead.metric.flagged", threshold=threshold), len(flagged)),
], strict=True):
    column.metric(label, str(value))
st.caption(tr("lead.as_of", date=dmy(data.as_of)) + " · " + tr("lead.charts_omit"))

st.subheader(tr("lead.overview.enrolment"))
chart_with_csv(charts.enrolment_chart(data.enrolment, period=period, quarter=tr("lead.quarter"),
                                      x_title=tr("lead.axis.period"),
                                      y_title=tr("lead.axis.apheresed"),
                                      color_title=tr("lead.col.product")),
               data.enrolment, f"enrolment_by_product_{period}")

st.subheader(tr("lead.overview.enrolment_site"))
chart_with_csv(charts.enrolment_heatmap(data.enrolment_by_site, period=period,
                                        quarter=tr("lead.quarter"),
                                        x_title=tr("lead.axis.period"),
                                        y_title=tr("lead.col.site"),
                                        color_title=tr("lead.axis.apheresed")),
               data.enrolment_by_site, f"enrolment_by_site_{period}")
with st.expander(tr("lead.table")):
    st.dataframe(charts.site_period_table(data.enrolment_by_site, period=period,
                                          quarter=tr("lead.quarter"), site=tr("lead.col.site")),
                 hide_index=True)

st.subheader(tr("lead.overview.treatment"))
st.dataframe(charts.display_table(
    data.treatment.replace({"product_code": {ALL: tr("lead.product.all")}}), {
        "product_code": tr("lead.col.product"), "product_name": tr("lead.col.product_name"),
        "apheresed": tr("lead.col.apheresed"), "infused": tr("lead.col.infused"),
        "not_infused": tr("lead.col.not_infused"), "in_process": tr("lead.col.in_process"),
        "infused_share": tr("lead.col.infused_share"),
    }, percent=["infused_share"]), hide_index=True)

st.subheader(tr("lead.overview.followup"))
st.dataframe(charts.display_table(
    data.followup.replace({"product_code": {ALL: tr("lead.product.all")}}), {
        "product_code": tr("lead.col.product"), "infused": tr("lead.col.infused"),
        "deaths": tr("lead.col.deaths"), "median_months": tr("lead.col.median_months"),
        "ci_lower_months": tr("lead.col.ci_lower"), "ci_upper_months": tr("lead.col.ci_upper"),
    }, decimals=dict.fromkeys(["median_months", "ci_lower_months", "ci_upper_months"], 1)),
    hide_index=True)
st.caption(tr("lead.overview.followup_note"))

st.subheader(tr("lead.overview.completeness"))
st.caption(tr("lead.overview.completeness_note", threshold=threshold))
if flagged:
    st.warning(tr("lead.overview.flagged", threshold=threshold, sites=", ".join(flagged)))
else:
    st.success(tr("lead.overview.none_flagged", threshold=threshold))
chart_with_csv(charts.completeness_heatmap(data.completeness, threshold=data.threshold,
                                           x_title=tr("lead.col.timepoint"),
                                           y_title=tr("lead.col.site"),
                                           color_title=tr("lead.col.completeness")),
               data.completeness, "completeness_by_site_timepoint")
st.markdown(f"**{tr('lead.overview.by_site')}**")
st.dataframe(charts.display_table(by_site, {
    "site_code": tr("lead.col.site"), "site_name": tr("lead.col.site_name"),
    "expected": tr("lead.col.expected"), "received": tr("lead.col.received"),
    "overdue": tr("lead.col.overdue"), "completeness": tr("lead.col.completeness"),
    "flagged": tr("lead.col.flagged"),
}, percent=["completeness"]), hide_index=True, height="content")
