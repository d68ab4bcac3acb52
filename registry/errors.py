"""The registry's errors. Pages catch `RegistryError` and show it; anything else is a bug."""

from __future__ import annotations

from dataclasses import dataclass


class RegistryError(Exception):
    """Base of every error a user can be shown."""


class NotFound(RegistryError):
    """The record does not exist, or the actor may not know that it exists."""


class PermissionDenied(RegistryError):
    """The actor's role or site does not allow this action."""


class Conflict(RegistryError):
    """Someone else changed the record in between (optimistic locking), or a unique key clashes."""

    def __init__(self, message: str, *, current: dict[str, object] | None = None) -> None:
        super().__init__(message)
        self.current = current or {}


@dataclass(frozen=True)
class FieldError:
    """One bad field: its name, a readable message and, for uploads, the row."""

    field: str
    message: str
    row: int | None = None

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
    def one(cls, field: str, message: str) -> InvalidInput:
        return cls([FieldError(field, message)])
