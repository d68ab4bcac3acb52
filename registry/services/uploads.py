"""Bulk upload of patients, follow-up forms and adverse events from CSV or XLSX.

Why this module exists
----------------------
Referring hospitals report many records at once. An upload must accept and refuse exactly what
the forms do, list every problem of every row as (row, column, message) before anything is
saved, save all rows or none, and add nothing when the same file is uploaded twice. The file
layout, templates and reader live in `registry.services.upload_templates`; this module checks
the rows and writes them.

How a file is checked
---------------------
1. `require(actor, "patient:write")` at the actor's own site; rows always go to that site.
2. Each row's cells are converted (dates, yes/no) and validated by the same Create model the
   form uses (`PatientCreate`, `FollowUpCreate`, `AdverseEventCreate`).
3. What the rules need from the database (the site's patients, episodes, deaths, existing
   records with the same natural key, identity hashes) is loaded set-based in a few queries,
   and each row goes through the services' own rules: `check_patient_values`,
   `check_followup_values` and `check_adverse_event_values`, the database-free halves of
   `patients.check_patient`, `followup.check_followup` and `events.check_adverse_event`, so
   an upload accepts and refuses exactly what the forms do.
4. Natural keys: the site patient code; episode + timepoint (+ assessment date for unscheduled
   visits); episode + event type + onset date. A row whose key is already saved with the same
   values is skipped (uploading a file twice adds nothing); with different values it is an
   error that points to a correction. The same key twice in one file is an error on the later
   row.

`commit_upload` repeats the whole check (a preview is never trusted) and writes nothing unless
every row passes; then it inserts all rows and one audit event per row in one transaction.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Final

from pydantic import BaseModel, ValidationError
from sqlalchemy import insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, col, select

from registry.auth import Actor, require
from registry.config import hmac_key
from registry.errors import Conflict, FieldError, InvalidInput, PermissionDenied
from registry.i18n import t
from registry.identity import identity_hash
from registry.models import (
    AdverseEvent,
    AdverseEventCreate,
    Death,
    FollowUp,
    FollowUpCreate,
    Patient,
    PatientCreate,
    TreatmentEpisode,
)
from registry.models.adverse_event import AdverseEventBase
from registry.models.base import utcnow
from registry.models.enums import (
    AdverseEventType,
    AuditAction,
    Indication,
    Timepoint,
)
from registry.models.followup import FollowUpBase
from registry.models.patient import PatientBase
from registry.services.audit import BOOKKEEPING, PRIVATE_COLUMNS, jsonable
from registry.services.audit_chain import insert_audit_events
from registry.services.common import Checks, check_quality, field_errors, fmt, text_error
from registry.services.events import check_adverse_event_values
from registry.services.followup import check_followup_values
from registry.services.patients import (
    DUPLICATE_ELSEWHERE_UPLOAD,
    check_patient_values,
    snils_error,
)
from registry.services.upload_templates import (
    NOT_GIVEN,
    SIGN_COLUMNS,
    SIGN_PREFIX,
    Column,
    UploadKind,
    columns_of,
    convert_cell,
    read_upload,
    template,
)

Progress = Callable[[int, int], None]
"""`progress(done, total)`, called about every `PROGRESS_EVERY` rows."""

PROGRESS_EVERY: Final = 500
_CHUNK: Final = 2_000  # ids per IN (...) and rows per INSERT


@dataclass(frozen=True)
class UploadPreview:
    """What committing a file would do.

    Attributes
    ----------
    rows : int
        Data rows in the file.
    new : int
        Rows that would be created (no error, natural key not yet saved).
    duplicates : int
        Rows whose natural key is already saved: skipped when identical, errors otherwise.
    errors : list of FieldError
        Every problem of every row as (row, column, message); the file commits only when empty.
    notes : tuple of str
        Remarks that are not errors (e.g. the file was read as Windows-1251).
    """

    rows: int
    new: int
    duplicates: int
    errors: list[FieldError]
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        """True when the file can be committed as it is."""
        return not self.errors

    def errors_csv(self) -> bytes:
        """The errors as a CSV (row, column, message), UTF-8 with BOM for Excel.

        Cells starting with ``= + - @`` (or a tab or carriage return) get a leading apostrophe,
        so a spreadsheet never runs text from the upload as a formula.
        """
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(["row", "column", "message"])
        for error in self.errors:
            row = "" if error.row is None else str(error.row)
            writer.writerow([row, _inert(error.field), _inert(error.message)])
        return buffer.getvalue().encode("utf-8-sig")


@dataclass(frozen=True)
class UploadResult:
    """What a committed upload did: rows created, and identical rows skipped."""

    created: int
    skipped: int


@dataclass
class _Plan:
    """The outcome of checking a file: rows to insert, duplicates and errors."""

    rows: int
    table: type[SQLModel]
    inserts: list[dict[str, Any]] = field(default_factory=list)
    duplicates: int = 0
    errors: list[FieldError] = field(default_factory=list)
    notes: tuple[str, ...] = ()


@dataclass
class _Row:
    """One data row after its cells were read and validated by the Create model."""

    number: int
    values: dict[str, Any] | None  # the Create model's dump; None when a cell is bad
    errors: list[FieldError]
    cells: dict[str, Any]  # converted cells by column name (bad cells left out)
    extra: dict[str, Any] = field(default_factory=dict)


# ---- the services ----------------------------------------------------------------------------


def preview_upload(
    *,
    session: Session,
    actor: Actor,
    kind: UploadKind,
    filename: str,
    content: bytes,
    progress: Progress | None = None,
) -> UploadPreview:
    """Check every row of an upload file and say what committing it would do; writes nothing.

    Parameters
    ----------
    session : Session
        Database session (only read).
    actor : Actor
        A site clinician; rows are checked against their own site only.
    kind : UploadKind
        What the file holds.
    filename, content : str, bytes
        The uploaded file (CSV or XLSX; see `upload_templates.read_upload`).
    progress : callable, optional
        ``progress(done, total)`` with rows checked so far, about every 500 rows.

    Returns
    -------
    UploadPreview
        Row counts and every error as (row, column, message).

    Raises
    ------
    PermissionDenied
        The actor may not write clinical data of a site (leadership, economist, data manager).
    InvalidInput
        The file cannot be read at all (format, empty, missing or unknown columns).
    """
    require(actor, "patient:write", site_id=actor.site_id)
    plan = _check_file(session, actor, kind, filename, content, progress, steps=1)
    return UploadPreview(
        rows=plan.rows,
        new=len(plan.inserts),
        duplicates=plan.duplicates,
        errors=plan.errors,
        notes=plan.notes,
    )


def commit_upload(
    *,
    session: Session,
    actor: Actor,
    kind: UploadKind,
    filename: str,
    content: bytes,
    progress: Progress | None = None,
) -> UploadResult:
    """Check an upload file again and save all its new rows, or nothing.

    Rows already saved with identical values are skipped, so committing the same file twice
    adds nothing the second time. Every created row gets one audit event (action create,
    reason ``bulk upload <filename>``) in the same single transaction, and the data-quality
    rules run on the created rows as after a form: their queries commit with the rows.

    Parameters
    ----------
    session, actor, kind, filename, content
        As for `preview_upload`.
    progress : callable, optional
        ``progress(done, total)`` with ``total = 2 * rows``: the first half counts rows
        checked, the second rows written.

    Returns
    -------
    UploadResult
        Rows created and rows skipped as identical duplicates.

    Raises
    ------
    PermissionDenied
        As for `preview_upload`.
    InvalidInput
        Any row has any error; all are listed and nothing is written.
    Conflict
        Someone saved a record with the same key while the upload was running; nothing is
        written.
    """
    require(actor, "patient:write", site_id=actor.site_id)
    plan = _check_file(session, actor, kind, filename, content, progress, steps=2)
    if plan.errors:
        raise InvalidInput(plan.errors)
    try:
        ids = _write(session, actor, plan, filename, progress)
        # the data-quality rules run on the new rows as after a form: queries commit with them
        for chunk in _in_chunks(ids):  # bounded IN lists (SQLite's parameter limit)
            check_quality(session, str(plan.table.__tablename__), *chunk)
        session.commit()
    except IntegrityError:
        session.rollback()
        raise Conflict(
            "A record with the same key was saved by someone else while the upload ran; "
            "nothing was saved. Preview the file again.",
            code="upload.error.race",
        ) from None
    except BaseException:
        session.rollback()
        raise
    return UploadResult(created=len(plan.inserts), skipped=plan.duplicates)


# ---- checking a file ---------------------------------------------------------------------------


class _Counter:
    """Calls `progress` about every PROGRESS_EVERY rows of a phase."""

    def __init__(self, progress: Progress | None, rows: int, steps: int) -> None:
        self.progress = progress
        self.total = rows * steps
        self.offset = 0

    def tick(self, done: int, *, last: bool = False) -> None:
        if self.progress is not None and (last or done % PROGRESS_EVERY == 0):
            self.progress(self.offset + done, self.total)


def _check_file(
    session: Session,
    actor: Actor,
    kind: UploadKind,
    filename: str,
    content: bytes,
    progress: Progress | None,
    *,
    steps: int,
) -> _Plan:
    if actor.site_id is None:
        raise PermissionDenied(
            f"{actor.username} has no site; an upload goes to a site clinician's own site",
            code="denied.upload_no_site",
            username=actor.username,
        )
    try:
        kind = UploadKind(kind)
    except ValueError:
        allowed = ", ".join(k.value for k in UploadKind)
        message = f"{kind!r} is not an upload kind; choose one of {allowed}"
        raise InvalidInput.one(
            "kind", message, "upload.error.kind", value=repr(kind), allowed=allowed
        ) from None
    problem = text_error("file", filename)  # the name goes into the audit trail
    if problem is not None:
        raise InvalidInput([problem])
    frame = read_upload(filename, content, kind=kind)
    records: dict[int, dict[str, str]] = frame.to_dict("index")  # type: ignore[assignment]
    counter = _Counter(progress, len(records), steps)
    checker = {
        UploadKind.patients: _check_patients,
        UploadKind.followups: _check_followups,
        UploadKind.adverse_events: _check_adverse_events,
    }[kind]
    plan = checker(session, actor.site_id, records, counter)
    plan.notes = tuple(frame.attrs.get("notes", ()))
    counter.tick(len(records), last=True)
    return plan


def _read_rows(
    records: dict[int, dict[str, str]],
    columns: dict[str, Column],
    counter: _Counter,
    build: Callable[[_Row], BaseModel | None],
) -> list[_Row]:
    """Convert every row's cells and validate them with the Create model (`build`)."""
    rows: list[_Row] = []
    for done, (number, record) in enumerate(records.items(), start=1):
        cells: dict[str, Any] = {}
        errors: list[FieldError] = []
        for name, text in record.items():
            value, error = convert_cell(columns[name], text, number)
            if error is not None:
                errors.append(error)
            elif value is not NOT_GIVEN:
                cells[name] = value
        row = _Row(number, None, errors, cells)
        model = build(row)
        if model is not None and not row.errors:
            row.values = model.model_dump()
        rows.append(row)
        counter.tick(done)
    return rows


