"""The audit trail is a hash chain: intact after every kind of writer, broken by tampering.

Hashes are recomputed here independently of `registry.services.audit_chain` (from the
specification: SHA-256 of the previous hash followed by the sorted, compact JSON of the
event's content with its time in UTC ISO with microseconds), so the tests check the format,
not only the code's agreement with itself.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import threading
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
from alembic import command
from sqlalchemy import delete, func, insert, text, update
from sqlalchemy import select as sa_select
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from registry.auth import Actor
from registry.db import alembic_config, migrate
from registry.errors import InvalidInput
from registry.identity import snils_check_digits
from registry.models import AuditEvent, FollowUp, Site
from registry.models.audit import AuditChainHead
from registry.models.enums import AuditAction, Role
from registry.seed import seed_synthetic
from registry.services.audit import record_audit
from registry.services.audit_chain import (
    EVENTS,
    GENESIS,
    HEAD,
    canonical_content,
    insert_audit_events,
    verify_audit_chain,
    verify_audit_cli,
)
from registry.services.corrections import Correction, correct_record
from registry.services.uploads import UploadKind, commit_upload
from registry.services.workspace import save_cohort

ACTOR = Actor(user_id=None, username="dm", role=Role.data_manager)


def _spec_hash(prev: str, event: AuditEvent) -> str:
    """The documented hash, written out without the module's helpers."""
    created = event.created_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
    payload = {"id": event.id, "created_at": created, "user_id": event.user_id,
               "username": event.username, "role": Role(event.role).value,
               "action": AuditAction(event.action).value, "table_name": event.table_name,
               "row_id": event.row_id, "before": event.before, "after": event.after,
               "reason": event.reason}
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256((prev + body).encode("utf-8")).hexdigest()


def _events(engine: Engine) -> list[AuditEvent]:
    with Session(engine) as s:
        return list(s.exec(select(AuditEvent).order_by(AuditEvent.id)))  # type: ignore[arg-type]


def _assert_chain_by_spec(engine: Engine) -> list[AuditEvent]:
    events = _events(engine)
    assert [e.id for e in events] == list(range(1, len(events) + 1))  # gapless, from 1
    prev = GENESIS
    for event in events:
        assert event.prev_hash == prev
        assert event.hash == _spec_hash(prev, event)
        prev = event.hash
    with Session(engine) as s:
        head = s.get(AuditChainHead, 1)
        assert head is not None and (head.last_id, head.last_hash) == (len(events), prev)
    return events


def _write(engine: Engine, n: int, **after: Any) -> None:
    with Session(engine) as s:
        for i in range(n):
            record_audit(s, ACTOR, AuditAction.update, "followup", i + 1,
                         before={"hospital_days": i}, after={"hospital_days": i + 1} | after,
                         reason=f"change {i}")
            s.commit()


def _verify(engine: Engine, **kwargs: Any) -> Any:
    with Session(engine) as s:
        return verify_audit_chain(s, **kwargs)


def _snils(n: int) -> str:
    first9 = f"{700_000_000 + n:09d}"
    return first9 + snils_check_digits(first9)


def _patients_csv(n: int) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["site_patient_code", "national_insurance_number", "sex", "birth_year",
                     "indication", "diagnosis_date", "prior_lines", "consent_date"])
    for i in range(1, n + 1):
        writer.writerow([f"CH{i:04d}", _snils(i), "M", "1968", "LBCL", "2023-05-01", "2",
                         "2024-01-10"])
    return buffer.getvalue().encode("utf-8")


# ---- intact chains --------------------------------------------------------------------------


@pytest.mark.slow
def test_seed_upload_and_services_leave_a_verified_chain(engine: Engine, economist: Actor) -> None:
    seed_synthetic(engine, patients=200, seed=11, as_of=date(2026, 1, 1))
    with Session(engine) as s:
        site = s.exec(select(Site).order_by(Site.id)).first()  # type: ignore[arg-type]
        assert site is not None
        clinician = Actor(user_id=None, username="uploader", role=Role.site_clinician,
                          site_id=site.id)
        result = commit_upload(session=s, actor=clinician, kind=UploadKind.patients,
                               filename="chain.csv", content=_patients_csv(40))
        assert result.created == 40
        save_cohort(session=s, actor=economist, name="chained", definition={"indication": "LBCL"})
        s.commit()
        form = s.exec(select(FollowUp).order_by(FollowUp.id)).first()  # type: ignore[arg-type]
        assert form is not None and form.id is not None
        correct_record(session=s, actor=ACTOR, data=Correction(
            table="followup", row_id=form.id, expected_version=form.version,
            changes={"hospital_days": (form.hospital_days or 0) + 3}, reason="source document"))
    events = _assert_chain_by_spec(engine)
    kinds = {(e.table_name, e.reason) for e in events}
    assert ("patient", "bulk upload chain.csv") in kinds and ("savedcohort", None) in kinds
    assert ("followup", "source document") in kinds
    report = _verify(engine, chunk_size=7)
    assert report.ok and report.checked == len(events) >= 40 + 2 + 7
    assert (report.last_id, report.last_hash) == (events[-1].id, events[-1].hash)


