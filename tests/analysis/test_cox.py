"""Cox regression against R's ``coxph`` (Efron and Breslow ties).

Tolerance: 1e-8 relative, the same as the other estimators. That works because ``cox_model``
takes the very iterations ``coxph`` takes (Newton-Raphson from 0, same stopping rule), so both
stop at the same, not fully converged, point; a fit run to full convergence would differ from
R's ``coef`` by up to about 1e-6 relative, the tolerance the lifelines cross-check uses.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from registry.analysis import ConvergenceError, ConvergenceWarning, CoxResult, cox_model
from tests.analysis.helpers import assert_matches_r, datasets, reference

COX_CASES = [(name, ties) for name in sorted(reference()["cox"]) for ties in ("efron", "breslow")]


@pytest.mark.parametrize(("name", "ties"), COX_CASES)
def test_cox_matches_coxph(name: str, ties: str) -> None:
    expected = reference()["cox"][name][ties]
    fit = cox_model(datasets()[name], "time", "status", expected["covariates"], ties=ties)  # type: ignore[arg-type]
    assert isinstance(fit, CoxResult)
    assert fit.summary.index.tolist() == expected["covariates"]
    assert list(fit.summary.columns) == ["coef", "hr", "se", "z", "p", "hr_lower", "hr_upper"]
    for column in ["coef", "se", "z", "p", "hr_lower", "hr_upper"]:
        assert_matches_r(fit.summary[column], expected[column], what=f"{name} {ties} {column}")
    assert_matches_r(fit.summary["hr"], np.exp(expected["coef"]))
    assert_matches_r(fit.covariance.to_numpy(), expected["variance"], what="variance")
    assert_matches_r(fit.loglik, expected["loglik"], what="loglik")
    assert_matches_r(fit.loglik_null, expected["loglik_null"], what="loglik null")
    assert_matches_r(fit.concordance, expected["concordance"], what="concordance")
    assert (fit.n, fit.n_events, fit.n_iter) == (
        expected["n"], expected["n_events"], expected["iter"]
    )


def test_efron_and_breslow_differ_with_ties() -> None:
    d = datasets()["lung"]
    efron = cox_model(d, "time", "status", ["x1", "x2"], ties="efron")
    breslow = cox_model(d, "time", "status", ["x1", "x2"], ties="breslow")
    assert not np.allclose(efron.summary["coef"], breslow.summary["coef"], rtol=1e-6)


def test_boolean_covariate_and_likelihood_ratio_test() -> None:
    d = datasets()["ties_small"].assign(flag=lambda f: f["x2"] == 1)
    a = cox_model(d, "time", "status", ["flag"])
    b = cox_model(d, "time", "status", ["x2"])
    assert a.summary["coef"].iloc[0] == pytest.approx(b.summary["coef"].iloc[0], rel=1e-12)
    assert a.lr_statistic == pytest.approx(2 * (a.loglik - a.loglik_null))
    assert 0 < a.lr_p_value < 1


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "t": [5, 8, 3, 9, 12, 4, 7, 10, 5, 8],
            "d": [1, 1, 1, 0, 1, 1, 0, 1, 1, 1],
            "x": [1, 0, 1, 0, 0, 1, 1, 0, 0, 1],
            "age": [60, 71, 55, 48, 66, 59, 70, 52, 61, 64],
        }
    )


def test_constant_covariate_is_rejected_with_its_name() -> None:
    with pytest.raises(ValueError, match=r"frame\['c'\]: is constant \(1.0\)"):
        cox_model(_frame().assign(c=1), "t", "d", ["x", "c"])


def test_missing_covariate_values_are_rejected() -> None:
    frame = _frame().astype({"age": float})
    frame.loc[2, "age"] = np.nan
    with pytest.raises(ValueError, match=r"frame\['age'\]: has 1 missing or infinite"):
        cox_model(frame, "t", "d", ["age"])


def test_text_covariate_is_rejected_with_a_hint() -> None:
    with pytest.raises(ValueError, match="get_dummies"):
        cox_model(_frame().assign(product="nmrc"), "t", "d", ["product"])


def test_unknown_column_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"frame: has no column\(s\) \['ecog'\]"):
        cox_model(_frame(), "t", "d", ["ecog"])


def test_no_events_is_rejected() -> None:
    with pytest.raises(ValueError, match="has no events"):
        cox_model(_frame().assign(d=0), "t", "d", ["x"])


def test_bad_ties_is_rejected() -> None:
    with pytest.raises(ValueError, match="ties: must be 'efron' or 'breslow'; got 'exact'"):
        cox_model(_frame(), "t", "d", ["x"], ties="exact")  # type: ignore[arg-type]


def test_collinear_covariates_raise_convergence_error() -> None:
    frame = _frame().assign(x_copy=lambda f: 2 * f["x"] + 1)
    with pytest.raises(ConvergenceError, match="not positive definite"):
        cox_model(frame, "t", "d", ["x", "x_copy"])


def test_separation_warns_that_the_coefficient_may_be_infinite() -> None:
    # every event has x = 1 before any x = 0 patient fails: monotone likelihood
    frame = pd.DataFrame(
        {
            "t": [1, 2, 3, 4, 5, 6, 7, 8],
            "d": [1, 1, 1, 0, 0, 0, 0, 0],
            "x": [1, 1, 1, 0, 0, 0, 1, 0],
        }
    )
    with pytest.warns(ConvergenceWarning, match="coefficient may be infinite"):
        fit = cox_model(frame, "t", "d", ["x"])
    assert fit.summary.loc["x", "coef"] > 5


def test_running_out_of_iterations_warns() -> None:
    with pytest.warns(ConvergenceWarning, match="did not converge in 1 iterations"):
        cox_model(datasets()["lung"], "time", "status", ["x1", "x2", "x3"], max_iter=1)


def test_well_posed_fit_emits_no_warning() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cox_model(datasets()["lung"], "time", "status", ["x1", "x2", "x3"])
