"""Partitioned survival against closed forms for exponential curves and hand sums for steps."""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pytest

from registry.economics import (
    DAYS_PER_YEAR,
    OneOffCost,
    PartitionedSurvivalResult,
    partitioned_survival,
)
from registry.errors import InvalidInput

YEAR = DAYS_PER_YEAR
ONES = {"progression_free": 1.0, "progressed": 1.0}


def _exp(rate_per_day: float) -> Callable[[np.ndarray], np.ndarray]:
    return lambda t: np.exp(-rate_per_day * t)


def _area(k: float, horizon: float, rate: float) -> float:
    """Closed form of integral_0^H exp(-k t) (1 + rate)^(-t / 365.25) dt, in years."""
    total = k + math.log1p(rate) / YEAR
    return (1 - math.exp(-total * horizon)) / total / YEAR


def test_os_equal_to_pfs_leaves_no_progressed_time() -> None:
    curve = _exp(0.002)
    res = partitioned_survival(curve, curve, 5 * YEAR, utilities={"progression_free": 0.8,
                                                                  "progressed": 0.4})
    assert res.progressed_years == 0.0
    assert res.progressed_years_discounted == 0.0
    assert (res.by_time["progressed"] == 0).all()
    assert res.progression_free_years == pytest.approx(res.life_years, rel=1e-15)
    assert res.qalys == pytest.approx(0.8 * res.life_years, rel=1e-12)


def test_utilities_of_one_make_qalys_equal_life_years() -> None:
    res = partitioned_survival(_exp(0.001), _exp(0.004), 10 * YEAR, utilities=ONES)
    assert res.qalys == pytest.approx(res.life_years, rel=1e-12)
    assert res.qalys_discounted == pytest.approx(res.life_years_discounted, rel=1e-12)
    assert res.life_years_discounted < res.life_years


@pytest.mark.parametrize("rate", [0.0, 0.05])
def test_exponential_curves_match_closed_forms(rate: float) -> None:
    a, b = 0.001, 0.003  # OS and PFS hazards per day
    horizon = 8 * YEAR
    u_pf, u_pd = 0.85, 0.55
    cost_pf, cost_pd = 100.0, 2500.0  # RUB per day
    res = partitioned_survival(
        _exp(a), _exp(b), horizon,
        utilities={"progression_free": u_pf, "progressed": u_pd},
        state_costs={"progression_free": cost_pf, "progressed": cost_pd},
        rate=rate,
    )
    os_years = _area(a, horizon, rate)
    pf_years = _area(b, horizon, rate)
    pd_years = os_years - pf_years
    tol = 1e-6
    assert res.life_years_discounted == pytest.approx(os_years, rel=tol)
    assert res.progression_free_years_discounted == pytest.approx(pf_years, rel=tol)
    assert res.progressed_years_discounted == pytest.approx(pd_years, rel=tol)
    assert res.qalys_discounted == pytest.approx(u_pf * pf_years + u_pd * pd_years, rel=tol)
    expected_cost = (cost_pf * pf_years + cost_pd * pd_years) * YEAR
    assert res.costs_discounted == pytest.approx(expected_cost, rel=tol)
    assert res.life_years == pytest.approx(_area(a, horizon, 0.0), rel=tol)


def test_pfs_above_os_is_capped_at_os() -> None:
    res = partitioned_survival(_exp(0.002), lambda t: np.ones_like(t), 3 * YEAR,
                               utilities={"progression_free": 0.9, "progressed": 0.1})
    assert res.progressed_years == 0.0
    assert res.progression_free_years == pytest.approx(res.life_years, rel=1e-15)
    assert (res.by_time["progression_free"] <= res.by_time["os"]).all()