def test_json_and_time_survive_the_round_trip(engine: Engine) -> None:
    moscow = timezone(timedelta(hours=3))
    stamp = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=moscow)
    awkward = {"имя": "Иванова", "float": 0.1, "tiny": 1e-7, "big": 1e16, "int": 2**53 + 1,
               "nested": {"b": [1, 2.5, None, True], "a": "x\"y\\z\n"}, "tuple": (1, 2),
               "empty": {}, "none": None}
    with Session(engine) as s:
        event = record_audit(s, ACTOR, AuditAction.update, "patient", 9, before=awkward,
                             after={"ecog": 2}, reason="тест")
        event.created_at = stamp
        s.commit()
    (stored,) = _assert_chain_by_spec(engine)
    assert stored.created_at == stamp and stored.created_at.utcoffset() == timedelta(0)
    assert stored.before is not None and stored.before["tuple"] == [1, 2]
    assert _verify(engine).ok


def test_a_rolled_back_transaction_leaves_no_gap(engine: Engine) -> None:
    _write(engine, 2)
    with Session(engine) as s:
        record_audit(s, ACTOR, AuditAction.create, "patient", 1)
        s.flush()  # chained and inserted, then abandoned
        s.rollback()
    _write(engine, 2)
    assert [e.id for e in _assert_chain_by_spec(engine)] == [1, 2, 3, 4]


def test_bulk_and_orm_events_in_one_transaction_chain_in_order(engine: Engine) -> None:
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    rows = [{"created_at": stamp, "user_id": None, "username": "dm", "role": Role.data_manager,
             "action": AuditAction.create, "table_name": "patient", "row_id": i,
             "before": None, "after": {"n": i}, "reason": None} for i in range(5)]
    with Session(engine) as s:
        record_audit(s, ACTOR, AuditAction.create, "site", 1)  # pending: chained first
        assert insert_audit_events(s, rows) == [2, 3, 4, 5, 6]
        record_audit(s, ACTOR, AuditAction.create, "site", 2)
        s.commit()
    events = _assert_chain_by_spec(engine)
    assert [e.table_name for e in events] == ["site"] + ["patient"] * 5 + ["site"]


def _run_threads(count: int, work: Any) -> None:
    start, errors = threading.Barrier(count), []

    def run(k: int) -> None:
        try:
            start.wait()
            work(k)
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(k,)) for k in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


@pytest.mark.slow
def test_concurrent_writers_never_fork_the_chain(engine: Engine, economist: Actor) -> None:
    """8 threads x 25 saved cohorts, each in its own session and transaction."""

    def work(k: int) -> None:
        with Session(engine) as s:
            for i in range(25):
                save_cohort(session=s, actor=economist, name=f"t{k}-{i}", definition={"k": k})
                s.commit()

    _run_threads(8, work)
    events = _assert_chain_by_spec(engine)
    assert len(events) == 200 and len({e.prev_hash for e in events}) == 200
    assert len({e.row_id for e in events}) == 200  # one event per saved cohort
    report = _verify(engine)
    assert report.ok and report.checked == 200


@pytest.mark.slow
def test_concurrent_bulk_and_orm_writers(engine: Engine) -> None:
    stamp = datetime(2026, 1, 1, tzinfo=UTC)

    def work(k: int) -> None:
        with Session(engine) as s:
            for i in range(6):
                record_audit(s, ACTOR, AuditAction.update, "patient", k)
                insert_audit_events(s, [{"created_at": stamp, "user_id": k, "username": "bulk",
                                         "role": Role.system, "action": AuditAction.create,
                                         "table_name": "followup", "row_id": i, "before": None,
                                         "after": {"k": k, "i": i, "j": j}, "reason": None}
                                        for j in range(3)])
                s.commit()

    _run_threads(4, work)
    assert len(_assert_chain_by_spec(engine)) == 4 * 6 * 4


# ---- tampering ------------------------------------------------------------------------------


def test_an_altered_after_is_reported_with_its_id(engine: Engine) -> None:
    _write(engine, 6)
    assert _verify(engine).ok
    with engine.begin() as conn:
        conn.execute(update(EVENTS).where(EVENTS.c.id == 4).values(after={"hospital_days": 99}))
    report = _verify(engine)
    assert (report.ok, report.kind, report.first_broken_id, report.checked) == (
        False, "altered", 4, 3)


def test_an_altered_reason_by_plain_sql_is_reported(engine: Engine) -> None:
    _write(engine, 4)
    with engine.begin() as conn:
        conn.execute(text("UPDATE auditevent SET reason = 'nothing to see' WHERE id = 2"))
    report = _verify(engine, chunk_size=1)
    assert (report.ok, report.kind, report.first_broken_id) == (False, "altered", 2)


def test_a_rehashed_forgery_breaks_the_next_link(engine: Engine) -> None:
    _write(engine, 5)
    events = _events(engine)
    forged = events[2]
    forged.after = {"hospital_days": 0}
    with engine.begin() as conn:
        conn.execute(update(EVENTS).where(EVENTS.c.id == 3).values(
            after=forged.after, hash=_spec_hash(forged.prev_hash or "", forged)))
    report = _verify(engine)
    assert (report.ok, report.kind, report.first_broken_id, report.missing) == (
        False, "broken_link", 4, None)


