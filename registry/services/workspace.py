"""The economist's workspace: saved cohorts, the record of analysis runs, unit-cost scenarios.

Reproducibility (issue 6): every analysis run stores its cohort definition, its parameters, a
SHA-256 of the input data and the code version (:func:`record_run`), so any number can be
recomputed later and checked against the hash.

Unit-cost scenarios (DESIGN.md section 7): the ``base`` scenario holds the reference values
loaded from ``seed_data/unit_costs.csv`` and stays as loaded; economists copy it (or another
scenario) under a new name and edit the copy. Every insert and edit is versioned (optimistic
locking) and audited with its reason.

Access: economists and the system actor (``cohort:analyse``, ``costs:edit``).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import sys
from typing import Any, Final

import pandas as pd
from sqlmodel import Session, col, select

from registry.auth import Actor, require
from registry.errors import Conflict, FieldError, InvalidInput, NotFound
from registry.models import AnalysisRun, SavedCohort, Site, UnitCost
from registry.models.enums import ResourceItem
from registry.services.common import apply_update, fits_integer, insert_audited, text_error
from registry.version import code_version

__all__ = ["BASE_SCENARIO", "copy_scenario", "list_cohorts", "list_runs", "list_scenarios",
           "record_run", "save_cohort", "set_unit_cost", "sha256_json", "site_codes", "unit_costs"]

BASE_SCENARIO: Final = "base"
MAX_REASON: Final = 2000  # the audit event's reason column
MAX_SOURCE: Final = 500  # the unit cost's source column
_NAME = re.compile(r"^[A-Za-z0-9 _.\-]{1,64}$")


def json_safe(value: Any) -> Any:
    """`value` as JSON data: dates as ISO text, NaN and infinities as null (PostgreSQL's JSON
    has no NaN; a bootstrap interval with too few complete cases is NaN)."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if value is None or isinstance(value, bool | int | str):
        return value
    number = getattr(value, "item", None)  # numpy scalars
    if callable(number):
        return json_safe(number())
    return str(value)


