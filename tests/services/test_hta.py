"""Health-technology assessment services on a seeded synthetic cohort (both backends)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import date

import numpy as np
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from registry.analysis import cumulative_incidence, kaplan_meier, rmst
from registry.auth import Actor
from registry.errors import InvalidInput, PermissionDenied
from registry.models import AnalysisRun
from registry.models.enums import Role
from registry.services.cohorts import data_digest
from registry.services.hta.cea import CEAParameters, cost_effectiveness, ipcw_weights
from registry.services.hta.common import load_cohort
from registry.services.hta.comparison import DAYS_PER_MONTH, compare_products
from registry.services.hta.costs import cost_summary
from registry.services.hta.extrapolation import extrapolate
from tests.conftest import seeded_engine

AS_OF = date(2026, 11, 1)
ECONOMIST = Actor(None, "econ", Role.economist)
LEADER = Actor(None, "lead", Role.leadership)
ALL: dict[str, object] = {}
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                               marks=pytest.mark.postgres)])
def seeded(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """1,500 synthetic patients (both products), once per module and backend."""
    with seeded_engine(request.param, tmp_path_factory.mktemp("hta"), patients=1500,
                       seed=17, as_of=AS_OF) as engine:
        yield engine


def _runs(engine: Engine) -> list[AnalysisRun]:
    with Session(engine) as session:
        return list(session.exec(select(AnalysisRun).order_by(AnalysisRun.id)).all())


def test_cohort_needs_both_arms_and_an_economist(seeded: Engine) -> None:
    with Session(seeded) as session:
        with pytest.raises(InvalidInput) as err:
            load_cohort(session=session, actor=ECONOMIST, as_of=AS_OF,
                        definition={"product_codes": ["KYMRIAH"]})
        assert err.value.errors[0].field == "definition"
        with pytest.raises(PermissionDenied):
            load_cohort(session=session, actor=LEADER, definition=ALL, as_of=AS_OF)
        data = load_cohort(session=session, actor=ECONOMIST, definition=ALL, as_of=AS_OF)
    assert data.frame["patient_id"].is_unique  # first episode per patient
    assert set(data.frame["arm"]) == {"imported", "domestic"}
    assert data.data_sha256 == data_digest(data.frame)


def test_comparison_matches_the_estimators_and_is_recorded(seeded: Engine) -> None:
    with Session(seeded) as session:
        data = load_cohort(session=session, actor=ECONOMIST, definition=ALL, as_of=AS_OF)
        result = compare_products(session=session, actor=ECONOMIST, definition=ALL,
                                  horizon_months=12, data=data)
        session.commit()
    arm = result.hazard_ratios[result.hazard_ratios["term"] == "domestic"]
    assert set(zip(arm["endpoint"], arm["model"], strict=True)) == {
        ("os", "crude"), ("os", "adjusted"), ("pfs_efs", "crude"), ("pfs_efs", "adjusted")}
    assert (arm["hr_lower"] < arm["hr"]).all() and (arm["hr"] < arm["hr_upper"]).all()
    # weighting balances: the worst |SMD| shrinks and every weighted one is small
    assert result.balance["smd_weighted"].abs().max() < result.balance[
        "smd_unweighted"].abs().max()
    assert result.balance["smd_weighted"].abs().max() < 0.1
    # the crude curves and RMST are the estimators' own on each arm
    frame = data.frame
    for arm_name in ("imported", "domestic"):
        mine = frame[frame["arm"] == arm_name]
        km = kaplan_meier(mine["os_time_days"], mine["os_event"])
        drawn = result.curves.query("endpoint == 'os' and weighting == 'crude' and "
                                    "arm == @arm_name")
        np.testing.assert_allclose(drawn["survival"], km["survival"], rtol=1e-12)
        own = rmst(mine["os_time_days"], mine["os_event"], 12 * DAYS_PER_MONTH)
        row = result.rmst.query("endpoint == 'os' and arm == @arm_name").iloc[0]
        assert math.isclose(row["rmst_months"] * DAYS_PER_MONTH, own.rmst, rel_tol=1e-12)
    difference = result.rmst.query("endpoint == 'os' and arm == 'difference'").iloc[0]
    by_arm = result.rmst.query("endpoint == 'os'").set_index("arm")["rmst_months"]
    assert math.isclose(difference["rmst_months"], by_arm["domestic"] - by_arm["imported"],
                        rel_tol=1e-9)
    # cumulative incidences end below one, relapse + NRM <= 1
    last = result.incidence.groupby(["arm", "cause"])["cif"].last().unstack()
    assert ((last["relapse"] + last["nrm"]) <= 1 + 1e-12).all()
    assert result.counts == {"imported": int((frame["arm"] == "imported").sum()),
                             "domestic": int((frame["arm"] == "domestic").sum())}
    run = [r for r in _runs(seeded) if r.id == result.run_id][0]
    assert run.kind == "comparison" and run.data_sha256 == data.data_sha256
    assert run.parameters["horizon_months"] == 12 and run.code_version


def test_competing_risks_use_the_cir_nrm_dataset(seeded: Engine) -> None:
    from registry.analysis import Endpoint, build_dataset

    with Session(seeded) as session:
        data = load_cohort(session=session, actor=ECONOMIST, definition=ALL, as_of=AS_OF)
        result = compare_products(session=session, actor=ECONOMIST, definition=ALL, data=data)
        cr = build_dataset(session=session, actor=ECONOMIST, endpoint=Endpoint.cir_nrm,
                           as_of=AS_OF)
    mine = cr[cr["episode_id"].isin(data.arm("domestic")["episode_id"])]
    expected = cumulative_incidence(mine["time"], mine["event"], 1)
    drawn = result.incidence.query("arm == 'domestic' and cause == 'relapse'")
    np.testing.assert_allclose(drawn["cif"], expected["cif"], rtol=1e-12)


def test_extrapolation_ranks_by_aic_and_curves_start_at_one(seeded: Engine) -> None:
    with Session(seeded) as session:
        result = extrapolate(session=session, actor=ECONOMIST, definition=ALL,
                             distributions=("exponential", "weibull", "cure_weibull"))
    for arm in ("imported", "domestic"):
        fits = result.fits[(result.fits["arm"] == arm) & result.fits["converged"]]
        assert result.best[arm] == fits.sort_values("aic").iloc[0]["distribution"]
        first = result.curves[result.curves["arm"] == arm].groupby("distribution").first()
        assert (first["survival"] > 0.99).all()
    with pytest.raises(InvalidInput):
        extrapolate(session=Session(seeded), actor=ECONOMIST, definition=ALL, endpoint="dfs")


def test_cost_summary_estimators_and_reproducible_bootstrap(seeded: Engine) -> None:
    with Session(seeded) as session:
        data = load_cohort(session=session, actor=ECONOMIST, definition=ALL, as_of=AS_OF)
        one = cost_summary(session=session, actor=ECONOMIST, definition=ALL, data=data,
                           n_boot=200, seed=5)
        two = cost_summary(session=session, actor=ECONOMIST, definition=ALL, data=data,
                           n_boot=200, seed=5)
        with pytest.raises(InvalidInput) as err:
            cost_summary(session=session, actor=ECONOMIST, definition=ALL, data=data,
                         horizon_years=14)
        assert err.value.errors[0].field == "horizon_years"
    table = one.estimates
    assert set(table["method"]) == {"naive-complete", "naive-all", "lin", "bang-tsiatis"}
    assert (table["lower"] <= table["estimate"]).all() and (
        table["estimate"] <= table["upper"]).all()
    assert table[["estimate", "lower", "upper"]].equals(two.estimates[["estimate", "lower",
                                                                       "upper"]])
    # every patient pays for the product: the mean exceeds the list price of the arm's product
    by = table.set_index(["arm", "method"])["estimate"]
    assert by[("imported", "bang-tsiatis")] > 39_000_000
    assert by[("domestic", "bang-tsiatis")] > 12_000_000
    assert one.breakdown.query("item == 'product_acquisition' and arm == 'imported'")[
        "mean_observed"].iloc[0] == pytest.approx(39_000_000)


def test_ipcw_weights_without_censoring_are_one() -> None:
    time = np.array([5.0, 10, 20, 400, 500])
    np.testing.assert_array_equal(ipcw_weights(time, np.array([1, 1, 1, 0, 0]), 365), 1.0)
    weights = ipcw_weights(np.array([5.0, 10, 20, 30]), np.array([1, 0, 1, 1]), 365)
    # one censoring at day 10 among 3 at risk after it: K = 2/3 for the later deaths
    np.testing.assert_allclose(weights, [1.0, 0.0, 1.5, 1.5])
    assert weights.sum() == pytest.approx(4.0)


def test_cost_effectiveness_is_consistent_and_reproducible(seeded: Engine) -> None:
    calls: list[tuple[int, int]] = []
    params = CEAParameters(n_boot=300, seed=3, horizon_years=10,
                           os_model={"imported": "weibull", "domestic": "weibull"},
                           pfs_model={"imported": "weibull", "domestic": "weibull"})
    with Session(seeded) as session:
        data = load_cohort(session=session, actor=ECONOMIST, definition=ALL, as_of=AS_OF)
        one = cost_effectiveness(session=session, actor=ECONOMIST, definition=ALL, data=data,
                                 parameters=params,
                                 on_progress=lambda done, total: calls.append((done, total)))
        two = cost_effectiveness(session=session, actor=ECONOMIST, definition=ALL, data=data,
                                 parameters=params)
        with pytest.raises(InvalidInput) as err:
            cost_effectiveness(session=session, actor=ECONOMIST, definition=ALL, data=data,
                               parameters=CEAParameters(rate=0.5, utility_progressed=2))
        assert {e.field for e in err.value.errors} == {"rate", "utility_progressed"}
        session.commit()
    arms = one.arms.set_index("arm")
    assert math.isclose(one.point.delta_cost, arms.at["domestic", "cost"]
                        - arms.at["imported", "cost"], rel_tol=1e-12)
    assert math.isclose(one.point.delta_effect, arms.at["domestic", "qaly"]
                        - arms.at["imported", "qaly"], rel_tol=1e-12)
    assert one.point.status in {"dominant", "dominated", "ICER", "no effect difference"}
    if one.point.status != "ICER":
        assert one.point.icer is None
    assert one.bootstrap.replicates.equals(two.bootstrap.replicates)
    assert calls and calls[-1] == (300, 300)
    assert math.isclose(sum(one.bootstrap.quadrant_shares.values()), 1.0)
    probabilities = one.acceptability["probability_cost_effective"].to_numpy()
    assert ((0 <= probabilities) & (probabilities <= 1)).all()
    run = [r for r in _runs(seeded) if r.id == one.run_id][0]
    assert run.kind == "cea" and run.parameters["n_boot"] == 300


def test_agreement_ledger_uses_registry_outcomes(seeded: Engine) -> None:
    from registry.analysis import survival_at
    from registry.economics import GERMANY_REBATE, SPAIN_KYMRIAH
    from registry.services.hta.budget import agreement_effect, ledger_outcomes

    with Session(seeded) as session:
        data = load_cohort(session=session, actor=ECONOMIST, definition=ALL, as_of=AS_OF)
        outcomes = ledger_outcomes(session, data, "imported")
        rebate = agreement_effect(session=session, actor=ECONOMIST, definition=ALL,
                                  agreement=GERMANY_REBATE, data=data)
        spain = agreement_effect(session=session, actor=ECONOMIST, definition=ALL,
                                 agreement=SPAIN_KYMRIAH, data=data)
    infused = data.arm("imported")[data.arm("imported")["infused"].astype(bool)]
    assert len(outcomes) == len(infused) and not set(outcomes.columns) & {
        "episode_id", "patient_id", "registry_id"}
    died = outcomes["death_day"].notna()
    assert (outcomes.loc[died, "death_day"] == outcomes.loc[died, "follow_up_days"]).all()
    assert (outcomes["progression_day"].dropna() <= outcomes["follow_up_days"].max()).all()
    assert set(outcomes.loc[outcomes["first_cr_day"].notna(), "best_response"]) <= {"CR"}
    # Germany: half the price back for deaths within a year; P(alive at 365) is the KM
    alive = survival_at(infused["os_time_days"], infused["os_event"], [365.0],
                        extend=True)["survival"].iloc[0]
    price = GERMANY_REBATE.price
    assert rebate.ledger.expected_paid_per_patient == pytest.approx(
        price - 0.5 * price * (1 - alive), rel=1e-9)
    assert spain.ledger.mean_cost_change < 0  # the 48% instalment is not always earned
    assert (spain.status_counts["patients"] > 0).all()


def test_programme_budget_arithmetic(seeded: Engine) -> None:
    from registry.services.hta.budget import programme_budget

    shares = [0.1, 0.2, 0.3, 0.4, 0.5]
    with Session(seeded) as session:
        data = load_cohort(session=session, actor=ECONOMIST, definition=ALL, as_of=AS_OF)
        result = programme_budget(session=session, actor=ECONOMIST, definition=ALL, data=data,
                                  domestic_share=shares, eligible_per_year=1000, uptake=0.5)
        with pytest.raises(InvalidInput) as err:
            programme_budget(session=session, actor=ECONOMIST, definition=ALL, data=data,
                             domestic_share=[0.1, 2.0])
        assert err.value.errors[0].field == "domestic_share"
    cost = result.cost_per_patient.set_index("arm")["first_year"]
    year1 = result.mix.by_year.set_index("year").at[1, "cost"]
    assert year1 == pytest.approx(500 * (0.1 * cost["domestic"] + 0.9 * cost["imported"]))
    reference1 = result.reference.by_year.set_index("year").at[1, "cost"]
    assert reference1 == pytest.approx(500 * cost["imported"])
    diff = result.comparison.query("scenario == 'mix'")["difference"].to_numpy()
    assert diff[0] == pytest.approx(year1 - reference1)


def test_an_agreement_changes_the_icer_by_its_expected_payments(seeded: Engine) -> None:
    from registry.economics import GERMANY_REBATE
    from registry.services.hta.budget import agreement_effect
    from registry.services.hta.cea import agreement_adjustment

    params = CEAParameters(n_boot=200, seed=2, horizon_years=10,
                           os_model={"imported": "weibull", "domestic": "weibull"},
                           pfs_model={"imported": "weibull", "domestic": "weibull"})
    with Session(seeded) as session:
        data = load_cohort(session=session, actor=ECONOMIST, definition=ALL, as_of=AS_OF)
        plain = cost_effectiveness(session=session, actor=ECONOMIST, definition=ALL, data=data,
                                   parameters=params)
        rebate = cost_effectiveness(session=session, actor=ECONOMIST, definition=ALL, data=data,
                                    parameters=params, agreements={"imported": GERMANY_REBATE})
        ledger = agreement_effect(session=session, actor=ECONOMIST, definition=ALL,
                                  agreement=GERMANY_REBATE, data=data).ledger
    shift = agreement_adjustment(ledger, params.rate)
    # a refund for deaths within a year, discounted to day 0: the payer pays less
    assert shift < 0 and shift > -0.5 * GERMANY_REBATE.price
    before = plain.arms.set_index("arm")
    after = rebate.arms.set_index("arm")
    infused = float(data.arm("imported")["infused"].astype(bool).mean())
    assert after.at["imported", "cost"] == pytest.approx(
        before.at["imported", "cost"] + shift * infused, rel=1e-12)
    assert after.at["domestic", "cost"] == pytest.approx(before.at["domestic", "cost"])
    assert rebate.point.delta_cost == pytest.approx(plain.point.delta_cost - shift * infused)
