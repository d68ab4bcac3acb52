"""Adverse events (graded by the ASTCT calculators where signs are given) and deaths."""

from __future__ import annotations

import math
from datetime import date
from enum import Enum
from typing import Any, TypeVar

from sqlmodel import Session

from registry import grading
from registry.auth import Actor
from registry.errors import RegistryError
from registry.models import (
    AdverseEvent,
    AdverseEventCreate,
    AdverseEventRead,
    Death,
    DeathCreate,
    DeathRead,
    Patient,
    TreatmentEpisode,
)
from registry.models.enums import (
    AdverseEventType,
    Consciousness,
    GradingScale,
    Hypotension,
    MotorFinding,
    OxygenSupport,
    RaisedIcp,
    Seizure,
)
from registry.services.common import (
    Checks,
    check_quality,
    death_of,
    get_row,
    insert_audited,
    latest_clinical_date,
    load_episode,
    load_patient,
    parse,
    text_error,
)


class SignError(RegistryError, ValueError):
    """A CRS/ICANS sign the ASTCT calculator cannot grade; the message starts with its name."""


def compute_grade(event_type: AdverseEventType, signs: dict[str, Any]) -> int:
    """The ASTCT 2019 grade of a CRS or ICANS from its recorded signs.

    Raises
    ------
    SignError
        A sign is out of range or not one of its codes (a `ValueError` whose message names
        the sign, with a catalogue code to show it in the user's language).
    """
    if event_type == AdverseEventType.crs:
        return grading.crs_grade(
            grading.CrsSigns(
                max_temperature_c=_temperature(signs.get("max_temperature_c")),
                fever_masked=bool(signs.get("fever_masked", False)),
                hypotension=_member("hypotension", signs.get("hypotension", "none"), Hypotension),
                oxygen=_member("oxygen", signs.get("oxygen", "none"), OxygenSupport),
                fatal=bool(signs.get("fatal", False)),
            )
        )
    if event_type == AdverseEventType.icans:
        return grading.icans_grade(
            grading.IcansSigns(
                ice=_ice(signs.get("ice")),
                consciousness=_member(
                    "consciousness", signs.get("consciousness", "awake"), Consciousness
                ),
                seizure=_member("seizure", signs.get("seizure", "none"), Seizure),
                motor=_member("motor", signs.get("motor", "none"), MotorFinding),
                raised_icp=_member("raised_icp", signs.get("raised_icp", "none"), RaisedIcp),
                fatal=bool(signs.get("fatal", False)),
            )
        )
    raise SignError(
        f"no ASTCT calculator for {event_type.value}",
        code="sign.no_calculator",
        event_type=event_type.value,
    )


def _temperature(value: Any) -> float | None:
    """The highest temperature as a float within the calculator's range (or None)."""
    if value is None or value == "":
        return None
    low, high = grading._TEMPERATURE_RANGE_C
    try:
        temp = float(value)
    except (TypeError, ValueError):
        temp = value
    if not isinstance(temp, float) or not math.isfinite(temp) or not low <= temp <= high:
        raise SignError(
            f"max_temperature_c must be a temperature in degrees Celsius between {low} and "
            f"{high} (or None if not measured), got {temp!r}",
            code="sign.temperature",
            low=low,
            high=high,
            value=repr(temp),
        )
    return temp


def _ice(value: Any) -> int | None:
    """The ICE score as an int 0..10 (or None)."""
    if value is None:
        return None
    try:
        ice = int(value)
    except (TypeError, ValueError):
        ice = value
    if not isinstance(ice, int) or not 0 <= ice <= 10:
        raise SignError(f"ice must be 0..10, got {ice!r}", code="sign.ice", value=repr(ice))
    return ice


E = TypeVar("E", bound=Enum)


def _member(name: str, value: Any, enum: type[E]) -> E:
    """The sign's code as a member of `enum`."""
    try:
        return enum(value)
    except (TypeError, ValueError):
        allowed = ", ".join(str(member.value) for member in enum)
        raise SignError(
            f"{name}: {value!r} is not an allowed code; allowed: {allowed}",
            code="sign.code",
            sign_key=f"sign.name.{name}",
            value=repr(value),
            allowed=allowed,
        ) from None


