"""The catalogue: every entry in both languages with the same placeholders; every key that
a page asks for exists."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest

from registry.errors import FieldError
from registry.i18n import CATALOGUE, LANGUAGES, error_text, format_date, t

ROOT = Path(__file__).resolve().parents[2]


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_entry_has_both_languages_and_same_placeholders(key: str) -> None:
    entry = CATALOGUE[key]
    assert set(entry) == set(LANGUAGES)
    assert all(entry[lang].strip() for lang in LANGUAGES)
    assert _placeholders(entry["ru"]) == _placeholders(entry["en"])


def test_every_key_used_by_pages_exists() -> None:
    used: set[str] = set()
    for path in [*sorted((ROOT / "pages").rglob("*.py")), ROOT / "app.py"]:
        used |= set(re.findall(r"""\btr\(\s*["']([\w.\-]+)["']""", path.read_text("utf-8")))
    assert used, "pages use the catalogue"
    prefixes = {k for k in used if k.endswith(".")}  # tr("event." + kind): a family of keys
    assert sorted(used - prefixes - set(CATALOGUE)) == []
    assert [p for p in sorted(prefixes) if not any(k.startswith(p) for k in CATALOGUE)] == []


def test_russian_is_the_default_and_errors_translate() -> None:
    assert t("login.submit") == "Войти"
    error = FieldError("consent_date", "01.01.2030 is after today (25.11.2026)",
                       code="date.future", params={"value": "01.01.2030"})
    assert error_text(error, "ru") == "01.01.2030 — дата в будущем"
    assert error_text(error, "en") == "01.01.2030 is in the future"
    plain = FieldError("x", "no code here")
    assert error_text(plain, "ru") == "no code here"


def test_dates_are_day_month_year() -> None:
    from datetime import date

    assert format_date(date(2026, 3, 1)) == "01.03.2026"
