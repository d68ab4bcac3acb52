"""Passwords, lockout after 5 failures for 15 minutes, and user creation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session, select

from registry.auth import Actor, LoginFailed, authenticate, create_user
from registry.config import Settings
from registry.errors import InvalidInput, PermissionDenied
from registry.models import User, UserCreate
from registry.models.base import utcnow
from registry.models.enums import Role

SETTINGS = Settings.from_env({})


def _user(session: Session, system: Actor, sites: Any, **kw: Any) -> Any:
    data = {"username": "ivanova", "role": "site_clinician", "site_id": sites[0].id,
            "password": "correct horse battery"} | kw
    return create_user(session=session, actor=system, data=UserCreate.model_validate(data))


def test_password_is_argon2id_hash(session: Session, system: Actor, sites: Any) -> None:
    _user(session, system, sites)
    user = session.exec(select(User)).one()
    assert user.password_hash.startswith("$argon2id$")
    assert "correct horse" not in user.password_hash


def test_login_returns_actor_with_site(session: Session, system: Actor, sites: Any) -> None:
    created = _user(session, system, sites)
    actor = authenticate(session=session, username="Ivanova ", password="correct horse battery",
                         settings=SETTINGS)
    assert (actor.user_id, actor.role, actor.site_id) == (created.id, Role.site_clinician,
                                                          sites[0].id)


def test_unknown_user_and_wrong_password_same_message(session: Session, system: Actor,
                                                      sites: Any) -> None:
    _user(session, system, sites)
    with pytest.raises(LoginFailed) as unknown:
        authenticate(session=session, username="nobody", password="x", settings=SETTINGS)
    with pytest.raises(LoginFailed) as wrong:
        authenticate(session=session, username="ivanova", password="x", settings=SETTINGS)
    assert str(unknown.value) == str(wrong.value)


def test_lockout_after_five_failures_for_fifteen_minutes(session: Session, system: Actor,
                                                         sites: Any) -> None:
    _user(session, system, sites)
    now = utcnow()
    for _ in range(4):
        with pytest.raises(LoginFailed, match="Wrong"):
            authenticate(session=session, username="ivanova", password="bad", settings=SETTINGS,
                         now=now)
    with pytest.raises(LoginFailed, match="locked"):
        authenticate(session=session, username="ivanova", password="bad", settings=SETTINGS,
                     now=now)
    with pytest.raises(LoginFailed, match="locked"):  # right password, still locked
        authenticate(session=session, username="ivanova", password="correct horse battery",
                     settings=SETTINGS, now=now + timedelta(minutes=14))
    actor = authenticate(session=session, username="ivanova", password="correct horse battery",
                         settings=SETTINGS, now=now + timedelta(minutes=15, seconds=1))
    assert actor.username == "ivanova"


def test_inactive_user_refused(session: Session, system: Actor, sites: Any) -> None:
    _user(session, system, sites, active=False)
    with pytest.raises(LoginFailed, match="deactivated"):
        authenticate(session=session, username="ivanova", password="correct horse battery",
                     settings=SETTINGS)


def test_user_rules(session: Session, system: Actor, sites: Any, clinician_a: Actor) -> None:
    with pytest.raises(InvalidInput, match="needs a site"):
        _user(session, system, sites, site_id=None)
    with pytest.raises(InvalidInput, match="leave site empty"):
        _user(session, system, sites, username="boss", role="leadership")
    _user(session, system, sites)
    with pytest.raises(InvalidInput, match="taken"):
        _user(session, system, sites)
    with pytest.raises(PermissionDenied):
        _user(session, clinician_a, sites, username="another")
