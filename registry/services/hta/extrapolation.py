"""Extrapolation of OS and PFS/EFS per arm to a lifetime horizon (DESIGN.md section 7).

Every parametric and mixture-cure model of :mod:`registry.analysis.parametric` is fitted to
each arm; the AIC/BIC table ranks them and the curves are drawn over the arm's Kaplan-Meier
curve (never alone). The economist picks one model per arm and endpoint for the
cost-effectiveness model; the default is the lowest AIC among converged fits.

Time is in days from the cohort's day 0. Parametric models live on log time, so a time of 0
(death or censoring on the day of infusion) enters the fits as half a day.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
from sqlmodel import Session

from registry.analysis import kaplan_meier
from registry.analysis.parametric import ALL, ParametricFit, fit_all, fit_parametric
from registry.auth import Actor
from registry.errors import InvalidInput
from registry.services.hta.common import ARMS, CohortData, load_cohort, save_run

__all__ = ["ENDPOINTS", "Extrapolation", "extrapolate", "fitted_models"]

ENDPOINTS: Final = {"os": ("os_time_days", "os_event"),
                    "pfs_efs": ("pfs_efs_time_days", "pfs_efs_event")}
DAYS_PER_YEAR: Final = 365.25
ZERO_TIME: Final = 0.5


@dataclass(frozen=True)
class Extrapolation:
    """Fits of every model to each arm and the curves to draw.

    Attributes
    ----------
    endpoint : str
    horizon_years : float
    fits : DataFrame
        ``arm, distribution, n_params, loglik, aic, bic, converged, message, rank``
        (1 = lowest AIC among converged fits of the arm), plus ``restricted_mean_years``
        (life expectancy to the horizon) and ``cure_fraction`` where the model has one.
    curves : DataFrame
        ``arm, distribution, year, survival`` on a grid to the horizon.
    km : DataFrame
        ``arm, year, survival, lower, upper`` (the arm's Kaplan-Meier steps).
    best : dict
        Arm -> distribution with the lowest AIC (converged).
    run_id : int
    """

    endpoint: str
    horizon_years: float
    fits: pd.DataFrame
    curves: pd.DataFrame
    km: pd.DataFrame
    best: dict[str, str]
    run_id: int


def _arrays(frame: pd.DataFrame, endpoint: str) -> tuple[np.ndarray, np.ndarray]:
    time_column, event_column = ENDPOINTS[endpoint]
    time = np.maximum(frame[time_column].to_numpy(float), ZERO_TIME)
    return time, frame[event_column].to_numpy(int)


def fitted_models(data: CohortData, endpoint: str, choice: Mapping[str, str]
                  ) -> dict[str, ParametricFit]:
    """The chosen model fitted to each arm (for the cost-effectiveness model)."""
    out = {}
    for arm in ARMS:
        distribution = choice.get(arm)
        if distribution not in ALL:
            raise InvalidInput.one(f"model.{arm}", f"{distribution!r} is not offered",
                                   code="hta.model", value=distribution)
        time, event = _arrays(data.arm(arm), endpoint)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out[arm] = fit_parametric(time, event, distribution)
    return out


def extrapolate(*, session: Session, actor: Actor, definition: Mapping[str, Any] | Any,
                endpoint: str = "os", horizon_years: float = 20.0,
                distributions: tuple[str, ...] = ALL, data: CohortData | None = None
                ) -> Extrapolation:
    """Fit every model to each arm; AIC/BIC table, curves over KM to ``horizon_years``.

    Raises
    ------
    InvalidInput
        Unknown endpoint, a horizon outside 1-60 years, or an arm with too few patients.
    """
    if endpoint not in ENDPOINTS:
        raise InvalidInput.one("endpoint", f"{endpoint!r}: choose os or pfs_efs",
                               code="hta.endpoint", value=endpoint)
    if not 1 <= horizon_years <= 60:
        raise InvalidInput.one("horizon_years", "must be between 1 and 60",
                               code="hta.range", low=1, high=60)
    data = data or load_cohort(session=session, actor=actor, definition=definition)
    horizon = horizon_years * DAYS_PER_YEAR
    grid = np.linspace(0.0, horizon, 241)
    grid[0] = ZERO_TIME
    tables, curves, kms, best = [], [], [], {}
    for arm in ARMS:
        time, event = _arrays(data.arm(arm), endpoint)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            table = fit_all(time, event, distributions)
            extra = []
            for row in table.itertuples():
                mean = cure = math.nan
                if row.converged:
                    fit = fit_parametric(time, event, str(row.distribution))
                    mean = fit.restricted_mean(horizon) / DAYS_PER_YEAR
                    cure = math.nan if fit.cure_fraction is None else fit.cure_fraction
                    curves.append(pd.DataFrame({
                        "arm": arm, "distribution": row.distribution,
                        "year": grid / DAYS_PER_YEAR, "survival": fit.survival(grid)}))
                extra.append((mean, cure))
        table = table.assign(arm=arm, restricted_mean_years=[m for m, _ in extra],
                             cure_fraction=[c for _, c in extra])
        converged = table[table["converged"]]
        table["rank"] = pd.array([pd.NA] * len(table), dtype="Int64")
        table.loc[converged.index, "rank"] = range(1, len(converged) + 1)
        if not converged.empty:
            best[arm] = str(converged.iloc[0]["distribution"])
        tables.append(table)
        km = kaplan_meier(data.arm(arm)[ENDPOINTS[endpoint][0]].to_numpy(float),
                          data.arm(arm)[ENDPOINTS[endpoint][1]].to_numpy(int))
        kms.append(pd.DataFrame({"arm": arm, "year": km["time"] / DAYS_PER_YEAR,
                                 "survival": km["survival"], "lower": km["lower"],
                                 "upper": km["upper"]}))
    fits = pd.concat(tables, ignore_index=True)[
        ["arm", "distribution", "n_params", "loglik", "aic", "bic", "converged", "message",
         "rank", "restricted_mean_years", "cure_fraction"]]
    run = save_run(session=session, actor=actor, kind="extrapolation", data=data,
                   parameters={"endpoint": endpoint, "horizon_years": horizon_years,
                               "distributions": list(distributions)},
                   summary={"best": best, "aic": {
                       f"{r.arm}:{r.distribution}": r.aic for r in fits.itertuples()
                       if r.converged}})
    assert run.id is not None
    return Extrapolation(endpoint=endpoint, horizon_years=horizon_years, fits=fits,
                         curves=pd.concat(curves, ignore_index=True) if curves else
                         pd.DataFrame(columns=["arm", "distribution", "year", "survival"]),
                         km=pd.concat(kms, ignore_index=True), best=best, run_id=run.id)
