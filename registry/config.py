"""Settings from the environment: database URL, data folder, secrets, demo accounts."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

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
    """

    data_dir: Path
    database_url: str
    demo: bool
    seed_patients: int
    lockout_minutes: int
    max_failed_logins: int

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
        )


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
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(secrets.token_hex(32))
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)  # atomic: two processes starting at once keep one key
        except FileExistsError:
            pass
        tmp.unlink()
    return bytes.fromhex(path.read_text().strip())
