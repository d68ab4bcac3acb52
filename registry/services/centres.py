"""Centre report: risk-adjusted observed vs expected 1-year overall survival per site.

In the style of CIBMTR's centre-specific survival report (DESIGN.md section 6): each site's
observed 1-year OS is set against the survival expected for its own patients from a risk
model fitted on every site, and drawn on a funnel plot.

Cohort
    The first infused episode of each patient infused at least a year before ``as_of`` (so
    everyone has a potential year of follow-up), time from infusion, death from any cause
    (:func:`registry.analysis.build_dataset`, mITT, allo-HSCT ignored). Lost patients are
    censored at their last contact, so the observed figure is a Kaplan-Meier estimate.
Observed
    Kaplan-Meier survival at 12 months (365.25 days), log-log 95% CI, per site.
Expected
    A Cox model (:func:`registry.analysis.cox_model`, Efron ties) on the whole cohort, all
    sites together, with age (per 10 years), prior lines, ECOG, LDH above the upper limit of
    normal, any bridging, indication and product (0/1 columns against the commonest level).
    Missing ECOG takes the cohort median, missing LDH counts as not raised; a column that
    is constant in the cohort is left out. Each patient's 1-year survival is
    ``exp(-H0(365.25) * exp(x'b))`` with Breslow's baseline cumulative hazard ``H0``; a
    site's expected survival E is the mean over its patients. Product is adjusted for, so a
    site is not judged on which product it gave.
Funnel
    The risk-adjusted survival ``p0 + (O - E)`` (``p0``: the cohort's 1-year KM survival)
    against the number of patients n, with binomial control limits
    ``p0 +/- z * sqrt(p0 * (1 - p0) / n)``, z = 1.96 (95%) and 3.09 (99.8%), clipped to
    [0, 1] (Spiegelhalter, Stat Med 2005;24:1185-1202). The limits narrow as n grows.
Ranking
    Sites with follow-up completeness below the threshold (default 90%, CIBMTR's rule; the
    completeness of :func:`registry.services.leadership.overview`, so both dashboards flag
    the same sites) are flagged: shown, but not ranked. Ranked sites are ordered by O - E.

Small cells, as the other leadership dashboards: a site with 1-4 patients in the cohort has
every figure "<5"; a site with 1-4 deaths in the year has its deaths, observed survival and
everything computed from them "<5" (its expected survival stays). Suppressed sites are
neither drawn nor ranked. Aggregates only: one row per site, never a patient's row.

Access: leadership, data managers and the system actor.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import NormalDist
from typing import Any, Final

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sqlmodel import Session, col, select

from registry.analysis import (
    CoxResult,
    Endpoint,
    Origin,
    build_dataset,
    cox_model,
    survival_at,
)
from registry.auth import Actor
from registry.errors import InvalidInput
from registry.models import Site
from registry.services.cache import alongside, cached
from registry.services.leadership import DAYS_PER_MONTH, SUPPRESSED, completeness_by_site
from registry.services.outcomes import require_leadership
from registry.services.summary import SMALL_CELL, suppress

HORIZON_DAYS: Final = 12 * DAYS_PER_MONTH  # 365.25
Z_95: Final = NormalDist().inv_cdf(0.975)
Z_998: Final = NormalDist().inv_cdf(0.999)

SITE_COLUMNS: Final = (
    "site_code", "site_name", "n", "deaths", "observed", "observed_lower", "observed_upper",
    "expected", "o_minus_e", "o_e_ratio", "adjusted", "position", "completeness", "flagged",
    "status", "rank")
LIMIT_COLUMNS: Final = ("n", "target", "lower_95", "upper_95", "lower_998", "upper_998")
MODEL_COLUMNS: Final = ("term", "level", "hr", "hr_lower", "hr_upper", "p_value")
OVERALL_COLUMNS: Final = ("n", "deaths", "observed", "sites_ranked", "sites_flagged",
                          "sites_suppressed", "concordance", "cohort_infused_by")
_OBSERVED = ("deaths", "observed", "observed_lower", "observed_upper", "o_minus_e",
             "o_e_ratio", "adjusted", "position")
_NUMERIC = ("age_per_10y", "prior_lines", "ecog", "ldh_above_uln", "bridging")


@dataclass(frozen=True)
class CentreReport:
    """Observed vs expected 1-year OS per site, funnel limits and the risk model.

    Attributes
    ----------
    as_of : date
    threshold : float
        Follow-up completeness below it flags a site.
    sites : DataFrame
        One row per site (code order): ``site_code``, ``site_name``, ``n`` (patients in the
        cohort), ``deaths`` (within the year), ``observed``, ``observed_lower``,
        ``observed_upper`` (KM at 12 months, log-log 95% CI), ``expected`` (risk model),
        ``o_minus_e``, ``o_e_ratio``, ``adjusted`` (p0 + O - E, the funnel's y), ``position``
        (``above_998``, ``above_95``, ``within``, ``below_95``, ``below_998``: against the
        funnel limits at the site's n), ``completeness`` (float, "<5" or NaN), ``flagged``
        (bool), ``status`` (``ranked``, ``flagged``, ``suppressed``, ``no_patients``, or
        ``not_estimable``: everyone left follow-up alive before a year),
        ``rank`` (1 = best O - E among ranked sites; <NA> otherwise). Counts are int or
        "<5"; figures float, NaN or "<5".
    limits : DataFrame
        The funnel's control limits on a grid of n: ``n``, ``target`` (p0), ``lower_95``,
        ``upper_95``, ``lower_998``, ``upper_998``.
    model : DataFrame
        The risk model's hazard ratios: ``term`` (``age_per_10y``, ``prior_lines``,
        ``ecog``, ``ldh_above_uln``, ``bridging``, ``indication``, ``product``), ``level``
        (the category of a 0/1 column, else ""), ``hr``, ``hr_lower``, ``hr_upper`` (95%),
        ``p_value``.
    overall : DataFrame
        One row: ``n``, ``deaths``, ``observed`` (p0), ``sites_ranked``, ``sites_flagged``,
        ``sites_suppressed``, ``concordance`` (Harrell's C of the model), and
        ``cohort_infused_by`` (the last infusion date in the cohort: as_of - 1 year).
    """

    as_of: date
    threshold: float
    sites: pd.DataFrame
    limits: pd.DataFrame
    model: pd.DataFrame
    overall: pd.DataFrame


def funnel_limits(p0: float, n: NDArray[np.float64] | list[float]) -> pd.DataFrame:
    """Binomial control limits ``p0 +/- z sqrt(p0 (1 - p0) / n)`` at 95% and 99.8%.

    Parameters
    ----------
    p0 : float
        The target (overall) proportion, 0-1.
    n : array-like of float, shape (n_points,)
        Numbers of patients, > 0.

    Returns
    -------
    DataFrame with :data:`LIMIT_COLUMNS`, limits clipped to [0, 1].

    Examples
    --------
    >>> funnel_limits(0.7, [100])[["lower_95", "upper_95"]].round(3).values.tolist()
    [[0.61, 0.79]]
    """
    size = np.asarray(n, dtype=float)
    se = np.sqrt(p0 * (1 - p0) / size)
    frame = pd.DataFrame({"n": size, "target": p0})
    for name, z in (("95", Z_95), ("998", Z_998)):
        frame[f"lower_{name}"] = np.clip(p0 - z * se, 0.0, 1.0)
        frame[f"upper_{name}"] = np.clip(p0 + z * se, 0.0, 1.0)
    return frame


def _km_at_year(time: NDArray[np.float64], event: NDArray[np.int64]) -> tuple[float, ...]:
    """KM survival and CI at 12 months; NaN when all left follow-up alive before then."""
    row = survival_at(time, event, [HORIZON_DAYS], extend=True).iloc[0]
    if row["n_risk"] == 0 and row["survival"] > 0:
        return math.nan, math.nan, math.nan
    return float(row["survival"]), float(row["lower"]), float(row["upper"])


def _cohort(session: Session, actor: Actor, as_of: date) -> pd.DataFrame:
    data = build_dataset(session=session, actor=actor, endpoint=Endpoint.os,
                         origin=Origin.infusion, as_of=as_of)
    first = data.sort_values(["patient_id", "episode_number"]).drop_duplicates("patient_id")
    infused_by = np.datetime64(as_of - timedelta(days=365), "D")
    return first[first["origin_date"] <= infused_by].reset_index(drop=True)


def _design(cohort: pd.DataFrame) -> tuple[pd.DataFrame, list[tuple[str, str]]]:
    """Model columns (numeric, 0/1 against the commonest level) and their (term, level)."""
    ecog = cohort["ecog"].astype("Float64")
    x = pd.DataFrame({
        "age_per_10y": cohort["age_at_origin"].astype(float) / 10.0,
        "prior_lines": cohort["prior_lines"].astype(float),
        "ecog": ecog.fillna(ecog.median()).astype(float),
        "ldh_above_uln": cohort["ldh_above_uln"].fillna(False).astype(float),
        "bridging": (cohort["bridging"].fillna("none") != "none").astype(float),
    })
    terms = [(name, "") for name in _NUMERIC]
    for term, column in (("indication", "indication"), ("product", "product_code")):
        values = cohort[column].astype(str)
        commonest = set(values.value_counts().index[:1])
        for level in sorted(set(values) - commonest):
            x[f"{term}:{level}"] = (values == level).astype(float)
            terms.append((term, level))
    varying = [i for i, c in enumerate(x.columns) if x[c].nunique() > 1]
    return x.iloc[:, varying], [terms[i] for i in varying]


def _expected(cohort: pd.DataFrame) -> tuple[NDArray[np.float64], CoxResult | None,
                                             list[tuple[str, str]]]:
    """Each patient's model-expected 1-year survival (Breslow baseline)."""
    time = cohort["time"].to_numpy(float)
    event = cohort["event"].to_numpy(np.int64)
    x, terms = _design(cohort)
    if not event.any() or x.shape[1] == 0:
        return np.full(time.size, 1.0 if not event.any() else math.nan), None, terms
    fit = cox_model(x.assign(time=time, event=event), "time", "event", list(x.columns))
    lp = x.to_numpy(float) @ fit.summary.loc[list(x.columns), "coef"].to_numpy(float)
    risk = np.exp(lp - lp.mean())
    order = np.argsort(time)
    at_risk = np.cumsum(risk[order][::-1])[::-1]  # sum of risk over T_i >= t, sorted times
    died = event[order] == 1
    first_tied = np.searchsorted(time[order], time[order], side="left")
    increments = 1.0 / at_risk[first_tied[died]]  # Breslow: each event over its risk set
    h0 = float(increments[time[order][died] <= HORIZON_DAYS].sum())
    return np.exp(-h0 * risk), fit, terms


def _position(adjusted: float, limits: pd.Series) -> str:
    if adjusted > limits["upper_998"]:
        return "above_998"
    if adjusted > limits["upper_95"]:
        return "above_95"
    if adjusted < limits["lower_998"]:
        return "below_998"
    if adjusted < limits["lower_95"]:
        return "below_95"
    return "within"


def _flags(session: Session, actor: Actor, as_of: date, threshold: float
           ) -> dict[str, tuple[Any, bool]]:
    """Completeness and flag per site code, as the overview dashboard computes them.

    A completeness hidden as "<5" over 5+ expected forms had 1-4 received, so it is under
    90%: flagged. Over 1-4 expected forms it is unknown and not flagged.
    """
    table = completeness_by_site(session=session, actor=actor, as_of=as_of,
                                 threshold=threshold)
    out: dict[str, tuple[Any, bool]] = {}
    for code, expected, value, flagged in zip(table["site_code"], table["expected"],
                                              table["completeness"], table["flagged"],
                                              strict=True):
        hidden_low = value == SUPPRESSED and expected != SUPPRESSED and threshold > 0.8
        out[str(code)] = (value, bool(flagged) or hidden_low)
    return out


def _compute_centre_report(*, session: Session, actor: Actor, as_of: date,
                  completeness_threshold: float = 0.9) -> CentreReport:
    """Risk-adjusted observed vs expected 1-year OS per site, with funnel-plot limits.

    Parameters
    ----------
    session : Session
    actor : registry.auth.Actor
        Leadership, data manager or system.
    as_of : date
        Data cut; the cohort is infused at least a year before it.
    completeness_threshold : float, default 0.9
        Sites with follow-up completeness below it are flagged and not ranked.

    Returns
    -------
    CentreReport
        Methods, suppression and ranking rules in the module docstring.

    Raises
    ------
    PermissionDenied
        For roles other than leadership, data manager and system.
    InvalidInput
        For a threshold outside (0, 1].
    """
    require_leadership(actor)
    if not 0 < completeness_threshold <= 1:
        raise InvalidInput.one("completeness_threshold",
                               f"{completeness_threshold!r} must be a share in (0, 1], e.g. 0.9")
    flags_when_done = alongside(
        session, lambda other: _flags(other, actor, as_of, completeness_threshold))
    cohort = _cohort(session, actor, as_of)
    expected, fit, terms = _expected(cohort)
    time, event = cohort["time"].to_numpy(float), cohort["event"].to_numpy(np.int64)
    p0 = _km_at_year(time, event)[0] if time.size else math.nan
    flags = flags_when_done()
    sites = session.exec(select(col(Site.id), col(Site.code), col(Site.name))
                         .order_by(col(Site.code))).all()
    rows = []
    for site_id, code, name in sites:
        mine = (cohort["site_id"] == site_id).to_numpy()
        n = int(mine.sum())
        deaths = int(((event == 1) & (time <= HORIZON_DAYS) & mine).sum())
        completeness, flagged = flags.get(str(code), (math.nan, False))
        row: dict[str, Any] = {"site_code": code, "site_name": name, "n": suppress(n),
                               "completeness": completeness, "flagged": flagged}
        row |= dict.fromkeys((*_OBSERVED, "expected"), math.nan) | {"deaths": 0}
        if 0 < n < SMALL_CELL:
            row |= dict.fromkeys((*_OBSERVED, "expected"), SUPPRESSED)
        elif n:
            row["expected"] = float(expected[mine].mean())
            if 0 < deaths < SMALL_CELL:
                row |= dict.fromkeys(_OBSERVED, SUPPRESSED)
            else:
                observed, lower, upper = _km_at_year(time[mine], event[mine])
                adjusted = float(np.clip(p0 + observed - row["expected"], 0.0, 1.0))
                row |= {"deaths": deaths, "observed": observed, "observed_lower": lower,
                        "observed_upper": upper, "o_minus_e": observed - row["expected"],
                        "o_e_ratio": observed / row["expected"], "adjusted": adjusted,
                        "position": _position(adjusted, funnel_limits(p0, [n]).iloc[0])}
        row["status"] = ("no_patients" if n == 0 else "suppressed"
                         if isinstance(row["observed"], str) else "not_estimable"
                         if math.isnan(row["observed"]) else "flagged" if flagged else "ranked")
        rows.append(row)
    table = pd.DataFrame(rows, columns=[c for c in SITE_COLUMNS if c != "rank"])
    ranked = table[table["status"] == "ranked"].sort_values("o_minus_e", ascending=False)
    table["rank"] = pd.Series(range(1, len(ranked) + 1), index=ranked.index, dtype="Int64")
    largest = max((int(v) for v in table["n"] if not isinstance(v, str)), default=0)
    grid = np.unique(np.linspace(SMALL_CELL, max(largest * 1.1, 20.0), 120).round())
    model = pd.DataFrame(columns=list(MODEL_COLUMNS))
    if fit is not None:
        s = fit.summary
        model = pd.DataFrame([{"term": term, "level": level, "hr": s.loc[name, "hr"],
                               "hr_lower": s.loc[name, "hr_lower"],
                               "hr_upper": s.loc[name, "hr_upper"], "p_value": s.loc[name, "p"]}
                              for name, (term, level) in zip(s.index, terms, strict=True)],
                             columns=list(MODEL_COLUMNS))
    overall = pd.DataFrame([{
        "n": suppress(int(time.size)),
        "deaths": suppress(int(((event == 1) & (time <= HORIZON_DAYS)).sum())),
        "observed": p0,
        **{f"sites_{s}": int((table["status"] == s).sum())
           for s in ("ranked", "flagged", "suppressed")},
        "concordance": math.nan if fit is None else fit.concordance,
        "cohort_infused_by": as_of - timedelta(days=365),
    }], columns=list(OVERALL_COLUMNS))
    return CentreReport(as_of=as_of, threshold=completeness_threshold, sites=table,
                        limits=(funnel_limits(p0, grid) if time.size
                                else pd.DataFrame(columns=list(LIMIT_COLUMNS))),
                        model=model, overall=overall)


__all__ = [
    "LIMIT_COLUMNS",
    "MODEL_COLUMNS",
    "OVERALL_COLUMNS",
    "SITE_COLUMNS",
    "CentreReport",
    "centre_report",
    "funnel_limits",
]


def centre_report(*, session: Session, actor: Actor, as_of: date,
                  completeness_threshold: float = 0.9) -> CentreReport:
    require_leadership(actor)
    return cached(session, "centres", (as_of, completeness_threshold),
                  lambda: _compute_centre_report(session=session, actor=actor, as_of=as_of,
                                                 completeness_threshold=completeness_threshold))


centre_report.__doc__ = _compute_centre_report.__doc__
