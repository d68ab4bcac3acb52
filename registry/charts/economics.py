"""Charts of the economist's analysis pages: product comparison and survival extrapolation.

Pure builders on the frames of :mod:`registry.services.hta.comparison` and
:mod:`registry.services.hta.extrapolation`: a DataFrame in, an Altair chart out; no
Streamlit. Titles and category labels (arms, endpoints, models) come from the caller, already
translated. The imported arm (the reference) and the domestic arm keep the colours of the
products on the leadership charts (:data:`registry.charts.leadership.PRODUCT_COLOURS`: the
imported product first). Missing CI limits (NaN) are sent to Vega as nulls, never as ``NaN``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

import altair as alt
import pandas as pd

from registry.charts.leadership import PERCENT, PRODUCT_COLOURS

__all__ = ["ARMS", "curve_panels", "extrapolation_chart", "forest_plot", "love_plot",
           "with_origin"]

ARMS: Final = ("imported", "domestic")
"""The arms in legend order: the reference (imported) first."""
ARM_COLOURS: Final = PRODUCT_COLOURS[:2]
MODEL_COLOURS: Final = ["#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02",
                        "#a6761d", "#1f78b4", "#b2df8a", "#fb9a99"]
FOREST_COLOURS: Final = ["#8c8c8c", "#1f77b4", *MODEL_COLOURS]  # crude grey, adjusted blue
KM_COLOUR: Final = "#222222"
REFERENCE_COLOUR: Final = "#777777"
SMD_THRESHOLD: Final = 0.1


def _labels(values: pd.Series, labels: Mapping[str, str]) -> pd.Series:
    return values.astype(str).map(lambda v: labels.get(v, v))


def _finite(frame: pd.DataFrame) -> pd.DataFrame:
    """Infinite floats as NaN, index reset: Altair sends NaN to Vega as null (an infinite CI
    limit, e.g. of a hazard ratio with no events, would stretch a scale to infinity)."""
    floats = frame.select_dtypes("float").columns
    out = frame.reset_index(drop=True)
    return out.assign(**{c: out[c].where(out[c].map(math.isfinite)) for c in floats})


def with_origin(frame: pd.DataFrame, *, by: Sequence[str], x: str, value: str, start: float,
                bands: Sequence[str] = ("lower", "upper")) -> pd.DataFrame:
    """Each group's curve with a first step at ``x = 0`` (value ``start``, bands too).

    Estimators report the curve at event and censoring times only; a step line drawn from
    them would start at the first event instead of at 1 (survival) or 0 (incidence).

    Parameters
    ----------
    frame : DataFrame with the columns ``by``, ``x``, ``value`` and ``bands``.
    by : columns identifying one curve.
    x, value : the time and the estimate columns.
    start : the value at time 0 (1.0 for survival, 0.0 for cumulative incidence).
    bands : CI columns, set to ``start`` at time 0 too.

    Returns
    -------
    DataFrame
        ``frame`` plus one row at ``x = 0`` for each group without one, sorted by group and x.

    Examples
    --------
    >>> f = pd.DataFrame({"arm": ["a"], "month": [2.0], "survival": [0.8], "lower": [0.6],
    ...                   "upper": [0.9]})
    >>> with_origin(f, by=["arm"], x="month", value="survival", start=1.0)["survival"].tolist()
    [1.0, 0.8]
    """
    if frame.empty:
        return frame.copy()
    groups = frame.groupby(list(by), sort=False)[x].min()
    missing = groups[groups > 0].index
    firsts = []
    for key in missing:
        values = key if isinstance(key, tuple) else (key,)
        row = dict(zip(by, values, strict=True)) | {x: 0.0, value: start}
        row |= dict.fromkeys([b for b in bands if b in frame.columns], start)
        firsts.append(row)
    out = pd.concat([pd.DataFrame(firsts, columns=frame.columns), frame], ignore_index=True) \
        if firsts else frame.copy()
    return out.sort_values([*by, x], kind="stable").reset_index(drop=True)


def _arm_colour(arm_labels: Mapping[str, str], title: str) -> alt.Color:
    return alt.Color("arm_label:N", title=title,
                     scale=alt.Scale(domain=[arm_labels.get(a, a) for a in ARMS],
                                     range=ARM_COLOURS),
                     legend=alt.Legend(orient="bottom", symbolType="stroke",
                                       symbolStrokeWidth=3, symbolOpacity=1))


def forest_plot(hazard_ratios: pd.DataFrame, *, endpoint_labels: Mapping[str, str],
                model_labels: Mapping[str, str], x_title: str = "", y_title: str = "",
                color_title: str = "", term: str = "domestic", width: int = 520,
                ) -> alt.LayerChart:
    """Hazard ratio of ``term`` with its 95% CI per endpoint and model, on a log axis.

    Parameters
    ----------
    hazard_ratios : DataFrame with ``endpoint, model, term, hr, hr_lower, hr_upper``, as
        `Comparison.hazard_ratios`; only the rows of ``term`` are drawn, and only those with
        a finite, positive estimate and CI (a log axis cannot show the others; the table
        beside the chart does).
    endpoint_labels, model_labels : code -> label ("os" -> "OS", "crude" -> "Crude"); the
        rows and the colours follow their order.
    term : the arm term (the domestic product against the imported reference).

    Returns
    -------
    altair.LayerChart
        A dashed rule at HR = 1 (no difference), one CI rule and one point per row;
        points are offset by model within each endpoint.
    """
    rows = hazard_ratios[hazard_ratios["term"] == term]
    cells = rows[["hr", "hr_lower", "hr_upper"]].astype(float)
    rows = rows[((cells > 0) & cells.map(math.isfinite)).all(axis=1)]
    data = rows.assign(endpoint_label=_labels(rows["endpoint"], endpoint_labels),
                       model_label=_labels(rows["model"], model_labels))
    low = min([1.0, *data["hr_lower"].astype(float)]) / 1.25
    high = max([1.0, *data["hr_upper"].astype(float)]) * 1.25
    x_scale = alt.Scale(type="log", domain=[low, high], nice=False)
    endpoints = list(endpoint_labels.values())
    models = list(model_labels.values())
    y = alt.Y("endpoint_label:N", title=y_title, sort=endpoints)
    offset = alt.YOffset("model_label:N", sort=models)
    colour = alt.Color("model_label:N", title=color_title, sort=models,
                       scale=alt.Scale(domain=models, range=FOREST_COLOURS[:max(1, len(models))]),
                       legend=alt.Legend(orient="bottom"))
    base = alt.Chart(_finite(data[["endpoint_label", "model_label", "hr", "hr_lower",
                                  "hr_upper"]])).encode(y=y, yOffset=offset, color=colour)
    reference = alt.Chart(pd.DataFrame({"hr": [1.0]})).mark_rule(
        strokeDash=[4, 4], color=REFERENCE_COLOUR).encode(x=alt.X("hr:Q", scale=x_scale))
    ci = base.mark_rule(strokeWidth=2.5).encode(
        x=alt.X("hr_lower:Q", title=x_title, scale=x_scale), x2="hr_upper:Q")
    points = base.mark_point(filled=True, size=90, opacity=1).encode(
        x=alt.X("hr:Q", scale=x_scale),
        tooltip=[alt.Tooltip("endpoint_label:N", title=y_title),
                 alt.Tooltip("model_label:N", title=color_title),
                 alt.Tooltip("hr:Q", format=".2f", title=x_title),
                 alt.Tooltip("hr_lower:Q", format=".2f"),
                 alt.Tooltip("hr_upper:Q", format=".2f")])
    return alt.LayerChart(layer=[reference, ci, points], width=width,
                          height=alt.Step(48))


def love_plot(balance: pd.DataFrame, *, covariate_labels: Mapping[str, str],
              stage_labels: Mapping[str, str], x_title: str = "", y_title: str = "",
              color_title: str = "", threshold: float = SMD_THRESHOLD, width: int = 520
              ) -> alt.LayerChart:
    """Absolute standardised mean differences before and after weighting ("Love plot").

    Parameters
    ----------
    balance : DataFrame with ``covariate, smd_unweighted, smd_weighted``, as
        `Comparison.balance`; a NaN SMD (a constant covariate) is left out.
    covariate_labels : covariate -> label; a covariate without one shows as itself.
    stage_labels : ``{"unweighted": ..., "weighted": ...}``, the legend entries.
    threshold : |SMD| below which a covariate counts as balanced (0.1), a dashed rule.

    Returns
    -------
    altair.LayerChart
        The threshold rule, a grey segment from before to after per covariate and one point
        per covariate and stage; covariates sorted by |SMD| before weighting, largest on top.
    """
    stages = [s for s in ("unweighted", "weighted") if s in stage_labels]
    label = _labels(balance["covariate"], covariate_labels)
    wide = pd.DataFrame({"covariate_label": label.to_numpy()})
    for stage in stages:
        wide[stage] = balance[f"smd_{stage}"].astype(float).abs().to_numpy()
    wide = wide.dropna(subset=stages, how="all")
    order = wide.sort_values(stages[0], ascending=False, kind="stable")["covariate_label"]
    long = wide.melt(id_vars="covariate_label", value_vars=stages, var_name="stage",
                     value_name="abs_smd").dropna(subset=["abs_smd"])
    long["stage_label"] = _labels(long["stage"], stage_labels)
    y = alt.Y("covariate_label:N", title=y_title, sort=list(order))
    top = max([threshold * 1.5, *long["abs_smd"]]) * 1.05
    x_scale = alt.Scale(domain=[0, top], nice=False)
    rule = alt.Chart(pd.DataFrame({"abs_smd": [threshold]})).mark_rule(
        strokeDash=[4, 4], color=REFERENCE_COLOUR).encode(x=alt.X("abs_smd:Q", scale=x_scale))
    layers: list[Any] = [rule]
    if len(stages) == 2:
        segment = wide.dropna(subset=stages)
        layers.append(alt.Chart(_finite(segment)).mark_rule(color="#bdbdbd").encode(
            y=y, x=alt.X(f"{stages[0]}:Q", scale=x_scale), x2=f"{stages[1]}:Q"))
    stage_names = [stage_labels[s] for s in stages]
    layers.append(alt.Chart(_finite(long)).mark_point(filled=True, size=80, opacity=1).encode(
        y=y, x=alt.X("abs_smd:Q", title=x_title, scale=x_scale),
        color=alt.Color("stage_label:N", title=color_title, sort=stage_names,
                        scale=alt.Scale(domain=stage_names,
                                        range=["#d62728", "#2ca02c"][:len(stage_names)]),
                        legend=alt.Legend(orient="bottom")),
        shape=alt.Shape("stage_label:N", sort=stage_names, legend=None),
        tooltip=[alt.Tooltip("covariate_label:N", title=y_title),
                 alt.Tooltip("stage_label:N", title=color_title),
                 alt.Tooltip("abs_smd:Q", format=".3f", title=x_title)]))
    return alt.LayerChart(layer=layers, width=width, height=alt.Step(28))


def _step_curves(data: pd.DataFrame, *, x: str, value: str, x_scale: alt.Scale,
                 y_scale: alt.Scale, x_title: str, y_title: str, colour: alt.Color,
                 color_title: str, title: str, width: int, height: int) -> alt.LayerChart:
    base = alt.Chart(_finite(data)).encode(x=alt.X(f"{x}:Q", title=x_title, scale=x_scale),
                                          color=colour)
    band = base.mark_area(interpolate="step-after", opacity=0.15).encode(
        y=alt.Y("lower:Q", title=y_title, scale=y_scale, axis=alt.Axis(format=PERCENT)),
        y2="upper:Q")
    line = base.mark_line(interpolate="step-after", strokeWidth=2.2).encode(
        y=alt.Y(f"{value}:Q"),
        tooltip=[alt.Tooltip("arm_label:N", title=color_title),
                 alt.Tooltip(f"{x}:Q", format=".1f", title=x_title),
                 alt.Tooltip(f"{value}:Q", format=".1%", title=y_title),
                 alt.Tooltip("lower:Q", format=".1%"), alt.Tooltip("upper:Q", format=".1%")])
    return alt.LayerChart(layer=[band, line], title=title, width=width,
                          height=height + 100)  # Streamlit's height includes axes and legend


def curve_panels(curves: pd.DataFrame, *, panel: str, panels: Mapping[str, str],
                 arm_labels: Mapping[str, str], x: str = "month", value: str = "survival",
                 start: float = 1.0, x_title: str = "", y_title: str = "",
                 color_title: str = "", x_max: float | None = None, width: int = 360,
                 height: int = 300) -> alt.HConcatChart:
    """Step curves by arm with 95% bands, one panel per value of ``panel``, side by side.

    The comparison page draws Kaplan-Meier curves (``panel="weighting"``: crude, IPTW) and
    cumulative incidence (``panel="cause"``: relapse, NRM) with it.

    Parameters
    ----------
    curves : DataFrame with ``arm``, ``panel``, ``x``, ``value``, ``lower``, ``upper``
        (one endpoint's rows of `Comparison.curves`, or `Comparison.incidence`).
    panels : panel value -> panel title, in panel order; other values are not drawn.
    arm_labels : ``{"imported": ..., "domestic": ...}``, the legend.
    start : the curves' value at time 0 (1 for survival, 0 for incidence), drawn as the
        first step.
    x_max : end of the time axis (default: the longest curve).

    Returns
    -------
    altair.HConcatChart
        One layer (band, step line) per panel, sharing the y scale and the colours.
    """
    data = curves[curves[panel].isin(list(panels))]
    data = with_origin(data[[panel, "arm", x, value, "lower", "upper"]], by=[panel, "arm"],
                       x=x, value=value, start=start)
    data = data.assign(arm_label=_labels(data["arm"], arm_labels))
    end = x_max if x_max is not None else float(data[x].max()) if not data.empty else 1.0
    x_scale = alt.Scale(domain=[0, end], nice=False)
    y_scale = alt.Scale(domain=[0, 1])
    colour = _arm_colour(arm_labels, color_title)
    charts = [_step_curves(data[data[panel] == key], x=x, value=value, x_scale=x_scale,
                           y_scale=y_scale, x_title=x_title, y_title=y_title, colour=colour,
                           color_title=color_title, title=title, width=width, height=height)
              for key, title in panels.items()]
    chart: alt.HConcatChart = alt.hconcat(*charts).resolve_scale(y="shared", color="shared")
    return chart


def extrapolation_chart(km: pd.DataFrame, curves: pd.DataFrame, *,
                        model_labels: Mapping[str, str], models: Sequence[str],
                        km_label: str, x_title: str = "", y_title: str = "",
                        color_title: str = "", horizon_years: float | None = None,
                        title: str = "", width: int = 760, height: int = 340
                        ) -> alt.LayerChart:
    """One arm's Kaplan-Meier curve (with its 95% band) and fitted model curves to the horizon.

    Parameters
    ----------
    km : DataFrame with ``year, survival, lower, upper`` (one arm of `Extrapolation.km`).
    curves : DataFrame with ``distribution, year, survival`` (one arm of
        `Extrapolation.curves`).
    model_labels : distribution -> readable name (legend entries).
    models : the distributions to draw, in legend order (e.g. by AIC); others are left out.
    km_label : legend entry of the Kaplan-Meier curve (drawn black, on top).
    horizon_years : end of the time axis (default: the longest curve).

    Returns
    -------
    altair.LayerChart
        The KM band, the model lines (one colour each) and the KM step line.
    """
    names = [model_labels.get(m, m) for m in models]
    lines = curves[curves["distribution"].isin(list(models))]
    lines = lines.assign(series=_labels(lines["distribution"], model_labels))
    steps = with_origin(km[["year", "survival", "lower", "upper"]].assign(arm="km"),
                        by=["arm"], x="year", value="survival", start=1.0)
    steps = steps.assign(series=km_label)
    end = horizon_years if horizon_years is not None else float(
        max([1.0, *lines["year"], *steps["year"]]))
    x_scale = alt.Scale(domain=[0, end], nice=False)
    y_scale = alt.Scale(domain=[0, 1])
    domain = [km_label, *names]
    palette = [KM_COLOUR, *(MODEL_COLOURS * (1 + len(names) // len(MODEL_COLOURS)))[:len(names)]]
    colour = alt.Color("series:N", title=color_title, sort=domain,
                       scale=alt.Scale(domain=domain, range=palette),
                       legend=alt.Legend(orient="bottom", symbolType="stroke",
                                         symbolStrokeWidth=3, columns=3, labelLimit=260))
    x = alt.X("year:Q", title=x_title, scale=x_scale)
    band = alt.Chart(_finite(steps)).mark_area(
        interpolate="step-after", opacity=0.18, color=KM_COLOUR).encode(
        x=x, y=alt.Y("lower:Q", title=y_title, scale=y_scale, axis=alt.Axis(format=PERCENT)),
        y2="upper:Q")
    tooltip = [alt.Tooltip("series:N", title=color_title),
               alt.Tooltip("year:Q", format=".1f", title=x_title),
               alt.Tooltip("survival:Q", format=".1%", title=y_title)]
    fitted = alt.Chart(_finite(lines[["series", "year", "survival"]])).mark_line(
        strokeWidth=1.8).encode(x=x, y="survival:Q", color=colour, tooltip=tooltip)
    observed = alt.Chart(_finite(steps[["series", "year", "survival", "lower", "upper"]])
                         ).mark_line(interpolate="step-after", strokeWidth=2.6).encode(
        x=x, y="survival:Q", color=colour, tooltip=tooltip)
    # Streamlit sizes the whole chart (axes, legend, title) to `height`: add their room
    legend_rows = -(-len(domain) // 3)
    return alt.LayerChart(layer=[band, fitted, observed], title=title, width=width,
                          height=height + 90 + 22 * legend_rows + (30 if title else 0))
