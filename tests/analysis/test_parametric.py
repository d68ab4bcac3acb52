"""Parametric survival models for extrapolation.

The exponential, Weibull, log-normal and log-logistic fits are checked against R's
``survreg`` (tests/fixtures/parametric_reference.json, made by make_parametric_fixtures.R).
R has no generalised gamma or mixture-cure model without extra packages, so those are checked
against scipy's own generalised-gamma distribution, by nesting (Q = 1 is the Weibull, Q -> 0
the log-normal, cure fraction -> 0 the latency model) and by recovering the parameters of
large seeded simulations. Restricted means are checked against closed forms.
"""

from __future__ import annotations

import dataclasses
import json
import math
import time as clock
import warnings
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import special, stats

from registry.analysis.exceptions import ConvergenceError, ConvergenceWarning
from registry.analysis.parametric import (
    ALL,
    ParametricFit,
    fit_all,
    fit_parametric,
    parametric_loglik,
)
from registry.errors import InvalidInput

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "parametric_reference.json"
RTOL = 1e-6  # the target for agreement with R


@cache
def reference() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(FIXTURE.read_text(encoding="utf-8"))
    return loaded


def dataset(name: str) -> tuple[np.ndarray, np.ndarray]:
    d = reference()["datasets"][name]
    return np.array(d["time"], dtype=float), np.array(d["status"], dtype=float)


@cache
def fitted(name: str, distribution: str) -> ParametricFit:
    return fit_parametric(*dataset(name), distribution)


R_CASES = [(name, dist) for name, fits in reference()["survreg"].items() for dist in fits]


def survreg_parameters(dist: str, intercept: float, scale: float) -> dict[str, float]:
    """survreg's (intercept, scale) in this module's (flexsurv's) natural parameters."""
    if dist == "exponential":
        return {"rate": math.exp(-intercept)}
    if dist == "lognormal":
        return {"meanlog": intercept, "sdlog": scale}
    return {"shape": 1.0 / scale, "scale": math.exp(intercept)}


# d(optimisation-scale parameters) / d(intercept, log scale)
SURVREG_JACOBIAN = {
    "exponential": np.array([[-1.0]]),
    "weibull": np.array([[0.0, -1.0], [1.0, 0.0]]),
    "loglogistic": np.array([[0.0, -1.0], [1.0, 0.0]]),
    "lognormal": np.eye(2),
}


# --- R's survreg --------------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "dist"), R_CASES)
def test_estimates_match_survreg(name: str, dist: str) -> None:
    r = reference()["survreg"][name][dist]
    fit = fitted(name, dist)
    assert fit.converged, fit.message
    expected = survreg_parameters(dist, r["intercept"], r["scale"])
    assert list(fit.parameters.index) == list(expected)
    np.testing.assert_allclose(fit.parameters["estimate"], list(expected.values()), rtol=RTOL)
    # the optimisation scale is a linear map of survreg's (intercept, log scale)
    survreg_opt = np.array([r["intercept"], r["log_scale"]][: len(expected)])
    np.testing.assert_allclose(
        fit.parameters["estimate_opt"], SURVREG_JACOBIAN[dist] @ survreg_opt, rtol=RTOL
    )


@pytest.mark.parametrize(("name", "dist"), R_CASES)
def test_loglik_aic_bic_match_survreg(name: str, dist: str) -> None:
    r = reference()["survreg"][name][dist]
    fit = fitted(name, dist)
    np.testing.assert_allclose(
        [fit.loglik, fit.aic, fit.bic], [r["loglik"], r["aic"], r["bic"]], rtol=RTOL
    )
    assert (fit.n_params, fit.n, fit.n_events) == (r["df"], r["n"], r["n_events"])


@pytest.mark.parametrize(("name", "dist"), R_CASES)
def test_covariance_matches_survreg_vcov(name: str, dist: str) -> None:
    r = reference()["survreg"][name][dist]
    jac = SURVREG_JACOBIAN[dist]
    expected = jac @ np.atleast_2d(np.array(r["variance"])) @ jac.T
    np.testing.assert_allclose(fitted(name, dist).covariance.to_numpy(), expected, rtol=RTOL)


@pytest.mark.parametrize(("name", "dist"), R_CASES)
def test_survival_hazard_and_restricted_mean_match_r(name: str, dist: str) -> None:
    r = reference()["survreg"][name][dist]
    fit = fitted(name, dist)
    np.testing.assert_allclose(fit.survival(r["times"]), r["survival"], rtol=RTOL)
    np.testing.assert_allclose(fit.hazard(r["times"]), r["hazard"], rtol=RTOL)
    got = [fit.restricted_mean(h) for h in r["horizons"]]
    np.testing.assert_allclose(got, r["rmst"], rtol=RTOL)  # R: integrate(1 - psurvreg)


