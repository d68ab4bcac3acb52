"""What a site clinician reads: patient search, one patient's timeline, a record to correct."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import func, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from registry.auth import Actor, require, site_scope
from registry.errors import InvalidInput, PermissionDenied
from registry.models import (
    AdverseEvent,
    AdverseEventRead,
    AuditEvent,
    Death,
    DeathRead,
    FollowUp,
    FollowUpRead,
    ManufacturingLot,
    ManufacturingLotRead,
    Patient,
    PatientRead,
    Product,
    ProductRead,
    Site,
    TreatmentEpisode,
    TreatmentEpisodeRead,
)
from registry.models.enums import Indication
from registry.schedule import ExpectedForm, FormStatus, list_expected_forms
from registry.services.audit import snapshot
from registry.services.common import get_row, load_patient


@dataclass(frozen=True)
class PatientRow:
    """One line of the patient list."""

    patient_id: int
    registry_id: str
    site_code: str
    site_patient_code: str
    indication: Indication
    product: str | None
    status: str  # registered / apheresed / infused / not_infused / dead
    infusion_date: date | None


def list_products(*, session: Session, actor: Actor) -> list[ProductRead]:
    """The CAR-T products, for pick lists."""
    require(actor, "summary:read")
    return [
        ProductRead.model_validate(p)
        for p in session.exec(select(Product).order_by(col(Product.id)))
    ]


def search_patients(
    *,
    session: Session,
    actor: Actor,
    text: str | None = None,
    indication: Indication | None = None,
    product_id: int | None = None,
    status: str | None = None,
    limit: int = 500,
) -> list[PatientRow]:
    """The actor's site's patients (all sites for a data manager), filtered.

    `text` matches the registry id or the site's own code, case-insensitively.
    """
    require(actor, "patient:read")
    scope = site_scope(actor)
    latest = (
        select(TreatmentEpisode.patient_id, func.max(TreatmentEpisode.id).label("episode_id"))
        .group_by(col(TreatmentEpisode.patient_id))
        .subquery()
    )
    query = (
        sa_select(Patient, col(Site.code), TreatmentEpisode, col(Product.code), col(Death.id))
        .join(Site, col(Site.id) == Patient.site_id)
        .join(latest, latest.c.patient_id == Patient.id, isouter=True)
        .join(TreatmentEpisode, col(TreatmentEpisode.id) == latest.c.episode_id, isouter=True)
        .join(Product, col(Product.id) == TreatmentEpisode.product_id, isouter=True)
        .join(Death, col(Death.patient_id) == Patient.id, isouter=True)
        .order_by(col(Patient.id).desc())
    )
    if scope is not None:
        query = query.where(col(Patient.site_id) == scope)
    if text and text.strip():
        needle = f"%{text.strip().lower()}%"
        query = query.where(
            or_(
                func.lower(Patient.registry_id).like(needle),
                func.lower(Patient.site_patient_code).like(needle),
            )
        )
    if indication is not None:
        query = query.where(col(Patient.indication) == indication)
    if product_id is not None:
        query = query.where(col(TreatmentEpisode.product_id) == product_id)
    rows = []
    for patient, site_code, episode, product, death_id in session.execute(query).all():
        row_status = _status(episode, death_id)
        if status and row_status != status:
            continue
        rows.append(
            PatientRow(
                patient_id=patient.id,
                registry_id=patient.registry_id,
                site_code=site_code,
                site_patient_code=patient.site_patient_code,
                indication=patient.indication,
                product=product,
                status=row_status,
                infusion_date=episode.infusion_date if episode else None,
            )
        )
        if len(rows) >= limit:
            break
    return rows


def _status(episode: TreatmentEpisode | None, death_id: int | None) -> str:
    if death_id is not None:
        return "dead"
    if episode is None:
        return "registered"
    if episode.infusion_date is not None:
        return "infused"
    if episode.not_infused_reason is not None:
        return "not_infused"
    return "apheresed"


@dataclass(frozen=True)
class EpisodeView:
    episode: TreatmentEpisodeRead
    product_code: str
    lot: ManufacturingLotRead | None
    followups: list[FollowUpRead]
    adverse_events: list[AdverseEventRead]


@dataclass(frozen=True)
class TimelineEvent:
    """One dated thing on the patient's time axis."""

    when: date
    kind: str  # apheresis, lot_start, lot_release, infusion, not_infused, followup, ae, death
    label: str
    table: str
    row_id: int


@dataclass(frozen=True)
class PatientTimeline:
    patient: PatientRead
    site_code: str
    episodes: list[EpisodeView]
    death: DeathRead | None
    events: list[TimelineEvent]
    next_forms: list[ExpectedForm] = field(default_factory=list)


