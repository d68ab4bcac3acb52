"""Budget impact: what the payer spends per year on CAR-T under uptake and market-share scenarios.

Each year ``eligible x uptake`` patients are treated, split between products by market share
(DESIGN.md section 7: 10,000 patients in need per year by default, 5-year horizon). A treated
patient costs the product's first-year cost in the year of treatment and its follow-up cost in
each later year of the horizon, optionally weighted by the share still in follow-up (alive).
Outcome-based agreements enter as an adjustment per treated patient by year since treatment
(e.g. :attr:`registry.economics.PaymentLedger.adjustment_by_year`: unpaid instalments and
refunds, negative for the payer). Patient numbers are expected values and are not rounded.

References
----------
.. [1] Sullivan SD, Mauskopf JA, Augustovski F, et al. Budget impact analysis - principles of
   good practice: report of the ISPOR 2012 Budget Impact Analysis Good Practice II Task Force.
   Value Health 2014;17:5-14.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from registry.economics import _checks
from registry.errors import InvalidInput

__all__ = ["BudgetImpactResult", "ProductCost", "budget_impact", "compare_budgets"]


@dataclass(frozen=True)
class ProductCost:
    """Payer cost of one treated patient, in RUB.

    Attributes
    ----------
    first_year : float
        Cost in the year of treatment (product price, apheresis, hospital stay, toxicity).
    follow_up_year : float, default 0.0
        Cost in each later year (IVIG, visits, subsequent therapy).
    follow_up_share : tuple of float, default ()
        Share of treated patients still incurring ``follow_up_year`` 1, 2, ... years after the
        year of treatment (e.g. overall survival at the start of each year); the last value is
        carried forward; empty means everyone.
    """

    first_year: float
    follow_up_year: float = 0.0
    follow_up_share: tuple[float, ...] = ()


@dataclass(frozen=True, eq=False)
class BudgetImpactResult:
    """Budget per year and product.

    Attributes
    ----------
    by_product : pandas.DataFrame
        One row per year (1-based) and product: ``year, product, eligible, patients_treated,
        patients_in_follow_up, first_year_cost, follow_up_cost, agreement_adjustment, cost``.
    by_year : pandas.DataFrame
        ``year, patients_treated, cost, cumulative_cost``.
    total : float
        Cost over the horizon.
    """

    by_product: pd.DataFrame
    by_year: pd.DataFrame
    total: float


def _product_cost(value: ProductCost | float, product: str) -> ProductCost:
    name = f"cost_per_patient[{product!r}]"
    if isinstance(value, ProductCost):
        shares = tuple(
            _checks.share(s, f"{name}.follow_up_share[{i}]")
            for i, s in enumerate(value.follow_up_share)
        )
        return ProductCost(
            _checks.non_negative(value.first_year, f"{name}.first_year"),
            _checks.non_negative(value.follow_up_year, f"{name}.follow_up_year"),
            shares,
        )
    return ProductCost(_checks.non_negative(value, name))


def _shares(market_share: Mapping[str, float | Sequence[float]],
            years: int) -> dict[str, list[float]]:
    if not isinstance(market_share, Mapping) or not market_share:
        raise InvalidInput.one(
            "market_share", 'must map each product to its share, e.g. {"domestic": 0.3, '
            '"imported": 0.7}'
        )
    out = {str(p): _checks.per_year(s, years, f"market_share[{p!r}]")
           for p, s in market_share.items()}
    for product, values in out.items():
        for i, value in enumerate(values):
            _checks.share(value, f"market_share[{product!r}][{i}]")
    for year in range(years):
        total = sum(values[year] for values in out.values())
        if abs(total - 1.0) > _checks.SHARE_TOLERANCE:
            raise InvalidInput.one(
                "market_share", f"adds up to {total:.6g} in year {year + 1}; the products' "
                "shares must add up to 1 each year"
            )
    return out


def budget_impact(
    *,
    eligible_per_year: float | Sequence[float] = 10_000,
    years: int = 5,
    uptake: float | Sequence[float],
    market_share: Mapping[str, float | Sequence[float]],
    cost_per_patient: Mapping[str, ProductCost | float],
    agreement_adjustment: Mapping[str, float | Sequence[float]] | None = None,
) -> BudgetImpactResult:
    """Payer budget per year and product over the horizon.

    Parameters
    ----------
    eligible_per_year : float or sequence of float, default 10000
        Patients in need each year (constant or one value per year), >= 0.
    years : int, default 5
        Horizon in years.
    uptake : float or sequence of float
        Share of eligible patients treated each year, in [0, 1].
    market_share : mapping of product to float or sequence of float
        Share of treated patients per product, constant or per year; adds up to 1 each year,
        e.g. ``{"domestic": [0.1, 0.2, 0.3, 0.4, 0.5], "imported": [0.9, ...]}``.
    cost_per_patient : mapping of product to ProductCost or float
        A float is a first-year cost with no follow-up cost. Every product with a share needs
        a cost.
    agreement_adjustment : mapping of product to float or sequence of float, optional
        RUB per treated patient added to the budget by year since treatment (index 0 = the
        year of treatment; a float applies to that year only); negative for instalments not
        paid and refunds. Adjustments falling after the horizon are left out.

    Returns
    -------
    BudgetImpactResult

    Raises
    ------
    registry.errors.InvalidInput
        For shares outside [0, 1] or not adding up to 1, a per-year list of the wrong
        length, negative counts or costs, or a product without a cost.

    Examples
    --------
    >>> res = budget_impact(eligible_per_year=100, years=2, uptake=[0.1, 0.2],
    ...                     market_share={"domestic": 0.5, "imported": 0.5},
    ...                     cost_per_patient={"domestic": 10.0, "imported": ProductCost(30.0, 5.0)})
    >>> res.by_year.cost.tolist()
    [200.0, 425.0]
    """
    n_years = _checks.positive_int(years, "years")
    eligible = _checks.per_year(eligible_per_year, n_years, "eligible_per_year")
    for i, value in enumerate(eligible):
        _checks.non_negative(value, f"eligible_per_year[{i}]")
    uptakes = _checks.per_year(uptake, n_years, "uptake")
    for i, value in enumerate(uptakes):
        _checks.share(value, f"uptake[{i}]")
    shares = _shares(market_share, n_years)
    if not isinstance(cost_per_patient, Mapping):
        raise InvalidInput.one("cost_per_patient", "must map each product to its cost")
    missing = [p for p in shares if p not in cost_per_patient]
    if missing:
        raise InvalidInput.one(
            "cost_per_patient", f"has no cost for product(s) {missing}; give one per product "
            "in market_share"
        )
    costs = {p: _product_cost(cost_per_patient[p], p) for p in shares}
    adjustments = _adjustments(agreement_adjustment, shares, n_years)

    treated_total = np.asarray(eligible) * np.asarray(uptakes)
    rows = []
    for product, product_shares in shares.items():
        cost = costs[product]
        follow = _follow_up_share(cost, n_years)
        adjust = adjustments[product]
        treated = treated_total * np.asarray(product_shares)
        for y in range(n_years):
            earlier = treated[:y][::-1]  # treated 1, 2, ... years before year y
            in_follow_up = float(np.dot(earlier, follow[1:y + 1]))
            agreement = float(np.dot(treated[:y + 1][::-1], adjust[:y + 1]))
            first = float(treated[y]) * cost.first_year
            follow_cost = in_follow_up * cost.follow_up_year
            rows.append((y + 1, product, eligible[y], float(treated[y]), in_follow_up, first,
                         follow_cost, agreement, first + follow_cost + agreement))
    by_product = pd.DataFrame(
        rows,
        columns=["year", "product", "eligible", "patients_treated", "patients_in_follow_up",
                 "first_year_cost", "follow_up_cost", "agreement_adjustment", "cost"],
    ).sort_values(["year", "product"], kind="stable", ignore_index=True)
    by_year = (by_product.groupby("year", as_index=False)[["patients_treated", "cost"]].sum())
    by_year["cumulative_cost"] = by_year["cost"].cumsum()
    return BudgetImpactResult(by_product, by_year, float(by_year["cost"].sum()))


def _follow_up_share(cost: ProductCost, years: int) -> np.ndarray:
    """Share in follow-up k years after treatment, k = 0..years-1 (k = 0 unused)."""
    out = np.ones(years)
    given = list(cost.follow_up_share)
    for k in range(1, years):
        if given:
            out[k] = given[min(k, len(given)) - 1]
    return out


def _adjustments(
    agreement_adjustment: Mapping[str, float | Sequence[float]] | None,
    shares: Mapping[str, list[float]],
    years: int,
) -> dict[str, np.ndarray]:
    out = {p: np.zeros(years) for p in shares}
    if agreement_adjustment is None:
        return out
    for product, value in agreement_adjustment.items():
        name = f"agreement_adjustment[{product!r}]"
        if product not in shares:
            raise InvalidInput.one(
                name, f"names a product without a market share; known: {sorted(shares)}"
            )
        if isinstance(value, str | bytes) or not (
            isinstance(value, Sequence | np.ndarray) or np.ndim(value) == 0
        ):
            raise InvalidInput.one(name, f"must be a number or one number per year; got {value!r}")
        values = [value] if np.ndim(value) == 0 else list(value)  # type: ignore[arg-type]
        if not values:
            raise InvalidInput.one(name, "is empty; give at least the year-of-treatment value")
        checked = [_checks.finite(v, f"{name}[{i}]") for i, v in enumerate(values)]
        kept = checked[:years]
        out[product][: len(kept)] = kept
    return out


def compare_budgets(
    scenarios: Mapping[str, BudgetImpactResult], reference: str
) -> pd.DataFrame:
    """Budget of each scenario per year against a reference scenario.

    Parameters
    ----------
    scenarios : mapping of name to BudgetImpactResult
        E.g. ``{"100% imported": ..., "domestic mix": ...}``, all over the same years.
    reference : str
        Name of the scenario the others are compared with.

    Returns
    -------
    pandas.DataFrame
        One row per scenario and year: ``scenario, year, cost, reference_cost, difference,
        cumulative_difference`` with ``difference = cost - reference_cost`` (negative:
        the scenario saves money).

    Raises
    ------
    registry.errors.InvalidInput
        For an unknown reference or scenarios over different years.

    Examples
    --------
    >>> a = budget_impact(years=1, uptake=0.01, market_share={"imported": 1.0},
    ...                   cost_per_patient={"imported": 39.0})
    >>> b = budget_impact(years=1, uptake=0.01, market_share={"imported": 0.5, "domestic": 0.5},
    ...                   cost_per_patient={"imported": 39.0, "domestic": 12.0})
    >>> compare_budgets({"imported": a, "mix": b}, "imported").difference.tolist()
    [0.0, -1350.0]
    """
    if reference not in scenarios:
        raise InvalidInput.one(
            "reference", f"is {reference!r}, not one of the scenarios {list(scenarios)}"
        )
    ref = scenarios[reference].by_year.set_index("year")["cost"]
    frames = []
    for name, result in scenarios.items():
        cost = result.by_year.set_index("year")["cost"]
        if not cost.index.equals(ref.index):
            raise InvalidInput.one(
                "scenarios", f"{name!r} covers years {cost.index.tolist()} but the reference "
                f"covers {ref.index.tolist()}; use the same horizon"
            )
        difference = cost - ref
        frames.append(pd.DataFrame({
            "scenario": name, "year": cost.index, "cost": cost.to_numpy(),
            "reference_cost": ref.to_numpy(), "difference": difference.to_numpy(),
            "cumulative_difference": difference.cumsum().to_numpy(),
        }))
    return pd.concat(frames, ignore_index=True)
