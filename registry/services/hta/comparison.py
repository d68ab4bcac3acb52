"""Adjusted comparison of the domestic product against the imported one (DESIGN.md section 6).

Observational data, so the crude comparison is shown beside adjusted ones:

- **Cox model** of OS and PFS/EFS with the arm (domestic = 1) and the adjustment set of
  :data:`registry.services.hta.common.COVARIATES`: hazard ratios with 95% CIs (Efron ties).
- **Propensity-score weighting** (IPTW, ATE, stabilised weights): logistic model of receiving
  the domestic product on the same covariates; covariate balance as standardised mean
  differences before and after weighting (|SMD| < 0.1 is the usual target); weighted
  Kaplan-Meier curves per arm (robust variance, as R ``survfit(weights=)``).
- **RMST** to a horizon per arm and the difference (domestic - imported) with its CI.
- **Competing risks**: cumulative incidence of relapse/progression and of non-relapse
  mortality by arm (Aalen-Johansen, :func:`registry.analysis.cumulative_incidence`).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
from sqlmodel import Session

from registry.analysis import (
    Endpoint,
    Origin,
    build_dataset,
    cox_model,
    cumulative_incidence,
    kaplan_meier,
    rmst_difference,
)
from registry.analysis.weighting import (
    balance_table,
    iptw_weights,
    propensity_scores,
    weighted_kaplan_meier,
)
from registry.auth import Actor
from registry.errors import InvalidInput
from registry.services.cohorts import Population
from registry.services.hta.common import (
    ARMS,
    CohortData,
    design_matrix,
    load_cohort,
    save_run,
)
from registry.services.hta.common import (
    beyond_follow_up as _beyond_follow_up,
)

__all__ = ["Comparison", "compare_products"]

DAYS_PER_MONTH: Final = 30.4375
ENDPOINT_COLUMNS: Final = {"os": ("os_time_days", "os_event"),
                           "pfs_efs": ("pfs_efs_time_days", "pfs_efs_event")}


@dataclass(frozen=True)
class Comparison:
    """Crude and adjusted comparisons of domestic vs imported (aggregates only).

    Attributes
    ----------
    counts : dict
        Patients per arm.
    hazard_ratios : DataFrame
        ``endpoint, term, hr, hr_lower, hr_upper, p_value, model`` (``model``: "crude" for the
        arm alone, "adjusted" with covariates); the arm term is ``domestic``.
    balance : DataFrame
        ``covariate, mean_treated, mean_control, smd_unweighted, smd_weighted``.
    weights_summary : dict
        ``min, max, mean`` of the stabilised weights and the effective sample size per arm.
    curves : DataFrame
        ``endpoint, arm, weighting ("crude"/"iptw"), month, survival, lower, upper``.
    rmst : DataFrame
        ``endpoint, arm, rmst_months, lower, upper`` and a ``difference`` row.
    incidence : DataFrame
        ``arm, cause ("relapse"/"nrm"), month, cif, lower, upper``.
    horizon_months : float
    run_id : int
    """

    counts: dict[str, int]
    hazard_ratios: pd.DataFrame
    balance: pd.DataFrame
    weights_summary: dict[str, float]
    curves: pd.DataFrame
    rmst: pd.DataFrame
    incidence: pd.DataFrame
    horizon_months: float
    run_id: int


def _hazard_ratios(frame: pd.DataFrame, x: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for endpoint, (time, event) in ENDPOINT_COLUMNS.items():
        base = pd.DataFrame({"time": frame[time].to_numpy(float),
                             "event": frame[event].to_numpy(int),
                             "domestic": frame["domestic"].to_numpy(float)})
        for model, covariates in (("crude", []), ("adjusted", list(x.columns))):
            data = pd.concat([base, x.reset_index(drop=True)], axis=1)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                fit = cox_model(data, "time", "event", ["domestic", *covariates])
            s = fit.summary
            for term in s.index:
                rows.append({"endpoint": endpoint, "model": model, "term": term,
                             "hr": s.at[term, "hr"], "hr_lower": s.at[term, "hr_lower"],
                             "hr_upper": s.at[term, "hr_upper"], "p_value": s.at[term, "p"]})
    return pd.DataFrame(rows)


def _curves(frame: pd.DataFrame, weights: np.ndarray) -> pd.DataFrame:
    parts = []
    for endpoint, (time, event) in ENDPOINT_COLUMNS.items():
        for arm in ARMS:
            mine = (frame["arm"] == arm).to_numpy()
            t, e = frame.loc[mine, time].to_numpy(float), frame.loc[mine, event].to_numpy(int)
            crude = kaplan_meier(t, e)
            weighted = weighted_kaplan_meier(t, e, weights[mine])
            for label, curve in (("crude", crude), ("iptw", weighted)):
                parts.append(pd.DataFrame({
                    "endpoint": endpoint, "arm": arm, "weighting": label,
                    "month": curve["time"].to_numpy(float) / DAYS_PER_MONTH,
                    "survival": curve["survival"].to_numpy(float),
                    "lower": curve["lower"].to_numpy(float),
                    "upper": curve["upper"].to_numpy(float)}))
    return pd.concat(parts, ignore_index=True)


def _rmst(frame: pd.DataFrame, horizon: float) -> pd.DataFrame:
    rows = []
    for endpoint, (time, event) in ENDPOINT_COLUMNS.items():
        # labels sort "a_imported" < "b_domestic": the difference is domestic - imported
        group = np.where(frame["arm"] == "domestic", "b_domestic", "a_imported")
        diff = rmst_difference(frame[time].to_numpy(float), frame[event].to_numpy(int), group,
                               horizon)
        for arm, res in (("imported", diff.reference), ("domestic", diff.comparator)):
            rows.append({"endpoint": endpoint, "arm": arm,
                         "rmst_months": res.rmst / DAYS_PER_MONTH,
                         "lower": res.lower / DAYS_PER_MONTH,
                         "upper": res.upper / DAYS_PER_MONTH, "p_value": np.nan})
        rows.append({"endpoint": endpoint, "arm": "difference",
                     "rmst_months": diff.difference / DAYS_PER_MONTH,
                     "lower": diff.lower / DAYS_PER_MONTH, "upper": diff.upper / DAYS_PER_MONTH,
                     "p_value": diff.p_value})
    return pd.DataFrame(rows)


def _incidence(session: Session, actor: Actor, data: CohortData) -> pd.DataFrame:
    origin = (Origin.infusion if data.definition.population == Population.mitt
              else Origin.apheresis)
    competing = build_dataset(session=session, actor=actor, endpoint=Endpoint.cir_nrm,
                              origin=origin, as_of=data.as_of)
    competing = competing.merge(data.frame[["episode_id", "arm"]], on="episode_id")
    parts = []
    for arm in ARMS:
        mine = competing[competing["arm"] == arm]
        for cause, label in ((1, "relapse"), (2, "nrm")):
            cif = cumulative_incidence(mine["time"].to_numpy(float),
                                       mine["event"].to_numpy(int), cause)
            parts.append(pd.DataFrame({"arm": arm, "cause": label,
                                       "month": cif["time"].to_numpy(float) / DAYS_PER_MONTH,
                                       "cif": cif["cif"], "lower": cif["lower"],
                                       "upper": cif["upper"]}))
    return pd.concat(parts, ignore_index=True)


def compare_products(*, session: Session, actor: Actor, definition: Mapping[str, Any] | Any,
                     horizon_months: float = 12.0, data: CohortData | None = None
                     ) -> Comparison:
    """Crude and adjusted comparison of domestic vs imported (module docstring).

    Raises
    ------
    InvalidInput
        A horizon outside 1-180 months or beyond an arm's follow-up; an arm with too few
        patients.
    registry.analysis.ConvergenceError
        Covariates that separate the arms completely (no overlap, e.g. an indication treated
        with one product only): narrow the cohort.
    """
    if not 1 <= horizon_months <= 180:
        raise InvalidInput.one("horizon_months", "must be between 1 and 180",
                               code="hta.range", low=1, high=180)
    data = data or load_cohort(session=session, actor=actor, definition=definition)
    frame = data.frame.reset_index(drop=True)
    x = design_matrix(frame).reset_index(drop=True)
    model = propensity_scores(pd.concat([frame[["domestic"]], x], axis=1), "domestic",
                              list(x.columns))
    weights = iptw_weights(model.scores, frame["domestic"].to_numpy(float))
    balance = balance_table(pd.concat([frame[["domestic"]], x], axis=1), "domestic",
                            list(x.columns), weights=weights)
    treated = frame["domestic"].to_numpy(float) == 1
    summary = {"min": float(weights.min()), "max": float(weights.max()),
               "mean": float(weights.mean())}
    for arm, mine in (("domestic", treated), ("imported", ~treated)):
        w = weights[mine]
        summary[f"ess_{arm}"] = float(w.sum() ** 2 / (w ** 2).sum())
    horizon = horizon_months * DAYS_PER_MONTH
    try:
        rmst = _rmst(frame, horizon)
    except InvalidInput as exc:
        arm = "domestic" if "b_domestic" in str(exc) else "imported"
        raise InvalidInput.one("horizon_months", _beyond_follow_up(arm),
                               code="hta.horizon_follow_up", arm=arm) from exc
    hazard_ratios = _hazard_ratios(frame, x)
    result = Comparison(
        counts=data.counts(), hazard_ratios=hazard_ratios, balance=balance,
        weights_summary=summary, curves=_curves(frame, weights), rmst=rmst,
        incidence=_incidence(session, actor, data), horizon_months=horizon_months, run_id=0)
    arm_rows = hazard_ratios[hazard_ratios["term"] == "domestic"]
    run = save_run(session=session, actor=actor, kind="comparison", data=data,
                   parameters={"horizon_months": horizon_months,
                               "covariates": list(x.columns), "weights": "IPTW ATE stabilised"},
                   summary={f"hr:{r.endpoint}:{r.model}": [r.hr, r.hr_lower, r.hr_upper]
                            for r in arm_rows.itertuples()})
    assert run.id is not None
    return Comparison(**{**result.__dict__, "run_id": run.id})
