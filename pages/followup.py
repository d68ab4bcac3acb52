"""Follow-up form of one timepoint: response by the indication's criteria, relapse, new
therapy, hospital and ICU days, B-cell aplasia, IVIG, vital status."""

from datetime import date

import streamlit as st

from pages.ui import forms
from pages.ui.patient import patient_view
from pages.ui.state import require_actor
from pages.ui.text import dmy, label, tr
from registry.models.enums import (
    CRITERIA_BY_INDICATION,
    RESPONSES_BY_CRITERIA,
    Indication,
    NewTherapy,
    Timepoint,
    VitalStatus,
)
from registry.services.followup import submit_followup

FORM = "followup"
actor = require_actor()
st.title(tr("nav.followup"))
view = patient_view(actor)
if "followup_saved" in st.session_state:
    st.success(st.session_state.pop("followup_saved"))
infused = [ep for ep in view.episodes if ep.episode.infusion_date is not None]
st.caption(f"{view.patient.registry_id} · {view.patient.site_patient_code} · "
           f"{label(view.patient.indication)}")
if not infused:
    st.warning(tr("followup.not_infused"))
    st.stop()

prefill = st.session_state.get("followup_prefill") or {}
episode_ids = [ep.episode.id for ep in infused]
default_episode = episode_ids.index(prefill["episode_id"]) \
    if prefill.get("episode_id") in episode_ids else len(episode_ids) - 1
timepoints = list(Timepoint)
default_tp = timepoints.index(Timepoint(prefill["timepoint"])) if prefill.get("timepoint") else 0
criteria = CRITERIA_BY_INDICATION[view.patient.indication]
responses = RESPONSES_BY_CRITERIA[criteria]
yes_no = [None, True, False]


def yn(v: bool | None) -> str:
    return "—" if v is None else tr("common.yes" if v else "common.no")


forms.show_summary(FORM)
with st.form(FORM):
    c1, c2, c3 = st.columns(3)
    with c1:
        episode_id = st.selectbox(
            tr("field.episode_id"), episode_ids, index=default_episode, key="fu_episode",
            format_func=lambda i: next(f"#{ep.episode.episode_number} · {ep.product_code} · "
                                       f"{dmy(ep.episode.infusion_date)}"
                                       for ep in infused if ep.episode.id == i))
        timepoint = st.selectbox(tr("field.timepoint"), timepoints, index=default_tp,
                                 format_func=lambda t: t.value, key="fu_timepoint")
        forms.show_error(FORM, "timepoint")
        target = prefill.get("target")
        assessed = forms.date_input(tr("field.assessment_date"), "fu_date",
                                    value=date.fromisoformat(target) if target else None)
        forms.show_error(FORM, "assessment_date")
        response = st.selectbox(f"{tr('field.response')} ({criteria.value})",
                                [None, *responses], key="fu_response",
                                format_func=lambda r: "—" if r is None else r.value)
        forms.show_error(FORM, "response")
        mrd = st.selectbox(tr("field.mrd_negative"), yes_no, format_func=yn, key="fu_mrd",
                           disabled=view.patient.indication != Indication.b_all)
        forms.show_error(FORM, "mrd_negative")
    with c2:
        relapse = st.checkbox(tr("field.relapse_or_progression"), key="fu_relapse")
        forms.show_error(FORM, "relapse_or_progression")
        relapse_date = forms.date_input(tr("field.relapse_date"), "fu_relapse_date")
        forms.show_error(FORM, "relapse_date")
        therapy = st.selectbox(tr("field.new_therapy"), list(NewTherapy), format_func=label,
                               key="fu_therapy")
        therapy_date = forms.date_input(tr("field.new_therapy_date"), "fu_therapy_date")
        forms.show_error(FORM, "new_therapy_date")
        new_malignancy = st.checkbox(tr("field.new_malignancy"), key="fu_malignancy")
    with c3:
        hospital = st.number_input(tr("field.hospital_days"), 0, 400, value=None,
                                   key="fu_hospital")
        forms.show_error(FORM, "hospital_days")
        icu = st.number_input(tr("field.icu_days"), 0, 400, value=None, key="fu_icu")
        forms.show_error(FORM, "icu_days")
        aplasia = st.selectbox(tr("field.b_cell_aplasia"), yes_no, format_func=yn,
                               key="fu_aplasia")
        ivig = st.selectbox(tr("field.ivig"), yes_no, format_func=yn, key="fu_ivig")
        vital = st.selectbox(tr("field.vital_status"), list(VitalStatus), format_func=label,
                             key="fu_vital")
        forms.show_error(FORM, "vital_status")
        lost = st.checkbox(tr("field.lost_to_follow_up"), key="fu_lost")
    comments = st.text_area(tr("field.comments"), key="fu_comments", max_chars=2000)
    submitted = st.form_submit_button(tr("common.save"), type="primary")

if submitted:
    done = forms.run(FORM, lambda s: submit_followup(session=s, actor=actor, data={
        "episode_id": episode_id, "timepoint": timepoint, "assessment_date": assessed,
        "response": response, "response_criteria": criteria, "mrd_negative": mrd,
        "relapse_or_progression": relapse, "relapse_date": relapse_date,
        "new_therapy": therapy, "new_therapy_date": therapy_date,
        "new_malignancy": new_malignancy, "hospital_days": hospital, "icu_days": icu,
        "b_cell_aplasia": aplasia, "ivig": ivig, "lost_to_follow_up": lost,
        "vital_status": vital,
        "comments": comments or None}))
    if done is not None:
        st.session_state.pop("followup_prefill", None)
        st.session_state["followup_saved"] = tr("followup.saved", timepoint=done.timepoint.value,
                                                date=dmy(done.assessment_date))
        st.rerun()
