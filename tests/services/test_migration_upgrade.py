"""Upgrading a database that holds data: from the first migration to head, nothing is lost.

A database is created at revision 0001 and filled by plain SQL written against the 0001
schema (no models: they describe head), with a row in every kind of table: sites, a product,
a unit cost, users, a lot, a patient, an episode, a follow-up, an adverse event, resource
use, a data query with a message, an outcome agreement and audit events. After `migrate` to
head every row is read back through head's table definitions and compared value by value;
the columns later migrations added hold their defaults (language) or backfilled values (the
audit hash chain, which then verifies); and head's services work on the upgraded data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import select, text
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, SQLModel

import registry.models  # noqa: F401  (fills SQLModel.metadata with head's tables)
from registry.auth import Actor
from registry.db import alembic_config, make_engine, migrate
from registry.identity import snils_check_digits
from registry.models.enums import Role
from registry.services.audit_chain import GENESIS, verify_audit_chain
from registry.services.patients import get_patient, register_patient
from tests.conftest import fresh_database

AT = datetime(2025, 3, 1, 9, 15, 30, 250000, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param(
    "postgres", marks=[pytest.mark.postgres, pytest.mark.slow])])
def engine_0001(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A new database (SQLite file, or PostgreSQL database dropped afterwards) at 0001."""
    with fresh_database(request.param, tmp_path, "upgrade") as url:
        engine = make_engine(url)
        try:
            migrate(engine, "0001")
            yield engine
        finally:
            engine.dispose()


def _sql_value(value: Any, backend: str) -> Any:
    """A Python value as plain SQL parameters carry it, stored as the 0001 code stored it."""
    if isinstance(value, datetime):  # SQLite: naive UTC text; PostgreSQL: timestamptz
        if backend == "sqlite":
            return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def _insert(conn: Connection, table: str, values: dict[str, Any]) -> int:
    """INSERT one row with plain SQL; returns the id the database gave it."""
    columns = ", ".join(f'"{name}"' for name in values)
    marks = ", ".join(f":{name}" for name in values)
    params = {k: _sql_value(v, conn.dialect.name) for k, v in values.items()}
    return int(conn.execute(text(f'INSERT INTO "{table}" ({columns}) VALUES ({marks}) '
                                 "RETURNING id"), params).scalar_one())


def _fill_0001(engine: Engine) -> dict[str, list[tuple[int, dict[str, Any]]]]:
    """One or two rows per table of the 0001 schema; returns (id, values) per table."""
    stamp = {"created_at": AT, "updated_at": AT, "version": 1}
    rows: dict[str, list[tuple[int, dict[str, Any]]]] = {}

    def add(conn: Connection, table: str, values: dict[str, Any]) -> int:
        row_id = _insert(conn, table, values)
        rows.setdefault(table, []).append((row_id, values))
        return row_id

    with engine.begin() as conn:
        mow = add(conn, "site", {"code": "MOW-01", "name": "НМИЦ гематологии", "city": "Москва",
                                 "region": "Москва", "is_treating_centre": True, **stamp})
        add(conn, "site", {"code": "SPB-01", "name": "Almazov Centre", "city": "Saint "
                           "Petersburg", "region": "Saint Petersburg",
                           "is_treating_centre": False, **stamp})
        product = add(conn, "product", {
            "code": "KYMRIAH", "name": "Kymriah", "manufacturer": "Novartis",
            "origin": "imported", "costimulatory_domain": "4-1BB", "list_price": 39_000_000.0,
            "currency": "RUB", "price_effective_date": date(2022, 1, 1),
            "dose_min_cells": 1e7, "dose_max_cells": 6e8, "is_scenario": False, **stamp})
        add(conn, "unitcost", {"item": "icu_day", "value": 85_432.5, "currency": "RUB",
                               "price_year": 2024, "source": "tariff 2024", "scenario": "base",
                               "valid_from": date(2024, 1, 1), **stamp})
        clinician = add(conn, "user", {
            "username": "ivanova", "role": "site_clinician", "site_id": mow, "active": True,
            "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdHNhbHQ$aGFzaA",
            "failed_logins": 2, "locked_until": None, "last_login": AT,
            "must_change_password": False, **stamp})
        add(conn, "user", {
            "username": "dm", "role": "data_manager", "site_id": None, "active": False,
            "password_hash": "$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$b3RoZXI",
            "failed_logins": 0, "locked_until": AT, "last_login": None,
            "must_change_password": True, **stamp})
        lot = add(conn, "manufacturinglot", {
            "lot_number": "KYM-2025-001", "product_id": product, "manufacturing_site": "Basel",
            "start_date": date(2025, 1, 10), "release_date": date(2025, 2, 1),
            "viability_pct": 91.25, "transduction_pct": 17.5, "vcn_per_cell": 0.35,
            "car_positive_cells": 2.5e8, "sterility": "pass", "endotoxin": "pass",
            "mycoplasma": None, "out_of_specification": False, "manufacturing_failed": False,
            **stamp})
        patient = add(conn, "patient", {
            "site_patient_code": "MOW/0001", "sex": "F", "birth_year": 1988,
            "indication": "LBCL", "diagnosis_date": date(2022, 6, 1), "prior_lines": 3,
            "prior_auto_hsct": True, "prior_allo_hsct": False, "ecog": 1,
            "ldh_above_uln": None, "bulky_disease": False, "marrow_blasts_pct": None,
            "consent_date": date(2025, 1, 5), "registry_id": "R-LEGACY-1", "site_id": mow,
            "identity_hash": "ab" * 32, **stamp})
        episode = add(conn, "treatmentepisode", {
            "product_id": product, "apheresis_date": date(2025, 1, 8), "patient_id": patient,
            "site_id": mow, "episode_number": 1, "lot_id": lot, "bridging": "chemo",
            "lymphodepletion": "Flu/Cy", "infusion_date": date(2025, 2, 10),
            "dose_car_positive_cells": 2.0e8, "dose_per_kg": 2.857142857142857,
            "weight_kg": 70.0, "not_infused_reason": None, "not_infused_date": None, **stamp})
        add(conn, "followup", {
            "episode_id": episode, "timepoint": "D28", "assessment_date": date(2025, 3, 10),
            "vital_status": "alive", "response": "CR", "response_criteria": "Lugano2014",
            "mrd_negative": None, "b_cell_aplasia": True, "ivig": False, "hospital_days": 12,
            "icu_days": 0, "new_therapy": "none", "new_therapy_date": None,
            "relapse_or_progression": False, "relapse_date": None, "new_malignancy": False,
            "lost_to_follow_up": False, "comments": "ремиссия; «кавычки»", "site_id": mow,
            **stamp})
        add(conn, "adverseevent", {
            "episode_id": episode, "event_type": "CRS", "onset_date": date(2025, 2, 12),
            "resolution_date": date(2025, 2, 16), "grading_scale": "ASTCT2019", "grade": 2,
            "grade_override_reason": None, "tocilizumab_doses": 1, "corticosteroids": False,
            "anakinra": False, "icu": False, "description": "fever, hypotension",
            "site_id": mow, "computed_grade": 2,
            "signs": {"fever": True, "hypotension": "fluids", "hypoxia": "low_flow",
                      "temperature_c": 39.4}, **stamp})
        add(conn, "resourceuse", {"episode_id": episode, "item": "icu_day", "quantity": 2.5,
                                  "use_date": date(2025, 2, 13), "site_id": mow, **stamp})
        query = add(conn, "dataquery", {
            "table_name": "followup", "row_id": 1, "field": "response",
            "message": "Please confirm CR", "site_id": mow, "status": "answered",
            "raised_by_user_id": None, "rule_id": "DQ01", **stamp})
        add(conn, "dataquerymessage", {"query_id": query, "author_user_id": clinician,
                                       "body": "Confirmed by PET-CT", "created_at": AT})
        add(conn, "outcomeagreement", {
            "product_id": product, "name": "Spain (VALTERMED)",
            "milestones": [{"month": 0, "share": 0.52}, {"month": 18, "share": 0.48,
                                                          "condition": "CR"}],
            "source": "Jorgensen et al. 2023", **stamp})
        for action, table, row_id, after, reason in (
            ("create", "site", mow, {"code": "MOW-01", "is_treating_centre": True}, None),
            ("create", "patient", patient, {"sex": "F", "prior_lines": 3, "ecog": 1.0}, None),
            ("login", "user", clinician, None, "first login"),
        ):
            add(conn, "auditevent", {
                "created_at": AT, "user_id": None, "username": "system", "role": "system",
                "action": action, "table_name": table, "row_id": row_id, "before": None,
                "after": after, "reason": reason})
    return rows


