"""Censoring-adjusted mean cost: Lin (1997), Bang-Tsiatis (2000), the naive means, bootstrap.

The acceptance test (issue 6) uses the synthetic cohort's uncensored resource histories: the
true mean cost to a two-year horizon is known, ~40% of patients are censored before it, and the
Lin and Bang-Tsiatis intervals must contain the truth while the naive complete-case mean misses
it. The other checks are closed forms (no censoring: the sample mean), hand computations, and a
Monte Carlo study with a closed-form true mean.
"""

from __future__ import annotations

import math
import time as clock
from dataclasses import FrozenInstanceError
from functools import cache

import numpy as np
import pandas as pd
import pytest

from registry.analysis.costs import (
    MeanCostResult,
    bang_tsiatis_mean_cost,
    bootstrap_mean_cost,
    lin_mean_cost,
    naive_mean_cost,
    partition_costs,
)
from registry.analysis.weighting import weighted_kaplan_meier
from registry.errors import InvalidInput
from registry.synthetic import generate_cohort
from registry.synthetic.cost_truth import uncensored_costs

# ---- a simulation with a closed-form true mean ---------------------------------------------------
# Death T ~ Exp(0.3) (years); a patient costs C0 at time 0, a patient-specific rate (uniform
# 2..8, mean 5) per year alive, and DEATH at death; horizon 3 years, intervals of half a year.
LAM, H, C0, DEATH = 0.3, 3.0, 10.0, 8.0
EDGES = np.arange(0.0, H + 0.25, 0.5)
TRUE_MEAN = C0 + 5.0 * (1 - math.exp(-LAM * H)) / LAM + DEATH * (1 - math.exp(-LAM * H))


