"""No secret is tracked by git, and the HMAC key is made on first use, private and stable.

DESIGN.md section 8: the HMAC key of the identity hashes (the "additional information" that
would re-identify under 152-FZ) is generated into the data folder or read from the
environment, and never committed; the data folder (var/ by default) is ignored by git.
"""

from __future__ import annotations

import re
import shutil
import stat
import subprocess
from pathlib import Path

import pytest

from registry.config import PROJECT_ROOT, Settings, hmac_key

SECRET_NAMES = re.compile(
    r"(^|/)(\.env(\..*)?|.*\.(key|pem|p12|pfx|keystore)|id_(rsa|dsa|ecdsa|ed25519)|"
    r"secrets\.toml|credentials(\.json)?)$")
PRIVATE_KEY = re.compile(rb"-----BEGIN (RSA |EC |OPENSSH |DSA |ENCRYPTED )?PRIVATE KEY-----")


def _git(*args: str) -> subprocess.CompletedProcess[str]:
    git = shutil.which("git")
    if git is None or not (PROJECT_ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    return subprocess.run([git, "-C", str(PROJECT_ROOT), *args], capture_output=True,
                          text=True, check=False)


def _tracked() -> list[str]:
    done = _git("ls-files", "-z")
    assert done.returncode == 0, done.stderr
    return [name for name in done.stdout.split("\0") if name]


# ---- the repository ---------------------------------------------------------------------------


def test_no_key_or_credential_file_is_tracked() -> None:
    tracked = _tracked()
    assert len(tracked) > 50, "the listing works"
    assert [name for name in tracked if SECRET_NAMES.search(name)] == []


def test_nothing_under_the_data_folder_is_tracked() -> None:
    tracked = _tracked()
    assert [name for name in tracked if name == "var" or name.startswith("var/")] == []
    assert [name for name in tracked if "/secrets/" in f"/{name}"] == []


def test_no_tracked_file_holds_a_private_key() -> None:
    found = []
    for name in _tracked():
        path = PROJECT_ROOT / name
        if path.is_file() and path.stat().st_size < 5_000_000:
            if PRIVATE_KEY.search(path.read_bytes()):
                found.append(name)
    assert found == []


@pytest.mark.parametrize("inside", ["registry.db", "registry.db-wal", "secrets/hmac.key",
                                    "backups/2026-01-01.backup"])
def test_git_ignores_the_default_data_folder(inside: str) -> None:
    data_dir = Settings.from_env({}).data_dir
    assert data_dir == PROJECT_ROOT / "var"
    relative = (data_dir / inside).relative_to(PROJECT_ROOT).as_posix()
    done = _git("check-ignore", "--no-index", "-q", relative)
    assert done.returncode == 0, f"{relative} is not ignored by .gitignore"


def test_a_tracked_looking_file_is_not_ignored() -> None:
    """The ignore check above can fail: a source file is not ignored."""
    assert _git("check-ignore", "--no-index", "-q", "registry/config.py").returncode == 1


# ---- the HMAC key -----------------------------------------------------------------------------


@pytest.fixture
def data_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings with a fresh data folder and no REGISTRY_HMAC_KEY in the environment."""
    monkeypatch.delenv("REGISTRY_HMAC_KEY", raising=False)
    return Settings.from_env({"REGISTRY_DATA_DIR": str(tmp_path / "data")})


def test_the_key_is_generated_on_first_use_with_mode_0600(data_settings: Settings) -> None:
    path = data_settings.data_dir / "secrets" / "hmac.key"
    assert not path.exists()
    key = hmac_key(data_settings)
    assert len(key) == 32
    assert path.is_file()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert bytes.fromhex(path.read_text().strip()) == key
    assert sorted(p.name for p in path.parent.iterdir()) == ["hmac.key"], "no temp file left"


def test_the_key_is_reused(data_settings: Settings) -> None:
    first = hmac_key(data_settings)
    written = (data_settings.data_dir / "secrets" / "hmac.key").read_bytes()
    assert hmac_key(data_settings) == first
    assert hmac_key(Settings.from_env({"REGISTRY_DATA_DIR": str(data_settings.data_dir)})) == first
    assert (data_settings.data_dir / "secrets" / "hmac.key").read_bytes() == written


def test_each_data_folder_gets_its_own_random_key(data_settings: Settings,
                                                  tmp_path: Path) -> None:
    other = Settings.from_env({"REGISTRY_DATA_DIR": str(tmp_path / "other")})
    assert hmac_key(data_settings) != hmac_key(other)


def test_the_environment_key_wins_and_nothing_is_written(data_settings: Settings,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REGISTRY_HMAC_KEY", "ab" * 32)
    assert hmac_key(data_settings) == bytes.fromhex("ab" * 32)
    assert not (data_settings.data_dir / "secrets").exists()
