"""Regression guard, timing nothing: one site's pages never read every site's follow-ups.

A site clinician's worklist and a site-filtered analysis dataset must find the site's rows
through an index, or they slow down with the size of the whole registry rather than of the
site. The statements they issue are captured (SQLAlchemy's ``before_cursor_execute``) and
explained with their own parameters on a small seeded, ANALYZEd cohort:

- PostgreSQL, with ``enable_seqscan = off``: the planner then avoids a sequential scan
  wherever an index can serve, so a ``Seq Scan`` on ``followup`` or ``treatmentepisode`` means
  no index can; an ``Index Scan`` without an index condition (every row, through an index) is
  the same full read in disguise and fails too;
- SQLite: ``SCAN followup`` (a full scan) instead of ``SEARCH followup USING INDEX``.

A failure names the statement, its parameters and its plan. Whether the estimators agree with
lifelines and scikit-survival on tied, heavily censored data is tests/analysis/test_cross_check.py.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.engine import Engine
from sqlmodel import Session

from registry.analysis import build_dataset
from registry.auth import SYSTEM_ACTOR, Actor
from registry.models.enums import Role
from registry.schedule import list_expected_forms
from registry.services.worklist import get_worklist
from tests.conftest import seeded_engine

AS_OF = date(2026, 11, 1)
SITE = 1
GUARDED = ("followup", "treatmentepisode")
CLINICIAN = Actor(user_id=None, username="ivanova", role=Role.site_clinician, site_id=SITE)
DATA_MANAGER = Actor(user_id=None, username="dm", role=Role.data_manager)


@pytest.fixture(scope="module",
                params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    """500 synthetic patients over twelve sites, with planner statistics."""
    with seeded_engine(request.param, tmp_path_factory.mktemp("plans"), patients=500, seed=1,
                       as_of=AS_OF) as eng:
        with eng.begin() as conn:
            conn.execute(text("ANALYZE"))
        yield eng


@dataclass(frozen=True)
class Statement:
    sql: str
    parameters: Any


def captured(engine: Engine, call: Callable[[Session], object]) -> list[Statement]:
    """The SELECT statements `call` sends to the database, with their parameters."""
    seen: list[Statement] = []

    def grab(_conn: Any, _cursor: Any, sql: str, parameters: Any, _context: Any,
             _many: bool) -> None:
        if sql.lstrip().upper().startswith("SELECT"):
            seen.append(Statement(sql, parameters))

    event.listen(engine, "before_cursor_execute", grab)
    try:
        with Session(engine) as session:
            call(session)
    finally:
        event.remove(engine, "before_cursor_execute", grab)
    return seen


def _postgres_full_reads(node: dict[str, Any]) -> Iterator[str]:
    relation, kind = node.get("Relation Name"), node["Node Type"]
    if relation in GUARDED:
        if kind == "Seq Scan":
            yield f"Seq Scan on {relation}"
        elif kind in ("Index Scan", "Index Only Scan") and "Index Cond" not in node:
            yield f"{kind} on {relation} using {node['Index Name']} without an index condition"
    for child in node.get("Plans", []):
        yield from _postgres_full_reads(child)


def full_reads(engine: Engine, statement: Statement) -> tuple[list[str], str]:
    """Full reads of a guarded table in the statement's plan, and the plan as text."""
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SET enable_seqscan = off")
            plan = conn.exec_driver_sql("EXPLAIN " + statement.sql, statement.parameters)
            shown = "\n".join(row[0] for row in plan)
            tree = conn.exec_driver_sql("EXPLAIN (FORMAT JSON) " + statement.sql,
                                        statement.parameters).scalar_one()
            tree = json.loads(tree) if isinstance(tree, str) else tree
            problems = list(_postgres_full_reads(tree[0]["Plan"]))
            conn.rollback()
            return problems, shown
        rows = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement.sql,
                                    statement.parameters).all()
    details = [str(row[-1]) for row in rows]
    pattern = re.compile(rf"^SCAN ({'|'.join(GUARDED)})\b")
    return [d for d in details if pattern.match(d)], "\n".join(details)


def assert_no_full_reads(engine: Engine, statements: list[Statement]) -> None:
    failures = []
    for statement in statements:
        problems, plan = full_reads(engine, statement)
        if problems:
            failures.append(f"{'; '.join(problems)} in\n{statement.sql}\nparameters: "
                            f"{statement.parameters!r}\nplan ({engine.dialect.name}):\n{plan}")
    assert not failures, "\n\n".join(failures)


def _reads(statements: list[Statement], table: str) -> bool:
    return any(re.search(rf"\bFROM {table}\b", s.sql) for s in statements)


def test_the_guard_sees_a_full_read_of_followup(engine: Engine) -> None:
    # comments has no index: whatever the planner does, it reads every follow-up row
    statement = Statement("SELECT id FROM followup WHERE comments = 'never'", {}
                          if engine.dialect.name == "postgresql" else ())
    problems, plan = full_reads(engine, statement)
    assert problems, plan
    assert "followup" in problems[0]


def test_worklist_of_one_site_reads_that_sites_rows_by_index(engine: Engine) -> None:
    statements = captured(
        engine, lambda s: get_worklist(session=s, actor=CLINICIAN, as_of=AS_OF))
    assert _reads(statements, "followup") and _reads(statements, "treatmentepisode")
    assert_no_full_reads(engine, statements)


@pytest.mark.parametrize("actor", [CLINICIAN, DATA_MANAGER], ids=["clinician", "data_manager"])
def test_expected_forms_of_one_site_read_that_sites_rows_by_index(engine: Engine,
                                                                  actor: Actor) -> None:
    site_id = None if actor.role == Role.site_clinician else SITE
    statements = captured(engine, lambda s: list_expected_forms(
        session=s, actor=actor, as_of=AS_OF, site_id=site_id))
    assert _reads(statements, "followup") and _reads(statements, "treatmentepisode")
    assert_no_full_reads(engine, statements)


@pytest.mark.parametrize("actor", [CLINICIAN, SYSTEM_ACTOR], ids=["clinician", "system"])
@pytest.mark.parametrize("endpoint", ["os", "dor"])
def test_site_dataset_reads_that_sites_followups_by_index(
        engine: Engine, actor: Actor, endpoint: str) -> None:
    statements = captured(engine, lambda s: build_dataset(
        session=s, actor=actor, endpoint=endpoint, as_of=AS_OF, site_ids=[SITE]))
    assert _reads(statements, "followup") and _reads(statements, "treatmentepisode")
    assert_no_full_reads(engine, statements)
