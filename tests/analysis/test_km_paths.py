"""The fast counting paths against plain ones: the two ways of counting a risk table (by
`np.bincount` for whole-day times, by one sort otherwise; `registry.analysis._km`) agree, and
the concordance index equals a count over every pair. The R fixtures and the peer
cross-checks test the estimators too; this pins the paths directly, ties included."""

from __future__ import annotations

import numpy as np
import pytest

from registry.analysis import kaplan_meier, logrank_test
from registry.analysis._km import (
    _sorted_risk_table,
    _whole_day_counts,
    risk_by_group,
    risk_table,
)


def _data(seed: int, n: int, top: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    time = rng.integers(0, top, n).astype(np.float64)
    event = rng.random(n) < 0.4  # heavy censoring, many ties
    return time, event


def _same(a: object, b: object) -> None:
    for name in ("time", "n_risk", "n_event", "n_censor"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)


@pytest.mark.parametrize(("seed", "n", "top"), [(1, 1, 1), (2, 50, 3), (3, 5_000, 400),
                                                (4, 20_000, 5_000), (5, 7, 100_000)])
def test_counting_and_sorting_give_the_same_table(seed: int, n: int, top: int) -> None:
    time, event = _data(seed, n, top)
    _same(risk_table(time, event), _sorted_risk_table(time, event))
    assert risk_table(time, event).n_risk[0] == n


def test_which_path_is_taken() -> None:
    time, event = _data(6, 1_000, 300)
    assert _whole_day_counts(time, event, None, 1) is not None  # days: counted
    assert _whole_day_counts(time + 0.5, event, None, 1) is None  # fractions: sorted
    wide = time.copy()
    wide[0] = 10.0**9  # one far value: counting would allocate a billion cells
    assert _whole_day_counts(wide, event, None, 1) is None
    _same(risk_table(wide, event), _sorted_risk_table(wide, event))


def test_shifting_every_time_by_half_a_day_moves_the_times_only() -> None:
    """Whole days (counted) and the same days plus 0.5 (sorted) give the same curve and the
    same log-rank test, with the times shifted."""
    time, event = _data(7, 10_000, 900)
    group = np.random.default_rng(8).integers(0, 3, time.size)
    days, shifted = kaplan_meier(time, event), kaplan_meier(time + 0.5, event)
    np.testing.assert_array_equal(days["time"] + 0.5, shifted["time"])
    for column in ("n_risk", "n_event", "n_censor", "survival", "lower", "upper"):
        np.testing.assert_array_equal(days[column], shifted[column], err_msg=column)
    a, b = logrank_test(time, event, group), logrank_test(time + 0.5, event, group)
    assert a.statistic == pytest.approx(b.statistic, rel=1e-12) and a.df == b.df == 2
    codes = group.astype(np.intp)
    counted, sorted_ = risk_by_group(time, event, codes, 3), risk_by_group(
        time + 0.5, event, codes, 3)
    np.testing.assert_array_equal(counted[0] + 0.5, sorted_[0])
    np.testing.assert_array_equal(counted[1], sorted_[1])
    np.testing.assert_array_equal(counted[2], sorted_[2])


def _brute_concordance(time: np.ndarray, event: np.ndarray, risk: np.ndarray) -> float:
    """Harrell's C by looking at every pair (R coxph's conventions)."""
    concordant = tied = comparable = 0.0
    for i in np.flatnonzero(event):
        later = (time > time[i]) | ((time == time[i]) & ~event)
        later[i] = False
        comparable += later.sum()
        concordant += (risk[later] < risk[i]).sum()
        tied += (risk[later] == risk[i]).sum()
    return (concordant + tied / 2) / comparable


@pytest.mark.parametrize("seed", range(6))
def test_concordance_equals_the_pairwise_count(seed: int) -> None:
    from registry.analysis._concordance import concordance_index

    rng = np.random.default_rng(seed)
    n = int(rng.integers(2, 400))
    time = rng.integers(0, max(2, n // 5), n).astype(np.float64)  # many tied times
    event = rng.random(n) < 0.5
    event[0] = True
    risk = np.round(rng.normal(size=n), 1)  # many tied scores
    assert concordance_index(time, event, risk) == pytest.approx(
        _brute_concordance(time, event, risk), rel=1e-12)


def test_many_groups_are_sorted_not_counted() -> None:
    """Counting allocates (days x groups) cells: with a group per patient it is refused, and the
    sorting path gives the log-rank counts."""
    time, event = _data(9, 3_000, 2_000)
    codes = np.arange(time.size, dtype=np.intp)  # a group per patient
    assert _whole_day_counts(time, event, codes, time.size) is None
    distinct, risk, deaths = risk_by_group(time, event, codes, time.size)
    assert deaths.sum() == event.sum() and np.array_equal(distinct, np.unique(time[event]))
    np.testing.assert_array_equal(risk.sum(axis=1), [(time >= d).sum() for d in distinct])
