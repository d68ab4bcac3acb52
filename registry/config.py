"""Settings from the environment: database URL, data folder, secrets, demo accounts."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from registry.errors import InvalidInput

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SEED_DATA_DIR = PROJECT_ROOT / "seed_data"


@dataclass(frozen=True)
class Settings:
    """What the registry reads from its environment.

    REGISTRY_DATA_DIR      folder for the SQLite file and generated secrets (default ./var)
    REGISTRY_DATABASE_URL  SQLAlchemy URL; default sqlite:///<data dir>/registry.db
                           (PostgreSQL: postgresql+psycopg://user@host/db)
    REGISTRY_HMAC_KEY      key for identity hashes (hex); else generated into the data dir
    REGISTRY_DEMO          1 (default) creates demo accounts on first start; 0 does not
    REGISTRY_SEED_PATIENTS synthetic patients seeded on first start (default 1500; 0 for none)
    REGISTRY_LOCKOUT_MINUTES, REGISTRY_MAX_FAILED_LOGINS  login lockout (15 minutes after 5)
    REGISTRY_SESSION_MINUTES  a portal login ends after this many minutes without an
                           interaction (default 30; at least 1)
    REGISTRY_COMPLETENESS_THRESHOLD  follow-up completeness below this share flags a centre
                           and leaves it out of the observed-vs-expected ranking (default 0.9;
                           0 < x <= 1)
    REGISTRY_UPLOAD_MAX_BYTES  largest bulk-upload file, in bytes (default 10485760 = 10 MB;
                           at least 1); larger files are refused before they are read
    REGISTRY_UPLOAD_MAX_ROWS  most data rows in one bulk-upload file (default 20000; at least 1)
    """

    data_dir: Path
    database_url: str
    demo: bool
    seed_patients: int
    lockout_minutes: int
    max_failed_logins: int
    session_minutes: int = 30
    completeness_threshold: float = 0.9
    upload_max_bytes: int = 10 * 1024 * 1024
    upload_max_rows: int = 20_000

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        data_dir = Path(env.get("REGISTRY_DATA_DIR", str(PROJECT_ROOT / "var"))).resolve()
        url = env.get("REGISTRY_DATABASE_URL") or f"sqlite:///{data_dir / 'registry.db'}"
        return cls(
            data_dir=data_dir,
            database_url=url,
            demo=env.get("REGISTRY_DEMO", "1") not in ("0", "false", "no", ""),
            seed_patients=int(env.get("REGISTRY_SEED_PATIENTS", "1500")),
            lockout_minutes=int(env.get("REGISTRY_LOCKOUT_MINUTES", "15")),
            max_failed_logins=int(env.get("REGISTRY_MAX_FAILED_LOGINS", "5")),
            session_minutes=_session_minutes(env.get("REGISTRY_SESSION_MINUTES", "30")),
            completeness_threshold=_completeness_threshold(
                env.get("REGISTRY_COMPLETENESS_THRESHOLD", "0.9")),
            upload_max_bytes=_at_least_one(
                "REGISTRY_UPLOAD_MAX_BYTES", env.get("REGISTRY_UPLOAD_MAX_BYTES", "10485760"),
                "10485760"),
            upload_max_rows=_at_least_one(
                "REGISTRY_UPLOAD_MAX_ROWS", env.get("REGISTRY_UPLOAD_MAX_ROWS", "20000"),
                "20000"),
        )


def _session_minutes(text: str) -> int:
    """REGISTRY_SESSION_MINUTES as a whole number of minutes, at least 1."""
    name = "REGISTRY_SESSION_MINUTES"
    try:
        minutes = int(text)
    except ValueError:
        raise InvalidInput.one(name, f"{text!r} is not a whole number of minutes; write e.g. 30",
                               "pydantic.int_parsing", value=repr(text)) from None
    if minutes < 1:
        raise InvalidInput.one(name, f"must be at least 1 minute (got {minutes}); write e.g. 30",
                               "pydantic.greater_than_equal", ge=1, value=minutes)
    return minutes


def _at_least_one(name: str, text: str, example: str) -> int:
    """A whole-number setting of at least 1 (an upload limit), checked as session minutes are."""
    try:
        number = int(text)
    except ValueError:
        raise InvalidInput.one(name, f"{text!r} is not a whole number; write e.g. {example}",
                               "pydantic.int_parsing", value=repr(text)) from None
    if number < 1:
        raise InvalidInput.one(name, f"must be at least 1 (got {number}); write e.g. {example}",
                               "pydantic.greater_than_equal", ge=1, value=number)
    return number


def _completeness_threshold(text: str) -> float:
    """REGISTRY_COMPLETENESS_THRESHOLD as a share in (0, 1]."""
    name = "REGISTRY_COMPLETENESS_THRESHOLD"
    try:
        share = float(text)
    except ValueError:
        raise InvalidInput.one(name, f"{text!r} is not a number; write a share such as 0.9",
                               "pydantic.float_parsing", value=repr(text)) from None
    if share > 1:
        raise InvalidInput.one(name, f"must be a share in (0, 1] (got {share!r}); write e.g. "
                               "0.9 for 90%", "pydantic.less_than_equal", le=1, value=share)
    if not share > 0:  # also refuses NaN
        raise InvalidInput.one(name, f"must be a share in (0, 1] (got {share!r}); write e.g. "
                               "0.9 for 90%", "pydantic.greater_than", gt=0, value=share)
    return share


def get_settings() -> Settings:
    return Settings.from_env()


def hmac_key(settings: Settings | None = None) -> bytes:
    """The server-side key for identity hashes: from REGISTRY_HMAC_KEY or the data folder.

    Generated on first use into `<data dir>/secrets/hmac.key` (mode 0600) and never committed.
    Losing it makes cross-site duplicate detection impossible for earlier registrations, so
    back it up with the database.
    """
    from_env = os.environ.get("REGISTRY_HMAC_KEY")
    if from_env:
        return bytes.fromhex(from_env)
    settings = settings or get_settings()
    path = settings.data_dir / "secrets" / "hmac.key"
    if not path.exists():
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # a private temporary file per starter, created 0600, linked into place atomically:
        # of several processes starting at once exactly one key wins and all read it whole
        tmp = path.with_name(f".hmac.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            f.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return bytes.fromhex(path.read_text().strip())
