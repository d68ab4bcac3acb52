"""Log-rank test against R's ``survdiff``."""

from __future__ import annotations

import numpy as np
import pytest

from registry.analysis import LogRankResult, logrank_test
from tests.analysis.helpers import assert_matches_r, datasets, reference

LOGRANK_SETS = sorted(reference()["logrank"])


@pytest.mark.parametrize("name", LOGRANK_SETS)
def test_logrank_matches_survdiff(name: str) -> None:
    d = datasets()[name]
    expected = reference()["logrank"][name]
    got = logrank_test(d["time"], d["status"], d["group"])
    assert isinstance(got, LogRankResult)
    assert got.observed.index.tolist() == expected["groups"]
    assert got.df == expected["df"]
    assert_matches_r(got.statistic, expected["chisq"], what="chisq")
    assert_matches_r(got.p_value, expected["p"], what="p")
    assert_matches_r(got.observed, expected["observed"], what="observed")
    assert_matches_r(got.expected, expected["expected"], what="expected")
    assert_matches_r(got.variance.to_numpy(), expected["variance"], what="variance")


def test_zero_events_in_one_group_works() -> None:
    d = datasets()["zero_events_group"]
    got = logrank_test(d["time"], d["status"], d["group"])
    assert got.observed["b"] == 0 and got.expected["b"] > 0
    assert 0 < got.p_value < 1


def test_numeric_group_labels_sort_numerically() -> None:
    got = logrank_test([1, 2, 3, 4, 5, 6], [1, 1, 1, 1, 0, 1], [10, 10, 2, 2, 10, 2])
    assert got.observed.index.tolist() == [2, 10]


def test_group_that_leaves_before_the_first_event_is_dropped_from_df_like_r() -> None:
    # group "c" is censored before any event: expected 0, so df counts only a and b
    got = logrank_test([0.5, 2, 3, 4, 5, 1, 6], [0, 1, 1, 0, 1, 0, 1], list("cabbaab"))
    assert got.expected["c"] == 0
    assert got.df == 1


def test_single_group_is_rejected() -> None:
    d = datasets()["single_group"]
    with pytest.raises(ValueError, match="group: has a single level \\('a'\\)"):
        logrank_test(d["time"], d["status"], d["group"])


def test_no_events_is_rejected() -> None:
    with pytest.raises(ValueError, match="event: has no events"):
        logrank_test([1, 2, 3], [0, 0, 0], ["a", "b", "a"])


@pytest.mark.parametrize(
    ("group", "match"),
    [
        (["a", None, "b"], "group: has 1 missing label"),
        (["a", np.nan, "b"], "group: has 1 missing label"),
        (["a", "b"], "group: has 2 values but time has 3"),
    ],
)
def test_bad_groups_are_rejected(group: list[object], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        logrank_test([1, 2, 3], [1, 0, 1], group)
