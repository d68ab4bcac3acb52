"""Follow-up schedule: window boundaries of every timepoint, death and loss make forms missed."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from registry.models.enums import Timepoint
from registry.schedule import FormStatus, form_status, load_schedule

INFUSION = date(2024, 1, 10)
SCHEDULE = load_schedule()


def test_schedule_is_the_design_table() -> None:
    by_tp = {s.timepoint: s for s in SCHEDULE}
    assert (by_tp[Timepoint.d28].target_day, by_tp[Timepoint.d28].window_before) == (28, 7)
    assert (by_tp[Timepoint.d100].target_day, by_tp[Timepoint.d100].window_after) == (100, 14)
    assert (by_tp[Timepoint.m6].target_day, by_tp[Timepoint.m6].window_after) == (182, 30)
    assert (by_tp[Timepoint.m18].target_day, by_tp[Timepoint.m18].window_after) == (547, 45)
    assert (by_tp[Timepoint.m24].target_day, by_tp[Timepoint.m24].window_after) == (730, 60)
    assert by_tp[Timepoint.y15].target_day == 365 * 15
    assert len(SCHEDULE) == 19  # D28, D100, M6, M12, M18, M24, Y3..Y15


@pytest.mark.parametrize("row", SCHEDULE, ids=[s.timepoint.value for s in SCHEDULE])
def test_every_window_boundary(row: object) -> None:
    from registry.schedule import ScheduledTimepoint

    assert isinstance(row, ScheduledTimepoint)
    opens, target, closes = row.window(INFUSION)
    assert target == INFUSION + timedelta(days=row.target_day)
    one = timedelta(days=1)
    expected = [
        (opens - one, FormStatus.upcoming),
        (opens, FormStatus.due),
        (target, FormStatus.due),
        (closes, FormStatus.due),
        (closes + one, FormStatus.overdue),
    ]
    for as_of, status in expected:
        assert form_status(row, infusion=INFUSION, as_of=as_of) == status, (as_of, status)
    assert form_status(row, infusion=INFUSION, as_of=closes + one, received=True) == \
        FormStatus.received


def test_death_makes_later_forms_missed_not_overdue() -> None:
    died = INFUSION + timedelta(days=90)
    as_of = INFUSION + timedelta(days=400)
    statuses = {s.timepoint: form_status(s, infusion=INFUSION, as_of=as_of, ended=died)
                for s in SCHEDULE[:4]}
    assert statuses == {Timepoint.d28: FormStatus.overdue, Timepoint.d100: FormStatus.missed,
                        Timepoint.m6: FormStatus.missed, Timepoint.m12: FormStatus.missed}


def test_death_on_target_day_still_expects_the_form() -> None:
    d100 = SCHEDULE[1]
    target = INFUSION + timedelta(days=100)
    assert form_status(d100, infusion=INFUSION, as_of=target, ended=target) == FormStatus.due
    assert form_status(d100, infusion=INFUSION, as_of=target,
                       ended=target - timedelta(days=1)) == FormStatus.missed
