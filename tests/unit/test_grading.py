"""Table-driven tests of the ASTCT 2019 CRS / ICE / ICANS calculators (registry.grading)."""

from __future__ import annotations

import dataclasses
import doctest
from typing import Any

import pytest

import registry.grading
from registry.grading import (
    CrsSigns,
    IcansSigns,
    IceItems,
    crs_grade,
    icans_grade,
    ice_score,
)
from registry.models.enums import (
    Consciousness,
    Hypotension,
    MotorFinding,
    OxygenSupport,
    RaisedIcp,
    Seizure,
)

# ---- CRS ----------------------------------------------------------------------------------------

FEVER = 38.5

CRS_CASES: list[tuple[str, CrsSigns, int]] = [
    # fever boundary
    ("no-temperature", CrsSigns(max_temperature_c=None), 0),
    ("afebrile-36.8", CrsSigns(max_temperature_c=36.8), 0),
    ("37.9-not-fever", CrsSigns(max_temperature_c=37.9), 0),
    ("37.99-not-fever-no-rounding", CrsSigns(max_temperature_c=37.99), 0),
    ("38.0-fever-grade1", CrsSigns(max_temperature_c=38.0), 1),
    ("integer-38-fever", CrsSigns(max_temperature_c=38), 1),
    ("40.5-fever-only-grade1", CrsSigns(max_temperature_c=40.5), 1),
    # masked fever
    ("masked-no-temp-no-organ-grade1", CrsSigns(max_temperature_c=None, fever_masked=True), 1),
    ("masked-37.0-no-organ-grade1", CrsSigns(max_temperature_c=37.0, fever_masked=True), 1),
    (
        "masked-37.0-one-vasopressor-grade3",
        CrsSigns(
            max_temperature_c=37.0, fever_masked=True, hypotension=Hypotension.one_vasopressor
        ),
        3,
    ),
    (
        "masked-no-temp-positive-pressure-grade4",
        CrsSigns(max_temperature_c=None, fever_masked=True, oxygen=OxygenSupport.positive_pressure),
        4,
    ),
    # each hypotension level, with fever
    ("fever-hypotension-none", CrsSigns(FEVER, hypotension=Hypotension.none), 1),
    (
        "fever-hypotension-no-vasopressor",
        CrsSigns(FEVER, hypotension=Hypotension.no_vasopressor),
        2,
    ),
    (
        "fever-hypotension-one-vasopressor",
        CrsSigns(FEVER, hypotension=Hypotension.one_vasopressor),
        3,
    ),
    (
        "fever-hypotension-multiple-vasopressors",
        CrsSigns(FEVER, hypotension=Hypotension.multiple_vasopressors),
        4,
    ),
    # each oxygen level, with fever
    ("fever-oxygen-none", CrsSigns(FEVER, oxygen=OxygenSupport.none), 1),
    ("fever-oxygen-low-flow", CrsSigns(FEVER, oxygen=OxygenSupport.low_flow), 2),
    ("fever-oxygen-high-flow", CrsSigns(FEVER, oxygen=OxygenSupport.high_flow), 3),
    ("fever-oxygen-positive-pressure", CrsSigns(FEVER, oxygen=OxygenSupport.positive_pressure), 4),
    # no fever, not masked: not CRS whatever the organ support
    (
        "no-fever-hypotension-multiple",
        CrsSigns(37.5, hypotension=Hypotension.multiple_vasopressors),
        0,
    ),
    ("no-fever-positive-pressure", CrsSigns(37.5, oxygen=OxygenSupport.positive_pressure), 0),
    ("no-temp-low-flow", CrsSigns(None, oxygen=OxygenSupport.low_flow), 0),
    ("37.9-no-vasopressor", CrsSigns(37.9, hypotension=Hypotension.no_vasopressor), 0),
    ("38.0-no-vasopressor", CrsSigns(38.0, hypotension=Hypotension.no_vasopressor), 2),
    # worse of hypotension and hypoxia, both ways
    (
        "worse-is-hypotension-3-over-oxygen-2",
        CrsSigns(FEVER, hypotension=Hypotension.one_vasopressor, oxygen=OxygenSupport.low_flow),
        3,
    ),
    (
        "worse-is-oxygen-4-over-hypotension-2",
        CrsSigns(
            FEVER, hypotension=Hypotension.no_vasopressor, oxygen=OxygenSupport.positive_pressure
        ),
        4,
    ),
    (
        "worse-is-hypotension-4-over-oxygen-3",
        CrsSigns(
            FEVER, hypotension=Hypotension.multiple_vasopressors, oxygen=OxygenSupport.high_flow
        ),
        4,
    ),
    (
        "worse-is-oxygen-3-over-hypotension-2",
        CrsSigns(FEVER, hypotension=Hypotension.no_vasopressor, oxygen=OxygenSupport.high_flow),
        3,
    ),
    (
        "equal-both-2",
        CrsSigns(FEVER, hypotension=Hypotension.no_vasopressor, oxygen=OxygenSupport.low_flow),
        2,
    ),
    # fatal
    ("fatal-with-fever", CrsSigns(FEVER, fatal=True), 5),
    (
        "fatal-with-grade4-signs",
        CrsSigns(
            FEVER,
            hypotension=Hypotension.multiple_vasopressors,
            oxygen=OxygenSupport.positive_pressure,
            fatal=True,
        ),
        5,
    ),
    ("fatal-without-recorded-fever", CrsSigns(None, fatal=True), 5),
]