def test_step_curves_with_cycle_and_one_off_costs_by_hand() -> None:
    os = ([50.0, 100.0, 120.0], [0.8, 0.6, 0.6])
    pfs = ([30.0, 80.0, 120.0], [0.5, 0.3, 0.3])
    rate = 0.05
    horizon = 120.0
    res = partitioned_survival(
        os, pfs, horizon,
        utilities={"progression_free": 1.0, "progressed": 0.5},
        state_costs={"progression_free": 10.0, "progressed": 100.0},
        cycle_days=40.0,
        one_off_costs=[OneOffCost("product", 1000.0),
                       OneOffCost("follow-up visit", 50.0, day=60.0, applies_to="alive")],
        rate=rate,
    )
    # occupancy at cycle starts 0, 40, 80: pf = min(pfs, os), pd = os - pf
    pf = {0: 1.0, 40: 0.5, 80: 0.3}
    alive = {0: 1.0, 40: 1.0, 80: 0.8}

    def d(day: float) -> float:
        return (1 + rate) ** (-day / YEAR)

    cycle = sum(10 * pf[t] + 100 * (alive[t] - pf[t]) for t in pf)
    cycle_disc = sum((10 * pf[t] + 100 * (alive[t] - pf[t])) * d(t) for t in pf)
    one_off = 1000 + 50 * 0.8
    one_off_disc = 1000 + 50 * 0.8 * d(60)
    assert res.costs == pytest.approx(cycle + one_off, rel=1e-12)
    assert res.costs_discounted == pytest.approx(cycle_disc + one_off_disc, rel=1e-12)
    # undiscounted life-years: 50 days at 1, 50 at 0.8, 20 at 0.6
    assert res.life_years * YEAR == pytest.approx(50 + 40 + 12, rel=1e-12)
    # progression-free = min(pfs, os): 30 days at 1, 50 at 0.5, 40 at 0.3
    assert res.progression_free_years * YEAR == pytest.approx(30 + 25 + 12, rel=1e-12)
    breakdown = res.cost_breakdown.set_index("item")
    assert breakdown.loc["product", "costs_discounted"] == 1000.0
    assert breakdown.loc["follow-up visit", "costs"] == pytest.approx(40.0)
    assert breakdown["costs_discounted"].sum() == pytest.approx(res.costs_discounted)


def test_by_time_frame_adds_up_to_the_totals() -> None:
    res = partitioned_survival(_exp(0.001), _exp(0.002), 2 * YEAR, utilities=ONES,
                               state_costs={"progressed": 1.0})
    assert isinstance(res, PartitionedSurvivalResult)
    frame = res.by_time
    assert frame["day_start"].iloc[0] == 0.0
    assert frame["day_end"].iloc[-1] == 2 * YEAR
    assert (frame["day_start"].iloc[1:].to_numpy() == frame["day_end"].iloc[:-1].to_numpy()).all()
    for column, total in [("life_years", res.life_years),
                          ("qalys_discounted", res.qalys_discounted),
                          ("costs_discounted", res.costs_discounted)]:
        assert frame[column].sum() == pytest.approx(total, rel=1e-12)
    assert np.allclose(frame["progression_free"] + frame["progressed"], frame["os"])
    assert frame["discount"].is_monotonic_decreasing


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"utilities": {"progression_free": 0.8}}, "utilities"),
        ({"utilities": {"progression_free": 0.8, "progressed": 1.2}}, "utilities['progressed']"),
        ({"utilities": ONES, "state_costs": {"dead": 5.0}}, "state_costs"),
        ({"utilities": ONES, "state_costs": {"progressed": -1.0}}, "state_costs['progressed']"),
        ({"utilities": ONES, "cycle_days": 0}, "cycle_days"),
        ({"utilities": ONES, "rate": 2.0}, "rate"),
        ({"utilities": ONES, "one_off_costs": [OneOffCost("x", 1.0, day=-1)]},
         "one_off_costs[0].day"),
        ({"utilities": ONES, "one_off_costs": [OneOffCost("x", 1.0, day=2 * YEAR)]},
         "one_off_costs[0].day"),
    ],
)
def test_bad_parameters_are_named(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        partitioned_survival(_exp(0.001), _exp(0.002), YEAR, **kwargs)  # type: ignore[arg-type]
    assert exc.value.errors[0].field == field


def test_bad_curve_names_os_or_pfs() -> None:
    with pytest.raises(InvalidInput) as exc:
        partitioned_survival(_exp(0.001), ([1.0], [2.0]), YEAR, utilities=ONES)
    assert exc.value.errors[0].field == "pfs"
