"""Adverse event with the ASTCT 2019 CRS and ICANS calculators live: the clinician enters
the signs and sees the grade; a different grade needs a reason (audited)."""

import streamlit as st

from pages.ui import forms
from pages.ui.patient import patient_view
from pages.ui.state import require_actor
from pages.ui.text import dmy, label, lang, tr
from registry import RegistryError
from registry.i18n import message_text
from registry.models.enums import (
    AdverseEventType,
    Consciousness,
    GradingScale,
    Hypotension,
    MotorFinding,
    OxygenSupport,
    RaisedIcp,
    Seizure,
)
from registry.services.events import compute_grade, report_adverse_event

FORM = "adverse_event"
actor = require_actor()
st.title(tr("nav.adverse_event"))
view = patient_view(actor)
if "ae_saved" in st.session_state:
    st.success(st.session_state.pop("ae_saved"))
infused = [ep for ep in view.episodes if ep.episode.infusion_date is not None]
st.caption(f"{view.patient.registry_id} · {view.patient.site_patient_code}")
if not infused:
    st.warning(tr("followup.not_infused"))
    st.stop()

event_type = st.selectbox(tr("field.event_type"), list(AdverseEventType), format_func=label,
                          key="ae_type")
signs: dict[str, object] | None = None
computed: int | None = None
if event_type in (AdverseEventType.crs, AdverseEventType.icans):
    with st.container(border=True):
        st.markdown(tr("ae.calculator"))
        if event_type == AdverseEventType.crs:
            c1, c2 = st.columns(2)
            temperature = c1.number_input(tr("field.max_temperature_c"), 34.0, 43.0, value=None,
                                          step=0.1, key="crs_temp")
            masked = c1.checkbox(tr("field.fever_masked"), key="crs_masked")
            hypotension = c2.selectbox(tr("field.hypotension"), list(Hypotension),
                                       format_func=label, key="crs_hypotension")
            oxygen = c2.selectbox(tr("field.oxygen"), list(OxygenSupport), format_func=label,
                                  key="crs_oxygen")
            signs = {"max_temperature_c": temperature, "fever_masked": masked,
                     "hypotension": hypotension.value, "oxygen": oxygen.value}
        else:
            c1, c2 = st.columns(2)
            ice = c1.number_input(tr("field.ice"), 0, 10, value=10, key="icans_ice")
            consciousness = c1.selectbox(tr("field.consciousness"), list(Consciousness),
                                         format_func=label, key="icans_consciousness")
            seizure = c2.selectbox(tr("field.seizure"), list(Seizure), format_func=label,
                                   key="icans_seizure")
            motor = c2.selectbox(tr("field.motor"), list(MotorFinding), format_func=label,
                                 key="icans_motor")
            icp = c2.selectbox(tr("field.raised_icp"), list(RaisedIcp), format_func=label,
                               key="icans_icp")
            signs = {"ice": ice, "consciousness": consciousness.value,
                     "seizure": seizure.value, "motor": motor.value, "raised_icp": icp.value}
        try:
            computed = compute_grade(event_type, signs)
        except RegistryError as exc:  # a sign out of range: say which, in the user's language
            st.warning(message_text(exc, lang()))
        if computed is not None:
            st.metric(tr("ae.computed_grade", kind=event_type.value), computed)
        forms.show_error(FORM, "signs")

forms.show_summary(FORM)
with st.form(FORM):
    c1, c2, c3 = st.columns(3)
    with c1:
        episode_id = st.selectbox(
            tr("field.episode_id"), [ep.episode.id for ep in infused], key="ae_episode",
            index=len(infused) - 1,
            format_func=lambda i: next(f"#{ep.episode.episode_number} · {ep.product_code} · "
                                       f"{dmy(ep.episode.infusion_date)}"
                                       for ep in infused if ep.episode.id == i))
        onset = forms.date_input(tr("field.onset_date"), "ae_onset")
        forms.show_error(FORM, "onset_date")
        resolved = forms.date_input(tr("field.resolution_date"), "ae_resolution")
        forms.show_error(FORM, "resolution_date")
    with c2:
        grade = st.selectbox(tr("ae.grade"), [None, 0, 1, 2, 3, 4, 5], key="ae_grade",
                             format_func=lambda g: tr("ae.use_computed") if g is None else str(g))
        forms.show_error(FORM, "grade")
        override = st.text_input(tr("field.grade_override_reason"), key="ae_override")
        forms.show_error(FORM, "grade_override_reason")
    with c3:
        tocilizumab = st.number_input(tr("field.tocilizumab_doses"), 0, 20, 0, key="ae_toci")
        steroids = st.checkbox(tr("field.corticosteroids"), key="ae_steroids")
        anakinra = st.checkbox(tr("field.anakinra"), key="ae_anakinra")
        icu = st.checkbox(tr("field.icu"), key="ae_icu")
    description = st.text_area(tr("field.description"), key="ae_description", max_chars=2000)
    submitted = st.form_submit_button(tr("common.save"), type="primary")

if submitted:
    scale = GradingScale.astct_2019 if signs is not None else GradingScale.ctcae_v5
    done = forms.run(FORM, lambda s: report_adverse_event(session=s, actor=actor, data={
        "episode_id": episode_id, "event_type": event_type, "onset_date": onset,
        "resolution_date": resolved, "grading_scale": scale, "grade": grade,
        "grade_override_reason": override or None, "signs": signs,
        "tocilizumab_doses": tocilizumab, "corticosteroids": steroids, "anakinra": anakinra,
        "icu": icu, "description": description or None}))
    if done is not None:
        st.session_state["ae_saved"] = tr("ae.saved", kind=done.event_type.value,
                                          grade=done.grade, date=dmy(done.onset_date))
        st.rerun()