# --- closed forms -------------------------------------------------------------------------------


def test_exponential_is_events_over_total_time() -> None:
    t, e = dataset("ties_heavy")
    fit = fitted("ties_heavy", "exponential")
    d, total = e.sum(), t.sum()
    rate = d / total
    assert fit.parameters.loc["rate", "estimate"] == pytest.approx(rate, rel=1e-12)
    assert fit.parameters.loc["rate", "se_opt"] == pytest.approx(1 / math.sqrt(d), rel=1e-6)
    assert fit.loglik == pytest.approx(d * math.log(rate) - rate * total, rel=1e-12)
    np.testing.assert_allclose(fit.hazard([1.0, 100.0, 5000.0]), rate, rtol=1e-12)
    for tau in [30.0, 365.0, 36500.0]:
        assert fit.restricted_mean(tau) == pytest.approx((1 - math.exp(-rate * tau)) / rate,
                                                         rel=1e-9)


def test_weibull_and_lognormal_restricted_means_have_closed_forms() -> None:
    tau = 3650.0
    weibull = fitted("lung", "weibull").parameters["estimate"]
    a, b = weibull["shape"], weibull["scale"]
    closed = b * special.gamma(1 + 1 / a) * special.gammainc(1 / a, (tau / b) ** a)
    assert fitted("lung", "weibull").restricted_mean(tau) == pytest.approx(closed, rel=1e-9)
    lognormal = fitted("lung", "lognormal").parameters["estimate"]
    m, s = lognormal["meanlog"], lognormal["sdlog"]
    # int_0^tau S = tau S(tau) + E[T; T <= tau]
    closed = tau * stats.norm.sf((math.log(tau) - m) / s) + math.exp(m + s * s / 2) * \
        stats.norm.cdf((math.log(tau) - m - s * s) / s)
    assert fitted("lung", "lognormal").restricted_mean(tau) == pytest.approx(closed, rel=1e-9)


def test_cure_restricted_mean_adds_the_cured_area() -> None:
    t, e = simulate_cure("weibull", (1.4, 250.0), 0.35, n=3000, seed=3)
    fit = fit_parametric(t, e, "cure_weibull")
    pi, a, b = fit.parameters["estimate"]
    for tau in [100.0, 365.0 * 40]:
        latency = b * special.gamma(1 + 1 / a) * special.gammainc(1 / a, (tau / b) ** a)
        assert fit.restricted_mean(tau) == pytest.approx(pi * tau + (1 - pi) * latency,
                                                         rel=1e-9)


@pytest.mark.parametrize("dist", ALL)
def test_hazard_is_minus_the_slope_of_log_survival(dist: str) -> None:
    fit = fit_parametric(*simulate_cure("weibull", (1.4, 250.0), 0.35, n=2000, seed=5), dist)
    t = np.array([5.0, 90.0, 400.0, 2000.0])
    h = 1e-4 * t
    slope = -(np.log(fit.survival(t + h)) - np.log(fit.survival(t - h))) / (2 * h)
    np.testing.assert_allclose(fit.hazard(t), slope, rtol=1e-6, atol=1e-12)
    assert fit.survival(0.0).tolist() == [1.0]
    assert np.all(np.diff(fit.survival(np.linspace(0, 5000, 50))) <= 0)
    frame = fit.curve([0, 10, 100])
    assert list(frame.columns) == ["time", "survival"]
    np.testing.assert_allclose(frame["survival"], fit.survival([0, 10, 100]))


