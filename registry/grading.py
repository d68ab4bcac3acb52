"""ASTCT 2019 consensus grading of CRS and ICANS, computed from recorded signs.

Why this module exists
----------------------
The registry stores the *signs* behind every cytokine release syndrome (CRS) and immune effector
cell-associated neurotoxicity syndrome (ICANS) event and computes the grade from them, so that a
grade means the same thing at every site and can be re-derived later (DESIGN.md section 4). The
clinician sees the computed grade and may override it with a reason; that override, the storage of
the grade together with its scale (`GradingScale.astct_2019`) and the audit trail live in the
services, not here. This module is pure: standard library plus `registry.models.enums`, no
database and no Streamlit.

Grading follows the ASTCT consensus:

    Lee DW, Santomasso BD, Locke FL, et al. ASTCT consensus grading for cytokine release syndrome
    and neurologic toxicity associated with immune effector cells. Biol Blood Marrow Transplant
    2019;25:625-638.

The inputs are the *worst* signs of the episode (or of the assessment being graded); the functions
do not look at time. Every sign is assumed to be attributed to CRS / ICANS by the clinician (the
consensus excludes signs with another cause, e.g. sedation); that judgement is the caller's.

Invalid inputs raise `ValueError` with a message that names the field and echoes the value, so the
service layer can turn it into `InvalidInput`. The dataclasses check themselves when built and the
grading functions check again, so an object altered with ``object.__setattr__`` cannot slip through.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import Enum
from typing import Final

from registry.models.enums import (
    Consciousness,
    Hypotension,
    MotorFinding,
    OxygenSupport,
    RaisedIcp,
    Seizure,
)

__all__ = [
    "CAPD_MAX",
    "CAPD_MIN_AGE_FOR_ICE",
    "FEVER_THRESHOLD_C",
    "CrsSigns",
    "IcansSigns",
    "IceItems",
    "crs_grade",
    "icans_grade",
    "ice_score",
]

FEVER_THRESHOLD_C: Final = 38.0
"""Fever for CRS: temperature >= 38.0 C (no rounding is applied; 37.95 is not fever)."""

CAPD_MIN_AGE_FOR_ICE: Final = 12
"""Children younger than this (in years) are assessed with CAPD, not ICE."""

CAPD_MAX: Final = 32
"""Cornell Assessment of Pediatric Delirium: 8 items scored 0-4, total 0-32."""

_TEMPERATURE_RANGE_C: Final = (30.0, 45.0)  # outside: a typo, or Fahrenheit
_AGE_RANGE_YEARS: Final = (0, 130)

_HYPOTENSION_GRADE: Final[dict[Hypotension, int]] = {
    Hypotension.none: 0,
    Hypotension.no_vasopressor: 2,
    Hypotension.one_vasopressor: 3,
    Hypotension.multiple_vasopressors: 4,
}

_OXYGEN_GRADE: Final[dict[OxygenSupport, int]] = {
    OxygenSupport.none: 0,
    OxygenSupport.low_flow: 2,
    OxygenSupport.high_flow: 3,
    OxygenSupport.positive_pressure: 4,
}

_CONSCIOUSNESS_GRADE: Final[dict[Consciousness, int]] = {
    Consciousness.awake: 0,
    Consciousness.awakens_to_voice: 2,
    Consciousness.awakens_to_touch: 3,
    Consciousness.unarousable: 4,
}

_SEIZURE_GRADE: Final[dict[Seizure, int]] = {
    Seizure.none: 0,
    Seizure.rapid_resolving: 3,
    Seizure.prolonged_or_repetitive: 4,
}

_MOTOR_GRADE: Final[dict[MotorFinding, int]] = {
    MotorFinding.none: 0,
    MotorFinding.deep_focal_weakness: 4,
}

_RAISED_ICP_GRADE: Final[dict[RaisedIcp, int]] = {
    RaisedIcp.none: 0,
    RaisedIcp.focal_oedema: 3,
    RaisedIcp.diffuse_oedema: 4,
}

_ICE_ITEM_MAX: Final[dict[str, int]] = {
    "orientation": 4,
    "naming": 3,
    "following_commands": 1,
    "writing": 1,
    "attention": 1,
}


# ---- validation helpers -------------------------------------------------------------------------


def _check_bool(field: str, value: object) -> None:
    if not isinstance(value, bool):
        raise ValueError(f"{field} must be True or False, got {value!r}")


def _check_member(field: str, value: object, enum_type: type[Enum]) -> None:
    if not isinstance(value, enum_type):
        allowed = ", ".join(str(member.value) for member in enum_type)
        raise ValueError(
            f"{field} must be a {enum_type.__name__} member ({allowed}), got {value!r}"
        )


def _check_int_range(field: str, value: object, low: int, high: int, *, optional: bool) -> None:
    if value is None and optional:
        return
    # bool is an int subclass; True is not a score.
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValueError(f"{field} must be {low}..{high}, got {value!r}")


def _check_crs_signs(signs: object) -> None:
    if not isinstance(signs, CrsSigns):
        raise TypeError(f"signs must be a CrsSigns, got {type(signs).__name__}")
    temp = signs.max_temperature_c
    if temp is not None:
        low, high = _TEMPERATURE_RANGE_C
        if (
            isinstance(temp, bool)
            or not isinstance(temp, int | float)
            or not math.isfinite(temp)
            or not low <= temp <= high
        ):
            raise ValueError(
                f"max_temperature_c must be a temperature in degrees Celsius between {low} and "
                f"{high} (or None if not measured), got {temp!r}"
            )
    _check_bool("fever_masked", signs.fever_masked)
    _check_member("hypotension", signs.hypotension, Hypotension)
    _check_member("oxygen", signs.oxygen, OxygenSupport)
    _check_bool("fatal", signs.fatal)


def _check_ice_items(items: object) -> None:
    if not isinstance(items, IceItems):
        raise TypeError(f"items must be an IceItems, got {type(items).__name__}")
    for field, high in _ICE_ITEM_MAX.items():
        _check_int_range(field, getattr(items, field), 0, high, optional=False)


def _check_icans_signs(signs: object) -> None:
    if not isinstance(signs, IcansSigns):
        raise TypeError(f"signs must be an IcansSigns, got {type(signs).__name__}")
    _check_int_range("ice", signs.ice, 0, 10, optional=True)
    _check_member("consciousness", signs.consciousness, Consciousness)
    _check_member("seizure", signs.seizure, Seizure)
    _check_member("motor", signs.motor, MotorFinding)
    _check_member("raised_icp", signs.raised_icp, RaisedIcp)
    _check_bool("fatal", signs.fatal)
    _check_int_range("age_years", signs.age_years, *_AGE_RANGE_YEARS, optional=True)
    _check_int_range("capd", signs.capd, 0, CAPD_MAX, optional=True)
    if signs.ice is not None and signs.capd is not None:
        raise ValueError(
            f"give either ice or capd, not both, got ice={signs.ice!r} and capd={signs.capd!r}"
        )
    if (
        signs.ice is not None
        and signs.age_years is not None
        and signs.age_years < CAPD_MIN_AGE_FOR_ICE
    ):
        raise ValueError(
            f"ice is not valid under age {CAPD_MIN_AGE_FOR_ICE}, got ice={signs.ice!r} at "
            f"age_years={signs.age_years!r}; record the CAPD score in capd instead"
        )


# ---- CRS ----------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CrsSigns:
    """Worst signs of a CRS episode, as recorded on the adverse-event form.

    Attributes
    ----------
    max_temperature_c : float or None
        Highest temperature in degrees Celsius; None if not measured (treated as no fever).
    fever_masked : bool
        True when antipyretics or anti-cytokine therapy (tocilizumab, steroids) given for CRS
        masked the fever; fever is then taken as present and not required (Lee 2019).
    hypotension : Hypotension
        Worst hypotension and what it needed.
    oxygen : OxygenSupport
        Worst oxygen support needed for hypoxia.
    fatal : bool
        Death attributed to CRS (grade 5).
    """

    max_temperature_c: float | None
    fever_masked: bool = False
    hypotension: Hypotension = Hypotension.none
    oxygen: OxygenSupport = OxygenSupport.none
    fatal: bool = False

    def __post_init__(self) -> None:
        _check_crs_signs(self)


def crs_grade(signs: CrsSigns) -> int:
    """ASTCT 2019 CRS grade (0-5) from the recorded signs.

    Rules (Lee et al. 2019, table 3):

    - no CRS (0) without fever >= 38.0 C, unless ``fever_masked``;
    - grade 1: fever only;
    - grade 2: hypotension not needing vasopressors and/or low-flow oxygen (<= 6 L/min);
    - grade 3: one vasopressor (with or without vasopressin) and/or high-flow oxygen, face mask,
      non-rebreather or Venturi mask;
    - grade 4: multiple vasopressors (excluding vasopressin) and/or positive pressure
      (CPAP, BiPAP, intubation and mechanical ventilation);
    - the grade is the worse of the hypotension and hypoxia grades;
    - grade 5: death attributed to CRS (``fatal``).

    Decisions on cases the consensus leaves open:

    - Hypotension or hypoxia without fever, fever not masked, is *not* CRS by the ASTCT
      definition (fever is required for the diagnosis): grade 0, whatever the organ support.
    - ``fever_masked`` with no hypotension and no hypoxia is grade 1: masking means CRS was
      diagnosed and treated, so the fever criterion counts as met.
    - ``fatal`` gives grade 5 whatever else is recorded: attributing the death to CRS is the
      clinician's diagnosis.
    - The temperature is compared as given, without rounding (37.95 C is not fever).

    Parameters
    ----------
    signs : CrsSigns
        Worst signs of the episode.

    Returns
    -------
    int
        Grade 0 (no CRS) to 5 (death from CRS).

    Raises
    ------
    ValueError
        If a field is of the wrong type or out of range (message names the field and value).
    TypeError
        If `signs` is not a `CrsSigns`.

    Examples
    --------
    >>> crs_grade(CrsSigns(max_temperature_c=38.4))
    1
    >>> crs_grade(CrsSigns(max_temperature_c=39.0, oxygen=OxygenSupport.low_flow,
    ...                    hypotension=Hypotension.one_vasopressor))
    3
    >>> crs_grade(CrsSigns(max_temperature_c=37.2, oxygen=OxygenSupport.high_flow))
    0
    >>> crs_grade(CrsSigns(max_temperature_c=None, fever_masked=True,
    ...                    oxygen=OxygenSupport.positive_pressure))
    4
    """
    _check_crs_signs(signs)
    if signs.fatal:
        return 5
    temp = signs.max_temperature_c
    has_fever = signs.fever_masked or (temp is not None and temp >= FEVER_THRESHOLD_C)
    if not has_fever:
        return 0
    return max(1, _HYPOTENSION_GRADE[signs.hypotension], _OXYGEN_GRADE[signs.oxygen])


# ---- ICE score ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IceItems:
    """Items of the Immune effector Cell-associated Encephalopathy (ICE) screen.

    Attributes
    ----------
    orientation : int
        0-4: one point each for year, month, city, hospital.
    naming : int
        0-3: one point per object named (three objects).
    following_commands : int
        0-1: follows simple commands.
    writing : int
        0-1: writes a standard sentence.
    attention : int
        0-1: counts back from 100 by 10.
    """

    orientation: int
    naming: int
    following_commands: int
    writing: int
    attention: int

    def __post_init__(self) -> None:
        _check_ice_items(self)


def ice_score(items: IceItems) -> int:
    """ICE score (0-10): the sum of the five items (Lee et al. 2019, table 5).

    Parameters
    ----------
    items : IceItems
        Scored items of one assessment.

    Returns
    -------
    int
        0 (severe encephalopathy) to 10 (normal).

    Raises
    ------
    ValueError
        If an item is not an integer in its range, e.g. ``orientation must be 0..4, got 5``.
    TypeError
        If `items` is not an `IceItems`.

    Examples
    --------
    >>> ice_score(IceItems(orientation=4, naming=3, following_commands=1, writing=1,
    ...                    attention=1))
    10
    >>> ice_score(IceItems(orientation=2, naming=3, following_commands=1, writing=0,
    ...                    attention=0))
    6
    >>> IceItems(orientation=5, naming=3, following_commands=1, writing=1, attention=1)
    Traceback (most recent call last):
        ...
    ValueError: orientation must be 0..4, got 5
    """
    _check_ice_items(items)
    return (
        items.orientation
        + items.naming
        + items.following_commands
        + items.writing
        + items.attention
    )


# ---- ICANS --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IcansSigns:
    """Worst signs of an ICANS episode, one per ASTCT domain.

    Tremor, myoclonus and intracranial haemorrhage (with or without oedema) are deliberately
    not fields: the consensus excludes them from ICANS grading (grade them with CTCAE v5).

    Attributes
    ----------
    ice : int or None
        Lowest ICE score, 0-10; None if not assessable or not assessed (the other domains still
        grade). Not valid for children under 12 (use `capd`).
    consciousness : Consciousness
        Depressed level of consciousness not attributable to another cause (e.g. sedation).
    seizure : Seizure
        Worst seizure.
    motor : MotorFinding
        Deep focal motor weakness.
    raised_icp : RaisedIcp
        Raised intracranial pressure / cerebral oedema.
    fatal : bool
        Death attributed to ICANS (grade 5).
    age_years : int or None
        Age at assessment; when under 12, `ice` must be None and `capd` is used.
    capd : int or None
        Highest Cornell Assessment of Pediatric Delirium score, 0-32, for children under 12
        (or older patients with developmental delay); None if not assessed.
    """

    ice: int | None
    consciousness: Consciousness = Consciousness.awake
    seizure: Seizure = Seizure.none
    motor: MotorFinding = MotorFinding.none
    raised_icp: RaisedIcp = RaisedIcp.none
    fatal: bool = False
    age_years: int | None = None
    capd: int | None = None

    def __post_init__(self) -> None:
        _check_icans_signs(self)


def _ice_domain_grade(ice: int | None) -> int:
    if ice is None or ice == 10:
        return 0
    if ice >= 7:
        return 1
    if ice >= 3:
        return 2
    return 3  # 0-2; ICE 0 is grade 4 only through the consciousness domain (unarousable)


def _capd_domain_grade(capd: int | None) -> int:
    if capd is None or capd == 0:
        return 0
    if capd < 9:
        return 1  # CAPD 1-8: grade 1 or 2, the consciousness domain decides
    return 3


def icans_grade(signs: IcansSigns) -> int:
    """ASTCT 2019 ICANS grade (0-5): the most severe of the domain grades.

    Domain grades (Lee et al. 2019, tables 6 and 8):

    ==================  =========  =========  ======================  =======================
    domain              grade 1    grade 2    grade 3                 grade 4
    ==================  =========  =========  ======================  =======================
    ICE (age >= 12)     7-9        3-6        0-2                     0 and unarousable
    CAPD (age < 12)     1-8        1-8        >= 9                    unable to perform
    consciousness       awake      to voice   to touch                unarousable
    seizure             .          .          rapid_resolving         prolonged_or_repetitive
    motor               .          .          .                       deep_focal_weakness
    raised ICP          .          .          focal_oedema            diffuse_oedema
    ==================  =========  =========  ======================  =======================

    ICE 10 with every other domain normal is grade 0. ICE 0 in a patient who is awake (global
    aphasia) is grade 3; ICE 0 in an unarousable patient is grade 4, through the consciousness
    domain. ``fatal`` (death attributed to ICANS) gives grade 5 whatever else is recorded.
    Tremor, myoclonus and intracranial haemorrhage are not inputs: the consensus excludes them.

    Decisions on the paediatric rule: CAPD 0 is grade 0, CAPD 1-8 is grade 1 (grade 2 when the
    child awakens only to voice, through the consciousness domain), CAPD >= 9 is grade 3. "Unable
    to perform CAPD" (grade 4) is recorded as ``consciousness=unarousable``; ``capd=None`` means
    not assessed and contributes nothing. ICE given for a child under 12 is rejected.

    Parameters
    ----------
    signs : IcansSigns
        Worst signs of the episode.

    Returns
    -------
    int
        Grade 0 (no ICANS) to 5 (death from ICANS).

    Raises
    ------
    ValueError
        If a field is of the wrong type or out of range, if both `ice` and `capd` are given, or
        if `ice` is given for a child under 12 (message names the field and value).
    TypeError
        If `signs` is not an `IcansSigns`.

    Examples
    --------
    >>> icans_grade(IcansSigns(ice=10))
    0
    >>> icans_grade(IcansSigns(ice=8))
    1
    >>> icans_grade(IcansSigns(ice=3, seizure=Seizure.rapid_resolving))
    3
    >>> icans_grade(IcansSigns(ice=0))
    3
    >>> icans_grade(IcansSigns(ice=0, consciousness=Consciousness.unarousable))
    4
    >>> icans_grade(IcansSigns(ice=None, age_years=6, capd=12))
    3
    """
    _check_icans_signs(signs)
    if signs.fatal:
        return 5
    return max(
        _ice_domain_grade(signs.ice),
        _capd_domain_grade(signs.capd),
        _CONSCIOUSNESS_GRADE[signs.consciousness],
        _SEIZURE_GRADE[signs.seizure],
        _MOTOR_GRADE[signs.motor],
        _RAISED_ICP_GRADE[signs.raised_icp],
    )
