"""Completeness and timeliness for the data managers: the counts match an independent pandas
count from `registry.schedule.list_expected_forms` on a seeded cohort (SQLite and
PostgreSQL), a handful of hand-made patients give the expected counts and the days from
assessment to entry worked out by hand, and only data managers (and the system) get in.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import Session

from registry.auth import SYSTEM_ACTOR, Actor
from registry.errors import InvalidInput, PermissionDenied
from registry.i18n import CATALOGUE, error_text, message_text
from registry.models import FollowUp
from registry.models.enums import Role
from registry.schedule import FormStatus, list_expected_forms
from registry.services.completeness import (
    DEFAULT_THRESHOLD,
    THRESHOLD_SETTING,
    CompletenessReport,
    completeness_report,
    completeness_threshold,
)
from tests import factories as f
from tests.conftest import seeded_engine

AS_OF = date(2026, 11, 1)
DM = Actor(None, "dm", Role.data_manager)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                               marks=pytest.mark.postgres)])
def seeded(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """300 synthetic patients, once per module and backend."""
    with seeded_engine(request.param, tmp_path_factory.mktemp("completeness"), patients=300,
                       seed=23, as_of=AS_OF) as engine:
        yield engine


def independent(engine: Engine) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Expected / received / overdue per (site, timepoint) and per site, counted with pandas
    from the schedule service's form-by-form statuses."""
    with Session(engine) as session:
        forms = list_expected_forms(session=session, actor=DM, as_of=AS_OF)
    frame = pd.DataFrame([{"site_code": x.site_code, "timepoint": x.timepoint.value,
                           "closes": x.window_closes, "status": x.status} for x in forms])
    due = frame[(frame["closes"] < AS_OF)
                & frame["status"].isin([FormStatus.received, FormStatus.overdue])]
    due = due.assign(received=due["status"] == FormStatus.received,
                     overdue=due["status"] == FormStatus.overdue)
    cells = due.groupby(["site_code", "timepoint"]).agg(
        expected=("status", "size"), received=("received", "sum"), overdue=("overdue", "sum"))
    sites = cells.groupby("site_code")[["expected", "received", "overdue"]].sum()
    overdue_now = frame[frame["status"] == FormStatus.overdue].groupby("site_code").size()
    assert (sites["overdue"] == overdue_now.reindex(sites.index, fill_value=0)).all()
    return cells.astype(int), sites.astype(int)


def test_counts_match_an_independent_count_of_the_schedule(seeded: Engine) -> None:
    cells, sites = independent(seeded)
    assert sites["expected"].sum() > 500 and sites["overdue"].sum() > 10  # real-sized
    with Session(seeded) as session:
        report = completeness_report(session=session, actor=DM, as_of=AS_OF, threshold=0.95)
    ours = report.by_site_timepoint.set_index(["site_code", "timepoint"])
    assert set(ours.index) == set(cells.index)
    for key, row in cells.iterrows():
        got = ours.loc[key]
        assert (got["expected"], got["received"], got["overdue"]) == tuple(row), key
        assert got["completeness"] == pytest.approx(row["received"] / row["expected"])
    by_site = report.by_site.set_index("site_code")
    assert len(by_site) == 12  # every seeded site, in code order
    assert list(report.by_site["site_code"]) == sorted(report.by_site["site_code"])
    for site, row in by_site.iterrows():
        want = sites.loc[site] if site in sites.index else pd.Series(
            {"expected": 0, "received": 0, "overdue": 0})
        assert (row["expected"], row["received"], row["overdue"]) == tuple(want), site
        rate = want["received"] / want["expected"] if want["expected"] else np.nan
        assert row["completeness"] == pytest.approx(rate, nan_ok=True)
        assert row["flagged"] == bool(want["expected"] and rate < 0.95)
    assert 0 < by_site["flagged"].sum() < len(by_site)  # the threshold splits the sites
    assert report.threshold == 0.95 and report.as_of == AS_OF


def test_no_suppression_of_small_counts(seeded: Engine) -> None:
    with Session(seeded) as session:
        report = completeness_report(session=session, actor=DM, as_of=AS_OF)
    for frame in (report.by_site, report.by_site_timepoint):
        for column in ("expected", "received", "overdue"):
            assert pd.api.types.is_integer_dtype(frame[column]), column
    small = report.by_site_timepoint["expected"].between(1, 4)
    assert small.any()  # real counts of 1-4 are shown as they are


# ---- by hand ----------------------------------------------------------------------------------


def _entered(session: Session, followup_id: int, when: datetime) -> None:
    session.execute(update(FollowUp).where(FollowUp.id == followup_id)  # type: ignore[arg-type]
                    .values(created_at=when))
    session.commit()


