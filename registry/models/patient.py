"""Patients: pseudonymised; no names, no full birth dates, no national insurance numbers."""

from __future__ import annotations

from datetime import date

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from registry.models.base import ReadMixin, TableMixin, enum_type
from registry.models.enums import Indication, Sex


class PatientBase(SQLModel):
    site_patient_code: str = Field(
        min_length=1, max_length=32, schema_extra={"pattern": r"^[A-Za-z0-9_.\-/]+$"}
    )
    sex: Sex = Field(sa_type=enum_type(Sex))
    birth_year: int = Field(ge=1900, le=2100)
    indication: Indication = Field(sa_type=enum_type(Indication))
    diagnosis_date: date
    prior_lines: int = Field(ge=0, le=20)
    prior_auto_hsct: bool = False
    prior_allo_hsct: bool = False
    ecog: int | None = Field(default=None, ge=0, le=4)
    ldh_above_uln: bool | None = None
    bulky_disease: bool | None = None
    marrow_blasts_pct: float | None = Field(default=None, ge=0, le=100)
    consent_date: date


class Patient(TableMixin, PatientBase, table=True):
    """A registered patient; registry_id is assigned, identity_hash is an HMAC."""

    __table_args__ = (
        UniqueConstraint("site_id", "site_patient_code", name="uq_patient_site_code"),
    )

    registry_id: str | None = Field(default=None, unique=True, max_length=16)
    site_id: int = Field(foreign_key="site.id", index=True)
    identity_hash: str = Field(index=True, max_length=64)


class PatientCreate(PatientBase):
    """What a site enters to register a patient.

    `national_insurance_number` (SNILS) is only used to compute `identity_hash` and is
    never stored. `site_id` may be omitted by a site clinician (their own site is used).
    """

    site_id: int | None = None
    national_insurance_number: str = Field(min_length=11, max_length=20)


class PatientRead(ReadMixin, PatientBase):
    """A patient as services return it: no identity hash."""

    registry_id: str
    site_id: int
