"""Mean cost per patient up to a horizon under censored follow-up (DESIGN.md section 7).

Costs after a censored patient's last contact are unknown, so naive means are biased (all
patients: too low; complete cases: skewed to early deaths and early enrolment).
:func:`lin_mean_cost` (Lin 1997 [1]_, method 1) weights each interval's mean cost by the
Kaplan-Meier probability of being alive at its start; :func:`bang_tsiatis_mean_cost` (Bang and
Tsiatis 2000 [2]_) weights complete cases by the inverse probability of not being censored
(IPCW), simple or partitioned. Both assume censoring independent of survival and cost.
:func:`bootstrap_mean_cost` gives percentile intervals [3]_, :func:`partition_costs` interval
costs from records. Conventions: costs dated up to ``time`` (death or last contact) are seen;
the cost to the horizon ``h`` is complete if the death was seen or ``time >= h``; interval k
is ``[a_k, a_k+1)``, the last ``[a_K-1, h]``, costs before ``a_0`` count in the first. SEs
are the infinitesimal jackknife (derivative in each patient's weight, Kaplan-Meier curves
included); the estimators take frequency weights, so one sort serves all bootstrap replicates.

References
----------
.. [1] Lin DY, Feuer EJ, Etzioni R, Wax Y. Estimating medical costs from incomplete follow-up
   data. Biometrics 1997;53:419-434.
.. [2] Bang H, Tsiatis AA. Estimating medical costs with censored data. Biometrika
   2000;87:329-343.
.. [3] Efron B, Tibshirani RJ. An Introduction to the Bootstrap. 1993, chapter 13.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from registry.analysis._cost_core import (
    _bt_influence,
    _bt_rows,
    _increasing,
    _intervals,
    _lin_influence,
    _lin_rows,
    _sort,
)
from registry.analysis._validation import (
    as_event,
    as_float_array,
    as_time,
    check_conf_level,
    check_positive,
    z_value,
)
from registry.errors import InvalidInput

__all__ = [
    "MeanCostResult",
    "bang_tsiatis_mean_cost",
    "bootstrap_mean_cost",
    "lin_mean_cost",
    "naive_mean_cost",
    "partition_costs",
]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
Estimator = Literal["naive", "lin", "bang-tsiatis"]
_CHUNK = 64  # bootstrap replicates evaluated together, as rows of a weight matrix


@dataclass(frozen=True)
class MeanCostResult:
    """Mean cost per patient with its confidence interval.

    Attributes
    ----------
    estimate, se, lower, upper : float
        Normal interval ``estimate -/+ z se``, or bootstrap percentiles (see ``ci``).
    method : str
        "naive-complete", "naive-all", "lin", "bang-tsiatis" or "bang-tsiatis-partitioned".
    horizon, conf_level : float
        ``horizon`` NaN for a naive mean without one.
    n, n_complete : int
        Patients, and those whose cost to the horizon is complete.
    ci : str
        "normal" or "percentile bootstrap, <n_boot> replicates, seed <seed>".
    """

    estimate: float
    se: float
    lower: float
    upper: float
    method: str
    horizon: float
    n: int
    n_complete: int
    conf_level: float
    ci: str


@dataclass(frozen=True)
class _Problem:
    """A validated estimator: replicates on weights in ``order``, standard error, labels."""

    rows: Callable[[FloatArray], FloatArray]
    se: Callable[[], float]
    order: NDArray[np.intp]
    method: str
    horizon: float
    n_complete: int


def _naive(cost: ArrayLike, event: ArrayLike, complete_only: bool, time: ArrayLike | None,
           horizon: float | None) -> _Problem:
    y = as_float_array(cost, "cost")
    if y.size == 0 or not np.all(np.isfinite(y)):
        raise InvalidInput.one("cost", "must be non-empty, with no missing or infinite costs")
    done, tau = as_event(event, y.size), math.nan
    if (time is None) != (horizon is None):
        raise InvalidInput.one("horizon", "give both time and horizon, or neither")
    if time is not None and horizon is not None:
        t, tau = as_time(time), check_positive(horizon, "horizon")
        if t.size != y.size:
            raise InvalidInput.one("time", f"has {t.size} values but cost has {y.size}")
        done = done | (t >= tau)
    m = done if complete_only else np.ones(y.size, dtype=np.bool_)
    if m.sum() < 2:
        raise InvalidInput.one("event", "has fewer than 2 complete cases; the mean has no CI")
    return _Problem(lambda w: np.asarray((w[:, m] @ y[m]) / w[:, m].sum(axis=1), np.float64),
                    lambda: float(np.std(y[m], ddof=1) / math.sqrt(m.sum())), np.arange(y.size),
                    "naive-complete" if complete_only else "naive-all", tau, int(done.sum()))


def _rms(phi: FloatArray) -> float:
    return float(math.sqrt(np.sum(phi**2)) / phi.size)


def _lin(time: ArrayLike, event: ArrayLike, interval_costs: ArrayLike | None,
         interval_edges: ArrayLike | None, horizon: float) -> _Problem:
    s = _sort(time, event, horizon)
    edges, costs = _intervals(s, interval_costs, interval_edges)
    return _Problem(lambda w: _lin_rows(s, w, edges, costs),
                    lambda: _rms(_lin_influence(s, edges, costs)), s.order, "lin",
                    float(edges[-1]), int(s.complete.sum()))


def _bang_tsiatis(time: ArrayLike, event: ArrayLike, cost: ArrayLike | None, horizon: float,
                  partitioned: bool, interval_costs: ArrayLike | None,
                  interval_edges: ArrayLike | None) -> _Problem:
    s = _sort(time, event, horizon)
    if partitioned:
        edges, costs = _intervals(s, interval_costs, interval_edges)
        ends = edges[1:]
    else:
        y = as_float_array(np.array([]) if cost is None else cost, "cost")
        if y.size != s.x.size or not np.all(np.isfinite(y)):
            raise InvalidInput.one("cost", f"must be {s.x.size} finite costs to the horizon")
        costs, ends = y[s.order][:, None], np.array([s.horizon])
    method = "bang-tsiatis-partitioned" if partitioned else "bang-tsiatis"
    return _Problem(lambda w: _bt_rows(s, w, ends, costs), lambda: _rms(_bt_influence(
        s, ends, costs)), s.order, method, float(ends[-1]), int(s.complete.sum()))


def _normal_result(p: _Problem, conf_level: float) -> MeanCostResult:
    level = check_conf_level(conf_level)
    estimate, se, z = float(p.rows(np.ones((1, p.order.size)))[0]), p.se(), z_value(level)
    return MeanCostResult(estimate, se, estimate - z * se, estimate + z * se, p.method,
                          p.horizon, p.order.size, p.n_complete, level, "normal")


def naive_mean_cost(cost: ArrayLike, event: ArrayLike, complete_only: bool = True, *,
                    time: ArrayLike | None = None, horizon: float | None = None,
                    conf_level: float = 0.95) -> MeanCostResult:
    """Mean observed cost ignoring censoring: biased, for comparison with the estimators.

    Parameters
    ----------
    cost, event : array-like, shape (n_samples,)
        Observed cost; 1 if complete (death seen, or ``time >= horizon`` when both given).
    complete_only : bool, default True
        Mean of the complete cases ("naive-complete"), else of everyone ("naive-all").
    time, horizon, conf_level : optional
        As in :func:`lin_mean_cost`.

    Returns
    -------
    MeanCostResult
        ``mean -/+ z sd / sqrt(m)`` over the ``m`` patients averaged.

    Raises
    ------
    registry.errors.InvalidInput
        Missing costs, bad events, fewer than 2 patients to average.

    Examples
    --------
    >>> naive_mean_cost([10.0, 20.0, 5.0], [1, 1, 0]).estimate
    15.0
    """
    return _normal_result(_naive(cost, event, complete_only, time, horizon), conf_level)


def lin_mean_cost(time: ArrayLike, event: ArrayLike, interval_costs: ArrayLike,
                  interval_edges: ArrayLike, horizon: float,
                  conf_level: float = 0.95) -> MeanCostResult:
    """Lin et al. (1997) method 1: interval-partitioned mean cost up to ``horizon``.

    Parameters
    ----------
    time, event : array-like, shape (n_samples,)
        Death or last contact (>= 0); 1 = death.
    interval_costs : array-like of float, shape (n_samples, n_intervals)
        Observed cost per interval (:func:`partition_costs`); 0 after ``time`` (checked).
    interval_edges : array-like of float, shape (n_intervals + 1,)
        ``0 = a_0 < a_1 < ...``, containing ``horizon`` exactly; later edges are ignored.
    horizon : float
        Within follow-up, unless the survival curve reaches 0 before it.
    conf_level : float, default 0.95

    Returns
    -------
    MeanCostResult
        Normal interval with the infinitesimal-jackknife standard error.

    Raises
    ------
    registry.errors.InvalidInput
        Bad time/event, costs or edges, or a horizon after the follow-up.

    Notes
    -----
    :math:`\\hat\\mu = \\sum_k \\hat S(a_k-) \\hat E_k`: Kaplan-Meier probability of being alive
    at the start of interval k times its mean cost among the patients followed then (``time >
    a_k``, or death at ``a_k``). This variant of [1]_ is consistent when censoring falls on
    interval edges; censoring inside an interval makes it low unless the intervals are short
    (monthly for day-level records; partitioned Bang-Tsiatis has no such bias). No censoring:
    the sample mean.

    Examples
    --------
    >>> res = lin_mean_cost([2, 3, 1], [1, 0, 1], [[5, 1], [5, 2], [4, 0]], [0, 1, 3], 3)
    >>> round(res.estimate, 6)  # 1 * (5 + 5 + 4) / 3 + 1 * (1 + 2 + 0) / 3
    5.666667
    """
    return _normal_result(_lin(time, event, interval_costs, interval_edges, horizon), conf_level)


def bang_tsiatis_mean_cost(time: ArrayLike, event: ArrayLike, cost: ArrayLike | None,
                           horizon: float, partitioned: bool = False,
                           interval_costs: ArrayLike | None = None,
                           interval_edges: ArrayLike | None = None,
                           conf_level: float = 0.95) -> MeanCostResult:
    """Bang and Tsiatis (2000) inverse-probability-of-censoring weighted mean cost.

    Parameters
    ----------
    time, event, horizon, interval_costs, interval_edges, conf_level
        As in :func:`lin_mean_cost`; the intervals only when ``partitioned``.
    cost : array-like of float, shape (n_samples,) or None
        Observed cost to the horizon (simple estimator).
    partitioned : bool, default False
        Weight each interval's cost on its own: censored patients add completed intervals.

    Returns
    -------
    MeanCostResult
        Normal interval; the SE includes the estimation of the censoring curve.

    Raises
    ------
    registry.errors.InvalidInput
        As :func:`lin_mean_cost`, or ``cost`` missing for the simple estimator.

    Notes
    -----
    :math:`\\hat\\mu = n^{-1} \\sum_i \\Delta_i M_i / \\hat K(\\min(T_i, h)-)`, :math:`\\Delta_i`
    = 1 if complete, :math:`\\hat K(t-)` the left limit of the Kaplan-Meier curve of censoring
    (a death tied with a censoring comes first). Partitioned: per interval, complete if the
    death was seen or ``time >= a_k+1``, weight :math:`1 / \\hat K(\\min(T_i, a_{k+1})-)` [2]_.

    Examples
    --------
    >>> res = bang_tsiatis_mean_cost([2, 1.5, 1, 4], [1, 0, 1, 0], [6, 3, 4, 9], horizon=3)
    >>> round(res.estimate, 6)  # K = 2/3 after the censoring at 1.5: (6 * 1.5 + 4 + 9 * 1.5) / 4
    6.625
    """
    problem = _bang_tsiatis(time, event, cost, horizon, partitioned, interval_costs,
                            interval_edges)
    return _normal_result(problem, conf_level)


def bootstrap_mean_cost(estimator: Estimator, time: ArrayLike | None, event: ArrayLike, *,
                        seed: int, cost: ArrayLike | None = None, horizon: float | None = None,
                        interval_costs: ArrayLike | None = None,
                        interval_edges: ArrayLike | None = None, partitioned: bool = False,
                        complete_only: bool = True, n_boot: int = 1000,
                        conf_level: float = 0.95) -> MeanCostResult:
    """Percentile bootstrap interval of a mean-cost estimator, reproducible for a seed.

    Parameters
    ----------
    estimator : {"naive", "lin", "bang-tsiatis"}
        :func:`naive_mean_cost`, :func:`lin_mean_cost` or :func:`bang_tsiatis_mean_cost`,
        given the other arguments by name (``time`` may be None for "naive").
    seed : int
        Seed of the `numpy.random.Generator` drawing the resamples.
    n_boot : int, default 1000
        Replicates of ``n`` patients drawn with replacement.

    Returns
    -------
    MeanCostResult
        ``estimate`` from the data, ``se`` the replicates' SD, ``lower``/``upper`` their
        ``(1 -/+ conf_level) / 2`` quantiles (R type 7). 1,000 x 10,000 patients: about 1 s.

    Raises
    ------
    registry.errors.InvalidInput
        As the estimator, or an unknown estimator, or ``n_boot < 2``.

    Examples
    --------
    >>> res = bootstrap_mean_cost("naive", None, [1, 1, 1, 1], cost=[1.0, 2, 3, 4], seed=1,
    ...                           n_boot=200)
    >>> res.lower < 2.5 < res.upper
    True
    """
    if estimator == "naive":
        problem = _naive(np.array([]) if cost is None else cost, event, complete_only, time,
                         horizon)
    elif time is None or horizon is None:
        raise InvalidInput.one("horizon", f"and time are needed for {estimator!r}")
    elif estimator in ("lin", "bang-tsiatis"):
        problem = (_lin(time, event, interval_costs, interval_edges, horizon)
                   if estimator == "lin" else _bang_tsiatis(
                       time, event, cost, horizon, partitioned, interval_costs, interval_edges))
    else:
        raise InvalidInput.one("estimator", f"must be naive, lin or bang-tsiatis; {estimator!r}")
    if not isinstance(n_boot, int | np.integer) or n_boot < 2:
        raise InvalidInput.one("n_boot", f"must be an integer >= 2; got {n_boot!r}")
    level, rng, n = check_conf_level(conf_level), np.random.default_rng(seed), problem.order.size
    replicates = []
    for size in np.diff(np.append(np.arange(0, n_boot, _CHUNK), n_boot)).tolist():
        draws = rng.integers(0, n, size=(size, n)) + (np.arange(size) * n)[:, None]
        counts = np.bincount(draws.ravel(), minlength=size * n).reshape(size, n)
        replicates.append(problem.rows(counts[:, problem.order].astype(np.float64)))
    boot = np.concatenate(replicates)
    lower, upper = np.quantile(boot, [(1.0 - level) / 2.0, (1.0 + level) / 2.0])
    return MeanCostResult(float(problem.rows(np.ones((1, n)))[0]), float(np.std(boot, ddof=1)),
                          float(lower), float(upper), problem.method, problem.horizon, n,
                          problem.n_complete, level,
                          f"percentile bootstrap, {n_boot} replicates, seed {seed}")


def partition_costs(records: pd.DataFrame, patients: ArrayLike, interval_edges: ArrayLike, *,
                    patient: str = "patient", day: str = "day",
                    cost: str = "cost") -> tuple[FloatArray, FloatArray]:
    """Sum long cost records (patient, day, cost) into per-patient interval costs.

    Parameters
    ----------
    records : pandas.DataFrame
        Columns named by ``patient``, ``day`` (from the origin, unit of the edges), ``cost``.
    patients : array-like, shape (n_patients,)
        Distinct ids in the row order wanted (that of ``time``); no records: zeros.
    interval_edges : array-like of float, shape (n_intervals + 1,)
        Increasing; earlier records count in the first interval, later ones are dropped.

    Returns
    -------
    interval_costs : ndarray of float64, shape (n_patients, n_intervals)
    total : ndarray of float64, shape (n_patients,)
        Each patient's cost up to the last edge.

    Raises
    ------
    registry.errors.InvalidInput
        Missing columns or values, duplicate patients, records of unknown patients.

    Examples
    --------
    >>> records = pd.DataFrame({"patient": [1, 1, 2], "day": [-3, 40, 10], "cost": [5., 2, 1]})
    >>> partition_costs(records, [1, 2, 3], [0, 30, 60])[0].tolist()
    [[5.0, 2.0], [1.0, 0.0], [0.0, 0.0]]
    """
    if missing := [c for c in (patient, day, cost) if c not in records.columns]:
        raise InvalidInput.one("records", f"has no column(s) {missing!r}; rename or pass names")
    ids, edges = pd.Index(np.asarray(patients)), _increasing(interval_edges)
    if not ids.is_unique:
        raise InvalidInput.one("patients", "has duplicate ids; pass each patient once")
    row = ids.get_indexer(pd.Index(records[patient]))
    when, amount = as_float_array(records[day], day), as_float_array(records[cost], cost)
    if (row < 0).any():
        unknown = pd.Series(records[patient]).iloc[int(np.argmin(row))]
        raise InvalidInput.one("records", f"has patients not in patients, e.g. {unknown}")
    if not (np.all(np.isfinite(when)) and np.all(np.isfinite(amount))):
        raise InvalidInput.one("records", f"has missing {day!r} or {cost!r} values")
    k, keep = edges.size - 1, when <= edges[-1]
    col = np.clip(np.searchsorted(edges, when, side="right") - 1, 0, k - 1)
    flat = np.bincount(row[keep] * k + col[keep], weights=amount[keep], minlength=ids.size * k)
    matrix = flat.reshape(ids.size, k).astype(np.float64)
    return matrix, matrix.sum(axis=1)
