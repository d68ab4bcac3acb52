"""Analysis data sets: one row per treatment episode with the (time, event) of an endpoint.

Every survival number (OS, PFS/EFS, DOR, CIR vs NRM; DESIGN.md section 6) starts from a time and
an event per episode, made once, here, for pages, exports and dashboards alike.
Set-based: at most five queries (products; episodes with patient and death; forms and AEs
per episode; for DOR the first progression after response), then numpy.

Conventions
-----------
- Origin ``infusion`` (mITT: infused episodes, day 0 = infusion) or ``apheresis`` (ITT: all
  apheresed incl. never infused, day 0 = apheresis). DOR starts at the first response (CR, CRi,
  PR), responders only; no ITT. Nothing dated after ``as_of`` is used.
- Infused episodes are censored at the last known alive date: latest follow-up assessment, AE
  onset or resolution, or the origin; for OS over all the patient's episodes (also their
  apheresis/infusion dates), otherwise over the episode's own records (its disease status).
- Never infused (ITT) have no forms; sites report their deaths and the not-infused decision, so
  they are followed to ``as_of`` unless a death is recorded (reason ``death`` without a death
  record: died at the decision date). Unbiased only if those deaths are all reported;
  under-reporting flatters ITT survival. For PFS/EFS the decision is an event at its date (the
  intended treatment failed), unless the reason is death (then the death is).
- PFS/EFS event: first of relapse/progression (flag with ``relapse_date``, or a PD/relapse
  response at its assessment), no response, death. No response (B-ALL's NR): best response by
  D100 (forms to day 114) is NR, dated at the first NR form (normally D28). DOR event: first
  relapse/progression on or after the first response, or death.
- CIR/NRM: the PFS/EFS event by what came first: 1 relapse, progression or no response (ITT: a
  not-infused decision other than death), 2 death first, 0 censored; CIR + NRM = 1 - PFS/EFS.
  Same-day relapse and death count as 1.
- Allo-HSCT after CAR-T (a form's ``new_therapy`` at ``new_therapy_date``): ``ignore`` follows
  through it; ``censor`` censors at it if it precedes the event; ``competing``: cause 3 for
  CIR/NRM, censored otherwise; an event that day wins. ``allo_hsct_day`` is always returned.
- Access (:data:`DATASET_ROLES`, checked here): site clinicians their own site; the other
  roles all sites. **Leadership callers must aggregate and suppress small cells.**
"""

from __future__ import annotations

import gc
from collections.abc import Iterable
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Final, TypeVar
from typing import cast as typed

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sqlalchemy import Date, Integer, String, case, cast, func, inspect, literal, select
from sqlalchemy import type_coerce as as_type
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import FromClause, Select

from registry.auth import Actor, site_scope
from registry.errors import InvalidInput, PermissionDenied
from registry.models import AdverseEvent, Death, FollowUp, Patient, Product, TreatmentEpisode
from registry.models.base import utcnow
from registry.models.enums import Indication, NewTherapy, NotInfusedReason, Response, Role

__all__ = ["BEST_RESPONSE_DAY", "DATASET_COLUMNS", "DATASET_ROLES", "AlloHsct", "Endpoint",
           "Origin", "build_dataset"]


class Endpoint(StrEnum):
    """Which time-to-event outcome a data set holds (DESIGN.md section 6)."""

    os = "os"  # overall survival: death from any cause
    pfs_efs = "pfs_efs"  # PFS (lymphoma) / EFS (B-ALL): no response, relapse/progression, death
    dor = "dor"  # duration of response: first response to relapse/progression or death
    cir_nrm = "cir_nrm"  # competing risks: 1 relapse/progression, 2 death first, 0 censored


class Origin(StrEnum):
    """Time origin and analysis population."""

    infusion = "infusion"  # mITT: infused episodes, day 0 = infusion
    apheresis = "apheresis"  # ITT: every apheresed episode, day 0 = apheresis


class AlloHsct(StrEnum):
    """What an allogeneic transplant after CAR-T does to follow-up."""

    ignore = "ignore"  # follow through it
    censor = "censor"  # censor at the transplant date
    competing = "competing"  # cause 3 for CIR/NRM; censored (with allo_hsct_day) otherwise


DATASET_ROLES: Final = frozenset(
    {Role.site_clinician, Role.data_manager, Role.economist, Role.leadership, Role.system})
"""Roles that may build data sets (leadership only to aggregate, never to show rows)."""

