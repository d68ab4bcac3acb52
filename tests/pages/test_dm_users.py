"""Sites and users page (pages/dm_users.py) under AppTest on a fresh SQLite portal per test,
and the command-line ways to a login (``python -m registry create-user``, `set_password_cli`).

What the page does is checked in the database and through `registry.auth.authenticate`, not
through the page's own code: a site row and its audit event, a one-time password that logs in
and must be changed, a deactivated or locked login refused and let in again, the role/site
rule shown under its field with nothing written, and every other role refused.
"""

from __future__ import annotations

import io
import os
import shutil
import string
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session, col, select
from streamlit.testing.v1 import AppTest

import registry.i18n as i18n
from registry.auth import (
    SYSTEM_ACTOR,
    LoginFailed,
    authenticate,
    create_user,
    password_change_required,
)
from registry.db import make_engine, migrate
from registry.i18n import t
from registry.i18n_dm_users import ENTRIES
from registry.models import AuditEvent, Site, User, UserCreate
from registry.models.enums import AuditAction
from registry.services.admin import create_user_with_one_time_password, set_password_cli
from tests.pages.conftest import (
    PASSWORD,
    USERS,
    Portal,
    app,
    log_in,
    messages_under,
    submit,
)

ROOT = Path(__file__).resolve().parents[2]
PAGE = ROOT / "pages" / "dm_users.py"
NEW_PASSWORD = "amber river quiet lantern"


def build_template(folder: Path) -> Path:
    """The `portal_db` sites and users (tests/pages/conftest.py) in a file, built once."""
    path = folder / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    with Session(engine) as session:
        session.add_all([
            Site(code="MOW-01", name="NMRC for Hematology", city="Moscow", region="Moscow"),
            Site(code="SPB-01", name="Almazov Centre", city="Saint Petersburg",
                 region="Saint Petersburg"),
        ])
        session.commit()
        for username, (role, site_id) in USERS.items():
            create_user(session=session, actor=SYSTEM_ACTOR, data=UserCreate(
                username=username, role=role, site_id=site_id, password=PASSWORD))
    engine.dispose()  # the last connection checkpoints the WAL into the file
    return path


def fresh_portal(template: Path, folder: Path, monkeypatch: pytest.MonkeyPatch) -> Portal:
    """A copy of `template` (a copy, not a rebuild: fast) that the pages will use."""
    path = folder / "portal.db"
    shutil.copyfile(template, path)
    url = f"sqlite:///{path}"
    monkeypatch.setenv("REGISTRY_DATABASE_URL", url)
    return Portal(url)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_template(tmp_path_factory.mktemp("dm_users"))


@pytest.fixture
def portal(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Portal]:
    env = fresh_portal(template, tmp_path, monkeypatch)
    yield env
    env.engine.dispose()


def open_page(portal: Portal, username: str = "datamanager", language: str = "ru") -> AppTest:
    at = AppTest.from_file(str(PAGE), default_timeout=30)
    at.session_state["actor"] = portal.actor(username, language)
    return at.run()


def pick_user(at: AppTest, portal: Portal, username: str) -> AppTest:
    at.selectbox(key="users_pick").set_value(portal.user(username).id)
    return at.run()


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click()
    return at.run()


def red(key: str, **params: object) -> str:
    return f":red[{t(key, 'ru', **params)}]"


def login_code(portal: Portal, username: str, password: str) -> str | None:
    """None when `password` logs `username` in, else the refusal's catalogue code."""
    with portal.session() as session:
        try:
            authenticate(session=session, username=username, password=password)
        except LoginFailed as exc:
            return exc.code
    return None


def must_change(portal: Portal, username: str) -> bool:
    with portal.session() as session:
        return password_change_required(session, portal.user(username).id)


def audit(portal: Portal, table: str, row_id: int | None) -> list[AuditEvent]:
    with portal.session() as session:
        return list(session.exec(select(AuditEvent).where(
            AuditEvent.table_name == table, AuditEvent.row_id == row_id).order_by(
            col(AuditEvent.id))))


def shown_texts(at: AppTest) -> list[str]:
    return [str(e.value) for kind in ("markdown", "caption", "success", "warning", "error",
                                      "info", "code") for e in at.get(kind)]


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


# ---- catalogue ---------------------------------------------------------------------------------


