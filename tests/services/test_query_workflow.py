"""The data manager's query workflow: ageing by site, duplicates refused, the site taken from
the record, and the status transitions with their reasons audited and posted to the thread.

Ages and buckets are checked against queries made by hand with chosen creation times, so the
expected counts, medians and maxima are worked out in the test, not by the code under test.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pandas as pd
import pytest
from sqlmodel import Session, col, select

from registry.auth import SYSTEM_ACTOR, Actor
from registry.errors import InvalidInput, NotFound, PermissionDenied
from registry.i18n import CATALOGUE, error_text
from registry.models import AuditEvent, DataQuery, DataQueryMessage
from registry.models.enums import AuditAction, QueryStatus
from registry.services import events
from registry.services.queries import (
    age_bucket,
    answer_query,
    query_ageing,
    raise_query,
    record_fields,
    record_site,
    set_query_status,
)
from tests import factories as f

AS_OF = date(2026, 3, 31)


def _code(exc: pytest.ExceptionInfo[InvalidInput], field: str) -> str:
    (error,) = [e for e in exc.value.errors if e.field == field]
    assert error.code in CATALOGUE, error
    ru = error_text(error, "ru")
    assert re.search("[а-яё]", ru, re.IGNORECASE) and ru != error.message  # shown in Russian
    assert error_text(error, "en") == error.message  # the English entry is the message
    return str(error.code)


def _query(session: Session, *, site_id: int | None, status: QueryStatus, age: int,
           row_id: int = 1, hour: int = 12) -> DataQuery:
    """A query made by hand, raised `age` days before AS_OF at `hour`:00 UTC."""
    raised = datetime(AS_OF.year, AS_OF.month, AS_OF.day, hour, tzinfo=UTC) - timedelta(days=age)
    query = DataQuery(table_name="patient", row_id=row_id, field="ecog", message="check",
                      site_id=site_id, status=status, created_at=raised, updated_at=raised)
    session.add(query)
    session.commit()
    return query


# ---- ageing -------------------------------------------------------------------------------------


def test_ageing_counts_buckets_median_and_max_per_site(session: Session, sites: Any,
                                                       data_manager: Actor) -> None:
    a, b = sites
    unresolved_a = {0: QueryStatus.open, 7: QueryStatus.answered, 8: QueryStatus.open,
                    30: QueryStatus.open, 31: QueryStatus.answered, 90: QueryStatus.open,
                    91: QueryStatus.open, 200: QueryStatus.answered}
    for age, status in unresolved_a.items():
        _query(session, site_id=a.id, status=status, age=age)
    for age in (3, 400):  # closed: counted, but not aged
        _query(session, site_id=a.id, status=QueryStatus.closed, age=age)
    _query(session, site_id=a.id, status=QueryStatus.open, age=-1)  # raised after AS_OF
    # raised at 01:30 Moscow time on AS_OF = 22:30 UTC the day before: 1 day old
    msk = timezone(timedelta(hours=3))
    moscow = datetime(AS_OF.year, AS_OF.month, AS_OF.day, 1, 30, tzinfo=msk)
    session.add(DataQuery(table_name="patient", row_id=2, message="dup?", site_id=None,
                          status=QueryStatus.open, created_at=moscow, updated_at=moscow))
    session.commit()

    table = query_ageing(session=session, actor=data_manager, as_of=AS_OF)
    codes = [None if pd.isna(c) else c for c in table["site_code"]]
    assert codes == ["MOW-01", "SPB-01", None]  # every site, then the queries without a site
    assert table["site_id"].isna().tolist() == [False, False, True]
    rows = dict(zip(codes, table.to_dict("records"), strict=True))
    mow = rows["MOW-01"]
    assert (mow["open"], mow["answered"], mow["closed"], mow["unresolved"]) == (5, 3, 2, 8)
    assert (mow["age_0_7"], mow["age_8_30"], mow["age_31_90"], mow["age_over_90"]) == (2, 2, 2, 2)
    assert mow["median_age_days"] == (30 + 31) / 2 and mow["max_age_days"] == 200
    spb = rows["SPB-01"]
    assert (spb["open"], spb["answered"], spb["closed"], spb["unresolved"]) == (0, 0, 0, 0)
    assert spb["median_age_days"] != spb["median_age_days"]  # NaN: nothing unresolved
    none = rows[None]
    assert (none["open"], none["unresolved"], none["age_0_7"], none["max_age_days"]) == (1, 1, 1, 1)
    assert int(table["site_id"].iloc[0]) == a.id and b.id == int(table["site_id"].iloc[1])

    later = query_ageing(session=session, actor=data_manager, as_of=AS_OF + timedelta(days=10))
    assert later.loc[0, "open"] == 6 and later.loc[0, "max_age_days"] == 210


def test_age_buckets_edges() -> None:
    assert [age_bucket(d) for d in (-3, 0, 7, 8, 30, 31, 90, 91, 10_000)] == [
        "0-7", "0-7", "0-7", "8-30", "8-30", "31-90", "31-90", ">90", ">90"]


def test_ageing_is_for_data_managers_and_the_system(session: Session, sites: Any,
                                                    clinician_a: Actor, leadership: Actor,
                                                    economist: Actor) -> None:
    assert len(query_ageing(session=session, actor=SYSTEM_ACTOR, as_of=AS_OF)) == 2
    for actor in (clinician_a, leadership, economist):
        with pytest.raises(PermissionDenied):
            query_ageing(session=session, actor=actor, as_of=AS_OF)


# ---- raising: the record's site, duplicates --------------------------------------------------


def test_record_site_for_every_table(session: Session, products: Any, clinician_a: Actor,
                                     clinician_b: Actor) -> None:
    patient, episode = f.make_infused_episode(session, clinician_b, products[0].id)
    followup = f.make_followup(session, clinician_b, episode)
    ae = events.report_adverse_event(session=session, actor=clinician_b, data=f.ae_data(episode))
    death = f.make_death(session, clinician_b, patient)
    site = clinician_b.site_id
    assert record_site(session, "patient", patient.id) == site
    assert record_site(session, "treatmentepisode", episode.id) == site
    assert record_site(session, "followup", followup.id) == site
    assert record_site(session, "death", death.id) == site
    assert record_site(session, "adverseevent", ae.id) == site
    assert record_site(session, "patient", f.make_patient(session, clinician_a).id) != site
    with pytest.raises(InvalidInput) as exc:
        record_site(session, "followup", followup.id + 1000)
    assert _code(exc, "row_id") == "dm.quality.unknown_record"
    with pytest.raises(InvalidInput) as exc:
        record_site(session, "site", 1)
    assert _code(exc, "table_name") == "dm.quality.unknown_table"
    assert "identity_hash" not in record_fields("patient") and "ecog" in record_fields("patient")


def test_raise_takes_the_records_site_and_checks_record_and_field(
        session: Session, sites: Any, clinician_a: Actor, data_manager: Actor) -> None:
    patient = f.make_patient(session, clinician_a)
    made = raise_query(session=session, actor=data_manager, data={
        "table_name": "patient", "row_id": patient.id, "field": "ecog", "message": "ECOG 4?"})
    assert made.site_id == patient.site_id and made.status == QueryStatus.open
    bad: list[tuple[dict[str, Any], str, str]] = [
        ({"row_id": patient.id + 99}, "row_id", "dm.quality.unknown_record"),
        ({"row_id": None}, "row_id", "dm.quality.record_id_needed"),
        ({"field": "blood_type"}, "field", "dm.quality.unknown_field"),
        ({"site_id": sites[1].id}, "site_id", "dm.quality.site_mismatch"),
    ]
    for change, field, code in bad:
        data = {"table_name": "patient", "row_id": patient.id, "field": "sex",
                "message": "check"} | change
        with pytest.raises(InvalidInput) as exc:
            raise_query(session=session, actor=data_manager, data=data)
        assert _code(exc, field) == code, change
    with pytest.raises(PermissionDenied):
        raise_query(session=session, actor=clinician_a, data={
            "table_name": "patient", "row_id": patient.id, "message": "mine"})
    assert len(session.exec(select(DataQuery)).all()) == 1


def test_duplicate_of_an_open_or_answered_query_is_refused(
        session: Session, sites: Any, clinician_a: Actor, data_manager: Actor) -> None:
    patient = f.make_patient(session, clinician_a)
    data = {"table_name": "patient", "row_id": patient.id, "field": "ecog", "message": "ECOG?"}
    first = raise_query(session=session, actor=data_manager, data=data)
    with pytest.raises(InvalidInput) as exc:
        raise_query(session=session, actor=data_manager, data=data | {"message": "again"})
    assert _code(exc, "field") == "dm.quality.duplicate"
    assert exc.value.errors[0].params == {"id": first.id}
    other_field = raise_query(session=session, actor=data_manager, data=data | {"field": "sex"})
    whole = raise_query(session=session, actor=data_manager, data=data | {"field": None})
    with pytest.raises(InvalidInput):  # the whole-record query is a duplicate of itself
        raise_query(session=session, actor=data_manager, data=data | {"field": None})
    answer_query(session=session, actor=clinician_a, query_id=first.id, body="ECOG is 1")
    with pytest.raises(InvalidInput):  # answered: still being worked on
        raise_query(session=session, actor=data_manager, data=data)
    set_query_status(session=session, actor=data_manager, query_id=first.id,
                     status=QueryStatus.closed, reason="")
    again = raise_query(session=session, actor=data_manager, data=data)  # closed: a new one
    ids = {q.id for q in session.exec(select(DataQuery))}
    assert ids == {first.id, other_field.id, whole.id, again.id}


# ---- transitions -------------------------------------------------------------------------------


def _audits(session: Session, query_id: int) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(
        AuditEvent.table_name == "dataquery", AuditEvent.row_id == query_id,
        AuditEvent.action == AuditAction.update).order_by(col(AuditEvent.id))))


def _thread(session: Session, query_id: int) -> list[str]:
    return [m.body for m in session.exec(select(DataQueryMessage).where(
        DataQueryMessage.query_id == query_id).order_by(col(DataQueryMessage.id)))]


def test_close_and_reopen_need_reasons_which_are_audited_and_posted(
        session: Session, sites: Any, clinician_a: Actor, data_manager: Actor) -> None:
    patient = f.make_patient(session, clinician_a)
    query = raise_query(session=session, actor=data_manager, data={
        "table_name": "patient", "row_id": patient.id, "field": "ecog", "message": "ECOG?"})
    move = {"session": session, "actor": data_manager, "query_id": query.id}
    with pytest.raises(InvalidInput) as exc:  # open, the site has not answered
        set_query_status(**move, status=QueryStatus.closed, reason="  ")  # type: ignore[arg-type]
    assert _code(exc, "reason") == "dm.quality.close_reason_needed"
    with pytest.raises(InvalidInput) as exc:
        set_query_status(**move, status=QueryStatus.open, reason="x")  # type: ignore[arg-type]
    assert _code(exc, "status") == "dm.quality.already_open"
    with pytest.raises(InvalidInput) as exc:
        set_query_status(**move, status=QueryStatus.answered, reason="x")  # type: ignore[arg-type]
    assert _code(exc, "status") == "dm.quality.answer_is_the_sites"
    assert not _audits(session, query.id) and not _thread(session, query.id)

    closed = set_query_status(**move, status=QueryStatus.closed,  # type: ignore[arg-type]
                              reason="ECOG confirmed by phone")
    assert closed.status == QueryStatus.closed and closed.version == 2
    with pytest.raises(InvalidInput) as exc:
        set_query_status(**move, status=QueryStatus.closed, reason="x")  # type: ignore[arg-type]
    assert _code(exc, "status") == "dm.quality.already_closed"
    with pytest.raises(InvalidInput) as exc:
        set_query_status(**move, status=QueryStatus.open, reason="")  # type: ignore[arg-type]
    assert _code(exc, "reason") == "dm.quality.reopen_reason_needed"
    reopened = set_query_status(**move, status=QueryStatus.open,  # type: ignore[arg-type]
                                reason="the phone note disagrees with the chart")
    assert reopened.status == QueryStatus.open

    audits = _audits(session, query.id)
    assert [(a.before, a.after, a.reason, a.username) for a in audits] == [
        ({"status": "open"}, {"status": "closed"}, "ECOG confirmed by phone", "dm"),
        ({"status": "closed"}, {"status": "open"}, "the phone note disagrees with the chart",
         "dm"),
    ]
    assert _thread(session, query.id) == ["ECOG confirmed by phone",
                                          "the phone note disagrees with the chart"]


def test_answered_closes_without_reason_and_reopens_to_open(
        session: Session, sites: Any, clinician_a: Actor, data_manager: Actor) -> None:
    patient = f.make_patient(session, clinician_a)
    query = raise_query(session=session, actor=data_manager, data={
        "table_name": "patient", "row_id": patient.id, "field": "ecog", "message": "ECOG?"})
    answer_query(session=session, actor=clinician_a, query_id=query.id, body="It is 1.")
    answered = session.get(DataQuery, query.id)
    assert answered is not None and answered.status == QueryStatus.answered
    reopened = set_query_status(session=session, actor=data_manager, query_id=query.id,
                                status=QueryStatus.open, reason="1 or 2? the letter says 2")
    assert reopened.status == QueryStatus.open  # re-opening sets open, not answered
    answer_query(session=session, actor=clinician_a, query_id=query.id, body="It is 2.")
    closed = set_query_status(session=session, actor=data_manager, query_id=query.id,
                              status=QueryStatus.closed, reason="")
    assert closed.status == QueryStatus.closed
    assert _audits(session, query.id)[-1].reason is None
    assert _thread(session, query.id) == ["It is 1.", "1 or 2? the letter says 2", "It is 2."]
    with pytest.raises(InvalidInput) as exc:
        set_query_status(session=session, actor=data_manager, query_id=query.id,
                         status=QueryStatus.open, reason="x" * 2001)
    assert exc.value.errors[0].field == "reason"
    with pytest.raises(NotFound):
        set_query_status(session=session, actor=data_manager, query_id=query.id + 50,
                         status=QueryStatus.open, reason="x")
    with pytest.raises(PermissionDenied):
        set_query_status(session=session, actor=clinician_a, query_id=query.id,
                         status=QueryStatus.open, reason="I want it back")


def test_a_data_managers_message_leaves_the_status(session: Session, sites: Any,
                                                   clinician_a: Actor,
                                                   data_manager: Actor) -> None:
    patient = f.make_patient(session, clinician_a)
    query = raise_query(session=session, actor=data_manager, data={
        "table_name": "patient", "row_id": patient.id, "field": "ecog", "message": "ECOG?"})
    after = answer_query(session=session, actor=data_manager, query_id=query.id,
                         body="Reminder: please answer by Friday.")
    assert after.status == QueryStatus.open and after.version == query.version
    answer_query(session=session, actor=clinician_a, query_id=query.id, body="ECOG 1")
    still = answer_query(session=session, actor=data_manager, query_id=query.id,
                         body="Thanks; checking with the chart.")
    assert still.status == QueryStatus.answered
    assert len(_thread(session, query.id)) == 3

