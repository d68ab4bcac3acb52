"""Survival and outcome statistics for the registry (DESIGN.md section 6).

Plain numpy arrays (or pandas columns) in; tidy pandas DataFrames or frozen dataclasses out. No
Streamlit and no database: services build the arrays, pages draw the results. Every estimator
is checked against R (``survival``, ``cmprsk``, ``binom.test``) by the fixtures in
``tests/fixtures/`` and the script that made them.

=====================================  ===============================================
:func:`kaplan_meier`                   Kaplan-Meier curve, Greenwood CI (R ``survfit``)
:func:`median_survival`                median with CI (R ``print.survfit``)
:func:`survival_at`                    landmark survival (R ``summary(fit, times=)``)
:func:`number_at_risk`                 numbers at risk under a curve
:func:`reverse_km_median_followup`     median follow-up, reverse Kaplan-Meier
:func:`logrank_test`                   log-rank test, 2+ groups (R ``survdiff``)
:func:`cox_model`                      Cox model, Efron/Breslow (R ``coxph``)
:func:`cumulative_incidence`           Aalen-Johansen CIF (``cmprsk::cuminc``)
:func:`rmst`, :func:`rmst_difference`  restricted mean survival time (R ``rmean``)
:func:`exact_ci`                       Clopper-Pearson CI (R ``binom.test``)
:func:`fit_parametric`, :func:`fit_all`  parametric and mixture-cure models (R ``survreg``)
:func:`lin_mean_cost`, ...             mean cost under censoring (Lin 1997, Bang-Tsiatis 2000)
:func:`propensity_scores`, ...         IPTW weights, balance, weighted KM (R ``glm``, ``survfit``)
=====================================  ===============================================

Bad input raises :class:`registry.errors.InvalidInput` (a ``ValueError``) naming the argument;
soft problems warn with :class:`StatisticalWarning` or :class:`ConvergenceWarning`.
"""

from registry.analysis.competing_risks import cumulative_incidence
from registry.analysis.costs import (
    MeanCostResult,
    bang_tsiatis_mean_cost,
    bootstrap_mean_cost,
    lin_mean_cost,
    naive_mean_cost,
    partition_costs,
)
from registry.analysis.cox import CoxResult, cox_model
from registry.analysis.datasets import DATASET_COLUMNS, AlloHsct, Endpoint, Origin, build_dataset
from registry.analysis.exceptions import ConvergenceError, ConvergenceWarning, StatisticalWarning
from registry.analysis.parametric import ALL as PARAMETRIC_DISTRIBUTIONS
from registry.analysis.parametric import ParametricFit, fit_all, fit_parametric, parametric_loglik
from registry.analysis.proportions import Proportion, exact_ci
from registry.analysis.rmst import RMSTDifference, RMSTResult, rmst, rmst_difference
from registry.analysis.survival import (
    LogRankResult,
    MedianSurvival,
    kaplan_meier,
    logrank_test,
    median_survival,
    number_at_risk,
    reverse_km_median_followup,
    survival_at,
)
from registry.analysis.weighting import (
    PropensityModel,
    balance_table,
    iptw_weights,
    propensity_scores,
    weighted_kaplan_meier,
)

__all__ = [
    "AlloHsct",
    "ConvergenceError",
    "ConvergenceWarning",
    "CoxResult",
    "DATASET_COLUMNS",
    "Endpoint",
    "LogRankResult",
    "MeanCostResult",
    "MedianSurvival",
    "Origin",
    "PARAMETRIC_DISTRIBUTIONS",
    "ParametricFit",
    "PropensityModel",
    "Proportion",
    "RMSTDifference",
    "RMSTResult",
    "StatisticalWarning",
    "balance_table",
    "bang_tsiatis_mean_cost",
    "bootstrap_mean_cost",
    "build_dataset",
    "cox_model",
    "cumulative_incidence",
    "exact_ci",
    "fit_all",
    "fit_parametric",
    "iptw_weights",
    "kaplan_meier",
    "lin_mean_cost",
    "logrank_test",
    "median_survival",
    "naive_mean_cost",
    "number_at_risk",
    "parametric_loglik",
    "partition_costs",
    "propensity_scores",
    "reverse_km_median_followup",
    "rmst",
    "rmst_difference",
    "survival_at",
    "weighted_kaplan_meier",
]
