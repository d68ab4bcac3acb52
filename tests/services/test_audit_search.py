"""Audit search and export: every filter, the patient's whole record, diffs, inert CSV."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd
import pytest
from sqlmodel import Session, select

from registry.auth import Actor
from registry.errors import InvalidInput, PermissionDenied
from registry.models import (
    AdverseEvent,
    AuditEvent,
    Death,
    FollowUp,
    Patient,
    ResourceUse,
    TreatmentEpisode,
)
from registry.models.enums import AuditAction, ResourceItem
from registry.services import events as event_services
from registry.services.audit import audit_csv, diff_fields, record_audit, search_audit
from registry.services.audit_chain import verify_audit_chain
from registry.services.common import insert_audited
from registry.services.corrections import Correction, correct_record
from registry.services.workspace import save_cohort
from tests import factories as f


def _all_events(session: Session) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).order_by(AuditEvent.id)))  # type: ignore[arg-type]


def _patient_rows(session: Session, patient_id: int) -> set[tuple[str, int]]:
    """(table, row id) of everything recorded about one patient, found row by row."""
    rows = {("patient", patient_id)}
    episodes = session.exec(select(TreatmentEpisode).where(
        TreatmentEpisode.patient_id == patient_id)).all()
    for episode in episodes:
        assert episode.id is not None
        rows.add(("treatmentepisode", episode.id))
        if episode.lot_id is not None:
            rows.add(("manufacturinglot", episode.lot_id))
        for model, name in [(FollowUp, "followup"), (AdverseEvent, "adverseevent"),
                            (ResourceUse, "resourceuse")]:
            for row in session.exec(select(model).where(model.episode_id == episode.id)):
                rows.add((name, row.id))
    for death in session.exec(select(Death).where(Death.patient_id == patient_id)):
        rows.add(("death", death.id))
    return rows


@pytest.fixture
def trail(session: Session, products: Any, clinician_a: Actor, data_manager: Actor,
          economist: Actor) -> dict[str, Any]:
    """Two patients with episodes, forms, AEs, costs; a death, a correction, a cohort."""
    made: dict[str, Any] = {}
    for key in ("one", "two"):
        patient, episode = f.make_infused_episode(session, clinician_a, products[0].id)
        form = f.make_followup(session, clinician_a, episode, hospital_days=14)
        event_services.report_adverse_event(session=session, actor=clinician_a,
                                            data=f.ae_data(episode))
        insert_audited(session, clinician_a, ResourceUse(
            episode_id=episode.id, item=list(ResourceItem)[0], quantity=2,
            use_date=date(2025, 3, 5), site_id=clinician_a.site_id))
        session.commit()
        made[key] = (patient, episode, form)
    f.make_death(session, clinician_a, made["one"][0])
    correct_record(session=session, actor=data_manager, data=Correction(
        table="followup", row_id=made["one"][2].id, expected_version=1,
        changes={"hospital_days": 16}, reason="discharge summary"))
    save_cohort(session=session, actor=economist, name="LBCL", definition={"x": 1})
    session.commit()
    return made


def test_registry_id_finds_every_event_of_that_patient_and_no_other(
    session: Session, trail: dict[str, Any], data_manager: Actor
) -> None:
    patient = trail["one"][0]
    wanted = _patient_rows(session, patient.id)
    assert {t for t, _ in wanted} >= {"patient", "treatmentepisode", "manufacturinglot",
                                      "followup", "adverseevent", "resourceuse", "death"}
    expected = [e.id for e in reversed(_all_events(session))
                if (e.table_name, e.row_id) in wanted]
    rows, total = search_audit(session=session, actor=data_manager,
                               registry_id=patient.registry_id.lower())
    assert list(rows["id"]) == expected and total == len(expected)
    assert len(expected) >= 8  # patient, episode, lot, infusion, form, AE, cost, death, fix
    other, _ = search_audit(session=session, actor=data_manager,
                            registry_id=trail["two"][0].registry_id)
    assert not set(other["id"]) & set(expected)
    none, zero = search_audit(session=session, actor=data_manager, registry_id="R-999999")
    assert none.empty and zero == 0 and list(none.columns) == list(rows.columns)


def test_username_table_and_action_filters(session: Session, trail: dict[str, Any],
                                           data_manager: Actor, clinician_a: Actor) -> None:
    everything = _all_events(session)
    rows, total = search_audit(session=session, actor=data_manager, username="DM")
    assert total == 1 and list(rows["reason"]) == ["discharge summary"]
    rows, total = search_audit(session=session, actor=data_manager, table_name="followup")
    assert total == sum(e.table_name == "followup" for e in everything) == 3
    rows, total = search_audit(session=session, actor=data_manager, action="update",
                               username=clinician_a.username)
    expected = [e.id for e in everything
                if e.action == AuditAction.update and e.username == clinician_a.username]
    assert sorted(rows["id"]) == expected and total == len(expected) > 0
    with pytest.raises(InvalidInput) as info:
        search_audit(session=session, actor=data_manager, action="delete")
    assert info.value.errors[0].field == "action"


def test_date_filters_are_inclusive_utc_days(session: Session, data_manager: Actor) -> None:
    stamps = [datetime(2025, 1, 10, 23, 59, 59, 999999, tzinfo=UTC),
              datetime(2025, 1, 11, 0, 0, tzinfo=UTC),
              datetime(2025, 1, 11, 23, 59, 59, 999999, tzinfo=UTC),
              datetime(2025, 1, 12, 0, 0, tzinfo=UTC)]
    for i, stamp in enumerate(stamps):
        record_audit(session, data_manager, AuditAction.login, "user", i).created_at = stamp
    session.commit()
    rows, total = search_audit(session=session, actor=data_manager,
                               date_from=date(2025, 1, 11), date_to=date(2025, 1, 11))
    assert total == 2 and sorted(rows["row_id"]) == [1, 2]
    rows, total = search_audit(session=session, actor=data_manager, date_from=date(2025, 1, 11))
    assert sorted(rows["row_id"]) == [1, 2, 3]
    rows, total = search_audit(session=session, actor=data_manager, date_to=date(2025, 1, 10))
    assert list(rows["row_id"]) == [0]
    rows, total = search_audit(session=session, actor=data_manager,
                               date_from=datetime(2025, 1, 11, 12, tzinfo=UTC),
                               date_to=date(2025, 1, 12))
    assert sorted(rows["row_id"]) == [2, 3]
    with pytest.raises(InvalidInput) as info:
        search_audit(session=session, actor=data_manager, date_from=date(2025, 1, 12),
                     date_to=date(2025, 1, 11))
    assert info.value.errors[0].field == "date_to"


def test_pages_cover_every_event_once_newest_first(session: Session, trail: dict[str, Any],
                                                   data_manager: Actor) -> None:
    everything = [e.id for e in _all_events(session)]
    seen: list[int] = []
    for offset in range(0, len(everything), 7):
        page, total = search_audit(session=session, actor=data_manager, limit=7, offset=offset)
        assert total == len(everything) and len(page) <= 7
        seen += list(page["id"])
    assert seen == everything[::-1]
    for bad in ({"limit": 0}, {"limit": 10_001}, {"offset": -1}):
        with pytest.raises(InvalidInput):
            search_audit(session=session, actor=data_manager, **bad)


def test_only_data_managers_and_system_read_the_trail(
    session: Session, clinician_a: Actor, economist: Actor, leadership: Actor, system: Actor
) -> None:
    for actor in (clinician_a, economist, leadership):
        with pytest.raises(PermissionDenied):
            search_audit(session=session, actor=actor)
    assert search_audit(session=session, actor=system)[1] == 0


def test_each_event_carries_its_field_differences(session: Session, trail: dict[str, Any],
                                                  data_manager: Actor) -> None:
    rows, _ = search_audit(session=session, actor=data_manager, action="update",
                           table_name="followup", username="dm")
    assert rows["changes"].iloc[0] == [("hospital_days", 14, 16)]
    created, _ = search_audit(session=session, actor=data_manager, table_name="patient",
                              action="create", limit=1)
    changes = created["changes"].iloc[0]
    after = created["after"].iloc[0]
    assert changes == [(k, None, after[k]) for k in sorted(after) if after[k] is not None]


def test_diff_fields() -> None:
    assert diff_fields(None, None) == []
    assert diff_fields({"a": 1, "b": [1, 2]}, {"a": 1, "b": [1, 3]}) == [("b", [1, 2], [1, 3])]
    assert diff_fields({"gone": "x", "same": None}, {"new": 0}) == [
        ("gone", "x", None), ("new", None, 0)]
    assert diff_fields({"grade": 3}, None) == [("grade", 3, None)]


def test_csv_export_makes_formulas_inert(session: Session, data_manager: Actor) -> None:
    evil = ["=HYPERLINK(\"http://x\")", "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1"]
    actor = Actor(user_id=None, username="@attacker", role=data_manager.role)
    for i, text in enumerate(evil):
        record_audit(session, actor, AuditAction.update, "followup", i, before={"=cmd": 1},
                     after={"=cmd": text}, reason=text)
    record_audit(session, data_manager, AuditAction.create, "site", 99, after={"name": "Б"},
                 reason="plain, with a comma")
    record_audit(session, data_manager, AuditAction.export, "export", None)
    session.commit()
    rows, total = search_audit(session=session, actor=data_manager)
    data = audit_csv(rows)
    assert data.startswith(b"\xef\xbb\xbf")
    parsed = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert len(parsed) == total == 8
    assert [r["row_id"] for r in parsed] == ["", "99", "5", "4", "3", "2", "1", "0"]
    prefixes = ("=", "+", "-", "@", "\t", "\r")
    assert not [cell for row in parsed for cell in row.values() if cell.startswith(prefixes)]
    by_row = {int(r["row_id"]): r for r in parsed if r["table_name"] == "followup"}
    for i, text in enumerate(evil):
        assert by_row[i]["reason"] == "'" + text and by_row[i]["username"] == "'@attacker"
        assert by_row[i]["changes"].startswith("'=cmd: 1 -> ")
    site = next(r for r in parsed if r["table_name"] == "site")
    assert site["reason"] == "plain, with a comma" and site["changes"] == 'name:  -> "Б"'
    assert pd.Timestamp(site["created_at"]).tzinfo is not None
    assert verify_audit_chain(session).ok  # searching and exporting changed nothing
    assert session.exec(select(Patient)).first() is None
