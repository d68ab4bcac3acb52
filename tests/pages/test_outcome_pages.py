"""Outcomes and Centres pages under AppTest on a seeded SQLite database: they load, draw their
charts with a CSV download each, follow their controls, and refuse other roles.

Each page file runs by itself with the actor set in `session_state` (the navigation itself
is tested in tests/pages/test_clinician_pages.py and the leadership browser journey).
"""

from __future__ import annotations

import json
import string
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

import registry.i18n as i18n
from registry.auth import Actor
from registry.db import make_engine, migrate
from registry.i18n import t
from registry.i18n_outcomes import ENTRIES
from registry.models.enums import Role
from registry.seed import load_reference_data, seed_synthetic

ROOT = Path(__file__).resolve().parents[2]
PAGES = {"lead_outcomes": ("lead.outcomes.title", 2), "lead_centres": ("lead.centres.title", 2)}
LEADER = Actor(None, "leader", Role.leadership)
# a 500-patient cohort may have an indication without a death in year 1 (an infinite HR)
pytestmark = pytest.mark.filterwarnings("ignore::registry.analysis.ConvergenceWarning")


@pytest.fixture(scope="module")
def seeded_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('outcomepages') / 'portal.db'}"
    engine = make_engine(url)
    migrate(engine)
    seed_synthetic(engine, patients=500, seed=5)
    engine.dispose()
    return url


@pytest.fixture
def portal(seeded_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("REGISTRY_DATABASE_URL", seeded_url)
    yield seeded_url


def open_page(page: str, actor: Actor) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
    at.session_state["actor"] = actor
    return at.run()


def specs(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def downloads(at: AppTest) -> list[Any]:
    return list(at.get("download_button"))


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_entries_are_lead_keys_in_both_languages_with_the_same_placeholders() -> None:
    assert all(k.startswith(("lead.outcomes.", "lead.centres.", "lead.nav.")) for k in ENTRIES)
    for key, entry in ENTRIES.items():
        assert set(entry) == {"ru", "en"} and all(v.strip() for v in entry.values()), key
        assert _placeholders(entry["ru"]) == _placeholders(entry["en"]), key
    assert {"lead.nav.outcomes", "lead.nav.centres"} <= set(ENTRIES)
    assert all(key in i18n.CATALOGUE for key in ENTRIES)  # merged into the one catalogue


@pytest.mark.parametrize("page", list(PAGES))
def test_leadership_sees_charts_each_with_a_csv_download(portal: str, page: str) -> None:
    title, n_charts = PAGES[page]
    at = open_page(page, LEADER)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == t(title, "ru")
    assert t("lead.caption", "ru") in [c.value for c in at.caption]
    assert len(specs(at)) == n_charts
    buttons = downloads(at)
    assert len(buttons) == 2 * n_charts  # each chart: its data as CSV and itself as SVG
    assert sorted(b.proto.label for b in buttons) == sorted(
        [t("lead.download_csv", "ru"), t("chart.download_svg", "ru")] * n_charts)
    assert len({b.key for b in buttons}) == len(buttons)
    assert at.dataframe


def test_outcomes_follow_endpoint_population_and_indication(portal: str) -> None:
    at = open_page("lead_outcomes", LEADER)
    km = specs(at)[0]
    assert len(km["vconcat"]) == 2  # the curves, the number-at-risk table under them
    assert at.subheader[0].value == t("lead.outcomes.km", "ru",
                                      endpoint=t("lead.outcomes.endpoint.os", "ru"))
    assert t("lead.outcomes.benchmarks_choose", "ru") in [c.value for c in at.caption]
    at.selectbox(key="outcomes_indication").set_value("B-ALL").run()
    at.segmented_control(key="outcomes_endpoint").set_value("pfs_efs").run()
    at.segmented_control(key="outcomes_origin").set_value("apheresis").run()
    assert not at.exception, at.exception
    assert at.subheader[0].value == t("lead.outcomes.km", "ru",
                                      endpoint=t("lead.outcomes.endpoint.efs", "ru"))
    assert '"diamond"' in json.dumps(specs(at)[0])  # the published points are drawn
    assert t("lead.outcomes.benchmarks_itt", "ru") in [w.value for w in at.warning]
    keys = {b.key for b in downloads(at)}
    assert "csv_km_efs_apheresis_B-ALL" in keys


def test_centres_flag_and_rank(portal: str) -> None:
    at = open_page("lead_centres", LEADER)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("lead.centres.metric.patients", "ru")].isdigit()
    assert t("lead.metric.flagged", "ru", threshold="90%") in metrics
    funnel = json.dumps(specs(at)[0], ensure_ascii=False)
    assert t("lead.centres.limit.998", "ru") in funnel
    ranking = at.dataframe[0].value
    assert ranking.columns[0] == t("lead.centres.col.rank", "ru")
    assert ranking.iloc[0, 0] == "1"


def test_pages_speak_english_when_asked(portal: str) -> None:
    english = Actor(None, "leader", Role.leadership, language="en")
    for page, (title, _) in PAGES.items():
        at = open_page(page, english)
        assert not at.exception
        assert at.title[0].value == t(title, "en")


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("role", [Role.site_clinician, Role.economist])
def test_other_roles_opening_a_page_directly_are_refused(portal: str, page: str,
                                                         role: Role) -> None:
    actor = Actor(None, "someone", role, 1 if role == Role.site_clinician else None)
    at = open_page(page, actor)
    assert not at.exception
    assert [e.value for e in at.error] == [t("lead.denied", "ru")]
    assert not specs(at) and not downloads(at)
    assert not at.dataframe and not at.metric


@pytest.mark.parametrize("page", list(PAGES))
def test_pages_load_on_a_registry_without_patients(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   page: str) -> None:
    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = make_engine(url)
    migrate(engine)
    with Session(engine) as session:
        load_reference_data(session)
    engine.dispose()
    monkeypatch.setenv("REGISTRY_DATABASE_URL", url)
    at = open_page(page, LEADER)
    assert not at.exception, at.exception
    assert not at.error
