"""The uncensored resource-use history of a synthetic cohort, priced record by record.

`generate_cohort` gives only each patient's true total cost to death or the Y15 horizon
(``truth.true_total_cost_rub``). Testing a censoring-adjusted mean cost to a shorter horizon
(Lin 1997, Bang-Tsiatis 2000 in :mod:`registry.analysis.costs`) needs the true cost *up to that
horizon*, hence the whole uncensored history. `uncensored_costs` replays the generator's draws
in the same order with the same seed (the steps after the resources' draw use no random
numbers, so they are skipped) and prices every record as `price_resources` does. Its per-patient
sums to death or ``HORIZON_DAYS`` equal ``truth.true_total_cost_rub`` (a test checks this, so a
change to `generate_cohort`'s order of draws that is not mirrored here is caught).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from registry.synthetic.arrays import epoch_day
from registry.synthetic.constants import COHORT_START, DEFAULT_AS_OF, HORIZON_DAYS, MAX_CHAIN_DAYS
from registry.synthetic.costs import _ITEMS, draw_resources
from registry.synthetic.events import draw_toxicity
from registry.synthetic.followup import draw_readmissions, draw_visits
from registry.synthetic.outcomes import draw_outcomes, draw_responses
from registry.synthetic.patients import draw_baseline
from registry.synthetic.reference import load_reference
from registry.synthetic.treatment import draw_chain, draw_treatment

__all__ = ["uncensored_costs"]


def uncensored_costs(n_patients: int, seed: int, *, as_of: date = DEFAULT_AS_OF,
                     scenario_path: Path | None = None) -> pd.DataFrame:
    """Every priced resource of the uncensored history of ``generate_cohort(n_patients, seed)``.

    Parameters
    ----------
    n_patients, seed, as_of, scenario_path
        Exactly as passed to `registry.synthetic.generate_cohort`.

    Returns
    -------
    pandas.DataFrame
        One row per resource record dated up to the patient's true death day or
        ``HORIZON_DAYS`` (what the truth's total cost sums), sorted by episode and day, with
        columns ``episode_id`` (int64), ``day`` (int64, days from the time origin: infusion, or
        apheresis if never infused; negative before it, e.g. apheresis and bridging), ``item``
        (str) and ``cost`` (float64, RUB, base unit costs and the product's list price,
        undiscounted). Records after ``as_of`` are included: this is the truth, not what the
        registry sees.

    Raises
    ------
    ValueError
        As `generate_cohort`.

    Examples
    --------
    >>> costs = uncensored_costs(50, seed=7)
    >>> list(costs.columns)
    ['episode_id', 'day', 'item', 'cost']
    """
    if n_patients < 1:
        raise ValueError(f"n_patients={n_patients!r}: need at least one patient")
    if (as_of - COHORT_START).days < MAX_CHAIN_DAYS + 30:
        raise ValueError(f"as_of={as_of}: must be at least {MAX_CHAIN_DAYS + 30} days after "
                         f"{COHORT_START}")
    ref = load_reference(scenario_path)
    rng = np.random.default_rng(seed)
    end = epoch_day(as_of)
    # the same draws, in the same order, as generate_cohort
    c = draw_chain(rng, n_patients, ref, as_of)
    c["episode_id"] = np.arange(1, n_patients + 1, dtype=np.int64)
    c["infusion"] = c["apheresis"] + c["v2v"]
    draw_baseline(rng, c)
    draw_treatment(rng, c, ref)
    draw_outcomes(rng, c, ref)
    events = draw_toxicity(rng, c, ref)
    draw_responses(rng, c, ref)
    v = draw_visits(rng, c, ref, end)
    draw_readmissions(rng, c, v)
    res = draw_resources(rng, c, v, events, ref)

    origin = np.where(c["infused"], c["infusion"], c["apheresis"])
    rel = res["day"] - origin[res["p"]]
    keep = rel <= np.minimum(c["death"], HORIZON_DAYS)[res["p"]]
    price = ref.products["list_price"].astype(float).to_numpy()[c["prod"]]
    unit = np.array([ref.unit_costs.get(name, 0.0) for name in _ITEMS])
    cost = res["qty"] * unit[res["item"]]
    cost = np.where(res["item"] == _ITEMS.index("product_acquisition"),
                    res["qty"] * price[res["p"]], cost)
    order = np.lexsort((res["item"][keep], rel[keep], res["p"][keep]))
    return pd.DataFrame({
        "episode_id": c["episode_id"][res["p"][keep][order]],
        "day": rel[keep][order].astype(np.int64),
        "item": pd.Series(np.array(_ITEMS, dtype=object)[res["item"][keep][order]],
                          dtype=object),
        "cost": cost[keep][order].astype(np.float64),
    })
