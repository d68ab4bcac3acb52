"""The result of :func:`registry.analysis.parametric.fit_parametric`: :class:`ParametricFit`.

Holds the estimates, their covariance and the fit statistics, and evaluates the fitted curve
(survival, hazard, restricted mean) for extrapolation. Kept apart from the fitting functions
only to keep modules small; import it from :mod:`registry.analysis.parametric`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy import integrate

from registry.analysis._parametric_families import (
    FAMILIES,
    Family,
    FloatArray,
    SurvData,
    location_scale,
    log_survival_and_density,
    natural_derivative,
    to_natural,
)
from registry.analysis._parametric_fitting import Optimum
from registry.analysis._validation import as_float_array, check_positive, z_value
from registry.errors import InvalidInput

__all__ = ["ParametricFit", "build_fit"]


@dataclass(frozen=True, repr=False)
class ParametricFit:
    """A parametric survival model fitted by maximum likelihood.

    Attributes
    ----------
    distribution : str
        One of :data:`registry.analysis.parametric.ALL`.
    parameters : pandas.DataFrame, shape (n_params, 7)
        Indexed by parameter name; columns ``estimate, se, lower, upper`` on the natural
        scale (SE by the delta method, limits back-transformed from the optimisation scale,
        as flexsurv), ``transform`` (``identity``, ``log`` or ``logit``) and ``estimate_opt,
        se_opt`` on the optimisation scale.
    covariance : pandas.DataFrame, shape (n_params, n_params)
        Inverse observed information on the optimisation scale; NaN where the information
        matrix is not positive definite.
    loglik, aic, bic : float
        Log-likelihood on the time scale (as R's ``logLik`` of survreg);
        ``aic = -2 loglik + 2 n_params``, ``bic = -2 loglik + log(n) n_params``.
    n_params, n, n_events : int
    converged : bool
        The Newton decrement is below 1e-8 and the information matrix is positive definite
        (and, for a cure model, the cure fraction is not at its limit 0).
    message : str
        Why the fit did not converge (empty if it did).
    conf_level : float
    """

    distribution: str
    parameters: pd.DataFrame
    covariance: pd.DataFrame
    loglik: float
    n_params: int
    aic: float
    bic: float
    n: int
    n_events: int
    converged: bool
    message: str
    conf_level: float

    def __repr__(self) -> str:
        state = "converged" if self.converged else f"NOT converged: {self.message}"
        return (f"<ParametricFit {self.distribution}: n={self.n}, events={self.n_events}, "
                f"loglik={self.loglik:.4f}, AIC={self.aic:.4f}, {state}>")

    @property
    def _family(self) -> Family:
        return FAMILIES[self.distribution]

    @property
    def _theta(self) -> FloatArray:
        return self.parameters["estimate_opt"].to_numpy(dtype=np.float64)

    @property
    def cure_fraction(self) -> float | None:
        """Estimated cure fraction ``pi`` of a mixture-cure model; None for the others."""
        if not self._family.cure:
            return None
        return float(self.parameters["estimate"].to_numpy(dtype=np.float64)[0])

    def _curves(self, t: ArrayLike, name: str) -> tuple[FloatArray, FloatArray, FloatArray]:
        times = as_float_array(np.atleast_1d(t), name)
        bad = ~np.isfinite(times) | (times < 0)
        if bad.any():
            first = int(np.flatnonzero(bad)[0])
            raise InvalidInput.one(
                name, f"must be finite and >= 0, but position {first} is {times[first]!r}"
            )
        logs, logf = log_survival_and_density(self._family, self._theta, times)
        return times, logs, logf

    def survival(self, t: ArrayLike) -> FloatArray:
        """Model survival ``S(t)``.

        Parameters
        ----------
        t : float or array-like of float, shape (n_times,)
            Times in the unit of the fit, >= 0 (``S(0) = 1``).

        Returns
        -------
        ndarray of float64, shape (n_times,)

        Examples
        --------
        >>> from registry.analysis.parametric import fit_parametric
        >>> fit = fit_parametric([2, 3, 5, 8, 13], [1, 1, 0, 1, 0], "exponential")
        >>> fit.survival([0, 10]).round(6).tolist()
        [1.0, 0.37994]
        """
        _, logs, _ = self._curves(t, "t")
        out: FloatArray = np.exp(logs)
        return out

    def hazard(self, t: ArrayLike) -> FloatArray:
        """Model hazard ``h(t) = f(t) / S(t)``.

        Parameters
        ----------
        t : float or array-like of float, shape (n_times,)
            Times > 0 (at 0 the hazard of some models is infinite).

        Returns
        -------
        ndarray of float64, shape (n_times,)

        Examples
        --------
        >>> from registry.analysis.parametric import fit_parametric
        >>> fit = fit_parametric([2, 3, 5, 8, 13], [1, 1, 0, 1, 0], "exponential")
        >>> fit.hazard([1, 20]).round(6).tolist()  # constant: events / total time
        [0.096774, 0.096774]
        """
        times, logs, logf = self._curves(t, "t")
        if np.any(times <= 0):
            first = int(np.flatnonzero(times <= 0)[0])
            raise InvalidInput.one(
                "t", f"must be > 0 for the hazard (at 0 it may be infinite), but position "
                f"{first} is {times[first]!r}"
            )
        out: FloatArray = np.exp(logf - logs)
        return out

    def restricted_mean(self, horizon: float) -> float:
        """Restricted mean survival time: the area under the model curve on [0, horizon].

        Parameters
        ----------
        horizon : float
            Finite, > 0, e.g. a lifetime horizon in days.

        Returns
        -------
        float
            ``integral_0^horizon S(t) dt`` by adaptive quadrature (relative error ~1e-10).

        Examples
        --------
        >>> from registry.analysis.parametric import fit_parametric
        >>> fit = fit_parametric([2, 3, 5, 8, 13], [1, 1, 0, 1, 0], "exponential")
        >>> round(fit.restricted_mean(10), 6)  # (1 - exp(-rate * 10)) / rate
        6.407287
        """
        tau = check_positive(horizon, "horizon")
        if not math.isfinite(tau):
            raise InvalidInput.one("horizon", f"must be finite; got {horizon!r}")

        family, theta = self._family, self._theta

        def surv(x: float) -> float:
            return math.exp(float(log_survival_and_density(family, theta, np.array([x]))[0][0]))

        # break points at decades around the latency time scale exp(mu), so that a steep
        # early drop is resolved even when the horizon is a lifetime
        mu = location_scale(family.kind, theta[1:] if family.cure else theta)[0]
        points = [p for p in math.exp(mu) * 10.0 ** np.arange(-3.0, 4.0) if 0.0 < p < tau]
        area, _ = integrate.quad(surv, 0.0, tau, epsabs=0.0, epsrel=1e-11, limit=500,
                                 points=points or None)
        return float(area)

    def curve(self, times: ArrayLike) -> pd.DataFrame:
        """The fitted survival curve at ``times``, for drawing beside the Kaplan-Meier curve.

        Parameters
        ----------
        times : array-like of float, shape (n_times,)
            Times >= 0.

        Returns
        -------
        pandas.DataFrame, shape (n_times, 2)
            Columns ``time`` and ``survival``.

        Examples
        --------
        >>> from registry.analysis.parametric import fit_parametric
        >>> fit = fit_parametric([2, 3, 5, 8, 13], [1, 1, 0, 1, 0], "weibull")
        >>> list(fit.curve([0, 5, 10]).columns)
        ['time', 'survival']
        """
        grid, logs, _ = self._curves(times, "times")
        return pd.DataFrame({"time": grid, "survival": np.exp(logs)})


def build_fit(family: Family, opt: Optimum, data: SurvData, level: float) -> ParametricFit:
    """The :class:`ParametricFit` for optimum ``opt`` of ``family`` on ``data``."""
    z = z_value(level)
    se_opt = np.sqrt(np.diag(opt.covariance))
    lower = to_natural(family.transforms, opt.theta - z * se_opt)
    upper = to_natural(family.transforms, opt.theta + z * se_opt)
    params = pd.DataFrame(
        {
            "estimate": to_natural(family.transforms, opt.theta),
            "se": se_opt * np.abs(natural_derivative(family.transforms, opt.theta)),
            "lower": lower,
            "upper": upper,
            "transform": list(family.transforms),
            "estimate_opt": opt.theta,
            "se_opt": se_opt,
        },
        index=pd.Index(family.params, name="parameter"),
    )
    names = list(family.params)
    k = len(names)
    return ParametricFit(
        distribution=family.name,
        parameters=params,
        covariance=pd.DataFrame(opt.covariance, index=names, columns=names),
        loglik=opt.loglik,
        n_params=k,
        aic=-2.0 * opt.loglik + 2.0 * k,
        bic=-2.0 * opt.loglik + math.log(data.n) * k,
        n=data.n,
        n_events=data.n_events,
        converged=opt.converged,
        message=opt.message,
        conf_level=level,
    )


