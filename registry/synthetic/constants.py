"""Constants shared by the generator's modules: data folder, calendar, horizons, indications.

Constants that belong to one step (site enrolment weights, form completeness, centre effects,
covariate distributions) live in the module of that step.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Final

SEED_DATA_DIR: Final = Path(__file__).resolve().parents[2] / "seed_data"
DEFAULT_AS_OF: Final = date(2026, 11, 1)
COHORT_START: Final = date(2022, 1, 1)
"""First possible apheresis date (the imported product's first infusions follow it)."""

DAYS_PER_MONTH: Final = 365.25 / 12
HORIZON_DAYS: Final = 5475 + 60
"""Truth horizon for costs: the close of the Y15 window, days from the time origin."""

MAX_CHAIN_DAYS: Final = 150
"""A product is offered only when its availability date is this far before ``as_of``."""

INDICATIONS: Final = ("B-ALL", "LBCL", "FL", "MCL", "CLL")
"""Indication codes; in the generator's arrays an indication is its index here (0 is B-ALL)."""