def test_small_registry_by_hand(session: Session, products: Any, clinician_a: Actor,
                                clinician_b: Actor) -> None:
    infusion = date(2025, 3, 1)  # D28 closes 05.04, D100 23.06, M6 29.09.2025
    as_of = date(2025, 10, 1)
    _, a1 = f.make_infused_episode(session, clinician_a, products[0].id, infusion=infusion)
    d28 = f.make_followup(session, clinician_a, a1, timepoint="D28",
                          assessment_date=date(2025, 3, 29))
    d100 = f.make_followup(session, clinician_a, a1, timepoint="D100",
                           assessment_date=date(2025, 6, 9))
    m6 = f.make_followup(session, clinician_a, a1, timepoint="M6",
                         assessment_date=date(2025, 8, 30))
    _, b1 = f.make_infused_episode(session, clinician_b, products[0].id, infusion=infusion)
    b1_d28 = f.make_followup(session, clinician_b, b1, timepoint="D28",
                             assessment_date=date(2025, 3, 29))
    b1_late = f.make_followup(session, clinician_b, b1, timepoint="unscheduled",
                              assessment_date=date(2025, 9, 1))
    b2, _ = f.make_infused_episode(session, clinician_b, products[0].id, infusion=infusion)
    f.make_death(session, clinician_b, b2, death_date=date(2025, 5, 1))  # before D100's target
    # entry times: A 2, 10 and 30 days after assessment; B 6 days (01:30 Moscow = 22:30 UTC
    # the day before), and a form entered after the report date
    _entered(session, d28.id, datetime(2025, 3, 31, 10, tzinfo=UTC))
    _entered(session, d100.id, datetime(2025, 6, 19, 23, 59, tzinfo=UTC))
    _entered(session, m6.id, datetime(2025, 9, 29, 0, 1, tzinfo=UTC))
    _entered(session, b1_d28.id, datetime(2025, 4, 5, 1, 30, tzinfo=timezone(timedelta(hours=3))))
    _entered(session, b1_late.id, datetime(2025, 10, 2, 9, tzinfo=UTC))

    report = completeness_report(session=session, actor=DM, as_of=as_of)
    assert isinstance(report, CompletenessReport) and report.threshold == DEFAULT_THRESHOLD
    cells = {(r["site_code"], r["timepoint"]): (r["expected"], r["received"], r["overdue"])
             for r in report.by_site_timepoint.to_dict("records")}
    assert cells == {
        ("MOW-01", "D28"): (1, 1, 0), ("MOW-01", "D100"): (1, 1, 0), ("MOW-01", "M6"): (1, 1, 0),
        ("SPB-01", "D28"): (2, 1, 1), ("SPB-01", "D100"): (1, 0, 1), ("SPB-01", "M6"): (1, 0, 1),
    }
    sites = report.by_site.set_index("site_code")
    mow, spb = sites.loc["MOW-01"], sites.loc["SPB-01"]
    assert (mow["expected"], mow["received"], mow["overdue"], mow["completeness"]) == (3, 3, 0, 1)
    assert (spb["expected"], spb["received"], spb["overdue"]) == (4, 1, 3)
    assert spb["completeness"] == pytest.approx(0.25)
    assert (bool(mow["flagged"]), bool(spb["flagged"])) == (False, True)
    assert (mow["entered"], mow["median_entry_days"], mow["p90_entry_days"]) == (3, 10, 26)
    assert (spb["entered"], spb["median_entry_days"], spb["p90_entry_days"]) == (1, 6, 6)

    later = completeness_report(session=session, actor=DM, as_of=date(2025, 10, 2))
    spb_later = later.by_site.set_index("site_code").loc["SPB-01"]
    assert spb_later["entered"] == 2 and spb_later["median_entry_days"] == (6 + 31) / 2

    before = completeness_report(session=session, actor=DM, as_of=date(2025, 4, 5))
    assert before.by_site_timepoint.empty  # D28 closes on 05.04: not yet expected
    assert before.by_site["expected"].tolist() == [0, 0]
    assert not before.by_site["flagged"].any() and before.by_site["completeness"].isna().all()


# ---- the threshold setting, access -------------------------------------------------------------


def test_threshold_setting(monkeypatch: pytest.MonkeyPatch, session: Session,
                           sites: Any) -> None:
    assert completeness_threshold({}) == DEFAULT_THRESHOLD == 0.9
    assert completeness_threshold({THRESHOLD_SETTING: " 0.8 "}) == 0.8
    assert completeness_threshold({THRESHOLD_SETTING: "1"}) == 1.0
    assert completeness_threshold({THRESHOLD_SETTING: "0.75", "REGISTRY_SEED_PATIENTS": "x"}
                                  ) == 0.75  # other settings play no part
    for bad in ("90%", "0", "1.5", "-0.1", "nan", "abc", ""):
        with pytest.raises(InvalidInput) as exc:
            completeness_threshold({THRESHOLD_SETTING: bad})
        (error,) = exc.value.errors
        assert error.field == THRESHOLD_SETTING and error.code in CATALOGUE, bad
        assert re.search("[а-яё]", error_text(error, "ru")), bad  # said in Russian too
    monkeypatch.setenv(THRESHOLD_SETTING, "0.75")
    assert completeness_report(session=session, actor=DM, as_of=AS_OF).threshold == 0.75
    monkeypatch.setenv(THRESHOLD_SETTING, "seventy")
    with pytest.raises(InvalidInput):
        completeness_report(session=session, actor=DM, as_of=AS_OF)
    assert completeness_report(session=session, actor=DM, as_of=AS_OF, threshold=1).threshold == 1
    for bad_threshold in (0, 1.01, -1, float("nan")):
        with pytest.raises(InvalidInput) as exc:
            completeness_report(session=session, actor=DM, as_of=AS_OF, threshold=bad_threshold)
        assert exc.value.errors[0].code == "dm.completeness.bad_threshold"


def test_only_data_managers_and_the_system(session: Session, sites: Any, clinician_a: Actor,
                                           leadership: Actor, economist: Actor) -> None:
    assert len(completeness_report(session=session, actor=SYSTEM_ACTOR, as_of=AS_OF).by_site) == 2
    for actor in (clinician_a, leadership, economist):
        with pytest.raises(PermissionDenied) as exc:
            completeness_report(session=session, actor=actor, as_of=AS_OF)
        ru = message_text(exc.value, "ru")
        assert "дата-менеджер" in ru and message_text(exc.value, "en") == str(exc.value)
