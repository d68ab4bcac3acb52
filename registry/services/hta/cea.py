"""Cost-effectiveness of the domestic product against the imported one (DESIGN.md section 7).

Model
    Payer perspective, RUB, costs and effects discounted from day 0 (rate a parameter,
    default 5% a year). Each arm's outcome has two parts:

    1. **Observed period**, day 0 to ``observed_years`` (tau): each patient's discounted cost
       (resource use x unit costs, product at list price) and discounted QALYs (time
       progression-free x utility PF + time progressed x utility progressed, from the
       patient's OS and PFS/EFS times), weighted by inverse probability of censoring
       (Bang and Tsiatis 2000): ``w_i = D_i / K(T_i* -)`` where ``T_i* = min(T_i, tau)``,
       ``D_i`` = death seen or follow-up reaching tau, ``K`` the Kaplan-Meier curve of
       censoring. The arm mean of ``w_i x value_i`` is the Bang-Tsiatis estimate.
    2. **Extrapolated period**, tau to the horizon: a partitioned survival model
       (:func:`registry.economics.partitioned_survival`) on the parametric OS and PFS/EFS
       curves chosen per arm (:mod:`registry.services.hta.extrapolation`), with utilities and
       yearly costs per health state. Its contribution after tau is added to every patient
       of the arm.

    The ICER (:func:`registry.economics.icer`) says "dominant"/"dominated" rather than a
    negative ratio. With an outcome-based agreement on an arm, the ledger's expected payments
    (discounted by their due days) replace the product's list price for the arm's infused
    patients (:func:`agreement_adjustment`).

Uncertainty
    Non-parametric bootstrap, patients resampled with replacement within each arm, cost and
    effect of a patient kept together (:func:`registry.economics.bootstrap_icer`, seedable);
    the censoring weights and the extrapolated part are held at their estimates (refitting
    every model in every replicate is left for a later version; the observed period carries
    the sampling uncertainty of the registry data). Cost-effectiveness plane, acceptability
    curve over willingness to pay, net monetary benefit.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
import pandas as pd
from sqlmodel import Session

from registry.analysis import kaplan_meier
from registry.auth import Actor
from registry.economics import (
    Agreement,
    BootstrapResult,
    ICERResult,
    bootstrap_icer,
    ceac,
    icer,
    partitioned_survival,
)
from registry.economics.discounting import discount_factor
from registry.economics.ledger import PaymentLedger
from registry.errors import FieldError, InvalidInput
from registry.services.hta.budget import agreement_effect
from registry.services.hta.common import (
    ARMS,
    CohortData,
    load_cohort,
    save_run,
)
from registry.services.hta.common import (
    beyond_follow_up as _beyond_follow_up,
)
from registry.services.hta.costs import arm_costs
from registry.services.hta.extrapolation import fitted_models

__all__ = ["CEAParameters", "CEAResult", "cost_effectiveness", "ipcw_weights"]

DAYS_PER_YEAR: Final = 365.25


@dataclass(frozen=True)
class CEAParameters:
    """Inputs of the cost-effectiveness model (all editable on the page).

    Utilities and state costs are illustrative defaults, not measured values (the registry
    holds no quality-of-life data yet); the page says so.
    """

    horizon_years: float = 20.0
    observed_years: float = 1.0
    rate: float = 0.05
    utility_progression_free: float = 0.80
    utility_progressed: float = 0.60
    cost_progression_free_per_year: float = 300_000.0
    cost_progressed_per_year: float = 1_500_000.0
    scenario: str = "base"
    os_model: Mapping[str, str] = field(default_factory=lambda: {"imported": "cure_weibull",
                                                                 "domestic": "cure_weibull"})
    pfs_model: Mapping[str, str] = field(default_factory=lambda: {"imported": "cure_weibull",
                                                                  "domestic": "cure_weibull"})
    wtp: float = 5_000_000.0
    n_boot: int = 1000
    seed: int = 1

    def check(self) -> None:
        limits = {"horizon_years": (1, 60), "observed_years": (0, min(self.horizon_years, 15)),
                  "rate": (0, 0.2), "utility_progression_free": (-1, 1),
                  "utility_progressed": (-1, 1), "cost_progression_free_per_year": (0, 1e11),
                  "cost_progressed_per_year": (0, 1e11), "wtp": (0, 1e11),
                  "n_boot": (200, 20_000)}
        problems = [FieldError(name, f"must be between {low:g} and {high:g}",
                               code="hta.range", params={"low": low, "high": high})
                    for name, (low, high) in limits.items()
                    if not low <= getattr(self, name) <= high
                    or (name == "observed_years" and self.observed_years <= 0)]
        if problems:
            raise InvalidInput(problems)

    def record(self) -> dict[str, Any]:
        return {name: (dict(value) if isinstance(value, Mapping) else value)
                for name, value in self.__dict__.items()}


@dataclass(frozen=True)
class CEAResult:
    """Base case and bootstrap of domestic (new) vs imported (reference).

    Attributes
    ----------
    arms : DataFrame
        One row per arm: ``arm, n, cost_observed, cost_extrapolated, agreement_adjustment,
        cost, qaly_observed, qaly_extrapolated, qaly, life_years`` (discounted, per patient;
        ``agreement_adjustment`` is 0 without an outcome-based agreement on the arm).
    point : ICERResult
    bootstrap : BootstrapResult
    acceptability : DataFrame
        ``wtp, probability_cost_effective``.
    parameters : CEAParameters
    run_id : int
    """

    arms: pd.DataFrame
    point: ICERResult
    bootstrap: BootstrapResult
    acceptability: pd.DataFrame
    parameters: CEAParameters
    run_id: int


def ipcw_weights(time: np.ndarray, event: np.ndarray, tau: float) -> np.ndarray:
    """Bang-Tsiatis weights ``D_i / K(min(T_i, tau) -)``; 0 for incomplete patients.

    ``K`` is the Kaplan-Meier curve of censoring (censorings before tau as events, deaths as
    censored; at a tie the death comes first, so ``K`` is taken just before the time).
    """
    stop = np.minimum(time, tau)
    complete = (event == 1) | (time >= tau)
    censored = (~complete).astype(int)
    curve = kaplan_meier(stop, censored)
    times, surv = curve["time"].to_numpy(float), curve["survival"].to_numpy(float)
    before = np.searchsorted(times, stop, side="left") - 1
    k_left = np.where(before >= 0, surv[np.clip(before, 0, None)], 1.0)
    return np.where(complete, 1.0 / np.maximum(k_left, 1e-12), 0.0)


def _discounted_years(start: np.ndarray, end: np.ndarray, rate: float) -> np.ndarray:
    """Continuously discounted length of [start, end] in years (days in, per patient)."""
    if rate == 0:
        return np.asarray((end - start) / DAYS_PER_YEAR, dtype=float)
    delta = np.log1p(rate)  # per year: (1 + rate) ** -t, as discount_factor "continuous"
    a, b = start / DAYS_PER_YEAR, end / DAYS_PER_YEAR
    return np.asarray((np.exp(-delta * a) - np.exp(-delta * b)) / delta, dtype=float)


def _observed(data: CohortData, costs: Mapping[str, Any], p: CEAParameters, tau: float
              ) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per arm, each patient's IPCW-weighted discounted cost and QALYs to tau."""
    out = {}
    for arm in ARMS:
        mine = data.arm(arm)
        os_time = mine["os_time_days"].to_numpy(float)
        event = mine["os_event"].to_numpy(int)
        stop = np.minimum(os_time, tau)
        pf_end = np.minimum(mine["pfs_efs_time_days"].to_numpy(float), stop)
        qaly = (p.utility_progression_free * _discounted_years(np.zeros_like(stop), pf_end,
                                                               p.rate)
                + p.utility_progressed * _discounted_years(pf_end, stop, p.rate))
        weight = ipcw_weights(os_time, event, tau)
        out[arm] = (weight * costs[arm].total, weight * qaly)
    return out


