"""Factories: build Create models and call the services, as a user would."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from sqlmodel import Session

from registry.auth import Actor
from registry.identity import snils_check_digits
from registry.models import (
    AdverseEventCreate,
    ApheresisCreate,
    DeathCreate,
    FollowUpCreate,
    InfusionCreate,
    ManufacturingLotCreate,
    PatientCreate,
    PatientRead,
    TreatmentEpisodeRead,
)
from registry.services import events, followup, patients, treatment

_counter = itertools.count(1)

INFUSION = date(2025, 3, 1)


def snils(n: int) -> str:
    first9 = f"{100_000_000 + n:09d}"
    return first9 + snils_check_digits(first9)


def patient_data(**overrides: Any) -> PatientCreate:
    n = next(_counter)
    values: dict[str, Any] = {
        "site_patient_code": f"P{n:05d}",
        "sex": "F",
        "birth_year": 1975,
        "indication": "LBCL",
        "diagnosis_date": date(2023, 5, 1),
        "prior_lines": 2,
        "ecog": 1,
        "consent_date": date(2024, 12, 1),
        "national_insurance_number": snils(n),
    }
    values.update(overrides)
    return PatientCreate.model_validate(values)


def make_patient(session: Session, actor: Actor, **overrides: Any) -> PatientRead:
    return patients.register_patient(session=session, actor=actor, data=patient_data(**overrides))


def make_episode(
    session: Session, actor: Actor, patient: PatientRead, product_id: int, **overrides: Any
) -> TreatmentEpisodeRead:
    data = ApheresisCreate.model_validate(
        {"patient_id": patient.id, "product_id": product_id,
         "apheresis_date": INFUSION - timedelta(days=40)} | overrides
    )
    return treatment.record_apheresis(session=session, actor=actor, data=data)


def lot_data(episode: TreatmentEpisodeRead, **overrides: Any) -> ManufacturingLotCreate:
    n = next(_counter)
    return ManufacturingLotCreate.model_validate(
        {"episode_id": episode.id, "lot_number": f"LOT-{n:06d}",
         "product_id": episode.product_id, "manufacturing_site": "NMRC cleanroom",
         "start_date": INFUSION - timedelta(days=35), "release_date": INFUSION - timedelta(days=5),
         "viability_pct": 92.0, "transduction_pct": 30.0, "vcn_per_cell": 1.5,
         "car_positive_cells": 2e8, "sterility": "pass", "endotoxin": "pass",
         "mycoplasma": "pass"} | overrides
    )


def make_infused_episode(
    session: Session, actor: Actor, product_id: int, *, infusion: date = INFUSION,
    **patient_overrides: Any,
) -> tuple[PatientRead, TreatmentEpisodeRead]:
    patient = make_patient(session, actor, **patient_overrides)
    episode = make_episode(session, actor, patient, product_id,
                           apheresis_date=infusion - timedelta(days=40))
    treatment.record_lot(session=session, actor=actor, data=lot_data(
        episode, start_date=infusion - timedelta(days=35),
        release_date=infusion - timedelta(days=5)))
    infused = treatment.record_infusion(session=session, actor=actor, data=InfusionCreate(
        episode_id=episode.id, infusion_date=infusion, bridging="none",
        lymphodepletion="Flu/Cy", dose_car_positive_cells=2e8))
    return patient, infused


def followup_data(episode: TreatmentEpisodeRead, **overrides: Any) -> FollowUpCreate:
    assert episode.infusion_date is not None
    return FollowUpCreate.model_validate(
        {"episode_id": episode.id, "timepoint": "D28",
         "assessment_date": episode.infusion_date + timedelta(days=28), "response": "CR",
         "hospital_days": 14, "icu_days": 2} | overrides
    )


def make_followup(session: Session, actor: Actor, episode: TreatmentEpisodeRead,
                  **overrides: Any) -> Any:
    return followup.submit_followup(session=session, actor=actor,
                                    data=followup_data(episode, **overrides))


def ae_data(episode: TreatmentEpisodeRead, **overrides: Any) -> AdverseEventCreate:
    assert episode.infusion_date is not None
    return AdverseEventCreate.model_validate(
        {"episode_id": episode.id, "event_type": "CRS",
         "onset_date": episode.infusion_date + timedelta(days=2),
         "signs": {"max_temperature_c": 39.1, "hypotension": "no_vasopressor",
                   "oxygen": "none"}, "tocilizumab_doses": 1} | overrides
    )


def death_data(patient: PatientRead, **overrides: Any) -> DeathCreate:
    return DeathCreate.model_validate(
        {"patient_id": patient.id, "death_date": INFUSION + timedelta(days=200),
         "cause": "disease"} | overrides
    )


def make_death(session: Session, actor: Actor, patient: PatientRead, **overrides: Any) -> Any:
    return events.report_death(session=session, actor=actor, data=death_data(patient, **overrides))