def test_entries_are_page_keys_in_both_languages_with_the_same_placeholders() -> None:
    assert all(k.startswith(("dm.users.", "dm.sites.", "account.")) or k in (
        "dm.nav.users", "nav.password") for k in ENTRIES)
    for key, entry in ENTRIES.items():
        assert set(entry) == {"ru", "en"} and all(v.strip() for v in entry.values()), key
        assert _placeholders(entry["ru"]) == _placeholders(entry["en"]), key
    assert all(key in i18n.CATALOGUE for key in ENTRIES)
    # the services' codes this page shows are catalogued once, elsewhere
    for code in ("user.site_required", "user.site_not_allowed", "user.own_role",
                 "site.code_taken", "denied.deactivate_self", "conflict.version"):
        assert code in i18n.CATALOGUE and code not in ENTRIES


# ---- access and languages ----------------------------------------------------------------------


@pytest.mark.parametrize("username", ["clinician.mow", "leader", "economist"])
def test_other_roles_are_refused_and_see_nothing(portal: Portal, username: str) -> None:
    at = open_page(portal, username)
    assert not at.exception
    assert [e.value for e in at.error] == [t("denied.role", "ru", action="user:admin")]
    assert not at.tabs and not at.dataframe and not at.text_input


@pytest.mark.parametrize("language", ["ru", "en"])
def test_page_renders_in_both_languages(portal: Portal, language: str) -> None:
    at = open_page(portal, language=language)
    assert not at.exception
    assert at.title[0].value == t("dm.users.title", language)
    assert [tab.label for tab in at.tabs] == [t("dm.sites.tab", language),
                                            t("dm.users.tab", language)]
    sites, users = (frame.value for frame in at.dataframe)
    assert sites[t("dm.sites.col.code", language)].tolist() == ["MOW-01", "SPB-01"]
    assert sorted(users[t("dm.users.col.username", language)]) == sorted(
        ["clinician.mow", "clinician.spb", "datamanager", "economist", "leader"])
    row = users[users[t("dm.users.col.username", language)] == "clinician.mow"].iloc[0]
    assert row[t("dm.users.col.site", language)] == "MOW-01"
    assert row[t("dm.users.col.role", language)] == t("role.site_clinician", language)


# ---- sites -------------------------------------------------------------------------------------


def test_data_manager_creates_a_site_written_and_audited(portal: Portal) -> None:
    at = open_page(portal)
    at.text_input(key="site_new_code").set_value("kzn-01")
    at.text_input(key="site_new_name").set_value("Republican Clinical Hospital")
    at.text_input(key="site_new_city").set_value("Kazan")
    at.text_input(key="site_new_region").set_value("Tatarstan")
    at.checkbox(key="site_new_treating").check()
    at = submit(at, "site_new")
    assert not at.exception
    assert [s.value for s in at.success] == [t("dm.sites.created", "ru", code="KZN-01")]
    with portal.session() as session:
        site = session.exec(select(Site).where(Site.code == "KZN-01")).one()
    assert (site.name, site.city, site.region, site.is_treating_centre) == (
        "Republican Clinical Hospital", "Kazan", "Tatarstan", True)
    [event] = audit(portal, "site", site.id)
    assert event.action == AuditAction.create
    assert event.user_id == portal.user("datamanager").id
    assert at.dataframe[0].value[t("dm.sites.col.code", "ru")].tolist() == [
        "KZN-01", "MOW-01", "SPB-01"]
    assert at.text_input(key="site_new_code").value == ""  # an empty form for the next site


def test_a_taken_site_code_is_shown_under_the_code_and_nothing_is_written(
        portal: Portal) -> None:
    at = open_page(portal)
    for key, value in (("code", "SPB-01"), ("name", "X"), ("city", "Y"), ("region", "Z")):
        at.text_input(key=f"site_new_{key}").set_value(value)
    at = submit(at, "site_new")
    assert messages_under(at, "site_new_code") == [red("site.code_taken", value="'SPB-01'")]
    assert portal.count(Site) == 2


def test_site_edit_saves_a_new_version_with_the_reason(portal: Portal) -> None:
    at = open_page(portal)
    spb = portal.session().exec(select(Site).where(Site.code == "SPB-01")).one()
    at.selectbox(key="sites_pick").set_value(spb.id)
    at = at.run()
    assert at.text_input(key="site_edit_city").value == "Saint Petersburg"
    at.text_input(key="site_edit_city").set_value("St Petersburg")
    at.checkbox(key="site_edit_is_treating_centre").check()
    at.text_input(key="site_edit_reason").set_value("name on the licence")
    at = submit(at, "site_edit")
    assert not at.exception
    assert [s.value for s in at.success] == [t("dm.sites.saved", "ru", code="SPB-01",
                                               version=2)]
    with portal.session() as session:
        site = session.get(Site, spb.id)
        assert site is not None
        assert (site.city, site.is_treating_centre, site.version) == ("St Petersburg", True, 2)
    event = audit(portal, "site", spb.id)[-1]
    assert (event.action, event.reason) == (AuditAction.update, "name on the licence")
    assert event.after == {"city": "St Petersburg", "is_treating_centre": True}