def simulate(
    rng: np.random.Generator, n: int, censoring: str
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """time, event and (n, 6) observed interval costs; censoring "none", "grid" (at interval
    edges, where Lin's method 1 is exact) or "continuous" (uniform 0.2..5 years)."""
    death = rng.exponential(1 / LAM, n)
    rate = rng.uniform(2.0, 8.0, n)
    if censoring == "none":
        cens = np.full(n, np.inf)
    elif censoring == "grid":
        cens = rng.integers(1, 11, n) * 0.5
    else:
        cens = rng.uniform(0.2, 5.0, n)
    time = np.minimum(death, cens)
    event = death <= cens
    lo, hi = EDGES[:-1], EDGES[1:]
    costs = rate[:, None] * (np.clip(np.minimum(time, H)[:, None], lo, hi) - lo)
    costs[:, 0] += C0
    died = np.flatnonzero(event & (time <= H))
    costs[died, np.searchsorted(EDGES, time[died], side="right") - 1] += DEATH
    return time, event, costs


# ---- closed forms and hand computations ----------------------------------------------------------


def test_without_censoring_every_estimator_is_the_sample_mean() -> None:
    time, event, costs = simulate(np.random.default_rng(3), 500, "none")
    total = costs.sum(axis=1)
    mean, se = total.mean(), total.std() / math.sqrt(total.size)  # ddof 0: the plug-in SE
    results = [
        lin_mean_cost(time, event, costs, EDGES, H),
        bang_tsiatis_mean_cost(time, event, total, H),
        bang_tsiatis_mean_cost(time, event, None, H, partitioned=True, interval_costs=costs,
                               interval_edges=EDGES),
    ]
    for res in results:
        assert res.estimate == pytest.approx(mean, rel=1e-12), res.method
        assert res.se == pytest.approx(se, rel=1e-10), res.method
        assert res.n == res.n_complete == 500
    naive = naive_mean_cost(total, event)
    assert naive.estimate == pytest.approx(mean, rel=1e-12)
    assert naive.se == pytest.approx(total.std(ddof=1) / math.sqrt(500), rel=1e-12)


def test_follow_up_beyond_the_horizon_counts_as_complete() -> None:
    # censored after the horizon: complete, and no censoring before it, so again the mean
    time = np.array([1.0, 4.0, 2.5, 5.0])
    event = np.array([1, 0, 1, 0])
    cost = np.array([3.0, 9.0, 6.0, 8.0])
    for res in (bang_tsiatis_mean_cost(time, event, cost, 3.0),
                naive_mean_cost(cost, event, time=time, horizon=3.0)):
        assert res.estimate == pytest.approx(6.5)
        assert res.n_complete == 4


def test_bang_tsiatis_by_hand() -> None:
    # the censoring at 1.5 (3 at risk) makes K = 2/3 afterwards; K(1-) = 1
    res = bang_tsiatis_mean_cost([2, 1.5, 1, 4], [1, 0, 1, 0], [6, 3, 4, 9], horizon=3)
    assert res.estimate == pytest.approx((6 * 1.5 + 4 + 9 * 1.5) / 4)
    assert (res.method, res.n, res.n_complete, res.horizon) == ("bang-tsiatis", 4, 3, 3.0)


def test_tied_death_and_censoring_the_death_comes_first() -> None:
    # death and censoring both at 2: K(2-) = 1 (the censoring at 2 is not before the death)
    res = bang_tsiatis_mean_cost([2, 2, 3, 3], [1, 0, 0, 1], [5, 1, 7, 7], horizon=3)
    # K after 2 = 1 - 1/4; the patients at 3 (horizon) get 4/3
    assert res.estimate == pytest.approx((5 + 7 * 4 / 3 + 7 * 4 / 3) / 4)


def test_partitioned_bang_tsiatis_by_hand() -> None:
    # intervals [0, 1), [1, 2]; patient 2 censored at 1.5 completes interval 1 only
    time, event = [2, 1.5, 0.5, 2], [1, 0, 1, 0]
    costs = [[4, 2], [5, 1], [3, 0], [6, 3]]
    res = bang_tsiatis_mean_cost(time, event, None, 2, partitioned=True, interval_costs=costs,
                                 interval_edges=[0, 1, 2])
    # interval 1: everyone complete before any censoring: (4 + 5 + 3 + 6) / 4
    # interval 2: K(2-) = 2/3 after the censoring at 1.5 (3 at risk): (2 + 3) * 1.5 / 4
    assert res.estimate == pytest.approx(18 / 4 + 5 * 1.5 / 4)
    assert res.method == "bang-tsiatis-partitioned"


def test_lin_by_hand() -> None:
    # S(0-) = 1, S(1-) = 1 - 1/4 (the death at 0.5); patient 2, censored at 1 exactly, is not
    # followed in interval 2 (none of its cost is seen); patient 3 has died
    res = lin_mean_cost([2, 1, 0.5, 2], [1, 0, 1, 0], [[4, 2], [5, 0], [3, 0], [6, 3]],
                        [0, 1, 2], 2)
    assert res.estimate == pytest.approx((4 + 5 + 3 + 6) / 4 + 0.75 * (2 + 3) / 2)
    assert res.method == "lin"


def test_naive_means() -> None:
    cost, event = [10.0, 20.0, 5.0, 1.0], [1, 1, 0, 0]
    complete = naive_mean_cost(cost, event)
    assert (complete.estimate, complete.n, complete.n_complete) == (15.0, 4, 2)
    assert complete.se == pytest.approx(np.std([10, 20], ddof=1) / math.sqrt(2))
    assert complete.lower == pytest.approx(15 - 1.959963984540054 * complete.se)
    everyone = naive_mean_cost(cost, event, complete_only=False)
    assert (everyone.estimate, everyone.method) == (9.0, "naive-all")
    assert math.isnan(everyone.horizon)


def test_result_is_frozen() -> None:
    res = naive_mean_cost([1.0, 2.0], [1, 1])
    assert isinstance(res, MeanCostResult)
    with pytest.raises(FrozenInstanceError):
        res.estimate = 0.0  # type: ignore[misc]


def test_standard_errors_are_the_kaplan_meier_infinitesimal_jackknife() -> None:
    # With cost 1 for reaching a time a and 0 otherwise, both estimators are the Kaplan-Meier
    # survival just before a (Bang-Tsiatis through S(a-) K(a-) = Y(a) / n, no tied death and
    # censoring), so their influence-function SEs must equal the robust (infinitesimal
    # jackknife) SE of the curve, which weighted_kaplan_meier computes as R does.
    rng = np.random.default_rng(11)
    time = np.round(np.minimum(rng.exponential(3.0, 300), rng.uniform(0.5, 6.0, 300)), 6)
    event = rng.random(300) < 0.6
    a = 2.0
    km = weighted_kaplan_meier(time, event, np.ones(300), variance="robust")
    before = km[km["time"] < a].iloc[-1]
    se_surv = before["std_err"] * before["survival"]
    reached = (time >= a).astype(float)
    bt = bang_tsiatis_mean_cost(time, event, reached, a)
    lin = lin_mean_cost(time, event, np.column_stack([np.zeros(300), reached]), [0, a, 4.0], 4.0)
    for res in (bt, lin):
        assert res.estimate == pytest.approx(before["survival"], rel=1e-12), res.method
        assert res.se == pytest.approx(se_surv, rel=1e-10), res.method


# ---- the estimators' sampling behaviour ----------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "censoring"),
    [("lin", "grid"), ("bang-tsiatis", "continuous"), ("bang-tsiatis-partitioned", "continuous"),
     ("bang-tsiatis", "grid")],  # tied censorings: the SE needs 1 / (Y - c), not 1 / Y
)
def test_standard_errors_and_coverage_in_simulation(method: str, censoring: str) -> None:
    rng = np.random.default_rng(2024)
    estimates, ses, covered = [], [], []
    for _ in range(400):
        time, event, costs = simulate(rng, 400, censoring)
        if method == "lin":
            res = lin_mean_cost(time, event, costs, EDGES, H)
        else:
            res = bang_tsiatis_mean_cost(
                time, event, costs.sum(axis=1), H, partitioned=method.endswith("partitioned"),
                interval_costs=costs, interval_edges=EDGES)
        estimates.append(res.estimate)
        ses.append(res.se)
        covered.append(res.lower <= TRUE_MEAN <= res.upper)
    sd = np.std(estimates, ddof=1)
    assert abs(np.mean(estimates) - TRUE_MEAN) < 3 * sd / math.sqrt(400)  # unbiased
    assert 0.88 < np.mean(ses) / sd < 1.12  # the influence-function SE is calibrated
    assert 0.92 <= np.mean(covered) <= 0.98


