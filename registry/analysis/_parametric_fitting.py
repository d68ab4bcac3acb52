"""Maximum-likelihood fitting for :mod:`registry.analysis.parametric`.

Each fit starts from the best of a few candidate values (the closed-form exponential fit for
the two-parameter families; the Weibull and log-normal fits for the generalised gamma, which
nests both; the latency fit and the Kaplan-Meier plateau for cure models), runs scipy's BFGS
on the analytic gradient, then polishes with Newton steps on a Hessian obtained by central
differences of that gradient, until the Newton decrement (the log-likelihood still to gain)
is below ``1e-8``. The same Hessian gives the covariance matrix. Both stages only accept
steps that raise the likelihood, so a generalised-gamma fit is never below the Weibull and
log-normal maxima it starts from. Nothing here is public API.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from scipy import linalg, optimize, special

from registry.analysis._km import kaplan_meier_arrays, risk_table
from registry.analysis._parametric_families import (
    FAMILIES,
    Family,
    FloatArray,
    SurvData,
    latency_theta,
    location_scale,
    loglik_and_gradient,
)

DECREMENT_TOL = 1e-8  # log-likelihood units
MAX_NEWTON = 50
CURE_BOUNDARY = 1e-6  # a cure fraction below this is at the edge of its range


@dataclass(frozen=True)
class Optimum:
    """Maximum-likelihood estimate on the optimisation scale.

    ``covariance`` is the inverse observed information, NaN when the Hessian is not
    positive definite; ``message`` says why a fit is not ``converged``.
    """

    theta: FloatArray
    loglik: float
    covariance: FloatArray
    converged: bool
    message: str


Objective = Callable[[FloatArray], tuple[float, FloatArray]]


def _objective(family: Family, data: SurvData) -> Objective:
    """Mean negative log-likelihood and its gradient; +inf (zero gradient) where undefined."""
    n = float(data.n)

    def fun(theta: FloatArray) -> tuple[float, FloatArray]:
        with np.errstate(over="ignore", under="ignore", invalid="ignore", divide="ignore"):
            ll, grad = loglik_and_gradient(family, theta, data)
        if not (math.isfinite(ll) and np.all(np.isfinite(grad))):
            return math.inf, np.zeros_like(theta)
        return -ll / n, -grad / n

    return fun


def _hessian(fun: Objective, theta: FloatArray) -> FloatArray:
    """Hessian by central differences of the gradient, symmetrised."""
    m = theta.size
    hess = np.empty((m, m))
    for j in range(m):
        step = 1e-5 * max(1.0, abs(float(theta[j])))
        up, down = theta.copy(), theta.copy()
        up[j] += step
        down[j] -= step
        hess[:, j] = (fun(up)[1] - fun(down)[1]) / (2.0 * step)
    out: FloatArray = 0.5 * (hess + hess.T)
    return out


def _newton_decrement(hess: FloatArray, grad: FloatArray) -> tuple[FloatArray | None, float]:
    """Newton step and ``grad' H^-1 grad``; ``(None, nan)`` if ``hess`` is not positive
    definite."""
    if not np.all(np.isfinite(hess)):
        return None, math.nan
    try:
        factor = linalg.cho_factor(hess)
    except linalg.LinAlgError:
        return None, math.nan
    step: FloatArray = linalg.cho_solve(factor, grad)
    return step, float(grad @ step)


def maximise(fun: Objective, starts: list[FloatArray], n: int) -> Optimum:
    """Maximise from the best of ``starts``: BFGS, then Newton polish with step halving."""
    values = [fun(s)[0] for s in starts]
    best = int(np.argmin(values))
    if not math.isfinite(values[best]):
        return _failed(starts[best], "the likelihood is not finite at any starting value")
    res = optimize.minimize(
        fun, starts[best], jac=True, method="BFGS", options={"gtol": 1e-10, "maxiter": 1000}
    )
    theta = np.asarray(res.x, dtype=np.float64)
    value, grad = fun(theta)
    if not math.isfinite(value):
        return _failed(theta, "the likelihood overflowed or grew without bound as the "
                       "optimiser moved; the data may hold too little information for this model")
    message = "not positive definite"
    for _ in range(MAX_NEWTON):
        hess = _hessian(fun, theta)
        step, decrement = _newton_decrement(hess, grad)
        if step is None:
            break
        if decrement * n < DECREMENT_TOL:
            cov = linalg.cho_solve(linalg.cho_factor(hess), np.eye(theta.size)) / n
            return Optimum(theta, -value * n, 0.5 * (cov + cov.T), True, "")
        for halving in range(30):
            trial = theta - step * 0.5**halving
            trial_value, trial_grad = fun(trial)
            if trial_value <= value:
                theta, value, grad = trial, trial_value, trial_grad
                break
        else:
            message = "stalled"
            break
    else:
        message = f"did not reach the maximum in {MAX_NEWTON} Newton steps"
    nan = np.full((theta.size, theta.size), math.nan)
    if message == "not positive definite":
        message = (
            "the information matrix is not positive definite: a parameter is at the edge of "
            "its range (e.g. a cure fraction of 0) or not identifiable from these data"
        )
    return Optimum(theta, -value * n, nan, False, message)


def _failed(theta: FloatArray, message: str) -> Optimum:
    nan = np.full((theta.size, theta.size), math.nan)
    return Optimum(theta, math.nan, nan, False, message)


def _plateau(data: SurvData) -> float:
    """Kaplan-Meier survival after the last event: the crude cure fraction."""
    surv, _ = kaplan_meier_arrays(risk_table(data.time, data.event))
    return float(surv[-1]) if surv.size else 1.0


def fit_family(family: Family, data: SurvData, cache: dict[str, Optimum]) -> Optimum:
    """Fit ``family`` to ``data``; fits it depends on (for starting values) go in ``cache``."""
    if family.name in cache:
        return cache[family.name]
    kind = family.kind
    fun = _objective(family, data)
    distinct = np.unique(data.y_event).size
    if distinct < 2 and family.name != "exponential":
        cache[family.name] = _failed(
            np.zeros(len(family.params)),
            f"needs events at 2 or more distinct times (these data have {distinct}): with one "
            "event time the likelihood grows without bound as the spread goes to 0",
        )
        return cache[family.name]
    if family.cure:
        base = fit_family(FAMILIES[kind], data, cache)
        mu, s, q = location_scale(kind, base.theta)
        plateau = min(max(_plateau(data), 0.02), 0.95)
        starts = [np.concatenate(([special.logit(pi)], latency_theta(kind, mu + shift, s, q)))
                  for pi in (1e-3, plateau) for shift in (0.0, -0.5, -1.0)]
    elif kind == "gengamma":
        weibull = fit_family(FAMILIES["weibull"], data, cache)
        lognormal = fit_family(FAMILIES["lognormal"], data, cache)
        starts = [latency_theta(kind, *location_scale("weibull", weibull.theta)[:2], 1.0),
                  latency_theta(kind, *location_scale("lognormal", lognormal.theta)[:2], 0.0)]
    else:
        # exponential MLE: rate = events / total time; start every family at its mean
        mu = math.log(float(data.time.sum()) / data.n_events)
        starts = [latency_theta(kind, mu + shift, s, 1.0)
                  for shift in (0.0, -1.0) for s in (0.0, -0.7, 0.7)]
    optimum = maximise(fun, starts, data.n)
    if family.cure and special.expit(optimum.theta[0]) < CURE_BOUNDARY:
        optimum = replace(optimum, converged=False, message=(
            f"the cure fraction went to its lower limit 0: these data show no plateau and the "
            f"model reduces to {kind} (same log-likelihood, one parameter more); use {kind}"))
    cache[family.name] = optimum
    return optimum
