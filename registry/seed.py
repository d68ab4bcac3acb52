"""First-start set-up: reference data, the synthetic cohort and the demo accounts.

Reference data (sites, products, unit costs) come from `seed_data/`. The synthetic cohort
is bulk-inserted: every row is validated by the same models the services use, the identity
numbers are hashed, and one audit event per table records the load (who, when, how many
rows, which generator seed), in the same transaction as the rows.
"""

from __future__ import annotations

import csv
import math
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import insert, text
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


def _clean(value: Any) -> Any:
    """CSV and pandas missing values to None; numpy scalars to Python."""
    if value is None or value == "":
        return None
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    if hasattr(value, "item") and not isinstance(value, str | bytes | dict | list):
        return value.item()
    return value


def _bulk(session: Session, table: type[SQLModel], rows: list[dict[str, Any]], actor: Actor,
          note: str) -> int:
    """Validate every row with the table's model, insert in chunks, audit the load once."""
    columns = set(table.model_fields)
    clean: list[dict[str, Any]] = []
    for row in rows:
        typed = table.model_validate({k: _clean(v) for k, v in row.items() if k in columns})
        values = typed.model_dump()
        if values.get("id") is None:
            values.pop("id", None)
        clean.append(values)
    for start in range(0, len(clean), 20_000):
        session.execute(insert(table), clean[start:start + 20_000])
    name = str(table.__tablename__)
    record_audit(session, actor, AuditAction.create, name, None,
                 after={"rows": len(clean), "source": note})
    return len(clean)


def load_reference_data(session: Session, actor: Actor = SYSTEM_ACTOR) -> None:
    """Sites, products and unit costs from seed_data/, when the tables are empty."""
    if session.exec(select(func.count()).select_from(Site)).one() == 0:
        _bulk(session, Site, [dict(r) for r in _read_csv("sites.csv")], actor,
              "seed_data/sites.csv")
    if session.exec(select(func.count()).select_from(Product)).one() == 0:
        _bulk(session, Product, [dict(r) for r in _read_csv("products.csv")], actor,
              "seed_data/products.csv")
    if session.exec(select(func.count()).select_from(UnitCost)).one() == 0:
        _bulk(session, UnitCost, [dict(r) for r in _read_csv("unit_costs.csv")],
              actor, "seed_data/unit_costs.csv (illustrative values)")
    session.commit()


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return frame.astype(object).where(frame.notna(), None).to_dict("records")  # type: ignore[return-value]


def seed_synthetic(engine: Engine, *, patients: int, seed: int,
                   as_of: date | None = None) -> dict[str, Any]:
    """Generate and bulk-load a synthetic cohort; returns row counts and seconds taken.

    Refuses to run on a database that already has patients (it would mix cohorts).
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
        key = hmac_key()
        patient_rows = _records(cohort.patients)
        for row in patient_rows:
            row["identity_hash"] = identity_hash(str(row.pop("national_insurance_number")), key)
        plan: list[tuple[type[SQLModel], list[dict[str, Any]]]] = [
            (ManufacturingLot, _records(cohort.lots)),
            (Patient, patient_rows),
            (TreatmentEpisode, _records(cohort.episodes)),
            (FollowUp, _records(cohort.followups)),
            (AdverseEvent, _records(cohort.adverse_events)),
            (Death, _records(cohort.deaths)),
            (ResourceUse, _records(cohort.resource_use)),
        ]
        for table, rows in plan:
            name = str(table.__tablename__)
            counts[name] = _bulk(session, table, rows, SYSTEM_ACTOR, note)
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
