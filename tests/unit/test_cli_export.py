"""`python -m registry export`: a real SQLite database named by REGISTRY_DATABASE_URL.

The database is seeded once for the module (a small synthetic cohort and three logins); each
test points the CLI at it through the environment, as an operator would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select
from sqlmodel import Session

from registry.auth import SYSTEM_ACTOR, create_user
from registry.cli import main
from registry.db import make_engine, migrate
from registry.models import AuditEvent, User, UserCreate
from registry.models.enums import AuditAction
from registry.seed import seed_synthetic
from registry.services.export_formats import sha256

ROOT = Path(__file__).resolve().parents[2]
AS_OF = date(2026, 6, 1)
PASSWORD = "export-test-password-1"


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """Environment of a seeded SQLite registry: 80 patients, an economist, a leader, and a
    deactivated economist."""
    folder = tmp_path_factory.mktemp("cli-export")
    url = f"sqlite:///{folder / 'registry.db'}"
    engine = make_engine(url)
    migrate(engine)
    seed_synthetic(engine, patients=80, seed=4, as_of=AS_OF)
    with Session(engine) as session:
        for username, role in (("econ", "economist"), ("lead", "leadership"),
                               ("gone", "economist")):
            create_user(session=session, actor=SYSTEM_ACTOR, data=UserCreate(
                username=username, role=role, password=PASSWORD))
        user = session.execute(select(User).where(User.username == "gone")).scalar_one()
        user.active = False
        session.add(user)
        session.commit()
    engine.dispose()
    yield {"REGISTRY_DATABASE_URL": url, "REGISTRY_DATA_DIR": str(folder)}


@pytest.fixture
def env(database: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in database.items():
        monkeypatch.setenv(name, value)
    return database


def exports(env: dict[str, str]) -> list[AuditEvent]:
    engine = make_engine(env["REGISTRY_DATABASE_URL"])
    with Session(engine) as session:
        events = list(session.execute(select(AuditEvent).where(
            AuditEvent.action == AuditAction.export)).scalars())
    engine.dispose()
    return events


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_export_writes_data_codebook_and_manifest(
    env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    out = tmp_path / "out"
    code = main(["export", "--format", fmt, "--out", str(out), "--user", "econ",
                 "--population", "itt", "--as-of", AS_OF.isoformat()])
    printed = capsys.readouterr()
    assert code == 0, printed.err
    files = sorted(p.name for p in out.iterdir())
    assert len(files) == 3
    data = next(out / n for n in files if n.endswith("." + fmt))
    book = next(out / n for n in files if n.endswith("_codebook.csv"))
    manifest = json.loads(next(out / n for n in files if n.endswith(".json")).read_text())
    assert manifest["files"][data.name]["sha256"] == sha256(data.read_bytes())
    assert manifest["files"][book.name]["sha256"] == sha256(book.read_bytes())
    assert manifest["format"] == fmt and manifest["population"] == "itt"
    assert manifest["as_of"] == AS_OF.isoformat()
    rows = {"csv": pd.read_csv, "parquet": pd.read_parquet, "xlsx": pd.read_excel}[fmt](data)
    assert len(rows) == manifest["row_count"] > 0
    assert f"Exported {manifest['row_count']} episodes" in printed.out and "econ" in printed.out
    event = exports(env)[-1]
    assert event.username == "econ" and (event.after or {})["export_id"] == manifest["export_id"]


def test_filters_reach_the_manifest_and_the_audit(env: dict[str, str], tmp_path: Path) -> None:
    code = main(["export", "--format", "csv", "--out", str(tmp_path), "--as-system",
                 "--product", "KYMRIAH", "--indication", "LBCL", "--indication", "B-ALL",
                 "--site", "MOW-01", "--site", "2", "--from", "2020-01-01", "--to",
                 "2026-05-31", "--age-band", "18-39", "--age-band", "65+", "--name", "test",
                 "--as-of", AS_OF.isoformat()])
    assert code == 0
    manifest = json.loads(next(tmp_path.glob("*_manifest.json")).read_text())
    assert manifest["filters"] == {
        "product_codes": ["KYMRIAH"], "indications": ["B-ALL", "LBCL"], "site_ids": [1, 2],
        "period_from": "2020-01-01", "period_to": "2026-05-31", "age_bands": ["18-39", "65+"],
        "prior_lines_min": None, "prior_lines_max": None, "population": "mitt"}
    assert manifest["cohort_name"] == "test"
    event = exports(env)[-1]
    assert event.username == "system" and (event.after or {})["filters"] == manifest["filters"]
    data = [p for p in tmp_path.glob("cohort_*.csv") if not p.name.endswith("_codebook.csv")]
    table = pd.read_csv(data[0])
    assert set(table["age_years"]) <= set(range(18, 40)) | set(range(65, 91))


@pytest.mark.parametrize(("who", "message"), [
    (["--user", "lead"], "may not cohort:export"),
    (["--user", "nobody"], "no active user 'nobody'"),
    (["--user", "gone"], "no active user 'gone'"),
])
def test_refusals_exit_non_zero_and_write_nothing(
    env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str], who: list[str],
    message: str
) -> None:
    before = len(exports(env))
    code = main(["export", "--format", "csv", "--out", str(tmp_path / "out"), *who])
    assert code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
    assert len(exports(env)) == before


def test_bad_filters_exit_non_zero_with_the_field(
    env: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for args, message in ((["--site", "XXX-99"], "XXX-99"),
                          (["--product", "YESCARTA"], "product_codes"),
                          (["--age-band", "old"], "age_bands"),
                          (["--from", "2026-01-01", "--to", "2025-01-01"], "period_to")):
        code = main(["export", "--format", "csv", "--out", str(tmp_path), "--user", "econ",
                     *args])
        assert code == 2 and message in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:  # argparse: unknown format, bad date
        main(["export", "--format", "json", "--out", str(tmp_path), "--user", "econ"])
    assert exited.value.code == 2
    with pytest.raises(SystemExit):
        main(["export", "--format", "csv", "--out", str(tmp_path), "--as-system",
              "--from", "2025-13-01"])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.slow  # a fresh interpreter imports pandas, SQLAlchemy, ...: a few seconds
def test_python_dash_m_registry_export(env: dict[str, str], tmp_path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "registry", "export", "--format", "csv", "--out",
         str(tmp_path), "--user", "econ", "--indication", "LBCL"],
        cwd=ROOT, env=dict(os.environ, **env), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    assert len(list(tmp_path.iterdir())) == 3 and "Exported" in run.stdout
