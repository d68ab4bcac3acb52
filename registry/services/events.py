"""Adverse events (graded by the ASTCT calculators where signs are given) and deaths."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session

from registry import grading
from registry.auth import Actor
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
    AuditAction,
    Consciousness,
    GradingScale,
    Hypotension,
    MotorFinding,
    OxygenSupport,
    RaisedIcp,
    Seizure,
)
from registry.services.audit import record_audit, snapshot
from registry.services.common import (
    Checks,
    death_of,
    get_row,
    latest_clinical_date,
    load_episode,
    load_patient,
    parse,
)


def compute_grade(event_type: AdverseEventType, signs: dict[str, Any]) -> int:
    """The ASTCT 2019 grade of a CRS or ICANS from its recorded signs.

    Raises
    ------
    ValueError
        A sign is missing or out of range; the message names it.
    """
    if event_type == AdverseEventType.crs:
        return grading.crs_grade(
            grading.CrsSigns(
                max_temperature_c=_opt_float(signs.get("max_temperature_c")),
                fever_masked=bool(signs.get("fever_masked", False)),
                hypotension=Hypotension(signs.get("hypotension", "none")),
                oxygen=OxygenSupport(signs.get("oxygen", "none")),
                fatal=bool(signs.get("fatal", False)),
            )
        )
    if event_type == AdverseEventType.icans:
        ice = signs.get("ice")
        return grading.icans_grade(
            grading.IcansSigns(
                ice=None if ice is None else int(ice),
                consciousness=Consciousness(signs.get("consciousness", "awake")),
                seizure=Seizure(signs.get("seizure", "none")),
                motor=MotorFinding(signs.get("motor", "none")),
                raised_icp=RaisedIcp(signs.get("raised_icp", "none")),
                fatal=bool(signs.get("fatal", False)),
            )
        )
    raise ValueError(f"no ASTCT calculator for {event_type.value}")


def _opt_float(value: Any) -> float | None:
    return None if value is None or value == "" else float(value)


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
        checks.add("episode_id", "adverse events are reported after the infusion; record it first")
    else:
        checks.not_before("onset_date", onset, infusion_date, "the infusion")
    checks.not_future("onset_date", onset)
    checks.not_before("resolution_date", values.get("resolution_date"), onset, "the onset")
    if death_date is not None:
        checks.not_after("onset_date", onset, death_date, "the patient's death")
        checks.not_after(
            "resolution_date",
            values.get("resolution_date"),
            death_date,
            "the patient's death",
        )
    kind = values["event_type"]
    graded_by_calculator = (
        kind in (AdverseEventType.crs, AdverseEventType.icans)
        and values["grading_scale"] == GradingScale.astct_2019
    )
    signs = values.get("signs")
    values["computed_grade"] = None
    if graded_by_calculator and signs:
        try:
            computed = compute_grade(kind, signs)
        except (ValueError, TypeError) as exc:
            checks.add("signs", str(exc))
            return
        values["computed_grade"] = computed
        if values.get("grade") is None:
            values["grade"] = computed
        elif values["grade"] != computed and not _has_text(values.get("grade_override_reason")):
            checks.add(
                "grade_override_reason",
                f"the signs give ASTCT grade {computed}, you entered {values['grade']}: "
                "give a reason for the override, or keep the computed grade",
                "rule.grade_override", computed=computed, grade=values["grade"],
            )
    elif values.get("grade") is None:
        checks.add("grade", "give a grade, or the signs for the ASTCT calculator")
    elif signs and not graded_by_calculator:
        checks.add("signs", f"signs are only graded for CRS/ICANS on {GradingScale.astct_2019}")


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
    session.add(event)
    session.flush()
    record_audit(
        session, actor, AuditAction.create, "adverseevent", event.id, after=snapshot(event)
    )
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
        )
    died = values["death_date"]
    checks.not_future("death_date", died)
    checks.not_before("death_date", died, patient.diagnosis_date, "the diagnosis date")
    latest, what = latest_clinical_date(session, values["patient_id"])
    checks.not_before("death_date", died, latest, f"{what} already recorded")


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
    session.add(death)
    session.flush()
    record_audit(session, actor, AuditAction.create, "death", death.id, after=snapshot(death))
    session.commit()
    return DeathRead.model_validate(death)


def _has_text(value: str | None) -> bool:
    return bool(value and value.strip())


__all__ = ["report_adverse_event", "report_death", "compute_grade"]
