"""The data-quality rules, as data: one `Rule` per check, each a set-based query.

The services refuse most of these problems at entry; the rules exist for what arrives
another way (bulk loads, legacy or migrated data, corrections made before a rule existed).
Every check issues one or two SELECTs over the whole registry (or the scope asked for),
never a loop over patients, and uses only SQL that SQLite and PostgreSQL share; the one
date difference it needs is compiled for each (`_day`). A finding names the record, the
field, the values it saw and what the site should check, in words a clinician reads.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal

import sqlalchemy as sa
from sqlalchemy.orm import aliased
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import Session, col

from registry.models import AdverseEvent, Death, FollowUp, Patient, Product, Site
from registry.models import TreatmentEpisode as TE
from registry.models.enums import AdverseEventType, GradingScale, Response, Timepoint
from registry.schedule import load_schedule
from registry.sqlfunc import epoch_day

FU, AE = FollowUp, AdverseEvent
Severity = Literal["error", "warning"]
AnySelect = sa.Select[*tuple[Any, ...]]
MAX_VEIN_TO_VEIN_DAYS = 180
COMPLETE_REMISSION = (Response.cr, Response.cri)


@dataclass(frozen=True)
class Scope:
    """What a run looks at: the date it is judged on and, optionally, some records only.

    A record is in scope when its episode is in `episode_ids` (if given) and its patient
    in `patient_ids` (if given); patient-level records follow their patient's episodes.
    """

    as_of: date
    episode_ids: frozenset[int] | None = None
    patient_ids: frozenset[int] | None = None


@dataclass(frozen=True)
class Finding:
    """One problem on one record: what a data query is raised from."""

    table_name: str
    row_id: int
    field: str | None
    site_id: int | None
    message: str


Check = Callable[[Session, Scope], list[Finding]]


@dataclass(frozen=True)
class Rule:
    """A data-quality rule.

    Attributes
    ----------
    id : str
        Stable identifier stored on every query it raises (``DataQuery.rule_id``).
    description : str
        What the rule checks, for the data manager's rule list.
    severity : {"error", "warning"}
        ``error``: the data contradict themselves; ``warning``: possible but implausible.
    tables : tuple of str
        Tables whose writes can make or unmake a finding (`rules_for_table`).
    check : callable
        ``check(session, scope) -> list[Finding]``, set-based.
    on_write : bool
        Run by `check_after_write`; False for rules that time, not a write, makes true.
    """

    id: str
    description: str
    severity: Severity
    tables: tuple[str, ...]
    check: Check
    on_write: bool = True

    def __post_init__(self) -> None:
        if self.severity not in ("error", "warning"):
            raise ValueError(f"severity must be 'error' or 'warning', got {self.severity!r}")
        if not self.tables:
            raise ValueError(f"rule {self.id} must name the tables it concerns")


# ---- SQL and text helpers ----------------------------------------------------------------------


def _scoped(scope: Scope) -> list[ColumnElement[bool]]:
    """WHERE conditions restricting treatment episodes to the scope's episodes and patients."""
    conditions: list[ColumnElement[bool]] = []
    if scope.episode_ids is not None:
        conditions.append(col(TE.id).in_(sorted(scope.episode_ids)))
    if scope.patient_ids is not None:
        conditions.append(col(TE.patient_id).in_(sorted(scope.patient_ids)))
    return conditions


def _rows(session: Session, statement: sa.Executable) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in session.execute(statement)]


def _fmt(value: date) -> str:
    """Dates in messages as DD.MM.YYYY (the portal's convention)."""
    return value.strftime("%d.%m.%Y")


def _who() -> ColumnElement[str]:
    """'R-000123 (patient code P-17)': the registry id and the site's own code, for the
    messages on a site's own records (never on a query another site could read)."""
    registry_id = sa.func.coalesce(col(Patient.registry_id), "patient")
    return (registry_id + " (patient code " + col(Patient.site_patient_code) + ")").label("who")


