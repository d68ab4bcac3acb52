"""Sites and users administered by data managers; one-time passwords, lockout, changes.

Every action is audited and no audit event ever holds a password or a password hash.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy.engine import Engine
from sqlmodel import Session, col, func, select

from registry import auth
from registry.auth import (
    SYSTEM_ACTOR,
    Actor,
    LoginFailed,
    authenticate,
    change_password,
    create_user,
    password_change_required,
)
from registry.config import Settings
from registry.errors import Conflict, InvalidInput, PermissionDenied
from registry.models import AuditEvent, Site, User, UserCreate
from registry.models.base import utcnow
from registry.models.enums import Role
from registry.passwords import check_password
from registry.services import admin

SETTINGS = Settings.from_env({})
GOOD = "violet tram at dusk"


@pytest.fixture(autouse=True)
def fast_hashes(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """argon2id with tiny costs: the tests check the rules, not the hash's strength."""
    monkeypatch.setattr(auth, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024,
                                                        parallelism=1))
    yield


# ---- helpers ----------------------------------------------------------------------------------


def login(session: Session, username: str, password: str, **kw: Any) -> Actor:
    return authenticate(session=session, username=username, password=password,
                        settings=SETTINGS, **kw)


def make_dm(session: Session, username: str = "olga.dm") -> tuple[Actor, str]:
    """A data manager with a real account, logged in; and their password."""
    create_user(session=session, actor=SYSTEM_ACTOR, data=UserCreate(
        username=username, role=Role.data_manager, password=GOOD))
    return login(session, username, GOOD), GOOD


def new_clinician(session: Session, actor: Actor, site_id: int | None,
                  username: str = "ivanova") -> admin.NewLogin:
    return admin.create_user_with_one_time_password(session=session, actor=actor, data={
        "username": username, "role": "site_clinician", "site_id": site_id})


def events(session: Session, table: str | None = None) -> list[AuditEvent]:
    query = select(AuditEvent).order_by(col(AuditEvent.id))
    if table is not None:
        query = query.where(AuditEvent.table_name == table)
    return list(session.exec(query))


def assert_no_secrets(session: Session, *passwords: str) -> None:
    """No audit event's before, after or reason holds a password or any user's hash."""
    hashes = list(session.exec(select(User.password_hash)))
    assert hashes
    for event in events(session):
        dumped = json.dumps([event.before, event.after, event.reason], default=str)
        assert "$argon2" not in dumped and "password_hash" not in dumped
        for secret in [*hashes, *passwords]:
            assert secret not in dumped, (event.action, event.table_name)


def counts(session: Session) -> tuple[int, int, int, int]:
    """Audit events, users, sites and the sum of user versions: any write moves one."""
    return (
        session.exec(select(func.count()).select_from(AuditEvent)).one(),
        session.exec(select(func.count()).select_from(User)).one(),
        session.exec(select(func.count()).select_from(Site)).one(),
        session.exec(select(func.coalesce(func.sum(User.version), 0))).one(),
    )


def user_row(session: Session, user_id: int) -> User:
    session.expire_all()
    row = session.get(User, user_id)
    assert row is not None
    return row


# ---- sites ------------------------------------------------------------------------------------


