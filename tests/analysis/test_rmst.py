"""Restricted mean survival time against R's ``print(survfit, rmean=)``."""

from __future__ import annotations

import pytest

from registry.analysis import RMSTDifference, RMSTResult, rmst, rmst_difference
from tests.analysis.helpers import assert_matches_r, datasets, reference

CASES = [
    (name, i) for name, rows in sorted(reference()["rmst"].items()) for i in range(len(rows))
]


@pytest.mark.parametrize(("name", "i"), CASES)
def test_rmst_matches_rmean(name: str, i: int) -> None:
    d = datasets()[name]
    expected = reference()["rmst"][name][i]
    got = rmst(d["time"], d["status"], expected["horizon"])
    assert isinstance(got, RMSTResult)
    assert_matches_r([got.rmst, got.se], [expected["rmean"], expected["se"]], what=name)
    assert got.lower < got.rmst < got.upper or got.se == 0


@pytest.mark.parametrize("name", sorted(reference()["rmst_group"]))
def test_rmst_difference_matches_per_group_rmean(name: str) -> None:
    d = datasets()[name]
    expected = reference()["rmst_group"][name]
    got = rmst_difference(d["time"], d["status"], d["group"], expected["horizon"])
    assert isinstance(got, RMSTDifference)
    assert [got.reference_label, got.comparator_label] == expected["groups"]
    assert_matches_r(
        [got.reference.rmst, got.comparator.rmst], expected["rmean"], what="rmean"
    )
    assert_matches_r([got.reference.se, got.comparator.se], expected["se"], what="se")
    for field in ["difference", "lower", "upper", "p"]:
        value = got.p_value if field == "p" else getattr(got, field)
        assert_matches_r(value, expected[field], what=field)
    assert_matches_r(got.se, expected["difference_se"])


def test_horizon_after_last_follow_up_is_rejected() -> None:
    with pytest.raises(ValueError, match="horizon: is 20.0, after the last follow-up time 9.0"):
        rmst([1, 4, 9], [1, 0, 0], 20)


def test_horizon_after_the_curve_reached_zero_is_allowed() -> None:
    got = rmst([1, 2, 3], [1, 1, 1], 10)
    assert got.rmst == pytest.approx(2.0)


def test_horizon_beyond_one_group_names_that_group() -> None:
    with pytest.raises(ValueError, match="in group 'a'"):
        rmst_difference([1, 2, 3, 4, 5, 9], [1, 0, 0, 1, 0, 0], list("aaabbb"), 6)


@pytest.mark.parametrize("horizon", [0, -1, float("nan"), float("inf")])
def test_non_positive_or_non_finite_horizon_is_rejected(horizon: float) -> None:
    with pytest.raises(ValueError, match="horizon: must be a finite number > 0"):
        rmst([1, 2, 3], [1, 0, 1], horizon)


def test_difference_needs_exactly_two_groups() -> None:
    with pytest.raises(ValueError, match="group: must have exactly two levels, but has 3"):
        rmst_difference([1, 2, 3], [1, 0, 1], ["a", "b", "c"], 2)