def _validate(model: type[BaseModel], data: dict[str, Any], row: _Row) -> BaseModel | None:
    """`model` of `data`, or None with pydantic's errors added to the row (one per cell)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        bad = {e.field for e in row.errors}
        for error in field_errors(exc, row=row.number):
            column = _column_of(error, row)
            if column not in bad:
                row.errors.append(replace(error, field=column))
                bad.add(column)
        return None


def _column_of(error: FieldError, row: _Row) -> str:
    """The upload column a model field's error belongs to."""
    if error.field == "episode_id":
        return "episode_number"
    if error.field == "signs":
        given: list[str] = row.extra.get("sign_columns", [])
        for name in given:
            if error.message.startswith(name.removeprefix(SIGN_PREFIX)):
                return name
        return given[0] if given else "event_type"
    return error.field


def _fetch(session: Session, query: Any) -> list[Any]:
    """The rows of a column query (tuples; typed loosely: SQLModel's overloads stop at 4)."""
    return list(session.execute(query).all())


def _in_chunks(values: Iterable[Any]) -> Iterator[list[Any]]:
    items = list(values)
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _differences(row: dict[str, Any], saved: dict[str, Any], names: Iterable[str]) -> list[str]:
    return [name for name in names if jsonable(row.get(name)) != jsonable(saved.get(name))]


