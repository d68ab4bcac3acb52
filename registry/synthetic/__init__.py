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
follow-up completeness per site, covariate distributions) are constants of the modules below.

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

Modules
-------
=================  ==========================================================================
``cohort``         `SyntheticCohort`, `generate_cohort` (runs the steps in order), the digest
``scenario``       `SCENARIO_COLUMNS`, `load_scenario` (``seed_data/synthetic_scenario.csv``)
``reference``      sites, products, unit costs, schedule and scenario, as the generator uses them
``treatment``      enrolment, product choice, manufacturing chain, dose, lots, episodes
``patients``       baseline characteristics and the ``patients`` frame
``snils``          `snils_check_digits` and distinct valid SNILS for the patients
``outcomes``       the mixture-cure model and the responses
``events``         CRS/ICANS with their signs, infections, cytopenias, deaths
``followup``       scheduled visits, forms, readmissions, deaths as the registry learns them
``costs``          resource use, the true total cost and the observed ``resource_use``
``constants``      the data folder, calendar and indications shared by the modules
``arrays``         day numbers, date and object columns, row-wise draws
=================  ==========================================================================
"""

from registry.synthetic.cohort import (
    FRAME_NAMES,
    SyntheticCohort,
    cohort_digest,
    cohort_frames,
    generate_cohort,
)
from registry.synthetic.scenario import SCENARIO_COLUMNS, load_scenario
from registry.synthetic.snils import snils_check_digits

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
