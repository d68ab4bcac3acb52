"""Corrections: reason required, version checked, rules re-applied, before/after audited."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from registry.auth import Actor
from registry.errors import Conflict, InvalidInput, PermissionDenied
from registry.models import AdverseEvent, AuditEvent, FollowUp
from registry.services import events
from registry.services.corrections import Correction, correct_record
from tests import factories as f


def _audit_for(session: Session, table: str, row_id: int) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(
        AuditEvent.table_name == table, AuditEvent.row_id == row_id).order_by(AuditEvent.id)))


def test_correction_audited_with_before_after_and_reason(
    session: Session, products: Any, clinician_a: Actor
) -> None:
    _, episode = f.make_infused_episode(session, clinician_a, products[0].id)
    form = f.make_followup(session, clinician_a, episode, hospital_days=14)
    changed = correct_record(session=session, actor=clinician_a, data=Correction(
        table="followup", row_id=form.id, expected_version=1,
        changes={"hospital_days": 16}, reason="discharge summary arrived late"))
    assert changed == {"hospital_days": 16}
    row = session.get(FollowUp, form.id)
    assert row is not None and row.hospital_days == 16 and row.version == 2
    update = _audit_for(session, "followup", form.id)[-1]
    assert (update.action, update.before, update.after, update.reason) == (
        "update", {"hospital_days": 14}, {"hospital_days": 16}, "discharge summary arrived late")


def test_stale_version_is_a_conflict_and_nothing_is_overwritten(
    session: Session, products: Any, clinician_a: Actor, data_manager: Actor
) -> None:
    _, episode = f.make_infused_episode(session, clinician_a, products[0].id)
    form = f.make_followup(session, clinician_a, episode, hospital_days=14)
    correct_record(session=session, actor=data_manager, data=Correction(
        table="followup", row_id=form.id, expected_version=1, changes={"hospital_days": 20},
        reason="per source document"))
    events_before = len(_audit_for(session, "followup", form.id))
    with pytest.raises(Conflict) as info:
        correct_record(session=session, actor=clinician_a, data=Correction(
            table="followup", row_id=form.id, expected_version=1,
            changes={"hospital_days": 15}, reason="my stale edit"))
    assert info.value.current["hospital_days"] == 20 and info.value.current["version"] == 2
    row = session.get(FollowUp, form.id, populate_existing=True)
    assert row is not None and row.hospital_days == 20
    assert len(_audit_for(session, "followup", form.id)) == events_before


def test_reason_is_required(session: Session, products: Any, clinician_a: Actor) -> None:
    _, episode = f.make_infused_episode(session, clinician_a, products[0].id)
    form = f.make_followup(session, clinician_a, episode)
    with pytest.raises(InvalidInput) as info:
        correct_record(session=session, actor=clinician_a, data={
            "table": "followup", "row_id": form.id, "expected_version": 1,
            "changes": {"hospital_days": 3}, "reason": ""})
    assert info.value.errors[0].field == "reason"


def test_rules_apply_to_the_corrected_record(session: Session, products: Any,
                                             clinician_a: Actor) -> None:
    _, episode = f.make_infused_episode(session, clinician_a, products[0].id)
    form = f.make_followup(session, clinician_a, episode, hospital_days=5, icu_days=2)
    with pytest.raises(InvalidInput) as info:
        correct_record(session=session, actor=clinician_a, data=Correction(
            table="followup", row_id=form.id, expected_version=1,
            changes={"icu_days": 9}, reason="typo"))
    assert info.value.errors[0].field == "icu_days"
    with pytest.raises(InvalidInput) as info:
        correct_record(session=session, actor=clinician_a, data=Correction(
            table="treatmentepisode", row_id=episode.id, expected_version=episode.version,
            changes={"infusion_date": episode.apheresis_date - timedelta(days=1)}, reason="typo"))
    assert "infusion_date" in {e.field for e in info.value.errors}


def test_identity_fields_cannot_be_corrected(session: Session, products: Any,
                                             clinician_a: Actor) -> None:
    patient = f.make_patient(session, clinician_a)
    with pytest.raises(InvalidInput) as info:
        correct_record(session=session, actor=clinician_a, data=Correction(
            table="patient", row_id=patient.id, expected_version=1,
            changes={"site_id": 2, "registry_id": "R-999999"}, reason="move"))
    assert {e.field for e in info.value.errors} == {"site_id", "registry_id"}


def test_other_site_cannot_correct(session: Session, products: Any, clinician_a: Actor,
                                   clinician_b: Actor) -> None:
    patient = f.make_patient(session, clinician_a)
    with pytest.raises(PermissionDenied):
        correct_record(session=session, actor=clinician_b, data=Correction(
            table="patient", row_id=patient.id, expected_version=1,
            changes={"prior_lines": 3}, reason="per referral letter"))


def test_corrected_signs_regrade_the_event(session: Session, products: Any,
                                           clinician_a: Actor) -> None:
    _, episode = f.make_infused_episode(session, clinician_a, products[0].id)
    event = events.report_adverse_event(session=session, actor=clinician_a, data=f.ae_data(episode))
    assert event.grade == 2
    correct_record(session=session, actor=clinician_a, data=Correction(
        table="adverseevent", row_id=event.id, expected_version=1,
        changes={"signs": {"max_temperature_c": 39.1, "hypotension": "one_vasopressor",
                           "oxygen": "none"}}, reason="noradrenaline started on day 3"))
    row = session.get(AdverseEvent, event.id, populate_existing=True)
    assert row is not None and (row.grade, row.computed_grade) == (3, 3)