@pytest.mark.parametrize(
    ("signs", "expected"), [(s, g) for _, s, g in CRS_CASES], ids=[i for i, _, _ in CRS_CASES]
)
def test_crs_grade(signs: CrsSigns, expected: int) -> None:
    assert crs_grade(signs) == expected


CRS_INVALID: list[tuple[str, dict[str, Any], str]] = [
    ("temperature-fahrenheit", {"max_temperature_c": 101.3}, "max_temperature_c"),
    ("temperature-too-low", {"max_temperature_c": 20.0}, "max_temperature_c"),
    ("temperature-nan", {"max_temperature_c": float("nan")}, "max_temperature_c"),
    ("temperature-inf", {"max_temperature_c": float("inf")}, "max_temperature_c"),
    ("temperature-string", {"max_temperature_c": "38.5"}, "max_temperature_c"),
    ("temperature-bool", {"max_temperature_c": True}, "max_temperature_c"),
    ("fever-masked-string", {"max_temperature_c": 38.5, "fever_masked": "yes"}, "fever_masked"),
    ("fever-masked-int", {"max_temperature_c": 38.5, "fever_masked": 1}, "fever_masked"),
    (
        "hypotension-raw-string",
        {"max_temperature_c": 38.5, "hypotension": "one_vasopressor"},
        "hypotension",
    ),
    (
        "hypotension-wrong-enum",
        {"max_temperature_c": 38.5, "hypotension": OxygenSupport.none},
        "hypotension",
    ),
    ("oxygen-raw-string", {"max_temperature_c": 38.5, "oxygen": "low_flow"}, "oxygen"),
    ("oxygen-none-python", {"max_temperature_c": 38.5, "oxygen": None}, "oxygen"),
    ("fatal-none", {"max_temperature_c": 38.5, "fatal": None}, "fatal"),
]


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [(k, f) for _, k, f in CRS_INVALID],
    ids=[i for i, _, _ in CRS_INVALID],
)
def test_crs_signs_invalid(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field) as excinfo:
        CrsSigns(**kwargs)
    bad = next(v for k, v in kwargs.items() if k == field)
    assert repr(bad) in str(excinfo.value)


def test_crs_grade_revalidates_tampered_signs() -> None:
    signs = CrsSigns(38.5)
    object.__setattr__(signs, "oxygen", "positive_pressure")
    with pytest.raises(ValueError, match="oxygen must be a OxygenSupport member"):
        crs_grade(signs)


def test_crs_grade_rejects_wrong_argument_type() -> None:
    with pytest.raises(TypeError, match="CrsSigns"):
        crs_grade({"max_temperature_c": 38.5})  # type: ignore[arg-type]


