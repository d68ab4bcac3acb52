"""Outcomes dashboard service: numbers equal the estimators run on the data set in the test,
OS equals an independent count from the tables, small groups are hidden, no patient-level
data leaves the service, and only leadership / data managers are let in.

A seeded synthetic cohort (1000 patients) per backend serves the checks on real-sized data;
a handful of patients built through the services serves the small-cell checks.
"""

from __future__ import annotations

import doctest
import re
import warnings
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from registry.analysis import (
    StatisticalWarning,
    build_dataset,
    kaplan_meier,
    logrank_test,
    median_survival,
    number_at_risk,
    survival_at,
)
from registry.auth import Actor
from registry.charts import outcomes as charts
from registry.errors import InvalidInput, PermissionDenied
from registry.models import Product, Site
from registry.models.enums import Role
from registry.services import outcomes as service
from registry.services.outcomes import Outcomes, outcomes
from registry.services.summary import suppress
from tests import factories
from tests.conftest import dataframes, seeded_engine

AS_OF = date(2026, 11, 1)  # the synthetic cohort's data cut
LEADER = Actor(None, "lead", Role.leadership)
DATA_MANAGER = Actor(None, "dm", Role.data_manager)
MONTH = 365.25 / 12
SMALL = "<5"
COLUMNS = {
    "summary": set(service.SUMMARY_COLUMNS), "curves": set(service.CURVE_COLUMNS),
    "at_risk": set(service.AT_RISK_COLUMNS), "landmarks": set(service.LANDMARK_COLUMNS),
    "logrank": set(service.LOGRANK_COLUMNS), "benchmarks": set(service.BENCHMARK_COLUMNS),
}
CASES = [("os", "infusion", None), ("pfs_efs", "apheresis", "B-ALL"),
         ("pfs_efs", "infusion", "LBCL"), ("os", "apheresis", "CLL")]


