"""AppTest fixtures: a migrated SQLite database with two sites and one user per role."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session
from streamlit.testing.v1 import AppTest

from registry.auth import SYSTEM_ACTOR, create_user
from registry.db import make_engine, migrate
from registry.models import Product, Site, UserCreate
from registry.models.enums import ProductOrigin

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
USERS = {
    "clinician.mow": ("site_clinician", 1),
    "clinician.spb": ("site_clinician", 2),
    "leader": ("leadership", None),
    "economist": ("economist", None),
    "datamanager": ("data_manager", None),
}


@pytest.fixture
def portal_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    engine = make_engine(url)
    migrate(engine)
    with Session(engine) as session:
        session.add_all([
            Site(code="MOW-01", name="NMRC for Hematology", city="Moscow", region="Moscow"),
            Site(code="SPB-01", name="Almazov Centre", city="Saint Petersburg",
                 region="Saint Petersburg"),
            Product(code="KYMRIAH", name="Kymriah", manufacturer="Novartis",
                    origin=ProductOrigin.imported, list_price=39e6,
                    price_effective_date=date(2022, 1, 1)),
        ])
        session.commit()
        for username, (role, site_id) in USERS.items():
            create_user(session=session, actor=SYSTEM_ACTOR, data=UserCreate(
                username=username, role=role, site_id=site_id, password=PASSWORD))
    engine.dispose()
    monkeypatch.setenv("REGISTRY_DATABASE_URL", url)
    yield url


def app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)


def log_in(at: AppTest, username: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="login_username").set_value(username)
    at.text_input(key="login_password").set_value(password)
    at.button[0].click()
    return at.run()