def check_adverse_event_values(
    values: dict[str, Any],
    checks: Checks,
    *,
    infusion_date: date | None,
    death_date: date | None,
) -> None:
    """Dates and grade of an AE given its episode's infusion date and the patient's death
    date (shared by the form and the upload). Fills ``computed_grade`` and ``grade``."""
    onset = values["onset_date"]
    if infusion_date is None:
        checks.add(
            "episode_id",
            "adverse events are reported after the infusion; record it first",
            "ae.needs_infusion",
        )
    else:
        checks.not_before("onset_date", onset, infusion_date, "what.infusion")
    checks.not_future("onset_date", onset)
    checks.not_before("resolution_date", values.get("resolution_date"), onset, "what.onset")
    if death_date is not None:
        checks.not_after("onset_date", onset, death_date, "what.death")
        checks.not_after(
            "resolution_date",
            values.get("resolution_date"),
            death_date,
            "what.death",
        )
    kind = values["event_type"]
    graded_by_calculator = (
        kind in (AdverseEventType.crs, AdverseEventType.icans)
        and values["grading_scale"] == GradingScale.astct_2019
    )
    signs = values.get("signs")
    values["computed_grade"] = None
    for name, value in (signs or {}).items():
        if not _sign_value_ok(value):
            checks.add(
                "signs",
                f"{name}: {value!r} is not a sign value; give a number, yes/no or a code",
                "sign.value",
                sign=name,
                value=repr(value),
            )
            return
    if graded_by_calculator and signs:
        try:
            computed = compute_grade(kind, signs)
        except SignError as exc:
            checks.add("signs", str(exc), exc.code, **exc.params)
            return
        except (ValueError, TypeError) as exc:  # a rule of registry.grading not checked above
            checks.add("signs", str(exc), "sign.invalid", error=str(exc))
            return
        values["computed_grade"] = computed
        if values.get("grade") is None:
            values["grade"] = computed
        elif values["grade"] != computed and not _has_text(values.get("grade_override_reason")):
            checks.add(
                "grade_override_reason",
                f"the signs give ASTCT grade {computed}, you entered {values['grade']}: "
                "give a reason for the override, or keep the computed grade",
                "rule.grade_override",
                computed=computed,
                grade=values["grade"],
            )
    elif values.get("grade") is None:
        checks.add(
            "grade", "give a grade, or the signs for the ASTCT calculator", "ae.grade_missing"
        )
    elif signs and not graded_by_calculator:
        checks.add(
            "signs",
            f"signs are only graded for CRS/ICANS on {GradingScale.astct_2019}",
            "ae.signs_not_graded",
            scale=GradingScale.astct_2019.value,
        )


def check_adverse_event(session: Session, values: dict[str, Any], checks: Checks) -> None:
    """Dates and grade of an AE (shared by report and correct); fills computed_grade/grade."""
    episode = get_row(session, TreatmentEpisode, values["episode_id"], "treatment episode")
    death = death_of(session, episode.patient_id)
    check_adverse_event_values(
        values,
        checks,
        infusion_date=episode.infusion_date,
        death_date=death.death_date if death else None,
    )


def report_adverse_event(
    *, session: Session, actor: Actor, data: AdverseEventCreate
) -> AdverseEventRead:
    """Report an AE of an infused episode; CRS/ICANS signs are graded by the calculator."""
    data = parse(AdverseEventCreate, data)
    episode = load_episode(session, actor, data.episode_id, "patient:write")
    values = data.model_dump()
    checks = Checks()
    check_adverse_event(session, values, checks)
    checks.raise_if_any()
    event = AdverseEvent.model_validate(values, update={"site_id": episode.site_id})
    insert_audited(session, actor, event)
    check_quality(session, "adverseevent", event.id)
    session.commit()
    return AdverseEventRead.model_validate(event)


def check_death(
    session: Session, values: dict[str, Any], checks: Checks, *, exclude_id: int | None = None
) -> None:
    """One death per patient, not before anything recorded, not in the future."""
    patient = get_row(session, Patient, values["patient_id"], "patient")
    existing = death_of(session, values["patient_id"])
    if existing is not None and existing.id != exclude_id:
        checks.add(
            "patient_id",
            f"a death is already recorded for {patient.registry_id}; correct it instead",
            "death.already_recorded",
            registry_id=patient.registry_id,
        )
    died = values["death_date"]
    checks.not_future("death_date", died)
    checks.not_before("death_date", died, patient.diagnosis_date, "what.diagnosis_date")
    latest, what = latest_clinical_date(session, values["patient_id"])
    checks.not_before("death_date", died, latest, what)


def report_death(
    *, session: Session, actor: Actor, data: DeathCreate | dict[str, Any]
) -> DeathRead:
    """Record a patient's death (one per patient); later forms are then refused."""
    data = parse(DeathCreate, data)
    patient = load_patient(session, actor, data.patient_id, "patient:write")
    values = data.model_dump()
    checks = Checks()
    check_death(session, values, checks)
    checks.raise_if_any()
    death = Death.model_validate(values, update={"site_id": patient.site_id})
    insert_audited(session, actor, death)
    check_quality(session, "death", death.id)
    session.commit()
    return DeathRead.model_validate(death)


def _sign_value_ok(value: Any) -> bool:
    """A sign is stored as JSON: a finite number, yes/no, text that can be stored, or None."""
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        return text_error("signs", value) is None
    return value is None or isinstance(value, int)


def _has_text(value: str | None) -> bool:
    return bool(value and value.strip())


__all__ = ["SignError", "report_adverse_event", "report_death", "compute_grade"]
