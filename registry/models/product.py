"""CAR-T products and the manufacturing lots made of them (chain of identity)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Field, SQLModel

from registry.models.base import ReadMixin, TableMixin, enum_type
from registry.models.enums import ProductOrigin, QcResult


class ProductBase(SQLModel):
    code: str = Field(min_length=2, max_length=32, unique=True, index=True)
    name: str = Field(max_length=200)
    manufacturer: str = Field(max_length=200)
    origin: ProductOrigin = Field(sa_type=enum_type(ProductOrigin))
    costimulatory_domain: str = Field(default="4-1BB", max_length=32)
    list_price: float = Field(ge=0)
    currency: str = Field(default="RUB", min_length=3, max_length=3)
    price_effective_date: date
    dose_min_cells: float | None = Field(default=None, gt=0)  # CAR+ cells per dose
    dose_max_cells: float | None = Field(default=None, gt=0)
    is_scenario: bool = False  # True where price/efficacy are assumptions, not published


class Product(TableMixin, ProductBase, table=True):
    """A CAR-T product: the domestic NMRC anti-CD19 or Kymriah."""


class ProductRead(ReadMixin, ProductBase):
    """A product as services return it."""


class ManufacturingLotBase(SQLModel):
    lot_number: str = Field(min_length=1, max_length=64, unique=True, index=True)
    product_id: int = Field(foreign_key="product.id")
    manufacturing_site: str = Field(min_length=1, max_length=200)
    start_date: date
    release_date: date | None = None
    viability_pct: float | None = Field(default=None, ge=0, le=100)
    transduction_pct: float | None = Field(default=None, ge=0, le=100)
    vcn_per_cell: float | None = Field(default=None, ge=0, le=50)
    car_positive_cells: float | None = Field(default=None, gt=0)
    sterility: QcResult | None = Field(default=None, sa_type=enum_type(QcResult))
    endotoxin: QcResult | None = Field(default=None, sa_type=enum_type(QcResult))
    mycoplasma: QcResult | None = Field(default=None, sa_type=enum_type(QcResult))
    out_of_specification: bool = False
    manufacturing_failed: bool = False


class ManufacturingLot(TableMixin, ManufacturingLotBase, table=True):
    """One manufactured lot with its QC results; an episode points to it."""


class ManufacturingLotCreate(ManufacturingLotBase):
    """A lot as entered with its QC, for the treatment episode it was made for."""

    episode_id: int


class ManufacturingLotRead(ReadMixin, ManufacturingLotBase):
    """A lot as services return it."""
