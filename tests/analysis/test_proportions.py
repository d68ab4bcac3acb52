"""Clopper-Pearson intervals against R's ``binom.test``."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from registry.analysis import Proportion, exact_ci
from tests.analysis.helpers import assert_matches_r, reference

CASES = [
    (case["x"], case["n"], interval)
    for case in reference()["binom"]
    for interval in case["intervals"]
]


@pytest.mark.parametrize(("x", "n", "interval"), CASES)
def test_exact_ci_matches_binom_test(x: int, n: int, interval: dict[str, Any]) -> None:
    got = exact_ci(x, n, interval["conf_level"])
    assert isinstance(got, Proportion)
    assert got.estimate == x / n
    assert_matches_r([got.lower, got.upper], [interval["lower"], interval["upper"]])


def test_numpy_integers_and_whole_floats_are_accepted() -> None:
    assert exact_ci(np.int64(3), 10.0) == exact_ci(3, 10)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("x", "n", "match"),
    [
        (11, 10, "successes: must be between 0 and n=10; got 11"),
        (-1, 10, "successes: must be between 0 and n=10"),
        (1, 0, "n: must be at least 1; got 0"),
        (1.5, 10, "successes: must be a whole number of patients; got 1.5"),
        (True, 10, "successes: must be a whole number"),
        ("3", 10, "successes: must be a whole number"),
    ],
)
def test_bad_counts_are_rejected(x: Any, n: Any, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        exact_ci(x, n)