@dataclass(frozen=True)
class _Record:
    """How an error names an uploaded record: an ``upload.record.*`` phrase and its params."""

    key: str
    params: dict[str, Any]

    def __str__(self) -> str:
        return t(self.key, "en", **self.params)


def _differs(field: str, row: int, record: _Record, differ: Sequence[str]) -> FieldError:
    """The error of a row whose record is already saved with other values."""
    fields = ", ".join(differ)
    return FieldError(
        field,
        f"{record} is already saved with different values ({fields}); an upload never "
        "changes a saved record: use a correction on that record, or make the row match it",
        row,
        "upload.error.differs",
        {"what_key": record.key, **record.params, "fields": fields},
    )


# ---- patients ------------------------------------------------------------------------------


_PATIENT_VALUES: Final = tuple(n for n in PatientBase.model_fields)


def _check_patients(
    session: Session, site_id: int, records: dict[int, dict[str, str]], counter: _Counter
) -> _Plan:
    key = hmac_key()

    def build(row: _Row) -> BaseModel | None:
        model = _validate(PatientCreate, row.cells, row)
        snils = row.cells.get("national_insurance_number")
        if isinstance(snils, str) and "national_insurance_number" not in {
            e.field for e in row.errors
        }:
            try:
                row.extra["identity_hash"] = identity_hash(snils, key)
            except ValueError as exc:
                row.errors.append(snils_error(snils, exc, row=row.number))
        return model

    rows = _read_rows(records, columns_of(UploadKind.patients), counter, build)
    codes = {r.cells["site_patient_code"] for r in rows if "site_patient_code" in r.cells}
    saved: dict[str, dict[str, Any]] = {}
    for chunk in _in_chunks(codes):
        query = select(Patient).where(
            Patient.site_id == site_id, col(Patient.site_patient_code).in_(chunk)
        )
        for patient in session.exec(query):
            saved[patient.site_patient_code] = patient.model_dump()
    hashes = {r.extra["identity_hash"] for r in rows if "identity_hash" in r.extra}
    known: dict[str, tuple[int, str | None, str]] = {}
    for chunk in _in_chunks(hashes):
        found = select(
            Patient.identity_hash, Patient.site_id, Patient.registry_id, Patient.site_patient_code
        ).where(col(Patient.identity_hash).in_(chunk))
        for found_hash, other_site, registry_id, other_code in _fetch(session, found):
            known[found_hash] = (other_site, registry_id, other_code)

    plan = _Plan(len(rows), Patient)
    seen_codes: dict[str, int] = {}
    seen_hashes: dict[str, int] = {}
    for row in rows:
        errors = row.errors
        code = row.cells.get("site_patient_code")
        hashed = row.extra.get("identity_hash")
        if isinstance(code, str):
            if code in seen_codes:
                errors.append(
                    FieldError(
                        "site_patient_code",
                        f"{code!r} is already on row {seen_codes[code]} of this file; each "
                        "patient appears once per file",
                        row=row.number,
                        code="upload.error.patient_twice",
                        params={"value": repr(code), "row": seen_codes[code]},
                    )
                )
            else:
                seen_codes[code] = row.number
        if hashed is not None:
            other = known.get(hashed)
            if other is not None and other[0] != site_id:
                errors.append(
                    FieldError(
                        "national_insurance_number",
                        DUPLICATE_ELSEWHERE_UPLOAD,
                        row=row.number,
                        code="snils.elsewhere_upload",
                    )
                )
            elif other is not None and other[2] != code:
                errors.append(
                    FieldError(
                        "national_insurance_number",
                        f"already registered at your site as {other[1]}; "
                        "add a new treatment episode to that patient instead",
                        row=row.number,
                        code="snils.here",
                        params={"registry_id": other[1]},
                    )
                )
            elif hashed in seen_hashes:
                errors.append(
                    FieldError(
                        "national_insurance_number",
                        f"the same national insurance number is on row {seen_hashes[hashed]} "
                        "of this file; one person is registered once",
                        row=row.number,
                        code="upload.error.snils_twice",
                        params={"row": seen_hashes[hashed]},
                    )
                )
            seen_hashes.setdefault(hashed, row.number)
        if row.values is None:
            plan.errors.extend(errors)
            continue
        values = {name: row.values[name] for name in _PATIENT_VALUES}
        checks = Checks(row=row.number)
        check_patient_values(values, checks)
        existing = saved.get(values["site_patient_code"])
        if existing is not None:
            plan.duplicates += 1
            differ = _differences(values, existing, _PATIENT_VALUES)
            if existing["identity_hash"] != hashed:
                differ.append("national_insurance_number")
            if differ:
                record = _Record(
                    "upload.record.patient",
                    {"patient": repr(code), "registry_id": existing["registry_id"]},
                )
                errors.append(_differs("site_patient_code", row.number, record, differ))
            plan.errors.extend(errors)  # an identical saved row is skipped, not re-checked
            continue
        plan.errors.extend(errors + checks.errors)
        if not errors and not checks.errors:
            plan.inserts.append(
                values | {"site_id": site_id, "identity_hash": hashed, "registry_id": None}
            )
    return plan


