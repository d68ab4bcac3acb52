"""Running the data-quality rules: on demand (data managers) and after a write (the system).

Each finding becomes one open `DataQuery` on the record's field, for the record's site
(``DUP-ID``: for the data managers only), raised by the actor and audited like any other
created row. A finding is never raised twice: it is skipped when a query with the same
``(rule_id, table_name, row_id)`` already exists and is

- ``open`` or ``answered``: the site or the data manager is working on it (``already_open``);
- ``closed``: the data manager closed it, accepting the value as it is or the answer given
  (``closed``). A closed query is not raised again while the finding stays; to have a rule
  raise it afresh, re-open the query (`registry.services.queries.set_query_status`).

Concurrent runs are not serialised: two runs at the same instant may both raise a finding
that neither saw (``DataQuery`` has no unique key on the finding).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col

from registry.auth import SYSTEM_ACTOR, Actor, require
from registry.errors import InvalidInput
from registry.models import (
    AdverseEvent,
    DataQuery,
    Death,
    FollowUp,
    Patient,
    TreatmentEpisode,
)
from registry.models.base import utcnow
from registry.models.enums import AuditAction, QueryStatus
from registry.quality.rules import RULES, Finding, Rule, Scope
from registry.services.audit import record_audit, snapshot

Key = tuple[str, str, int]  # (rule_id, table_name, row_id)


@dataclass(frozen=True)
class RuleTally:
    """What one rule found in a run and what became of it."""

    found: int = 0
    raised: int = 0
    already_open: int = 0
    closed: int = 0


@dataclass(frozen=True)
class RunResult:
    """The outcome of a run.

    Attributes
    ----------
    found : int
        Findings, each counted once.
    raised : int
        New open queries created (``found - already_open - closed``).
    already_open : int
        Findings that match an open or answered query (not raised again).
    closed : int
        Findings that match a closed query (accepted by a data manager; not raised again).
    by_rule : dict of str to RuleTally
        The same counts per rule id, for every rule that ran.
    query_ids : tuple of int
        Ids of the queries raised, in rule order.
    """

    found: int
    raised: int
    already_open: int
    closed: int
    by_rule: dict[str, RuleTally]
    query_ids: tuple[int, ...]


def rules_for_table(table_name: str) -> tuple[Rule, ...]:
    """The rules a write to `table_name` can make or unmake a finding of (may be empty).

    Examples
    --------
    >>> [rule.id for rule in rules_for_table("death")]
    ['DQ03', 'DQ04']
    """
    return tuple(rule for rule in RULES if table_name in rule.tables)


def run_rules(
    *,
    session: Session,
    actor: Actor,
    rule_ids: Iterable[str] | None = None,
    episode_ids: Iterable[int] | None = None,
    patient_ids: Iterable[int] | None = None,
    as_of: date | None = None,
) -> RunResult:
    """Run data-quality rules and raise one query per new finding (data managers, system).

    Parameters
    ----------
    rule_ids : iterable of str, optional
        Rules to run (default: all of `RULES`).
    episode_ids, patient_ids : iterable of int, optional
        Look only at these episodes / patients (and their records); both given: both hold.
    as_of : date, optional
        The day time-dependent rules (DQ04, D28 overdue) judge on; default today (UTC).

    Returns
    -------
    RunResult
        Counts of findings, raised queries and findings already queried, overall and per rule.

    Raises
    ------
    PermissionDenied
        The actor may not raise queries (only data managers and the system may).
    InvalidInput
        An unknown rule id, or an id that is not an integer.

    Examples
    --------
    >>> result = run_rules(session=session, actor=data_manager)  # doctest: +SKIP
    >>> result.raised, result.by_rule["DQ01"].already_open  # doctest: +SKIP
    (3, 1)
    """
    require(actor, "query:raise")
    rules = _chosen(rule_ids)
    scope = Scope(
        as_of=as_of or utcnow().date(),
        episode_ids=_ids("episode_ids", episode_ids),
        patient_ids=_ids("patient_ids", patient_ids),
    )
    result = _run(session, actor, rules, scope)
    session.commit()
    return result


def check_after_write(
    session: Session, table_name: str, row_ids: Iterable[int], *, as_of: date | None = None
) -> RunResult:
    """Run the write-time rules concerning `table_name` on the patients of the rows written.

    Called by the services as the system actor, after their write and before their
    commit: the queries it raises commit (or roll back) with the write. Rules that time
    rather than a write makes true (``on_write=False``, DQ04) are left to `run_rules`.
    Tables no rule concerns cost nothing.

    Parameters
    ----------
    table_name : str
        The table written (``followup``, ``treatmentepisode``, ... see `WRITE_TABLES`).
    row_ids : iterable of int
        Ids of the rows written (inserted or updated).
    as_of : date, optional
        Default today (UTC); no write-time rule depends on it today.

    Returns
    -------
    RunResult
        As `run_rules`; ``by_rule`` lists the rules that ran.

    Raises
    ------
    InvalidInput
        A row id that is not an integer, or a table some rule concerns but this module
        cannot map to patients (a new rule's table not yet in `WRITE_TABLES`).
    """
    rules = tuple(rule for rule in rules_for_table(table_name) if rule.on_write)
    ids = _ids("row_ids", row_ids) or frozenset()
    if not rules or not ids:
        return _empty(rules)
    patients = frozenset(
        int(pid) for pid in session.execute(_patients_of(table_name, ids)).scalars()
    )
    scope = Scope(as_of=as_of or utcnow().date(), patient_ids=patients)
    return _run(session, SYSTEM_ACTOR, rules, scope)


def _patients_of(table_name: str, ids: frozenset[int]) -> sa.Select[*tuple[Any, ...]]:
    """SELECT the patient ids of rows of `table_name` (a product: its infused patients)."""
    wanted = sorted(ids)
    te = TreatmentEpisode
    if table_name == "patient":
        return sa.select(col(Patient.id)).where(col(Patient.id).in_(wanted))
    if table_name == "treatmentepisode":
        return sa.select(col(te.patient_id)).where(col(te.id).in_(wanted))
    if table_name == "product":
        return sa.select(col(te.patient_id)).where(col(te.product_id).in_(wanted))
    if table_name == "death":
        return sa.select(col(Death.patient_id)).where(col(Death.id).in_(wanted))
    if table_name in ("followup", "adverseevent"):
        child = FollowUp if table_name == "followup" else AdverseEvent
        return (
            sa.select(col(te.patient_id))
            .join(child, col(child.episode_id) == te.id)
            .where(col(child.id).in_(wanted))
        )
    raise InvalidInput.one(
        "table_name",
        f"no rule maps {table_name!r} to its patients; known: {', '.join(WRITE_TABLES)}",
        "quality.unknown_table",
        value=repr(table_name),
    )


WRITE_TABLES = ("patient", "treatmentepisode", "product", "death", "followup", "adverseevent")
"""Tables `check_after_write` knows how to scope (every table a rule concerns)."""


def _chosen(rule_ids: Iterable[str] | None) -> tuple[Rule, ...]:
    if rule_ids is None:
        return RULES
    if isinstance(rule_ids, str):
        rule_ids = [rule_ids]
    wanted = set(rule_ids)
    known = {rule.id for rule in RULES}
    unknown = sorted(str(r) for r in wanted - known)
    if unknown:
        raise InvalidInput.one(
            "rule_ids",
            f"unknown rule {', '.join(unknown)}; known rules: {', '.join(sorted(known))}",
            "quality.unknown_rule",
            value=", ".join(unknown),
        )
    return tuple(rule for rule in RULES if rule.id in wanted)


def _ids(name: str, values: Iterable[int] | None) -> frozenset[int] | None:
    if values is None:
        return None
    values = list(values)
    bad = [v for v in values if isinstance(v, bool) or not isinstance(v, int)]
    if bad:
        raise InvalidInput.one(
            name, f"ids must be integers, got {bad[0]!r}", "quality.bad_id", value=repr(bad[0])
        )
    return frozenset(values)


def _empty(rules: tuple[Rule, ...]) -> RunResult:
    return RunResult(0, 0, 0, 0, {rule.id: RuleTally() for rule in rules}, ())


def _run(session: Session, actor: Actor, rules: tuple[Rule, ...], scope: Scope) -> RunResult:
    """Check, drop what is already queried, insert and audit the rest (no commit)."""
    if scope.episode_ids == frozenset() or scope.patient_ids == frozenset():
        return _empty(rules)
    findings: dict[Key, Finding] = {}
    for rule in rules:
        for finding in sorted(rule.check(session, scope), key=lambda f: (f.table_name, f.row_id)):
            findings.setdefault((rule.id, finding.table_name, finding.row_id), finding)
    statuses = _existing(session, [rule.id for rule in rules], findings)
    tallies: dict[str, dict[str, int]] = {
        rule.id: {"found": 0, "raised": 0, "already_open": 0, "closed": 0} for rule in rules
    }
    new: list[DataQuery] = []
    for key, finding in findings.items():
        tally = tallies[key[0]]
        tally["found"] += 1
        status = statuses.get(key)
        if status is None:
            tally["raised"] += 1
            new.append(DataQuery(
                table_name=finding.table_name, row_id=finding.row_id, field=finding.field,
                message=finding.message, site_id=finding.site_id, status=QueryStatus.open,
                raised_by_user_id=actor.user_id, rule_id=key[0],
            ))
        elif status == QueryStatus.closed:
            tally["closed"] += 1
        else:
            tally["already_open"] += 1
    inserted = _insert(session, new)
    for query in inserted:
        record_audit(session, actor, AuditAction.create, "dataquery", query.id,
                     after=snapshot(query))
    by_rule = {rule_id: RuleTally(**counts) for rule_id, counts in tallies.items()}
    return RunResult(
        found=len(findings),
        raised=len(new),
        already_open=sum(t.already_open for t in by_rule.values()),
        closed=sum(t.closed for t in by_rule.values()),
        by_rule=by_rule,
        query_ids=tuple(q.id for q in inserted if q.id is not None),
    )


def _insert(session: Session, queries: list[DataQuery]) -> list[DataQuery]:
    """INSERT the queries in batched statements (ORM bulk insert), returning the rows with
    their ids, in id order. Each returned row carries its own content, so the database's
    order of RETURNING does not matter (asking for parameter order costs a statement per
    row on SQLite)."""
    if not queries:
        return []
    statement = sa.insert(DataQuery).returning(DataQuery)
    rows = [query.model_dump(exclude={"id"}) for query in queries]
    return sorted(session.scalars(statement, rows), key=lambda q: q.id or 0)


def _existing(session: Session, rule_ids: list[str], findings: dict[Key, Finding]
              ) -> dict[Key, QueryStatus]:
    """Status of the queries already raised on the findings' records by these rules; where
    several match one finding, an open or answered one wins over a closed one."""
    if not findings:
        return {}
    row_ids = sorted({key[2] for key in findings})
    statuses: dict[Key, QueryStatus] = {}
    for start in range(0, len(row_ids), _CHUNK):  # bound parameters per statement
        statement = sa.select(
            col(DataQuery.rule_id), col(DataQuery.table_name), col(DataQuery.row_id),
            col(DataQuery.status),
        ).where(col(DataQuery.rule_id).in_(rule_ids),
                col(DataQuery.row_id).in_(row_ids[start:start + _CHUNK]))
        for rule_id, table_name, row_id, status in session.execute(statement):
            key = (rule_id, table_name, row_id)
            if key in findings and statuses.get(key) in (None, QueryStatus.closed):
                statuses[key] = status
    return statuses


_CHUNK = 5000


__all__ = ["WRITE_TABLES", "RuleTally", "RunResult", "check_after_write", "rules_for_table",
           "run_rules"]