def test_sites_created_listed_and_updated_with_audit(session: Session, sites: Any,
                                                     data_manager: Actor) -> None:
    made = admin.create_site(session=session, actor=data_manager, data={
        "code": "EKB-01", "name": "Sverdlovsk regional hospital", "city": "Yekaterinburg",
        "region": "Sverdlovsk", "is_treating_centre": False})
    assert [s.code for s in admin.list_sites(session=session, actor=data_manager)] == [
        "EKB-01", "MOW-01", "SPB-01"]
    (created,) = events(session, "site")
    assert (created.action, created.username, created.row_id) == ("create", "dm", made.id)
    assert created.after is not None and created.after["code"] == "EKB-01"

    updated = admin.update_site(session=session, actor=data_manager, site_id=made.id,
                                changes={"is_treating_centre": True}, expected_version=1,
                                reason="licensed for CAR-T in 2026")
    assert (updated.is_treating_centre, updated.version) == (True, 2)
    last = events(session, "site")[-1]
    assert (last.action, last.before, last.after, last.reason) == (
        "update", {"is_treating_centre": False}, {"is_treating_centre": True},
        "licensed for CAR-T in 2026")

    with pytest.raises(Conflict):
        admin.update_site(session=session, actor=data_manager, site_id=made.id,
                          changes={"name": "stale"}, expected_version=1)
    with pytest.raises(InvalidInput) as exc:
        admin.update_site(session=session, actor=data_manager, site_id=made.id,
                          changes={"code": "MOW-01"}, expected_version=2)
    assert exc.value.errors[0].code == "site.code_taken"
    with pytest.raises(InvalidInput) as exc:
        admin.update_site(session=session, actor=data_manager, site_id=made.id,
                          changes={"code": "ekb1", "id": 9}, expected_version=2)
    assert [e.field for e in exc.value.errors] == ["id"]
    with pytest.raises(InvalidInput) as exc:
        admin.create_site(session=session, actor=data_manager, data={
            "code": "SPB-01", "name": "x", "city": "y", "region": "z"})
    assert exc.value.errors[0].code == "site.code_taken"
    assert len(events(session, "site")) == 2


# ---- users: one-time passwords, changes -------------------------------------------------------


def test_new_user_gets_a_one_time_password_to_change_at_first_login(
    session: Session, sites: Any, data_manager: Actor
) -> None:
    new = new_clinician(session, data_manager, sites[0].id)
    assert new.password not in repr(new)
    assert check_password(new.password, username="ivanova") == []
    assert (new.user.username, new.user.site_id, new.user.active) == ("ivanova", sites[0].id,
                                                                      True)
    (created,) = events(session, "user")
    assert (created.action, created.username, created.row_id) == ("create", "dm", new.user.id)
    assert created.after is not None and created.after["must_change_password"] is True

    actor = login(session, "ivanova", new.password)
    assert actor.user_id == new.user.id
    assert password_change_required(session, actor.user_id) is True
    assert password_change_required(session, None) is False
    assert_no_secrets(session, new.password)


def test_changing_ones_own_password(session: Session, sites: Any, data_manager: Actor) -> None:
    new = new_clinician(session, data_manager, sites[0].id)
    actor = login(session, "ivanova", new.password)
    before = counts(session)

    with pytest.raises(InvalidInput) as exc:
        change_password(session=session, actor=actor, user_id=new.user.id,
                        old_password="not the password", new_password=GOOD)
    assert [(e.field, e.code) for e in exc.value.errors] == [
        ("old_password", "password.old_wrong")]
    with pytest.raises(InvalidInput, match="old_password"):  # own: the old one is required
        change_password(session=session, actor=actor, user_id=new.user.id, new_password=GOOD)
    with pytest.raises(InvalidInput) as exc:
        change_password(session=session, actor=actor, user_id=new.user.id,
                        old_password=new.password, new_password="qwerty123456")
    assert [(e.field, e.code) for e in exc.value.errors] == [
        ("new_password", "password.policy.common")]
    with pytest.raises(InvalidInput) as exc:
        change_password(session=session, actor=actor, user_id=new.user.id,
                        old_password=new.password, new_password=new.password)
    assert [e.code for e in exc.value.errors] == ["password.reused"]
    assert counts(session) == before  # refusals write nothing

    change_password(session=session, actor=actor, user_id=new.user.id,
                    old_password=new.password, new_password=GOOD)
    assert password_change_required(session, new.user.id) is False
    last = events(session, "user")[-1]
    assert (last.action, last.user_id, last.reason) == ("update", new.user.id,
                                                        "password changed")
    assert (last.before, last.after) == ({"must_change_password": True},
                                         {"must_change_password": False})
    with pytest.raises(LoginFailed):
        login(session, "ivanova", new.password)
    assert login(session, "ivanova", GOOD).user_id == new.user.id
    assert_no_secrets(session, new.password, GOOD)


