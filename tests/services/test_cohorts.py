"""Cohort definitions and the cohort frame (`registry.services.cohorts`).

A small cohort is built through the services (tests/factories.py) with known sites, products,
indications, birth years, prior lines and apheresis dates; each filter's expected episodes are
worked out here from that construction. Runs on SQLite and, when configured, PostgreSQL.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest
from pydantic import ValidationError
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session

from registry.auth import Actor
from registry.errors import InvalidInput, PermissionDenied
from registry.models import NotInfusedCreate, Product, Site
from registry.models.enums import NotInfusedReason
from registry.services import events, treatment
from registry.services.cohorts import (
    COHORT_COLUMNS,
    CohortDefinition,
    age_band_limits,
    cohort_frame,
    data_digest,
)
from tests import factories as f

AS_OF = date(2026, 6, 1)


@dataclass(frozen=True)
class Built:
    """One episode of the hand-built cohort and what it was built with."""

    key: str
    episode_id: int
    site: str
    product: str
    indication: str
    birth_year: int
    prior_lines: int
    apheresis: date
    infused: bool

    @property
    def age(self) -> int:  # whole years at apheresis, birthday 2 July
        before = (self.apheresis.month, self.apheresis.day) < (7, 2)
        return self.apheresis.year - self.birth_year - int(before)


# key, site (0 = A, 1 = B), product (0 = KYMRIAH, 1 = NMRC-CD19), indication, birth year,
# prior lines, apheresis date, infused
PLAN = [
    ("lbcl_a", 0, 0, "LBCL", 1960, 2, date(2025, 1, 20), True),
    ("ball_child", 0, 1, "B-ALL", 2010, 1, date(2024, 6, 22), True),
    ("lbcl_b_old", 1, 0, "LBCL", 1955, 4, date(2025, 7, 23), True),
    ("fl_b", 1, 1, "FL", 1990, 3, date(2025, 1, 20), True),
    ("never", 0, 0, "B-ALL", 2000, 2, date(2025, 2, 1), False),
    ("day_before_birthday", 0, 0, "MCL", 1965, 5, date(2025, 7, 1), True),
    ("on_birthday", 1, 0, "MCL", 1965, 0, date(2025, 7, 2), True),
]


@pytest.fixture
def cohort(session: Session, sites: tuple[Site, Site], products: tuple[Product, Product],
           clinician_a: Actor, clinician_b: Actor) -> dict[str, Built]:
    built = {}
    for key, site, product, indication, born, lines, apheresis, infused in PLAN:
        actor = (clinician_a, clinician_b)[site]
        product_id = products[product].id
        assert product_id is not None
        if infused:
            _, episode = f.make_infused_episode(
                session, actor, product_id, infusion=apheresis + timedelta(days=40),
                indication=indication, birth_year=born, prior_lines=lines)
        else:
            patient = f.make_patient(session, actor, indication=indication, birth_year=born,
                                     prior_lines=lines)
            episode = f.make_episode(session, actor, patient, product_id,
                                     apheresis_date=apheresis)
            treatment.record_not_infused(session=session, actor=actor, data=NotInfusedCreate(
                episode_id=episode.id, reason=NotInfusedReason.manufacturing_failure,
                decision_date=apheresis + timedelta(days=19)))
        built[key] = Built(key, episode.id, ("A", "B")[site], products[product].code,
                           indication, born, lines, apheresis, infused)
    return built


def frame_of(engine: Engine, actor: Actor, **definition: Any) -> pd.DataFrame:
    with Session(engine) as session:
        return cohort_frame(session=session, actor=actor, definition=definition, as_of=AS_OF)


def selected(engine: Engine, actor: Actor, **definition: Any) -> set[int]:
    return set(frame_of(engine, actor, **definition)["episode_id"])


def expected(cohort: dict[str, Built], itt: bool = False, **where: Any) -> set[int]:
    keep = set()
    for b in cohort.values():
        if not (b.infused or itt):
            continue
        if all(test(b) for test in where.values()):
            keep.add(b.episode_id)
    return keep


# ---- filters ----------------------------------------------------------------------------------


def test_each_filter_selects_the_episodes_built_for_it(
    engine: Engine, cohort: dict[str, Built], economist: Actor, sites: tuple[Site, Site]
) -> None:
    site_b = sites[1].id
    assert selected(engine, economist) == expected(cohort)
    assert selected(engine, economist, population="itt") == expected(cohort, itt=True)
    assert selected(engine, economist, product_codes=["NMRC-CD19"]) == expected(
        cohort, p=lambda b: b.product == "NMRC-CD19")
    assert selected(engine, economist, indications=["LBCL", "FL"]) == expected(
        cohort, i=lambda b: b.indication in ("LBCL", "FL"))
    assert selected(engine, economist, site_ids=[site_b]) == expected(
        cohort, s=lambda b: b.site == "B")
    window = {"period_from": date(2025, 1, 1), "period_to": date(2025, 6, 30)}
    assert selected(engine, economist, population="itt", **window) == expected(
        cohort, itt=True, w=lambda b: date(2025, 1, 1) <= b.apheresis <= date(2025, 6, 30))
    assert selected(engine, economist, prior_lines_min=2, prior_lines_max=3) == expected(
        cohort, lines=lambda b: 2 <= b.prior_lines <= 3)
    assert selected(engine, economist, indications=["LBCL"], site_ids=[sites[0].id]) == {
        cohort["lbcl_a"].episode_id}
    # age bands: whole years at apheresis, birthday 2 July
    frame = frame_of(engine, economist, population="itt").set_index("episode_id")
    for b in cohort.values():
        assert frame.loc[b.episode_id, "age_years"] == b.age, b.key
    assert cohort["day_before_birthday"].age == 59 and cohort["on_birthday"].age == 60
    assert selected(engine, economist, age_bands=["0-17", "65+"]) == expected(
        cohort, a=lambda b: b.age <= 17 or b.age >= 65) == {
        cohort["ball_child"].episode_id, cohort["lbcl_b_old"].episode_id}
    assert selected(engine, economist, age_bands=["60+"]) == expected(cohort, a=lambda b:
                                                                       b.age >= 60)
    assert selected(engine, economist, age_bands=["18-59"], population="itt") == expected(
        cohort, itt=True, a=lambda b: 18 <= b.age <= 59)


def test_outcomes_response_toxicity_and_stays(
    engine: Engine, session: Session, cohort: dict[str, Built], clinician_a: Actor,
    clinician_b: Actor, economist: Actor
) -> None:
    a, old = cohort["lbcl_a"], cohort["lbcl_b_old"]
    ep_a = treatment_read(session, a.episode_id)
    ep_old = treatment_read(session, old.episode_id)
    day0 = a.apheresis + timedelta(days=40)
    f.make_followup(session, clinician_a, ep_a, timepoint="D28", response="PR",
                    assessment_date=day0 + timedelta(days=28))
    f.make_followup(session, clinician_a, ep_a, timepoint="D100", response="CR",
                    assessment_date=day0 + timedelta(days=100), hospital_days=3, icu_days=0)
    events.report_adverse_event(session=session, actor=clinician_a, data=f.ae_data(ep_a))
    f.make_death(session, clinician_a, patient_of(session, a.episode_id),
                 death_date=day0 + timedelta(days=200))
    old_day0 = old.apheresis + timedelta(days=40)
    f.make_followup(session, clinician_b, ep_old, timepoint="D28", response="SD",
                    assessment_date=old_day0 + timedelta(days=28))
    f.make_followup(session, clinician_b, ep_old, timepoint="M6", response="CR",
                    assessment_date=old_day0 + timedelta(days=182))
    events.report_adverse_event(session=session, actor=clinician_b, data=f.ae_data(
        ep_old, grading_scale="Penn", grade=3, signs=None))

    frame = frame_of(engine, economist).set_index("episode_id")
    assert list(frame.reset_index().columns) == list(COHORT_COLUMNS)
    row = frame.loc[a.episode_id]
    assert row["best_response"] == "CR"  # the D100 CR beats the D28 PR
    assert (row["os_time_days"], row["os_event"]) == (200, 1)
    assert (row["hospital_days"], row["icu_days"]) == (14 + 3, 2 + 0)  # factory form: 14, 2
    assert row["crs_max_grade"] == 2 and not row["crs_other_scale"]  # 39.1 C + fluids: ASTCT 2
    assert row["icans_max_grade"] == 0
    assert row["diagnosis_to_apheresis_days"] == (a.apheresis - date(2023, 5, 1)).days
    assert row["vein_to_vein_days"] == 40 and row["site_code"] == "MOW-01"
    late = frame.loc[old.episode_id]
    assert late["best_response"] == "SD"  # the M6 CR (day 182) is after day 114
    assert pd.isna(late["crs_max_grade"]) and late["crs_other_scale"]  # Penn: never pooled
    quiet = frame.loc[cohort["fl_b"].episode_id]
    assert pd.isna(quiet["best_response"]) and pd.isna(quiet["hospital_days"])
    assert quiet["crs_max_grade"] == 0 and quiet["os_event"] == 0
    assert cohort["never"].episode_id not in frame.index

    never = cohort["never"]  # ITT: the never-infused, days from apheresis
    row = frame_of(engine, economist, population="itt").set_index("episode_id").loc[
        never.episode_id]
    assert not row["infused"] and row["not_infused_reason"] == "manufacturing_failure"
    assert row["not_infused_day"] == 19 and pd.isna(row["vein_to_vein_days"])
    assert row["os_time_days"] == (AS_OF - never.apheresis).days and row["os_event"] == 0
    assert row["pfs_efs_time_days"] == 19 and row["pfs_efs_event"] == 1  # giving up = failure
    assert pd.isna(row["best_response"]) and pd.isna(row["crs_max_grade"])


def treatment_read(session: Session, episode_id: int) -> Any:
    from registry.models import TreatmentEpisode, TreatmentEpisodeRead

    return TreatmentEpisodeRead.model_validate(session.get(TreatmentEpisode, episode_id))


def patient_of(session: Session, episode_id: int) -> Any:
    from registry.models import Patient, PatientRead, TreatmentEpisode

    episode = session.get(TreatmentEpisode, episode_id)
    assert episode is not None
    return PatientRead.model_validate(session.get(Patient, episode.patient_id))


def test_frame_is_set_based(engine: Engine, session: Session, cohort: dict[str, Built],
                            clinician_a: Actor, products: tuple[Product, Product],
                            economist: Actor) -> None:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    def run() -> int:
        statements.clear()
        event.listen(engine, "before_cursor_execute", count)
        try:
            frame_of(engine, economist, population="itt")
        finally:
            event.remove(engine, "before_cursor_execute", count)
        return len(statements)

    before = run()
    assert products[0].id is not None
    for _ in range(3):
        f.make_infused_episode(session, clinician_a, products[0].id)
    assert run() == before <= 12  # the same few queries, whatever the number of episodes


def test_data_digest_is_stable_and_tracks_the_data(
    engine: Engine, session: Session, cohort: dict[str, Built], clinician_a: Actor,
    economist: Actor
) -> None:
    first = frame_of(engine, economist)
    assert data_digest(first) == data_digest(frame_of(engine, economist))
    assert data_digest(first) == data_digest(first.sample(frac=1.0, random_state=3))
    canonical = first.sort_values("episode_id").to_csv(index=False, lineterminator="\n")
    assert data_digest(first) == hashlib.sha256(canonical.encode()).hexdigest()
    f.make_followup(session, clinician_a, treatment_read(session, cohort["lbcl_a"].episode_id))
    assert data_digest(frame_of(engine, economist)) != data_digest(first)


# ---- access and bad input ---------------------------------------------------------------------


def test_only_economists_and_the_system_may_build_cohorts(
    engine: Engine, cohort: dict[str, Built], leadership: Actor, clinician_a: Actor,
    data_manager: Actor, system: Actor, economist: Actor
) -> None:
    for actor in (leadership, clinician_a, data_manager):
        with pytest.raises(PermissionDenied, match="cohort:analyse"):
            frame_of(engine, actor)
    assert selected(engine, system) == selected(engine, economist) == expected(cohort)
    with pytest.raises(InvalidInput) as caught:
        frame_of(engine, economist, product_codes=["YESCARTA"])
    assert caught.value.errors[0].field == "product_codes" and "YESCARTA" in str(caught.value)
    with pytest.raises(InvalidInput) as caught:
        frame_of(engine, economist, site_ids=[999])
    assert caught.value.errors[0].field == "site_ids" and "999" in str(caught.value)


# ---- the definition (no database) -------------------------------------------------------------


def test_digest_is_order_independent_and_ignores_the_name() -> None:
    a = CohortDefinition(name="a", product_codes=["NMRC-CD19", "KYMRIAH", "KYMRIAH"],
                         indications=["LBCL", "B-ALL"], site_ids=[3, 1], age_bands=["65+",
                                                                                   "0-17"])
    b = CohortDefinition(name="b", age_bands=["0-17", "65+"], site_ids=[1, 3],
                         indications=["B-ALL", "LBCL"], product_codes=["KYMRIAH", "NMRC-CD19"])
    assert a.canonical_json() == b.canonical_json() and a.digest() == b.digest()
    assert a.digest() == hashlib.sha256(a.canonical_json().encode("utf-8")).hexdigest()
    parsed = json.loads(a.canonical_json())
    assert list(parsed) == sorted(parsed) and "name" not in parsed
    assert parsed["product_codes"] == ["KYMRIAH", "NMRC-CD19"] and parsed["site_ids"] == [1, 3]
    assert a.digest() != CohortDefinition(product_codes=["KYMRIAH"]).digest()
    assert a.digest() != CohortDefinition(**(a.filters() | {"population": "itt"})).digest()
    assert CohortDefinition.from_json(a.canonical_json()).digest() == a.digest()
    assert CohortDefinition().digest() == CohortDefinition.from_json("{}").digest()


@pytest.mark.parametrize(("values", "field"), [
    ({"product_codes": []}, "product_codes"),
    ({"product_codes": "KYMRIAH"}, "product_codes"),
    ({"indications": ["ALL"]}, "indications.0"),
    ({"site_ids": [0]}, "site_ids"),
    ({"age_bands": ["old"]}, "age_bands"),
    ({"age_bands": ["40-18"]}, "age_bands"),
    ({"period_from": date(2025, 6, 1), "period_to": date(2025, 1, 1)}, "period_to"),
    ({"prior_lines_min": 3, "prior_lines_max": 1}, "prior_lines_max"),
    ({"prior_lines_min": -1}, "prior_lines_min"),
    ({"population": "everyone"}, "population"),
    ({"sites": [1]}, "sites"),
])
def test_bad_definitions_name_the_field(values: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        CohortDefinition(**values)
    assert [e.field for e in caught.value.errors] == [field]


def test_definition_is_frozen_and_from_json_refuses_non_objects() -> None:
    definition = CohortDefinition(indications=["FL"])
    with pytest.raises(ValidationError):
        definition.population = "itt"  # type: ignore[misc]
    for text in ("[1, 2]", "not json", '"x"'):
        with pytest.raises(InvalidInput) as caught:
            CohortDefinition.from_json(text)
        assert caught.value.errors[0].field == "definition"


def test_age_band_labels() -> None:
    assert age_band_limits("0-17") == (0, 17) and age_band_limits(" 65 + ") == (65, None)
    for bad in ("65", "a-b", "18-", "-5", "30-20"):
        with pytest.raises(ValueError):
            age_band_limits(bad)
