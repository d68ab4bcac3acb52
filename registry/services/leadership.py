"""Centre-leadership dashboards: enrolment, follow-up completeness, safety and production.

Leadership sees aggregates across all sites and never a patient-level row (DESIGN.md
sections 1 and 6): no registry ids, site patient codes, row ids or individual dates leave
this module. Counting happens in the database (GROUP BY / COUNT / SUM over set-based
queries); where a median or a survival estimate needs the distribution, the database
returns a column of day counts, which is reduced here and never returned.

Small cells: every count of 1-4 is returned as the string ``"<5"``, and every rate, interval,
median or share computed from such a count is ``"<5"`` too. A count of 0 is shown as 0.
Rates carry exact (Clopper-Pearson) 95% intervals (:func:`registry.analysis.exact_ci`).

Access: leadership, data managers and the system actor; anyone else gets
:class:`~registry.errors.PermissionDenied`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from registry.analysis import exact_ci, reverse_km_median_followup
from registry.auth import Actor, require
from registry.errors import InvalidInput, PermissionDenied
from registry.models import (
    AdverseEvent,
    Death,
    FollowUp,
    ManufacturingLot,
    Product,
    Site,
    TreatmentEpisode,
)
from registry.models.enums import AdverseEventType, GradingScale, QcResult, Role
from registry.schedule import load_schedule
from registry.services.cache import alongside, cached
from registry.services.summary import SMALL_CELL, suppress
from registry.sqlfunc import epoch_day

Period = Literal["month", "quarter", "year"]
Cell = int | str  # a count, or "<5"
SUPPRESSED = f"<{SMALL_CELL}"
LEADERSHIP_ROLES = frozenset({Role.leadership, Role.data_manager, Role.system})
DAYS_PER_MONTH = 365.25 / 12
_EPOCH = date(1970, 1, 1)

TE = TreatmentEpisode
AE = AdverseEvent
LOT = ManufacturingLot


# ---- access ------------------------------------------------------------------------------------


def _require_leadership(actor: Actor) -> None:
    """Leadership dashboards are for leadership and data managers (and the system)."""
    require(actor, "summary:read")
    if actor.role not in LEADERSHIP_ROLES:
        raise PermissionDenied(
            f"{actor.username} ({actor.role.value}) may not read the leadership dashboards; "
            "they are for the leadership and data manager roles",
            code="lead.denied",
        )


# ---- SQL helpers -------------------------------------------------------------------------------


def _infused() -> ColumnElement[bool]:
    return col(TE.infusion_date).is_not(None)


def _flag(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return sa.case((condition, 1), else_=0)


def _frame(rows: Iterable[Any], columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame([tuple(r) for r in rows], columns=columns)


# ---- suppression and statistics ---------------------------------------------------------------


def _cells(values: Iterable[Any]) -> list[Cell]:
    return [suppress(int(v)) for v in values]


def _is_small(n: int) -> bool:
    return 0 < n < SMALL_CELL


def rate_cells(successes: int, n: int) -> dict[str, Any]:
    """A proportion as dashboard cells: numerator, denominator, rate and exact 95% CI.

    Counts of 1-4 become ``"<5"`` and so do the rate and CI computed from them; with
    ``n == 0`` the rate and CI are NaN.

    Examples
    --------
    >>> rate_cells(3, 40)["rate"]
    '<5'
    >>> round(rate_cells(10, 40)["rate"], 2)
    0.25
    """
    cells: dict[str, Any] = {"numerator": suppress(successes), "denominator": suppress(n)}
    if n == 0:
        return cells | {"rate": np.nan, "ci_lower": np.nan, "ci_upper": np.nan}
    if _is_small(successes) or _is_small(n):
        return cells | {"rate": SUPPRESSED, "ci_lower": SUPPRESSED, "ci_upper": SUPPRESSED}
    p = exact_ci(successes, n)
    return cells | {"rate": p.estimate, "ci_lower": p.lower, "ci_upper": p.upper}


def _spread(values: np.ndarray[Any, Any]) -> dict[str, Any]:
    """n, median, quartiles and 10th/90th percentiles of day counts, suppressed when n is 1-4."""
    n = int(values.size)
    names = ("median", "q1", "q3", "p10", "p90")
    if n == 0:
        return {"n": 0} | dict.fromkeys(names, np.nan)
    if _is_small(n):
        return {"n": SUPPRESSED} | dict.fromkeys(names, SUPPRESSED)
    q = np.quantile(values.astype(float), [0.5, 0.25, 0.75, 0.1, 0.9])
    return {"n": n} | {name: float(v) for name, v in zip(names, q, strict=True)}


def _products(session: Session) -> list[str]:
    return [str(c) for c in session.scalars(sa.select(col(Product.code)).order_by(Product.code))]


def _infused_by_product(session: Session) -> dict[str, int]:
    rows = session.execute(
        sa.select(col(Product.code), sa.func.count(col(TE.infusion_date)))
        .select_from(Product)
        .outerjoin(TE, col(TE.product_id) == Product.id)
        .group_by(col(Product.code))
    )
    return {str(code): int(n) for code, n in rows}


# ---- overview ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    """Enrolment, treatment and follow-up at a glance (aggregates, small cells suppressed).

    Attributes
    ----------
    as_of : date
        The date the follow-up and completeness figures refer to.
    period : {"month", "quarter", "year"}
        The granularity of the enrolment frames.
    threshold : float
        Completeness below this share flags a site (DESIGN.md section 6: 0.9).
    enrolment : DataFrame
        One row per period and product, every period from the first to the last apheresis:
        ``period`` (str key: ``2024-03``, ``2024-Q1`` or ``2024``), ``period_start`` (date,
        first day of the period), ``product_code``, ``apheresed`` (episodes apheresed in the
        period; int or "<5").
    enrolment_by_site : DataFrame
        The same per site: ``period``, ``period_start``, ``site_code``, ``site_name``,
        ``apheresed``.
    treatment : DataFrame
        One row per product and a last row with ``product_code`` "ALL": ``product_code``,
        ``product_name``, ``is_scenario`` (figures are a synthetic scenario), ``apheresed``,
        ``infused``, ``not_infused`` (a reason was recorded), ``in_process`` (neither yet),
        ``infused_share`` (infused / apheresed, float or "<5").
    followup : DataFrame
        Median follow-up of infused episodes by reverse Kaplan-Meier (death censors follow-up;
        time from infusion to the latest follow-up assessment or adverse-event onset, or to
        death; capped at ``as_of``). One row per product and one with ``product_code`` "ALL":
        ``infused``, ``deaths``, ``median_months``, ``ci_lower_months``, ``ci_upper_months``
        (log-log 95% CI; NaN when not reached).
    completeness : DataFrame
        One row per site and scheduled timepoint with at least one form expected somewhere:
        ``site_code``, ``site_name``, ``timepoint``, ``timepoint_order`` (schedule order),
        ``expected`` (forms whose window closed before ``as_of`` and that were not missed,
        i.e. received or overdue), ``received`` (of those), ``overdue`` (window closed, not
        received, not missed), ``completeness`` (received / expected; float, "<5" or NaN).
    completeness_by_site : DataFrame
        One row per site: ``site_code``, ``site_name``, ``expected``, ``received``,
        ``overdue``, ``completeness`` and ``flagged`` (completeness below ``threshold``;
        None when completeness is suppressed or undefined).
    """

    as_of: date
    period: Period
    threshold: float
    enrolment: pd.DataFrame
    enrolment_by_site: pd.DataFrame
    treatment: pd.DataFrame
    followup: pd.DataFrame
    completeness: pd.DataFrame
    completeness_by_site: pd.DataFrame


def _period_start(year: pd.Series, month: pd.Series, period: Period) -> pd.Series:
    if period == "month":
        first = month
    elif period == "quarter":
        first = (month - 1) // 3 * 3 + 1
    else:
        first = month * 0 + 1
    return pd.to_datetime(pd.DataFrame({"year": year, "month": first, "day": 1})).dt.date


def _period_key(start: date, period: Period) -> str:
    if period == "month":
        return f"{start.year}-{start.month:02d}"
    if period == "quarter":
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return str(start.year)


def _period_range(first: date, last: date, period: Period) -> list[date]:
    freq = {"month": "MS", "quarter": "QS", "year": "YS"}[period]
    return [ts.date() for ts in pd.date_range(first, last, freq=freq)]


def _enrolment(session: Session, period: Period, by: Literal["product", "site"]) -> pd.DataFrame:
    year = sa.cast(sa.extract("year", col(TE.apheresis_date)), sa.Integer).label("y")
    month = sa.cast(sa.extract("month", col(TE.apheresis_date)), sa.Integer).label("m")
    join: tuple[Any, ColumnElement[bool]]
    if by == "product":
        keys: list[Any] = [col(Product.code)]
        names, join = ["product_code"], (Product, col(Product.id) == TE.product_id)
        everyone = pd.DataFrame({"product_code": _products(session)})
    else:
        keys = [col(Site.code), col(Site.name)]
        names, join = ["site_code", "site_name"], (Site, col(Site.id) == TE.site_id)
        everyone = _frame(session.execute(sa.select(*keys).order_by(col(Site.code))), names)
    raw = _frame(
        session.execute(
            sa.select(*keys, year, month, sa.func.count(col(TE.id)))
            .select_from(TE)
            .join(*join)
            .group_by(*keys, year, month)
        ),
        [*names, "year", "month", "n"],
    )
    columns = ["period", "period_start", *names, "apheresed"]
    if raw.empty:
        return pd.DataFrame(columns=columns)
    raw["period_start"] = _period_start(raw["year"], raw["month"], period)
    counts = raw.groupby(["period_start", names[0]])["n"].sum()
    starts = _period_range(min(raw["period_start"]), max(raw["period_start"]), period)
    grid = pd.MultiIndex.from_product([starts, everyone[names[0]]], names=counts.index.names)
    frame = counts.reindex(grid, fill_value=0).rename("apheresed").reset_index()
    frame = frame.merge(everyone, on=names[0], how="left")
    frame["period"] = [_period_key(s, period) for s in frame["period_start"]]
    frame["apheresed"] = _cells(frame["apheresed"])
    return frame[columns]


def _treatment(session: Session) -> pd.DataFrame:
    rows = session.execute(
        sa.select(
            col(Product.code),
            col(Product.name),
            col(Product.is_scenario),
            sa.func.count(col(TE.id)),
            sa.func.count(col(TE.infusion_date)),
            sa.func.count(col(TE.not_infused_reason)),
        )
        .select_from(Product)
        .outerjoin(TE, col(TE.product_id) == Product.id)
        .group_by(col(Product.code), col(Product.name), col(Product.is_scenario))
        .order_by(col(Product.code))
    )
    raw = [(str(code), str(name), bool(scenario), int(a), int(i), int(n))
           for code, name, scenario, a, i, n in rows]
    raw.append(("ALL", "", any(r[2] for r in raw), sum(r[3] for r in raw),
                sum(r[4] for r in raw), sum(r[5] for r in raw)))
    records = []
    for code, name, scenario, apheresed, infused, not_infused in raw:
        records.append({
            "product_code": code, "product_name": name, "is_scenario": scenario,
            "apheresed": suppress(apheresed), "infused": suppress(infused),
            "not_infused": suppress(not_infused),
            "in_process": suppress(apheresed - infused - not_infused),
            "infused_share": rate_cells(infused, apheresed)["rate"],
        })
    return pd.DataFrame(records, columns=["product_code", "product_name", "is_scenario",
                                          "apheresed", "infused", "not_infused", "in_process",
                                          "infused_share"])


def _greatest(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    """The later of two nullable values (portable GREATEST that ignores NULLs)."""
    return sa.case((a.is_(None), b), (b.is_(None), a), (a > b, a), else_=b)


def _least(a: ColumnElement[Any], b: ColumnElement[Any]) -> ColumnElement[Any]:
    """The earlier of two nullable values (portable LEAST that ignores NULLs)."""
    return sa.case((a.is_(None), b), (b.is_(None), a), (a < b, a), else_=b)


def _followup(session: Session, as_of: date) -> pd.DataFrame:
    as_day = (as_of - _EPOCH).days
    last_fu = (
        sa.select(col(FollowUp.episode_id).label("episode_id"),
                  sa.func.max(epoch_day(col(FollowUp.assessment_date))).label("day"))
        .group_by(col(FollowUp.episode_id)).subquery()
    )
    last_ae = (
        sa.select(col(AE.episode_id).label("episode_id"),
                  sa.func.max(epoch_day(col(AE.onset_date))).label("day"))
        .group_by(col(AE.episode_id)).subquery()
    )
    infusion = epoch_day(col(TE.infusion_date))
    death = epoch_day(col(Death.death_date))
    died = sa.and_(death.is_not(None), death <= as_day)
    contact = _least(_greatest(_greatest(last_fu.c.day, last_ae.c.day), infusion),
                     sa.literal(as_day))
    end = sa.case((died, death), else_=contact)
    frame = _frame(
        session.execute(
            sa.select(col(Product.code), end - infusion, _flag(died))
            .select_from(TE)
            .join(Product, col(Product.id) == TE.product_id)
            .outerjoin(Death, col(Death.patient_id) == TE.patient_id)
            .outerjoin(last_fu, last_fu.c.episode_id == TE.id)
            .outerjoin(last_ae, last_ae.c.episode_id == TE.id)
            .where(_infused(), infusion <= as_day)
        ),
        ["product_code", "days", "died"],
    )
    records = []
    groups = [(code, frame[frame["product_code"] == code]) for code in _products(session)]
    for code, part in [*groups, ("ALL", frame)]:
        n = len(part)
        row: dict[str, Any] = {"product_code": code, "infused": suppress(n),
                               "deaths": suppress(int(part["died"].sum()))}
        stats: dict[str, Any] = dict.fromkeys(
            ("median_months", "ci_lower_months", "ci_upper_months"), np.nan)
        if _is_small(n):
            stats = dict.fromkeys(stats, SUPPRESSED)
        elif n > 0:
            fit = reverse_km_median_followup(part["days"].to_numpy(float),
                                             part["died"].to_numpy(bool))
            stats = {"median_months": fit.median / DAYS_PER_MONTH,
                     "ci_lower_months": fit.lower / DAYS_PER_MONTH,
                     "ci_upper_months": fit.upper / DAYS_PER_MONTH}
        records.append(row | stats)
    return pd.DataFrame(records)


def _schedule_table() -> sa.Subquery:
    parts = [
        sa.select(
            sa.cast(sa.literal(row.timepoint.value), sa.String(16)).label("timepoint"),
            sa.cast(sa.literal(order), sa.Integer).label("ordinal"),
            sa.cast(sa.literal(row.target_day), sa.Integer).label("target_day"),
            sa.cast(sa.literal(row.window_after), sa.Integer).label("window_after"),
        )
        for order, row in enumerate(load_schedule())
    ]
    return sa.union_all(*parts).subquery("sched")


def _completeness(session: Session, as_of: date, threshold: float
                  ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Received / expected by site and timepoint; the rules of `registry.schedule.form_status`
    (received wins; missed when death or loss to follow-up came before the target day)."""
    as_day = (as_of - _EPOCH).days
    sched = _schedule_table()
    lost = (
        sa.select(col(FollowUp.episode_id).label("episode_id"),
                  sa.func.min(epoch_day(col(FollowUp.assessment_date))).label("day"))
        .where(col(FollowUp.lost_to_follow_up).is_(True))
        .group_by(col(FollowUp.episode_id)).subquery()
    )
    target = epoch_day(col(TE.infusion_date)) + sched.c.target_day
    closes = target + sched.c.window_after
    ended = _least(epoch_day(col(Death.death_date)), lost.c.day)
    received = col(FollowUp.id).is_not(None)
    not_missed = sa.or_(received, ended.is_(None), ended >= target)
    rows = session.execute(
        sa.select(
            col(Site.code), col(Site.name), sched.c.timepoint, sched.c.ordinal,
            sa.func.sum(_flag(not_missed)),
            sa.func.sum(_flag(received)),
        )
        .select_from(TE)
        .join(sched, sa.true())
        .join(Site, col(Site.id) == TE.site_id)
        .outerjoin(Death, col(Death.patient_id) == TE.patient_id)
        .outerjoin(lost, lost.c.episode_id == TE.id)
        .outerjoin(FollowUp, sa.and_(col(FollowUp.episode_id) == TE.id,
                                     col(FollowUp.timepoint) == sched.c.timepoint,
                                     # lets the partial unique index (episode, timepoint) serve
                                     col(FollowUp.timepoint) != "unscheduled"))
        .where(_infused(), closes < as_day)
        .group_by(col(Site.code), col(Site.name), sched.c.timepoint, sched.c.ordinal)
    )
    raw = _frame(rows, ["site_code", "site_name", "timepoint", "timepoint_order", "expected",
                        "received"])
    raw = raw.astype({"expected": int, "received": int, "timepoint_order": int})
    raw = raw[raw.groupby("timepoint")["expected"].transform("sum") > 0]
    raw = raw.sort_values(["site_code", "timepoint_order"], ignore_index=True)
    by_site = raw.groupby(["site_code", "site_name"], as_index=False)[
        ["expected", "received"]].sum()
    return _completeness_cells(raw, None), _completeness_cells(by_site, threshold)