def _extrapolated(data: CohortData, p: CEAParameters, tau: float
                  ) -> tuple[dict[str, dict[str, float]], pd.DataFrame]:
    """Per arm the partitioned-survival cost, QALYs and life-years after tau (discounted)."""
    horizon = round(p.horizon_years * DAYS_PER_YEAR)
    os_fits = fitted_models(data, "os", p.os_model)
    pfs_fits = fitted_models(data, "pfs_efs", p.pfs_model)
    out, traces = {}, []
    for arm in ARMS:
        model = partitioned_survival(
            os_fits[arm].survival, pfs_fits[arm].survival, horizon,
            utilities={"progression_free": p.utility_progression_free,
                       "progressed": p.utility_progressed},
            state_costs={"progression_free": p.cost_progression_free_per_year / DAYS_PER_YEAR,
                         "progressed": p.cost_progressed_per_year / DAYS_PER_YEAR},
            rate=p.rate)
        later = model.by_time[model.by_time["day_start"] >= tau]
        out[arm] = {"cost": float(later["costs_discounted"].sum()),
                    "qaly": float(later["qalys_discounted"].sum()),
                    "life_years": float(model.life_years_discounted)}
        traces.append(model.by_time[["day_start", "os", "pfs"]].iloc[::30].assign(arm=arm))
    return out, pd.concat(traces, ignore_index=True)


