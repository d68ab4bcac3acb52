"""Correct a saved record: the reason is mandatory; if someone else saved it after you opened
it, you see their values and nothing is overwritten."""

import re

import streamlit as st

from pages.ui import forms
from pages.ui.patient import patient_view
from pages.ui.state import require_actor, session_scope
from pages.ui.text import dmy, tr
from registry import RegistryError
from registry.services.corrections import correct_record
from registry.services.timeline import get_record

FORM = "correct"
OPENED = "correct_opened"  # (table, row id, version) when the user opened the record
actor = require_actor()
st.title(tr("nav.correct"))
view = patient_view(actor)
patient_id = view.patient.id
if "correct_saved" in st.session_state:
    st.success(st.session_state.pop("correct_saved"))

records = [("patient", view.patient.id, f"{tr('correct.patient')} {view.patient.registry_id}")]
seen = set()
for ev in view.events:
    if (ev.table, ev.row_id) not in seen:
        seen.add((ev.table, ev.row_id))
        records.append((ev.table, ev.row_id,
                        f"{dmy(ev.when)} · {tr('event.' + ev.kind)} · {ev.label}"))
index = st.selectbox(tr("col.record"), range(len(records)), format_func=lambda i: records[i][2],
                     key="correct_record")
table, row_id, _ = records[index]
try:
    with session_scope() as session:
        record = get_record(session=session, actor=actor, table=table, row_id=row_id)
except RegistryError as exc:
    forms.show_refusal(exc)
    st.stop()
opened = st.session_state.get(OPENED)
if not opened or opened[:2] != (table, row_id):
    st.session_state[OPENED] = (table, row_id, record.version)
    opened = st.session_state[OPENED]
st.caption(tr("correct.last_changed", who=record.last_changed_by or "—",
              when=record.updated_at.strftime("%d.%m.%Y %H:%M") + " UTC",
              version=record.version))
if record.version != opened[2]:
    st.warning(tr("correct.changed_since", version=record.version))
    if st.button(tr("correct.reload"), key="correct_reload"):
        st.session_state.pop(OPENED, None)
        st.rerun()

editable = [k for k in record.values if k not in ("id", "site_id", "registry_id",
                                                    "patient_id", "episode_id")]
st.dataframe([{tr("col.field"): forms.field_label(k), "value": str(record.values[k])}
              for k in editable], hide_index=True)

forms.show_summary(FORM)
with st.form(FORM):
    field = st.selectbox(tr("col.field"), editable, format_func=forms.field_label,
                         key="correct_field")
    value = st.text_input(tr("correct.new_value"), key="correct_value",
                          help=tr("correct.value_help"))
    forms.show_error(FORM, field)
    reason = st.text_input(tr("field.reason"), key="correct_reason")
    forms.show_error(FORM, "reason")
    submitted = st.form_submit_button(tr("common.save"), type="primary")


def parse(text: str) -> object:
    text = text.strip()
    if text == "":
        return None
    match = re.fullmatch(r"(\d{2})\.(\d{2})\.(\d{4})", text)
    if match:
        return f"{match[3]}-{match[2]}-{match[1]}"
    return text


if submitted:
    changed = forms.run(FORM, lambda s: correct_record(session=s, actor=actor, data={
        "table": table, "row_id": row_id, "expected_version": opened[2],
        "changes": {field: parse(value)}, "reason": reason}))
    if changed is not None:
        st.session_state.pop(OPENED, None)
        st.session_state["correct_saved"] = tr("correct.saved", n=len(changed))
        st.rerun()