# ---- follow-ups and adverse events ----------------------------------------------------------


@dataclass(frozen=True)
class _Episode:
    id: int
    patient_code: str
    number: int
    infusion_date: date | None
    indication: Indication
    death_date: date | None


def _episode_key(row: _Row) -> tuple[str, int] | None:
    """(site patient code, episode number) of a row; adds an error if the number is bad."""
    code = row.cells.pop("site_patient_code", None)
    raw = row.cells.pop("episode_number", "1")
    if code is None:
        message = "required: the patient's code at your site"
        row.errors.append(
            FieldError(
                "site_patient_code", message, row=row.number, code="upload.error.code_missing"
            )
        )
    try:
        number = int(str(raw))
        if number < 1:
            raise ValueError
    except ValueError:
        row.errors.append(
            FieldError(
                "episode_number",
                f"{raw!r} is not an episode number; write 1 for the patient's first episode, "
                "2 for the second, ... (empty = 1)",
                row=row.number,
                code="upload.error.episode_number",
                params={"value": repr(raw)},
            )
        )
        return None
    if code is None:
        return None
    row.extra["episode_key"] = (str(code), number)
    return str(code), number


def _load_episodes(
    session: Session, site_id: int, rows: Sequence[_Row]
) -> tuple[dict[tuple[str, int], _Episode], set[str]]:
    """The site's episodes the rows name, with what the rules need, in a few queries.

    Returns the episodes by (patient code, episode number) and the patient codes found; only
    the actor's site is searched, so another site's patient is simply not found.
    """
    codes = {row.extra["episode_key"][0] for row in rows if "episode_key" in row.extra}
    patients: dict[int, tuple[str, Indication]] = {}
    for chunk in _in_chunks(codes):
        query = select(Patient.id, Patient.site_patient_code, Patient.indication).where(
            Patient.site_id == site_id, col(Patient.site_patient_code).in_(chunk)
        )
        for patient_id, code, indication in _fetch(session, query):
            patients[patient_id] = (code, indication)
    deaths: dict[int, date] = {}
    episodes: dict[tuple[str, int], _Episode] = {}
    for chunk in _in_chunks(patients):
        died_query = select(col(Death.patient_id), col(Death.death_date)).where(
            col(Death.patient_id).in_(chunk)
        )
        for patient_id, died in _fetch(session, died_query):
            deaths[patient_id] = died
        episodes_query = select(
            col(TreatmentEpisode.id),
            col(TreatmentEpisode.patient_id),
            col(TreatmentEpisode.episode_number),
            col(TreatmentEpisode.infusion_date),
        ).where(TreatmentEpisode.site_id == site_id, col(TreatmentEpisode.patient_id).in_(chunk))
        for episode_id, patient_id, number, infused in _fetch(session, episodes_query):
            code, indication = patients[patient_id]
            episodes[(code, number)] = _Episode(
                episode_id, code, number, infused, indication, deaths.get(patient_id)
            )
    return episodes, {code for code, _indication in patients.values()}


