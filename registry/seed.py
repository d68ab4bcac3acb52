"""First-start set-up: reference data, the synthetic cohort and the demo accounts.

Reference data (sites, products, unit costs) come from `seed_data/`. The synthetic cohort
is bulk-inserted: every row is validated by the field rules of the same models the services
use (column-wise, `registry.seed_load`), the identity numbers are hashed, and one audit event
per table records the load (who, when, how many rows, which generator seed), in the same
transaction as the rows.
"""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, func, select

from registry.auth import SYSTEM_ACTOR, Actor, create_user
from registry.config import SEED_DATA_DIR, hmac_key
from registry.identity import identity_hash
from registry.models import (
    AdverseEvent,
    Death,
    FollowUp,
    ManufacturingLot,
    Patient,
    Product,
    ResourceUse,
    Site,
    TreatmentEpisode,
    UnitCost,
    User,
    UserCreate,
)
from registry.models.enums import AuditAction, Role
from registry.seed_load import load_frame
from registry.services.audit import record_audit

DEMO_PASSWORD = "cart-demo-2026"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: Role
    site_index: int | None  # 1-based row of sites.csv


DEMO_ACCOUNTS = (
    DemoAccount("clinician.mow", Role.site_clinician, 1),
    DemoAccount("clinician.spb", Role.site_clinician, 2),
    DemoAccount("leader", Role.leadership, None),
    DemoAccount("economist", Role.economist, None),
    DemoAccount("datamanager", Role.data_manager, None),
)


def _read_csv(name: str) -> list[dict[str, str]]:
    with (SEED_DATA_DIR / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _bulk(session: Session, table: type[SQLModel], frame: pd.DataFrame, actor: Actor,
          note: str) -> int:
    """Validate and insert every row of `frame` (`registry.seed_load.load_frame`), audit once.

    Raises
    ------
    registry.errors.InvalidInput
        A row breaks its table model's rules; the error names the table, row and field.
    """
    count = load_frame(session, table, frame)
    name = str(table.__tablename__)
    record_audit(session, actor, AuditAction.create, name, None,
                 after={"rows": count, "source": note})
    return count


def _csv_frame(name: str) -> pd.DataFrame:
    """A `seed_data/` CSV file as text columns (empty cells stay "" and load as None)."""
    return pd.DataFrame(_read_csv(name), dtype=object)


def load_reference_data(session: Session, actor: Actor = SYSTEM_ACTOR) -> None:
    """Sites, products and unit costs from seed_data/, when the tables are empty."""
    if session.exec(select(func.count()).select_from(Site)).one() == 0:
        _bulk(session, Site, _csv_frame("sites.csv"), actor, "seed_data/sites.csv")
    if session.exec(select(func.count()).select_from(Product)).one() == 0:
        _bulk(session, Product, _csv_frame("products.csv"), actor, "seed_data/products.csv")
    if session.exec(select(func.count()).select_from(UnitCost)).one() == 0:
        _bulk(session, UnitCost, _csv_frame("unit_costs.csv"), actor,
              "seed_data/unit_costs.csv (illustrative values)")
    session.commit()


def _hashed_patients(patients: pd.DataFrame, key: bytes) -> pd.DataFrame:
    """The patients frame with `identity_hash` in place of the national insurance number."""
    numbers = patients["national_insurance_number"]
    hashes = [identity_hash(str(number), key)
              for number in numbers.astype(object).where(numbers.notna(), None).tolist()]
    return patients.drop(columns="national_insurance_number").assign(identity_hash=hashes)


def seed_synthetic(engine: Engine, *, patients: int, seed: int,
                   as_of: date | None = None) -> dict[str, Any]:
    """Generate and bulk-load a synthetic cohort; returns row counts and seconds taken.

    Refuses to run on a database that already has patients (it would mix cohorts).

    Raises
    ------
    RuntimeError
        The database already has patients.
    registry.errors.InvalidInput
        A generated row breaks its table model's rules (naming the table, row and field);
        nothing of the cohort is committed.
    """
    from registry.synthetic import generate_cohort

    started = time.perf_counter()
    cohort = generate_cohort(patients, seed) if as_of is None else generate_cohort(
        patients, seed, as_of=as_of)
    generated = time.perf_counter()
    note = f"synthetic cohort: {patients} patients, seed {seed}"
    counts: dict[str, Any] = {}
    with Session(engine) as session:
        load_reference_data(session)
        if session.exec(select(func.count()).select_from(Patient)).one():
            raise RuntimeError("the database already has patients; seed an empty database")
        plan: list[tuple[type[SQLModel], pd.DataFrame]] = [
            (ManufacturingLot, cohort.lots),
            (Patient, _hashed_patients(cohort.patients, hmac_key())),
            (TreatmentEpisode, cohort.episodes),
            (FollowUp, cohort.followups),
            (AdverseEvent, cohort.adverse_events),
            (Death, cohort.deaths),
            (ResourceUse, cohort.resource_use),
        ]
        for table, frame in plan:
            name = str(table.__tablename__)
            counts[name] = _bulk(session, table, frame, SYSTEM_ACTOR, note)
        _reset_sequences(session)
        session.commit()
    counts["seconds_generate"] = round(generated - started, 2)
    counts["seconds_total"] = round(time.perf_counter() - started, 2)
    return counts


def _reset_sequences(session: Session) -> None:
    """After inserting explicit ids, move PostgreSQL's id sequences past them."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for table in SQLModel.metadata.sorted_tables:
        if "id" in table.c:
            session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                f"COALESCE((SELECT max(id) FROM \"{table.name}\"), 0) + 1, false)"))


def ensure_demo_accounts(session: Session) -> list[tuple[str, str, str]]:
    """Create the demo logins if missing; returns (username, role, site code) of each."""
    sites = list(session.exec(select(Site).order_by(Site.id)))  # type: ignore[arg-type]
    made = []
    for account in DEMO_ACCOUNTS:
        site = sites[account.site_index - 1] if account.site_index else None
        exists = session.exec(select(User).where(User.username == account.username)).first()
        if exists is None:
            create_user(session=session, actor=SYSTEM_ACTOR, data=UserCreate(
                username=account.username, role=account.role,
                site_id=site.id if site else None, password=DEMO_PASSWORD))
        made.append((account.username, account.role.value, site.code if site else "all sites"))
    return made


def database_is_empty(session: Session) -> bool:
    return session.exec(select(func.count()).select_from(Site)).one() == 0


def seed_path() -> Path:
    return SEED_DATA_DIR
