"""Outcomes dashboard: OS and PFS/EFS by product, with the published imported-product figures.

Survival by product (DESIGN.md section 6) for the centre's leadership: Kaplan-Meier curves with
log-log 95% bands, numbers at risk, medians and 6/12/24-month landmarks with their CIs, the
crude log-rank comparison, per indication, from infusion (mITT) or apheresis (ITT). Every
number comes from :func:`registry.analysis.build_dataset` and the estimators of
:mod:`registry.analysis`, so this page and an economist's analysis share one definition.

Aggregates only (DESIGN.md sections 1 and 8): no row of the data set leaves this module, and
no per-time event or censoring counts are returned. Small cells (the conventions of
:mod:`registry.services.leadership`: counts of 1-4 are ``"<5"``, and so is anything computed
from them):

- A product group is *shown* when it has at least 5 patients and its event count is 0 or at
  least 5. Otherwise its curve is left out and its n, events, median and landmarks are
  ``"<5"`` (``status`` says why): each step of a curve with 1-4 events is one patient's event.
- A shown curve stops where fewer than 5 patients remain at risk (the tail, where each step is
  one of a handful of patients); ``truncated_months`` says where. Its points are the event
  times (and the truncation point), not the censoring times.
- A landmark with 1-4 patients still at risk, and a median or CI limit falling where 1-4
  remain at risk, are ``"<5"``; with nobody left at risk, NaN (not estimable, not reached).
- Numbers at risk of 1-4 are ``"<5"``.
- The log-rank test compares the shown groups only (at least two are needed).

Access: leadership, data managers and the system actor, as the other leadership dashboards.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from typing import Any, Final, TypeVar

import numpy as np
import pandas as pd
from numpy.typing import NDArray
from sqlmodel import Session, col, select

from registry.analysis import (
    Endpoint,
    Origin,
    StatisticalWarning,
    build_dataset,
    kaplan_meier,
    logrank_test,
    median_survival,
    number_at_risk,
    survival_at,
)
from registry.auth import Actor, require
from registry.config import SEED_DATA_DIR
from registry.errors import InvalidInput, PermissionDenied
from registry.models import Product
from registry.models.enums import Indication
from registry.services.cache import cached
from registry.services.leadership import DAYS_PER_MONTH, LEADERSHIP_ROLES, SUPPRESSED
from registry.services.summary import SMALL_CELL, suppress

RISK_MONTHS: Final = (0, 3, 6, 9, 12, 18, 24, 36, 48, 60)
"""Where numbers at risk are counted (the DESIGN grid to 36 months, then yearly to 60)."""
LANDMARK_MONTHS: Final = (6, 12, 24)
BENCHMARK_FILE: Final = SEED_DATA_DIR / "published_benchmarks.csv"
_BENCHMARK_ENDPOINTS: Final = {"os": ("OS",), "pfs": ("PFS",), "efs": ("EFS",),
                               "pfs_efs": ("PFS", "EFS")}
_E = TypeVar("_E", bound=StrEnum)
_LYMPHOMA: Final = frozenset({Indication.lbcl, Indication.fl, Indication.mcl, Indication.cll})

SUMMARY_COLUMNS: Final = ("product_code", "product_name", "is_scenario", "status", "n", "events",
                          "median_months", "median_lower", "median_upper", "truncated_months")
CURVE_COLUMNS: Final = ("product_code", "time_months", "survival", "lower", "upper")
AT_RISK_COLUMNS: Final = ("product_code", "month", "n_risk")
LANDMARK_COLUMNS: Final = ("product_code", "month", "n_risk", "survival", "lower", "upper")
LOGRANK_COLUMNS: Final = ("status", "products", "statistic", "df", "p_value")
BENCHMARK_COLUMNS: Final = ("source", "citation", "population", "indication", "product_code",
                            "endpoint", "month", "value", "n")


def require_leadership(actor: Actor) -> None:
    """Leadership dashboards are for leadership and data managers (and the system).

    The same check, message and code as :mod:`registry.services.leadership`.
    """
    require(actor, "summary:read")
    if actor.role not in LEADERSHIP_ROLES:
        raise PermissionDenied(
            f"{actor.username} ({actor.role.value}) may not read the leadership dashboards; "
            "they are for the leadership and data manager roles",
            code="lead.denied",
        )


@dataclass(frozen=True)
class Outcomes:
    """Survival by product for one endpoint, origin and indication (aggregates, suppressed).

    Attributes
    ----------
    endpoint : Endpoint
        ``os`` or ``pfs_efs``.
    endpoint_label : {"os", "pfs", "efs", "pfs_efs"}
        What the endpoint is called for the chosen indication: EFS for B-ALL, PFS for the
        lymphomas and CLL, "PFS/EFS" for all indications together.
    origin : Origin
        ``infusion`` (mITT) or ``apheresis`` (ITT).
    indication : Indication or None
        None: all indications.
    as_of : date
    summary : DataFrame
        One row per product (every product, in code order): ``product_code``,
        ``product_name``, ``is_scenario``, ``status`` (``shown``, ``suppressed`` or
        ``no_patients``), ``n``, ``events`` (int or "<5"), ``median_months``,
        ``median_lower``, ``median_upper`` (log-log 95% CI; float, NaN = not reached, or
        "<5"), ``truncated_months`` (where the drawn curve stops; NaN when not drawn).
    curves : DataFrame
        Step points of the shown curves: ``product_code``, ``time_months`` (0, then each
        event time, then the truncation point), ``survival``, ``lower``, ``upper``
        (pointwise log-log 95%; NaN where undefined, as R).
    at_risk : DataFrame
        ``product_code``, ``month`` (:data:`RISK_MONTHS`), ``n_risk`` (int or "<5").
    landmarks : DataFrame
        ``product_code``, ``month`` (6, 12, 24), ``n_risk``, ``survival``, ``lower``,
        ``upper`` (float, NaN beyond follow-up, or "<5").
    logrank : DataFrame
        One row: ``status`` (``done``, ``too_few_groups`` or ``no_events``), ``products``
        (the compared codes, comma-separated), ``statistic``, ``df``, ``p_value``.
    benchmarks : DataFrame
        Published imported-product figures for this endpoint and indication (none for all
        indications together): ``source``, ``citation``, ``population``, ``indication``,
        ``product_code``, ``endpoint``, ``month``, ``value`` (0-1), ``n``.
    """

    endpoint: Endpoint
    endpoint_label: str
    origin: Origin
    indication: Indication | None
    as_of: date
    summary: pd.DataFrame
    curves: pd.DataFrame
    at_risk: pd.DataFrame
    landmarks: pd.DataFrame
    logrank: pd.DataFrame
    benchmarks: pd.DataFrame


def endpoint_label(endpoint: Endpoint, indication: Indication | None) -> str:
    """The endpoint's name for an indication: ``os``, ``efs`` (B-ALL), ``pfs`` or ``pfs_efs``.

    >>> endpoint_label(Endpoint.pfs_efs, Indication.b_all)
    'efs'
    >>> endpoint_label(Endpoint.pfs_efs, None)
    'pfs_efs'
    """
    if endpoint == Endpoint.os:
        return "os"
    if indication == Indication.b_all:
        return "efs"
    return "pfs" if indication in _LYMPHOMA else "pfs_efs"


@cache
def _published() -> pd.DataFrame:
    raw = pd.read_csv(BENCHMARK_FILE, dtype={"indication": str, "endpoint": str})
    raw = raw[raw["endpoint"].isin(["OS", "PFS", "EFS"])
              & raw["timepoint_months"].notna() & raw["value_pct"].notna()]
    frame = pd.DataFrame({
        "source": raw["source"], "citation": raw["citation"], "population": raw["population"],
        "indication": raw["indication"], "product_code": raw["product"],
        "endpoint": raw["endpoint"], "month": raw["timepoint_months"].astype(float),
        "value": raw["value_pct"].astype(float) / 100.0,
        "n": raw["n"].astype("Int64"),
    })
    return frame.reset_index(drop=True)


def published_benchmarks(label: str, indication: Indication | None) -> pd.DataFrame:
    """Published survival points of ``seed_data/published_benchmarks.csv`` for an endpoint.

    Parameters
    ----------
    label : {"os", "pfs", "efs", "pfs_efs"}
        As :func:`endpoint_label`.
    indication : Indication or None
        None returns no rows: a trial's B-ALL figure is no reference for a pooled curve.

    Returns
    -------
    DataFrame with :data:`BENCHMARK_COLUMNS`, ordered by source and month.
    """
    table = _published()
    if indication is None:
        return table.iloc[0:0].reset_index(drop=True)
    wanted = table["endpoint"].isin(_BENCHMARK_ENDPOINTS[label]) & (
        table["indication"] == indication.value)
    return table[wanted].sort_values(["source", "month"]).reset_index(drop=True)


def _option(enum: type[_E], value: Any, name: str, offered: tuple[_E, ...]) -> _E:
    """`value` as a member of `enum` among `offered`, or InvalidInput naming the choices."""
    choices = ", ".join(repr(m.value) for m in offered)
    try:
        member = enum(value)
    except ValueError:
        member = None
    if member is None or member not in offered:
        raise InvalidInput.one(name, f"{value!r} is not offered here; choose one of {choices}")
    return member


def _product_table(session: Session) -> list[tuple[str, str, bool]]:
    rows = session.exec(select(col(Product.code), col(Product.name), col(Product.is_scenario))
                        .order_by(col(Product.code)))
    return [(str(code), str(name), bool(scenario)) for code, name, scenario in rows]


def _months(days: float) -> float:
    return days / DAYS_PER_MONTH


def _at_time(time: NDArray[np.float64], days: float) -> float | str:
    """A time (median, CI limit) in months, "<5" where 1-4 remain at risk; NaN stays NaN."""
    if math.isnan(days):
        return math.nan
    at_risk = int(number_at_risk(time, [days])[0])
    return SUPPRESSED if at_risk < SMALL_CELL else _months(days)


def _curve(code: str, time: NDArray[np.float64], event: NDArray[np.int64]
           ) -> tuple[pd.DataFrame, float]:
    """The drawn part of a curve (n at risk >= 5) at its event times; and where it stops."""
    km = kaplan_meier(time, event)
    kept = km[km["n_risk"] >= SMALL_CELL]
    end = float(kept["time"].iloc[-1]) if len(kept) else 0.0
    steps = kept[kept["n_event"] > 0]
    first = pd.DataFrame({"time": [0.0], "survival": [1.0], "lower": [1.0], "upper": [1.0]})
    parts = [first, steps[["time", "survival", "lower", "upper"]]]
    if end > (float(steps["time"].iloc[-1]) if len(steps) else 0.0):
        last = parts[-1] if len(steps) else first
        parts.append(last.tail(1).assign(time=end))
    points = pd.concat(parts, ignore_index=True)
    points.insert(0, "product_code", code)
    points["time"] = points["time"] / DAYS_PER_MONTH
    return points.rename(columns={"time": "time_months"}), _months(end)


def _landmarks(code: str, time: NDArray[np.float64], event: NDArray[np.int64],
               shown: bool) -> list[dict[str, Any]]:
    days = [m * DAYS_PER_MONTH for m in LANDMARK_MONTHS]
    at_risk = number_at_risk(time, days) if time.size else np.zeros(len(days), dtype=np.int64)
    values = {"survival": [math.nan] * len(days), "lower": [math.nan] * len(days),
              "upper": [math.nan] * len(days)}
    if shown:
        with warnings.catch_warnings():  # beyond the last follow-up: NaN, said by n_risk 0
            warnings.simplefilter("ignore", StatisticalWarning)
            fit = survival_at(time, event, days)
        values = {k: fit[k].tolist() for k in values}
    rows = []
    for i, month in enumerate(LANDMARK_MONTHS):
        n = int(at_risk[i])
        hidden = not shown or 0 < n < SMALL_CELL
        row: dict[str, Any] = {"product_code": code, "month": month, "n_risk": suppress(n)}
        for key, column in values.items():
            row[key] = SUPPRESSED if hidden and time.size else (
                math.nan if n == 0 else float(column[i]))
        rows.append(row)
    return rows


def _logrank(data: pd.DataFrame, shown: list[str]) -> pd.DataFrame:
    part = data[data["product_code"].isin(shown)]
    row: dict[str, Any] = {"status": "too_few_groups", "products": ", ".join(shown),
                           "statistic": math.nan, "df": 0, "p_value": math.nan}
    if len(shown) >= 2:
        if not part["event"].any():
            row["status"] = "no_events"
        else:
            test = logrank_test(part["time"].to_numpy(float), part["event"].to_numpy(int),
                                part["product_code"].to_numpy(str))
            row |= {"status": "done", "statistic": test.statistic, "df": test.df,
                    "p_value": test.p_value}
    return pd.DataFrame([row], columns=list(LOGRANK_COLUMNS))


def _compute_outcomes(*, session: Session, actor: Actor, endpoint: Endpoint | str,
             origin: Origin | str = Origin.infusion,
             indication: Indication | str | None = None, as_of: date) -> Outcomes:
    """Kaplan-Meier survival by product, with numbers at risk, medians, landmarks, log-rank.

    Parameters
    ----------
    session : Session
    actor : registry.auth.Actor
        Leadership, data manager or system.
    endpoint : {"os", "pfs_efs"}
        Overall survival, or PFS (lymphoma) / EFS (B-ALL).
    origin : {"infusion", "apheresis"}, default "infusion"
        mITT (infused, from infusion) or ITT (every apheresed patient, from apheresis).
    indication : {"B-ALL", "LBCL", "FL", "MCL", "CLL", "other"}, optional
        One indication; None for all together.
    as_of : date
        Data cut: nothing dated after it is used.

    Returns
    -------
    Outcomes
        Aggregates only; suppression rules in the module docstring.

    Raises
    ------
    PermissionDenied
        For roles other than leadership, data manager and system.
    InvalidInput
        An endpoint other than OS or PFS/EFS, an unknown origin or indication.
    """
    require_leadership(actor)
    chosen_endpoint = _option(Endpoint, endpoint, "endpoint", (Endpoint.os, Endpoint.pfs_efs))
    chosen_origin = _option(Origin, origin, "origin", tuple(Origin))
    chosen_indication = (None if indication is None
                         else _option(Indication, indication, "indication", tuple(Indication)))
    data = build_dataset(session=session, actor=actor, endpoint=chosen_endpoint,
                         origin=chosen_origin, as_of=as_of,
                         indications=None if chosen_indication is None else [chosen_indication])
    label = endpoint_label(chosen_endpoint, chosen_indication)
    summary, curves, at_risk, landmarks, shown = [], [], [], [], []
    for code, name, scenario in _product_table(session):
        part = data[data["product_code"] == code]
        time = part["time"].to_numpy(float)
        event = part["event"].to_numpy(np.int64)
        n, events = int(time.size), int(event.sum())
        visible = n >= SMALL_CELL and not 0 < events < SMALL_CELL
        status = "no_patients" if n == 0 else ("shown" if visible else "suppressed")
        row: dict[str, Any] = {"product_code": code, "product_name": name,
                               "is_scenario": scenario, "status": status, "n": suppress(n),
                               "events": suppress(events)}
        stats: dict[str, Any] = dict.fromkeys(("median_months", "median_lower", "median_upper",
                                               "truncated_months"), math.nan)
        if status == "suppressed":
            stats |= dict.fromkeys(("median_months", "median_lower", "median_upper"), SUPPRESSED)
        elif visible:
            shown.append(code)
            points, stats["truncated_months"] = _curve(code, time, event)
            curves.append(points)
            med = median_survival(time, event)
            stats |= {"median_months": _at_time(time, med.median),
                      "median_lower": _at_time(time, med.lower),
                      "median_upper": _at_time(time, med.upper)}
        summary.append(row | stats)
        counts = (number_at_risk(time, [m * DAYS_PER_MONTH for m in RISK_MONTHS]) if n
                  else [0] * len(RISK_MONTHS))
        at_risk += [{"product_code": code, "month": m, "n_risk": suppress(int(c))}
                    for m, c in zip(RISK_MONTHS, counts, strict=True)]
        landmarks += _landmarks(code, time, event, visible)
    return Outcomes(
        endpoint=chosen_endpoint, endpoint_label=label, origin=chosen_origin,
        indication=chosen_indication, as_of=as_of,
        summary=pd.DataFrame(summary, columns=list(SUMMARY_COLUMNS)),
        curves=(pd.concat(curves, ignore_index=True)[list(CURVE_COLUMNS)] if curves
                else pd.DataFrame(columns=list(CURVE_COLUMNS))),
        at_risk=pd.DataFrame(at_risk, columns=list(AT_RISK_COLUMNS)),
        landmarks=pd.DataFrame(landmarks, columns=list(LANDMARK_COLUMNS)),
        logrank=_logrank(data, shown),
        benchmarks=published_benchmarks(label, chosen_indication)[list(BENCHMARK_COLUMNS)],
    )


__all__ = [
    "AT_RISK_COLUMNS",
    "BENCHMARK_COLUMNS",
    "CURVE_COLUMNS",
    "LANDMARK_COLUMNS",
    "LANDMARK_MONTHS",
    "LOGRANK_COLUMNS",
    "Outcomes",
    "RISK_MONTHS",
    "SUMMARY_COLUMNS",
    "endpoint_label",
    "outcomes",
    "published_benchmarks",
]


def outcomes(*, session: Session, actor: Actor, endpoint: Endpoint | str,
             origin: Origin | str = Origin.infusion,
             indication: Indication | str | None = None, as_of: date) -> Outcomes:
    require_leadership(actor)
    key = (str(endpoint), str(origin), None if indication is None else str(indication), as_of)
    return cached(session, "outcomes", key, lambda: _compute_outcomes(
        session=session, actor=actor, endpoint=endpoint, origin=origin, indication=indication,
        as_of=as_of))


outcomes.__doc__ = _compute_outcomes.__doc__
