"""Comparison and extrapolation pages under AppTest on a seeded SQLite database: nothing is
computed until "Run", then the numbers shown are the service's own for the same cohort and
inputs, every run leaves an AnalysisRun record, the charts, tables and the HTML report are
there, the extrapolation choice reaches the session for the cost-effectiveness page, and
other roles are refused.

Each page file runs by itself with the actor and the working cohort set in `session_state`.
The working cohort is B-ALL and LBCL: the synthetic domestic product treats no CLL, and a
cohort where an indication has one product only has no overlap for the propensity score
(the page says so: `test_compare_explains_a_cohort_it_cannot_compare`).
"""

from __future__ import annotations

import json
import string
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest
from sqlmodel import Session, col, select
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

import registry.i18n as i18n
from registry.analysis import PARAMETRIC_DISTRIBUTIONS
from registry.auth import Actor
from registry.db import make_engine, migrate
from registry.i18n import t
from registry.i18n_econ_analysis import ENTRIES
from registry.models import AnalysisRun
from registry.models.enums import Role
from registry.seed import seed_synthetic
from registry.services.cohorts import CohortDefinition
from registry.services.hta.comparison import compare_products
from registry.services.hta.extrapolation import extrapolate

ROOT = Path(__file__).resolve().parents[2]
ECONOMIST = Actor(None, "economist", Role.economist)
COHORT = CohortDefinition(name="B-ALL и LBCL", indications=("B-ALL", "LBCL"))
pytestmark = [pytest.mark.filterwarnings("ignore::registry.analysis.ConvergenceWarning"),
              pytest.mark.filterwarnings("ignore::RuntimeWarning")]


@pytest.fixture(scope="module")
def seeded_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('econpages') / 'portal.db'}"
    engine = make_engine(url)
    migrate(engine)
    seed_synthetic(engine, patients=500, seed=5)
    engine.dispose()
    return url


@pytest.fixture
def portal(seeded_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("REGISTRY_DATABASE_URL", seeded_url)
    yield seeded_url


@pytest.fixture
def deferred(monkeypatch: pytest.MonkeyPatch) -> dict[str, Callable[[], Any]]:
    """The callables of deferred downloads (the HTML reports), by file name, to call as a
    click would (AppTest drops its media manager after each run)."""
    found: dict[str, Callable[[], Any]] = {}
    original = MediaFileManager.add_deferred

    def keep(self: MediaFileManager, data_callable: Callable[[], Any], *args: Any,
             **kwargs: Any) -> str:
        name = str(kwargs.get("file_name"))
        found.pop(name, None)  # the latest registration last
        found[name] = data_callable
        return original(self, data_callable, *args, **kwargs)

    monkeypatch.setattr(MediaFileManager, "add_deferred", keep)
    return found


def open_page(page: str, actor: Actor = ECONOMIST, *, language: str = "ru",
              cohort: CohortDefinition = COHORT) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=90)
    at.session_state["actor"] = actor
    at.session_state["language"] = language
    at.session_state["econ_definition"] = cohort.model_dump(mode="json")
    return at.run()