def _cells(value: float) -> str:
    """A cell count as a clinician writes it: 2.5e8 -> '2.5 x 10^8'."""
    mantissa, exponent = f"{value:.1e}".split("e")
    return f"{mantissa} x 10^{int(exponent)}"


def _episode_base(*columns: Any) -> AnySelect:
    """SELECT columns FROM treatmentepisode JOIN patient."""
    return sa.select(*columns).select_from(TE).join(Patient, col(Patient.id) == TE.patient_id)


# ---- the checks --------------------------------------------------------------------------------


def infusion_before_apheresis(session: Session, scope: Scope) -> list[Finding]:
    """DQ01: an episode infused before its cells were collected."""
    statement = _episode_base(
        col(TE.id), col(TE.site_id), col(TE.episode_number), col(TE.apheresis_date),
        col(TE.infusion_date), _who(),
    ).where(col(TE.infusion_date) < col(TE.apheresis_date), *_scoped(scope))
    return [
        Finding("treatmentepisode", ep, "infusion_date", site,
                f"Infusion date {_fmt(infused)} is before the apheresis date {_fmt(apheresis)} "
                f"({who}, episode {number}). Cells are infused after they are "
                "collected: check both dates against the source documents and correct the "
                "wrong one.")
        for ep, site, number, apheresis, infused, who in _rows(session, statement)
    ]


def icu_exceeds_hospital(session: Session, scope: Scope) -> list[Finding]:
    """DQ02: more ICU days than hospital days on one follow-up form."""
    statement = _episode_base(
        col(FU.id), col(FU.site_id), col(FU.timepoint), col(FU.assessment_date),
        col(FU.icu_days), col(FU.hospital_days), _who(),
    ).join(FU, col(FU.episode_id) == TE.id).where(
        col(FU.icu_days) > col(FU.hospital_days), *_scoped(scope)
    )
    return [
        Finding("followup", fu, "icu_days", site,
                f"ICU days ({icu}) exceed hospital days ({hospital}) on the {tp.value} "
                f"follow-up form of {who} (assessed {_fmt(assessed)}). ICU days are "
                "part of the hospital stay: check both counts and correct the wrong one.")
        for fu, site, tp, assessed, icu, hospital, who in _rows(session, statement)
    ]


def dated_after_death(session: Session, scope: Scope) -> list[Finding]:
    """DQ03: a follow-up form or an adverse event dated after the patient's death."""
    found: list[Finding] = []
    for table, row, what, day, field, name in (
        (FU, "followup", col(FU.timepoint), col(FU.assessment_date), "assessment_date",
         "follow-up form"),
        (AE, "adverseevent", col(AE.event_type), col(AE.onset_date), "onset_date",
         "adverse event"),
    ):
        statement = _episode_base(
            col(table.id), col(table.site_id), what, day, col(Death.death_date), _who(),
        ).join(table, col(table.episode_id) == TE.id).join(
            Death, col(Death.patient_id) == TE.patient_id
        ).where(day > col(Death.death_date), *_scoped(scope))
        label = field.replace("_", " ")
        found += [
            Finding(row, row_id, field, site,
                    f"The {kind.value} {name} of {who} has {label} {_fmt(dated)}, after the "
                    f"recorded death on {_fmt(died)}. Check the {label} and the date of death, "
                    "and correct the wrong one.")
            for row_id, site, kind, dated, died, who in _rows(session, statement)
        ]
    return found


