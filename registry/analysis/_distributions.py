"""Typed wrappers for the few scipy distribution functions the estimators need.

scipy ships no type information (``pyproject.toml`` tells mypy to treat it as ``Any``); these
wrappers give the estimator modules typed floats and arrays back.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy import special, stats


def normal_quantile(p: float) -> float:
    """Standard normal quantile (R ``qnorm``)."""
    return float(special.ndtri(p))


def two_sided_normal_p(z: NDArray[np.float64]) -> NDArray[np.float64]:
    """``2 * P(Z > |z|)`` elementwise (R ``2 * pnorm(-abs(z))``)."""
    out: NDArray[np.float64] = 2.0 * special.ndtr(-np.abs(z))
    return out


def chi2_sf(statistic: float, df: int) -> float:
    """Upper tail of the chi-square distribution (R ``pchisq(x, df, lower.tail=FALSE)``)."""
    return float(stats.chi2.sf(statistic, df))


def beta_quantile(q: float, a: float, b: float) -> float:
    """Beta quantile (R ``qbeta``)."""
    return float(stats.beta.ppf(q, a, b))
