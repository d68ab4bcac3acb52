"""Plumbing shared by the services: scoped loading, date rules, error conversion."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from typing import Any, Final, TypeVar

from pydantic import BaseModel, ValidationError
from sqlmodel import Session, SQLModel, col, func, select

from registry.auth import Actor, require
from registry.errors import Conflict, FieldError, InvalidInput, NotFound
from registry.i18n import CATALOGUE, t
from registry.models import (
    AdverseEvent,
    Death,
    FollowUp,
    Patient,
    TreatmentEpisode,
)
from registry.models.base import utcnow
from registry.models.enums import AuditAction
from registry.services.audit import record_audit, snapshot

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T", bound=SQLModel)


DB_INT_MIN: Final = -(2**31)
DB_INT_MAX: Final = 2**31 - 1
"""The range of an INTEGER column on PostgreSQL: every id, count and version column."""


def fits_integer(value: object) -> bool:
    """Whether `value` is a whole number that fits an INTEGER column (no larger id exists)."""
    return (isinstance(value, int) and not isinstance(value, bool)
            and DB_INT_MIN <= value <= DB_INT_MAX)


def parse(model: type[M], data: M | dict[str, Any], *, row: int | None = None) -> M:
    """Validate `data` with `model`, turning pydantic's errors into one `InvalidInput`.

    Values the model accepts but no database stores are refused too (`unstorable`).
    """
    if isinstance(data, model):
        data = data.model_dump()
    try:
        parsed = model.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(field_errors(exc, row=row)) from None
    errors = unstorable(parsed, row=row)
    if errors:
        raise InvalidInput(errors)
    return parsed


def unstorable(model: BaseModel, *, row: int | None = None) -> list[FieldError]:
    """The fields of a validated model a database cannot store: a whole number beyond an
    INTEGER column, NaN or infinity, or text with a NUL character (PostgreSQL refuses each,
    mid-write, in the column or in the audit event's JSON)."""
    errors: list[FieldError] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, float) and not math.isfinite(value):
            errors.append(FieldError(name, f"a finite number is needed (got {value!r})", row,
                                     "pydantic.finite_number", {"value": repr(value)}))
        if isinstance(value, bool) or not isinstance(value, int | str):
            continue
        if isinstance(value, str):
            if "\x00" in value:
                errors.append(nul_error(name, value, row=row))
        elif value > DB_INT_MAX:
            errors.append(FieldError(name, f"must be at most {DB_INT_MAX} (got {value!r})", row,
                                     "pydantic.less_than_equal",
                                     {"le": DB_INT_MAX, "value": repr(value)}))
        elif value < DB_INT_MIN:
            errors.append(FieldError(name, f"must be at least {DB_INT_MIN} (got {value!r})", row,
                                     "pydantic.greater_than_equal",
                                     {"ge": DB_INT_MIN, "value": repr(value)}))
    return errors


def nul_error(field: str, value: str, *, row: int | None = None) -> FieldError:
    """The error of text holding a NUL character, which no text column can store."""
    return FieldError(field, f"contains a NUL character (\\x00), which cannot be stored; "
                      f"delete it (got {value!r})", row, "text.nul", {"value": repr(value)})


def text_error(field: str, value: object) -> FieldError | None:
    """Why `value`, given for a text parameter, cannot be stored: not text, text that is not
    Unicode (an unpaired surrogate) or a NUL character; None when it can."""
    if not isinstance(value, str):
        return FieldError(field, f"text is needed (got {value!r})", None,
                          "pydantic.string_type", {"value": repr(value)})
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return FieldError(field, f"the text cannot be read as Unicode (got {value!r})", None,
                          "pydantic.string_unicode", {"value": repr(value)})
    if "\x00" in value:
        return nul_error(field, value)
    return None


def field_errors(exc: ValidationError, *, row: int | None = None) -> list[FieldError]:
    errors = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"]) or "record"
        value = err.get("input")
        shown = "" if isinstance(value, dict) else f" (got {value!r})"
        params = {k: str(v) for k, v in (err.get("ctx") or {}).items()}
        if "expected" in params:  # "'F' or 'M'" -> "'F', 'M'": no English word in the params
            params["expected"] = params["expected"].replace(" or ", ", ")
        params["value"] = "" if isinstance(value, dict) else repr(value)
        errors.append(
            FieldError(
                field,
                f"{err['msg']}{shown}",
                row=row,
                code=f"pydantic.{err['type']}",
                params=params,
            )
        )
    return errors