def agreement_adjustment(ledger: PaymentLedger, rate: float) -> float:
    """Discounted change of the mean cost per patient under an agreement: each payment's
    expected amount discounted to day 0 by its due day, minus the list price (paid at day 0
    in the cost build-up)."""
    due = ledger.by_milestone["due_day"].to_numpy(float)
    expected = ledger.by_milestone["expected_amount"].to_numpy(float)
    return float((expected * discount_factor(due, rate)).sum() - ledger.agreement.price)


def cost_effectiveness(*, session: Session, actor: Actor, definition: Mapping[str, Any] | Any,
                       parameters: CEAParameters | None = None,
                       on_progress: Callable[[int, int], None] | None = None,
                       data: CohortData | None = None,
                       agreements: Mapping[str, Agreement] | None = None) -> CEAResult:
    """Base-case ICER of domestic vs imported with a paired bootstrap (module docstring).

    Raises
    ------
    InvalidInput
        A parameter out of range (named), a model not offered, an observed period beyond an
        arm's follow-up, an arm with too few patients.
    """
    p = parameters or CEAParameters()
    p.check()
    data = data or load_cohort(session=session, actor=actor, definition=definition)
    tau = float(round(p.observed_years * DAYS_PER_YEAR))
    for arm in ARMS:
        mine = data.arm(arm)
        alive_at_tau = (mine["os_time_days"] >= tau).any()
        if not alive_at_tau and not (mine["os_event"] == 1).all():
            raise InvalidInput.one("observed_years", _beyond_follow_up(arm),
                                   code="hta.horizon_follow_up", arm=arm)
    costs, _ = arm_costs(session, actor, data, scenario=p.scenario, horizon_days=tau,
                         rate=p.rate)
    observed = _observed(data, costs, p, tau)
    extrapolated, _trace = _extrapolated(data, p, tau)
    # an outcome-based agreement changes what the payer pays for the product of an arm: the
    # ledger's expected payments replace the list price (the same for every patient: the
    # bootstrap resamples the registry data, not the agreement)
    shift = dict.fromkeys(ARMS, 0.0)
    for arm, agreement in (agreements or {}).items():
        effect = agreement_effect(session=session, actor=actor, definition=definition,
                                  agreement=agreement, arm=arm, data=data)
        infused = float(data.arm(arm)["infused"].astype(bool).mean())  # only they pay
        shift[arm] = agreement_adjustment(effect.ledger, p.rate) * infused
    per_patient = {arm: (observed[arm][0] + extrapolated[arm]["cost"] + shift[arm],
                         observed[arm][1] + extrapolated[arm]["qaly"]) for arm in ARMS}
    rows: list[dict[str, Any]] = [{"arm": arm, "n": int(per_patient[arm][0].size),
             "cost_observed": float(observed[arm][0].mean()),
             "cost_extrapolated": extrapolated[arm]["cost"],
             "agreement_adjustment": shift[arm],
             "cost": float(per_patient[arm][0].mean()),
             "qaly_observed": float(observed[arm][1].mean()),
             "qaly_extrapolated": extrapolated[arm]["qaly"],
             "qaly": float(per_patient[arm][1].mean()),
             "life_years": extrapolated[arm]["life_years"]} for arm in ARMS]
    arms = pd.DataFrame(rows)
    new, ref = rows[ARMS.index("domestic")], rows[ARMS.index("imported")]
    point = icer(new["cost"], new["qaly"], ref["cost"], ref["qaly"])
    boot = bootstrap_icer(per_patient["domestic"][0], per_patient["domestic"][1],
                          per_patient["imported"][0], per_patient["imported"][1],
                          n_boot=p.n_boot, seed=p.seed, wtp=p.wtp, on_progress=on_progress)
    top = max(p.wtp * 3, 1.0)
    curve = ceac(boot, np.linspace(0.0, top, 61))
    run = save_run(session=session, actor=actor, kind="cea", data=data,
                   parameters=p.record() | {"agreements": {
                       arm: {"product_code": a.product_code, "price": a.price,
                             "upfront_share": a.upfront_share, "kind": a.kind,
                             "milestones": [m.__dict__ for m in a.milestones]}
                       for arm, a in (agreements or {}).items()}},
                   summary={"delta_cost": point.delta_cost, "delta_qaly": point.delta_effect,
                            "icer": point.icer, "status": point.status,
                            "quadrant_shares": boot.quadrant_shares})
    assert run.id is not None
    return CEAResult(arms=arms, point=point, bootstrap=boot, acceptability=curve,
                     parameters=p, run_id=run.id)
