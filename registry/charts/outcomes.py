"""Charts of the Outcomes and Centres dashboards, from `registry.services.outcomes`/`centres`.

Pure builders: a DataFrame in, an Altair chart out; no Streamlit. Titles and labels come from
the caller, already translated. Cells suppressed as ``"<5"`` are never drawn; the tables and
CSV files beside each chart show them. Every product keeps its colour of the other leadership
charts (:data:`registry.charts.leadership.PRODUCT_COLOURS`, products in code order).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

import altair as alt
import pandas as pd

from registry.charts.leadership import PERCENT, PRODUCT_COLOURS, numeric

BENCHMARK_COLOUR = "#222222"
FLAGGED_COLOUR = "#9e9e9e"
RANKED_COLOUR = "#1f77b4"
LIMIT_COLOURS = {"95": "#e08214", "998": "#b2182b"}
Y_AXIS_WIDTH = 80  # both parts of the KM chart reserve this for their y axis: plots align


def _text_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns as text, so a chart's data serialises ("<5" among numbers)."""
    mixed = [c for c in frame.columns if frame[c].dtype == object]
    return frame.astype(dict.fromkeys(mixed, str)) if mixed else frame


def _colour(products: Sequence[str], title: str = "", legend: bool = True,
            line: bool = False) -> alt.Color:
    shown = (alt.Legend(orient="bottom", symbolType="stroke", symbolStrokeWidth=3,
                        symbolOpacity=1) if line else alt.Legend(orient="bottom"))
    return alt.Color("product_code:N", title=title,
                     scale=alt.Scale(domain=list(products),
                                     range=PRODUCT_COLOURS[:max(1, len(products))]),
                     legend=shown if legend else None)


def km_chart(curves: pd.DataFrame, at_risk: pd.DataFrame, benchmarks: pd.DataFrame | None = None,
             *, products: Sequence[str], months: Sequence[float], x_title: str = "",
             y_title: str = "", risk_title: str = "", color_title: str = "",
             benchmark_label: str = "", width: int = 760, height: int = 380
             ) -> alt.VConcatChart:
    """Kaplan-Meier step curves with 95% bands, published points, numbers at risk beneath.

    Parameters
    ----------
    curves : DataFrame with ``product_code``, ``time_months``, ``survival``, ``lower``,
        ``upper``, as `Outcomes.curves`.
    at_risk : DataFrame with ``product_code``, ``month``, ``n_risk`` (int or "<5"), as
        `Outcomes.at_risk`.
    benchmarks : DataFrame with ``month``, ``value``, ``source``, ``citation``,
        ``population``, ``n``, as `Outcomes.benchmarks`; drawn as black diamonds.
    products : sequence of str
        Every product code, in code order (fixes the colours).
    months : sequence of float
        The x axis ticks and the columns of the at-risk table; the axis ends at the last.
    benchmark_label : str
        The legend entry of the published points.
    width, height : int
        Of the plot area; the at-risk table beneath has the same width and x scale.

    Returns
    -------
    altair.VConcatChart
        The curves on top, the number-at-risk table under them.
    """
    x_scale = alt.Scale(domain=[0, max(months)], nice=False)
    x_axis = alt.Axis(values=list(months), format="d", grid=True)
    y_axis = alt.Axis(format=PERCENT, minExtent=Y_AXIS_WIDTH, maxExtent=Y_AXIS_WIDTH)
    base = alt.Chart(_text_columns(curves)).encode(
        x=alt.X("time_months:Q", title=x_title, scale=x_scale, axis=x_axis),
        color=_colour(products, color_title, line=True))
    band = base.mark_area(interpolate="step-after", opacity=0.18).encode(
        y=alt.Y("lower:Q", title=y_title, scale=alt.Scale(domain=[0, 1]), axis=y_axis),
        y2="upper:Q")
    line = base.mark_line(interpolate="step-after", strokeWidth=2.2).encode(
        y="survival:Q",
        tooltip=["product_code:N",
                 alt.Tooltip("time_months:Q", format=".1f", title=x_title),
                 alt.Tooltip("survival:Q", format=".1%", title=y_title),
                 alt.Tooltip("lower:Q", format=".1%"), alt.Tooltip("upper:Q", format=".1%")])
    layers: list[Any] = [band, line]
    if benchmarks is not None and not benchmarks.empty:
        points = benchmarks.assign(marker=benchmark_label,
                                   n=benchmarks["n"].astype("string").fillna("–"))
        layers.append(alt.Chart(_text_columns(points)).mark_point(
            filled=True, size=120, color=BENCHMARK_COLOUR, opacity=0.9).encode(
            x=alt.X("month:Q", scale=x_scale),
            y=alt.Y("value:Q"),
            shape=alt.Shape("marker:N", title=None,
                            scale=alt.Scale(domain=[benchmark_label], range=["diamond"]),
                            legend=alt.Legend(orient="bottom", labelLimit=400)),
            tooltip=["source:N", alt.Tooltip("month:Q", format=".1f", title=x_title),
                     alt.Tooltip("value:Q", format=".1%", title=y_title), "population:N",
                     "n:N", "citation:N"]))
    plot = alt.layer(*layers).properties(width=width, height=height)
    table = alt.Chart(_text_columns(at_risk.assign(n_risk=at_risk["n_risk"].astype(str)))
                      ).mark_text(fontSize=12).encode(
        x=alt.X("month:Q", scale=x_scale, axis=None),
        y=alt.Y("product_code:N", title=risk_title, sort=list(products),
                axis=alt.Axis(minExtent=Y_AXIS_WIDTH, maxExtent=Y_AXIS_WIDTH, ticks=False,
                              domain=False, labelFontWeight="bold", titleAngle=0,
                              titleAlign="left", titleAnchor="start", titleY=-12,
                              titleX=-Y_AXIS_WIDTH)),
        text="n_risk:N",
        color=_colour(products, legend=False),
    ).properties(width=width, height=24 * max(1, len(products)))
    # Streamlit pads (and overflows) a stretched vconcat holding layers unless told to fit x.
    chart: alt.VConcatChart = alt.vconcat(plot, table, spacing=28).resolve_scale(
        x="shared", color="shared").properties(
        autosize=alt.AutoSizeParams(type="fit-x", contains="padding"))
    return chart


