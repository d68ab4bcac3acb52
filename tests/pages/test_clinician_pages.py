"""A site clinician's pages under AppTest: every page loads, and each form writes exactly what
it should (or nothing, with the message under the field).

The portal is in Russian (the default language), so labels are `t(key, "ru")`.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlmodel import select
from streamlit.util import calc_hash

from registry import today
from registry.i18n import t
from registry.identity import snils_check_digits
from registry.models import (
    AdverseEvent,
    AuditEvent,
    DataQuery,
    DataQueryMessage,
    Death,
    FollowUp,
    ManufacturingLot,
    Patient,
    TreatmentEpisode,
)
from registry.models.enums import (
    AdverseEventType,
    DeathCause,
    Hypotension,
    Indication,
    OxygenSupport,
    QueryStatus,
    Response,
    Timepoint,
)
from registry.services.corrections import correct_record
from registry.services.queries import raise_query
from registry.services.uploads import UploadKind
from tests import factories
from tests.pages.conftest import Portal, app, log_in, messages_under, submit, texts

RU = "ru"
MOW = "clinician.mow"
SPB = "clinician.spb"
PAGES = ["worklist", "patients", "patient", "patient_new", "treatment", "followup",
         "adverse_event", "death", "correct", "queries", "upload"]
pytestmark = pytest.mark.usefixtures("steady_router")
NEEDS_PATIENT = {"patient", "treatment", "followup", "adverse_event", "death", "correct"}


def ru(key: str, **params: object) -> str:
    return t(key, RU, **params)


def infused_patient(portal: Portal, username: str = MOW, *, infusion: date = factories.INFUSION,
                    **overrides: Any) -> tuple[Any, Any]:
    with portal.session() as session:
        return factories.make_infused_episode(session, portal.actor(username),
                                              portal.product_id(), infusion=infusion,
                                              **overrides)


def unique_snils(n: int) -> str:
    first9 = f"{300_000_000 + n:09d}"
    return first9 + snils_check_digits(first9)


def dm_actor(portal: Portal) -> Any:
    return portal.actor("datamanager")


# ---- every page loads ------------------------------------------------------------------------

# What each page shows for a selected (infused) patient: a widget key, or None for its title.
WITH_PATIENT = {
    "worklist": "worklist_form", "patients": "patients_pick", "patient": None,
    "patient_new": "reg_snils", "treatment": "aph_date", "followup": "fu_timepoint",
    "adverse_event": "ae_type", "death": "death_date", "correct": "correct_record",
    "queries": None, "upload": "upload_kind",
}
TITLES = {
    "worklist": None, "patients": "nav.patients", "patient": "nav.patient",
    "patient_new": "nav.register", "treatment": "nav.treatment", "followup": "nav.followup",
    "adverse_event": "nav.adverse_event", "death": "nav.death", "correct": "nav.correct",
    "queries": "nav.queries", "upload": "nav.upload",
}


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_without_a_selected_patient(portal: Portal, page: str) -> None:
    at = portal.open(MOW, page)
    assert not at.exception
    key = TITLES[page]
    assert at.title[0].value == (ru(key) if key else "MOW-01 · NMRC for Hematology")
    if page in NEEDS_PATIENT:
        assert texts(at.info) == [ru("common.choose_patient")]
        assert not at.selectbox and not at.date_input, "no form without a patient"
    else:
        assert ru("common.choose_patient") not in texts(at.info)
        assert not at.error


@pytest.mark.parametrize("page", PAGES)
def test_page_loads_with_a_selected_patient(portal: Portal, page: str) -> None:
    patient, _ = infused_patient(portal)
    at = portal.open(MOW, page, patient_id=patient.id)
    assert not at.exception
    assert not at.error, texts(at.error)
    assert ru("common.choose_patient") not in texts(at.info)
    key = WITH_PATIENT[page]
    if page == "patient":
        assert at.title[0].value == f"{patient.registry_id} · {patient.site_patient_code}"
    elif page == "queries":
        assert texts(at.info) == [ru("worklist.no_queries")]
    else:
        assert key is not None
        assert at.get("selectbox") or at.get("text_input") or at.get("radio")
        assert any(getattr(w, "key", None) == key for w in _widgets(at)), key
    if page == "correct":  # the patient's own record comes first in the record list
        assert patient.registry_id in at.selectbox(key="correct_record").options[0]
    elif page in NEEDS_PATIENT - {"patient"}:
        assert patient.registry_id in at.caption[0].value


def _widgets(at: Any) -> list[Any]:
    kinds = ["selectbox", "text_input", "radio", "date_input", "number_input", "checkbox"]
    return [w for kind in kinds for w in at.get(kind)]


# ---- worklist ----------------------------------------------------------------------------------


def test_worklist_counts_the_sites_forms_and_opens_one(portal: Portal) -> None:
    now = today()
    overdue_p, _ = infused_patient(portal, infusion=now - timedelta(days=50))  # D28 closed day 35
    due_p, due_ep = infused_patient(portal, infusion=now - timedelta(days=100))  # D100 window open
    with portal.session() as session:  # its D28 was received, so only D100 is expected
        factories.make_followup(session, portal.actor(MOW), due_ep)
    other_p, _ = infused_patient(portal, SPB, infusion=now - timedelta(days=50))

    at = portal.open(MOW)
    assert not at.exception
    counts = {m.label: m.value for m in at.metric}
    assert counts[ru("count.overdue")] == "1"
    assert counts[ru("count.due")] == "1"
    assert counts[ru("count.upcoming")] == "0"
    assert counts[ru("count.patients")] == "2"
    shown = " ".join(df.value.to_csv() for df in at.dataframe)
    assert overdue_p.registry_id in shown and due_p.registry_id in shown
    assert other_p.registry_id not in shown, "site B's patient is on site A's worklist"
    options = at.selectbox(key="worklist_form").options
    assert len(options) == 2 and not any(other_p.registry_id in o for o in options)

    d100 = next(i for i, o in enumerate(options) if due_p.registry_id in o)
    assert "D100" in options[d100]
    at.selectbox(key="worklist_form").set_value(d100)
    at.button(key="worklist_open").click()
    at.run()
    assert not at.exception
    assert at.title[0].value == ru("nav.followup")
    assert at.session_state["patient_id"] == due_p.id
    assert at.selectbox(key="fu_episode").value == due_ep.id
    assert at.selectbox(key="fu_timepoint").value == Timepoint.d100
    assert at.date_input(key="fu_date").value == due_ep.infusion_date + timedelta(days=100)


# ---- register a patient ------------------------------------------------------------------------


def _fill_registration(at: Any, *, code: str, snils: str, diagnosis: date,
                       consent: date) -> None:
    at.text_input(key="reg_code").set_value(code)
    at.text_input(key="reg_snils").set_value(snils)
    at.selectbox(key="reg_indication").set_value(Indication.b_all)
    at.date_input(key="reg_diagnosis").set_value(diagnosis)
    at.date_input(key="reg_consent").set_value(consent)


def test_register_refuses_bad_fields_next_to_them_and_writes_nothing(portal: Portal) -> None:
    at = portal.open(MOW, "patient_new")
    good = unique_snils(1)
    bad = good[:9] + ("00" if good[9:] != "00" else "01")  # a wrong control number
    _fill_registration(at, code="NEW-1", snils=bad, diagnosis=date(2024, 5, 1),
                       consent=date(2024, 4, 1))  # consent before the diagnosis
    patients, audits = portal.count(Patient), portal.count(AuditEvent)
    at = submit(at, "register")
    assert not at.exception
    assert portal.count(Patient) == patients and portal.count(AuditEvent) == audits

    under_snils = messages_under(at, "reg_snils")
    assert len(under_snils) == 1 and bad in under_snils[0]
    under_consent = messages_under(at, "reg_consent")
    expected = ru("date.before", value="01.04.2024", what=ru("what.diagnosis_date"),
                  limit="01.05.2024")
    assert under_consent == [f":red[{expected}]"]
    assert messages_under(at, "reg_code") == [] and messages_under(at, "reg_diagnosis") == []
    summary = texts(at.error)
    assert len(summary) == 1 and summary[0].startswith(ru("common.nothing_saved"))
    assert ru("field.national_insurance_number") in summary[0] and bad in summary[0]
    assert ru("field.consent_date") in summary[0] and expected in summary[0]
    assert at.text_input(key="reg_code").value == "NEW-1", "the fields keep their values"
    assert not at.success


def test_register_a_valid_patient_creates_exactly_one(portal: Portal) -> None:
    at = portal.open(MOW, "patient_new")
    _fill_registration(at, code="NEW-2", snils=unique_snils(2), diagnosis=date(2024, 5, 1),
                       consent=date(2024, 6, 1))
    patients = portal.count(Patient)
    at = submit(at, "register")
    assert not at.exception
    assert not at.error, texts(at.error)
    assert portal.count(Patient) == patients + 1
    with portal.session() as session:
        saved = session.exec(select(Patient).where(Patient.site_patient_code == "NEW-2")).one()
        assert saved.site_id == portal.user(MOW).site_id and saved.indication == Indication.b_all
        audit = session.exec(select(AuditEvent).where(AuditEvent.table_name == "patient",
                                                      AuditEvent.row_id == saved.id)).one()
        assert audit.user_id == portal.user(MOW).id
    assert texts(at.success) == [ru("register.done", registry_id=saved.registry_id)]
    assert at.session_state["patient_id"] == saved.id


# ---- treatment chain ---------------------------------------------------------------------------


def test_treatment_chain_through_the_forms(portal: Portal) -> None:
    with portal.session() as session:
        patient = factories.make_patient(session, portal.actor(MOW))
    at = portal.open(MOW, "treatment", patient_id=patient.id)
    assert not at.exception
    at.date_input(key="aph_date").set_value(date(2025, 1, 20))
    at = submit(at, "apheresis")
    assert not at.exception and not at.error, texts(at.error)
    assert texts(at.success) == [ru("treatment.apheresis_saved", date="20.01.2025")]

    at.text_input(key="lot_number").set_value("LOT-PAGE-1")
    at.date_input(key="lot_start").set_value(date(2025, 1, 25))
    at.date_input(key="lot_release").set_value(date(2025, 2, 24))
    at.number_input(key="lot_viability").set_value(91.0)
    at = submit(at, "lot")
    assert not at.exception and not at.error, texts(at.error)
    assert texts(at.success) == [ru("treatment.lot_saved", lot="LOT-PAGE-1")]

    with portal.session() as session:
        episode = session.exec(select(TreatmentEpisode)
                               .where(TreatmentEpisode.patient_id == patient.id)).one()
        lot = session.get(ManufacturingLot, episode.lot_id)
        assert lot is not None and lot.viability_pct == 91.0
    audits = portal.count(AuditEvent)
    at.date_input(key="inf_date").set_value(date(2025, 1, 10))  # before the apheresis
    at.number_input(key="inf_dose").set_value(2e8)
    at = submit(at, "infusion")
    assert not at.exception
    under = messages_under(at, "inf_date")
    assert any(ru("date.before", value="10.01.2025", what=ru("what.apheresis_date"),
                  limit="20.01.2025") in m for m in under), under
    assert texts(at.error)[0].startswith(ru("common.nothing_saved"))
    assert portal.count(AuditEvent) == audits
    with portal.session() as session:
        assert session.get(TreatmentEpisode, episode.id).infusion_date is None  # type: ignore[union-attr]

    at.date_input(key="inf_date").set_value(date(2025, 3, 1))
    at = submit(at, "infusion")
    assert not at.exception and not at.error, texts(at.error)
    assert texts(at.success) == [ru("treatment.infusion_saved", date="01.03.2025")]
    with portal.session() as session:
        saved = session.get(TreatmentEpisode, episode.id)
        assert saved is not None
        assert saved.infusion_date == date(2025, 3, 1)
        assert saved.dose_car_positive_cells == 2e8
    # the chain is complete: the page offers a new episode's apheresis
    assert at.date_input(key="aph_date") is not None


# ---- follow-up ---------------------------------------------------------------------------------


def test_followup_responses_depend_on_the_indication(portal: Portal) -> None:
    b_all, _ = infused_patient(portal, indication="B-ALL")
    lbcl, _ = infused_patient(portal, indication="LBCL")
    at = portal.open(MOW, "followup", patient_id=b_all.id)
    assert not at.exception
    options = at.selectbox(key="fu_response").options
    assert {"CR", "CRi", "NR", "relapse"} <= set(options)
    assert not {"PR", "SD", "PD"} & set(options)
    assert not at.selectbox(key="fu_mrd").disabled

    at = portal.open(MOW, "followup", patient_id=lbcl.id)
    options = at.selectbox(key="fu_response").options
    assert {"CR", "PR", "SD", "PD"} <= set(options)
    assert "CRi" not in options and "NR" not in options
    assert at.selectbox(key="fu_mrd").disabled
    assert "Lugano2014" in at.selectbox(key="fu_response").label


def test_followup_invalid_writes_nothing_and_valid_d28_saves(portal: Portal) -> None:
    patient, episode = infused_patient(portal)
    at = portal.open(MOW, "followup", patient_id=patient.id)
    assessed = episode.infusion_date + timedelta(days=28)
    at.selectbox(key="fu_timepoint").set_value(Timepoint.d28)
    at.date_input(key="fu_date").set_value(assessed)
    at.selectbox(key="fu_response").set_value(Response.pr)
    at.number_input(key="fu_hospital").set_value(3)
    at.number_input(key="fu_icu").set_value(5)
    forms, audits = portal.count(FollowUp), portal.count(AuditEvent)
    at = submit(at, "followup")
    assert not at.exception
    assert portal.count(FollowUp) == forms and portal.count(AuditEvent) == audits
    icu_message = ru("rule.icu_exceeds_hospital", icu=5, hospital=3)
    assert messages_under(at, "fu_icu") == [f":red[{icu_message}]"]
    assert icu_message in texts(at.error)[0]
    assert not at.success

    at.number_input(key="fu_icu").set_value(2)
    at = submit(at, "followup")
    assert not at.exception and not at.error, texts(at.error)
    assert texts(at.success) == [ru("followup.saved", timepoint="D28",
                                    date=assessed.strftime("%d.%m.%Y"))]
    with portal.session() as session:
        saved = session.exec(select(FollowUp).where(FollowUp.episode_id == episode.id)).one()
        assert (saved.timepoint, saved.response, saved.icu_days, saved.hospital_days) == (
            Timepoint.d28, Response.pr, 2, 3)
        assert saved.assessment_date == assessed


# ---- adverse event -----------------------------------------------------------------------------


def _metric(at: Any, kind: str) -> str:
    metrics = {m.label: str(m.value) for m in at.metric}
    return metrics[ru("ae.computed_grade", kind=kind)]


def test_crs_calculator_and_grade_override(portal: Portal) -> None:
    patient, episode = infused_patient(portal)
    at = portal.open(MOW, "adverse_event", patient_id=patient.id)
    assert at.selectbox(key="ae_type").value == AdverseEventType.crs
    at.number_input(key="crs_temp").set_value(39.0)
    at.selectbox(key="crs_hypotension").set_value(Hypotension.no_vasopressor)
    at.selectbox(key="crs_oxygen").set_value(OxygenSupport.none)
    at.run()
    assert not at.exception
    assert _metric(at, "CRS") == "2", "the grade is shown before submitting"
    assert portal.count(AdverseEvent) == 0

    onset = episode.infusion_date + timedelta(days=2)
    at.date_input(key="ae_onset").set_value(onset)
    at.selectbox(key="ae_grade").set_value(3)
    audits = portal.count(AuditEvent)
    at = submit(at, "adverse_event")
    assert not at.exception
    under = messages_under(at, "ae_override")
    assert under == [f":red[{ru('rule.grade_override', computed=2, grade=3)}]"]
    assert texts(at.error)[0].startswith(ru("common.nothing_saved"))
    assert portal.count(AdverseEvent) == 0 and portal.count(AuditEvent) == audits

    at.text_input(key="ae_override").set_value("hypotension needed a vasopressor overnight")
    at = submit(at, "adverse_event")
    assert not at.exception and not at.error, texts(at.error)
    assert texts(at.success) == [ru("ae.saved", kind="CRS", grade=3,
                                    date=onset.strftime("%d.%m.%Y"))]
    with portal.session() as session:
        event = session.exec(select(AdverseEvent)).one()
        assert (event.grade, event.computed_grade) == (3, 2)
        assert event.grade_override_reason == "hypotension needed a vasopressor overnight"
        assert event.signs is not None and event.signs["max_temperature_c"] == 39.0
        audit = session.exec(select(AuditEvent).where(AuditEvent.table_name == "adverseevent")
                             ).one()
        assert audit.user_id == portal.user(MOW).id
        assert audit.after is not None and audit.after["grade"] == 3


def test_icans_calculator_ice_5_is_grade_2(portal: Portal) -> None:
    patient, _ = infused_patient(portal)
    at = portal.open(MOW, "adverse_event", patient_id=patient.id)
    at.selectbox(key="ae_type").set_value(AdverseEventType.icans)
    at.run()
    assert _metric(at, "ICANS") == "0"  # ICE 10, awake: no ICANS
    at.number_input(key="icans_ice").set_value(5)
    at.run()
    assert not at.exception
    assert _metric(at, "ICANS") == "2"


# ---- death -------------------------------------------------------------------------------------


def test_death_saves_and_then_the_form_is_gone(portal: Portal) -> None:
    patient, episode = infused_patient(portal)
    died = episode.infusion_date + timedelta(days=200)
    at = portal.open(MOW, "death", patient_id=patient.id)
    at.date_input(key="death_date").set_value(died)
    at.selectbox(key="death_cause").set_value(DeathCause.disease)
    at = submit(at, "death")
    assert not at.exception and not at.error, texts(at.error)
    with portal.session() as session:
        death = session.exec(select(Death)).one()
        assert (death.patient_id, death.death_date, death.cause) == (
            patient.id, died, DeathCause.disease)
    shown = ru("patient.died", date=died.strftime("%d.%m.%Y"), cause=ru("code.DeathCause.disease"))
    assert texts(at.info) == [shown]
    assert not at.date_input, "the death form is gone once a death is recorded"

    again = portal.open(MOW, "death", patient_id=patient.id)  # a later visit: blocked
    assert not again.exception
    assert texts(again.info) == [shown] and not again.date_input and not again.button


def _death_in_two_tabs(portal: Portal) -> tuple[Any, date]:
    """Two tabs on the death form; the first saves; the second then submits a later date."""
    patient, episode = infused_patient(portal)
    died = episode.infusion_date + timedelta(days=200)
    first = portal.open(MOW, "death", patient_id=patient.id)
    second = portal.open(MOW, "death", patient_id=patient.id)  # opened before the first saved
    first.date_input(key="death_date").set_value(died)
    first = submit(first, "death")
    assert not first.exception and portal.count(Death) == 1
    audits = portal.count(AuditEvent)
    second.date_input(key="death_date").set_value(died + timedelta(days=1))
    second.selectbox(key="death_cause").set_value(DeathCause.infection)
    second = submit(second, "death")
    assert not second.exception
    assert portal.count(Death) == 1 and portal.count(AuditEvent) == audits
    with portal.session() as session:
        assert session.exec(select(Death)).one().death_date == died
    return second, died


def test_second_death_report_from_a_stale_tab_is_refused(portal: Portal) -> None:
    second, died = _death_in_two_tabs(portal)
    # the page reloads the patient and shows the death already recorded, not the new one
    shown = ru("patient.died", date=died.strftime("%d.%m.%Y"), cause=ru("code.DeathCause.disease"))
    assert texts(second.info) == [shown] and not second.date_input


def test_second_death_report_tells_the_user_it_was_not_saved(portal: Portal) -> None:
    """The refused submission must say so (forms.py: the messages of a refused form are
    shown), not silently swap the user's date and cause for the recorded ones."""
    second, _ = _death_in_two_tabs(portal)
    shown = " ".join(texts(second.error) + texts(second.warning))
    assert ru("death.already") in shown, (
        texts(second.error), texts(second.warning), texts(second.info))


