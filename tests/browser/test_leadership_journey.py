"""End to end: the demo leader logs in to a freshly started portal (200 synthetic patients),
opens Outcomes and Centres from the navigation and sees their charts; screenshots of each
step are saved to tests/artifacts/.

Needs the two pages in the navigation (``lead.nav.outcomes`` / ``lead.nav.centres`` in
`pages/ui/nav.py`) and `registry.i18n_outcomes.ENTRIES` merged into the catalogue.
"""

from __future__ import annotations

from typing import Any

import pytest

from registry.i18n import t
from registry.seed import DEMO_PASSWORD
from tests.browser.conftest import WAIT, Journey

pytestmark = pytest.mark.browser


def charts_drawn(journey: Journey, at_least: int) -> None:
    """Wait until `at_least` Vega charts have drawn their canvas or SVG."""
    journey.page.wait_for_function(
        "n => document.querySelectorAll('[data-testid=stVegaLiteChart] canvas, "
        "[data-testid=stVegaLiteChart] svg.marks').length >= n", arg=at_least, timeout=WAIT)


def test_leader_opens_outcomes_and_centres(portal: str, page: Any) -> None:
    journey = Journey(page, "leadership")
    page.set_viewport_size({"width": 1400, "height": 2600})  # the page scrolls inside itself
    page.goto(portal, wait_until="networkidle")
    page.get_by_label(t("login.username", "ru")).fill("leader")
    page.get_by_role("textbox", name=t("login.password", "ru")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=t("login.submit", "ru")).click()
    page.get_by_role("link", name=t("lead.nav.overview", "ru"), exact=True).wait_for(
        timeout=60_000)
    journey.shot("home")

    journey.go("lead.nav.outcomes")
    journey.see(t("lead.outcomes.title", "ru"))
    charts_drawn(journey, 2)
    assert page.get_by_text(t("lead.outcomes.at_risk", "ru")).count() >= 1
    journey.shot("outcomes_os_all")
    journey.choose("outcomes_indication", "B-ALL")
    journey.settle()
    journey.see(t("lead.outcomes.benchmarks_note", "ru"))
    charts_drawn(journey, 2)
    journey.shot("outcomes_os_b_all")
    journey.key("outcomes_endpoint").get_by_text(t("lead.outcomes.choice.pfs_efs", "ru"),
                                                 exact=True).click()
    journey.settle()
    journey.see(t("lead.outcomes.endpoint.efs", "ru"))
    charts_drawn(journey, 2)
    journey.shot("outcomes_efs_b_all")

    journey.go("lead.nav.centres")
    journey.see(t("lead.centres.title", "ru"))
    charts_drawn(journey, 2)
    journey.see(t("lead.centres.ranking", "ru"))
    journey.shot("centres")
