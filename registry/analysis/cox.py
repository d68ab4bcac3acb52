"""Cox proportional-hazards regression with Efron or Breslow ties, as R's ``coxph``.

Products are compared observationally, so the registry reports adjusted hazard ratios with
standard errors and confidence intervals (DESIGN.md section 6). scikit-survival's Cox model
gives no standard errors; this module reproduces ``coxph`` instead: the same partial
likelihood, the same Newton-Raphson iterations with step halving from beta = 0, the same
stopping rule (relative change in log-likelihood <= ``tol``, default 1e-9), the same
information-matrix standard errors and the same concordance.

Each iteration is vectorised: risk-set sums are reverse cumulative sums over patients sorted
by time, and the Efron correction works on one row per event.

References
----------
.. [1] Cox DR. Regression models and life-tables. JRSS B 1972;34:187-220.
.. [2] Efron B. The efficiency of Cox's likelihood function for censored data.
   JASA 1977;72:557-565.
.. [3] Therneau TM, Grambsch PM. Modeling Survival Data: Extending the Cox Model. 2000,
   sections 3.2-3.3 (``coxph``'s algorithm).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from registry.analysis._concordance import concordance_index
from registry.analysis._distributions import chi2_sf, two_sided_normal_p
from registry.analysis._km import distinct_sorted
from registry.analysis._validation import as_event, as_time, check_conf_level, z_value
from registry.analysis.exceptions import ConvergenceError, ConvergenceWarning
from registry.errors import InvalidInput

__all__ = ["CoxResult", "cox_model"]

Ties = Literal["efron", "breslow"]
FloatArray = NDArray[np.float64]


@dataclass(frozen=True)
class CoxResult:
    """A fitted Cox model.

    Attributes
    ----------
    summary : pandas.DataFrame, shape (n_covariates, 7)
        Indexed by covariate, columns ``coef, hr, se, z, p, hr_lower, hr_upper`` (R's
        ``summary(fit)$coefficients`` and ``$conf.int``).
    covariance : pandas.DataFrame, shape (n_covariates, n_covariates)
        Inverse information matrix (R ``vcov(fit)``).
    loglik, loglik_null : float
        Partial log-likelihood at the estimate and at beta = 0 (R ``fit$loglik[2:1]``).
    lr_statistic, lr_p_value : float
        Likelihood-ratio test of all coefficients = 0, on ``n_covariates`` df.
    concordance : float
        Harrell's C of the linear predictor (R ``fit$concordance["concordance"]``).
    n, n_events, n_iter : int
    ties : {"efron", "breslow"}
    conf_level : float
    """

    summary: pd.DataFrame
    covariance: pd.DataFrame
    loglik: float
    loglik_null: float
    lr_statistic: float
    lr_p_value: float
    concordance: float
    n: int
    n_events: int
    n_iter: int
    ties: Ties
    conf_level: float


def _linear_predictor(x: FloatArray, beta: FloatArray) -> FloatArray:
    """``x @ beta`` column by column: patients with equal covariates get bit-identical scores
    (a BLAS product need not), which the concordance's tie counting relies on."""
    lp = np.zeros(x.shape[0])
    for j, b in enumerate(beta):
        lp += x[:, j] * b
    return lp