DATASET_COLUMNS: Final = (
    "episode_id", "patient_id", "site_id", "episode_number", "product_code", "product_origin",
    "indication", "origin_date", "time", "event", "age_at_origin", "sex", "prior_lines", "ecog",
    "ldh_above_uln", "bridging", "infused", "not_infused_reason", "vein_to_vein_days",
    "allo_hsct_day")
"""Columns of :func:`build_dataset`'s frame, in order."""

BEST_RESPONSE_DAY: Final = 114
"""Forms up to this day after infusion give the best response by D100 (its window's close)."""

_RESPONDED: Final = (Response.cr, Response.cri, Response.pr)
_PROGRESSED: Final = (Response.pd, Response.relapse)
_TEXT: Final = frozenset({"code", "origin", "not_infused_reason", "bridging", "indication", "sex"})
_E = TypeVar("_E", bound=StrEnum)
_Days = NDArray[np.float64]
_Columns = dict[str, NDArray[Any]]
_Query = Select[*tuple[Any, ...]]


def build_dataset(
    *, session: Session, actor: Actor, endpoint: Endpoint | str,
    origin: Origin | str = Origin.infusion, allo_hsct: AlloHsct | str = AlloHsct.ignore,
    as_of: date | None = None, product_codes: Iterable[str] | None = None,
    indications: Iterable[Indication | str] | None = None, site_ids: Iterable[int] | None = None,
) -> pd.DataFrame:
    """One row per treatment episode with the time and event of an endpoint.

    Conventions (origins, censoring, events, allo-HSCT) are in the module docstring.

    Parameters
    ----------
    session : Session
        A database session.
    actor : registry.auth.Actor
        Scope: site clinicians their own site; the other roles all sites (leadership only to
        aggregate, never to show rows).
    endpoint : {"os", "pfs_efs", "dor", "cir_nrm"}
    origin : {"infusion", "apheresis"}, default "infusion"
        mITT (infused, day 0 = infusion) or ITT (apheresed, day 0 = apheresis).
    allo_hsct : {"ignore", "censor", "competing"}, default "ignore"
        DESIGN default: ignore for OS and PFS/EFS; "censor" as the EFS sensitivity analysis.
    as_of : datetime.date, optional
        Data cut, default today (UTC).
    product_codes, indications, site_ids : iterable, optional
        Only these products (``Product.code``), indications (``"B-ALL"``, ...) and sites.

    Returns
    -------
    pandas.DataFrame, shape (n_episodes, 20)
        :data:`DATASET_COLUMNS` by ``episode_id``. ``time``: days from ``origin_date``, >= 0.
        ``event``: 0/1; for "cir_nrm" 0 censored, 1 relapse/progression/no response, 2 death
        first, 3 allo-HSCT (competing). ``age_at_origin`` in years (birth at mid-year);
        ``vein_to_vein_days``, ``allo_hsct_day`` NaN when none. No rows, same columns, when
        nothing qualifies (e.g. ``as_of`` before all data). ``attrs`` holds the parameters.

    Raises
    ------
    registry.errors.PermissionDenied
        A role outside :data:`DATASET_ROLES`; a site clinician asking for another site.
    registry.errors.InvalidInput
        Unknown endpoint, origin, allo-HSCT option, product or indication; an empty filter;
        DOR with the apheresis origin.

    Examples
    --------
    >>> from registry.analysis import kaplan_meier
    >>> df = build_dataset(session=session, actor=actor, endpoint="os")  # doctest: +SKIP
    >>> curve = kaplan_meier(df["time"], df["event"])  # doctest: +SKIP
    """
    sites = _allowed_sites(actor, site_ids)
    endpoint, origin, allo_hsct = (_choice(Endpoint, endpoint, "endpoint"),
                                   _choice(Origin, origin, "origin"),
                                   _choice(AlloHsct, allo_hsct, "allo_hsct"))
    if endpoint == Endpoint.dor and origin == Origin.apheresis:
        raise InvalidInput.one("origin", "DOR is timed from the first response, which only "
                               "infused patients have; use origin='infusion'")
    chosen = None if indications is None else sorted(
        _choice(Indication, value, "indications") for value in _listed(indications, "indications"))
    cut = as_of.date() if isinstance(as_of, datetime) else as_of or utcnow().date()
    p = _table(Product)
    products = _read(session, select(p.c.id, as_type(p.c.code, String).label("code"),
                                     as_type(p.c.origin, String).label("origin")))
    codes = product_ids = None
    if product_codes is not None:
        codes = sorted(set(_listed(product_codes, "product_codes")))
        if unknown := sorted(set(codes) - set(products["code"])):
            raise InvalidInput.one("product_codes", f"{unknown!r} not known; choose from "
                                   f"{sorted(products['code'])!r}")
        product_ids = products["id"][np.isin(products["code"], codes)]
    queries = _Queries(sites, chosen, cut, session.get_bind().dialect.name)
    episodes = _read(session, queries.episodes())
    ids = episodes["episode_id"]
    forms = _Summary(_read(session, queries.form_summary()), ids)
    aes = _Summary(_read(session, queries.ae_summary()), ids)
    after_response = (_Summary(_read(session, queries.progression_after_response()), ids)
                      if endpoint == Endpoint.dor else None)
    frame = _assemble(episodes, forms, aes, after_response, products, endpoint=endpoint,
                      origin=origin, allo_hsct=allo_hsct, cut=(cut - date(1970, 1, 1)).days,
                      product_ids=product_ids)
    frame.attrs.update(endpoint=endpoint.value, origin=origin.value, allo_hsct=allo_hsct.value,
                       as_of=cut.isoformat(), product_codes=codes, indications=chosen,
                       site_ids=sites)
    return frame


