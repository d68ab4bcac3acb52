"""Sites: the hospitals that refer, treat and follow up patients."""

from __future__ import annotations

from sqlmodel import Field, SQLModel

from registry.models.base import ReadMixin, TableMixin


class SiteBase(SQLModel):
    code: str = Field(
        min_length=3,
        max_length=16,
        schema_extra={"pattern": r"^[A-Z]{3}-\d{2}$"},
        unique=True,
        index=True,
    )
    name: str = Field(min_length=1, max_length=200)
    city: str = Field(min_length=1, max_length=100)
    region: str = Field(min_length=1, max_length=100)
    is_treating_centre: bool = False


class Site(TableMixin, SiteBase, table=True):
    """A hospital; every clinical row carries its site_id."""


class SiteCreate(SiteBase):
    """What a data manager enters to add a site."""


class SiteRead(ReadMixin, SiteBase):
    """A site as services return it."""