def test_a_data_manager_sets_another_users_password_who_must_then_change_it(
    session: Session, sites: Any
) -> None:
    dm, _ = make_dm(session)
    new = new_clinician(session, dm, sites[0].id)
    change_password(session=session, actor=dm, user_id=new.user.id,
                    new_password="amber lantern in fog")
    assert events(session, "user")[-1].reason == "password set by a data manager"
    assert login(session, "ivanova", "amber lantern in fog").user_id == new.user.id
    assert password_change_required(session, new.user.id) is True
    assert_no_secrets(session, new.password, "amber lantern in fog")


def test_create_user_applies_the_policy(session: Session, sites: Any) -> None:
    before = counts(session)
    with pytest.raises(InvalidInput) as exc:
        create_user(session=session, actor=SYSTEM_ACTOR, data=UserCreate(
            username="ivanova", role=Role.site_clinician, site_id=sites[0].id,
            password="ivanova1"))
    assert [e.code for e in exc.value.errors] == ["password.policy.too_short",
                                                  "password.policy.username"]
    assert "ivanova1" not in str(exc.value)
    assert counts(session) == before


def test_reset_password_gives_a_one_time_password_and_lifts_the_lockout(
    session: Session, sites: Any, data_manager: Actor
) -> None:
    new = new_clinician(session, data_manager, sites[0].id)
    now = utcnow()
    for _ in range(5):
        with pytest.raises(LoginFailed):
            login(session, "ivanova", "wrong guess", now=now)
    assert user_row(session, new.user.id).locked_until is not None

    otp = admin.reset_password(session=session, actor=data_manager, user_id=new.user.id,
                               reason="forgot it")
    assert otp != new.password and check_password(otp, username="ivanova") == []
    row = user_row(session, new.user.id)
    assert (row.failed_logins, row.locked_until, row.must_change_password) == (0, None, True)
    last = events(session, "user")[-1]
    assert (last.action, last.username, last.reason) == ("update", "dm",
                                                         "password reset: forgot it")
    with pytest.raises(LoginFailed):
        login(session, "ivanova", new.password, now=now)
    actor = login(session, "ivanova", otp, now=now)
    assert password_change_required(session, actor.user_id) is True
    assert_no_secrets(session, new.password, otp)


def test_five_wrong_passwords_lock_and_unlock_lets_the_right_one_in_at_once(
    session: Session, sites: Any, data_manager: Actor
) -> None:
    new = new_clinician(session, data_manager, sites[0].id)
    now = utcnow()
    for _ in range(4):
        with pytest.raises(LoginFailed) as exc:
            login(session, "ivanova", "wrong guess", now=now)
        assert exc.value.code == "login.wrong"
    with pytest.raises(LoginFailed) as exc:
        login(session, "ivanova", "wrong guess", now=now)
    assert exc.value.code == "login.locked"
    with pytest.raises(LoginFailed) as exc:
        login(session, "ivanova", new.password, now=now + timedelta(minutes=1))
    assert exc.value.code == "login.locked"

    admin.unlock_user(session=session, actor=data_manager, user_id=new.user.id,
                      reason="phoned the help desk")
    last = events(session, "user")[-1]
    assert (last.action, last.reason) == ("update", "phoned the help desk")
    assert last.after == {"locked_until": None}
    actor = login(session, "ivanova", new.password, now=now + timedelta(minutes=1))
    assert actor.user_id == new.user.id
    assert_no_secrets(session, new.password, "wrong guess")


