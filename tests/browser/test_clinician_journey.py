"""End to end in Chromium: a site clinician registers a patient, records the treatment chain,
submits the D28 form from the worklist, reports a CRS graded by the calculator, reads the
timeline, switches to English and logs out. Screenshots go to tests/artifacts/."""

from __future__ import annotations

import re
import time
from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from registry import today
from registry.db import make_engine
from registry.i18n import t
from registry.identity import snils_check_digits
from registry.models import AdverseEvent, FollowUp, Patient, TreatmentEpisode
from registry.seed import DEMO_PASSWORD
from tests.browser.conftest import ARTIFACTS, WAIT, Journey, store_language

pytestmark = pytest.mark.browser


def ru(key: str, **params: object) -> str:
    return t(key, "ru", **params)


def dmy(value: date) -> str:
    return value.strftime("%d.%m.%Y")


def unique_snils() -> str:
    first9 = f"{int(time.time() * 1000) % 899_999_999 + 100_000_000:09d}"
    return first9 + snils_check_digits(first9)


def test_clinician_journey(portal: str, portal_db_url: str, page: Any) -> None:
    try:
        _journey(portal, portal_db_url, page)
    except BaseException:
        page.screenshot(path=str(ARTIFACTS / "clinician_failed.png"), full_page=True)
        raise
    finally:  # the journey switched clinician.mow to English; other tests expect Russian
        store_language(portal_db_url, "clinician.mow", "ru")


