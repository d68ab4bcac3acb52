"""Patients of the site: search and filter, then open one patient's timeline."""

import streamlit as st

from pages.ui import forms
from pages.ui.state import require_actor, select_patient, session_scope
from pages.ui.text import dmy, label, tr
from registry import RegistryError
from registry.models.enums import Indication
from registry.services.timeline import list_products, search_patients

actor = require_actor()
st.title(tr("nav.patients"))

STATUSES = ["registered", "apheresed", "infused", "not_infused", "dead"]
c1, c2, c3, c4 = st.columns([2, 1, 1, 1])
text = c1.text_input(tr("patients.search"), key="patients_text")
indication = c2.selectbox(tr("col.indication"), [None, *Indication], key="patients_indication",
                          format_func=lambda v: tr("patients.any") if v is None else v.value)
try:
    with session_scope() as session:
        products = list_products(session=session, actor=actor)
        product = c3.selectbox(tr("col.product"), [None, *products], key="patients_product",
                               format_func=lambda p: tr("patients.any") if p is None else p.code)
        status = c4.selectbox(tr("col.status"), [None, *STATUSES], key="patients_status",
                              format_func=lambda s: tr("patients.any") if s is None
                              else tr(f"status.{s}"))
        rows = search_patients(session=session, actor=actor, text=text or None,
                               indication=indication,
                               product_id=product.id if product else None, status=status)
except RegistryError as exc:
    forms.show_refusal(exc)
    st.stop()

st.caption(tr("patients.found", n=len(rows)))
st.dataframe([{tr("col.registry_id"): r.registry_id, tr("col.site"): r.site_code,
               tr("col.site_code"): r.site_patient_code, tr("col.indication"): label(r.indication),
               tr("col.product"): r.product or "", tr("col.status"): tr(f"status.{r.status}"),
               tr("col.infusion"): dmy(r.infusion_date)} for r in rows],
             hide_index=True, height=min(420, 38 + 35 * max(1, len(rows))))
if rows:
    chosen = st.selectbox(tr("patients.pick"), range(len(rows)), key="patients_pick",
                          format_func=lambda i: f"{rows[i].registry_id} · "
                          f"{rows[i].site_patient_code}")
    if st.button(tr("patients.open"), type="primary", key="patients_open"):
        select_patient(rows[chosen].patient_id)
        st.switch_page("pages/patient.py")