def test_deactivated_user_cannot_log_in_until_reactivated(
    session: Session, sites: Any
) -> None:
    dm, _ = make_dm(session)
    new = new_clinician(session, dm, sites[0].id)
    read = admin.deactivate_user(session=session, actor=dm, user_id=new.user.id,
                                 reason="left the hospital")
    assert read.active is False
    last = events(session, "user")[-1]
    assert (last.user_id, last.before, last.after, last.reason) == (
        dm.user_id, {"active": True}, {"active": False}, "left the hospital")
    with pytest.raises(LoginFailed) as exc:
        login(session, "ivanova", new.password)
    assert exc.value.code == "login.inactive"

    admin.reactivate_user(session=session, actor=dm, user_id=new.user.id)
    assert login(session, "ivanova", new.password).user_id == new.user.id

    before = counts(session)
    with pytest.raises(PermissionDenied) as denied:
        admin.deactivate_user(session=session, actor=dm, user_id=dm.user_id or 0)
    assert denied.value.code == "denied.deactivate_self"
    assert counts(session) == before
    assert_no_secrets(session, new.password, GOOD)


def test_update_user_keeps_role_and_site_consistent(session: Session, sites: Any) -> None:
    dm, _ = make_dm(session)
    new = new_clinician(session, dm, sites[0].id)
    with pytest.raises(InvalidInput) as exc:
        admin.update_user(session=session, actor=dm, user_id=new.user.id,
                          changes={"role": "leadership"}, expected_version=1)
    assert [e.code for e in exc.value.errors] == ["user.site_not_allowed"]
    with pytest.raises(InvalidInput) as exc:
        admin.update_user(session=session, actor=dm, user_id=new.user.id,
                          changes={"site_id": None}, expected_version=1)
    assert [e.code for e in exc.value.errors] == ["user.site_required"]
    with pytest.raises(InvalidInput) as exc:
        admin.update_user(session=session, actor=dm, user_id=new.user.id,
                          changes={"site_id": 999}, expected_version=1)
    assert [e.code for e in exc.value.errors] == ["user.site_unknown"]
    with pytest.raises(InvalidInput) as exc:
        admin.update_user(session=session, actor=dm, user_id=new.user.id,
                          changes={"username": "x", "password_hash": "x"}, expected_version=1)
    assert [e.field for e in exc.value.errors] == ["password_hash", "username"]
    with pytest.raises(InvalidInput) as exc:
        admin.update_user(session=session, actor=dm, user_id=dm.user_id or 0,
                          changes={"role": "leadership"}, expected_version=1)
    assert [e.code for e in exc.value.errors] == ["user.own_role"]

    moved = admin.update_user(session=session, actor=dm, user_id=new.user.id,
                              changes={"site_id": sites[1].id, "language": "en"},
                              expected_version=1, reason="moved to St Petersburg")
    assert (moved.site_id, moved.language, moved.version) == (sites[1].id, "en", 2)
    promoted = admin.update_user(session=session, actor=dm, user_id=new.user.id,
                                 changes={"role": "leadership", "site_id": None},
                                 expected_version=2)
    assert (promoted.role, promoted.site_id) == (Role.leadership, None)
    last = events(session, "user")[-1]
    assert (last.before, last.after) == ({"role": "site_clinician", "site_id": sites[1].id},
                                         {"role": "leadership", "site_id": None})
    with pytest.raises(Conflict):
        admin.update_user(session=session, actor=dm, user_id=new.user.id,
                          changes={"language": "ru"}, expected_version=2)
    assert_no_secrets(session, new.password, GOOD)


def test_list_users_has_no_hashes(session: Session, sites: Any, data_manager: Actor) -> None:
    new_clinician(session, data_manager, sites[0].id, username="ivanova")
    new_clinician(session, data_manager, sites[1].id, username="petrov")
    listed = admin.list_users(session=session, actor=data_manager)
    assert [u.username for u in listed] == ["ivanova", "petrov"]
    for user in listed:
        assert "password_hash" not in user.model_dump()
        assert "$argon2" not in json.dumps(user.model_dump(mode="json"))


