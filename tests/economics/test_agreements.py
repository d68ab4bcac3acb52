"""Agreements and milestones: validation naming the field, and the shipped templates."""

from __future__ import annotations

import dataclasses
import math

import pytest

from registry.economics import (
    GERMANY_REBATE,
    ITALY_STAGED,
    SPAIN_KYMRIAH,
    TEMPLATES,
    Agreement,
    Milestone,
)
from registry.errors import InvalidInput

M12 = Milestone("M12 alive", 365, "alive", 0.5)


def _field(exc: pytest.ExceptionInfo[InvalidInput]) -> str:
    return exc.value.errors[0].field


def test_spain_template_is_52_percent_upfront_and_48_at_18_months_on_sustained_cr() -> None:
    assert SPAIN_KYMRIAH.kind == "payment_on_success"
    assert SPAIN_KYMRIAH.upfront_share == 0.52
    (milestone,) = SPAIN_KYMRIAH.milestones
    assert (milestone.day, milestone.condition, milestone.share) == (547, "cr_sustained", 0.48)
    assert SPAIN_KYMRIAH.product_code == "KYMRIAH"


def test_italy_template_is_staged_at_infusion_6_and_12_months_and_states_its_assumption() -> None:
    assert [m.day for m in ITALY_STAGED.milestones] == [182, 365]
    assert {m.condition for m in ITALY_STAGED.milestones} == {"alive"}
    total = ITALY_STAGED.upfront_share + math.fsum(m.share for m in ITALY_STAGED.milestones)
    assert total == pytest.approx(1.0)
    assert "ASSUMED" in ITALY_STAGED.assumptions


def test_germany_template_refunds_on_death_and_marks_its_assumption() -> None:
    assert GERMANY_REBATE.kind == "refund_on_failure"
    assert GERMANY_REBATE.upfront_share == 1.0
    (milestone,) = GERMANY_REBATE.milestones
    assert (milestone.day, milestone.condition) == (365, "alive")
    assert "ASSUMED" in GERMANY_REBATE.assumptions and "365" in GERMANY_REBATE.assumptions
    assert set(TEMPLATES.values()) == {SPAIN_KYMRIAH, ITALY_STAGED, GERMANY_REBATE}


def test_a_template_can_take_another_price() -> None:
    cheaper = dataclasses.replace(SPAIN_KYMRIAH, price=30e6)
    assert cheaper.price == 30e6 and cheaper.milestones == SPAIN_KYMRIAH.milestones


def test_list_of_milestones_is_stored_as_a_tuple() -> None:
    a = Agreement("X", 1.0, 0.5, [M12], "payment_on_success")  # type: ignore[arg-type]
    assert a.milestones == (M12,)


@pytest.mark.parametrize(
    ("kwargs", "field", "message"),
    [
        ({"upfront_share": 0.4}, "milestones", "add up to 0.9"),
        ({"upfront_share": 0.6}, "milestones", "add up to 1.1"),
        ({"upfront_share": 1.2}, "upfront_share", "share in"),
        ({"price": 0.0}, "price", "> 0"),
        ({"price": float("nan")}, "price", "finite"),
        ({"product_code": " "}, "product_code", "product code"),
        ({"kind": "rebate"}, "kind", "payment_on_success"),
        ({"milestones": ()}, "milestones", "at least one"),
        ({"milestones": ("M6",)}, "milestones[0]", "Milestone"),
        ({"milestones": (M12, M12), "upfront_share": 0.0}, "milestones", "duplicate"),
    ],
)
def test_bad_agreements_name_the_field(kwargs: dict[str, object], field: str,
                                       message: str) -> None:
    args: dict[str, object] = {"product_code": "KYMRIAH", "price": 39e6, "upfront_share": 0.5,
                               "milestones": (M12,), "kind": "payment_on_success"} | kwargs
    with pytest.raises(InvalidInput, match=message) as exc:
        Agreement(**args)  # type: ignore[arg-type]
    assert _field(exc) == field


def test_refund_agreements_pay_in_full_upfront_and_refund_at_most_the_price() -> None:
    with pytest.raises(InvalidInput, match="full price") as exc:
        Agreement("X", 1.0, 0.5, (M12,), "refund_on_failure")
    assert _field(exc) == "upfront_share"
    with pytest.raises(InvalidInput, match="cannot exceed") as exc:
        Agreement("X", 1.0, 1.0, (M12, Milestone("M6 alive", 182, "alive", 0.6)),
                  "refund_on_failure")
    assert _field(exc) == "milestones"
    tiers = Agreement("X", 1.0, 1.0, (M12, Milestone("M6 alive", 182, "alive", 0.5)),
                      "refund_on_failure")
    assert len(tiers.milestones) == 2


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (("", 100, "alive", 0.5), "name"),
        (("M0", 0, "alive", 0.5), "day"),
        (("M6", float("inf"), "alive", 0.5), "day"),
        (("M6", 182, "in remission", 0.5), "condition"),
        (("M6", 182, "alive", 0.0), "share"),
        (("M6", 182, "alive", 1.5), "share"),
    ],
)
def test_bad_milestones_name_the_field(args: tuple[object, ...], field: str) -> None:
    with pytest.raises(InvalidInput) as exc:
        Milestone(*args)  # type: ignore[arg-type]
    assert _field(exc) == field
