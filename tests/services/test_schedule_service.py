"""The expected-forms list from the database, scoped by site."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlmodel import Session

from registry.auth import Actor
from registry.errors import PermissionDenied
from registry.models.enums import Timepoint
from registry.schedule import FormStatus, list_expected_forms
from tests import factories as f


def _status(forms: list[Any], episode_id: int, tp: Timepoint) -> FormStatus:
    return next(x.status for x in forms if x.episode_id == episode_id and x.timepoint == tp)


def test_expected_forms_by_status(session: Session, products: Any, clinician_a: Actor,
                                  clinician_b: Actor, data_manager: Actor) -> None:
    _, ep = f.make_infused_episode(session, clinician_a, products[0].id)
    dead, ep_dead = f.make_infused_episode(session, clinician_a, products[0].id)
    _, ep_other = f.make_infused_episode(session, clinician_b, products[0].id)
    f.make_followup(session, clinician_a, ep)
    f.make_death(session, clinician_a, dead, death_date=f.INFUSION + timedelta(days=50))
    as_of = f.INFUSION + timedelta(days=110)
    forms = list_expected_forms(session=session, actor=clinician_a, as_of=as_of)
    assert {x.episode_id for x in forms} == {ep.id, ep_dead.id}
    assert _status(forms, ep.id, Timepoint.d28) == FormStatus.received
    assert _status(forms, ep.id, Timepoint.d100) == FormStatus.due
    assert _status(forms, ep.id, Timepoint.m6) == FormStatus.upcoming
    assert _status(forms, ep_dead.id, Timepoint.d28) == FormStatus.overdue
    assert _status(forms, ep_dead.id, Timepoint.d100) == FormStatus.missed
    assert forms[0].registry_id.startswith("R-") and forms[0].site_code == "MOW-01"
    everyone = list_expected_forms(session=session, actor=data_manager, as_of=as_of)
    assert {x.episode_id for x in everyone} == {ep.id, ep_dead.id, ep_other.id}
    due = list_expected_forms(session=session, actor=clinician_a, as_of=as_of,
                              statuses=[FormStatus.due], horizon_days=30)
    assert [(x.episode_id, x.timepoint) for x in due] == [(ep.id, Timepoint.d100)]


def test_lost_to_follow_up_makes_later_forms_missed(session: Session, products: Any,
                                                    clinician_a: Actor) -> None:
    _, ep = f.make_infused_episode(session, clinician_a, products[0].id)
    f.make_followup(session, clinician_a, ep, lost_to_follow_up=True)
    forms = list_expected_forms(session=session, actor=clinician_a,
                                as_of=f.INFUSION + timedelta(days=400))
    assert _status(forms, ep.id, Timepoint.m12) == FormStatus.missed


def test_forms_come_in_episode_then_timepoint_order_and_unscheduled_visits_count_for_none(
        session: Session, products: Any, clinician_a: Actor) -> None:
    _, first = f.make_infused_episode(session, clinician_a, products[0].id)
    _, later = f.make_infused_episode(session, clinician_a, products[0].id,
                                      infusion=f.INFUSION + timedelta(days=3))
    f.make_followup(session, clinician_a, first, timepoint="unscheduled",
                    assessment_date=f.INFUSION + timedelta(days=27))
    forms = list_expected_forms(session=session, actor=clinician_a,
                                as_of=f.INFUSION + timedelta(days=200))
    order = [(x.episode_id, x.timepoint) for x in forms]
    assert order[:3] == [(first.id, Timepoint.d28), (first.id, Timepoint.d100),
                         (first.id, Timepoint.m6)]
    assert [e for e, _ in order] == sorted((e for e, _ in order), key=[first.id, later.id].index)
    assert _status(forms, first.id, Timepoint.d28) == FormStatus.overdue  # not received
    assert forms[0].target_date == f.INFUSION + timedelta(days=28)
    assert forms[0].window_closes > forms[0].target_date > forms[0].window_opens


def test_other_site_schedule_refused(session: Session, clinician_a: Actor, clinician_b: Actor,
                                     leadership: Actor) -> None:
    with pytest.raises(PermissionDenied):
        list_expected_forms(session=session, actor=clinician_a, as_of=f.INFUSION,
                            site_id=clinician_b.site_id)
    with pytest.raises(PermissionDenied):
        list_expected_forms(session=session, actor=leadership, as_of=f.INFUSION)
