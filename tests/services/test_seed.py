"""Seeding: reference data, the bulk-loaded synthetic cohort and the demo accounts."""

from __future__ import annotations

from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, func, select

from registry.auth import SYSTEM_ACTOR, Actor
from registry.models import (
    AdverseEvent,
    AuditEvent,
    Death,
    FollowUp,
    ManufacturingLot,
    Patient,
    Product,
    Site,
    TreatmentEpisode,
    User,
)
from registry.models.enums import Role
from registry.seed import DEMO_ACCOUNTS, ensure_demo_accounts, seed_synthetic
from registry.services.common import Checks, snapshot_values
from registry.services.events import check_adverse_event, check_death
from registry.services.followup import check_followup
from registry.services.treatment import check_episode
from registry.synthetic import generate_cohort
from tests import factories as f

N = 300


def _count(session: Session, model: type[SQLModel]) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


def test_seed_loads_every_frame_and_audits_the_load(engine: Engine) -> None:
    counts = seed_synthetic(engine, patients=N, seed=3)
    cohort = generate_cohort(N, 3)
    with Session(engine) as session:
        assert _count(session, Site) == 12 and _count(session, Product) == 2
        assert _count(session, Patient) == len(cohort.patients) == N
        assert _count(session, TreatmentEpisode) == len(cohort.episodes)
        assert _count(session, ManufacturingLot) == len(cohort.lots)
        assert _count(session, FollowUp) == len(cohort.followups) == counts["followup"]
        assert _count(session, AdverseEvent) == len(cohort.adverse_events)
        assert _count(session, Death) == len(cohort.deaths)
        loads = session.exec(select(AuditEvent).where(AuditEvent.table_name == "followup")).all()
        assert len(loads) == 1 and loads[0].after == {
            "rows": len(cohort.followups), "source": f"synthetic cohort: {N} patients, seed 3"}
        hashes = session.exec(select(Patient.identity_hash)).all()
        assert len(set(hashes)) == N and all(len(h) == 64 for h in hashes)


def test_seeded_records_obey_the_service_rules(engine: Engine) -> None:
    """The generator's data pass the same checks a clinician's entries must pass."""
    seed_synthetic(engine, patients=N, seed=5)
    with Session(engine) as session:
        problems: list[str] = []
        for model, check in [
            (TreatmentEpisode, check_episode),
            (FollowUp, lambda s, v, c: check_followup(s, v, c, exclude_id=v["id"])),
            (AdverseEvent, check_adverse_event),
            (Death, lambda s, v, c: check_death(s, v, c, exclude_id=v["id"])),
        ]:
            for row in session.exec(select(model)):
                checks = Checks()
                values = snapshot_values(row)
                check(session, values, checks)
                problems += [f"{model.__name__} {row.id}: {e}" for e in checks.errors  # type: ignore[attr-defined]
                             if "today" not in e.message]
        assert problems == []


def test_services_work_after_a_bulk_seed(engine: Engine) -> None:
    """Ids continue after the bulk-inserted ones (PostgreSQL sequences are reset)."""
    seed_synthetic(engine, patients=50, seed=2)
    clinician = Actor(user_id=None, username="ivanova", role=Role.site_clinician, site_id=1)
    with Session(engine) as session:
        before = session.exec(select(func.max(Patient.id))).one()
        patient = f.make_patient(session, clinician)
        assert patient.id == before + 1


def test_demo_accounts(engine: Engine) -> None:
    seed_synthetic(engine, patients=10, seed=1)
    with Session(engine) as session:
        listed = ensure_demo_accounts(session)
        ensure_demo_accounts(session)  # idempotent
        assert _count(session, User) == len(DEMO_ACCOUNTS) == len(listed)
        assert ("clinician.mow", "site_clinician", "MOW-01") in listed
        assert ("clinician.spb", "site_clinician", "SPB-01") in listed
    assert SYSTEM_ACTOR.role == "system"
