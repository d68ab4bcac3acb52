"""Payment ledgers for hand-made patients: every status of every template, expected payments
worked out by hand, and the IPCW summary against Kaplan-Meier."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from registry.analysis import survival_at
from registry.economics import (
    GERMANY_REBATE,
    ITALY_STAGED,
    SPAIN_KYMRIAH,
    Agreement,
    Milestone,
    PaymentLedger,
    budget_impact,
    payment_ledger,
)
from registry.errors import InvalidInput

NAN = math.nan
PRICE = 39e6


def _outcomes(rows: list[dict[str, object]]) -> pd.DataFrame:
    base: dict[str, object] = {"death_day": NAN, "progression_day": NAN, "first_cr_day": NAN,
                               "best_response": "NR"}
    return pd.DataFrame([base | row for row in rows])


def _milestone_status(ledger: PaymentLedger, milestone: str) -> list[str]:
    rows = ledger.rows[ledger.rows["milestone"] == milestone]
    return rows["status"].tolist()


SPAIN_PATIENTS = _outcomes([
    {"patient": "s1", "first_cr_day": 28.0, "best_response": "CR", "follow_up_days": 700.0},
    {"patient": "s2", "first_cr_day": 28.0, "progression_day": 300.0, "best_response": "CR",
     "follow_up_days": 400.0},
    {"patient": "s3", "best_response": "PR", "follow_up_days": 600.0},
    {"patient": "s4", "first_cr_day": 60.0, "best_response": "CRi", "follow_up_days": 400.0},
    {"patient": "s5", "death_day": 100.0, "follow_up_days": 100.0},
])


def test_spain_ledger_statuses_amounts_and_expected_payment() -> None:
    led = payment_ledger(SPAIN_KYMRIAH, SPAIN_PATIENTS)
    assert _milestone_status(led, "infusion") == ["paid"] * 5
    milestone = "M18 complete response sustained"
    assert _milestone_status(led, milestone) == [
        "paid", "not paid", "not paid", "pending", "not paid"
    ]
    rows = led.rows[led.rows["milestone"] == milestone]
    assert rows["amount"].tolist() == pytest.approx([0.48 * PRICE, 0, 0, 0, 0])
    assert rows["known_day"].tolist()[:3] == [547.0, 300.0, 547.0]
    assert np.isnan(rows["known_day"].iloc[3]) and rows["known_day"].iloc[4] == 100.0
    assert led.rows["patient"].tolist()[:2] == ["s1", "s1"]
    assert led.n_patients == 5 and led.n_pending == 1
    assert led.paid_to_date_per_patient == pytest.approx((5 * 0.52 + 0.48) / 5 * PRICE)
    # IPCW: censoring curve drops to 1 - 2/4 at day 400 (s2, s4 censored; s1, s3 beyond), so
    # s1's success at day 547 counts 1 / 0.5; P(met) = 2 / 5
    assert led.by_milestone["probability_met"].tolist() == pytest.approx([1.0, 0.4])
    assert led.expected_paid_per_patient == pytest.approx((0.52 + 0.48 * 0.4) * PRICE)
    assert led.mean_cost_change == pytest.approx(-0.48 * 0.6 * PRICE)
    assert led.adjustment_by_year == pytest.approx((-0.48 * PRICE, 0.48 * 0.4 * PRICE))
    excluded = payment_ledger(SPAIN_KYMRIAH, SPAIN_PATIENTS, pending="exclude")
    assert excluded.expected_share_of_price == pytest.approx(0.52 + 0.48 * 1 / 4)


ITALY_PATIENTS = _outcomes([
    {"patient": "i1", "follow_up_days": 400.0},
    {"patient": "i2", "death_day": 100.0, "follow_up_days": 100.0},
    {"patient": "i3", "death_day": 300.0, "follow_up_days": 300.0},
    {"patient": "i4", "follow_up_days": 200.0},
    {"patient": "i5", "follow_up_days": 100.0},
])


def test_italy_ledger_statuses_and_expected_payment_equal_to_kaplan_meier() -> None:
    led = payment_ledger(ITALY_STAGED, ITALY_PATIENTS)
    assert _milestone_status(led, "M6 alive") == ["paid", "not paid", "paid", "paid", "pending"]
    assert _milestone_status(led, "M12 alive") == [
        "paid", "not paid", "not paid", "pending", "pending"
    ]
    assert led.n_pending == 2
    # by hand: KM of OS is 0.8 from day 100 and 0.4 from day 300
    p_met = led.by_milestone["probability_met"].tolist()[1:]
    assert p_met == pytest.approx([0.8, 0.4])
    dead = ITALY_PATIENTS["death_day"].notna()
    time = ITALY_PATIENTS["death_day"].where(dead, ITALY_PATIENTS["follow_up_days"])
    km = survival_at(time, dead.astype(int), [182, 365])["survival"].tolist()
    assert p_met == pytest.approx(km)
    assert led.expected_paid_per_patient == pytest.approx(PRICE / 3 * (1 + 0.8 + 0.4))
    assert len(led.adjustment_by_year) == 1  # every instalment within the first year
    excluded = payment_ledger(ITALY_STAGED, ITALY_PATIENTS, pending="exclude")
    assert excluded.expected_paid_per_patient == pytest.approx(PRICE / 3 * (1 + 3 / 4 + 1 / 3))


GERMANY_PATIENTS = _outcomes([
    {"patient": "g1", "death_day": 100.0, "follow_up_days": 100.0},
    {"patient": "g2", "follow_up_days": 400.0},
    {"patient": "g3", "follow_up_days": 200.0},
    {"patient": "g4", "death_day": 365.0, "follow_up_days": 365.0},
])


def test_germany_ledger_refunds_deaths_within_the_year() -> None:
    led = payment_ledger(GERMANY_REBATE, GERMANY_PATIENTS)
    assert _milestone_status(led, "infusion") == ["paid"] * 4
    milestone = "death within 12 months"
    assert _milestone_status(led, milestone) == [
        "refunded", "not refunded", "pending", "refunded"
    ]
    rows = led.rows[led.rows["milestone"] == milestone]
    assert rows["amount"].tolist() == pytest.approx([-0.5 * PRICE, 0, 0, -0.5 * PRICE])
    assert led.paid_to_date_per_patient == pytest.approx(0.75 * PRICE)
    # KM of OS at day 365: 0.75 after day 100, then 1 of 2 at risk dies -> 0.375
    assert led.expected_paid_per_patient == pytest.approx(PRICE * (1 - 0.5 * 0.625))
    counts = led.by_milestone.set_index("milestone").loc[milestone]
    assert (counts["n_refunded"], counts["n_not_refunded"], counts["n_pending"]) == (2, 1, 1)
    excluded = payment_ledger(GERMANY_REBATE, GERMANY_PATIENTS, pending="exclude")
    assert excluded.expected_paid_per_patient == pytest.approx(PRICE * (1 - 0.5 * 2 / 3))


RESPONSE_AGREEMENT = Agreement(
    "NMRC-CD19", 12e6, 0.5,
    (Milestone("D90 response", 90, "response_by", 0.25),
     Milestone("M6 alive progression-free", 182, "alive_progression_free", 0.25)),
    "payment_on_success",
)
RESPONSE_PATIENTS = _outcomes([
    {"patient": "r1", "first_response_day": 30.0, "best_response": "PR",
     "follow_up_days": 40.0},
    {"patient": "r2", "death_day": 50.0, "follow_up_days": 50.0, "first_response_day": NAN},
    {"patient": "r3", "follow_up_days": 100.0, "first_response_day": NAN},
    {"patient": "r4", "follow_up_days": 60.0, "first_response_day": NAN},
    {"patient": "r5", "first_response_day": 20.0, "best_response": "PR",
     "progression_day": 100.0, "follow_up_days": 250.0},
    {"patient": "r6", "first_response_day": 25.0, "first_cr_day": 25.0, "best_response": "CR",
     "follow_up_days": 200.0},
])


def test_response_and_progression_free_milestones() -> None:
    led = payment_ledger(RESPONSE_AGREEMENT, RESPONSE_PATIENTS, pending="exclude")
    assert _milestone_status(led, "D90 response") == [
        "paid", "not paid", "not paid", "pending", "paid", "paid"
    ]
    assert _milestone_status(led, "M6 alive progression-free") == [
        "pending", "not paid", "pending", "pending", "not paid", "paid"
    ]
    rows = led.rows[led.rows["milestone"] == "D90 response"]
    assert rows["known_day"].tolist()[:3] == [30.0, 50.0, 90.0]
    p = led.by_milestone["probability_met"].tolist()
    assert p == pytest.approx([1.0, 3 / 5, 1 / 3])
    # without first_response_day, "response_by" needs a CR: r5 (PR only) fails, and r1
    # (PR, followed 40 days) could still reach a CR by day 90
    cr_only = payment_ledger(RESPONSE_AGREEMENT, RESPONSE_PATIENTS.drop(
        columns="first_response_day"))
    assert _milestone_status(cr_only, "D90 response") == [
        "pending", "not paid", "not paid", "pending", "not paid", "paid"
    ]


def test_ipcw_alive_milestones_equal_kaplan_meier_on_random_data() -> None:
    rng = np.random.default_rng(12)
    n = 300
    death = rng.exponential(500, n)
    censor = rng.uniform(50, 900, n)
    dead = death <= censor
    frame = _outcomes([{"patient": i} for i in range(n)])
    frame["death_day"] = np.where(dead, death, np.nan)
    frame["follow_up_days"] = np.where(dead, death, censor)
    led = payment_ledger(ITALY_STAGED, frame)
    km = survival_at(frame["follow_up_days"], dead.astype(int), [182, 365])["survival"]
    np.testing.assert_allclose(led.by_milestone["probability_met"].iloc[1:], km, rtol=1e-12)
    assert 0 < led.n_pending < n


def test_ledger_adjustment_feeds_the_budget() -> None:
    led = payment_ledger(SPAIN_KYMRIAH, SPAIN_PATIENTS)
    res = budget_impact(eligible_per_year=1000, years=2, uptake=0.01,
                        market_share={"imported": 1.0}, cost_per_patient={"imported": PRICE},
                        agreement_adjustment={"imported": led.adjustment_by_year})
    year_1 = 10 * PRICE * 0.52
    year_2 = 10 * PRICE * 0.52 + 10 * 0.48 * 0.4 * PRICE
    assert res.by_year["cost"].tolist() == pytest.approx([year_1, year_2])


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda f: f.drop(columns="follow_up_days"), "outcomes"),
        (lambda f: f.assign(patient=["s1"] * 5), "patient"),
        (lambda f: f.assign(death_day=[NAN, NAN, NAN, NAN, 150.0]), "death_day"),
        (lambda f: f.assign(progression_day=[-1.0, NAN, NAN, NAN, NAN]), "progression_day"),
        (lambda f: f.assign(best_response=["PR", "CR", "PR", "CRi", "NR"]), "best_response"),
        (lambda f: f.assign(follow_up_days=[NAN, 400.0, 600.0, 400.0, 100.0]), "follow_up_days"),
        (lambda f: f.iloc[0:0], "outcomes"),
    ],
)
def test_bad_outcomes_name_the_column(change: object, field: str) -> None:
    bad = change(SPAIN_PATIENTS.copy())  # type: ignore[operator]
    with pytest.raises(InvalidInput) as exc:
        payment_ledger(SPAIN_KYMRIAH, bad)
    assert exc.value.errors[0].field == field


def test_unknown_pending_method_is_named() -> None:
    with pytest.raises(InvalidInput) as exc:
        payment_ledger(SPAIN_KYMRIAH, SPAIN_PATIENTS, pending="assume paid")  # type: ignore[arg-type]
    assert exc.value.errors[0].field == "pending"