def test_lin_is_biased_low_when_censoring_falls_inside_intervals() -> None:
    # the documented limitation of method 1: a patient censored inside an interval adds only
    # the part of its cost seen so far
    time, event, costs = simulate(np.random.default_rng(5), 4000, "continuous")
    lin = lin_mean_cost(time, event, costs, EDGES, H)
    bt = bang_tsiatis_mean_cost(time, event, costs.sum(axis=1), H)
    assert lin.upper < TRUE_MEAN < bt.upper and bt.lower < TRUE_MEAN


# ---- acceptance: the synthetic cohort's true mean cost to two years ------------------------------

N_PATIENTS, SEED, HORIZON = 10_000, 0, 730.0
MONTHS = np.append(np.arange(0.0, HORIZON, 30.0), HORIZON)


@cache
def cohort_costs() -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """truth frame (with the product's origin), uncensored priced records (day from origin),
    true cost to the horizon."""
    cohort = generate_cohort(N_PATIENTS, seed=SEED)
    records = uncensored_costs(N_PATIENTS, seed=SEED)
    to_horizon = records[records["day"] <= HORIZON]
    truth = np.bincount(to_horizon["episode_id"] - 1, weights=to_horizon["cost"],
                        minlength=N_PATIENTS)
    origin = cohort.products.set_index("id")["origin"]
    truth_frame = cohort.truth.assign(origin=cohort.truth["product_id"].map(origin))
    return truth_frame, records, truth


