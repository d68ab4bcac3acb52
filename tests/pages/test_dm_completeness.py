"""The data manager's Completeness page under AppTest on a seeded SQLite database: it renders
in both languages, shows the service's numbers for the chosen threshold and date, marks the
flagged sites, draws the site x timepoint heatmap, offers both tables as CSV, takes its
default threshold from the setting, and refuses every other role.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from registry import today
from registry.auth import Actor
from registry.db import make_engine, migrate
from registry.i18n import t
from registry.models.enums import Role
from registry.seed import seed_synthetic
from registry.services.completeness import THRESHOLD_SETTING, completeness_report

ROOT = Path(__file__).resolve().parents[2]
DM = Actor(None, "dm", Role.data_manager)


@pytest.fixture(scope="module")
def seeded_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('dm_completeness') / 'portal.db'}"
    engine = make_engine(url)
    migrate(engine)
    seed_synthetic(engine, patients=300, seed=9)
    engine.dispose()
    return url


@pytest.fixture
def portal(seeded_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("REGISTRY_DATABASE_URL", seeded_url)
    monkeypatch.delenv(THRESHOLD_SETTING, raising=False)
    yield seeded_url


def open_page(actor: Actor) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "dm_completeness.py"), default_timeout=60)
    at.session_state["actor"] = actor
    return at.run()


def service(url: str, as_of: date, threshold: float) -> Any:
    engine = make_engine(url)
    with Session(engine) as session:
        report = completeness_report(session=session, actor=DM, as_of=as_of,
                                     threshold=threshold)
    engine.dispose()
    return report


def metrics(at: AppTest, language: str = "ru") -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def site_table(at: AppTest, language: str = "ru") -> Any:
    (table,) = [d.value for d in at.dataframe
                if t("dm.completeness.col.median_entry", language) in d.value.columns]
    return table


@pytest.mark.parametrize("language", ["ru", "en"])
def test_renders_the_services_numbers_in_both_languages(portal: str, language: str) -> None:
    at = open_page(Actor(None, "dm", Role.data_manager, language=language))
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == t("dm.completeness.title", language)
    report = service(portal, today(), 0.9)
    shown = metrics(at, language)
    assert shown[t("dm.completeness.metric.expected", language)] == str(
        report.by_site["expected"].sum())
    assert shown[t("dm.completeness.metric.overdue", language)] == str(
        report.by_site["overdue"].sum())
    flagged = report.by_site.loc[report.by_site["flagged"], "site_code"].tolist()
    assert shown[t("dm.completeness.metric.flagged", language, threshold="90%")] == str(
        len(flagged))
    table = site_table(at, language)
    assert list(table[t("col.site", language)]) == list(report.by_site["site_code"])
    assert list(table[t("dm.completeness.col.overdue", language)]) == [
        str(v) for v in report.by_site["overdue"]]
    marked = table.loc[table[" "] == "⚠", t("col.site", language)].tolist()
    assert marked == flagged
    (heatmap,) = [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]
    assert heatmap["layer"], "the site x timepoint heatmap"
    keys = sorted(b.key for b in at.get("download_button"))
    stamp = f"{today():%Y%m%d}"
    assert keys == sorted(["csv_dm_completeness_by_site",
                           f"csv_completeness_by_site_timepoint_{stamp}",
                           f"svg_completeness_by_site_timepoint_{stamp}"])


def test_threshold_and_date_follow_the_inputs(portal: str) -> None:
    at = open_page(DM)
    at.number_input(key="dm_completeness_threshold").set_value(100).run()
    strict = service(portal, today(), 1.0)
    flagged = strict.by_site.loc[strict.by_site["flagged"], "site_code"].tolist()
    assert len(flagged) > len(service(portal, today(), 0.9).by_site.query("flagged"))
    assert metrics(at)[t("dm.completeness.metric.flagged", "ru", threshold="100%")] == str(
        len(flagged))
    assert t("dm.completeness.flagged", "ru", threshold="100%", sites=", ".join(flagged)) in [
        w.value for w in at.warning]

    earlier = date(2024, 6, 30)
    at.date_input(key="dm_completeness_as_of").set_value(earlier).run()
    assert not at.exception
    report = service(portal, earlier, 1.0)
    assert metrics(at)[t("dm.completeness.metric.expected", "ru")] == str(
        report.by_site["expected"].sum())
    assert report.by_site["expected"].sum() < strict.by_site["expected"].sum()


def test_default_threshold_comes_from_the_setting(portal: str,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(THRESHOLD_SETTING, "0.8")
    at = open_page(DM)
    assert at.number_input(key="dm_completeness_threshold").value == 80
    assert t("dm.completeness.metric.flagged", "ru", threshold="80%") in metrics(at)
    monkeypatch.setenv(THRESHOLD_SETTING, "eighty")
    at = open_page(DM)
    assert not at.exception and len(at.error) == 1  # which setting, and what is wrong
    assert THRESHOLD_SETTING in at.error[0].value and "'eighty'" in at.error[0].value
    assert not at.metric and not at.dataframe


@pytest.mark.parametrize("role", [Role.site_clinician, Role.leadership, Role.economist])
def test_other_roles_are_refused(portal: str, role: Role) -> None:
    at = open_page(Actor(None, "someone", role, site_id=1 if role == Role.site_clinician
                         else None))
    assert not at.exception
    assert len(at.error) == 1
    assert not at.dataframe and not at.get("vega_lite_chart") and not at.metric