# ---- correct a record --------------------------------------------------------------------------


def _last_changed(portal: Portal, patient_id: int, who: str) -> str:
    with portal.session() as session:
        row = session.get(Patient, patient_id)
        assert row is not None
        when = row.updated_at.strftime("%d.%m.%Y %H:%M") + " UTC"
        return ru("correct.last_changed", who=who, when=when, version=row.version)


def test_correct_shows_last_change_and_needs_a_reason(portal: Portal) -> None:
    patient, _ = infused_patient(portal)
    at = portal.open(MOW, "correct", patient_id=patient.id)
    assert not at.exception
    assert at.caption[0].value == _last_changed(portal, patient.id, MOW)
    assert at.selectbox(key="correct_record").value == 0  # the patient record

    at.selectbox(key="correct_field").set_value("prior_lines")
    at.text_input(key="correct_value").set_value("3")
    audits = portal.count(AuditEvent)
    at = submit(at, "correct")
    assert not at.exception
    assert portal.count(AuditEvent) == audits
    assert len(messages_under(at, "correct_reason")) == 1
    assert ru("field.reason") in texts(at.error)[0]
    with portal.session() as session:
        assert session.get(Patient, patient.id).prior_lines == 2  # type: ignore[union-attr]

    at.text_input(key="correct_reason").set_value("referral letter lists three lines")
    at = submit(at, "correct")
    assert not at.exception and not at.error, texts(at.error)
    assert texts(at.success) == [ru("correct.saved", n=1)]
    with portal.session() as session:
        row = session.get(Patient, patient.id)
        assert row is not None and row.prior_lines == 3 and row.version == 2
        audit = session.exec(select(AuditEvent).where(AuditEvent.table_name == "patient",
                                                      AuditEvent.action == "update")).one()
        assert audit.before == {"prior_lines": 2} and audit.after == {"prior_lines": 3}
        assert audit.reason == "referral letter lists three lines"
        assert audit.user_id == portal.user(MOW).id
    assert at.caption[0].value == _last_changed(portal, patient.id, MOW)
    assert at.caption[0].value.endswith(" 2"), "the caption shows the new version"


