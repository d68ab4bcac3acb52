"""Adverse events (CRS, ICANS, infections, ...) and deaths."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from registry.models.base import ReadMixin, TableMixin, enum_type
from registry.models.enums import AdverseEventType, DeathCause, GradingScale


class AdverseEventBase(SQLModel):
    episode_id: int = Field(foreign_key="treatmentepisode.id", index=True)
    event_type: AdverseEventType = Field(sa_type=enum_type(AdverseEventType))
    onset_date: date
    resolution_date: date | None = None
    grading_scale: GradingScale = Field(
        default=GradingScale.astct_2019, sa_type=enum_type(GradingScale)
    )
    grade: int | None = Field(default=None, ge=0, le=5)
    grade_override_reason: str | None = Field(default=None, max_length=500)
    tocilizumab_doses: int = Field(default=0, ge=0, le=20)
    corticosteroids: bool = False
    anakinra: bool = False
    icu: bool = False
    description: str | None = Field(default=None, max_length=2000)


class AdverseEvent(TableMixin, AdverseEventBase, table=True):
    """An adverse event; for CRS/ICANS graded on ASTCT the signs are stored beside the grade."""

    site_id: int = Field(foreign_key="site.id", index=True)
    computed_grade: int | None = None
    signs: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))


class AdverseEventCreate(AdverseEventBase):
    """An AE as reported. For CRS/ICANS on ASTCT give `signs`; `grade` may then be left
    empty (the calculator's grade is used) or set to another grade with an override reason.

    CRS signs: max_temperature_c, fever_masked, hypotension, oxygen.
    ICANS signs: ice, consciousness, seizure, motor, raised_icp.
    """

    signs: dict[str, Any] | None = None


class AdverseEventRead(ReadMixin, AdverseEventBase):
    """An AE as services return it."""

    site_id: int
    computed_grade: int | None
    signs: dict[str, Any] | None


class DeathBase(SQLModel):
    patient_id: int = Field(foreign_key="patient.id", unique=True)
    death_date: date
    cause: DeathCause = Field(sa_type=enum_type(DeathCause))
    comments: str | None = Field(default=None, max_length=2000)


class Death(TableMixin, DeathBase, table=True):
    """A death; one per patient, nothing may be dated after it."""

    site_id: int = Field(foreign_key="site.id", index=True)


class DeathCreate(DeathBase):
    """A death as reported."""


class DeathRead(ReadMixin, DeathBase):
    """A death as services return it."""

    site_id: int