def _find_episode(
    row: _Row, episodes: dict[tuple[str, int], _Episode], codes: set[str]
) -> _Episode | None:
    key: tuple[str, int] | None = row.extra.get("episode_key")
    if key is None:
        return None
    episode = episodes.get(key)
    if episode is None:
        code, number = key
        if code not in codes:
            message = (
                f"no patient {code!r} at your site; check the code, or register the patient first"
            )
            row.errors.append(
                FieldError(
                    "site_patient_code",
                    message,
                    row=row.number,
                    code="upload.error.no_patient",
                    params={"value": repr(code)},
                )
            )
        else:
            message = f"patient {code!r} has no treatment episode {number} at your site"
            row.errors.append(
                FieldError(
                    "episode_number",
                    message,
                    row=row.number,
                    code="upload.error.no_episode",
                    params={"value": repr(code), "number": number},
                )
            )
    return episode


def _saved_rows(
    session: Session, table: Any, episode_ids: Iterable[int]
) -> Iterator[dict[str, Any]]:
    for chunk in _in_chunks(set(episode_ids)):
        query = select(table).where(col(table.episode_id).in_(chunk))
        for saved in session.exec(query):
            yield saved.model_dump()


def _check_followups(
    session: Session, site_id: int, records: dict[int, dict[str, str]], counter: _Counter
) -> _Plan:
    def build(row: _Row) -> BaseModel | None:
        _episode_key(row)
        return _validate(FollowUpCreate, row.cells | {"episode_id": 0}, row)

    rows = _read_rows(records, columns_of(UploadKind.followups), counter, build)
    episodes, codes = _load_episodes(session, site_id, rows)
    names = [n for n in FollowUpBase.model_fields if n != "episode_id"]
    saved: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for saved_form in _saved_rows(session, FollowUp, (e.id for e in episodes.values())):
        saved.setdefault(_followup_key(saved_form), []).append(saved_form)

    plan = _Plan(len(rows), FollowUp)
    seen: dict[tuple[Any, ...], int] = {}
    for row in rows:
        episode = _find_episode(row, episodes, codes)
        if row.values is None or episode is None or row.errors:
            plan.errors.extend(row.errors)
            continue
        values = row.values | {"episode_id": episode.id}
        checks = Checks(row=row.number)
        check_followup_values(
            values,
            checks,
            infusion_date=episode.infusion_date,
            indication=episode.indication,
            death_date=episode.death_date,
        )
        key = _followup_key(values)
        patient = {"patient": repr(episode.patient_code), "episode": episode.number}
        label = (
            _Record("upload.record.form", {"timepoint": values["timepoint"].value, **patient})
            if values["timepoint"] != Timepoint.unscheduled
            else _Record(
                "upload.record.visit", {"date": fmt(values["assessment_date"]), **patient}
            )
        )
        _classify(
            plan,
            row,
            values,
            checks.errors,
            (key, "timepoint", label, seen),
            saved.get(key, []),
            names,
            site_id,
        )
    return plan


