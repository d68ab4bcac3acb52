"""Payment ledger of an outcome-based agreement over the registry's infused patients.

For each infused patient and each milestone of an :class:`~registry.economics.Agreement` the
ledger says whether the instalment was paid, not paid, refunded (or not refunded), or is still
*pending*: the patient's follow-up ended before the milestone day and nothing observed so far
decides the condition (see :mod:`registry.economics.agreements` for the conditions).

The summary turns the ledger into the expected payment per infused patient, the number the
budget impact needs. Pending patients are handled in one of two stated ways:

``"ipcw"`` (default)
    Inverse probability of censoring weighting: each patient whose milestone outcome is known
    counts ``1 / G(k-)``, where ``k`` is the day the outcome became known (the death,
    progression or response day that decided it, or the milestone day) and ``G`` is the
    reverse Kaplan-Meier curve of censoring (end of follow-up while alive) [1]_. The
    probability of meeting the condition is the weighted count divided by all patients. For
    an "alive" milestone this is exactly the Kaplan-Meier survival at the milestone day [2]_.
``"exclude"``
    Complete cases: the share meeting the condition among patients whose outcome is known.
    Simple, but biased when follow-up is short: early failures are known sooner than
    successes.

References
----------
.. [1] Bang H, Tsiatis AA. Estimating medical costs with censored data. Biometrika
   2000;87:329-343.
.. [2] Satten GA, Datta S. The Kaplan-Meier estimator as an inverse-probability-of-censoring
   weighted average. Am Stat 2001;55:207-210.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from registry.analysis._validation import as_float_array
from registry.economics.agreements import Agreement, Milestone
from registry.economics.discounting import DAYS_PER_YEAR
from registry.errors import InvalidInput

__all__ = ["CR_CODES", "OUTCOME_COLUMNS", "LedgerStatus", "PaymentLedger", "payment_ledger"]

FloatArray = NDArray[np.float64]
BoolArray = NDArray[np.bool_]
LedgerStatus = Literal["paid", "not paid", "refunded", "not refunded", "pending"]
PendingMethod = Literal["ipcw", "exclude"]
OUTCOME_COLUMNS = (
    "patient", "death_day", "progression_day", "first_cr_day", "best_response", "follow_up_days"
)
CR_CODES = frozenset({"CR", "CRi"})
_DAY_TOLERANCE = 1e-9


@dataclass(frozen=True, eq=False)
class PaymentLedger:
    """Ledger rows and their summary.

    Attributes
    ----------
    rows : pandas.DataFrame
        One row per patient and payment: ``patient, milestone, condition, due_day, status,
        amount, known_day``. The upfront payment is milestone ``"infusion"`` (due day 0,
        status "paid"). ``status`` is "paid", "not paid", "refunded", "not refunded" (a
        refund milestone whose condition was met) or "pending"; ``amount`` is RUB from the
        payer's side (negative for a refund, 0 when nothing moved or pending); ``known_day``
        is the day the outcome became known (NaN when pending).
    by_milestone : pandas.DataFrame
        One row per payment: ``milestone, condition, due_day, share, n_paid, n_not_paid,
        n_refunded, n_not_refunded, n_pending, probability_met, expected_amount`` (expected
        RUB per infused patient, refunds negative).
    agreement : Agreement
    n_patients, n_pending : int
        Infused patients, and those with at least one pending milestone.
    paid_to_date_per_patient : float
        Net amount the ledger shows as paid, divided by the patients (pending counts 0).
    expected_paid_per_patient : float
        Expected net payment per infused patient (``by_milestone.expected_amount`` summed).
    expected_share_of_price : float
        ``expected_paid_per_patient / price``.
    mean_cost_change : float
        ``expected_paid_per_patient - price``: the agreement's effect on the mean cost per
        infused patient (negative: the payer saves).
    adjustment_by_year : tuple of float
        That change by year since infusion (year k holds due days in [k, k+1) x 365.25),
        ready for :func:`registry.economics.budget_impact`'s ``agreement_adjustment``.
    pending : {"ipcw", "exclude"}
    """

    rows: pd.DataFrame
    by_milestone: pd.DataFrame
    agreement: Agreement
    n_patients: int
    n_pending: int
    paid_to_date_per_patient: float
    expected_paid_per_patient: float
    expected_share_of_price: float
    mean_cost_change: float
    adjustment_by_year: tuple[float, ...]
    pending: PendingMethod


@dataclass(frozen=True)
class _Outcomes:
    patient: list[object]
    death: FloatArray  # inf when alive
    progression: FloatArray
    cr: FloatArray
    response: FloatArray
    follow_up: FloatArray


def _day_column(frame: pd.DataFrame, column: str) -> FloatArray:
    values = as_float_array(frame[column], column)
    bad = (values < 0) | np.isinf(values)
    if bad.any():
        where = int(np.flatnonzero(bad)[0])
        raise InvalidInput.one(
            column, f"has {int(bad.sum())} negative or infinite day(s), the first in row "
            f"{where} ({float(values[where])!r}); days count from infusion, NaN when the "
            "event did not happen"
        )
    return values


def _outcomes(frame: pd.DataFrame) -> _Outcomes:
    if not isinstance(frame, pd.DataFrame):
        raise InvalidInput.one("outcomes", f"must be a DataFrame; got {type(frame).__name__}")
    missing = [c for c in OUTCOME_COLUMNS if c not in frame.columns]
    if missing:
        raise InvalidInput.one(
            "outcomes", f"has no column(s) {missing}; it needs {', '.join(OUTCOME_COLUMNS)}"
        )
    if frame.empty:
        raise InvalidInput.one("outcomes", "has no patients; pass one row per infused patient")
    patient = frame["patient"]
    if patient.isna().any() or patient.duplicated().any():
        raise InvalidInput.one("patient", "must be present and unique: one row per patient")
    follow_up = _day_column(frame, "follow_up_days")
    if np.isnan(follow_up).any():
        where = int(np.flatnonzero(np.isnan(follow_up))[0])
        raise InvalidInput.one(
            "follow_up_days", f"is missing in row {where}; give the last day the patient was "
            "known alive (or the day of death)"
        )
    days = {}
    columns = ["death_day", "progression_day", "first_cr_day"]
    if "first_response_day" in frame.columns:
        columns.append("first_response_day")
    for column in columns:
        values = _day_column(frame, column)
        late = values > follow_up + _DAY_TOLERANCE
        if late.any():
            where = int(np.flatnonzero(late)[0])
            raise InvalidInput.one(
                column, f"is after follow_up_days in row {where} ({values[where]!r} > "
                f"{follow_up[where]!r}); follow-up runs to the latest known event"
            )
        days[column] = np.where(np.isnan(values), np.inf, values)
    best = frame["best_response"].astype("string")
    inconsistent = np.isfinite(days["first_cr_day"]) & ~best.isin(CR_CODES).to_numpy(
        dtype=bool, na_value=False
    )
    if inconsistent.any():
        where = int(np.flatnonzero(inconsistent)[0])
        raise InvalidInput.one(
            "best_response", f"is {frame['best_response'].iloc[where]!r} in row {where}, "
            f"which has a first_cr_day; a patient with a complete response has best response "
            f"{' or '.join(sorted(CR_CODES))}"
        )
    return _Outcomes(
        patient=patient.tolist(),
        death=days["death_day"],
        progression=days["progression_day"],
        cr=days["first_cr_day"],
        response=days.get("first_response_day", days["first_cr_day"]),
        follow_up=follow_up,
    )


def _judge(m: Milestone, o: _Outcomes) -> tuple[BoolArray, BoolArray, FloatArray]:
    """(met, failed, known_day) of one milestone for every patient; neither means pending."""
    d = float(m.day)
    observed = o.follow_up >= d - _DAY_TOLERANCE
    if m.condition == "response_by":
        met = o.response <= d
        died = ~met & (o.death <= d)
        failed = died | (~met & observed)
        known = np.where(met, o.response, np.where(died, o.death, d))
    else:
        if m.condition == "alive":
            event = o.death
        else:  # alive_progression_free, cr_sustained
            event = np.minimum(o.death, o.progression)
        event_failed = event <= d
        met = ~event_failed & observed
        if m.condition == "cr_sustained":
            met &= o.cr <= d
        failed = event_failed | (~event_failed & observed & ~met)
        known = np.where(event_failed, event, d)
    known = np.where(met | failed, known, np.nan)
    return met, failed, known


def _censoring_survival_before(o: _Outcomes, days: FloatArray) -> FloatArray:
    """Reverse Kaplan-Meier ``G(t-)``: probability of still being followed just before t."""
    dead = np.isfinite(o.death)
    obs_time = np.where(dead, o.death, o.follow_up)
    ordered = np.sort(obs_time)
    censor_times, counts = np.unique(obs_time[~dead], return_counts=True)
    # deaths at a censoring time come first (the Kaplan-Meier convention), so they are no
    # longer at risk of being censored then; this makes "alive" milestones equal KM survival
    at_risk = obs_time.size - np.searchsorted(ordered, censor_times, side="right") + counts
    curve = np.cumprod(1.0 - counts / at_risk)
    idx = np.searchsorted(censor_times, days, side="left") - 1
    out: FloatArray = np.where(idx >= 0, curve[np.maximum(idx, 0)], 1.0)
    return out


def payment_ledger(
    agreement: Agreement, outcomes: pd.DataFrame, *, pending: PendingMethod = "ipcw"
) -> PaymentLedger:
    """Ledger of an agreement's payments for every infused patient, with the expected cost.

    Parameters
    ----------
    agreement : Agreement
    outcomes : pandas.DataFrame
        One row per infused patient, days from infusion: ``patient`` (key), ``death_day``,
        ``progression_day`` (progression or relapse), ``first_cr_day`` (first CR/CRi),
        all NaN when the event did not happen; ``best_response`` (code such as "CR", "CRi",
        "PR", "NR"); ``follow_up_days`` (last day known alive, or the day of death).
        Optional ``first_response_day`` (any response) for "response_by" milestones.
    pending : {"ipcw", "exclude"}, default "ipcw"
        How patients whose milestone is still pending enter the expected payment (module
        docstring).

    Returns
    -------
    PaymentLedger

    Raises
    ------
    registry.errors.InvalidInput
        For missing columns, duplicate patients, negative days, an event after the end of
        follow-up, a first CR day with a best response other than CR/CRi, or an unknown
        ``pending``.

    Examples
    --------
    >>> from registry.economics.agreements import SPAIN_KYMRIAH
    >>> outcomes = pd.DataFrame({"patient": ["a", "b"], "death_day": [np.nan, 200.0],
    ...     "progression_day": [np.nan, 150.0], "first_cr_day": [28.0, np.nan],
    ...     "best_response": ["CR", "PR"], "follow_up_days": [600.0, 200.0]})
    >>> led = payment_ledger(SPAIN_KYMRIAH, outcomes)
    >>> led.rows.status.tolist()
    ['paid', 'paid', 'paid', 'not paid']
    >>> led.expected_share_of_price
    0.76
    """
    if not isinstance(agreement, Agreement):
        raise InvalidInput.one("agreement", f"must be an Agreement; got {type(agreement)!r}")
    if pending not in ("ipcw", "exclude"):
        raise InvalidInput.one("pending", f"must be 'ipcw' or 'exclude'; got {pending!r}")
    o = _outcomes(outcomes)
    n = len(o.patient)
    price = float(agreement.price)
    refund = agreement.kind == "refund_on_failure"
    success, failure = ("not refunded", "refunded") if refund else ("paid", "not paid")

    upfront = price * float(agreement.upfront_share)
    frames = []
    summary = []
    if agreement.upfront_share > 0:
        frames.append(pd.DataFrame({
            "patient": o.patient, "milestone": "infusion", "condition": "infused",
            "due_day": 0.0, "status": "paid", "amount": upfront, "known_day": 0.0,
        }))
        summary.append(("infusion", "infused", 0.0, float(agreement.upfront_share), n, 0, 0, 0,
                        0, 1.0, upfront))
    any_pending = np.zeros(n, dtype=bool)
    for m in agreement.milestones:
        met, failed, known = _judge(m, o)
        is_pending = ~(met | failed)
        any_pending |= is_pending
        amount = price * float(m.share)
        status = np.where(met, success, np.where(failed, failure, "pending"))
        moved = failed if refund else met
        frames.append(pd.DataFrame({
            "patient": o.patient, "milestone": m.name, "condition": m.condition,
            "due_day": float(m.day), "status": status,
            "amount": np.where(moved, -amount if refund else amount, 0.0), "known_day": known,
        }))
        if pending == "ipcw":
            weight = np.zeros(n)
            seen = ~is_pending
            weight[seen] = 1.0 / _censoring_survival_before(o, known[seen])
            p_met = float(np.dot(met, weight)) / n
            p_failed = float(np.dot(failed, weight)) / n
        else:
            n_known = int((~is_pending).sum())
            p_met = float(met.sum()) / n_known if n_known else math.nan
            p_failed = float(failed.sum()) / n_known if n_known else math.nan
        expected = -amount * p_failed if refund else amount * p_met
        counts = {s: int((status == s).sum())
                  for s in ("paid", "not paid", "refunded", "not refunded")}
        summary.append((m.name, m.condition, float(m.day), float(m.share), counts["paid"],
                        counts["not paid"], counts["refunded"], counts["not refunded"],
                        int(is_pending.sum()), p_met, expected))

    rows = pd.concat(frames, ignore_index=True)
    order = {p: i for i, p in enumerate(o.patient)}
    rows = rows.iloc[
        np.lexsort((rows["due_day"].to_numpy(), rows["patient"].map(order).to_numpy()))
    ].reset_index(drop=True)
    by_milestone = pd.DataFrame(summary, columns=[
        "milestone", "condition", "due_day", "share", "n_paid", "n_not_paid", "n_refunded",
        "n_not_refunded", "n_pending", "probability_met", "expected_amount",
    ])
    expected_paid = float(by_milestone["expected_amount"].sum())
    year = np.floor(by_milestone["due_day"].to_numpy() / DAYS_PER_YEAR).astype(int)
    by_year = np.bincount(year, weights=by_milestone["expected_amount"].to_numpy())
    by_year[0] -= price
    return PaymentLedger(
        rows=rows,
        by_milestone=by_milestone,
        agreement=agreement,
        n_patients=n,
        n_pending=int(any_pending.sum()),
        paid_to_date_per_patient=float(rows["amount"].sum()) / n,
        expected_paid_per_patient=expected_paid,
        expected_share_of_price=expected_paid / price,
        mean_cost_change=expected_paid - price,
        adjustment_by_year=tuple(float(v) for v in by_year),
        pending=pending,
    )
