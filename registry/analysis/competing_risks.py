"""Cumulative incidence under competing risks (Aalen-Johansen), as ``cmprsk::cuminc``.

After CAR-T, relapse and non-relapse mortality compete: a patient who dies in remission can no
longer relapse. ``1 - Kaplan-Meier`` with deaths censored overstates relapse; the cumulative
incidence function (CIF) does not (DESIGN.md section 6: CIR vs NRM by Aalen-Johansen).

The estimate and variance reproduce Gray's ``cinc`` routine behind ``cmprsk::cuminc``
(including its variance estimator, which ``cuminc`` reports but does not turn into an
interval). The interval is the log(-log) one of Pintilie (2006, section 4.2.3), also used by
``tidycmprsk``: ``cif ** exp(-/+ z * sqrt(var) / (cif * log(cif)))``. It stays inside (0, 1)
and is NaN where the CIF is 0 or 1.

References
----------
.. [1] Kalbfleisch JD, Prentice RL. The Statistical Analysis of Failure Time Data, 2nd ed.,
   2002, section 8.2.
.. [2] Gray RJ. A class of K-sample tests for comparing the cumulative incidence of a competing
   risk. Ann Stat 1988;16:1141-1154 (variance estimator used by ``cmprsk``).
.. [3] Pintilie M. Competing Risks: A Practical Perspective. Wiley, 2006.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from registry.analysis._km import count_at, distinct_sorted
from registry.analysis._validation import as_float_array, as_time, check_conf_level, z_value
from registry.analysis.exceptions import StatisticalWarning
from registry.errors import InvalidInput

__all__ = ["cumulative_incidence"]


def _as_cause(values: ArrayLike, n: int) -> NDArray[np.int64]:
    arr = as_float_array(values, "cause")
    if arr.size != n:
        raise InvalidInput.one(
            "cause", f"has {arr.size} values but time has {n}; pass one value per patient"
        )
    bad = ~np.isfinite(arr) | (arr < 0) | (arr != np.round(arr))
    if bad.any():
        where = int(np.flatnonzero(bad)[0])
        raise InvalidInput.one(
            "cause",
            "must hold whole numbers >= 0 (0 = censored, 1, 2, ... = causes), but has "
            f"{int(bad.sum())} other value(s), the first at position {where} "
            f"({float(arr[where])!r})",
        )
    return arr.astype(np.int64)


def _ties_factor(count: NDArray[np.float64], at_risk: NDArray[np.float64]) -> NDArray[np.float64]:
    """Gray's ``t5``: 1 for a single failure, ``1 - (d - 1)/(n - 1)`` for tied failures."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(count > 1, 1.0 - (count - 1.0) / (at_risk - 1.0), 1.0)


