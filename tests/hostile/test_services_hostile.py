"""Hostile input to every write service (issue 9 item 2), as properties tested with hypothesis.

For each service, records mixing valid values with wrong types, huge and strange text, far
dates and injection strings are submitted. Each example must end in one of two ways:

- `InvalidInput` whose every error names a field and has a catalogue code that formats in
  Russian and English, and nothing written: the row count of every table and the newest audit
  id are unchanged (`tests.hostile.snapshot`);
- success, and the record read back in a new session holds every given value verbatim (text
  exactly as typed, other values as the Create model read them).

Other `RegistryError`s are accepted only where the input implies them (`NotFound` for an id
that was replaced, `Conflict` for a replaced version or a taken name, `PermissionDenied` for
another site's id), also without any write; any other exception fails the test. Each test
asserts how many examples ran and that both outcomes occurred.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable, Iterable
from datetime import date, timedelta
from enum import Enum
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel
from sqlmodel import Session, SQLModel, col, select

from pages.ui.text import md_code, md_literal
from registry.auth import Actor
from registry.errors import Conflict, InvalidInput, NotFound, PermissionDenied, RegistryError
from registry.identity import snils_check_digits
from registry.models import (
    AdverseEvent,
    AdverseEventCreate,
    ApheresisCreate,
    DataQuery,
    DataQueryCreate,
    DataQueryMessage,
    Death,
    DeathCreate,
    FollowUp,
    FollowUpCreate,
    InfusionCreate,
    Patient,
    PatientCreate,
    SavedCohort,
    Site,
    SiteCreate,
    TreatmentEpisode,
    UnitCost,
    User,
)
from registry.models.user import UserBase
from registry.services import admin, corrections, events, followup, patients, queries, treatment
from registry.services import workspace as ws
from registry.services.common import text_error
from registry.services.queries import record_fields
from tests import factories as f
from tests.hostile import (
    HYPOTHESIS,
    SCRIPT,
    Tally,
    check_refusal,
    hostile,
    overrides,
    snapshot,
    sometimes,
    storable_text,
    tally,
    text_values,
)
from tests.pages.conftest import Portal, portal, portal_db, steady_router  # noqa: F401

M = TypeVar("M", bound=SQLModel)
EXAMPLES = 60
_numbers = itertools.count(1)


def budget(examples: int = EXAMPLES) -> settings:
    return settings(HYPOTHESIS, max_examples=examples)


def snils(n: int) -> str:
    first9 = f"{700_000_000 + n:09d}"
    return first9 + snils_check_digits(first9)


def attempt(session: Session, call: Callable[[], Any], counts: Tally,
            allowed: Iterable[type[RegistryError]] = (), *, valid: bool = False) -> Any | None:
    """Run one submission: its result, or None after checking the refusal wrote nothing.

    `valid` says the submission holds no hostile value: it must be stored.
    """
    before = snapshot(session)
    try:
        result = call()
    except InvalidInput as exc:
        session.rollback()
        assert not valid, f"a valid submission was refused: {exc}"
        check_refusal(exc)
        assert snapshot(session) == before, f"a refusal wrote something: {exc}"
        counts.add("refused")
        return None
    except RegistryError as exc:
        session.rollback()
        assert isinstance(exc, tuple(allowed)), f"{type(exc).__name__} not implied: {exc}"
        assert snapshot(session) == before, f"a refusal wrote something: {exc}"
        counts.add(type(exc).__name__)
        return None
    counts.add("stored")
    return result


def clean(text: str | None, limit: int) -> bool:
    """Text (or None) a free-text field of at most `limit` characters takes as it is."""
    return text is None or (text_error("text", text) is None and len(text) <= limit)


def read_back(session: Session, model: type[M], row_id: int) -> M:
    """The committed row, from a session of its own."""
    with Session(session.get_bind()) as fresh:
        row = fresh.get(model, row_id)
        assert row is not None
        fresh.expunge(row)
        return row


def assert_stored(row: SQLModel, given: dict[str, Any], typed: BaseModel,
                  skip: Iterable[str] = ()) -> None:
    """Every given field of the model is stored: text verbatim, other values as `typed` read
    them (and at least one field is compared)."""
    compared = 0
    fields = type(typed).model_fields.keys() & type(row).model_fields.keys()
    for name, value in given.items():
        if name in skip or name not in fields:
            continue
        stored = getattr(row, name)
        if isinstance(value, str) and isinstance(stored, str) and not isinstance(stored, Enum):
            assert stored == value, name
        else:
            assert stored == getattr(typed, name), name
        compared += 1
    assert compared, "no given field to compare"


def assert_ran(counts: Tally, examples: int) -> None:
    """Hypothesis ran (nearly) the examples asked, and both outcomes happened."""
    assert counts.examples >= examples * 0.8, counts.outcomes
    assert counts.outcomes["stored"] > 0 and counts.outcomes["refused"] > 0, counts.outcomes


# ---- patients and the treatment chain ---------------------------------------------------------


@pytest.mark.slow
def test_register_patient(session: Session, sites: Any, clinician_a: Actor) -> None:
    counts = tally("register_patient")

    @budget(80)
    @given(changes=overrides(list(PatientCreate.model_fields)))
    def run(changes: dict[str, Any]) -> None:
        n = next(_numbers)
        payload = {"site_patient_code": f"H{n:06d}", "sex": "M", "birth_year": 1960,
                   "indication": "LBCL", "diagnosis_date": date(2023, 5, 1), "prior_lines": 2,
                   "consent_date": date(2024, 1, 10), "national_insurance_number": snils(n)}
        payload |= changes
        made = attempt(session, lambda: patients.register_patient(
            session=session, actor=clinician_a, data=payload), counts,
            [PermissionDenied] if "site_id" in changes else [], valid=not changes)
        if made is not None:
            row = read_back(session, Patient, made.id)
            typed = PatientCreate.model_validate(payload)
            assert_stored(row, payload, typed)

    run()
    assert_ran(counts, 80)


@pytest.mark.slow
def test_record_apheresis(session: Session, products: Any, clinician_a: Actor,
                          clinician_b: Actor) -> None:
    counts = tally("record_apheresis")
    mine = f.make_patient(session, clinician_a)
    theirs = f.make_patient(session, clinician_b)
    ids = st.sampled_from([mine.id, theirs.id, 0, -1, products[1].id + 100])

    @budget()
    @given(changes=overrides(list(ApheresisCreate.model_fields), st.one_of(hostile, ids)))
    def run(changes: dict[str, Any]) -> None:
        payload = {"patient_id": mine.id, "product_id": products[0].id,
                   "apheresis_date": date(2025, 1, 20)} | changes
        made = attempt(session, lambda: treatment.record_apheresis(
            session=session, actor=clinician_a, data=payload), counts,
            [NotFound, PermissionDenied] if "patient_id" in changes else [], valid=not changes)
        if made is not None:
            row = read_back(session, TreatmentEpisode, made.id)
            assert_stored(row, payload, ApheresisCreate.model_validate(payload))

    run()
    assert_ran(counts, EXAMPLES)


@pytest.mark.slow
def test_record_infusion(session: Session, products: Any, clinician_a: Actor) -> None:
    counts = tally("record_infusion")

    @budget(40)
    @given(changes=overrides(list(InfusionCreate.model_fields)))
    def run(changes: dict[str, Any]) -> None:
        patient = f.make_patient(session, clinician_a)
        episode = f.make_episode(session, clinician_a, patient, products[0].id)
        treatment.record_lot(session=session, actor=clinician_a, data=f.lot_data(episode))
        payload = {"episode_id": episode.id, "infusion_date": f.INFUSION, "bridging": "none",
                   "lymphodepletion": "Flu/Cy", "dose_car_positive_cells": 2e8,
                   "weight_kg": 70.5} | changes
        made = attempt(session, lambda: treatment.record_infusion(
            session=session, actor=clinician_a, data=payload), counts,
            [NotFound, PermissionDenied] if "episode_id" in changes else [], valid=not changes)
        if made is not None:
            row = read_back(session, TreatmentEpisode, made.id)
            assert_stored(row, payload, InfusionCreate.model_validate(payload))

    run()
    assert_ran(counts, 40)


# ---- follow-up, adverse events, deaths ----------------------------------------------------------


@pytest.mark.slow
def test_submit_followup(session: Session, products: Any, clinician_a: Actor) -> None:
    counts = tally("submit_followup")
    _, episode = f.make_infused_episode(session, clinician_a, products[0].id)
    days = st.integers(min_value=0, max_value=(date.today() - f.INFUSION).days)

    @budget(80)
    @given(day=days, comments=st.one_of(st.none(), text_values),
           changes=overrides(list(FollowUpCreate.model_fields)))
    def run(day: int, comments: str | None, changes: dict[str, Any]) -> None:
        payload = {"episode_id": episode.id, "timepoint": "unscheduled",
                   "assessment_date": f.INFUSION + timedelta(days=day), "response": "CR",
                   "comments": comments} | changes
        made = attempt(session, lambda: followup.submit_followup(
            session=session, actor=clinician_a, data=payload), counts,
            [NotFound, PermissionDenied] if "episode_id" in changes else [],
            valid=not changes and clean(comments, 2000))
        if made is not None:
            row = read_back(session, FollowUp, made.id)
            assert_stored(row, payload, FollowUpCreate.model_validate(payload),
                          skip={"response_criteria"})

    run()
    assert_ran(counts, 80)


SIGN_NAMES = ["max_temperature_c", "fever_masked", "hypotension", "oxygen", "fatal", "ice",
              "consciousness", "seizure", "motor", "raised_icp", SCRIPT]
signs = st.dictionaries(st.sampled_from(SIGN_NAMES), st.one_of(hostile, st.floats(35, 42)),
                        max_size=4)


@pytest.mark.slow
def test_report_adverse_event(session: Session, products: Any, clinician_a: Actor) -> None:
    counts = tally("report_adverse_event")
    _, episode = f.make_infused_episode(session, clinician_a, products[0].id)

    @budget(80)
    @given(description=st.one_of(st.none(), text_values),
           changes=overrides(list(AdverseEventCreate.model_fields), st.one_of(hostile, signs)))
    def run(description: str | None, changes: dict[str, Any]) -> None:
        payload = {"episode_id": episode.id, "event_type": "CRS",
                   "onset_date": f.INFUSION + timedelta(days=2),
                   "signs": {"max_temperature_c": 39.1, "hypotension": "no_vasopressor",
                             "oxygen": "none"},
                   "tocilizumab_doses": 1, "description": description} | changes
        made = attempt(session, lambda: events.report_adverse_event(
            session=session, actor=clinician_a, data=payload), counts,  # type: ignore[arg-type]
            [NotFound, PermissionDenied] if "episode_id" in changes else [],
            valid=not changes and clean(description, 2000))
        if made is not None:
            row = read_back(session, AdverseEvent, made.id)
            typed = AdverseEventCreate.model_validate(payload)
            assert_stored(row, payload, typed, skip={"grade", "signs"})
            assert row.signs == json.loads(json.dumps(typed.signs))

    run()
    assert_ran(counts, 80)


@pytest.mark.slow
def test_report_death(session: Session, sites: Any, clinician_a: Actor) -> None:
    counts = tally("report_death")

    @budget(50)
    @given(comments=st.one_of(st.none(), text_values),
           changes=overrides(list(DeathCreate.model_fields)))
    def run(comments: str | None, changes: dict[str, Any]) -> None:
        patient = f.make_patient(session, clinician_a)
        payload = {"patient_id": patient.id, "death_date": date(2024, 6, 1), "cause": "disease",
                   "comments": comments} | changes
        made = attempt(session, lambda: events.report_death(
            session=session, actor=clinician_a, data=payload), counts,
            [NotFound, PermissionDenied] if "patient_id" in changes else [],
            valid=not changes and clean(comments, 2000))
        if made is not None:
            row = read_back(session, Death, made.id)
            assert_stored(row, payload, DeathCreate.model_validate(payload))

    run()
    assert_ran(counts, 50)


# ---- corrections and data queries ---------------------------------------------------------------


@pytest.mark.parametrize("table", ["followup", "treatmentepisode"])
@pytest.mark.slow
def test_correct_record(session: Session, products: Any, clinician_a: Actor,
                        table: str) -> None:
    counts = tally(f"correct_record {table}")
    _, episode = f.make_infused_episode(session, clinician_a, products[0].id)
    spec = corrections.CORRECTABLE[table]
    row_id = f.make_followup(session, clinician_a, episode).id if table == "followup" else (
        episode.id)
    fields = [*spec.model.model_fields]
    changes_of = st.dictionaries(st.sampled_from(fields), st.one_of(hostile, text_values),
                                 max_size=3)
    if table == "followup":
        base = sometimes(storable_text, text_values, 0.3).map(lambda text: {"comments": text})
    else:
        bad = st.one_of(st.sampled_from([float("nan"), float("inf"), -1.0, 1e300]), hostile)
        base = sometimes(st.floats(30, 150), bad, 0.4).map(lambda kg: {"weight_kg": kg})
    examples = 60 if table == "followup" else 40

    @budget(examples)
    @given(first=base, more=sometimes(st.just({}), changes_of, 0.4),
           changes=overrides(list(corrections.Correction.model_fields),
                             st.one_of(hostile, changes_of)))
    def run(first: dict[str, Any], more: dict[str, Any], changes: dict[str, Any]) -> None:
        before = read_back(session, spec.model, row_id)
        payload = {"table": table, "row_id": row_id, "expected_version": before.version,
                   "changes": first | more, "reason": "typo in the paper form"} | changes
        implied: list[type[RegistryError]] = []
        if "expected_version" in changes:
            implied.append(Conflict)
        if "row_id" in changes or "table" in changes:
            implied += [NotFound, PermissionDenied]
        value = next(iter(first.values()))
        valid = not changes and not more and (
            clean(value, 2000) if table == "followup" else type(value) is float)
        done = attempt(session, lambda: corrections.correct_record(
            session=session, actor=clinician_a, data=payload), counts, implied, valid=valid)
        if done is not None:
            row = read_back(session, spec.model, row_id)
            given_changes = payload["changes"]
            typed = spec.base.model_validate(
                {n: getattr(before, n) for n in spec.base.model_fields} | given_changes)
            assert_stored(row, given_changes, typed, skip={"response_criteria"})
            assert set(done) <= set(given_changes) | {"response_criteria"}

    run()
    assert_ran(counts, examples)


@pytest.mark.slow
def test_raise_query(session: Session, sites: Any, clinician_a: Actor,
                     data_manager: Actor) -> None:
    counts = tally("raise_query")
    records = [f.make_patient(session, clinician_a).id for _ in range(3)]
    fields = st.one_of(st.none(), st.sampled_from(record_fields("patient")))

    @budget(80)
    @given(table=st.sampled_from(["patient", "patient", "rule"]),
           site=st.sampled_from([None, None, sites[0].id, sites[1].id, 999]),
           row_id=st.sampled_from(records), field=fields, message=text_values,
           changes=overrides(list(DataQueryCreate.model_fields),
                             st.one_of(hostile, st.sampled_from(["rule", "followup", "site"]))))
    def run(table: str, site: int | None, row_id: int, field: str | None, message: str,
            changes: dict[str, Any]) -> None:
        payload = {"table_name": table, "row_id": row_id, "field": field, "message": message,
                   "site_id": site} | changes
        made = attempt(session, lambda: queries.raise_query(
            session=session, actor=data_manager, data=payload), counts)
        if made is not None:
            row = read_back(session, DataQuery, made.id)
            assert_stored(row, payload, DataQueryCreate.model_validate(payload),
                          skip={"site_id"})

    run()
    assert_ran(counts, 80)


@pytest.mark.slow
def test_answer_query(session: Session, sites: Any, clinician_a: Actor,
                      data_manager: Actor) -> None:
    counts = tally("answer_query")
    patient = f.make_patient(session, clinician_a)
    query = queries.raise_query(session=session, actor=data_manager, data={
        "table_name": "patient", "row_id": patient.id, "field": "ecog", "message": SCRIPT})
    bad_ids = st.one_of(st.sampled_from([0, -1, query.id + 1, 2**31, 2**63, True]), hostile)
    ids = sometimes(st.just(query.id), bad_ids, 0.25)

    @budget(80)
    @given(body=sometimes(storable_text, st.one_of(text_values, hostile)), query_id=ids)
    def run(body: Any, query_id: Any) -> None:
        done = attempt(session, lambda: queries.answer_query(
            session=session, actor=clinician_a, query_id=query_id, body=body), counts,
            [] if type(query_id) is int and query_id == query.id else [NotFound],
            valid=type(query_id) is int and query_id == query.id and isinstance(body, str)
            and bool(body.strip()) and clean(body, 4000))
        if done is not None:
            newest = session.exec(select(DataQueryMessage).order_by(
                col(DataQueryMessage.id).desc())).first()
            assert newest is not None and newest.body == body.strip()

    run()
    assert_ran(counts, 80)


# ---- the economist's workspace --------------------------------------------------------------


json_values = st.one_of(storable_text, st.integers(-(2**70), 2**70), st.floats(allow_nan=False,
                        allow_infinity=False), st.booleans(), st.none(),
                        st.lists(st.sampled_from(["LBCL", "B-ALL", 1, None, SCRIPT]), max_size=3))
definitions = st.dictionaries(
    st.one_of(st.sampled_from(["indications", "sites", "age_band", SCRIPT]), st.text(max_size=4)),
    sometimes(json_values, hostile, 0.3), max_size=3)


@pytest.mark.slow
def test_save_cohort(session: Session, economist: Actor) -> None:
    counts = tally("save_cohort")

    @budget(80)
    @given(name=sometimes(storable_text, st.one_of(text_values, hostile)),
           definition=sometimes(definitions, hostile, 0.2))
    def run(name: Any, definition: Any) -> None:
        made = attempt(session, lambda: ws.save_cohort(
            session=session, actor=economist, name=name, definition=definition), counts,
            [Conflict])
        if made is not None:
            row = read_back(session, SavedCohort, made.id)
            assert row.name == name.strip()
            assert row.definition == json.loads(json.dumps(definition))

    run()
    assert_ran(counts, 80)


@pytest.mark.slow
def test_set_unit_cost(session: Session, economist: Actor) -> None:
    counts = tally("set_unit_cost")
    cost = UnitCost(item="icu_day", value=100_000.0, price_year=2025, source="tariff 2025",
                    scenario="hostile", valid_from=date(2025, 1, 1))
    session.add(cost)
    session.commit()
    assert cost.id is not None
    amounts = sometimes(st.one_of(st.floats(min_value=0, max_value=1e9), st.integers(0, 10**9)),
                        hostile, 0.3)
    texts = st.one_of(text_values, hostile)

    @budget(80)
    @given(value=amounts, reason=sometimes(storable_text, texts, 0.3),
           source=sometimes(st.one_of(st.none(), storable_text), texts, 0.3),
           changes=overrides(["unit_cost_id", "expected_version"], share=0.2, junk=False))
    def run(value: Any, reason: Any, source: Any, changes: dict[str, Any]) -> None:
        version = read_back(session, UnitCost, cost.id).version  # type: ignore[arg-type]
        given_ = {"unit_cost_id": cost.id, "value": value, "expected_version": version,
                  "reason": reason, "source": source} | changes
        implied = ([NotFound] if "unit_cost_id" in changes else []) + (
            [Conflict] if "expected_version" in changes else [])
        before = read_back(session, UnitCost, cost.id)  # type: ignore[arg-type]
        done = attempt(session, lambda: ws.set_unit_cost(session=session, actor=economist,
                                                         **given_), counts, implied,
                       valid=not changes and type(value) in (int, float) and 0 <= value
                       and isinstance(reason, str) and clean(reason.strip() or None, 2000)
                       and bool(reason.strip()) and (source is None or isinstance(source, str)
                                                     and clean(source.strip(), 500)))
        if done is not None:
            row = read_back(session, UnitCost, cost.id)  # type: ignore[arg-type]
            assert row.value == value and not isinstance(value, bool)
            if isinstance(source, str) and source.strip():
                assert row.source == source.strip()
            else:
                assert row.source == before.source

    run()
    assert_ran(counts, 80)


# ---- sites and users ------------------------------------------------------------------------


@pytest.mark.slow
def test_create_site(session: Session, data_manager: Actor) -> None:
    counts = tally("create_site")
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

    @budget(80)
    @given(name=text_values, changes=overrides(list(SiteCreate.model_fields)))
    def run(name: str, changes: dict[str, Any]) -> None:
        n = next(_numbers)
        code = f"{letters[n % 26]}{letters[n // 26 % 26]}{letters[n // 676 % 26]}-{n % 100:02d}"
        payload = {"code": code, "name": name, "city": "Kazan", "region": "Tatarstan"} | changes
        made = attempt(session, lambda: admin.create_site(
            session=session, actor=data_manager, data=payload), counts,
            valid=not changes and bool(name) and clean(name, 200))
        if made is not None:
            row = read_back(session, Site, made.id)
            assert_stored(row, payload, SiteCreate.model_validate(payload))

    run()
    assert_ran(counts, 80)


@pytest.mark.slow
def test_create_user(session: Session, sites: Any, data_manager: Actor) -> None:
    counts = tally("create_user")
    site_ids = st.sampled_from([sites[0].id, sites[1].id, 999])

    @budget(25)  # each login's password hash takes argon2id's time
    @given(changes=overrides(list(UserBase.model_fields), st.one_of(hostile, site_ids)))
    def run(changes: dict[str, Any]) -> None:
        payload = {"username": f"hostile.{next(_numbers)}", "role": "leadership",
                   "language": "en"} | changes
        made = attempt(session, lambda: admin.create_user_with_one_time_password(
            session=session, actor=data_manager, data=payload), counts, valid=not changes)
        if made is not None:
            row = read_back(session, User, made.user.id)
            assert_stored(row, payload, UserBase.model_validate(payload))

    run()
    assert_ran(counts, 25)


# ---- not a record at all ----------------------------------------------------------------------


NOT_RECORDS = [None, [], "patient", 5, [("site_patient_code", "X")], b"{}", {1, 2}]


@pytest.mark.parametrize("data", NOT_RECORDS, ids=repr)
def test_a_record_that_is_not_a_record_is_refused(
    session: Session, products: Any, clinician_a: Actor, data_manager: Actor, data: Any
) -> None:
    calls: list[tuple[Callable[..., Any], Actor]] = [
        (patients.register_patient, clinician_a), (treatment.record_apheresis, clinician_a),
        (treatment.record_infusion, clinician_a), (followup.submit_followup, clinician_a),
        (events.report_adverse_event, clinician_a), (events.report_death, clinician_a),
        (corrections.correct_record, clinician_a), (queries.raise_query, data_manager),
        (admin.create_site, data_manager),
        (admin.create_user_with_one_time_password, data_manager),
    ]
    before = snapshot(session)
    for service, actor in calls:
        with pytest.raises(InvalidInput) as exc:
            service(session=session, actor=actor, data=data)
        check_refusal(exc.value)
    assert snapshot(session) == before


# ---- the page shows user text as text ----------------------------------------------------------


@pytest.mark.usefixtures("steady_router")
def test_a_script_in_a_query_and_its_answer_is_shown_as_text(portal: Portal) -> None:  # noqa: F811
    """A data query's message and a site's answer holding a script tag are stored verbatim and
    shown as text (`st.text`, never markdown), as on the data manager's page."""
    clinician = portal.actor("clinician.mow")
    with portal.session() as session:
        patient = f.make_patient(session, clinician)
        query = queries.raise_query(session=session, actor=portal.actor("datamanager"), data={
            "table_name": "patient", "row_id": patient.id, "field": "ecog", "message": SCRIPT})
        queries.answer_query(session=session, actor=clinician, query_id=query.id,
                             body=f"{SCRIPT}\n=HYPERLINK(\"http://evil.example\")")
    at = portal.open("clinician.mow", "queries")
    assert not at.exception
    texts = [e.value for e in at.text]
    assert f"{SCRIPT}\n=HYPERLINK(\"http://evil.example\")" in texts
    assert SCRIPT in texts, "the question is on the page, as text"
    assert not [e for e in at.markdown if SCRIPT in e.value], "no user text as markdown"
    assert all(not e.proto.allow_html for e in at.markdown)
    assert list(at.dataframe[0].value.iloc[:, -1]) == [SCRIPT]