def _journey(portal: str, portal_db_url: str, page: Any) -> None:
    from playwright.sync_api import expect

    j = Journey(page, "clinician")
    now = today()
    infusion = now - timedelta(days=28)  # the D28 form is due today
    apheresis = infusion - timedelta(days=40)
    code = f"J{int(time.time()) % 10_000_000}"

    j.log_in(portal, "clinician.mow", DEMO_PASSWORD)
    j.shot("worklist_after_login")

    # register a patient
    j.go("nav.register")
    j.fill("reg_code", code)
    j.fill("reg_snils", unique_snils())
    j.choose("reg_indication", "LBCL")
    j.date("reg_diagnosis", now - timedelta(days=365))
    j.date("reg_consent", now - timedelta(days=90))
    j.save("reg_code")
    done = ru("register.done", registry_id="R-").rstrip(".")
    j.see(done)
    banner = page.get_by_text(done).first.inner_text()
    registry_id = banner.split(":")[1].strip().rstrip(".")
    assert registry_id.startswith("R-"), banner
    j.shot("patient_registered")

    # apheresis -> lot -> infusion
    j.go("nav.treatment")
    j.see(code)
    j.date("aph_date", apheresis)
    j.save("aph_date")
    j.see(ru("treatment.apheresis_saved", date=dmy(apheresis)))
    j.shot("apheresis_recorded")
    lot = f"LOT-{code}"
    j.fill("lot_number", lot)
    j.date("lot_start", infusion - timedelta(days=35))
    j.date("lot_release", infusion - timedelta(days=5))
    j.save("lot_number")
    j.see(ru("treatment.lot_saved", lot=lot))
    j.shot("lot_recorded")
    j.date("inf_date", infusion)
    j.number("inf_dose", "200000000")
    j.save("inf_date")
    j.see(ru("treatment.infusion_saved", date=dmy(infusion)))
    j.shot("infusion_recorded")

    # the D28 form is due on the worklist; open it from there and submit it
    j.go("nav.worklist")
    j.see(ru("worklist.due"))
    picker = j.key("worklist_form").locator("input[role=combobox]")
    picker.click()
    picker.fill(f"{registry_id} · D28")
    option = page.get_by_role("option").filter(has_text=f"{registry_id} · D28")
    option.first.wait_for(timeout=WAIT)
    window = f"{dmy(infusion + timedelta(days=21))} – {dmy(infusion + timedelta(days=35))}"
    assert option.first.inner_text() == f"{registry_id} · D28 · {window} ({ru('form.due')})"
    option.first.click()
    j.shot("worklist_d28_due")
    j.key("worklist_open").get_by_role("button").click()
    j.see(ru("nav.followup"))
    j.see(registry_id)
    shown = j.key("fu_date").locator("[data-testid=stDateInputField]").inner_text()
    assert "".join(shown.split()) == dmy(now), "the target day is pre-filled"
    j.choose("fu_response", "CR")
    j.number("fu_hospital", "12")
    j.number("fu_icu", "1")
    j.shot("followup_d28_filled")
    j.save("fu_date")
    j.see(ru("followup.saved", timepoint="D28", date=dmy(now)))
    j.shot("followup_d28_saved")

    # a CRS whose calculator shows grade 2 before saving
    j.go("nav.adverse_event")
    j.number("crs_temp", "39")
    j.choose("crs_hypotension", ru("code.Hypotension.no_vasopressor"))
    metric = page.locator("[data-testid=stMetric]").filter(
        has_text=ru("ae.computed_grade", kind="CRS"))
    metric.wait_for(timeout=WAIT)
    page.wait_for_function(
        "el => el.innerText.trim().endsWith('2')", arg=metric.element_handle(), timeout=WAIT)
    j.date("ae_onset", infusion + timedelta(days=2))
    j.shot("crs_calculator_grade_2")
    j.save("ae_onset")
    j.see(ru("ae.saved", kind="CRS", grade=2, date=dmy(infusion + timedelta(days=2))))
    j.shot("crs_saved")

    # both on the patient's timeline
    j.go("nav.patient")
    j.see(f"{registry_id} · {code}")
    j.see(ru("patient.chain"))
    events = page.locator("[data-testid=stDataFrame]").last.locator("[role=gridcell]")
    for cell in ("D28 CR", "CRS G2", ru("event.followup"), ru("event.ae"), dmy(now)):
        expect(events.filter(has_text=cell).first).to_be_attached(timeout=WAIT)
    j.shot("timeline_ru")

    # the same page in English
    page.get_by_text("English", exact=True).click()
    j.see(t("patient.chain", "en"))
    j.see(f"{registry_id} · {code}")
    assert page.get_by_role("link", name=t("nav.patient", "en"), exact=True).is_visible()
    for cell in ("D28 CR", "CRS G2", t("event.followup", "en"), t("event.ae", "en")):
        expect(events.filter(has_text=cell).first).to_be_attached(timeout=WAIT)
    j.shot("timeline_en")

    # what the browser wrote is in the portal's database
    engine = make_engine(portal_db_url)
    with Session(engine) as session:
        patient = session.exec(select(Patient).where(Patient.registry_id == registry_id)).one()
        assert patient.site_patient_code == code
        episode = session.exec(select(TreatmentEpisode)
                               .where(TreatmentEpisode.patient_id == patient.id)).one()
        assert (episode.apheresis_date, episode.infusion_date) == (apheresis, infusion)
        form = session.exec(select(FollowUp).where(FollowUp.episode_id == episode.id)).one()
        assert (form.timepoint.value, form.assessment_date, form.response) == (
            "D28", now, "CR")
        event = session.exec(select(AdverseEvent)
                             .where(AdverseEvent.episode_id == episode.id)).one()
        assert (event.event_type.value, event.grade, event.computed_grade) == ("CRS", 2, 2)
    engine.dispose()

    # log out: the login page keeps the language on screen (English now)
    page.get_by_role("link", name=t("nav.logout", "en"), exact=True).click()
    page.get_by_role("button", name=t("login.submit", "en")).wait_for(timeout=WAIT)
    j.shot("logged_out")


def test_logging_in_again_after_english_and_logout(portal: str, portal_db_url: str,
                                                   page: Any) -> None:
    """Switch to English, log out, log in again in the same tab: one click logs in, and the
    portal is in the user's stored language (English)."""
    from playwright.sync_api import expect

    j = Journey(page, "relogin")
    try:
        j.log_in(portal, "clinician.spb", DEMO_PASSWORD)
        page.get_by_text("English", exact=True).click()
        j.see(t("count.overdue", "en"))
        page.get_by_role("link", name=t("nav.logout", "en"), exact=True).click()
        j.settle()
        j.shot("login_page_after_english_logout")
        login = page.get_by_role("button", name=ru("login.submit")).or_(
            page.get_by_role("button", name=t("login.submit", "en")))
        page.get_by_role("textbox").nth(0).fill("clinician.spb")
        page.get_by_role("textbox").nth(1).fill(DEMO_PASSWORD)
        login.first.click()
        j.settle()
        j.shot("after_one_login_click")
        # no second click: the one click must lead to the worklist (a slow machine may take
        # a while, so wait for it rather than read the page at once)
        expect(page.locator("h1").first).to_have_text(re.compile(r"^SPB-01"), timeout=WAIT)
        j.see(t("count.overdue", "en"))
    finally:
        store_language(portal_db_url, "clinician.spb", "ru")