def test_correct_conflict_keeps_the_other_users_value(portal: Portal) -> None:
    patient, _ = infused_patient(portal)
    at = portal.open(MOW, "correct", patient_id=patient.id)  # opens version 1
    assert at.session_state["correct_opened"] == ("patient", patient.id, 1)
    with portal.session() as session:
        correct_record(session=session, actor=dm_actor(portal), data={
            "table": "patient", "row_id": patient.id, "expected_version": 1,
            "changes": {"prior_lines": 4}, "reason": "checked against the source documents"})

    at.selectbox(key="correct_field").set_value("prior_lines")
    at.text_input(key="correct_value").set_value("3")
    at.text_input(key="correct_reason").set_value("referral letter lists three lines")
    at = submit(at, "correct")
    assert not at.exception
    errors = texts(at.error)
    assert ru("conflict.version") in errors, errors
    assert ru("correct.newer_values") in texts(at.markdown)
    newer = at.dataframe[-1].value
    values = dict(zip(newer.iloc[:, 0], newer.iloc[:, 1], strict=True))
    assert values[ru("field.prior_lines")] == "4"
    assert values["version"] == "2"
    # the page also says the record changed since it was opened, and who changed it last
    assert texts(at.warning) == [ru("correct.changed_since", version=2)]
    assert at.caption[0].value == _last_changed(portal, patient.id, "datamanager")
    with portal.session() as session:
        row = session.get(Patient, patient.id)
        assert row is not None and row.prior_lines == 4 and row.version == 2


