"""End to end, the query workflow in a real Chromium: the data manager raises a query on a
MOW-01 patient, the MOW-01 clinician answers it, the data manager closes it. Each step is
checked in the portal's database; screenshots go to tests/artifacts/.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session, select

from registry.db import make_engine
from registry.i18n import t
from registry.models import DataQuery, Patient, Site
from registry.models.enums import QueryStatus
from registry.seed import DEMO_PASSWORD
from tests.browser.conftest import Journey

pytestmark = pytest.mark.browser
MESSAGE = "Проверьте дату диагноза: в выписке другая (тест браузера)"


def _log_in(journey: Journey, portal: str, username: str, nav_key: str) -> None:
    page = journey.page
    page.goto(portal, wait_until="networkidle")
    page.get_by_label(t("login.username", "ru")).fill(username)
    page.get_by_role("textbox", name=t("login.password", "ru")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=t("login.submit", "ru")).click()
    page.get_by_role("link", name=t(nav_key, "ru"), exact=True).wait_for(timeout=60_000)


def _log_out(journey: Journey) -> None:
    """A fresh load starts a new portal session (logged out), whatever the sidebar shows."""
    journey.page.goto("about:blank")


def _query(db_url: str) -> DataQuery:
    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            return session.exec(select(DataQuery).where(DataQuery.message == MESSAGE)).one()
    finally:
        engine.dispose()


def test_raise_answer_close(portal: str, portal_db_url: str, page: Any) -> None:
    engine = make_engine(portal_db_url)
    with Session(engine) as session:
        site = session.exec(select(Site).where(Site.code == "MOW-01")).one()
        patient = session.exec(select(Patient).where(Patient.site_id == site.id)
                               .order_by(Patient.id)).first()
        assert patient is not None and patient.id is not None
        patient_id, site_id = patient.id, site.id
    engine.dispose()
    journey = Journey(page, "query")
    page.set_viewport_size({"width": 1400, "height": 2000})

    # 1. the data manager raises a query on the patient
    _log_in(journey, portal, "datamanager", "dm.nav.quality")
    journey.go("dm.nav.quality")
    tab = page.get_by_role("tab", name=t("dm.quality.tab.raise", "ru"))
    tab.wait_for(timeout=90_000)
    tab.click()
    journey.choose("dm_raise_table", t("table.patient", "ru"))
    journey.settle()
    journey.number("dm_raise_row", str(patient_id))
    journey.fill("dm_raise_message", MESSAGE)
    page.get_by_role("button", name=t("dm.quality.raise_submit", "ru")).click()
    journey.settle()
    query = _query(portal_db_url)
    assert query.status == QueryStatus.open and query.site_id == site_id
    assert query.table_name == "patient" and query.row_id == patient_id
    journey.shot("raised")
    _log_out(journey)

    # 2. the site's clinician answers it on the queries page
    _log_in(journey, portal, "clinician.mow", "nav.queries")
    journey.go("nav.queries")
    page.get_by_text(MESSAGE).filter(visible=True).first.wait_for(timeout=30_000)
    journey.fill("query_body", "Исправлено по выписке от 12.03.2024.")
    page.get_by_role("button", name=t("query.send", "ru")).click()
    journey.settle()
    assert _query(portal_db_url).status == QueryStatus.answered
    journey.shot("answered")
    _log_out(journey)

    # 3. the data manager reads the answer and closes the query
    _log_in(journey, portal, "datamanager", "dm.nav.quality")
    journey.go("dm.nav.quality")
    box = journey.key("dm_query_pick").locator("input[role=combobox]")
    box.wait_for(timeout=90_000)
    box.click()
    page.get_by_role("option").filter(has_text=f"#{query.id} ·").first.click()
    journey.settle()
    page.get_by_text("Исправлено по выписке").filter(visible=True).first.wait_for(
        timeout=30_000)
    journey.fill("dm_close_reason", "ответ принят")
    page.get_by_role("button", name=t("dm.quality.close", "ru")).click()
    journey.settle()
    assert _query(portal_db_url).status == QueryStatus.closed
    journey.shot("closed")