def missing_d28_response(session: Session, scope: Scope) -> list[Finding]:
    """DQ04: no D28 response once the D28 window has closed (schedule's window, as of
    `scope.as_of`); not raised when the form is *missed* (death or loss before day 28)."""
    d28 = next((r for r in load_schedule() if r.timepoint == Timepoint.d28), None)
    if d28 is None:
        return []
    target, closes_after = d28.target_day, d28.target_day + d28.window_after
    cutoff = scope.as_of - timedelta(days=closes_after)  # overdue: infusion + closes < as_of
    lost = aliased(FollowUp)
    died_before = sa.exists().where(
        col(Death.patient_id) == TE.patient_id,
        epoch_day(col(Death.death_date)) - epoch_day(col(TE.infusion_date)) < target,
    )
    lost_before = sa.exists().where(
        col(lost.episode_id) == TE.id,
        col(lost.lost_to_follow_up).is_(True),
        epoch_day(col(lost.assessment_date)) - epoch_day(col(TE.infusion_date)) < target,
    )
    overdue = [
        col(TE.infusion_date).is_not(None), col(TE.infusion_date) < cutoff,
        ~died_before, ~lost_before, *_scoped(scope),
    ]
    form = sa.exists().where(col(FU.episode_id) == TE.id, col(FU.timepoint) == Timepoint.d28)
    no_form = _episode_base(
        col(TE.id), col(TE.site_id), col(TE.infusion_date), _who(),
    ).where(~form, *overdue)
    empty = _episode_base(
        col(FU.id), col(FU.site_id), col(FU.assessment_date), col(TE.infusion_date),
        _who(),
    ).join(FU, col(FU.episode_id) == TE.id).where(
        col(FU.timepoint) == Timepoint.d28, col(FU.response).is_(None), *overdue
    )
    window = timedelta(days=closes_after)
    found = [
        Finding("treatmentepisode", ep, "response", site,
                f"The D28 follow-up form of {who} (infused {_fmt(infused)}) has not "
                f"been received and its window closed on {_fmt(infused + window)}, so the D28 "
                "response is missing. Submit the D28 form with the response, or answer why it "
                "cannot be assessed (e.g. lost to follow-up).")
        for ep, site, infused, who in _rows(session, no_form)
    ]
    found += [
        Finding("followup", fu, "response", site,
                f"The D28 follow-up form of {who} (assessed {_fmt(assessed)}) has no "
                f"response, and the D28 window closed on {_fmt(infused + window)}. Enter the "
                "response at day 28, or NE (not evaluable) if it could not be assessed.")
        for fu, site, assessed, infused, who in _rows(session, empty)
    ]
    return found


def complete_remission_and_relapse(session: Session, scope: Scope) -> list[Finding]:
    """DQ05: a form reporting complete remission and a relapse on its own assessment day."""
    statement = _episode_base(
        col(FU.id), col(FU.site_id), col(FU.timepoint), col(FU.response),
        col(FU.assessment_date), _who(),
    ).join(FU, col(FU.episode_id) == TE.id).where(
        col(FU.response).in_(COMPLETE_REMISSION),
        col(FU.relapse_or_progression).is_(True),
        col(FU.relapse_date) == col(FU.assessment_date),
        *_scoped(scope),
    )
    return [
        Finding("followup", fu, "relapse_date", site,
                f"The {tp.value} follow-up form of {who} records response "
                f"{response.value} and relapse/progression on the same day, {_fmt(assessed)} "
                "(assessment date = relapse date). A patient cannot be in complete remission "
                "and relapsed on one date: check the response and the relapse date.")
        for fu, site, tp, response, assessed, who in _rows(session, statement)
    ]


def long_vein_to_vein(session: Session, scope: Scope) -> list[Finding]:
    """DQ06: apheresis to infusion longer than 180 days."""
    days = epoch_day(col(TE.infusion_date)) - epoch_day(col(TE.apheresis_date))
    statement = _episode_base(
        col(TE.id), col(TE.site_id), col(TE.episode_number), col(TE.apheresis_date),
        col(TE.infusion_date), _who(),
    ).where(days > MAX_VEIN_TO_VEIN_DAYS, *_scoped(scope))
    return [
        Finding("treatmentepisode", ep, "infusion_date", site,
                f"Vein-to-vein time of {who}, episode {number}, is "
                f"{(infused - apheresis).days} days (apheresis {_fmt(apheresis)}, infusion "
                f"{_fmt(infused)}), more than {MAX_VEIN_TO_VEIN_DAYS} days. Check both dates; "
                "if they are right, confirm it in your answer (e.g. re-manufactured product).")
        for ep, site, number, apheresis, infused, who in _rows(session, statement)
    ]