def landmark_chart(landmarks: pd.DataFrame, benchmarks: pd.DataFrame | None = None, *,
                   products: Sequence[str], month_label: str = "{month}", x_title: str = "",
                   y_title: str = "", color_title: str = "", benchmark_label: str = ""
                   ) -> alt.LayerChart:
    """Landmark survival with 95% CI per product, the published figures at the same months.

    Parameters
    ----------
    landmarks : DataFrame with ``product_code``, ``month``, ``survival``, ``lower``,
        ``upper`` (float or "<5"), as `Outcomes.landmarks`.
    benchmarks : DataFrame as `Outcomes.benchmarks`; only points at a landmark month show.
    month_label : str
        Label of a landmark, with ``{month}`` (e.g. ``"{month} мес"``).
    """
    data = landmarks.assign(**{c: numeric(landmarks[c]) for c in ("survival", "lower",
                                                                   "upper")})
    data = data[data["survival"].notna()]
    data["label"] = [month_label.format(month=int(m)) for m in data["month"]]
    order = [month_label.format(month=int(m)) for m in sorted(set(landmarks["month"]))]
    x = alt.X("label:N", title=x_title, sort=order, axis=alt.Axis(labelAngle=0))
    y_scale = alt.Scale(zero=False, nice=True)
    base = alt.Chart(_text_columns(data)).encode(
        x=x, xOffset=alt.XOffset("product_code:N", sort=list(products)),
        color=_colour(products, color_title),
        tooltip=["product_code:N", alt.Tooltip("label:N", title=x_title),
                 alt.Tooltip("survival:Q", format=".1%", title=y_title),
                 alt.Tooltip("lower:Q", format=".1%"), alt.Tooltip("upper:Q", format=".1%")])
    layers: list[Any] = [
        base.mark_rule(strokeWidth=2).encode(
            y=alt.Y("lower:Q", title=y_title, scale=y_scale, axis=alt.Axis(format=PERCENT)),
            y2="upper:Q"),
        base.mark_point(filled=True, size=90).encode(y="survival:Q"),
    ]
    if benchmarks is not None and not benchmarks.empty:
        at = benchmarks[benchmarks["month"].isin(list(landmarks["month"]))]
        at = at.assign(label=[month_label.format(month=int(m)) for m in at["month"]],
                       marker=benchmark_label)
        layers.append(alt.Chart(_text_columns(at)).mark_point(
            filled=True, size=120, color=BENCHMARK_COLOUR).encode(
            x=x, y=alt.Y("value:Q", scale=y_scale),
            shape=alt.Shape("marker:N", title=None,
                            scale=alt.Scale(domain=[benchmark_label], range=["diamond"]),
                            legend=alt.Legend(orient="bottom", labelLimit=400)),
            tooltip=["source:N", alt.Tooltip("value:Q", format=".1%", title=y_title),
                     "population:N", "citation:N"]))
    chart = alt.LayerChart(layer=layers, height=340)
    return chart