def _allowed_sites(actor: Actor, site_ids: Iterable[int] | None) -> list[int] | None:
    """Sites the data set may cover (None: all), or PermissionDenied."""
    if actor.role not in DATASET_ROLES:
        raise PermissionDenied(f"{actor.username} ({actor.role}) may not build analysis data sets")
    asked = None if site_ids is None else sorted(set(_listed(site_ids, "site_ids")))
    own = site_scope(actor)
    if actor.role == Role.site_clinician and (own is None or asked not in (None, [own])):
        raise PermissionDenied(f"{actor.username} (site_clinician of site {own}) may read only "
                               f"their own site's episodes, not sites {asked!r}")
    return asked if own is None else [own]


def _choice(enum: type[_E], value: Any, name: str) -> _E:
    try:
        return enum(value)
    except ValueError:
        allowed = ", ".join(repr(m.value) for m in enum)
        raise InvalidInput.one(name, f"{value!r} is not one of {allowed}") from None


def _listed(values: Iterable[Any], name: str) -> list[Any]:
    out = [values] if isinstance(values, str) else list(values)  # a bare string is one value
    if not out:
        raise InvalidInput.one(name, "is empty; give at least one value, or None for all")
    return out


def _table(model: type[Any]) -> FromClause:
    return typed(FromClause, inspect(model).local_table)


def _read(session: Session, statement: _Query) -> _Columns:
    """Run a query; one numpy array per column: text as object, the rest float (NULL = NaN).

    The cycle collector is paused: row tuples hold no cycles, but their number alone sets off
    collection after collection (a third of the run time at 100k episodes).
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        result = session.connection().execute(statement)
        names = list(result.keys())
        columns = list(zip(*result.fetchall(), strict=True)) or [()] * len(names)
        return {name: np.array(values, dtype=object if name in _TEXT else np.float64)
                for name, values in zip(names, columns, strict=True)}
    finally:
        if was_enabled:
            gc.enable()


class _Summary:
    """A per-episode query result aligned to the data set's episodes (NaN where absent)."""

    def __init__(self, columns: _Columns, episode_ids: NDArray[Any]) -> None:
        self.columns = columns
        self.position = pd.Index(columns["episode_id"]).get_indexer(pd.Index(episode_ids))

    def __getitem__(self, name: str) -> _Days:
        return np.append(self.columns[name], np.nan)[self.position]  # -1 (absent) picks NaN


