"""Per-patient costs of a cohort and the mean cost per arm under censoring.

Costs are :func:`registry.services.costing.resource_costs` (resource use x unit costs of the
chosen scenario, the product at its list price) summed per patient to a horizon. Patients are
followed from day 0 to death or last contact (OS time); a patient whose follow-up ends alive
before the horizon has an incomplete cost. DESIGN.md section 7: the naive mean is biased, so
each arm reports the naive means beside the Lin (1997) and Bang-Tsiatis (2000) estimators,
with percentile bootstrap intervals (:mod:`registry.analysis.costs`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
from sqlmodel import Session

from registry.analysis.costs import MeanCostResult, bootstrap_mean_cost, partition_costs
from registry.auth import Actor
from registry.economics.discounting import discount_factor
from registry.errors import InvalidInput
from registry.services.costing import resource_costs
from registry.services.hta.common import (
    ARMS,
    CohortData,
    load_cohort,
    save_run,
)
from registry.services.hta.common import (
    beyond_follow_up as _beyond_follow_up,
)

__all__ = ["METHODS", "ArmCosts", "CostSummary", "arm_costs", "cost_summary"]

DAYS_PER_YEAR: Final = 365.25
METHODS: Final = ("naive-complete", "naive-all", "lin", "bang-tsiatis")
INTERVAL_DAYS: Final = 30.4375  # monthly intervals for Lin and the partitioned estimator


@dataclass(frozen=True)
class ArmCosts:
    """One arm's follow-up and costs to the horizon, patient by patient (service-internal).

    ``time``/``event``: OS days and death; ``total``: observed cost to the horizon
    (discounted when a rate was given); ``interval``: the same by month; ``edges``: days.
    """

    time: np.ndarray
    event: np.ndarray
    total: np.ndarray
    interval: np.ndarray
    edges: np.ndarray
    breakdown: pd.Series


@dataclass(frozen=True)
class CostSummary:
    """Mean cost per patient by arm and estimator, with the cost build-up.

    Attributes
    ----------
    estimates : DataFrame
        ``arm, method, estimate, lower, upper, se, n, n_complete, ci``.
    breakdown : DataFrame
        ``arm, item, mean_observed``: observed cost per patient by resource item to the
        horizon (not censoring-adjusted; shows where the money goes).
    scenario, currency : str
    price_year : int
    horizon_years : float
    complete_share : dict
        Arm -> share of patients whose cost to the horizon is complete.
    unpriced_items : list of str
    run_id : int
    """

    estimates: pd.DataFrame
    breakdown: pd.DataFrame
    scenario: str
    currency: str
    price_year: int
    horizon_years: float
    complete_share: dict[str, float]
    unpriced_items: list[str]
    run_id: int


def arm_costs(session: Session, actor: Actor, data: CohortData, *, scenario: str,
              horizon_days: float, rate: float | None = None
              ) -> tuple[dict[str, ArmCosts], pd.DataFrame]:
    """Each arm's per-patient costs to the horizon (discounted at ``rate`` if given)."""
    frame = data.frame
    records = resource_costs(session=session, actor=actor, scenario=scenario,
                             episode_ids=frame["episode_id"].tolist())
    records = records[records["day"] <= horizon_days]
    if rate is not None:
        records = records.assign(cost=records["cost"].to_numpy(float)
                                 * discount_factor(records["day"].to_numpy(float), rate))
    edges = np.unique(np.append(np.arange(0.0, horizon_days, INTERVAL_DAYS), horizon_days))
    out = {}
    for arm in ARMS:
        mine = data.arm(arm)
        ids = mine["episode_id"].to_numpy()
        own = records[records["episode_id"].isin(ids)]
        interval, total = partition_costs(own, ids, edges, patient="episode_id")
        out[arm] = ArmCosts(
            time=mine["os_time_days"].to_numpy(float),
            event=mine["os_event"].to_numpy(int), total=total, interval=interval, edges=edges,
            breakdown=own.groupby("item")["cost"].sum() / max(len(ids), 1))
    return out, records