def specs(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def datasets(chart: Any) -> list[pd.DataFrame]:
    """The data a chart element carries (Streamlit sends it beside the spec, as Arrow)."""
    return [pa.ipc.open_stream(d.data.data).read_pandas() for d in chart.proto.datasets]


def labels(at: AppTest) -> list[str]:
    return [b.proto.label for b in at.get("download_button")]


def runs(url: str) -> list[AnalysisRun]:
    engine = make_engine(url)
    with Session(engine) as session:
        found = list(session.exec(select(AnalysisRun).order_by(col(AnalysisRun.id))).all())
    engine.dispose()
    return found


def service_session(url: str) -> Session:
    return Session(make_engine(url), expire_on_commit=False)


def report_html(deferred: dict[str, Callable[[], Any]]) -> str:
    """The HTML report of the latest run of the page, as a click would download it."""
    name = [n for n in deferred if n.endswith(".html")][-1]
    return bytes(deferred[name]()).decode("utf-8")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_entries_are_page_keys_in_both_languages_with_the_same_placeholders() -> None:
    assert all(k.startswith(("econ.compare.", "econ.extrap.", "econ.nav.compare",
                             "econ.nav.extrapolate")) for k in ENTRIES)
    for key, entry in ENTRIES.items():
        assert set(entry) == {"ru", "en"} and all(v.strip() for v in entry.values()), key
        assert _placeholders(entry["ru"]) == _placeholders(entry["en"]), key
    assert {f"econ.extrap.model.{d}" for d in PARAMETRIC_DISTRIBUTIONS} <= set(ENTRIES)
    assert all(key in i18n.CATALOGUE for key in ENTRIES)  # merged into the one catalogue


def test_compare_runs_on_click_and_shows_the_services_numbers(
        portal: str, deferred: dict[str, Callable[[], Any]]) -> None:
    before = len(runs(portal))
    at = open_page("econ_compare")
    assert not at.exception, at.exception
    assert at.title[0].value == t("econ.compare.title", "ru")
    assert [i.value for i in at.info] == [t("econ.compare.prompt", "ru")]
    assert not specs(at) and not at.dataframe and len(runs(portal)) == before

    at.button(key="compare_run").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    made = runs(portal)[before:]
    assert [r.kind for r in made] == ["comparison"]
    assert made[0].parameters["horizon_months"] == 12.0
    assert made[0].definition == COHORT.filters()
    assert len(specs(at)) == 4  # forest, Love plot, KM (one endpoint), incidence
    forest = specs(at)[0]["layer"]
    assert {layer["encoding"]["x"]["scale"]["type"] for layer in forest} == {"log"}
    assert any(d.columns.tolist() == ["hr"] and d["hr"].tolist() == [1.0]
               for d in datasets(at.get("vega_lite_chart")[0]))  # the rule at HR = 1
    assert any(f"№ {made[0].id}:" in c.value and made[0].data_sha256[:16] in c.value
               for c in at.caption)

    with service_session(portal) as session:
        expected = compare_products(session=session, actor=ECONOMIST, definition=COHORT,
                                    horizon_months=12.0)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("econ.compare.arm.domestic", "ru")] == str(expected.counts["domestic"])
    assert metrics[t("econ.compare.arm.imported", "ru")] == str(expected.counts["imported"])
    hr = at.dataframe[0].value
    hr_rows = expected.hazard_ratios[expected.hazard_ratios["term"] == "domestic"]
    adjusted_os = hr_rows[(hr_rows["endpoint"] == "os") & (hr_rows["model"] == "adjusted")]
    shown = hr[(hr[t("econ.compare.col.endpoint", "ru")] == t("econ.compare.endpoint.os", "ru"))
               & (hr[t("econ.compare.col.model", "ru")]
                  == t("econ.compare.model.adjusted", "ru"))]
    assert shown[t("econ.compare.col.hr", "ru")].tolist() == pytest.approx(
        [adjusted_os["hr"].iloc[0]])
    assert shown[t("econ.compare.col.upper", "ru")].tolist() == pytest.approx(
        [adjusted_os["hr_upper"].iloc[0]])
    rmst = at.dataframe[3].value
    difference = expected.rmst[(expected.rmst["arm"] == "difference")
                               & (expected.rmst["endpoint"] == "os")]
    shown = rmst[(rmst[t("econ.compare.col.arm", "ru")] == t("econ.compare.arm.difference", "ru"))
                 & (rmst[t("econ.compare.col.endpoint", "ru")]
                    == t("econ.compare.endpoint.os", "ru"))]
    assert shown[t("econ.compare.col.rmst", "ru")].tolist() == pytest.approx(
        [difference["rmst_months"].iloc[0]])
    ess = f"{expected.weights_summary['ess_domestic']:.1f}"
    assert any(ess in m.value for m in at.markdown)  # the sentence on the weights

    assert t("econ.compare.report.download", "ru") in labels(at)
    html = report_html(deferred)
    assert html.startswith("<!DOCTYPE html>")
    assert t("econ.compare.report.title", "ru") in html
    assert made[0].data_sha256 in html and made[0].code_version in html
    assert html.count("<svg") >= 5  # forest, Love, KM OS and PFS/EFS, incidence
    assert "indications" in html  # the cohort definition in the run record (a Russian report)

    at.segmented_control(key="compare_km_endpoint").set_value("pfs_efs").run()
    assert not at.exception
    assert "csv_compare_km_pfs_efs" in {b.key for b in at.get("download_button")}
    at.number_input(key="compare_horizon").set_value(6.0).run()
    assert t("econ.compare.stale", "ru") in [w.value for w in at.warning]
    assert len(runs(portal)) == before + 2  # the page's run and the test's, no recomputation


def test_compare_speaks_english(portal: str) -> None:
    at = open_page("econ_compare", language="en")
    at.button(key="compare_run").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == t("econ.compare.title", "en")
    assert t("econ.compare.col.hr", "en") in at.dataframe[0].value.columns
    assert t("econ.compare.report.download", "en") in labels(at)


@pytest.mark.parametrize(("cohort", "horizon", "message"), [
    (CohortDefinition(), 12.0, "econ.compare.err.separation"),  # CLL: imported only
    (CohortDefinition(product_codes=("KYMRIAH",)), 12.0, "hta.arms"),
    (COHORT, 180.0, "hta.horizon_follow_up"),  # longer than the domestic follow-up
])
def test_compare_explains_a_cohort_it_cannot_compare(portal: str, cohort: CohortDefinition,
                                                     horizon: float, message: str) -> None:
    before = len(runs(portal))
    at = open_page("econ_compare", language="en", cohort=cohort)
    at.number_input(key="compare_horizon").set_value(horizon)
    at.button(key="compare_run").click().run()
    assert not at.exception, at.exception
    (error,) = [e.value for e in at.error]
    literal = max((text for text, *_ in string.Formatter().parse(t(message, "en"))), key=len)
    assert literal.strip() in error  # the catalogued text, not the service's raw message
    assert not specs(at) and len(runs(portal)) == before


