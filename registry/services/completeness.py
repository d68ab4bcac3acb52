"""Follow-up completeness and timeliness per site, for the data managers.

Completeness follows the rules of `registry.schedule` (`form_status`): a scheduled form of
an infused episode is *expected* once its window has closed (before `as_of`), unless it was
missed (death or loss to follow-up before its target day, and no form received); of those,
*received* have a form for the timepoint and *overdue* do not. Completeness is received /
expected, and a site below the threshold (CIBMTR's 90% rule by default) is flagged.

Timeliness is the number of days from a follow-up's assessment to its entry in the registry
(the UTC day of ``created_at`` minus ``assessment_date``), over every follow-up form (the
unscheduled ones too) entered by `as_of`: its median and 90th percentile per site.

Data managers see the real counts: no small-cell suppression (that is for the leadership
dashboards, `registry.services.leadership`). Counting happens in the database: one GROUP BY
over episodes x schedule, and one SELECT of the follow-ups' two dates.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlmodel import Session, col

from registry.auth import Actor
from registry.config import Settings
from registry.errors import InvalidInput, PermissionDenied
from registry.models import Death, FollowUp, Site, TreatmentEpisode
from registry.models.enums import Role
from registry.schedule import load_schedule
from registry.sqlfunc import epoch_day

THRESHOLD_SETTING = "REGISTRY_COMPLETENESS_THRESHOLD"
DEFAULT_THRESHOLD = Settings.completeness_threshold  # 0.9
ALLOWED_ROLES = frozenset({Role.data_manager, Role.system})
_EPOCH = date(1970, 1, 1)
TE = TreatmentEpisode

SITE_TIMEPOINT_COLUMNS = ["site_code", "site_name", "timepoint", "timepoint_order", "expected",
                          "received", "overdue", "completeness"]
SITE_COLUMNS = ["site_code", "site_name", "expected", "received", "overdue", "completeness",
                "flagged", "entered", "median_entry_days", "p90_entry_days"]


@dataclass(frozen=True)
class CompletenessReport:
    """Completeness and timeliness as of a date.

    Attributes
    ----------
    by_site_timepoint : DataFrame
        One row per site and timepoint with something expected: ``site_code``,
        ``site_name``, ``timepoint``, ``timepoint_order`` (schedule order), ``expected``,
        ``received``, ``overdue`` (ints) and ``completeness`` (received / expected).
    by_site : DataFrame
        One row per site (every site, in code order): ``site_code``, ``site_name``,
        ``expected``, ``received``, ``overdue``, ``completeness`` (NaN when nothing is
        expected), ``flagged`` (completeness below `threshold`), ``entered`` (follow-up
        forms entered by `as_of`), ``median_entry_days`` and ``p90_entry_days`` (days from
        assessment to entry; NaN when none entered).
    threshold : float
        The completeness below which a site is flagged.
    as_of : date
        The day the report is judged on.
    """

    by_site_timepoint: pd.DataFrame
    by_site: pd.DataFrame
    threshold: float
    as_of: date


def completeness_threshold(env: Mapping[str, str] | None = None) -> float:
    """The flagging threshold from the setting ``REGISTRY_COMPLETENESS_THRESHOLD``.

    Read as `registry.config.Settings` reads it (its ``completeness_threshold``), so the
    leadership dashboards and this report flag the same sites.

    Parameters
    ----------
    env : mapping, optional
        Where to read the setting (default: the process environment).

    Returns
    -------
    float
        The setting as a share in (0, 1]; 0.9 when unset.

    Raises
    ------
    InvalidInput
        The setting is not a number in (0, 1] (field ``REGISTRY_COMPLETENESS_THRESHOLD``).

    Examples
    --------
    >>> completeness_threshold({})
    0.9
    >>> completeness_threshold({"REGISTRY_COMPLETENESS_THRESHOLD": "0.85"})
    0.85
    """
    wanted = dict(os.environ if env is None else env)
    return Settings.from_env({THRESHOLD_SETTING: wanted[THRESHOLD_SETTING]}
                             if THRESHOLD_SETTING in wanted else {}).completeness_threshold


def completeness_report(*, session: Session, actor: Actor, as_of: date,
                        threshold: float | None = None) -> CompletenessReport:
    """Follow-up completeness by site and timepoint, and data-entry timeliness by site.

    Parameters
    ----------
    as_of : date
        Forms whose window closed before this day are expected; follow-ups entered on or
        before it count for timeliness.
    threshold : float, optional
        Sites with completeness below it are flagged; default `completeness_threshold()`.

    Returns
    -------
    CompletenessReport

    Raises
    ------
    PermissionDenied
        The actor is not a data manager (or the system) (``dm.completeness.denied``).
    InvalidInput
        A threshold outside (0, 1] (``dm.completeness.bad_threshold``), or a bad setting.

    Examples
    --------
    >>> report = completeness_report(session=session, actor=dm,
    ...                              as_of=date(2026, 11, 1))  # doctest: +SKIP
    >>> report.by_site.loc[report.by_site["flagged"], "site_code"].tolist()  # doctest: +SKIP
    ['KZN-01']
    """
    if actor.role not in ALLOWED_ROLES:
        raise PermissionDenied(
            f"{actor.username} ({actor.role.value}) may not read the completeness report; "
            "it is for data managers", code="dm.completeness.denied", username=actor.username,
            role=actor.role.value)
    if threshold is None:
        threshold = completeness_threshold()
    elif not (isinstance(threshold, int | float) and 0 < threshold <= 1):
        raise InvalidInput.one("threshold", f"{threshold!r} is not a share in (0, 1], e.g. 0.9",
                               "dm.completeness.bad_threshold", value=repr(threshold))
    threshold = float(threshold)
    sites = pd.DataFrame(
        [tuple(r) for r in session.execute(
            sa.select(col(Site.id), col(Site.code), col(Site.name)).order_by(col(Site.code)))],
        columns=["site_id", "site_code", "site_name"])
    cells = _expected_received(session, as_of).merge(sites, on="site_id")
    cells = cells[cells["expected"] > 0].sort_values(["site_code", "timepoint_order"],
                                                     ignore_index=True)
    by_site_timepoint = _rates(cells)[SITE_TIMEPOINT_COLUMNS]
    totals = cells.groupby("site_id")[["expected", "received"]].sum()
    by_site = sites.join(totals, on="site_id").fillna({"expected": 0, "received": 0})
    by_site = _rates(by_site.astype({"expected": int, "received": int}))
    by_site["flagged"] = (by_site["expected"] > 0) & (by_site["completeness"] < threshold)
    by_site = by_site.join(_timeliness(session, as_of), on="site_id")
    by_site = by_site.astype({"median_entry_days": float, "p90_entry_days": float})
    by_site["entered"] = by_site["entered"].fillna(0).astype(int)
    return CompletenessReport(by_site_timepoint=by_site_timepoint,
                              by_site=by_site[SITE_COLUMNS].reset_index(drop=True),
                              threshold=threshold, as_of=as_of)


# ---- SQL ---------------------------------------------------------------------------------------


def _schedule() -> sa.Subquery:
    """The schedule (seed_data/schedule.csv) as a derived table."""
    parts = [
        sa.select(
            sa.cast(sa.literal(row.timepoint.value), sa.String(16)).label("timepoint"),
            sa.cast(sa.literal(order), sa.Integer).label("ordinal"),
            sa.cast(sa.literal(row.target_day), sa.Integer).label("target_day"),
            sa.cast(sa.literal(row.window_after), sa.Integer).label("window_after"),
        )
        for order, row in enumerate(load_schedule())
    ]
    return sa.union_all(*parts).subquery("dm_schedule")


def _expected_received(session: Session, as_of: date) -> pd.DataFrame:
    """Expected and received forms per site and timepoint (windows closed before `as_of`)."""
    sched = _schedule()
    lost = (
        sa.select(col(FollowUp.episode_id).label("episode_id"),
                  sa.func.min(epoch_day(col(FollowUp.assessment_date))).label("day"))
        .where(col(FollowUp.lost_to_follow_up).is_(True))
        .group_by(col(FollowUp.episode_id)).subquery("dm_lost")
    )
    target = epoch_day(col(TE.infusion_date)) + sched.c.target_day
    death, lost_day = epoch_day(col(Death.death_date)), lost.c.day
    ended = sa.case((death.is_(None), lost_day), (lost_day.is_(None), death),
                    (death < lost_day, death), else_=lost_day)
    received = col(FollowUp.id).is_not(None)
    expected = sa.or_(received, ended.is_(None), ended >= target)
    rows = session.execute(
        sa.select(
            col(TE.site_id), sched.c.timepoint, sched.c.ordinal,
            sa.func.sum(sa.case((expected, 1), else_=0)),
            sa.func.sum(sa.case((received, 1), else_=0)),
        )
        .select_from(TE)
        .join(sched, sa.true())
        .outerjoin(Death, col(Death.patient_id) == TE.patient_id)
        .outerjoin(lost, lost.c.episode_id == TE.id)
        .outerjoin(FollowUp, sa.and_(col(FollowUp.episode_id) == TE.id,
                                     col(FollowUp.timepoint) == sched.c.timepoint,
                                     col(FollowUp.timepoint) != "unscheduled"))
        .where(col(TE.infusion_date).is_not(None),
               target + sched.c.window_after < (as_of - _EPOCH).days)
        .group_by(col(TE.site_id), sched.c.timepoint, sched.c.ordinal)
    )
    frame = pd.DataFrame([tuple(r) for r in rows], columns=[
        "site_id", "timepoint", "timepoint_order", "expected", "received"])
    return frame.astype({"site_id": int, "timepoint_order": int, "expected": int,
                         "received": int})


def _timeliness(session: Session, as_of: date) -> pd.DataFrame:
    """Per site id: follow-ups entered by `as_of`, median and p90 days assessment -> entry."""
    before = datetime.combine(as_of + timedelta(days=1), time(), tzinfo=UTC)
    rows = session.execute(
        sa.select(col(FollowUp.site_id), col(FollowUp.assessment_date),
                  col(FollowUp.created_at))
        .where(col(FollowUp.created_at) < before))
    days = pd.DataFrame(
        [(site, (entered.astimezone(UTC).date() - assessed).days)
         for site, assessed, entered in rows], columns=["site_id", "days"])
    return days.groupby("site_id").agg(
        entered=("days", "size"), median_entry_days=("days", lambda d: float(np.median(d))),
        p90_entry_days=("days", lambda d: float(np.percentile(d, 90))))


def _rates(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["overdue"] = out["expected"] - out["received"]
    out["completeness"] = (out["received"] / out["expected"].where(out["expected"] > 0)
                           ).astype(float)
    return out


__all__ = ["DEFAULT_THRESHOLD", "THRESHOLD_SETTING", "CompletenessReport",
           "completeness_report", "completeness_threshold"]
