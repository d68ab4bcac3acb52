"""Restricted mean survival time (RMST) to a stated horizon, and the difference between two
groups.

RMST is the area under the Kaplan-Meier curve up to a horizon tau: the expected survival time
over the first tau units of follow-up. Unlike the median it exists even when the curve never
reaches 0.5, and unlike the hazard ratio it needs no proportional hazards, which makes it the
registry's summary for comparing products over a fixed window (DESIGN.md section 6).

The estimate and its standard error are those R prints for ``print(survfit(...), rmean=tau)``
(``*rmean`` and ``*se(rmean)``, from ``survival:::survmean``).

References
----------
.. [1] Royston P, Parmar MKB. Restricted mean survival time: an alternative to the hazard
   ratio for the design and analysis of randomized trials with a time-to-event outcome.
   BMC Med Res Methodol 2013;13:152.
.. [2] Klein JP, Moeschberger ML. Survival Analysis, 2nd ed., section 4.5 (variance of the
   restricted mean).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from registry.analysis._distributions import two_sided_normal_p
from registry.analysis._km import kaplan_meier_arrays, risk_table
from registry.analysis._validation import (
    as_event,
    as_groups,
    as_time,
    check_conf_level,
    check_positive,
    z_value,
)
from registry.errors import InvalidInput

__all__ = ["RMSTDifference", "RMSTResult", "rmst", "rmst_difference"]


@dataclass(frozen=True)
class RMSTResult:
    """Restricted mean survival time up to ``horizon``.

    Attributes
    ----------
    rmst, se : float
        Estimate and standard error (R's ``rmean`` and ``se(rmean)``).
    lower, upper : float
        Normal-approximation limits ``rmst -/+ z * se``.
    horizon, conf_level : float
    """

    rmst: float
    se: float
    lower: float
    upper: float
    horizon: float
    conf_level: float


@dataclass(frozen=True)
class RMSTDifference:
    """Difference in RMST between two independent groups: ``comparator - reference``.

    Attributes
    ----------
    difference, se, lower, upper, p_value : float
        ``se = sqrt(se_reference**2 + se_comparator**2)``; two-sided Wald p-value.
    reference, comparator : RMSTResult
        The two groups' own estimates.
    reference_label, comparator_label : object
        The first and second group label in sorted order.
    """

    difference: float
    se: float
    lower: float
    upper: float
    p_value: float
    reference: RMSTResult
    comparator: RMSTResult
    reference_label: object
    comparator_label: object


def _rmst_arrays(
    t: NDArray[np.float64], e: NDArray[np.bool_], horizon: float, name: str
) -> tuple[float, float]:
    """Area under the KM curve on [0, horizon] and Greenwood-type variance (R ``survmean``)."""
    table = risk_table(t, e)
    surv, _ = kaplan_meier_arrays(table)
    if horizon > table.time[-1] and surv[-1] > 0:
        raise InvalidInput.one(
            "horizon",
            f"is {horizon!r}, after the last follow-up time {float(table.time[-1])!r}{name}, where "
            "the curve is still above 0 and its area is unknown; choose a horizon up to the "
            "last follow-up time (for two groups: the smaller of their last times)",
        )
    keep = table.time <= horizon
    step_time = np.append(table.time[keep], horizon)
    step_surv = np.concatenate(([1.0], surv[keep]))  # height on each interval
    rectangles = np.diff(step_time, prepend=0.0) * step_surv
    n = table.n_risk[keep].astype(np.float64)
    d = table.n_event[keep].astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        hazard_var = np.where(n - d == 0, 0.0, d / (n * (n - d)))
    area_after = np.cumsum(rectangles[::-1])[::-1][1:]  # area from each time to the horizon
    return float(rectangles.sum()), float(math.sqrt(np.sum(area_after**2 * hazard_var)))


def rmst(
    time: ArrayLike, event: ArrayLike, horizon: float, conf_level: float = 0.95
) -> RMSTResult:
    """Restricted mean survival time up to ``horizon``, as R's ``print(fit, rmean=horizon)``.

    Parameters
    ----------
    time : array-like of float, shape (n_samples,)
        Follow-up time, >= 0.
    event : array-like of {0, 1} or bool, shape (n_samples,)
    horizon : float
        Upper limit tau of the integral, > 0. It may not exceed the last follow-up time unless
        the curve has already dropped to 0 there (then the area is known exactly); R
        silently extends the last value instead.
    conf_level : float, default 0.95

    Returns
    -------
    RMSTResult

    Raises
    ------
    registry.errors.InvalidInput
        For ``horizon <= 0``, a horizon after the last follow-up time, or bad time/event.

    Notes
    -----
    :math:`\\hat\\mu(\\tau) = \\int_0^\\tau \\hat S(t)\\,dt` and
    :math:`\\widehat{\\mathrm{Var}} = \\sum_{t_j \\le \\tau} A_j^2\\, d_j / (n_j (n_j - d_j))`
    with :math:`A_j = \\int_{t_j}^{\\tau} \\hat S(t)\\,dt` (terms with :math:`n_j = d_j` are
    dropped, as in R) [1]_ [2]_.

    Examples
    --------
    >>> res = rmst([1, 2, 2, 3, 4, 5, 5, 6], [1, 1, 0, 1, 0, 1, 1, 1], horizon=4)
    >>> round(res.rmst, 6), round(res.se, 6)
    (3.225, 0.387036)
    """
    t = as_time(time)
    e = as_event(event, t.size)
    tau = check_positive(horizon, "horizon")
    level = check_conf_level(conf_level)
    estimate, se = _rmst_arrays(t, e, tau, "")
    z = z_value(level)
    return RMSTResult(estimate, se, estimate - z * se, estimate + z * se, tau, level)


def rmst_difference(
    time: ArrayLike,
    event: ArrayLike,
    group: ArrayLike,
    horizon: float,
    conf_level: float = 0.95,
) -> RMSTDifference:
    """Difference of two independent restricted mean survival times (normal approximation).

    Parameters
    ----------
    time, event, horizon, conf_level
        As in :func:`rmst`; the horizon must be within both groups' follow-up.
    group : array-like, shape (n_samples,)
        Exactly two distinct labels. The difference is **second minus first label in sorted
        order** (``comparator - reference``), e.g. ``"kymriah"`` is the reference for
        ``"nmrc"``; recode the labels to choose the reference.

    Returns
    -------
    RMSTDifference

    Raises
    ------
    registry.errors.InvalidInput
        If ``group`` does not have exactly two levels, or as :func:`rmst`.

    Examples
    --------
    >>> res = rmst_difference([1, 2, 3, 4, 2, 4, 6, 8], [1, 1, 1, 0, 1, 1, 1, 0],
    ...                       ["a"] * 4 + ["b"] * 4, horizon=4)
    >>> res.comparator_label, round(res.difference, 6)
    ('b', 1.0)
    """
    t = as_time(time)
    e = as_event(event, t.size)
    codes, levels = as_groups(group, t.size)
    if len(levels) != 2:
        raise InvalidInput.one(
            "group", f"must have exactly two levels, but has {len(levels)}: {levels!r}"
        )
    tau = check_positive(horizon, "horizon")
    level = check_conf_level(conf_level)
    z = z_value(level)
    parts: list[RMSTResult] = []
    for code, label in enumerate(levels):
        mask = codes == code
        estimate, se = _rmst_arrays(t[mask], e[mask], tau, f" in group {label!r}")
        parts.append(RMSTResult(estimate, se, estimate - z * se, estimate + z * se, tau, level))
    reference, comparator = parts
    difference = comparator.rmst - reference.rmst
    se = math.hypot(reference.se, comparator.se)
    p_value = float(two_sided_normal_p(np.array([difference / se]))[0]) if se > 0 else math.nan
    return RMSTDifference(
        difference=difference,
        se=se,
        lower=difference - z * se,
        upper=difference + z * se,
        p_value=p_value,
        reference=reference,
        comparator=comparator,
        reference_label=levels[0],
        comparator_label=levels[1],
    )
