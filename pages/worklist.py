"""Worklist, the site clinician's home: forms overdue, due and upcoming; open queries."""

import streamlit as st

from pages.ui import forms
from pages.ui.state import require_actor, select_patient, session_scope
from pages.ui.text import dmy, tr
from registry import RegistryError, today
from registry.services.worklist import get_worklist

actor = require_actor()
try:
    with session_scope() as session:
        work = get_worklist(session=session, actor=actor, as_of=today())
except RegistryError as exc:
    forms.show_refusal(exc)
    st.stop()

st.title(f"{work.site_code} · {work.site_name}")
st.caption(tr("home.signed_in", username=actor.username, role=tr(f"role.{actor.role.value}")))
for column, (key, value) in zip(
    st.columns(5),
    [
        ("count.overdue", len(work.overdue)),
        ("count.due", len(work.due)),
        ("count.upcoming", len(work.upcoming)),
        ("count.open_queries", len(work.open_queries)),
        ("count.patients", work.patients),
    ],
    strict=True,
):
    column.metric(tr(key), value)

forms = work.overdue + work.due + work.upcoming
for key, group in (
    ("worklist.overdue", work.overdue),
    ("worklist.due", work.due),
    ("worklist.upcoming", work.upcoming),
):
    st.subheader(f"{tr(key)} ({len(group)})")
    if not group:
        st.caption(tr("worklist.none"))
        continue
    st.dataframe(
        [
            {
                tr("col.registry_id"): f.registry_id,
                tr("col.site"): f.site_code,
                tr("col.site_code"): f.site_patient_code,
                tr("col.timepoint"): f.timepoint.value,
                tr("col.window"): f"{dmy(f.window_opens)} – {dmy(f.window_closes)}",
                tr("col.target"): dmy(f.target_date),
                **(
                    {tr("worklist.days_overdue"): (today() - f.window_closes).days}
                    if f.status.value == "overdue"
                    else {}
                ),
            }
            for f in group[:200]
        ],
        hide_index=True,
    )

if forms:
    with st.container(border=True):
        labels = [
            f"{f.registry_id} · {f.timepoint.value} · {dmy(f.window_opens)} – "
            f"{dmy(f.window_closes)} ({tr('form.' + f.status.value)})"
            for f in forms
        ]
        index = st.selectbox(
            tr("worklist.pick"),
            range(len(forms)),
            format_func=lambda i: labels[i],
            key="worklist_form",
        )
        if st.button(tr("worklist.open_form"), type="primary", key="worklist_open"):
            chosen = forms[index]
            select_patient(chosen.patient_id)
            st.session_state["followup_prefill"] = {
                "episode_id": chosen.episode_id,
                "timepoint": chosen.timepoint.value,
                "target": chosen.target_date.isoformat(),
            }
            st.switch_page("pages/followup.py")

st.subheader(tr("worklist.queries"))
if not work.open_queries:
    st.caption(tr("worklist.no_queries"))
else:
    st.dataframe(
        [
            {
                tr("col.record"): f"{tr('table.' + q.table_name)} #{q.row_id}",
                tr("col.field"): q.field,
                tr("col.status"): q.status.value,
                tr("col.message"): q.message,
            }
            for q in work.open_queries
        ],
        hide_index=True,
    )
