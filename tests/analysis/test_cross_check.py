"""Cross-checks against lifelines and scikit-survival on seeded random data.

The data have heavy ties (integer times) and heavy censoring (about 75%). Kaplan-Meier and
log-rank numbers agree to 1e-10; Cox coefficients to 1e-6, because lifelines and
scikit-survival stop their Newton iterations by their own rules (not R's), which leaves
differences around 1e-7.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test as lifelines_logrank
from lifelines.statistics import multivariate_logrank_test
from sksurv.linear_model import CoxPHSurvivalAnalysis
from sksurv.nonparametric import kaplan_meier_estimator
from sksurv.util import Surv

from registry.analysis import cox_model, kaplan_meier, logrank_test

SEEDS = [11, 12, 13]

# lifelines 0.30 calls pandas reductions positionally; not our code, not our warning
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:lifelines")


def _random_cohort(seed: int, n: int = 600) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "time": rng.integers(0, 80, n).astype(float),
            "event": (rng.random(n) < 0.25).astype(int),
            "group": rng.integers(0, 3, n),
            "x1": rng.normal(size=n).round(1),
            "x2": rng.integers(0, 2, n),
            "x3": rng.integers(0, 4, n),
        }
    )


@pytest.mark.parametrize("seed", SEEDS)
def test_kaplan_meier_equals_lifelines(seed: int) -> None:
    d = _random_cohort(seed)
    km = kaplan_meier(d["time"], d["event"], conf_type="log-log")
    kmf = KaplanMeierFitter().fit(d["time"], d["event"])
    theirs = kmf.survival_function_.iloc[:, 0].loc[km["time"]].to_numpy()
    np.testing.assert_allclose(km["survival"], theirs, rtol=1e-10, atol=0)
    # lifelines' "exponential Greenwood" interval is R's log-log; it reports 1 where R has NA
    defined = km["lower"].notna().to_numpy()
    bands = kmf.confidence_interval_.loc[km["time"]].to_numpy()
    np.testing.assert_allclose(km["lower"][defined], bands[defined, 0], rtol=1e-10)
    np.testing.assert_allclose(km["upper"][defined], bands[defined, 1], rtol=1e-10)


@pytest.mark.parametrize("seed", SEEDS)
def test_kaplan_meier_equals_scikit_survival(seed: int) -> None:
    d = _random_cohort(seed)
    km = kaplan_meier(d["time"], d["event"], conf_type="log-log")
    times, surv, (lower, upper) = kaplan_meier_estimator(
        d["event"].astype(bool), d["time"], conf_type="log-log"
    )
    np.testing.assert_array_equal(km["time"], times)
    np.testing.assert_allclose(km["survival"], surv, rtol=1e-10, atol=0)
    defined = km["lower"].notna().to_numpy()
    np.testing.assert_allclose(km["lower"][defined], lower[defined], rtol=1e-10)
    np.testing.assert_allclose(km["upper"][defined], upper[defined], rtol=1e-10)


@pytest.mark.parametrize("seed", SEEDS)
def test_two_group_logrank_equals_lifelines(seed: int) -> None:
    d = _random_cohort(seed)
    d = d[d["group"] < 2]
    a, b = d[d["group"] == 0], d[d["group"] == 1]
    theirs = lifelines_logrank(a["time"], b["time"], a["event"], b["event"])
    ours = logrank_test(d["time"], d["event"], d["group"])
    assert ours.statistic == pytest.approx(theirs.test_statistic, rel=1e-10)
    assert ours.p_value == pytest.approx(theirs.p_value, rel=1e-10)


@pytest.mark.parametrize("seed", SEEDS)
def test_three_group_logrank_equals_lifelines(seed: int) -> None:
    d = _random_cohort(seed)
    theirs = multivariate_logrank_test(d["time"], d["group"], d["event"])
    ours = logrank_test(d["time"], d["event"], d["group"])
    assert ours.statistic == pytest.approx(theirs.test_statistic, rel=1e-10)
    assert ours.df == theirs.degrees_of_freedom == 2


@pytest.mark.parametrize("seed", SEEDS)
def test_cox_efron_equals_lifelines(seed: int) -> None:
    d = _random_cohort(seed)
    covariates = ["x1", "x2", "x3"]
    ours = cox_model(d, "time", "event", covariates, ties="efron")
    theirs = CoxPHFitter().fit(d[["time", "event", *covariates]], "time", "event")
    np.testing.assert_allclose(ours.summary["coef"], theirs.params_[covariates], rtol=1e-6)
    np.testing.assert_allclose(
        ours.summary["se"], theirs.standard_errors_[covariates], rtol=1e-6
    )
    assert ours.loglik == pytest.approx(theirs.log_likelihood_, rel=1e-10)
    assert ours.concordance == pytest.approx(theirs.concordance_index_, rel=1e-6)


@pytest.mark.parametrize("ties", ["breslow", "efron"])
@pytest.mark.parametrize("seed", SEEDS)
def test_cox_equals_scikit_survival(seed: int, ties: str) -> None:
    d = _random_cohort(seed)
    covariates = ["x1", "x2", "x3"]
    ours = cox_model(d, "time", "event", covariates, ties=ties)  # type: ignore[arg-type]
    y = Surv.from_arrays(event=d["event"].astype(bool), time=d["time"])
    theirs = CoxPHSurvivalAnalysis(ties=ties).fit(d[covariates].to_numpy(float), y)
    np.testing.assert_allclose(ours.summary["coef"], theirs.coef_, rtol=1e-6)
