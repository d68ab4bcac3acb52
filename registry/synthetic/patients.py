"""Synthetic patients: baseline characteristics at apheresis and the ``patients`` frame.

Covariate distributions per indication (in `registry.synthetic.constants.INDICATIONS` order)
are structural choices, not economic parameters, so they are constants here rather than
columns of the scenario table.
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from registry.synthetic.arrays import Arrays, draw_category, object_frame, to_dates, to_objects
from registry.synthetic.constants import INDICATIONS
from registry.synthetic.reference import Reference
from registry.synthetic.snils import draw_snils

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


def draw_baseline(rng: np.random.Generator, c: Arrays) -> None:
    """Age, sex, weight, consent and diagnosis dates, disease history and SNILS, into `c`."""
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
    c["ecog"] = draw_category(rng, ecog_p)
    c["ldh"] = rng.random(n) < np.array(_LDH_HIGH)[ind]
    bulky_p = np.array(_BULKY)[ind]
    c["bulky"] = rng.random(n) < np.nan_to_num(bulky_p)
    c["bulky_known"] = ~np.isnan(bulky_p)
    c["blasts"] = np.where(ball, np.round(5.0 + 95.0 * rng.beta(1.6, 0.9, n), 1), np.nan)
    c["snils"] = draw_snils(rng, n)


def patients_frame(c: Arrays, ref: Reference) -> pd.DataFrame:
    n = c["ind"].size
    ids = np.arange(1, n + 1, dtype=np.int64)
    site_codes = ref.sites["code"].str.replace("-", "", regex=False).to_numpy(dtype=object)
    seq = pd.Series(c["site"]).groupby(c["site"]).cumcount().to_numpy() + 1
    site_code = np.char.add(np.char.add(site_codes[c["site"]].astype(str), "-"),
                            np.char.mod("%05d", seq))
    return object_frame({
        "id": ids,
        "registry_id": np.char.mod("R-%06d", ids).astype(object),
        "site_id": c["site"] + 1,
        "site_patient_code": site_code.astype(object),
        "national_insurance_number": c["snils"],
        "sex": to_objects(np.where(c["male"], "M", "F")),
        "birth_year": c["birth_year"].astype(np.int64),
        "indication": to_objects(np.array(INDICATIONS, dtype=object)[c["ind"]]),
        "diagnosis_date": to_dates(c["diagnosis"]),
        "prior_lines": c["prior_lines"].astype(np.int64),
        "prior_auto_hsct": c["prior_auto"].astype(bool),
        "prior_allo_hsct": c["prior_allo"].astype(bool),
        "ecog": c["ecog"].astype(np.int64),
        "ldh_above_uln": c["ldh"].astype(bool),
        "bulky_disease": to_objects(c["bulky"], c["bulky_known"]),
        "marrow_blasts_pct": c["blasts"],
        "consent_date": to_dates(c["consent"]),
    })