class _Queries:
    """The queries, restricted to the sites, indications and data cut asked for."""

    def __init__(self, sites: list[int] | None, indications: list[Indication] | None, cut: date,
                 dialect: str) -> None:
        self.sites, self.indications, self.cut, self.dialect = sites, indications, cut, dialect
        self.e, self.p, self.f = _table(TreatmentEpisode), _table(Patient), _table(FollowUp)

    def day(self, expr: ColumnElement[Any], name: str) -> ColumnElement[int]:
        """Days since 1970-01-01 of a date expression, computed by the database."""
        if self.dialect == "sqlite":
            return cast(func.julianday(expr) - 2440587.5, Integer).label(name)
        return as_type(expr - literal(date(1970, 1, 1), Date), Integer).label(name)

    def first(self, when: ColumnElement[bool], then: Any, name: str) -> ColumnElement[int]:
        return self.day(func.min(case((when, then))), name)

    def _restrict(self, statement: _Query, site: Any, episode: Any) -> _Query:
        if self.sites is not None:
            statement = statement.where(site.in_(self.sites))
        if self.indications is not None:
            e, p = self.e, self.p
            statement = statement.where(episode.in_(select(e.c.id).join(
                p, p.c.id == e.c.patient_id).where(p.c.indication.in_(self.indications))))
        return statement

    def episodes(self) -> _Query:
        """Every episode in scope apheresed by the cut, with its patient and death."""
        e, p, d = self.e, self.p, _table(Death)
        text = (e.c.not_infused_reason, e.c.bridging, p.c.indication, p.c.sex)
        return self._restrict(
            select(e.c.id.label("episode_id"), e.c.patient_id, e.c.site_id, e.c.episode_number,
                   e.c.product_id, self.day(e.c.apheresis_date, "apheresis"),
                   self.day(e.c.infusion_date, "infusion"),
                   self.day(e.c.not_infused_date, "not_infused"),
                   *(as_type(c, String).label(c.name) for c in text), p.c.birth_year,
                   p.c.prior_lines, p.c.ecog,
                   as_type(p.c.ldh_above_uln, Integer).label("ldh_above_uln"),
                   self.day(d.c.death_date, "death"))
            .join(p, p.c.id == e.c.patient_id).outerjoin(d, d.c.patient_id == e.c.patient_id)
            .where(e.c.apheresis_date <= self.cut).order_by(e.c.id), e.c.site_id, e.c.id)

    def _progressed(self) -> ColumnElement[Any]:
        f = self.f
        return case((f.c.relapse_or_progression.is_(True),
                     func.coalesce(f.c.relapse_date, f.c.assessment_date)),
                    (f.c.response.in_(_PROGRESSED), f.c.assessment_date))

    def form_summary(self) -> _Query:
        """Per episode: last form, first progression, response, NR and allo-HSCT dates."""
        f, assessed = self.f, self.f.c.assessment_date
        return self._restrict(
            select(f.c.episode_id, self.day(func.max(assessed), "last_form"),
                   self.day(func.min(self._progressed()), "progression"),
                   self.first(f.c.response.in_(_RESPONDED), assessed, "response"),
                   self.first(f.c.response == Response.no_response, assessed, "no_response"),
                   self.first(f.c.new_therapy == NewTherapy.allo_hsct,
                              func.coalesce(f.c.new_therapy_date, assessed), "allo_hsct"))
            .where(assessed <= self.cut).group_by(f.c.episode_id), f.c.site_id, f.c.episode_id)

    def ae_summary(self) -> _Query:
        """Per episode: the latest AE onset and resolution dated by the cut."""
        a = _table(AdverseEvent)
        resolved = case((a.c.resolution_date <= self.cut, a.c.resolution_date))
        return self._restrict(
            select(a.c.episode_id, self.day(func.max(a.c.onset_date), "last_onset"),
                   self.day(func.max(resolved), "last_resolution"))
            .where(a.c.onset_date <= self.cut).group_by(a.c.episode_id),
            a.c.site_id, a.c.episode_id)

    def progression_after_response(self) -> _Query:
        """Per responding episode: the first relapse/progression on or after the first response."""
        f, progressed = self.f, self._progressed()
        first = self._restrict(
            select(f.c.episode_id, func.min(f.c.assessment_date).label("responded"))
            .where(f.c.assessment_date <= self.cut, f.c.response.in_(_RESPONDED))
            .group_by(f.c.episode_id), f.c.site_id, f.c.episode_id).subquery()
        # the outer read of the forms is restricted too, so a site's index serves it
        return self._restrict(
            select(f.c.episode_id, self.day(func.min(progressed), "progression_after"))
            .join(first, first.c.episode_id == f.c.episode_id)
            .where(f.c.assessment_date <= self.cut, progressed >= first.c.responded)
            .group_by(f.c.episode_id), f.c.site_id, f.c.episode_id)


