"""Counts for each role's home page; aggregates only, small cells suppressed for leadership."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session, col, func, select

from registry.auth import Actor, require, site_scope
from registry.models import DataQuery, Patient, Product, Site, TreatmentEpisode, User
from registry.models.enums import QueryStatus, Role
from registry.schedule import FormStatus, list_expected_forms

SMALL_CELL = 5


@dataclass(frozen=True)
class HomeSummary:
    """Headline numbers: (catalogue key, value) pairs; a value is an int or '<5'.

    `title` is a catalogue key, or for a site clinician the site's code and name.
    """

    title: str
    counts: list[tuple[str, int | str]] = field(default_factory=list)
    by_product: list[tuple[str, int | str, int | str]] = field(default_factory=list)


def suppress(n: int) -> int | str:
    """Cells of 1-4 patients are shown as '<5' (DESIGN.md section 6)."""
    return f"<{SMALL_CELL}" if 0 < n < SMALL_CELL else n


def home_summary(*, session: Session, actor: Actor, as_of: date) -> HomeSummary:
    """The numbers on the actor's home page, within the actor's scope."""
    require(actor, "summary:read")
    scope = site_scope(actor)
    patients_q = select(func.count()).select_from(Patient)
    infused_q = (
        select(func.count())
        .select_from(TreatmentEpisode)
        .where(col(TreatmentEpisode.infusion_date).is_not(None))
    )
    if scope is not None:
        patients_q = patients_q.where(Patient.site_id == scope)
        infused_q = infused_q.where(TreatmentEpisode.site_id == scope)
    n_patients = session.exec(patients_q).one()
    n_infused = session.exec(infused_q).one()

    if actor.role == Role.site_clinician:
        site = session.get(Site, scope) if scope is not None else None
        forms = list_expected_forms(
            session=session,
            actor=actor,
            as_of=as_of,
            statuses=[FormStatus.overdue, FormStatus.due],
            horizon_days=0,
        )
        open_queries = session.exec(
            select(func.count())
            .select_from(DataQuery)
            .where(DataQuery.site_id == scope, DataQuery.status != QueryStatus.closed)
        ).one()
        return HomeSummary(
            title=f"{site.code} · {site.name}" if site else "",
            counts=[
                ("count.patients", n_patients),
                ("count.infused", n_infused),
                ("count.overdue", sum(f.status == FormStatus.overdue for f in forms)),
                ("count.due", sum(f.status == FormStatus.due for f in forms)),
                ("count.open_queries", open_queries),
            ],
        )

    by_product = []
    rows = session.exec(
        select(
            Product.code,
            func.count(col(TreatmentEpisode.id)),
            func.count(col(TreatmentEpisode.infusion_date)),
        )
        .join(TreatmentEpisode, col(TreatmentEpisode.product_id) == Product.id, isouter=True)
        .group_by(Product.code)
        .order_by(Product.code)
    ).all()
    for code, apheresed, infused in rows:
        by_product.append((code, suppress(apheresed), suppress(infused)))
    if actor.role == Role.data_manager or actor.role == Role.system:
        open_queries = session.exec(
            select(func.count())
            .select_from(DataQuery)
            .where(DataQuery.status != QueryStatus.closed)
        ).one()
        return HomeSummary(
            title="home.title.data_manager",
            counts=[
                ("count.sites", session.exec(select(func.count()).select_from(Site)).one()),
                ("count.users", session.exec(select(func.count()).select_from(User)).one()),
                ("count.patients", n_patients),
                ("count.open_queries", open_queries),
            ],
            by_product=by_product,
        )
    sites_active = session.exec(select(func.count(func.distinct(Patient.site_id)))).one()
    title = (
        "home.title.leadership"
        if actor.role == Role.leadership
        else "home.title.economist"
    )
    return HomeSummary(
        title=title,
        counts=[
            ("count.registered", suppress(n_patients)),
            ("count.infused", suppress(n_infused)),
            ("count.sites_enrolling", sites_active),
        ],
        by_product=by_product,
    )


__all__ = ["HomeSummary", "home_summary"]
