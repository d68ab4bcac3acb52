"""Distribution families for :mod:`registry.analysis.parametric`: log-likelihoods and gradients.

Every latency (uncured) model is log-location-scale, as in R's ``survreg``:
``log T = mu + sigma * W`` with ``W`` standard extreme-value (exponential, Weibull), normal
(log-normal), logistic (log-logistic) or Prentice's generalised-gamma variable. The
log-likelihood and its gradient with respect to ``(mu, log sigma)`` are therefore written once,
from ``log f_W``, ``log S_W`` and their derivatives in ``z = (log t - mu) / sigma``, and mapped
to each family's own parameters (flexsurv's names and scales) by a linear change of variables.
Mixture-cure models ``S(t) = pi + (1 - pi) S_u(t)`` wrap a latency family, with ``pi`` on the
logit scale. The only derivative taken numerically is the one in the generalised gamma's ``Q``.

Nothing here validates input or is public API; :mod:`registry.analysis.parametric` does both.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import special

FloatArray = NDArray[np.float64]
Transform = Literal["identity", "log", "logit"]
Kind = Literal["exponential", "weibull", "lognormal", "loglogistic", "gengamma"]

HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)
# |Q| below this is treated as Q = 0 (the log-normal limit); scipy's incomplete gamma is still
# accurate at |Q| = 1e-8 (shape 1e16), and the difference from the limit is O(|Q|).
Q_ZERO = 1e-9
Q_STEP = 1e-6  # central-difference step for d loglik / dQ


@dataclass(frozen=True)
class Family:
    """A parametric family: its latency model, whether it has a cure fraction, and its
    parameters (natural-scale names and the transform to the optimisation scale)."""

    name: str
    kind: Kind
    latency: tuple[str, ...]
    latency_transforms: tuple[Transform, ...]
    cure: bool = False

    @property
    def params(self) -> tuple[str, ...]:
        return (("cure_fraction",) if self.cure else ()) + self.latency

    @property
    def transforms(self) -> tuple[Transform, ...]:
        cure: tuple[Transform, ...] = ("logit",) if self.cure else ()
        return cure + self.latency_transforms


_LATENCY: dict[Kind, tuple[tuple[str, ...], tuple[Transform, ...]]] = {
    "exponential": (("rate",), ("log",)),
    "weibull": (("shape", "scale"), ("log", "log")),
    "lognormal": (("meanlog", "sdlog"), ("identity", "log")),
    "loglogistic": (("shape", "scale"), ("log", "log")),
    "gengamma": (("mu", "sigma", "Q"), ("identity", "log", "identity")),
}
FAMILIES: dict[str, Family] = {
    kind: Family(kind, kind, *_LATENCY[kind]) for kind in _LATENCY
} | {
    f"cure_{kind}": Family(f"cure_{kind}", kind, *_LATENCY[kind], cure=True)
    for kind in ("weibull", "lognormal", "loglogistic")
}


@dataclass(frozen=True)
class SurvData:
    """Validated data split for the likelihood: log times of events and of censorings."""

    time: FloatArray
    event: NDArray[np.bool_]
    y_event: FloatArray
    y_censored: FloatArray

    @classmethod
    def from_arrays(cls, time: FloatArray, event: NDArray[np.bool_]) -> SurvData:
        logt = np.log(time)
        return cls(time, event, logt[event], logt[~event])

    @property
    def n(self) -> int:
        return int(self.time.size)

    @property
    def n_events(self) -> int:
        return int(self.y_event.size)


# --- transforms between the natural and the optimisation scale -------------------------------


def to_natural(transforms: tuple[Transform, ...], theta: FloatArray) -> FloatArray:
    """Natural-scale values from optimisation-scale ``theta``."""
    out = np.array(theta, dtype=np.float64)
    kinds = np.array(transforms)
    with np.errstate(over="ignore"):
        out[kinds == "log"] = np.exp(out[kinds == "log"])
    out[kinds == "logit"] = special.expit(out[kinds == "logit"])
    return out


def from_natural(transforms: tuple[Transform, ...], values: FloatArray) -> FloatArray:
    """Optimisation-scale ``theta`` from natural-scale values (which must be in range)."""
    out = np.array(values, dtype=np.float64)
    kinds = np.array(transforms)
    out[kinds == "log"] = np.log(out[kinds == "log"])
    out[kinds == "logit"] = special.logit(out[kinds == "logit"])
    return out


def natural_derivative(transforms: tuple[Transform, ...], theta: FloatArray) -> FloatArray:
    """d natural / d theta for each parameter (for delta-method standard errors)."""
    nat = to_natural(transforms, theta)
    return np.array(
        [v if tr == "log" else v * (1.0 - v) if tr == "logit" else 1.0
         for v, tr in zip(nat, transforms, strict=True)]
    )


# --- latency parameters <-> (mu, log sigma, Q) -------------------------------------------------


def location_scale(kind: Kind, th: FloatArray) -> tuple[float, float, float]:
    """``(mu, s = log sigma, Q)`` of the latency model from its optimisation-scale parameters.

    Weibull / log-logistic ``shape = 1 / sigma`` and ``scale = exp(mu)``; exponential
    ``rate = exp(-mu)`` with ``sigma = 1``; Q = 1 marks the extreme-value and logistic
    families and Q = 0 the normal one (only the generalised gamma uses it as a parameter).
    """
    if kind == "exponential":
        return -float(th[0]), 0.0, 1.0
    if kind in ("weibull", "loglogistic"):
        return float(th[1]), -float(th[0]), 1.0
    if kind == "lognormal":
        return float(th[0]), float(th[1]), 0.0
    return float(th[0]), float(th[1]), float(th[2])


def latency_theta(kind: Kind, mu: float, s: float, q: float) -> FloatArray:
    """Inverse of :func:`location_scale` (``s`` is ignored for the exponential)."""
    if kind == "exponential":
        return np.array([-mu])
    if kind in ("weibull", "loglogistic"):
        return np.array([-s, mu])
    if kind == "lognormal":
        return np.array([mu, s])
    return np.array([mu, s, q])


def _chain(kind: Kind, d_mu: float, d_s: float) -> FloatArray:
    """Gradient in the latency parameters (all but Q) from the one in ``(mu, s)``."""
    if kind == "exponential":
        return np.array([-d_mu])
    if kind in ("weibull", "loglogistic"):
        return np.array([-d_s, d_mu])
    return np.array([d_mu, d_s])


# --- the standardised variable W ------------------------------------------------------------


def _stirling_error(k: float) -> float:
    """``lgamma(k) - ((k - 0.5) log k - k + log(2 pi) / 2)``, accurate for huge ``k``."""
    if not k > 0.0:  # |Q| so large that Q^-2 underflows: outside any sensible fit
        return math.inf
    if k >= 15.0:
        k2 = 1.0 / (k * k)
        return (1.0 / 12.0 - k2 * (1.0 / 360.0 - k2 * (1.0 / 1260.0 - k2 / 1680.0))) / k
    return float(special.gammaln(k)) - ((k - 0.5) * math.log(k) - k + HALF_LOG_2PI)


def _expm1_minus_x(x: FloatArray) -> FloatArray:
    """``exp(x) - 1 - x`` without cancellation for small ``x``."""
    small = np.abs(x) < 1e-3
    series = x * x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x / 120.0)))
    out: FloatArray = np.where(small, series, np.expm1(x) - x)
    return out


def _w_log_density(kind: Kind, z: FloatArray, q: float) -> tuple[FloatArray, FloatArray]:
    """``log f_W(z)`` and its derivative in ``z``."""
    if kind in ("exponential", "weibull"):
        ez = np.exp(z)
        return z - ez, 1.0 - ez
    if kind == "loglogistic":
        return -np.logaddexp(0.0, z) - np.logaddexp(0.0, -z), -np.tanh(0.5 * z)
    if kind == "lognormal" or abs(q) < Q_ZERO:
        return -0.5 * z * z - HALF_LOG_2PI, -z
    # Prentice (1974): log f_W = log|Q| + k log k + k (Qz - exp(Qz)) - lgamma(k), k = Q^-2,
    # rewritten with Stirling's series so that nothing of size k cancels.
    k = 1.0 / (q * q)
    qz = q * z
    logf = -HALF_LOG_2PI - _stirling_error(k) - k * _expm1_minus_x(qz)
    return logf, -np.expm1(qz) / q


def _w_log_survival(kind: Kind, z: FloatArray, q: float) -> tuple[FloatArray, FloatArray]:
    """``log S_W(z)`` and its derivative in ``z`` (``-f_W / S_W``)."""
    if kind in ("exponential", "weibull"):
        ez = np.exp(z)
        return -ez, -ez
    if kind == "loglogistic":
        return -np.logaddexp(0.0, z), -special.expit(z)
    if kind == "lognormal" or abs(q) < Q_ZERO:
        logs = special.log_ndtr(-z)
    else:
        k = 1.0 / (q * q)
        x = k * np.exp(q * z)
        surv = special.gammaincc(k, x) if q > 0 else special.gammainc(k, x)
        with np.errstate(divide="ignore"):
            logs = np.log(surv)
    logf, _ = _w_log_density(kind, z, q)
    with np.errstate(invalid="ignore"):
        return logs, -np.exp(logf - logs)


# --- likelihood -----------------------------------------------------------------------------


def _latency_terms(
    kind: Kind, th: FloatArray, y: FloatArray, event: bool
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Per patient: log f_T (events) or log S_T (censored), and its derivatives in mu, s."""
    mu, s, q = location_scale(kind, th)
    es = float(np.exp(-s))
    z = (y - mu) * es
    if event:
        logf, g = _w_log_density(kind, z, q)
        return logf - s - y, -g * es, -z * g - 1.0
    logs, g = _w_log_survival(kind, z, q)
    return logs, -g * es, -z * g


