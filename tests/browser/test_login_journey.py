"""End to end: a demo site clinician logs in to a freshly started portal and sees home."""

from __future__ import annotations

from typing import Any

import pytest

from registry.seed import DEMO_PASSWORD
from tests.browser.conftest import ARTIFACTS

pytestmark = pytest.mark.browser


def test_demo_clinician_logs_in_and_sees_home(portal: str, page: Any) -> None:
    page.goto(portal, wait_until="networkidle")
    page.get_by_text("CAR-T outcomes registry").first.wait_for(timeout=60_000)
    page.screenshot(path=str(ARTIFACTS / "login.png"), full_page=True)
    page.get_by_label("Username").fill("wrong.user")
    page.get_by_role("textbox", name="Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Wrong username or password.").wait_for(timeout=30_000)

    page.get_by_label("Username").fill("clinician.mow")
    page.get_by_role("textbox", name="Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_text("Follow-ups overdue").wait_for(timeout=60_000)
    page.get_by_text("Signed in as").wait_for(timeout=10_000)
    assert "MOW-01" in page.locator("h1").first.inner_text()
    page.screenshot(path=str(ARTIFACTS / "home_site_clinician.png"), full_page=True)

    page.get_by_role("link", name="Log out").click()
    page.get_by_role("button", name="Log in").wait_for(timeout=30_000)
