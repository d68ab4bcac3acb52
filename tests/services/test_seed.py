"""Seeding: reference data, the bulk-loaded synthetic cohort and the demo accounts."""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterator
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError
from sqlalchemy import insert
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, func, select

from registry import seed, seed_load
from registry.auth import SYSTEM_ACTOR, Actor
from registry.db import make_engine, migrate
from registry.errors import InvalidInput
from registry.models import (
    AdverseEvent,
    AuditEvent,
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
)
from registry.models.enums import AuditAction, Role
from registry.seed import DEMO_ACCOUNTS, ensure_demo_accounts, seed_synthetic
from registry.seed_load import clean_value, load_frame, python_column, row_validator
from registry.services.audit import record_audit
from registry.services.audit_chain import verify_audit_chain
from registry.services.common import Checks, snapshot_values
from registry.services.events import check_adverse_event, check_death
from registry.services.followup import check_followup
from registry.services.treatment import check_episode
from registry.synthetic import generate_cohort
from tests import factories as f
from tests.conftest import fresh_database

N = 300
SEEDED: tuple[type[SQLModel], ...] = (Site, Product, UnitCost, ManufacturingLot, Patient,
                                      TreatmentEpisode, FollowUp, AdverseEvent, Death,
                                      ResourceUse)
# Set when the row is written (one stamp per load now, one per row before) or hashed from them.
TIME_DEPENDENT = frozenset({"created_at", "updated_at", "prev_hash", "hash", "last_hash"})


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


# ---- the column-wise load stores what per-row model validation stored ---------------------


def _reference_bulk(session: Session, table: type[SQLModel], frame: pd.DataFrame, actor: Actor,
                    note: str) -> int:
    """The loader before the column-wise one: a table-model object per row, ORM bulk insert."""
    fields = set(table.model_fields)
    rows = []
    for record in frame.astype(object).where(frame.notna(), None).to_dict("records"):
        typed = table.model_validate({k: clean_value(v) for k, v in record.items()
                                      if k in fields})
        values = typed.model_dump()
        if values.get("id") is None:
            values.pop("id", None)
        rows.append(values)
    for start in range(0, len(rows), 20_000):
        session.execute(insert(table), rows[start:start + 20_000])
    record_audit(session, actor, AuditAction.create, str(table.__tablename__), None,
                 after={"rows": len(rows), "source": note})
    return len(rows)


