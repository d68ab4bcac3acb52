"""Change-password page (pages/account_password.py) under AppTest: page-side refusals (no
current password, two different new ones), the service's (wrong current password, the policy)
each under its field with nothing changed, live policy hints, and a change that works at the
next login; in the forced mode (a one-time password) it says why and clears the flag.

Whether a password works is checked with `registry.auth.authenticate`, not the page's code.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from registry.auth import password_change_required
from registry.i18n import t
from registry.models.enums import AuditAction
from registry.passwords import is_common, password_problems
from registry.services.admin import create_user_with_one_time_password
from tests.pages.conftest import PASSWORD, ROOT, Portal, messages_under
from tests.pages.test_dm_users import audit, build_template, fresh_portal, login_code

PAGE = ROOT / "pages" / "account_password.py"
STRONG = "violet tram at dusk"
COMMON = "Password2026!"  # 13 characters, but "password" with digits added
FORCED = "must_change_password"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("account_password"))


@pytest.fixture
def portal(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Portal]:
    env = fresh_portal(template, tmp_path, monkeypatch)
    yield env
    env.engine.dispose()


def open_page(portal: Portal, username: str = "leader", *, language: str = "ru",
              forced: bool = False) -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=30)
    at.session_state["actor"] = portal.actor(username, language)
    if forced:
        at.session_state[FORCED] = True
    return at.run()


def type_in(at: AppTest, old: str, new: str, repeat: str) -> AppTest:
    at.text_input(key="account_old").set_value(old)
    at.text_input(key="account_new").set_value(new)
    at.text_input(key="account_repeat").set_value(repeat)
    return at


def change(at: AppTest, old: str, new: str, repeat: str) -> AppTest:
    type_in(at, old, new, repeat).button(key="account_submit").click()
    return at.run()


def red(key: str, language: str = "ru") -> str:
    return f":red[{t(key, language)}]"


def unchanged(portal: Portal, username: str = "leader") -> bool:
    """The old password still works and the new one does not (checked in that order, so a
    failed try never locks the account)."""
    return (login_code(portal, username, STRONG) == "login.wrong"
            and login_code(portal, username, PASSWORD) is None)


def test_wrong_current_password_is_shown_under_it_and_nothing_changes(portal: Portal) -> None:
    at = change(open_page(portal), "not my password", STRONG, STRONG)
    assert not at.exception
    assert messages_under(at, "account_old") == [red("password.old_wrong")]
    assert [e.value for e in at.error] == [t("common.nothing_saved", "ru")]
    assert not at.success
    assert unchanged(portal)


def test_missing_current_password_is_refused_on_the_page(portal: Portal) -> None:
    at = change(open_page(portal), "", STRONG, STRONG)
    assert not at.exception
    assert messages_under(at, "account_old") == [red("account.password.old_required")]
    assert unchanged(portal)


@pytest.mark.parametrize("language", ["ru", "en"])
def test_two_different_new_passwords_are_refused_under_the_repeat(
        portal: Portal, language: str) -> None:
    at = change(open_page(portal, language=language), PASSWORD, STRONG, STRONG + "!")
    assert not at.exception
    assert at.title[0].value == t("account.password.title", language)
    assert messages_under(at, "account_repeat") == [red("account.password.mismatch",
                                                        language)]
    assert t("account.password.hint.mismatch", language) in [c.value for c in at.caption]
    assert unchanged(portal)


def test_a_common_password_is_refused_with_the_policy_message(portal: Portal) -> None:
    assert len(COMMON) >= 12 and is_common(COMMON)  # so the only problem is "common"
    at = change(open_page(portal), PASSWORD, COMMON, COMMON)
    assert not at.exception
    assert messages_under(at, "account_new") == [red("password.policy.common")]
    assert login_code(portal, "leader", COMMON) == "login.wrong"
    assert login_code(portal, "leader", PASSWORD) is None


def test_policy_hints_follow_the_typing(portal: Portal) -> None:
    at = type_in(open_page(portal), "", "short", "").run()
    assert not at.exception
    [problem] = password_problems("short", username="leader")
    assert [c.value for c in at.caption] == [t("account.password.hint.problem", "ru",
                                               message=t(problem.code or "", "ru",
                                                         **problem.params))]
    at = type_in(at, "", STRONG, STRONG).run()
    assert [c.value for c in at.caption] == [t("account.password.hint.ok", "ru"),
                                             t("account.password.hint.match", "ru")]
    assert not messages_under(at, "account_new")  # hints are not errors


def test_own_change_works_at_the_next_login_and_is_audited_without_secrets(
        portal: Portal) -> None:
    at = open_page(portal)
    assert not at.warning  # not forced: no notice
    at = change(at, PASSWORD, STRONG, STRONG)
    assert not at.exception
    assert [s.value for s in at.success] == [t("account.password.changed", "ru")]
    assert at.text_input(key="account_old").value == ""  # no password stays on the page
    assert login_code(portal, "leader", PASSWORD) == "login.wrong"
    assert login_code(portal, "leader", STRONG) is None
    leader = portal.user("leader")
    [event] = [e for e in audit(portal, "user", leader.id) if e.action == AuditAction.update]
    assert event.reason == "password changed" and event.user_id == leader.id
    assert STRONG not in repr((event.before, event.after))
    assert leader.password_hash not in repr((event.before, event.after))


@pytest.mark.parametrize("language", ["ru", "en"])
def test_forced_change_after_a_one_time_password_clears_the_flag(
        portal: Portal, language: str) -> None:
    with portal.session() as session:
        new = create_user_with_one_time_password(
            session=session, actor=portal.actor("datamanager"),
            data={"username": "volkova", "role": "economist", "language": language})
        assert password_change_required(session, new.user.id)
    at = open_page(portal, "volkova", language=language, forced=True)
    assert not at.exception
    assert [w.value for w in at.warning] == [t("account.password.forced", language)]
    at = change(at, new.password, STRONG, STRONG)
    assert not at.exception
    assert at.session_state[FORCED] is False
    assert not at.warning
    assert [s.value for s in at.success] == [t("account.password.changed", language)]
    with portal.session() as session:
        assert not password_change_required(session, new.user.id)
    assert login_code(portal, "volkova", new.password) == "login.wrong"
    assert login_code(portal, "volkova", STRONG) is None


def test_forced_page_refuses_the_one_time_password_as_the_new_one(portal: Portal) -> None:
    with portal.session() as session:
        new = create_user_with_one_time_password(
            session=session, actor=portal.actor("datamanager"),
            data={"username": "zaitsev", "role": "leadership"})
    at = change(open_page(portal, "zaitsev", forced=True), new.password, new.password,
                new.password)
    assert not at.exception
    assert messages_under(at, "account_new") == [red("password.reused")]
    assert at.session_state[FORCED] is True
    with portal.session() as session:
        assert password_change_required(session, new.user.id)
