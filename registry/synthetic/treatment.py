"""Treatment episodes: enrolment, product choice, manufacturing chain, dose, lots.

Apheresis dates follow a growing enrolment curve; each later product's share ramps up from its
availability. The chain runs apheresis -> lot start -> release -> infusion, or ends without an
infusion (drop-out for death, progression or patient decision; manufacturing failure; an
out-of-specification lot, some of which are infused anyway). Bridging, lymphodepletion, dose
and the lot's quality control follow, and the ``lots`` and ``episodes`` frames are built here.
"""

from __future__ import annotations

from datetime import date
from typing import Final

import numpy as np
import pandas as pd

from registry.synthetic.arrays import (
    Array,
    Arrays,
    draw_category,
    epoch_day,
    object_frame,
    to_dates,
    to_objects,
)
from registry.synthetic.constants import COHORT_START, DAYS_PER_MONTH, INDICATIONS, MAX_CHAIN_DAYS
from registry.synthetic.reference import Reference

INDICATION_MIX: Final = (0.30, 0.55, 0.06, 0.05, 0.04)

SITE_ENROLMENT_WEIGHT: Final[dict[str, float]] = {
    "MOW-01": 0.28, "SPB-01": 0.16, "NSK-01": 0.09, "EKB-01": 0.08, "KZN-01": 0.07,
    "NNV-01": 0.06, "SAM-01": 0.05, "ROV-01": 0.05, "KRS-01": 0.04, "OMS-01": 0.04,
    "CHE-01": 0.04, "KHB-01": 0.04,
}
"""Share of enrolment per site code; a site missing here gets the mean weight."""

ENROLMENT_GROWTH: Final = 3.0
"""Enrolment intensity at ``as_of`` relative to 2022-01-01 (linear in between)."""

_MANUFACTURING_SITE: Final[dict[str, str]] = {
    "imported": "Novartis central manufacturing facility (abroad)",
    "domestic": "NMRC for Hematology cleanroom, Moscow (point of care)",
}


def _growth_quantile(u: Array, growth: float) -> Array:
    """Inverse CDF on [0, 1] of a density rising linearly from 1 to `growth`."""
    a = (growth - 1.0) / 2.0
    if abs(a) < 1e-12:
        return u
    return np.asarray((-1.0 + np.sqrt(1.0 + 4.0 * a * u * (1.0 + a))) / (2.0 * a), dtype=float)


def draw_chain(rng: np.random.Generator, n: int, ref: Reference, as_of: date) -> Arrays:
    end = epoch_day(as_of)
    start = epoch_day(COHORT_START)
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
        avail = np.array([epoch_day(ref.scenario["available_from"].iloc[r]) for r in range(
            len(ref.scenario))], dtype=np.int64)[row]
        avail_day[:, p] = avail
        if p == 0:
            continue
        ramp = np.maximum(ref.param("uptake_ramp_months", row) * DAYS_PER_MONTH, 1.0)
        share = ref.param("uptake_max_share", row) * np.clip((a0 - avail) / ramp, 0.0, 1.0)
        offered = (a0 >= avail) & (avail <= end - MAX_CHAIN_DAYS)
        weights[:, p] = np.where(offered, share, 0.0)
    weights[:, 0] = np.maximum(1.0 - weights[:, 1:].sum(axis=1), 0.0)
    prod = draw_category(rng, weights / weights.sum(axis=1, keepdims=True))
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
    drop_kind = np.array([1, 2, 5])[draw_category(rng, shares / shares.sum(axis=1, keepdims=True))]
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


def draw_treatment(rng: np.random.Generator, c: Arrays, ref: Reference) -> None:
    """Bridging, lymphodepletion, dose and the lot's QC, into `c` (drawn after the baseline)."""
    n = c["ind"].size
    ball = c["ind"] == 0
    # bridging (any episode) and lymphodepletion (infused)
    bridged = rng.random(n) < ref.param("bridging_prob", c["row"])
    kind = draw_category(rng, np.tile([0.80, 0.12, 0.08], (n, 1)))
    c["bridging"] = np.where(bridged, np.array(["chemo", "radiotherapy", "other"])[kind], "none")
    ld_p = np.where(ball[:, None], np.array([0.97, 0.0, 0.03]), np.array([0.88, 0.10, 0.02]))
    c["lymphodepletion"] = np.array(["Flu/Cy", "Benda", "other"])[draw_category(rng, ld_p)]

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


def lots_frame(c: Arrays, ref: Reference) -> pd.DataFrame:
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
    return object_frame({
        "id": ids,
        "lot_number": numbers.astype(object),
        "product_id": c["prod"] + 1,
        "manufacturing_site": to_objects(np.where(origin == "domestic",
                                                  _MANUFACTURING_SITE["domestic"],
                                                  _MANUFACTURING_SITE["imported"])),
        "start_date": to_dates(start),
        "release_date": to_dates(start + c["manuf"], c["released"]),
        "viability_pct": c["viability"],
        "transduction_pct": c["transduction"],
        "vcn_per_cell": c["vcn"],
        "car_positive_cells": c["car_cells"],
        "sterility": to_objects(pass_fail, qc),
        "endotoxin": to_objects(np.full(n, "pass"), qc),
        "mycoplasma": to_objects(np.full(n, "pass"), qc),
        "out_of_specification": c["oos"].astype(bool),
        "manufacturing_failed": c["failed"].astype(bool),
    })


def episodes_frame(c: Arrays) -> pd.DataFrame:
    n = c["ind"].size
    ids = np.arange(1, n + 1, dtype=np.int64)
    inf = c["infused"]
    reasons = np.array(["", "death", "progression", "manufacturing_failure",
                        "out_of_specification", "patient_decision"], dtype=object)
    return object_frame({
        "id": ids,
        "patient_id": ids,
        "site_id": c["site"] + 1,
        "episode_number": np.ones(n, dtype=np.int64),
        "product_id": c["prod"] + 1,
        "apheresis_date": to_dates(c["apheresis"]),
        "lot_id": ids,
        "bridging": to_objects(c["bridging"]),
        "lymphodepletion": to_objects(c["lymphodepletion"], inf),
        "infusion_date": to_dates(c["infusion"], inf),
        "dose_car_positive_cells": np.where(inf, c["dose"], np.nan),
        "dose_per_kg": np.where(inf, c["dose_per_kg"], np.nan),
        "weight_kg": np.where(inf, c["weight"], np.nan),
        "not_infused_reason": to_objects(reasons[c["reason"]], ~inf),
        "not_infused_date": to_dates(c["apheresis"] + c["ni_day"], ~inf),
    })