def get_patient_timeline(
    *, session: Session, actor: Actor, patient_id: int, as_of: date
) -> PatientTimeline:
    """Everything recorded for one patient, in date order, and the forms due next."""
    patient = load_patient(session, actor, patient_id, "patient:read")
    site = get_row(session, Site, patient.site_id, "site")
    episodes = list(
        session.exec(
            select(TreatmentEpisode)
            .where(TreatmentEpisode.patient_id == patient_id)
            .order_by(col(TreatmentEpisode.id))
        )
    )
    ids = [e.id for e in episodes]
    products = {p.id: p.code for p in session.exec(select(Product))}
    lots = {
        lot.id: lot
        for lot in session.exec(
            select(ManufacturingLot).where(
                col(ManufacturingLot.id).in_([e.lot_id for e in episodes if e.lot_id])
            )
        )
    }
    forms = list(
        session.exec(
            select(FollowUp)
            .where(col(FollowUp.episode_id).in_(ids))
            .order_by(col(FollowUp.assessment_date))
        )
    )
    aes = list(
        session.exec(
            select(AdverseEvent)
            .where(col(AdverseEvent.episode_id).in_(ids))
            .order_by(col(AdverseEvent.onset_date))
        )
    )
    death = session.exec(select(Death).where(Death.patient_id == patient_id)).first()
    events: list[TimelineEvent] = []
    views = []
    for e in episodes:
        assert e.id is not None
        lot = lots.get(e.lot_id) if e.lot_id else None
        events.append(
            TimelineEvent(
                e.apheresis_date, "apheresis", products[e.product_id], "treatmentepisode", e.id
            )
        )
        if lot is not None and lot.id is not None:
            events.append(
                TimelineEvent(
                    lot.start_date, "lot_start", lot.lot_number, "manufacturinglot", lot.id
                )
            )
            if lot.release_date:
                events.append(
                    TimelineEvent(
                        lot.release_date, "lot_release", lot.lot_number, "manufacturinglot", lot.id
                    )
                )
        if e.infusion_date:
            events.append(
                TimelineEvent(
                    e.infusion_date, "infusion", products[e.product_id], "treatmentepisode", e.id
                )
            )
        if e.not_infused_reason and e.not_infused_date:
            events.append(
                TimelineEvent(
                    e.not_infused_date,
                    "not_infused",
                    e.not_infused_reason.value,
                    "treatmentepisode",
                    e.id,
                )
            )
        ep_forms = [f for f in forms if f.episode_id == e.id]
        ep_aes = [a for a in aes if a.episode_id == e.id]
        views.append(
            EpisodeView(
                TreatmentEpisodeRead.model_validate(e),
                products[e.product_id],
                ManufacturingLotRead.model_validate(lot) if lot else None,
                [FollowUpRead.model_validate(f) for f in ep_forms],
                [AdverseEventRead.model_validate(a) for a in ep_aes],
            )
        )
    for f in forms:
        assert f.id is not None
        label = f.timepoint.value + (f" {f.response.value}" if f.response else "")
        events.append(TimelineEvent(f.assessment_date, "followup", label, "followup", f.id))
    for a in aes:
        assert a.id is not None
        grade = "" if a.grade is None else f" G{a.grade}"
        events.append(
            TimelineEvent(a.onset_date, "ae", f"{a.event_type.value}{grade}", "adverseevent", a.id)
        )
    if death is not None and death.id is not None:
        events.append(
            TimelineEvent(death.death_date, "death", death.cause.value, "death", death.id)
        )
    events.sort(key=lambda ev: (ev.when, ev.kind))
    next_forms = [
        f
        for f in list_expected_forms(
            session=session, actor=actor, as_of=as_of, patient_id=patient_id, horizon_days=400
        )
        if f.status in (FormStatus.overdue, FormStatus.due, FormStatus.upcoming)
    ]
    return PatientTimeline(
        patient=PatientRead.model_validate(patient),
        site_code=site.code,
        episodes=views,
        death=DeathRead.model_validate(death) if death else None,
        events=events,
        next_forms=next_forms[:5],
    )


@dataclass(frozen=True)
class RecordView:
    """A saved record as the correction form shows it."""

    table: str
    row_id: int
    values: dict[str, Any]
    version: int
    updated_at: Any
    last_changed_by: str | None


def get_record(*, session: Session, actor: Actor, table: str, row_id: int) -> RecordView:
    """A correctable record with its version and who last changed it."""
    from registry.services.corrections import CORRECTABLE

    spec = CORRECTABLE.get(table)
    if spec is None:
        raise InvalidInput.one(
            "table",
            f"{table!r} cannot be corrected",
            "correction.table_refused",
            value=repr(table),
        )
    row = get_row(session, spec.model, row_id, table)
    require(actor, "patient:read", site_id=spec.site_id(session, row))
    if site_scope(actor) is not None and site_scope(actor) != spec.site_id(session, row):
        raise PermissionDenied("This record belongs to another site.", code="denied.site")
    last = session.exec(
        select(AuditEvent.username)
        .where(AuditEvent.table_name == table, AuditEvent.row_id == row_id)
        .order_by(col(AuditEvent.id).desc())
    ).first()
    return RecordView(
        table=table,
        row_id=row_id,
        values=snapshot(row),
        version=int(getattr(row, "version")),  # noqa: B009
        updated_at=getattr(row, "updated_at"),  # noqa: B009
        last_changed_by=last,
    )


__all__ = [
    "EpisodeView",
    "PatientRow",
    "PatientTimeline",
    "RecordView",
    "TimelineEvent",
    "get_patient_timeline",
    "get_record",
    "list_products",
    "search_patients",
]
