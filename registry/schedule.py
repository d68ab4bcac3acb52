"""The follow-up schedule: timepoints and windows as data, and what is expected when.

The table lives in `seed_data/schedule.csv` (DESIGN.md section 3), so a registry can adopt
another convention (CIBMTR F4100, EBMT) by editing data, not code.

A scheduled form of an infused episode is, as of a date:
- ``received`` when a form for that timepoint exists;
- ``missed`` when the patient died, or was reported lost to follow-up, before its target day;
- ``upcoming`` before its window opens;
- ``due`` inside its window (both ends included);
- ``overdue`` after its window closes.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import String, func, select, type_coerce
from sqlmodel import Session, col

from registry.auth import Actor, require, site_scope
from registry.config import SEED_DATA_DIR
from registry.errors import PermissionDenied
from registry.models import Death, FollowUp, Patient, Site, TreatmentEpisode
from registry.models.enums import Timepoint


class FormStatus(StrEnum):
    upcoming = "upcoming"
    due = "due"
    overdue = "overdue"
    missed = "missed"
    received = "received"


_STATUSES: tuple[FormStatus, ...] = tuple(FormStatus)  # codes 0-4 of the vectorised rules
_STATUS_CODE = {status: code for code, status in enumerate(_STATUSES)}
_EPOCH = date(1970, 1, 1)


@dataclass(frozen=True)
class ScheduledTimepoint:
    """One row of the schedule: target day after infusion and the window around it."""

    timepoint: Timepoint
    target_day: int
    window_before: int
    window_after: int
    contact: str
    content: str

    def window(self, infusion: date) -> tuple[date, date, date]:
        """(opens, target, closes) for an infusion date."""
        target = infusion + timedelta(days=self.target_day)
        return (
            target - timedelta(days=self.window_before),
            target,
            target + timedelta(days=self.window_after),
        )


@lru_cache(maxsize=4)
def load_schedule(path: Path | None = None) -> tuple[ScheduledTimepoint, ...]:
    """The schedule table, in target-day order."""
    path = path or SEED_DATA_DIR / "schedule.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = [
            ScheduledTimepoint(
                timepoint=Timepoint(r["timepoint"]),
                target_day=int(r["target_day"]),
                window_before=int(r["window_before"]),
                window_after=int(r["window_after"]),
                contact=r["contact"],
                content=r["content"],
            )
            for r in csv.DictReader(handle)
        ]
    return tuple(sorted(rows, key=lambda r: r.target_day))


def form_status(
    scheduled: ScheduledTimepoint,
    *,
    infusion: date,
    as_of: date,
    received: bool = False,
    ended: date | None = None,
) -> FormStatus:
    """Status of one scheduled form.

    Parameters
    ----------
    ended : date, optional
        Date of death or of being lost to follow-up; forms whose target day falls after
        it are ``missed`` rather than overdue.

    Examples
    --------
    >>> d28 = load_schedule()[0]
    >>> form_status(d28, infusion=date(2026, 1, 1), as_of=date(2026, 1, 22))
    <FormStatus.due: 'due'>
    >>> form_status(d28, infusion=date(2026, 1, 1), as_of=date(2026, 2, 6))
    <FormStatus.overdue: 'overdue'>
    """
    if received:
        return FormStatus.received
    opens, target, closes = scheduled.window(infusion)
    if ended is not None and ended < target:
        return FormStatus.missed
    if as_of < opens:
        return FormStatus.upcoming
    if as_of <= closes:
        return FormStatus.due
    return FormStatus.overdue


@dataclass(frozen=True)
class ExpectedForm:
    """A scheduled follow-up form of one episode and its status as of a date."""

    episode_id: int
    patient_id: int
    registry_id: str
    site_id: int
    site_code: str
    site_patient_code: str
    timepoint: Timepoint
    infusion_date: date
    window_opens: date
    target_date: date
    window_closes: date
    status: FormStatus


def list_expected_forms(
    *,
    session: Session,
    actor: Actor,
    as_of: date,
    site_id: int | None = None,
    statuses: Iterable[FormStatus] | None = None,
    horizon_days: int | None = None,
    patient_id: int | None = None,
) -> list[ExpectedForm]:
    """Every scheduled form of the infused episodes in the actor's scope, with its status.

    A site clinician sees their own site; a data manager every site (or `site_id`).
    Forms whose window opens more than `horizon_days` after `as_of` are left out, and
    timepoints beyond the schedule's last row never appear.
    """
    require(actor, "schedule:read", site_id=site_id)
    scope = site_scope(actor)
    if scope is not None and site_id is not None and site_id != scope:
        raise PermissionDenied("You may only see your own site's schedule.")
    wanted_site = site_id if site_id is not None else scope
    wanted = set(statuses) if statuses is not None else None
    schedule = load_schedule()

    episodes_q = (
        select(
            col(TreatmentEpisode.id),
            col(TreatmentEpisode.patient_id),
            col(TreatmentEpisode.site_id),
            col(TreatmentEpisode.infusion_date),
            col(Patient.registry_id),
            col(Patient.site_patient_code),
            col(Site.code),
        )
        .join(Patient, col(Patient.id) == TreatmentEpisode.patient_id)
        .join(Site, col(Site.id) == TreatmentEpisode.site_id)
        .where(col(TreatmentEpisode.infusion_date).is_not(None))
    )
    # the timepoint as stored text (no enum conversion per row); a lost-to-follow-up date
    # only for the few forms that say so (dates cost a conversion per row on SQLite)
    received_q = select(col(FollowUp.episode_id), type_coerce(FollowUp.timepoint, String))
    lost_q = (select(col(FollowUp.episode_id), func.min(col(FollowUp.assessment_date)))
              .where(col(FollowUp.lost_to_follow_up).is_(True))
              .group_by(col(FollowUp.episode_id)))
    deaths_q = select(col(Death.patient_id), col(Death.death_date))
    if patient_id is not None:
        episodes_q = episodes_q.where(col(TreatmentEpisode.patient_id) == patient_id)
    if wanted_site is not None:
        episodes_q = episodes_q.where(col(TreatmentEpisode.site_id) == wanted_site)
        received_q = received_q.where(col(FollowUp.site_id) == wanted_site)
        lost_q = lost_q.where(col(FollowUp.site_id) == wanted_site)
        deaths_q = deaths_q.where(col(Death.site_id) == wanted_site)

    episodes = session.execute(
        episodes_q.order_by(col(TreatmentEpisode.infusion_date), col(TreatmentEpisode.id))
    ).all()
    if not episodes:
        return []
    ep_id = np.array([r[0] for r in episodes], dtype=np.int64)
    pat_id = np.array([r[1] for r in episodes], dtype=np.int64)
    # days since 1970-01-01 as integers: every date comparison below is on whole arrays
    infusion = np.array([(r[3] - _EPOCH).days for r in episodes], dtype=np.int64)
    index = {int(e): i for i, e in enumerate(ep_id)}
    position = {str(row.timepoint): k for k, row in enumerate(schedule)}
    got = np.zeros((ep_id.size, len(schedule)), dtype=bool)
    far = 10**9
    ended = np.full(ep_id.size, far, dtype=np.int64)
    pairs = [(index.get(e, -1), position.get(t, -1)) for e, t in session.execute(received_q)]
    if pairs:
        rows, columns = np.array(pairs, dtype=np.int64).T
        known = (rows >= 0) & (columns >= 0)  # an episode in scope, a scheduled timepoint
        got[rows[known], columns[known]] = True
    for episode_id, assessed in session.execute(lost_q):
        i = index.get(episode_id)
        if i is not None:
            ended[i] = min(int(ended[i]), (assessed - _EPOCH).days)
    died = {int(p): (d - _EPOCH).days for p, d in session.execute(deaths_q).all()}
    if died:
        ended = np.minimum(ended, np.array([died.get(int(p), far) for p in pat_id]))
    today = (as_of - _EPOCH).days
    limit = today + horizon_days if horizon_days is not None else far
    codes = None if wanted is None else [_STATUS_CODE[status] for status in wanted]
    # per timepoint: the episode rows kept, the timepoint, their status codes and target days
    parts: list[tuple[NDArray[np.intp], int, NDArray[np.int64], NDArray[np.int64]]] = []
    for k, row in enumerate(schedule):
        target = infusion + row.target_day
        opens, closes = target - row.window_before, target + row.window_after
        # form_status's rules, for every episode at once
        status = np.where(got[:, k], 4, np.where(ended < target, 3, np.where(
            today < opens, 0, np.where(today <= closes, 1, 2))))
        keep = opens <= limit
        if codes is not None:
            keep &= np.isin(status, codes)
        rows = np.flatnonzero(keep)
        parts.append((rows, k, status[rows], target[rows]))
    episode_rows = np.concatenate([p[0] for p in parts])
    timepoints = np.concatenate([np.full(p[0].size, p[1]) for p in parts])
    order = np.lexsort((timepoints, episode_rows))  # episode (infusion order), then timepoint
    picked = zip(episode_rows[order].tolist(), timepoints[order].tolist(),
                 np.concatenate([p[2] for p in parts])[order].tolist(),
                 np.concatenate([p[3] for p in parts])[order].tolist(), strict=True)
    forms = []
    for i, k, code, target_day in picked:
        row = schedule[k]
        target_date = _EPOCH + timedelta(days=target_day)
        forms.append(ExpectedForm(
            episode_id=int(ep_id[i]), patient_id=int(pat_id[i]), registry_id=episodes[i][4],
            site_id=episodes[i][2], site_code=episodes[i][6],
            site_patient_code=episodes[i][5], timepoint=row.timepoint,
            infusion_date=episodes[i][3],
            window_opens=target_date - timedelta(days=row.window_before),
            target_date=target_date,
            window_closes=target_date + timedelta(days=row.window_after),
            status=_STATUSES[code]))
    return forms