def test_upgrade_from_0001_keeps_every_row_and_head_works(engine_0001: Engine) -> None:
    engine = engine_0001
    rows = _fill_0001(engine)
    migrate(engine)

    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    tables = SQLModel.metadata.tables
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head
        assert compare_metadata(MigrationContext.configure(conn), SQLModel.metadata) == []
        for name, inserted in rows.items():
            table = tables[name]
            stored = {r["id"]: dict(r) for r in conn.execute(select(table)).mappings()}
            assert sorted(stored) == sorted(row_id for row_id, _ in inserted), name
            for row_id, values in inserted:
                got = {k: stored[row_id][k] for k in values}
                assert got == values, f"{name} {row_id}"
        users = conn.execute(select(tables["user"].c.language)).scalars().all()
        assert users == ["ru", "ru"], "0002 gives existing users the default language"
        events = conn.execute(select(tables["auditevent"]).order_by(
            tables["auditevent"].c.id)).mappings().all()
        head_row = conn.execute(select(tables["auditchainhead"])).mappings().one()
    assert [e["prev_hash"] for e in events[1:]] == [e["hash"] for e in events[:-1]]
    assert events[0]["prev_hash"] == GENESIS
    assert (head_row["last_id"], head_row["last_hash"]) == (events[-1]["id"], events[-1]["hash"])

    clinician = Actor(user_id=rows["user"][0][0], username="ivanova",
                      role=Role.site_clinician, site_id=rows["site"][0][0])
    with Session(engine, expire_on_commit=False) as session:
        report = verify_audit_chain(session)
        assert report.ok and report.checked == 3, report.message
        old = get_patient(session=session, actor=clinician, patient_id=rows["patient"][0][0])
        assert (old.registry_id, old.birth_year, old.diagnosis_date) == (
            "R-LEGACY-1", 1988, date(2022, 6, 1))
        first9 = "123456789"
        new = register_patient(session=session, actor=clinician, data={
            "site_patient_code": "MOW/0002", "sex": "M", "birth_year": 1975,
            "indication": "B-ALL", "diagnosis_date": date(2024, 5, 1), "prior_lines": 2,
            "consent_date": date(2025, 4, 1),
            "national_insurance_number": first9 + snils_check_digits(first9)})
        assert new.id is not None and new.id > rows["patient"][0][0]
        assert new.registry_id == f"R-{new.id:06d}" and new.site_id == clinician.site_id
        after = verify_audit_chain(session)
        assert after.ok and after.checked > 3, after.message
