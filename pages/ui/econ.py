"""Shared state of the economist's pages: the working cohort and the run record caption."""

from __future__ import annotations

from typing import Any

import streamlit as st

from pages.ui.text import tr
from registry.models import AnalysisRun
from registry.services.cohorts import CohortDefinition

DEFINITION_KEY = "econ_definition"  # filters of the working cohort (CohortDefinition JSON)


def working_definition() -> CohortDefinition:
    """The cohort the analysis pages work on (the whole registry until one is chosen)."""
    stored = st.session_state.get(DEFINITION_KEY)
    return CohortDefinition(**stored) if isinstance(stored, dict) else CohortDefinition()


def set_working_definition(definition: CohortDefinition) -> None:
    st.session_state[DEFINITION_KEY] = definition.model_dump(mode="json")


def cohort_caption(definition: CohortDefinition) -> str:
    """One line naming the working cohort, for the top of every analysis page."""
    name = definition.name or tr("econ.cohort.unnamed")
    return tr("econ.cohort.working", name=name, digest=definition.digest()[:12])


def run_caption(run: AnalysisRun | None = None, *, run_id: int | None = None,
                data_sha256: str = "", code_version: str = "") -> str:
    """The reproducibility record in one line (run id, data hash, code version)."""
    if run is not None:
        run_id, data_sha256, code_version = run.id, run.data_sha256, run.code_version
    return tr("econ.run.record", run=run_id or "-", data=data_sha256[:16],
              code=code_version or "-")


def session_value(key: str, default: Any) -> Any:
    return st.session_state.get(key, default)