def _funnel_range(points: pd.DataFrame, limits: pd.DataFrame) -> list[float]:
    """The y range: every drawn site and the 99.8% limits from the smallest drawn site's n
    on (the limits flare towards 0% and 100% at a handful of patients), 5 points of margin."""
    smallest = points["n"].min() if len(points) else limits["n"].min()
    near = limits[limits["n"] >= smallest]
    low = min([*points["adjusted"].dropna(), *near["lower_998"]], default=0.0)
    high = max([*points["adjusted"].dropna(), *near["upper_998"]], default=1.0)
    return [max(0.0, float(low) - 0.05), min(1.0, float(high) + 0.05)]


def centre_funnel_chart(sites: pd.DataFrame, limits: pd.DataFrame, *,
                        status_labels: Mapping[str, str], limit_labels: Mapping[str, str],
                        x_title: str = "", y_title: str = "", target_label: str = ""
                        ) -> alt.LayerChart:
    """Funnel plot: risk-adjusted 1-year survival per site against its number of patients.

    Parameters
    ----------
    sites : DataFrame with ``site_code``, ``site_name``, ``n``, ``adjusted``, ``observed``,
        ``expected``, ``o_minus_e``, ``completeness`` and ``status``, as `CentreReport.sites`;
        ``ranked`` sites are filled blue, ``flagged`` ones hollow grey, the rest not drawn.
    limits : DataFrame with ``n``, ``target``, ``lower_95``, ``upper_95``, ``lower_998``,
        ``upper_998``, as `CentreReport.limits`.
    status_labels : mapping of ``ranked``/``flagged`` to their legend labels.
    limit_labels : mapping of ``95``/``998`` to their legend labels.
    target_label : str
        Legend label of the overall survival line.
    """
    long = limits.melt(id_vars=["n"], value_vars=["lower_95", "upper_95", "lower_998",
                                                   "upper_998", "target"],
                       var_name="line", value_name="value")
    long["level"] = [v.split("_")[-1] if v != "target" else "target" for v in long["line"]]
    names = {**limit_labels, "target": target_label}
    long["limit"] = long["level"].map(names)
    domain = [names["target"], names["95"], names["998"]]
    shown = sites[sites["status"].isin(["ranked", "flagged"])]
    points_data = shown.assign(n=numeric(shown["n"]), adjusted=numeric(shown["adjusted"]),
                               state=shown["status"].map(dict(status_labels)))
    y_scale = alt.Scale(domain=_funnel_range(points_data, limits), nice=False)
    lines = alt.Chart(long).mark_line(strokeWidth=1.6, clip=True).encode(
        x=alt.X("n:Q", title=x_title, scale=alt.Scale(zero=True)),
        y=alt.Y("value:Q", title=y_title, axis=alt.Axis(format=PERCENT), scale=y_scale),
        detail="line:N",
        color=alt.Color("limit:N", title=None, scale=alt.Scale(
            domain=domain, range=["#555555", LIMIT_COLOURS["95"], LIMIT_COLOURS["998"]]),
            legend=alt.Legend(orient="bottom", labelLimit=400)),
        strokeDash=alt.StrokeDash("limit:N", scale=alt.Scale(
            domain=domain, range=[[1, 0], [6, 4], [2, 2]]), legend=None))
    state_domain = [status_labels["ranked"], status_labels["flagged"]]
    base = alt.Chart(_text_columns(points_data)).encode(
        x="n:Q", y="adjusted:Q",
        tooltip=["site_code:N", "site_name:N", "n:Q",
                 alt.Tooltip("adjusted:Q", format=".1%", title=y_title),
                 alt.Tooltip("observed:Q", format=".1%"), alt.Tooltip("expected:Q", format=".1%"),
                 alt.Tooltip("o_minus_e:Q", format="+.1%"),
                 alt.Tooltip("completeness:Q", format=".0%"), "state:N"])
    points = base.mark_point(size=110, strokeWidth=2).encode(
        color=alt.Color("state:N", title=None, scale=alt.Scale(
            domain=state_domain, range=[RANKED_COLOUR, FLAGGED_COLOUR]),
            legend=alt.Legend(orient="bottom", labelLimit=400)),
        fill=alt.Fill("state:N", scale=alt.Scale(domain=state_domain,
                                                 range=[RANKED_COLOUR, "transparent"]),
                      legend=None))
    labels = base.mark_text(align="left", dx=8, fontSize=11).encode(
        text="site_code:N",
        color=alt.Color("state:N", scale=alt.Scale(domain=state_domain,
                                                   range=["#333333", FLAGGED_COLOUR]),
                        legend=None))
    chart: alt.LayerChart = alt.layer(lines, points, labels).resolve_scale(
        color="independent").properties(height=440)
    return chart


