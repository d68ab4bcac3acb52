"""Report a patient's death (one per patient); later forms are then refused."""

import streamlit as st

from pages.ui import forms
from pages.ui.patient import patient_view
from pages.ui.state import require_actor
from pages.ui.text import dmy, label, tr
from registry.models.enums import DeathCause
from registry.services.events import report_death

FORM = "death"
actor = require_actor()
st.title(tr("nav.death"))
view = patient_view(actor)
patient_id = view.patient.id
st.caption(f"{view.patient.registry_id} · {view.patient.site_patient_code}")
forms.show_summary(FORM)  # also when the death form is gone: say why a submit was refused
if view.death is not None:
    # A submit from a tab opened before the death was recorded elsewhere lands here.
    if any(str(k).startswith(f"FormSubmitter:{FORM}-") and v for k, v in st.session_state.items()):
        st.error(tr("death.already"))
    st.info(tr("patient.died", date=dmy(view.death.death_date), cause=label(view.death.cause)))
    st.stop()

with st.form(FORM):
    died = forms.date_input(tr("field.death_date"), "death_date")
    forms.show_error(FORM, "death_date")
    forms.show_error(FORM, "patient_id")
    cause = st.selectbox(tr("field.cause"), list(DeathCause), format_func=label,
                         key="death_cause")
    comments = st.text_area(tr("field.comments"), key="death_comments", max_chars=2000)
    submitted = st.form_submit_button(tr("common.save"), type="primary")
if submitted:
    done = forms.run(FORM, lambda s: report_death(session=s, actor=actor, data={
        "patient_id": patient_id, "death_date": died, "cause": cause,
        "comments": comments or None}))
    if done is not None:
        st.rerun()
