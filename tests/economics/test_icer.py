"""ICER: every quadrant, the axes, and no negative ratio ever presented."""

from __future__ import annotations

import itertools

import pytest

import registry.economics as economics
from registry.economics import ICERResult, classify, icer
from registry.errors import InvalidInput


def test_dominant_new_option_is_cheaper_and_more_effective() -> None:
    res = icer(12e6, 2.0, 39e6, 1.5)
    assert isinstance(res, ICERResult)
    assert (res.status, res.quadrant, res.icer) == ("dominant", "south-east", None)
    assert res.delta_cost == -27e6
    assert res.delta_effect == pytest.approx(0.5)
    assert res.message.startswith("dominant")


def test_dominated_new_option_is_dearer_and_less_effective() -> None:
    res = icer(40e6, 1.0, 39e6, 1.5)
    assert (res.status, res.quadrant, res.icer) == ("dominated", "north-west", None)
    assert res.message.startswith("dominated")


def test_north_east_gives_cost_per_qaly_gained() -> None:
    res = icer(45e6, 2.5, 39e6, 1.5)
    assert (res.status, res.quadrant) == ("ICER", "north-east")
    assert res.icer == pytest.approx(6e6)
    assert "north-east" in res.message and "gained" in res.message


def test_south_west_gives_savings_per_qaly_lost_as_a_positive_ratio() -> None:
    res = icer(30e6, 1.0, 39e6, 1.5)
    assert (res.status, res.quadrant) == ("ICER", "south-west")
    assert res.icer == pytest.approx(18e6)
    assert "south-west" in res.message and "lost" in res.message


@pytest.mark.parametrize(
    ("cost_new", "word"), [(45e6, "more"), (30e6, "less"), (39e6, "no difference")]
)
def test_zero_effect_difference_reports_the_cost_difference_only(
    cost_new: float, word: str
) -> None:
    res = icer(cost_new, 1.5, 39e6, 1.5)
    assert (res.status, res.quadrant, res.icer) == ("no effect difference", "on the cost axis",
                                                    None)
    assert res.delta_cost == cost_new - 39e6
    assert word in res.message


@pytest.mark.parametrize(("effect_new", "status"), [(2.0, "dominant"), (1.0, "dominated")])
def test_zero_cost_difference_is_dominance_not_a_zero_ratio(
    effect_new: float, status: str
) -> None:
    res = icer(39e6, effect_new, 39e6, 1.5)
    assert res.status == status
    assert res.icer is None
    assert res.delta_cost == 0.0


def test_effect_tolerance_treats_tiny_differences_as_none() -> None:
    assert icer(40e6, 1.5 + 1e-12, 39e6, 1.5, effect_tolerance=1e-9).status == (
        "no effect difference"
    )
    assert icer(40e6, 1.5 + 1e-6, 39e6, 1.5, effect_tolerance=1e-9).status == "ICER"


def test_no_combination_presents_a_negative_icer() -> None:
    values = [-2.0, -1.0, 0.0, 1.0, 3.0]
    for dc, de in itertools.product(values, values):
        res = icer(10.0 + dc, 5.0 + de, 10.0, 5.0)
        assert (res.status, res.quadrant) == classify(dc, de)
        if res.status == "ICER":
            assert res.icer is not None and res.icer > 0
            assert res.icer == pytest.approx(dc / de)
        else:
            assert res.icer is None


@pytest.mark.parametrize(
    "field", ["cost_new", "effect_new", "cost_ref", "effect_ref"]
)
def test_non_finite_input_is_named(field: str) -> None:
    args = {"cost_new": 1.0, "effect_new": 1.0, "cost_ref": 1.0, "effect_ref": 1.0}
    args[field] = float("nan")
    with pytest.raises(InvalidInput) as exc:
        icer(**args)
    assert exc.value.errors[0].field == field


def test_package_exports_what_it_lists() -> None:
    for name in economics.__all__:
        assert hasattr(economics, name), name