@pytest.mark.parametrize("dist", ALL)
def test_estimate_is_a_stationary_point_and_covariance_the_inverse_hessian(dist: str) -> None:
    """Differentiates :func:`parametric_loglik` independently of the fitting code."""
    t, e = simulate_cure("lognormal", (5.3, 0.9), 0.3, n=3000, seed=11)
    fit = fit_parametric(t, e, dist)
    assert fit.converged, fit.message
    names = list(fit.parameters.index)
    theta = fit.parameters["estimate_opt"].to_numpy()
    transforms = fit.parameters["transform"].tolist()

    def ll(x: np.ndarray) -> float:
        nat = [math.exp(v) if tr == "log" else special.expit(v) if tr == "logit" else v
               for v, tr in zip(x, transforms, strict=True)]
        return parametric_loglik(t, e, dist, dict(zip(names, nat, strict=True)))

    assert ll(theta) == pytest.approx(fit.loglik, rel=1e-12)
    step = 1e-3
    eye = np.eye(theta.size) * step
    hess = np.array([[(ll(theta + u + v) - ll(theta + u - v) - ll(theta - u + v)
                       + ll(theta - u - v)) / (4 * step**2) for v in eye] for u in eye])
    np.testing.assert_allclose(fit.covariance.to_numpy(), np.linalg.inv(-hess), rtol=1e-3,
                               atol=1e-9)
    grad = np.array([(ll(theta + u) - ll(theta - u)) / 2e-5 for u in np.eye(theta.size) * 1e-5])
    assert grad @ np.linalg.solve(-hess, grad) < 1e-6  # log-likelihood still to gain


def test_confidence_limits_are_back_transformed_wald_limits() -> None:
    t, e = dataset("veteran")
    for level in [0.95, 0.8]:
        fit = fit_parametric(t, e, "weibull", conf_level=level)
        z = stats.norm.ppf(1 - (1 - level) / 2)
        p = fit.parameters
        np.testing.assert_allclose(p["lower"], np.exp(p["estimate_opt"] - z * p["se_opt"]))
        np.testing.assert_allclose(p["upper"], np.exp(p["estimate_opt"] + z * p["se_opt"]))
        np.testing.assert_allclose(p["se"], p["estimate"] * p["se_opt"])  # delta method
        assert fit.conf_level == level


# --- generalised gamma --------------------------------------------------------------------------


def simulate_gengamma(mu: float, sigma: float, q: float, n: int, seed: int) -> tuple[Any, Any]:
    """Prentice's representation: log T = mu + sigma log(Q^2 G) / Q, G ~ Gamma(Q^-2)."""
    rng = np.random.default_rng(seed)
    g = rng.gamma(1 / q**2, size=n)
    t = np.exp(mu + sigma * np.log(q**2 * g) / q)
    c = rng.uniform(50, 4000, size=n)
    return np.minimum(t, c), t <= c


def scipy_gengamma(mu: float, sigma: float, q: float) -> Any:
    """The same law in scipy's (Stacy) parameterisation: T = scale * Y^(1/c), Y ~ Gamma(a)."""
    return stats.gengamma(1 / q**2, q / sigma, scale=math.exp(mu) * (q * q) ** (sigma / q))


@pytest.mark.parametrize(("mu", "sigma", "q"), [(5.5, 0.7, 0.6), (5.5, 1.2, -0.8),
                                                 (5.0, 0.9, 2.0), (6.0, 0.5, 0.01)])
def test_gengamma_loglik_is_scipys_generalised_gamma(mu: float, sigma: float, q: float) -> None:
    t, e = dataset("lung")
    dist = scipy_gengamma(mu, sigma, q)
    expected = dist.logpdf(t[e == 1]).sum() + dist.logsf(t[e == 0]).sum()
    got = parametric_loglik(t, e, "gengamma", {"mu": mu, "sigma": sigma, "Q": q})
    assert got == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("name", sorted(reference()["datasets"]))
def test_gengamma_nests_weibull_at_q_one_and_lognormal_at_q_zero(name: str) -> None:
    t, e = dataset(name)
    weibull = fitted(name, "weibull")
    shape, scale = weibull.parameters["estimate"]
    at_one = {"mu": math.log(scale), "sigma": 1 / shape, "Q": 1.0}
    assert parametric_loglik(t, e, "gengamma", at_one) == pytest.approx(weibull.loglik,
                                                                        rel=1e-12)
    lognormal = fitted(name, "lognormal")
    m, s = lognormal.parameters["estimate"]
    gaps = [abs(parametric_loglik(t, e, "gengamma", {"mu": m, "sigma": s, "Q": q})
                - lognormal.loglik) for q in [1e-2, 1e-4, 1e-6, -1e-6, 0.0]]
    assert gaps[0] > gaps[1] > gaps[2]  # converges, as O(Q)
    assert gaps[2] < 1e-6 * abs(lognormal.loglik) and gaps[3] < 1e-6 * abs(lognormal.loglik)
    assert gaps[4] == pytest.approx(0.0, abs=1e-9)
    best = fitted(name, "gengamma")
    assert best.loglik >= max(weibull.loglik, lognormal.loglik) - 1e-6


@pytest.mark.parametrize(("mu", "sigma", "q"), [(6.0, 0.8, 0.5), (5.0, 1.1, -0.6),
                                                 (6.5, 0.6, 1.5)])
