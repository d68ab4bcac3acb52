"""Leadership dashboards: aggregates only, small cells suppressed, numbers that match an
independent count from the tables, and only leadership / data managers let in.

A seeded synthetic cohort (800 patients) per backend serves the checks on real-sized data; a
handful of patients built through the services serves the small-cell checks.
"""

from __future__ import annotations

import doctest
import re
from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

import registry.charts.leadership as charts
import registry.services.leadership as leadership
from registry.analysis import exact_ci, reverse_km_median_followup
from registry.auth import SYSTEM_ACTOR, Actor
from registry.errors import InvalidInput, PermissionDenied
from registry.models import Product, Site
from registry.models.enums import Role
from registry.schedule import FormStatus, list_expected_forms
from registry.services.events import report_adverse_event
from registry.services.leadership import Overview, Production, Safety
from registry.services.summary import suppress
from tests import factories
from tests.conftest import dataframes, seeded_engine

AS_OF = date(2026, 11, 1)  # the synthetic cohort's data cut
LEADER = Actor(None, "lead", Role.leadership)
DATA_MANAGER = Actor(None, "dm", Role.data_manager)
SMALL = "<5"

COLUMNS: dict[str, set[str]] = {
    "enrolment": {"period", "period_start", "product_code", "apheresed"},
    "enrolment_by_site": {"period", "period_start", "site_code", "site_name", "apheresed"},
    "treatment": {"product_code", "product_name", "is_scenario", "apheresed", "infused",
                  "not_infused", "in_process", "infused_share"},
    "followup": {"product_code", "infused", "deaths", "median_months", "ci_lower_months",
                 "ci_upper_months"},
    "completeness": {"site_code", "site_name", "timepoint", "timepoint_order", "expected",
                     "received", "overdue", "completeness"},
    "completeness_by_site": {"site_code", "site_name", "expected", "received", "overdue",
                             "completeness", "flagged"},
    "grades": {"product_code", "event_type", "grade", "episodes", "share"},
    "severe": {"product_code", "event_type", "numerator", "denominator", "rate", "ci_lower",
               "ci_upper"},
    "onset": {"product_code", "event_type", "n", "median", "q1", "q3", "p10", "p90"},
    "supportive_care": {"product_code", "measure", "numerator", "denominator", "rate",
                        "ci_lower", "ci_upper"},
    "other_scales": {"product_code", "event_type", "grading_scale", "episodes"},
    "durations": {"metric", "product_code", "n", "median", "q1", "q3", "p10", "p90"},
    "histogram": {"metric", "product_code", "bin_start", "bin_end", "count"},
    "qc": {"product_code", "lots", "qc_tested", "numerator", "denominator", "rate", "ci_lower",
           "ci_upper", "out_of_spec", "manufacturing_failed"},
    "funnel": {"product_code", "stage", "stage_order", "episodes", "share"},
    "not_infused": {"product_code", "reason", "episodes"},
}
COUNTS = {"apheresed", "infused", "not_infused", "in_process", "deaths", "expected", "received",
          "overdue", "episodes", "numerator", "denominator", "n", "count", "lots", "qc_tested",
          "out_of_spec", "manufacturing_failed"}
DERIVED = {"infused_share", "median_months", "ci_lower_months", "ci_upper_months",
           "completeness", "share", "rate", "ci_lower", "ci_upper", "median", "q1", "q3", "p10",
           "p90"}


class Views(NamedTuple):
    overview: Overview
    safety: Safety
    production: Production


def frames(views: Any) -> Iterator[tuple[str, pd.DataFrame]]:
    yield from dataframes(*views)


