"""Discounting of costs and health effects, and discounted areas under survival curves.

The registry's economic evaluations take the health-care payer's perspective and discount
costs and QALYs from day 0 (the infusion) at a rate per year that the economist chooses, 5% by
default (DESIGN.md section 7). Time is counted in days; a year is 365.25 days.

Two conventions are offered, both driven by the same *effective annual* rate ``r``:

``"continuous"`` (default)
    :math:`d(t) = (1 + r)^{-t / 365.25}`, a smooth factor: something that happens half a year
    after infusion is worth :math:`(1 + r)^{-1/2}`. Equivalently :math:`e^{-\\rho t}` with the
    continuous rate :math:`\\rho = \\ln(1 + r)` per year.
``"annual"``
    :math:`d(t) = (1 + r)^{-\\lfloor t / 365.25 \\rfloor}`: everything in the first year after
    infusion is undiscounted, everything in the second year is divided by ``1 + r``, and so on
    (the spreadsheet convention of many submissions).

Integrals use the exact discounted length of each grid interval, so a curve that is constant
on the interval (a Kaplan-Meier step) is integrated without error, and a smooth curve with the
trapezoid rule's error only (a fraction of a millionth on a daily grid).

References
----------
.. [1] Drummond MF, Sculpher MJ, Claxton K, Stoddart GL, Torrance GW. Methods for the
   Economic Evaluation of Health Care Programmes, 4th ed., Oxford 2015, chapter 4 (timing).
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from registry.analysis._validation import as_float_array
from registry.economics import _checks
from registry.economics.curves import SurvivalCurve, as_curve, day_grid
from registry.errors import InvalidInput

__all__ = [
    "DAYS_PER_YEAR",
    "DEFAULT_RATE",
    "DiscountMethod",
    "discount_factor",
    "discounted_interval_years",
    "discounted_life_years",
]

DAYS_PER_YEAR = 365.25
DEFAULT_RATE = 0.05
DiscountMethod = Literal["continuous", "annual"]
DISCOUNT_METHODS: tuple[DiscountMethod, ...] = ("continuous", "annual")


def check_method(method: str) -> DiscountMethod:
    """Return ``method`` if it is one of :data:`DISCOUNT_METHODS`."""
    for known in DISCOUNT_METHODS:
        if method == known:
            return known
    raise InvalidInput.one(
        "method", f"must be one of {', '.join(DISCOUNT_METHODS)}; got {method!r}"
    )


def _days(days: ArrayLike, name: str) -> NDArray[np.float64]:
    arr = as_float_array(np.atleast_1d(np.asarray(days, dtype=object)), name)
    if (~np.isfinite(arr)).any() or (arr < 0).any():
        raise InvalidInput.one(name, "must be finite days >= 0 counted from infusion (day 0)")
    return arr


def discount_factor(
    days: ArrayLike, rate: float = DEFAULT_RATE, method: DiscountMethod = "continuous"
) -> NDArray[np.float64]:
    """Discount factor for something that happens ``days`` after day 0.

    Parameters
    ----------
    days : array-like of float, shape (n,)
        Days from infusion, >= 0.
    rate : float, default 0.05
        Effective annual discount rate in [0, 1).
    method : {"continuous", "annual"}, default "continuous"
        See the module docstring.

    Returns
    -------
    ndarray of float64, shape (n,)
        Factors in (0, 1]; 1 at day 0.

    Raises
    ------
    registry.errors.InvalidInput
        For negative or non-finite days, a rate outside [0, 1) or an unknown method.

    Examples
    --------
    >>> discount_factor([0, 365.25, 730.5], 0.05).round(6).tolist()
    [1.0, 0.952381, 0.907029]
    >>> discount_factor([364, 366], 0.05, "annual").round(6).tolist()
    [1.0, 0.952381]
    """
    t = _days(days, "days") / DAYS_PER_YEAR
    r = _checks.rate(rate)
    if check_method(method) == "annual":
        t = np.floor(t)
    out: NDArray[np.float64] = np.power(1.0 + r, -t)
    return out


def _cumulative_discounted_years(
    t_years: NDArray[np.float64], r: float, method: DiscountMethod
) -> NDArray[np.float64]:
    """:math:`F(t) = \\int_0^t d(s)\\,ds` in years, for ``t`` in years."""
    if r == 0:
        return t_years.copy()
    v = 1.0 / (1.0 + r)
    if method == "annual":
        whole = np.floor(t_years)
        out: NDArray[np.float64] = (1.0 - v**whole) / (1.0 - v) + (t_years - whole) * v**whole
        return out
    rho = math.log1p(r)
    cont: NDArray[np.float64] = -np.expm1(-rho * t_years) / rho
    return cont


def discounted_interval_years(
    grid_days: ArrayLike, rate: float = DEFAULT_RATE, method: DiscountMethod = "continuous"
) -> NDArray[np.float64]:
    """Exact discounted length, in years, of each interval of a day grid.

    Parameters
    ----------
    grid_days : array-like of float, shape (n + 1,)
        Increasing days from infusion, >= 0.
    rate, method
        As in :func:`discount_factor`.

    Returns
    -------
    ndarray of float64, shape (n,)
        :math:`\\int_{t_i}^{t_{i+1}} d(s)\\,ds / 365.25`. With ``rate=0`` the plain lengths in
        years.

    Raises
    ------
    registry.errors.InvalidInput
        For a grid that is not increasing, or as :func:`discount_factor`.

    Examples
    --------
    >>> r = 0.05
    >>> got = discounted_interval_years([0, 365.25], r)[0]
    >>> bool(abs(got - r / ((1 + r) * math.log(1 + r))) < 1e-12)
    True
    """
    grid = _days(grid_days, "grid_days")
    if grid.size < 2 or (np.diff(grid) <= 0).any():
        raise InvalidInput.one("grid_days", "must hold at least two strictly increasing days")
    r = _checks.rate(rate)
    m = check_method(method)
    t = grid / DAYS_PER_YEAR
    if m == "continuous" and r > 0:
        # d(a) * (1 - d(b - a)) / rho: no cancellation for short intervals far from day 0
        rho = math.log1p(r)
        out: NDArray[np.float64] = np.exp(-rho * t[:-1]) * -np.expm1(-rho * np.diff(t)) / rho
        return out
    return np.diff(_cumulative_discounted_years(t, r, m))


def discounted_life_years(
    curve: SurvivalCurve,
    horizon_days: float,
    rate: float = DEFAULT_RATE,
    method: DiscountMethod = "continuous",
    step_days: float = 1.0,
) -> float:
    """Discounted area under a survival curve from day 0 to the horizon, in years.

    Parameters
    ----------
    curve : callable, (time, survival) pair or DataFrame with ``time`` and ``survival``
        A callable maps an array of days to survival probabilities (e.g. a fitted parametric
        curve); a pair of arrays (or :func:`registry.analysis.kaplan_meier`'s frame) is a
        right-continuous step function, 1 before its first time and carried forward after
        its last.
    horizon_days : float
        Upper limit of the integral in days, > 0.
    rate, method
        As in :func:`discount_factor`; ``rate=0`` gives undiscounted life-years (the RMST in
        years).
    step_days : float, default 1.0
        Grid spacing. Step curves are integrated exactly whatever the spacing (their jump
        times join the grid); callables by the trapezoid rule on the grid.

    Returns
    -------
    float
        :math:`\\int_0^H S(t)\\,d(t)\\,dt` in years.

    Raises
    ------
    registry.errors.InvalidInput
        For a bad curve, horizon, step, rate or method.

    Examples
    --------
    >>> lam = math.log(2) / 365.25  # median survival one year
    >>> got = discounted_life_years(lambda t: np.exp(-lam * t), 3652.5, rate=0.0)
    >>> round(got, 5), round((1 - 2**-10) / math.log(2), 5)
    (1.44129, 1.44129)
    """
    parsed = as_curve(curve, "curve")
    horizon = _checks.finite(horizon_days, "horizon_days")
    grid = day_grid(horizon, step_days, [parsed])
    weights = discounted_interval_years(grid, rate, method)
    return float(np.dot(parsed.interval_means(grid), weights))
