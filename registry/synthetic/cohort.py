"""The synthetic cohort: `generate_cohort` runs the steps in order; `cohort_digest` fingerprints it.

A single `numpy.random.Generator` seeded by ``seed`` drives every draw, in a fixed order (chain,
baseline, treatment, outcomes, adverse events, responses, visits, readmissions, resources), so
the same seed gives byte-identical frames.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Final

import numpy as np
import pandas as pd

from registry.synthetic.arrays import Array, Arrays, epoch_day, object_frame, to_objects
from registry.synthetic.constants import COHORT_START, DEFAULT_AS_OF, INDICATIONS, MAX_CHAIN_DAYS
from registry.synthetic.costs import draw_resources, price_resources
from registry.synthetic.events import deaths_frame, draw_toxicity, observed_adverse_events
from registry.synthetic.followup import (
    draw_readmissions,
    draw_visits,
    followup_frame,
    observed_deaths,
)
from registry.synthetic.outcomes import draw_outcomes, draw_responses
from registry.synthetic.patients import draw_baseline, patients_frame
from registry.synthetic.reference import load_reference, products_frame, sites_frame
from registry.synthetic.treatment import draw_chain, draw_treatment, episodes_frame, lots_frame

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
    ref = load_reference(scenario_path)
    rng = np.random.default_rng(seed)
    end = epoch_day(as_of)
    c = draw_chain(rng, n_patients, ref, as_of)
    n = n_patients
    c["episode_id"] = np.arange(1, n + 1, dtype=np.int64)
    c["infusion"] = c["apheresis"] + c["v2v"]
    draw_baseline(rng, c)
    draw_treatment(rng, c, ref)
    draw_outcomes(rng, c, ref)
    events = draw_toxicity(rng, c, ref)
    draw_responses(rng, c, ref)
    v = draw_visits(rng, c, ref, end)
    draw_readmissions(rng, c, v)
    inf = c["infused"]
    origin = np.where(inf, c["infusion"], c["apheresis"])

    # what the registry sees: learnt deaths, received forms, reported AEs, and each patient's
    # last contact (censor_day)
    death_abs, observed_death = observed_deaths(c, v, ref, end, origin)
    followups, last_form = followup_frame(c, v, ref)
    adverse_events, last_ae, last_res = observed_adverse_events(events, c, v, end)
    censor = np.where(inf, np.maximum(last_form, last_ae), c["ni_day"]).astype(float)
    censor = np.where(inf, np.maximum(censor, last_res), censor)
    censor = np.where(observed_death, c["death"], censor)

    # resources: the truth prices everything to death/horizon; the registry sees up to contact
    res = draw_resources(rng, c, v, events, ref)
    total, resource_use = price_resources(res, c, ref, origin, censor, end)
    deaths = deaths_frame(c, observed_death, death_abs)
    truth = _truth_frame(c, total, censor, observed_death)
    return SyntheticCohort(
        sites=sites_frame(ref.sites), products=products_frame(ref.products),
        lots=lots_frame(c, ref), patients=patients_frame(c, ref), episodes=episodes_frame(c),
        followups=followups, adverse_events=adverse_events, deaths=deaths,
        resource_use=resource_use, truth=truth, as_of=as_of,
    )


def _truth_frame(c: Arrays, total: Array, censor: Array, observed_death: Array) -> pd.DataFrame:
    """The ``truth`` frame, one row per episode (columns documented in `generate_cohort`)."""
    inf = c["infused"]
    return object_frame({
        "episode_id": c["episode_id"],
        "patient_id": c["episode_id"],
        "product_id": c["prod"] + 1,
        "indication": to_objects(np.array(INDICATIONS, dtype=object)[c["ind"]]),
        "infused": inf.astype(bool),
        "true_death_day": c["death"].astype(float),
        "true_event_day": np.minimum(c["event"], c["death"]).astype(float),
        "true_relapse_day": np.where(c["relapse"] < c["death"], c["relapse"], np.nan),
        "true_cured": c["cured"].astype(bool),
        "true_total_cost_rub": np.round(total, 2),
        "censor_day": censor.astype(float),
        "observed_death": observed_death.astype(bool),
    })


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