def today() -> date:
    return utcnow().date()


def get_row(session: Session, model: type[T], row_id: int, what: str) -> T:
    """The row `row_id` of `model`; `NotFound` if absent (or not an id a table can hold)."""
    if not fits_integer(row_id):
        raise NotFound(f"No {what} with id {row_id}.", code="notfound", id=row_id)
    row = session.get(model, row_id)
    if row is None:
        raise NotFound(f"No {what} with id {row_id}.", code="notfound", id=row_id)
    return row


def load_patient(session: Session, actor: Actor, patient_id: int, action: str) -> Patient:
    """The patient, after checking that `actor` may `action` on its site."""
    patient = get_row(session, Patient, patient_id, "patient")
    require(actor, action, site_id=patient.site_id)
    return patient


def load_episode(session: Session, actor: Actor, episode_id: int, action: str) -> TreatmentEpisode:
    """The treatment episode, after checking that `actor` may `action` on its site."""
    episode = get_row(session, TreatmentEpisode, episode_id, "treatment episode")
    require(actor, action, site_id=episode.site_id)
    return episode


def death_of(session: Session, patient_id: int) -> Death | None:
    return session.exec(select(Death).where(Death.patient_id == patient_id)).first()


def latest_clinical_date(session: Session, patient_id: int) -> tuple[date | None, str]:
    """The latest date recorded for a patient (anything a death may not precede), and what it
    is, as a catalogue key (``what.recorded_*``)."""
    episodes = select(TreatmentEpisode.id).where(TreatmentEpisode.patient_id == patient_id)
    candidates: list[tuple[date | None, str]] = [
        (
            session.exec(
                select(func.max(FollowUp.assessment_date)).where(
                    col(FollowUp.episode_id).in_(episodes)
                )
            ).one(),
            "what.recorded_followup",
        ),
        (
            session.exec(
                select(func.max(AdverseEvent.onset_date)).where(
                    col(AdverseEvent.episode_id).in_(episodes)
                )
            ).one(),
            "what.recorded_ae",
        ),
        (
            session.exec(
                select(func.max(TreatmentEpisode.infusion_date)).where(
                    TreatmentEpisode.patient_id == patient_id
                )
            ).one(),
            "what.recorded_infusion",
        ),
        (
            session.exec(
                select(func.max(TreatmentEpisode.apheresis_date)).where(
                    TreatmentEpisode.patient_id == patient_id
                )
            ).one(),
            "what.recorded_apheresis",
        ),
    ]
    dated = [(d, what) for d, what in candidates if d is not None]
    if not dated:
        return None, ""
    return max(dated, key=lambda item: item[0])


class Checks:
    """Collects every field error of one submission, then raises them together."""

    def __init__(self, row: int | None = None) -> None:
        self.errors: list[FieldError] = []
        self.row = row

    def add(self, field: str, message: str, code: str | None = None, **params: Any) -> None:
        self.errors.append(FieldError(field, message, row=self.row, code=code, params=params))

    def check(
        self,
        ok: bool,
        field: str,
        message: str | Callable[[], str],
        code: str | None = None,
        **params: Any,
    ) -> None:
        if not ok:
            self.add(field, message() if callable(message) else message, code, **params)

    def not_after(self, field: str, value: date | None, limit: date | None, what: str) -> None:
        """`value` must not be after `limit`; `what` names the limit (a ``what.*`` key)."""
        if value is not None and limit is not None and value > limit:
            words, phrase = _phrase(what)
            self.add(
                field,
                f"{fmt(value)} is after {words} ({fmt(limit)})",
                "date.after",
                value=fmt(value),
                limit=fmt(limit),
                **phrase,
            )

    def not_before(self, field: str, value: date | None, limit: date | None, what: str) -> None:
        """`value` must not be before `limit`; `what` names the limit (a ``what.*`` key)."""
        if value is not None and limit is not None and value < limit:
            words, phrase = _phrase(what)
            self.add(
                field,
                f"{fmt(value)} is before {words} ({fmt(limit)})",
                "date.before",
                value=fmt(value),
                limit=fmt(limit),
                **phrase,
            )

    def not_future(self, field: str, value: date | None) -> None:
        if value is not None and value > today():
            self.add(
                field,
                f"{fmt(value)} is after today ({fmt(today())})",
                "date.future",
                value=fmt(value),
            )

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)


