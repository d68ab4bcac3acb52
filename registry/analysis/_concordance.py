"""Harrell's concordance index with R ``coxph``'s conventions, in O(n log^2 n) numpy.

A pair (i, j) is comparable when i has the event and j is known to outlive i: j's time is
later, or equal with j censored (a censoring tied with an event counts as later). Pairs whose
times are tied and both are events are not comparable (R's ``tied.y``). The pair is concordant
when the patient who failed first has the higher risk score, and a tie in the score counts
one half::

    C = (concordant + tied_risk / 2) / (concordant + discordant + tied_risk)

which is ``coxph(...)$concordance["concordance"]``.

Counting "later patients with a lower score" is a 2-D dominance count. Sorting patients by
time makes "later" a suffix of positions; the count over a prefix [0, s) is split into the
O(log n) aligned power-of-two blocks of s's binary expansion, and at each block size one sort
and two ``searchsorted`` calls answer every query at once, so there is no per-patient loop.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from registry.analysis._km import distinct_sorted


def _prefix_counts(
    rank: NDArray[np.int64], stop: NDArray[np.int64], query: NDArray[np.int64]
) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """For each query q: #{p < stop[q]: rank[p] < query[q]} and #{... rank[p] <= query[q]}."""
    n = rank.size
    span = int(rank.max()) + 1
    position = np.arange(n, dtype=np.int64)
    less = np.zeros(stop.size, dtype=np.int64)
    less_equal = np.zeros(stop.size, dtype=np.int64)
    level = 0
    while (1 << level) <= n:
        chosen = ((stop >> level) & 1) == 1
        if chosen.any():
            keys = np.sort((position >> level) * span + rank)
            base = ((stop[chosen] >> (level + 1)) << 1) * span
            start = np.searchsorted(keys, base, side="left")
            less[chosen] += np.searchsorted(keys, base + query[chosen], side="left") - start
            less_equal[chosen] += np.searchsorted(keys, base + query[chosen], side="right") - start
        level += 1
    return less, less_equal


def concordance_index(
    time: NDArray[np.float64], event: NDArray[np.bool_], risk: NDArray[np.float64]
) -> float:
    """Harrell's C for ``risk`` (higher = earlier event), R ``coxph`` conventions.

    Returns NaN when no pair is comparable.
    """
    order = np.lexsort((~event, time))  # by time, events before censorings at a tie
    t = time[order]
    e = event[order]
    _, rank_raw = np.unique(risk[order], return_inverse=True)
    rank = rank_raw.astype(np.int64).ravel()
    _, starts = distinct_sorted(t)
    events_here = np.add.reduceat(e.astype(np.int64), starts)
    group = np.repeat(np.arange(starts.size), np.diff(np.append(starts, t.size)))
    stop = (starts + events_here)[group][e]  # first position that outlives the event
    query = rank[e]
    # Only sums are taken, so the queries may be put in (stop, rank) order: then every level's
    # search keys in `_prefix_counts` come sorted, and ``searchsorted`` runs several times
    # faster on sorted needles.
    by_stop = np.lexsort((query, stop))
    stop, query = stop[by_stop], query[by_stop]
    below = np.concatenate(([0], np.cumsum(np.bincount(rank))))  # ranks are 0 .. u-1
    all_less, all_less_equal = below[query], below[query + 1]
    prefix_less, prefix_less_equal = _prefix_counts(rank, stop, query)
    concordant = float(np.sum(all_less - prefix_less))
    tied = float(np.sum((all_less_equal - prefix_less_equal) - (all_less - prefix_less)))
    comparable = float(np.sum(t.size - stop))
    if comparable == 0:
        return float("nan")
    return (concordant + tied / 2.0) / comparable
