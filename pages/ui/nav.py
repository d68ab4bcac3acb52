"""Which pages each role sees. Navigation is convenience; the services enforce access."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from pages.ui.text import tr
from registry import Actor
from registry.models.enums import Role

PAGES = Path(__file__).resolve().parent.parent


ECONOMIST_PAGES = (
    ("econ_cohort.py", "econ.nav.cohort", ":material/filter_alt:"),
    ("econ_compare.py", "econ.nav.compare", ":material/compare_arrows:"),
    ("econ_extrapolate.py", "econ.nav.extrapolate", ":material/trending_flat:"),
    ("econ_costs.py", "econ.nav.costs", ":material/payments:"),
    ("econ_cea.py", "econ.nav.cea", ":material/balance:"),
    ("econ_budget.py", "econ.nav.budget", ":material/account_balance:"),
)


DATA_MANAGER_PAGES = (
    ("dm_users.py", "dm.nav.users", ":material/manage_accounts:"),
    ("dm_quality.py", "dm.nav.quality", ":material/rule:"),
    ("dm_audit.py", "dm.nav.audit", ":material/history:"),
    ("dm_completeness.py", "dm.nav.completeness", ":material/fact_check:"),
)


def _page(file: str, key: str, icon: str, *, default: bool = False,
          hidden: bool = False) -> st.Page:
    return st.Page(str(PAGES / file), title=tr(key), icon=icon, url_path=file[:-3],
                   default=default, visibility="hidden" if hidden else "visible")


def login_page(*, visible: bool) -> st.Page:
    return _page("login.py", "login.submit", ":material/login:", hidden=not visible)


def pages_for(actor: Actor | None) -> dict[str, list[st.Page]] | list[st.Page]:
    if actor is None:
        return [login_page(visible=True)]
    # Hidden but present: the rerun after a successful login, which stays on the login
    # address, is sent on to the home page by the login page itself.
    account = [_page("logout.py", "nav.logout", ":material/logout:"), login_page(visible=False)]
    if actor.role == Role.site_clinician:
        return {
            tr("nav.section.registry"): [
                _page("worklist.py", "nav.worklist", ":material/checklist:", default=True),
                _page("patients.py", "nav.patients", ":material/groups:"),
                _page("queries.py", "nav.queries", ":material/help:"),
                _page("upload.py", "nav.upload", ":material/upload_file:"),
            ],
            tr("nav.section.patients"): [
                _page("patient.py", "nav.patient", ":material/timeline:"),
                _page("patient_new.py", "nav.register", ":material/person_add:"),
                _page("treatment.py", "nav.treatment", ":material/vaccines:"),
                _page("followup.py", "nav.followup", ":material/event_available:"),
                _page("adverse_event.py", "nav.adverse_event", ":material/warning:"),
                _page("death.py", "nav.death", ":material/sentiment_sad:"),
                _page("correct.py", "nav.correct", ":material/edit_note:"),
            ],
            tr("nav.section.account"): account,
        }
    sections = {
        tr("nav.section.registry"): [
            _page("home.py", "nav.home", ":material/home:", default=True)],
    }
    if actor.role in (Role.leadership, Role.data_manager):
        sections[tr("lead.nav.section")] = [
            _page("lead_overview.py", "lead.nav.overview", ":material/monitoring:"),
            _page("lead_safety.py", "lead.nav.safety", ":material/health_and_safety:"),
            _page("lead_production.py", "lead.nav.production", ":material/factory:"),
            _page("lead_outcomes.py", "lead.nav.outcomes", ":material/show_chart:"),
            _page("lead_centres.py", "lead.nav.centres", ":material/apartment:"),
        ]
    if actor.role == Role.economist:
        sections[tr("econ.nav.section")] = [
            _page(file, key, icon) for file, key, icon in ECONOMIST_PAGES]
    if actor.role == Role.data_manager:
        sections[tr("dm.nav.section")] = [
            _page(file, key, icon) for file, key, icon in DATA_MANAGER_PAGES
            if (PAGES / file).exists()]
    sections[tr("nav.section.account")] = account
    return sections


def forced_password_pages() -> list[st.Page]:
    """While a one-time password is in use: only the change-password page and logout."""
    return [_page("account_password.py", "nav.password", ":material/password:", default=True),
            _page("logout.py", "nav.logout", ":material/logout:"), login_page(visible=False)]


def home_path(actor: Actor) -> str:
    if st.session_state.get("must_change_password"):
        return "pages/account_password.py"
    return "pages/worklist.py" if actor.role == Role.site_clinician else "pages/home.py"