# ---- who may ----------------------------------------------------------------------------------

ACTIONS: dict[str, Callable[[Session, Actor, int, int], object]] = {
    "list_sites": lambda s, a, site, user: admin.list_sites(session=s, actor=a),
    "create_site": lambda s, a, site, user: admin.create_site(session=s, actor=a, data={
        "code": "KZN-01", "name": "Kazan", "city": "Kazan", "region": "Tatarstan"}),
    "update_site": lambda s, a, site, user: admin.update_site(
        session=s, actor=a, site_id=site, changes={"name": "x"}, expected_version=1),
    "list_users": lambda s, a, site, user: admin.list_users(session=s, actor=a),
    "create_user": lambda s, a, site, user: admin.create_user_with_one_time_password(
        session=s, actor=a, data={"username": "newbie", "role": "economist"}),
    "update_user": lambda s, a, site, user: admin.update_user(
        session=s, actor=a, user_id=user, changes={"language": "en"}, expected_version=1),
    "deactivate_user": lambda s, a, site, user: admin.deactivate_user(
        session=s, actor=a, user_id=user),
    "reactivate_user": lambda s, a, site, user: admin.reactivate_user(
        session=s, actor=a, user_id=user),
    "unlock_user": lambda s, a, site, user: admin.unlock_user(session=s, actor=a, user_id=user),
    "reset_password": lambda s, a, site, user: admin.reset_password(
        session=s, actor=a, user_id=user),
    "change_password": lambda s, a, site, user: change_password(
        session=s, actor=a, user_id=user, new_password="amber lantern in fog"),
}


@pytest.mark.parametrize("role", ["clinician_a", "economist", "leadership"])
def test_only_data_managers_administer(request: pytest.FixtureRequest, session: Session,
                                       sites: Any, role: str) -> None:
    actor: Actor = request.getfixturevalue(role)
    target = create_user(session=session, actor=SYSTEM_ACTOR, data=UserCreate(
        username="petrov", role=Role.site_clinician, site_id=sites[0].id, password=GOOD))
    before = counts(session)
    for name, action in ACTIONS.items():
        with pytest.raises(PermissionDenied) as denied:
            action(session, actor, sites[0].id, target.id)
        assert denied.value.code == "denied.role", name
    assert counts(session) == before


# ---- command line -----------------------------------------------------------------------------


def test_set_password_from_the_command_line(engine: Engine, session: Session,
                                            sites: Any) -> None:
    new = new_clinician(session, SYSTEM_ACTOR, sites[0].id)
    out, err = io.StringIO(), io.StringIO()
    assert admin.set_password_cli(engine, "Ivanova", GOOD, out=out, err=err) == 0
    assert GOOD not in out.getvalue() + err.getvalue()
    assert out.getvalue() == "Password set for ivanova (site_clinician).\n"
    session.expire_all()  # written through another session
    assert password_change_required(session, new.user.id) is False
    assert login(session, "ivanova", GOOD).user_id == new.user.id
    last = events(session, "user")[-2]  # the login came after it
    assert (last.action, last.username, last.role, last.reason) == (
        "update", "system", "system", "password set from the command line")

    out, err = io.StringIO(), io.StringIO()
    assert admin.set_password_cli(engine, "ivanova", "qwerty123", out=out, err=err) == 2
    assert "qwerty123" not in out.getvalue() + err.getvalue()
    assert "at least 12" in err.getvalue() and out.getvalue() == ""
    assert admin.set_password_cli(engine, "nobody", GOOD, out=out, err=err) == 2
    assert "no user 'nobody'" in err.getvalue()
    assert login(session, "ivanova", GOOD).user_id == new.user.id  # unchanged
    assert_no_secrets(session, new.password, GOOD)