# ---- data queries ------------------------------------------------------------------------------


def test_queries_lists_the_sites_own_and_answers(portal: Portal) -> None:
    mine, _ = infused_patient(portal)
    theirs, _ = infused_patient(portal, SPB)
    with portal.session() as session:
        query = raise_query(session=session, actor=dm_actor(portal), data={
            "table_name": "patient", "row_id": mine.id, "field": "prior_lines",
            "message": "Prior lines 2 but two auto-HSCTs reported: please check",
            "site_id": mine.site_id})
        other = raise_query(session=session, actor=dm_actor(portal), data={
            "table_name": "patient", "row_id": theirs.id, "field": "ecog",
            "message": "SPB-only question about ECOG", "site_id": theirs.site_id})
    at = portal.open(MOW, "queries")
    assert not at.exception
    table = at.dataframe[0].value
    assert list(table["#"]) == [query.id]
    assert "SPB-only" not in table.to_csv() and other.id not in list(table["#"])
    assert any("please check" in m for m in texts(at.text))

    at.text_area(key="query_body").set_value("Checked: the second was an allo-HSCT, corrected.")
    messages = portal.count(DataQueryMessage)
    at = submit(at, "answer")
    assert not at.exception and not at.error, texts(at.error)
    assert portal.count(DataQueryMessage) == messages + 1
    with portal.session() as session:
        assert session.get(DataQuery, query.id).status == QueryStatus.answered  # type: ignore[union-attr]
        assert session.get(DataQuery, other.id).status == QueryStatus.open  # type: ignore[union-attr]
    assert "Checked: the second was an allo-HSCT, corrected." in texts(at.text)
    assert ru("query.answered") in at.dataframe[0].value.to_csv()

    spb = portal.open(SPB, "queries")
    assert list(spb.dataframe[0].value["#"]) == [other.id]