def dose_outside_range(session: Session, scope: Scope) -> list[Finding]:
    """DQ07: infused CAR+ dose outside the product's dose range (when both ends are known)."""
    dose = col(TE.dose_car_positive_cells)
    statement = _episode_base(
        col(TE.id), col(TE.site_id), col(TE.episode_number), dose, col(Product.code),
        col(Product.dose_min_cells), col(Product.dose_max_cells), _who(),
    ).join(Product, col(Product.id) == TE.product_id).where(
        dose.is_not(None),
        col(Product.dose_min_cells).is_not(None),
        col(Product.dose_max_cells).is_not(None),
        sa.or_(dose < col(Product.dose_min_cells), dose > col(Product.dose_max_cells)),
        *_scoped(scope),
    )
    return [
        Finding("treatmentepisode", ep, "dose_car_positive_cells", site,
                f"The infused CAR+ dose of {who}, episode {number}, is "
                f"{_cells(value)} cells, outside the dose range of {code} ({_cells(low)} to "
                f"{_cells(high)} cells). Check the dose and its unit (total CAR+ cells, not per "
                "kg); if it is right, say why in your answer.")
        for ep, site, number, value, code, low, high, who in _rows(session, statement)
    ]


def grade_differs_from_signs(session: Session, scope: Scope) -> list[Finding]:
    """DQ08: a CRS/ICANS graded on ASTCT 2019 whose grade is not the one its recorded signs
    give, with no override reason; signs the calculator cannot grade are findings too."""
    from registry.services.events import compute_grade  # services import this package

    reason = sa.func.coalesce(sa.func.trim(col(AE.grade_override_reason)), "")
    statement = _episode_base(
        col(AE.id), col(AE.site_id), col(AE.event_type), col(AE.onset_date), col(AE.grade),
        col(AE.signs), _who(),
    ).join(AE, col(AE.episode_id) == TE.id).where(
        col(AE.event_type).in_((AdverseEventType.crs, AdverseEventType.icans)),
        col(AE.grading_scale) == GradingScale.astct_2019,
        reason == "",
        *_scoped(scope),
    )
    found = []
    for ae, site, kind, onset, grade, signs, who in _rows(session, statement):
        if not signs:  # JSON null or {}: nothing recorded to grade from
            continue
        shown = "no grade" if grade is None else f"grade {grade}"
        where = f"The {kind.value} of {who} (onset {_fmt(onset)}) has {shown}"
        try:
            if not isinstance(signs, dict):
                raise TypeError(f"expected named signs, got {signs!r}")
            computed = compute_grade(kind, signs)
        except (ValueError, TypeError) as exc:
            found.append(Finding("adverseevent", ae, "signs", site,
                                 f"{where}, but its recorded signs cannot be graded: {exc}. "
                                 "Correct the signs so the ASTCT 2019 grade can be computed."))
            continue
        if computed != grade:
            recorded = ", ".join(f"{k}: {v}" for k, v in sorted(signs.items()))
            found.append(Finding("adverseevent", ae, "grade", site,
                                 f"{where}, but its recorded signs ({recorded}) give ASTCT 2019 "
                                 f"grade {computed}. Check the signs and the grade; if the grade "
                                 "differs on purpose, give the reason for the override."))
    return found


