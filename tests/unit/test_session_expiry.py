"""Sessions end after REGISTRY_SESSION_MINUTES without an interaction; logout forgets all.

The decision is a pure function of (last seen, now, minutes), tested with explicit clocks;
the Streamlit glue (pages/ui/state.py) is tested through app.py with AppTest: the stored
time of the last interaction is moved back and the next run must land on the login page
with no actor left in the session.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from pages.ui.launch import pin_router
from pages.ui.state import (
    ACTOR_KEY,
    EXPIRED_KEY,
    LAST_SEEN_KEY,
    PATIENT_KEY,
    expired,
)
from registry.auth import SYSTEM_ACTOR, create_user
from registry.config import Settings
from registry.db import make_engine, migrate
from registry.errors import InvalidInput
from registry.i18n import t
from registry.models import Product, Site, UserCreate
from registry.models.enums import ProductOrigin
from tests.pages.conftest import PASSWORD, app, log_in

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
LOGIN_TITLE = t("app.title", "ru")


# ---- the decision -----------------------------------------------------------------------------


@pytest.mark.parametrize(("gap", "minutes", "ends"), [
    (timedelta(0), 30, False),
    (timedelta(minutes=29, seconds=59), 30, False),
    (timedelta(minutes=30), 30, False),  # exactly the limit is still within it
    (timedelta(minutes=30, microseconds=1), 30, True),
    (timedelta(hours=5), 30, True),
    (timedelta(minutes=6), 5, True),
    (timedelta(minutes=-10), 30, False),  # a clock set back is no reason to log out
])
def test_expired_compares_the_gap_with_the_limit(gap: timedelta, minutes: int,
                                                 ends: bool) -> None:
    assert expired(T0, T0 + gap, minutes) is ends


def test_expired_works_across_time_zones() -> None:
    moscow = T0.astimezone(ZoneInfo("Europe/Moscow"))
    assert moscow.hour == 12
    assert not expired(moscow, T0 + timedelta(minutes=30), 30)
    assert expired(moscow, T0 + timedelta(minutes=31), 30)


@pytest.mark.parametrize("minutes", [0, -5, float("nan")])
def test_expired_refuses_a_limit_that_is_not_positive(minutes: float) -> None:
    with pytest.raises(InvalidInput) as caught:
        expired(T0, T0, minutes)
    assert caught.value.errors[0].field == "minutes"


# ---- the settings -----------------------------------------------------------------------------


def test_session_minutes_default_to_30_and_are_read_from_the_environment() -> None:
    assert Settings.from_env({}).session_minutes == 30
    assert Settings.from_env({"REGISTRY_SESSION_MINUTES": "5"}).session_minutes == 5


@pytest.mark.parametrize("value", ["0", "-1", "half an hour", "2.5"])
def test_session_minutes_must_be_a_positive_whole_number(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Settings.from_env({"REGISTRY_SESSION_MINUTES": value})
    assert caught.value.errors[0].field == "REGISTRY_SESSION_MINUTES"


def test_completeness_threshold_defaults_to_90_percent() -> None:
    assert Settings.from_env({}).completeness_threshold == 0.9
    assert Settings.from_env(
        {"REGISTRY_COMPLETENESS_THRESHOLD": "1"}).completeness_threshold == 1.0
    assert Settings.from_env(
        {"REGISTRY_COMPLETENESS_THRESHOLD": "0.75"}).completeness_threshold == 0.75


@pytest.mark.parametrize("value", ["0", "-0.1", "1.01", "90", "nan", "ninety"])
def test_completeness_threshold_must_be_a_share(value: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        Settings.from_env({"REGISTRY_COMPLETENESS_THRESHOLD": value})
    assert caught.value.errors[0].field == "REGISTRY_COMPLETENESS_THRESHOLD"


# ---- the portal -------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def portal_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/pages/conftest.py's portal_db, built once per module: a site, a product, and a
    site clinician (creating users hashes passwords, which is slow)."""
    path = tmp_path_factory.mktemp("session_portal") / "portal.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with Session(engine) as session:
        session.add_all([
            Site(code="MOW-01", name="NMRC for Hematology", city="Moscow", region="Moscow"),
            Product(code="KYMRIAH", name="Kymriah", manufacturer="Novartis",
                    origin=ProductOrigin.imported, list_price=39e6,
                    price_effective_date=date(2022, 1, 1)),
        ])
        session.commit()
        create_user(session=session, actor=SYSTEM_ACTOR, data=UserCreate(
            username="clinician.mow", role="site_clinician", site_id=1, password=PASSWORD))
    engine.dispose()
    return path


