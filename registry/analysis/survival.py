"""Kaplan-Meier curves, medians, landmark survival, numbers at risk and the log-rank test.

The registry's headline endpoints (OS, PFS, EFS, DOR; DESIGN.md section 6) are read off these
functions. Every number is defined to agree with R's ``survival`` package, the reference the
registry's reports are checked against (``tests/fixtures/make_survival_fixtures.R``):

* :func:`kaplan_meier` is ``survfit(Surv(time, event) ~ 1, conf.type=...)``,
* :func:`median_survival` is the median and CI printed by ``print.survfit``,
* :func:`survival_at` is ``summary(fit, times=...)``,
* :func:`logrank_test` is ``survdiff(Surv(time, event) ~ group)``.

All are vectorised (one sort, cumulative sums, ``searchsorted``), so a million patients take
well under a second.

References
----------
.. [1] Kaplan EL, Meier P. Nonparametric estimation from incomplete observations.
   JASA 1958;53:457-481.
.. [2] Greenwood M. The natural duration of cancer. Reports on Public Health and Medical
   Subjects 1926;33:1-26.
.. [3] Therneau TM. A Package for Survival Analysis in R (``survfit``, ``survdiff``).
.. [4] Schemper M, Smith TL. A note on quantifying follow-up in studies of failure time.
   Control Clin Trials 1996;17:343-346 (reverse Kaplan-Meier).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from registry.analysis._distributions import chi2_sf
from registry.analysis._km import first_time_at_or_below_half, fit_curve, risk_by_group
from registry.analysis._validation import (
    ConfType,
    as_event,
    as_groups,
    as_time,
    check_conf_level,
    check_conf_type,
)
from registry.analysis.exceptions import StatisticalWarning
from registry.errors import InvalidInput

__all__ = [
    "LogRankResult",
    "MedianSurvival",
    "kaplan_meier",
    "logrank_test",
    "median_survival",
    "number_at_risk",
    "reverse_km_median_followup",
    "survival_at",
]


@dataclass(frozen=True)
class MedianSurvival:
    """Median survival time with the confidence interval of ``print.survfit``.

    Attributes
    ----------
    median, lower, upper : float
        NaN when the curve (or its band) never falls to 0.5 ("not reached").
    conf_level : float
    conf_type : {"log-log", "log", "plain"}
    """

    median: float
    lower: float
    upper: float
    conf_level: float
    conf_type: ConfType


@dataclass(frozen=True)
class LogRankResult:
    """The log-rank (Mantel-Haenszel) test of equal survival across groups.

    Attributes
    ----------
    statistic : float
        Chi-square statistic, R ``survdiff()$chisq``.
    df : int
        Groups with a positive expected count, minus one.
    p_value : float
        NaN when fewer than two groups have a positive expected count (R prints 0).
    observed, expected : pandas.Series, shape (n_groups,)
        Observed and expected events per group, indexed by the sorted group labels.
    variance : pandas.DataFrame, shape (n_groups, n_groups)
        Hypergeometric covariance of ``observed - expected`` (R ``survdiff()$var``).
    """

    statistic: float
    df: int
    p_value: float
    observed: pd.Series
    expected: pd.Series
    variance: pd.DataFrame


def kaplan_meier(
    time: ArrayLike,
    event: ArrayLike,
    conf_level: float = 0.95,
    conf_type: ConfType = "log-log",
) -> pd.DataFrame:
    """Kaplan-Meier survival curve with Greenwood confidence limits.

    Parameters
    ----------
    time : array-like of float, shape (n_samples,)
        Follow-up time from the time origin, >= 0.
    event : array-like of {0, 1} or bool, shape (n_samples,)
        1 if the event was observed, 0 if censored at ``time``.
    conf_level : float, default 0.95
    conf_type : {"log-log", "log", "plain"}, default "log-log"
        Scale of the pointwise interval, as R's ``conf.type`` ("log" is R's default; the
        registry's convention is "log-log").

    Returns
    -------
    pandas.DataFrame, shape (n_distinct_times, 7)
        One row per distinct observed time (event or censoring), ascending, with columns
        ``time, n_risk, n_event, n_censor, survival, lower, upper``. ``lower``/``upper`` are
        NaN where R reports NA: survival 0 and, for "log-log", survival 1. No time-0 row is
        added (prepend one when drawing). ``attrs`` records ``conf_level`` and ``conf_type``.

    Raises
    ------
    registry.errors.InvalidInput
        (a ValueError) for empty, negative, missing or infinite times, events other than 0/1,
        mismatched lengths, or a bad ``conf_level``/``conf_type``.

    Notes
    -----
    :math:`\\hat S(t) = \\prod_{t_j \\le t} (1 - d_j / n_j)` [1]_ and Greenwood's
    :math:`\\widehat{\\mathrm{Var}}\\,\\log \\hat S(t) = \\sum_{t_j \\le t} d_j / (n_j (n_j - d_j))`
    [2]_; the limits are R's ``survfit`` limits on the chosen scale [3]_. All censored: survival
    is 1 at every time.

    Examples
    --------
    >>> km = kaplan_meier([1, 2, 2, 3, 4], [1, 1, 0, 1, 0])
    >>> km["time"].tolist(), km["n_risk"].tolist(), km["survival"].round(3).tolist()
    ([1.0, 2.0, 3.0, 4.0], [5, 4, 2, 1], [0.8, 0.6, 0.3, 0.3])
    >>> km["lower"].round(4).tolist()
    [0.2038, 0.1257, 0.0123, 0.0123]
    """
    table, surv, var_log, lower, upper = fit_curve(time, event, conf_level, conf_type)
    frame = pd.DataFrame(
        {
            "time": table.time,
            "n_risk": table.n_risk,
            "n_event": table.n_event,
            "n_censor": table.n_censor,
            "survival": surv,
            "lower": lower,
            "upper": upper,
        }
    )
    frame.attrs.update(conf_level=check_conf_level(conf_level), conf_type=conf_type)
    return frame


def median_survival(
    time: ArrayLike,
    event: ArrayLike,
    conf_level: float = 0.95,
    conf_type: ConfType = "log-log",
) -> MedianSurvival:
    """Median survival time and its confidence interval, as R's ``print(survfit(...))``.

    Parameters
    ----------
    time, event, conf_level, conf_type
        As in :func:`kaplan_meier`.

    Returns
    -------
    MedianSurvival
        ``median`` is the first time the curve is <= 0.5; if the curve equals 0.5 exactly
        (within ``sqrt(eps)``) over an interval, the midpoint of that interval's start and the
        time the curve next drops. ``lower``/``upper`` apply the same rule to the lower and
        upper pointwise limits (Brookmeyer-Crowley style). NaN means "not reached".

    Examples
    --------
    >>> median_survival([1, 2, 3, 4], [1, 1, 1, 1]).median  # S = 0.5 on [2, 3)
    2.5
    >>> import math; math.isnan(median_survival([1, 2, 3, 4], [1, 0, 0, 0]).median)
    True
    """
    table, surv, _, lower, upper = fit_curve(time, event, conf_level, conf_type)
    return MedianSurvival(
        median=first_time_at_or_below_half(table.time, surv),
        lower=first_time_at_or_below_half(table.time, lower),
        upper=first_time_at_or_below_half(table.time, upper),
        conf_level=check_conf_level(conf_level),
        conf_type=check_conf_type(conf_type),
    )


def reverse_km_median_followup(
    time: ArrayLike,
    event: ArrayLike,
    conf_level: float = 0.95,
    conf_type: ConfType = "log-log",
) -> MedianSurvival:
    """Median potential follow-up by the reverse Kaplan-Meier method.

    The Kaplan-Meier estimator with the roles swapped (censoring is the "event", an event
    censors follow-up) [4]_; equal to R's median of ``survfit(Surv(time, 1 - event) ~ 1)``.

    Parameters
    ----------
    time, event, conf_level, conf_type
        As in :func:`kaplan_meier`; ``event`` is the clinical event (e.g. death).

    Returns
    -------
    MedianSurvival

    Examples
    --------
    >>> reverse_km_median_followup([2, 4, 6, 8], [1, 0, 0, 0]).median
    6.0
    """
    t = as_time(time)
    e = as_event(event, t.size)
    return median_survival(t, ~e, conf_level, conf_type)


def survival_at(
    time: ArrayLike,
    event: ArrayLike,
    times: ArrayLike,
    conf_level: float = 0.95,
    conf_type: ConfType = "log-log",
    extend: bool = False,
) -> pd.DataFrame:
    """Landmark survival (e.g. at 6, 12, 24 months), as R's ``summary(fit, times=...)``.

    Parameters
    ----------
    time, event, conf_level, conf_type
        As in :func:`kaplan_meier`.
    times : array-like of float, shape (n_times,)
        Landmarks, >= 0, in any order.
    extend : bool, default False
        What to do with landmarks after the last follow-up time. False: survival, std_err and
        limits are NaN and a :class:`StatisticalWarning` says so (R drops those rows instead).
        True: carry the last value forward, as R's ``extend=TRUE``.

    Returns
    -------
    pandas.DataFrame, shape (n_times, 6)
        Columns ``time, n_risk, survival, std_err, lower, upper``, one row per landmark in the
        order given. ``n_risk`` is R's: patients with follow-up >= the landmark.
        ``std_err`` is Greenwood's standard error of S (not of log S). Before the first
        observed time survival is 1 with ``std_err`` 0 and limits 1 (R's ``survfit0`` row).

    Examples
    --------
    >>> out = survival_at([1, 2, 2, 3, 4], [1, 1, 0, 1, 0], times=[0.5, 2.5])
    >>> out["n_risk"].tolist(), out["survival"].round(3).tolist()
    ([5, 2], [1.0, 0.6])
    """
    t = as_time(time)
    table, curve, var_log, curve_lower, curve_upper = fit_curve(t, event, conf_level, conf_type)
    at = as_time(times, "times")
    row = np.searchsorted(table.time, at, side="right") - 1
    before = row < 0  # R's survfit0 row at time 0: S = 1, se 0, limits 1
    pick = np.maximum(row, 0)
    surv = np.where(before, 1.0, curve[pick])
    lower = np.where(before, 1.0, curve_lower[pick])
    upper = np.where(before, 1.0, curve_upper[pick])
    with np.errstate(invalid="ignore"):  # inf * 0 where S = 0 is NaN, as in R
        std_err = np.where(before, 0.0, np.sqrt(var_log[pick]) * surv)
    beyond = at > table.time[-1]
    if beyond.any() and not extend:
        warnings.warn(
            f"times {at[beyond].tolist()!r} are after the last follow-up time "
            f"({float(table.time[-1])!r}); survival there is unknown and returned as NaN "
            "(pass extend=True to carry the last value forward, as R's extend=TRUE)",
            StatisticalWarning,
            stacklevel=2,
        )
        for values in (surv, std_err, lower, upper):
            values[beyond] = np.nan
    return pd.DataFrame(
        {
            "time": at,
            "n_risk": number_at_risk(t, at),
            "survival": surv,
            "std_err": std_err,
            "lower": lower,
            "upper": upper,
        }
    )


def number_at_risk(time: ArrayLike, times: ArrayLike) -> NDArray[np.int64]:
    """Number of patients still at risk (follow-up >= t) at each of ``times``.

    Parameters
    ----------
    time : array-like of float, shape (n_samples,)
        Follow-up times (event or censoring).
    times : array-like of float, shape (n_times,)
        Where to count, e.g. the ticks under a Kaplan-Meier plot.

    Returns
    -------
    ndarray of int64, shape (n_times,)
        Same as R's ``summary(fit, times=...)$n.risk`` (0 after the last follow-up).

    Examples
    --------
    >>> number_at_risk([1, 2, 2, 3, 4], [0, 2, 2.5, 10]).tolist()
    [5, 4, 2, 0]
    """
    ordered = np.sort(as_time(time))
    at = as_time(times, "times")
    return (ordered.size - np.searchsorted(ordered, at, side="left")).astype(np.int64)


def logrank_test(time: ArrayLike, event: ArrayLike, group: ArrayLike) -> LogRankResult:
    """Log-rank test that two or more groups share one survival curve (R ``survdiff``).

    Parameters
    ----------
    time, event
        As in :func:`kaplan_meier`.
    group : array-like, shape (n_samples,)
        Group label per patient (product, site, ...); at least two distinct labels.

    Returns
    -------
    LogRankResult

    Raises
    ------
    registry.errors.InvalidInput
        For a single group, no events at all, or the input problems of :func:`kaplan_meier`.

    Notes
    -----
    At each distinct event time :math:`t_j` with :math:`d_j` events among :math:`n_j` at risk
    (:math:`n_{jg}` in group g), :math:`E_g = \\sum_j n_{jg} d_j / n_j` and
    :math:`V_{gh} = \\sum_j d_j (n_j - d_j)/(n_j - 1)\\, (n_{jg}/n_j)(\\delta_{gh} - n_{jh}/n_j)`.
    The statistic is :math:`(O - E)^T V^{-} (O - E)` over the groups with :math:`E_g > 0`,
    dropping the first, exactly as ``survdiff``. A group without events is fine.

    Examples
    --------
    >>> res = logrank_test([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 1], ["a", "a", "a", "b", "b", "b"])
    >>> round(res.statistic, 6), res.df, res.observed.tolist()
    (5.051661, 1, [3, 2])
    """
    t = as_time(time)
    e = as_event(event, t.size)
    codes, levels = as_groups(group, t.size)
    k = len(levels)
    if k < 2:
        raise InvalidInput.one(
            "group", f"has a single level ({levels[0]!r}); the log-rank test compares 2+ groups"
        )
    if not e.any():
        raise InvalidInput.one("event", "has no events in any group; there is nothing to compare")
    _, risk, deaths = risk_by_group(t, e, codes, k)  # at the distinct event times
    n_j = risk.sum(axis=1)
    d_j = deaths.sum(axis=1)
    share = risk / n_j[:, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        spread = np.where(n_j > 1, d_j * (n_j - d_j) / (n_j - 1.0), 0.0)
    observed = deaths.sum(axis=0)
    expected = (share * d_j[:, None]).sum(axis=0)
    variance = np.diag((share * spread[:, None]).sum(axis=0)) - (share * spread[:, None]).T @ share
    used = np.flatnonzero(expected > 0)
    diff = (observed - expected)[used[1:]]
    block = variance[np.ix_(used[1:], used[1:])]
    statistic = float(diff @ np.linalg.solve(block, diff)) if used.size >= 2 else 0.0
    df = int(used.size) - 1
    index = pd.Index(levels, name="group")
    return LogRankResult(
        statistic=statistic,
        df=df,
        p_value=chi2_sf(statistic, df) if df > 0 else math.nan,
        observed=pd.Series(observed.astype(np.int64), index=index, name="observed"),
        expected=pd.Series(expected, index=index, name="expected"),
        variance=pd.DataFrame(variance, index=index, columns=index),
    )
