"""Paired bootstrap within arms, CEAC limits and net monetary benefit."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from registry.economics import (
    QUADRANTS,
    BootstrapResult,
    bootstrap_icer,
    ceac,
    classify,
    net_monetary_benefit,
)
from registry.errors import InvalidInput


def _arms(n: int = 300, seed: int = 11) -> tuple[np.ndarray, ...]:
    """Domestic (cheaper, slightly better) and imported arms with cost-effect correlation."""
    rng = np.random.default_rng(seed)
    e_a = rng.gamma(4, 0.5, n)
    c_a = 12e6 + 2e6 * e_a + rng.normal(0, 3e6, n)
    e_b = rng.gamma(4, 0.45, n)
    c_b = 39e6 + 2e6 * e_b + rng.normal(0, 3e6, n)
    return c_a, e_a, c_b, e_b


def test_same_seed_reproduces_and_another_seed_differs() -> None:
    data = _arms()
    first = bootstrap_icer(*data, n_boot=200, seed=5)
    again = bootstrap_icer(*data, n_boot=200, seed=5)
    other = bootstrap_icer(*data, n_boot=200, seed=6)
    pd.testing.assert_frame_equal(first.replicates, again.replicates)
    assert not np.allclose(first.replicates["delta_cost"], other.replicates["delta_cost"])
    assert first.seed == 5 and first.n_boot == 200


def test_chunk_size_and_progress_callback_do_not_change_the_result() -> None:
    data = _arms(n=50)
    calls: list[tuple[int, int]] = []
    chunked = bootstrap_icer(*data, n_boot=103, seed=2, chunk_size=10,
                             on_progress=lambda done, total: calls.append((done, total)))
    whole = bootstrap_icer(*data, n_boot=103, seed=2, chunk_size=103)
    pd.testing.assert_frame_equal(chunked.replicates, whole.replicates)
    assert [c[0] for c in calls] == [*range(10, 101, 10), 103]
    assert all(total == 103 for _, total in calls)


def test_cost_and_effect_of_a_patient_are_resampled_together() -> None:
    # effect = cost / 1e6 for every patient of both arms: only paired resampling keeps it
    rng = np.random.default_rng(3)
    c_a, c_b = rng.uniform(1e6, 5e6, 40), rng.uniform(1e6, 5e6, 60)
    res = bootstrap_icer(c_a, c_a / 1e6, c_b, c_b / 1e6, n_boot=300, seed=1)
    np.testing.assert_allclose(res.replicates["delta_effect"],
                               res.replicates["delta_cost"] / 1e6, rtol=1e-9, atol=1e-12)


def test_arms_are_resampled_separately() -> None:
    # a constant reference arm: every replicate's reference mean is that constant, so the
    # difference is a mean of n_a draws from arm a and lies within its range
    c_a = np.array([1.0, 2.0, 3.0, 10.0])
    res = bootstrap_icer(c_a, np.ones(4), np.full(7, 5.0), np.ones(7), n_boot=500, seed=4)
    mean_a = res.replicates["delta_cost"].to_numpy() + 5.0
    assert mean_a.min() >= 1.0 and mean_a.max() <= 10.0
    # resampled sums of 4 draws from {1, 2, 3, 10} are whole numbers
    np.testing.assert_allclose(mean_a * 4, np.round(mean_a * 4), atol=1e-9)


def test_bootstrap_spread_matches_the_analytic_standard_error() -> None:
    c_a, e_a, c_b, e_b = _arms(n=400)
    res = bootstrap_icer(c_a, e_a, c_b, e_b, n_boot=2000, seed=9)
    se = np.sqrt(c_a.var() / c_a.size + c_b.var() / c_b.size)  # plug-in (ddof 0) SE
    assert res.replicates["delta_cost"].std() == pytest.approx(se, rel=0.08)


def test_percentile_intervals_contain_the_point_estimate() -> None:
    c_a, e_a, c_b, e_b = _arms()
    res = bootstrap_icer(c_a, e_a, c_b, e_b, n_boot=1000, seed=1, wtp=3e6)
    assert isinstance(res, BootstrapResult)
    assert res.delta_cost.estimate == pytest.approx(c_a.mean() - c_b.mean())
    assert res.delta_effect.estimate == pytest.approx(e_a.mean() - e_b.mean())
    for interval in (res.delta_cost, res.delta_effect, res.nmb):
        assert interval is not None
        assert interval.lower < interval.estimate < interval.upper
    expected_nmb = 3e6 * res.delta_effect.estimate - res.delta_cost.estimate
    assert res.nmb is not None and res.nmb.estimate == pytest.approx(expected_nmb)
    assert res.nmb_interval(3e6) == res.nmb
    reps = res.replicates
    nmb = 3e6 * reps["delta_effect"] - reps["delta_cost"]
    assert res.nmb.lower == pytest.approx(np.quantile(nmb, 0.025))


def test_quadrant_shares_agree_with_classify_replicate_by_replicate() -> None:
    rng = np.random.default_rng(8)
    n = 30
    res = bootstrap_icer(rng.normal(0, 1, n), rng.normal(0, 1, n),
                         rng.normal(0, 1, n), rng.normal(0, 1, n), n_boot=400, seed=2)
    names = {"dominant": "south-east", "dominated": "north-west"}
    counts = dict.fromkeys(QUADRANTS, 0)
    for dc, de in res.replicates[["delta_cost", "delta_effect"]].itertuples(index=False):
        status, quadrant = classify(dc, de)
        counts[names.get(status, quadrant)] += 1
    assert res.quadrant_shares == {q: counts[q] / 400 for q in QUADRANTS}
    assert sum(res.quadrant_shares.values()) == pytest.approx(1.0)
    assert min(res.quadrant_shares["north-east"], res.quadrant_shares["south-west"]) > 0


def test_ceac_limits_and_naive_count() -> None:
    rng = np.random.default_rng(1)
    n = 40
    res = bootstrap_icer(rng.normal(10, 3, n), rng.normal(1.0, 0.5, n),
                         rng.normal(10.5, 3, n), rng.normal(0.9, 0.5, n), n_boot=500, seed=3)
    reps = res.replicates
    grid = [0.0, 1.0, 5.0, 1e15]
    curve = ceac(res, grid)
    assert list(curve.columns) == ["wtp", "probability_cost_effective"]
    p = curve["probability_cost_effective"].to_numpy()
    assert p[0] == pytest.approx((reps["delta_cost"] < 0).mean())
    assert p[-1] == pytest.approx((reps["delta_effect"] > 0).mean())
    for w, got in zip(grid, p, strict=True):
        naive = sum(w * de - dc > 0 for dc, de in zip(reps["delta_cost"], reps["delta_effect"],
                                                      strict=True)) / len(reps)
        assert got == pytest.approx(naive)
    assert 0 < p[0] < 1 and 0 < p[-1] < 1


def test_ceac_is_monotone_when_every_replicate_gains_effect() -> None:
    reps = pd.DataFrame({"delta_cost": [-1.0, 1.0, 2.0, 4.0], "delta_effect": [1.0, 1.0, 1.0, 1.0]})
    p = ceac(reps, np.linspace(0, 5, 11))["probability_cost_effective"].to_numpy()
    assert (np.diff(p) >= 0).all()
    assert p[0] == 0.25 and p[-1] == 1.0


def test_net_monetary_benefit_scalar_and_arrays() -> None:
    assert net_monetary_benefit(-27e6, 0.2, 3e6) == pytest.approx(27.6e6)
    got = net_monetary_benefit(np.array([1.0, 2.0]), np.array([0.5, -0.5]), 10.0)
    np.testing.assert_allclose(got, [4.0, -7.0])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"effects_a": np.ones(5)}, "effects_a"),
        ({"costs_b": np.array([1.0, np.nan, 2.0])}, "costs_b"),
        ({"costs_a": np.array([1.0]), "effects_a": np.array([1.0])}, "costs_a"),
    ],
)
def test_bad_arms_are_named(change: dict[str, np.ndarray], field: str) -> None:
    args = {"costs_a": np.arange(4.0), "effects_a": np.arange(4.0),
            "costs_b": np.arange(3.0), "effects_b": np.arange(3.0)} | change
    with pytest.raises(InvalidInput) as exc:
        bootstrap_icer(**args, n_boot=10)
    assert exc.value.errors[0].field == field


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [({"n_boot": 0}, "n_boot"), ({"seed": -1}, "seed"), ({"wtp": -5.0}, "wtp"),
     ({"conf_level": 1.5}, "conf_level"), ({"chunk_size": 0}, "chunk_size")],
)
def test_bad_settings_are_named(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        bootstrap_icer(np.arange(4.0), np.arange(4.0), np.arange(3.0), np.arange(3.0),
                       **kwargs)  # type: ignore[arg-type]
    assert exc.value.errors[0].field == field


def test_ceac_rejects_frames_without_differences() -> None:
    with pytest.raises(InvalidInput) as exc:
        ceac(pd.DataFrame({"cost": [1.0]}), [0.0])
    assert exc.value.errors[0].field == "replicates"
    with pytest.raises(InvalidInput) as exc:
        ceac(pd.DataFrame({"delta_cost": [1.0], "delta_effect": [1.0]}), [-1.0])
    assert exc.value.errors[0].field == "wtp_grid"


def test_thousand_replicates_on_ten_thousand_patients_per_arm_is_fast() -> None:
    rng = np.random.default_rng(0)
    n = 10_000
    data = (rng.gamma(2, 6e6, n), rng.normal(2, 1, n), rng.gamma(2, 2e7, n), rng.normal(2, 1, n))
    start = time.perf_counter()
    res = bootstrap_icer(*data, n_boot=1000, seed=1)
    elapsed = time.perf_counter() - start
    assert len(res.replicates) == 1000
    assert elapsed < 10.0, f"took {elapsed:.1f} s"
