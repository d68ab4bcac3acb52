"""Internals of :mod:`registry.analysis.costs`: sorting, censoring weights, the estimators' rows
and influence functions on a weight matrix (one bootstrap replicate per row)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from registry.analysis._km import distinct_sorted
from registry.analysis._validation import (
    as_event,
    as_float_array,
    as_time,
    check_positive,
)
from registry.errors import InvalidInput

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]


def _increasing(interval_edges: ArrayLike) -> FloatArray:
    edges = as_float_array(interval_edges, "interval_edges")
    if edges.size < 2 or not np.all(np.isfinite(edges)) or np.any(np.diff(edges) <= 0):
        raise InvalidInput.one("interval_edges", f"must increase strictly; got {edges.tolist()}")
    return edges


@dataclass(frozen=True)
class _Sorted:
    """Follow-up truncated at the horizon, ascending, with its distinct times."""

    order: NDArray[np.intp]
    x: FloatArray  # min(time, horizon)
    death: BoolArray  # death seen by the horizon
    complete: BoolArray  # death seen, or follow-up reaching the horizon
    times: FloatArray  # distinct values of x
    group: NDArray[np.intp]  # index into times of each patient
    starts: NDArray[np.int64]
    horizon: float


def _sort(time: ArrayLike, event: ArrayLike, horizon: float) -> _Sorted:
    t, tau = as_time(time), check_positive(horizon, "horizon")
    e = as_event(event, t.size)
    last = t == t.max()  # beyond the last time only if the survival curve has reached 0
    if t.max() < tau and not e[last].all():
        raise InvalidInput.one("horizon", f"is {tau!r}, after the last follow-up time "
                               f"{float(t.max())!r} of a patient still alive; choose a shorter one")
    order = np.argsort(t, kind="stable")
    x = np.minimum(t[order], tau)
    times, starts = distinct_sorted(x)
    group = np.repeat(np.arange(times.size), np.diff(np.append(starts, x.size)))
    death = e[order] & (t[order] <= tau)
    return _Sorted(order, x, death, death | (t[order] >= tau), times, group, starts, tau)


def _intervals(s: _Sorted, costs: ArrayLike | None,
               interval_edges: ArrayLike | None) -> tuple[FloatArray, FloatArray]:
    """Edges up to the horizon and the validated cost matrix, rows in follow-up order."""
    if costs is None or interval_edges is None:
        raise InvalidInput.one("interval_costs", "and interval_edges are both needed here")
    edges, tau = _increasing(interval_edges), s.horizon
    if edges[0] != 0 or tau not in edges[1:]:
        raise InvalidInput.one("interval_edges", f"must start at 0 and contain the horizon "
                               f"{tau!r}; got {edges.tolist()} (e.g. arange(0, h + step, step))")
    edges = edges[: int(np.flatnonzero(edges == tau)[0]) + 1]
    n, k = s.x.size, edges.size - 1
    arr = np.asarray(costs, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] != n or arr.shape[1] < k:
        raise InvalidInput.one("interval_costs", f"must have shape ({n}, {k}); got {arr.shape}")
    arr = arr[s.order, :k]
    if not np.all(np.isfinite(arr)):
        raise InvalidInput.one("interval_costs", "has missing or infinite costs; use 0 for none")
    after = (edges[None, :-1] > s.x[:, None]) & (arr != 0)
    if after.any():
        raise InvalidInput.one("interval_costs", f"has costs in {int(after.sum())} intervals "
                               "starting after follow-up ended; are rows in time's order?")
    return edges, arr


def _km_left(s: _Sorted, w: FloatArray, flag: BoolArray) -> tuple[FloatArray, ...]:
    """Weighted product-limit curve of ``flag`` events, one row per row of ``w``: its value
    just before each distinct time (plus a last column after the last), the weighted numbers
    at risk and events at each distinct time."""
    at_risk = np.cumsum(np.add.reduceat(w, s.starts, axis=1)[:, ::-1], axis=1)[:, ::-1]
    events = np.add.reduceat(w * flag, s.starts, axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        factor = np.where(at_risk > 0, 1.0 - events / at_risk, 1.0)
    left = np.concatenate([np.ones((w.shape[0], 1)), np.cumprod(factor, axis=1)], axis=1)
    return left, at_risk, events


def _ipcw_terms(s: _Sorted, end: float, cost: FloatArray) -> tuple[NDArray[np.intp], ...]:
    """Patients whose cost to ``end`` is complete and not 0, and the column of K(min(x, end)-)."""
    keep = np.flatnonzero((s.death | (s.x >= end)) & (cost != 0))
    return keep, np.searchsorted(s.times, np.minimum(s.x[keep], end), side="left")


def _bt_rows(s: _Sorted, w: FloatArray, ends: FloatArray, costs: FloatArray) -> FloatArray:
    """Bang-Tsiatis (partitioned when ``ends`` has several interval ends) per row of w."""
    k_left = _km_left(s, w, ~s.complete)[0]
    total = np.zeros(w.shape[0])
    for j, end in enumerate(ends):
        keep, col = _ipcw_terms(s, float(end), costs[:, j])
        total += (w[:, keep] * costs[keep, j] / k_left[:, col]).sum(axis=1)
    return np.asarray(total / w.sum(axis=1), dtype=np.float64)


def _bt_influence(s: _Sorted, ends: FloatArray, costs: FloatArray) -> FloatArray:
    """phi_j = q_j - mean(q) + sum_u h(u) dM^C_j(u), h(u) = sum_i q_i I(x_i > u) / (Y - c)(u)."""
    n = s.x.size
    k_left, at_risk, cens = (a[0] for a in _km_left(s, np.ones((1, n)), ~s.complete))
    with np.errstate(divide="ignore", invalid="ignore"):  # 1 / (Y - c), as in Greenwood
        remaining = np.where(at_risk > cens, 1.0 / (at_risk - cens), 0.0)
    phi = np.zeros(n)
    for j, end in enumerate(ends):
        q = np.zeros(n)
        keep, col = _ipcw_terms(s, float(end), costs[:, j])
        q[keep] = costs[keep, j] / k_left[col]
        cum = np.concatenate([[0.0], np.cumsum(q)])
        h = (cum[-1] - cum[np.searchsorted(np.minimum(s.x, end), s.times, "right")]) * remaining
        phi += q - q.mean() + (~s.complete) * h[s.group] - np.cumsum(h * cens / at_risk)[s.group]
    return phi


def _followed(s: _Sorted, starts: FloatArray) -> BoolArray:
    """(n, K): alive and followed at each interval start; censored exactly there is not (no
    cost of the interval is seen), a death there is."""
    x = s.x[:, None]
    return np.asarray((x > starts) | ((x == starts) & s.death[:, None]), dtype=np.bool_)


def _lin_rows(s: _Sorted, w: FloatArray, edges: FloatArray, costs: FloatArray) -> FloatArray:
    """Lin method 1 per row of w: sum_k S(a_k-) * mean cost in interval k among the followed."""
    followed = _followed(s, edges[:-1]).astype(np.float64)
    n_k = w @ followed
    with np.errstate(divide="ignore", invalid="ignore"):
        mean_k = np.where(n_k > 0, (w @ (followed * costs)) / n_k, 0.0)
    surv = _km_left(s, w, s.death)[0][:, np.searchsorted(s.times, edges[:-1], side="left")]
    return np.asarray((surv * mean_k).sum(axis=1), dtype=np.float64)


def _lin_influence(s: _Sorted, edges: FloatArray, costs: FloatArray) -> FloatArray:
    """Derivatives of sum_k S_k E_k in each weight: the interval means' and the curve's."""
    n, starts = s.x.size, edges[:-1]
    s_left, at_risk, deaths = (a[0] for a in _km_left(s, np.ones((1, n)), s.death))
    r = _followed(s, starts)
    n_k = r.sum(axis=0).astype(np.float64)
    mean_k = (r * costs).sum(axis=0) / n_k
    surv = s_left[np.searchsorted(s.times, starts, side="left")]
    phi = (r * (costs - mean_k) * (n * surv / n_k)).sum(axis=1)
    after = np.concatenate([np.cumsum((surv * mean_k)[::-1])[::-1], [0.0]])
    b = after[np.searchsorted(starts, s.times, side="right")]  # sum over a_k > u of S_k E_k
    with np.errstate(divide="ignore", invalid="ignore"):  # 1 / (Y - d), as in Greenwood
        remaining = np.where(at_risk > deaths, 1.0 / (at_risk - deaths), 0.0)
    phi -= n * (s.death * (b * remaining)[s.group]
                - np.cumsum(b * deaths / at_risk * remaining)[s.group])
    return np.asarray(phi, dtype=np.float64)
