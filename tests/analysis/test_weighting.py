"""Propensity scores, IPTW weights, balance and the weighted Kaplan-Meier curve.

Reference numbers come from R (``glm(family = binomial)``, ``survfit(..., weights =)``) through
``tests/fixtures/make_weighting_fixtures.R``; the SMDs are checked against a hand computation.
"""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from registry.analysis import kaplan_meier
from registry.analysis.exceptions import ConvergenceError
from registry.analysis.weighting import (
    PropensityModel,
    balance_table,
    iptw_weights,
    propensity_scores,
    weighted_kaplan_meier,
)
from registry.errors import InvalidInput
from tests.analysis.helpers import assert_matches_r

WEIGHTING_JSON = Path(__file__).resolve().parents[1] / "fixtures" / "weighting_reference.json"


@cache
def weighting_reference() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(WEIGHTING_JSON.read_text(encoding="utf-8"))
    return loaded


@cache
def propensity_frame() -> pd.DataFrame:
    return pd.DataFrame(weighting_reference()["propensity"]["data"])


@cache
def fitted() -> PropensityModel:
    ref = weighting_reference()["propensity"]
    return propensity_scores(propensity_frame(), "treated", ref["covariates"])


# ---- propensity model ---------------------------------------------------------------------------


def test_propensity_coefficients_match_glm() -> None:
    ref = weighting_reference()["propensity"]
    fit = fitted()
    assert fit.coefficients.index.tolist() == list(ref["coefficients"])
    assert_matches_r(fit.coefficients.to_numpy(), list(ref["coefficients"].values()), rtol=1e-6)
    assert_matches_r(fit.std_errors.to_numpy(), list(ref["std_errors"].values()), rtol=1e-6)
    assert_matches_r(fit.deviance, ref["deviance"], rtol=1e-10)
    assert_matches_r(fit.scores, ref["fitted"], rtol=1e-6)


def test_propensity_accepts_boolean_columns() -> None:
    frame = propensity_frame().assign(
        treated=lambda d: d["treated"].astype(bool), ldh_high=lambda d: d["ldh_high"].astype(bool)
    )
    fit = propensity_scores(frame, "treated", ["age", "ecog", "ldh_high", "prior_lines"])
    np.testing.assert_allclose(fit.coefficients.to_numpy(), fitted().coefficients.to_numpy())


def test_complete_separation_is_an_error_naming_the_covariates() -> None:
    frame = pd.DataFrame({"t": [0, 0, 0, 1, 1, 1], "x": [1.0, 2, 3, 4, 5, 6]})
    with pytest.raises(ConvergenceError, match=r"\['x'\].*separate"):
        propensity_scores(frame, "t", ["x"])


def test_quasi_complete_separation_is_an_error() -> None:
    # every patient with x = 1 is treated; x = 0 has both
    frame = pd.DataFrame({"t": [0, 1, 0, 1, 1, 1, 1], "x": [0, 0, 0, 0, 1, 1, 1]})
    with pytest.raises(ConvergenceError, match="separate"):
        propensity_scores(frame, "t", ["x"])


def test_collinear_covariates_are_an_error() -> None:
    frame = propensity_frame().assign(age2=lambda d: 2 * d["age"] + 1)
    with pytest.raises(ConvergenceError, match="collinear"):
        propensity_scores(frame, "treated", ["age", "age2"])


@pytest.mark.parametrize(
    ("frame", "covariates", "message"),
    [
        (pd.DataFrame({"t": [0, 1, 1], "x": ["a", "b", "a"]}), ["x"], "not numeric"),
        (pd.DataFrame({"t": [0, 1, 1], "x": [1.0, np.nan, 2.0]}), ["x"], "missing"),
        (pd.DataFrame({"t": [1, 1, 1], "x": [1.0, 2.0, 3.0]}), ["x"], "and control"),
        (pd.DataFrame({"t": [0, 2, 1], "x": [1.0, 2.0, 3.0]}), ["x"], "0 .censored. or 1"),
        (pd.DataFrame({"t": [0, 1, 1], "x": [1.0, 2.0, 3.0]}), ["y"], "missing \\['y'\\]"),
    ],
)
def test_bad_propensity_input_is_rejected(
    frame: pd.DataFrame, covariates: list[str], message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        propensity_scores(frame, "t", covariates)


# ---- weights ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("estimand", "stabilised", "key"),
    [("ATE", True, "iptw_ate_stabilised"), ("ATE", False, "iptw_ate"), ("ATT", False, "iptw_att")],
)
def test_iptw_weights_match_r(estimand: str, stabilised: bool, key: str) -> None:
    ref = weighting_reference()["propensity"]
    w = iptw_weights(fitted().scores, propensity_frame()["treated"], estimand, stabilised)  # type: ignore[arg-type]
    assert_matches_r(w, ref[key], rtol=1e-6)