def test_crs_signs_is_frozen() -> None:
    signs = CrsSigns(38.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        signs.fatal = True  # type: ignore[misc]


# ---- ICE score ----------------------------------------------------------------------------------

ICE_FULL: dict[str, int] = {
    "orientation": 4,
    "naming": 3,
    "following_commands": 1,
    "writing": 1,
    "attention": 1,
}
ICE_ZERO: dict[str, int] = dict.fromkeys(ICE_FULL, 0)

# each item at its min (others full) and at its max (others zero)
ICE_ITEM_CASES: list[tuple[str, dict[str, int], int]] = [
    *((f"{item}-min", {**ICE_FULL, item: 0}, 10 - high) for item, high in ICE_FULL.items()),
    *((f"{item}-max", {**ICE_ZERO, item: high}, high) for item, high in ICE_FULL.items()),
]

ICE_TOTAL_CASES: list[tuple[str, dict[str, int], int]] = [
    ("total-0", ICE_ZERO, 0),
    ("total-2", {**ICE_ZERO, "orientation": 2}, 2),
    ("total-3", {**ICE_ZERO, "naming": 3}, 3),
    ("total-6", {**ICE_ZERO, "orientation": 4, "writing": 1, "attention": 1}, 6),
    ("total-7", {**ICE_ZERO, "orientation": 4, "naming": 3}, 7),
    ("total-9", {**ICE_FULL, "naming": 2}, 9),
    ("total-10", ICE_FULL, 10),
]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [(k, s) for _, k, s in ICE_ITEM_CASES + ICE_TOTAL_CASES],
    ids=[i for i, _, _ in ICE_ITEM_CASES + ICE_TOTAL_CASES],
)
def test_ice_score(kwargs: dict[str, int], expected: int) -> None:
    assert ice_score(IceItems(**kwargs)) == expected


ICE_INVALID: list[tuple[str, str, object, str]] = [
    *(
        (f"{item}-above-max", item, high + 1, f"{item} must be 0..{high}, got {high + 1}")
        for item, high in ICE_FULL.items()
    ),
    *(
        (f"{item}-negative", item, -1, f"{item} must be 0..{high}, got -1")
        for item, high in ICE_FULL.items()
    ),
    ("orientation-float", "orientation", 3.0, "orientation must be 0..4, got 3.0"),
    ("naming-string", "naming", "3", "naming must be 0..3, got '3'"),
    ("writing-bool", "writing", True, "writing must be 0..1, got True"),
    ("attention-none", "attention", None, "attention must be 0..1, got None"),
]