def _followup_key(values: dict[str, Any]) -> tuple[Any, ...]:
    """Episode + timepoint; unscheduled visits (any number) also by assessment date."""
    timepoint = Timepoint(values["timepoint"])
    day = values["assessment_date"] if timepoint == Timepoint.unscheduled else None
    return values["episode_id"], timepoint, day


def _sign_values(row: _Row) -> dict[str, Any] | None:
    """The sign_* cells folded into the `signs` dict (None when no sign is given)."""
    signs: dict[str, Any] = {}
    for name, (col_type, enum) in SIGN_COLUMNS.items():
        value = row.cells.pop(name, NOT_GIVEN)
        if value is NOT_GIVEN:
            continue
        try:
            if col_type == "float":
                signs[name.removeprefix(SIGN_PREFIX)] = float(value)
            elif col_type == "int":
                signs[name.removeprefix(SIGN_PREFIX)] = int(value)
            elif enum is not None:
                signs[name.removeprefix(SIGN_PREFIX)] = enum(value).value
            else:
                signs[name.removeprefix(SIGN_PREFIX)] = value
        except ValueError:
            if enum is not None:
                allowed = ", ".join(str(m.value) for m in enum)
                message = f"{value!r} is not an allowed code; allowed: {allowed}"
                error = FieldError(
                    name,
                    message,
                    row.number,
                    "upload.error.code",
                    {"value": repr(value), "allowed": allowed},
                )
            elif col_type == "float":
                error = FieldError(
                    name,
                    f"{value!r} is not a number",
                    row.number,
                    "upload.error.number",
                    {"value": repr(value)},
                )
            else:
                error = FieldError(
                    name,
                    f"{value!r} is not a whole number",
                    row.number,
                    "upload.error.whole_number",
                    {"value": repr(value)},
                )
            row.errors.append(error)
        row.extra.setdefault("sign_columns", []).append(name)
    return signs or None