LOT_MARKDOWN = "L[x](http://evil.example)**b**:red[c]![i](http://e.ex/i.png)$x$"


@pytest.mark.usefixtures("steady_router")
def test_a_lot_number_in_markdown_syntax_is_shown_as_typed(portal: Portal) -> None:  # noqa: F811
    """The timeline writes the lot number inside a markdown line, as an inline code span: shown
    exactly as typed, never as a link (not even an autolinked address), an image, bold text or
    a colour."""
    clinician = portal.actor("clinician.mow")
    with portal.session() as session:
        patient = f.make_patient(session, clinician)
        episode = f.make_episode(session, clinician, patient, portal.product_id())
        treatment.record_lot(session=session, actor=clinician,
                             data=f.lot_data(episode, lot_number=LOT_MARKDOWN))
    at = portal.open("clinician.mow", "patient", patient_id=patient.id)
    assert not at.exception
    lines = [e.value for e in at.markdown if "evil" in e.value]
    assert len(lines) == 1 and f"`{LOT_MARKDOWN}`" in lines[0]
    assert md_code(LOT_MARKDOWN) == f"`{LOT_MARKDOWN}`"


@pytest.mark.parametrize(("value", "shown"), [
    ("LOT-1", "`LOT-1`"), ("a`b", "``a`b``"), ("`x`", "`` `x` ``"), ("a\nb", "`a b`"),
    ("a``b`", "``` a``b` ```")])
def test_md_code_fences_past_every_backtick_run(value: str, shown: str) -> None:
    assert md_code(value) == shown


@given(st.text(max_size=200))
@settings(max_examples=300, deadline=None)
def test_md_literal_escapes_every_markdown_character_and_loses_none(text: str) -> None:
    shown = md_literal(text)
    unescaped, i = [], 0
    while i < len(shown):  # undo the escapes: exactly the text typed comes back
        if shown[i] == "\\":
            assert i + 1 < len(shown) and not shown[i + 1].isalnum(), shown
            i += 1
        unescaped.append(shown[i])
        i += 1
    assert "".join(unescaped) == text
    for special in "[]()*_`:$<>!#|~":
        assert shown.count(special) == shown.count("\\" + special), (special, shown)


def test_no_page_renders_html(request: pytest.FixtureRequest) -> None:
    """No page passes ``unsafe_allow_html`` (nor builds raw HTML components) at all."""
    root = request.config.rootpath
    sources = [*sorted((root / "pages").rglob("*.py")), root / "app.py"]
    assert len(sources) > 20
    for path in sources:
        text = path.read_text("utf-8")
        for needle in ("unsafe_allow_html", "components.html", "st.html("):
            assert needle not in text, f"{path.name} uses {needle}"

