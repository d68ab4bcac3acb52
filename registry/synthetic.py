"""Deterministic synthetic cohort of CAR-T patients, with the uncensored truth beside it.

Why this module exists
----------------------
The registry has no real patients in development, demos, benchmarks or tests, yet every part of
it (forms, follow-up completeness, survival, costs, cost-effectiveness, centre comparison) needs
data with the shape and the flaws of a real multi-site registry: unequal enrolment, patients
never infused, late and missing forms, patients lost to follow-up, administrative censoring.
`generate_cohort` builds such a cohort as DataFrames whose columns are the table models' field
names (so `registry.seed` can bulk-insert them), together with a `truth` frame holding what
really happened to every patient before censoring. Estimators are tested against the truth: a
Kaplan-Meier curve computed from the observed frames must land on the truth, and a censoring-
adjusted mean cost (Lin 1997, Bang-Tsiatis 2000) must land on the true mean cost.

The outcome model is a mixture-cure model per product and indication, calibrated for the
imported product (tisagenlecleucel) to ELIANA (B-ALL) and JULIET (large B-cell lymphoma); the
domestic product has no published efficacy, so its parameters are a stated SCENARIO. All outcome
and process parameters are read from ``seed_data/synthetic_scenario.csv`` (one row per product and
indication, documented in `SCENARIO_COLUMNS`), so an economist can change the scenario without
touching code. Structural choices that are not economic parameters (indication mix, site sizes,
follow-up completeness per site, covariate distributions) are module constants below.

Model, per patient
------------------
- Apheresis date on a growing enrolment curve from 2022-01-01; the domestic product may be chosen
  from its ``available_from`` date with a share rising linearly to ``uptake_max_share``.
- Manufacturing chain: apheresis -> lot start -> release -> infusion; or not infused (drop-out
  for death, progression or patient decision; manufacturing failure; out-of-specification lot,
  some of which are infused anyway).
- Infused: a uniform draw places the patient among the cured (``cure_fraction_efs``: never
  relapses), the uncured responders (relapse/progression at a Weibull time) and, for B-ALL, the
  non-responders (event at day 28). After relapse, progression or non-response a patient is
  salvaged (never dies of disease) with the probability that makes the overall cure of death
  ``cure_fraction_os``, and otherwise dies a Weibull time after the event. Non-relapse mortality,
  fatal grade-4 CRS/ICANS and Gompertz background mortality compete with it. Baseline LDH, ECOG,
  prior lines and the site shift the cure fractions (normalised to keep their mean).
- CRS and ICANS are drawn with grades and then with ASTCT 2019 signs that give exactly that
  grade (``registry.grading`` recomputes it); a fatal event (grade 5) also carries
  ``"fatal": True``. ICE is recorded at every age (CAPD for children under 12 is not simulated).
  Infections and prolonged cytopenias are CTCAE-graded, without signs.
- Follow-up forms follow ``seed_data/schedule.csv``: assessed near the target day, some late (the
  comment says by how much), some missing, some patients lost to follow-up (their last form says
  so); nothing is dated after death or after ``as_of``. A death after day 35 is learnt at the
  latest when the next scheduled form falls due, so deaths and survivors (censored at their last
  form) are observed over the same follow-up and Kaplan-Meier curves from the observed frames
  are unbiased. Never-infused patients have no forms; their deaths are reported as they happen.
- Resource use (ward and ICU days, drugs, visits, transplant, palliative care) is derived from
  the same history; the truth's cost is its sum over the uncensored history, the observed
  ``resource_use`` is the part dated up to the last contact.

Everything is vectorised with numpy; a single `numpy.random.Generator` seeded by ``seed`` drives
every draw, so the same seed gives byte-identical frames (`cohort_digest`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pandas as pd

__all__ = [
    "FRAME_NAMES",
    "SCENARIO_COLUMNS",
    "SyntheticCohort",
    "cohort_digest",
    "cohort_frames",
    "generate_cohort",
    "load_scenario",
    "snils_check_digits",
]

Array = npt.NDArray[Any]
Arrays = dict[str, Array]

SEED_DATA_DIR: Final = Path(__file__).resolve().parent.parent / "seed_data"
DEFAULT_AS_OF: Final = date(2026, 11, 1)
COHORT_START: Final = date(2022, 1, 1)
"""First possible apheresis date (the imported product's first infusions follow it)."""

DAYS_PER_MONTH: Final = 365.25 / 12
HORIZON_DAYS: Final = 5475 + 60
"""Truth horizon for costs: the close of the Y15 window, days from the time origin."""

MAX_CHAIN_DAYS: Final = 150
"""A product is offered only when its availability date is this far before ``as_of``."""

# ---- structural constants (not economic parameters; see module docstring) --------------------

INDICATIONS: Final = ("B-ALL", "LBCL", "FL", "MCL", "CLL")
INDICATION_MIX: Final = (0.30, 0.55, 0.06, 0.05, 0.04)

SITE_ENROLMENT_WEIGHT: Final[dict[str, float]] = {
    "MOW-01": 0.28, "SPB-01": 0.16, "NSK-01": 0.09, "EKB-01": 0.08, "KZN-01": 0.07,
    "NNV-01": 0.06, "SAM-01": 0.05, "ROV-01": 0.05, "KRS-01": 0.04, "OMS-01": 0.04,
    "CHE-01": 0.04, "KHB-01": 0.04,
}
"""Share of enrolment per site code; a site missing here gets the mean weight."""

SITE_FORM_MISSING_MULTIPLIER: Final[dict[str, float]] = {
    "ROV-01": 3.0, "KHB-01": 3.5, "OMS-01": 2.0,
}
"""Sites with poorer follow-up completeness (the others 1.0): some fall below 90%."""

SITE_OUTCOME_MULTIPLIER: Final[dict[str, float]] = {"SAM-01": 0.8, "CHE-01": 0.85, "SPB-01": 1.08}
"""Centre effect on the cure fractions (the others 1.0), for observed-vs-expected analyses."""

ENROLMENT_GROWTH: Final = 3.0
"""Enrolment intensity at ``as_of`` relative to 2022-01-01 (linear in between)."""

FORM_MISSING_PROB: Final[dict[str, float]] = {
    "D28": 0.02, "D100": 0.03, "M6": 0.04, "M12": 0.05, "M18": 0.06, "M24": 0.07,
    "Y3": 0.08, "Y4": 0.09, "Y5": 0.10,
}
"""Probability that a scheduled form is never received; 0.12 for later (questionnaire) years."""

LOSS_PROB: Final[dict[str, float]] = {
    "D28": 0.0, "D100": 0.008, "M6": 0.01, "M12": 0.012, "M18": 0.015, "M24": 0.02,
}
"""Probability that a received form is the last one (lost to follow-up); 0.025 later."""

LATE_FORM_PROB: Final = 0.03
"""Share of received forms assessed after their window closed (comment says by how much)."""

IN_HOSPITAL_DAYS: Final = 35
"""Deaths up to this day after infusion are known at once (the patient is still in care)."""

_AGE: Final[dict[str, tuple[float, float, float, float]]] = {
    # mean, sd, min, max (years at apheresis) for the adult indications
    "LBCL": (59.0, 11.0, 19.0, 82.0), "FL": (58.0, 10.0, 30.0, 80.0),
    "MCL": (65.0, 8.0, 40.0, 82.0), "CLL": (64.0, 9.0, 35.0, 82.0),
}
_MALE: Final = (0.57, 0.58, 0.52, 0.75, 0.65)
_YEARS_SINCE_DIAGNOSIS: Final = ((0.8, 5.0), (0.5, 4.0), (3.0, 12.0), (1.5, 7.0), (4.0, 14.0))
_PRIOR_LINES: Final = ((1, 3, 0.40), (2, 3, 0.30), (2, 4, 0.35), (2, 3, 0.35), (2, 4, 0.40))
_PRIOR_AUTO: Final = (0.0, 0.25, 0.15, 0.30, 0.0)
_PRIOR_ALLO: Final = (0.45, 0.02, 0.02, 0.05, 0.05)
_LDH_HIGH: Final = (0.45, 0.55, 0.30, 0.45, 0.35)
_BULKY: Final = (np.nan, 0.25, 0.15, 0.20, 0.15)
_ECOG_P: Final = ((0.45, 0.42, 0.11, 0.02), (0.35, 0.50, 0.13, 0.02))  # B-ALL, lymphoma

_MANUFACTURING_SITE: Final[dict[str, str]] = {
    "imported": "Novartis central manufacturing facility (abroad)",
    "domestic": "NMRC for Hematology cleanroom, Moscow (point of care)",
}

# ---- scenario table ---------------------------------------------------------------------------

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

FRAME_NAMES: Final = (
    "sites", "products", "lots", "patients", "episodes", "followups", "adverse_events",
    "deaths", "resource_use", "truth",
)


@dataclass(frozen=True)
class SyntheticCohort:
    """A synthetic registry: one DataFrame per table, plus the uncensored truth.

    Attributes
    ----------
    sites, products, lots, patients, episodes, followups, adverse_events, deaths, resource_use :
        pandas.DataFrame
        One row per table row; ``id`` first, then the table model's field names. Dates are
        `datetime.date` objects (object dtype), missing values of non-float columns are None.
        ``patients.national_insurance_number`` is a valid SNILS (to be hashed, never stored);
        ``products.source`` is the citation column of products.csv (not a table column).
    truth : pandas.DataFrame
        One row per episode: what happened had nothing been censored (see `generate_cohort`).
    as_of : datetime.date
        The data cut: nothing in the observed frames is dated after it.
    """

    sites: pd.DataFrame
    products: pd.DataFrame
    lots: pd.DataFrame
    patients: pd.DataFrame
    episodes: pd.DataFrame
    followups: pd.DataFrame
    adverse_events: pd.DataFrame
    deaths: pd.DataFrame
    resource_use: pd.DataFrame
    truth: pd.DataFrame
    as_of: date


# ---- small helpers ----------------------------------------------------------------------------

_EPOCH: Final = date(1970, 1, 1)


def _day(value: date) -> int:
    return (value - _EPOCH).days


def _dates(days: Array, valid: Array | None = None) -> Array:
    """Integer days since 1970-01-01 -> object array of `datetime.date` (None where invalid)."""
    if valid is None:
        return np.asarray(days, dtype=np.int64).astype("datetime64[D]").astype(object)
    safe = np.where(valid, days, 0).astype(np.int64)
    out = safe.astype("datetime64[D]").astype(object)
    out[~np.asarray(valid, dtype=bool)] = None
    return out


def _frame(columns: dict[str, Array]) -> pd.DataFrame:
    """A DataFrame keeping object columns as object (pandas >= 3 infers ``str`` for strings,
    which would turn None into NaN)."""
    return pd.DataFrame({
        name: pd.Series(values, dtype=object) if np.asarray(values).dtype == object else values
        for name, values in columns.items()
    })


def _obj(values: Array, valid: Array | None = None) -> Array:
    """Object array of Python scalars (str/int/bool) with None where not valid."""
    out = np.asarray(values).astype(object)
    if valid is not None:
        out[~np.asarray(valid, dtype=bool)] = None
    return out


def _weibull(rng: np.random.Generator, shape: Array, scale: Array) -> Array:
    return np.asarray(scale * rng.weibull(1.0, shape.shape) ** (1.0 / shape), dtype=float)


def _first_in_group(mask: Array, group: Array) -> Array:
    """True at the first True of `mask` within each run of equal `group` values (sorted)."""
    if mask.size == 0:
        return mask.astype(bool)
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]])
    sizes = np.diff(np.r_[starts, mask.size])
    running = np.cumsum(mask)
    before = np.repeat((running - mask)[starts], sizes)
    return np.asarray(mask & (running - before == 1), dtype=bool)