def _check_adverse_events(
    session: Session, site_id: int, records: dict[int, dict[str, str]], counter: _Counter
) -> _Plan:
    def build(row: _Row) -> BaseModel | None:
        _episode_key(row)
        signs = _sign_values(row)
        return _validate(AdverseEventCreate, row.cells | {"episode_id": 0, "signs": signs}, row)

    rows = _read_rows(records, columns_of(UploadKind.adverse_events), counter, build)
    episodes, codes = _load_episodes(session, site_id, rows)
    names = [n for n in AdverseEventBase.model_fields if n != "episode_id"]
    names += ["signs", "computed_grade"]
    saved: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for event in _saved_rows(session, AdverseEvent, (e.id for e in episodes.values())):
        saved.setdefault(_event_key(event), []).append(event)

    plan = _Plan(len(rows), AdverseEvent)
    seen: dict[tuple[Any, ...], int] = {}
    for row in rows:
        episode = _find_episode(row, episodes, codes)
        if row.values is None or episode is None or row.errors:
            plan.errors.extend(row.errors)
            continue
        values = row.values | {"episode_id": episode.id}
        checks = Checks(row=row.number)
        check_adverse_event_values(
            values, checks, infusion_date=episode.infusion_date, death_date=episode.death_date
        )
        key = _event_key(values)
        label = _Record(
            "upload.record.event",
            {
                "event_type": values["event_type"].value,
                "date": fmt(values["onset_date"]),
                "patient": repr(episode.patient_code),
                "episode": episode.number,
            },
        )
        _classify(
            plan,
            row,
            values,
            checks.errors,
            (key, "onset_date", label, seen),
            saved.get(key, []),
            names,
            site_id,
        )
    return plan


