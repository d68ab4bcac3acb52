"""Sites and users, administered by data managers (DESIGN.md sections 1 and 8).

Every action needs ``user:admin`` (data managers and the system), is versioned and audited
with who, before, after and the reason given. New and reset accounts get a one-time password
from `registry.passwords.one_time_password`, returned once to show to the data manager and
never stored or audited: only its argon2id hash is kept, and the audit trail never holds a
hash (`registry.services.audit.PRIVATE_COLUMNS`). The user must choose a new password at the
next login (`registry.auth.change_password`).

A data manager cannot deactivate themself or change their own role, so the registry always
keeps the active data manager who is acting.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, TextIO

from sqlalchemy.engine import Engine
from sqlmodel import Session, col, select

from registry.auth import (
    SYSTEM_ACTOR,
    Actor,
    create_user,
    hash_password,
    require,
    role_site_errors,
)
from registry.errors import FieldError, InvalidInput, PermissionDenied
from registry.models import Site, SiteCreate, SiteRead, User, UserCreate, UserRead
from registry.models.site import SiteBase
from registry.models.user import UserBase
from registry.passwords import check_password, one_time_password
from registry.services.common import apply_update, get_row, insert_audited, parse

# What update_user may change; username and password have their own ways (or none).
USER_FIELDS = frozenset({"role", "site_id", "language"})
SITE_FIELDS = frozenset(SiteBase.model_fields)


@dataclass(frozen=True)
class NewLogin:
    """A user just created, and the one-time password to hand over (shown once)."""

    user: UserRead
    password: str = field(repr=False)


# ---- sites ------------------------------------------------------------------------------------


def list_sites(*, session: Session, actor: Actor) -> list[SiteRead]:
    """Every site, by code."""
    require(actor, "user:admin")
    return [SiteRead.model_validate(s) for s in session.exec(select(Site).order_by(col(Site.code)))]


def create_site(
    *, session: Session, actor: Actor, data: SiteCreate | dict[str, Any]
) -> SiteRead:
    """Add a site; its code (``MOW-02``) must be new. Audited.

    Raises
    ------
    PermissionDenied
        `actor` is not a data manager.
    InvalidInput
        A field breaks `SiteCreate`, or the code is taken (``site.code_taken``).
    """
    require(actor, "user:admin")
    data = parse(SiteCreate, data)
    _check_code_free(session, data.code, site_id=None)
    site = insert_audited(session, actor, Site.model_validate(data))
    session.commit()
    return SiteRead.model_validate(site)


def update_site(
    *,
    session: Session,
    actor: Actor,
    site_id: int,
    changes: dict[str, Any],
    expected_version: int,
    reason: str | None = None,
) -> SiteRead:
    """Change a site's code, name, city, region or treating-centre flag; versioned, audited.

    Raises
    ------
    NotFound
        No site `site_id`.
    InvalidInput
        An unknown field (``site.field_unknown``), a value `SiteCreate` refuses, or a code
        already taken by another site.
    Conflict
        Someone saved the site after `expected_version`.
    """
    require(actor, "user:admin")
    site = get_row(session, Site, site_id, "site")
    unknown = sorted(set(changes) - SITE_FIELDS)
    if unknown:
        raise InvalidInput([
            FieldError(name, f"{name!r} is not a field of a site; change one of "
                       f"{', '.join(sorted(SITE_FIELDS))}", code="site.field_unknown",
                       params={"value": repr(name), "fields": ", ".join(sorted(SITE_FIELDS))})
            for name in unknown
        ])
    current = {name: getattr(site, name) for name in SITE_FIELDS}
    valid = parse(SiteCreate, current | changes)
    if valid.code != site.code:
        _check_code_free(session, valid.code, site_id=site_id)
    apply_update(session, actor, site, {name: getattr(valid, name) for name in changes},
                 expected_version=expected_version, reason=reason)
    session.commit()
    return SiteRead.model_validate(site)


def _check_code_free(session: Session, code: str, *, site_id: int | None) -> None:
    other = session.exec(select(Site.id).where(Site.code == code)).first()
    if other is not None and other != site_id:
        raise InvalidInput.one("code", f"{code!r} is another site's code; choose another",
                               "site.code_taken", value=repr(code))


# ---- users ------------------------------------------------------------------------------------


def list_users(*, session: Session, actor: Actor) -> list[UserRead]:
    """Every login, by username (never a password hash)."""
    require(actor, "user:admin")
    return [UserRead.model_validate(u) for u in session.exec(select(User).order_by(
        col(User.username)))]


def create_user_with_one_time_password(
    *, session: Session, actor: Actor, data: UserBase | dict[str, Any]
) -> NewLogin:
    """Add a login with a one-time password; the user must change it at the first login.

    Parameters
    ----------
    data : UserBase or dict
        ``username``, ``role``, ``site_id`` (site clinicians only), ``language``.

    Returns
    -------
    NewLogin
        The user, and the one-time password to show the data manager once: it is not kept.

    Raises
    ------
    PermissionDenied
        `actor` is not a data manager.
    InvalidInput
        As `registry.auth.create_user`, or an unknown site (``user.site_unknown``).
    """
    require(actor, "user:admin")
    if isinstance(data, UserBase):
        fields = data.model_dump()
    elif isinstance(data, dict):
        fields = dict(data)
    else:  # not a record: refused as every service refuses it
        fields = parse(UserBase, data).model_dump()
    password = one_time_password(username=str(fields.get("username", "")))
    valid = parse(UserCreate, fields | {"password": password})
    _check_site_exists(session, valid.site_id)
    user = create_user(session=session, actor=actor, data=valid, must_change_password=True)
    return NewLogin(user=user, password=password)


def update_user(
    *,
    session: Session,
    actor: Actor,
    user_id: int,
    changes: dict[str, Any],
    expected_version: int,
    reason: str | None = None,
) -> UserRead:
    """Change a user's role, site or language; versioned, audited.

    Site clinicians need a site and cross-site roles have none, so a change of role usually
    comes with a change of site. A data manager cannot change their own role.

    Raises
    ------
    InvalidInput
        Another field (``user.field_fixed``), a value `UserBase` refuses, the role/site rule
        broken, an unknown site, or one's own role (``user.own_role``).
    Conflict
        Someone saved the user after `expected_version`.
    """
    require(actor, "user:admin")
    user = get_row(session, User, user_id, "user")
    fixed = sorted(set(changes) - USER_FIELDS)
    if fixed:
        raise InvalidInput([
            FieldError(name, f"{name!r} cannot be changed here; change role, site_id or "
                       "language", code="user.field_fixed", params={"value": repr(name)})
            for name in fixed
        ])
    valid = parse(UserBase, {name: getattr(user, name) for name in UserBase.model_fields}
                  | changes)
    if actor.user_id == user_id and valid.role != user.role:
        raise InvalidInput.one("role", "you cannot change your own role; ask another data "
                               "manager", "user.own_role")
    errors = role_site_errors(valid.role, valid.site_id)
    if errors:
        raise InvalidInput(errors)
    _check_site_exists(session, valid.site_id)
    apply_update(session, actor, user, {name: getattr(valid, name) for name in changes},
                 expected_version=expected_version, reason=reason)
    session.commit()
    return UserRead.model_validate(user)


def deactivate_user(
    *, session: Session, actor: Actor, user_id: int, reason: str | None = None,
    expected_version: int | None = None,
) -> UserRead:
    """Stop a user from logging in (the account and its history stay). Not oneself.

    Raises
    ------
    PermissionDenied
        `actor` is not a data manager, or is the user (``denied.deactivate_self``).
    """
    require(actor, "user:admin")
    if actor.user_id is not None and actor.user_id == user_id:
        raise PermissionDenied("You cannot deactivate your own account; ask another data "
                               "manager.", code="denied.deactivate_self")
    return _update(session, actor, user_id, {"active": False}, expected_version, reason)


def reactivate_user(
    *, session: Session, actor: Actor, user_id: int, reason: str | None = None,
    expected_version: int | None = None,
) -> UserRead:
    """Let a deactivated user log in again (with the password they had)."""
    require(actor, "user:admin")
    return _update(session, actor, user_id, {"active": True}, expected_version, reason)


def unlock_user(
    *, session: Session, actor: Actor, user_id: int, reason: str | None = None,
    expected_version: int | None = None,
) -> UserRead:
    """Lift a lockout at once: failed logins back to 0, no lock."""
    require(actor, "user:admin")
    return _update(session, actor, user_id, {"failed_logins": 0, "locked_until": None},
                   expected_version, reason)


def reset_password(
    *, session: Session, actor: Actor, user_id: int, reason: str | None = None,
    expected_version: int | None = None,
) -> str:
    """Give a user a new one-time password (returned, shown once; not kept), lift any
    lockout, and make them choose a new password at the next login. Audited without it.

    Returns
    -------
    str
        The one-time password to hand over.
    """
    require(actor, "user:admin")
    user = get_row(session, User, user_id, "user")
    password = one_time_password(username=user.username)
    _update(session, actor, user_id, {
        "password_hash": hash_password(password), "must_change_password": True,
        "failed_logins": 0, "locked_until": None,
    }, expected_version, "password reset" + (f": {reason}" if reason else ""))
    return password


def _update(session: Session, actor: Actor, user_id: int, changes: dict[str, Any],
            expected_version: int | None, reason: str | None) -> UserRead:
    user = get_row(session, User, user_id, "user")
    apply_update(session, actor, user, changes, expected_version=expected_version,
                 reason=reason)
    session.commit()
    return UserRead.model_validate(user)


def _check_site_exists(session: Session, site_id: int | None) -> None:
    if site_id is not None and session.get(Site, site_id) is None:
        raise InvalidInput.one("site_id", f"no site with id {site_id}; choose a listed site",
                               "user.site_unknown", value=site_id)


# ---- command line -----------------------------------------------------------------------------


def set_password_cli(
    engine: Engine,
    username: str,
    password: str,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Set an existing user's password from the command line (``python -m registry ...``).

    The policy applies; the user is not asked to change it again, and any lockout is lifted.
    Audited as the system actor ("password set from the command line"). Prints what was done,
    never the password.

    Returns
    -------
    int
        0 when set; 2 for an unknown user or a password the policy refuses.
    """
    out = out or sys.stdout
    err = err or sys.stderr
    name = username.strip().lower()
    with Session(engine) as session:
        user = session.exec(select(User).where(User.username == name)).first()
        if user is None:
            err.write(f"error: no user {name!r}; create it with `create-user`\n")
            return 2
        problems = check_password(password, username=user.username)
        if problems:
            err.write(f"error: password refused for {user.username}:\n")
            err.writelines(f"  - {problem}\n" for problem in problems)
            return 2
        apply_update(session, SYSTEM_ACTOR, user, {
            "password_hash": hash_password(password), "must_change_password": False,
            "failed_logins": 0, "locked_until": None,
        }, reason="password set from the command line")
        session.commit()
        out.write(f"Password set for {user.username} ({user.role.value}).\n")
        if not user.active:
            out.write("Note: this account is deactivated; a data manager can reactivate it.\n")
    return 0


__all__ = [
    "NewLogin",
    "create_site",
    "create_user_with_one_time_password",
    "deactivate_user",
    "list_sites",
    "list_users",
    "reactivate_user",
    "reset_password",
    "set_password_cli",
    "unlock_user",
    "update_site",
    "update_user",
]
