"""AppTest fixtures: a migrated SQLite database with two sites and one user per role."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, SQLModel, func, select
from streamlit.testing.v1 import AppTest

from pages.ui.launch import pin_router
from registry.auth import SYSTEM_ACTOR, Actor, create_user
from registry.db import make_engine, migrate
from registry.models import Product, Site, User, UserCreate
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


def fill_portal_db(url: str) -> None:
    """Migrate the database at `url` and give it two sites, a product and one user per role
    (`USERS`, password `PASSWORD`)."""
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


@pytest.fixture
def portal_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    fill_portal_db(url)
    monkeypatch.setenv("REGISTRY_DATABASE_URL", url)
    yield url


def app() -> AppTest:
    return AppTest.from_file(str(ROOT / "app.py"), default_timeout=30)


def log_in(at: AppTest, username: str, password: str = PASSWORD) -> AppTest:
    at.text_input(key="login_username").set_value(username)
    at.text_input(key="login_password").set_value(password)
    at.button[0].click()
    return at.run()


# ---- helpers for the page tests of a logged-in user ------------------------------------------


class Portal:
    """The `portal_db` database seen from a test: real users, sessions, row counts, AppTests."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)

    def session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def user(self, username: str) -> User:
        with self.session() as session:
            return session.exec(select(User).where(User.username == username)).one()

    def actor(self, username: str, language: str = "ru") -> Actor:
        """The Actor of a portal_db user, with its real user id (so audit names them)."""
        u = self.user(username)
        return Actor(u.id, u.username, u.role, u.site_id, language)

    def product_id(self, code: str = "KYMRIAH") -> int:
        with self.session() as session:
            product = session.exec(select(Product).where(Product.code == code)).one()
            assert product.id is not None
            return product.id

    def count(self, model: type[SQLModel]) -> int:
        with self.session() as session:
            return int(session.exec(select(func.count()).select_from(model)).one())

    def open(self, username: str, page: str | None = None, *, patient_id: int | None = None,
             language: str = "ru") -> AppTest:
        """An AppTest logged in as `username`, on `page` ("followup" -> pages/followup.py).

        Russian (the default language) unless told: AppTest evaluates a selectbox's
        format_func outside the script run, where the session's language is not readable,
        so labels translated by `format_func` only match in the default language.
        """
        at = app()
        at.session_state["actor"] = self.actor(username, language)
        if patient_id is not None:
            at.session_state["patient_id"] = patient_id
        at.run()
        if page is not None:
            at.switch_page(f"pages/{page}.py").run()
        return at


@pytest.fixture
def portal(portal_db: str) -> Iterator[Portal]:
    env = Portal(portal_db)
    yield env
    env.engine.dispose()


def submit(at: AppTest, form: str) -> AppTest:
    """Click the submit button of `st.form(form)` and rerun."""
    buttons = [b for b in at.button if b.form_id == form]
    assert len(buttons) == 1, f"one submit button in form {form!r}, found {len(buttons)}"
    buttons[0].click()
    return at.run()


def _siblings_after(block: Any, key: str) -> list[Any] | None:
    children = getattr(block, "children", None) or {}
    items = [children[i] for i in sorted(children)]
    for index, child in enumerate(items):
        if getattr(child, "key", None) == key:
            return items[index + 1:]
        found = _siblings_after(child, key)
        if found is not None:
            return found
    return None


def messages_under(at: AppTest, key: str) -> list[str]:
    """The markdown texts right under the widget `key` (in its own container), in order."""
    after = _siblings_after(at.main, key)
    assert after is not None, f"no widget with key {key!r} on the page"
    texts = []
    for node in after:
        if getattr(node, "type", None) != "markdown":
            break
        texts.append(read(node))
    return texts


_MARKDOWN_ELEMENTS = frozenset({"markdown", "error", "warning", "info", "success"})
_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")  # CommonMark: a backslash before ASCII punctuation


def read(element: Any) -> str:
    """An element's text as the user reads it: the backslash escapes of markdown and of the
    alert boxes, which render markdown (`pages.ui.text.md_literal`), undone as the browser
    does; other elements (`st.text`, tables) as they are."""
    value = str(element.value)
    rendered = getattr(element, "type", None) in _MARKDOWN_ELEMENTS
    return _ESCAPED.sub(r"\1", value) if rendered else value


def texts(elements: Any) -> list[str]:
    return [read(e) for e in elements]


@pytest.fixture(autouse=True)
def steady_router() -> None:
    """Every AppTest run goes through app.py's router, as on the served portal.

    Streamlit decides per process whether an app uses the legacy `pages/` folder (ours is
    named `pages`), and AppTest resets that decision before every run. The portal is started
    through `pages.ui.launch`, whose `pin_router` makes Streamlit always run app.py; the page
    tests apply the same pin, so they see what a browser sees (see test_router.py).
    """
    pin_router()
