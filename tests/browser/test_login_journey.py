"""End to end: a demo site clinician logs in to a freshly started portal and sees home."""

from __future__ import annotations

from typing import Any

import pytest

from registry.i18n import t
from registry.seed import DEMO_PASSWORD
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def test_demo_clinician_logs_in_and_sees_home(portal: str, page: Any) -> None:
    page.goto(portal, wait_until="networkidle")
    page.get_by_text(t("app.title", "ru")).first.wait_for(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "login.png"), full_page=True)
    page.get_by_label(t("login.username", "ru")).fill("wrong.user")
    page.get_by_role("textbox", name=t("login.password", "ru")).fill("not the password")
    page.get_by_role("button", name=t("login.submit", "ru")).click()
    page.get_by_text(t("login.wrong", "ru")).wait_for(timeout=30_000)

    page.get_by_label(t("login.username", "ru")).fill("clinician.mow")
    page.get_by_role("textbox", name=t("login.password", "ru")).fill(DEMO_PASSWORD)
    page.get_by_role("button", name=t("login.submit", "ru")).click()
    page.get_by_text(t("count.overdue", "ru")).wait_for(timeout=60_000)
    page.get_by_text("clinician.mow").first.wait_for(timeout=10_000)
    assert "MOW-01" in page.locator("h1").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "home_site_clinician.png"), full_page=True)

    page.get_by_role("link", name=t("nav.logout", "ru")).click()
    page.get_by_role("button", name=t("login.submit", "ru")).wait_for(timeout=30_000)