def frames(view: Any) -> Iterator[tuple[str, pd.DataFrame]]:
    yield from dataframes(view)


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                               marks=pytest.mark.postgres)])
def seeded(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """1000 synthetic patients, seeded once per module and backend (a database of its own)."""
    with seeded_engine(request.param, tmp_path_factory.mktemp("outcomes"), patients=1000,
                       seed=23, as_of=AS_OF) as engine:
        yield engine


@pytest.fixture(scope="module")
def views(seeded: Engine) -> dict[tuple[str, str, str | None], Outcomes]:
    with Session(seeded) as session:
        return {case: outcomes(session=session, actor=LEADER, endpoint=case[0], origin=case[1],
                               indication=case[2], as_of=AS_OF) for case in CASES}


def query(engine: Engine, sql: str) -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(text(sql))
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def data_set(engine: Engine, case: tuple[str, str, str | None]) -> pd.DataFrame:
    endpoint, origin, indication = case
    with Session(engine) as session:
        return build_dataset(session=session, actor=DATA_MANAGER, endpoint=endpoint,
                             origin=origin, as_of=AS_OF,
                             indications=None if indication is None else [indication])


# ---- numbers equal the estimators on the data set ------------------------------------------


@pytest.mark.parametrize("case", CASES, ids=lambda c: "-".join(map(str, c)))
def test_curves_at_risk_medians_landmarks_and_logrank_equal_the_estimators(
        seeded: Engine, views: dict[tuple[str, str, str | None], Outcomes],
        case: tuple[str, str, str | None]) -> None:
    view, data = views[case], data_set(seeded, case)
    summary = view.summary.set_index("product_code")
    assert list(summary.index) == ["KYMRIAH", "NMRC-CD19"]
    shown = []
    for code, part in data.groupby("product_code"):
        time, event = part["time"].to_numpy(float), part["event"].to_numpy(int)
        row = summary.loc[code]
        assert row["n"] == suppress(len(part)) and row["events"] == suppress(int(event.sum()))
        risk = view.at_risk[view.at_risk["product_code"] == code]
        expected_risk = number_at_risk(time, [m * MONTH for m in service.RISK_MONTHS])
        assert list(risk["n_risk"]) == [suppress(int(n)) for n in expected_risk]
        if row["status"] != "shown":
            assert (len(part) < 5 or 0 < event.sum() < 5) and row["median_months"] == SMALL
            assert code not in set(view.curves["product_code"])
            continue
        shown.append(code)
        km = kaplan_meier(time, event)
        drawn = km[km["n_risk"] >= 5]
        curve = view.curves[view.curves["product_code"] == code]
        steps = drawn[drawn["n_event"] > 0]
        assert curve["time_months"].iloc[0] == 0 and curve["survival"].iloc[0] == 1
        assert np.allclose(curve["time_months"].iloc[1:len(steps) + 1], steps["time"] / MONTH)
        for column in ("survival", "lower", "upper"):
            assert np.allclose(curve[column].iloc[1:len(steps) + 1], steps[column],
                               equal_nan=True)
        assert row["truncated_months"] == pytest.approx(drawn["time"].iloc[-1] / MONTH)
        assert curve["time_months"].max() == pytest.approx(row["truncated_months"])
        median = median_survival(time, event)
        for name, value in (("median_months", median.median), ("median_lower", median.lower),
                            ("median_upper", median.upper)):
            if np.isnan(value):
                assert np.isnan(row[name])
            elif number_at_risk(time, [value])[0] >= 5:
                assert row[name] == pytest.approx(value / MONTH)
            else:
                assert row[name] == SMALL
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", StatisticalWarning)
            landmark = survival_at(time, event, [m * MONTH for m in service.LANDMARK_MONTHS])
        mine = view.landmarks[view.landmarks["product_code"] == code]
        for (_, got), (_, want) in zip(mine.iterrows(), landmark.iterrows(), strict=True):
            assert got["n_risk"] == suppress(int(want["n_risk"]))
            if want["n_risk"] >= 5:
                assert got["survival"] == pytest.approx(want["survival"])
                assert got["lower"] == pytest.approx(want["lower"])
                assert got["upper"] == pytest.approx(want["upper"])
    test = view.logrank.iloc[0]
    if len(shown) == 2:
        part = data[data["product_code"].isin(shown)]
        expected = logrank_test(part["time"], part["event"], part["product_code"])
        assert test["status"] == "done" and test["df"] == expected.df == 1
        assert test["statistic"] == pytest.approx(expected.statistic)
        assert test["p_value"] == pytest.approx(expected.p_value)
    else:
        assert test["status"] == "too_few_groups" and np.isnan(test["p_value"])


def test_os_equals_an_independent_count_from_the_tables(seeded: Engine,
                                                        views: dict[tuple[str, str, str | None],
                                                                    Outcomes]) -> None:
    """mITT OS: infusion to death, else to the last follow-up form, AE onset or resolution
    (every synthetic patient has one episode), all capped at the data cut."""
    episodes = query(seeded, """
        SELECT e.id, p.code AS product_code, e.infusion_date, d.death_date
        FROM treatmentepisode e JOIN product p ON p.id = e.product_id
        LEFT JOIN death d ON d.patient_id = e.patient_id
        WHERE e.infusion_date IS NOT NULL""")
    contacts = pd.concat([
        query(seeded, "SELECT episode_id, assessment_date AS day FROM followup"),
        query(seeded, "SELECT episode_id, onset_date AS day FROM adverseevent"),
        query(seeded, "SELECT episode_id, resolution_date AS day FROM adverseevent"),
    ]).dropna()
    cut = pd.Timestamp(AS_OF)
    days = pd.to_datetime(contacts["day"])
    last = days[days <= cut].groupby(contacts.loc[days <= cut, "episode_id"]).max()
    infusion = pd.to_datetime(episodes["infusion_date"])
    keep = infusion <= cut
    death = pd.to_datetime(episodes["death_date"])
    died = death.notna() & (death <= cut)
    contact = episodes["id"].map(last).fillna(infusion).clip(lower=infusion)
    time = ((death.where(died, contact) - infusion).dt.days)[keep]
    summary = views[("os", "infusion", None)].summary.set_index("product_code")
    landmarks = views[("os", "infusion", None)].landmarks.set_index(["product_code", "month"])
    for code in ("KYMRIAH", "NMRC-CD19"):
        mine = (episodes["product_code"] == code)[keep]
        assert summary.loc[code, "n"] == int(mine.sum())
        assert summary.loc[code, "events"] == int(died[keep][mine].sum())
        fit = survival_at(time[mine], died[keep][mine], [12 * MONTH])
        assert landmarks.loc[(code, 12), "survival"] == pytest.approx(fit["survival"].iloc[0])


def test_pfs_efs_is_named_for_the_indication(
        views: dict[tuple[str, str, str | None], Outcomes]) -> None:
    assert doctest.testmod(service).failed == 0
    labels = {case: view.endpoint_label for case, view in views.items()}
    assert labels == {CASES[0]: "os", CASES[1]: "efs", CASES[2]: "pfs", CASES[3]: "os"}
    assert service.endpoint_label(service.Endpoint.pfs_efs, None) == "pfs_efs"


def test_published_points_for_b_all_os_include_eliana_at_12_months(seeded: Engine) -> None:
    with Session(seeded) as session:
        view = outcomes(session=session, actor=LEADER, endpoint="os", indication="B-ALL",
                        as_of=AS_OF)
    points = view.benchmarks
    assert set(points["endpoint"]) == {"OS"} and set(points["indication"]) == {"B-ALL"}
    eliana = points[points["source"].str.startswith("ELIANA (Maude")].set_index("month")
    assert eliana.loc[12.0, "value"] == pytest.approx(0.76)
    assert "doi:10.1056/NEJMoa1709866" in eliana.loc[12.0, "citation"]
    efs = views_benchmarks(seeded, "pfs_efs", "B-ALL")
    assert set(efs["endpoint"]) == {"EFS"} and 0.5 in set(efs["value"])
    assert set(views_benchmarks(seeded, "pfs_efs", "LBCL")["endpoint"]) == {"PFS"}
    assert views_benchmarks(seeded, "os", None).empty  # no trial point for a pooled curve


def views_benchmarks(engine: Engine, endpoint: str, indication: str | None) -> pd.DataFrame:
    with Session(engine) as session:
        return outcomes(session=session, actor=LEADER, endpoint=endpoint,
                        indication=indication, as_of=AS_OF).benchmarks


# ---- aggregates only and access ------------------------------------------------------------


def test_frames_have_their_columns_and_no_patient_level_data(
        seeded: Engine, views: dict[tuple[str, str, str | None], Outcomes]) -> None:
    patients = query(seeded, "SELECT registry_id, site_patient_code FROM patient")
    codes = set(patients["site_patient_code"])
    for view in views.values():
        seen = {name: set(frame.columns) for name, frame in frames(view)}
        assert seen == COLUMNS
        assert not {"episode_id", "patient_id", "site_id", "n_event", "n_censor", "event",
                    "time", "origin_date"} & set().union(*seen.values())
        dump = "\n".join(frame.to_csv() for _, frame in frames(view)) + repr(view)
        assert not re.search(r"R-\d{6}", dump)
        assert not codes & set(re.findall(r"[\w-]+", dump))
        for _, frame in frames(view):
            for column in {"n", "events", "n_risk"} & set(frame.columns):
                assert all(v == SMALL or not 0 < int(v) < 5 for v in frame[column])


@pytest.mark.parametrize("role", [Role.site_clinician, Role.economist])
def test_other_roles_are_refused(seeded: Engine, role: Role) -> None:
    actor = Actor(None, "someone", role, 1 if role == Role.site_clinician else None)
    with Session(seeded) as session, pytest.raises(PermissionDenied) as refused:
        outcomes(session=session, actor=actor, endpoint="os", as_of=AS_OF)
    assert refused.value.code == "lead.denied"


def test_data_manager_is_let_in_and_bad_choices_are_named(seeded: Engine) -> None:
    with Session(seeded) as session:
        view = outcomes(session=session, actor=DATA_MANAGER, endpoint="os", as_of=AS_OF)
        assert not view.curves.empty
        for kwargs, field in (({"endpoint": "dor"}, "endpoint"),
                              ({"endpoint": "os", "origin": "consent"}, "origin"),
                              ({"endpoint": "os", "indication": "AML"}, "indication")):
            with pytest.raises(InvalidInput) as bad:
                outcomes(session=session, actor=LEADER, as_of=AS_OF, **kwargs)
            assert bad.value.errors[0].field == field


# ---- small groups on a handful of patients --------------------------------------------------


def infuse(session: Session, actor: Actor, product: Product, n: int, *,
           deaths: int = 0) -> None:
    assert product.id is not None
    for i in range(n):
        patient, episode = factories.make_infused_episode(session, actor, product.id)
        factories.make_followup(session, actor, episode)
        if i < deaths:
            factories.make_death(session, actor, patient,
                                 death_date=factories.INFUSION + timedelta(days=60))


def test_a_group_under_5_patients_is_hidden_and_its_counts_are_less_than_5(
        session: Session, sites: tuple[Site, Site], products: tuple[Product, Product],
        clinician_a: Actor) -> None:
    imported, domestic = products
    infuse(session, clinician_a, imported, 6)
    infuse(session, clinician_a, domestic, 3, deaths=1)
    view = outcomes(session=session, actor=LEADER, endpoint="os", as_of=AS_OF)
    rows = view.summary.set_index("product_code")
    assert rows.loc["NMRC-CD19", "status"] == "suppressed"
    assert list(rows.loc["NMRC-CD19", ["n", "events", "median_months"]]) == [SMALL] * 3
    assert set(view.curves["product_code"]) == {"KYMRIAH"}
    risk = view.at_risk.set_index(["product_code", "month"])["n_risk"]
    assert risk[("NMRC-CD19", 0)] == SMALL and risk[("KYMRIAH", 0)] == 6
    assert risk[("KYMRIAH", 3)] == 0  # everyone censored at the D28 form
    domestic_landmarks = view.landmarks[view.landmarks["product_code"] == "NMRC-CD19"]
    assert set(domestic_landmarks["survival"]) == {SMALL}
    # Kymriah: 6 patients, no events: a flat curve to the last time 5+ were at risk
    curve = view.curves
    assert list(curve["survival"]) == [1.0, 1.0]
    assert curve["time_months"].iloc[-1] == pytest.approx(28 / MONTH)
    assert rows.loc["KYMRIAH", "events"] == 0 and np.isnan(rows.loc["KYMRIAH", "median_months"])
    assert view.logrank.iloc[0]["status"] == "too_few_groups"


def test_a_group_with_1_to_4_events_is_hidden(session: Session, sites: tuple[Site, Site],
                                             products: tuple[Product, Product],
                                             clinician_a: Actor) -> None:
    infuse(session, clinician_a, products[0], 7, deaths=2)
    view = outcomes(session=session, actor=LEADER, endpoint="os", as_of=AS_OF)
    row = view.summary.set_index("product_code").loc["KYMRIAH"]
    assert (row["status"], row["n"], row["events"]) == ("suppressed", 7, SMALL)
    assert view.curves.empty
    assert view.summary.set_index("product_code").loc["NMRC-CD19", "status"] == "no_patients"


# ---- the chart built from it ----------------------------------------------------------------


def test_km_chart_puts_the_at_risk_table_under_the_curves_on_one_x_scale(
        views: dict[tuple[str, str, str | None], Outcomes]) -> None:
    view = views[("pfs_efs", "apheresis", "B-ALL")]
    products = list(view.summary["product_code"])
    spec = charts.km_chart(view.curves, view.at_risk, view.benchmarks, products=products,
                           months=service.RISK_MONTHS, benchmark_label="published").to_dict()
    plot, table = spec["vconcat"]
    assert spec["resolve"]["scale"]["x"] == "shared"
    assert spec["autosize"]["type"] == "fit-x"
    assert plot["width"] == table["width"]
    band, line, published = plot["layer"]
    assert band["mark"]["type"] == "area" and band["mark"]["interpolate"] == "step-after"
    assert line["encoding"]["x"]["scale"]["domain"] == [0, 60]
    assert published["mark"]["type"] == "point"
    assert published["encoding"]["shape"]["scale"]["range"] == ["diamond"]
    assert "citation" in {t["field"] for t in published["encoding"]["tooltip"]}
    assert table["mark"]["type"] == "text" and table["encoding"]["text"]["field"] == "n_risk"
    assert table["encoding"]["x"]["scale"] == line["encoding"]["x"]["scale"]
    assert table["encoding"]["y"]["sort"] == products
    rows = spec["datasets"][table["data"]["name"]]
    assert [r["n_risk"] for r in rows] == [str(v) for v in view.at_risk["n_risk"]]
    lands = charts.landmark_chart(view.landmarks, view.benchmarks, products=products).to_dict()
    drawn = spec_rows(lands, 0)
    assert all(r["survival"] is not None for r in drawn)


def spec_rows(spec: dict[str, object], layer: int) -> list[dict[str, object]]:
    datasets = spec["datasets"]
    assert isinstance(datasets, dict)
    layers = spec["layer"]
    assert isinstance(layers, list)
    return list(datasets[layers[layer]["data"]["name"]])
