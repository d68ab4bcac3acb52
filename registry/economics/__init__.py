"""Health economics of CAR-T for the payer (DESIGN.md section 7): the pure computational core.

Numbers in, frozen dataclasses or tidy pandas DataFrames out; no database and no Streamlit.
Conventions: health-care payer perspective, costs in RUB, time in days from infusion (day 0),
a year of 365.25 days, costs and effects discounted from day 0 at an editable annual rate (5%
by default).

=======================================  ===============================================
:func:`discount_factor`                  discount factors, continuous or annual steps
:func:`discounted_life_years`            discounted area under a survival curve
:func:`partitioned_survival`             life-years, QALYs, occupancy, costs of one arm
:func:`icer`                             ICER, with dominance reported as such
:func:`bootstrap_icer`                   paired bootstrap within arms, quadrant shares
:func:`ceac`                             cost-effectiveness acceptability curve
:func:`net_monetary_benefit`             ``wtp * delta_effect - delta_cost``
:func:`budget_impact`                    payer budget per year and product
:func:`compare_budgets`                  scenario against reference, per year
:class:`Agreement`, :class:`Milestone`   outcome-based agreements (and three templates)
:func:`payment_ledger`                   who was paid, refunded or is pending; expected cost
=======================================  ===============================================

Bad input raises :class:`registry.errors.InvalidInput` naming the argument or field.
"""

from registry.economics.agreements import (
    AGREEMENT_KINDS,
    CONDITIONS,
    GERMANY_REBATE,
    ITALY_STAGED,
    SPAIN_KYMRIAH,
    TEMPLATES,
    Agreement,
    AgreementKind,
    Condition,
    Milestone,
)
from registry.economics.bootstrap import (
    QUADRANTS,
    BootstrapResult,
    Interval,
    bootstrap_icer,
    ceac,
    net_monetary_benefit,
)
from registry.economics.budget import (
    BudgetImpactResult,
    ProductCost,
    budget_impact,
    compare_budgets,
)
from registry.economics.curves import SurvivalCurve
from registry.economics.discounting import (
    DAYS_PER_YEAR,
    DEFAULT_RATE,
    DiscountMethod,
    discount_factor,
    discounted_interval_years,
    discounted_life_years,
)
from registry.economics.icer import ICERResult, IcerStatus, Quadrant, classify, icer
from registry.economics.ledger import (
    CR_CODES,
    OUTCOME_COLUMNS,
    LedgerStatus,
    PaymentLedger,
    payment_ledger,
)
from registry.economics.psm import (
    STATES,
    OneOffCost,
    PartitionedSurvivalResult,
    partitioned_survival,
)

__all__ = [
    "AGREEMENT_KINDS",
    "CONDITIONS",
    "CR_CODES",
    "DAYS_PER_YEAR",
    "DEFAULT_RATE",
    "GERMANY_REBATE",
    "ITALY_STAGED",
    "OUTCOME_COLUMNS",
    "QUADRANTS",
    "SPAIN_KYMRIAH",
    "STATES",
    "TEMPLATES",
    "Agreement",
    "AgreementKind",
    "BootstrapResult",
    "BudgetImpactResult",
    "Condition",
    "DiscountMethod",
    "ICERResult",
    "IcerStatus",
    "Interval",
    "LedgerStatus",
    "Milestone",
    "OneOffCost",
    "PartitionedSurvivalResult",
    "PaymentLedger",
    "ProductCost",
    "Quadrant",
    "SurvivalCurve",
    "bootstrap_icer",
    "budget_impact",
    "ceac",
    "classify",
    "compare_budgets",
    "discount_factor",
    "discounted_interval_years",
    "discounted_life_years",
    "icer",
    "net_monetary_benefit",
    "partitioned_survival",
    "payment_ledger",
]
