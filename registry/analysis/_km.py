"""Vectorised building blocks shared by the Kaplan-Meier, RMST and competing-risk estimators.

Everything here works on validated numpy arrays (see :mod:`registry.analysis._validation`) and
runs in O(n log n) with no per-patient Python loop: the times are sorted once, distinct times
are found by comparing neighbours, and per-time counts come from cumulative sums (or
``np.searchsorted`` on sorted subsets). Nothing here is public API.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from registry.analysis._validation import (
    ConfType,
    as_event,
    as_time,
    check_conf_level,
    check_conf_type,
    z_value,
)

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]


@dataclass(frozen=True)
class RiskTable:
    """Counts at each distinct observed time (events and censorings), sorted ascending.

    Attributes
    ----------
    time : ndarray of float64, shape (n_times,)
    n_risk : ndarray of int64, shape (n_times,)
        Patients with follow-up ``>= time`` (R's ``n.risk``).
    n_event, n_censor : ndarray of int64, shape (n_times,)
        Events and censorings exactly at ``time``.
    """

    time: FloatArray
    n_risk: IntArray
    n_event: IntArray
    n_censor: IntArray


def distinct_sorted(sorted_time: FloatArray) -> tuple[FloatArray, IntArray]:
    """Distinct values of an ascending array and the index where each first occurs."""
    n = sorted_time.size
    first = np.empty(n, dtype=np.bool_)
    first[:1] = True
    np.not_equal(sorted_time[1:], sorted_time[:-1], out=first[1:])
    starts = np.flatnonzero(first).astype(np.int64)
    return sorted_time[starts], starts


def count_at(distinct: FloatArray, values: FloatArray) -> IntArray:
    """How many of ``values`` equal each of the ascending ``distinct`` times."""
    ordered = np.sort(values)
    right = np.searchsorted(ordered, distinct, side="right")
    left = np.searchsorted(ordered, distinct, side="left")
    return (right - left).astype(np.int64)


def risk_table(time: FloatArray, event: NDArray[np.bool_]) -> RiskTable:
    """Counts at each distinct time: by counting when every time is a whole number of a
    compact range (days, the registry's unit), else from a single sort.

    Exact equality defines a tie (R's ``timefix`` also merges times that differ by rounding
    error, which only matters for computed, not recorded, times). The times must be validated
    (finite, >= 0). Both ways give the same table.
    """
    counted = _whole_day_counts(time, event, None, 1)
    if counted is not None:
        days, total, events = counted
        n_total, n_event = total[:, 0], events[:, 0]
        return RiskTable(time=days.astype(np.float64),
                         n_risk=(time.size - np.cumsum(n_total) + n_total).astype(np.int64),
                         n_event=n_event, n_censor=n_total - n_event)
    return _sorted_risk_table(time, event)


def _whole_day_counts(
    time: FloatArray, event: NDArray[np.bool_], codes: NDArray[np.intp] | None, k: int
) -> tuple[IntArray, IntArray, IntArray] | None:
    """``(days, total, events)``: the distinct times and, per group (columns), the patients
    and the events at each, counted by ``np.bincount`` in one linear pass. None (count by
    sorting instead) when a time is not a whole number or the range is far wider than the
    number of patients (the counts would then cost more than a sort)."""
    n = time.size
    if n == 0:
        return None
    top = float(time.max())
    if top > max(4 * n, 1 << 16) or (top + 1) * k > max(8 * n, 1 << 20):
        return None  # so many cells (a wide range, many groups) that sorting is cheaper
    whole = time.astype(np.int64)
    if not np.array_equal(whole, time):
        return None
    cell = whole if codes is None else whole * k + codes  # k groups: codes 0 .. k-1
    size = (int(whole.max()) + 1) * k
    total = np.bincount(cell, minlength=size).reshape(-1, k)
    events = np.bincount(cell, weights=event, minlength=size).reshape(-1, k).astype(np.int64)
    days = np.flatnonzero(total.sum(axis=1))
    return days.astype(np.int64), total[days].astype(np.int64), events[days]


def _sorted_risk_table(time: FloatArray, event: NDArray[np.bool_]) -> RiskTable:
    """`risk_table` by one sort of packed keys, for any non-negative finite times.

    For such floats the IEEE-754 bit pattern, read as an unsigned integer, orders like the
    value, and its top (sign) bit is free; so ``bits << 1 | event`` packs time and event into
    one uint64 key. Sorting the keys sorts the times and lines up the events with them, without
    an argsort and a gather. Runs of equal keys are then found once, and the few runs are
    grouped by time. ``-0.0`` loses its sign bit and becomes ``0.0``.
    """
    n = time.size
    one = np.uint64(1)
    key = (np.ascontiguousarray(time).view(np.uint64) << one) | event.astype(np.uint64)
    key.sort()
    first = np.empty(n, dtype=np.bool_)
    first[:1] = True
    np.not_equal(key[1:], key[:-1], out=first[1:])
    runs = np.flatnonzero(first).astype(np.int64)  # (time, censored) and (time, event) runs
    lengths = np.diff(np.append(runs, n))
    bits, is_event = key[runs] >> one, (key[runs] & one).astype(np.bool_)
    new_time = np.empty(runs.size, dtype=np.bool_)
    new_time[:1] = True
    np.not_equal(bits[1:], bits[:-1], out=new_time[1:])
    starts = np.flatnonzero(new_time)
    n_total = np.add.reduceat(lengths, starts) if runs.size else lengths
    n_event = np.add.reduceat(np.where(is_event, lengths, 0), starts) if runs.size else lengths
    return RiskTable(
        time=bits[starts].view(np.float64),
        n_risk=(n - runs[starts]).astype(np.int64),
        n_event=n_event.astype(np.int64),
        n_censor=(n_total - n_event).astype(np.int64),
    )


def risk_by_group(
    t: FloatArray, e: NDArray[np.bool_], codes: NDArray[np.intp], k: int
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """The distinct event times, and at each the patients at risk (time >= t_j) and the
    events (time == t_j) per group (columns).

    Whole-day times are counted for every group in one `np.bincount` pass. Other times: one
    linear radix pass puts each group's patients together, each group's times are sorted and
    the counts read off with ``searchsorted`` of the few distinct times. (Searching each of a
    million unsorted times in the distinct times instead is three times slower.)
    """
    counted = _whole_day_counts(t, e, codes, k)
    if counted is not None:
        days, total, events = counted
        rows = np.flatnonzero(events.sum(axis=1))  # only event times contribute
        at_or_after = total.sum(axis=0) - np.cumsum(total, axis=0) + total
        return (days[rows].astype(np.float64), at_or_after[rows].astype(np.float64),
                events[rows].astype(np.float64))
    distinct = np.unique(t[e])
    order = np.argsort(codes.astype(np.uint16) if k <= 65_536 else codes, kind="stable")
    bounds = np.zeros(k + 1, dtype=np.int64)
    np.cumsum(np.bincount(codes, minlength=k), out=bounds[1:])
    by_group, event_by_group = t[order], e[order]
    risk = np.empty((distinct.size, k), dtype=np.float64)
    deaths = np.empty((distinct.size, k), dtype=np.float64)
    for g in range(k):  # groups, not patients
        part = slice(bounds[g], bounds[g + 1])
        times = np.sort(by_group[part])
        events = np.sort(by_group[part][event_by_group[part]])
        risk[:, g] = times.size - np.searchsorted(times, distinct, side="left")
        deaths[:, g] = (np.searchsorted(events, distinct, side="right")
                        - np.searchsorted(events, distinct, side="left"))
    return distinct, risk, deaths


def kaplan_meier_arrays(table: RiskTable) -> tuple[FloatArray, FloatArray]:
    """Product-limit survival and Greenwood variance of log S at each time of ``table``.

    ``var_log`` is R's ``std.err**2`` for ``survfit``: ``sum d / (n (n - d))``; it is ``inf``
    once everyone at risk has had the event (survival 0), exactly as in R.
    """
    n = table.n_risk.astype(np.float64)
    d = table.n_event.astype(np.float64)
    surv: FloatArray = np.cumprod(1.0 - d / n, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(d > 0, d / (n * (n - d)), 0.0)
    return surv, np.cumsum(terms)


def survfit_confint(
    surv: FloatArray, se_log: FloatArray, z: float, conf_type: ConfType
) -> tuple[FloatArray, FloatArray]:
    """Pointwise limits exactly as R's ``survival:::survfit_confint`` (``conf.lower="usual"``).

    ``se_log`` is the standard error of log S. Undefined limits are NaN where R gives NA:
    survival 0 (all types but "plain", where ``0 * inf`` is NaN too) and, for "log-log",
    survival 1.
    """
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        if conf_type == "plain":
            half = z * se_log * surv
            return np.maximum(surv - half, 0.0), np.minimum(surv + half, 1.0)
        if conf_type == "log":
            xx = np.where(surv == 0, np.nan, surv)
            half = z * se_log
            return np.exp(np.log(xx) - half), np.minimum(np.exp(np.log(xx) + half), 1.0)
        xx = np.where((surv == 0) | (surv == 1), np.nan, surv)
        half = z * se_log / np.log(xx)
        loglog = np.log(-np.log(xx))
        lower: FloatArray = np.exp(-np.exp(loglog - half))
        upper: FloatArray = np.exp(-np.exp(loglog + half))
        return lower, upper


_TOLERANCE = math.sqrt(np.finfo(np.float64).eps)  # R: .Machine$double.eps^0.5, as all.equal()


def first_time_at_or_below_half(time: FloatArray, curve: FloatArray) -> float:
    """R's ``minmin`` from ``survival:::survmean``: the median of a step curve.

    The first time the curve is <= 0.5 (NA entries skipped). When the curve sits at exactly
    0.5 (within ``sqrt(eps)``) over an interval, the midpoint between the start of that flat
    stretch and the next time the curve drops below it. NaN if the curve never gets there.
    """
    keep = ~np.isnan(curve) & (curve < 0.5 + _TOLERANCE)
    if not keep.any():
        return math.nan
    x = time[keep]
    y = curve[keep]
    if abs(y[0] - 0.5) < _TOLERANCE:
        below = np.flatnonzero(y < y[0])
        if below.size:
            return float((x[0] + x[below[0]]) / 2.0)
    return float(x[0])


def fit_curve(
    time: ArrayLike, event: ArrayLike, conf_level: float, conf_type: str
) -> tuple[RiskTable, FloatArray, FloatArray, FloatArray, FloatArray]:
    """Validate, then ``(table, survival, var_log, lower, upper)`` as R's ``survfit``."""
    t = as_time(time)
    e = as_event(event, t.size)
    z = z_value(check_conf_level(conf_level))
    kind = check_conf_type(conf_type)
    table = risk_table(t, e)
    surv, var_log = kaplan_meier_arrays(table)
    lower, upper = survfit_confint(surv, np.sqrt(var_log), z, kind)
    return table, surv, var_log, lower, upper