def test_queries_of_another_site_only_shows_none(portal: Portal) -> None:
    theirs, _ = infused_patient(portal, SPB)
    with portal.session() as session:
        raise_query(session=session, actor=dm_actor(portal), data={
            "table_name": "patient", "row_id": theirs.id, "message": "SPB question",
            "site_id": theirs.site_id})
    at = portal.open(MOW, "queries")
    assert not at.exception
    assert texts(at.info) == [ru("worklist.no_queries")]
    assert not at.dataframe


# ---- language ----------------------------------------------------------------------------------


def test_language_switch_shows_english_and_is_stored(portal: Portal) -> None:
    at = portal.open(MOW)
    assert at.title[0].value.startswith("MOW-01")
    assert ru("count.overdue") in [m.label for m in at.metric]
    assert at.radio(key="language_switch").value == "ru"
    at.radio(key="language_switch").set_value("en")
    at.run()
    assert not at.exception
    assert [m.label for m in at.metric][:2] == [t("count.overdue", "en"), t("count.due", "en")]
    assert at.subheader[0].value.startswith(t("worklist.overdue", "en"))
    assert at.title[0].value.startswith("MOW-01"), "the same page, now in English"
    assert portal.user(MOW).language == "en"
    assert portal.user(SPB).language == "ru", "only that user's choice changed"
    at.switch_page("pages/patients.py").run()
    assert at.title[0].value == t("nav.patients", "en"), "other pages follow"


