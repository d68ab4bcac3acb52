"""The scenario of the synthetic cohort: ``seed_data/synthetic_scenario.csv``, read and checked.

One row per product and indication holds every outcome and process parameter of the generator
(`SCENARIO_COLUMNS` says what each column means), so an economist can change the scenario
without touching code.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Final

import pandas as pd

from registry.synthetic.constants import SEED_DATA_DIR

SCENARIO_COLUMNS: Final[dict[str, str]] = {
    "product_code": "product code as in products.csv",
    "indication": "indication code (B-ALL, LBCL, FL, MCL, CLL)",
    "basis": "where the numbers come from; SCENARIO rows are assumptions, not observations",
    "available_from": "first apheresis date on which the product can be chosen (ISO date)",
    "uptake_max_share": "share of new patients given this product once fully adopted; the "
    "first product in products.csv takes whatever the others leave",
    "uptake_ramp_months": "months from available_from to uptake_max_share (linear)",
    "apheresis_to_start_days_min": "days from apheresis to manufacturing start, minimum",
    "apheresis_to_start_days_max": "days from apheresis to manufacturing start, maximum",
    "manufacturing_days_median": "manufacturing turnaround (start to release), median days",
    "manufacturing_days_cv": "coefficient of variation of the (log-normal) turnaround",
    "release_to_infusion_days_min": "days from release to infusion, minimum",
    "release_to_infusion_days_max": "days from release to infusion, maximum",
    "manufacturing_failure_prob": "probability that the lot fails (never released, not infused)",
    "out_of_spec_prob": "probability that the lot is out of specification",
    "out_of_spec_infused_share": "share of out-of-specification lots infused anyway",
    "dropout_prob": "probability of leaving before infusion for a clinical reason",
    "dropout_death_share": "share of drop-outs due to death",
    "dropout_progression_share": "share of drop-outs due to progression (rest: decision)",
    "bridging_prob": "probability of bridging therapy between apheresis and infusion",
    "response_prob": "best response by D100: CR/CRi (B-ALL, all by day 28) or CR+PR (ORR, "
    "lymphoma/CLL)",
    "cr_prob": "best response CR (not CRi) by D100 among all infused",
    "cure_fraction_efs": "share of infused never relapsing/progressing (EFS/PFS plateau)",
    "cure_fraction_os": "share of infused never dying of disease (OS plateau); >= efs",
    "efs_shape": "Weibull shape of time to relapse/progression of the uncured (from infusion; "
    "B-ALL responders: conditional on surviving day 28 in remission)",
    "efs_scale_months": "Weibull scale (months) of that time",
    "death_after_event_shape": "Weibull shape of time from relapse, progression, non-response "
    "or non-infusion to death, for those not salvaged",
    "death_after_event_scale_months": "Weibull scale (months) of that time",
    "nrm_prob": "probability of non-relapse death (infection, other)",
    "nrm_mean_months": "mean time (months, exponential after day 10) to non-relapse death",
    "crs_any_prob": "CRS of any grade (ASTCT 2019)",
    "crs_grade3plus_prob": "CRS grade >= 3 among all infused",
    "icans_any_prob": "ICANS of any grade (ASTCT 2019)",
    "icans_grade3plus_prob": "ICANS grade >= 3 among all infused",
    "toxic_death_prob_grade4": "probability that a grade-4 CRS or ICANS is fatal (grade 5)",
    "infection_prob": "infection within 3 months (CTCAE v5)",
    "cytopenia_prob": "prolonged cytopenia (CTCAE v5 grade >= 3)",
    "allo_hsct_prob": "allo-HSCT after CAR-T among responders still in remission",
    "mrd_negative_prob": "MRD-negative among B-ALL responders",
    "b_cell_aplasia_prob": "B-cell aplasia among responders",
    "ivig_prob": "immunoglobulin replacement among patients with B-cell aplasia",
}
"""Columns of ``synthetic_scenario.csv`` and what each means."""

_NUMERIC_COLUMNS: Final = tuple(SCENARIO_COLUMNS)[5:]
_PROB_COLUMNS: Final = tuple(c for c in _NUMERIC_COLUMNS if c.endswith(("_prob", "_share")))


def read_seed_csv(path: Path) -> pd.DataFrame:
    """A seed-data CSV with every value as text (empty cells stay empty strings)."""
    return pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")


def load_scenario(path: Path | None = None) -> pd.DataFrame:
    """Read and check the synthetic-cohort scenario table.

    Parameters
    ----------
    path : pathlib.Path, optional
        A CSV with the columns of `SCENARIO_COLUMNS`; default
        ``seed_data/synthetic_scenario.csv``.

    Returns
    -------
    pandas.DataFrame
        One row per product and indication; numeric columns as float, ``available_from`` as
        `datetime.date`.

    Raises
    ------
    ValueError
        If a column is missing, a value is not a number, a probability is outside [0, 1], a
        shape or scale is not positive, or the cure fractions are inconsistent; the message
        names the row and column.
    """
    path = SEED_DATA_DIR / "synthetic_scenario.csv" if path is None else Path(path)
    raw = read_seed_csv(path)
    missing = [c for c in SCENARIO_COLUMNS if c not in raw.columns]
    if missing:
        raise ValueError(f"{path}: missing columns {missing}; see SCENARIO_COLUMNS")
    table = raw[list(SCENARIO_COLUMNS)].copy()
    for column in _NUMERIC_COLUMNS:
        try:
            table[column] = table[column].astype(float)
        except ValueError as exc:
            raise ValueError(f"{path}: column {column!r} must be numeric ({exc})") from None
    table["available_from"] = [date.fromisoformat(v) for v in raw["available_from"]]
    for i, row in table.iterrows():
        where = f"{path.name} row {i} ({row['product_code']}, {row['indication']})"
        for column in _PROB_COLUMNS:
            if not 0.0 <= row[column] <= 1.0:
                raise ValueError(f"{where}: {column}={row[column]!r} is not a probability")
        for column in ("efs_shape", "efs_scale_months", "death_after_event_shape",
                       "death_after_event_scale_months", "manufacturing_days_median"):
            if not row[column] > 0:
                raise ValueError(f"{where}: {column}={row[column]!r} must be positive")
        if not row["cure_fraction_efs"] <= row["cure_fraction_os"]:
            raise ValueError(f"{where}: cure_fraction_efs must not exceed cure_fraction_os")
        if not row["cure_fraction_efs"] < row["response_prob"]:
            raise ValueError(f"{where}: cure_fraction_efs must be below response_prob")
        if not row["cr_prob"] <= row["response_prob"]:
            raise ValueError(f"{where}: cr_prob must not exceed response_prob")
        for low, high in (("apheresis_to_start_days_min", "apheresis_to_start_days_max"),
                          ("release_to_infusion_days_min", "release_to_infusion_days_max")):
            if not 0 <= row[low] <= row[high]:
                raise ValueError(f"{where}: need 0 <= {low} <= {high}")
    return table
