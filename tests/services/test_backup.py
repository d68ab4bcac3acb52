"""Backup and restore (registry/backup.py) on SQLite and PostgreSQL, and their verification.

A synthetic cohort (100 patients, seed 1) is backed up once per backend; every test restores
it into an empty database of its own. Row counts are checked against plain ``count(*)``
queries and rows against plain SQL reads, not against the digests under test; the content
hash is checked to be the same on both backends for the same rows.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, MetaData, Table, insert, inspect, text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from registry.backup import (
    _libpq,
    backup_cli,
    backup_database,
    restore_cli,
    restore_database,
)
from registry.backup_manifest import (
    Manifest,
    Mismatch,
    canonical_value,
    manifest_path,
    table_digests,
    verify_database,
)
from registry.db import alembic_config, make_engine, migrate
from registry.errors import InvalidInput, RegistryError
from registry.seed import seed_synthetic
from tests.conftest import fresh_database

# PostgreSQL: creating, seeding and dropping databases takes tens of seconds.
BACKENDS = ["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.slow])]


def counts(engine: Engine) -> dict[str, int]:
    """Rows per table by plain count(*), independently of the digests."""
    with engine.connect() as conn:
        return {name: int(conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one())
                for name in sorted(inspect(conn).get_table_names())}


def patients(engine: Engine) -> list[tuple[Any, ...]]:
    with engine.connect() as conn:
        return [tuple(row) for row in conn.execute(text(
            "SELECT id, registry_id, identity_hash, birth_year, diagnosis_date, "
            "marrow_blasts_pct, prior_auto_hsct FROM patient ORDER BY id"))]


@dataclass
class Source:
    backend: str
    engine: Engine
    path: Path
    manifest: Manifest
    seeded: dict[str, Any]


@pytest.fixture(scope="module", params=BACKENDS)
def source(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Source]:
    """A seeded database and its backup, made once per backend."""
    folder = tmp_path_factory.mktemp(f"backup_{request.param}")
    with fresh_database(request.param, folder, "source") as url:
        engine = make_engine(url)
        migrate(engine)
        seeded = seed_synthetic(engine, patients=100, seed=1)
        path = folder / "registry.backup"
        manifest = backup_database(engine, path)
        yield Source(request.param, engine, path, manifest, seeded)
        engine.dispose()


@pytest.fixture(scope="module")
def target_url(source: Source, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with fresh_database(source.backend, tmp_path_factory.mktemp("target"), "target") as url:
        yield url


@pytest.fixture
def target(source: Source, target_url: str, tmp_path: Path) -> Iterator[Engine]:
    """An empty database (no tables) of the source's backend, fresh for each test."""
    if source.backend == "sqlite":
        engine = make_engine(f"sqlite:///{tmp_path / 'target.db'}")
    else:
        engine = make_engine(target_url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    yield engine
    engine.dispose()


def copy_backup(source: Source, folder: Path) -> Path:
    copy = folder / "copy.backup"
    shutil.copy(source.path, copy)
    shutil.copy(manifest_path(source.path), manifest_path(copy))
    return copy


# ---- the backup and its manifest --------------------------------------------------------------


def test_manifest_counts_every_row_and_checksums_the_file(source: Source) -> None:
    manifest = source.manifest
    assert manifest_path(source.path).read_text("utf-8") == manifest.to_json()
    assert Manifest.from_json(manifest.to_json()) == manifest
    assert {name: d.rows for name, d in manifest.tables.items()} == counts(source.engine)
    assert manifest.tables["patient"].rows == 100
    for table in ("followup", "adverseevent", "death", "resourceuse"):
        assert manifest.tables[table].rows == source.seeded[table]
    assert manifest.file_sha256 == hashlib.sha256(source.path.read_bytes()).hexdigest()
    assert manifest.file_bytes == source.path.stat().st_size
    head = ScriptDirectory.from_config(alembic_config(source.engine)).get_current_head()
    assert manifest.schema_revision == head
    assert manifest.backend == ("sqlite" if source.backend == "sqlite" else "postgresql")


def test_manifest_records_the_intact_audit_chain(source: Source) -> None:
    chain = source.manifest.audit_chain
    assert chain is not None and chain.ok
    assert chain.checked == counts(source.engine)["auditevent"] > 0


def test_backup_files_are_private(source: Source) -> None:
    for path in (source.path, manifest_path(source.path)):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path


def test_backup_never_overwrites_a_file(source: Source) -> None:
    before = source.path.read_bytes()
    with pytest.raises(InvalidInput) as caught:
        backup_database(source.engine, source.path)
    assert caught.value.errors[0].field == "path"
    assert caught.value.errors[0].code == "backup.exists"
    assert source.path.read_bytes() == before


# ---- restore and verify -----------------------------------------------------------------------


def test_round_trip_restores_every_row(source: Source, target: Engine) -> None:
    migrate(target)  # as the command line leaves it: migrated, empty
    report = restore_database(target, source.path)
    assert report.ok, report.message
    assert report.mismatches == ()
    assert report.audit_chain is not None and report.audit_chain.ok
    assert counts(target) == counts(source.engine)
    assert patients(target) == patients(source.engine)
    with target.connect() as conn:
        assert table_digests(conn) == source.manifest.tables


def test_verify_names_the_table_of_a_changed_row(source: Source, target: Engine) -> None:
    restore_database(target, source.path)
    with target.begin() as conn:
        conn.execute(text("UPDATE patient SET birth_year = birth_year + 1 WHERE id = "
                          "(SELECT min(id) FROM patient)"))
    report = verify_database(target, source.manifest)
    assert not report.ok
    assert report.mismatches == (Mismatch("patient", "content", 100, 100),)
    assert "patient: content differs" in report.message
    with target.begin() as conn:
        conn.execute(text("DELETE FROM resourceuse WHERE id = (SELECT max(id) FROM resourceuse)"))
    rows = source.manifest.tables["resourceuse"].rows
    assert verify_database(target, source.manifest).mismatches == (
        Mismatch("patient", "content", 100, 100), Mismatch("resourceuse", "rows", rows, rows - 1))


def test_verify_sees_a_rewritten_audit_event(source: Source, target: Engine) -> None:
    restore_database(target, source.path)
    with target.begin() as conn:
        conn.execute(text("UPDATE auditevent SET reason = 'rewritten' WHERE id = 1"))
    report = verify_database(target, source.manifest)
    assert [m.table for m in report.mismatches] == ["auditevent"]
    assert report.audit_chain is not None and not report.audit_chain.ok
    assert "altered" in report.audit_chain.message


def test_restore_refuses_a_target_with_data_unless_forced(source: Source,
                                                          target: Engine) -> None:
    restore_database(target, source.path)
    with target.begin() as conn:
        conn.execute(text("UPDATE patient SET birth_year = 1900 WHERE id = "
                          "(SELECT min(id) FROM patient)"))
    changed = patients(target)
    with pytest.raises(RegistryError) as caught:
        restore_database(target, source.path)
    assert caught.value.code == "backup.not_empty"
    assert caught.value.params["rows"] == sum(counts(target).values()) - 2  # bookkeeping
    assert patients(target) == changed, "a refused restore changes nothing"
    report = restore_database(target, source.path, force=True)
    assert report.ok, report.message
    assert patients(target) == patients(source.engine)


def test_restore_refuses_a_damaged_backup(source: Source, target: Engine,
                                          tmp_path: Path) -> None:
    copy = copy_backup(source, tmp_path)
    data = bytearray(copy.read_bytes())
    data[len(data) // 2] ^= 0xFF
    copy.write_bytes(bytes(data))
    with pytest.raises(InvalidInput) as caught:
        restore_database(target, copy)
    assert caught.value.errors[0].code == "backup.file_altered"
    assert counts(target) == {}


def test_restore_needs_the_manifest(source: Source, target: Engine, tmp_path: Path) -> None:
    copy = copy_backup(source, tmp_path)
    manifest_path(copy).unlink()
    with pytest.raises(InvalidInput) as caught:
        restore_database(target, copy)
    assert caught.value.errors[0].code == "backup.manifest_missing"
    assert caught.value.errors[0].params["path"] == str(manifest_path(copy))


# ---- command line -----------------------------------------------------------------------------


def test_cli_backs_up_restores_and_reports(source: Source, target: Engine,
                                           tmp_path: Path) -> None:
    out, err = StringIO(), StringIO()
    path = tmp_path / "cli.backup"
    assert backup_cli(source.engine, path, out=out, err=err) == 0, err.getvalue()
    assert "Backed up" in out.getvalue() and "HMAC key" in out.getvalue()
    assert backup_cli(source.engine, path, out=out, err=err) == 2
    assert "exists already" in err.getvalue()
    out, err = StringIO(), StringIO()
    assert restore_cli(target, path, force=False, out=out, err=err) == 0, err.getvalue()
    assert "all match the manifest" in out.getvalue()
    assert restore_cli(target, path, force=False, out=out, err=err) == 2
    assert "--force" in err.getvalue()


def test_cli_lists_the_tables_that_do_not_match(source: Source, target: Engine,
                                                tmp_path: Path) -> None:
    copy = copy_backup(source, tmp_path)
    data = json.loads(manifest_path(copy).read_text("utf-8"))
    data["tables"]["site"]["sha256"] = "0" * 64  # the manifest no longer fits the file
    manifest_path(copy).write_text(json.dumps(data), "utf-8")
    out, err = StringIO(), StringIO()
    assert restore_cli(target, copy, force=False, out=out, err=err) == 1
    assert "site: content differs" in out.getvalue()
    assert "does not match" in err.getvalue()


def test_the_password_goes_in_the_environment_not_the_command_line() -> None:
    engine = make_engine("postgresql://bob:s3cr%40t@db.example:5433/reg?sslmode=require")
    uri, env = _libpq(engine)
    assert uri == "postgresql://bob@db.example:5433/reg?sslmode=require"
    assert env["PGPASSWORD"] == "s3cr@t"
    engine.dispose()


# ---- the canonical content hash ---------------------------------------------------------------


def test_canonical_values_ignore_representation() -> None:
    msk = timezone(timedelta(hours=3))
    assert canonical_value(datetime(2026, 1, 2, 12, 0, tzinfo=msk)) == canonical_value(
        datetime(2026, 1, 2, 9, 0))  # naive means UTC, as SQLite stores it
    assert canonical_value(True) == canonical_value(1) == 1
    assert canonical_value(0.1 + 0.2) == "0.30000000000000004"
    assert canonical_value(5, JSON()) == "5"
    assert canonical_value({"b": [1, 2.5], "a": "ё"}, JSON()) == '{"a":"ё","b":[1,2.5]}'
    assert canonical_value(date(2026, 3, 1)) == "2026-03-01"


FIXED_AT = datetime(2026, 5, 17, 10, 30, 15, 123456, tzinfo=UTC)


def _fixed_rows() -> dict[str, list[dict[str, Any]]]:
    stamp = {"created_at": FIXED_AT, "updated_at": FIXED_AT, "version": 1}
    return {
        "site": [
            {"id": 1, "code": "MOW-01", "name": "НМИЦ гематологии", "city": "Москва",
             "region": "Москва", "is_treating_centre": True, **stamp},
            {"id": 2, "code": "SPB-01", "name": "Almazov", "city": "Saint Petersburg",
             "region": "Saint Petersburg", "is_treating_centre": False, **stamp},
        ],
        "product": [
            {"id": 1, "code": "KYMRIAH", "name": "Kymriah", "manufacturer": "Novartis",
             "origin": "imported", "costimulatory_domain": "4-1BB", "list_price": 39e6,
             "currency": "RUB", "price_effective_date": date(2022, 1, 1),
             "dose_min_cells": 0.1 + 0.2, "dose_max_cells": None, "is_scenario": False,
             **stamp},
        ],
        "savedcohort": [
            {"id": 1, "name": "B-ALL", "definition": {"z": [1, 2.5], "a": {"ё": None}},
             "definition_sha256": "0" * 64, "created_by": "econ", "archived": True, **stamp},
        ],
    }


def _insert_fixed(engine: Engine, *, reverse: bool = False) -> None:
    tables = SQLModel.metadata.tables
    with engine.begin() as conn:
        for name, rows in _fixed_rows().items():
            conn.execute(insert(tables[name]), rows[::-1] if reverse else rows)


@pytest.mark.postgres
@pytest.mark.slow
def test_the_same_rows_hash_alike_on_sqlite_and_postgresql(tmp_path: Path) -> None:
    digests = []
    for backend, reverse in (("sqlite", False), ("sqlite", True), ("postgres", False)):
        with fresh_database(backend, tmp_path, f"canon{len(digests)}") as url:
            engine = make_engine(url)
            migrate(engine)
            _insert_fixed(engine, reverse=reverse)
            with engine.connect() as conn:
                digests.append(table_digests(conn))
            engine.dispose()
    assert digests[0] == digests[1], "physical row order does not matter"
    assert digests[0] == digests[2], "SQLite and PostgreSQL agree"
    assert digests[0]["site"].rows == 2


def test_a_table_hash_changes_with_any_value(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'h.db'}")
    migrate(engine)
    _insert_fixed(engine)
    with engine.connect() as conn:
        before = table_digests(conn)
    site = Table("site", MetaData(), autoload_with=engine)
    with engine.begin() as conn:
        conn.execute(site.update().where(site.c.id == 2).values(is_treating_centre=True))
    with engine.connect() as conn:
        after = table_digests(conn)
    engine.dispose()
    assert after["site"] != before["site"] and after["site"].rows == 2
    assert {k: v for k, v in after.items() if k != "site"} == {
        k: v for k, v in before.items() if k != "site"}
