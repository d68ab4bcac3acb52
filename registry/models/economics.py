"""Resource use, unit costs and outcome-based agreements (DESIGN.md sections 5 and 7)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from registry.models.base import ReadMixin, TableMixin, enum_type
from registry.models.enums import ResourceItem


class ResourceUseBase(SQLModel):
    episode_id: int = Field(foreign_key="treatmentepisode.id", index=True)
    item: ResourceItem = Field(sa_type=enum_type(ResourceItem))
    quantity: float = Field(ge=0)
    use_date: date


class ResourceUse(TableMixin, ResourceUseBase, table=True):
    """A quantity of one resource used in an episode on a date."""

    site_id: int = Field(foreign_key="site.id", index=True)


class ResourceUseRead(ReadMixin, ResourceUseBase):
    site_id: int


class UnitCostBase(SQLModel):
    item: ResourceItem = Field(sa_type=enum_type(ResourceItem))
    value: float = Field(ge=0)
    currency: str = Field(default="RUB", min_length=3, max_length=3)
    price_year: int = Field(ge=2000, le=2100)
    source: str = Field(max_length=500)
    scenario: str = Field(default="base", max_length=64)
    valid_from: date


class UnitCost(TableMixin, UnitCostBase, table=True):
    """The price of one resource item under a named scenario."""


class UnitCostRead(ReadMixin, UnitCostBase):
    pass


class OutcomeAgreementBase(SQLModel):
    product_id: int = Field(foreign_key="product.id")
    name: str = Field(max_length=200)
    # [{"milestone": "CR at M18", "share": 0.48, "kind": "payment"}, ...]
    milestones: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON))
    source: str | None = Field(default=None, max_length=500)


class OutcomeAgreement(TableMixin, OutcomeAgreementBase, table=True):
    """A financial guarantee: shares of the price paid or refunded at outcome milestones."""


class OutcomeAgreementRead(ReadMixin, OutcomeAgreementBase):
    pass
