"""`python -m registry set-password` and `verify-audit`, run as an operator would: a
subprocess on a database named by the environment."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from registry.auth import authenticate
from registry.db import make_engine, migrate
from registry.seed import ensure_demo_accounts, load_reference_data

pytestmark = pytest.mark.slow


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "registry", *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_set_password_and_verify_audit(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    engine = make_engine(url)
    migrate(engine)
    with Session(engine) as session:
        load_reference_data(session)
        ensure_demo_accounts(session)
        session.commit()
    env = os.environ | {"REGISTRY_DATABASE_URL": url, "REGISTRY_DATA_DIR": str(tmp_path)}

    intact = _run(env, "verify-audit")
    assert intact.returncode == 0, intact.stderr
    assert "intact" in intact.stdout

    refused = _run(env, "set-password", "economist", "--password", "qwerty123")
    assert refused.returncode == 2 and "qwerty123" not in refused.stdout + refused.stderr
    done = _run(env, "set-password", "economist", "--password", "violet tundra lantern 42")
    assert done.returncode == 0, done.stderr
    with Session(engine) as session:
        actor = authenticate(session=session, username="economist",
                             password="violet tundra lantern 42")
    assert actor.username == "economist"

    with engine.begin() as conn:
        conn.execute(text("UPDATE auditevent SET reason = 'tampered' WHERE id = 2"))
    broken = _run(env, "verify-audit")
    assert broken.returncode == 1
    assert "event 2" in broken.stdout + broken.stderr
    engine.dispose()