def test_extrapolation_fits_both_endpoints_and_hands_the_choice_to_the_cea(
        portal: str, deferred: dict[str, Callable[[], Any]]) -> None:
    before = len(runs(portal))
    at = open_page("econ_extrapolate")
    assert not at.exception, at.exception
    assert [i.value for i in at.info] == [t("econ.extrap.prompt", "ru")]
    assert "econ_model_os" not in at.session_state and not specs(at)

    at.button(key="extrap_run").click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    made = runs(portal)[before:]
    assert [(r.kind, r.parameters["endpoint"]) for r in made] == [("extrapolation", "os")]
    with service_session(portal) as session:
        expected = extrapolate(session=session, actor=ECONOMIST, definition=COHORT,
                               endpoint="os", horizon_years=20.0)
    assert at.session_state["econ_model_os"] == expected.best
    assert set(expected.best) == {"imported", "domestic"}
    assert t("econ.extrap.warning", "ru") in [w.value for w in at.warning]

    imported_fits = at.dataframe[0].value
    assert len(imported_fits) == len(PARAMETRIC_DISTRIBUTIONS)
    best = imported_fits.iloc[0]
    assert best[t("econ.extrap.col.status", "ru")] == t("econ.extrap.status.best", "ru")
    assert best[t("econ.extrap.col.model", "ru")] == t(
        f"econ.extrap.model.{expected.best['imported']}", "ru")
    fits = expected.fits.set_index(["arm", "distribution"])
    assert best["AIC"] == pytest.approx(fits.loc[("imported", expected.best["imported"]), "aic"])
    failed = expected.fits[~expected.fits["converged"].astype(bool)]
    shown_failed = sum(
        (df.value[t("econ.extrap.col.status", "ru")] == t("econ.extrap.status.failed", "ru"))
        .sum() for df in at.dataframe[:2])
    assert shown_failed == len(failed)  # listed, with their reason, not ranked

    charts = at.get("vega_lite_chart")
    assert len(charts) == 2  # one per arm
    converged = expected.fits[expected.fits["converged"].astype(bool)]

    def series(chart: Any) -> set[str]:
        return {str(v) for d in datasets(chart) if "series" in d for v in d["series"]}

    for chart, arm in zip(charts, ("imported", "domestic"), strict=True):
        n_models = int((converged["arm"] == arm).sum())
        assert len(series(chart)) == n_models + 1  # every converged model and the KM curve
    at.checkbox(key="extrap_top3").check().run()
    assert [len(series(c)) for c in at.get("vega_lite_chart")] == [
        min(3, int((converged["arm"] == arm).sum())) + 1 for arm in ("imported", "domestic")]

    other = next(d for d in converged[converged["arm"] == "imported"]["distribution"]
                 if d != expected.best["imported"])
    at.selectbox(key="extrap_model_os_imported").set_value(other).run()
    assert not at.exception
    assert at.session_state["econ_model_os"] == {"imported": other,
                                                "domestic": expected.best["domestic"]}

    html = report_html(deferred)
    assert t("econ.extrap.report.title", "ru", endpoint=t("econ.compare.endpoint.os", "ru")) \
        in html
    assert made[0].data_sha256 in html and html.count("<svg") >= 2
    assert t(f"econ.extrap.model.{other}", "ru") in html  # the chosen model

    at.segmented_control(key="extrap_endpoint").set_value("pfs_efs").run()
    assert [i.value for i in at.info] == [t("econ.extrap.prompt", "ru")]
    at.button(key="extrap_run").click().run()
    assert not at.exception, at.exception
    assert set(at.session_state["econ_model_pfs_efs"]) == {"imported", "domestic"}
    at.segmented_control(key="extrap_endpoint").set_value("os").run()
    assert at.session_state["econ_model_os"]["imported"] == other  # kept across endpoints
    assert at.selectbox(key="extrap_model_os_imported").value == other


def test_extrapolation_speaks_english(portal: str) -> None:
    at = open_page("econ_extrapolate", language="en")
    at.button(key="extrap_run").click().run()
    assert not at.exception, at.exception
    assert at.title[0].value == t("econ.extrap.title", "en")
    assert t("econ.extrap.report.download", "en") in labels(at)
    assert t("econ.extrap.warning", "en") in [w.value for w in at.warning]


@pytest.mark.parametrize("page", ["econ_compare", "econ_extrapolate"])
@pytest.mark.parametrize("role", [Role.leadership, Role.site_clinician])
def test_other_roles_are_refused_and_see_no_results(portal: str, page: str,
                                                    role: Role) -> None:
    before = len(runs(portal))
    actor = Actor(None, "someone", role, 1 if role == Role.site_clinician else None)
    at = open_page(page, actor)
    assert not at.exception, at.exception
    (error,) = [e.value for e in at.error]
    assert error.startswith(t("denied.role", "ru", action="cohort:analyse"))
    assert not at.button and not specs(at) and not at.dataframe and not labels(at)
    assert len(runs(portal)) == before
