"""A real portal in a real headless Chromium (Debian's /usr/bin/chromium, driven by Playwright).

The portal runs as `python -m registry serve` on a free port against a temporary data
folder. With REGISTRY_REQUIRE_BROWSER=1 (CI) a missing Chromium fails instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from registry.i18n import t

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"
CHROMIUM = os.environ.get("REGISTRY_CHROMIUM", "/usr/bin/chromium")
WAIT = 30_000  # ms for a Streamlit rerun to show its result
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-quic"]


class Journey:
    """Small helpers over a Playwright page of the portal (Russian labels unless told)."""

    def __init__(self, page: Any, prefix: str) -> None:
        self.page = page
        self.prefix = prefix
        self.step = 0

    def key(self, key: str) -> Any:
        """The element container of the widget with `key=` (Streamlit's `st-key-<key>` class)."""
        return self.page.locator(f".st-key-{key}")

    def see(self, text: str, timeout: int = WAIT) -> None:
        self.page.get_by_text(text, exact=False).first.wait_for(timeout=timeout)

    def settle(self) -> None:
        """Wait until Streamlit has finished the current rerun."""
        self.page.wait_for_timeout(300)
        self.page.locator("[data-testid=stStatusWidget]").wait_for(state="hidden", timeout=WAIT)

    def shot(self, name: str) -> None:
        self.step += 1
        self.settle()
        self.page.screenshot(path=str(ARTIFACTS / f"{self.prefix}_{self.step:02d}_{name}.png"),
                             full_page=True)

    def go(self, nav_key: str, lang: str = "ru") -> None:
        self.page.get_by_role("link", name=t(nav_key, lang), exact=True).click()
        self.settle()

    def log_in(self, portal: str, username: str, password: str) -> None:
        self.page.goto(portal, wait_until="networkidle")
        self.page.get_by_label(t("login.username", "ru")).fill(username)
        self.page.get_by_role("textbox", name=t("login.password", "ru")).fill(password)
        self.page.get_by_role("button", name=t("login.submit", "ru")).click()
        self.see(t("count.overdue", "ru"), 60_000)

    def fill(self, key: str, value: str) -> None:
        self.key(key).locator("input, textarea").first.fill(value)

    def date(self, key: str, value: date) -> None:
        """Type DD.MM.YYYY into the date field's segments; Escape closes the calendar."""
        self.key(key).locator("[role=spinbutton]").first.click()
        self.page.keyboard.type(value.strftime("%d%m%Y"))
        self.page.keyboard.press("Escape")
        shown = self.key(key).locator("[data-testid=stDateInputField]").inner_text()
        assert "".join(shown.split()) == value.strftime("%d.%m.%Y"), (key, shown)

    def number(self, key: str, value: str) -> None:
        """Type a number and leave the field (Enter would submit a form)."""
        field = self.key(key).locator("input").first
        field.fill(value)
        field.press("Tab")

    def choose(self, key: str, option: str) -> None:
        box = self.key(key).locator("input[role=combobox]")
        box.click()
        self.page.get_by_role("option", name=option, exact=True).click()
        assert box.input_value() == option

    def save(self, field: str) -> None:
        """Click "Save" of the form that holds the widget `field`."""
        form = self.page.locator("[data-testid=stForm]").filter(has=self.key(field))
        form.get_by_role("button", name=t("common.save", "ru"), exact=True).click()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def chromium_path() -> str:
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        if os.environ.get("REGISTRY_REQUIRE_BROWSER") == "1":
            pytest.fail(f"REGISTRY_REQUIRE_BROWSER=1 but no Chromium at {CHROMIUM}")
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="session")
def portal_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The portal's REGISTRY_DATA_DIR (its SQLite database is `registry.db` in it)."""
    return tmp_path_factory.mktemp("portal-data")


@pytest.fixture(scope="session")
def portal(portal_data_dir: Path) -> Iterator[str]:
    """The portal on a free port with a fresh SQLite database, demo accounts and 200 patients."""
    data_dir = portal_data_dir
    port = _free_port()
    env = dict(os.environ, REGISTRY_DATA_DIR=str(data_dir), REGISTRY_DEMO="1",
               REGISTRY_SEED_PATIENTS="200")
    env.pop("REGISTRY_DATABASE_URL", None)
    env.pop("REGISTRY_HMAC_KEY", None)
    log = (data_dir / "portal.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "registry", "serve", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    try:
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"portal exited: {(data_dir / 'portal.log').read_text()}")
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"portal not up: {(data_dir / 'portal.log').read_text()}")
            time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


@pytest.fixture
def page(chromium_path: str) -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium_path, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        pg = context.new_page()
        yield pg
        context.close()
        browser.close()


@pytest.fixture(scope="session")
def portal_db_url(portal: str, portal_data_dir: Path) -> str:
    """SQLAlchemy URL of the running portal's database, to check what the browser wrote."""
    path = portal_data_dir / "registry.db"
    assert path.exists(), f"the portal has no database at {path}"
    return f"sqlite:///{path}"


def store_language(db_url: str, username: str, language: str) -> None:
    """Set a portal user's stored language (tests that switch it put it back)."""
    from sqlmodel import Session, select

    from registry.auth import Actor, set_language
    from registry.db import make_engine
    from registry.models import User

    engine = make_engine(db_url)
    try:
        with Session(engine) as session:
            user = session.exec(select(User).where(User.username == username)).one()
            actor = Actor(user.id, user.username, user.role, user.site_id, user.language)
            set_language(session=session, actor=actor, language=language)
    finally:
        engine.dispose()
