"""Users of the portal; passwords are argon2id hashes, never plain text."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from registry.models.base import ReadMixin, TableMixin, enum_type
from registry.models.enums import Role


class UserBase(SQLModel):
    username: str = Field(
        min_length=3, max_length=64, schema_extra={"pattern": r"^[a-z0-9_.-]+$"}, unique=True
    )
    role: Role = Field(sa_type=enum_type(Role))
    site_id: int | None = Field(default=None, foreign_key="site.id")
    active: bool = True
    language: str = Field(default="ru", schema_extra={"pattern": r"^(ru|en)$"}, max_length=2)


class User(TableMixin, UserBase, table=True):
    """A login. site_id is set for site clinicians and null for cross-site roles."""

    password_hash: str
    failed_logins: int = 0
    locked_until: datetime | None = None
    last_login: datetime | None = None
    must_change_password: bool = False


class UserCreate(UserBase):
    """A new user with an initial password.

    Only "given" is checked here: the policy (length, common passwords, the username) is
    `registry.passwords`, applied by `create_user`, whose messages never echo the password.
    """

    password: str = Field(min_length=1, max_length=256)


class UserRead(ReadMixin, UserBase):
    """A user as services return it: no hash."""

    failed_logins: int
    locked_until: datetime | None
    last_login: datetime | None
    must_change_password: bool = False
