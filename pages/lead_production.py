"""Leadership: vein-to-vein and manufacturing time, QC pass rate, attrition by product."""


import streamlit as st

from pages.ui.state import require_actor, session_scope
from pages.ui.text import label, lang, tr
from pages.ui.widgets import chart_with_csv
from registry import RegistryError
from registry.charts import leadership as charts
from registry.i18n import message_text
from registry.models.enums import NotInfusedReason
from registry.services.leadership import NOT_INFUSED_PENDING, production

SPREAD = ["n", "median", "q1", "q3", "p10", "p90"]




actor = require_actor()
st.title(tr("lead.production.title"))
st.caption(tr("lead.caption"))
try:
    with session_scope() as session:
        data = production(session=session, actor=actor)
except RegistryError as exc:
    st.error(message_text(exc, lang()))
    st.stop()
st.caption(tr("lead.charts_omit"))

for metric, title in (("vein_to_vein", "lead.production.v2v"),
                      ("turnaround", "lead.production.turnaround")):
    st.subheader(tr(title))
    spread = data.durations[data.durations["metric"] == metric]
    histogram = data.histogram[data.histogram["metric"] == metric]
    left, right = st.columns([3, 2])
    with left:
        st.caption(tr("lead.production.histogram_note", days=data.bin_days))
        chart_with_csv(charts.histogram_chart(histogram, x_title=tr("lead.axis.days"),
                                              y_title=tr("lead.axis.episodes"
                                                         if metric == "vein_to_vein"
                                                         else "lead.axis.lots")),
                       histogram, f"{metric}_histogram")
    with right:
        st.caption(tr("lead.production.spread_note"))
        chart_with_csv(charts.spread_chart(spread, x_title=tr("lead.axis.days"),
                                           y_title=tr("lead.col.product")),
                       spread, f"{metric}_summary")
    st.dataframe(charts.display_table(spread, {
        "product_code": tr("lead.col.product"), **{c: tr(f"lead.col.{c}") for c in SPREAD},
    }, decimals=dict.fromkeys(SPREAD[1:], 0)), hide_index=True)

st.subheader(tr("lead.production.qc"))
st.caption(tr("lead.production.qc_note"))
chart_with_csv(charts.rate_chart(data.qc.assign(measure="qc"), category="measure",
                                 category_labels={"qc": tr("lead.measure.qc")}, zero=False,
                                 x_title=tr("lead.axis.rate_ci"),
                                 color_title=tr("lead.col.product")),
               data.qc, "qc_pass_rate")
st.dataframe(charts.display_table(data.qc, {
    "product_code": tr("lead.col.product"), "lots": tr("lead.col.lots"),
    "qc_tested": tr("lead.col.qc_tested"), "numerator": tr("lead.col.qc_passed"),
    "rate": tr("lead.col.rate"), "ci_lower": tr("lead.col.ci_lower"),
    "ci_upper": tr("lead.col.ci_upper"), "out_of_spec": tr("lead.col.out_of_spec"),
    "manufacturing_failed": tr("lead.col.manufacturing_failed"),
}, percent=["rate", "ci_lower", "ci_upper"]), hide_index=True)

st.subheader(tr("lead.production.funnel"))
stages = {s: tr(f"lead.stage.{s}") for s in ("apheresed", "lot_released", "infused")}
chart_with_csv(charts.funnel_chart(data.funnel, stage_labels=stages,
                                   x_title=tr("lead.axis.episodes"),
                                   color_title=tr("lead.col.product")),
               data.funnel, "attrition_funnel")
st.markdown(f"**{tr('lead.production.reasons')}**")
reasons = {r.value: label(r) for r in NotInfusedReason} | {
    NOT_INFUSED_PENDING: tr("lead.reason.pending")}
st.dataframe(charts.wide_table(data.not_infused, index="reason", columns="product_code",
                               values="episodes", index_title=tr("lead.col.reason"),
                               labels=reasons), hide_index=True)
