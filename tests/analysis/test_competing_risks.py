"""Cumulative incidence against ``cmprsk::cuminc`` / ``timepoints``."""

from __future__ import annotations

import numpy as np
import pytest

from registry.analysis import StatisticalWarning, cumulative_incidence, kaplan_meier
from tests.analysis.helpers import assert_matches_r, datasets, reference

CASES = [(name, cause) for name in sorted(reference()["cuminc"]) for cause in ("1", "2")]


@pytest.mark.parametrize(("name", "cause"), CASES)
def test_cumulative_incidence_matches_cuminc(name: str, cause: str) -> None:
    d = datasets()[name]
    expected = reference()["cuminc"][name][cause]
    got = cumulative_incidence(d["time"], d["cause"], int(cause))
    assert list(got.columns) == [
        "time", "n_risk", "n_event", "n_competing", "n_censor", "cif", "variance", "lower",
        "upper",
    ]
    assert_matches_r(got["time"], expected["time"])
    assert_matches_r(got["cif"], expected["est"], what="est")
    assert_matches_r(got["variance"], expected["var"], what="var")
    assert_matches_r(got["lower"], expected["lower"], what="lower")
    assert_matches_r(got["upper"], expected["upper"], what="upper")


def test_incidences_of_all_causes_add_up_to_one_minus_kaplan_meier() -> None:
    d = datasets()["competing"]
    total = sum(
        cumulative_incidence(d["time"], d["cause"], k)["cif"].to_numpy() for k in (1, 2)
    )
    km = kaplan_meier(d["time"], d["cause"] > 0)
    np.testing.assert_allclose(total, 1 - km["survival"], rtol=1e-12, atol=1e-14)


def test_without_competing_events_the_cif_is_one_minus_kaplan_meier() -> None:
    time = [1, 2, 2, 3, 5, 8]
    cause = [1, 0, 1, 1, 0, 1]
    cif = cumulative_incidence(time, cause, 1)
    km = kaplan_meier(time, cause)
    np.testing.assert_allclose(cif["cif"], 1 - km["survival"], rtol=1e-12)


def test_cause_that_never_occurs_warns_and_gives_zero() -> None:
    with pytest.warns(StatisticalWarning, match="cause_of_interest 3 never occurs"):
        got = cumulative_incidence([1, 2, 3], [1, 2, 0], 3)
    assert (got["cif"] == 0).all() and got["lower"].isna().all()


@pytest.mark.parametrize(
    ("cause", "of_interest", "match"),
    [
        ([1, -1, 0], 1, r"cause: must hold whole numbers >= 0.*\(-1.0\)"),
        ([1, 1.5, 0], 1, "cause: must hold whole numbers"),
        ([1, np.nan, 0], 1, "cause: must hold whole numbers"),
        ([1, 2], 1, "cause: has 2 values but time has 3"),
        ([1, 2, 0], 0, "cause_of_interest: must be a cause code > 0"),
        ([1, 2, 0], True, "cause_of_interest"),
    ],
)
def test_bad_causes_are_rejected(cause: list[float], of_interest: int, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        cumulative_incidence([1, 2, 3], cause, of_interest)
