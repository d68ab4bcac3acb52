"""Discount factors and discounted life-years against closed forms."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from registry.analysis import StatisticalWarning, kaplan_meier, rmst
from registry.economics import (
    DAYS_PER_YEAR,
    discount_factor,
    discounted_interval_years,
    discounted_life_years,
)
from registry.errors import InvalidInput

YEAR = DAYS_PER_YEAR


def _field(exc: pytest.ExceptionInfo[InvalidInput]) -> str:
    return exc.value.errors[0].field


@pytest.mark.parametrize("rate", [0.0, 0.03, 0.05, 0.1])
def test_continuous_factor_is_one_over_one_plus_rate_to_the_years(rate: float) -> None:
    days = np.array([0.0, YEAR / 2, YEAR, 3 * YEAR])
    expected = [1.0, (1 + rate) ** -0.5, 1 / (1 + rate), (1 + rate) ** -3]
    np.testing.assert_allclose(discount_factor(days, rate), expected, rtol=1e-14)


def test_annual_factor_is_constant_within_each_year() -> None:
    got = discount_factor([0, 100, 365, 366, 730, 731], 0.05, "annual")
    np.testing.assert_allclose(got, [1, 1, 1, 1 / 1.05, 1 / 1.05, 1 / 1.05**2], rtol=1e-14)


@pytest.mark.parametrize("rate", [0.03, 0.05, 0.1])
def test_constant_survival_over_one_year_matches_the_continuous_formula(rate: float) -> None:
    # integral_0^1 (1 + r)^-t dt = r / ((1 + r) ln(1 + r))
    expected = rate / ((1 + rate) * math.log(1 + rate))
    as_steps = discounted_life_years(([0.0, YEAR], [1.0, 1.0]), YEAR, rate)
    as_callable = discounted_life_years(lambda t: np.ones_like(t), YEAR, rate)
    assert as_steps == pytest.approx(expected, rel=1e-12)
    assert as_callable == pytest.approx(expected, rel=1e-8)
    assert discounted_interval_years([0, YEAR], rate)[0] == pytest.approx(expected, rel=1e-14)


def test_constant_survival_with_annual_discounting_is_a_geometric_sum() -> None:
    got = discounted_life_years(lambda t: np.ones_like(t), 3 * YEAR, 0.05, "annual")
    assert got == pytest.approx(1 + 1 / 1.05 + 1 / 1.05**2, rel=1e-12)
    half = discounted_interval_years([0, 1.5 * YEAR], 0.05, "annual")[0]
    assert half == pytest.approx(1 + 0.5 / 1.05, rel=1e-14)


@pytest.mark.parametrize(("rate", "horizon_years"), [(0.0, 5.0), (0.05, 5.0), (0.035, 20.0)])
def test_exponential_survival_integral_matches_the_closed_form(
    rate: float, horizon_years: float
) -> None:
    lam = math.log(2) / 400  # median 400 days
    rho = math.log1p(rate) / YEAR  # per day
    horizon = horizon_years * YEAR
    expected = (1 - math.exp(-(lam + rho) * horizon)) / (lam + rho) / YEAR
    got = discounted_life_years(lambda t: np.exp(-lam * t), horizon, rate)
    assert got == pytest.approx(expected, rel=1e-6)
    # trapezoid rule: halving the grid step quarters the error
    finer = discounted_life_years(lambda t: np.exp(-lam * t), horizon, rate, step_days=0.5)
    assert abs(finer - expected) == pytest.approx(abs(got - expected) / 4, rel=0.01)


def test_step_curve_is_integrated_exactly_whatever_the_grid() -> None:
    times, surv = [100.0, 200.5, 300.0], [0.5, 0.25, 0.25]
    rate = 0.05
    rho = math.log1p(rate) / YEAR

    def piece(a: float, b: float) -> float:
        return (math.exp(-rho * a) - math.exp(-rho * b)) / rho / YEAR

    expected = piece(0, 100) + 0.5 * piece(100, 200.5) + 0.25 * piece(200.5, 300)
    for step in (1.0, 7.0, 1000.0):
        got = discounted_life_years((times, surv), 300, rate, step_days=step)
        assert got == pytest.approx(expected, rel=1e-12)
    undiscounted = discounted_life_years((times, surv), 300, 0.0)
    assert undiscounted * YEAR == pytest.approx(100 + 0.5 * 100.5 + 0.25 * 99.5, rel=1e-12)


def test_undiscounted_area_under_kaplan_meier_is_the_rmst() -> None:
    rng = np.random.default_rng(7)
    time = np.round(rng.exponential(500, 80), 1)
    event = rng.random(80) < 0.7
    horizon = 600.0
    km = kaplan_meier(time, event)
    got = discounted_life_years(km, horizon, rate=0.0)
    assert got * YEAR == pytest.approx(rmst(time, event, horizon).rmst, rel=1e-12)


def test_step_curve_ending_above_zero_before_the_horizon_warns() -> None:
    with pytest.warns(StatisticalWarning, match="carried forward"):
        got = discounted_life_years(([10.0], [0.5]), 20.0, 0.0)
    assert got * YEAR == pytest.approx(10 + 5)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"rate": -0.01}, "rate"),
        ({"rate": 1.5}, "rate"),
        ({"rate": float("nan")}, "rate"),
        ({"method": "monthly"}, "method"),
    ],
)
def test_bad_rate_or_method_is_named(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        discount_factor([1.0], **kwargs)  # type: ignore[arg-type]
    assert _field(exc) == field


def test_negative_days_and_bad_grids_are_rejected() -> None:
    with pytest.raises(InvalidInput) as exc:
        discount_factor([-1.0])
    assert _field(exc) == "days"
    with pytest.raises(InvalidInput) as exc:
        discounted_interval_years([0, 10, 5])
    assert _field(exc) == "grid_days"


@pytest.mark.parametrize(
    ("curve", "message"),
    [
        (([1.0, 2.0], [0.5, 0.7]), "rises"),
        (([1.0, 2.0], [0.5, 1.5]), "outside"),
        (([2.0, 1.0], [0.9, 0.5]), "out of order"),
        (([1.0], [0.5, 0.4]), "as many times"),
        (lambda t: np.exp(t / 100), "outside"),
        (pd.DataFrame({"time": [1.0]}), "without column"),
        ("not a curve", "must be a function"),
    ],
)
def test_bad_curves_are_rejected_with_the_argument_name(curve: object, message: str) -> None:
    with pytest.raises(InvalidInput, match=message) as exc:
        discounted_life_years(curve, 10.0)  # type: ignore[arg-type]
    assert _field(exc).startswith("curve")


@pytest.mark.parametrize("horizon", [0.0, -5.0, float("inf")])
def test_bad_horizon_is_named(horizon: float) -> None:
    with pytest.raises(InvalidInput) as exc:
        discounted_life_years(lambda t: np.ones_like(t), horizon)
    assert _field(exc) == "horizon_days"