def test_stabilised_att_and_atc_weights_by_hand() -> None:
    ps = np.array([0.2, 0.5, 0.6, 0.3, 0.9])
    z = np.array([1, 0, 1, 0, 0])
    p = 2 / 5
    att = iptw_weights(ps, z, "ATT", stabilised=True)
    np.testing.assert_allclose(att, [1, 1 * (1 - p) / p, 1, 0.3 / 0.7 * (1 - p) / p,
                                     9 * (1 - p) / p])
    atc = iptw_weights(ps, z, "ATC", stabilised=False)
    np.testing.assert_allclose(atc, [4, 1, 0.4 / 0.6, 1, 1])


def test_trim_truncates_at_quantiles() -> None:
    ps = np.linspace(0.01, 0.99, 99)
    z = np.tile([0, 1, 1], 33)
    raw = iptw_weights(ps, z, stabilised=False)
    got = iptw_weights(ps, z, stabilised=False, trim=0.05)
    ordered = np.sort(raw)
    # linear quantile at 0.05 of 99 values: position 0.05 * 98 = 4.9
    low = ordered[4] + 0.9 * (ordered[5] - ordered[4])
    high = ordered[93] + 0.1 * (ordered[94] - ordered[93])
    np.testing.assert_allclose(got, np.clip(raw, low, high))
    assert got.min() == pytest.approx(low) and got.max() == pytest.approx(high)
    assert ((raw > low) & (raw < high)).sum() >= 80  # the middle is untouched


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"ps": [0.0, 0.5], "treated": [0, 1]}, "strictly in \\(0, 1\\)"),
        ({"ps": [0.3, 0.5], "treated": [0, 1], "estimand": "ATX"}, "estimand"),
        ({"ps": [0.3, 0.5], "treated": [0, 1], "trim": 0.5}, "trim"),
        ({"ps": [0.3, 0.5], "treated": [0, 1, 1]}, "one value per patient"),
    ],
)
def test_bad_weight_input_is_rejected(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        iptw_weights(**kwargs)


# ---- balance ------------------------------------------------------------------------------------


def test_smd_matches_hand_computation() -> None:
    frame = pd.DataFrame({
        "t": [1, 1, 1, 0, 0, 0, 0],
        "age": [60.0, 50.0, 40.0, 70.0, 65.0, 55.0, 50.0],
        "ldh": [1, 1, 0, 0, 0, 1, 0],
    })
    w = [2.0, 1.0, 1.0, 0.5, 1.0, 1.0, 2.0]
    table = balance_table(frame, "t", ["age", "ldh"], weights=w).set_index("covariate")
    # age: means 50 and 60; sample variances 100 and 250/3 (n - 1)
    pooled = math.sqrt((100.0 + 250.0 / 3.0) / 2.0)
    assert table.loc["age", "mean_treated"] == pytest.approx(50.0)
    assert table.loc["age", "mean_control"] == pytest.approx(60.0)
    assert table.loc["age", "smd_unweighted"] == pytest.approx(-10.0 / pooled)
    wt = (2 * 60 + 50 + 40) / 4.0
    wc = (0.5 * 70 + 65 + 55 + 2 * 50) / 4.5
    assert table.loc["age", "mean_treated_weighted"] == pytest.approx(wt)
    assert table.loc["age", "mean_control_weighted"] == pytest.approx(wc)
    assert table.loc["age", "smd_weighted"] == pytest.approx((wt - wc) / pooled)
    # ldh is 0/1: p = 2/3 and 1/4, variances p (1 - p)
    pooled_b = math.sqrt((2 / 3 * 1 / 3 + 1 / 4 * 3 / 4) / 2.0)
    assert table.loc["ldh", "smd_unweighted"] == pytest.approx((2 / 3 - 1 / 4) / pooled_b)
    wt_b, wc_b = 3.0 / 4.0, 1.0 / 4.5
    assert table.loc["ldh", "smd_weighted"] == pytest.approx((wt_b - wc_b) / pooled_b)


def test_balance_without_weights_has_nan_weighted_columns() -> None:
    table = balance_table(propensity_frame(), "treated", ["age", "ecog"])
    assert list(table.columns) == [
        "covariate", "mean_treated", "mean_control", "smd_unweighted",
        "mean_treated_weighted", "mean_control_weighted", "smd_weighted",
    ]
    assert table["smd_weighted"].isna().all()
    assert table["smd_unweighted"].notna().all()


def test_iptw_weighting_balances_the_covariates() -> None:
    ref = weighting_reference()["propensity"]
    frame = propensity_frame()
    w = iptw_weights(fitted().scores, frame["treated"])
    table = balance_table(frame, "treated", ref["covariates"], weights=w)
    assert table["smd_unweighted"].abs().max() > 0.2  # the groups differ before weighting
    assert table["smd_weighted"].abs().max() < 0.05


def test_balance_rejects_bad_weights() -> None:
    with pytest.raises(InvalidInput, match="weights"):
        balance_table(propensity_frame(), "treated", ["age"], weights=[1.0, 2.0])


# ---- weighted Kaplan-Meier ----------------------------------------------------------------------

KM_CASES = [(name, v) for name in ("ties", "iptw", "to_zero") for v in ("robust", "greenwood")]


@pytest.mark.parametrize(("name", "variance"), KM_CASES)
def test_weighted_km_matches_survfit(name: str, variance: str) -> None:
    ref = weighting_reference()["weighted_km"][name]
    d = ref["data"]
    got = weighted_kaplan_meier(d["time"], d["status"], d["weight"], variance=variance)  # type: ignore[arg-type]
    expected = ref[variance]
    for column in ("time", "n_risk", "n_event", "n_censor", "survival", "lower", "upper"):
        assert_matches_r(got[column], expected[column], what=f"{name} {column}")
    std_err = got["std_err"].to_numpy()
    if variance == "robust":  # R reports the robust standard error of S itself (logse FALSE)
        assert expected["logse"] is False
        std_err = std_err * got["survival"].to_numpy()
    else:
        assert expected["logse"] is True
        std_err = np.where(np.isinf(std_err), np.nan, std_err)  # R's Inf is JSON null
    assert_matches_r(std_err, expected["std_err"], what=f"{name} std_err")


def test_weighted_km_with_unit_weights_is_kaplan_meier() -> None:
    d = weighting_reference()["weighted_km"]["ties"]["data"]
    got = weighted_kaplan_meier(d["time"], d["status"], np.ones(len(d["time"])),
                                variance="greenwood")
    expected = kaplan_meier(d["time"], d["status"])
    for column in expected.columns:
        np.testing.assert_array_equal(got[column].to_numpy(dtype=float),
                                      expected[column].to_numpy(dtype=float), err_msg=column)


def test_integer_weights_equal_replicated_patients() -> None:
    time = np.array([3.0, 1, 4, 1, 5, 9, 2, 6])
    event = np.array([1, 0, 1, 1, 0, 1, 1, 0])
    reps = np.array([2, 1, 3, 1, 2, 1, 4, 1])
    got = weighted_kaplan_meier(time, event, reps.astype(float), variance="greenwood")
    expected = kaplan_meier(np.repeat(time, reps), np.repeat(event, reps))
    for column in ("time", "n_risk", "n_event", "survival", "lower", "upper"):
        np.testing.assert_allclose(got[column], expected[column].astype(float), rtol=1e-12)


@pytest.mark.parametrize(
    ("weights", "variance", "message"),
    [([1.0, 0.0, 1.0], "robust", "weights"), ([1.0, 1.0], "robust", "weights"),
     ([1.0, 1.0, 1.0], "jackknife", "variance")],
)
def test_weighted_km_rejects_bad_input(weights: list[float], variance: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        weighted_kaplan_meier([1, 2, 3], [1, 0, 1], weights, variance=variance)  # type: ignore[arg-type]