def test_gengamma_recovers_simulated_parameters(mu: float, sigma: float, q: float) -> None:
    t, e = simulate_gengamma(mu, sigma, q, n=20_000, seed=101)
    fit = fit_parametric(t, e, "gengamma")
    assert fit.converged
    p = fit.parameters
    z = (p["estimate"] - [mu, sigma, q]) / p["se"]
    assert np.all(np.abs(z) < 3), z.to_dict()
    grid = np.array([30.0, 365.0, 1000.0])
    est = fit.parameters["estimate"]
    np.testing.assert_allclose(fit.survival(grid), scipy_gengamma(*est).sf(grid), rtol=1e-9)


# --- mixture cure -------------------------------------------------------------------------------


def simulate_cure(kind: str, latency: tuple[float, float], pi: float, n: int,
                  seed: int) -> tuple[Any, Any]:
    """A fraction ``pi`` never has the event; the others follow ``kind`` (inverse CDF)."""
    rng = np.random.default_rng(seed)
    u = rng.uniform(size=n)
    a, b = latency
    if kind == "weibull":
        t = b * (-np.log(u)) ** (1 / a)
    elif kind == "lognormal":
        t = np.exp(a + b * stats.norm.ppf(u))
    else:
        t = b * (u / (1 - u)) ** (1 / a)
    t = np.where(rng.uniform(size=n) < pi, np.inf, t)
    c = rng.uniform(100, 3000, size=n)
    return np.minimum(t, c), t <= c


CURE_TRUTH = {"weibull": (1.4, 250.0), "lognormal": (5.3, 0.9), "loglogistic": (1.8, 200.0)}


@pytest.mark.parametrize("kind", sorted(CURE_TRUTH))
def test_cure_model_recovers_simulated_parameters(kind: str) -> None:
    t, e = simulate_cure(kind, CURE_TRUTH[kind], 0.35, n=20_000, seed=2024)
    fit = fit_parametric(t, e, f"cure_{kind}")
    assert fit.converged, fit.message
    z = (fit.parameters["estimate"] - [0.35, *CURE_TRUTH[kind]]) / fit.parameters["se"]
    assert np.all(np.abs(z) < 3), z.to_dict()
    assert fit.cure_fraction == fit.parameters.loc["cure_fraction", "estimate"]
    assert fit.survival(1e7)[0] == pytest.approx(fit.cure_fraction, rel=1e-6)  # the plateau
    assert fit.loglik > fit_parametric(t, e, kind).loglik + 100  # the plateau is real


@pytest.mark.parametrize("kind", sorted(CURE_TRUTH))
def test_cure_likelihood_at_zero_cure_fraction_is_the_latency_likelihood(kind: str) -> None:
    t, e = dataset("lung")
    plain = fitted("lung", kind)
    params = dict(plain.parameters["estimate"]) | {"cure_fraction": 1e-13}
    got = parametric_loglik(t, e, f"cure_{kind}", params)
    assert got == pytest.approx(plain.loglik, rel=1e-12)
    with warnings.catch_warnings():  # on lung the cure fraction may go to its limit 0
        warnings.simplefilter("ignore", ConvergenceWarning)
        cure = fitted("lung", f"cure_{kind}")
    assert cure.loglik >= plain.loglik - 1e-6
    assert plain.cure_fraction is None


def test_cure_fraction_at_its_limit_is_reported_not_hidden() -> None:
    rng = np.random.default_rng(8)
    t = 300 * rng.weibull(1.3, size=4000)  # no cure: every patient has the event eventually
    c = rng.uniform(100, 3000, size=4000)
    time, event = np.minimum(t, c), t <= c
    with pytest.warns(ConvergenceWarning, match="lower limit 0"):
        cure = fit_parametric(time, event, "cure_weibull")
    plain = fit_parametric(time, event, "weibull")
    assert not cure.converged and cure.cure_fraction is not None
    assert cure.cure_fraction < 1e-6
    assert cure.loglik == pytest.approx(plain.loglik, abs=1e-4)
    np.testing.assert_allclose(cure.parameters["estimate"].iloc[1:], plain.parameters["estimate"],
                               rtol=1e-4)


# --- the comparison table -------------------------------------------------------------------------