def _event_key(values: dict[str, Any]) -> tuple[Any, ...]:
    """Episode + event type + onset date."""
    return values["episode_id"], AdverseEventType(values["event_type"]), values["onset_date"]


def _classify(
    plan: _Plan,
    row: _Row,
    values: dict[str, Any],
    rule_errors: list[FieldError],
    natural_key: tuple[tuple[Any, ...], str, _Record, dict[tuple[Any, ...], int]],
    saved: list[dict[str, Any]],
    names: Sequence[str],
    site_id: int,
) -> None:
    """New, identical duplicate (skipped) or error, for a follow-up or adverse-event row.

    `natural_key` is (key, its column, how to name the record, rows seen so far by key).
    """
    key, key_column, label, seen = natural_key
    rules = [replace(e, field=_column_of(e, row)) for e in rule_errors]
    key_errors: list[FieldError] = []
    if key in seen:
        message = f"{label} is already on row {seen[key]} of this file; give each record once"
        key_errors.append(
            FieldError(
                key_column,
                message,
                row=row.number,
                code="upload.error.twice",
                params={"what_key": label.key, **label.params, "row": seen[key]},
            )
        )
    else:
        seen[key] = row.number
    if saved:
        plan.duplicates += 1
        if any(not _differences(values, other, names) for other in saved):
            plan.errors.extend(key_errors)  # identical to a saved record: skipped, not re-checked
            return
        differ = _differences(values, saved[0], names)
        key_errors.append(_differs(key_column, row.number, label, differ))
    plan.errors.extend(rules + key_errors)
    if not rules and not key_errors:
        plan.inserts.append(values | {"site_id": site_id})


# ---- writing ------------------------------------------------------------------------------


def _write(
    session: Session, actor: Actor, plan: _Plan, filename: str, progress: Progress | None
) -> list[int]:
    """Insert the plan's rows in chunks and one audit event per row (no commit); their ids."""
    counter = _Counter(progress, plan.rows, 2)
    counter.offset = plan.rows
    table: Any = plan.table
    name = str(table.__tablename__)
    stamp = utcnow()
    bookkeeping = {"created_at": stamp, "updated_at": stamp, "version": 1}
    audited = [n for n in table.model_fields if n not in PRIVATE_COLUMNS | BOOKKEEPING]
    reason = f"bulk upload {filename}"[:2000]
    written = 0
    created: list[int] = []
    for chunk in _in_chunks(plan.inserts):
        rows = [values | bookkeeping for values in chunk]
        ids = list(
            session.execute(
                insert(table)
                .returning(table.id, sort_by_parameter_order=True)
                .execution_options(render_nulls=True),
                rows,
            ).scalars()
        )
        if table is Patient:
            registry_ids = [{"id": i, "registry_id": f"R-{i:06d}"} for i in ids]
            session.execute(update(Patient), registry_ids)
            for values, ids_row in zip(rows, registry_ids, strict=True):
                values["registry_id"] = ids_row["registry_id"]
        events = [
            {
                "created_at": stamp,
                "user_id": actor.user_id,
                "username": actor.username,
                "role": actor.role,
                "action": AuditAction.create,
                "table_name": name,
                "row_id": row_id,
                "before": None,
                "after": {n: jsonable(row_id if n == "id" else values.get(n)) for n in audited},
                "reason": reason,
            }
            for values, row_id in zip(rows, ids, strict=True)
        ]
        insert_audit_events(session, events)  # chained: ids and hashes under the head lock
        created += ids
        written += len(chunk)
        counter.tick(written, last=True)
    counter.tick(plan.rows, last=True)
    return created


def _inert(text: str) -> str:
    """Text a spreadsheet will not run as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


__all__ = [
    "UploadKind",
    "UploadPreview",
    "UploadResult",
    "check_adverse_event_values",
    "check_followup_values",
    "check_patient_values",
    "commit_upload",
    "preview_upload",
    "read_upload",
    "template",
]