def cumulative_incidence(
    time: ArrayLike,
    cause: ArrayLike,
    cause_of_interest: int,
    conf_level: float = 0.95,
) -> pd.DataFrame:
    """Cumulative incidence of one cause in the presence of competing causes.

    Parameters
    ----------
    time : array-like of float, shape (n_samples,)
        Time to the first event of any cause, or to censoring; >= 0.
    cause : array-like of int, shape (n_samples,)
        0 = censored; 1, 2, ... = the cause of the event (e.g. 1 relapse, 2 death in
        remission).
    cause_of_interest : int
        The cause whose incidence is estimated (> 0).
    conf_level : float, default 0.95

    Returns
    -------
    pandas.DataFrame, shape (n_distinct_times, 9)
        One row per distinct observed time, ascending, with columns ``time, n_risk, n_event``
        (cause of interest), ``n_competing, n_censor, cif, variance, lower, upper``. ``cif``
        and ``variance`` equal ``cmprsk::timepoints(cuminc(time, cause), time)``.

    Raises
    ------
    registry.errors.InvalidInput
        For bad times, causes that are not whole numbers >= 0, or ``cause_of_interest <= 0``.

    Warns
    -----
    StatisticalWarning
        If ``cause_of_interest`` never occurs (the CIF is then 0 throughout).

    Notes
    -----
    With :math:`\\hat S` the all-cause Kaplan-Meier curve,
    :math:`\\hat F_k(t) = \\sum_{t_j \\le t} \\hat S(t_{j-1})\\, d_{kj} / n_j` [1]_. The
    variance is Gray's delta-method estimator [2]_ with the ties correction of ``cinc``.

    Examples
    --------
    >>> cif = cumulative_incidence([1, 2, 3, 4, 5], [1, 2, 1, 0, 1], cause_of_interest=1)
    >>> cif["cif"].round(4).tolist()
    [0.2, 0.2, 0.4, 0.4, 0.8]
    """
    t = as_time(time)
    codes = _as_cause(cause, t.size)
    if isinstance(cause_of_interest, bool) or not float(cause_of_interest).is_integer() or (
        cause_of_interest <= 0
    ):
        raise InvalidInput.one(
            "cause_of_interest", f"must be a cause code > 0 (0 means censored); got "
            f"{cause_of_interest!r}"
        )
    z = z_value(check_conf_level(conf_level))
    if not (codes == cause_of_interest).any():
        warnings.warn(
            f"cause_of_interest {cause_of_interest!r} never occurs (codes present: "
            f"{sorted(set(codes.tolist()) - {0})!r}); its cumulative incidence is 0",
            StatisticalWarning,
            stacklevel=2,
        )
    n = t.size
    distinct, starts = distinct_sorted(np.sort(t))
    rs = (n - starts).astype(np.float64)
    d1 = count_at(distinct, t[codes == cause_of_interest]).astype(np.float64)
    d_all = count_at(distinct, t[codes > 0]).astype(np.float64)
    d2 = d_all - d1
    n_total = np.diff(np.append(starts, n))
    s_after = np.cumprod((rs - d_all) / rs)
    s_before = np.concatenate(([1.0], s_after[:-1]))
    cif = np.cumsum(s_before * d1 / rs)

    with np.errstate(divide="ignore", invalid="ignore"):
        inv = np.where(s_after > 0, 1.0 / s_after, 0.0)
        # competing failures at t_j (Gray's first block; skipped once everyone has failed)
        competing = (d2 > 0) & (s_after > 0)
        w2 = np.where(competing, s_before**2 * _ties_factor(d2, rs) * d2 / rs**2, 0.0)
        # failures from the cause of interest at t_j (second block)
        w1 = np.where(d1 > 0, s_before**2 * _ties_factor(d1, rs) * d1 / rs**2, 0.0)
    lead = 1.0 + inv * cif
    v1 = np.cumsum((cif * inv) ** 2 * w2 + lead**2 * w1)
    v2 = np.cumsum(inv * (cif * inv) * w2 + inv * lead * w1)
    v3 = np.cumsum(inv**2 * w2 + inv**2 * w1)
    at_cause = d1 > 0
    variance_at_cause = v1 + cif**2 * v3 - 2.0 * cif * v2
    # cinc updates the variance only at the cause's own failure times: carry it forward
    last = np.maximum.accumulate(np.where(at_cause, np.arange(distinct.size), -1))
    variance = np.where(last >= 0, variance_at_cause[np.maximum(last, 0)], 0.0)

    with np.errstate(divide="ignore", invalid="ignore"):
        spread = z * np.sqrt(variance) / (cif * np.log(cif))
        lower = cif ** np.exp(-spread)
        upper = cif ** np.exp(spread)
    undefined = (cif <= 0) | (cif >= 1)
    lower[undefined] = np.nan
    upper[undefined] = np.nan
    return pd.DataFrame(
        {
            "time": distinct,
            "n_risk": (n - starts).astype(np.int64),
            "n_event": d1.astype(np.int64),
            "n_competing": d2.astype(np.int64),
            "n_censor": (n_total - d_all).astype(np.int64),
            "cif": cif,
            "variance": variance,
            "lower": lower,
            "upper": upper,
        }
    )