class _PartialLikelihood:
    """Log partial likelihood, score and information for one data set (sorted once)."""

    def __init__(self, time: FloatArray, event: NDArray[np.bool_], x: FloatArray, ties: Ties):
        order = np.argsort(time, kind="stable")
        self.x = x[order]
        self.event = event[order]
        _, self.starts = distinct_sorted(time[order])
        sizes = np.diff(np.append(self.starts, time.size))
        self.group = np.repeat(np.arange(self.starts.size), sizes)
        deaths = np.add.reduceat(self.event.astype(np.int64), self.starts)
        self.event_groups = np.flatnonzero(deaths > 0)
        per_group = deaths[self.event_groups]
        self.event_row = np.repeat(np.arange(per_group.size), per_group)  # one row per event
        first = np.repeat(np.cumsum(per_group) - per_group, per_group)
        rank = np.arange(self.event_row.size) - first  # 0..d-1 within each tied time
        efron = ties == "efron"
        self.fraction = rank / np.repeat(per_group, per_group) if efron else np.zeros(rank.size)
        self.x_events_sum = self.x[self.event].sum(axis=0)

    def evaluate(self, beta: FloatArray) -> tuple[float, FloatArray, FloatArray]:
        lp = _linear_predictor(self.x, beta)
        shift = float(lp.max())
        w = np.exp(lp - shift)
        wx = w[:, None] * self.x
        at_risk0 = np.cumsum(w[::-1])[::-1][self.starts][self.event_groups]
        at_risk1 = np.cumsum(wx[::-1], axis=0)[::-1][self.starts][self.event_groups]
        dead0 = np.add.reduceat(w * self.event, self.starts)[self.event_groups]
        dead1 = np.add.reduceat(wx * self.event[:, None], self.starts, axis=0)[self.event_groups]
        row, frac = self.event_row, self.fraction
        denom = at_risk0[row] - frac * dead0[row]
        mean_x = (at_risk1[row] - frac[:, None] * dead1[row]) / denom[:, None]
        loglik = float(lp[self.event].sum() - np.log(denom).sum() - shift * denom.size)
        score = self.x_events_sum - mean_x.sum(axis=0)
        # sum over event rows of (risk-set second moment) / denom, without an (E, p, p) array
        c_all = np.zeros(self.starts.size)
        c_dead = np.zeros(self.starts.size)
        c_all[self.event_groups] = np.bincount(row, 1.0 / denom, minlength=dead0.size)
        c_dead[self.event_groups] = np.bincount(row, frac / denom, minlength=dead0.size)
        weight = w * np.cumsum(c_all)[self.group] - w * self.event * c_dead[self.group]
        information = (self.x * weight[:, None]).T @ self.x - mean_x.T @ mean_x
        return loglik, score, information


def _design(
    frame: pd.DataFrame, duration: str, event: str, covariates: Sequence[str]
) -> tuple[FloatArray, NDArray[np.bool_], FloatArray, list[str]]:
    if not isinstance(frame, pd.DataFrame):
        raise InvalidInput.one("frame", f"must be a pandas DataFrame; got {type(frame).__name__}")
    names = [covariates] if isinstance(covariates, str) else list(covariates)
    if not names:
        raise InvalidInput.one("covariates", "is empty; name at least one column of frame")
    missing = [c for c in [duration, event, *names] if c not in frame.columns]
    if missing:
        raise InvalidInput.one(
            "frame", f"has no column(s) {missing!r}; available: {list(frame.columns)!r}"
        )
    time = as_time(frame[duration].to_numpy(), f"frame[{duration!r}]")
    status = as_event(frame[event].to_numpy(), time.size, f"frame[{event!r}]")
    columns = []
    for name in names:
        column = frame[name]
        if not (pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)):
            raise InvalidInput.one(
                f"frame[{name!r}]",
                f"has dtype {column.dtype}, not numeric; encode categories as 0/1 columns "
                "first (e.g. pandas.get_dummies(..., drop_first=True))",
            )
        values = column.to_numpy(dtype=np.float64, na_value=np.nan)
        bad = ~np.isfinite(values)
        if bad.any():
            raise InvalidInput.one(
                f"frame[{name!r}]",
                f"has {int(bad.sum())} missing or infinite value(s); drop or impute those "
                "rows (R's coxph drops them silently)",
            )
        if np.ptp(values) == 0:
            raise InvalidInput.one(
                f"frame[{name!r}]",
                f"is constant ({float(values[0])!r}) so its effect cannot be estimated; remove it",
            )
        columns.append(values)
    return time, status, np.column_stack(columns), names


def _inverse(information: FloatArray, names: list[str]) -> FloatArray:
    try:
        chol = np.linalg.cholesky(information)
    except np.linalg.LinAlgError:
        raise ConvergenceError(
            f"the information matrix for {names!r} is not positive definite: covariates are "
            "collinear or one separates events perfectly; drop or combine covariates"
        ) from None
    inv_chol = np.linalg.inv(chol)
    return inv_chol.T @ inv_chol