def _loglik_grad(family: Family, theta: FloatArray, data: SurvData) -> tuple[float, FloatArray]:
    """Log-likelihood and its gradient, except the derivative in Q (left 0)."""
    kind = family.kind
    lat = theta[1:] if family.cure else theta
    lf, f_mu, f_s = _latency_terms(kind, lat, data.y_event, event=True)
    ls, s_mu, s_s = _latency_terms(kind, lat, data.y_censored, event=False)
    if not family.cure:
        ll = float(lf.sum() + ls.sum())
        grad = _chain(kind, float(f_mu.sum() + s_mu.sum()), float(f_s.sum() + s_s.sum()))
    else:
        eta = float(theta[0])
        pi = float(special.expit(eta))
        log_pi, log_uncured = -np.logaddexp(0.0, -eta), -np.logaddexp(0.0, eta)
        log_censored = np.logaddexp(log_pi, log_uncured + ls)  # log(pi + (1 - pi) S_u)
        ll = float(data.n_events * log_uncured + lf.sum() + log_censored.sum())
        # w: probability that a patient censored at t is not cured, given survival to t
        w = np.exp(log_uncured + ls - log_censored)
        d_eta = -pi * data.n_events + float(np.sum(1.0 - pi - w))
        lat_grad = _chain(kind, float(f_mu.sum() + w @ s_mu), float(f_s.sum() + w @ s_s))
        grad = np.concatenate(([d_eta], lat_grad))
    if kind == "gengamma":
        grad = np.append(grad, 0.0)
    return ll, grad


