"""Cohorts: an economist's filter and the one-row-per-episode frame it selects.

A :class:`CohortDefinition` (products, indications, sites, apheresis period, age bands, prior
lines, mITT or ITT) has a canonical JSON and a SHA-256 digest that name it in an analysis
record or export manifest, and rebuild it (:meth:`~CohortDefinition.from_json`).
:func:`cohort_frame` selects its episodes: baseline covariates, OS and PFS/EFS (time, event)
from :func:`registry.analysis.build_dataset` (its conventions, not a copy), best response,
worst CRS/ICANS grade, hospital/ICU days; two data sets and four queries merged in pandas.

Conventions
-----------
- Population ``mitt``: episodes infused by the data cut, day 0 = infusion. ``itt``: every
  episode apheresed by the cut, day 0 = apheresis (the never-infused included).
- The period (``period_from``/``period_to``, inclusive) and the age bands apply to the
  apheresis date; age in whole years at apheresis with birth on 2 July of the birth year
  (only the year is stored; :mod:`registry.analysis.datasets` takes mid-year too).
- Best response: the best of the responses assessed up to day
  :data:`~registry.analysis.datasets.BEST_RESPONSE_DAY` after infusion, CR > CRi > PR > SD >
  NR > PD/relapse > NE; missing when not infused or not assessed by then.
- CRS/ICANS: the worst ASTCT 2019 grade of the episode (0: infused and none reported); grades
  on other scales are never pooled with it (DESIGN.md section 4): ``crs_other_scale`` says an
  episode had CRS graded on another scale, and its grade is missing unless it also has an
  ASTCT-graded CRS. Missing for the never-infused and for ungraded events.
- Hospital and ICU days: sums over the episode's follow-up forms by the cut; missing when no
  form reports them.

Access: ``cohort:analyse`` (economist, system). The frame holds database ids (to join other
analyses), never registry ids, site patient codes or identity hashes; exports de-identify it
(:mod:`registry.services.export`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Final
from typing import cast as typed

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from pydantic import ValidationInfo as Info
from sqlalchemy import String, func, inspect, select
from sqlalchemy import type_coerce as as_type
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause, Select
from sqlmodel import Session

from registry.analysis.datasets import BEST_RESPONSE_DAY, Endpoint, Origin, build_dataset
from registry.auth import Actor, require
from registry.errors import InvalidInput
from registry.models import AdverseEvent, FollowUp, Patient, Product, Site, TreatmentEpisode
from registry.models.enums import AdverseEventType, GradingScale, Indication, Response
from registry.services.common import field_errors, today

__all__ = ["COHORT_COLUMNS", "STANDARD_AGE_BANDS", "CohortDefinition", "Population",
           "age_band_limits", "cohort_frame", "data_digest"]

STANDARD_AGE_BANDS: Final = ("0-17", "18-39", "40-64", "65+")
"""The age bands the portal offers; any ``"lo-hi"`` or ``"lo+"`` label is accepted."""

COHORT_COLUMNS: Final = (
    "episode_id", "patient_id", "site_id", "site_code", "episode_number", "product_code",
    "product_origin", "indication", "sex", "age_years", "prior_lines", "prior_auto_hsct",
    "prior_allo_hsct", "ecog", "ldh_above_uln", "bulky_disease", "marrow_blasts_pct",
    "diagnosis_to_apheresis_days", "bridging", "lymphodepletion", "dose_car_positive_cells",
    "dose_per_kg", "infused", "not_infused_reason", "not_infused_day", "vein_to_vein_days",
    "os_time_days", "os_event", "pfs_efs_time_days", "pfs_efs_event", "allo_hsct_day",
    "best_response", "crs_max_grade", "crs_other_scale", "icans_max_grade",
    "icans_other_scale", "hospital_days", "icu_days")
"""Columns of :func:`cohort_frame`, in order."""

_BAND: Final = re.compile(r"^\s*(\d{1,3})\s*(?:-\s*(\d{1,3})|\+)\s*$")
_RANK: Final = {Response.cr.value: 0, Response.cri.value: 1, Response.pr.value: 2,
                Response.sd.value: 3, Response.no_response.value: 4, Response.pd.value: 5,
                Response.relapse.value: 5, Response.not_evaluable.value: 6}
_Query = Select[Any]


class Population(StrEnum):
    """Who a cohort counts, and from when."""

    mitt = "mitt"  # infused episodes, day 0 = infusion
    itt = "itt"  # every apheresed episode (the never-infused too), day 0 = apheresis


def age_band_limits(label: str) -> tuple[int, int | None]:
    """The inclusive whole-year limits of a ``"lo-hi"`` or ``"lo+"`` label; else ValueError.

    Examples
    --------
    >>> age_band_limits("18-39"), age_band_limits("65+")
    ((18, 39), (65, None))
    """
    found = _BAND.match(label)
    if found is None:
        raise ValueError(f"{label!r} is not an age band; write 'lo-hi' (e.g. '18-39') or "
                         f"'lo+' (e.g. '65+')")
    low, high = int(found[1]), None if found[2] is None else int(found[2])
    if high is not None and high < low:
        raise ValueError(f"{label!r} ends before it starts; write 'lo-hi' with lo <= hi")
    return low, high


class CohortDefinition(BaseModel):
    """The filter of a cohort; every field left out (None) means "all".

    Lists are kept sorted and without repeats, so the same filter written in another order
    has the same :meth:`canonical_json` and :meth:`digest`. ``name`` is a label, not part of
    the filter (nor of the digest). Bad values raise :class:`registry.errors.InvalidInput`
    naming the field.

    Attributes
    ----------
    name : str, optional
    product_codes, indications, site_ids : tuple, optional
        ``Product.code`` values, :class:`Indication` codes, ``Site.id`` values.
    period_from, period_to : date, optional
        Inclusive limits of the apheresis date.
    age_bands : tuple of str, optional
        Labels such as :data:`STANDARD_AGE_BANDS` (age in whole years at apheresis).
    prior_lines_min, prior_lines_max : int, optional
        Inclusive limits of the number of prior lines of therapy.
    population : {"mitt", "itt"}, default "mitt"

    Examples
    --------
    >>> a = CohortDefinition(product_codes=["NMRC-CD19", "KYMRIAH"], indications=["LBCL"])
    >>> b = CohortDefinition(indications=["LBCL"], product_codes=["KYMRIAH", "NMRC-CD19"])
    >>> a.digest() == b.digest(), a.product_codes
    (True, ('KYMRIAH', 'NMRC-CD19'))
    >>> CohortDefinition(age_bands=["65-18"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    registry.errors.InvalidInput: age_bands: ...ends before it starts...
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str | None = Field(default=None, max_length=200)
    product_codes: tuple[str, ...] | None = None
    indications: tuple[Indication, ...] | None = None
    site_ids: tuple[int, ...] | None = None
    period_from: date | None = None
    period_to: date | None = None
    age_bands: tuple[str, ...] | None = None
    prior_lines_min: int | None = Field(default=None, ge=0, le=20)
    prior_lines_max: int | None = Field(default=None, ge=0, le=20)
    population: Population = Population.mitt

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise InvalidInput(field_errors(exc)) from None

    @field_validator("product_codes", "indications", "site_ids")
    @classmethod
    def _sorted_unique(cls, value: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("is empty; give at least one value, or leave it out for all")
        if any(isinstance(v, str) and not v.strip() for v in value):
            raise ValueError("has a blank value; remove it")
        if any(isinstance(v, int) and v < 1 for v in value):
            raise ValueError("site ids are positive integers")
        return tuple(sorted({v.strip() if type(v) is str else v for v in value}))

    @field_validator("age_bands")
    @classmethod
    def _bands(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        if value is None:
            return None
        if not value:
            raise ValueError("is empty; give at least one band, or leave it out for all ages")
        limits = {age_band_limits(v): v for v in value}
        return tuple(f"{lo}+" if hi is None else f"{lo}-{hi}"
                     for lo, hi in sorted(limits, key=lambda b: (b[0], b[1] is None, b[1])))

    @field_validator("period_to", "prior_lines_max")
    @classmethod
    def _not_below(cls, value: Any, info: Info) -> Any:
        name = {"period_to": "period_from", "prior_lines_max": "prior_lines_min"}[
            str(info.field_name)]
        low = info.data.get(name)
        if value is not None and low is not None and value < low:
            raise ValueError(f"{value} is below {name} {low}; swap them")
        return value

    def filters(self) -> dict[str, Any]:
        """The filter as JSON-ready values (everything but the name)."""
        return self.model_dump(mode="json", exclude={"name"})

    def canonical_json(self) -> str:
        """The filter as compact JSON with sorted keys: equal filters give equal text."""
        return json.dumps(self.filters(), sort_keys=True, separators=(",", ":"))

    def digest(self) -> str:
        """SHA-256 (hex) of :meth:`canonical_json`."""
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()

    @classmethod
    def from_json(cls, text: str | bytes) -> CohortDefinition:
        """A definition from JSON (e.g. a saved :meth:`canonical_json`); else InvalidInput."""
        try:
            raw = json.loads(text)
        except ValueError:
            raw = None
        if not isinstance(raw, dict):
            raise InvalidInput.one("definition", "is not a JSON object of cohort filters",
                                   "cohort.not_json")
        return cls(**raw)


def as_definition(definition: CohortDefinition | Mapping[str, Any]) -> CohortDefinition:
    """A :class:`CohortDefinition` from itself or from a mapping of its fields."""
    return definition if isinstance(definition, CohortDefinition) else CohortDefinition(
        **dict(definition))


def cohort_frame(*, session: Session, actor: Actor,
                 definition: CohortDefinition | Mapping[str, Any],
                 as_of: date | None = None) -> pd.DataFrame:
    """One row per episode of a cohort: baseline covariates, outcomes and toxicity.

    Conventions are in the module docstring; times and events are those of
    :func:`registry.analysis.build_dataset` (OS; PFS for lymphoma, EFS for B-ALL).

    Parameters
    ----------
    session : Session
    actor : registry.auth.Actor
        Needs ``cohort:analyse`` (economist, system).
    definition : CohortDefinition or mapping
        The filter.
    as_of : date, optional
        Data cut (default today, UTC): nothing dated after it is used.

    Returns
    -------
    pandas.DataFrame, shape (n_episodes, 38)
        :data:`COHORT_COLUMNS` by ``episode_id``; whole days from the population's day 0
        (``os_time_days``, ``pfs_efs_time_days``, ``allo_hsct_day``) or from apheresis
        (``not_infused_day``, ``vein_to_vein_days``). ``attrs``: ``population``,
        ``time_origin``, ``as_of``, ``filters``, ``definition_digest``.

    Raises
    ------
    registry.errors.PermissionDenied
        Any role but economist and system.
    registry.errors.InvalidInput
        A bad definition, an unknown product code or site id.

    Examples
    --------
    >>> frame = cohort_frame(session=session, actor=economist,  # doctest: +SKIP
    ...                      definition=CohortDefinition(indications=["B-ALL"]))
    """
    require(actor, "cohort:analyse")
    definition = as_definition(definition)
    cut = as_of.date() if isinstance(as_of, datetime) else as_of or today()
    _check_sites(session, definition.site_ids)
    origin = Origin.infusion if definition.population == Population.mitt else Origin.apheresis

    def dataset(endpoint: Endpoint) -> pd.DataFrame:
        return build_dataset(session=session, actor=actor, endpoint=endpoint, origin=origin,
                             as_of=cut, product_codes=definition.product_codes,
                             indications=definition.indications, site_ids=definition.site_ids)

    os_, pfs = dataset(Endpoint.os), dataset(Endpoint.pfs_efs)
    queries = _Queries(definition, cut)
    covariates = _read(session, queries.covariates())
    frame = (os_.rename(columns={"time": "os_time_days", "event": "os_event"})
             .merge(pfs[["episode_id", "time", "event"]].rename(
                 columns={"time": "pfs_efs_time_days", "event": "pfs_efs_event"}),
                 on="episode_id", validate="one_to_one")
             .merge(covariates, on="episode_id", validate="one_to_one"))
    apheresis = pd.to_datetime(frame["apheresis_date"])
    before_birthday = (apheresis.dt.month < 7) | ((apheresis.dt.month == 7)
                                                   & (apheresis.dt.day < 2))
    frame["age_years"] = (apheresis.dt.year - frame["birth_year"]
                          - before_birthday.astype(int)).astype("int64")
    if definition.age_bands is not None:
        frame = frame.loc[_in_bands(frame["age_years"], definition.age_bands)]
    frame = frame.sort_values("episode_id").reset_index(drop=True)
    frame["diagnosis_to_apheresis_days"] = _days(frame["diagnosis_date"], frame["apheresis_date"])
    decided = pd.to_datetime(frame["not_infused_date"])
    decided = decided.where(~frame["infused"] & (decided <= pd.Timestamp(cut)))
    frame["not_infused_day"] = _days(frame["apheresis_date"], decided)
    infusion = apheresis + pd.to_timedelta(frame["vein_to_vein_days"], unit="D")
    frame = frame.merge(_best_response(_read(session, queries.responses()), infusion, frame),
                        on="episode_id", how="left")
    frame = frame.merge(_read(session, queries.stays()), on="episode_id", how="left")
    frame = _toxicity(frame, _read(session, queries.toxicity()))
    frame = frame.astype({"os_time_days": "int64", "pfs_efs_time_days": "int64",
                          "dose_car_positive_cells": "float64", "dose_per_kg": "float64",
                          "marrow_blasts_pct": "float64", "prior_auto_hsct": "boolean",
                          "prior_allo_hsct": "boolean", "bulky_disease": "boolean",
                          "infused": bool})
    for name in ("vein_to_vein_days", "allo_hsct_day", "hospital_days", "icu_days"):
        frame[name] = pd.to_numeric(frame[name]).astype("float64").round().astype("Int64")
    out = frame[list(COHORT_COLUMNS)].reset_index(drop=True)
    out.attrs.update(population=definition.population.value, time_origin=origin.value,
                     as_of=cut.isoformat(), filters=definition.filters(),
                     definition_digest=definition.digest())
    return out


def data_digest(frame: pd.DataFrame) -> str:
    """SHA-256 (hex) of a frame's canonical CSV: rows by ``episode_id``, columns as given.

    The same data cut of the same database gives the same digest; record it beside a result
    so that the result can be reproduced (DESIGN.md section 9).

    Examples
    --------
    >>> a = pd.DataFrame({"episode_id": [2, 1], "x": [0.5, None]})
    >>> data_digest(a) == data_digest(a.iloc[::-1])
    True
    """
    ordered = frame.sort_values("episode_id", kind="stable") if "episode_id" in frame else frame
    text = ordered.to_csv(index=False, lineterminator="\n", na_rep="")
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _check_sites(session: Session, site_ids: tuple[int, ...] | None) -> None:
    if site_ids is None:
        return
    known = set(session.connection().execute(select(_table(Site).c.id)).scalars())
    if unknown := sorted(set(site_ids) - known):
        raise InvalidInput.one("site_ids", f"{unknown!r} not known; choose from {sorted(known)!r}",
                               "cohort.unknown_site", value=repr(unknown))


def _in_bands(age: pd.Series, bands: tuple[str, ...]) -> pd.Series:
    keep = pd.Series(False, index=age.index)
    for label in bands:
        low, high = age_band_limits(label)
        keep |= (age >= low) & (age <= (high if high is not None else 10_000))
    return keep


def _days(start: pd.Series, end: pd.Series) -> pd.Series:
    """Whole days from ``start`` to ``end`` (dates), nullable."""
    delta = (pd.to_datetime(end) - pd.to_datetime(start)).dt.days
    return delta.astype("Int64")


def _table(model: type[Any]) -> FromClause:
    return typed(FromClause, inspect(model).local_table)


def _read(session: Session, statement: _Query) -> pd.DataFrame:
    result = session.connection().execute(statement)
    frame = pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    return frame.astype({"episode_id": "int64"})


class _Queries:
    """The cohort's queries; every one restricted to the episodes the filter can select."""

    def __init__(self, definition: CohortDefinition, cut: date) -> None:
        self.e, self.p = _table(TreatmentEpisode), _table(Patient)
        e, p = self.e, self.p
        where: list[ColumnElement[bool]] = [e.c.apheresis_date <= cut]
        if definition.period_from is not None:
            where.append(e.c.apheresis_date >= definition.period_from)
        if definition.period_to is not None:
            where.append(e.c.apheresis_date <= definition.period_to)
        if definition.site_ids is not None:
            where.append(e.c.site_id.in_(definition.site_ids))
        if definition.indications is not None:
            where.append(p.c.indication.in_(definition.indications))
        if definition.product_codes is not None:
            product = _table(Product)
            where.append(e.c.product_id.in_(select(product.c.id).where(
                product.c.code.in_(definition.product_codes))))
        if definition.prior_lines_min is not None:
            where.append(p.c.prior_lines >= definition.prior_lines_min)
        if definition.prior_lines_max is not None:
            where.append(p.c.prior_lines <= definition.prior_lines_max)
        self.where, self.cut = where, cut
        self.scope = select(e.c.id).join(p, p.c.id == e.c.patient_id).where(*where)

    def covariates(self) -> _Query:
        """Per episode: what the data sets do not carry (site code, dates, patient details)."""
        e, p, s = self.e, self.p, _table(Site)
        return (select(e.c.id.label("episode_id"), as_type(s.c.code, String).label("site_code"),
                       e.c.apheresis_date, e.c.not_infused_date,
                       as_type(e.c.lymphodepletion, String).label("lymphodepletion"),
                       e.c.dose_car_positive_cells, e.c.dose_per_kg, p.c.birth_year,
                       p.c.diagnosis_date, p.c.prior_auto_hsct, p.c.prior_allo_hsct,
                       p.c.bulky_disease, p.c.marrow_blasts_pct)
                .join(p, p.c.id == e.c.patient_id).join(s, s.c.id == e.c.site_id)
                .where(*self.where))

    def responses(self) -> _Query:
        """Per episode and response: the first assessment date with it."""
        f = _table(FollowUp)
        return (select(f.c.episode_id, as_type(f.c.response, String).label("response"),
                       func.min(f.c.assessment_date).label("assessed"))
                .where(f.c.response.is_not(None), f.c.assessment_date <= self.cut,
                       f.c.episode_id.in_(self.scope))
                .group_by(f.c.episode_id, f.c.response))

    def stays(self) -> _Query:
        """Per episode: hospital and ICU days reported on the forms by the cut."""
        f = _table(FollowUp)
        return (select(f.c.episode_id, func.sum(f.c.hospital_days).label("hospital_days"),
                       func.sum(f.c.icu_days).label("icu_days"))
                .where(f.c.assessment_date <= self.cut, f.c.episode_id.in_(self.scope))
                .group_by(f.c.episode_id))

    def toxicity(self) -> _Query:
        """Per episode, CRS/ICANS and grading scale: the worst grade (NULL: ungraded)."""
        a = _table(AdverseEvent)
        return (select(a.c.episode_id, as_type(a.c.event_type, String).label("event_type"),
                       as_type(a.c.grading_scale, String).label("scale"),
                       func.max(a.c.grade).label("grade"))
                .where(a.c.event_type.in_([AdverseEventType.crs, AdverseEventType.icans]),
                       a.c.onset_date <= self.cut, a.c.episode_id.in_(self.scope))
                .group_by(a.c.episode_id, a.c.event_type, a.c.grading_scale))


def _best_response(responses: pd.DataFrame, infusion: pd.Series,
                   frame: pd.DataFrame) -> pd.DataFrame:
    """Per infused episode of the frame: the best response assessed by day 114."""
    day0 = pd.DataFrame({"episode_id": frame["episode_id"], "day0": infusion})
    found = responses.merge(day0, on="episode_id")
    assessed = pd.to_datetime(found["assessed"])
    found = found.loc[assessed <= found["day0"] + timedelta(days=BEST_RESPONSE_DAY)]
    found = found.assign(rank=found["response"].map(_RANK)).sort_values(["episode_id", "rank"])
    best = found.drop_duplicates("episode_id")[["episode_id", "response"]]
    return best.rename(columns={"response": "best_response"})


def _toxicity(frame: pd.DataFrame, tox: pd.DataFrame) -> pd.DataFrame:
    """Add ``crs_max_grade``/``crs_other_scale`` and the ICANS pair (module docstring)."""
    infused = frame["infused"].to_numpy(bool)
    for kind, prefix in ((AdverseEventType.crs, "crs"), (AdverseEventType.icans, "icans")):
        mine = tox.loc[tox["event_type"] == kind.value]
        astct = mine.loc[mine["scale"] == GradingScale.astct_2019.value]
        worst = pd.to_numeric(astct["grade"]).astype("float64").groupby(
            astct["episode_id"]).max()
        other = set(mine.loc[mine["scale"] != GradingScale.astct_2019.value, "episode_id"])
        ids = frame["episode_id"]
        has_astct = ids.isin(worst.index).to_numpy()
        is_other = ids.isin(list(other)).to_numpy()
        grade = np.where(has_astct, ids.map(worst).to_numpy(float),
                         np.where(is_other, np.nan, 0.0))
        frame[f"{prefix}_max_grade"] = pd.Series(
            np.where(infused, grade, np.nan), index=frame.index).astype("Int64")
        frame[f"{prefix}_other_scale"] = pd.Series(
            is_other, index=frame.index, dtype="boolean").mask(~infused)
    return frame
