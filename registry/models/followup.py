"""Follow-up forms: one per scheduled timepoint of an episode, plus unscheduled visits."""

from __future__ import annotations

from datetime import date

from sqlalchemy import Index, text
from sqlmodel import Field, SQLModel

from registry.models.base import ReadMixin, TableMixin, enum_type
from registry.models.enums import (
    NewTherapy,
    Response,
    ResponseCriteria,
    Timepoint,
    VitalStatus,
)


class FollowUpBase(SQLModel):
    episode_id: int = Field(foreign_key="treatmentepisode.id", index=True)
    timepoint: Timepoint = Field(sa_type=enum_type(Timepoint))
    assessment_date: date
    vital_status: VitalStatus = Field(default=VitalStatus.alive, sa_type=enum_type(VitalStatus))
    response: Response | None = Field(default=None, sa_type=enum_type(Response))
    response_criteria: ResponseCriteria | None = Field(
        default=None, sa_type=enum_type(ResponseCriteria)
    )
    mrd_negative: bool | None = None
    b_cell_aplasia: bool | None = None
    ivig: bool | None = None
    hospital_days: int | None = Field(default=None, ge=0, le=400)
    icu_days: int | None = Field(default=None, ge=0, le=400)
    new_therapy: NewTherapy = Field(default=NewTherapy.none, sa_type=enum_type(NewTherapy))
    new_therapy_date: date | None = None
    relapse_or_progression: bool = False
    relapse_date: date | None = None
    new_malignancy: bool = False
    lost_to_follow_up: bool = False
    comments: str | None = Field(default=None, max_length=2000)


class FollowUp(TableMixin, FollowUpBase, table=True):
    """A submitted follow-up form; scheduled timepoints are unique per episode."""

    __table_args__ = (
        Index(
            "uq_followup_episode_timepoint",
            "episode_id",
            "timepoint",
            unique=True,
            sqlite_where=text("timepoint <> 'unscheduled'"),
            postgresql_where=text("timepoint <> 'unscheduled'"),
        ),
    )

    site_id: int = Field(foreign_key="site.id", index=True)


class FollowUpCreate(FollowUpBase):
    """A follow-up form as a site submits it."""


class FollowUpRead(ReadMixin, FollowUpBase):
    """A follow-up as services return it."""

    site_id: int