def observed_expected_chart(sites: pd.DataFrame, *, status_labels: Mapping[str, str],
                            x_title: str = "", y_title: str = "", observed_label: str = "",
                            expected_label: str = "") -> alt.LayerChart:
    """Observed 1-year survival (dot, 95% CI) and expected (open diamond) per site.

    Ranked sites come first in rank order, flagged ones after them, greyed.

    Parameters
    ----------
    sites : DataFrame as `CentreReport.sites`; suppressed sites are not drawn.
    status_labels : mapping of ``ranked``/``flagged`` to their labels (tooltip).
    observed_label, expected_label : str
        Legend entries of the two marks.
    """
    shown = sites[sites["status"].isin(["ranked", "flagged"])].copy()
    for column in ("observed", "observed_lower", "observed_upper", "expected", "o_minus_e"):
        shown[column] = numeric(shown[column])
    shown["order"] = shown["rank"].astype("Float64").fillna(1000.0).astype(float)
    order = shown.sort_values(["order", "site_code"])["site_code"].tolist()
    shown["state"] = shown["status"].map(dict(status_labels))
    shown["opacity"] = [1.0 if s == "ranked" else 0.45 for s in shown["status"]]
    shown = shown.drop(columns=["rank"])
    y = alt.Y("site_code:N", title=y_title, sort=order)
    base = alt.Chart(_text_columns(shown)).encode(
        y=y, opacity=alt.Opacity("opacity:Q", scale=None, legend=None),
        tooltip=["site_code:N", "site_name:N", "state:N",
                 alt.Tooltip("observed:Q", format=".1%"),
                 alt.Tooltip("observed_lower:Q", format=".1%"),
                 alt.Tooltip("observed_upper:Q", format=".1%"),
                 alt.Tooltip("expected:Q", format=".1%"),
                 alt.Tooltip("o_minus_e:Q", format="+.1%")])
    kinds = [observed_label, expected_label]
    legend = alt.Legend(orient="bottom")
    marks = {  # one legend: shape, outline and fill all follow the kind
        "shape": alt.Shape("kind:N", title=None, legend=legend,
                           scale=alt.Scale(domain=kinds, range=["circle", "diamond"])),
        "color": alt.Color("kind:N", title=None, legend=legend,
                           scale=alt.Scale(domain=kinds, range=[RANKED_COLOUR, "#333333"])),
        "fill": alt.Fill("kind:N", title=None, legend=legend,
                         scale=alt.Scale(domain=kinds, range=[RANKED_COLOUR, "transparent"])),
    }
    ci = base.mark_rule(strokeWidth=2, color=RANKED_COLOUR).encode(
        x=alt.X("observed_lower:Q", title=x_title, axis=alt.Axis(format=PERCENT, tickCount=8),
                scale=alt.Scale(zero=False)),
        x2="observed_upper:Q")
    observed = base.transform_calculate(kind=json.dumps(observed_label)).mark_point(
        size=100, strokeWidth=2).encode(x="observed:Q", **marks)
    expected = base.transform_calculate(kind=json.dumps(expected_label)).mark_point(
        size=130, strokeWidth=2).encode(x="expected:Q", **marks)
    chart = alt.LayerChart(layer=[ci, observed, expected], height=34 * max(1, len(order)) + 130)
    return chart


__all__ = [
    "centre_funnel_chart",
    "km_chart",
    "landmark_chart",
    "observed_expected_chart",
]
