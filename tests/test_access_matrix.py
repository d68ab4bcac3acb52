"""Who may call what: every public service x every kind of actor, and every page x role
(issue 9 item 3).

The service matrix is one table-driven test. `SERVICES` lists every public service callable
as data: its name, how to call it with valid arguments about a record of site A, which roles
may call it (from `registry.auth.PERMISSIONS` and the roles each module documents: leadership
dashboards for leadership, data managers and the system; completeness for data managers; the
worklist and uploads for site clinicians), and how it is confined to a site:

* ``SITE``: about one record; a clinician of site B is refused (`PermissionDenied`);
* ``FILTER``: a list or summary; a clinician of site B gets one, without site A's patients;
* ``OWN``: acts on the caller's own site only (uploads); site B writes to site B;
* ``NONE``: not about a site.

The columns are the six actors: site clinician A, site clinician B, data manager,
leadership, economist, system. Every combination runs once per backend on a seeded database:
an allowed one must succeed (and a leadership view must hold no patient-level column and no
count of 1-4); a refused one must raise `PermissionDenied` and write nothing: the row count
of every table and the newest audit event are the same before and after.

Exports are searched for every registry id and site patient code (all three formats), and
the portal's pages are checked per role: the router's page list of each role holds none of
the other roles' pages, and each other role's page opened directly by file shows a refusal
and none of the registry's data.

Service callables deliberately left out (not entry points: they take a caller's loaded data
or are building blocks of a listed service): ``common.apply_update`` / ``insert_audited`` /
``load_*``, ``audit.record_audit``, ``hta.common.save_run``, ``hta.costs.arm_costs``,
``outcomes.require_leadership``, ``auth.set_language`` (one's own preference, any role).
"""

from __future__ import annotations

import dataclasses
import io
import itertools
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import Enum
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel
from sqlmodel import select as sm_select
from streamlit.testing.v1 import AppTest

from pages.ui.nav import pages_for
from registry.analysis.datasets import build_dataset
from registry.auth import SYSTEM_ACTOR, Actor, change_password, create_user
from registry.db import make_engine, migrate
from registry.economics import GERMANY_REBATE
from registry.errors import PermissionDenied
from registry.identity import snils_check_digits
from registry.models import (
    ApheresisCreate,
    DataQueryCreate,
    InfusionCreate,
    NotInfusedCreate,
    Patient,
    Product,
    Site,
    TreatmentEpisode,
    UnitCost,
    User,
    UserCreate,
)
from registry.models.enums import (
    Bridging,
    Lymphodepletion,
    NotInfusedReason,
    ProductOrigin,
    QueryStatus,
    Role,
)
from registry.quality.engine import run_rules
from registry.schedule import list_expected_forms
from registry.services import (
    admin,
    audit,
    centres,
    completeness,
    costing,
    events,
    followup,
    leadership,
    outcomes,
    patients,
    queries,
    summary,
    timeline,
    treatment,
    uploads,
    worklist,
    workspace,
)
from registry.services.cohorts import cohort_frame
from registry.services.common import apply_update
from registry.services.corrections import Correction, correct_record
from registry.services.export import export_cohort
from registry.services.hta.budget import agreement_effect, programme_budget
from registry.services.hta.cea import CEAParameters, cost_effectiveness
from registry.services.hta.common import load_cohort
from registry.services.hta.comparison import compare_products
from registry.services.hta.costs import cost_summary
from registry.services.hta.extrapolation import extrapolate
from registry.services.uploads import UploadKind
from tests import factories as f
from tests.conftest import seeded_engine

AS_OF = date(2026, 11, 1)
SEEDED_PATIENTS = 240
PASSWORD = "Matrix-pass-phrase-42"
pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::RuntimeWarning")]

CLIN, DM, LEAD, ECON, SYS = (Role.site_clinician, Role.data_manager, Role.leadership,
                             Role.economist, Role.system)
ALL_ROLES = frozenset({CLIN, DM, LEAD, ECON, SYS})
CLINICAL_WRITE = frozenset({CLIN, SYS})  # patient:write
CLINICAL_READ = frozenset({CLIN, DM, SYS})  # patient:read, record:correct, lot:write, ...
DATA_MANAGEMENT = frozenset({DM, SYS})  # query:raise, user:admin, audit:read
LEADERSHIP_VIEW = frozenset({LEAD, DM, SYS})
ECONOMICS = frozenset({ECON, SYS})  # cohort:analyse, cohort:export, costs:edit


class Scope(Enum):
    SITE = "site"
    FILTER = "filter"
    OWN = "own"
    NONE = "none"


ACTORS = ("clinician_a", "clinician_b", "data_manager", "leadership", "economist", "system")
_serial = itertools.count(1)


def serial() -> int:
    return next(_serial)


# ---- the world every call is about -----------------------------------------------------------


@dataclass
class World:
    """A seeded database, its two sites, and records of site A to call the services about."""

    engine: Engine
    backend: str
    actors: dict[str, Actor]
    site_a: int
    site_b: int
    product_id: int
    patient_id: int
    registry_id: str
    episode_id: int
    followup_id: int
    query_id: int
    site_a_ids: list[str]  # every registry id and site patient code of site A
    cached: dict[str, Any] = field(default_factory=dict)

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)


