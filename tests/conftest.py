"""Fixtures: a fresh database per test on SQLite and (when configured) PostgreSQL.

`REGISTRY_TEST_POSTGRES_URL` (e.g. postgresql://postgres@127.0.0.1:5432/postgres) names a
server; each test run creates its own database there and drops it at the end, so runs
never collide. With `REGISTRY_REQUIRE_POSTGRES=1` (CI) a missing server fails the run
instead of skipping the PostgreSQL half.
"""

from __future__ import annotations

import dataclasses
import os
import secrets
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, SQLModel

os.environ.setdefault("REGISTRY_HMAC_KEY", secrets.token_hex(32))
os.environ["REGISTRY_DEMO"] = "0"

from registry.auth import SYSTEM_ACTOR, Actor  # noqa: E402
from registry.db import make_engine, migrate  # noqa: E402
from registry.models import Product, Site  # noqa: E402
from registry.models.enums import ProductOrigin, Role  # noqa: E402

POSTGRES_URL = os.environ.get("REGISTRY_TEST_POSTGRES_URL")
REQUIRE_POSTGRES = os.environ.get("REGISTRY_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for every test (migrating each time is slow)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate(engine)
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A database of this run's own on the PostgreSQL server, migrated; dropped at the end."""
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("REGISTRY_REQUIRE_POSTGRES=1 but REGISTRY_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL tests need REGISTRY_TEST_POSTGRES_URL")
    name = f"registry_test_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # the server is down or refuses: say so plainly
        if REQUIRE_POSTGRES:
            pytest.fail(f"cannot create a test database on {POSTGRES_URL}: {exc}")
        pytest.skip(f"PostgreSQL at {POSTGRES_URL} unavailable: {exc}")
    url = make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _truncate_all(engine: Engine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh, migrated, empty database for one test."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        path = tmp_path / "registry.db"
        shutil.copy(template, path)
        eng = make_engine(f"sqlite:///{path}")
        yield eng
        eng.dispose()
    else:
        url = request.getfixturevalue("postgres_database")
        eng = make_engine(url)
        _truncate_all(eng)
        yield eng
        eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as s:
        yield s


@pytest.fixture
def sites(session: Session) -> tuple[Site, Site]:
    a = Site(code="MOW-01", name="NMRC for Hematology", city="Moscow", region="Moscow",
             is_treating_centre=True)
    b = Site(code="SPB-01", name="St Petersburg centre", city="Saint Petersburg",
             region="Saint Petersburg", is_treating_centre=True)
    session.add_all([a, b])
    session.commit()
    return a, b


@pytest.fixture
def products(session: Session) -> tuple[Product, Product]:
    imported = Product(code="KYMRIAH", name="Kymriah (tisagenlecleucel)", manufacturer="Novartis",
                       origin=ProductOrigin.imported, list_price=39_000_000,
                       price_effective_date=date(2022, 1, 1), dose_min_cells=1e7,
                       dose_max_cells=6e8)
    domestic = Product(code="NMRC-CD19", name="NMRC anti-CD19 CAR-T", manufacturer="NMRC",
                       origin=ProductOrigin.domestic, list_price=15_000_000,
                       price_effective_date=date(2024, 11, 1), is_scenario=True)
    session.add_all([imported, domestic])
    session.commit()
    return imported, domestic


@pytest.fixture
def clinician_a(sites: tuple[Site, Site]) -> Actor:
    return Actor(user_id=None, username="ivanova", role=Role.site_clinician, site_id=sites[0].id)


@pytest.fixture
def clinician_b(sites: tuple[Site, Site]) -> Actor:
    return Actor(user_id=None, username="petrov", role=Role.site_clinician, site_id=sites[1].id)


@pytest.fixture
def data_manager() -> Actor:
    return Actor(user_id=None, username="dm", role=Role.data_manager)


@pytest.fixture
def leadership() -> Actor:
    return Actor(user_id=None, username="lead", role=Role.leadership)


@pytest.fixture
def economist() -> Actor:
    return Actor(user_id=None, username="econ", role=Role.economist)


@pytest.fixture
def system() -> Actor:
    return SYSTEM_ACTOR


@contextmanager
def fresh_database(backend: str, folder: Path, label: str) -> Iterator[str]:
    """The URL of a new, empty database: a SQLite file in `folder`, or a PostgreSQL database
    created on REGISTRY_TEST_POSTGRES_URL's server and dropped afterwards (skipped without the
    server, failed instead with REGISTRY_REQUIRE_POSTGRES=1)."""
    if backend == "sqlite":
        yield f"sqlite:///{folder / f'{label}.db'}"
        return
    if not POSTGRES_URL:
        if REQUIRE_POSTGRES:
            pytest.fail("REGISTRY_REQUIRE_POSTGRES=1 but REGISTRY_TEST_POSTGRES_URL is unset")
        pytest.skip("PostgreSQL tests need REGISTRY_TEST_POSTGRES_URL")
    name = f"registry_{label}_{uuid.uuid4().hex[:12]}"
    admin = make_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        yield make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def seeded_engine(backend: str, folder: Path, *, patients: int, seed: int,
                  as_of: date) -> Iterator[Engine]:
    """A database of its own (`fresh_database`) with a synthetic cohort; for module-scoped
    fixtures of aggregate tests."""
    from registry.seed import seed_synthetic

    with fresh_database(backend, folder, "seeded") as url:
        engine = make_engine(url)
        try:
            migrate(engine)
            seed_synthetic(engine, patients=patients, seed=seed, as_of=as_of)
            yield engine
        finally:
            engine.dispose()


def dataframes(*views: object) -> Iterator[tuple[str, pd.DataFrame]]:
    """(field name, frame) of every DataFrame field of the given dataclass results."""
    for view in views:
        for field in dataclasses.fields(view):  # type: ignore[arg-type]
            value = getattr(view, field.name)
            if isinstance(value, pd.DataFrame):
                yield field.name, value
