"""Benchmark of seeding a synthetic cohort, and the cohort size that gives one site N patients.

Seeding (generate the cohort, validate every row with the table models, bulk-insert, audit) is
timed once per database: at 100,000 patients it is itself one of the measured operations, and
repeating it would triple the suite's longest step for little.
"""

from __future__ import annotations

import math

from sqlalchemy.engine import Engine

from registry.bench.dashboard_bench import AS_OF
from registry.bench.measure import Record, time_calls
from registry.bench.targets import SEED
from registry.seed import seed_synthetic
from registry.synthetic.reference import load_reference
from registry.synthetic.treatment import SITE_ENROLMENT_WEIGHT

__all__ = ["SEED_VALUE", "patients_for_site", "seed_record", "site_share"]

SEED_VALUE = 1


def site_share(site_id: int = 1) -> float:
    """Expected share of the synthetic cohort enrolled at a site (ids follow sites.csv order).

    Raises
    ------
    ValueError
        No site with that id.
    """
    codes = load_reference(None).sites["code"].tolist()
    if not 1 <= site_id <= len(codes):
        raise ValueError(f"site_id must be between 1 and {len(codes)}, not {site_id}")
    mean_weight = sum(SITE_ENROLMENT_WEIGHT.values()) / len(SITE_ENROLMENT_WEIGHT)
    weights = [SITE_ENROLMENT_WEIGHT.get(code, mean_weight) for code in codes]
    return weights[site_id - 1] / sum(weights)


def patients_for_site(at_site: int, site_id: int = 1) -> int:
    """Cohort size whose expected enrolment at `site_id` is `at_site` patients.

    Examples
    --------
    >>> patients_for_site(10_000)  # the first site enrols 28%
    35715
    """
    return math.ceil(at_site / site_share(site_id))


def seed_record(engine: Engine, patients: int, backend: str) -> Record:
    """Seed `patients` synthetic patients into an empty database, timed once, as a record."""
    timing = time_calls(lambda: seed_synthetic(engine, patients=patients, seed=SEED_VALUE,
                                               as_of=AS_OF), 1)
    counts = timing.result
    return Record.of(SEED, patients, backend, timing,
                     note=f"generation {counts['seconds_generate']:.1f} s; "
                          f"{counts['followup']:,} forms, {counts['adverseevent']:,} AEs; "
                          "timed once")