def cox_model(
    frame: pd.DataFrame,
    duration: str,
    event: str,
    covariates: Sequence[str],
    ties: Ties = "efron",
    conf_level: float = 0.95,
    max_iter: int = 20,
    tol: float = 1e-9,
) -> CoxResult:
    """Fit a Cox proportional-hazards model, matching R ``coxph(..., ties=ties)``.

    Parameters
    ----------
    frame : pandas.DataFrame, shape (n_samples, n_columns)
        One row per patient; no missing values in the columns used.
    duration, event : str
        Columns with the follow-up time (>= 0) and the 0/1 event indicator.
    covariates : sequence of str, length n_covariates
        Numeric or boolean columns (dummy-code categories first).
    ties : {"efron", "breslow"}, default "efron"
        Handling of tied event times; "efron" is R's default.
    conf_level : float, default 0.95
        For the hazard-ratio interval ``exp(coef -/+ z se)``.
    max_iter : int, default 20
    tol : float, default 1e-9
        Stop when ``|1 - loglik_old / loglik_new| <= tol`` (R ``coxph.control(eps=)``).

    Returns
    -------
    CoxResult

    Raises
    ------
    registry.errors.InvalidInput
        Missing columns, non-numeric, missing or constant covariates, no events, or the
        time/event problems of :func:`registry.analysis.kaplan_meier`.
    ConvergenceError
        If the information matrix is singular (collinear covariates).

    Warns
    -----
    ConvergenceWarning
        When ``max_iter`` is reached, or a coefficient looks infinite (monotone likelihood,
        e.g. a covariate level without events), with R's wording and rule.

    Examples
    --------
    >>> df = pd.DataFrame({"t": [5, 8, 3, 9, 12, 4, 7, 10, 5, 8],
    ...                    "d": [1, 1, 1, 0, 1, 1, 0, 1, 1, 1],
    ...                    "x": [1, 0, 1, 0, 0, 1, 1, 0, 0, 1]})
    >>> fit = cox_model(df, "t", "d", ["x"])
    >>> fit.summary.loc["x", ["coef", "se"]].round(4).tolist()
    [1.5327, 0.9137]
    """
    if ties not in ("efron", "breslow"):
        raise InvalidInput.one("ties", f"must be 'efron' or 'breslow'; got {ties!r}")
    level = check_conf_level(conf_level)
    time, status, x, names = _design(frame, duration, event, covariates)
    if not status.any():
        raise InvalidInput.one(f"frame[{event!r}]", "has no events; a Cox model needs some")
    x = x - x.mean(axis=0)  # centring changes nothing but rounding, as in coxph
    model = _PartialLikelihood(time, status, x, ties)

    beta = np.zeros(x.shape[1])
    loglik_null, score, information = model.evaluate(beta)
    best = loglik_null
    new_beta = beta + _inverse(information, names) @ score
    halving = 0
    converged = False
    n_iter = 0
    for n_iter in range(1, max_iter + 1):  # noqa: B007 - n_iter is reported
        new_loglik, score, information = model.evaluate(new_beta)
        finite = math.isfinite(new_loglik) and np.isfinite(score).all()
        if finite and abs(1.0 - best / new_loglik) <= tol:
            beta, best, converged = new_beta, new_loglik, True
            break
        if not finite or new_loglik < best:  # overshoot: step back towards the last good beta
            halving += 1
            new_beta = (new_beta + halving * beta) / (halving + 1.0)
        else:
            halving = 0
            best = new_loglik
            beta, new_beta = new_beta, new_beta + _inverse(information, names) @ score
    if not converged:
        best, score, information = model.evaluate(beta)
        warnings.warn(
            f"the Cox model did not converge in {max_iter} iterations (R: 'Ran out of "
            "iterations and did not converge'); check for covariates that separate events "
            "or raise max_iter",
            ConvergenceWarning,
            stacklevel=2,
        )
    covariance = _inverse(information, names)
    step = np.abs(score @ covariance)
    infinite = (step > tol) & (step > math.sqrt(tol) * np.abs(beta))
    if converged and infinite.any():
        warnings.warn(
            f"loglik converged before {[names[i] for i in np.flatnonzero(infinite)]!r}; "
            "coefficient may be infinite (as R warns): a covariate level may have no events",
            ConvergenceWarning,
            stacklevel=2,
        )
    se = np.sqrt(np.diag(covariance))
    z = beta / se
    half = z_value(level) * se
    with np.errstate(over="ignore"):  # an infinite coefficient has already been warned about
        hr, hr_lower, hr_upper = np.exp(beta), np.exp(beta - half), np.exp(beta + half)
    summary = pd.DataFrame(
        {
            "coef": beta,
            "hr": hr,
            "se": se,
            "z": z,
            "p": two_sided_normal_p(z),
            "hr_lower": hr_lower,
            "hr_upper": hr_upper,
        },
        index=pd.Index(names, name="covariate"),
    )
    lr = 2.0 * (best - loglik_null)
    return CoxResult(
        summary=summary,
        covariance=pd.DataFrame(covariance, index=names, columns=names),
        loglik=best,
        loglik_null=loglik_null,
        lr_statistic=lr,
        lr_p_value=chi2_sf(lr, len(names)),
        concordance=concordance_index(time, status, _linear_predictor(x, beta)),
        n=int(time.size),
        n_events=int(status.sum()),
        n_iter=n_iter,
        ties=ties,
        conf_level=level,
    )