def test_site_edit_after_someone_else_saved_is_refused(portal: Portal) -> None:
    from registry.services.admin import update_site

    at = open_page(portal)  # opens MOW-01 at version 1
    with portal.session() as session:
        mow = session.exec(select(Site).where(Site.code == "MOW-01")).one()
        assert mow.id is not None
        update_site(session=session, actor=portal.actor("datamanager"), site_id=mow.id,
                    changes={"region": "Moscow region"}, expected_version=1)
    at.text_input(key="site_edit_name").set_value("Renamed")
    at = submit(at, "site_edit")
    assert not at.exception
    assert t("conflict.version", "ru") in [e.value for e in at.error]
    with portal.session() as session:
        site = session.get(Site, mow.id)
        assert site is not None and (site.name, site.version) == ("NMRC for Hematology", 2)


# ---- users -------------------------------------------------------------------------------------


def test_new_user_gets_a_one_time_password_shown_once_that_logs_in(portal: Portal) -> None:
    at = open_page(portal)
    mow = portal.user("clinician.mow").site_id
    at.text_input(key="users_new_username").set_value("Petrova")
    at.selectbox(key="users_new_role").set_value("site_clinician")
    at.selectbox(key="users_new_site").set_value(mow)
    at = submit(at, "user_new")
    assert not at.exception
    [box] = at.code
    one_time = str(box.value)
    assert len(one_time) == 19
    assert t("dm.users.otp_title", "ru", username="petrova") in [w.value for w in at.warning]
    assert login_code(portal, "petrova", one_time) is None  # it logs in ...
    assert must_change(portal, "petrova")  # ... and must be replaced
    user = portal.user("petrova")
    assert (user.role.value, user.site_id, user.must_change_password) == (
        "site_clinician", mow, True)
    users = at.dataframe[1].value
    row = users[users[t("dm.users.col.username", "ru")] == "petrova"].iloc[0]
    assert row[t("dm.users.col.must_change", "ru")] == t("common.yes", "ru")
    # kept nowhere: not in the session, not in the audit trail; gone on the next run
    assert not any(one_time in repr(at.session_state.get(k)) for k in at.session_state.keys())
    assert not any(one_time in repr((e.before, e.after, e.reason))
                   for e in audit(portal, "user", user.id))
    at = at.run()
    assert not at.code and one_time not in " ".join(shown_texts(at))


@pytest.mark.parametrize(("role", "site", "key", "params"), [
    ("leadership", "MOW-01", "user.site_not_allowed", {"role": "leadership"}),
    ("site_clinician", None, "user.site_required", {}),
])
def test_role_site_rule_is_shown_under_the_site_and_nothing_is_written(
        portal: Portal, role: str, site: str | None, key: str, params: dict[str, str]) -> None:
    at = open_page(portal)
    users = portal.count(User)
    at.text_input(key="users_new_username").set_value("sidorov")
    at.selectbox(key="users_new_role").set_value(role)
    at.selectbox(key="users_new_site").set_value(
        None if site is None else portal.user("clinician.mow").site_id)
    at = submit(at, "user_new")
    assert not at.exception
    assert messages_under(at, "users_new_site") == [red(key, **params)]
    assert at.error[0].value.startswith(t("common.nothing_saved", "ru"))
    assert not at.code
    assert portal.count(User) == users
    assert at.text_input(key="users_new_username").value == "sidorov"  # kept to correct


def test_role_change_without_clearing_the_site_is_refused_under_the_site(
        portal: Portal) -> None:
    at = pick_user(open_page(portal), portal, "clinician.mow")
    before = portal.user("clinician.mow")
    at.selectbox(key="users_edit_role").set_value("economist")
    at = submit(at, "user_edit")
    assert not at.exception
    assert messages_under(at, "users_edit_site") == [
        red("user.site_not_allowed", role="economist")]
    after = portal.user("clinician.mow")
    assert (after.role, after.site_id, after.version) == (
        before.role, before.site_id, before.version)
    # with the site cleared, the same change is saved, versioned and audited with its reason
    at.selectbox(key="users_edit_site").set_value(None)
    at.text_input(key="users_edit_reason").set_value("moved to health economics")
    at = submit(at, "user_edit")
    assert not at.exception
    after = portal.user("clinician.mow")
    assert (after.role.value, after.site_id, after.version) == (
        "economist", None, before.version + 1)
    assert audit(portal, "user", after.id)[-1].reason == "moved to health economics"


