"""The treatment chain: apheresis -> manufacturing lot with QC -> infusion or not infused."""

from __future__ import annotations

from typing import Any

from sqlmodel import Session, col, func, select

from registry.auth import Actor, require
from registry.models import (
    ApheresisCreate,
    InfusionCreate,
    LotLink,
    ManufacturingLot,
    ManufacturingLotCreate,
    ManufacturingLotRead,
    NotInfusedCreate,
    Patient,
    Product,
    TreatmentEpisode,
    TreatmentEpisodeRead,
)
from registry.models.enums import AuditAction
from registry.services.audit import record_audit, snapshot
from registry.services.common import (
    Checks,
    apply_update,
    check_quality,
    death_of,
    fmt,
    get_row,
    insert_audited,
    load_episode,
    load_patient,
    parse,
    snapshot_values,
)


def check_episode(session: Session, values: dict[str, Any], checks: Checks) -> None:
    """Date order of an episode: diagnosis <= apheresis <= lot <= infusion <= death."""
    patient = get_row(session, Patient, values["patient_id"], "patient")
    if session.get(Product, values["product_id"]) is None:
        checks.add(
            "product_id",
            f"unknown product {values['product_id']!r}",
            "episode.product_unknown",
            value=repr(values["product_id"]),
        )
    apheresis = values["apheresis_date"]
    checks.not_future("apheresis_date", apheresis)
    checks.not_before("apheresis_date", apheresis, patient.diagnosis_date, "what.diagnosis_date")
    infusion = values.get("infusion_date")
    if infusion is not None:
        checks.not_future("infusion_date", infusion)
        checks.not_before("infusion_date", infusion, apheresis, "what.apheresis_date")
        if values.get("not_infused_reason") is not None:
            checks.add(
                "not_infused_reason",
                "an infused episode cannot have a not-infused reason",
                "episode.infused_with_reason",
            )
    checks.not_future("not_infused_date", values.get("not_infused_date"))
    checks.not_before(
        "not_infused_date", values.get("not_infused_date"), apheresis, "what.apheresis_date"
    )
    lot_id = values.get("lot_id")
    if lot_id is not None and infusion is not None:
        lot = get_row(session, ManufacturingLot, lot_id, "manufacturing lot")
        checks.not_before("infusion_date", infusion, lot.release_date, "what.lot_release")
    death = death_of(session, patient.id) if patient.id is not None else None
    if death is not None:
        for name in ("apheresis_date", "infusion_date"):
            checks.not_after(name, values.get(name), death.death_date, "what.death")
        checks.not_after(
            "not_infused_date",
            values.get("not_infused_date"),
            death.death_date,
            "what.death",
        )


def record_apheresis(
    *, session: Session, actor: Actor, data: ApheresisCreate | dict[str, Any]
) -> TreatmentEpisodeRead:
    """Open a treatment episode at apheresis (the ITT origin)."""
    data = parse(ApheresisCreate, data)
    patient = load_patient(session, actor, data.patient_id, "patient:write")
    values = data.model_dump()
    checks = Checks()
    check_episode(session, values, checks)
    checks.raise_if_any()
    count = session.exec(
        select(func.count()).where(TreatmentEpisode.patient_id == patient.id)
    ).one()
    episode = TreatmentEpisode.model_validate(
        values, update={"site_id": patient.site_id, "episode_number": count + 1}
    )
    insert_audited(session, actor, episode)
    check_quality(session, "treatmentepisode", episode.id)
    session.commit()
    return TreatmentEpisodeRead.model_validate(episode)


def check_lot(
    session: Session,
    values: dict[str, Any],
    checks: Checks,
    episode: TreatmentEpisode | None,
    *,
    exclude_id: int | None = None,
) -> None:
    """A lot: released after it started, made after apheresis, of the episode's product."""
    checks.not_future("start_date", values["start_date"])
    checks.not_future("release_date", values.get("release_date"))
    checks.not_before(
        "release_date",
        values.get("release_date"),
        values["start_date"],
        "what.manufacturing_start",
    )
    if values.get("manufacturing_failed") and values.get("release_date") is not None:
        checks.add(
            "release_date",
            "a failed manufacture has no release date; leave it empty",
            "lot.failed_release",
        )
    if episode is not None:
        checks.not_before(
            "start_date", values["start_date"], episode.apheresis_date, "what.apheresis_date"
        )
        if values["product_id"] != episode.product_id:
            checks.add(
                "product_id",
                "the lot's product differs from the episode's product",
                "lot.product_mismatch",
            )
    same = select(ManufacturingLot.id).where(ManufacturingLot.lot_number == values["lot_number"])
    if exclude_id is not None:
        same = same.where(ManufacturingLot.id != exclude_id)
    if session.exec(same).first() is not None:
        checks.add(
            "lot_number",
            f"{values['lot_number']!r} is already recorded; lot numbers "
            "are unique (chain of identity)",
            "lot.number_taken",
            value=repr(values["lot_number"]),
        )