def _choice(rng: np.random.Generator, probs: Array) -> Array:
    """Row-wise categorical draw: probs has shape (n, k), rows summing to 1."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random((probs.shape[0], 1))
    return np.asarray(np.minimum((u >= cum).sum(axis=1), probs.shape[1] - 1), dtype=np.int64)


# ---- SNILS ------------------------------------------------------------------------------------


def snils_check_digits(first9: str) -> str:
    """The two-digit control number of a SNILS (Russian national insurance number).

    The first nine digits are weighted 9, 8, ..., 1 and summed; a sum below 100 is the control
    number itself, 100 and 101 give ``"00"``, and larger sums are taken modulo 101 (a remainder
    of 100 again giving ``"00"``).

    Parameters
    ----------
    first9 : str
        The first nine digits.

    Returns
    -------
    str
        Two digits.

    Raises
    ------
    ValueError
        If `first9` is not nine digits.

    Examples
    --------
    >>> snils_check_digits("112233445")
    '95'
    """
    if len(first9) != 9 or not first9.isdigit():
        raise ValueError(f"first9={first9!r}: expected the first nine digits of a SNILS")
    total = sum(int(d) * w for d, w in zip(first9, range(9, 0, -1), strict=True))
    return f"{int(_check_numbers(np.array([total]))[0]):02d}"


def _check_numbers(total: Array) -> Array:
    check = np.where(total < 100, total, np.where(total <= 101, 0, total % 101))
    return np.where(check == 100, 0, check)


def _draw_snils(rng: np.random.Generator, n: int) -> Array:
    """`n` distinct valid SNILS (plain 11 digits) above 001-001-998."""
    chosen = np.empty(0, dtype=np.int64)
    while chosen.size < n:
        extra = rng.integers(1_001_999, 1_000_000_000, size=n - chosen.size + 16)
        pool = np.concatenate([chosen, extra])
        _, first = np.unique(pool, return_index=True)
        chosen = pool[np.sort(first)][:n]
    digits = (chosen[:, None] // 10 ** np.arange(8, -1, -1)) % 10
    check = _check_numbers(digits @ np.arange(9, 0, -1))
    text = np.char.add(np.char.mod("%09d", chosen), np.char.mod("%02d", check))
    return text.astype(object)


# ---- reference data ---------------------------------------------------------------------------


def _read_csv(path: Path) -> pd.DataFrame:
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
    raw = _read_csv(path)
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


@dataclass(frozen=True)
class _Reference:
    sites: pd.DataFrame
    products: pd.DataFrame
    unit_costs: dict[str, float]
    schedule: pd.DataFrame
    scenario: pd.DataFrame
    combo: Array  # (n_products, n_indications) -> scenario row

    def param(self, name: str, row: Array) -> Array:
        return np.asarray(self.scenario[name].to_numpy(dtype=float)[row], dtype=float)


def _load_reference(scenario_path: Path | None) -> _Reference:
    sites = _read_csv(SEED_DATA_DIR / "sites.csv")
    products = _read_csv(SEED_DATA_DIR / "products.csv")
    costs = _read_csv(SEED_DATA_DIR / "unit_costs.csv")
    base = costs[costs["scenario"] == "base"]
    unit_costs = dict(zip(base["item"], base["value"].astype(float), strict=True))
    schedule = _read_csv(SEED_DATA_DIR / "schedule.csv")
    scenario = load_scenario(scenario_path)
    combo = np.full((len(products), len(INDICATIONS)), -1, dtype=np.int64)
    for i, row in scenario.reset_index(drop=True).iterrows():
        p = np.flatnonzero(products["code"].to_numpy() == row["product_code"])
        if p.size and row["indication"] in INDICATIONS:
            combo[p[0], INDICATIONS.index(row["indication"])] = int(str(i))
    if (combo < 0).any():
        gaps = [(products["code"].iloc[p], INDICATIONS[k]) for p, k in np.argwhere(combo < 0)]
        raise ValueError(f"synthetic scenario has no row for {gaps}; add one per product and "
                         "indication")
    return _Reference(sites, products, unit_costs, schedule, scenario.reset_index(drop=True),
                      combo)


# ---- 1. enrolment, product and manufacturing chain ---------------------------------------------


def _growth_quantile(u: Array, growth: float) -> Array:
    """Inverse CDF on [0, 1] of a density rising linearly from 1 to `growth`."""
    a = (growth - 1.0) / 2.0
    if abs(a) < 1e-12:
        return u
    return np.asarray((-1.0 + np.sqrt(1.0 + 4.0 * a * u * (1.0 + a))) / (2.0 * a), dtype=float)


def _draw_chain(rng: np.random.Generator, n: int, ref: _Reference, as_of: date) -> Arrays:
    end = _day(as_of)
    start = _day(COHORT_START)
    codes = ref.sites["code"].tolist()
    mean_w = float(np.mean(list(SITE_ENROLMENT_WEIGHT.values())))
    site_w = np.array([SITE_ENROLMENT_WEIGHT.get(c, mean_w) for c in codes])
    ind = rng.choice(len(INDICATIONS), size=n, p=np.array(INDICATION_MIX) / sum(INDICATION_MIX))
    site = rng.choice(len(codes), size=n, p=site_w / site_w.sum())
    q = _growth_quantile(rng.random(n), ENROLMENT_GROWTH)
    a0 = start + np.floor(q * (end - 30 - start)).astype(np.int64)

    # product: each later product's share ramps up from its availability; the first takes the rest
    n_prod = len(ref.products)
    weights = np.zeros((n, n_prod))
    avail_day = np.zeros((n, n_prod), dtype=np.int64)
    for p in range(n_prod):
        row = ref.combo[p, ind]
        avail = np.array([_day(ref.scenario["available_from"].iloc[r]) for r in range(
            len(ref.scenario))], dtype=np.int64)[row]
        avail_day[:, p] = avail
        if p == 0:
            continue
        ramp = np.maximum(ref.param("uptake_ramp_months", row) * DAYS_PER_MONTH, 1.0)
        share = ref.param("uptake_max_share", row) * np.clip((a0 - avail) / ramp, 0.0, 1.0)
        offered = (a0 >= avail) & (avail <= end - MAX_CHAIN_DAYS)
        weights[:, p] = np.where(offered, share, 0.0)
    weights[:, 0] = np.maximum(1.0 - weights[:, 1:].sum(axis=1), 0.0)
    prod = _choice(rng, weights / weights.sum(axis=1, keepdims=True))
    row = ref.combo[prod, ind]

    def par(name: str) -> Array:
        return ref.param(name, row)

    a2s = rng.integers(par("apheresis_to_start_days_min").astype(np.int64),
                       par("apheresis_to_start_days_max").astype(np.int64) + 1)
    median = par("manufacturing_days_median")
    sigma = np.sqrt(np.log1p(par("manufacturing_days_cv") ** 2))
    manuf = np.clip(np.rint(median * np.exp(rng.normal(0.0, 1.0, n) * sigma)), 5,
                    np.ceil(2.0 * median)).astype(np.int64)
    r2i = rng.integers(par("release_to_infusion_days_min").astype(np.int64),
                       par("release_to_infusion_days_max").astype(np.int64) + 1)
    u = rng.random(n)
    p_mf, p_oos, p_drop = (par("manufacturing_failure_prob"), par("out_of_spec_prob"),
                           par("dropout_prob"))
    failed = u < p_mf
    oos = ~failed & (u < p_mf + p_oos)
    oos_infused = oos & (rng.random(n) < par("out_of_spec_infused_share"))
    dropout = ~failed & ~oos & (u < p_mf + p_oos + p_drop)
    infused = ~failed & ~dropout & (~oos | oos_infused)
    v2v = a2s + manuf + r2i
    # reason codes follow NotInfusedReason: 1 death, 2 progression, 3 manufacturing failure,
    # 4 out of specification, 5 patient decision
    shares = np.stack([par("dropout_death_share"), par("dropout_progression_share")], axis=1)
    shares = np.column_stack([shares, np.clip(1.0 - shares.sum(axis=1), 0.0, 1.0)])
    drop_kind = np.array([1, 2, 5])[_choice(rng, shares / shares.sum(axis=1, keepdims=True))]
    reason = np.select([failed, oos & ~oos_infused, dropout], [3, 4, drop_kind], 0)
    ni_day = np.select(
        [failed, oos & ~oos_infused, dropout],
        [a2s + manuf + rng.integers(0, 5, n), a2s + manuf + rng.integers(1, 9, n),
         a2s + 1 + np.floor(rng.random(n) * np.maximum(v2v - a2s - 2, 1)).astype(np.int64)],
        0,
    )
    chain_end = np.where(infused, v2v, ni_day)
    own_avail = avail_day[np.arange(n), prod]
    apheresis = np.maximum(np.minimum(a0, end - chain_end), own_avail)
    if np.any(apheresis + chain_end > end):
        raise ValueError(f"as_of={as_of} leaves no time to manufacture and infuse; use a later "
                         "as_of or earlier available_from dates")
    order = np.lexsort((np.arange(n), apheresis))  # registration order follows apheresis
    out: Arrays = {
        "ind": ind, "site": site, "prod": prod, "row": row, "apheresis": apheresis,
        "a2s": a2s, "manuf": manuf, "r2i": r2i, "infused": infused, "failed": failed,
        "oos": oos, "reason": reason, "ni_day": ni_day, "v2v": v2v,
    }
    return {k: v[order] for k, v in out.items()}


# ---- 2. baseline characteristics, dose, lots ----------------------------------------------------


def _draw_baseline(rng: np.random.Generator, c: Arrays, ref: _Reference) -> None:
    n = c["ind"].size
    ind = c["ind"]
    ball = ind == 0
    year = c["apheresis"].astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    age = np.empty(n)
    young = 3.0 + 22.999 * rng.beta(1.4, 2.2, n)
    adult_all = 26.0 + 34.0 * rng.random(n)
    age_ball = np.where(rng.random(n) < 0.92, young, adult_all)
    mean = np.array([0.0] + [_AGE[k][0] for k in INDICATIONS[1:]])[ind]
    sd = np.array([1.0] + [_AGE[k][1] for k in INDICATIONS[1:]])[ind]
    lo = np.array([0.0] + [_AGE[k][2] for k in INDICATIONS[1:]])[ind]
    hi = np.array([1.0] + [_AGE[k][3] for k in INDICATIONS[1:]])[ind]
    age_adult = np.clip(rng.normal(mean, sd), lo, hi)
    age = np.where(ball, age_ball, age_adult)
    c["age"] = np.floor(age)
    c["birth_year"] = year - np.floor(age).astype(np.int64)
    male = rng.random(n) < np.array(_MALE)[ind]
    c["male"] = male
    child_w = (2.0 * age + 8.0) * np.exp(rng.normal(0.0, 0.15, n))
    adult_w = np.where(male, rng.normal(80.0, 14.0, n), rng.normal(68.0, 13.0, n))
    c["weight"] = np.round(np.clip(np.where(age < 18, child_w, adult_w), 10.0, 160.0), 1)
    consent = c["apheresis"] - rng.integers(3, 31, n)
    lo_y = np.array([y[0] for y in _YEARS_SINCE_DIAGNOSIS])[ind]
    hi_y = np.array([y[1] for y in _YEARS_SINCE_DIAGNOSIS])[ind]
    years = lo_y + (hi_y - lo_y) * rng.random(n)
    years = np.minimum(years, np.maximum(age - 1.0, 0.3))
    c["consent"] = consent
    c["diagnosis"] = consent - np.maximum(np.rint(years * 365.25), 60).astype(np.int64)
    base = np.array([p[0] for p in _PRIOR_LINES])[ind]
    trials = np.array([p[1] for p in _PRIOR_LINES])[ind]
    prob = np.array([p[2] for p in _PRIOR_LINES])[ind]
    c["prior_lines"] = base + rng.binomial(trials, prob)
    c["prior_auto"] = rng.random(n) < np.array(_PRIOR_AUTO)[ind]
    c["prior_allo"] = rng.random(n) < np.array(_PRIOR_ALLO)[ind]
    ecog_p = np.where(ball[:, None], np.array(_ECOG_P[0]), np.array(_ECOG_P[1]))
    c["ecog"] = _choice(rng, ecog_p)
    c["ldh"] = rng.random(n) < np.array(_LDH_HIGH)[ind]
    bulky_p = np.array(_BULKY)[ind]
    c["bulky"] = rng.random(n) < np.nan_to_num(bulky_p)
    c["bulky_known"] = ~np.isnan(bulky_p)
    c["blasts"] = np.where(ball, np.round(5.0 + 95.0 * rng.beta(1.6, 0.9, n), 1), np.nan)
    c["snils"] = _draw_snils(rng, n)

    # bridging (any episode) and lymphodepletion (infused)
    bridged = rng.random(n) < ref.param("bridging_prob", c["row"])
    kind = _choice(rng, np.tile([0.80, 0.12, 0.08], (n, 1)))
    c["bridging"] = np.where(bridged, np.array(["chemo", "radiotherapy", "other"])[kind], "none")
    ld_p = np.where(ball[:, None], np.array([0.97, 0.0, 0.03]), np.array([0.88, 0.10, 0.02]))
    c["lymphodepletion"] = np.array(["Flu/Cy", "Benda", "other"])[_choice(rng, ld_p)]

    # dose: weight-based for B-ALL <= 50 kg (kept >= 1e7 cells in total), flat otherwise
    w = c["weight"]
    per_kg_lo = np.maximum(0.2e6, 1e7 / w)
    per_kg = per_kg_lo + (5.0e6 - per_kg_lo) * rng.beta(2.0, 2.5, n)
    domestic = ref.products["origin"].to_numpy()[c["prod"]] == "domestic"
    flat_lo = np.where(ball, 0.1e8, np.where(domestic, 0.5e8, 0.6e8))
    flat_hi = np.where(ball, 2.5e8, np.where(domestic, 5.0e8, 6.0e8))
    flat = flat_lo + (flat_hi - flat_lo) * rng.beta(2.0, 2.0, n)
    by_weight = ball & (w <= 50.0)
    c["dose_per_kg"] = np.where(by_weight, np.round(per_kg / 1e4) * 1e4, np.nan)
    c["dose"] = np.where(by_weight, np.round(per_kg * w / 1e6) * 1e6, np.round(flat / 1e6) * 1e6)

    # QC of the lot
    released = c["infused"] | ((c["reason"] != 3) & (c["reason"] != 4)
                               & (c["a2s"] + c["manuf"] <= c["ni_day"]))
    c["released"] = released
    has_qc = released | c["failed"] | (c["reason"] == 4)
    sterility_fail = c["failed"] & (rng.random(n) < 0.15)
    viability = np.clip(rng.normal(91.0, 3.5, n), 80.5, 99.5)
    viability = np.where(c["oos"], 61.0 + 18.5 * rng.random(n), viability)
    viability = np.where(c["failed"] & ~sterility_fail, 35.0 + 44.0 * rng.random(n), viability)
    transduction = np.clip(rng.normal(27.0, 10.0, n), 6.0, 70.0)
    transduction = np.where(c["failed"] & ~sterility_fail, 1.0 + 7.0 * rng.random(n),
                            transduction)
    vcn = np.clip(np.exp(rng.normal(np.log(0.9), 0.5, n)), 0.1, 4.8)
    c["qc"] = has_qc
    c["viability"] = np.where(has_qc, np.round(viability, 1), np.nan)
    c["transduction"] = np.where(has_qc, np.round(transduction, 1), np.nan)
    c["vcn"] = np.where(has_qc, np.round(vcn, 2), np.nan)
    c["car_cells"] = np.where(has_qc & ~c["failed"], c["dose"], np.nan)
    c["sterility_fail"] = sterility_fail


# ---- 3. outcomes ------------------------------------------------------------------------------


def _gompertz_days(rng: np.random.Generator, age: Array) -> Array:
    """Background (non-cancer) survival from `age` in days; Gompertz fitted loosely to Russia."""
    alpha, beta = -9.3, 0.085  # hazard per year exp(alpha + beta * age): ~1.5%/year at 60
    h0 = np.exp(alpha + beta * age)
    years = np.log1p(-beta * np.log(rng.random(age.size)) / h0) / beta
    return np.asarray(np.ceil(years * 365.25), dtype=float)


def _draw_outcomes(rng: np.random.Generator, c: Arrays, ref: _Reference) -> None:
    n = c["ind"].size
    row = c["row"]

    def par(name: str) -> Array:
        return ref.param(name, row)

    ball = c["ind"] == 0
    infused = c["infused"]
    codes = ref.sites["code"].tolist()
    site_mult = np.array([SITE_OUTCOME_MULTIPLIER.get(s, 1.0) for s in codes])[c["site"]]
    w = np.exp(-0.25 * c["ldh"] - 0.35 * (c["ecog"] >= 2) - 0.15 * (c["prior_lines"] >= 4))
    w = w * site_mult
    for k in range(len(INDICATIONS)):
        sel = c["ind"] == k
        if sel.any():
            w[sel] /= w[sel].mean()
    resp_base = par("response_prob")
    pi_e = np.clip(par("cure_fraction_efs") * w, 0.0, resp_base - 0.005)
    pi_o = np.clip(par("cure_fraction_os") * w, pi_e, 0.99)
    u = rng.random(n)
    cured = infused & (u < pi_e)
    responder_all = ball & (u < resp_base)  # B-ALL remission by day 28 (includes the cured)
    nr_all = infused & ball & ~responder_all

    k_e = par("efs_shape")
    lam_e = par("efs_scale_months") * DAYS_PER_MONTH
    t0 = np.where(ball, 28.0, 0.0)
    t_rel = lam_e * ((t0 / lam_e) ** k_e - np.log(rng.random(n))) ** (1.0 / k_e)
    t_rel = np.maximum(np.ceil(t_rel), np.where(ball, 29.0, 7.0))
    relapse = np.where(infused & ~cured & ~nr_all, t_rel, np.inf)
    event = np.where(nr_all, 28.0, relapse)
    # never infused: the decision day is the (ITT) event; progression is a relapse
    event = np.where(infused, event, c["ni_day"].astype(float))
    relapse = np.where(~infused & (c["reason"] == 2), c["ni_day"].astype(float), relapse)

    s = np.where(pi_e < 1.0, (pi_o - pi_e) / (1.0 - pi_e), 0.0)
    salvaged = rng.random(n) < s
    post = np.maximum(np.ceil(_weibull(rng, par("death_after_event_shape"),
                                       par("death_after_event_scale_months") * DAYS_PER_MONTH)),
                      7.0)
    disease_death = np.where(np.isfinite(event) & ~salvaged, event + post, np.inf)
    disease_death = np.where(~infused & (c["reason"] == 1), c["ni_day"].astype(float),
                             disease_death)
    nrm = infused & (rng.random(n) < par("nrm_prob"))
    nrm_day = np.where(nrm, 10.0 + np.ceil(rng.exponential(1.0, n) * par("nrm_mean_months")
                                           * DAYS_PER_MONTH), np.inf)
    background = _gompertz_days(rng, c["age"] + 0.5)
    background = np.maximum(background, np.where(infused, 1.0, c["ni_day"] + 1.0))
    c["cured"] = cured
    c["responder_all"] = responder_all
    c["relapse"] = relapse
    c["event"] = event
    c["disease_death"] = disease_death
    c["nrm_day"] = nrm_day
    c["background"] = background
    c["pi_e"] = pi_e
    c["disease_cause"] = np.where(rng.random(n) < 0.96, "disease", "unknown")
    c["nrm_cause"] = np.where(rng.random(n) < 0.85, "infection", "other")


# ---- 4. adverse events --------------------------------------------------------------------------

_CRS_LEVEL_HYPO: Final = np.array(["none", "", "no_vasopressor", "one_vasopressor",
                                   "multiple_vasopressors"], dtype=object)
_CRS_LEVEL_OXY: Final = np.array(["none", "", "low_flow", "high_flow", "positive_pressure"],
                                 dtype=object)


def _secondary_level(rng: np.random.Generator, grade: Array) -> Array:
    """A domain level no worse than `grade`: 0 (none) half the time, else 2..grade."""
    span = np.maximum(grade - 1, 1)
    level = 2 + np.floor(rng.random(grade.size) * span).astype(np.int64)
    return np.where((rng.random(grade.size) < 0.5) | (grade < 2), 0, np.minimum(level, grade))


def _crs_signs(rng: np.random.Generator, grade: Array, fatal: Array) -> Array:
    """ASTCT 2019 CRS signs giving exactly `grade` (1-4; fatal events are grade 5)."""
    m = grade.size
    hypo_primary = rng.random(m) < 0.55
    secondary = _secondary_level(rng, grade)
    hypo = np.where(grade < 2, 0, np.where(hypo_primary, grade, secondary))
    oxy = np.where(grade < 2, 0, np.where(hypo_primary, secondary, grade))
    masked = (grade >= 2) & (rng.random(m) < 0.25)
    temp = np.where(masked, 368 + rng.integers(0, 16, m), 380 + rng.integers(0, 26, m)) / 10.0
    hypo_s, oxy_s = _CRS_LEVEL_HYPO[hypo], _CRS_LEVEL_OXY[oxy]
    out = np.empty(m, dtype=object)
    out[:] = [
        {"max_temperature_c": float(t), "fever_masked": bool(f), "hypotension": h, "oxygen": o}
        | ({"fatal": True} if d else {})
        for t, f, h, o, d in zip(temp.tolist(), masked.tolist(), hypo_s.tolist(),
                                 oxy_s.tolist(), fatal.tolist(), strict=True)
    ]
    return out


def _icans_signs(rng: np.random.Generator, grade: Array, fatal: Array) -> Array:
    """ASTCT 2019 ICANS signs giving exactly `grade` (1-4; fatal events are grade 5)."""
    m = grade.size
    # domain levels: ice grade, consciousness, seizure, motor, raised ICP (0 = normal)
    primary = np.select(
        [grade <= 1, grade == 2, grade == 3],
        [np.zeros(m, dtype=np.int64), rng.integers(0, 2, m), rng.integers(0, 4, m)],
        rng.integers(0, 4, m),
    )
    # grade 2: 0 ice 3-6, 1 awakens to voice; grade 3: 0 ice 0-2, 1 touch, 2 seizure, 3 focal
    # oedema; grade 4: 0 unarousable, 1 prolonged seizure, 2 deep motor weakness, 3 diffuse oedema
    ice_grade = np.where(grade == 1, 1, rng.integers(0, np.maximum(grade, 1) + 1, m))
    ice_grade = np.minimum(ice_grade, np.minimum(grade, 3))
    ice_grade = np.where((grade == 2) & (primary == 0), 2, ice_grade)
    ice_grade = np.where((grade == 3) & (primary == 0), 3, ice_grade)
    cons = np.minimum(rng.integers(0, np.maximum(grade, 1) + 1, m), np.minimum(grade, 3))
    cons = np.where(cons == 1, 0, cons)  # level 1 does not exist for consciousness
    cons = np.where((grade == 2) & (primary == 1), 2, cons)
    cons = np.where((grade == 3) & (primary == 1), 3, cons)
    cons = np.where((grade == 4) & (primary == 0), 4, cons)
    seizure = np.where((grade >= 3) & (rng.random(m) < 0.15), 3, 0)
    seizure = np.where((grade == 3) & (primary == 2), 3, seizure)
    seizure = np.where((grade == 4) & (primary == 1), 4, seizure)
    motor = np.where((grade == 4) & (primary == 2), 4, 0)
    icp = np.where((grade >= 3) & (rng.random(m) < 0.1), 3, 0)
    icp = np.where((grade == 3) & (primary == 3), 3, icp)
    icp = np.where((grade == 4) & (primary == 3), 4, icp)
    ice_by_grade = np.stack([
        np.full(m, 10), 7 + rng.integers(0, 3, m), 3 + rng.integers(0, 4, m),
        rng.integers(0, 3, m),
    ], axis=1)
    ice = ice_by_grade[np.arange(m), ice_grade]
    ice = np.where(cons == 4, 0, ice)  # unarousable: ICE cannot be performed, scored 0
    cons_s = np.array(["awake", "", "awakens_to_voice", "awakens_to_touch", "unarousable"],
                      dtype=object)[cons]
    seizure_s = np.array(["none", "", "", "rapid_resolving", "prolonged_or_repetitive"],
                         dtype=object)[seizure]
    motor_s = np.array(["none", "", "", "", "deep_focal_weakness"], dtype=object)[motor]
    icp_s = np.array(["none", "", "", "focal_oedema", "diffuse_oedema"], dtype=object)[icp]
    out = np.empty(m, dtype=object)
    out[:] = [
        {"ice": int(i), "consciousness": cs, "seizure": sz, "motor": mo, "raised_icp": ip}
        | ({"fatal": True} if d else {})
        for i, cs, sz, mo, ip, d in zip(ice.tolist(), cons_s.tolist(), seizure_s.tolist(),
                                        motor_s.tolist(), icp_s.tolist(), fatal.tolist(),
                                        strict=True)
    ]
    return out


def _draw_toxicity(rng: np.random.Generator, c: Arrays, ref: _Reference) -> Arrays:
    """CRS/ICANS/infection/cytopenia per infused patient; fixes the final death day and cause."""
    n = c["ind"].size
    row = c["row"]

    def par(name: str) -> Array:
        return ref.param(name, row)

    inf = c["infused"]

    def graded(p_any: Array, p_hi: Array, share4: float, share1: float) -> tuple[Array, Array]:
        has = inf & (rng.random(n) < p_any)
        hi = rng.random(n) < np.clip(p_hi / np.maximum(p_any, 1e-9), 0.0, 1.0)
        grade = np.where(hi, np.where(rng.random(n) < share4, 4, 3),
                         np.where(rng.random(n) < share1, 1, 2))
        return has, np.where(has, grade, 0)

    crs, crs_g = graded(par("crs_any_prob"), par("crs_grade3plus_prob"), 0.3, 0.55)
    crs_on = 1 + rng.binomial(9, 0.2, n)
    crs_dur = crs_g + 1 + rng.poisson(2 + crs_g)
    # ICANS is likelier with CRS grade >= 2, keeping its overall rate
    p_any = par("icans_any_prob")
    c2 = par("crs_any_prob") * (1.0 - (1.0 - par("crs_grade3plus_prob")
                                       / np.maximum(par("crs_any_prob"), 1e-9)) * 0.55)
    lift = np.where(crs_g >= 2, 1.5, np.clip((1.0 - 1.5 * c2) / np.maximum(1.0 - c2, 1e-9),
                                            0.0, None))
    scale = np.clip(p_any * lift, 0.0, 1.0) / np.maximum(p_any, 1e-9)
    icans, icans_g = graded(p_any * scale, par("icans_grade3plus_prob") * scale, 0.25, 0.5)
    icans_on = np.clip(np.where(crs, crs_on + rng.integers(1, 6, n), rng.integers(3, 10, n)),
                       1, 10)
    icans_dur = icans_g + rng.poisson(2 + icans_g)
    p_tox = par("toxic_death_prob_grade4")
    crs_tox = np.where((crs_g == 4) & (rng.random(n) < p_tox), crs_on + rng.integers(2, 13, n),
                       np.inf)
    icans_tox = np.where((icans_g == 4) & (rng.random(n) < p_tox),
                         icans_on + rng.integers(2, 13, n), np.inf)

    candidates = np.stack([c["disease_death"], c["nrm_day"], c["background"], crs_tox,
                           icans_tox], axis=1)
    which = np.argmin(candidates, axis=1)
    death = candidates[np.arange(n), which]
    cause = np.select(
        [which == 0, which == 1, which == 2, which == 3],
        [c["disease_cause"], c["nrm_cause"], np.full(n, "other"), np.full(n, "CRS")],
        "ICANS",
    )
    c["death"] = death
    c["cause"] = cause
    crs_fatal = which == 3
    icans_fatal = which == 4
    # a patient dead before an event never had it
    crs &= crs_on < death
    icans &= icans_on < death

    infection = inf & (rng.random(n) < par("infection_prob"))
    inf_on = 5 + np.floor(85.0 * rng.beta(1.0, 2.5, n)).astype(np.int64)
    infection &= inf_on < death
    inf_g = 1 + _choice(rng, np.tile([0.10, 0.35, 0.45, 0.10], (n, 1)))
    inf_dur = 5 + rng.integers(0, 16, n)
    nrm_inf = inf & (which == 1) & (cause == "infection")
    nrm_on = np.maximum(death - rng.integers(3, 15, n), 1)
    cyto = inf & (rng.random(n) < par("cytopenia_prob"))
    cyto_on = rng.integers(14, 36, n)
    cyto &= cyto_on < death
    cyto_g = np.where(rng.random(n) < 0.6, 3, 4)
    cyto_dur = rng.integers(14, 91, n)

    # treatments
    toci = np.select([crs_g == 1, crs_g == 2, crs_g == 3], [
        (rng.random(n) < 0.15).astype(np.int64), 1 + rng.binomial(1, 0.4, n),
        2 + rng.binomial(2, 0.4, n)], 2 + rng.binomial(2, 0.6, n))
    steroid_crs = rng.random(n) < np.array([0.0, 0.02, 0.25, 0.70, 0.95])[crs_g]
    steroid_icans = rng.random(n) < np.array([0.0, 0.10, 0.60, 0.95, 0.95])[icans_g]
    anakinra_crs = rng.random(n) < np.array([0.0, 0.0, 0.0, 0.05, 0.30])[crs_g]
    anakinra_icans = rng.random(n) < np.array([0.0, 0.0, 0.0, 0.05, 0.20])[icans_g]
    icu_crs = crs & ((crs_g == 4) | ((crs_g == 3) & (rng.random(n) < 0.6)))
    icu_icans = icans & ((icans_g == 4) | ((icans_g == 3) & (rng.random(n) < 0.5)))
    worst = np.maximum(np.where(icu_crs, crs_g, 0), np.where(icu_icans, icans_g, 0))
    icu_days = np.where(worst == 4, rng.integers(3, 11, n),
                        np.where(worst == 3, rng.integers(1, 6, n), 0))
    icu_on = np.where(icu_crs & icu_icans, np.minimum(crs_on, icans_on),
                      np.where(icu_crs, crs_on, icans_on))
    max_grade = np.maximum(np.where(crs, crs_g, 0), np.where(icans, icans_g, 0))
    los = np.clip(7 + rng.poisson(4, n) + 2 * max_grade, 5, 21)
    los = np.minimum(los, np.maximum(death, 1)).astype(np.int64)
    icu_days = np.minimum(icu_days, los)
    c["los"] = np.where(inf, los, 0)
    c["icu"] = np.where(inf, icu_days, 0)
    c["icu_on"] = icu_on
    c["infection_day"] = np.where(infection, inf_on, -1)

    def rows(mask: Array, kind: str, onset: Array, duration: Array, grade: Array,
             scale: str) -> Arrays:
        idx = np.flatnonzero(mask)
        return {"p": idx, "type": np.full(idx.size, kind, dtype=object), "onset": onset[idx],
                "end": (onset + duration)[idx].astype(float), "grade": grade[idx],
                "scale": np.full(idx.size, scale, dtype=object)}

    parts = [
        rows(crs, "CRS", crs_on, crs_dur, np.where(crs_fatal, 5, crs_g), "ASTCT2019"),
        rows(icans, "ICANS", icans_on, icans_dur, np.where(icans_fatal, 5, icans_g),
             "ASTCT2019"),
        rows(infection, "infection", inf_on, inf_dur, inf_g, "CTCAEv5"),
        rows(nrm_inf, "infection", nrm_on, np.zeros(n, dtype=np.int64), np.full(n, 5),
             "CTCAEv5"),
        rows(cyto, "cytopenia", cyto_on, cyto_dur, cyto_g, "CTCAEv5"),
    ]
    p_crs, p_icans = parts[0]["p"], parts[1]["p"]
    parts[0]["signs"] = _crs_signs(rng, crs_g[p_crs], crs_fatal[p_crs])
    parts[1]["signs"] = _icans_signs(rng, icans_g[p_icans], icans_fatal[p_icans])
    for part in parts[2:]:
        part["signs"] = np.full(part["p"].size, None, dtype=object)
    parts[0].update(toci=toci[p_crs], steroid=steroid_crs[p_crs], anakinra=anakinra_crs[p_crs],
                    icu=icu_crs[p_crs])
    parts[1].update(toci=np.zeros(p_icans.size, dtype=np.int64), steroid=steroid_icans[p_icans],
                    anakinra=anakinra_icans[p_icans], icu=icu_icans[p_icans])
    for part in parts[2:]:
        m = part["p"].size
        part.update(toci=np.zeros(m, dtype=np.int64), steroid=np.zeros(m, dtype=bool),
                    anakinra=np.zeros(m, dtype=bool), icu=np.zeros(m, dtype=bool))
    parts[3]["end"] = np.full(parts[3]["p"].size, np.inf)
    events = {k: np.concatenate([part[k] for part in parts]) for k in parts[0]}
    # fatal events do not resolve; nothing resolves on or after death
    events["end"] = np.where(events["grade"] == 5, np.inf, events["end"])
    events["end"] = np.where(events["end"] >= death[events["p"]], np.inf, events["end"])
    return events


# ---- 5. follow-up visits ------------------------------------------------------------------------


def _draw_visits(rng: np.random.Generator, c: Arrays, ref: _Reference, end: int) -> Arrays:
    """Scheduled visits of infused patients: when, whether they happen, whether observed."""
    n = c["ind"].size
    sched = ref.schedule
    k_n = len(sched)
    codes = ref.sites["code"].tolist()
    miss_mult = np.array([SITE_FORM_MISSING_MULTIPLIER.get(s, 1.0) for s in codes])[c["site"]]
    inf = c["infused"]
    day = np.zeros((n, k_n), dtype=np.int64)
    happens = np.zeros((n, k_n), dtype=bool)
    observed = np.zeros((n, k_n), dtype=bool)
    lost_at = np.zeros((n, k_n), dtype=bool)
    late_by = np.zeros((n, k_n), dtype=np.int64)
    lost = np.zeros(n, dtype=bool)
    targets = sched["target_day"].astype(int).tolist()
    befores = sched["window_before"].astype(int).tolist()
    afters = sched["window_after"].astype(int).tolist()
    names = sched["timepoint"].astype(str).tolist()
    for k, (t, wb, wa, name) in enumerate(zip(targets, befores, afters, names, strict=True)):
        late = rng.random(n) < LATE_FORM_PROB
        offset = np.clip(np.rint(rng.normal(0.0, max(wb, wa) / 3.0, n)), -wb, wa)
        extra = rng.integers(1, max(wa, 14) + 1, n)
        d = np.where(late, t + wa + extra, t + offset).astype(np.int64)
        p_miss = FORM_MISSING_PROB.get(name, 0.12)
        missed = rng.random(n) < np.minimum(p_miss * miss_mult, 0.9)
        hap = inf & ~missed & (d < c["death"])
        obs = hap & (c["infusion"] + d <= end) & ~lost
        p_loss = LOSS_PROB.get(name, 0.025)
        lose = obs & (rng.random(n) < p_loss * miss_mult)
        lost |= lose
        day[:, k], happens[:, k], observed[:, k], lost_at[:, k] = d, hap, obs, lose
        late_by[:, k] = np.where(late, d - (t + wa), 0)
    loss_day = np.where(lost, np.where(lost_at, day, 0).max(axis=1), np.iinfo(np.int64).max)
    return {"day": day, "happens": happens, "observed": observed, "lost_at": lost_at,
            "late_by": late_by, "lost": lost, "loss_day": loss_day}


# ---- 6. assembling the frames -------------------------------------------------------------------

_RESP: Final = np.array(["CR", "CRi", "PR", "SD", "PD", "NR", "relapse"], dtype=object)
_CR, _CRI, _PR, _SD, _PD, _NR, _RELAPSE = range(7)
_IVIG_MONTHS: Final = (1, 2, 3, 6, 6, 6)


def _responses(rng: np.random.Generator, c: Arrays, ref: _Reference) -> None:
    """Day-28 response and the response held later (before any relapse), per patient."""
    n = c["ind"].size
    row = c["row"]
    ball = c["ind"] == 0
    resp = ref.param("response_prob", row)
    cr = ref.param("cr_prob", row)
    pi_e = ref.param("cure_fraction_efs", row)
    k_e, lam_e = ref.param("efs_shape", row), ref.param("efs_scale_months", row) * DAYS_PER_MONTH
    # response_prob and cr_prob are best responses by D100. Lymphoma/CLL: the cured reach CR
    # (15% are PR at day 28 and CR from D100); among the uncured not yet progressed at day 28,
    # CR and PR are drawn so that the totals match. B-ALL: a quarter of CRi become CR by D100.
    not_progressed = (1.0 - pi_e) * np.exp(-((28.0 / lam_e) ** k_e))
    need_cr = np.maximum(cr - pi_e, 0.0)
    need_pr = np.maximum(resp - cr, 0.0)
    p_cr = np.clip(need_cr / np.maximum(not_progressed, 1e-9), 0.0, 1.0)
    p_pr = np.clip(need_pr / np.maximum(not_progressed, 1e-9), 0.0, 1.0 - p_cr)
    u = rng.random(n)
    conv = rng.random(n) < 0.15
    lymph_d28 = np.where(c["cured"], np.where(conv, _PR, _CR),
                         np.where(u < p_cr, _CR, np.where(u < p_cr + p_pr, _PR, _SD)))
    lymph_later = np.where(c["cured"], _CR, lymph_d28)
    cri_to_cr = 0.25
    p_all_cr = (cr / np.maximum(resp, 1e-9) - cri_to_cr) / (1.0 - cri_to_cr)
    all_cr = rng.random(n) < np.clip(p_all_cr, 0.0, 1.0)
    all_conv = rng.random(n) < cri_to_cr
    all_d28 = np.where(c["responder_all"], np.where(all_cr, _CR, _CRI), _NR)
    all_later = np.where(c["responder_all"], np.where(all_cr | all_conv, _CR, _CRI), _NR)
    c["d28_resp"] = np.where(ball, all_d28, lymph_d28)
    c["later_resp"] = np.where(ball, all_later, lymph_later)
    c["in_response"] = np.where(ball, c["responder_all"], np.isin(lymph_d28, (_CR, _PR)))
    c["mrd_neg"] = rng.random(n) < ref.param("mrd_negative_prob", row)
    c["bca"] = rng.random(n) < ref.param("b_cell_aplasia_prob", row)
    c["bca_end"] = np.ceil(rng.exponential(18.0 * DAYS_PER_MONTH, n))
    c["ivig_user"] = rng.random(n) < ref.param("ivig_prob", row)
    allo = (ball & c["infused"] & c["responder_all"]
            & (rng.random(n) < ref.param("allo_hsct_prob", row)))
    allo_day = rng.integers(60, 201, n).astype(float)
    c["allo_day"] = np.where(allo & (allo_day < c["relapse"]) & (allo_day < c["death"]),
                             allo_day, np.inf)
    salvage = c["event"] + rng.integers(7, 31, n)
    has_event = c["infused"] & np.isfinite(c["event"]) & (c["event"] < c["death"])
    c["salvage_day"] = np.where(has_event & (salvage < c["death"]), salvage, np.inf)


def _visit_fields(c: Arrays, p: Array, k: Array, d: Array) -> Arrays:
    """Response, MRD, B-cell aplasia and IVIG at visits (patient p, timepoint k, day d)."""
    ball = c["ind"][p] == 0
    relapsed = c["relapse"][p] <= d
    resp = np.where(k == 0, c["d28_resp"][p], c["later_resp"][p])
    resp = np.where(relapsed, np.where(ball, _RELAPSE, _PD), resp)
    in_remission = c["in_response"][p] & ~relapsed
    early = k <= 1
    bca = c["bca"][p] & in_remission & (d < c["bca_end"][p])
    return {"resp": resp, "relapsed": relapsed, "mrd": c["mrd_neg"][p] & in_remission,
            "mrd_known": ball & early, "bca": bca, "bca_known": k <= 5,
            "ivig": bca & c["ivig_user"][p]}


def _readmissions(rng: np.random.Generator, c: Arrays, v: Arrays) -> None:
    n = c["ind"].size
    d28 = v["day"][:, 0]
    infection_window = (c["infection_day"] >= 29) & (c["infection_day"] <= 100)
    wanted = c["infused"] & (rng.random(n) < 0.18 + 0.25 * infection_window)
    low = np.maximum(35, d28 + 1)
    start = low + np.floor(rng.random(n) * np.maximum(81 - low, 1)).astype(np.int64)
    days = rng.integers(3, 15, n)
    ok = wanted & (low <= 80) & (start < c["death"])
    days = np.minimum(days, np.maximum(c["death"] - start, 1)).astype(np.int64)
    c["readmit_day"] = np.where(ok, start, -1)
    c["readmit_days"] = np.where(ok, days, 0)


def _followup_frame(c: Arrays, v: Arrays, ref: _Reference) -> tuple[pd.DataFrame, Array]:
    p, k = np.nonzero(v["observed"])
    d = v["day"][p, k]
    f = _visit_fields(c, p, k, d)
    tp = ref.schedule["timepoint"].to_numpy(dtype=object)
    criteria = np.array(["ALL_CR_CRi", "Lugano2014", "Lugano2014", "Lugano2014", "iwCLL"],
                        dtype=object)[c["ind"][p]]
    first_relapse = _first_in_group(f["relapsed"], p)
    first_allo = _first_in_group(c["allo_day"][p] <= d, p)
    first_salvage = _first_in_group(c["salvage_day"][p] <= d, p) & ~first_allo
    new_therapy = np.where(first_allo, "allo-HSCT", np.where(first_salvage, "other", "none"))
    therapy_day = np.where(first_allo, c["allo_day"][p], c["salvage_day"][p])
    hospital = np.where(k == 0, c["los"][p],
                        np.where((c["readmit_day"][p] >= 0) & (c["readmit_day"][p] <= d),
                                 c["readmit_days"][p], 0))
    icu = np.where(k == 0, c["icu"][p], 0)
    base = c["infusion"][p]
    late_by = v["late_by"][p, k]
    lost = v["lost_at"][p, k]
    comments = np.full(p.size, None, dtype=object)
    late = np.flatnonzero(late_by > 0)
    comments[late] = [f"late form: assessed {b} days after the {t} window closed"
                      for b, t in zip(late_by[late].tolist(), tp[k[late]].tolist(), strict=True)]
    gone = np.flatnonzero(lost)
    comments[gone] = [("" if x is None else x + "; ") + "no contact after this visit"
                      for x in comments[gone].tolist()]
    frame = _frame({
        "id": np.arange(1, p.size + 1, dtype=np.int64),
        "episode_id": c["episode_id"][p],
        "site_id": c["site"][p] + 1,
        "timepoint": _obj(tp[k]),
        "assessment_date": _dates(base + d),
        "vital_status": _obj(np.full(p.size, "alive")),
        "response": _obj(_RESP[f["resp"]]),
        "response_criteria": criteria,
        "mrd_negative": _obj(f["mrd"], f["mrd_known"]),
        "b_cell_aplasia": _obj(f["bca"], f["bca_known"]),
        "ivig": _obj(f["ivig"], f["bca_known"]),
        "hospital_days": _obj(hospital.astype(np.int64), k <= 1),
        "icu_days": _obj(icu.astype(np.int64), k <= 1),
        "new_therapy": _obj(new_therapy),
        "new_therapy_date": _dates(base + np.where(np.isfinite(therapy_day), therapy_day, 0)
                                   .astype(np.int64), new_therapy != "none"),
        "relapse_or_progression": first_relapse,
        "relapse_date": _dates(base + np.where(first_relapse, c["relapse"][p], 0)
                               .astype(np.int64), first_relapse),
        "new_malignancy": np.zeros(p.size, dtype=bool),
        "lost_to_follow_up": lost,
        "comments": comments,
    })
    last_form = np.zeros(c["ind"].size, dtype=np.int64)
    np.maximum.at(last_form, p, d)
    return frame, last_form


def _lots_frame(c: Arrays, ref: _Reference) -> pd.DataFrame:
    n = c["ind"].size
    codes = ref.products["code"].to_numpy(dtype=object)[c["prod"]]
    origin = ref.products["origin"].to_numpy(dtype=object)[c["prod"]]
    start = c["apheresis"] + c["a2s"]
    year = start.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970
    ids = np.arange(1, n + 1, dtype=np.int64)
    numbers = np.char.add(np.char.add(codes.astype(str), "-"),
                          np.char.add(np.char.mod("%d-", year), np.char.mod("%06d", ids)))
    qc = c["qc"]
    pass_fail = np.where(c["sterility_fail"], "fail", "pass")
    return _frame({
        "id": ids,
        "lot_number": numbers.astype(object),
        "product_id": c["prod"] + 1,
        "manufacturing_site": _obj(np.where(origin == "domestic", _MANUFACTURING_SITE["domestic"],
                                            _MANUFACTURING_SITE["imported"])),
        "start_date": _dates(start),
        "release_date": _dates(start + c["manuf"], c["released"]),
        "viability_pct": c["viability"],
        "transduction_pct": c["transduction"],
        "vcn_per_cell": c["vcn"],
        "car_positive_cells": c["car_cells"],
        "sterility": _obj(pass_fail, qc),
        "endotoxin": _obj(np.full(n, "pass"), qc),
        "mycoplasma": _obj(np.full(n, "pass"), qc),
        "out_of_specification": c["oos"].astype(bool),
        "manufacturing_failed": c["failed"].astype(bool),
    })


def _patients_frame(c: Arrays, ref: _Reference) -> pd.DataFrame:
    n = c["ind"].size
    ids = np.arange(1, n + 1, dtype=np.int64)
    site_codes = ref.sites["code"].str.replace("-", "", regex=False).to_numpy(dtype=object)
    seq = pd.Series(c["site"]).groupby(c["site"]).cumcount().to_numpy() + 1
    site_code = np.char.add(np.char.add(site_codes[c["site"]].astype(str), "-"),
                            np.char.mod("%05d", seq))
    return _frame({
        "id": ids,
        "registry_id": np.char.mod("R-%06d", ids).astype(object),
        "site_id": c["site"] + 1,
        "site_patient_code": site_code.astype(object),
        "national_insurance_number": c["snils"],
        "sex": _obj(np.where(c["male"], "M", "F")),
        "birth_year": c["birth_year"].astype(np.int64),
        "indication": _obj(np.array(INDICATIONS, dtype=object)[c["ind"]]),
        "diagnosis_date": _dates(c["diagnosis"]),
        "prior_lines": c["prior_lines"].astype(np.int64),
        "prior_auto_hsct": c["prior_auto"].astype(bool),
        "prior_allo_hsct": c["prior_allo"].astype(bool),
        "ecog": c["ecog"].astype(np.int64),
        "ldh_above_uln": c["ldh"].astype(bool),
        "bulky_disease": _obj(c["bulky"], c["bulky_known"]),
        "marrow_blasts_pct": c["blasts"],
        "consent_date": _dates(c["consent"]),
    })


def _episodes_frame(c: Arrays) -> pd.DataFrame:
    n = c["ind"].size
    ids = np.arange(1, n + 1, dtype=np.int64)
    inf = c["infused"]
    reasons = np.array(["", "death", "progression", "manufacturing_failure",
                        "out_of_specification", "patient_decision"], dtype=object)
    return _frame({
        "id": ids,
        "patient_id": ids,
        "site_id": c["site"] + 1,
        "episode_number": np.ones(n, dtype=np.int64),
        "product_id": c["prod"] + 1,
        "apheresis_date": _dates(c["apheresis"]),
        "lot_id": ids,
        "bridging": _obj(c["bridging"]),
        "lymphodepletion": _obj(c["lymphodepletion"], inf),
        "infusion_date": _dates(c["infusion"], inf),
        "dose_car_positive_cells": np.where(inf, c["dose"], np.nan),
        "dose_per_kg": np.where(inf, c["dose_per_kg"], np.nan),
        "weight_kg": np.where(inf, c["weight"], np.nan),
        "not_infused_reason": _obj(reasons[c["reason"]], ~inf),
        "not_infused_date": _dates(c["apheresis"] + c["ni_day"], ~inf),
    })


def _adverse_event_frame(events: Arrays, c: Arrays, seen: Array,
                         end_day: int) -> tuple[pd.DataFrame, Array, Array]:
    """The observed AEs, and per row the patient and the known resolution day (NaN if none)."""
    p = events["p"][seen]
    order = np.lexsort((np.arange(p.size), events["onset"][seen], p))
    pick = np.flatnonzero(seen)[order]
    p = events["p"][pick]
    base = c["infusion"][p]
    onset = events["onset"][pick]
    end = events["end"][pick]
    resolved = np.isfinite(end) & (base + np.where(np.isfinite(end), end, 0) <= end_day)
    resolved &= np.where(np.isfinite(end), end, np.inf) <= c["last_seen_rel"][p]
    grade = events["grade"][pick].astype(np.int64)
    astct = events["scale"][pick] == "ASTCT2019"
    kind = events["type"][pick]
    description = np.select(
        [kind == "CRS", kind == "ICANS", (kind == "infection") & (grade == 5),
         kind == "infection"],
        ["cytokine release syndrome", "immune effector cell-associated neurotoxicity",
         "fatal infection", "infection"],
        "prolonged cytopenia",
    )
    frame = _frame({
        "id": np.arange(1, p.size + 1, dtype=np.int64),
        "episode_id": c["episode_id"][p],
        "site_id": c["site"][p] + 1,
        "event_type": _obj(kind),
        "onset_date": _dates(base + onset),
        "resolution_date": _dates(base + np.where(resolved, end, 0).astype(np.int64), resolved),
        "grading_scale": _obj(events["scale"][pick]),
        "grade": grade,
        "computed_grade": _obj(grade, astct),
        "grade_override_reason": np.full(p.size, None, dtype=object),
        "signs": events["signs"][pick],
        "tocilizumab_doses": events["toci"][pick].astype(np.int64),
        "corticosteroids": events["steroid"][pick].astype(bool),
        "anakinra": events["anakinra"][pick].astype(bool),
        "icu": events["icu"][pick].astype(bool),
        "description": _obj(description),
    })
    return frame, p, np.where(resolved, end, np.nan)


_ITEMS: Final = ("product_acquisition", "apheresis", "manufacturing", "lymphodepletion",
                 "bridging", "ward_day", "icu_day", "tocilizumab_dose", "ivig_course",
                 "transfusion", "outpatient_visit", "allo_hsct", "palliative_care")


def _resources(rng: np.random.Generator, c: Arrays, v: Arrays, events: Arrays,
               ref: _Reference) -> Arrays:
    """Every resource used in the uncensored history: patient, absolute day, item, quantity."""
    n = c["ind"].size
    inf = c["infused"]
    item = {name: i for i, name in enumerate(_ITEMS)}
    domestic = ref.products["origin"].to_numpy()[c["prod"]] == "domestic"
    parts: list[tuple[Array, Array, int, Array]] = []

    def add(mask: Array, day: Array, name: str, qty: Array | float = 1.0) -> None:
        idx = np.flatnonzero(mask)
        q = np.broadcast_to(np.asarray(qty, dtype=float), (n,))[idx]
        parts.append((idx, np.asarray(day)[idx].astype(np.int64), item[name], q))

    everyone = np.ones(n, dtype=bool)
    infusion = c["infusion"]
    add(everyone, c["apheresis"], "apheresis")
    add(domestic, c["apheresis"] + c["a2s"], "manufacturing")
    add(inf, infusion, "product_acquisition")
    add(inf, infusion - np.minimum(5, c["r2i"]), "lymphodepletion")
    bridge_day = c["apheresis"] + np.minimum(c["a2s"] + 1, np.where(inf, c["v2v"] - 1,
                                                                      c["ni_day"]))
    add(c["bridging"] != "none", bridge_day, "bridging")
    add(inf & (c["los"] - c["icu"] > 0), infusion, "ward_day", c["los"] - c["icu"])
    add(inf & (c["icu"] > 0), infusion + c["icu_on"], "icu_day", c["icu"])
    add(c["readmit_day"] >= 0, infusion + c["readmit_day"], "ward_day", c["readmit_days"])
    ev_p = events["p"]
    crs = (events["type"] == "CRS") & (events["toci"] > 0)
    parts.append((ev_p[crs], (infusion[ev_p] + events["onset"])[crs].astype(np.int64),
                  item["tocilizumab_dose"], events["toci"][crs].astype(float)))
    cyto = events["type"] == "cytopenia"
    parts.append((ev_p[cyto], (infusion[ev_p] + events["onset"])[cyto].astype(np.int64),
                  item["transfusion"], rng.integers(2, 9, int(cyto.sum())).astype(float)))
    vp, vk = np.nonzero(v["happens"])
    vd = v["day"][vp, vk]
    parts.append((vp, infusion[vp] + vd, item["outpatient_visit"], np.ones(vp.size)))
    fields = _visit_fields(c, vp, vk, vd)
    give = fields["ivig"] & fields["bca_known"]
    months = np.array(_IVIG_MONTHS + (0,) * 32, dtype=float)[vk]
    parts.append((vp[give], (infusion[vp] + vd)[give], item["ivig_course"], months[give]))
    allo = np.isfinite(c["allo_day"])
    add(allo, infusion + np.where(allo, c["allo_day"], 0).astype(np.int64), "allo_hsct")
    origin = np.where(inf, infusion, c["apheresis"])
    died_of_disease = (c["cause"] == "disease") & np.isfinite(c["death"])
    death_abs = origin + np.where(np.isfinite(c["death"]), c["death"], 0).astype(np.int64)
    pall_start = np.maximum(death_abs - rng.integers(7, 31, n), origin + 1)
    add(died_of_disease & (pall_start < death_abs), pall_start, "palliative_care",
        (death_abs - pall_start).astype(float))
    return {
        "p": np.concatenate([x[0] for x in parts]),
        "day": np.concatenate([x[1] for x in parts]),
        "item": np.concatenate([np.full(x[0].size, x[2]) for x in parts]),
        "qty": np.concatenate([x[3] for x in parts]),
    }


def generate_cohort(n_patients: int, seed: int, *, as_of: date = DEFAULT_AS_OF,
                    scenario_path: Path | None = None) -> SyntheticCohort:
    """Generate a synthetic registry cohort, reproducibly.

    Parameters
    ----------
    n_patients : int
        Number of patients (each with one treatment episode, apheresed from 2022-01-01).
    seed : int
        Seed of the single `numpy.random.Generator`; the same seed gives identical frames.
    as_of : datetime.date, default 2026-11-01
        Data cut: every observed row is dated on or before it.
    scenario_path : pathlib.Path, optional
        Scenario table replacing ``seed_data/synthetic_scenario.csv`` (see `SCENARIO_COLUMNS`).

    Returns
    -------
    SyntheticCohort
        Frames named after the tables, plus ``truth`` with one row per episode:

        - ``true_death_day``: days from the origin (infusion; apheresis if never infused) to
          death, uncensored (background mortality makes it finite);
        - ``true_event_day``: EFS/PFS event (B-ALL non-response counts at day 28; never-infused
          patients at the day the product was given up), relapse/progression or death;
        - ``true_relapse_day``: relapse or progression (NaN if none before death);
        - ``true_cured``: never relapses or progresses (the EFS cure fraction);
        - ``true_total_cost_rub``: resource use to death or to the Y15 horizon, priced with the
          base unit costs and the product's list price, undiscounted;
        - ``censor_day``: days from the origin to the last contact in the observed frames
          (the death day when ``observed_death``).

    Raises
    ------
    ValueError
        If `n_patients` < 1, `as_of` is too early, or the scenario table is invalid.

    Examples
    --------
    >>> cohort = generate_cohort(200, seed=7)
    >>> len(cohort.patients), cohort.patients["registry_id"].iloc[0]
    (200, 'R-000001')
    """
    if n_patients < 1:
        raise ValueError(f"n_patients={n_patients!r}: need at least one patient")
    if (as_of - COHORT_START).days < MAX_CHAIN_DAYS + 30:
        raise ValueError(f"as_of={as_of}: must be at least {MAX_CHAIN_DAYS + 30} days after "
                         f"{COHORT_START}")
    ref = _load_reference(scenario_path)
    rng = np.random.default_rng(seed)
    end = _day(as_of)
    c = _draw_chain(rng, n_patients, ref, as_of)
    n = n_patients
    c["episode_id"] = np.arange(1, n + 1, dtype=np.int64)
    c["infusion"] = c["apheresis"] + c["v2v"]
    _draw_baseline(rng, c, ref)
    _draw_outcomes(rng, c, ref)
    events = _draw_toxicity(rng, c, ref)
    _responses(rng, c, ref)
    v = _draw_visits(rng, c, ref, end)
    _readmissions(rng, c, v)
    inf = c["infused"]
    origin = np.where(inf, c["infusion"], c["apheresis"])

    # what the registry sees. A later death of an infused patient is learnt at the latest when
    # the next scheduled form falls due (its window closes), so that survivors, censored at
    # their last form, and deaths are seen over the same follow-up; never-infused patients have
    # no forms and their deaths are reported as they happen
    death_abs = origin + c["death"].astype(np.int64)
    close = (ref.schedule["target_day"].astype(int) + ref.schedule["window_after"].astype(int)
             ).to_numpy()
    target = ref.schedule["target_day"].astype(int).to_numpy()
    nxt = np.searchsorted(target, c["death"], side="left")
    learnt = np.where(nxt < close.size, close[np.minimum(nxt, close.size - 1)], c["death"])
    learnt = np.where(c["death"] <= IN_HOSPITAL_DAYS, c["death"], np.maximum(learnt, c["death"]))
    observed_death = np.where(inf, (origin + learnt <= end) & ~v["lost"], death_abs <= end)
    followups, last_form = _followup_frame(c, v, ref)
    loss_day = v["loss_day"]
    ev_p = events["p"]
    ev_seen = (c["infusion"][ev_p] + events["onset"] <= end) & (events["onset"] <= loss_day[ev_p])
    last_ae = np.zeros(n)
    np.maximum.at(last_ae, ev_p[ev_seen], events["onset"][ev_seen])
    censor = np.where(inf, np.maximum(last_form, last_ae), c["ni_day"]).astype(float)
    # an AE resolution is known if it falls before the last contact and the data cut
    c["last_seen_rel"] = np.where(inf & v["lost"], loss_day, np.iinfo(np.int64).max)
    adverse_events, ae_p, ae_resolved = _adverse_event_frame(events, c, ev_seen, end)
    known = np.isfinite(ae_resolved)
    last_res = np.zeros(n)
    np.maximum.at(last_res, ae_p[known], ae_resolved[known])
    censor = np.where(inf, np.maximum(censor, last_res), censor)
    censor = np.where(observed_death, c["death"], censor)

    # resources: the truth prices everything to death/horizon; the registry sees up to contact
    res = _resources(rng, c, v, events, ref)
    rel = res["day"] - origin[res["p"]]
    cap = np.minimum(c["death"], HORIZON_DAYS)[res["p"]]
    in_truth = rel <= cap
    price = ref.products["list_price"].astype(float).to_numpy()[c["prod"]]
    unit = np.array([ref.unit_costs.get(name, 0.0) for name in _ITEMS])
    cost = res["qty"] * unit[res["item"]]
    cost = np.where(res["item"] == _ITEMS.index("product_acquisition"),
                    res["qty"] * price[res["p"]], cost)
    total = np.bincount(res["p"][in_truth], weights=cost[in_truth], minlength=n)
    seen = in_truth & (rel <= censor[res["p"]]) & (res["day"] <= end)
    order = np.lexsort((res["item"][seen], res["day"][seen], res["p"][seen]))
    rp, rd = res["p"][seen][order], res["day"][seen][order]
    resource_use = _frame({
        "id": np.arange(1, rp.size + 1, dtype=np.int64),
        "episode_id": c["episode_id"][rp],
        "site_id": c["site"][rp] + 1,
        "item": _obj(np.array(_ITEMS, dtype=object)[res["item"][seen][order]]),
        "quantity": res["qty"][seen][order],
        "use_date": _dates(rd),
    })

    dead = np.flatnonzero(observed_death)
    deaths = _frame({
        "id": np.arange(1, dead.size + 1, dtype=np.int64),
        "patient_id": c["episode_id"][dead],
        "site_id": c["site"][dead] + 1,
        "death_date": _dates(death_abs[dead]),
        "cause": _obj(c["cause"][dead]),
        "comments": np.full(dead.size, None, dtype=object),
    })
    truth = _frame({
        "episode_id": c["episode_id"],
        "patient_id": c["episode_id"],
        "product_id": c["prod"] + 1,
        "indication": _obj(np.array(INDICATIONS, dtype=object)[c["ind"]]),
        "infused": inf.astype(bool),
        "true_death_day": c["death"].astype(float),
        "true_event_day": np.minimum(c["event"], c["death"]).astype(float),
        "true_relapse_day": np.where(c["relapse"] < c["death"], c["relapse"], np.nan),
        "true_cured": c["cured"].astype(bool),
        "true_total_cost_rub": np.round(total, 2),
        "censor_day": censor.astype(float),
        "observed_death": observed_death.astype(bool),
    })
    sites = ref.sites.copy()
    sites.insert(0, "id", np.arange(1, len(sites) + 1, dtype=np.int64))
    sites["is_treating_centre"] = sites["is_treating_centre"].str.lower().eq("true")
    products = _products_frame(ref.products)
    return SyntheticCohort(
        sites=_as_objects(sites), products=products, lots=_lots_frame(c, ref),
        patients=_patients_frame(c, ref), episodes=_episodes_frame(c), followups=followups,
        adverse_events=adverse_events, deaths=deaths, resource_use=resource_use, truth=truth,
        as_of=as_of,
    )


def _as_objects(frame: pd.DataFrame) -> pd.DataFrame:
    """String columns as object dtype (pandas >= 3 would otherwise infer ``str``)."""
    out = frame.copy()
    for column in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[column])
                or pd.api.types.is_bool_dtype(out[column])):
            out[column] = out[column].astype(object)
    return out


def _products_frame(raw: pd.DataFrame) -> pd.DataFrame:
    frame = _frame({
        "id": np.arange(1, len(raw) + 1, dtype=np.int64),
        "code": raw["code"].to_numpy(dtype=object),
        "name": raw["name"].to_numpy(dtype=object),
        "manufacturer": raw["manufacturer"].to_numpy(dtype=object),
        "origin": raw["origin"].to_numpy(dtype=object),
        "costimulatory_domain": raw["costimulatory_domain"].to_numpy(dtype=object),
        "list_price": raw["list_price"].astype(float).to_numpy(),
        "currency": raw["currency"].to_numpy(dtype=object),
        "price_effective_date": np.array([date.fromisoformat(x)
                                          for x in raw["price_effective_date"]], dtype=object),
        "dose_min_cells": pd.to_numeric(raw["dose_min_cells"]).to_numpy(dtype=float),
        "dose_max_cells": pd.to_numeric(raw["dose_max_cells"]).to_numpy(dtype=float),
        "is_scenario": raw["is_scenario"].str.lower().eq("true").to_numpy(dtype=bool),
        "source": raw["source"].to_numpy(dtype=object),
    })
    return frame


# ---- digest -------------------------------------------------------------------------------------


def cohort_frames(cohort: SyntheticCohort) -> dict[str, pd.DataFrame]:
    """The cohort's frames by name, in `FRAME_NAMES` order."""
    return {name: getattr(cohort, name) for name in FRAME_NAMES}


def _canonical_csv(frame: pd.DataFrame) -> bytes:
    out = frame.copy()
    if "signs" in out.columns:
        out["signs"] = [None if s is None else json.dumps(s, sort_keys=True)
                        for s in out["signs"].tolist()]
    return out.to_csv(index=False, lineterminator="\n", na_rep="").encode("utf-8")


def cohort_digest(cohort: SyntheticCohort) -> str:
    """SHA-256 (hex) of a canonical CSV serialisation of every frame and the data cut.

    Parameters
    ----------
    cohort : SyntheticCohort

    Returns
    -------
    str
        64 hex digits; equal for equal cohorts (same seed, size, ``as_of`` and scenario).
    """
    digest = hashlib.sha256(f"as_of={cohort.as_of.isoformat()}\n".encode())
    for name, frame in cohort_frames(cohort).items():
        digest.update(f"== {name} ==\n".encode())
        digest.update(_canonical_csv(frame))
    return digest.hexdigest()