def _site_a_identifiers(session: Session, site_id: int) -> list[str]:
    rows = session.exec(sm_select(Patient.registry_id, Patient.site_patient_code)
                        .where(Patient.site_id == site_id)).all()
    return sorted({value for row in rows for value in row if value})


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                               marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    with seeded_engine(request.param, tmp_path_factory.mktemp("matrix"),
                       patients=SEEDED_PATIENTS, seed=1, as_of=AS_OF) as engine:
        with Session(engine, expire_on_commit=False) as session:
            sites = list(session.exec(sm_select(Site).order_by(Site.code)))
            site_a = next(s for s in sites if s.code == "MOW-01")
            site_b = next(s for s in sites if s.code == "SPB-01")
            assert site_a.id is not None and site_b.id is not None
            product = session.exec(sm_select(Product).where(
                Product.origin == ProductOrigin.imported)).first()
            assert product is not None and product.id is not None
            patient, episode = f.make_infused_episode(
                session, SYSTEM_ACTOR, product.id, site_id=site_a.id)
            form = f.make_followup(session, SYSTEM_ACTOR, episode)
            query = queries.raise_query(session=session, actor=SYSTEM_ACTOR, data=DataQueryCreate(
                table_name="followup", row_id=form.id, field="hospital_days",
                message="please confirm the hospital days"))
            actors = {
                "clinician_a": Actor(None, "ivanova", CLIN, site_a.id),
                "clinician_b": Actor(None, "petrov", CLIN, site_b.id),
                "data_manager": Actor(None, "dm", DM),
                "leadership": Actor(None, "lead", LEAD),
                "economist": Actor(None, "econ", ECON),
                "system": SYSTEM_ACTOR,
            }
            yield World(engine, request.param, actors, site_a.id, site_b.id, product.id,
                        patient.id, patient.registry_id, episode.id, form.id, query.id,
                        _site_a_identifiers(session, site_a.id))


# ---- preparing valid arguments (as the system, before the call under test) --------------------


def _patient(s: Session, w: World) -> Any:
    return f.make_patient(s, SYSTEM_ACTOR, site_id=w.site_a,
                          national_insurance_number=f.snils(700_000 + serial()))


def _episode(s: Session, w: World) -> Any:
    return f.make_episode(s, SYSTEM_ACTOR, _patient(s, w), w.product_id)


def _episode_with_lot(s: Session, w: World) -> Any:
    episode = _episode(s, w)
    treatment.record_lot(session=s, actor=SYSTEM_ACTOR, data=f.lot_data(episode))
    return episode


def _unlinked_lot(s: Session, w: World) -> tuple[int, int]:
    """(an apheresed episode without a lot, a lot of the same product linked to nothing)."""
    first = _episode(s, w)
    lot = treatment.record_lot(session=s, actor=SYSTEM_ACTOR, data=f.lot_data(first))
    row = s.get(TreatmentEpisode, first.id)
    assert row is not None
    apply_update(s, SYSTEM_ACTOR, row, {"lot_id": None}, reason="matrix: free the lot")
    s.commit()
    return _episode(s, w).id, lot.id


def _followup(s: Session, w: World) -> int:
    return int(f.make_followup(s, SYSTEM_ACTOR, _episode_read(s, w.episode_id),
                               timepoint="unscheduled", comments=f"matrix {serial()}").id)


def _episode_read(s: Session, episode_id: int) -> Any:
    from registry.models import TreatmentEpisodeRead

    row = s.get(TreatmentEpisode, episode_id)
    return TreatmentEpisodeRead.model_validate(row)


def _query(s: Session, w: World) -> int:
    return queries.raise_query(session=s, actor=SYSTEM_ACTOR, data=DataQueryCreate(
        table_name="followup", row_id=_followup(s, w), field="icu_days",
        message="please check")).id


def _user(s: Session, w: World, **changes: Any) -> int:
    """A site clinician's login, inserted directly (an argon2 hash per call is slow)."""
    user = User(username=f"mx.user{serial()}", role=CLIN, site_id=w.site_a,
                password_hash="not-a-hash", **changes)
    s.add(user)
    s.commit()
    assert user.id is not None
    return user.id


def _scenario_row(s: Session, w: World) -> int:
    name = f"matrix {serial()}"
    workspace.copy_scenario(session=s, actor=SYSTEM_ACTOR, source="base", name=name)
    row = s.exec(sm_select(UnitCost).where(UnitCost.scenario == name)).first()
    assert row is not None and row.id is not None
    return row.id


def _site_code() -> str:
    n = serial()
    return f"Q{chr(65 + n // 26 % 26)}{chr(65 + n % 26)}-{n % 100:02d}"


def _upload() -> bytes:
    """A patients upload of one new patient (to the caller's own site)."""
    n = 800_000 + serial()
    first9 = f"{n:09d}"
    rows = [["site_patient_code", "national_insurance_number", "sex", "birth_year",
             "indication", "diagnosis_date", "prior_lines", "consent_date"],
            [f"UP{n}", first9 + snils_check_digits(first9), "F", "1970", "LBCL",
             "2023-05-01", "2", "2024-01-10"]]
    return ("\r\n".join(",".join(r) for r in rows) + "\r\n").encode("utf-8-sig")


# ---- checks of allowed results -----------------------------------------------------------------