def record_lot(
    *, session: Session, actor: Actor, data: ManufacturingLotCreate | dict[str, Any]
) -> ManufacturingLotRead:
    """Record the manufacturing lot made for an episode, with its QC, and link it.

    Writes two audited rows: the lot (create) and the episode's `lot_id` (update).
    """
    data = parse(ManufacturingLotCreate, data)
    episode = load_episode(session, actor, data.episode_id, "patient:write")
    checks = Checks()
    if episode.lot_id is not None:
        checks.add(
            "episode_id",
            "this episode already has a lot; correct that record instead",
            "lot.episode_has_lot",
        )
    values = data.model_dump(exclude={"episode_id"})
    check_lot(session, values, checks, episode)
    checks.raise_if_any()
    lot = ManufacturingLot.model_validate(values)
    session.add(lot)
    session.flush()
    record_audit(
        session,
        actor,
        AuditAction.create,
        "manufacturinglot",
        lot.id,
        after=snapshot(lot) | {"episode_id": episode.id},
    )
    apply_update(session, actor, episode, {"lot_id": lot.id})
    session.commit()
    return ManufacturingLotRead.model_validate(lot)


def list_unlinked_lots(
    *, session: Session, actor: Actor, product_id: int
) -> list[ManufacturingLotRead]:
    """Lots of a product that no episode points to yet (to pick instead of re-entering)."""
    require(actor, "lot:write")
    linked = select(TreatmentEpisode.lot_id).where(col(TreatmentEpisode.lot_id).is_not(None))
    lots = session.exec(
        select(ManufacturingLot)
        .where(ManufacturingLot.product_id == product_id, col(ManufacturingLot.id).not_in(linked))
        .order_by(col(ManufacturingLot.id).desc())
    )
    return [ManufacturingLotRead.model_validate(lot) for lot in lots]


def attach_lot(
    *, session: Session, actor: Actor, data: LotLink | dict[str, Any]
) -> TreatmentEpisodeRead:
    """Link an already recorded lot (with its QC) to an episode; audited as an update."""
    data = parse(LotLink, data)
    episode = load_episode(session, actor, data.episode_id, "patient:write")
    lot = get_row(session, ManufacturingLot, data.lot_id, "manufacturing lot")
    checks = Checks()
    if episode.lot_id is not None:
        checks.add(
            "episode_id",
            "this episode already has a lot; correct that record instead",
            "lot.episode_has_lot",
        )
    owner = session.exec(
        select(TreatmentEpisode.id).where(TreatmentEpisode.lot_id == lot.id)
    ).first()
    if owner is not None:
        checks.add(
            "lot_id",
            f"lot {lot.lot_number} already belongs to another episode",
            "lot.linked_elsewhere",
            lot=lot.lot_number,
        )
    if lot.product_id != episode.product_id:
        checks.add(
            "lot_id", "the lot's product differs from the episode's product", "lot.product_mismatch"
        )
    checks.not_before("lot_id", lot.start_date, episode.apheresis_date, "what.apheresis_date")
    checks.raise_if_any()
    apply_update(session, actor, episode, {"lot_id": lot.id})
    session.commit()
    return TreatmentEpisodeRead.model_validate(episode)


def record_infusion(
    *, session: Session, actor: Actor, data: InfusionCreate | dict[str, Any]
) -> TreatmentEpisodeRead:
    """Record day 0: the infusion of the episode's released lot."""
    data = parse(InfusionCreate, data)
    episode = load_episode(session, actor, data.episode_id, "patient:write")
    checks = Checks()
    _check_still_open(episode, checks)
    if episode.lot_id is None:
        checks.add("episode_id", "record the manufacturing lot before the infusion", "lot.missing")
    else:
        lot = get_row(session, ManufacturingLot, episode.lot_id, "manufacturing lot")
        if lot.manufacturing_failed or lot.release_date is None:
            checks.add(
                "episode_id",
                f"lot {lot.lot_number} was not released; it cannot be infused",
                "lot.not_released",
                lot=lot.lot_number,
            )
    changes = data.model_dump(exclude={"episode_id"})
    values = snapshot_values(episode) | changes
    check_episode(session, values, checks)
    checks.raise_if_any()
    apply_update(session, actor, episode, changes)
    check_quality(session, "treatmentepisode", episode.id)
    session.commit()
    return TreatmentEpisodeRead.model_validate(episode)


def record_not_infused(
    *, session: Session, actor: Actor, data: NotInfusedCreate | dict[str, Any]
) -> TreatmentEpisodeRead:
    """Close an episode whose patient never received the product, with the reason."""
    data = parse(NotInfusedCreate, data)
    episode = load_episode(session, actor, data.episode_id, "patient:write")
    checks = Checks()
    _check_still_open(episode, checks)
    changes: dict[str, Any] = {
        "not_infused_reason": data.reason,
        "not_infused_date": data.decision_date,
    }
    if data.bridging is not None:
        changes["bridging"] = data.bridging
    check_episode(session, snapshot_values(episode) | changes, checks)
    checks.raise_if_any()
    apply_update(session, actor, episode, changes)
    check_quality(session, "treatmentepisode", episode.id)
    session.commit()
    return TreatmentEpisodeRead.model_validate(episode)


def _check_still_open(episode: TreatmentEpisode, checks: Checks) -> None:
    if episode.infusion_date is not None:
        checks.add(
            "episode_id",
            f"already infused on {fmt(episode.infusion_date)}; correct that record instead",
            "episode.already_infused",
            date=fmt(episode.infusion_date),
        )
    elif episode.not_infused_reason is not None:
        checks.add(
            "episode_id",
            "already recorded as not infused; correct that record instead",
            "episode.already_not_infused",
        )


__all__ = [
    "attach_lot",
    "list_unlinked_lots",
    "record_apheresis",
    "record_lot",
    "record_infusion",
    "record_not_infused",
]
