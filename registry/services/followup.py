"""Follow-up forms: response, relapse, new therapy, hospital and ICU days, vital status."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, select

from registry.auth import Actor
from registry.models import FollowUp, FollowUpCreate, FollowUpRead, Patient, TreatmentEpisode
from registry.models.enums import (
    CRITERIA_BY_INDICATION,
    RESPONSES_BY_CRITERIA,
    Indication,
    NewTherapy,
    Timepoint,
    VitalStatus,
)
from registry.services.common import (
    Checks,
    check_quality,
    death_of,
    fmt,
    get_row,
    insert_audited,
    load_episode,
    parse,
)


def check_followup_values(
    values: dict[str, Any],
    checks: Checks,
    *,
    infusion_date: date | None,
    indication: Indication,
    death_date: date | None,
) -> None:
    """The rules of a follow-up form given its episode's infusion date, the patient's
    indication and death date (shared by the form and the upload, which loads those
    set-based). Fills ``response_criteria`` from the indication when not given."""
    assessed = values["assessment_date"]
    if infusion_date is None:
        checks.add(
            "episode_id",
            "follow-up forms start after the infusion; record it first",
            "followup.needs_infusion",
        )
    else:
        checks.not_before("assessment_date", assessed, infusion_date, "what.infusion")
        for name in ("relapse_date", "new_therapy_date"):
            checks.not_before(name, values.get(name), infusion_date, "what.infusion")
    checks.not_future("assessment_date", assessed)
    for name in ("relapse_date", "new_therapy_date"):
        checks.not_after(name, values.get(name), assessed, "what.assessment_date")
    if death_date is not None:
        checks.not_after("assessment_date", assessed, death_date, "what.death")
    elif values.get("vital_status") == VitalStatus.dead:
        checks.add(
            "vital_status", "report the death on the death form first", "followup.death_first"
        )
    criteria = values.get("response_criteria") or CRITERIA_BY_INDICATION[indication]
    if values.get("response_criteria") is None:
        values["response_criteria"] = criteria
    response = values.get("response")
    if response is not None and response not in RESPONSES_BY_CRITERIA[criteria]:
        allowed = ", ".join(r.value for r in RESPONSES_BY_CRITERIA[criteria])
        checks.add(
            "response",
            f"{response.value!r} is not a {criteria.value} response; choose one of {allowed}",
            "followup.response_criteria",
            value=repr(response.value),
            criteria=criteria.value,
            allowed=allowed,
        )
    if values.get("mrd_negative") is not None and indication.value != "B-ALL":
        checks.add("mrd_negative", "MRD is recorded for B-ALL only", "followup.mrd_ball_only")
    hospital, icu = values.get("hospital_days"), values.get("icu_days")
    if hospital is not None and icu is not None and icu > hospital:
        checks.add(
            "icu_days",
            f"{icu} ICU days exceed {hospital} hospital days",
            "rule.icu_exceeds_hospital",
            icu=icu,
            hospital=hospital,
        )
    if values.get("relapse_or_progression") and values.get("relapse_date") is None:
        checks.add(
            "relapse_date",
            "give the date of relapse or progression",
            "followup.relapse_date_missing",
        )
    if not values.get("relapse_or_progression") and values.get("relapse_date") is not None:
        checks.add(
            "relapse_or_progression",
            "a relapse date is given: tick relapse/progression",
            "followup.relapse_unticked",
        )
    if values.get("new_therapy", NewTherapy.none) != NewTherapy.none:
        checks.check(
            values.get("new_therapy_date") is not None,
            "new_therapy_date",
            "give the date the new therapy started",
            "followup.new_therapy_date_missing",
        )


def check_followup(
    session: Session, values: dict[str, Any], checks: Checks, *, exclude_id: int | None = None
) -> None:
    """Rules of a follow-up form beyond field types (shared by submit and correct)."""
    episode = get_row(session, TreatmentEpisode, values["episode_id"], "treatment episode")
    patient = get_row(session, Patient, episode.patient_id, "patient")
    death = death_of(session, patient.id) if patient.id is not None else None
    check_followup_values(
        values,
        checks,
        infusion_date=episode.infusion_date,
        indication=patient.indication,
        death_date=death.death_date if death else None,
    )
    if values["timepoint"] != Timepoint.unscheduled:
        same = select(FollowUp).where(
            FollowUp.episode_id == episode.id, FollowUp.timepoint == values["timepoint"]
        )
        if exclude_id is not None:
            same = same.where(FollowUp.id != exclude_id)
        other = session.exec(same).first()
        if other is not None:
            checks.add(
                "timepoint",
                f"the {values['timepoint'].value} form was already received "
                f"({fmt(other.assessment_date)}); correct it instead",
                "followup.timepoint_taken",
                timepoint=values["timepoint"].value,
                date=fmt(other.assessment_date),
            )


def submit_followup(
    *, session: Session, actor: Actor, data: FollowUpCreate | dict[str, Any]
) -> FollowUpRead:
    """Submit a follow-up form for an infused episode of the actor's site."""
    data = parse(FollowUpCreate, data)
    episode = load_episode(session, actor, data.episode_id, "patient:write")
    values = data.model_dump()
    checks = Checks()
    check_followup(session, values, checks)
    checks.raise_if_any()
    followup = FollowUp.model_validate(values, update={"site_id": episode.site_id})
    insert_audited(session, actor, followup)
    check_quality(session, "followup", followup.id)
    session.commit()
    return FollowUpRead.model_validate(followup)


__all__ = ["submit_followup"]