def _shared_completeness(session: Session, as_of: date, threshold: float
                         ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`_completeness` through the cache: the overview and the centre report share it."""
    return cached(session, "leadership.completeness", (as_of, threshold),
                  lambda: _completeness(session, as_of, threshold))


def completeness_by_site(*, session: Session, actor: Actor, as_of: date,
                         threshold: float = 0.9) -> pd.DataFrame:
    """Follow-up completeness per site (received / expected, overdue, flagged), as the
    overview shows it; see :class:`Overview` ``completeness_by_site``."""
    _require_leadership(actor)
    return _shared_completeness(session, as_of, threshold)[1]


def _completeness_cells(raw: pd.DataFrame, threshold: float | None) -> pd.DataFrame:
    frame = raw.copy()
    expected, received = frame["expected"].astype(int), frame["received"].astype(int)
    frame["overdue"] = _cells(expected - received)
    frame["completeness"] = [rate_cells(r, e)["rate"] for r, e in zip(received, expected,
                                                                       strict=True)]
    frame["expected"], frame["received"] = _cells(expected), _cells(received)
    if threshold is not None:
        frame["flagged"] = [None if isinstance(c, str) or pd.isna(c) else bool(c < threshold)
                            for c in frame["completeness"]]
    return frame


def _compute_overview(*, session: Session, actor: Actor, as_of: date, period: Period = "month",
             threshold: float = 0.9) -> Overview:
    """Enrolment over time, treatment by product, median follow-up and completeness.

    Parameters
    ----------
    as_of : date
        The reference date of follow-up and completeness (usually today).
    period : {"month", "quarter", "year"}, default "month"
        Enrolment (apheresis date) granularity.
    threshold : float, default 0.9
        Sites with follow-up completeness below it are flagged (CIBMTR's 90% rule).

    Returns
    -------
    Overview

    Raises
    ------
    PermissionDenied
        For roles other than leadership, data manager and system.
    InvalidInput
        For an unknown `period` or a threshold outside (0, 1].
    """
    _require_leadership(actor)
    if period not in ("month", "quarter", "year"):
        raise InvalidInput.one("period", f"{period!r} is not offered; use month, quarter or year")
    if not 0 < threshold <= 1:
        raise InvalidInput.one("threshold", f"{threshold!r} must be a share in (0, 1], e.g. 0.9")
    shared = alongside(session, lambda other: _shared_completeness(other, as_of, threshold))
    enrolment = _enrolment(session, period, "product")
    enrolment_by_site = _enrolment(session, period, "site")
    treatment, followup = _treatment(session), _followup(session, as_of)
    completeness, by_site = shared()
    return Overview(
        as_of=as_of, period=period, threshold=threshold, enrolment=enrolment,
        enrolment_by_site=enrolment_by_site, treatment=treatment, followup=followup,
        completeness=completeness, completeness_by_site=by_site,
    )


# ---- safety -----------------------------------------------------------------------------------

GRADE_ORDER = ["none", "1", "2", "3", "4", "5", "ungraded", "other_scale"]
TOXICITIES = (AdverseEventType.crs, AdverseEventType.icans)


@dataclass(frozen=True)
class Safety:
    """CRS and ICANS by product, ASTCT 2019 grades only (aggregates, small cells suppressed).

    Grades on other scales (Penn, Lee 2014, CTCAE) are never pooled with ASTCT grades: an
    infused episode whose CRS (or ICANS) was graded only on another scale falls in the
    ``other_scale`` bucket, and ``other_scales`` counts those events by scale.

    Attributes
    ----------
    grades : DataFrame
        One row per product, toxicity (``CRS``/``ICANS``) and grade bucket: ``product_code``,
        ``event_type``, ``grade`` (``none``, ``1``-``5`` = worst ASTCT grade of the episode,
        ``ungraded``, ``other_scale``), ``episodes`` (int or "<5"), ``share`` (of infused
        episodes; float or "<5").
    severe : DataFrame
        Grade >= 3 rates: ``product_code``, ``event_type``, ``numerator`` (infused episodes
        with an ASTCT grade >= 3), ``denominator`` (infused episodes), ``rate``,
        ``ci_lower``, ``ci_upper`` (exact 95%).
    onset : DataFrame
        Day of first onset (onset - infusion, days) by ``product_code`` and ``event_type``:
        ``n``, ``median``, ``q1``, ``q3``, ``p10``, ``p90``.
    supportive_care : DataFrame
        ``product_code``, ``measure`` (``tocilizumab``: any adverse event treated with it;
        ``corticosteroids``; ``icu``: any adverse event with ICU admission or any follow-up
        with ICU days), then ``numerator``, ``denominator`` (infused episodes), ``rate``,
        ``ci_lower``, ``ci_upper``.
    other_scales : DataFrame
        ``product_code``, ``event_type``, ``grading_scale``, ``episodes`` graded on a scale
        other than ASTCT 2019 (int or "<5").
    other_scale_events : int
        Number of CRS/ICANS events graded on another scale (0 when all are ASTCT).
    """

    grades: pd.DataFrame
    severe: pd.DataFrame
    onset: pd.DataFrame
    supportive_care: pd.DataFrame
    other_scales: pd.DataFrame
    other_scale_events: int


def _per_episode_toxicity() -> sa.Subquery:
    astct = col(AE.grading_scale) == GradingScale.astct_2019
    return (
        sa.select(
            col(AE.episode_id).label("episode_id"),
            col(AE.event_type).label("event_type"),
            sa.func.max(_flag(astct)).label("has_astct"),
            sa.func.max(sa.case((astct, col(AE.grade)), else_=None)).label("max_grade"),
            sa.func.min(epoch_day(col(AE.onset_date))).label("onset_day"),
        )
        .where(col(AE.event_type).in_(TOXICITIES))
        .group_by(col(AE.episode_id), col(AE.event_type))
        .subquery()
    )


def _compute_safety(*, session: Session, actor: Actor) -> Safety:
    """CRS/ICANS grade distribution, grade >= 3 rates, onset, supportive care, by product.

    Denominators are infused episodes. See :class:`Safety` for every column.

    Raises
    ------
    PermissionDenied
        For roles other than leadership, data manager and system.
    """
    _require_leadership(actor)
    products = _products(session)
    infused = _infused_by_product(session)
    tox = _per_episode_toxicity()
    joined = (sa.select().select_from(tox)
              .join(TE, col(TE.id) == tox.c.episode_id)
              .join(Product, col(Product.id) == TE.product_id)
              .where(_infused()))
    dist = _frame(
        session.execute(
            joined.add_columns(col(Product.code), tox.c.event_type, tox.c.has_astct,
                               tox.c.max_grade, sa.func.count())
            .group_by(col(Product.code), tox.c.event_type, tox.c.has_astct, tox.c.max_grade)
        ),
        ["product_code", "event_type", "has_astct", "max_grade", "n"],
    )
    dist["event_type"] = [AdverseEventType(v).value for v in dist["event_type"]]
    dist["grade"] = [
        "other_scale" if not a else ("ungraded" if pd.isna(g) else str(int(g)))
        for a, g in zip(dist["has_astct"], dist["max_grade"], strict=True)
    ]
    grade_rows, severe_rows = [], []
    for code in products:
        for kind in TOXICITIES:
            part = dist[(dist["product_code"] == code) & (dist["event_type"] == kind.value)]
            counts = part.groupby("grade")["n"].sum().to_dict()
            counts["none"] = infused[code] - int(part["n"].sum())
            for grade in GRADE_ORDER:
                n = int(counts.get(grade, 0))
                grade_rows.append({"product_code": code, "event_type": kind.value,
                                   "grade": grade, "episodes": suppress(n),
                                   "share": rate_cells(n, infused[code])["rate"]})
            severe = int(sum(v for g, v in counts.items() if g in ("3", "4", "5")))
            severe_rows.append({"product_code": code, "event_type": kind.value}
                               | rate_cells(severe, infused[code]))

    onset = _frame(
        session.execute(joined.add_columns(
            col(Product.code), tox.c.event_type,
            tox.c.onset_day - epoch_day(col(TE.infusion_date)))),
        ["product_code", "event_type", "days"],
    )
    onset["event_type"] = [AdverseEventType(v).value for v in onset["event_type"]]
    onset_rows = [
        {"product_code": code, "event_type": kind.value}
        | _spread(onset.loc[(onset["product_code"] == code)
                            & (onset["event_type"] == kind.value), "days"].to_numpy())
        for code in products for kind in TOXICITIES
    ]

    other_q = (
        sa.select(col(Product.code), col(AE.event_type), col(AE.grading_scale),
                  sa.func.count(sa.distinct(col(AE.episode_id))), sa.func.count())
        .join(TE, col(TE.id) == AE.episode_id)
        .join(Product, col(Product.id) == TE.product_id)
        .where(col(AE.event_type).in_(TOXICITIES),
               col(AE.grading_scale) != GradingScale.astct_2019)
        .group_by(col(Product.code), col(AE.event_type), col(AE.grading_scale))
        .order_by(col(Product.code), col(AE.event_type), col(AE.grading_scale))
    )
    other = _frame(session.execute(other_q),
                   ["product_code", "event_type", "grading_scale", "episodes", "events"])
    other_events = int(other["events"].sum())
    other = other.drop(columns="events")
    other["event_type"] = [AdverseEventType(v).value for v in other["event_type"]]
    other["grading_scale"] = [GradingScale(v).value for v in other["grading_scale"]]
    other["episodes"] = _cells(other["episodes"])

    return Safety(
        grades=pd.DataFrame(grade_rows),
        severe=pd.DataFrame(severe_rows),
        onset=pd.DataFrame(onset_rows),
        supportive_care=_supportive_care(session, products, infused),
        other_scales=other,
        other_scale_events=other_events,
    )


def _supportive_care(session: Session, products: list[str], infused: dict[str, int]
                     ) -> pd.DataFrame:
    ae = (
        sa.select(
            col(AE.episode_id).label("episode_id"),
            sa.func.max(_flag(col(AE.tocilizumab_doses) > 0)).label("tocilizumab"),
            sa.func.max(_flag(col(AE.corticosteroids).is_(True))).label("corticosteroids"),
            sa.func.max(_flag(col(AE.icu).is_(True))).label("icu"),
        ).group_by(col(AE.episode_id)).subquery()
    )
    fu = (
        sa.select(col(FollowUp.episode_id).label("episode_id"),
                  sa.func.max(_flag(col(FollowUp.icu_days) > 0)).label("icu"))
        .group_by(col(FollowUp.episode_id)).subquery()
    )
    rows = session.execute(
        sa.select(
            col(Product.code),
            sa.func.sum(sa.func.coalesce(ae.c.tocilizumab, 0)),
            sa.func.sum(sa.func.coalesce(ae.c.corticosteroids, 0)),
            sa.func.sum(_flag(sa.or_(ae.c.icu == 1, fu.c.icu == 1))),
        )
        .select_from(TE)
        .join(Product, col(Product.id) == TE.product_id)
        .outerjoin(ae, ae.c.episode_id == TE.id)
        .outerjoin(fu, fu.c.episode_id == TE.id)
        .where(_infused())
        .group_by(col(Product.code))
    )
    found = {code: (int(t or 0), int(s or 0), int(i or 0)) for code, t, s, i in rows}
    records = []
    for code in products:
        values = found.get(code, (0, 0, 0))
        for measure, n in zip(("tocilizumab", "corticosteroids", "icu"), values, strict=True):
            records.append({"product_code": code, "measure": measure}
                           | rate_cells(n, infused[code]))
    return pd.DataFrame(records)


# ---- production -------------------------------------------------------------------------------

NOT_INFUSED_PENDING = "pending"


@dataclass(frozen=True)
class Production:
    """Vein-to-vein, manufacturing, QC and attrition by product (aggregates, suppressed).

    Attributes
    ----------
    bin_days : int
        Width of the histogram bins, in days.
    durations : DataFrame
        ``metric`` (``vein_to_vein``: infusion - apheresis of infused episodes;
        ``turnaround``: release - start of released lots), ``product_code``, ``n``,
        ``median``, ``q1``, ``q3``, ``p10``, ``p90`` (days; float or "<5").
    histogram : DataFrame
        ``metric``, ``product_code``, ``bin_start``, ``bin_end`` (days, [start, end)),
        ``count`` (int or "<5"); every bin between the metric's first and last is present.
    qc : DataFrame
        One row per product of the lot: ``product_code``, ``lots``, ``qc_tested`` (sterility,
        endotoxin and mycoplasma all recorded), ``numerator`` (all three pass and the lot is
        not out of specification), ``denominator`` (= qc_tested), ``rate``, ``ci_lower``,
        ``ci_upper`` (exact 95%), ``out_of_spec`` (lots), ``manufacturing_failed`` (lots).
    funnel : DataFrame
        ``product_code``, ``stage`` (``apheresed``, ``lot_released``, ``infused``),
        ``stage_order`` (0-2), ``episodes`` (int or "<5"), ``share`` (of apheresed).
    not_infused : DataFrame
        ``product_code``, ``reason`` (a NotInfusedReason value, or ``pending``: apheresed,
        neither infused nor given up yet), ``episodes`` (int or "<5").
    """

    bin_days: int
    durations: pd.DataFrame
    histogram: pd.DataFrame
    qc: pd.DataFrame
    funnel: pd.DataFrame
    not_infused: pd.DataFrame


def _duration_queries() -> dict[str, tuple[ColumnElement[int], sa.Select[Any]]]:
    v2v = epoch_day(col(TE.infusion_date)) - epoch_day(col(TE.apheresis_date))
    turnaround = epoch_day(col(LOT.release_date)) - epoch_day(col(LOT.start_date))
    return {
        "vein_to_vein": (v2v, sa.select().select_from(TE)
                         .join(Product, col(Product.id) == TE.product_id).where(_infused())),
        "turnaround": (turnaround, sa.select().select_from(LOT)
                       .join(Product, col(Product.id) == LOT.product_id)
                       .where(col(LOT.release_date).is_not(None))),
    }


def _compute_production(*, session: Session, actor: Actor, bin_days: int = 7) -> Production:
    """Vein-to-vein and manufacturing turnaround, QC pass rate, failures, attrition funnel.

    Parameters
    ----------
    bin_days : int, default 7
        Histogram bin width in days (1-90).

    Raises
    ------
    PermissionDenied
        For roles other than leadership, data manager and system.
    InvalidInput
        For a bin width outside 1-90 days.
    """
    _require_leadership(actor)
    if not 1 <= bin_days <= 90:
        raise InvalidInput.one("bin_days", f"{bin_days!r} must be 1-90 days, e.g. 7")
    products = _products(session)
    summary_rows, bins = [], []
    for metric, (days, base) in _duration_queries().items():
        values = _frame(session.execute(base.add_columns(col(Product.code), days)),
                        ["product_code", "days"])
        for code in products:
            part = values.loc[values["product_code"] == code, "days"].to_numpy()
            summary_rows.append({"metric": metric, "product_code": code} | _spread(part))
        bin_expr = (days // bin_days).label("bin")
        binned = _frame(
            session.execute(base.add_columns(col(Product.code), bin_expr, sa.func.count())
                            .group_by(col(Product.code), bin_expr)),
            ["product_code", "bin", "count"],
        )
        if binned.empty:
            continue
        full = pd.MultiIndex.from_product(
            [products, range(int(binned["bin"].min()), int(binned["bin"].max()) + 1)],
            names=["product_code", "bin"])
        counts = (binned.set_index(["product_code", "bin"])["count"]
                  .reindex(full, fill_value=0).reset_index())
        counts.insert(0, "metric", metric)
        counts["bin_start"] = counts["bin"] * bin_days
        counts["bin_end"] = counts["bin_start"] + bin_days
        counts["count"] = _cells(counts["count"])
        bins.append(counts[["metric", "product_code", "bin_start", "bin_end", "count"]])
    histogram = (pd.concat(bins, ignore_index=True) if bins else pd.DataFrame(
        columns=["metric", "product_code", "bin_start", "bin_end", "count"]))
    funnel, not_infused = _attrition(session, products)
    return Production(bin_days=bin_days, durations=pd.DataFrame(summary_rows),
                      histogram=histogram, qc=_qc(session, products), funnel=funnel,
                      not_infused=not_infused)


def _qc(session: Session, products: list[str]) -> pd.DataFrame:
    tests = (col(LOT.sterility), col(LOT.endotoxin), col(LOT.mycoplasma))
    tested = sa.and_(*(t.is_not(None) for t in tests))
    passed = sa.and_(*(t == QcResult.passed for t in tests),
                     col(LOT.out_of_specification).is_(False))
    rows = session.execute(
        sa.select(col(Product.code), sa.func.count(col(LOT.id)), sa.func.sum(_flag(tested)),
                  sa.func.sum(_flag(passed)),
                  sa.func.sum(_flag(col(LOT.out_of_specification).is_(True))),
                  sa.func.sum(_flag(col(LOT.manufacturing_failed).is_(True))))
        .join(Product, col(Product.id) == LOT.product_id)
        .group_by(col(Product.code))
    )
    found = {code: tuple(int(v or 0) for v in values) for code, *values in rows}
    records = []
    for code in products:
        lots, n_tested, n_passed, oos, failed = found.get(code, (0, 0, 0, 0, 0))
        records.append({"product_code": code, "lots": suppress(lots),
                        "qc_tested": suppress(n_tested)} | rate_cells(n_passed, n_tested)
                       | {"out_of_spec": suppress(oos), "manufacturing_failed": suppress(failed)})
    return pd.DataFrame(records)


def _attrition(session: Session, products: list[str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = session.execute(
        sa.select(col(Product.code), sa.func.count(col(TE.id)),
                  sa.func.count(col(LOT.release_date)), sa.func.count(col(TE.infusion_date)))
        .select_from(Product)
        .outerjoin(TE, col(TE.product_id) == Product.id)
        .outerjoin(LOT, col(LOT.id) == TE.lot_id)
        .group_by(col(Product.code))
    )
    found = {code: (int(a), int(r), int(i)) for code, a, r, i in rows}
    funnel = []
    for code in products:
        counts = found.get(code, (0, 0, 0))
        for order, (stage, n) in enumerate(zip(("apheresed", "lot_released", "infused"),
                                               counts, strict=True)):
            funnel.append({"product_code": code, "stage": stage, "stage_order": order,
                           "episodes": suppress(n), "share": rate_cells(n, counts[0])["rate"]})
    reasons = _frame(
        session.execute(
            sa.select(col(Product.code), col(TE.not_infused_reason), sa.func.count())
            .join(Product, col(Product.id) == TE.product_id)
            .where(col(TE.infusion_date).is_(None))
            .group_by(col(Product.code), col(TE.not_infused_reason))
            .order_by(col(Product.code), col(TE.not_infused_reason))
        ),
        ["product_code", "reason", "episodes"],
    )
    reasons["reason"] = [NOT_INFUSED_PENDING if r is None else getattr(r, "value", r)
                         for r in reasons["reason"]]
    reasons["episodes"] = _cells(reasons["episodes"])
    return pd.DataFrame(funnel), reasons


__all__ = [
    "completeness_by_site",
    "LEADERSHIP_ROLES",
    "Overview",
    "Production",
    "Safety",
    "overview",
    "production",
    "rate_cells",
    "safety",
]


# ---- public entry points: checked, then served from the cache until the data change ----------


def overview(*, session: Session, actor: Actor, as_of: date, period: Period = "month",
             threshold: float = 0.9) -> Overview:
    _require_leadership(actor)
    return cached(session, "leadership.overview", (as_of, period, threshold),
                  lambda: _compute_overview(session=session, actor=actor, as_of=as_of,
                                            period=period, threshold=threshold))


def safety(*, session: Session, actor: Actor) -> Safety:
    _require_leadership(actor)
    return cached(session, "leadership.safety", (),
                  lambda: _compute_safety(session=session, actor=actor))


def production(*, session: Session, actor: Actor, bin_days: int = 7) -> Production:
    _require_leadership(actor)
    return cached(session, "leadership.production", (bin_days,),
                  lambda: _compute_production(session=session, actor=actor, bin_days=bin_days))


overview.__doc__ = _compute_overview.__doc__
safety.__doc__ = _compute_safety.__doc__
production.__doc__ = _compute_production.__doc__