def test_a_fresh_login_is_in_the_users_stored_language(portal: Portal) -> None:
    at = portal.open(MOW)
    at.radio(key="language_switch").set_value("en")
    at.run()
    assert portal.user(MOW).language == "en"

    fresh = app().run()  # a new browser session: the login page, in Russian
    assert fresh.title[0].value == ru("app.title")
    fresh = log_in(fresh, MOW)
    assert not fresh.exception
    assert fresh.title[0].value.startswith("MOW-01")
    assert portal.user(MOW).language == "en", "logging in overwrote the stored language"
    assert [m.label for m in fresh.metric][0] == t("count.overdue", "en")
    assert fresh.radio(key="language_switch").value == "en"


# ---- navigation by role ------------------------------------------------------------------------


def _request(at: Any, url_path: str) -> Any:
    """What a browser asking for `/<url_path>` gets (st.Page hashes its url_path)."""
    at._page_hash = calc_hash(url_path)  # AppTest has no public way to request a URL
    return at.run()


@pytest.mark.parametrize("url_path", ["worklist", "patient", "followup", "upload"])
def test_leadership_cannot_reach_clinician_pages(portal: Portal, url_path: str) -> None:
    patient, _ = infused_patient(portal)
    at = portal.open("leader", patient_id=patient.id)
    home = at.title[0].value
    assert home == ru("home.title.leadership")
    with pytest.raises(ValueError, match="navigation page"):  # not in the role's navigation
        at.switch_page(f"pages/{url_path}.py")
    at = _request(at, url_path)
    assert not at.exception
    assert at.title[0].value == home, "Streamlit shows the role's default page instead"
    assert not at.error
    shown = " ".join(texts(at.markdown) + texts(at.caption) + texts(at.title)
                     + [df.value.to_csv() for df in at.dataframe])
    assert patient.registry_id not in shown and "MOW-01" not in shown
    assert not at.get("file_uploader") and not at.get("date_input")