def _estimates(arm: str, costs: ArmCosts, horizon: float, n_boot: int, seed: int
               ) -> list[dict[str, Any]]:
    rows = []
    common: dict[str, Any] = {"seed": seed, "n_boot": n_boot}
    for method in METHODS:
        result: MeanCostResult
        if method.startswith("naive"):
            result = bootstrap_mean_cost("naive", costs.time, costs.event, cost=costs.total,
                                         horizon=horizon,
                                         complete_only=method == "naive-complete", **common)
        elif method == "lin":
            result = bootstrap_mean_cost("lin", costs.time, costs.event, horizon=horizon,
                                         interval_costs=costs.interval,
                                         interval_edges=costs.edges, **common)
        else:
            result = bootstrap_mean_cost("bang-tsiatis", costs.time, costs.event,
                                         cost=costs.total, horizon=horizon, **common)
        rows.append({"arm": arm, "method": method, "estimate": result.estimate,
                     "lower": result.lower, "upper": result.upper, "se": result.se,
                     "n": result.n, "n_complete": result.n_complete, "ci": result.ci})
    return rows


def cost_summary(*, session: Session, actor: Actor, definition: Mapping[str, Any] | Any,
                 scenario: str = "base", horizon_years: float = 1.0, n_boot: int = 1000,
                 seed: int = 1, data: CohortData | None = None) -> CostSummary:
    """Mean cost per patient to ``horizon_years`` by arm: naive, Lin and Bang-Tsiatis.

    Raises
    ------
    InvalidInput
        A horizon outside (0, 15] years or beyond an arm's follow-up, fewer than 200
        bootstrap replicates, an unknown scenario.
    """
    if not 0 < horizon_years <= 15:
        raise InvalidInput.one("horizon_years", "must be between 0 and 15",
                               code="hta.range", low=0, high=15)
    if not 200 <= n_boot <= 20_000:
        raise InvalidInput.one("n_boot", "must be between 200 and 20000",
                               code="hta.range", low=200, high=20000)
    data = data or load_cohort(session=session, actor=actor, definition=definition)
    horizon = round(horizon_years * DAYS_PER_YEAR)
    arms, records = arm_costs(session, actor, data, scenario=scenario, horizon_days=horizon)
    rows: list[dict[str, Any]] = []
    for arm in ARMS:
        try:
            rows += _estimates(arm, arms[arm], horizon, n_boot, seed)
        except InvalidInput as exc:
            raise InvalidInput.one("horizon_years", _beyond_follow_up(arm),
                                   code="hta.horizon_follow_up", arm=arm) from exc
    estimates = pd.DataFrame(rows)
    breakdown = pd.concat([pd.DataFrame({"arm": arm, "item": arms[arm].breakdown.index,
                                         "mean_observed": arms[arm].breakdown.to_numpy()})
                           for arm in ARMS], ignore_index=True)
    complete = {arm: float(np.mean((a.event == 1) | (a.time >= horizon)))
                for arm, a in arms.items()}
    run = save_run(session=session, actor=actor, kind="costs", data=data,
                   parameters={"scenario": scenario, "horizon_years": horizon_years,
                               "n_boot": n_boot, "seed": seed},
                   summary={f"{r['arm']}:{r['method']}": [r["estimate"], r["lower"],
                                                          r["upper"]] for r in rows})
    assert run.id is not None
    return CostSummary(estimates=estimates, breakdown=breakdown, scenario=scenario,
                       currency=str(records.attrs.get("currency", "RUB")),
                       price_year=int(records.attrs.get("price_year", 0)),
                       horizon_years=horizon_years, complete_share=complete,
                       unpriced_items=list(records.attrs.get("unpriced_items", [])),
                       run_id=run.id)