def identity_at_two_sites(session: Session, scope: Scope) -> list[Finding]:
    """DUP-ID: one national insurance number (identity hash) registered at two sites.

    One finding per patient with an earlier registration at another site, on the later
    patient, naming the earliest such registration: a pair gives one query. Raised for
    the data managers only (``site_id`` None, as at registration) and naming registry ids
    and site codes, never a site's own patient code.
    """
    later, earlier = aliased(Patient), aliased(Patient)
    pairs: AnySelect = (
        sa.select(col(later.id).label("later_id"), sa.func.min(col(earlier.id)).label("first_id"))
        .select_from(later)
        .join(earlier, sa.and_(
            col(earlier.identity_hash) == col(later.identity_hash),
            col(earlier.site_id) != col(later.site_id),
            col(earlier.id) < col(later.id),
        ))
        .group_by(col(later.id))
    )
    in_scope: AnySelect | None = None
    if scope.episode_ids is not None:
        in_scope = sa.select(col(TE.patient_id)).where(*_scoped(scope))
    elif scope.patient_ids is not None:  # patients without an episode are in scope too
        in_scope = sa.select(col(Patient.id)).where(col(Patient.id).in_(sorted(scope.patient_ids)))
    if in_scope is not None:
        hashes = sa.select(col(Patient.identity_hash)).where(col(Patient.id).in_(in_scope))
        pairs = pairs.where(col(later.identity_hash).in_(hashes))
    pair = pairs.subquery()
    patient, other = aliased(Patient), aliased(Patient)
    patient_site, other_site = aliased(Site), aliased(Site)
    statement = (
        sa.select(col(patient.id), col(patient.registry_id), col(patient_site.code),
                  col(other.registry_id), col(other_site.code))
        .select_from(pair)
        .join(patient, col(patient.id) == pair.c.later_id)
        .join(other, col(other.id) == pair.c.first_id)
        .join(patient_site, col(patient_site.id) == patient.site_id)
        .join(other_site, col(other_site.id) == other.site_id)
        .order_by(col(patient.id))
    )
    return [
        Finding("patient", pid, "identity_hash", None,
                f"Patient {rid} (site {site}) has the same national insurance number "
                f"(identity hash) as {first_rid}, registered earlier at site {first_site}. "
                "Check whether this is a transfer between sites, one patient registered twice "
                "or a typo in the number, then merge or correct the records.")
        for pid, rid, site, first_rid, first_site in _rows(session, statement)
    ]


RULES: tuple[Rule, ...] = (
    Rule("DQ01", "Infusion dated before apheresis.", "error",
         ("treatmentepisode",), infusion_before_apheresis),
    Rule("DQ02", "ICU days exceed hospital days on a follow-up form.", "error",
         ("followup",), icu_exceeds_hospital),
    Rule("DQ03", "Follow-up form or adverse event dated after the patient's death.", "error",
         ("followup", "adverseevent", "death"), dated_after_death),
    Rule("DQ04", "No D28 response once the D28 window has closed (not when missed).",
         "warning", ("treatmentepisode", "followup", "death"), missing_d28_response,
         on_write=False),
    Rule("DQ05", "Complete remission and relapse/progression on the same assessment day.",
         "error", ("followup",), complete_remission_and_relapse),
    Rule("DQ06", f"Vein-to-vein (apheresis to infusion) over {MAX_VEIN_TO_VEIN_DAYS} days.",
         "warning", ("treatmentepisode",), long_vein_to_vein),
    Rule("DQ07", "Infused CAR+ dose outside the product's dose range.", "warning",
         ("treatmentepisode", "product"), dose_outside_range),
    Rule("DQ08", "CRS/ICANS grade differs from the ASTCT 2019 grade of its recorded signs, "
         "without an override reason.", "error", ("adverseevent",), grade_differs_from_signs),
    Rule("DUP-ID", "The same national insurance number registered at two sites.", "error",
         ("patient",), identity_at_two_sites),
)
"""Every rule, in the order they run. ``DUP-ID`` is the id registration already uses."""


__all__ = ["RULES", "Check", "Finding", "Rule", "Scope", "Severity"]
