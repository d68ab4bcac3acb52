"""Every write service: scope, validation, nothing written on refusal, one audit event."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session, SQLModel, func, select

from registry.auth import Actor
from registry.errors import InvalidInput, PermissionDenied
from registry.models import (
    AdverseEvent,
    AuditEvent,
    DataQuery,
    Death,
    FollowUp,
    InfusionCreate,
    ManufacturingLot,
    NotInfusedCreate,
    Patient,
    TreatmentEpisode,
)
from registry.services import events, followup, patients, treatment
from tests import factories as f


def count(session: Session, model: type[SQLModel]) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def audit_trail(session: Session) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).order_by(AuditEvent.id)))


@dataclass
class Case:
    """One write service, a valid call, and the table it writes."""

    name: str
    table: type[SQLModel]
    table_name: str
    call: Callable[[Session, Actor, dict[str, Any]], Any]
    prepare: Callable[[Session, Actor, tuple[Any, Any]], dict[str, Any]]


def _prep_patient(session: Session, actor: Actor, products: Any) -> dict[str, Any]:
    return {}


def _prep_registered(session: Session, actor: Actor, products: Any) -> dict[str, Any]:
    return {"patient": f.make_patient(session, actor)}


def _prep_apheresed(session: Session, actor: Actor, products: Any) -> dict[str, Any]:
    patient = f.make_patient(session, actor)
    return {"episode": f.make_episode(session, actor, patient, products[0].id)}


def _prep_with_lot(session: Session, actor: Actor, products: Any) -> dict[str, Any]:
    ctx = _prep_apheresed(session, actor, products)
    treatment.record_lot(session=session, actor=actor, data=f.lot_data(ctx["episode"]))
    return ctx


def _prep_infused(session: Session, actor: Actor, products: Any) -> dict[str, Any]:
    patient, episode = f.make_infused_episode(session, actor, products[0].id)
    return {"patient": patient, "episode": episode}


def _infuse(session: Session, actor: Actor, ctx: dict[str, Any]) -> Any:
    return treatment.record_infusion(session=session, actor=actor, data=InfusionCreate(
        episode_id=ctx["episode"].id, infusion_date=f.INFUSION, bridging="chemo",
        lymphodepletion="Flu/Cy", dose_car_positive_cells=2e8))


CASES = [
    Case("register_patient", Patient, "patient",
         lambda s, a, c: f.make_patient(s, a), _prep_patient),
    Case("record_apheresis", TreatmentEpisode, "treatmentepisode",
         lambda s, a, c: f.make_episode(s, a, c["patient"], 1), _prep_registered),
    Case("record_lot", ManufacturingLot, "manufacturinglot",
         lambda s, a, c: treatment.record_lot(session=s, actor=a, data=f.lot_data(c["episode"])),
         _prep_apheresed),
    Case("record_infusion", TreatmentEpisode, "treatmentepisode", _infuse, _prep_with_lot),
    Case("record_not_infused", TreatmentEpisode, "treatmentepisode",
         lambda s, a, c: treatment.record_not_infused(session=s, actor=a, data=NotInfusedCreate(
             episode_id=c["episode"].id, reason="manufacturing_failure",
             decision_date=f.INFUSION)), _prep_apheresed),
    Case("submit_followup", FollowUp, "followup",
         lambda s, a, c: f.make_followup(s, a, c["episode"]), _prep_infused),
    Case("report_adverse_event", AdverseEvent, "adverseevent",
         lambda s, a, c: events.report_adverse_event(session=s, actor=a,
                                                     data=f.ae_data(c["episode"])),
         _prep_infused),
    Case("report_death", Death, "death",
         lambda s, a, c: f.make_death(s, a, c["patient"]), _prep_infused),
]
IDS = [c.name for c in CASES]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_other_sites_clinician_is_refused_and_nothing_is_written(
    case: Case, session: Session, products: Any, clinician_a: Actor, clinician_b: Actor
) -> None:
    ctx = case.prepare(session, clinician_a, products)
    rows, events_before = count(session, case.table), len(audit_trail(session))
    if case.name == "register_patient":
        data = f.patient_data(site_id=clinician_a.site_id)
        with pytest.raises(PermissionDenied):
            patients.register_patient(session=session, actor=clinician_b, data=data)
    else:
        with pytest.raises(PermissionDenied):
            case.call(session, clinician_b, ctx)
    session.rollback()
    assert count(session, case.table) == rows
    assert len(audit_trail(session)) == events_before


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_leadership_and_economist_cannot_write(
    case: Case, session: Session, products: Any, clinician_a: Actor, leadership: Actor,
    economist: Actor,
) -> None:
    ctx = case.prepare(session, clinician_a, products)
    for actor in (leadership, economist):
        with pytest.raises(PermissionDenied):
            if case.name == "register_patient":
                patients.register_patient(session=session, actor=actor,
                                          data=f.patient_data(site_id=clinician_a.site_id))
            else:
                case.call(session, actor, ctx)


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_accepted_write_leaves_one_audit_event_with_after(
    case: Case, session: Session, products: Any, clinician_a: Actor
) -> None:
    ctx = case.prepare(session, clinician_a, products)
    before = len(audit_trail(session))
    result = case.call(session, clinician_a, ctx)
    trail = audit_trail(session)[before:]
    mine = [e for e in trail if e.table_name == case.table_name]
    assert len(mine) == 1, [(e.table_name, e.action) for e in trail]
    event = mine[0]
    assert event.username == clinician_a.username
    assert event.row_id == result.id
    assert event.created_at is not None
    row = session.get(case.table, result.id)
    assert row is not None
    if event.action == "create":
        assert event.before is None
        assert event.after is not None and event.after["id"] == result.id
    else:  # an update of the episode: before/after hold exactly the changed fields
        assert event.before is not None and event.after is not None
        assert set(event.before) == set(event.after)
        for name, value in event.after.items():
            assert str(getattr(row, name).value if hasattr(getattr(row, name), "value")
                       else getattr(row, name)) == str(value)
    # record_lot also links the lot to its episode: audited as a second, update event
    others = [e for e in trail if e.table_name != case.table_name]
    if case.name == "record_lot":
        assert [(e.table_name, e.action, e.after) for e in others] == [
            ("treatmentepisode", "update", {"lot_id": result.id})]
    else:
        assert others == []


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_rejected_write_leaves_no_row_and_no_audit_event(
    case: Case, session: Session, products: Any, clinician_a: Actor
) -> None:
    ctx = case.prepare(session, clinician_a, products)
    rows, events_before = count(session, case.table), len(audit_trail(session))
    bad_date = f.INFUSION + timedelta(days=10_000)  # in the future
    with pytest.raises(InvalidInput) as info:
        if case.name == "register_patient":
            f.make_patient(session, clinician_a, consent_date=bad_date)
        elif case.name == "record_apheresis":
            f.make_episode(session, clinician_a, ctx["patient"], 1, apheresis_date=bad_date)
        elif case.name == "record_lot":
            treatment.record_lot(session=session, actor=clinician_a,
                                 data=f.lot_data(ctx["episode"], release_date=bad_date))
        elif case.name == "record_infusion":
            treatment.record_infusion(session=session, actor=clinician_a, data=InfusionCreate(
                episode_id=ctx["episode"].id, infusion_date=bad_date, bridging="none",
                lymphodepletion="Flu/Cy", dose_car_positive_cells=2e8))
        elif case.name == "record_not_infused":
            treatment.record_not_infused(session=session, actor=clinician_a, data=NotInfusedCreate(
                episode_id=ctx["episode"].id, reason="other", decision_date=bad_date))
        elif case.name == "submit_followup":
            f.make_followup(session, clinician_a, ctx["episode"], assessment_date=bad_date)
        elif case.name == "report_adverse_event":
            events.report_adverse_event(session=session, actor=clinician_a,
                                        data=f.ae_data(ctx["episode"], onset_date=bad_date))
        else:
            f.make_death(session, clinician_a, ctx["patient"], death_date=bad_date)
    assert "today" in str(info.value)
    session.rollback()
    assert count(session, case.table) == rows
    assert len(audit_trail(session)) == events_before


def test_validation_lists_every_bad_field(session: Session, products: Any,
                                          clinician_a: Actor) -> None:
    with pytest.raises(InvalidInput) as info:
        patients.register_patient(session=session, actor=clinician_a, data={
            "site_patient_code": "has space", "sex": "X", "birth_year": 1850,
            "indication": "AML", "diagnosis_date": "2024-01-01", "prior_lines": 1,
            "consent_date": "2024-02-01", "national_insurance_number": "12345678901"})
    fields = {e.field for e in info.value.errors}
    assert {"site_patient_code", "sex", "birth_year", "indication"} <= fields
    assert "'X'" in str(info.value)  # the message echoes the value


def test_bad_snils_checksum_named(session: Session, products: Any, clinician_a: Actor) -> None:
    good = f.snils(999)
    bad = good[:-2] + f"{(int(good[-2:]) + 1) % 100:02d}"
    with pytest.raises(InvalidInput) as info:
        f.make_patient(session, clinician_a, national_insurance_number=bad)
    assert [e.field for e in info.value.errors] == ["national_insurance_number"]
    assert "control number" in info.value.errors[0].message


def test_insurance_number_is_never_stored(engine: Any, session: Session, products: Any,
                                          clinician_a: Actor) -> None:
    number = f.snils(4242)
    patient = f.make_patient(session, clinician_a, national_insurance_number=number)
    stored = session.get(Patient, patient.id)
    assert stored is not None and len(stored.identity_hash) == 64
    assert number not in stored.identity_hash
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                assert number not in repr(tuple(row)), table.name
    assert "national_insurance_number" not in patient.model_dump()


def test_site_patient_code_unique_per_site_only(session: Session, products: Any,
                                                clinician_a: Actor, clinician_b: Actor) -> None:
    f.make_patient(session, clinician_a, site_patient_code="HEM-7")
    f.make_patient(session, clinician_b, site_patient_code="HEM-7")  # other site: fine
    with pytest.raises(InvalidInput) as info:
        f.make_patient(session, clinician_a, site_patient_code="HEM-7")
    assert info.value.errors[0].field == "site_patient_code"


def test_duplicate_at_same_site_points_to_the_patient(session: Session, products: Any,
                                                      clinician_a: Actor) -> None:
    first = f.make_patient(session, clinician_a, national_insurance_number=f.snils(77))
    with pytest.raises(InvalidInput) as info:
        f.make_patient(session, clinician_a, national_insurance_number=f.snils(77))
    assert first.registry_id in str(info.value)


def test_duplicate_at_other_site_refused_without_naming_it_and_raises_query(
    session: Session, products: Any, clinician_a: Actor, clinician_b: Actor
) -> None:
    first = f.make_patient(session, clinician_a, national_insurance_number="112-233-445 95")
    with pytest.raises(InvalidInput) as info:
        f.make_patient(session, clinician_b, national_insurance_number="11223344595")
    message = str(info.value)
    assert "MOW-01" not in message and "NMRC" not in message and "Moscow" not in message
    assert first.registry_id not in message
    assert "another site" in message
    assert count(session, Patient) == 1
    queries = list(session.exec(select(DataQuery)))
    assert len(queries) == 1
    assert queries[0].site_id is None  # visible to data managers, not to either site
    assert first.registry_id in queries[0].message and "SPB-01" in queries[0].message


def test_date_order_diagnosis_apheresis_infusion(session: Session, products: Any,
                                                 clinician_a: Actor) -> None:
    patient = f.make_patient(session, clinician_a)
    with pytest.raises(InvalidInput) as info:
        f.make_episode(session, clinician_a, patient, products[0].id,
                       apheresis_date=patient.diagnosis_date - timedelta(days=1))
    assert info.value.errors[0].field == "apheresis_date"
    assert "diagnosis" in info.value.errors[0].message
    f.make_episode(session, clinician_a, patient, products[0].id,
                   apheresis_date=patient.diagnosis_date)  # the same day is allowed
    episode = f.make_episode(session, clinician_a, patient, products[0].id)
    treatment.record_lot(session=session, actor=clinician_a, data=f.lot_data(episode))
    with pytest.raises(InvalidInput) as info:
        treatment.record_infusion(session=session, actor=clinician_a, data=InfusionCreate(
            episode_id=episode.id, infusion_date=episode.apheresis_date - timedelta(days=1),
            bridging="none", lymphodepletion="Flu/Cy", dose_car_positive_cells=2e8))
    assert {e.field for e in info.value.errors} == {"infusion_date"}


def test_followup_and_events_on_or_after_infusion(session: Session, products: Any,
                                                  clinician_a: Actor) -> None:
    _, episode = f.make_infused_episode(session, clinician_a, products[0].id)
    assert episode.infusion_date is not None
    with pytest.raises(InvalidInput, match="before the infusion"):
        f.make_followup(session, clinician_a, episode,
                        assessment_date=episode.infusion_date - timedelta(days=1))
    with pytest.raises(InvalidInput, match="before the infusion"):
        events.report_adverse_event(session=session, actor=clinician_a, data=f.ae_data(
            episode, onset_date=episode.infusion_date - timedelta(days=1)))
    f.make_followup(session, clinician_a, episode, timepoint="unscheduled",
                    assessment_date=episode.infusion_date)


def test_followup_refused_before_infusion_is_recorded(session: Session, products: Any,
                                                      clinician_a: Actor) -> None:
    patient = f.make_patient(session, clinician_a)
    episode = f.make_episode(session, clinician_a, patient, products[0].id)
    with pytest.raises(InvalidInput, match="after the infusion"):
        followup.submit_followup(session=session, actor=clinician_a, data={
            "episode_id": episode.id, "timepoint": "D28", "assessment_date": f.INFUSION})


def test_nothing_after_death_and_one_death(session: Session, products: Any,
                                           clinician_a: Actor) -> None:
    patient, episode = f.make_infused_episode(session, clinician_a, products[0].id)
    f.make_followup(session, clinician_a, episode)
    died = f.INFUSION + timedelta(days=60)
    f.make_death(session, clinician_a, patient, death_date=died)
    with pytest.raises(InvalidInput, match="death"):
        f.make_followup(session, clinician_a, episode, timepoint="D100",
                        assessment_date=died + timedelta(days=1))
    with pytest.raises(InvalidInput, match="death"):
        events.report_adverse_event(session=session, actor=clinician_a,
                                    data=f.ae_data(episode, onset_date=died + timedelta(days=1)))
    with pytest.raises(InvalidInput, match="already recorded"):
        f.make_death(session, clinician_a, patient, death_date=died)
    assert count(session, Death) == 1


def test_death_before_recorded_followup_refused(session: Session, products: Any,
                                                clinician_a: Actor) -> None:
    patient, episode = f.make_infused_episode(session, clinician_a, products[0].id)
    f.make_followup(session, clinician_a, episode)  # assessed on day 28
    with pytest.raises(InvalidInput) as info:
        f.make_death(session, clinician_a, patient, death_date=f.INFUSION + timedelta(days=20))
    assert "follow-up" in str(info.value)


def test_scheduled_timepoint_once_per_episode(session: Session, products: Any,
                                              clinician_a: Actor) -> None:
    _, episode = f.make_infused_episode(session, clinician_a, products[0].id)
    f.make_followup(session, clinician_a, episode)
    with pytest.raises(InvalidInput, match="already received"):
        f.make_followup(session, clinician_a, episode)
    f.make_followup(session, clinician_a, episode, timepoint="unscheduled")
    f.make_followup(session, clinician_a, episode, timepoint="unscheduled")
    assert count(session, FollowUp) == 3


def test_followup_rules_name_fields(session: Session, products: Any, clinician_a: Actor) -> None:
    _, episode = f.make_infused_episode(session, clinician_a, products[0].id, indication="LBCL")
    with pytest.raises(InvalidInput) as info:
        f.make_followup(session, clinician_a, episode, response="CRi", hospital_days=3,
                        icu_days=5, relapse_or_progression=True, mrd_negative=True)
    fields = {e.field for e in info.value.errors}
    assert fields == {"response", "icu_days", "relapse_date", "mrd_negative"}


def test_crs_grade_computed_and_override_needs_reason(session: Session, products: Any,
                                                      clinician_a: Actor) -> None:
    _, episode = f.make_infused_episode(session, clinician_a, products[0].id)
    event = events.report_adverse_event(session=session, actor=clinician_a, data=f.ae_data(episode))
    assert event.grade == 2 and event.computed_grade == 2
    with pytest.raises(InvalidInput) as info:
        events.report_adverse_event(session=session, actor=clinician_a,
                                    data=f.ae_data(episode, grade=3))
    assert info.value.errors[0].field == "grade_override_reason"
    overridden = events.report_adverse_event(session=session, actor=clinician_a, data=f.ae_data(
        episode, grade=3, grade_override_reason="hypoxia on transfer not captured in signs"))
    assert (overridden.grade, overridden.computed_grade) == (3, 2)


def test_icans_grade_from_signs(session: Session, products: Any, clinician_a: Actor) -> None:
    _, episode = f.make_infused_episode(session, clinician_a, products[0].id)
    event = events.report_adverse_event(session=session, actor=clinician_a, data=f.ae_data(
        episode, event_type="ICANS", signs={"ice": 5, "consciousness": "awake",
                                            "seizure": "none"}))
    assert event.grade == 2


def test_bad_sign_is_named(session: Session, products: Any, clinician_a: Actor) -> None:
    _, episode = f.make_infused_episode(session, clinician_a, products[0].id)
    with pytest.raises(InvalidInput) as info:
        events.report_adverse_event(session=session, actor=clinician_a, data=f.ae_data(
            episode, signs={"max_temperature_c": 39, "hypotension": "severe"}))
    assert info.value.errors[0].field == "signs"


def test_infusion_needs_released_lot(session: Session, products: Any, clinician_a: Actor) -> None:
    patient = f.make_patient(session, clinician_a)
    episode = f.make_episode(session, clinician_a, patient, products[0].id)
    infusion = InfusionCreate(episode_id=episode.id, infusion_date=f.INFUSION, bridging="none",
                              lymphodepletion="Flu/Cy", dose_car_positive_cells=2e8)
    with pytest.raises(InvalidInput, match="lot before"):
        treatment.record_infusion(session=session, actor=clinician_a, data=infusion)
    treatment.record_lot(session=session, actor=clinician_a, data=f.lot_data(
        episode, release_date=None, manufacturing_failed=True))
    with pytest.raises(InvalidInput, match="not released"):
        treatment.record_infusion(session=session, actor=clinician_a, data=infusion)


def test_lot_number_unique_and_product_matches(session: Session, products: Any,
                                               clinician_a: Actor) -> None:
    p1 = f.make_patient(session, clinician_a)
    e1 = f.make_episode(session, clinician_a, p1, products[0].id)
    treatment.record_lot(session=session, actor=clinician_a, data=f.lot_data(e1, lot_number="L-1"))
    e2 = f.make_episode(session, clinician_a, f.make_patient(session, clinician_a), products[0].id)
    with pytest.raises(InvalidInput) as info:
        treatment.record_lot(session=session, actor=clinician_a,
                             data=f.lot_data(e2, lot_number="L-1", product_id=products[1].id))
    assert {e.field for e in info.value.errors} == {"lot_number", "product_id"}


def test_registry_ids_are_assigned(session: Session, products: Any, clinician_a: Actor) -> None:
    a = f.make_patient(session, clinician_a)
    b = f.make_patient(session, clinician_a)
    assert a.registry_id == f"R-{a.id:06d}" and b.registry_id != a.registry_id


def test_reads_are_scoped(session: Session, products: Any, clinician_a: Actor,
                          clinician_b: Actor, data_manager: Actor, leadership: Actor) -> None:
    mine = f.make_patient(session, clinician_a)
    f.make_patient(session, clinician_b)
    assert [p.id for p in patients.list_patients(session=session, actor=clinician_a)] == [mine.id]
    assert len(patients.list_patients(session=session, actor=data_manager)) == 2
    with pytest.raises(PermissionDenied):
        patients.get_patient(session=session, actor=clinician_b, patient_id=mine.id)
    with pytest.raises(PermissionDenied):
        patients.list_patients(session=session, actor=leadership)
    assert patients.find_patient_by_registry_id(
        session=session, actor=clinician_b, registry_id=mine.registry_id) is None


def test_audit_rows_commit_with_their_change(engine: Any, session: Session, products: Any,
                                             clinician_a: Actor) -> None:
    """Seen from another connection, each created row has its audit event."""
    f.make_infused_episode(session, clinician_a, products[0].id)
    with engine.connect() as conn:
        audited = conn.execute(text(
            "SELECT count(*) FROM auditevent WHERE table_name = 'patient'")).scalar()
        rows = conn.execute(text("SELECT count(*) FROM patient")).scalar()
    assert audited == rows == 1


def test_existing_lot_can_be_picked_once(session: Session, products: Any,
                                         clinician_a: Actor, data_manager: Actor) -> None:
    from registry.models import ManufacturingLot as Lot
    from registry.services.common import apply_update

    p1 = f.make_patient(session, clinician_a)
    e1 = f.make_episode(session, clinician_a, p1, products[0].id)
    lot = treatment.record_lot(session=session, actor=clinician_a, data=f.lot_data(e1))
    # the lot is unlinked from its first episode (a correction), so it can be picked
    row = session.get(TreatmentEpisode, e1.id)
    assert row is not None
    apply_update(session, data_manager, row, {"lot_id": None}, reason="wrong episode")
    session.commit()
    assert [x.id for x in treatment.list_unlinked_lots(
        session=session, actor=clinician_a, product_id=products[0].id)] == [lot.id]
    e2 = f.make_episode(session, clinician_a, f.make_patient(session, clinician_a),
                        products[0].id)
    linked = treatment.attach_lot(session=session, actor=clinician_a,
                                  data={"episode_id": e2.id, "lot_id": lot.id})
    assert linked.lot_id == lot.id
    e3 = f.make_episode(session, clinician_a, f.make_patient(session, clinician_a),
                        products[0].id)
    with pytest.raises(InvalidInput, match="another episode"):
        treatment.attach_lot(session=session, actor=clinician_a,
                             data={"episode_id": e3.id, "lot_id": lot.id})
    assert session.get(Lot, lot.id) is not None


def test_vital_status_dead_needs_the_death_form_first(session: Session, products: Any,
                                                      clinician_a: Actor) -> None:
    patient, episode = f.make_infused_episode(session, clinician_a, products[0].id)
    with pytest.raises(InvalidInput) as info:
        f.make_followup(session, clinician_a, episode, vital_status="dead")
    assert [e.field for e in info.value.errors] == ["vital_status"]
    f.make_death(session, clinician_a, patient, death_date=f.INFUSION + timedelta(days=28))
    saved = f.make_followup(session, clinician_a, episode, vital_status="dead")
    assert saved.vital_status == "dead"