def observe(
    records: pd.DataFrame, ids: np.ndarray, time: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """What a registry sees: monthly costs and totals up to each patient's last contact."""
    seen = records[records["day"] <= time[records["episode_id"].to_numpy() - 1]]
    return partition_costs(seen, ids, MONTHS, patient="episode_id")


@cache
def independently_censored() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """Administrative censoring (entry uniform over four years) and random loss (exponential,
    mean 2000 days), independent of everything: time, event, interval costs, totals, truth."""
    truth_frame, records, truth = cohort_costs()
    rng = np.random.default_rng(100)
    death = truth_frame["true_death_day"].to_numpy()
    cens = np.round(np.minimum(rng.uniform(0, 1460, N_PATIENTS), rng.exponential(2000, N_PATIENTS)))
    time = np.minimum(death, cens)
    event = death <= cens
    costs, total = observe(records, truth_frame["episode_id"].to_numpy(), time)
    return time, event, costs, total, float(truth.mean())


def test_synthetic_truth_is_censored_as_the_issue_asks() -> None:
    time, event, _, _, _ = independently_censored()
    censored_before = np.mean(~event & (time < HORIZON))
    assert 0.35 < censored_before < 0.45


def test_lin_and_bang_tsiatis_cover_the_true_mean_and_the_naive_mean_does_not() -> None:
    time, event, costs, total, true_mean = independently_censored()
    adjusted = [
        lin_mean_cost(time, event, costs, MONTHS, HORIZON),
        bang_tsiatis_mean_cost(time, event, total, HORIZON),
        bang_tsiatis_mean_cost(time, event, None, HORIZON, partitioned=True,
                               interval_costs=costs, interval_edges=MONTHS),
    ]
    for res in adjusted:
        assert res.lower < true_mean < res.upper, res
    naive = naive_mean_cost(total, event, time=time, horizon=HORIZON)
    assert not naive.lower < true_mean < naive.upper
    assert (true_mean - naive.estimate) > 5 * naive.se  # clearly off: about 9 SE too low


def test_bootstrap_intervals_cover_the_true_mean_fast_and_reproducibly() -> None:
    time, event, costs, total, true_mean = independently_censored()
    start = clock.process_time()
    boot = bootstrap_mean_cost("bang-tsiatis", time, event, cost=total, horizon=HORIZON, seed=7)
    elapsed = clock.process_time() - start
    assert elapsed < 10.0  # CPU seconds for 1,000 replicates of 10,000 patients; about 1
    assert boot.lower < true_mean < boot.upper
    assert boot.ci == "percentile bootstrap, 1000 replicates, seed 7"
    normal = bang_tsiatis_mean_cost(time, event, total, HORIZON)
    assert boot.estimate == normal.estimate
    assert boot.se == pytest.approx(normal.se, rel=0.15)
    again = bootstrap_mean_cost("bang-tsiatis", time, event, cost=total, horizon=HORIZON, seed=7)
    assert (again.lower, again.upper, again.se) == (boot.lower, boot.upper, boot.se)
    other = bootstrap_mean_cost("bang-tsiatis", time, event, cost=total, horizon=HORIZON, seed=8)
    assert (other.lower, other.upper) != (boot.lower, boot.upper)
    lin = bootstrap_mean_cost("lin", time, event, interval_costs=costs, interval_edges=MONTHS,
                              horizon=HORIZON, seed=7, n_boot=300)
    assert lin.lower < true_mean < lin.upper
    naive = bootstrap_mean_cost("naive", time, event, cost=total, horizon=HORIZON, seed=7,
                                n_boot=300)
    assert naive.upper < true_mean


def test_registry_censoring_within_the_imported_product() -> None:
    # The registry's own censoring (last contact, deaths learnt at the next form) is
    # independent of cost only within a product: the domestic product, cheaper, enters later
    # and is censored more, so pooled products break the estimators' assumption. Within the
    # imported product (infused patients) Lin and Bang-Tsiatis still find the truth.
    truth_frame, records, truth = cohort_costs()
    keep = (truth_frame["origin"] == "imported").to_numpy() & truth_frame["infused"].to_numpy(bool)
    time = truth_frame["censor_day"].to_numpy()
    event = truth_frame["observed_death"].to_numpy(bool)
    costs, total = observe(records, truth_frame["episode_id"].to_numpy(), time)
    assert np.mean(~event[keep] & (time[keep] < HORIZON)) > 0.35
    true_mean = truth[keep].mean()
    for res in (lin_mean_cost(time[keep], event[keep], costs[keep], MONTHS, HORIZON),
                bang_tsiatis_mean_cost(time[keep], event[keep], total[keep], HORIZON)):
        assert res.lower < true_mean < res.upper, res
    naive = naive_mean_cost(total[keep], event[keep], time=time[keep], horizon=HORIZON)
    assert not naive.lower < true_mean < naive.upper


def test_uncensored_costs_add_up_to_the_truth_and_to_what_the_registry_sees() -> None:
    cohort = generate_cohort(500, seed=3)
    records = uncensored_costs(500, seed=3)
    totals = np.bincount(records["episode_id"] - 1, weights=records["cost"], minlength=500)
    np.testing.assert_allclose(np.round(totals, 2), cohort.truth["true_total_cost_rub"])
    censor = cohort.truth["censor_day"].to_numpy()
    seen = records[records["day"] <= censor[records["episode_id"].to_numpy() - 1]]
    assert len(seen) == len(cohort.resource_use)


# ---- partitioning records and bad input ----------------------------------------------------------


def test_partition_costs_by_hand() -> None:
    records = pd.DataFrame({
        "patient": ["b", "a", "a", "a", "b", "a"],
        "day": [10, -5, 0, 30, 60, 61],
        "cost": [1.0, 2.0, 3.0, 4.0, 5.0, 100.0],
    })
    costs, total = partition_costs(records, ["a", "b", "c"], [0, 30, 60])
    # -5 joins the first interval; 60 is in the last (closed) one; 61 is past the horizon
    np.testing.assert_array_equal(costs, [[5.0, 4.0], [1.0, 5.0], [0.0, 0.0]])
    np.testing.assert_array_equal(total, [9.0, 6.0, 0.0])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: partition_costs(pd.DataFrame({"patient": [9], "day": [1], "cost": [1.0]}),
                                 [1, 2], [0, 10]), "not in patients, e.g. 9"),
        (lambda: partition_costs(pd.DataFrame({"patient": [1]}), [1], [0, 10]), "no column"),
        (lambda: partition_costs(pd.DataFrame({"patient": [1], "day": [1], "cost": [1.0]}),
                                 [1, 1], [0, 10]), "duplicate"),
        (lambda: bang_tsiatis_mean_cost([1, 2], [0, 0], [1, 1], 5), "horizon: is 5"),
        (lambda: bang_tsiatis_mean_cost([1, 2], [1, 0], [1, 1, 1], 2), "cost"),
        (lambda: bang_tsiatis_mean_cost([1, 2], [1, 0], None, 2, partitioned=True),
         "interval_costs"),
        (lambda: lin_mean_cost([1, 2], [1, 0], [[1, 0], [1, 1]], [0, 1.5, 3], 2),
         "contain the horizon"),
        (lambda: lin_mean_cost([1, 2], [1, 0], [[1, 1], [1, 1]], [0, 1.5, 2], 2),
         "follow-up ended"),
        (lambda: lin_mean_cost([1, 2], [1, 0], [[1, 1]], [0, 1, 2], 2), "shape"),
        (lambda: naive_mean_cost([1.0, 2.0], [1, 0]), "fewer than 2"),
        (lambda: bootstrap_mean_cost("lin", [1, 2], [1, 0], horizon=None, seed=1), "horizon"),
        (lambda: bootstrap_mean_cost("median", [1, 2], [1, 0], horizon=2, seed=1), "estimator"),
        (lambda: bootstrap_mean_cost("naive", None, [1, 1], cost=[1.0, 2.0], seed=1, n_boot=1),
         "n_boot"),
    ],
)
def test_bad_input_is_rejected(call, message: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match=message):
        call()


def test_horizon_after_follow_up_is_allowed_once_everyone_has_died() -> None:
    res = bang_tsiatis_mean_cost([1, 2], [1, 1], [3.0, 5.0], 10)
    assert res.estimate == pytest.approx(4.0)
