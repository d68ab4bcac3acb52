"""The registry's errors. Pages catch `RegistryError` and show it; anything else is a bug."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any


class RegistryError(Exception):
    """Base of every error a user can be shown.

    `code` and `params` name the message in the catalogue (registry/i18n.py) so the portal
    can show it in the user's language; `str(error)` is the English text.
    """

    def __init__(self, message: str = "", *, code: str | None = None, **params: Any) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


class NotFound(RegistryError):
    """The record does not exist, or the actor may not know that it exists."""


class PermissionDenied(RegistryError):
    """The actor's role or site does not allow this action."""


class Conflict(RegistryError):
    """Someone else changed the record in between (optimistic locking), or a unique key clashes."""

    def __init__(self, message: str, *, current: dict[str, object] | None = None,
                 code: str | None = None) -> None:
        super().__init__(message, code=code)
        self.current = current or {}


@dataclass(frozen=True, eq=True)
class FieldError:
    """One bad field: its name, a readable message and, for uploads, the row."""

    field: str
    message: str
    row: int | None = None
    # A catalogue key (registry/i18n.py) and its parameters, so the portal can show the
    # message in the user's language; `message` is the English text.
    code: str | None = None
    params: dict[str, Any] = dataclass_field(default_factory=dict, compare=False, hash=False)

    def __str__(self) -> str:
        where = f"row {self.row}, " if self.row is not None else ""
        return f"{where}{self.field}: {self.message}"


class InvalidInput(RegistryError, ValueError):
    """Input failed validation; `errors` lists every bad field, not just the first."""

    def __init__(self, errors: list[FieldError]) -> None:
        if not errors:
            raise ValueError("InvalidInput needs at least one FieldError")
        self.errors = list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))

    @classmethod
    def one(
        cls, field: str, message: str, code: str | None = None, **params: Any
    ) -> InvalidInput:
        """One bad field; `code` and `params` name its message in the catalogue."""
        return cls([FieldError(field, message, code=code, params=params)])
