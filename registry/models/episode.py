"""Treatment episodes: apheresis -> lot -> infusion (day 0) or not infused."""

from __future__ import annotations

from datetime import date

from sqlmodel import Field, SQLModel

from registry.models.base import ReadMixin, TableMixin, enum_type
from registry.models.enums import Bridging, Lymphodepletion, NotInfusedReason


class TreatmentEpisodeBase(SQLModel):
    product_id: int = Field(foreign_key="product.id")
    apheresis_date: date


class TreatmentEpisode(TableMixin, TreatmentEpisodeBase, table=True):
    """One course of CAR-T: a patient may have several (re-infusion, second product)."""

    patient_id: int = Field(foreign_key="patient.id", index=True)
    site_id: int = Field(foreign_key="site.id", index=True)
    episode_number: int = 1
    lot_id: int | None = Field(default=None, foreign_key="manufacturinglot.id")
    bridging: Bridging | None = Field(default=None, sa_type=enum_type(Bridging))
    lymphodepletion: Lymphodepletion | None = Field(
        default=None, sa_type=enum_type(Lymphodepletion)
    )
    infusion_date: date | None = Field(default=None, index=True)
    dose_car_positive_cells: float | None = None
    dose_per_kg: float | None = None
    weight_kg: float | None = None
    not_infused_reason: NotInfusedReason | None = Field(
        default=None, sa_type=enum_type(NotInfusedReason)
    )
    not_infused_date: date | None = None


class ApheresisCreate(TreatmentEpisodeBase):
    """Recording apheresis opens a treatment episode."""

    patient_id: int


class InfusionCreate(SQLModel):
    """Day 0: the infusion of a lot's cells."""

    episode_id: int
    infusion_date: date
    bridging: Bridging = Field(sa_type=enum_type(Bridging))
    lymphodepletion: Lymphodepletion = Field(sa_type=enum_type(Lymphodepletion))
    dose_car_positive_cells: float = Field(gt=0, le=1e10)
    weight_kg: float | None = Field(default=None, gt=0, le=300)
    dose_per_kg: float | None = Field(default=None, gt=0)


class LotLink(SQLModel):
    """Link an already recorded manufacturing lot to an episode."""

    episode_id: int
    lot_id: int


class NotInfusedCreate(SQLModel):
    """An apheresed patient who never received the product, and why."""

    episode_id: int
    reason: NotInfusedReason = Field(sa_type=enum_type(NotInfusedReason))
    decision_date: date
    bridging: Bridging | None = Field(default=None, sa_type=enum_type(Bridging))


class TreatmentEpisodeRead(ReadMixin, TreatmentEpisodeBase):
    """An episode as services return it."""

    patient_id: int
    site_id: int
    episode_number: int
    lot_id: int | None
    bridging: Bridging | None = Field(sa_type=enum_type(Bridging))
    lymphodepletion: Lymphodepletion | None = Field(sa_type=enum_type(Lymphodepletion))
    infusion_date: date | None
    dose_car_positive_cells: float | None
    dose_per_kg: float | None
    weight_kg: float | None
    not_infused_reason: NotInfusedReason | None = Field(sa_type=enum_type(NotInfusedReason))
    not_infused_date: date | None