@pytest.fixture
def portal_db(portal_template: Path, tmp_path: Path,
              monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A copy of the template for one test, named by REGISTRY_DATABASE_URL."""
    path = tmp_path / "portal.db"
    shutil.copy(portal_template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("REGISTRY_DATABASE_URL", url)
    pin_router()  # as tests/pages/conftest.py's steady_router: app.py routes every run
    yield url


def _logged_in() -> AppTest:
    at = log_in(app().run(), "clinician.mow")
    assert not at.exception
    assert at.title[0].value != LOGIN_TITLE, "logged in: the worklist, not the login"
    assert isinstance(at.session_state[LAST_SEEN_KEY], datetime)
    return at


def _idle(at: AppTest, minutes: float) -> None:
    """Pretend the last interaction was `minutes` ago."""
    at.session_state[LAST_SEEN_KEY] = datetime.now(UTC) - timedelta(minutes=minutes)


def test_an_idle_session_ends_and_a_new_login_clears_the_expiry(portal_db: str) -> None:
    at = _logged_in()
    _idle(at, 31)
    at.run()
    assert not at.exception
    assert [e.value for e in at.title] == [LOGIN_TITLE]
    assert ACTOR_KEY not in at.session_state
    assert at.session_state[EXPIRED_KEY] is True, "the login page can say why"
    at = log_in(at, "clinician.mow")
    assert not at.exception
    assert at.session_state[ACTOR_KEY].username == "clinician.mow"
    assert EXPIRED_KEY not in at.session_state


def test_an_active_session_stays_within_the_limit_set(portal_db: str,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    at = _logged_in()
    _idle(at, 29)
    before = at.session_state[LAST_SEEN_KEY]
    at.run()
    assert not at.exception
    assert at.title[0].value != LOGIN_TITLE
    assert at.session_state[ACTOR_KEY].username == "clinician.mow"
    assert at.session_state[LAST_SEEN_KEY] - before > timedelta(minutes=28), "clock restarted"
    assert EXPIRED_KEY not in at.session_state
    monkeypatch.setenv("REGISTRY_SESSION_MINUTES", "5")
    _idle(at, 4)
    at.run()
    assert ACTOR_KEY in at.session_state
    _idle(at, 6)
    at.run()
    assert ACTOR_KEY not in at.session_state, "REGISTRY_SESSION_MINUTES=5 ends it after 6"
    assert [e.value for e in at.title] == [LOGIN_TITLE]


def test_logout_forgets_everything_but_the_language(portal_db: str) -> None:
    at = _logged_in()
    at.session_state[PATIENT_KEY] = 1
    at.radio(key="language_switch").set_value("en").run()
    assert not at.exception
    assert at.session_state["language"] == "en"
    at.switch_page("pages/logout.py").run()
    assert not at.exception
    assert ACTOR_KEY not in at.session_state
    assert PATIENT_KEY not in at.session_state
    assert LAST_SEEN_KEY not in at.session_state
    assert at.session_state["language"] == "en"
    assert [e.value for e in at.title] == [t("app.title", "en")]


def _notice_script() -> None:
    import streamlit as st

    from pages.ui.state import session_expired_notice

    st.markdown(session_expired_notice() or "(none)")


@pytest.mark.parametrize("flag", [True, False])
def test_the_expiry_notice_names_the_limit(flag: bool, monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    monkeypatch.setenv("REGISTRY_SESSION_MINUTES", "45")
    monkeypatch.setenv("REGISTRY_DATA_DIR", str(tmp_path))
    at = AppTest.from_function(_notice_script)
    if flag:
        at.session_state[EXPIRED_KEY] = True
    at.run()
    assert not at.exception
    expected = t("session.expired", "ru", minutes=45) if flag else "(none)"
    assert [m.value for m in at.markdown] == [expected]
    assert "45" in t("session.expired", "en", minutes=45)