@pytest.mark.parametrize("username", [MOW, "economist", "datamanager"])
def test_other_roles_cannot_reach_other_homes(portal: Portal, username: str) -> None:
    at = portal.open(username)
    home = at.title[0].value
    other = "home" if username == MOW else "worklist"
    with pytest.raises(ValueError, match="navigation page"):
        at.switch_page(f"pages/{other}.py")
    at = _request(at, other)
    assert not at.exception
    assert at.title[0].value == home
    if username == MOW:  # not the leadership/economist/data-manager home
        assert home.startswith("MOW-01")
        assert ru("count.sites") not in [m.label for m in at.metric]
    else:
        assert "MOW-01" not in home and ru("count.overdue") not in [m.label for m in at.metric]


# ---- bulk upload -------------------------------------------------------------------------------


def _patients_csv(rows: list[dict[str, str]]) -> bytes:
    header = ["site_patient_code", "national_insurance_number", "sex", "birth_year",
              "indication", "diagnosis_date", "prior_lines", "consent_date"]
    lines = [",".join(header)] + [",".join(r[h] for h in header) for r in rows]
    return ("\n".join(lines) + "\n").encode()


def upload_rows(prefix: str, start: int) -> list[dict[str, str]]:
    return [{"site_patient_code": f"{prefix}-{i}",
             "national_insurance_number": unique_snils(start + i), "sex": "M",
             "birth_year": "1970", "indication": "LBCL",
             "diagnosis_date": "15.03.2023", "prior_lines": "2", "consent_date": "01.02.2024"}
            for i in range(3)]