# ---- a seeded cohort per backend -----------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                               marks=pytest.mark.postgres)])
def seeded(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """800 synthetic patients, seeded once per module and backend (a database of its own)."""
    with seeded_engine(request.param, tmp_path_factory.mktemp("leadership"), patients=800,
                       seed=11, as_of=AS_OF) as engine:
        yield engine


@pytest.fixture(scope="module")
def views(seeded: Engine) -> Views:
    with Session(seeded) as session:
        return Views(
            leadership.overview(session=session, actor=LEADER, as_of=AS_OF, period="quarter"),
            leadership.safety(session=session, actor=LEADER),
            leadership.production(session=session, actor=LEADER),
        )


def query(engine: Engine, sql: str) -> pd.DataFrame:
    with engine.connect() as conn:
        result = conn.execute(text(sql))
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


# ---- aggregates only -----------------------------------------------------------------------


def test_every_frame_has_its_documented_columns_and_no_identifier(views: Views) -> None:
    seen = {name: set(frame.columns) for name, frame in frames(views)}
    assert seen == COLUMNS
    identifying = {"registry_id", "site_patient_code", "patient_id", "episode_id", "id",
                   "lot_number", "identity_hash", "apheresis_date", "infusion_date",
                   "death_date", "onset_date", "assessment_date"}
    assert not identifying & set().union(*seen.values())


def test_no_patient_identifier_appears_anywhere(seeded: Engine, views: Views) -> None:
    dump = "\n".join(f"{frame!r}\n{frame.to_csv()}" for _, frame in frames(views))
    dump += "\n".join(repr(view) for view in views)
    assert not re.search(r"R-\d{6}", dump)
    patients = query(seeded, "SELECT registry_id, site_patient_code FROM patient")
    assert len(patients) == 800
    leaked = [c for c in patients["site_patient_code"] if c in dump]
    assert leaked == []
    lots = query(seeded, "SELECT lot_number FROM manufacturinglot")["lot_number"]
    assert not any(lot in dump for lot in lots)
    # the only dates are first days of periods, never a patient's date
    for name in ("enrolment", "enrolment_by_site"):
        assert all(d.day == 1 for d in getattr(views.overview, name)["period_start"])


def test_count_cells_are_never_1_to_4_and_rates_from_small_cells_are_hidden(
        views: Views) -> None:
    checked = 0
    for name, frame in frames(views):
        for column in COUNTS & set(frame.columns):
            for value in frame[column]:
                checked += 1
                assert value == SMALL or (isinstance(value, int | np.integer)
                                          and not 0 < value < 5), (name, column, value)
        if {"numerator", "denominator", "rate"} <= set(frame.columns):
            small = (frame["numerator"] == SMALL) | (frame["denominator"] == SMALL)
            assert (frame.loc[small, ["rate", "ci_lower", "ci_upper"]] == SMALL).all().all()
    assert checked > 500


# ---- numbers checked against an independent count -------------------------------------------

INFUSED_SQL = """
    SELECT p.code AS product_code, COUNT(*) AS n
    FROM treatmentepisode e JOIN product p ON p.id = e.product_id
    WHERE e.infusion_date IS NOT NULL GROUP BY p.code"""
SEVERE_SQL = """
    SELECT p.code AS product_code, a.event_type, COUNT(DISTINCT a.episode_id) AS x
    FROM adverseevent a
    JOIN treatmentepisode e ON e.id = a.episode_id JOIN product p ON p.id = e.product_id
    WHERE e.infusion_date IS NOT NULL AND a.grading_scale = 'ASTCT2019' AND a.grade >= 3
      AND a.event_type IN ('CRS', 'ICANS')
    GROUP BY p.code, a.event_type"""


def test_grade3_rates_equal_exact_ci_of_an_independent_count(seeded: Engine,
                                                             views: Views) -> None:
    infused = query(seeded, INFUSED_SQL).set_index("product_code")["n"]
    severe = query(seeded, SEVERE_SQL)
    assert len(severe) == 4
    rows = views.safety.severe.set_index(["product_code", "event_type"])
    for code, kind, x in severe.itertuples(index=False):
        expected = exact_ci(int(x), int(infused[code]))
        row = rows.loc[(code, kind)]
        assert (row["numerator"], row["denominator"]) == (x, infused[code])
        assert row["rate"] == pytest.approx(expected.estimate)
        assert row["ci_lower"] == pytest.approx(expected.lower)
        assert row["ci_upper"] == pytest.approx(expected.upper)


def test_grade_distribution_adds_up_to_the_infused(seeded: Engine, views: Views) -> None:
    infused = query(seeded, INFUSED_SQL).set_index("product_code")["n"]
    for (code, _), part in views.safety.grades.groupby(["product_code", "event_type"]):
        shown = charts.numeric(part["episodes"])
        hidden = int(shown.isna().sum())
        assert shown.sum() <= infused[code] <= shown.sum() + 4 * hidden
        assert list(part["grade"]) == leadership.GRADE_ORDER
    assert views.safety.other_scale_events == 0 and views.safety.other_scales.empty


def test_vein_to_vein_median_equals_pandas_median(seeded: Engine, views: Views) -> None:
    raw = query(seeded, """
        SELECT p.code AS product_code, e.apheresis_date, e.infusion_date
        FROM treatmentepisode e JOIN product p ON p.id = e.product_id
        WHERE e.infusion_date IS NOT NULL""")
    days = (pd.to_datetime(raw["infusion_date"]) - pd.to_datetime(raw["apheresis_date"])).dt.days
    by_product = days.groupby(raw["product_code"])
    rows = views.production.durations.query("metric == 'vein_to_vein'").set_index("product_code")
    for code, values in by_product:
        assert rows.loc[code, "n"] == len(values)
        assert rows.loc[code, "median"] == pytest.approx(values.median())
        assert rows.loc[code, "q1"] == pytest.approx(values.quantile(0.25))
        assert rows.loc[code, "q3"] == pytest.approx(values.quantile(0.75))
        histogram = views.production.histogram.query(
            "metric == 'vein_to_vein' and product_code == @code")
        counts = Counter((values // 7) * 7)
        for start, count in zip(histogram["bin_start"], histogram["count"], strict=True):
            assert count == suppress(counts.get(start, 0))


def test_turnaround_median_equals_pandas_median(seeded: Engine, views: Views) -> None:
    raw = query(seeded, """
        SELECT p.code AS product_code, l.start_date, l.release_date
        FROM manufacturinglot l JOIN product p ON p.id = l.product_id
        WHERE l.release_date IS NOT NULL""")
    days = (pd.to_datetime(raw["release_date"]) - pd.to_datetime(raw["start_date"])).dt.days
    rows = views.production.durations.query("metric == 'turnaround'").set_index("product_code")
    for code, values in days.groupby(raw["product_code"]):
        assert rows.loc[code, "median"] == pytest.approx(values.median())


def test_qc_pass_rate_and_funnel_match_the_tables(seeded: Engine, views: Views) -> None:
    lots = query(seeded, """
        SELECT p.code AS product_code, l.sterility, l.endotoxin, l.mycoplasma,
               l.out_of_specification AS oos
        FROM manufacturinglot l JOIN product p ON p.id = l.product_id""")
    tested = lots[["sterility", "endotoxin", "mycoplasma"]].notna().all(axis=1)
    passed = (lots[["sterility", "endotoxin", "mycoplasma"]] == "pass").all(axis=1) & ~lots[
        "oos"].astype(bool)
    qc = views.production.qc.set_index("product_code")
    for code in lots["product_code"].unique():
        mine = lots["product_code"] == code
        expected = exact_ci(int((passed & mine).sum()), int((tested & mine).sum()))
        assert qc.loc[code, "rate"] == pytest.approx(expected.estimate)
        assert qc.loc[code, "ci_upper"] == pytest.approx(expected.upper)
    infused = query(seeded, INFUSED_SQL).set_index("product_code")["n"]
    funnel = views.production.funnel.set_index(["product_code", "stage"])
    for code, n in infused.items():
        assert funnel.loc[(code, "infused"), "episodes"] == suppress(int(n))


def test_completeness_matches_list_expected_forms(seeded: Engine, views: Views) -> None:
    with Session(seeded) as session:
        forms = list_expected_forms(session=session, actor=DATA_MANAGER, as_of=AS_OF)
    closed = [f for f in forms if f.window_closes < AS_OF
              and f.status in (FormStatus.received, FormStatus.overdue)]
    expected = Counter((f.site_code, f.timepoint.value) for f in closed)
    received = Counter((f.site_code, f.timepoint.value) for f in closed
                       if f.status == FormStatus.received)
    table = views.overview.completeness.set_index(["site_code", "timepoint"])
    assert set(table.index) >= set(expected)
    for key, row in table.iterrows():
        assert row["expected"] == suppress(expected[key]), key
        assert row["received"] == suppress(received[key]), key
        assert row["overdue"] == suppress(expected[key] - received[key]), key
    overdue = Counter(f.site_code for f in forms if f.status == FormStatus.overdue)
    by_site = views.overview.completeness_by_site.set_index("site_code")
    for site, row in by_site.iterrows():
        assert row["overdue"] == suppress(overdue[site])
        n_expected = sum(v for (s, _), v in expected.items() if s == site)
        n_received = sum(v for (s, _), v in received.items() if s == site)
        assert row["completeness"] == pytest.approx(n_received / n_expected)
        assert row["flagged"] == (n_received / n_expected < 0.9)


def test_median_follow_up_is_the_reverse_km_of_an_independent_count(seeded: Engine,
                                                                      views: Views) -> None:
    episodes = query(seeded, """
        SELECT e.id, e.patient_id, e.infusion_date, d.death_date
        FROM treatmentepisode e LEFT JOIN death d ON d.patient_id = e.patient_id
        WHERE e.infusion_date IS NOT NULL""")
    contacts = pd.concat([
        query(seeded, "SELECT episode_id, assessment_date AS day FROM followup"),
        query(seeded, "SELECT episode_id, onset_date AS day FROM adverseevent"),
    ])
    last = pd.to_datetime(contacts["day"]).groupby(contacts["episode_id"]).max()
    infusion = pd.to_datetime(episodes["infusion_date"])
    death = pd.to_datetime(episodes["death_date"])
    died = death.notna() & (death <= pd.Timestamp(AS_OF))
    contact = episodes["id"].map(last).fillna(infusion).clip(lower=infusion,
                                                             upper=pd.Timestamp(AS_OF))
    days = (death.where(died, contact) - infusion).dt.days
    fit = reverse_km_median_followup(days.to_numpy(float), died.to_numpy(bool))
    everyone = views.overview.followup.set_index("product_code").loc["ALL"]
    assert everyone["infused"] == len(episodes)
    assert everyone["deaths"] == int(died.sum())
    assert everyone["median_months"] == pytest.approx(fit.median / (365.25 / 12))


def test_enrolment_counts_every_apheresis_once(seeded: Engine, views: Views) -> None:
    total = query(seeded, "SELECT COUNT(*) AS n FROM treatmentepisode")["n"].iloc[0]
    treatment = views.overview.treatment.set_index("product_code")
    assert treatment.loc["ALL", "apheresed"] == total
    for frame in (views.overview.enrolment, views.overview.enrolment_by_site):
        shown = charts.numeric(frame["apheresed"])
        assert shown.sum() <= total <= shown.sum() + 4 * shown.isna().sum()
    with Session(seeded) as session:
        monthly = leadership.overview(session=session, actor=LEADER, as_of=AS_OF,
                                      period="month").enrolment
    assert monthly["period"].iloc[0] == "2022-01"
    assert views.overview.enrolment["period"].iloc[0] == "2022-Q1"


# ---- small cells on a handful of patients ---------------------------------------------------


@pytest.fixture
def few(session: Session, sites: tuple[Site, Site], products: tuple[Product, Product],
        clinician_a: Actor) -> Views:
    """Six infused Kymriah patients at MOW-01: one ASTCT grade 3 CRS, one CRS graded on the
    Penn scale, one D28 form received; nothing for the domestic product."""
    imported = products[0]
    assert imported.id is not None
    episodes = [factories.make_infused_episode(session, clinician_a, imported.id)[1]
                for _ in range(6)]
    report_adverse_event(session=session, actor=clinician_a, data=factories.ae_data(
        episodes[0], signs={"max_temperature_c": 39.5, "hypotension": "one_vasopressor",
                            "oxygen": "none"}))
    report_adverse_event(session=session, actor=clinician_a, data=factories.ae_data(
        episodes[1], grading_scale="Penn", grade=3, signs=None))
    factories.make_followup(session, clinician_a, episodes[0])
    return Views(
        leadership.overview(session=session, actor=LEADER, as_of=AS_OF),
        leadership.safety(session=session, actor=LEADER),
        leadership.production(session=session, actor=LEADER),
    )


def _row(frame: pd.DataFrame, **where: Any) -> pd.Series:
    mask = np.logical_and.reduce([frame[k] == v for k, v in where.items()])
    rows = frame[mask]
    assert len(rows) == 1, where
    return rows.iloc[0]


def test_small_numerators_are_shown_as_less_than_5(few: Views) -> None:
    crs = _row(few.safety.severe, product_code="KYMRIAH", event_type="CRS")
    assert crs["numerator"] == SMALL and crs["denominator"] == 6
    assert (crs["rate"], crs["ci_lower"], crs["ci_upper"]) == (SMALL, SMALL, SMALL)
    icans = _row(few.safety.severe, product_code="KYMRIAH", event_type="ICANS")
    assert (icans["numerator"], icans["rate"]) == (0, 0.0)
    assert icans["ci_upper"] == pytest.approx(exact_ci(0, 6).upper)
    domestic = _row(few.safety.severe, product_code="NMRC-CD19", event_type="CRS")
    assert domestic["denominator"] == 0 and np.isnan(domestic["rate"])
    grades = few.safety.grades.query("product_code == 'KYMRIAH' and event_type == 'CRS'")
    assert dict(zip(grades["grade"], grades["episodes"], strict=True)) == {
        "none": SMALL, "1": 0, "2": 0, "3": SMALL, "4": 0, "5": 0, "ungraded": 0,
        "other_scale": SMALL}
    toci = _row(few.safety.supportive_care, product_code="KYMRIAH", measure="tocilizumab")
    assert (toci["numerator"], toci["rate"]) == (SMALL, SMALL)


def test_other_grading_scales_are_counted_apart(few: Views) -> None:
    assert few.safety.other_scale_events == 1
    other = few.safety.other_scales
    assert other.to_dict("records") == [{"product_code": "KYMRIAH", "event_type": "CRS",
                                         "grading_scale": "Penn", "episodes": SMALL}]


def test_small_cells_in_overview_and_production(few: Views) -> None:
    treatment = _row(few.overview.treatment, product_code="KYMRIAH")
    assert (treatment["apheresed"], treatment["infused"], treatment["infused_share"]) == (
        6, 6, 1.0)
    d28 = _row(few.overview.completeness, site_code="MOW-01", timepoint="D28")
    assert (d28["expected"], d28["received"], d28["overdue"], d28["completeness"]) == (
        6, SMALL, 5, SMALL)
    d100 = _row(few.overview.completeness, site_code="MOW-01", timepoint="D100")
    assert (d100["expected"], d100["received"], d100["overdue"], d100["completeness"]) == (
        6, 0, 6, 0.0)
    site = _row(few.overview.completeness_by_site, site_code="MOW-01")
    assert site["completeness"] == SMALL and site["flagged"] is None
    assert few.overview.completeness["site_code"].unique().tolist() == ["MOW-01"]
    by_site = few.overview.enrolment_by_site
    assert set(by_site.loc[by_site["site_code"] == "SPB-01", "apheresed"]) == {0}
    v2v = _row(few.production.durations, metric="vein_to_vein", product_code="KYMRIAH")
    assert v2v["n"] == 6 and v2v["median"] == 40.0
    assert _row(few.production.histogram, metric="vein_to_vein", product_code="KYMRIAH",
                bin_start=35)["count"] == 6
    released = _row(few.production.funnel, product_code="KYMRIAH", stage="lot_released")
    assert (released["episodes"], released["share"]) == (6, 1.0)
    assert few.production.not_infused.empty


def test_a_single_patient_is_suppressed_everywhere(session: Session, sites: tuple[Site, Site],
                                                   products: tuple[Product, Product],
                                                   clinician_a: Actor) -> None:
    assert products[1].id is not None
    factories.make_infused_episode(session, clinician_a, products[1].id,
                                   infusion=AS_OF - timedelta(days=400))
    views = Views(leadership.overview(session=session, actor=LEADER, as_of=AS_OF),
                  leadership.safety(session=session, actor=LEADER),
                  leadership.production(session=session, actor=LEADER))
    domestic = _row(views.overview.followup, product_code="NMRC-CD19")
    assert (domestic["infused"], domestic["median_months"]) == (SMALL, SMALL)
    spread = _row(views.production.durations, metric="turnaround", product_code="NMRC-CD19")
    assert (spread["n"], spread["median"], spread["q1"]) == (SMALL, SMALL, SMALL)
    onset = _row(views.safety.onset, product_code="NMRC-CD19", event_type="CRS")
    assert onset["n"] == 0 and np.isnan(onset["median"])
    for name, frame in frames(views):
        for column in COUNTS & set(frame.columns):
            assert not any(isinstance(v, int | np.integer) and 0 < v < 5
                           for v in frame[column]), (name, column)


# ---- who may look ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.site_clinician, Role.economist])
def test_clinicians_and_economists_are_refused(session: Session, sites: tuple[Site, Site],
                                               role: Role) -> None:
    actor = Actor(None, "someone", role, sites[0].id if role == Role.site_clinician else None)
    for call in (lambda: leadership.overview(session=session, actor=actor, as_of=AS_OF),
                 lambda: leadership.safety(session=session, actor=actor),
                 lambda: leadership.production(session=session, actor=actor)):
        with pytest.raises(PermissionDenied) as refused:
            call()
        assert refused.value.code == "lead.denied"


@pytest.mark.parametrize("actor", [LEADER, DATA_MANAGER, SYSTEM_ACTOR],
                         ids=["leadership", "data_manager", "system"])
def test_leadership_and_data_managers_are_let_in(session: Session, products: Any,
                                                 actor: Actor) -> None:
    overview = leadership.overview(session=session, actor=actor, as_of=AS_OF)
    assert overview.enrolment.empty and overview.completeness.empty
    assert list(leadership.safety(session=session, actor=actor).severe["denominator"]) == [0] * 4
    production = leadership.production(session=session, actor=actor)
    assert production.histogram.empty


def test_bad_parameters_name_the_field(session: Session) -> None:
    with pytest.raises(InvalidInput, match="period"):
        leadership.overview(session=session, actor=LEADER, as_of=AS_OF,
                            period="week")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="threshold"):
        leadership.overview(session=session, actor=LEADER, as_of=AS_OF, threshold=90)
    with pytest.raises(InvalidInput, match="bin_days"):
        leadership.production(session=session, actor=LEADER, bin_days=0)


# ---- charts ---------------------------------------------------------------------------------


def _marks(spec: dict[str, Any]) -> list[str]:
    layers = spec.get("layer", [spec])
    return [m["type"] if isinstance(m, dict) else m for m in (layer["mark"] for layer in layers)]


def _data(spec: dict[str, Any]) -> list[dict[str, Any]]:
    return [row for rows in spec.get("datasets", {}).values() for row in rows]


def test_charts_are_pure_altair_specs(views: Views) -> None:
    o, s, p = views
    v2v = p.durations.query("metric == 'vein_to_vein'")
    built = {
        "enrolment": charts.enrolment_chart(o.enrolment, period="quarter",
                                            quarter="{q} кв. {year}"),
        "sites": charts.enrolment_heatmap(o.enrolment_by_site, period="quarter"),
        "completeness": charts.completeness_heatmap(o.completeness, threshold=0.9),
        "grades": charts.grade_chart(s.grades, grade_labels={"none": "нет"}),
        "severe": charts.rate_chart(s.severe),
        "supportive": charts.rate_chart(s.supportive_care, category="measure"),
        "histogram": charts.histogram_chart(p.histogram.query("metric == 'vein_to_vein'")),
        "spread": charts.spread_chart(v2v),
        "funnel": charts.funnel_chart(p.funnel, stage_labels={"infused": "Инфузия"}),
    }
    specs = {name: chart.to_dict() for name, chart in built.items()}
    assert _marks(specs["enrolment"]) == ["bar"]
    assert specs["enrolment"]["encoding"]["x"]["sort"][0] == "1 кв. 2022"
    assert _marks(specs["sites"]) == ["rect", "rect", "text"]
    assert _marks(specs["completeness"]) == ["rect", "rect", "text"]
    assert _marks(specs["severe"]) == ["rule", "point"]
    assert _marks(specs["spread"]) == ["rule", "bar", "tick"]
    assert _marks(specs["funnel"]) == ["bar", "text"]
    assert specs["grades"]["encoding"]["color"]["scale"]["domain"][0] == "нет"
    assert specs["histogram"]["encoding"]["xOffset"]["field"] == "product_code"
    # suppressed cells are drawn as grey "<5" cells on heatmaps, never as bars or points
    assert any(row.get("text") == SMALL for row in _data(specs["sites"]))
    for name in ("enrolment", "grades", "severe", "histogram", "funnel"):
        rows = _data(specs[name])
        assert rows and not any(SMALL in map(str, row.values()) for row in rows), name


def test_csv_download_is_safe_and_keeps_suppression(views: Views) -> None:
    data = charts.csv_bytes(views.overview.enrolment_by_site).decode("utf-8-sig")
    assert data.splitlines()[0] == "period,period_start,site_code,site_name,apheresed"
    assert ",<5" in data and "01.01.2022" in data
    evil = pd.DataFrame({"site_name": ["=HYPERLINK(1)", "@x", "-1", "ok"]})
    assert charts.csv_bytes(evil).decode("utf-8-sig").splitlines()[1:] == [
        "'=HYPERLINK(1)", "'@x", "'-1", "ok"]


def test_module_doctests() -> None:
    for module in (leadership, charts):
        result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE)
        assert result.failed == 0 and result.attempted > 0, module.__name__
