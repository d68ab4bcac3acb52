"""Leadership: CRS and ICANS by product (ASTCT 2019 grades only), onset, supportive care."""


import pandas as pd
import streamlit as st

from pages.ui.state import require_actor, session_scope
from pages.ui.text import label, lang, tr
from pages.ui.widgets import chart_with_csv
from registry import RegistryError
from registry.charts import leadership as charts
from registry.i18n import message_text
from registry.models.enums import AdverseEventType
from registry.services.leadership import GRADE_ORDER, safety

RATE_COLUMNS = ["numerator", "denominator", "rate", "ci_lower", "ci_upper"]




def rate_table(frame: pd.DataFrame, first: str, names: dict[str, str]) -> pd.DataFrame:
    return charts.display_table(frame.replace({first: names}), {
        "product_code": tr("lead.col.product"), first: tr(f"lead.col.{first}"),
        **{c: tr(f"lead.col.{c}") for c in RATE_COLUMNS},
    }, percent=["rate", "ci_lower", "ci_upper"])


actor = require_actor()
st.title(tr("lead.safety.title"))
st.caption(tr("lead.caption"))
try:
    with session_scope() as session:
        data = safety(session=session, actor=actor)
except RegistryError as exc:
    st.error(message_text(exc, lang()))
    st.stop()

events = {k.value: label(k) for k in (AdverseEventType.crs, AdverseEventType.icans)}
if data.other_scale_events:
    st.info(tr("lead.safety.other_scales", n=data.other_scale_events))
else:
    st.caption(tr("lead.safety.all_astct"))
st.caption(tr("lead.charts_omit"))

st.subheader(tr("lead.safety.grades"))
st.caption(tr("lead.safety.grades_note"))
chart_with_csv(charts.grade_chart(data.grades,
                                  grade_labels={g: tr(f"lead.grade.{g}") for g in GRADE_ORDER},
                                  event_labels=events, x_title=tr("lead.axis.share_infused"),
                                  color_title=tr("lead.col.grade")),
               data.grades, "crs_icans_grades")
if data.other_scale_events:
    st.dataframe(charts.display_table(data.other_scales.replace({"event_type": events}), {
        "product_code": tr("lead.col.product"), "event_type": tr("lead.col.event_type"),
        "grading_scale": tr("lead.col.grading_scale"), "episodes": tr("lead.col.episodes"),
    }), hide_index=True)

st.subheader(tr("lead.safety.severe"))
severe_names = {k: tr(f"lead.severe.{k}") for k in events}
chart_with_csv(charts.rate_chart(data.severe, category="event_type",
                                 category_labels=severe_names,
                                 x_title=tr("lead.axis.rate_ci"),
                                 color_title=tr("lead.col.product")),
               data.severe, "grade3plus_rates")
st.dataframe(rate_table(data.severe, "event_type", severe_names), hide_index=True)

st.subheader(tr("lead.safety.onset"))
st.dataframe(charts.display_table(data.onset.replace({"event_type": events}), {
    "product_code": tr("lead.col.product"), "event_type": tr("lead.col.event_type"),
    "n": tr("lead.col.n"), "median": tr("lead.col.median"), "q1": tr("lead.col.q1"),
    "q3": tr("lead.col.q3"),
}, decimals=dict.fromkeys(["median", "q1", "q3"], 0)), hide_index=True)

st.subheader(tr("lead.safety.supportive"))
st.caption(tr("lead.safety.supportive_note"))
measures = {m: tr(f"lead.measure.{m}") for m in ("tocilizumab", "corticosteroids", "icu")}
chart_with_csv(charts.rate_chart(data.supportive_care, category="measure",
                                 category_labels=measures, x_title=tr("lead.axis.rate_ci"),
                                 color_title=tr("lead.col.product")),
               data.supportive_care, "supportive_care")
st.dataframe(rate_table(data.supportive_care, "measure", measures), hide_index=True)
