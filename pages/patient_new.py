"""Register a patient: pseudonymised; the insurance number (SNILS) is hashed, never stored."""

import streamlit as st

from pages.ui import forms
from pages.ui.state import require_actor, select_patient
from pages.ui.text import label, tr
from registry.models.enums import Indication, Sex
from registry.services.patients import register_patient

FORM = "register"
actor = require_actor()
st.title(tr("nav.register"))
st.caption(tr("register.privacy"))
if "registered" in st.session_state and st.button(tr("register.open"), key="reg_open"):
    st.switch_page("pages/patient.py")
forms.show_summary(FORM)
if "registered" in st.session_state:
    st.success(tr("register.done", registry_id=st.session_state["registered"]))

with st.form(FORM):
    c1, c2 = st.columns(2)
    with c1:
        code = st.text_input(tr("field.site_patient_code"), key="reg_code")
        forms.show_error(FORM, "site_patient_code")
        snils = st.text_input(tr("field.national_insurance_number"), key="reg_snils",
                              placeholder="112-233-445 95")
        forms.show_error(FORM, "national_insurance_number")
        sex = st.radio(tr("field.sex"), list(Sex), format_func=label, key="reg_sex",
                       horizontal=True)
        birth_year = st.number_input(tr("field.birth_year"), 1900, 2100, 1975, key="reg_birth")
        forms.show_error(FORM, "birth_year")
        indication = st.selectbox(tr("field.indication"), list(Indication),
                                  format_func=label, key="reg_indication")
        diagnosis = forms.date_input(tr("field.diagnosis_date"), "reg_diagnosis")
        forms.show_error(FORM, "diagnosis_date")
        consent = forms.date_input(tr("field.consent_date"), "reg_consent")
        forms.show_error(FORM, "consent_date")
    with c2:
        lines = st.number_input(tr("field.prior_lines"), 0, 20, 2, key="reg_lines")
        auto = st.checkbox(tr("field.prior_auto_hsct"), key="reg_auto")
        allo = st.checkbox(tr("field.prior_allo_hsct"), key="reg_allo")
        ecog = st.selectbox(tr("field.ecog"), [None, 0, 1, 2, 3, 4], key="reg_ecog",
                            format_func=lambda v: tr("common.unknown") if v is None else str(v))
        ldh = st.selectbox(tr("field.ldh_above_uln"), [None, True, False], key="reg_ldh",
                           format_func=lambda v: tr("common.unknown") if v is None
                           else tr("common.yes" if v else "common.no"))
        bulky = st.selectbox(tr("field.bulky_disease"), [None, True, False], key="reg_bulky",
                             format_func=lambda v: tr("common.unknown") if v is None
                             else tr("common.yes" if v else "common.no"))
        blasts = st.number_input(tr("field.marrow_blasts_pct"), 0.0, 100.0, value=None,
                                 key="reg_blasts")
        forms.show_error(FORM, "marrow_blasts_pct")
    submitted = st.form_submit_button(tr("common.save"), type="primary")

if submitted:
    st.session_state.pop("registered", None)
    data = {"site_patient_code": code.strip(), "national_insurance_number": snils,
            "sex": sex, "birth_year": birth_year, "indication": indication,
            "diagnosis_date": diagnosis, "consent_date": consent, "prior_lines": lines,
            "prior_auto_hsct": auto, "prior_allo_hsct": allo, "ecog": ecog,
            "ldh_above_uln": ldh, "bulky_disease": bulky, "marrow_blasts_pct": blasts}
    patient = forms.run(FORM, lambda s: register_patient(session=s, actor=actor,
                                                         data=data))
    if patient is not None:
        select_patient(patient.id)
        st.session_state["registered"] = patient.registry_id
        for key in [k for k in st.session_state if str(k).startswith("reg_")]:
            del st.session_state[key]  # an empty form for the next patient
        st.rerun()
