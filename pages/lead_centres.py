"""Leadership: risk-adjusted observed vs expected 1-year OS per site, funnel plot, ranking;
sites under the follow-up completeness threshold flagged and left out of the ranking."""

import pandas as pd
import streamlit as st

from pages.ui.state import require_actor, session_scope
from pages.ui.text import dmy, lang, tr
from pages.ui.widgets import chart_with_csv
from registry import RegistryError, today
from registry.charts import leadership as tables
from registry.charts import outcomes as charts
from registry.i18n import message_text
from registry.services.centres import centre_report

STATUSES = ["ranked", "flagged", "suppressed", "not_estimable", "no_patients"]

POSITIONS = ["above_998", "above_95", "within", "below_95", "below_998"]


def interval(lower: object, upper: object) -> object:
    """A CI as one cell: 51.1–79.9%, or the "<5"/missing of its limits."""
    if isinstance(lower, float) and isinstance(upper, float) and not pd.isna(lower):
        return f"{lower:.1%}–{upper:.1%}"
    return lower


actor = require_actor()
st.title(tr("lead.centres.title"))
st.caption(tr("lead.caption"))
try:
    with session_scope() as session:
        data = centre_report(session=session, actor=actor, as_of=today())
except RegistryError as exc:
    st.error(message_text(exc, lang()))
    st.stop()

threshold = f"{data.threshold:.0%}"
overall = data.overall.iloc[0]
sites = data.sites
flagged = sites.loc[sites["flagged"].eq(True), "site_code"].tolist()
for column, (label, value) in zip(st.columns(4), [
    (tr("lead.centres.metric.patients"), str(overall["n"])),
    (tr("lead.centres.metric.survival"),
     "–" if pd.isna(overall["observed"]) else f"{overall['observed']:.1%}"),
    (tr("lead.centres.metric.ranked"), str(overall["sites_ranked"])),
    (tr("lead.metric.flagged", threshold=threshold), str(len(flagged))),
], strict=True):
    column.metric(label, value)
st.caption(" · ".join([tr("lead.centres.cohort_note", date=dmy(overall["cohort_infused_by"])),
                       tr("lead.as_of", date=dmy(data.as_of))]))
if data.limits.empty:
    st.info(tr("lead.centres.no_data"))
    st.stop()
if flagged:
    st.warning(tr("lead.centres.flagged", threshold=threshold, sites=", ".join(flagged)))
else:
    st.success(tr("lead.centres.none_flagged", threshold=threshold))
st.caption(tr("lead.centres.small"))

statuses = {s: tr(f"lead.centres.status.{s}") for s in STATUSES}
st.subheader(tr("lead.centres.funnel"))
chart_with_csv(charts.centre_funnel_chart(
    sites, data.limits, status_labels=statuses,
    limit_labels={k: tr(f"lead.centres.limit.{k}") for k in ("95", "998")},
    x_title=tr("lead.centres.axis.n"), y_title=tr("lead.centres.axis.adjusted"),
    target_label=tr("lead.centres.target")),
    pd.concat([sites.assign(series="site"), data.limits.assign(series="limit")],
              ignore_index=True), "centre_funnel")
st.caption(tr("lead.centres.funnel_note", threshold=threshold))

st.subheader(tr("lead.centres.oe"))
chart_with_csv(charts.observed_expected_chart(
    sites, status_labels=statuses, x_title=tr("lead.centres.axis.survival"),
    y_title=tr("lead.col.site"), observed_label=tr("lead.centres.observed"),
    expected_label=tr("lead.centres.expected")), sites, "centre_observed_expected")

st.subheader(tr("lead.centres.ranking"))
ordered = sites.assign(order=sites["rank"].astype("Float64").fillna(1e9),
                       status_order=sites["status"].map(STATUSES.index))
ordered = ordered.sort_values(["order", "status_order", "site_code"])
shown = ordered.assign(
    rank=[None if pd.isna(r) else str(r) for r in ordered["rank"]],
    observed_ci=[interval(lo, hi) for lo, hi in zip(ordered["observed_lower"],
                                                     ordered["observed_upper"], strict=True)],
    position=[tr(f"lead.centres.position.{v}") if v in POSITIONS else v
              for v in ordered["position"]],
    status=ordered["status"].map(statuses))
st.dataframe(tables.display_table(shown, {
    "rank": tr("lead.centres.col.rank"), "site_code": tr("lead.col.site"),
    "n": tr("lead.col.n"),
    "deaths": tr("lead.centres.col.deaths"), "observed": tr("lead.centres.col.observed"),
    "observed_ci": tr("lead.centres.col.ci"), "expected": tr("lead.centres.col.expected"),
    "o_minus_e": tr("lead.centres.col.o_minus_e"),
    "o_e_ratio": tr("lead.centres.col.o_e_ratio"), "position": tr("lead.centres.col.position"),
    "completeness": tr("lead.col.completeness"), "status": tr("lead.centres.col.status"),
}, percent=["observed", "expected", "o_minus_e", "completeness"],
    decimals={"o_e_ratio": 2}), hide_index=True,
    height="content")
st.caption(tr("lead.centres.ranking_note"))

with st.expander(tr("lead.centres.model")):
    st.caption(tr("lead.centres.model_note", c=f"{overall['concordance']:.2f}"))
    model = data.model.assign(term=[tr(f"lead.centres.term.{t}") for t in data.model["term"]])
    st.dataframe(tables.display_table(model, {
        "term": tr("lead.centres.col.term"), "level": tr("lead.centres.col.level"),
        "hr": tr("lead.centres.col.hr"), "hr_lower": tr("lead.col.ci_lower"),
        "hr_upper": tr("lead.col.ci_upper"), "p_value": tr("lead.centres.col.p"),
    }, decimals={"hr": 2, "hr_lower": 2, "hr_upper": 2, "p_value": 3}), hide_index=True)
