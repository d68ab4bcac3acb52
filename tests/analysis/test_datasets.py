"""Analysis data sets (`registry.analysis.datasets`): times, events, conventions and scope.

Hand-built cases go through the services (tests/factories.py) and check exact times; seeded
cases load a synthetic cohort and check the data set against the generator's uncensored truth.
Both run on SQLite and, when configured, PostgreSQL (the `engine` fixture).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel

from registry.analysis import survival_at
from registry.analysis.datasets import DATASET_COLUMNS, AlloHsct, Endpoint, Origin, build_dataset
from registry.auth import Actor
from registry.errors import InvalidInput, PermissionDenied
from registry.models import NotInfusedCreate, PatientRead, Product, TreatmentEpisodeRead
from registry.models.enums import NotInfusedReason, Role
from registry.seed import seed_synthetic
from registry.services import events, treatment
from registry.synthetic import SyntheticCohort, generate_cohort
from tests import factories as f

AS_OF = date(2026, 6, 1)
DAY0 = f.INFUSION  # 2025-03-01
ECONOMIST = Actor(None, "econ", Role.economist)


def day(n: int) -> date:
    return DAY0 + timedelta(days=n)


def dataset(engine: Engine, actor: Actor = ECONOMIST, **kwargs: Any) -> pd.DataFrame:
    kwargs.setdefault("as_of", AS_OF)
    with Session(engine) as session:
        return build_dataset(session=session, actor=actor, **kwargs)


def row(frame: pd.DataFrame, episode: TreatmentEpisodeRead) -> pd.Series:
    found = frame[frame["episode_id"] == episode.id]
    assert len(found) == 1, f"episode {episode.id} has {len(found)} rows"
    return found.iloc[0]


def seeded(engine: Engine, patients: int, seed: int) -> SyntheticCohort:
    seed_synthetic(engine, patients=patients, seed=seed)
    return generate_cohort(patients, seed)


@pytest.fixture
def kymriah(session: Session, products: tuple[Product, Product]) -> int:
    assert products[0].id is not None
    return products[0].id


@pytest.fixture
def add(session: Session, clinician_a: Actor, kymriah: int) -> Iterator[Any]:
    """Build records through the services: add.infused(...), add.form(...), ..."""

    class Add:
        def infused(self, **patient: Any) -> tuple[PatientRead, TreatmentEpisodeRead]:
            return f.make_infused_episode(session, clinician_a, kymriah, **patient)

        def form(self, episode: TreatmentEpisodeRead, timepoint: str, on: int,
                 **values: Any) -> None:
            f.make_followup(session, clinician_a, episode, timepoint=timepoint,
                            assessment_date=day(on), **values)

        def death(self, patient: PatientRead, on: int) -> None:
            f.make_death(session, clinician_a, patient, death_date=day(on))

        def ae(self, episode: TreatmentEpisodeRead, onset: int, resolved: int | None) -> None:
            events.report_adverse_event(session=session, actor=clinician_a, data=f.ae_data(
                episode, onset_date=day(onset),
                resolution_date=None if resolved is None else day(resolved)))

        def not_infused(self, reason: str, apheresis: int,
                        decided: int) -> tuple[PatientRead, TreatmentEpisodeRead]:
            patient = f.make_patient(session, clinician_a)
            episode = f.make_episode(session, clinician_a, patient, kymriah,
                                     apheresis_date=day(apheresis))
            closed = treatment.record_not_infused(session=session, actor=clinician_a, data=(
                NotInfusedCreate(episode_id=episode.id, reason=NotInfusedReason(reason),
                                 decision_date=day(decided))))
            return patient, closed

    yield Add()


# ---- OS -----------------------------------------------------------------------------------------


def test_os_times_death_last_form_and_later_ae(engine: Engine, add: Any) -> None:
    died, died_ep = add.infused()
    add.form(died_ep, "D28", 28)
    add.death(died, 200)
    _, formed = add.infused()
    add.form(formed, "D28", 27)
    add.form(formed, "D100", 101)
    _, ae_later = add.infused()
    add.form(ae_later, "D28", 29)
    add.ae(ae_later, onset=40, resolved=75)
    _, quiet = add.infused()

    os_ = dataset(engine, endpoint="os")
    assert (row(os_, died_ep)[["time", "event"]] == [200.0, 1]).all()
    assert (row(os_, formed)[["time", "event"]] == [101.0, 0]).all()
    assert (row(os_, ae_later)[["time", "event"]] == [75.0, 0]).all()
    assert (row(os_, quiet)[["time", "event"]] == [0.0, 0]).all()  # nothing since day 0
    assert list(os_.columns) == list(DATASET_COLUMNS)
    assert (os_["origin_date"] == pd.Timestamp(DAY0)).all()
    assert (os_["vein_to_vein_days"] == 40).all() and os_["infused"].all()


def test_os_counts_a_later_episode_as_alive_but_pfs_does_not(
    engine: Engine, session: Session, clinician_a: Actor, kymriah: int, add: Any
) -> None:
    patient, first = add.infused(indication="LBCL")
    add.form(first, "D28", 28, response="PR")
    second = f.make_episode(session, clinician_a, patient, kymriah, apheresis_date=day(60))
    treatment.record_lot(session=session, actor=clinician_a, data=f.lot_data(
        second, start_date=day(62), release_date=day(90)))
    second = treatment.record_infusion(session=session, actor=clinician_a, data={
        "episode_id": second.id, "infusion_date": day(100), "bridging": "none",
        "lymphodepletion": "Flu/Cy", "dose_car_positive_cells": 2e8})
    add.form(second, "D28", 130)

    os_ = dataset(engine, endpoint="os")
    assert row(os_, first)["time"] == 130.0 and row(os_, first)["episode_number"] == 1
    assert row(dataset(engine, endpoint="pfs_efs"), first)["time"] == 28.0


def test_itt_keeps_the_never_infused_from_apheresis(engine: Engine, add: Any) -> None:
    _, infused = add.infused()
    add.form(infused, "D28", 28)
    _, failed = add.not_infused("manufacturing_failure", apheresis=-50, decided=-10)
    dead, died_waiting = add.not_infused("death", apheresis=-50, decided=-20)
    add.death(dead, -20)

    itt = dataset(engine, endpoint="os", origin="apheresis")
    assert set(itt["episode_id"]) == {infused.id, failed.id, died_waiting.id}
    assert row(itt, infused)["time"] == 28 + 40  # from apheresis, 40 days before infusion
    never = row(itt, failed)
    assert never["origin_date"] == pd.Timestamp(day(-50)) and not never["infused"]
    assert never["time"] == (AS_OF - day(-50)).days and never["event"] == 0  # followed to as_of
    assert never["not_infused_reason"] == "manufacturing_failure"
    assert np.isnan(never["vein_to_vein_days"])
    assert (row(itt, died_waiting)[["time", "event"]] == [30.0, 1]).all()
    assert set(dataset(engine, endpoint="os")["episode_id"]) == {infused.id}

    pfs = dataset(engine, endpoint="pfs_efs", origin=Origin.apheresis)
    assert (row(pfs, failed)[["time", "event"]] == [40.0, 1]).all()  # giving up = failure


# ---- PFS / EFS, DOR, CIR / NRM -----------------------------------------------------------------


def test_efs_events_no_response_relapse_and_death(engine: Engine, add: Any) -> None:
    _, refractory = add.infused(indication="B-ALL")
    add.form(refractory, "D28", 31, response="NR")
    _, late_responder = add.infused(indication="B-ALL")
    add.form(late_responder, "D28", 28, response="NR")
    add.form(late_responder, "D100", 99, response="CR")
    _, relapsed = add.infused(indication="B-ALL")
    add.form(relapsed, "D28", 28, response="CR")
    add.form(relapsed, "M6", 182, response="relapse", relapse_or_progression=True,
             relapse_date=day(150))
    dead, died = add.infused(indication="LBCL")
    add.form(died, "D28", 28, response="SD")
    add.death(dead, 90)
    _, progressed = add.infused(indication="LBCL")
    add.form(progressed, "D28", 26, response="PD")

    efs = dataset(engine, endpoint=Endpoint.pfs_efs)
    assert (row(efs, refractory)[["time", "event"]] == [31.0, 1]).all()  # at the D28 form
    assert (row(efs, late_responder)[["time", "event"]] == [99.0, 0]).all()  # best by D100: CR
    assert (row(efs, relapsed)[["time", "event"]] == [150.0, 1]).all()
    assert (row(efs, died)[["time", "event"]] == [90.0, 1]).all()
    assert (row(efs, progressed)[["time", "event"]] == [26.0, 1]).all()

    dor = dataset(engine, endpoint="dor")
    assert set(dor["episode_id"]) == {late_responder.id, relapsed.id}  # responders only
    assert (row(dor, relapsed)[["time", "event"]] == [122.0, 1]).all()
    assert row(dor, relapsed)["origin_date"] == pd.Timestamp(day(28))


def test_cir_nrm_codes(engine: Engine, add: Any) -> None:
    relapsed_patient, relapsed = add.infused(indication="B-ALL")
    add.form(relapsed, "D28", 28, response="CR")
    add.form(relapsed, "M6", 182, response="relapse", relapse_or_progression=True,
             relapse_date=day(150))
    add.death(relapsed_patient, 300)
    remission_death, in_remission = add.infused(indication="B-ALL")
    add.form(in_remission, "D28", 28, response="CR")
    add.death(remission_death, 120)
    _, alive = add.infused(indication="B-ALL")
    add.form(alive, "D28", 28, response="CRi")

    cir = dataset(engine, endpoint="cir_nrm")
    assert (row(cir, relapsed)[["time", "event"]] == [150.0, 1]).all()
    assert (row(cir, in_remission)[["time", "event"]] == [120.0, 2]).all()
    assert (row(cir, alive)[["time", "event"]] == [28.0, 0]).all()


@pytest.mark.parametrize(
    ("endpoint", "allo_hsct", "expected"),
    [
        ("pfs_efs", "ignore", (300.0, 1)),
        ("pfs_efs", "censor", (120.0, 0)),
        ("pfs_efs", "competing", (120.0, 0)),
        ("os", "ignore", (365.0, 0)),
        ("os", "censor", (120.0, 0)),
        ("cir_nrm", "ignore", (300.0, 1)),
        ("cir_nrm", "censor", (120.0, 0)),
        ("cir_nrm", "competing", (120.0, 3)),
    ],
)
def test_allo_hsct_options(engine: Engine, add: Any, endpoint: str, allo_hsct: str,
                           expected: tuple[float, int]) -> None:
    _, episode = add.infused(indication="B-ALL")
    add.form(episode, "D28", 28, response="CR")
    add.form(episode, "M6", 182, response="CR", new_therapy="allo-HSCT",
             new_therapy_date=day(120))
    add.form(episode, "M12", 365, response="relapse", relapse_or_progression=True,
             relapse_date=day(300))

    got = row(dataset(engine, endpoint=endpoint, allo_hsct=AlloHsct(allo_hsct)), episode)
    assert (got["time"], got["event"]) == expected
    assert got["allo_hsct_day"] == 120.0  # always there, whatever the option


def test_as_of_cuts_the_data(engine: Engine, add: Any) -> None:
    dead, episode = add.infused()
    add.form(episode, "D28", 28)
    add.form(episode, "D100", 100)
    add.death(dead, 200)

    at_150 = row(dataset(engine, endpoint="os", as_of=day(150)), episode)
    assert (at_150[["time", "event"]] == [100.0, 0]).all()  # the death is after the cut
    at_60 = row(dataset(engine, endpoint="os", as_of=day(60)), episode)
    assert (at_60[["time", "event"]] == [28.0, 0]).all()  # so is the D100 form
    before = dataset(engine, endpoint="os", as_of=day(-100))
    assert before.empty and list(before.columns) == list(DATASET_COLUMNS)


# ---- scope and arguments ------------------------------------------------------------------------


def test_scope_by_role(engine: Engine) -> None:
    cut = seeded(engine, 600, 5).as_of
    clinician = Actor(None, "site1", Role.site_clinician, site_id=1)
    everyone = dataset(engine, endpoint="os", as_of=cut)
    own = dataset(engine, clinician, endpoint="os", as_of=cut)
    assert len(own) > 0 and set(own["site_id"]) == {1}
    assert len(own) == (everyone["site_id"] == 1).sum()
    assert len(dataset(engine, clinician, endpoint="os", as_of=cut, site_ids=[1])) == len(own)
    with pytest.raises(PermissionDenied):
        dataset(engine, clinician, endpoint="os", site_ids=[2])
    with pytest.raises(PermissionDenied):
        dataset(engine, clinician, endpoint="os", site_ids=[1, 2])
    with pytest.raises(PermissionDenied):
        dataset(engine, Actor(None, "nosite", Role.site_clinician), endpoint="os")
    lead = dataset(engine, Actor(None, "lead", Role.leadership), endpoint="os", as_of=cut)
    assert len(lead) == len(everyone) and lead["site_id"].nunique() > 1
    two = dataset(engine, Actor(None, "dm", Role.data_manager), endpoint="os", site_ids=[1, 2])
    assert set(two["site_id"]) == {1, 2}
    stranger = Actor(None, "stranger", Role.economist)
    object.__setattr__(stranger, "role", "auditor")  # a role the module does not know
    with pytest.raises(PermissionDenied):
        dataset(engine, stranger, endpoint="os")


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"endpoint": "efs"}, "endpoint"),
        ({"endpoint": "os", "origin": "enrolment"}, "origin"),
        ({"endpoint": "os", "allo_hsct": "drop"}, "allo_hsct"),
        ({"endpoint": "dor", "origin": "apheresis"}, "origin"),
        ({"endpoint": "os", "product_codes": ["NOPE"]}, "product_codes"),
        ({"endpoint": "os", "indications": ["AML"]}, "indications"),
        ({"endpoint": "os", "site_ids": []}, "site_ids"),
    ],
)
def test_nonsense_is_refused(engine: Engine, products: Any, kwargs: dict[str, Any],
                             field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        dataset(engine, **kwargs)
    assert caught.value.errors[0].field == field


def test_filters(engine: Engine, add: Any, products: tuple[Product, Product]) -> None:
    _, lbcl = add.infused(indication="LBCL")
    _, ball = add.infused(indication="B-ALL")
    assert set(dataset(engine, endpoint="os", indications=["B-ALL"])["episode_id"]) == {ball.id}
    assert len(dataset(engine, endpoint="os", product_codes=["KYMRIAH"])) == 2
    assert dataset(engine, endpoint="os", product_codes=["NMRC-CD19"]).empty
    frame = dataset(engine, endpoint="os", product_codes="KYMRIAH")
    assert set(frame["product_origin"]) == {"imported"}
    assert frame.attrs["product_codes"] == ["KYMRIAH"] and frame.attrs["endpoint"] == "os"
    assert lbcl.id in set(frame["episode_id"])


# ---- against the synthetic cohort ---------------------------------------------------------------


def test_os_mitt_is_the_registrys_record_of_the_cohort(engine: Engine) -> None:
    cohort = seeded(engine, 600, 5)
    os_ = dataset(engine, endpoint="os", as_of=cohort.as_of)
    infused = cohort.episodes[cohort.episodes["infusion_date"].notna()]
    assert len(os_) == len(infused) and set(os_["episode_id"]) == set(infused["id"])
    assert (os_["time"] >= 0).all()
    dead = set(cohort.deaths["patient_id"])
    assert set(os_.loc[os_["event"] == 1, "patient_id"]) == dead & set(infused["patient_id"])
    # the generator's censor_day is the last contact it let the registry see (or the death)
    truth = cohort.truth.set_index("episode_id").loc[os_["episode_id"]]
    np.testing.assert_array_equal(os_["time"], truth["censor_day"])
    np.testing.assert_array_equal(os_["event"], truth["observed_death"].astype(int))

    itt = dataset(engine, endpoint="os", origin="apheresis", as_of=cohort.as_of)
    assert len(itt) == len(cohort.episodes) > len(os_)
    never = itt[~itt["infused"]]
    assert len(never) > 0 and never["not_infused_reason"].notna().all()
    expected_origin = pd.to_datetime(
        cohort.episodes.set_index("id").loc[never["episode_id"], "apheresis_date"])
    assert (never["origin_date"].to_numpy() == expected_origin.to_numpy()).all()


def test_km_12_month_os_covers_the_uncensored_truth(engine: Engine) -> None:
    """The issue's proof: KM 12-month OS of the imported product's infused B-ALL cohort, from
    the data set, has the truth (everyone's uncensored death day) inside its 95% CI; and a data
    set that counted censoring as death would not."""
    cohort = seeded(engine, 2000, 3)
    os_ = dataset(engine, endpoint="os", as_of=cohort.as_of, product_codes=["KYMRIAH"],
                  indications=["B-ALL"])
    assert len(os_) > 300
    year = 365.25
    km = survival_at(os_["time"], os_["event"], [year]).iloc[0]
    truth = cohort.truth.set_index("episode_id").loc[os_["episode_id"]]
    true_12m = float((truth["true_death_day"] > year).mean())
    assert km["lower"] <= true_12m <= km["upper"], (km.to_dict(), true_12m)
    wrong = survival_at(os_["time"], np.ones(len(os_)), [year]).iloc[0]
    assert not wrong["lower"] <= true_12m <= wrong["upper"]


def _wipe(engine: Engine) -> None:
    """Empty every table; ids start again at 1 (the seed's reference rows rely on it)."""
    tables = list(reversed(SQLModel.metadata.sorted_tables))
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            names = ", ".join(f'"{t.name}"' for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())


def test_statement_count_does_not_grow_with_the_cohort(engine: Engine) -> None:
    counts = []
    for patients in (200, 800):
        _wipe(engine)
        cohort = seeded(engine, patients, 9)
        statements: list[str] = []

        def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
            statements.append(statement)  # noqa: B023 (used inside this iteration only)

        event.listen(engine, "before_cursor_execute", count)
        try:
            for endpoint in Endpoint:
                dataset(engine, endpoint=endpoint, as_of=cohort.as_of)
        finally:
            event.remove(engine, "before_cursor_execute", count)
        counts.append(len(statements))
    assert counts[0] == counts[1] <= 4 * 4 + 1  # four or five queries per data set
