"""Registering patients and reading them back, scoped to the actor's site."""

from __future__ import annotations

from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from registry.auth import Actor, require, site_scope
from registry.config import hmac_key
from registry.errors import FieldError, InvalidInput, PermissionDenied
from registry.identity import identity_hash
from registry.models import DataQuery, Patient, PatientCreate, PatientRead, Site
from registry.models.enums import AuditAction
from registry.services.audit import record_audit, snapshot
from registry.services.common import Checks, load_patient, parse

# In an upload nothing is written when any row is wrong, so no data query is raised there.
DUPLICATE_ELSEWHERE_UPLOAD = (
    "This national insurance number is already registered in the registry by another site; "
    "the row cannot be registered here. Ask a data manager to check it (a transfer between "
    "sites is done by them)."
)
DUPLICATE_ELSEWHERE = (
    "This national insurance number is already registered in the registry by another site. "
    "The patient was not registered; a data manager has been notified and will contact you."
)


def snils_error(value: str, exc: ValueError, *, row: int | None = None) -> FieldError:
    """The field error of a SNILS that `registry.identity` refused, with its catalogue code."""
    if "control number" in str(exc):
        return FieldError(
            "national_insurance_number", str(exc), row, "snils.checksum", {"value": repr(value)}
        )
    return FieldError(
        "national_insurance_number", str(exc), row, "snils.format", {"value": repr(value)}
    )


def check_patient_values(values: dict[str, Any], checks: Checks) -> None:
    """Rules on a patient's values alone (dates, birth year): shared by the form and
    the upload."""
    diagnosis, consent = values["diagnosis_date"], values["consent_date"]
    checks.not_future("diagnosis_date", diagnosis)
    checks.not_future("consent_date", consent)
    checks.not_before("consent_date", consent, diagnosis, "what.diagnosis_date")
    if diagnosis is not None and values["birth_year"] > diagnosis.year:
        checks.add(
            "birth_year",
            f"{values['birth_year']} is after the diagnosis year {diagnosis.year}",
            "rule.birth_after_diagnosis",
            birth_year=values["birth_year"],
            diagnosis_year=diagnosis.year,
        )


def check_patient(
    session: Session, values: dict[str, Any], checks: Checks, *, exclude_id: int | None = None
) -> None:
    """Rules on a patient's values beyond field types (shared by register and correct)."""
    check_patient_values(values, checks)
    same_code = select(Patient.registry_id).where(
        Patient.site_id == values["site_id"],
        Patient.site_patient_code == values["site_patient_code"],
    )
    if exclude_id is not None:
        same_code = same_code.where(Patient.id != exclude_id)
    clash = session.exec(same_code).first()
    if clash is not None:
        checks.add(
            "site_patient_code",
            f"{values['site_patient_code']!r} is already used at your site for {clash}; "
            "each patient needs their own code",
            "patient.code_taken",
            value=repr(values["site_patient_code"]),
            registry_id=clash,
        )