def test_a_deleted_middle_event_is_reported_as_a_gap(engine: Engine) -> None:
    _write(engine, 7)
    with engine.begin() as conn:
        conn.execute(delete(EVENTS).where(EVENTS.c.id.in_([3, 4])))
    report = _verify(engine, chunk_size=2)
    assert (report.ok, report.kind, report.first_broken_id, report.missing, report.checked) == (
        False, "broken_link", 5, (3, 4), 2)
    assert "3..4" in report.message


def test_deleting_the_first_event_is_reported(engine: Engine) -> None:
    _write(engine, 3)
    with engine.begin() as conn:
        conn.execute(delete(EVENTS).where(EVENTS.c.id == 1))
    report = _verify(engine)
    assert (report.kind, report.first_broken_id, report.missing) == ("broken_link", 2, (1, 1))


def test_deleting_the_last_events_is_a_head_mismatch(engine: Engine) -> None:
    _write(engine, 5)
    with engine.begin() as conn:
        conn.execute(delete(EVENTS).where(EVENTS.c.id >= 5))
    report = _verify(engine)
    assert (report.ok, report.kind, report.first_broken_id, report.missing, report.checked) == (
        False, "head_mismatch", 5, (5, 5), 4)
    _write(engine, 1)  # the next event still links to the deleted one: the gap stays visible
    report = _verify(engine)
    assert (report.kind, report.first_broken_id, report.missing) == ("broken_link", 6, (5, 5))


def test_events_outside_the_chain_are_reported(engine: Engine) -> None:
    _write(engine, 2)
    events = _events(engine)
    with engine.begin() as conn:
        conn.execute(insert(EVENTS).values(
            id=3, created_at=datetime.now(UTC), username="intruder", role="system",
            action="create", table_name="patient", prev_hash=events[-1].hash, hash="f" * 64))
    report = _verify(engine)
    assert (report.ok, report.kind, report.first_broken_id) == (False, "beyond_head", 3)
    with engine.begin() as conn:
        conn.execute(delete(EVENTS).where(EVENTS.c.id == 3))
        conn.execute(delete(HEAD))
    report = _verify(engine)
    assert (report.ok, report.kind) == (False, "head_missing")


def test_a_fork_is_refused_by_the_database(engine: Engine) -> None:
    _write(engine, 2)
    events = _events(engine)
    with pytest.raises(Exception, match="(?i)unique|duplicate"), engine.begin() as conn:
        conn.execute(insert(EVENTS).values(
            id=9, created_at=datetime.now(UTC), username="x", role="system", action="create",
            table_name="patient", prev_hash=events[0].prev_hash, hash="e" * 64))


def test_verify_cli_prints_and_returns_an_exit_code(engine: Engine) -> None:
    _write(engine, 3)
    out = io.StringIO()
    assert verify_audit_cli(engine, out) == 0
    assert "intact: 3 events" in out.getvalue()
    with engine.begin() as conn:
        conn.execute(text("UPDATE auditevent SET username = 'someone' WHERE id = 2"))
    out = io.StringIO()
    assert verify_audit_cli(engine, out) == 1
    assert "BROKEN at event 2 (altered)" in out.getvalue()


def test_empty_trail_verifies_and_bad_arguments_are_refused(engine: Engine) -> None:
    report = _verify(engine)
    assert (report.ok, report.checked) == (True, 0)
    with pytest.raises(InvalidInput, match="at least 1") as info:
        _verify(engine, chunk_size=0)
    assert info.value.errors[0].field == "chunk_size"
    with pytest.raises(InvalidInput, match="lacks"):
        canonical_content({"id": 1})


# ---- migration ------------------------------------------------------------------------------


def test_migration_chains_existing_events(engine: Engine) -> None:
    """Events written before 0004 (ids with a gap) are chained by the upgrade."""
    command.downgrade(alembic_config(engine), "0003")
    try:
        legacy = [{"id": i, "created_at": datetime(2025, 1, i, 8, 0, 0, 500, tzinfo=UTC),
                   "user_id": None, "username": "old", "role": "system", "action": "create",
                   "table_name": "site", "row_id": i, "before": None,
                   "after": {"legacy": i, "name": "Центр"}, "reason": None} for i in (1, 2, 5)]
        with engine.begin() as conn:  # the 0003 columns only
            conn.execute(insert(EVENTS), legacy)
    finally:
        migrate(engine)
    report = _verify(engine)
    assert report.ok and report.checked == 3 and report.last_id == 5
    events = _events(engine)
    prev = GENESIS
    for event in events:
        assert event.prev_hash == prev and event.hash == _spec_hash(prev, event)
        prev = event.hash or ""
    _write(engine, 1)
    with Session(engine) as s:
        assert s.execute(sa_select(func.max(EVENTS.c.id))).scalar_one() == 6
    assert _verify(engine).ok