@pytest.mark.parametrize(
    ("item", "value", "message"),
    [(it, v, m) for _, it, v, m in ICE_INVALID],
    ids=[i for i, _, _, _ in ICE_INVALID],
)
def test_ice_items_invalid(item: str, value: object, message: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        IceItems(**{**ICE_FULL, item: value})  # type: ignore[arg-type]
    assert str(excinfo.value) == message


def test_ice_score_revalidates_tampered_items() -> None:
    items = IceItems(**ICE_FULL)
    object.__setattr__(items, "orientation", 5)
    with pytest.raises(ValueError, match="orientation must be 0..4, got 5"):
        ice_score(items)


def test_ice_score_rejects_wrong_argument_type() -> None:
    with pytest.raises(TypeError, match="IceItems"):
        ice_score(ICE_FULL)  # type: ignore[arg-type]


# ---- ICANS --------------------------------------------------------------------------------------

ICANS_CASES: list[tuple[str, IcansSigns, int]] = [
    # ICE boundaries, everything else normal
    ("ice-10", IcansSigns(ice=10), 0),
    ("ice-9", IcansSigns(ice=9), 1),
    ("ice-7", IcansSigns(ice=7), 1),
    ("ice-6", IcansSigns(ice=6), 2),
    ("ice-3", IcansSigns(ice=3), 2),
    ("ice-2", IcansSigns(ice=2), 3),
    ("ice-0-awake-global-aphasia", IcansSigns(ice=0), 3),
    ("ice-0-unarousable", IcansSigns(ice=0, consciousness=Consciousness.unarousable), 4),
    ("ice-none-all-normal", IcansSigns(ice=None), 0),
    # consciousness alone
    ("consciousness-awake", IcansSigns(ice=10, consciousness=Consciousness.awake), 0),
    ("consciousness-to-voice", IcansSigns(ice=10, consciousness=Consciousness.awakens_to_voice), 2),
    ("consciousness-to-touch", IcansSigns(ice=10, consciousness=Consciousness.awakens_to_touch), 3),
    ("consciousness-unarousable", IcansSigns(ice=10, consciousness=Consciousness.unarousable), 4),
    # seizure alone
    ("seizure-none", IcansSigns(ice=10, seizure=Seizure.none), 0),
    ("seizure-rapid-resolving", IcansSigns(ice=10, seizure=Seizure.rapid_resolving), 3),
    ("seizure-prolonged", IcansSigns(ice=10, seizure=Seizure.prolonged_or_repetitive), 4),
    # motor alone
    ("motor-none", IcansSigns(ice=10, motor=MotorFinding.none), 0),
    ("motor-deep-focal-weakness", IcansSigns(ice=10, motor=MotorFinding.deep_focal_weakness), 4),
    # raised ICP alone
    ("icp-none", IcansSigns(ice=10, raised_icp=RaisedIcp.none), 0),
    ("icp-focal-oedema", IcansSigns(ice=10, raised_icp=RaisedIcp.focal_oedema), 3),
    ("icp-diffuse-oedema", IcansSigns(ice=10, raised_icp=RaisedIcp.diffuse_oedema), 4),
    # ICE not assessable: other domains still grade
    ("ice-none-to-voice", IcansSigns(ice=None, consciousness=Consciousness.awakens_to_voice), 2),
    ("ice-none-to-touch", IcansSigns(ice=None, consciousness=Consciousness.awakens_to_touch), 3),
    ("ice-none-unarousable", IcansSigns(ice=None, consciousness=Consciousness.unarousable), 4),
    ("ice-none-seizure-rapid", IcansSigns(ice=None, seizure=Seizure.rapid_resolving), 3),
    ("ice-none-focal-oedema", IcansSigns(ice=None, raised_icp=RaisedIcp.focal_oedema), 3),
    ("ice-none-motor", IcansSigns(ice=None, motor=MotorFinding.deep_focal_weakness), 4),
    # most severe domain wins
    ("ice-3-with-seizure-is-3", IcansSigns(ice=3, seizure=Seizure.rapid_resolving), 3),
    ("ice-8-to-voice-is-2", IcansSigns(ice=8, consciousness=Consciousness.awakens_to_voice), 2),
    ("ice-2-to-voice-is-3", IcansSigns(ice=2, consciousness=Consciousness.awakens_to_voice), 3),
    ("ice-9-diffuse-oedema-is-4", IcansSigns(ice=9, raised_icp=RaisedIcp.diffuse_oedema), 4),
    (
        "ice-5-focal-oedema-prolonged-seizure-is-4",
        IcansSigns(
            ice=5, raised_icp=RaisedIcp.focal_oedema, seizure=Seizure.prolonged_or_repetitive
        ),
        4,
    ),
    (
        "ice-1-to-touch-rapid-seizure-focal-is-3",
        IcansSigns(
            ice=1,
            consciousness=Consciousness.awakens_to_touch,
            seizure=Seizure.rapid_resolving,
            raised_icp=RaisedIcp.focal_oedema,
        ),
        3,
    ),
    # fatal
    ("fatal-ice-10", IcansSigns(ice=10, fatal=True), 5),
    ("fatal-ice-none", IcansSigns(ice=None, fatal=True), 5),
    (
        "fatal-with-grade4-signs",
        IcansSigns(ice=0, consciousness=Consciousness.unarousable, fatal=True),
        5,
    ),
    # adults with age recorded
    ("age-12-uses-ice", IcansSigns(ice=8, age_years=12), 1),
    ("age-65-uses-ice", IcansSigns(ice=2, age_years=65), 3),
    # children under 12: CAPD
    ("child-capd-0", IcansSigns(ice=None, age_years=6, capd=0), 0),
    ("child-capd-1", IcansSigns(ice=None, age_years=6, capd=1), 1),
    ("child-capd-8", IcansSigns(ice=None, age_years=6, capd=8), 1),
    ("child-capd-9", IcansSigns(ice=None, age_years=6, capd=9), 3),
    ("child-capd-32", IcansSigns(ice=None, age_years=6, capd=32), 3),
    (
        "child-capd-5-to-voice-is-2",
        IcansSigns(ice=None, age_years=6, capd=5, consciousness=Consciousness.awakens_to_voice),
        2,
    ),
    (
        "child-unable-capd-unarousable-is-4",
        IcansSigns(ice=None, age_years=3, capd=None, consciousness=Consciousness.unarousable),
        4,
    ),
    (
        "child-capd-none-seizure",
        IcansSigns(ice=None, age_years=11, seizure=Seizure.rapid_resolving),
        3,
    ),
    ("older-developmental-delay-capd", IcansSigns(ice=None, age_years=15, capd=10), 3),
    ("capd-without-age", IcansSigns(ice=None, capd=4), 1),
]


@pytest.mark.parametrize(
    ("signs", "expected"),
    [(s, g) for _, s, g in ICANS_CASES],
    ids=[i for i, _, _ in ICANS_CASES],
)
def test_icans_grade(signs: IcansSigns, expected: int) -> None:
    assert icans_grade(signs) == expected


ICANS_INVALID: list[tuple[str, dict[str, Any], str]] = [
    ("ice-11", {"ice": 11}, "ice must be 0..10, got 11"),
    ("ice-negative", {"ice": -1}, "ice must be 0..10, got -1"),
    ("ice-float", {"ice": 7.5}, "ice must be 0..10, got 7.5"),
    ("ice-string", {"ice": "7"}, "ice must be 0..10, got '7'"),
    ("ice-bool", {"ice": False}, "ice must be 0..10, got False"),
    (
        "consciousness-raw-string",
        {"ice": 10, "consciousness": "awake"},
        "consciousness must be a Consciousness member (awake, awakens_to_voice, "
        "awakens_to_touch, unarousable), got 'awake'",
    ),
    (
        "seizure-wrong-enum",
        {"ice": 10, "seizure": MotorFinding.none},
        "seizure must be a Seizure member",
    ),
    ("motor-none-python", {"ice": 10, "motor": None}, "motor must be a MotorFinding member"),
    (
        "raised-icp-raw-string",
        {"ice": 10, "raised_icp": "diffuse_oedema"},
        "raised_icp must be a RaisedIcp member (none, focal_oedema, diffuse_oedema), "
        "got 'diffuse_oedema'",
    ),
    ("fatal-string", {"ice": 10, "fatal": "no"}, "fatal must be True or False, got 'no'"),
    ("age-negative", {"ice": 10, "age_years": -1}, "age_years must be 0..130, got -1"),
    ("age-float", {"ice": 10, "age_years": 40.5}, "age_years must be 0..130, got 40.5"),
    ("capd-33", {"ice": None, "capd": 33}, "capd must be 0..32, got 33"),
    ("capd-negative", {"ice": None, "capd": -1}, "capd must be 0..32, got -1"),
    ("ice-and-capd", {"ice": 8, "capd": 4}, "got ice=8 and capd=4"),
    ("ice-for-child-under-12", {"ice": 8, "age_years": 11}, "got ice=8 at age_years=11"),
]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [(k, m) for _, k, m in ICANS_INVALID],
    ids=[i for i, _, _ in ICANS_INVALID],
)
def test_icans_signs_invalid(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError) as excinfo:
        IcansSigns(**kwargs)
    assert message in str(excinfo.value)


def test_icans_grade_revalidates_tampered_signs() -> None:
    signs = IcansSigns(ice=10)
    object.__setattr__(signs, "ice", 12)
    with pytest.raises(ValueError, match="ice must be 0..10, got 12"):
        icans_grade(signs)


def test_icans_grade_rejects_wrong_argument_type() -> None:
    with pytest.raises(TypeError, match="IcansSigns"):
        icans_grade(CrsSigns(38.5))  # type: ignore[arg-type]


def test_icans_signs_has_no_tremor_myoclonus_or_haemorrhage_inputs() -> None:
    fields = {f.name for f in dataclasses.fields(IcansSigns)}
    assert not fields & {"tremor", "myoclonus", "haemorrhage", "hemorrhage"}


# ---- doctests -----------------------------------------------------------------------------------


def test_module_doctests() -> None:
    result = doctest.testmod(registry.grading, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0
