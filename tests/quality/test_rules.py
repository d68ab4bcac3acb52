"""Data-quality rules: each fires on a record that breaks it and stays silent on one that
does not; queries are never duplicated; only data managers (and the system) run them.

Offending rows are written with the ORM directly (bulk-loaded or legacy data), bypassing
the services that would refuse them. Every test runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from registry.auth import SYSTEM_ACTOR, Actor
from registry.errors import InvalidInput, PermissionDenied
from registry.models import (
    AdverseEvent,
    AuditEvent,
    DataQuery,
    Death,
    FollowUp,
    Patient,
    Product,
    Site,
    TreatmentEpisode,
)
from registry.models.enums import AdverseEventType, QueryStatus, Role, Timepoint
from registry.quality import RULES, Rule, check_after_write, rules_for_table, run_rules
from registry.quality.engine import WRITE_TABLES
from registry.schedule import FormStatus, list_expected_forms
from registry.services.events import compute_grade
from registry.services.queries import answer_query, list_queries, set_query_status
from tests.conftest import seeded_engine

AS_OF = date(2026, 1, 31)
INFUSION = date(2025, 3, 1)
DM = Actor(None, "dm", Role.data_manager)
_n = itertools.count(1)


def fmt(value: date) -> str:
    return value.strftime("%d.%m.%Y")


@dataclass
class World:
    """Builds rows straight into the database, as a bulk load would."""

    session: Session
    a: Site
    b: Site
    product: Product  # dose range 1e7..6e8 CAR+ cells
    plain: Product  # no dose range

    def add(self, row: Any) -> Any:
        self.session.add(row)
        self.session.flush()
        return row

    def patient(self, site: Site | None = None, identity: str | None = None) -> Patient:
        n = next(_n)
        p = self.add(Patient(site_patient_code=f"SITE-CODE-{n}", sex="F", birth_year=1970,
                             indication="LBCL", diagnosis_date=date(2023, 1, 1), prior_lines=2,
                             consent_date=date(2024, 12, 1), site_id=(site or self.a).id,
                             identity_hash=identity or f"hash-{n}"))
        p.registry_id = f"R-{p.id:06d}"
        return p

    def episode(self, patient: Patient, *, infusion: date | None = INFUSION,
                apheresis: date | None = None, dose: float | None = 2e8,
                product: Product | None = None) -> TreatmentEpisode:
        aph = apheresis or (infusion or INFUSION) - timedelta(days=40)
        return self.add(TreatmentEpisode(
            patient_id=patient.id, site_id=patient.site_id, product_id=(product or self.product).id,
            apheresis_date=aph, infusion_date=infusion, dose_car_positive_cells=dose))

    def followup(self, ep: TreatmentEpisode, timepoint: str = "D28", day: int = 28,
                 **values: Any) -> FollowUp:
        assert ep.infusion_date is not None
        fields = {"response": "CR", "hospital_days": 14, "icu_days": 2} | values
        return self.add(FollowUp(episode_id=ep.id, site_id=ep.site_id, timepoint=timepoint,
                                 assessment_date=ep.infusion_date + timedelta(days=day),
                                 **fields))

    def event(self, ep: TreatmentEpisode, kind: str = "CRS", grade: int | None = 2,
              signs: dict[str, Any] | None = None, day: int = 2, **values: Any) -> AdverseEvent:
        assert ep.infusion_date is not None
        return self.add(AdverseEvent(episode_id=ep.id, site_id=ep.site_id, event_type=kind,
                                     onset_date=ep.infusion_date + timedelta(days=day),
                                     grade=grade, signs=signs, **values))

    def death(self, patient: Patient, on: date) -> Death:
        return self.add(Death(patient_id=patient.id, site_id=patient.site_id, death_date=on,
                              cause="disease"))

    def clean(self, site: Site | None = None, **episode: Any) -> tuple[Patient, TreatmentEpisode]:
        """An infused patient whose records break no rule (D28 form with a response)."""
        p = self.patient(site)
        ep = self.episode(p, **episode)
        self.followup(ep)
        return p, ep


@pytest.fixture
def world(session: Session, sites: tuple[Site, Site], products: tuple[Product, Product]) -> World:
    return World(session, sites[0], sites[1], products[0], products[1])


@dataclass(frozen=True)
class Expect:
    """The query a case must raise: record, field, site, and words the message must hold."""

    table_name: str
    row_id: int
    field: str
    site_id: int | None
    words: tuple[str, ...]
    never: tuple[str, ...] = ()


# ---- one case per rule: bad=True breaks the rule, bad=False is the nearest record that does not


def dq01(w: World, bad: bool) -> Expect:
    p, ep = w.clean()
    aph = ep.infusion_date + timedelta(days=1 if bad else 0)  # same day is possible
    ep.apheresis_date = aph
    return Expect("treatmentepisode", ep.id, "infusion_date", w.a.id,
                  ("infusion date", "apheresis date", fmt(INFUSION), fmt(aph), p.registry_id,
                   "check both dates"))


def dq02(w: World, bad: bool) -> Expect:
    p, ep = w.clean()
    fu = w.followup(ep, "D100", 100, hospital_days=3, icu_days=5 if bad else 3)
    return Expect("followup", fu.id, "icu_days", w.a.id,
                  ("icu days (5)", "hospital days (3)", "d100", p.registry_id,
                   fmt(INFUSION + timedelta(days=100)), "check both counts"))


def dq03(w: World, bad: bool) -> Expect:
    p, ep = w.clean()
    died = INFUSION + timedelta(days=27 if bad else 28)  # a form on the day of death is fine
    w.death(p, died)
    fu = w.session.exec(select(FollowUp).where(FollowUp.episode_id == ep.id)).one()
    return Expect("followup", fu.id, "assessment_date", w.a.id,
                  ("assessment date", fmt(INFUSION + timedelta(days=28)), fmt(died), "death",
                   p.registry_id, "d28"))


def dq04(w: World, bad: bool) -> Expect:
    # the D28 window closes on day 35: due on that day, overdue the day after
    infused = AS_OF - timedelta(days=36 if bad else 35)
    p = w.patient(w.b)
    ep = w.episode(p, infusion=infused)
    return Expect("treatmentepisode", ep.id, "response", w.b.id,
                  ("d28", "not been received", fmt(infused),
                   fmt(infused + timedelta(days=35)), p.registry_id, "submit the d28 form"))


def dq05(w: World, bad: bool) -> Expect:
    p, ep = w.clean()
    assessed = INFUSION + timedelta(days=182)
    relapse = assessed if bad else assessed - timedelta(days=1)
    fu = w.followup(ep, "M6", 182, response="CR", relapse_or_progression=True,
                    relapse_date=relapse)
    return Expect("followup", fu.id, "relapse_date", w.a.id,
                  ("response cr", "relapse", fmt(assessed), "m6", p.registry_id,
                   "check the response and the relapse date"))


def dq06(w: World, bad: bool) -> Expect:
    aph = INFUSION - timedelta(days=181 if bad else 180)
    p, ep = w.clean(apheresis=aph)
    return Expect("treatmentepisode", ep.id, "infusion_date", w.a.id,
                  ("vein-to-vein", "181 days", fmt(aph), fmt(INFUSION), p.registry_id,
                   "check both dates"))


def dq07(w: World, bad: bool) -> Expect:
    p, ep = w.clean(dose=6.5e8 if bad else 6e8)  # the product's maximum is allowed
    return Expect("treatmentepisode", ep.id, "dose_car_positive_cells", w.a.id,
                  ("car+ dose", "6.5 x 10^8", "1.0 x 10^7", "6.0 x 10^8", w.product.code,
                   p.registry_id, "check the dose and its unit"))


def dq08(w: World, bad: bool) -> Expect:
    p, ep = w.clean()
    signs = {"max_temperature_c": 39.1, "hypotension": "no_vasopressor", "oxygen": "none"}
    reason = None if bad else "hypotension was from sepsis, not CRS"
    ae = w.event(ep, "CRS", grade=1, signs=signs, computed_grade=2, grade_override_reason=reason)
    return Expect("adverseevent", ae.id, "grade", w.a.id,
                  ("crs", "grade 1", "astct 2019 grade 2", "no_vasopressor", p.registry_id,
                   fmt(INFUSION + timedelta(days=2)), "reason for the override"))


def dup_id(w: World, bad: bool) -> Expect:
    person = f"person-{next(_n)}"
    first = w.patient(w.a, identity=person)
    later = w.patient(w.b, identity=person if bad else f"another-{person}")
    return Expect("patient", later.id, "identity_hash", None,
                  (first.registry_id or "", later.registry_id or "", "MOW-01", "SPB-01",
                   "national insurance number", "transfer"),
                  never=(first.site_patient_code, later.site_patient_code))


CASES: dict[str, Callable[[World, bool], Expect]] = {
    "DQ01": dq01, "DQ02": dq02, "DQ03": dq03, "DQ04": dq04, "DQ05": dq05, "DQ06": dq06,
    "DQ07": dq07, "DQ08": dq08, "DUP-ID": dup_id,
}


def queries(session: Session) -> list[DataQuery]:
    return list(session.exec(select(DataQuery).order_by(col(DataQuery.id))))


def test_every_rule_has_a_case_and_a_well_formed_entry() -> None:
    assert set(CASES) == {rule.id for rule in RULES}
    assert len({rule.id for rule in RULES}) == len(RULES)
    for rule in RULES:
        assert rule.severity in ("error", "warning") and rule.description
        assert set(rule.tables) <= set(WRITE_TABLES), rule.id
    with pytest.raises(ValueError, match="severity"):
        Rule("X", "x", "info", ("patient",), RULES[0].check)  # type: ignore[arg-type]


@pytest.mark.parametrize("rule_id", list(CASES))
def test_rule_silent_on_the_nearest_good_record_and_fires_on_a_bad_one(world: World,
                                                                       rule_id: str) -> None:
    CASES[rule_id](world, False)
    silent = run_rules(session=world.session, actor=DM, as_of=AS_OF)  # every rule
    assert (silent.found, silent.raised) == (0, 0), [q.message for q in queries(world.session)]
    assert set(silent.by_rule) == {rule.id for rule in RULES}

    expect = CASES[rule_id](world, True)
    result = run_rules(session=world.session, actor=DM, rule_ids=[rule_id], as_of=AS_OF)
    assert (result.found, result.raised) == (1, 1)
    [query] = queries(world.session)
    assert (query.rule_id, query.table_name, query.row_id, query.field, query.site_id,
            query.status) == (rule_id, expect.table_name, expect.row_id, expect.field,
                              expect.site_id, QueryStatus.open)
    assert result.query_ids == (query.id,)
    text = query.message.lower()
    for word in expect.words:  # names the field, echoes the values, says what to check
        assert word.lower() in text, (word, query.message)
    for word in expect.never:
        assert word.lower() not in text, (word, query.message)


def test_second_run_raises_nothing_and_every_query_is_audited(world: World) -> None:
    for case in CASES.values():
        case(world, True)
    first = run_rules(session=world.session, actor=DM, as_of=AS_OF)
    assert first.raised == first.found == len(RULES)
    assert all(t.found == t.raised == 1 for t in first.by_rule.values())
    second = run_rules(session=world.session, actor=DM, as_of=AS_OF)
    assert (second.found, second.raised, second.already_open) == (len(RULES), 0, len(RULES))
    assert len(queries(world.session)) == len(RULES)
    audits = world.session.exec(select(AuditEvent).where(
        AuditEvent.table_name == "dataquery")).all()
    assert sorted(a.row_id for a in audits if a.row_id is not None) == sorted(first.query_ids)
    assert {a.action.value for a in audits} == {"create"} and {a.username for a in audits} == {"dm"}
    assert {a.after["rule_id"] for a in audits if a.after} == set(CASES)


def test_answered_or_closed_query_blocks_a_duplicate_until_reopened(
        world: World, clinician_a: Actor) -> None:
    dq01(world, True)
    dq06(world, True)
    answered, closed = run_rules(session=world.session, actor=DM, as_of=AS_OF).query_ids
    answer_query(session=world.session, actor=clinician_a, query_id=answered,
                 body="Checked: the infusion date is a typo, correcting it.")
    assert world.session.get(DataQuery, answered).status == QueryStatus.answered  # type: ignore[union-attr]
    set_query_status(session=world.session, actor=DM, query_id=closed, status=QueryStatus.closed,
                     reason="re-manufactured product; dates confirmed")
    again = run_rules(session=world.session, actor=DM, as_of=AS_OF)
    assert (again.found, again.raised, again.already_open, again.closed) == (2, 0, 1, 1)
    assert (again.by_rule["DQ01"].already_open, again.by_rule["DQ06"].closed) == (1, 1)
    set_query_status(session=world.session, actor=DM, query_id=closed, status=QueryStatus.open,
                     reason="look again")
    reopened = run_rules(session=world.session, actor=DM, as_of=AS_OF)
    assert (reopened.raised, reopened.already_open, reopened.closed) == (0, 2, 0)
    assert len(queries(world.session)) == 2


def test_only_data_managers_and_the_system_run_rules(world: World) -> None:
    dq01(world, True)
    for role in (Role.site_clinician, Role.leadership, Role.economist):
        site = world.a.id if role == Role.site_clinician else None
        with pytest.raises(PermissionDenied):
            run_rules(session=world.session, actor=Actor(7, "someone", role, site_id=site))
    assert queries(world.session) == []
    assert run_rules(session=world.session, actor=SYSTEM_ACTOR, as_of=AS_OF).raised == 1
    assert queries(world.session)[0].raised_by_user_id is None


def test_a_site_sees_the_queries_on_its_records_only(world: World, clinician_a: Actor,
                                                     clinician_b: Actor) -> None:
    mine, theirs, dup = dq01(world, True), dq04(world, True), dup_id(world, True)
    run_rules(session=world.session, actor=DM, as_of=AS_OF)
    seen_a = {(q.table_name, q.row_id) for q in list_queries(session=world.session,
                                                             actor=clinician_a)}
    seen_b = {(q.table_name, q.row_id) for q in list_queries(session=world.session,
                                                             actor=clinician_b)}
    assert seen_a == {(mine.table_name, mine.row_id)}
    assert seen_b == {(theirs.table_name, theirs.row_id)}
    seen_dm = {(q.table_name, q.row_id) for q in list_queries(session=world.session, actor=DM)}
    assert (dup.table_name, dup.row_id) in seen_dm


def test_scope_by_episode_and_patient(world: World) -> None:
    one, two = dq01(world, True), dq01(world, True)
    patient_two = world.session.get(TreatmentEpisode, two.row_id).patient_id  # type: ignore[union-attr]
    by_episode = run_rules(session=world.session, actor=DM, episode_ids=[one.row_id], as_of=AS_OF)
    assert [q.row_id for q in queries(world.session)] == [one.row_id] and by_episode.raised == 1
    by_patient = run_rules(session=world.session, actor=DM, patient_ids=[patient_two], as_of=AS_OF)
    assert by_patient.raised == 1 and queries(world.session)[-1].row_id == two.row_id
    assert run_rules(session=world.session, actor=DM, patient_ids=[], as_of=AS_OF).found == 0


def test_unknown_rule_or_bad_id_is_refused_before_any_query() -> None:
    unbound = Session()  # refused before the database is touched
    with pytest.raises(InvalidInput) as info:
        run_rules(session=unbound, actor=DM, rule_ids=["DQ99"])
    assert info.value.errors[0].field == "rule_ids" and "DQ99" in str(info.value)
    with pytest.raises(InvalidInput) as info:
        run_rules(session=unbound, actor=DM, episode_ids=["3"])  # type: ignore[list-item]
    assert info.value.errors[0].field == "episode_ids"


# ---- edges of single rules ---------------------------------------------------------------------


def run(w: World, rule_id: str, as_of: date = AS_OF) -> list[tuple[str, int | None, str | None]]:
    run_rules(session=w.session, actor=DM, rule_ids=[rule_id], as_of=as_of)
    return [(q.table_name, q.row_id, q.field) for q in queries(w.session)]


def test_d28_missed_or_not_infused_raises_nothing_and_empty_response_is_flagged(
        world: World) -> None:
    dead = world.patient()
    world.death(dead, INFUSION + timedelta(days=20))  # died before day 28: missed
    world.episode(dead)
    lost = world.episode(world.patient())
    world.followup(lost, "unscheduled", 10, lost_to_follow_up=True)  # lost before day 28
    world.episode(world.patient(), infusion=None)  # never infused
    late = world.episode(world.patient())
    world.death(world.session.get(Patient, late.patient_id), INFUSION + timedelta(days=30))
    world.followup(world.clean()[1], "D100", 100)  # D28 present: fine
    blank = world.followup(world.episode(world.patient()), response=None)
    assert set(run(world, "DQ04")) == {("treatmentepisode", late.id, "response"),
                                       ("followup", blank.id, "response")}
    [message] = [q.message for q in queries(world.session) if q.table_name == "followup"]
    assert "no response" in message and "NE (not evaluable)" in message


def test_adverse_event_after_death_is_flagged(world: World) -> None:
    p, ep = world.clean()
    ae = world.event(ep, "infection", grade=3, day=40)
    world.event(ep, "infection", grade=2, day=30)
    world.death(p, INFUSION + timedelta(days=35))
    assert run(world, "DQ03") == [("adverseevent", ae.id, "onset_date")]
    assert fmt(INFUSION + timedelta(days=40)) in queries(world.session)[0].message


def test_dose_below_range_flagged_and_unknown_range_or_dose_never(world: World) -> None:
    _, low = world.clean(dose=9e6)
    world.clean(dose=9e6, product=world.plain)  # product without a range
    world.clean(dose=None)
    assert run(world, "DQ07") == [("treatmentepisode", low.id, "dose_car_positive_cells")]


def test_grade_rule_covers_icans_missing_grade_and_ungradable_signs(world: World) -> None:
    _, ep = world.clean()
    icans = world.event(ep, "ICANS", grade=1, signs={"ice": 2})  # ICE 2 is grade 3
    no_grade = world.event(ep, "CRS", grade=None, signs={"max_temperature_c": 38.5})
    broken = world.event(ep, "CRS", grade=2, signs={"hypotension": "dopamine"})
    world.event(ep, "CRS", grade=1, signs={"max_temperature_c": 38.5})  # consistent
    world.event(ep, "CRS", grade=3, signs=None)  # no signs recorded
    world.event(ep, "CRS", grade=3, signs={"max_temperature_c": 38.5},
                grading_scale="Penn")  # other scale: not graded by the calculator
    assert set(run(world, "DQ08")) == {("adverseevent", icans.id, "grade"),
                                       ("adverseevent", no_grade.id, "grade"),
                                       ("adverseevent", broken.id, "signs")}
    messages = {q.row_id: q.message for q in queries(world.session)}
    assert "grade 3" in messages[icans.id] and "no grade" in messages[no_grade.id]
    assert "dopamine" in messages[broken.id]


def test_identity_rule_one_query_per_later_registration(world: World) -> None:
    third = world.add(Site(code="KZN-01", name="Kazan", city="Kazan", region="Tatarstan"))
    first = world.patient(world.a, "twice")
    world.patient(world.a, "same-site")
    world.patient(world.a, "same-site")  # same site: not this rule's finding
    second = world.patient(world.b, "twice")
    last = world.patient(third, "twice")
    assert run(world, "DUP-ID") == [("patient", second.id, "identity_hash"),
                                    ("patient", last.id, "identity_hash")]
    assert all(q.site_id is None and first.registry_id in q.message
               for q in queries(world.session))


# ---- after a write -----------------------------------------------------------------------------


def test_check_after_write_raises_in_the_writers_transaction(world: World) -> None:
    world.session.commit()
    _, ep = world.clean()
    fu = world.followup(ep, "D100", 100, hospital_days=1, icu_days=4)
    result = check_after_write(world.session, "followup", [fu.id])
    assert result.raised == 1 and set(result.by_rule) == {"DQ02", "DQ03", "DQ05"}
    world.session.rollback()  # the write fails: its query goes with it
    assert queries(world.session) == []
    _, ep = world.clean()
    fu = world.followup(ep, "D100", 100, hospital_days=1, icu_days=4)
    check_after_write(world.session, "followup", [fu.id])
    world.session.commit()
    [query] = queries(world.session)
    assert (query.rule_id, query.row_id, query.raised_by_user_id) == ("DQ02", fu.id, None)
    audit = world.session.exec(select(AuditEvent).where(AuditEvent.table_name == "dataquery")).one()
    assert (audit.username, audit.row_id) == ("system", query.id)


def test_check_after_write_scopes_to_the_rows_patients_and_skips_time_rules(world: World) -> None:
    _, bad = world.clean(dose=7e8)
    _, other = world.clean(dose=7e8)
    world.episode(world.patient(), infusion=date(2020, 1, 1))  # D28 long overdue
    assert check_after_write(world.session, "treatmentepisode", [bad.id]).raised == 1
    assert [q.row_id for q in queries(world.session)] == [bad.id]
    world.product.dose_max_cells = 8e8
    world.product.dose_min_cells = 7.5e8  # now every 2e8 and 7e8 dose is below range
    world.session.flush()
    by_product = check_after_write(world.session, "product", [world.product.id])
    assert (by_product.already_open, by_product.raised) == (1, 2)  # other and the 2020 one
    assert other.id in {q.row_id for q in queries(world.session)}
    assert all(q.rule_id == "DQ07" for q in queries(world.session))


def test_every_write_table_maps_to_its_patients(world: World) -> None:
    p, ep = world.clean()
    ids = {"patient": p.id, "treatmentepisode": ep.id, "product": world.product.id,
           "death": world.death(p, AS_OF).id, "followup": world.followup(ep, "D100", 100).id,
           "adverseevent": world.event(ep, "infection", 2).id}
    assert set(ids) == set(WRITE_TABLES)
    for table, row_id in ids.items():
        result = check_after_write(world.session, table, [row_id])
        assert result.found == 0, table
        assert {r.id for r in rules_for_table(table) if r.on_write} == set(result.by_rule)
    ep.infusion_date = ep.apheresis_date - timedelta(days=1)  # breaks DQ01 only
    world.session.flush()
    found = {t: check_after_write(world.session, t, [ids[t]]).found for t in WRITE_TABLES}
    assert found == {t: int(t == "treatmentepisode") for t in WRITE_TABLES}
    assert check_after_write(world.session, "manufacturinglot", [1]).by_rule == {}
    assert check_after_write(world.session, "followup", []).found == 0


def test_rules_for_table() -> None:
    assert [r.id for r in rules_for_table("followup")] == ["DQ02", "DQ03", "DQ04", "DQ05"]
    assert [r.id for r in rules_for_table("patient")] == ["DUP-ID"]
    assert rules_for_table("manufacturinglot") == ()
    assert {r.id for r in RULES if not r.on_write} == {"DQ04"}


# ---- a seeded synthetic cohort, with known damage --------------------------------------------

SEED_AS_OF = date(2026, 11, 1)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                               marks=pytest.mark.postgres)])
def seeded(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """300 synthetic patients in a database of their own, per backend."""
    with seeded_engine(request.param, tmp_path_factory.mktemp("quality"), patients=300,
                       seed=11, as_of=SEED_AS_OF) as engine:
        yield engine


def damage(session: Session) -> None:
    """Break each rule on a few rows, as a faulty bulk load would."""
    episodes = session.exec(select(TreatmentEpisode).where(
        col(TreatmentEpisode.infusion_date).is_not(None)).order_by(col(TreatmentEpisode.id))).all()
    for ep in episodes[:4]:
        ep.infusion_date = ep.apheresis_date - timedelta(days=2)
    for ep in episodes[4:7]:
        assert ep.infusion_date is not None
        ep.apheresis_date = ep.infusion_date - timedelta(days=200)
    for ep in episodes[7:10]:
        ep.dose_car_positive_cells = 2e9
    forms = session.exec(select(FollowUp).order_by(col(FollowUp.id))).all()
    for fu in [f for f in forms if f.hospital_days is not None][:5]:
        fu.icu_days = fu.hospital_days + 1  # type: ignore[operator]
    for fu in [f for f in forms if f.timepoint == Timepoint.d100 and f.response == "CR"][:4]:
        fu.relapse_or_progression, fu.relapse_date = True, fu.assessment_date
    for fu in [f for f in forms if f.timepoint == Timepoint.d28 and f.response][:2]:
        fu.response = None
    episode_of = {ep.id: ep for ep in session.exec(select(TreatmentEpisode))}
    deaths = {d.patient_id: d for d in session.exec(select(Death))}
    dead_forms = [f for f in forms if episode_of[f.episode_id].patient_id in deaths]
    for fu in dead_forms[:3]:
        fu.assessment_date = deaths[episode_of[fu.episode_id].patient_id].death_date + \
            timedelta(days=1)
        fu.relapse_date = fu.new_therapy_date = None
    crs = session.exec(select(AdverseEvent).where(AdverseEvent.event_type == "CRS")
                       .order_by(col(AdverseEvent.id))).all()
    for ae in [a for a in crs if a.signs and (a.grade or 0) < 4][:3]:
        ae.grade = (ae.grade or 0) + 1
    patients = session.exec(select(Patient).order_by(col(Patient.id))).all()
    other = next(p for p in patients if p.site_id != patients[0].site_id)
    other.identity_hash = patients[0].identity_hash
    session.commit()


def frame(session: Session, *columns: Any) -> pd.DataFrame:
    rows = session.execute(select(*columns)).all()
    return pd.DataFrame([tuple(r) for r in rows], columns=[c.key for c in columns])


def expected_findings(session: Session) -> dict[str, int]:
    """Each rule's findings, computed without the rules: pandas over whole tables, and the
    schedule service for overdue D28 forms."""
    te, fu, ae = TreatmentEpisode, FollowUp, AdverseEvent
    ep = frame(session, col(te.id), col(te.patient_id), col(te.product_id),
               col(te.apheresis_date), col(te.infusion_date), col(te.dose_car_positive_cells))
    ep = ep.rename(columns={"id": "episode_id"}).merge(
        frame(session, col(Product.id), col(Product.dose_min_cells), col(Product.dose_max_cells)),
        left_on="product_id", right_on="id")
    forms = frame(session, col(fu.episode_id), col(fu.timepoint), col(fu.assessment_date),
                  col(fu.response), col(fu.hospital_days), col(fu.icu_days),
                  col(fu.relapse_or_progression), col(fu.relapse_date),
                  col(fu.lost_to_follow_up)).merge(ep, on="episode_id")
    events = frame(session, col(ae.episode_id), col(ae.event_type), col(ae.onset_date),
                   col(ae.grade), col(ae.grading_scale), col(ae.signs),
                   col(ae.grade_override_reason)).merge(ep, on="episode_id")
    deaths = frame(session, col(Death.patient_id), col(Death.death_date))
    infused = ep.dropna(subset=["infusion_date"])
    v2v = (pd.to_datetime(infused["infusion_date"]) - pd.to_datetime(infused["apheresis_date"]))
    dose = ep.dropna(subset=["dose_car_positive_cells", "dose_min_cells", "dose_max_cells"])
    astct = events[events["event_type"].isin([AdverseEventType.crs, AdverseEventType.icans])
                   & (events["grading_scale"] == "ASTCT2019")
                   & events["grade_override_reason"].fillna("").str.strip().eq("")
                   & events["signs"].map(bool)]
    regraded = [compute_grade(k, s) != g for k, s, g in
                zip(astct["event_type"], astct["signs"], astct["grade"], strict=True)]
    people = frame(session, col(Patient.id), col(Patient.site_id), col(Patient.identity_hash))
    pairs = people.merge(people, on="identity_hash", suffixes=("", "_other"))
    pairs = pairs[(pairs["id_other"] < pairs["id"]) & (pairs["site_id_other"] != pairs["site_id"])]
    overdue = [x for x in list_expected_forms(session=session, actor=DM, as_of=SEED_AS_OF,
                                               statuses=[FormStatus.overdue])
               if x.timepoint == Timepoint.d28]
    after_death = 0
    for table, dated in ((forms, "assessment_date"), (events, "onset_date")):
        with_death = table.merge(deaths, on="patient_id")
        after_death += int((with_death[dated] > with_death["death_date"]).sum())
    day = (pd.to_datetime(forms["assessment_date"]) - pd.to_datetime(forms["infusion_date"]))
    lost_early = set(forms.loc[forms["lost_to_follow_up"] & (day.dt.days < 28), "episode_id"])
    dead = forms.merge(deaths, on="patient_id")
    died_early = set(dead.loc[(pd.to_datetime(dead["death_date"])
                               - pd.to_datetime(dead["infusion_date"])).dt.days < 28,
                              "episode_id"])
    d28 = forms[(forms["timepoint"] == Timepoint.d28)
                & ~forms["episode_id"].isin(lost_early | died_early)]
    blank = d28[d28["response"].isna()
                & (pd.to_datetime(d28["infusion_date"]) + pd.Timedelta(days=35)
                   < pd.Timestamp(SEED_AS_OF))]
    assert len(blank) > 0  # the damage reaches the second half of DQ04
    return {
        "DQ01": int((infused["infusion_date"] < infused["apheresis_date"]).sum()),
        "DQ02": int((forms["icu_days"] > forms["hospital_days"]).sum()),
        "DQ03": int(after_death),
        "DQ04": len(overdue) + len(blank),
        "DQ05": int((forms["response"].isin(["CR", "CRi"]) & forms["relapse_or_progression"]
                     & (forms["relapse_date"] == forms["assessment_date"])).sum()),
        "DQ06": int((v2v.dt.days > 180).sum()),
        "DQ07": int(((dose["dose_car_positive_cells"] < dose["dose_min_cells"])
                     | (dose["dose_car_positive_cells"] > dose["dose_max_cells"])).sum()),
        "DQ08": sum(regraded),
        "DUP-ID": int(pairs["id"].nunique()),
    }


@pytest.mark.slow
def test_seeded_cohort_runs_set_based_and_a_second_run_raises_nothing(seeded: Engine) -> None:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    with Session(seeded, expire_on_commit=False) as session:
        damage(session)
        expected = expected_findings(session)
        assert all(n > 0 for n in expected.values()), expected
        event.listen(seeded, "before_cursor_execute", count)
        started = time.perf_counter()
        first = run_rules(session=session, actor=DM, as_of=SEED_AS_OF)
        seconds = time.perf_counter() - started
        first_statements, statements[:] = len(statements), []
        second = run_rules(session=session, actor=DM, as_of=SEED_AS_OF)
        event.remove(seeded, "before_cursor_execute", count)
    assert {rule: tally.found for rule, tally in first.by_rule.items()} == expected
    assert first.raised == first.found == sum(expected.values())
    assert (second.found, second.raised, second.already_open) == (first.found, 0, first.found)
    # set-based: a fixed number of statements, whatever the number of patients or findings
    assert len(statements) <= 2 * len(RULES) and first_statements <= 3 * len(RULES), (
        first_statements, statements)
    assert seconds < 10
