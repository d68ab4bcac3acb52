"""Propensity scores, IPTW weights, covariate balance and weighted Kaplan-Meier curves.

Products are not randomised, so the registry compares them after weighting each patient by the
inverse probability of the product received given baseline covariates (DESIGN.md section 6):
:func:`propensity_scores` (R ``glm(family = binomial)``), :func:`iptw_weights`,
:func:`balance_table` (standardised mean differences) and :func:`weighted_kaplan_meier` (R
``survfit(..., weights = w)``).

References
----------
.. [1] Austin PC, Stuart EA. Moving towards best practice when using inverse probability of
   treatment weighting (IPTW). Stat Med 2015;34:3661-3679.
.. [2] Austin PC. Balance diagnostics for comparing the distribution of baseline covariates
   between treatment groups in propensity-score matched samples. Stat Med 2009;28:3083-3107.
.. [3] Cole SR, Hernan MA. Constructing inverse probability weights for marginal structural
   models. Am J Epidemiol 2008;168:656-664.
.. [4] Xie J, Liu C. Adjusted Kaplan-Meier estimator and log-rank test with inverse probability
   of treatment weighting for survival data. Stat Med 2005;24:3089-3110.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray

from registry.analysis._km import distinct_sorted, survfit_confint
from registry.analysis._validation import (
    ConfType,
    as_event,
    as_float_array,
    as_time,
    check_conf_level,
    check_conf_type,
    z_value,
)
from registry.analysis.exceptions import ConvergenceError
from registry.errors import InvalidInput

__all__ = ["PropensityModel", "balance_table", "iptw_weights", "propensity_scores",
           "weighted_kaplan_meier"]

FloatArray = NDArray[np.float64]
Estimand = Literal["ATE", "ATT", "ATC"]
_SEPARATION = 1e-8  # a fitted probability this close to 0 or 1 means separation


@dataclass(frozen=True)
class PropensityModel:
    """A fitted logistic propensity model.

    Attributes
    ----------
    scores : ndarray of float64, shape (n_samples,)
        Fitted probability of treatment, in the frame's row order.
    coefficients, std_errors : pandas.Series
        Indexed by "(Intercept)" and the covariates (R ``coef(fit)``, ``Std. Error``).
    deviance : float
        ``-2 log L`` (R ``fit$deviance``).
    n_iter : int
    """

    scores: FloatArray
    coefficients: pd.Series
    std_errors: pd.Series
    deviance: float
    n_iter: int


def _treatment(frame: pd.DataFrame, treatment: str) -> NDArray[np.bool_]:
    if not isinstance(frame, pd.DataFrame):
        raise InvalidInput.one("frame", f"must be a pandas DataFrame; got {type(frame).__name__}")
    if treatment not in frame.columns:
        raise InvalidInput.one("treatment", f"{treatment!r} is not a column of frame")
    treated = as_event(frame[treatment], len(frame), f"frame[{treatment!r}]")
    if treated.all() or not treated.any():
        raise InvalidInput.one(f"frame[{treatment!r}]", "must have treated (1) and control (0)")
    return treated


def _covariates(frame: pd.DataFrame, covariates: Sequence[str]) -> tuple[FloatArray, list[str]]:
    names = [covariates] if isinstance(covariates, str) else list(covariates)
    missing = [c for c in names if c not in frame.columns]
    if not names or missing:
        raise InvalidInput.one("covariates", f"must name columns; missing {missing!r}")
    columns = []
    for name in names:
        column = frame[name]
        if not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)):
            raise InvalidInput.one(f"frame[{name!r}]", f"has dtype {column.dtype}, not numeric; "
                                   "encode categories as 0/1 columns (pandas.get_dummies)")
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        if not np.all(np.isfinite(values)):
            raise InvalidInput.one(f"frame[{name!r}]", "has missing values; drop or impute them")
        columns.append(values)
    return np.column_stack(columns), names


def propensity_scores(frame: pd.DataFrame, treatment: str, covariates: Sequence[str],
                      max_iter: int = 25, tol: float = 1e-10) -> PropensityModel:
    """Fit ``P(treatment = 1 | covariates)`` by logistic regression (Newton / IRLS).

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per patient.
    treatment : str
        Column coded 0/1 (or boolean): 1 = the product of interest.
    covariates : sequence of str
        Numeric or boolean columns (dummy-code categories first); an intercept is added.
    max_iter : int, default 25
    tol : float, default 1e-10
        Stop when ``|dev - dev_old| / (|dev| + 0.1) < tol`` (R's rule; R's default 1e-8).

    Returns
    -------
    PropensityModel

    Raises
    ------
    registry.errors.InvalidInput
        Missing columns, non-numeric or missing covariates, treatment not 0/1 or one group.
    ConvergenceError
        Collinear covariates, no convergence in ``max_iter``, or fitted probabilities within
        1e-8 of 0 or 1: the covariates separate the groups and weights would be unbounded (R
        warns "fitted probabilities numerically 0 or 1").

    Notes
    -----
    IRLS (Newton) from R's start ``mu = (y + 0.5) / 2``, each weighted least-squares step by
    ``numpy.linalg.lstsq``; standard errors from the inverse Fisher information.

    Examples
    --------
    >>> df = pd.DataFrame({"t": [0, 0, 1, 0, 1, 1, 0, 1], "age": [30, 45, 50, 35, 60, 40, 55, 65]})
    >>> fit = propensity_scores(df, "t", ["age"])
    >>> fit.coefficients.round(4).tolist()
    [-5.6438, 0.1188]
    """
    treated = _treatment(frame, treatment)
    x_cov, names = _covariates(frame, covariates)
    x = np.column_stack([np.ones(len(frame)), x_cov])
    y = treated.astype(np.float64)
    mu = (y + 0.5) / 2.0
    eta = np.log(mu / (1.0 - mu))
    deviance = math.inf
    beta = np.zeros(x.shape[1])
    converged = False
    for n_iter in range(1, max_iter + 1):  # noqa: B007 - n_iter is reported
        w = mu * (1.0 - mu)
        z = eta + (y - mu) / w
        root = np.sqrt(w)
        beta, _, rank, _ = np.linalg.lstsq(x * root[:, None], z * root, rcond=None)
        if rank < x.shape[1]:
            raise ConvergenceError(f"the covariates {names!r} are collinear (rank {rank} < "
                                   f"{x.shape[1]}); drop or combine covariates")
        eta = x @ beta
        mu = 1.0 / (1.0 + np.exp(-np.clip(eta, -30.0, 30.0)))  # R's logit linkinv bounds
        new = float(-2.0 * np.sum(np.where(y == 1, np.log(mu), np.log1p(-mu))))
        converged = abs(new - deviance) / (abs(new) + 0.1) < tol
        deviance = new
        if converged:
            break
    extreme = (mu < _SEPARATION) | (mu > 1.0 - _SEPARATION)
    if extreme.any():
        raise ConvergenceError(
            f"{int(extreme.sum())} fitted propensity score(s) are numerically 0 or 1: the "
            f"covariates {names!r} (or a combination) separate treated from control patients, "
            "so their weights are unbounded; drop or coarsen the separating covariate, or "
            "restrict the comparison to patients both products could have received"
        )
    if not converged:
        raise ConvergenceError(f"the propensity model did not converge in {max_iter} "
                               f"iterations; check the covariates {names!r} or raise max_iter")
    information = (x * (mu * (1.0 - mu))[:, None]).T @ x
    std_errors = np.sqrt(np.diag(np.linalg.inv(information)))
    index = pd.Index(["(Intercept)", *names], name="term")
    return PropensityModel(
        scores=mu,
        coefficients=pd.Series(beta, index=index, name="coef"),
        std_errors=pd.Series(std_errors, index=index, name="se"),
        deviance=deviance,
        n_iter=n_iter,
    )


def iptw_weights(ps: ArrayLike, treated: ArrayLike, estimand: Estimand = "ATE",
                 stabilised: bool = True, trim: float | None = None) -> FloatArray:
    """Inverse-probability-of-treatment weights from propensity scores.

    Parameters
    ----------
    ps : array-like of float, shape (n_samples,)
        Propensity scores, strictly between 0 and 1.
    treated : array-like of {0, 1} or bool, shape (n_samples,)
    estimand : {"ATE", "ATT", "ATC"}, default "ATE"
        Whole population; the treated; the controls.
    stabilised : bool, default True
        Multiply by the marginal probability of the group received, so that each group's
        weights sum to about its size (see Notes).
    trim : float, optional
        Truncate the weights at their ``trim`` and ``1 - trim`` quantiles (e.g. 0.01 for the
        1st and 99th percentiles; numpy's linear quantile), after stabilising [3]_.

    Returns
    -------
    ndarray of float64, shape (n_samples,)

    Raises
    ------
    registry.errors.InvalidInput
        Scores outside (0, 1), bad treatment codes, unknown estimand, trim outside (0, 0.5).

    Notes
    -----
    With :math:`e` the score, :math:`Z` the treatment and :math:`p = \\bar Z`:
    ATE :math:`Z/e + (1-Z)/(1-e)`, stabilised :math:`Z p/e + (1-Z)(1-p)/(1-e)`;
    ATT :math:`Z + (1-Z) e/(1-e)`, stabilised controls times :math:`(1-p)/p`;
    ATC :math:`Z (1-e)/e + (1-Z)`, stabilised treated times :math:`p/(1-p)` [1]_.

    Examples
    --------
    >>> iptw_weights([0.5, 0.25, 0.8], [1, 0, 0], stabilised=False).tolist()
    [2.0, 1.3333333333333333, 5.000000000000001]
    """
    e = as_float_array(ps, "ps")
    if e.size == 0 or not np.all((e > 0) & (e < 1)):
        raise InvalidInput.one("ps", "must be non-empty with every score strictly in (0, 1)")
    z = as_event(treated, e.size, "treated")
    p = float(z.mean())
    if estimand == "ATE":
        w = np.where(z, (p if stabilised else 1.0) / e, (1.0 - p if stabilised else 1.0) / (1 - e))
    elif estimand == "ATT":
        scale = (1.0 - p) / p if stabilised and p > 0 else 1.0
        w = np.where(z, 1.0, scale * e / (1.0 - e))
    elif estimand == "ATC":
        scale = p / (1.0 - p) if stabilised and p < 1 else 1.0
        w = np.where(z, scale * (1.0 - e) / e, 1.0)
    else:
        raise InvalidInput.one("estimand", f"must be 'ATE', 'ATT' or 'ATC'; got {estimand!r}")
    if trim is not None:
        if not 0.0 < trim < 0.5:
            raise InvalidInput.one("trim", f"must be in (0, 0.5), e.g. 0.01; got {trim!r}")
        low, high = np.quantile(w, [trim, 1.0 - trim])
        w = np.clip(w, low, high)
    return np.asarray(w, dtype=np.float64)


def _smd_scale(values: FloatArray, treated: NDArray[np.bool_]) -> float:
    """Pooled SD of the unweighted groups: ``sqrt((s1^2 + s0^2) / 2)``; for a 0/1 covariate
    the group variances are ``p (1 - p)`` [2]_, otherwise sample variances (n - 1)."""
    binary = bool(np.all((values == 0) | (values == 1)))
    parts = []
    for group in (values[treated], values[~treated]):
        parts.append(group.mean() * (1 - group.mean()) if binary else np.var(group, ddof=1))
    return math.sqrt((parts[0] + parts[1]) / 2.0)


def balance_table(frame: pd.DataFrame, treatment: str, covariates: Sequence[str],
                  weights: ArrayLike | None = None) -> pd.DataFrame:
    """Covariate means by group and standardised mean differences, before and after weighting.

    Parameters
    ----------
    frame, treatment, covariates
        As in :func:`propensity_scores`.
    weights : array-like of float, shape (n_samples,), optional
        E.g. from :func:`iptw_weights`; >= 0 with a positive sum in each group.

    Returns
    -------
    pandas.DataFrame, shape (n_covariates, 7)
        Columns ``covariate, mean_treated, mean_control, smd_unweighted,
        mean_treated_weighted, mean_control_weighted, smd_weighted`` (the weighted columns are
        NaN without weights).

    Notes
    -----
    :math:`\\mathrm{SMD} = (\\bar x_1 - \\bar x_0) / \\sqrt{(s_1^2 + s_0^2)/2}` [2]_. The
    weighted SMD has the weighted means in the numerator but the **same** denominator, the
    pooled SD of the unweighted groups, so weighting changes only the numerator [1]_ (cobalt's
    default). For a 0/1 covariate :math:`s^2 = \\hat p(1 - \\hat p)`, else the sample variance.
    |SMD| < 0.1 is the usual balance threshold; a constant covariate gives NaN (0/0).

    Examples
    --------
    >>> df = pd.DataFrame({"t": [1, 1, 0, 0], "x": [1.0, 3.0, 0.0, 2.0]})
    >>> balance_table(df, "t", ["x"])["smd_unweighted"].round(4).tolist()
    [0.7071]
    """
    treated = _treatment(frame, treatment)
    x, names = _covariates(frame, covariates)
    if weights is None:
        w = np.full(len(frame), np.nan)
    else:
        w = as_float_array(weights, "weights")
        if w.size != len(frame) or not np.all(np.isfinite(w) & (w >= 0)):
            raise InvalidInput.one("weights", f"must be {len(frame)} finite values >= 0")
        if w[treated].sum() <= 0 or w[~treated].sum() <= 0:
            raise InvalidInput.one("weights", "must have a positive sum in each group")
    rows = []
    for j, name in enumerate(names):
        v = x[:, j]
        with np.errstate(divide="ignore", invalid="ignore"):
            scale = _smd_scale(v, treated)
            mt, mc = v[treated].mean(), v[~treated].mean()
            wt = np.sum(w[treated] * v[treated]) / np.sum(w[treated])
            wc = np.sum(w[~treated] * v[~treated]) / np.sum(w[~treated])
            rows.append((name, mt, mc, (mt - mc) / scale, wt, wc, (wt - wc) / scale))
    columns = ["covariate", "mean_treated", "mean_control", "smd_unweighted",
               "mean_treated_weighted", "mean_control_weighted", "smd_weighted"]
    return pd.DataFrame(rows, columns=columns)


def weighted_kaplan_meier(time: ArrayLike, event: ArrayLike, weights: ArrayLike,
                          conf_level: float = 0.95, conf_type: ConfType = "log-log",
                          variance: Literal["robust", "greenwood"] = "robust") -> pd.DataFrame:
    """Weighted Kaplan-Meier curve, as R ``survfit(Surv(time, status) ~ 1, weights = w)``.

    Parameters
    ----------
    time, event, conf_level, conf_type
        As in :func:`registry.analysis.kaplan_meier`.
    weights : array-like of float, shape (n_samples,)
        Finite and > 0 (drop zero-weight patients first), e.g. from :func:`iptw_weights`.
    variance : {"robust", "greenwood"}, default "robust"
        "robust": the infinitesimal-jackknife variance R uses by default with weights
        (``robust = TRUE``); "greenwood": Greenwood's formula on the weighted counts (R
        ``robust = FALSE``), which treats the weights as numbers of patients and is too narrow
        for IPTW weights. Neither accounts for the estimation of the propensity scores.

    Returns
    -------
    pandas.DataFrame, shape (n_distinct_times, 8)
        Columns ``time, n_risk, n_event, n_censor`` (sums of weights), ``survival``,
        ``std_err`` (standard error of log survival, R's ``std.err`` for "greenwood"; for
        "robust" R's ``std.err`` is that of the survival itself, ``std_err * survival``, and 0
        where the curve reaches 0), ``lower, upper`` (pointwise limits on the ``conf_type``
        scale, NaN where R has NA). ``attrs`` records ``conf_level``, ``conf_type`` and
        ``variance``. With all weights 1 and "greenwood" it equals
        :func:`registry.analysis.kaplan_meier`.

    Raises
    ------
    registry.errors.InvalidInput
        Bad time, event or weights, or a bad ``conf_level``/``conf_type``/``variance``.

    Notes
    -----
    :math:`\\hat S(t) = \\prod_{t_j \\le t} (1 - d_j^w / n_j^w)` with weighted deaths and
    numbers at risk [4]_. Robust: :math:`\\mathrm{Var} \\log \\hat S(t) = \\sum_i w_i^2
    D_i(t)^2` with :math:`D_i(t) = -\\sum_{t_j \\le t} (dN_i(t_j) - Y_i(t_j) d_j^w / n_j^w) /
    (n_j^w - d_j^w)` the derivative of :math:`\\log \\hat S(t)` in :math:`w_i`.

    Examples
    --------
    >>> km = weighted_kaplan_meier([1, 2, 3], [1, 1, 0], [2.0, 1.0, 1.0])
    >>> km["n_risk"].tolist(), km["survival"].tolist()
    ([4.0, 2.0, 1.0], [0.5, 0.25, 0.25])
    """
    t = as_time(time)
    e = as_event(event, t.size)
    w = as_float_array(weights, "weights")
    if w.size != t.size or not np.all(np.isfinite(w) & (w > 0)):
        raise InvalidInput.one("weights", f"must be {t.size} finite values > 0 (drop zeros)")
    level, kind = check_conf_level(conf_level), check_conf_type(conf_type)
    if variance not in ("robust", "greenwood"):
        raise InvalidInput.one("variance", f"must be 'robust' or 'greenwood'; got {variance!r}")
    order = np.argsort(t, kind="stable")
    ws, es = w[order], e[order]
    times, starts = distinct_sorted(t[order])
    n_event = np.add.reduceat(ws * es, starts)
    n_censor = np.add.reduceat(ws * ~es, starts)
    n_risk = np.cumsum((n_event + n_censor)[::-1])[::-1]
    surv = np.cumprod(1.0 - n_event / n_risk)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(n_event > 0, n_event / (n_risk * (n_risk - n_event)), 0.0)
        greenwood = np.cumsum(terms)
        if variance == "greenwood":
            var_log = greenwood
        else:
            group = np.repeat(np.arange(times.size), np.diff(np.append(starts, t.size)))
            jump = es / (n_risk - n_event)[group] - greenwood[group]  # D_i after its time
            w2 = ws**2
            per_time = np.add.reduceat(w2, starts)
            later = np.cumsum(per_time[::-1])[::-1] - per_time
            done = np.cumsum(np.add.reduceat(w2 * jump**2, starts))
            var_log = np.where(surv > 0, greenwood**2 * later + done, 0.0)
    std_err = np.sqrt(var_log)
    lower, upper = survfit_confint(surv, std_err, z_value(level), kind)
    frame = pd.DataFrame({
        "time": times, "n_risk": n_risk, "n_event": n_event, "n_censor": n_censor,
        "survival": surv, "std_err": std_err, "lower": lower, "upper": upper,
    })
    frame.attrs.update(conf_level=level, conf_type=kind, variance=variance)
    return frame