PATIENT_LEVEL = frozenset({"patient_id", "registry_id", "episode_id", "site_patient_code"})
COUNT_COLUMNS = frozenset({
    "apheresed", "infused", "not_infused", "in_process", "deaths", "expected", "received",
    "overdue", "episodes", "numerator", "denominator", "n", "events", "n_risk", "count",
    "lots", "qc_tested", "out_of_spec", "manufacturing_failed", "patients", "entered",
})


def frames(result: Any) -> Iterator[tuple[str, pd.DataFrame]]:
    if isinstance(result, pd.DataFrame):
        yield "result", result
    elif dataclasses.is_dataclass(result) and not isinstance(result, type):
        for item in dataclasses.fields(result):
            value = getattr(result, item.name)
            if isinstance(value, pd.DataFrame):
                yield item.name, value


def small_counts(frame: pd.DataFrame) -> list[tuple[str, Any]]:
    """Count cells that are 1-4 (a leadership view shows them as "<5").

    A column counts patients or events when it is named so (`COUNT_COLUMNS`) and every number
    in it is whole (``expected`` deaths of the centre report are a sum of probabilities).
    """
    bad: list[tuple[str, Any]] = []
    for column in sorted(COUNT_COLUMNS & set(frame.columns)):
        cells = [v for v in frame[column] if not (v is None or v is pd.NA or (
            isinstance(v, float) and pd.isna(v)))]
        numbers = [float(v) for v in cells if not isinstance(v, str)]
        if any(not n.is_integer() for n in numbers):
            continue
        bad += [(column, v) for v in cells if isinstance(v, str) and v != "<5"]
        bad += [(column, n) for n in numbers if 0 < n < 5]
    return bad


def aggregate_only(result: Any, w: World) -> None:
    """A leadership view: no patient-level column, no count of 1-4, no identifier."""
    seen = list(frames(result))
    if isinstance(result, summary.HomeSummary):
        seen.append(("by_product", pd.DataFrame(result.by_product,
                                                columns=["product", "apheresed", "infused"])))
    assert seen, "a leadership view returns tables"
    for name, frame in seen:
        assert not PATIENT_LEVEL & set(frame.columns), (name, sorted(frame.columns))
        assert not small_counts(frame), (name, small_counts(frame)[:5])
    assert not leaked(result, w)