def _phrase(what: str) -> tuple[str, dict[str, str]]:
    """The English words of `what` and the param that shows it in the user's language.

    A catalogue key (``what.infusion``) travels as ``what_key`` and is shown translated by
    `registry.i18n.error_text`; other text is passed through as ``what``, untranslated.
    """
    if what in CATALOGUE:
        return t(what, "en"), {"what_key": what}
    return what, {"what": what}


def fmt(value: date) -> str:
    """Dates in messages as DD.MM.YYYY (the portal's convention)."""
    return value.strftime("%d.%m.%Y")


def snapshot_values(row: SQLModel) -> dict[str, Any]:
    """A table row's field values as Python objects (not JSON)."""
    return {name: getattr(row, name) for name in type(row).model_fields}


R = TypeVar("R", bound=SQLModel)


def insert_audited(session: Session, actor: Actor, row: R) -> R:
    """Insert `row` and append its `create` audit event (after = the row's content); the
    caller commits both in one transaction."""
    session.add(row)
    session.flush()
    row_id: int | None = getattr(row, "id")  # noqa: B009  (every table has it; SQLModel not)
    record_audit(session, actor, AuditAction.create, str(type(row).__tablename__), row_id,
                 after=snapshot(row))
    return row


def check_quality(session: Session, table_name: str, *row_ids: int | None) -> None:
    """Run the data-quality rules that concern `table_name` on the rows just written, in this
    transaction: their queries commit (or roll back) with the write
    (:func:`registry.quality.engine.check_after_write`)."""
    from registry.quality.engine import check_after_write  # quality imports services

    ids = [row_id for row_id in row_ids if row_id is not None]
    if ids:
        check_after_write(session, table_name, ids)


def apply_update(
    session: Session,
    actor: Actor,
    row: SQLModel,
    changes: dict[str, Any],
    *,
    expected_version: int | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """Write `changes` to `row` if nobody changed it since `expected_version`; audit it.

    The UPDATE carries `WHERE version = expected`, so of two concurrent writers exactly one
    wins and the other gets `Conflict` with the current values. Returns the changed fields.
    """
    from sqlalchemy import update

    table = type(row)
    current = int(getattr(row, "version"))  # noqa: B009  (every table has it; SQLModel does not)
    expected = current if expected_version is None else expected_version
    before = snapshot(row)
    changes = {k: v for k, v in changes.items() if getattr(row, k) != v}
    if not changes:
        return {}
    stamp = utcnow()
    stale = not fits_integer(expected)  # no saved version is that: not what the user saw
    if not stale:
        result = session.execute(
            update(table)
            .where(table.id == row.id, table.version == expected)  # type: ignore[attr-defined]
            .values(**changes, version=expected + 1, updated_at=stamp)
            .execution_options(synchronize_session=False)
        )
        stale = result.rowcount != 1  # type: ignore[attr-defined]
    if stale:
        session.rollback()
        fresh = session.get(table, getattr(row, "id"), populate_existing=True)  # noqa: B009
        raise Conflict(
            "Someone else saved this record after you opened it; nothing was overwritten. "
            "Review their values and apply your change again.",
            code="conflict.version",
            current=snapshot(fresh) | {"version": getattr(fresh, "version")} if fresh else {},  # noqa: B009
        )
    for name, value in changes.items():
        setattr(row, name, value)
    setattr(row, "version", expected + 1)  # noqa: B010
    setattr(row, "updated_at", stamp)  # noqa: B010
    after = snapshot(row)
    changed = [k for k in after if after[k] != before.get(k)]
    record_audit(
        session,
        actor,
        AuditAction.update,
        str(table.__tablename__),
        row.id,  # type: ignore[attr-defined]
        before={k: before.get(k) for k in changed},
        after={k: after[k] for k in changed},
        reason=reason,
    )
    return changes