def _click(at: Any, key: str) -> Any:
    at.button(key=key).click()
    return at.run()


def test_upload_page_offers_kinds_and_templates(portal: Portal) -> None:
    at = portal.open(MOW, "upload")
    assert not at.exception
    kinds = at.radio(key="upload_kind")
    assert kinds.options == [ru(f"upload.kind.{k.value}") for k in UploadKind]
    for key in ("upload_template_csv", "upload_template_xlsx"):
        assert at.get("download_button") and any(
            b.key == key for b in at.get("download_button")), key
    kinds.set_value(UploadKind.followups)
    at.run()
    assert not at.exception and kinds.value == UploadKind.followups


def test_upload_bad_row_commits_nothing_then_the_fixed_file_commits_once(
        portal: Portal) -> None:
    rows = upload_rows("UP", 10)
    bad = [dict(r) for r in rows]
    bad[1]["sex"] = "X"  # the second data row, line 3 of the file
    at = portal.open(MOW, "upload")
    at.file_uploader(key="upload_file").set_value(("patients.csv", _patients_csv(bad),
                                                   "text/csv"))
    at.run()
    patients, audits = portal.count(Patient), portal.count(AuditEvent)
    at = _click(at, "upload_preview")
    assert not at.exception
    counts = {m.label: m.value for m in at.metric}
    assert counts[ru("upload.rows")] == "3" and counts[ru("upload.errors")] == "1"
    assert texts(at.error) == [ru("upload.has_errors")]
    table = at.dataframe[0].value
    assert list(table.columns) == [ru("col.row"), ru("col.column"), ru("col.message")]
    assert len(table) == 1 and table.iloc[0][ru("col.column")] == "sex"
    assert table.iloc[0][ru("col.row")] == 3  # the spreadsheet row: header = 1

    at = _click(at, "upload_commit")
    assert not at.exception
    assert texts(at.error) == [ru("upload.refused", n=1)]
    assert at.dataframe[0].value.iloc[0][ru("col.column")] == "sex"
    assert portal.count(Patient) == patients and portal.count(AuditEvent) == audits

    fixed = _patients_csv(rows)
    at.file_uploader(key="upload_file").set_value(("patients.csv", fixed, "text/csv"))
    at = _click(at, "upload_preview")
    assert texts(at.success) == [ru("upload.valid")]
    at = _click(at, "upload_commit")
    assert not at.exception and not at.error, texts(at.error)
    assert texts(at.success) == [ru("upload.committed", created=3, skipped=0)]
    assert portal.count(Patient) == patients + 3
    with portal.session() as session:
        codes = set(session.exec(select(Patient.site_patient_code)
                                 .where(Patient.site_id == portal.user(MOW).site_id)))
        assert {"UP-0", "UP-1", "UP-2"} <= codes

    again = _click(at, "upload_commit")
    assert not again.exception
    assert texts(again.success) == [ru("upload.committed", created=0, skipped=3)]
    assert portal.count(Patient) == patients + 3