def sha256_json(value: Any) -> str:
    """SHA-256 of a value's canonical JSON (sorted keys, no spaces, ISO dates)."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str,
                      ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# ---- saved cohorts ----------------------------------------------------------------------------


def save_cohort(*, session: Session, actor: Actor, name: str,
                definition: dict[str, Any]) -> SavedCohort:
    """Save a cohort definition under a unique name; audited.

    Raises
    ------
    InvalidInput
        Empty or over-long name.
    Conflict
        A saved cohort of that name exists already.
    """
    require(actor, "cohort:analyse")
    problem = text_error("name", name)
    if problem is not None:
        raise InvalidInput([problem])
    _check_definition(definition)
    name = name.strip()
    if not 1 <= len(name) <= 120:
        raise InvalidInput.one("name", "Give the cohort a name of 1 to 120 characters.",
                               code="cohort.name")
    if session.exec(select(SavedCohort).where(col(SavedCohort.name) == name)).first():
        raise Conflict(f"A cohort named {name!r} is saved already; choose another name.",
                       code="cohort.exists")
    row = insert_audited(session, actor, SavedCohort(
        name=name, definition=definition, definition_sha256=sha256_json(definition),
        created_by=actor.username))
    session.commit()
    return row


def _check_definition(definition: object) -> None:
    """A definition is stored as JSON: a mapping of finite numbers, text, lists and mappings."""
    try:
        if not isinstance(definition, dict):
            raise TypeError(f"a mapping of filters is needed, not {type(definition).__name__}")
        json.dumps(definition, allow_nan=False, ensure_ascii=False).encode("utf-8")
    except (TypeError, ValueError) as exc:  # UnicodeEncodeError is a ValueError
        raise InvalidInput.one("definition", f"cannot be saved as JSON ({exc})",
                               "cohort.definition", error=str(exc)) from None


def list_cohorts(*, session: Session, actor: Actor) -> list[SavedCohort]:
    """Saved cohorts, newest first (archived ones left out)."""
    require(actor, "cohort:analyse")
    return list(session.exec(select(SavedCohort).where(col(SavedCohort.archived).is_(False))
                             .order_by(col(SavedCohort.id).desc())).all())


def site_codes(*, session: Session, actor: Actor) -> dict[int, str]:
    """Site id -> code of every site, by code, for the cohort filters."""
    require(actor, "cohort:analyse")
    rows = session.exec(select(Site.id, Site.code).order_by(col(Site.code))).all()
    return {int(site_id): str(code) for site_id, code in rows if site_id is not None}


# ---- analysis runs ----------------------------------------------------------------------------


def record_run(*, session: Session, actor: Actor, kind: str, definition: dict[str, Any],
               parameters: dict[str, Any], data_sha256: str, n_rows: int,
               summary: dict[str, Any] | None = None, cohort_name: str | None = None
               ) -> AnalysisRun:
    """Store (and commit) the reproducibility record of one analysis run; returns it with its id.

    ``summary`` holds aggregate results only (estimates, CIs), never patient rows.
    """
    require(actor, "cohort:analyse")
    if not re.fullmatch(r"[a-z_]{1,32}", kind):
        raise InvalidInput.one("kind", f"{kind!r} is not an analysis kind", code="run.kind",
                               value=kind)
    if not re.fullmatch(r"[0-9a-f]{64}", data_sha256):
        raise InvalidInput.one("data_sha256", "must be a SHA-256 hex digest",
                               code="run.digest")
    run = AnalysisRun(username=actor.username, kind=kind, cohort_name=cohort_name,
                      definition=definition, definition_sha256=sha256_json(definition),
                      parameters=json_safe(parameters),
                      data_sha256=data_sha256, code_version=code_version(), n_rows=n_rows,
                      summary=json_safe(summary or {}))
    session.add(run)
    session.commit()
    return run


def list_runs(*, session: Session, actor: Actor, limit: int = 50) -> list[AnalysisRun]:
    """The latest analysis runs, newest first."""
    require(actor, "cohort:analyse")
    return list(session.exec(select(AnalysisRun).order_by(col(AnalysisRun.id).desc())
                             .limit(limit)).all())


# ---- unit-cost scenarios ----------------------------------------------------------------------


def list_scenarios(*, session: Session, actor: Actor) -> list[str]:
    """Names of the unit-cost scenarios, ``base`` first."""
    require(actor, "cohort:analyse")
    names = set(session.exec(select(col(UnitCost.scenario)).distinct()).all())
    return sorted(names, key=lambda n: (n != BASE_SCENARIO, n))


def unit_costs(*, session: Session, actor: Actor, scenario: str = BASE_SCENARIO
               ) -> pd.DataFrame:
    """One row per resource item of a scenario: id, item, value, currency, price_year,
    source, valid_from, version. Items the scenario lacks are missing (priced at 0 by
    the cost build-up, which says so)."""
    require(actor, "cohort:analyse")
    rows = session.exec(select(UnitCost).where(col(UnitCost.scenario) == scenario)
                        .order_by(col(UnitCost.item), col(UnitCost.valid_from))).all()
    if not rows:
        raise NotFound(f"No unit-cost scenario named {scenario!r}.", code="costs.scenario",
                       scenario=scenario)
    return pd.DataFrame([{
        "id": r.id, "item": ResourceItem(r.item).value, "value": float(r.value),
        "currency": r.currency, "price_year": r.price_year, "source": r.source,
        "valid_from": r.valid_from, "version": r.version} for r in rows])


def copy_scenario(*, session: Session, actor: Actor, source: str, name: str) -> int:
    """Copy every unit cost of scenario ``source`` under the new scenario ``name``; each row
    is audited. Returns the number of rows copied."""
    require(actor, "costs:edit")
    name = name.strip()
    if not _NAME.fullmatch(name):
        raise InvalidInput.one("name", "Scenario names have 1-64 letters, digits, spaces, "
                               "dots, dashes or underscores.", code="costs.name")
    if session.exec(select(UnitCost.id).where(col(UnitCost.scenario) == name)).first():
        raise Conflict("A scenario of that name exists already; choose another name.",
                       code="costs.exists")
    rows = session.exec(select(UnitCost).where(col(UnitCost.scenario) == source)).all()
    if not rows:
        raise NotFound(f"No unit-cost scenario named {source!r}.", code="costs.scenario",
                       scenario=source)
    for r in rows:
        insert_audited(session, actor, UnitCost(
            item=r.item, value=r.value, currency=r.currency, price_year=r.price_year,
            source=f"copy of {source}: {r.source}"[:500], scenario=name,
            valid_from=r.valid_from))
    session.commit()
    return len(rows)


def set_unit_cost(*, session: Session, actor: Actor, unit_cost_id: int, value: float,
                  expected_version: int, reason: str, source: str | None = None) -> UnitCost:
    """Change one unit cost of an editable scenario; versioned and audited with ``reason``.

    Raises
    ------
    InvalidInput
        Negative or non-finite value, an empty reason, or an edit of the ``base`` scenario.
    Conflict
        Someone changed the row since ``expected_version``.
    """
    require(actor, "costs:edit")
    row = session.get(UnitCost, unit_cost_id) if fits_integer(unit_cost_id) else None
    if row is None:
        raise NotFound(f"Unit cost {unit_cost_id} does not exist.", code="costs.row",
                       value=unit_cost_id)
    errors: list[FieldError] = []
    if row.scenario == BASE_SCENARIO:
        errors.append(FieldError("scenario", "The base scenario holds the reference values "
                                 "and is not edited; copy it to a new scenario and edit the "
                                 "copy.", code="costs.base_read_only"))
    if isinstance(value, bool) or not (
        isinstance(value, int | float) and 0 <= value <= sys.float_info.max
    ):
        errors.append(FieldError("value", f"{value!r} is not a non-negative amount",
                                 code="costs.value", params={"value": value}))
    if reason is None or (isinstance(reason, str) and not reason.strip()):
        errors.append(FieldError("reason", "Say why the value changes (it is kept in the "
                                 "audit trail).", code="costs.reason"))
    else:
        errors += _text_errors("reason", reason, MAX_REASON)
    if source is not None:
        errors += _text_errors("source", source, MAX_SOURCE)
    if errors:
        raise InvalidInput(errors)
    changes: dict[str, Any] = {"value": float(value)}
    if source is not None and source.strip():
        changes["source"] = source.strip()
    apply_update(session, actor, row, changes, expected_version=expected_version,
                 reason=reason.strip())
    session.commit()
    return row


def _text_errors(field: str, value: object, limit: int) -> list[FieldError]:
    """Why a text parameter cannot be stored: not text, not Unicode, a NUL, or too long."""
    problem = text_error(field, value)
    if problem is not None:
        return [problem]
    size = len(str(value).strip())
    if size > limit:
        return [FieldError(field, f"{size} characters; at most {limit}",
                           code="query.answer_too_long", params={"n": size, "max": limit})]
    return []
