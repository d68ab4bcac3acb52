"""Budget impact arithmetic by hand, scenario comparison and validation."""

from __future__ import annotations

import pytest

from registry.economics import BudgetImpactResult, ProductCost, budget_impact, compare_budgets
from registry.errors import InvalidInput


def test_small_case_by_hand() -> None:
    res = budget_impact(
        eligible_per_year=[100, 200, 200],
        years=3,
        uptake=[0.1, 0.1, 0.2],
        market_share={"domestic": [0.5, 0.25, 0.0], "imported": [0.5, 0.75, 1.0]},
        cost_per_patient={
            "domestic": ProductCost(first_year=12.0, follow_up_year=1.0,
                                    follow_up_share=(0.5, 0.25)),
            "imported": 39.0,
        },
    )
    assert isinstance(res, BudgetImpactResult)
    # treated: 10, 20, 40; domestic 5, 5, 0; imported 5, 15, 40
    dom = res.by_product[res.by_product["product"] == "domestic"].set_index("year")
    imp = res.by_product[res.by_product["product"] == "imported"].set_index("year")
    assert dom["patients_treated"].tolist() == [5.0, 5.0, 0.0]
    assert imp["patients_treated"].tolist() == [5.0, 15.0, 40.0]
    # domestic follow-up: year 2 = 5 * 0.5; year 3 = 5 * 0.5 (year-2 cohort) + 5 * 0.25
    assert dom["patients_in_follow_up"].tolist() == [0.0, 2.5, 3.75]
    assert dom["cost"].tolist() == [60.0, 60.0 + 2.5, 3.75]
    assert imp["cost"].tolist() == [195.0, 585.0, 1560.0]
    assert res.by_year["cost"].tolist() == [255.0, 647.5, 1563.75]
    assert res.by_year["cumulative_cost"].tolist() == [255.0, 902.5, 2466.25]
    assert res.total == 2466.25
    assert list(res.by_product.columns) == [
        "year", "product", "eligible", "patients_treated", "patients_in_follow_up",
        "first_year_cost", "follow_up_cost", "agreement_adjustment", "cost",
    ]


def test_agreement_adjustment_by_year_since_treatment() -> None:
    # 100 imported patients a year at 40; agreement: -20 in the treatment year, +10 the next
    res = budget_impact(eligible_per_year=1000, years=3, uptake=0.1,
                        market_share={"imported": 1.0}, cost_per_patient={"imported": 40.0},
                        agreement_adjustment={"imported": [-20.0, 10.0, 0.0, 99.0]})
    assert res.by_product["agreement_adjustment"].tolist() == [-2000.0, -1000.0, -1000.0]
    assert res.by_year["cost"].tolist() == [2000.0, 3000.0, 3000.0]
    scalar = budget_impact(eligible_per_year=1000, years=2, uptake=0.1,
                           market_share={"imported": 1.0}, cost_per_patient={"imported": 40.0},
                           agreement_adjustment={"imported": -5.0})
    assert scalar.by_year["cost"].tolist() == [3500.0, 3500.0]


def test_default_population_and_scenario_comparison() -> None:
    costs = {"imported": 39e6, "domestic": 12e6}
    imported = budget_impact(uptake=0.01, market_share={"imported": 1.0, "domestic": 0.0},
                             cost_per_patient=costs)
    mix = budget_impact(uptake=0.01, market_share={"imported": 0.4, "domestic": 0.6},
                        cost_per_patient=costs)
    assert imported.by_year["patients_treated"].tolist() == [100.0] * 5  # 10,000 x 1%
    table = compare_budgets({"100% imported": imported, "mix": mix}, "100% imported")
    mix_rows = table[table["scenario"] == "mix"]
    per_year = 100 * (0.4 * 39e6 + 0.6 * 12e6) - 100 * 39e6
    assert mix_rows["difference"].tolist() == pytest.approx([per_year] * 5)
    assert mix_rows["cumulative_difference"].iloc[-1] == pytest.approx(5 * per_year)
    assert (table[table["scenario"] == "100% imported"]["difference"] == 0).all()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"market_share": {"domestic": 0.3, "imported": 0.6}}, "market_share"),
        ({"market_share": {"domestic": 1.2, "imported": -0.2}}, "market_share['domestic'][0]"),
        ({"uptake": [0.1, 0.2]}, "uptake"),
        ({"uptake": 1.5}, "uptake[0]"),
        ({"eligible_per_year": -1}, "eligible_per_year[0]"),
        ({"years": 0}, "years"),
        ({"cost_per_patient": {"domestic": 1.0}}, "cost_per_patient"),
        ({"cost_per_patient": {"domestic": 1.0, "imported": -3.0}},
         "cost_per_patient['imported']"),
        ({"agreement_adjustment": {"other": 1.0}}, "agreement_adjustment['other']"),
    ],
)
def test_bad_inputs_are_named(change: dict[str, object], field: str) -> None:
    args: dict[str, object] = {
        "years": 3, "uptake": 0.1, "market_share": {"domestic": 0.3, "imported": 0.7},
        "cost_per_patient": {"domestic": 1.0, "imported": 2.0},
    } | change
    with pytest.raises(InvalidInput) as exc:
        budget_impact(**args)  # type: ignore[arg-type]
    assert exc.value.errors[0].field == field


def test_comparison_needs_a_known_reference_and_equal_horizons() -> None:
    one = budget_impact(years=1, uptake=0.1, market_share={"a": 1.0}, cost_per_patient={"a": 1})
    two = budget_impact(years=2, uptake=0.1, market_share={"a": 1.0}, cost_per_patient={"a": 1})
    with pytest.raises(InvalidInput) as exc:
        compare_budgets({"one": one}, "two")
    assert exc.value.errors[0].field == "reference"
    with pytest.raises(InvalidInput) as exc:
        compare_budgets({"one": one, "two": two}, "one")
    assert exc.value.errors[0].field == "scenarios"