def loglik(family: Family, theta: FloatArray, data: SurvData) -> float:
    """Log-likelihood at optimisation-scale ``theta`` (on the time scale, as R's survreg)."""
    return _loglik_grad(family, theta, data)[0]


def loglik_and_gradient(
    family: Family, theta: FloatArray, data: SurvData
) -> tuple[float, FloatArray]:
    """Log-likelihood and its gradient in ``theta``; analytic except for gengamma's Q."""
    ll, grad = _loglik_grad(family, theta, data)
    if family.kind == "gengamma":
        step = Q_STEP * max(1.0, abs(float(theta[-1])))
        up, down = np.array(theta, dtype=np.float64), np.array(theta, dtype=np.float64)
        up[-1] += step
        down[-1] -= step
        grad[-1] = (loglik(family, up, data) - loglik(family, down, data)) / (2.0 * step)
    return ll, grad


# --- curves ---------------------------------------------------------------------------------


def _latency_log_sf_pdf(
    kind: Kind, th: FloatArray, t: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``log S_u(t)`` and ``log f_u(t)`` of the latency model (t >= 0)."""
    mu, s, q = location_scale(kind, th)
    with np.errstate(divide="ignore", invalid="ignore"):
        y = np.log(t)
        z = (y - mu) * np.exp(-s)
        logs, _ = _w_log_survival(kind, z, q)
        logf, _ = _w_log_density(kind, z, q)
        return logs, logf - s - y


def log_survival_and_density(
    family: Family, theta: FloatArray, t: FloatArray
) -> tuple[FloatArray, FloatArray]:
    """``log S(t)`` and ``log f(t)`` of the whole model, cure fraction included."""
    if not family.cure:
        return _latency_log_sf_pdf(family.kind, theta, t)
    eta = float(theta[0])
    log_pi, log_uncured = -np.logaddexp(0.0, -eta), -np.logaddexp(0.0, eta)
    logs_u, logf_u = _latency_log_sf_pdf(family.kind, theta[1:], t)
    return np.logaddexp(log_pi, log_uncured + logs_u), log_uncured + logf_u