def test_deactivated_login_is_refused_until_reactivated(portal: Portal) -> None:
    at = pick_user(open_page(portal), portal, "leader")
    at = click(at, "users_deactivate")
    assert not at.exception
    assert [s.value for s in at.success] == [t("dm.users.deactivated", "ru",
                                               username="leader")]
    assert login_code(portal, "leader", PASSWORD) == "login.inactive"
    at = click(at, "users_reactivate")
    assert not at.exception
    assert login_code(portal, "leader", PASSWORD) is None


def test_data_manager_cannot_deactivate_themself(portal: Portal) -> None:
    at = pick_user(open_page(portal), portal, "datamanager")
    assert at.button(key="users_deactivate").disabled
    assert t("dm.users.self_note", "ru") in [c.value for c in at.caption]


def test_five_wrong_passwords_lock_and_unlock_lets_the_right_one_in(portal: Portal) -> None:
    codes = [login_code(portal, "clinician.mow", "wrong password") for _ in range(5)]
    assert codes == ["login.wrong"] * 4 + ["login.locked"]
    assert login_code(portal, "clinician.mow", PASSWORD) == "login.locked"
    at = pick_user(open_page(portal), portal, "clinician.mow")
    assert not at.button(key="users_unlock").disabled
    users = at.dataframe[1].value
    row = users[users[t("dm.users.col.username", "ru")] == "clinician.mow"].iloc[0]
    assert row[t("dm.users.col.locked_until", "ru")] != ""
    at = click(at, "users_unlock")
    assert not at.exception
    assert [s.value for s in at.success] == [t("dm.users.unlocked", "ru",
                                               username="clinician.mow")]
    assert login_code(portal, "clinician.mow", PASSWORD) is None


def test_reset_gives_a_new_one_time_password_and_the_old_one_stops(portal: Portal) -> None:
    at = pick_user(open_page(portal), portal, "economist")
    at = click(at, "users_reset")
    assert not at.exception
    [box] = at.code
    one_time = str(box.value)
    assert one_time != PASSWORD
    assert login_code(portal, "economist", PASSWORD) == "login.wrong"
    assert login_code(portal, "economist", one_time) is None
    assert must_change(portal, "economist")
    assert not any(one_time in repr(at.session_state.get(k)) for k in at.session_state.keys())
    # the next action on the same user is not taken for someone else's change
    at = click(at, "users_deactivate")
    assert not at.exception and not at.error
    assert login_code(portal, "economist", one_time) == "login.inactive"


# ---- the command line creates logins that work in the portal ----------------------------------


@pytest.mark.slow  # a fresh interpreter imports the registry and migrates (~10 s)
def test_cli_create_user_logs_in_through_the_login_page(portal: Portal, tmp_path: Path) -> None:
    env = os.environ | {"REGISTRY_DATABASE_URL": portal.url,
                        "REGISTRY_DATA_DIR": str(tmp_path / "data")}
    done = subprocess.run(
        [sys.executable, "-m", "registry", "create-user", "novak", "--role", "data_manager",
         "--password", NEW_PASSWORD],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "novak" in done.stdout and NEW_PASSWORD not in done.stdout + done.stderr
    at = log_in(app().run(), "novak", NEW_PASSWORD)
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == t("home.title.data_manager", "ru")


def test_set_password_cli_lets_the_user_log_in_through_the_login_page(
        portal: Portal) -> None:
    with portal.session() as session:
        new = create_user_with_one_time_password(
            session=session, actor=portal.actor("datamanager"),
            data={"username": "orlov", "role": "leadership"})
    assert must_change(portal, new.user.username)
    out, err = io.StringIO(), io.StringIO()
    assert set_password_cli(portal.engine, "orlov", NEW_PASSWORD, out=out, err=err) == 0
    assert NEW_PASSWORD not in out.getvalue() + err.getvalue()
    assert not must_change(portal, "orlov")
    at = log_in(app().run(), "orlov", NEW_PASSWORD)
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == t("home.title.leadership", "ru")
    assert login_code(portal, "orlov", new.password) == "login.wrong"
