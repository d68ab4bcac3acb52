"""Correcting a saved record: a reason is required, the version must match, all audited."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, Field
from sqlmodel import Session, SQLModel, select

from registry.auth import Actor, require
from registry.errors import InvalidInput
from registry.models import (
    AdverseEvent,
    Death,
    FollowUp,
    ManufacturingLot,
    Patient,
    TreatmentEpisode,
)
from registry.models.adverse_event import AdverseEventBase, DeathBase
from registry.models.followup import FollowUpBase
from registry.models.patient import PatientBase
from registry.models.product import ManufacturingLotBase
from registry.services.common import (
    Checks,
    apply_update,
    check_quality,
    get_row,
    parse,
    snapshot_values,
)
from registry.services.events import check_adverse_event, check_death
from registry.services.followup import check_followup
from registry.services.patients import check_patient
from registry.services.treatment import check_episode, check_lot


class Correction(BaseModel):
    """A change to one saved record.

    `expected_version` is the version the user saw when they opened the record; if the
    record changed since, the correction is refused with `Conflict`.
    """

    table: str
    row_id: int
    expected_version: int = Field(ge=1)
    changes: dict[str, Any]
    reason: str = Field(min_length=3, max_length=2000)


@dataclass(frozen=True)
class _Correctable:
    model: type[SQLModel]
    base: type[SQLModel]  # validates the merged values' types and ranges
    check: Callable[[Session, dict[str, Any], Checks, SQLModel], None]
    site_id: Callable[[Session, SQLModel], int]
    fixed: frozenset[str]  # fields that identify the record; never corrected


def _lot_site(session: Session, lot: SQLModel) -> int:
    episode = session.exec(
        select(TreatmentEpisode).where(TreatmentEpisode.lot_id == lot.id)  # type: ignore[attr-defined]
    ).first()
    if episode is None:
        raise InvalidInput.one(
            "row_id", "this lot belongs to no episode; ask a data manager", "correction.lot_orphan"
        )
    return episode.site_id


def _lot_check(session: Session, values: dict[str, Any], checks: Checks, row: SQLModel) -> None:
    episode = session.exec(
        select(TreatmentEpisode).where(TreatmentEpisode.lot_id == row.id)  # type: ignore[attr-defined]
    ).first()
    check_lot(session, values, checks, episode, exclude_id=row.id)  # type: ignore[attr-defined]


def _site_of(_session: Session, row: SQLModel) -> int:
    return int(row.site_id)  # type: ignore[attr-defined]


CORRECTABLE: dict[str, _Correctable] = {
    "patient": _Correctable(
        Patient,
        PatientBase,
        lambda s, v, c, r: check_patient(s, v, c, exclude_id=r.id),  # type: ignore[attr-defined]
        _site_of,
        frozenset({"site_id", "registry_id", "identity_hash"}),
    ),
    "treatmentepisode": _Correctable(
        TreatmentEpisode,
        TreatmentEpisode,
        lambda s, v, c, r: check_episode(s, v, c),
        _site_of,
        frozenset({"site_id", "patient_id", "episode_number"}),
    ),
    "manufacturinglot": _Correctable(
        ManufacturingLot,
        ManufacturingLotBase,
        _lot_check,
        _lot_site,
        frozenset(),
    ),
    "followup": _Correctable(
        FollowUp,
        FollowUpBase,
        lambda s, v, c, r: check_followup(s, v, c, exclude_id=r.id),  # type: ignore[attr-defined]
        _site_of,
        frozenset({"site_id", "episode_id"}),
    ),
    "adverseevent": _Correctable(
        AdverseEvent,
        AdverseEventBase,
        lambda s, v, c, r: check_adverse_event(s, v, c),
        _site_of,
        frozenset({"site_id", "episode_id", "computed_grade"}),
    ),
    "death": _Correctable(
        Death,
        DeathBase,
        lambda s, v, c, r: check_death(s, v, c, exclude_id=r.id),  # type: ignore[attr-defined]
        _site_of,
        frozenset({"site_id", "patient_id"}),
    ),
}
BOOKKEEPING = frozenset({"id", "created_at", "updated_at", "version"})


def correct_record(
    *, session: Session, actor: Actor, data: Correction | dict[str, Any]
) -> dict[str, Any]:
    """Apply a reasoned correction to one saved clinical record; audited with before/after.

    Returns the changed fields with their new values (empty when nothing changed).

    Raises
    ------
    PermissionDenied
        The actor may not correct records, or not of that record's site.
    InvalidInput
        Unknown table or field, a missing reason, or the corrected record breaks a rule.
    Conflict
        Someone saved the record after `expected_version`; `current` holds their values.
    """
    data = parse(Correction, data)
    require(actor, "record:correct")
    spec = CORRECTABLE.get(data.table)
    if spec is None:
        allowed = ", ".join(CORRECTABLE)
        raise InvalidInput.one(
            "table",
            f"{data.table!r} cannot be corrected; choose one of {allowed}",
            "correction.table_unknown",
            value=repr(data.table),
            allowed=allowed,
        )
    row = get_row(session, spec.model, data.row_id, data.table.replace("treatment", "treatment "))
    require(actor, "record:correct", site_id=spec.site_id(session, row))
    checks = Checks()
    for name in data.changes:
        if name in BOOKKEEPING or name in spec.fixed or name not in type(row).model_fields:
            checks.add(
                name,
                f"{name!r} cannot be corrected on {data.table}",
                "correction.field_fixed",
                value=repr(name),
                table=data.table,
            )
    checks.raise_if_any()
    merged = snapshot_values(row) | data.changes
    if (
        isinstance(row, AdverseEvent)
        and "signs" in data.changes
        and "grade" not in data.changes
        and row.grade == row.computed_grade
    ):
        merged["grade"] = None  # the grade followed the calculator: let it follow the new signs
    typed = parse(spec.base, {k: v for k, v in merged.items() if k in spec.base.model_fields})
    values = merged | typed.model_dump()
    spec.check(session, values, checks, row)
    checks.raise_if_any()
    derived = ("grade", "computed_grade") if isinstance(row, AdverseEvent) else ()
    changes = {k: values[k] for k in (*data.changes, *derived)}
    changed = apply_update(
        session, actor, row, changes, expected_version=data.expected_version, reason=data.reason
    )
    if changed:
        check_quality(session, str(type(row).__tablename__), getattr(row, "id"))  # noqa: B009
    session.commit()
    return changed


__all__ = ["Correction", "correct_record"]
