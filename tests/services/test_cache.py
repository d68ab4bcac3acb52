"""Aggregates come from the cache until the data change, and never across databases."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import Session

from registry.auth import Actor
from registry.errors import PermissionDenied
from registry.models.enums import Role
from registry.services import cache
from registry.services import leadership as dashboards
from registry.services.common import today
from tests import factories as f

LEAD = Actor(None, "lead", Role.leadership)


def _treatment_cells(result: dashboards.Overview) -> str:
    return result.treatment.to_csv(index=False)


def test_reused_until_a_write_then_recomputed(session: Session, products: Any,
                                              clinician_a: Actor) -> None:
    f.make_infused_episode(session, clinician_a, products[0].id)
    first = dashboards.overview(session=session, actor=LEAD, as_of=today())
    assert dashboards.overview(session=session, actor=LEAD, as_of=today()) is first
    f.make_infused_episode(session, clinician_a, products[1].id)  # a write: a new audit event
    after = dashboards.overview(session=session, actor=LEAD, as_of=today())
    assert after is not first
    assert _treatment_cells(after) != _treatment_cells(first)  # the new episode is counted


def test_permission_is_checked_before_the_cache(session: Session, products: Any,
                                                clinician_a: Actor) -> None:
    dashboards.production(session=session, actor=LEAD)  # now cached
    with pytest.raises(PermissionDenied):
        dashboards.production(session=session, actor=clinician_a)


def test_cached_computes_once_per_data_version(session: Session, products: Any,
                                               clinician_a: Actor) -> None:
    calls: list[str] = []

    def compute() -> str:
        calls.append("computed")
        return "value"

    before = cache.data_version(session)
    assert cache.cached(session, "test", ("x",), compute) == "value"
    assert cache.cached(session, "test", ("x",), compute) == "value"
    assert calls == ["computed"]
    f.make_patient(session, clinician_a)
    assert cache.data_version(session) != before
    cache.cached(session, "test", ("x",), compute)
    assert calls == ["computed", "computed"]
