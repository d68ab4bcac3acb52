"""Leadership pages under AppTest on a seeded SQLite database: they load, draw their charts,
offer each chart's data as CSV, and refuse a site clinician who opens them directly.

The pages are not in the navigation yet, so each page file runs by itself with the actor set
in `session_state`. Until `registry.i18n_leadership.ENTRIES` is merged into the catalogue,
`catalogue` adds its entries for the duration of each test.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from registry.auth import Actor
from registry.db import make_engine, migrate
from registry.i18n import CATALOGUE, t
from registry.i18n_leadership import ENTRIES
from registry.models.enums import Role
from registry.seed import seed_synthetic

ROOT = Path(__file__).resolve().parents[2]
PAGES = {
    "lead_overview": ("lead.overview.title", 3),
    "lead_safety": ("lead.safety.title", 3),
    "lead_production": ("lead.production.title", 6),
}
LEADER = Actor(None, "leader", Role.leadership)
CAPTION = {
    "en": "Counts of 1-4 are shown as <5; the domestic product's figures in this demo are "
          "synthetic scenarios.",
}


@pytest.fixture(scope="module")
def seeded_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('leadpages') / 'portal.db'}"
    engine = make_engine(url)
    migrate(engine)
    seed_synthetic(engine, patients=400, seed=5)
    engine.dispose()
    return url


@pytest.fixture
def catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, entry in ENTRIES.items():
        monkeypatch.setitem(CATALOGUE, key, entry)  # type: ignore[arg-type]


@pytest.fixture
def portal(seeded_url: str, catalogue: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    monkeypatch.setenv("REGISTRY_DATABASE_URL", seeded_url)
    yield seeded_url


def open_page(page: str, actor: Actor, **state: Any) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=60)
    at.session_state["actor"] = actor
    for key, value in state.items():
        at.session_state[key] = value
    return at.run()


def charts(at: AppTest) -> list[dict[str, Any]]:
    return [json.loads(chart.proto.spec) for chart in at.get("vega_lite_chart")]


def downloads(at: AppTest) -> list[Any]:
    return list(at.get("download_button"))


def test_entries_are_lead_keys_in_both_languages() -> None:
    assert ENTRIES and all(k.startswith("lead.") for k in ENTRIES)
    assert all(set(v) == {"ru", "en"} and all(v.values()) for v in ENTRIES.values())
    assert ENTRIES["lead.caption"]["en"] == CAPTION["en"]


@pytest.mark.parametrize("page", list(PAGES))
def test_leadership_sees_charts_each_with_a_csv_download(portal: str, page: str) -> None:
    title, n_charts = PAGES[page]
    at = open_page(page, LEADER)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == t(title, "ru")
    assert t("lead.caption", "ru") in [c.value for c in at.caption]
    specs = charts(at)
    assert len(specs) == n_charts
    buttons = downloads(at)
    assert len(buttons) == 2 * len(specs)  # each chart: its data as CSV and itself as SVG
    assert sorted(b.proto.label for b in buttons) == sorted(
        [t("lead.download_csv", "ru"), t("chart.download_svg", "ru")] * len(specs))
    assert len({b.key for b in buttons}) == len(buttons)
    assert at.dataframe, "every page has its tables"


def test_overview_shows_totals_and_switches_period(portal: str) -> None:
    at = open_page("lead_overview", LEADER)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[t("lead.metric.apheresed", "ru")] == "400"
    assert t("lead.metric.flagged", "ru", threshold="90%") in metrics
    quarter_axis = charts(at)[0]["encoding"]["x"]["sort"]
    assert quarter_axis[0] == "1 кв. 2022"
    at.segmented_control(key="lead_period").set_value("month").run()
    assert not at.exception
    assert charts(at)[0]["encoding"]["x"]["sort"][0] == "01.2022"
    assert {b.key for b in downloads(at)} >= {"csv_enrolment_by_product_month"}


def test_pages_speak_english_when_asked(portal: str) -> None:
    english = Actor(None, "leader", Role.leadership, language="en")
    at = open_page("lead_safety", english)
    assert not at.exception
    assert at.title[0].value == t("lead.safety.title", "en")
    assert CAPTION["en"] in [c.value for c in at.caption]


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("role", [Role.site_clinician, Role.economist])
def test_other_roles_opening_a_page_directly_are_refused(portal: str, page: str,
                                                         role: Role) -> None:
    actor = Actor(None, "someone", role, 1 if role == Role.site_clinician else None)
    at = open_page(page, actor)
    assert not at.exception
    assert [e.value for e in at.error] == [t("lead.denied", "ru")]
    assert not charts(at) and not downloads(at)
    assert not at.dataframe and not at.metric
