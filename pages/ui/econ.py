"""Shared state of the economist's pages: the working cohort and the run record caption."""

from __future__ import annotations

from typing import Any

import streamlit as st

from pages.ui.state import session_scope
from pages.ui.text import lang, tr
from registry import Actor, InvalidInput, PermissionDenied, RegistryError
from registry.charts import cea as charts
from registry.errors import FieldError
from registry.i18n import CATALOGUE, error_text, message_text
from registry.models import AnalysisRun
from registry.services.cohorts import CohortDefinition
from registry.services.workspace import list_scenarios

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


def arm_label(arm: str) -> str:
    """The cost-effectiveness pages' name of an arm (domestic, imported)."""
    return tr(f"econ.cea.arm.{arm}")


def refusal_text(error: FieldError | RegistryError) -> str:
    """A service's message in the user's language, for the costs, cost-effectiveness and
    budget pages: their wording for its code (``econ.cea.error.<code>``, arms named), else the
    shared catalogue's, else their text for the field (``econ.cea.error.<field>``, for checks
    without a code)."""
    params = dict(error.params)
    if params.get("arm") in charts.ARMS:
        params["arm"] = arm_label(str(params["arm"]))
    field = error.field.split(".")[-1] if isinstance(error, FieldError) else None
    own_code = f"econ.cea.error.{error.code}"
    if error.code and own_code in CATALOGUE:
        try:
            return tr(own_code, **params)
        except (KeyError, IndexError):
            pass  # a param this wording needs is missing: the shared text follows
    if not isinstance(error, FieldError):
        return message_text(error, lang())
    if (error.code and error.code in CATALOGUE) or field is None:
        return error_text(error, lang())
    own_field = f"econ.cea.error.{field}"
    return tr(own_field) if own_field in CATALOGUE else error_text(error, lang())


def split_refusal(exc: RegistryError, field: str, label: str) -> tuple[list[str], list[str]]:
    """A service's refusal in the user's language, split for the page: the texts of `field`
    (each led by its `label`, shown next to that widget) and all the others."""
    if not isinstance(exc, InvalidInput):
        return [], [message_text(exc, lang())]
    near: list[str] = []
    other: list[str] = []
    for error in exc.errors:
        if error.field == field:
            near.append(f"{label}: {error_text(error, lang())}")
        else:
            other.append(error_text(error, lang()))
    return near, other


def open_workspace(actor: Actor) -> tuple[list[str], CohortDefinition]:
    """The head of the costs, cost-effectiveness and budget pages: the unit-cost scenarios
    and the working cohort, captioned; a refusal (only economists may) is shown, and the page
    stops."""
    try:
        with session_scope() as session:
            scenarios = list_scenarios(session=session, actor=actor)
    except PermissionDenied as exc:
        st.error(f"{message_text(exc, lang())}\n\n{tr('econ.cea.denied_note')}")
        st.stop()
    except RegistryError as exc:
        st.error(refusal_text(exc))
        st.stop()
    definition = working_definition()
    st.caption(cohort_caption(definition))
    st.caption(tr("lead.outcomes.scenario"))
    return scenarios, definition