def test_fit_all_ranks_by_aic_and_agrees_with_single_fits() -> None:
    t, e = dataset("veteran")
    table = fit_all(t, e)
    assert list(table.columns) == ["distribution", "n_params", "loglik", "aic", "bic",
                                   "converged", "message"]
    assert sorted(table["distribution"]) == sorted(ALL)
    ok = table[table["converged"]]
    assert ok["aic"].is_monotonic_increasing
    for row in table.itertuples():
        fit = fit_parametric(t, e, row.distribution) if row.converged else None
        if fit is not None:
            assert row.loglik == pytest.approx(fit.loglik, rel=1e-9)
            assert (row.n_params, row.aic, row.bic) == (fit.n_params, fit.aic, fit.bic)
        assert row.bic - row.aic == pytest.approx(row.n_params * (math.log(t.size) - 2))


def test_fit_all_reports_failed_fits_as_rows() -> None:
    table = fit_all([4, 4, 4, 9, 12], [1, 1, 1, 0, 0])  # every event at one time
    assert table.loc[0, "distribution"] == "exponential" and table.loc[0, "converged"]
    failed = table.iloc[1:]
    assert not failed["converged"].any() and failed["aic"].isna().all()
    assert failed["message"].str.contains("distinct times").all()
    with pytest.raises(ConvergenceError, match="weibull: needs events at 2 or more"):
        fit_parametric([4, 4, 4, 9, 12], [1, 1, 1, 0, 0], "weibull")


def test_fitting_all_models_to_ten_thousand_patients_takes_seconds() -> None:
    t, e = simulate_cure("loglogistic", (1.8, 200.0), 0.3, n=10_000, seed=9)
    start = clock.perf_counter()
    table = fit_all(t, e)
    elapsed = clock.perf_counter() - start
    assert table["converged"].sum() >= 5
    assert table.loc[0, "distribution"] == "cure_loglogistic"
    assert elapsed < 10, f"{elapsed:.1f} s"


# --- input checks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("time", "event", "distribution", "match"),
    [
        ([], [], "weibull", "time: is empty"),
        ([1, 2, 3], [0, 0, 0], "weibull", "event: has no events"),
        ([1, 2, 3], [1, 0], "weibull", "event: has 2 values but time has 3"),
        ([1, float("nan"), 3], [1, 0, 1], "weibull", "time: has 1 value.* missing"),
        ([1, -2, 3], [1, 0, 1], "weibull", "time: has 1 value.* negative"),
        ([0, 2, 3], [1, 0, 1], "weibull", "time: has 1 value.* equal to 0.*fraction of a day"),
        ([1, 2, 3], [1, 2, 1], "weibull", "event: must be 0 \\(censored\\) or 1"),
        ([1, 2, 3], [1, 0, 1], "gompertz", "distribution: must be one of exponential, weib"),
    ],
)
def test_bad_input_names_the_argument(time: list[float], event: list[float],
                                      distribution: str, match: str) -> None:
    with pytest.raises(InvalidInput, match=match):
        fit_parametric(time, event, distribution)
    if distribution in ALL:
        with pytest.raises(InvalidInput, match=match):
            fit_all(time, event)


def test_bad_arguments_to_the_fit_and_its_methods() -> None:
    t, e = dataset("hand_small")
    with pytest.raises(InvalidInput, match="conf_level"):
        fit_parametric(t, e, "weibull", conf_level=95)
    with pytest.raises(InvalidInput, match="distribution: must be one of"):
        fit_all(t, e, ["weibull", "gompertz"])
    with pytest.raises(InvalidInput, match="distributions: is empty"):
        fit_all(t, e, [])
    fit = fitted("hand_small", "weibull")
    with pytest.raises(InvalidInput, match="t: must be finite and >= 0, but position 1"):
        fit.survival([1.0, -1.0])
    with pytest.raises(InvalidInput, match="t: must be > 0 for the hazard"):
        fit.hazard([0.0])
    with pytest.raises(InvalidInput, match="horizon: must be a finite number > 0"):
        fit.restricted_mean(math.inf)
    with pytest.raises(InvalidInput, match="parameters: must name exactly shape, scale"):
        parametric_loglik(t, e, "weibull", {"shape": 1.0})
    with pytest.raises(InvalidInput, match="parameters\\['cure_fraction'\\]: is out of range"):
        parametric_loglik(t, e, "cure_weibull", {"cure_fraction": 1.0, "shape": 1, "scale": 9})


def test_fit_is_frozen_and_summarised() -> None:
    fit = fitted("hand_small", "lognormal")
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.loglik = 0.0  # type: ignore[misc]
    assert repr(fit).startswith("<ParametricFit lognormal: n=12, events=7, loglik=-24.8652")
    assert isinstance(fit.parameters, pd.DataFrame)
