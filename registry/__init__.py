"""CAR-T outcomes registry: domain logic, storage, access rules and analyses.

No Streamlit here; pages import what they need from this module.
"""

from registry.auth import (
    SYSTEM_ACTOR,
    Actor,
    LoginFailed,
    authenticate,
    change_password,
    create_user,
    password_change_required,
    require,
    set_language,
)
from registry.config import Settings, get_settings
from registry.db import make_engine, migrate, session_scope
from registry.errors import (
    Conflict,
    FieldError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RegistryError,
)
from registry.services.common import today
from registry.services.summary import HomeSummary, home_summary

__all__ = [
    "SYSTEM_ACTOR",
    "Actor",
    "Conflict",
    "FieldError",
    "HomeSummary",
    "InvalidInput",
    "LoginFailed",
    "NotFound",
    "PermissionDenied",
    "RegistryError",
    "Settings",
    "authenticate",
    "change_password",
    "create_user",
    "get_settings",
    "home_summary",
    "make_engine",
    "migrate",
    "password_change_required",
    "require",
    "session_scope",
    "set_language",
    "today",
]