def _content(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows as the driver returns them, in id order, without the write times."""
    content = {}
    with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            names = [c.name for c in table.columns if c.name not in TIME_DEPENDENT]
            listed = ", ".join(f'"{n}"' for n in names)
            order = ' ORDER BY "id"' if "id" in table.c else ""
            rows = conn.exec_driver_sql(f'SELECT {listed} FROM "{table.name}"{order}').all()
            content[table.name] = [tuple(zip(names, row, strict=True)) for row in rows]
    return content


@pytest.fixture
def twin_engine(engine: Engine, request: pytest.FixtureRequest,
                tmp_path: Path) -> Iterator[Engine]:
    """A second empty, migrated database on the same backend as `engine`."""
    if engine.dialect.name == "sqlite":
        path = tmp_path / "twin.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        twin = make_engine(f"sqlite:///{path}")
        yield twin
        twin.dispose()
        return
    with fresh_database("postgres", tmp_path, "seedtwin") as url:
        twin = make_engine(url)
        migrate(twin)
        yield twin
        twin.dispose()


def test_column_wise_seed_stores_what_per_row_validation_stored(
        engine: Engine, twin_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    """Same rows, same values (byte for byte as stored) as one table-model object per row;
    only the write timestamps (and the audit hashes over them) may differ."""
    monkeypatch.setattr(seed_load, "CHUNK_ROWS", 97)  # many chunks, boundaries mid-table
    counts = seed_synthetic(engine, patients=N, seed=8)
    monkeypatch.setattr(seed, "_bulk", _reference_bulk)
    assert seed_synthetic(twin_engine, patients=N, seed=8) == {
        **counts, "seconds_generate": pytest.approx(counts["seconds_generate"], abs=60),
        "seconds_total": pytest.approx(counts["seconds_total"], abs=60)}
    new, old = _content(engine), _content(twin_engine)
    assert new.keys() == old.keys()
    for name in new:
        assert new[name] == old[name], name
    assert sum(len(rows) for rows in new.values()) > 10 * N
    with Session(engine) as session:
        assert verify_audit_chain(session).ok
        for table in SEEDED:
            stamps = session.exec(select(table.created_at, table.updated_at)).all()  # type: ignore[attr-defined]
            assert len(set(stamps)) == 1 and None not in stamps[0], table  # one per load


def test_reference_csv_frames_hold_the_csv_rows() -> None:
    for name in ("sites.csv", "products.csv", "unit_costs.csv"):
        assert seed._csv_frame(name).to_dict("records") == seed._read_csv(name)


# ---- the column validator applies each field's own rules ---------------------------------


def _probes(annotation: Any) -> list[Any]:
    values: list[Any] = [None, "", " ", "x", "X" * 2001, "1", "2.5", "true", "no", -1, 0, 1, 3,
                         4.0, 1.5, -0.5, 100.5, 10**12, float("inf"), float("nan"), True, False,
                         "2024-02-29", "2024-02-30", date(2024, 1, 31), "20.01.2024",
                         {"a": 1}, [1], "a b", "R-000001", "MOW-01", "mow-1"]
    enums = [m for t in getattr(annotation, "__args__", (annotation,))
             if isinstance(t, type) and issubclass(t, Enum) for m in t]
    return values + [m.value for m in enums[:3]] + [f"{m.name.upper()}?" for m in enums[:1]]


def _by_model(table: type[SQLModel], row: dict[str, Any], name: str) -> Any:
    return table.model_validate(row).model_dump()[name]


def _by_columns(table: type[SQLModel], row: dict[str, Any], name: str) -> Any:
    names = tuple(row)
    return row_validator(table, names).validate_python([tuple(row.values())])[0][
        names.index(name)]


def _outcome(validate: Any, table: type[SQLModel], row: dict[str, Any], name: str) -> Any:
    try:
        return "ok", validate(table, row, name)
    except ValidationError:
        return "invalid", None


@pytest.mark.parametrize("table", SEEDED, ids=lambda t: t.__name__)
def test_row_validator_accepts_and_rejects_as_the_table_model(table: type[SQLModel]) -> None:
    """Every field, probed with valid and invalid values: the same verdict and the same value
    as `table.model_validate(...).model_dump()`."""
    cohort = generate_cohort(40, 6)
    frames = {ManufacturingLot: cohort.lots, TreatmentEpisode: cohort.episodes,
              FollowUp: cohort.followups, AdverseEvent: cohort.adverse_events,
              Death: cohort.deaths, ResourceUse: cohort.resource_use,
              Patient: seed._hashed_patients(cohort.patients, b"k" * 32)}
    csv_files = {Site: "sites.csv", Product: "products.csv", UnitCost: "unit_costs.csv"}
    frame = frames[table] if table in frames else seed._csv_frame(csv_files[table])
    names = tuple(c for c in frame.columns if c in table.model_fields)
    base = dict(zip(names, [python_column(frame[n])[0] for n in names], strict=True))
    verdicts: list[str] = []
    for name in names:
        for probe in _probes(table.model_fields[name].annotation):
            row = {**base, name: probe}
            expected = _outcome(_by_model, table, row, name)
            got = _outcome(_by_columns, table, row, name)
            same_nan = (expected[0] == got[0] == "ok" and isinstance(got[1], float)
                        and math.isnan(got[1]) and math.isnan(expected[1]))
            assert same_nan or got == expected, (table.__name__, name, probe)
            assert got[0] != "ok" or type(got[1]) is type(expected[1]), (name, probe)
            verdicts.append(got[0])
    assert len(verdicts) > 30 * len(names)
    assert verdicts.count("ok") > 4 * len(names) and verdicts.count("invalid") > 4 * len(names)


def test_row_validator_refuses_models_with_validators() -> None:
    from pydantic import field_validator

    class Checked(SQLModel):
        code: str

        @field_validator("code")
        @classmethod
        def upper(cls, value: str) -> str:
            return value.upper()

    with pytest.raises(TypeError, match="validators"):
        row_validator(Checked, ("code",))


def test_python_column_gives_what_clean_value_gives() -> None:
    mixed = pd.Series(["", None, float("nan"), np.int64(3), "a", pd.NaT, {"k": 1}, np.True_,
                       np.float64(2.5), date(2024, 1, 2)], dtype=object)
    plain = pd.Series(["", None, float("nan"), 3, "a", {"k": 1}, True, date(2024, 1, 2)],
                      dtype=object)
    numbers = pd.Series([1.5, np.nan, 3.0])
    for series in (mixed, plain, numbers, pd.Series([1, 2], dtype="int64"),
                   pd.Series([True, False]), pd.Series(["a", "", None], dtype="str")):
        got = python_column(series)
        assert got == [clean_value(v) for v in series.astype(object).where(series.notna(),
                                                                          None).tolist()]
        assert [type(v) for v in got] == [type(clean_value(v)) for v in
                                          series.astype(object).where(series.notna(),
                                                                      None).tolist()]


# ---- invalid rows: a clear error naming the table, the row and the field -----------------


def test_an_invalid_row_names_table_row_and_field(session: Session,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seed_load, "CHUNK_ROWS", 4)
    seed.load_reference_data(session)
    patients = seed._hashed_patients(generate_cohort(12, 2).patients, b"k" * 32)
    patients.loc[9, "birth_year"] = 1800
    patients.loc[10, "sex"] = "X"
    with pytest.raises(InvalidInput) as caught:
        load_frame(session, Patient, patients)
    first = caught.value.errors[0]
    assert (first.field, first.row) == ("patient.birth_year", 10)
    assert "greater than or equal to 1900" in first.message and "1800" in first.message
    assert [(e.field, e.row) for e in caught.value.errors[1:]] == [("patient.sex", 11)]
    assert "row 10, patient.birth_year" in str(caught.value)
    assert _count(session, Patient) == 0  # nothing inserted before every row passed


def test_a_missing_required_column_is_named(session: Session) -> None:
    deaths = generate_cohort(5, 2).deaths.drop(columns="cause")
    with pytest.raises(InvalidInput, match="death.cause: Field required"):
        load_frame(session, Death, deaths)
