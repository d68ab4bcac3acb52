"""Leadership: OS and PFS/EFS by product (KM, numbers at risk, medians, landmarks, log-rank)
per indication, mITT or ITT, beside the imported product's published figures."""

import pandas as pd
import streamlit as st

from pages.ui.state import require_actor, session_scope
from pages.ui.text import dmy, lang, tr
from pages.ui.widgets import chart_with_csv
from registry import RegistryError, today
from registry.charts import leadership as tables
from registry.charts import outcomes as charts
from registry.i18n import message_text
from registry.models.enums import Indication
from registry.services.outcomes import RISK_MONTHS, outcomes

ALL = "all"
CI = ["median_months", "median_lower", "median_upper"]


def p_text(p: float) -> str:
    return "<0.001" if p < 0.001 else f"{p:.3f}"


actor = require_actor()
st.title(tr("lead.outcomes.title"))
st.caption(tr("lead.caption"))
left, middle, right = st.columns([3, 3, 2])
endpoint = left.segmented_control(
    tr("lead.outcomes.endpoint"), ["os", "pfs_efs"], default="os",
    format_func=lambda e: tr(f"lead.outcomes.choice.{e}"), key="outcomes_endpoint") or "os"
origin = middle.segmented_control(
    tr("lead.outcomes.origin"), ["infusion", "apheresis"], default="infusion",
    format_func=lambda o: tr(f"lead.outcomes.origin.{o}"), key="outcomes_origin") or "infusion"
indication = right.selectbox(
    tr("lead.outcomes.indication"), [ALL, *(i.value for i in Indication)],
    format_func=lambda v: tr("lead.outcomes.indication.all") if v == ALL else v,
    key="outcomes_indication")
try:
    with session_scope() as session:
        data = outcomes(session=session, actor=actor, endpoint=endpoint, origin=origin,
                        indication=None if indication == ALL else indication, as_of=today())
except RegistryError as exc:
    st.error(message_text(exc, lang()))
    st.stop()

products = data.summary["product_code"].tolist()
name = tr(f"lead.outcomes.endpoint.{data.endpoint_label}")
st.caption(" · ".join([tr(f"lead.outcomes.origin_note.{origin}"),
                       tr("lead.as_of", date=dmy(data.as_of)), tr("lead.outcomes.scenario")]))

st.subheader(tr("lead.outcomes.km", endpoint=name))
hidden = data.summary.loc[data.summary["status"] == "suppressed", "product_code"].tolist()
if hidden:
    st.info(tr("lead.outcomes.suppressed", products=", ".join(hidden)))
published = tr("lead.outcomes.published")
km_data = pd.concat([data.curves.assign(series="km"), data.at_risk.assign(series="at_risk"),
                     data.benchmarks.assign(series="published")], ignore_index=True)
chart_with_csv(charts.km_chart(data.curves, data.at_risk, data.benchmarks, products=products,
                               months=RISK_MONTHS,
                               x_title=tr(f"lead.outcomes.axis.months.{origin}"),
                               y_title=tr("lead.outcomes.axis.survival"),
                               risk_title=tr("lead.outcomes.at_risk"),
                               color_title=tr("lead.col.product"), benchmark_label=published),
               km_data, f"km_{data.endpoint_label}_{origin}_{indication}")
st.caption(tr("lead.outcomes.km_note"))

logrank = data.logrank.iloc[0]
if logrank["status"] == "done":
    st.markdown(tr("lead.outcomes.logrank", products=logrank["products"],
                   statistic=f"{logrank['statistic']:.2f}", df=int(logrank["df"]),
                   p=p_text(float(logrank["p_value"]))))
else:
    st.markdown(tr(f"lead.outcomes.logrank.{logrank['status']}"))
st.caption(tr("lead.outcomes.logrank_note"))

st.subheader(tr("lead.outcomes.summary"))
summary = data.summary.assign(status=[tr(f"lead.outcomes.status.{s}")
                                      for s in data.summary["status"]])
st.dataframe(tables.display_table(summary, {
    "product_code": tr("lead.col.product"), "status": tr("lead.outcomes.col.status"),
    "n": tr("lead.col.n"), "events": tr("lead.outcomes.col.events"),
    "median_months": tr("lead.outcomes.col.median"), "median_lower": tr("lead.col.ci_lower"),
    "median_upper": tr("lead.col.ci_upper"), "truncated_months": tr("lead.outcomes.col.truncated"),
}, decimals=dict.fromkeys([*CI, "truncated_months"], 1)), hide_index=True)
st.caption(tr("lead.outcomes.median_note"))

st.subheader(tr("lead.outcomes.landmarks"))
month_label = tr("lead.outcomes.month_label")
chart_with_csv(charts.landmark_chart(data.landmarks, data.benchmarks, products=products,
                                     month_label=month_label,
                                     y_title=tr("lead.outcomes.axis.survival"),
                                     color_title=tr("lead.col.product"),
                                     benchmark_label=published),
               data.landmarks, f"landmarks_{data.endpoint_label}_{origin}_{indication}")
st.dataframe(tables.display_table(data.landmarks, {
    "product_code": tr("lead.col.product"), "month": tr("lead.outcomes.col.month"),
    "n_risk": tr("lead.outcomes.col.n_risk"), "survival": tr("lead.outcomes.col.survival"),
    "lower": tr("lead.col.ci_lower"), "upper": tr("lead.col.ci_upper"),
}, percent=["survival", "lower", "upper"]), hide_index=True)
st.caption(tr("lead.outcomes.landmarks_note"))
with st.expander(tr("lead.outcomes.col.n_risk")):
    st.dataframe(tables.wide_table(data.at_risk, index="product_code", columns="month",
                                   values="n_risk", index_title=tr("lead.col.product")),
                 hide_index=True)

st.subheader(tr("lead.outcomes.benchmarks"))
if data.indication is None:
    st.caption(tr("lead.outcomes.benchmarks_choose"))
elif data.benchmarks.empty:
    st.caption(tr("lead.outcomes.benchmarks_none"))
else:
    st.caption(tr("lead.outcomes.benchmarks_note"))
    if data.origin == "apheresis":
        st.warning(tr("lead.outcomes.benchmarks_itt"))
    st.dataframe(tables.display_table(
        data.benchmarks.assign(month=[f"{m:g}" for m in data.benchmarks["month"]],
                               n=[None if pd.isna(n) else str(n) for n in data.benchmarks["n"]]),
        {
            "source": tr("lead.outcomes.col.source"),
            "population": tr("lead.outcomes.col.population"),
            "endpoint": tr("lead.outcomes.endpoint"), "month": tr("lead.outcomes.col.month"),
            "value": tr("lead.outcomes.col.value"), "n": tr("lead.col.n"),
            "citation": tr("lead.outcomes.col.citation"),
        }, percent=["value"]), hide_index=True)