def _assemble(ep: _Columns, forms: _Summary, aes: _Summary, after_response: _Summary | None,
              products: _Columns, *, endpoint: Endpoint, origin: Origin, allo_hsct: AlloHsct,
              cut: int, product_ids: NDArray[Any] | None) -> pd.DataFrame:
    """Times and events, column by column; dates are epoch days (NaN = none, or after cut)."""
    dates = np.vstack([ep[k] for k in ("apheresis", "infusion", "not_infused", "death")])
    apheresis, infusion, decided, death = np.where(dates > cut, np.nan, dates)
    infused = ~np.isnan(infusion)
    reason = ep["not_infused_reason"]
    died_uninfused = ~infused & ~np.isnan(decided) & (reason == NotInfusedReason.death.value)
    death = np.where(np.isnan(death) & died_uninfused, decided, death)

    contact = np.fmax(np.fmax(forms["last_form"], aes["last_onset"]), aes["last_resolution"])
    if endpoint == Endpoint.os:  # seen alive in any of the patient's episodes is alive
        seen = np.fmax(np.fmax(contact, apheresis), infusion)
        contact = pd.Series(seen).groupby(ep["patient_id"]).transform("max").to_numpy(float)
    start = infusion if origin == Origin.infusion else apheresis
    censor = np.minimum(np.where(infused, np.fmax(start, contact), float(cut)), float(cut))

    response, no_response = forms["response"], forms["no_response"]
    no_response_by_d100 = ((no_response - infusion <= BEST_RESPONSE_DAY)
                           & ~(response - infusion <= BEST_RESPONSE_DAY))
    disease = np.where(
        infused, np.fmin(forms["progression"], np.where(no_response_by_d100, no_response, np.nan)),
        np.where(died_uninfused, np.nan, decided))  # ITT: giving up the product is a failure
    keep = infused.copy() if origin == Origin.infusion else np.ones(infused.size, dtype=bool)
    if after_response is not None:  # DOR: from the first response, responders only
        start, disease = response, after_response["progression_after"]
        keep &= ~np.isnan(response)
    if product_ids is not None:
        keep &= np.isin(ep["product_id"], product_ids)

    allo = np.where(infused, forms["allo_hsct"], np.nan)
    end, event = _first_event(endpoint, allo_hsct, disease, death, allo)
    time = np.maximum(np.where(np.isnan(end), censor, end) - start, 0.0)
    product = pd.Index(products["id"]).get_indexer(pd.Index(ep["product_id"]))
    ints = {k: ep[k].astype(np.int64) for k in ("episode_id", "patient_id", "site_id",
                                                  "episode_number", "prior_lines")}
    out = pd.DataFrame(ints | {
        "product_code": products["code"][product], "product_origin": products["origin"][product],
        "indication": ep["indication"], "sex": ep["sex"], "bridging": ep["bridging"],
        "origin_date": np.nan_to_num(start).astype(np.int64).astype("datetime64[D]"),
        "time": time, "event": event, "infused": infused,
        "age_at_origin": (start - 182.0) / 365.2425 - (ep["birth_year"] - 1970),  # mid-year
        "ecog": pd.array(ep["ecog"], dtype="Int64"),
        "ldh_above_uln": pd.array(ep["ldh_above_uln"], dtype="boolean"),
        "not_infused_reason": np.where(infused, np.array(None, dtype=object), reason),
        "vein_to_vein_days": infusion - apheresis, "allo_hsct_day": np.maximum(allo - start, 0.0),
    })[list(DATASET_COLUMNS)]
    return out.loc[keep].reset_index(drop=True)


def _first_event(endpoint: Endpoint, allo_hsct: AlloHsct, disease: _Days, death: _Days,
                 allo: _Days) -> tuple[_Days, NDArray[np.int64]]:
    """Day of the first event (NaN: censored at last contact) and its code, per episode."""
    if endpoint == Endpoint.os:
        first, code = death, np.where(np.isnan(death), 0, 1)
    else:
        first = np.fmin(disease, death)
        code = np.where(np.isnan(first), 0, 1)
        if endpoint == Endpoint.cir_nrm:  # same day: disease
            disease_first = ~np.isnan(disease) & ~(death < disease)
            code = np.where(disease_first, 1, np.where(np.isnan(first), 0, 2))
    if allo_hsct != AlloHsct.ignore:
        transplanted_first = ~np.isnan(allo) & ~(first <= allo)
        first = np.where(transplanted_first, allo, first)
        competing = allo_hsct == AlloHsct.competing and endpoint == Endpoint.cir_nrm
        code = np.where(transplanted_first, 3 if competing else 0, code)
    return first, code.astype(np.int64)