def text_of(value: Any) -> str:
    """Everything in a result as text (frames in full, not their abbreviated repr)."""
    if isinstance(value, pd.DataFrame):
        return value.to_csv()
    if isinstance(value, dict):
        return " ".join(text_of(k) + " " + text_of(v) for k, v in value.items())
    if isinstance(value, list | tuple | set):
        return " ".join(text_of(v) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return " ".join(text_of(getattr(value, x.name)) for x in dataclasses.fields(value))
    if isinstance(value, SQLModel):
        return text_of(value.model_dump())
    return str(value)


def leaked(result: Any, w: World) -> list[str]:
    """Site A's registry ids and site patient codes that appear in `result`."""
    content = text_of(result)
    return [v for v in w.site_a_ids if re.search(rf"(?<![\w-]){re.escape(v)}(?![\w-])", content)]


# ---- the table ---------------------------------------------------------------------------------

Call = Callable[[Session, Actor, Any, World], Any]
Prepare = Callable[[Session, World], Any]


@dataclass(frozen=True)
class Service:
    name: str
    call: Call
    roles: frozenset[Role]
    scope: Scope
    prepare: Prepare = lambda s, w: None  # noqa: E731
    writes: bool = False
    check: Callable[[Any, World], None] | None = None  # on every allowed result


# Lymphoma only: on the small seeded cohort the indications separate the products otherwise.
COMPARABLE: dict[str, Any] = {"indications": ["LBCL"]}


SERVICES: list[Service] = [
    # clinical writes (patient:write; record:correct and lot:write also for data managers)
    Service("patients.register_patient",
            lambda s, a, x, w: patients.register_patient(session=s, actor=a, data=x),
            CLINICAL_WRITE, Scope.SITE, writes=True,
            prepare=lambda s, w: f.patient_data(site_id=w.site_a, national_insurance_number=(
                f.snils(710_000 + serial())))),
    Service("treatment.record_apheresis",
            lambda s, a, x, w: treatment.record_apheresis(session=s, actor=a, data=x),
            CLINICAL_WRITE, Scope.SITE, writes=True,
            prepare=lambda s, w: ApheresisCreate(patient_id=_patient(s, w).id,
                                                 product_id=w.product_id,
                                                 apheresis_date=f.INFUSION - timedelta(days=40))),
    Service("treatment.record_lot",
            lambda s, a, x, w: treatment.record_lot(session=s, actor=a, data=x),
            CLINICAL_WRITE, Scope.SITE, writes=True,
            prepare=lambda s, w: f.lot_data(_episode(s, w))),
    Service("treatment.attach_lot",
            lambda s, a, x, w: treatment.attach_lot(session=s, actor=a, data={
                "episode_id": x[0], "lot_id": x[1]}),
            CLINICAL_WRITE, Scope.SITE, writes=True, prepare=_unlinked_lot),
    Service("treatment.list_unlinked_lots",
            lambda s, a, x, w: treatment.list_unlinked_lots(session=s, actor=a,
                                                            product_id=w.product_id),
            CLINICAL_READ, Scope.NONE),
    Service("treatment.record_infusion",
            lambda s, a, x, w: treatment.record_infusion(session=s, actor=a, data=InfusionCreate(
                episode_id=x.id, infusion_date=f.INFUSION, bridging=Bridging.none,
                lymphodepletion=Lymphodepletion.flu_cy, dose_car_positive_cells=2e8)),
            CLINICAL_WRITE, Scope.SITE, writes=True, prepare=_episode_with_lot),
    Service("treatment.record_not_infused",
            lambda s, a, x, w: treatment.record_not_infused(session=s, actor=a, data=(
                NotInfusedCreate(episode_id=x.id, reason=NotInfusedReason.manufacturing_failure,
                                 decision_date=f.INFUSION))),
            CLINICAL_WRITE, Scope.SITE, writes=True, prepare=_episode),
    Service("followup.submit_followup",
            lambda s, a, x, w: followup.submit_followup(session=s, actor=a, data=f.followup_data(
                _episode_read(s, w.episode_id), timepoint="unscheduled")),
            CLINICAL_WRITE, Scope.SITE, writes=True),
    Service("events.report_adverse_event",
            lambda s, a, x, w: events.report_adverse_event(session=s, actor=a, data=f.ae_data(
                _episode_read(s, w.episode_id))),
            CLINICAL_WRITE, Scope.SITE, writes=True),
    Service("events.report_death",
            lambda s, a, x, w: events.report_death(session=s, actor=a, data=f.death_data(x)),
            CLINICAL_WRITE, Scope.SITE, writes=True, prepare=_patient),
    Service("corrections.correct_record",
            lambda s, a, x, w: correct_record(session=s, actor=a, data=Correction(
                table="followup", row_id=x, expected_version=1, changes={"hospital_days": 15},
                reason="per the discharge letter")),
            CLINICAL_READ, Scope.SITE, writes=True, prepare=_followup),
    Service("uploads.preview_upload",
            lambda s, a, x, w: uploads.preview_upload(session=s, actor=a, kind=UploadKind.patients,
                                                      filename="p.csv", content=x),
            frozenset({CLIN}), Scope.OWN, prepare=lambda s, w: _upload()),
    Service("uploads.commit_upload",
            lambda s, a, x, w: uploads.commit_upload(session=s, actor=a, kind=UploadKind.patients,
                                                     filename="p.csv", content=x),
            frozenset({CLIN}), Scope.OWN, writes=True,
            prepare=lambda s, w: _upload()),
    # clinical reads
    Service("patients.get_patient",
            lambda s, a, x, w: patients.get_patient(session=s, actor=a, patient_id=w.patient_id),
            CLINICAL_READ, Scope.SITE),
    Service("patients.find_patient_by_registry_id",
            lambda s, a, x, w: patients.find_patient_by_registry_id(
                session=s, actor=a, registry_id=w.registry_id),
            CLINICAL_READ, Scope.FILTER),
    Service("patients.list_patients",
            lambda s, a, x, w: patients.list_patients(session=s, actor=a),
            CLINICAL_READ, Scope.FILTER),
    Service("timeline.search_patients",
            lambda s, a, x, w: timeline.search_patients(session=s, actor=a),
            CLINICAL_READ, Scope.FILTER),
    Service("timeline.get_patient_timeline",
            lambda s, a, x, w: timeline.get_patient_timeline(
                session=s, actor=a, patient_id=w.patient_id, as_of=AS_OF),
            CLINICAL_READ, Scope.SITE),
    Service("timeline.get_record",
            lambda s, a, x, w: timeline.get_record(session=s, actor=a, table="followup",
                                                   row_id=w.followup_id),
            CLINICAL_READ, Scope.SITE),
    Service("schedule.list_expected_forms",
            lambda s, a, x, w: list_expected_forms(session=s, actor=a, as_of=AS_OF),
            CLINICAL_READ, Scope.FILTER),
    Service("worklist.get_worklist",
            lambda s, a, x, w: worklist.get_worklist(session=s, actor=a, as_of=AS_OF),
            frozenset({CLIN}), Scope.FILTER),
    Service("summary.home_summary",
            lambda s, a, x, w: summary.home_summary(session=s, actor=a, as_of=AS_OF),
            ALL_ROLES, Scope.FILTER,
            check=lambda r, w: aggregate_only(r, w) if r.title == "home.title.leadership"
            else None),
    Service("timeline.list_products",
            lambda s, a, x, w: timeline.list_products(session=s, actor=a),
            ALL_ROLES, Scope.NONE),
    Service("analysis.build_dataset",
            lambda s, a, x, w: build_dataset(session=s, actor=a, endpoint="os", as_of=AS_OF),
            ALL_ROLES, Scope.FILTER),
    # data queries
    Service("queries.raise_query",
            lambda s, a, x, w: queries.raise_query(session=s, actor=a, data=DataQueryCreate(
                table_name="followup", row_id=x, field="response", message="which response?")),
            DATA_MANAGEMENT, Scope.NONE, writes=True, prepare=_followup),
    Service("queries.list_queries",
            lambda s, a, x, w: queries.list_queries(session=s, actor=a),
            CLINICAL_READ, Scope.FILTER),
    Service("queries.list_messages",
            lambda s, a, x, w: queries.list_messages(session=s, actor=a, query_id=w.query_id),
            CLINICAL_READ, Scope.SITE),
    Service("queries.answer_query",
            lambda s, a, x, w: queries.answer_query(session=s, actor=a, query_id=w.query_id,
                                                    body="checked against the source"),
            CLINICAL_READ, Scope.SITE, writes=True),
    Service("queries.set_query_status",
            lambda s, a, x, w: queries.set_query_status(session=s, actor=a, query_id=x,
                                                        status=QueryStatus.closed,
                                                        reason="resolved"),
            DATA_MANAGEMENT, Scope.NONE, writes=True, prepare=_query),
    Service("queries.query_ageing",
            lambda s, a, x, w: queries.query_ageing(session=s, actor=a, as_of=AS_OF),
            DATA_MANAGEMENT, Scope.NONE),
    Service("quality.run_rules",
            lambda s, a, x, w: run_rules(session=s, actor=a, episode_ids=[x], as_of=AS_OF),
            DATA_MANAGEMENT, Scope.NONE, writes=True,  # DQ04: no D28 form, window closed
            prepare=lambda s, w: f.make_infused_episode(s, SYSTEM_ACTOR, w.product_id,
                                                        site_id=w.site_a)[1].id),
    Service("completeness.completeness_report",
            lambda s, a, x, w: completeness.completeness_report(session=s, actor=a, as_of=AS_OF),
            DATA_MANAGEMENT, Scope.NONE),
    # administration
    Service("admin.list_sites", lambda s, a, x, w: admin.list_sites(session=s, actor=a),
            DATA_MANAGEMENT, Scope.NONE),
    Service("admin.create_site",
            lambda s, a, x, w: admin.create_site(session=s, actor=a, data={
                "code": x, "name": "Matrix centre", "city": "Tver", "region": "Tver"}),
            DATA_MANAGEMENT, Scope.NONE, writes=True, prepare=lambda s, w: _site_code()),
    Service("admin.update_site",
            lambda s, a, x, w: admin.update_site(session=s, actor=a, site_id=x,
                                                 changes={"name": "Renamed"}, expected_version=1),
            DATA_MANAGEMENT, Scope.NONE, writes=True,
            prepare=lambda s, w: admin.create_site(session=s, actor=SYSTEM_ACTOR, data={
                "code": _site_code(), "name": "To rename", "city": "Tver",
                "region": "Tver"}).id),
    Service("admin.list_users", lambda s, a, x, w: admin.list_users(session=s, actor=a),
            DATA_MANAGEMENT, Scope.NONE),
    Service("admin.create_user_with_one_time_password",
            lambda s, a, x, w: admin.create_user_with_one_time_password(
                session=s, actor=a, data={"username": x, "role": "leadership"}),
            DATA_MANAGEMENT, Scope.NONE, writes=True,
            prepare=lambda s, w: f"mx.otp{serial()}"),
    Service("admin.update_user",
            lambda s, a, x, w: admin.update_user(session=s, actor=a, user_id=x,
                                                 changes={"language": "en"}, expected_version=1),
            DATA_MANAGEMENT, Scope.NONE, writes=True, prepare=_user),
    Service("admin.deactivate_user",
            lambda s, a, x, w: admin.deactivate_user(session=s, actor=a, user_id=x),
            DATA_MANAGEMENT, Scope.NONE, writes=True, prepare=_user),
    Service("admin.reactivate_user",
            lambda s, a, x, w: admin.reactivate_user(session=s, actor=a, user_id=x),
            DATA_MANAGEMENT, Scope.NONE, writes=True,
            prepare=lambda s, w: _user(s, w, active=False)),
    Service("admin.unlock_user",
            lambda s, a, x, w: admin.unlock_user(session=s, actor=a, user_id=x),
            DATA_MANAGEMENT, Scope.NONE, writes=True,
            prepare=lambda s, w: _user(s, w, failed_logins=3)),
    Service("admin.reset_password",
            lambda s, a, x, w: admin.reset_password(session=s, actor=a, user_id=x),
            DATA_MANAGEMENT, Scope.NONE, writes=True, prepare=_user),
    Service("auth.create_user",
            lambda s, a, x, w: create_user(session=s, actor=a, data=UserCreate(
                username=x, role=LEAD, password=PASSWORD)),
            DATA_MANAGEMENT, Scope.NONE, writes=True, prepare=lambda s, w: f"mx.new{serial()}"),
    Service("auth.change_password (another user's)",
            lambda s, a, x, w: change_password(session=s, actor=a, user_id=x,
                                               new_password="Another-long-phrase-7"),
            DATA_MANAGEMENT, Scope.NONE, writes=True, prepare=_user),
    Service("audit.list_audit_events",
            lambda s, a, x, w: audit.list_audit_events(session=s, actor=a, limit=20),
            DATA_MANAGEMENT, Scope.NONE),
    Service("audit.search_audit",
            lambda s, a, x, w: audit.search_audit(session=s, actor=a, registry_id=w.registry_id),
            DATA_MANAGEMENT, Scope.NONE),
    # leadership dashboards: aggregates only
    Service("leadership.overview",
            lambda s, a, x, w: leadership.overview(session=s, actor=a, as_of=AS_OF),
            LEADERSHIP_VIEW, Scope.NONE, check=aggregate_only),
    Service("leadership.safety", lambda s, a, x, w: leadership.safety(session=s, actor=a),
            LEADERSHIP_VIEW, Scope.NONE, check=aggregate_only),
    Service("leadership.production", lambda s, a, x, w: leadership.production(session=s, actor=a),
            LEADERSHIP_VIEW, Scope.NONE, check=aggregate_only),
    Service("leadership.completeness_by_site",
            lambda s, a, x, w: leadership.completeness_by_site(session=s, actor=a, as_of=AS_OF),
            LEADERSHIP_VIEW, Scope.NONE, check=aggregate_only),
    Service("outcomes.outcomes",
            lambda s, a, x, w: outcomes.outcomes(session=s, actor=a, endpoint="os", as_of=AS_OF),
            LEADERSHIP_VIEW, Scope.NONE, check=aggregate_only),
    Service("centres.centre_report",
            lambda s, a, x, w: centres.centre_report(session=s, actor=a, as_of=AS_OF),
            LEADERSHIP_VIEW, Scope.NONE, check=aggregate_only),
    # health economics
    Service("cohorts.cohort_frame",
            lambda s, a, x, w: cohort_frame(session=s, actor=a, definition={}, as_of=AS_OF),
            ECONOMICS, Scope.NONE),
    Service("export.export_cohort",
            lambda s, a, x, w: export_cohort(session=s, actor=a, definition={}, fmt="csv",
                                             as_of=AS_OF),
            ECONOMICS, Scope.NONE, writes=True, check=lambda r, w: _no_identifiers(r, w)),
    Service("costing.resource_costs",
            lambda s, a, x, w: costing.resource_costs(session=s, actor=a),
            ECONOMICS, Scope.NONE),
    Service("workspace.save_cohort",
            lambda s, a, x, w: workspace.save_cohort(session=s, actor=a, name=x, definition={}),
            ECONOMICS, Scope.NONE, writes=True, prepare=lambda s, w: f"cohort {serial()}"),
    Service("workspace.list_cohorts", lambda s, a, x, w: workspace.list_cohorts(session=s, actor=a),
            ECONOMICS, Scope.NONE),
    Service("workspace.site_codes", lambda s, a, x, w: workspace.site_codes(session=s, actor=a),
            ECONOMICS, Scope.NONE),
    Service("workspace.record_run",
            lambda s, a, x, w: workspace.record_run(
                session=s, actor=a, kind="matrix", definition={}, parameters={},
                data_sha256="0" * 64, n_rows=0),
            ECONOMICS, Scope.NONE, writes=True),
    Service("workspace.list_runs", lambda s, a, x, w: workspace.list_runs(session=s, actor=a),
            ECONOMICS, Scope.NONE),
    Service("workspace.list_scenarios",
            lambda s, a, x, w: workspace.list_scenarios(session=s, actor=a),
            ECONOMICS, Scope.NONE),
    Service("workspace.unit_costs", lambda s, a, x, w: workspace.unit_costs(session=s, actor=a),
            ECONOMICS, Scope.NONE),
    Service("workspace.copy_scenario",
            lambda s, a, x, w: workspace.copy_scenario(session=s, actor=a, source="base", name=x),
            ECONOMICS, Scope.NONE, writes=True, prepare=lambda s, w: f"copy {serial()}"),
    Service("workspace.set_unit_cost",
            lambda s, a, x, w: workspace.set_unit_cost(session=s, actor=a, unit_cost_id=x,
                                                       value=1234.0, expected_version=1,
                                                       reason="matrix"),
            ECONOMICS, Scope.NONE, writes=True, prepare=_scenario_row),
    Service("common.load_cohort",
            lambda s, a, x, w: load_cohort(session=s, actor=a, definition={}, as_of=AS_OF),
            ECONOMICS, Scope.NONE),
    Service("comparison.compare_products",
            lambda s, a, x, w: compare_products(session=s, actor=a, definition=COMPARABLE,
                                                horizon_months=6),
            ECONOMICS, Scope.NONE, writes=True),
    Service("costs.cost_summary",
            lambda s, a, x, w: cost_summary(session=s, actor=a, definition={}, n_boot=200,
                                              horizon_years=0.5),
            ECONOMICS, Scope.NONE, writes=True),
    Service("extrapolation.extrapolate",
            lambda s, a, x, w: extrapolate(session=s, actor=a, definition={},
                                           distributions=("exponential", "weibull")),
            ECONOMICS, Scope.NONE, writes=True),
    Service("cea.cost_effectiveness",
            lambda s, a, x, w: cost_effectiveness(session=s, actor=a, definition={},
                                                  parameters=CEAParameters(n_boot=200)),
            ECONOMICS, Scope.NONE, writes=True),
    Service("budget.agreement_effect",
            lambda s, a, x, w: agreement_effect(session=s, actor=a, definition={},
                                                agreement=GERMANY_REBATE),
            ECONOMICS, Scope.NONE, writes=True),
    Service("budget.programme_budget",
            lambda s, a, x, w: programme_budget(session=s, actor=a, definition={},
                                                domestic_share=[0.1, 0.2, 0.3, 0.4, 0.5]),
            ECONOMICS, Scope.NONE, writes=True),
]
SERVICE_NAMES = [s.name for s in SERVICES]
assert len(set(SERVICE_NAMES)) == len(SERVICE_NAMES)
CELLS = [pytest.param(service, actor, id=f"{service.name}-{actor}")
         for service in SERVICES for actor in ACTORS]
# The closing note's number: services x actors, run once per backend.
assert len(CELLS) == len(SERVICES) * len(ACTORS) == 71 * 6 == 426


# Callables of registry.services that take an actor but are not entry points (module docstring).
NOT_ENTRY_POINTS = frozenset({
    "common.apply_update", "common.insert_audited", "common.load_episode",
    "common.load_patient", "audit.record_audit", "common.save_run", "costs.arm_costs",
    "outcomes.require_leadership",
})


def test_the_table_lists_every_public_service() -> None:
    """A service added to registry.services must get a row here (or be named above)."""
    import importlib
    import inspect
    import pkgutil

    import registry.services as package

    found = set()
    for info in pkgutil.walk_packages(package.__path__, "registry.services."):
        module = importlib.import_module(info.name)
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if (function.__module__ == info.name and not name.startswith("_")
                    and "actor" in inspect.signature(function).parameters):
                found.add(f"{info.name.rsplit('.', 1)[-1]}.{name}")
    listed = {name.split(" ")[0] for name in SERVICE_NAMES}
    assert found - NOT_ENTRY_POINTS <= listed, sorted(found - NOT_ENTRY_POINTS - listed)
    assert NOT_ENTRY_POINTS <= found


def allowed(service: Service, actor_key: str, actor: Actor) -> bool:
    if actor.role not in service.roles:
        return False
    return not (actor_key == "clinician_b" and service.scope == Scope.SITE)


def snapshot(engine: Engine) -> tuple[int, ...]:
    """Row counts of every table and the newest audit event id, in one query."""
    tables = SQLModel.metadata.sorted_tables
    counts = [select(func.count()).select_from(t).scalar_subquery() for t in tables]
    audit_table = SQLModel.metadata.tables["auditevent"]
    newest = select(func.coalesce(func.max(audit_table.c.id), 0)).scalar_subquery()
    with engine.connect() as conn:
        return tuple(conn.execute(select(*counts, newest)).one())


def _no_identifiers(result: Any, w: World) -> None:
    for name, content in result.files.items():
        text = content.decode("utf-8", errors="replace")
        found = [v for v in w.site_a_ids if v in text]
        assert not found, (name, found[:5])


@pytest.mark.parametrize(("service", "actor_key"), CELLS)
def test_every_service_refuses_every_role_and_site_it_should(
    world: World, service: Service, actor_key: str
) -> None:
    actor = world.actors[actor_key]
    permitted = allowed(service, actor_key, actor)
    with world.session() as session:
        if permitted or service.name not in world.cached:
            args = service.prepare(session, world)
            if not permitted:  # a refused call consumes nothing: reuse its arguments
                world.cached[service.name] = args
        else:
            args = world.cached[service.name]
        session.rollback()
        before = snapshot(world.engine)
        if permitted:
            result = service.call(session, actor, args, world)
            session.rollback()
            if service.check is not None:
                service.check(result, world)
            if actor_key == "clinician_b" and service.scope in (Scope.FILTER, Scope.OWN):
                assert not leaked(result, world), "site B sees site A's patients"
            after = snapshot(world.engine)
            if service.writes:
                assert after != before, "an accepted write wrote nothing"
            else:
                assert after == before, "a read wrote rows"
        else:
            with pytest.raises(PermissionDenied):
                service.call(session, actor, args, world)
            session.rollback()
            assert snapshot(world.engine) == before, "a refused call wrote something"


# ---- exports -----------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_exports_never_contain_identifiers(world: World, fmt: str) -> None:
    with world.session() as session:
        every = sorted({v for row in session.exec(sm_select(
            Patient.registry_id, Patient.site_patient_code)).all() for v in row if v})
        result = export_cohort(session=session, actor=world.actors["economist"],
                               definition={}, fmt=fmt, as_of=AS_OF)
    assert result.row_count > 100 and len(every) > 2 * SEEDED_PATIENTS - 10
    data = result.files[result.data_name]
    table = {"csv": lambda b: pd.read_csv(io.BytesIO(b), dtype=str),
             "parquet": lambda b: pd.read_parquet(io.BytesIO(b)),
             "xlsx": lambda b: pd.read_excel(io.BytesIO(b), dtype=str)}[fmt](data)
    assert not PATIENT_LEVEL & set(table.columns)
    content = table.astype(str).to_csv(index=False) + "\n".join(
        b.decode("utf-8", errors="replace") for name, b in result.files.items()
        if name != result.data_name)
    assert not [v for v in every if v in content]
    assert not re.search(r"R-\d{6}", content)


# ---- pages -------------------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]
COMMON_PAGES = frozenset({"login", "logout", "account_password"})
CLINICIAN_PAGES = frozenset({"worklist", "patients", "queries", "upload", "patient",
                             "patient_new", "treatment", "followup", "adverse_event", "death",
                             "correct"})
_FILES = sorted(p.stem for p in (ROOT / "pages").glob("*.py"))
# By the house naming: lead_* for leadership (and data managers), dm_* for data managers,
# econ_* for economists; a new page of another name must be added to a set here.
LEAD_PAGES = frozenset(name for name in _FILES if name.startswith("lead_"))
DM_PAGES = frozenset(name for name in _FILES if name.startswith("dm_"))
ECON_PAGES = frozenset(name for name in _FILES if name.startswith("econ_"))
ROLE_PAGES: dict[Role, frozenset[str]] = {
    CLIN: CLINICIAN_PAGES,
    LEAD: frozenset({"home"}) | LEAD_PAGES,
    DM: frozenset({"home"}) | LEAD_PAGES | DM_PAGES,
    ECON: frozenset({"home"}) | ECON_PAGES,
}
ROLE_PAGE_FILES = frozenset().union(*ROLE_PAGES.values())
# The roles whose services give each page its data (the service matrix's rows): a page opened
# by a role outside its gate must show the service's refusal and nothing of the registry.
PAGE_GATES: dict[str, frozenset[Role]] = {
    **dict.fromkeys(CLINICIAN_PAGES, CLINICAL_READ),
    "worklist": frozenset({CLIN}), "queries": CLINICAL_READ, "home": ALL_ROLES,
    "patient_new": CLINICAL_WRITE, "upload": frozenset({CLIN}),
    **dict.fromkeys(LEAD_PAGES, LEADERSHIP_VIEW), **dict.fromkeys(ECON_PAGES, ECONOMICS),
    **dict.fromkeys(DM_PAGES, DATA_MANAGEMENT),
}
# Entry forms drawn before any service call: nothing to refuse until they are submitted.
FORM_PAGES = frozenset({"patient_new", "upload"})
# The clinician is of site 2; the page database's patient is of site 1.
PAGE_ACTORS = {CLIN: Actor(None, "petrov", CLIN, 2), LEAD: Actor(None, "lead", LEAD),
               DM: Actor(None, "dm", DM), ECON: Actor(None, "econ", ECON)}
FOREIGN = [(page, role) for role in ROLE_PAGES
           for page in sorted(ROLE_PAGE_FILES - ROLE_PAGES[role])
           if (ROOT / "pages" / f"{page}.py").exists()]


def test_every_page_file_belongs_to_a_role() -> None:
    files = {p.stem for p in (ROOT / "pages").glob("*.py")} - {"__init__"}
    assert files <= ROLE_PAGE_FILES | COMMON_PAGES, sorted(files - ROLE_PAGE_FILES - COMMON_PAGES)
    assert set(PAGE_GATES) == ROLE_PAGE_FILES


class _Page:
    """Stands in for `st.Page`, which needs a running script: records the page's file."""

    def __init__(self, page: str, **kwargs: Any) -> None:
        self.page, self.kwargs = page, kwargs


@pytest.mark.parametrize("role", list(ROLE_PAGES), ids=lambda r: r.value)
def test_the_router_lists_no_other_roles_page(role: Role,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit

    monkeypatch.setattr(streamlit, "Page", _Page)
    sections = pages_for(PAGE_ACTORS[role])
    listed = sections if isinstance(sections, list) else [
        page for group in sections.values() for page in group]
    names = {Path(str(page.page)).stem for page in listed}  # type: ignore[attr-defined]
    assert names & ROLE_PAGES[role], "every role has pages"
    assert not names & (ROLE_PAGE_FILES - ROLE_PAGES[role]), sorted(names - ROLE_PAGES[role])
    assert names <= ROLE_PAGES[role] | COMMON_PAGES


@pytest.fixture(scope="module")
def page_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, list[str]]:
    """A portal database with one infused patient of site 1 (MOW-01) and a form."""
    url = f"sqlite:///{tmp_path_factory.mktemp('pages') / 'portal.db'}"
    engine = make_engine(url)
    migrate(engine)
    with Session(engine, expire_on_commit=False) as session:
        session.add_all([
            Site(code="MOW-01", name="NMRC", city="Moscow", region="Moscow"),
            Site(code="SPB-01", name="Almazov", city="Saint Petersburg",
                 region="Saint Petersburg"),
            Product(code="KYMRIAH", name="Kymriah", manufacturer="Novartis",
                    origin=ProductOrigin.imported, list_price=39e6,
                    price_effective_date=date(2022, 1, 1))])
        session.commit()
        product = session.exec(sm_select(Product)).one()
        assert product.id is not None
        patient, episode = f.make_infused_episode(session, SYSTEM_ACTOR, product.id, site_id=1,
                                                  site_patient_code="PAGE-0001")
        f.make_followup(session, SYSTEM_ACTOR, episode)
        secret = [patient.registry_id, patient.site_patient_code]
    engine.dispose()
    return url, secret


def _element_text(at: AppTest) -> str:
    out: list[str] = []

    def walk(node: Any) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            out.append(str(proto))
        for child in (getattr(node, "children", None) or {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(out)


@pytest.mark.parametrize(("page", "role"), FOREIGN, ids=[f"{p}-{r.value}" for p, r in FOREIGN])
def test_another_roles_page_opened_directly_shows_a_refusal(
    page_db: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch, page: str, role: Role
) -> None:
    url, secret = page_db
    monkeypatch.setenv("REGISTRY_DATABASE_URL", url)
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
    at.session_state["actor"] = PAGE_ACTORS[role]
    at.session_state["patient_id"] = 1  # a clinician page's selected patient (of site 1)
    at.run()
    assert not at.exception, at.exception
    if role in PAGE_GATES[page]:  # the services let this role read the page's data
        assert role == DM or not [v for v in secret if v in _element_text(at)]
        return
    if page not in FORM_PAGES:
        assert at.error, "the service's refusal is shown"
    assert not at.dataframe and not at.metric and not at.get("vega_lite_chart")
    assert not [v for v in secret if v in _element_text(at)]


# The closing note: 71 services x 6 actors = 426 combinations per backend (178 allowed, 248
# refused), 852 on both; 74 page x role combinations opened directly (16 site clinician,
# 21 leadership, 17 data manager, 20 economist); the router checked for the four login roles.
