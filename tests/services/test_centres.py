"""Centre report: observed and expected 1-year OS checked against lifelines for one site,
flagged sites kept out of the ranking, funnel limits that narrow with n, small sites hidden,
aggregates only, and only leadership / data managers let in.
"""

from __future__ import annotations

import dataclasses
import doctest
import re
from collections.abc import Iterator
from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest
from lifelines import CoxPHFitter, KaplanMeierFitter
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import Session

import registry.services.centres as centres
from registry.analysis import build_dataset
from registry.auth import Actor
from registry.errors import InvalidInput, PermissionDenied
from registry.models import Product, Site
from registry.models.enums import Role
from registry.services.centres import CentreReport, centre_report, funnel_limits
from registry.services.leadership import overview
from tests import factories
from tests.conftest import seeded_engine

AS_OF = date(2026, 11, 1)
YEAR = 365.25
LEADER = Actor(None, "lead", Role.leadership)
DATA_MANAGER = Actor(None, "dm", Role.data_manager)
SMALL = "<5"
pytestmark = pytest.mark.filterwarnings(  # lifelines on pandas 3
    "ignore:Starting with pandas version 4.0:DeprecationWarning")


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres",
                                                               marks=pytest.mark.postgres)])
def seeded(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """900 synthetic patients, seeded once per module and backend (a database of its own)."""
    with seeded_engine(request.param, tmp_path_factory.mktemp("centres"), patients=900,
                       seed=31, as_of=AS_OF) as engine:
        yield engine


@pytest.fixture(scope="module")
def report(seeded: Engine) -> CentreReport:
    with Session(seeded) as session:
        return centre_report(session=session, actor=LEADER, as_of=AS_OF)


def cohort(engine: Engine) -> pd.DataFrame:
    """First infused episode per patient, infused a year or more before the cut."""
    with Session(engine) as session:
        data = build_dataset(session=session, actor=DATA_MANAGER, endpoint="os", as_of=AS_OF)
    data = data.sort_values("episode_number").drop_duplicates("patient_id")
    return data[data["origin_date"] <= pd.Timestamp(AS_OF - timedelta(days=365))]


def test_observed_and_expected_of_one_site_equal_lifelines(seeded: Engine,
                                                           report: CentreReport) -> None:
    data = cohort(seeded)
    x = pd.DataFrame({
        "age": data["age_at_origin"] / 10, "lines": data["prior_lines"].astype(float),
        "ecog": data["ecog"].astype(float), "ldh": data["ldh_above_uln"].astype(float),
        "bridging": (data["bridging"] != "none").astype(float),
    })
    for column, top in (("indication", "LBCL"), ("product_code", "KYMRIAH")):
        for level in sorted(set(data[column]) - {top}):
            x[level] = (data[column] == level).astype(float)
    fit = CoxPHFitter(baseline_estimation_method="breslow").fit(
        x.assign(T=data["time"], E=data["event"]), "T", "E")
    # lifelines interpolates the baseline between event times; read its step at one year
    h0 = fit.baseline_cumulative_hazard_.iloc[:, 0]
    expected = np.exp(-h0[h0.index <= YEAR].iloc[-1] * fit.predict_partial_hazard(x)).to_numpy()
    with Session(seeded) as session:
        site_id = session.get(Site, 1).id  # type: ignore[union-attr]
        code = session.get(Site, 1).code  # type: ignore[union-attr]
    mine = (data["site_id"] == site_id).to_numpy()
    observed = KaplanMeierFitter().fit(data["time"][mine], data["event"][mine]).predict(YEAR)
    row = report.sites.set_index("site_code").loc[code]
    assert row["n"] == mine.sum() and row["n"] >= 100
    assert row["observed"] == pytest.approx(observed, abs=1e-9)
    assert row["expected"] == pytest.approx(expected[mine].mean(), abs=1e-6)
    assert row["o_minus_e"] == pytest.approx(observed - expected[mine].mean(), abs=1e-6)
    assert row["o_e_ratio"] == pytest.approx(observed / expected[mine].mean(), abs=1e-6)
    p0 = KaplanMeierFitter().fit(data["time"], data["event"]).predict(YEAR)
    assert report.overall.iloc[0]["observed"] == pytest.approx(p0)
    assert row["adjusted"] == pytest.approx(p0 + row["o_minus_e"])
    hrs = report.model.assign(name=[level or term for term, level in
                                    zip(report.model["term"], report.model["level"],
                                        strict=True)]).set_index("name")["hr"]
    assert hrs["NMRC-CD19"] == pytest.approx(fit.hazard_ratios_["NMRC-CD19"], rel=1e-4)
    assert hrs["ldh_above_uln"] == pytest.approx(fit.hazard_ratios_["ldh"], rel=1e-4)


def test_flagged_sites_are_shown_but_left_out_of_the_ranking(seeded: Engine) -> None:
    with Session(seeded) as session:
        strict = centre_report(session=session, actor=LEADER, as_of=AS_OF,
                               completeness_threshold=0.95)
        completeness = overview(session=session, actor=LEADER, as_of=AS_OF,
                                threshold=0.95).completeness_by_site
    sites = strict.sites.set_index("site_code")
    flagged = set(completeness.loc[completeness["flagged"].eq(True), "site_code"])
    assert flagged and set(sites.index[sites["flagged"]]) == flagged
    assert sites.loc[sorted(flagged), "rank"].isna().all()
    assert set(sites.loc[sorted(flagged), "status"]) <= {"flagged", "suppressed"}
    assert isinstance(sites.loc[sorted(flagged)[0], "expected"], float)  # still shown
    ranked = sites[sites["status"] == "ranked"].sort_values("rank")
    assert list(ranked["rank"]) == list(range(1, len(ranked) + 1))
    assert ranked["o_minus_e"].is_monotonic_decreasing
    assert not flagged & set(ranked.index)
    assert strict.overall.iloc[0]["sites_flagged"] == (sites["status"] == "flagged").sum()


def test_funnel_limits_narrow_as_n_grows(report: CentreReport) -> None:
    limits = report.limits
    assert limits["n"].is_monotonic_increasing and limits["n"].iloc[0] == 5
    assert limits["lower_95"].is_monotonic_increasing
    assert limits["lower_998"].is_monotonic_increasing
    assert limits["upper_95"].is_monotonic_decreasing
    assert limits["upper_998"].is_monotonic_decreasing
    assert (limits["lower_998"] <= limits["lower_95"]).all()
    assert (limits["lower_95"] <= limits["target"]).all()
    assert (limits["target"] <= limits["upper_95"]).all()
    p0 = report.overall.iloc[0]["observed"]
    at_100 = funnel_limits(p0, [100.0]).iloc[0]
    assert at_100["upper_95"] - p0 == pytest.approx(1.959964 * np.sqrt(p0 * (1 - p0) / 100))
    for _, site in report.sites[report.sites["status"] == "ranked"].iterrows():
        edge = funnel_limits(p0, [site["n"]]).iloc[0]
        inside = edge["lower_95"] <= site["adjusted"] <= edge["upper_95"]
        assert inside == (site["position"] == "within")
    assert doctest.testmod(centres).failed == 0


def test_only_aggregates_leave_the_service(seeded: Engine, report: CentreReport) -> None:
    assert set(report.sites.columns) == set(centres.SITE_COLUMNS)
    assert set(report.limits.columns) == set(centres.LIMIT_COLUMNS)
    assert set(report.model.columns) == set(centres.MODEL_COLUMNS)
    assert set(report.overall.columns) == set(centres.OVERALL_COLUMNS)
    with seeded.connect() as conn:
        codes = {r[0] for r in conn.execute(text("SELECT site_patient_code FROM patient"))}
        n_sites = conn.execute(text("SELECT COUNT(*) FROM site")).scalar_one()
    assert len(report.sites) == n_sites
    frames = [getattr(report, f.name) for f in dataclasses.fields(report)
              if isinstance(getattr(report, f.name), pd.DataFrame)]
    dump = "\n".join(f.to_csv() for f in frames) + repr(report)
    assert not re.search(r"R-\d{6}", dump)
    assert not codes & set(re.findall(r"[\w-]+", dump))
    for value in [*report.sites["n"], *report.sites["deaths"]]:
        assert value == SMALL or not 0 < int(value) < 5


@pytest.mark.parametrize("role", [Role.site_clinician, Role.economist])
def test_other_roles_are_refused(seeded: Engine, role: Role) -> None:
    actor = Actor(None, "someone", role, 1 if role == Role.site_clinician else None)
    with Session(seeded) as session, pytest.raises(PermissionDenied) as refused:
        centre_report(session=session, actor=actor, as_of=AS_OF)
    assert refused.value.code == "lead.denied"


def test_data_manager_is_let_in_and_a_bad_threshold_is_refused(seeded: Engine) -> None:
    with Session(seeded) as session:
        assert centre_report(session=session, actor=DATA_MANAGER, as_of=AS_OF).model.size
        with pytest.raises(InvalidInput):
            centre_report(session=session, actor=LEADER, as_of=AS_OF,
                          completeness_threshold=90)


def test_sites_under_5_patients_are_hidden(session: Session, sites: tuple[Site, Site],
                                           products: tuple[Product, Product],
                                           clinician_a: Actor, clinician_b: Actor) -> None:
    kymriah = products[0].id
    assert kymriah is not None
    for actor, n in ((clinician_a, 6), (clinician_b, 3)):
        for _ in range(n):
            _, episode = factories.make_infused_episode(session, actor, kymriah)
            factories.make_followup(session, actor, episode)
            factories.make_followup(session, actor, episode, timepoint="M12",
                                    assessment_date=factories.INFUSION + timedelta(days=370))
    report = centre_report(session=session, actor=LEADER, as_of=AS_OF)
    rows = report.sites.set_index("site_code")
    small = rows.loc["SPB-01"]
    assert small["status"] == "suppressed" and small["n"] == SMALL
    assert {small[c] for c in ("deaths", "observed", "expected", "o_minus_e")} == {SMALL}
    big = rows.loc["MOW-01"]
    assert (big["n"], big["deaths"], big["observed"]) == (6, 0, 1.0)
    assert report.overall.iloc[0]["n"] == 9 and report.model.empty


def test_funnel_chart_draws_limits_and_flagged_sites_hollow(report: CentreReport) -> None:
    from registry.charts.outcomes import centre_funnel_chart, observed_expected_chart

    labels = {"ranked": "ranked", "flagged": "flagged"}
    sites = report.sites.copy()
    sites.loc[0, ["status", "rank"]] = ["flagged", pd.NA]  # at least one flagged site
    spec = centre_funnel_chart(sites, report.limits, status_labels=labels,
                               limit_labels={"95": "95%", "998": "99.8%"},
                               target_label="p0").to_dict()
    lines, points, text_marks = spec["layer"]
    assert lines["encoding"]["color"]["scale"]["domain"] == ["p0", "95%", "99.8%"]
    assert points["encoding"]["fill"]["scale"]["range"] == ["#1f77b4", "transparent"]
    assert text_marks["encoding"]["text"]["field"] == "site_code"
    drawn = spec["datasets"][points["data"]["name"]]
    assert {r["state"] for r in drawn} == {"ranked", "flagged"}
    assert len(drawn) == sites["status"].isin(["ranked", "flagged"]).sum()
    low, high = lines["encoding"]["y"]["scale"]["domain"]
    assert all(low <= r["adjusted"] <= high for r in drawn)
    dots = observed_expected_chart(sites, status_labels=labels).to_dict()
    ordered = dots["layer"][0]["encoding"]["y"]["sort"]
    flagged = sorted(sites.loc[sites["status"] == "flagged", "site_code"])
    ranked = list(sites[sites["status"] == "ranked"].sort_values("rank")["site_code"])
    assert ordered == ranked + flagged