def register_patient(
    *, session: Session, actor: Actor, data: PatientCreate | dict[str, Any]
) -> PatientRead:
    """Register a patient at the actor's site and assign a registry id (`R-000123`).

    The national insurance number (SNILS) is checked, turned into an HMAC and dropped.
    If the same person is already registered at another site, registration is refused
    without naming that site, and a data query is raised for the data managers.

    Raises
    ------
    PermissionDenied
        The actor may not register patients, or not at that site.
    InvalidInput
        Any field is wrong; every bad field is listed.
    """
    data = parse(PatientCreate, data)
    site_id = data.site_id if data.site_id is not None else actor.site_id
    require(actor, "patient:write", site_id=site_id)
    checks = Checks()
    if site_id is None or session.get(Site, site_id) is None:
        raise InvalidInput.one(
            "site_id",
            f"unknown site {site_id!r}; choose a registered site",
            "site.unknown",
            value=repr(site_id),
        )
    try:
        hashed = identity_hash(data.national_insurance_number, hmac_key())
    except ValueError as exc:
        checks.errors.append(snils_error(data.national_insurance_number, exc))
        hashed = None
    values = data.model_dump(exclude={"national_insurance_number"}) | {"site_id": site_id}
    check_patient(session, values, checks)
    if hashed is not None:
        known = session.exec(select(Patient).where(Patient.identity_hash == hashed)).first()
        if known is not None and known.site_id == site_id:
            checks.add(
                "national_insurance_number",
                f"already registered at your site as {known.registry_id}; "
                "add a new treatment episode to that patient instead",
                "snils.here", registry_id=known.registry_id,
            )
        elif known is not None:
            _raise_duplicate_query(session, actor, site_id, known)
            raise InvalidInput([FieldError("national_insurance_number", DUPLICATE_ELSEWHERE,
                                           code="snils.elsewhere")])
    checks.raise_if_any()
    assert hashed is not None
    patient = Patient.model_validate(values, update={"identity_hash": hashed})
    session.add(patient)
    try:
        session.flush()
    except IntegrityError:  # a concurrent registration won the race on a unique key
        session.rollback()
        raise InvalidInput.one(
            "site_patient_code",
            "was registered by someone else a moment ago; reload and check",
            "patient.code_race",
        ) from None
    assert patient.id is not None
    patient.registry_id = f"R-{patient.id:06d}"
    session.flush()
    record_audit(session, actor, AuditAction.create, "patient", patient.id, after=snapshot(patient))
    session.commit()
    return PatientRead.model_validate(patient)


def _raise_duplicate_query(session: Session, actor: Actor, site_id: int, known: Patient) -> None:
    """Tell the data managers (only them: site_id is left empty) about a cross-site duplicate."""
    site = session.get(Site, site_id)
    other = session.get(Site, known.site_id)
    query = DataQuery(
        table_name="patient",
        row_id=known.id,
        field="identity_hash",
        message=(
            f"{actor.username} at site {site.code if site else site_id} tried to register a "
            f"patient whose national insurance number matches {known.registry_id} of site "
            f"{other.code if other else known.site_id}. Registration was refused; check "
            "whether this is a transfer or a typo."
        ),
        site_id=None,
        rule_id="DUP-ID",
    )
    session.add(query)
    session.flush()
    record_audit(session, actor, AuditAction.create, "dataquery", query.id, after=snapshot(query))
    session.commit()


def get_patient(*, session: Session, actor: Actor, patient_id: int) -> PatientRead:
    """One patient; `NotFound` if absent, `PermissionDenied` if of another site."""
    return PatientRead.model_validate(load_patient(session, actor, patient_id, "patient:read"))


def find_patient_by_registry_id(
    *, session: Session, actor: Actor, registry_id: str
) -> PatientRead | None:
    """The patient with this registry id within the actor's scope, or None."""
    require(actor, "patient:read")
    query = select(Patient).where(Patient.registry_id == registry_id.strip().upper())
    scope = site_scope(actor)
    if scope is not None:
        query = query.where(Patient.site_id == scope)
    patient = session.exec(query).first()
    return None if patient is None else PatientRead.model_validate(patient)


def list_patients(
    *, session: Session, actor: Actor, site_id: int | None = None, limit: int = 1000
) -> list[PatientRead]:
    """Patients the actor may see, newest first; a site clinician sees only their site."""
    require(actor, "patient:read", site_id=site_id)
    scope = site_scope(actor)
    if scope is not None and site_id is not None and site_id != scope:
        raise PermissionDenied(
            "You may only list your own site's patients.", code="denied.own_site_patients"
        )
    query = select(Patient).order_by(col(Patient.id).desc()).limit(limit)
    wanted = site_id if site_id is not None else scope
    if wanted is not None:
        query = query.where(Patient.site_id == wanted)
    return [PatientRead.model_validate(p) for p in session.exec(query)]


__all__ = ["register_patient", "get_patient", "find_patient_by_registry_id", "list_patients"]
