"""A site clinician's worklist: forms overdue, due now and coming up, and open queries."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, func, select

from registry.auth import Actor, require
from registry.errors import PermissionDenied
from registry.models import DataQueryRead, Patient, Site, TreatmentEpisode
from registry.models.enums import QueryStatus, Role
from registry.schedule import ExpectedForm, FormStatus, list_expected_forms
from registry.services.queries import list_queries


@dataclass(frozen=True)
class Worklist:
    site_code: str
    site_name: str
    patients: int
    infused: int
    overdue: list[ExpectedForm]
    due: list[ExpectedForm]
    upcoming: list[ExpectedForm]
    open_queries: list[DataQueryRead]


def get_worklist(
    *, session: Session, actor: Actor, as_of: date, upcoming_days: int = 30
) -> Worklist:
    """The clinician's site: overdue forms (oldest first), due ones, those whose window opens
    within `upcoming_days`, and the site's queries not yet closed."""
    require(actor, "schedule:read")
    if actor.role != Role.site_clinician or actor.site_id is None:
        raise PermissionDenied("The worklist is a site clinician's page.", code="denied.worklist")
    site = session.get(Site, actor.site_id)
    forms = list_expected_forms(
        session=session, actor=actor, as_of=as_of, horizon_days=upcoming_days,
        statuses=(FormStatus.overdue, FormStatus.due, FormStatus.upcoming),
    )
    horizon = as_of + timedelta(days=upcoming_days)
    overdue = sorted(
        (f for f in forms if f.status == FormStatus.overdue), key=lambda f: f.window_closes
    )
    due = sorted((f for f in forms if f.status == FormStatus.due), key=lambda f: f.window_closes)
    upcoming = sorted(
        (f for f in forms if f.status == FormStatus.upcoming and f.window_opens <= horizon),
        key=lambda f: f.window_opens,
    )
    queries = [
        q for q in list_queries(session=session, actor=actor) if q.status != QueryStatus.closed
    ]
    patients = session.exec(
        select(func.count()).select_from(Patient).where(Patient.site_id == actor.site_id)
    ).one()
    infused = session.exec(
        select(func.count())
        .select_from(TreatmentEpisode)
        .where(
            TreatmentEpisode.site_id == actor.site_id,
            col(TreatmentEpisode.infusion_date).is_not(None),
        )
    ).one()
    return Worklist(
        site_code=site.code if site else "",
        site_name=site.name if site else "",
        patients=patients,
        infused=infused,
        overdue=overdue,
        due=due,
        upcoming=upcoming,
        open_queries=queries,
    )


__all__ = ["Worklist", "get_worklist"]
