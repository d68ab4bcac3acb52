"""Users, passwords, the Actor every service receives, and who may do what.

Access rules live here, not in the pages: every service's first line is
`require(actor, action, site_id=...)`, which raises `PermissionDenied`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlmodel import Session, select

from registry.config import Settings, get_settings
from registry.errors import FieldError, InvalidInput, PermissionDenied
from registry.models import User, UserCreate, UserRead
from registry.models.base import utcnow
from registry.models.enums import AuditAction, Role
from registry.passwords import password_problems

# argon2id with the library's RFC 9106 low-memory defaults.
_hasher = PasswordHasher()
# Verified against when the username is unknown, so timing does not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password-but-the-same-cost")


@dataclass(frozen=True)
class Actor:
    """Who is calling a service: user id, username, role and (for site clinicians) site."""

    user_id: int | None
    username: str
    role: Role
    site_id: int | None = None
    language: str = "ru"  # the user's portal language (ru default, en)

    def __post_init__(self) -> None:
        object.__setattr__(self, "role", Role(self.role))

    def __repr__(self) -> str:
        site = f" site={self.site_id}" if self.site_id is not None else ""
        return f"<Actor {self.username!r} {self.role.value}{site}>"


SYSTEM_ACTOR = Actor(user_id=None, username="system", role=Role.system)

# action -> roles allowed. Site-scoped actions also need the actor's site to match.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "patient:read": frozenset({Role.site_clinician, Role.data_manager, Role.system}),
    "patient:write": frozenset({Role.site_clinician, Role.system}),
    "record:correct": frozenset({Role.site_clinician, Role.data_manager, Role.system}),
    "lot:write": frozenset({Role.site_clinician, Role.data_manager, Role.system}),
    "schedule:read": frozenset({Role.site_clinician, Role.data_manager, Role.system}),
    "query:raise": frozenset({Role.data_manager, Role.system}),
    "query:read": frozenset({Role.site_clinician, Role.data_manager, Role.system}),
    "summary:read": frozenset(
        {Role.site_clinician, Role.leadership, Role.economist, Role.data_manager, Role.system}
    ),
    "user:admin": frozenset({Role.data_manager, Role.system}),
    "audit:read": frozenset({Role.data_manager, Role.system}),
    # health economics (issue 6): cohorts, analyses and de-identified exports
    "cohort:analyse": frozenset({Role.economist, Role.system}),
    "cohort:export": frozenset({Role.economist, Role.system}),
    "costs:edit": frozenset({Role.economist, Role.system}),
}
# Roles that see every site; the others see only their own.
CROSS_SITE_ROLES = frozenset({Role.data_manager, Role.system, Role.leadership, Role.economist})


def can(actor: Actor, action: str, *, site_id: int | None = None) -> bool:
    """True when `actor` may do `action` (on a record of `site_id`, when given)."""
    if actor.role not in PERMISSIONS.get(action, frozenset()):
        return False
    if site_id is not None and actor.role not in CROSS_SITE_ROLES:
        return actor.site_id is not None and actor.site_id == site_id
    return True


def require(actor: Actor, action: str, *, site_id: int | None = None) -> None:
    """Raise `PermissionDenied` unless `actor` may do `action` on a record of `site_id`.

    Examples
    --------
    >>> require(Actor(1, "ivanova", Role.site_clinician, site_id=1), "patient:write", site_id=1)
    >>> clinician = Actor(1, "ivanova", Role.site_clinician, site_id=1)
    >>> require(clinician, "patient:write", site_id=2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    registry.errors.PermissionDenied: ivanova (site_clinician) may not patient:write records ...
    """
    if actor.role not in PERMISSIONS.get(action, frozenset()):
        raise PermissionDenied(f"{actor.username} ({actor.role.value}) may not {action}",
                               code="denied.role", action=action)
    if not can(actor, action, site_id=site_id):
        raise PermissionDenied(
            f"{actor.username} ({actor.role.value}) may not {action} records of another site",
            code="denied.site", action=action,
        )


def site_scope(actor: Actor) -> int | None:
    """The one site an actor is confined to, or None for cross-site roles."""
    return None if actor.role in CROSS_SITE_ROLES else actor.site_id


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def role_site_errors(role: Role, site_id: int | None) -> list[FieldError]:
    """The rules tying a login's role to its site: site clinicians need a site, cross-site
    roles have none, and nobody logs in as the system."""
    errors: list[FieldError] = []
    if role == Role.site_clinician and site_id is None:
        errors.append(
            FieldError("site_id", "a site clinician needs a site", code="user.site_required")
        )
    if role != Role.site_clinician and site_id is not None:
        errors.append(
            FieldError(
                "site_id",
                f"role {role.value} sees all sites: leave site empty",
                code="user.site_not_allowed",
                params={"role": role.value},
            )
        )
    if role == Role.system:
        errors.append(
            FieldError(
                "role",
                f"{Role.system.value!r} is not a login role",
                code="user.system_role",
                params={"value": repr(Role.system.value)},
            )
        )
    return errors


def create_user(
    *, session: Session, actor: Actor, data: UserCreate, must_change_password: bool = False
) -> UserRead:
    """Create a login with an argon2id password hash; audited (without the hash).

    Site clinicians need a site; cross-site roles must have none. The password must pass
    the policy of `registry.passwords` (12+ characters, not common, not the username).
    `must_change_password` makes the user choose a new password at the first login (for
    one-time passwords, see `registry.services.admin`).
    """
    from registry.services.audit import record_audit

    require(actor, "user:admin")
    errors = role_site_errors(data.role, data.site_id)
    errors += password_problems(data.password, username=data.username)
    if session.exec(select(User.id).where(User.username == data.username)).first() is not None:
        errors.append(
            FieldError(
                "username",
                f"{data.username!r} is taken; choose another",
                code="user.taken",
                params={"value": repr(data.username)},
            )
        )
    if errors:
        raise InvalidInput(errors)
    user = User.model_validate(data, update={"password_hash": hash_password(data.password),
                                             "must_change_password": must_change_password})
    session.add(user)
    session.flush()
    read = UserRead.model_validate(user)
    record_audit(
        session,
        actor,
        AuditAction.create,
        "user",
        user.id,
        before=None,
        after=read.model_dump(mode="json") | {"must_change_password": must_change_password},
    )
    session.commit()
    return read


class LoginFailed(PermissionDenied):
    """Wrong username or password, or the account is locked or inactive."""


def authenticate(
    *,
    session: Session,
    username: str,
    password: str,
    settings: Settings | None = None,
    now: datetime | None = None,
) -> Actor:
    """Check a password and return the user's Actor; count failures and lock out.

    After `max_failed_logins` failures in a row (5) the account is locked for
    `lockout_minutes` (15); a locked account is refused even with the right password.
    Unknown usernames cost the same time as known ones (a dummy hash is verified).
    A user given a one-time password logs in with it and must then choose a new one: ask
    `password_change_required` and send them to `change_password` first.

    Raises
    ------
    LoginFailed
        With a message that does not tell whether the username exists.
    """
    from registry.services.audit import record_audit

    settings = settings or get_settings()
    now = now or utcnow()
    user = session.exec(select(User).where(User.username == username.strip().lower())).first()
    if user is None:
        _verify(_DUMMY_HASH, password)
        raise LoginFailed("Wrong username or password.", code="login.wrong")
    if user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        raise LoginFailed(
            f"Account locked after {settings.max_failed_logins} failed logins; "
            f"try again in {minutes} min or ask a data manager to unlock it.",
            code="login.locked", failures=settings.max_failed_logins, minutes=minutes,
        )
    ok = _verify(user.password_hash, password)
    actor = Actor(user.id, user.username, user.role, user.site_id, user.language)
    if not ok or not user.active:
        if ok and not user.active:
            raise LoginFailed("This account is deactivated; ask a data manager.",
                              code="login.inactive")
        user.failed_logins += 1
        locked = user.failed_logins >= settings.max_failed_logins
        if locked:
            user.locked_until = now + timedelta(minutes=settings.lockout_minutes)
            user.failed_logins = 0
        session.add(user)
        record_audit(session, actor, AuditAction.login_failed, "user", user.id,
                     after={"locked": locked})
        session.commit()
        if locked:
            raise LoginFailed(
                f"Account locked for {settings.lockout_minutes} min after "
                f"{settings.max_failed_logins} failed logins.",
                code="login.locked", failures=settings.max_failed_logins,
                minutes=settings.lockout_minutes,
            )
        raise LoginFailed("Wrong username or password.", code="login.wrong")
    user.failed_logins = 0
    user.locked_until = None
    user.last_login = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    session.add(user)
    record_audit(session, actor, AuditAction.login, "user", user.id)
    session.commit()
    return actor


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def password_change_required(session: Session, user_id: int | None) -> bool:
    """True when the user logged in with a one-time password and must choose a new one
    before doing anything else (False for the system actor and unknown ids)."""
    if user_id is None:
        return False
    user = session.get(User, user_id, populate_existing=True)
    return user is not None and user.must_change_password


def change_password(
    *,
    session: Session,
    actor: Actor,
    user_id: int,
    new_password: str,
    old_password: str | None = None,
) -> UserRead:
    """Set a new password: one's own (with the current one), or another user's (data managers).

    The new password must pass the policy (`registry.passwords`) and differ from the current
    one. Changing one's own clears `must_change_password`; a data manager setting someone
    else's sets it, since the data manager knows that password. Audited as an update of the
    user, reason "password changed"; the hash is never written to the audit trail.

    Parameters
    ----------
    user_id : int
        Whose password.
    new_password : str
        The new password, as typed.
    old_password : str, optional
        The current password; required when `actor` changes their own.

    Raises
    ------
    PermissionDenied
        Another user's password, and `actor` is not a data manager.
    NotFound
        No user `user_id`.
    InvalidInput
        ``old_password`` wrong or missing (``password.old_wrong``); ``new_password`` breaks
        the policy (``password.policy.*``) or is the current one (``password.reused``).
    """
    from dataclasses import replace

    from registry.services.common import apply_update, get_row

    own = actor.user_id is not None and actor.user_id == user_id
    if not own:
        require(actor, "user:admin")
    user = get_row(session, User, user_id, "user")
    if own and not (old_password and _verify(user.password_hash, old_password)):
        raise InvalidInput.one("old_password", "is not your current password; type it again",
                               "password.old_wrong")
    problems = password_problems(new_password, username=user.username)
    if problems:
        raise InvalidInput([replace(p, field="new_password") for p in problems])
    if _verify(user.password_hash, new_password):
        raise InvalidInput.one("new_password",
                               "is the current password; choose a different one",
                               "password.reused")
    apply_update(
        session,
        actor,
        user,
        {"password_hash": hash_password(new_password), "must_change_password": not own},
        reason="password changed" if own else "password set by a data manager",
    )
    session.commit()
    return UserRead.model_validate(user)


def set_language(*, session: Session, actor: Actor, language: str) -> Actor:
    """Remember a user's portal language ('ru' or 'en'); returns the updated Actor."""
    from dataclasses import replace

    from registry.services.common import apply_update

    if language not in ("ru", "en"):
        raise InvalidInput.one(
            "language",
            f"{language!r} is not offered; choose ru or en",
            "language.unknown",
            value=repr(language),
        )
    if actor.user_id is not None:
        user = session.get(User, actor.user_id)
        if user is not None:
            apply_update(session, actor, user, {"language": language})
            session.commit()
    return replace(actor, language=language)
