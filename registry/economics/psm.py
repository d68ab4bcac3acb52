"""Partitioned survival model: life-years, QALYs and costs of one arm from its OS and PFS curves.

The standard three-state oncology model (progression-free, progressed, dead) without
transition probabilities: the share of patients progression-free at day t is the PFS curve,
capped by OS (nobody is progression-free and dead), alive is OS, and progressed is the
difference [1]_. Utilities per state (per year) weight the time spent in each state into
QALYs; costs accrue per day in a state, per cycle started in a state, or once. Everything is
reported undiscounted and discounted from day 0 (:mod:`registry.economics.discounting`).

Integration is on a day grid (default one day) that also holds every Kaplan-Meier jump, cycle
start and one-off day: step curves are integrated exactly, callables with the trapezoid rule.
On each interval the progression-free share is the smaller of the PFS and OS interval means.

References
----------
.. [1] Woods B, Sideris E, Palmer S, Latimer N, Soares M. NICE DSU Technical Support Document
   19: Partitioned survival analysis for decision modelling in health care. 2017.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from registry.economics import _checks
from registry.economics.curves import Curve, SurvivalCurve, as_curve, day_grid
from registry.economics.discounting import (
    DAYS_PER_YEAR,
    DEFAULT_RATE,
    DiscountMethod,
    check_method,
    discount_factor,
    discounted_interval_years,
)
from registry.errors import InvalidInput

__all__ = ["STATES", "OneOffCost", "PartitionedSurvivalResult", "partitioned_survival"]

FloatArray = NDArray[np.float64]
State = Literal["progression_free", "progressed"]
STATES: tuple[State, ...] = ("progression_free", "progressed")
AppliesTo = Literal["everyone", "alive", "progression_free", "progressed"]
_APPLIES_TO: tuple[AppliesTo, ...] = ("everyone", "alive", "progression_free", "progressed")


@dataclass(frozen=True)
class OneOffCost:
    """A cost incurred once, on ``day``, by the share of the cohort in ``applies_to``.

    Attributes
    ----------
    name : str
        Label in the cost breakdown, e.g. ``"product"`` or ``"apheresis"``.
    amount : float
        RUB per patient it applies to (negative for a refund).
    day : float, default 0.0
        Day from infusion, from 0 to the horizon; discounted as any cost on that day.
    applies_to : {"everyone", "alive", "progression_free", "progressed"}, default "everyone"
        "everyone" charges the whole cohort; the others weight the amount by the share of the
        cohort alive / progression-free / progressed on ``day``.
    """

    name: str
    amount: float
    day: float = 0.0
    applies_to: AppliesTo = "everyone"


@dataclass(frozen=True, eq=False)
class PartitionedSurvivalResult:
    """Per-patient expected outcomes of one arm up to the horizon.

    Every total comes undiscounted and discounted (``*_discounted``); years are 365.25 days.

    Attributes
    ----------
    life_years, life_years_discounted : float
        Area under OS.
    progression_free_years, progression_free_years_discounted : float
        Area under min(PFS, OS).
    progressed_years, progressed_years_discounted : float
        Area between OS and min(PFS, OS).
    qalys, qalys_discounted : float
        Utility-weighted years.
    costs, costs_discounted : float
        RUB per patient: state costs plus one-off costs.
    cost_breakdown : pandas.DataFrame
        Columns ``item, costs, costs_discounted``: one row per state, then per one-off cost.
    by_time : pandas.DataFrame
        One row per grid interval: ``day_start, day_end, os, pfs, progression_free,
        progressed, discount`` (factor at ``day_start``) and the interval's contributions
        ``life_years, life_years_discounted, qalys, qalys_discounted, costs,
        costs_discounted``; cumulative sums give the running totals.
    horizon_days, rate : float
    method : {"continuous", "annual"}
    """

    life_years: float
    life_years_discounted: float
    progression_free_years: float
    progression_free_years_discounted: float
    progressed_years: float
    progressed_years_discounted: float
    qalys: float
    qalys_discounted: float
    costs: float
    costs_discounted: float
    cost_breakdown: pd.DataFrame
    by_time: pd.DataFrame
    horizon_days: float
    rate: float
    method: DiscountMethod


def _state_values(values: Mapping[str, float] | None, name: str, *, required: bool,
                  low: float, high: float) -> dict[State, float]:
    if values is None:
        if required:
            raise InvalidInput.one(name, "is required: give a value for " + " and ".join(STATES))
        return dict.fromkeys(STATES, 0.0)
    unknown = sorted(set(values) - set(STATES))
    if unknown:
        raise InvalidInput.one(
            name, f"has unknown state(s) {unknown}; the states are {', '.join(STATES)}"
        )
    if required and set(values) != set(STATES):
        raise InvalidInput.one(name, f"needs a value for each of {', '.join(STATES)}")
    out: dict[State, float] = {}
    for state in STATES:
        value = _checks.finite(values.get(state, 0.0), f"{name}[{state!r}]")
        if not low <= value <= high:
            raise InvalidInput.one(
                f"{name}[{state!r}]", f"must lie in [{low:g}, {high:g}]; got {value!r}"
            )
        out[state] = value
    return out


def _one_offs(items: Sequence[OneOffCost]) -> list[OneOffCost]:
    checked: list[OneOffCost] = []
    for i, item in enumerate(items):
        where = f"one_off_costs[{i}]"
        if not isinstance(item, OneOffCost):
            raise InvalidInput.one(where, f"must be a OneOffCost; got {type(item).__name__}")
        _checks.finite(item.amount, f"{where}.amount")
        _checks.non_negative(item.day, f"{where}.day")
        if item.applies_to not in _APPLIES_TO:
            raise InvalidInput.one(
                f"{where}.applies_to",
                f"must be one of {', '.join(_APPLIES_TO)}; got {item.applies_to!r}",
            )
        checked.append(item)
    return checked


def partitioned_survival(
    os: SurvivalCurve,
    pfs: SurvivalCurve,
    horizon_days: float,
    *,
    utilities: Mapping[str, float],
    state_costs: Mapping[str, float] | None = None,
    cycle_days: float | None = None,
    one_off_costs: Sequence[OneOffCost] = (),
    rate: float = DEFAULT_RATE,
    method: DiscountMethod = "continuous",
    step_days: float = 1.0,
) -> PartitionedSurvivalResult:
    """Life-years, QALYs, state occupancy and costs of one arm by partitioned survival.

    Parameters
    ----------
    os, pfs : callable, (time, survival) pair or DataFrame
        Overall and progression-free (or event-free) survival on days from infusion; see
        :mod:`registry.economics.curves`. PFS above OS is capped at OS.
    horizon_days : float
        Time horizon in days, > 0 (e.g. 20 * 365.25 for a 20-year horizon).
    utilities : mapping
        ``{"progression_free": u1, "progressed": u2}``: utility per year in each state, in
        [-1, 1] (dead is 0).
    state_costs : mapping, optional
        RUB per day in each state (``cycle_days`` None), or per cycle started in the state.
        A state left out costs nothing.
    cycle_days : float, optional
        Cycle length in days: the state costs are then charged at days 0, c, 2c, ... before
        the horizon to the share of the cohort in the state that day, discounted that day.
    one_off_costs : sequence of OneOffCost
    rate, method
        Annual discount rate and convention (:func:`registry.economics.discount_factor`).
    step_days : float, default 1.0
        Grid spacing for callables.

    Returns
    -------
    PartitionedSurvivalResult

    Raises
    ------
    registry.errors.InvalidInput
        For bad curves, horizon, utilities, costs, cycle length, rate or method.

    Examples
    --------
    >>> lam = 0.001
    >>> res = partitioned_survival(lambda t: np.exp(-lam * t), lambda t: np.exp(-2 * lam * t),
    ...                            3650, utilities={"progression_free": 0.8, "progressed": 0.5},
    ...                            state_costs={"progressed": 1000.0}, rate=0)
    >>> closed_form = float((1 - np.exp(-lam * 3650)) / lam / 365.25)
    >>> round(res.life_years, 6), round(closed_form, 6)
    (2.666691, 2.666691)
    >>> round(res.progression_free_years + res.progressed_years, 6)
    2.666691
    """
    os_curve = as_curve(os, "os")
    pfs_curve = as_curve(pfs, "pfs")
    horizon = _checks.finite(horizon_days, "horizon_days")
    r = _checks.rate(rate)
    m = check_method(method)
    u = _state_values(utilities, "utilities", required=True, low=-1.0, high=1.0)
    c = _state_values(state_costs, "state_costs", required=False, low=0.0, high=np.inf)
    items = _one_offs(one_off_costs)
    for i, item in enumerate(items):
        if item.day > horizon:
            raise InvalidInput.one(
                f"one_off_costs[{i}].day", f"is {item.day!r}, after the horizon {horizon!r}; "
                "leave out costs beyond the horizon or extend it"
            )
    cycle: float | None = None
    cycle_starts = np.empty(0)
    if cycle_days is not None:
        cycle = _checks.finite(cycle_days, "cycle_days")
        if cycle <= 0:
            raise InvalidInput.one("cycle_days", f"must be > 0 days; got {cycle_days!r}")
        if horizon > 0 and horizon / cycle > 1_000_000:
            raise InvalidInput.one("cycle_days", f"gives over a million cycles; got {cycle!r}")
        cycle_starts = np.arange(0.0, horizon, cycle)
    grid = day_grid(horizon, step_days, [os_curve, pfs_curve],
                    [*cycle_starts.tolist(), *(i.day for i in items)])

    os_mean = os_curve.interval_means(grid)
    pfs_mean = pfs_curve.interval_means(grid)
    pf_mean = np.minimum(pfs_mean, os_mean)
    pd_mean = os_mean - pf_mean
    years = np.diff(grid) / DAYS_PER_YEAR
    disc_years = discounted_interval_years(grid, r, m)
    qaly_rate = u["progression_free"] * pf_mean + u["progressed"] * pd_mean

    n = grid.size - 1
    state_cost = {s: np.zeros(n) for s in STATES}
    state_cost_disc = {s: np.zeros(n) for s in STATES}
    shares = {"progression_free": pf_mean, "progressed": pd_mean}
    if cycle is None:
        for s in STATES:
            state_cost[s] = c[s] * shares[s] * years * DAYS_PER_YEAR
            state_cost_disc[s] = c[s] * shares[s] * disc_years * DAYS_PER_YEAR
    else:
        where = _interval_index(grid, cycle_starts)
        point = _occupancy_at(os_curve, pfs_curve, cycle_starts)
        factor = discount_factor(cycle_starts, r, m)
        for s in STATES:
            np.add.at(state_cost[s], where, c[s] * point[s])
            np.add.at(state_cost_disc[s], where, c[s] * point[s] * factor)

    one_off = np.zeros(n)
    one_off_disc = np.zeros(n)
    rows: list[tuple[str, float, float]] = [
        (s, float(state_cost[s].sum()), float(state_cost_disc[s].sum())) for s in STATES
    ]
    for item in items:
        day = np.array([float(item.day)])
        weight = 1.0 if item.applies_to == "everyone" else float(
            _occupancy_at(os_curve, pfs_curve, day)[item.applies_to][0]
        )
        amount = float(item.amount) * weight
        amount_disc = amount * float(discount_factor(day, r, m)[0])
        idx = int(_interval_index(grid, day)[0])
        one_off[idx] += amount
        one_off_disc[idx] += amount_disc
        rows.append((item.name, amount, amount_disc))

    cost = state_cost["progression_free"] + state_cost["progressed"] + one_off
    cost_disc = state_cost_disc["progression_free"] + state_cost_disc["progressed"] + one_off_disc
    by_time = pd.DataFrame(
        {
            "day_start": grid[:-1],
            "day_end": grid[1:],
            "os": os_mean,
            "pfs": pfs_mean,
            "progression_free": pf_mean,
            "progressed": pd_mean,
            "discount": discount_factor(grid[:-1], r, m),
            "life_years": os_mean * years,
            "life_years_discounted": os_mean * disc_years,
            "qalys": qaly_rate * years,
            "qalys_discounted": qaly_rate * disc_years,
            "costs": cost,
            "costs_discounted": cost_disc,
        }
    )
    return PartitionedSurvivalResult(
        life_years=float(by_time["life_years"].sum()),
        life_years_discounted=float(by_time["life_years_discounted"].sum()),
        progression_free_years=float(np.dot(pf_mean, years)),
        progression_free_years_discounted=float(np.dot(pf_mean, disc_years)),
        progressed_years=float(np.dot(pd_mean, years)),
        progressed_years_discounted=float(np.dot(pd_mean, disc_years)),
        qalys=float(by_time["qalys"].sum()),
        qalys_discounted=float(by_time["qalys_discounted"].sum()),
        costs=float(cost.sum()),
        costs_discounted=float(cost_disc.sum()),
        cost_breakdown=pd.DataFrame(rows, columns=["item", "costs", "costs_discounted"]),
        by_time=by_time,
        horizon_days=horizon,
        rate=r,
        method=m,
    )


def _interval_index(grid: FloatArray, days: FloatArray) -> NDArray[np.intp]:
    """Index of the grid interval holding each day (the last interval holds the horizon)."""
    idx = np.searchsorted(grid, days, side="right") - 1
    out: NDArray[np.intp] = np.clip(idx, 0, grid.size - 2)
    return out


def _occupancy_at(os_curve: Curve, pfs_curve: Curve, days: FloatArray) -> dict[str, FloatArray]:
    alive = os_curve.at(days)
    pf = np.minimum(pfs_curve.at(days), alive)
    return {"alive": alive, "progression_free": pf, "progressed": alive - pf}
