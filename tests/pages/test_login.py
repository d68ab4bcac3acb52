"""Login page: each role reaches its home page; wrong passwords and lockout are shown."""

from __future__ import annotations

import pytest

from registry.i18n import t
from tests.pages.conftest import USERS, app, log_in

TITLE = t("app.title", "ru")  # Russian is the default language
LOCKED = "заблокирована"


@pytest.mark.parametrize("username", list(USERS))
def test_each_role_logs_in_and_sees_its_home(portal_db: str, username: str) -> None:
    at = app().run()
    assert not at.exception
    assert at.title[0].value == TITLE
    at = log_in(at, username)
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    expected = {
        "clinician.mow": "MOW-01",
        "clinician.spb": "SPB-01",
        "leader": t("home.title.leadership", "ru"),
        "economist": t("home.title.economist", "ru"),
        "datamanager": t("home.title.data_manager", "ru"),
    }[username]
    assert expected in at.title[0].value
    labels = [m.label for m in at.metric]
    assert labels, "the home page shows its counts"
    if username.startswith("clinician"):
        assert t("count.overdue", "ru") in labels


def test_wrong_password_shows_error_and_stays_on_login(portal_db: str) -> None:
    at = log_in(app().run(), "clinician.mow", "wrong password")
    assert not at.exception
    assert [e.value for e in at.error] == [t("login.wrong", "ru")]
    assert at.title[0].value == TITLE


def test_sixth_wrong_try_is_locked(portal_db: str) -> None:
    at = app().run()
    for _ in range(5):
        at = log_in(at, "clinician.mow", "wrong password")
    assert LOCKED in at.error[0].value
    at = log_in(at, "clinician.mow", "wrong password")
    assert LOCKED in at.error[0].value
    at = log_in(at, "clinician.mow")  # even the right password is refused while locked
    assert LOCKED in at.error[0].value
    assert at.title[0].value == TITLE
