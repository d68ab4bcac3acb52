"""The treatment chain of the selected patient: apheresis -> lot with QC -> infusion or not."""

import streamlit as st

from pages.ui import forms
from pages.ui.patient import patient_view
from pages.ui.state import require_actor, session_scope
from pages.ui.text import dmy, label, tr
from registry import RegistryError
from registry.models.enums import Bridging, Lymphodepletion, NotInfusedReason, QcResult
from registry.services.timeline import list_products
from registry.services.treatment import (
    attach_lot,
    list_unlinked_lots,
    record_apheresis,
    record_infusion,
    record_lot,
    record_not_infused,
)

actor = require_actor()
st.title(tr("nav.treatment"))
view = patient_view(actor)
patient_id = view.patient.id
try:
    with session_scope() as session:
        products = list_products(session=session, actor=actor)
except RegistryError as exc:
    forms.show_refusal(exc)
    st.stop()
st.caption(f"{view.patient.registry_id} · {view.patient.site_patient_code}")
if "treatment_saved" in st.session_state:
    st.success(st.session_state.pop("treatment_saved"))

open_episode = next((ep for ep in view.episodes if ep.episode.infusion_date is None
                     and ep.episode.not_infused_reason is None), None)


def saved(message: str) -> None:
    st.session_state["treatment_saved"] = message
    st.rerun()


if open_episode is None:
    FORM = "apheresis"
    st.subheader(tr("treatment.apheresis"))
    forms.show_summary(FORM)
    with st.form(FORM):
        product = st.selectbox(tr("field.product_id"), products, format_func=lambda p: p.name,
                               key="aph_product")
        apheresis = forms.date_input(tr("field.apheresis_date"), "aph_date")
        forms.show_error(FORM, "apheresis_date")
        if st.form_submit_button(tr("common.save"), type="primary"):
            done = forms.run(FORM, lambda s: record_apheresis(session=s, actor=actor, data={
                "patient_id": patient_id, "product_id": product.id,
                "apheresis_date": apheresis}))
            if done is not None:
                saved(tr("treatment.apheresis_saved", date=dmy(done.apheresis_date)))
    st.stop()

episode = open_episode.episode
st.markdown(tr("treatment.open_episode", n=episode.episode_number,
               product=open_episode.product_code, date=dmy(episode.apheresis_date)))

if open_episode.lot is None:
    with session_scope() as session:
        unlinked = list_unlinked_lots(session=session, actor=actor,
                                      product_id=episode.product_id)
    if unlinked:
        FORM = "lot_link"
        st.subheader(tr("treatment.existing_lot"))
        forms.show_summary(FORM)
        with st.form(FORM):
            lot = st.selectbox(tr("field.lot_number"), unlinked, key="lot_existing",
                               format_func=lambda x: f"{x.lot_number} · {dmy(x.start_date)}")
            forms.show_error(FORM, "lot_id")
            if st.form_submit_button(tr("treatment.link_lot")):
                done = forms.run(FORM, lambda s: attach_lot(session=s, actor=actor, data={
                    "episode_id": episode.id, "lot_id": lot.id}))
                if done is not None:
                    saved(tr("treatment.lot_saved", lot=lot.lot_number))
    FORM = "lot"
    st.subheader(tr("treatment.lot"))
    forms.show_summary(FORM)
    qc_options = [None, *QcResult]
    with st.form(FORM):
        c1, c2, c3 = st.columns(3)
        with c1:
            lot_number = st.text_input(tr("field.lot_number"), key="lot_number")
            forms.show_error(FORM, "lot_number")
            site = st.text_input(tr("field.manufacturing_site"), key="lot_site",
                                 value="NMRC for Hematology")
            start = forms.date_input(tr("field.start_date"), "lot_start")
            forms.show_error(FORM, "start_date")
            release = forms.date_input(tr("field.release_date"), "lot_release")
            forms.show_error(FORM, "release_date")
        with c2:
            viability = st.number_input(tr("field.viability_pct"), 0.0, 100.0, value=None,
                                        key="lot_viability")
            transduction = st.number_input(tr("field.transduction_pct"), 0.0, 100.0,
                                           value=None, key="lot_transduction")
            vcn = st.number_input(tr("field.vcn_per_cell"), 0.0, 50.0, value=None,
                                  key="lot_vcn")
            cells = st.number_input(tr("field.car_positive_cells"), 0.0, value=None,
                                    format="%.3e", key="lot_cells")
        with c3:
            qc = {name: st.selectbox(tr(f"field.{name}"), qc_options, key=f"lot_{name}",
                                     format_func=lambda v: "—" if v is None else label(v))
                  for name in ("sterility", "endotoxin", "mycoplasma")}
            oos = st.checkbox(tr("field.out_of_specification"), key="lot_oos")
            failed = st.checkbox(tr("field.manufacturing_failed"), key="lot_failed")
        if st.form_submit_button(tr("common.save"), type="primary"):
            done = forms.run(FORM, lambda s: record_lot(session=s, actor=actor, data={
                "episode_id": episode.id, "lot_number": lot_number.strip(),
                "product_id": episode.product_id, "manufacturing_site": site,
                "start_date": start, "release_date": release, "viability_pct": viability,
                "transduction_pct": transduction, "vcn_per_cell": vcn,
                "car_positive_cells": cells or None, **qc, "out_of_specification": oos,
                "manufacturing_failed": failed}))
            if done is not None:
                saved(tr("treatment.lot_saved", lot=done.lot_number))

tab_infused, tab_not = st.tabs([tr("treatment.infusion"), tr("treatment.not_infused")])
with tab_infused:
    FORM = "infusion"
    forms.show_summary(FORM)
    with st.form(FORM):
        infusion = forms.date_input(tr("field.infusion_date"), "inf_date")
        forms.show_error(FORM, "infusion_date")
        bridging = st.selectbox(tr("field.bridging"), list(Bridging), format_func=label,
                                key="inf_bridging")
        ld = st.selectbox(tr("field.lymphodepletion"), list(Lymphodepletion),
                          format_func=label, key="inf_ld")
        dose = st.number_input(tr("field.dose_car_positive_cells"), 0.0, value=None,
                               format="%.3e", key="inf_dose")
        forms.show_error(FORM, "dose_car_positive_cells")
        weight = st.number_input(tr("field.weight_kg"), 0.0, 300.0, value=None, key="inf_weight")
        forms.show_error(FORM, "episode_id")
        if st.form_submit_button(tr("common.save"), type="primary"):
            done = forms.run(FORM, lambda s: record_infusion(session=s, actor=actor, data={
                "episode_id": episode.id, "infusion_date": infusion, "bridging": bridging,
                "lymphodepletion": ld, "dose_car_positive_cells": dose,
                "weight_kg": weight or None}))
            if done is not None:
                saved(tr("treatment.infusion_saved", date=dmy(done.infusion_date)))
with tab_not:
    FORM = "not_infused"
    forms.show_summary(FORM)
    with st.form(FORM):
        reason = st.selectbox(tr("field.reason"), list(NotInfusedReason), format_func=label,
                              key="ni_reason")
        decided = forms.date_input(tr("field.decision_date"), "ni_date")
        forms.show_error(FORM, "not_infused_date")
        if st.form_submit_button(tr("common.save"), type="primary"):
            done = forms.run(FORM, lambda s: record_not_infused(session=s, actor=actor, data={
                "episode_id": episode.id, "reason": reason, "decision_date": decided}))
            if done is not None:
                saved(tr("treatment.not_infused_saved"))
