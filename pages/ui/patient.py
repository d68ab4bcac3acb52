"""The patient a clinician is working on, loaded once per page run."""

from __future__ import annotations

import streamlit as st

from pages.ui.forms import show_refusal
from pages.ui.state import selected_patient, session_scope
from pages.ui.text import tr
from registry import Actor, RegistryError, today
from registry.services.timeline import PatientTimeline, get_patient_timeline


def patient_view(actor: Actor) -> PatientTimeline:
    """The selected patient's timeline; without a selection (or if refused) the page stops
    after saying so."""
    patient_id = selected_patient()
    if patient_id is None:
        st.info(tr("common.choose_patient"))
        st.stop()
    try:
        with session_scope() as session:
            return get_patient_timeline(session=session, actor=actor, patient_id=patient_id,
                                        as_of=today())
    except RegistryError as exc:
        show_refusal(exc)
        st.stop()
    raise AssertionError("unreachable")  # st.stop() raises
