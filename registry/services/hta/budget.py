"""Outcome-based payments and the 5-year budget of a national programme (DESIGN.md section 7).

Agreements
    An :class:`registry.economics.Agreement` (templates: Spain, Italy, Germany) applied to the
    infused patients of one arm: a ledger per patient from registry outcomes (death, first
    progression or relapse, first CR/CRi, follow-up) and the expected payment per patient,
    hence the change in the mean cost per patient (:func:`registry.economics.payment_ledger`).
Budget
    Patients eligible each year (default 10,000) x uptake x market share per arm, each treated
    patient costing the arm's censoring-adjusted (Bang-Tsiatis) mean cost of the first year,
    plus a follow-up cost per later year for the share still alive (the arm's Kaplan-Meier OS
    at the start of each year, held at its value where fewer than 10 patients remain at
    risk); with agreements the
    ledger's expected adjustment by year is added. Every mix is compared with 100% imported.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import numpy as np
import pandas as pd
from sqlalchemy import select
from sqlmodel import Session, col

from registry.analysis import kaplan_meier, survival_at
from registry.analysis.costs import bang_tsiatis_mean_cost
from registry.auth import Actor
from registry.economics import (
    Agreement,
    BudgetImpactResult,
    ProductCost,
    budget_impact,
    compare_budgets,
)
from registry.economics.ledger import PaymentLedger, payment_ledger
from registry.errors import InvalidInput
from registry.models import FollowUp, TreatmentEpisode
from registry.models.enums import Response
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

__all__ = ["AgreementEffect", "BudgetResult", "agreement_effect", "ledger_outcomes",
           "programme_budget"]

DAYS_PER_YEAR: Final = 365.25
REFERENCE: Final = "100% imported"
MIN_AT_RISK: Final = 10


@dataclass(frozen=True)
class AgreementEffect:
    """An agreement applied to one arm: ledger summary (aggregates) and the cost effect.

    ``ledger.rows`` is per patient with fresh row numbers as keys; pages show counts by
    milestone and status (``status_counts``), never the rows.
    """

    arm: str
    ledger: PaymentLedger
    status_counts: pd.DataFrame
    run_id: int


@dataclass(frozen=True)
class BudgetResult:
    """Budget of the chosen mix, of 100% imported, and their difference per year."""

    cost_per_patient: pd.DataFrame
    mix: BudgetImpactResult
    reference: BudgetImpactResult
    comparison: pd.DataFrame
    run_id: int


def ledger_outcomes(session: Session, data: CohortData, arm: str) -> pd.DataFrame:
    """The outcomes frame of :func:`registry.economics.payment_ledger` for the arm's infused
    patients (days from infusion), keyed by a row number, not a registry id."""
    mine = data.arm(arm)
    mine = mine[mine["infused"].astype(bool)].reset_index(drop=True)
    os_time = mine["os_time_days"].to_numpy(float)
    died = mine["os_event"].to_numpy(int) == 1
    pfs_time = mine["pfs_efs_time_days"].to_numpy(float)
    failed = (mine["pfs_efs_event"].to_numpy(int) == 1) & ~(died & (pfs_time >= os_time))
    first_cr = _first_cr_days(session, mine["episode_id"].tolist(), data)
    cr_day = mine["episode_id"].map(first_cr).to_numpy(float)
    cr_day = np.where(cr_day <= os_time, cr_day, np.nan)
    # the ledger needs the best response consistent with the first CR day: a CR seen after
    # day 100 counts; a "CR" without a dated CR form (none here) would be read as PR
    recorded = mine["best_response"].astype(object).where(mine["best_response"].notna(), "NE")
    best = np.where(~np.isnan(cr_day), "CR", recorded.astype(str).to_numpy())
    best = np.where(np.isin(best, ["CR", "CRi"]) & np.isnan(cr_day), "PR", best)
    return pd.DataFrame({
        "patient": np.arange(1, len(mine) + 1), "death_day": np.where(died, os_time, np.nan),
        "progression_day": np.where(failed, pfs_time, np.nan), "first_cr_day": cr_day,
        "best_response": best, "follow_up_days": os_time})


def _first_cr_days(session: Session, episode_ids: Sequence[int], data: CohortData
                   ) -> dict[int, float]:
    """Days from infusion to the first CR/CRi assessment per episode (set-based)."""
    rows = session.execute(
        select(col(FollowUp.episode_id), col(FollowUp.assessment_date))
        .where(col(FollowUp.response).in_([Response.cr, Response.cri]),
               col(FollowUp.assessment_date) <= data.as_of)).all()
    if not rows:
        return {}
    frame = pd.DataFrame(rows, columns=["episode_id", "assessed"])
    frame = frame[frame["episode_id"].isin(set(episode_ids))]
    first = frame.groupby("episode_id")["assessed"].min()
    origin = _infusion_dates(session, [int(e) for e in first.index])
    return {int(e): float((pd.Timestamp(first[e]) - pd.Timestamp(origin[e])).days)
            for e in first.index if e in origin}


def _infusion_dates(session: Session, episode_ids: list[int]) -> dict[int, Any]:
    if not episode_ids:
        return {}
    rows = session.execute(select(col(TreatmentEpisode.id), col(TreatmentEpisode.infusion_date))
                           .where(col(TreatmentEpisode.id).in_(episode_ids))).all()
    return {int(i): d for i, d in rows if d is not None}


def _alive_at_years(time: np.ndarray, event: np.ndarray, years: int) -> np.ndarray:
    """KM survival at the start of years 2..years; past the last time with at least
    ``MIN_AT_RISK`` patients at risk the curve is held at its value there (a tail of a few
    patients would otherwise drive the share to 0 or leave it undefined)."""
    curve = kaplan_meier(time, event)
    reliable = curve.loc[curve["n_risk"] >= MIN_AT_RISK, "time"]
    cap = float(reliable.max()) if not reliable.empty else 0.0
    days = np.minimum([DAYS_PER_YEAR * k for k in range(1, years)], cap)
    return survival_at(time, event, days, extend=True)["survival"].to_numpy(float)


def agreement_effect(*, session: Session, actor: Actor, definition: Mapping[str, Any] | Any,
                     agreement: Agreement, arm: str = "imported",
                     data: CohortData | None = None) -> AgreementEffect:
    """Apply ``agreement`` to the infused patients of ``arm``; ledger and expected cost."""
    if arm not in ARMS:
        raise InvalidInput.one("arm", f"{arm!r}: choose imported or domestic", code="hta.arm",
                               value=arm)
    data = data or load_cohort(session=session, actor=actor, definition=definition)
    ledger = payment_ledger(agreement, ledger_outcomes(session, data, arm))
    counts = (ledger.rows.groupby(["milestone", "status"]).size().rename("patients")
              .reset_index())
    run = save_run(session=session, actor=actor, kind="agreement", data=data,
                   parameters={"arm": arm, "agreement": _agreement_record(agreement)},
                   summary={"expected_paid_per_patient": ledger.expected_paid_per_patient,
                            "mean_cost_change": ledger.mean_cost_change,
                            "n_pending": ledger.n_pending})
    assert run.id is not None
    return AgreementEffect(arm=arm, ledger=ledger, status_counts=counts, run_id=run.id)


def _agreement_record(agreement: Agreement) -> dict[str, Any]:
    return {"product_code": agreement.product_code, "price": agreement.price,
            "upfront_share": agreement.upfront_share, "kind": agreement.kind,
            "milestones": [m.__dict__ for m in agreement.milestones]}


def programme_budget(*, session: Session, actor: Actor, definition: Mapping[str, Any] | Any,
                     domestic_share: Sequence[float], eligible_per_year: float = 10_000,
                     uptake: Sequence[float] | float = 0.3, years: int = 5,
                     follow_up_cost_per_year: Mapping[str, float] | None = None,
                     agreements: Mapping[str, Agreement] | None = None,
                     scenario: str = "base", data: CohortData | None = None) -> BudgetResult:
    """Budget per year of the product mix ``domestic_share`` against 100% imported.

    Raises
    ------
    InvalidInput
        Shares outside [0, 1] or not one per year, bad uptake, an arm followed for less
        than a year (the first-year cost is unknown).
    """
    shares = [float(s) for s in domestic_share]
    if len(shares) != years or not all(0 <= s <= 1 for s in shares):
        raise InvalidInput.one("domestic_share", f"give {years} shares between 0 and 1, one "
                               "per year", code="hta.shares", years=years)
    data = data or load_cohort(session=session, actor=actor, definition=definition)
    yearly = follow_up_cost_per_year or {"imported": 300_000.0, "domestic": 300_000.0}
    costs, _ = arm_costs(session, actor, data, scenario=scenario, horizon_days=DAYS_PER_YEAR)
    per_patient, rows = {}, []
    for arm in ARMS:
        c = costs[arm]
        try:
            first = bang_tsiatis_mean_cost(c.time, c.event, c.total, DAYS_PER_YEAR).estimate
        except InvalidInput as exc:
            raise InvalidInput.one("definition", _beyond_follow_up(arm),
                                   code="hta.horizon_follow_up", arm=arm) from exc
        alive = _alive_at_years(c.time, c.event, years)
        per_patient[arm] = ProductCost(first_year=first, follow_up_year=yearly[arm],
                                       follow_up_share=tuple(float(a) for a in alive))
        rows.append({"arm": arm, "first_year": first, "follow_up_year": yearly[arm],
                     **{f"alive_y{k + 1}": a for k, a in enumerate(alive)}})
    adjustment = None
    if agreements:
        adjustment = {arm: agreement_effect(session=session, actor=actor, definition=definition,
                                            agreement=agreements[arm], arm=arm, data=data
                                            ).ledger.adjustment_by_year
                      for arm in agreements}
    common: dict[str, Any] = {"eligible_per_year": eligible_per_year, "years": years,
                              "uptake": uptake, "cost_per_patient": per_patient}
    mix = budget_impact(market_share={"domestic": shares, "imported": [1 - s for s in shares]},
                        agreement_adjustment=adjustment, **common)
    reference = budget_impact(market_share={"imported": [1.0] * years},
                              agreement_adjustment=(
                                  {"imported": adjustment["imported"]}
                                  if adjustment and "imported" in adjustment else None),
                              **common)
    comparison = compare_budgets({REFERENCE: reference, "mix": mix}, REFERENCE)
    run = save_run(session=session, actor=actor, kind="budget", data=data,
                   parameters={"domestic_share": shares, "eligible_per_year": eligible_per_year,
                               "uptake": uptake, "years": years, "scenario": scenario,
                               "follow_up_cost_per_year": dict(yearly),
                               "agreements": {a: _agreement_record(g)
                                              for a, g in (agreements or {}).items()}},
                   summary={"total_mix": mix.total, "total_reference": reference.total})
    assert run.id is not None
    return BudgetResult(cost_per_patient=pd.DataFrame(rows), mix=mix, reference=reference,
                        comparison=comparison, run_id=run.id)
