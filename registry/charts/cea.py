"""Charts of the economist's Costs, Cost-effectiveness and Budget pages.

Pure builders: a DataFrame from :mod:`registry.services.hta` in, an Altair chart out; no
Streamlit. Titles and category labels come from the caller, already translated. Money is drawn
divided by ``unit`` (e.g. ``1e6`` with an axis title in millions of RUB), so the axes stay
readable; the CSV beside each chart keeps the raw roubles. The two arms keep the colours of
their products on the leadership charts (imported = Kymriah's blue, domestic = orange).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Final

import altair as alt
import pandas as pd

from registry.charts.leadership import PERCENT, PRODUCT_COLOURS

__all__ = ["ARM_COLOURS", "ARMS", "STATUS_COLOURS", "budget_chart", "ce_plane_chart",
           "ceac_chart", "cost_buildup_chart", "cumulative_difference_chart",
           "estimator_chart", "ledger_chart", "plane_sample", "wtp_line"]

ARMS: Final = ("imported", "domestic")
ARM_COLOURS: Final = {"imported": PRODUCT_COLOURS[0], "domestic": PRODUCT_COLOURS[1]}
STATUS_COLOURS: Final = {"paid": "#2ca02c", "not paid": "#d62728", "refunded": "#9467bd",
                         "not refunded": "#8c8c8c", "pending": "#fdd49e"}
REPLICATE_COLOUR, POINT_COLOUR, LINE_COLOUR = "#7f7f7f", "#d62728", "#222222"
MONEY = ",.0f"
MAX_POINTS: Final = 4000  # replicates drawn on the plane (Altair embeds every row)


def _labels(values: pd.Series, labels: Mapping[str, str]) -> pd.Series:
    return values.astype(str).map(lambda v: labels.get(v, v))


def _arm_colour(arm_labels: Mapping[str, str], title: str, legend: bool = True) -> alt.Color:
    return alt.Color("arm_label:N", title=title,
                     scale=alt.Scale(domain=[arm_labels.get(a, a) for a in ARMS],
                                     range=[ARM_COLOURS[a] for a in ARMS]),
                     legend=alt.Legend(orient="bottom") if legend else None)


def _scaled(frame: pd.DataFrame, columns: Sequence[str], unit: float) -> pd.DataFrame:
    if unit <= 0 or not math.isfinite(unit):
        raise ValueError(f"unit must be a positive number, got {unit!r}")
    return frame.assign(**{c: frame[c].astype(float) / unit for c in columns})


def estimator_chart(estimates: pd.DataFrame, *, arm_labels: Mapping[str, str],
                    method_labels: Mapping[str, str], unit: float = 1.0, x_title: str = "",
                    color_title: str = "", width: int = 600) -> alt.FacetChart:
    """Mean cost per patient by estimator with 95% CIs, one panel per arm.

    Each panel has its own x axis: the arms' costs differ far more than the estimators of
    one arm, whose intervals would otherwise shrink to dots.

    Parameters
    ----------
    estimates : DataFrame with ``arm``, ``method``, ``estimate``, ``lower``, ``upper``, as
        `CostSummary.estimates`.
    arm_labels : mapping of arm code to its label (panel titles and colours).
    method_labels : mapping of estimator code to its label; its order is the rows' order.
    unit : float
        Divisor of the money columns (1e6: millions).

    Returns
    -------
    altair.FacetChart
        Per panel, a whisker from ``lower`` to ``upper`` and a dot at ``estimate`` per method.
    """
    data = _scaled(estimates, ["estimate", "lower", "upper"], unit).assign(
        arm_label=_labels(estimates["arm"], arm_labels),
        method_label=_labels(estimates["method"], method_labels))
    base = alt.Chart().encode(
        y=alt.Y("method_label:N", title=None, sort=list(method_labels.values()),
                axis=alt.Axis(labelLimit=320)),
        color=_arm_colour(arm_labels, color_title),
        tooltip=[alt.Tooltip("arm_label:N", title=color_title),
                 alt.Tooltip("method_label:N", title=" "),
                 alt.Tooltip("estimate:Q", format=",.2f", title=x_title),
                 alt.Tooltip("lower:Q", format=",.2f"), alt.Tooltip("upper:Q", format=",.2f")])
    whisker = base.mark_rule(strokeWidth=2.5).encode(
        x=alt.X("lower:Q", title=x_title, scale=alt.Scale(zero=False, nice=True),
                axis=alt.Axis(format=",.2f")), x2="upper:Q")
    dot = base.mark_point(filled=True, size=90, opacity=1).encode(x="estimate:Q")
    layered = alt.LayerChart(layer=[whisker, dot], data=data, width=width,
                             height=34 * max(1, len(method_labels)))
    chart: alt.FacetChart = layered.facet(
        row=alt.Row("arm_label:N", title=None, sort=[arm_labels.get(a, a) for a in ARMS],
                    header=alt.Header(labelAngle=0, labelAlign="left", labelAnchor="start",
                                      labelOrient="top", labelFontWeight="bold"))
    ).resolve_scale(x="independent")
    return chart


def cost_buildup_chart(breakdown: pd.DataFrame, *, arm_labels: Mapping[str, str],
                       item_labels: Mapping[str, str], unit: float = 1.0, x_title: str = "",
                       color_title: str = "") -> alt.Chart:
    """Observed cost per patient by resource item, one horizontal stacked bar per arm.

    Parameters
    ----------
    breakdown : DataFrame with ``arm``, ``item``, ``mean_observed``, as `CostSummary.breakdown`.
    item_labels : mapping of resource item code to its label (legend and tooltip).
    """
    data = _scaled(breakdown, ["mean_observed"], unit).assign(
        arm_label=_labels(breakdown["arm"], arm_labels),
        item_label=_labels(breakdown["item"], item_labels))
    data = data[data["mean_observed"] > 0]
    order = list(dict.fromkeys(data.sort_values("mean_observed", ascending=False)["item_label"]))
    chart: alt.Chart = alt.Chart(data).mark_bar().encode(
        x=alt.X("sum(mean_observed):Q", title=x_title, stack="zero",
                axis=alt.Axis(format=",.1f")),
        y=alt.Y("arm_label:N", title=None, sort=[arm_labels.get(a, a) for a in ARMS]),
        color=alt.Color("item_label:N", title=color_title, sort=order,
                        scale=alt.Scale(scheme="tableau20"),
                        legend=alt.Legend(orient="bottom", columns=3, labelLimit=260)),
        order=alt.Order("mean_observed:Q", sort="descending"),
        tooltip=[alt.Tooltip("arm_label:N", title=" "),
                 alt.Tooltip("item_label:N", title=color_title),
                 alt.Tooltip("mean_observed:Q", format=",.3f", title=x_title)],
    ).properties(height=190)
    return chart


def plane_sample(replicates: pd.DataFrame, max_points: int = MAX_POINTS) -> pd.DataFrame:
    """Every k-th replicate so that at most ``max_points`` are drawn (all when fewer)."""
    step = max(1, math.ceil(len(replicates) / max_points))
    return replicates.iloc[::step]


def wtp_line(delta_effect: Sequence[float], wtp: float) -> pd.DataFrame:
    """Two points of the willingness-to-pay line ``delta_cost = wtp x delta_effect`` spanning
    the effects drawn and the origin: columns ``delta_effect``, ``delta_cost``."""
    values = [float(v) for v in delta_effect] + [0.0]
    low, high = min(values), max(values)
    pad = 0.05 * (high - low or 1.0)
    xs = [low - pad, high + pad]
    return pd.DataFrame({"delta_effect": xs, "delta_cost": [wtp * x for x in xs]})


def ce_plane_chart(replicates: pd.DataFrame, *, delta_cost: float, delta_effect: float,
                   wtp: float, unit: float = 1.0, x_title: str = "", y_title: str = "",
                   replicate_label: str = "", point_label: str = "", wtp_label: str = "",
                   width: int = 640, height: int = 420) -> alt.LayerChart:
    """Cost-effectiveness plane: bootstrap replicates, the base case, the WTP line.

    Parameters
    ----------
    replicates : DataFrame with ``delta_cost`` and ``delta_effect`` (new minus reference), as
        `BootstrapResult.replicates`; at most :data:`MAX_POINTS` are drawn (:func:`plane_sample`).
    delta_cost, delta_effect : float
        The base case (drawn as a diamond).
    wtp : float
        Willingness to pay per unit of effect: the line ``cost = wtp x effect``; points below
        it are cost-effective.
    unit : float
        Divisor of the costs (the line's slope is divided by it too).

    Returns
    -------
    altair.LayerChart
        Axes through the origin, the cloud, the line and the base case, one legend.
    """
    cloud = plane_sample(replicates)[["delta_effect", "delta_cost"]].assign(
        series=replicate_label)
    line = wtp_line([*cloud["delta_effect"], delta_effect], wtp).assign(series=wtp_label)
    point = pd.DataFrame({"delta_effect": [delta_effect], "delta_cost": [delta_cost],
                          "series": [point_label]})
    cloud, line, point = (_scaled(f, ["delta_cost"], unit) for f in (cloud, line, point))
    colour = alt.Color("series:N", title=None,
                       scale=alt.Scale(domain=[replicate_label, point_label, wtp_label],
                                       range=[REPLICATE_COLOUR, POINT_COLOUR, LINE_COLOUR]),
                       legend=alt.Legend(orient="bottom", labelLimit=360))
    x = alt.X("delta_effect:Q", title=x_title, scale=alt.Scale(zero=True, nice=True))
    y = alt.Y("delta_cost:Q", title=y_title, scale=alt.Scale(zero=True, nice=True),
              axis=alt.Axis(format=",.1f"))
    tooltip = [alt.Tooltip("delta_effect:Q", format=".3f", title=x_title),
               alt.Tooltip("delta_cost:Q", format=",.2f", title=y_title)]
    axes = pd.DataFrame({"zero": [0.0]})
    layers: list[Any] = [
        alt.Chart(axes).mark_rule(color="#9e9e9e").encode(x="zero:Q"),
        alt.Chart(axes).mark_rule(color="#9e9e9e").encode(y="zero:Q"),
        alt.Chart(cloud).mark_circle(size=16, opacity=0.35).encode(
            x=x, y=y, color=colour, tooltip=tooltip),
        alt.Chart(line).mark_line(strokeDash=[6, 4], strokeWidth=1.8).encode(
            x=x, y=y, color=colour),
        alt.Chart(point).mark_point(shape="diamond", filled=True, size=180, opacity=1).encode(
            x=x, y=y, color=colour, tooltip=tooltip),
    ]
    chart = alt.LayerChart(layer=layers, width=width, height=height + 90)  # + axes, legend
    return chart


def ceac_chart(curve: pd.DataFrame, *, wtp: float, unit: float = 1.0, x_title: str = "",
               y_title: str = "", wtp_label: str = "") -> alt.LayerChart:
    """Cost-effectiveness acceptability curve with the chosen willingness to pay marked.

    Parameters
    ----------
    curve : DataFrame with ``wtp`` and ``probability_cost_effective``, as
        `CEAResult.acceptability`.
    wtp : float
        The chosen willingness to pay (a vertical rule, labelled ``wtp_label``).
    unit : float
        Divisor of the willingness to pay on the x axis.
    """
    data = _scaled(curve, ["wtp"], unit)
    x = alt.X("wtp:Q", title=x_title, axis=alt.Axis(format=",.1f"))
    line = alt.Chart(data).mark_line(strokeWidth=2.2, color=ARM_COLOURS["domestic"]).encode(
        x=x, y=alt.Y("probability_cost_effective:Q", title=y_title,
                     scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(format=PERCENT)),
        tooltip=[alt.Tooltip("wtp:Q", format=",.2f", title=x_title),
                 alt.Tooltip("probability_cost_effective:Q", format=".1%", title=y_title)])
    marker = pd.DataFrame({"wtp": [wtp / unit], "label": [wtp_label]})
    rule = alt.Chart(marker).mark_rule(strokeDash=[6, 4], color=LINE_COLOUR).encode(x="wtp:Q")
    text = alt.Chart(marker).mark_text(align="left", dx=4, dy=-6, color=LINE_COLOUR).encode(
        x="wtp:Q", y=alt.datum(1.0), text="label:N")
    chart = alt.LayerChart(layer=[line, rule, text], height=400)
    return chart


def ledger_chart(status_counts: pd.DataFrame, *, status_labels: Mapping[str, str],
                 milestones: Sequence[str], x_title: str = "", color_title: str = ""
                 ) -> alt.Chart:
    """Infused patients by payment status, one horizontal stacked bar per milestone.

    Parameters
    ----------
    status_counts : DataFrame with ``milestone``, ``status``, ``patients``, as
        `AgreementEffect.status_counts`.
    status_labels : mapping of status (``paid``, ``not paid``, ``refunded``, ``not refunded``,
        ``pending``) to its label.
    milestones : sequence of str
        The bars' order (the agreement's payments, infusion first).
    """
    data = status_counts.assign(status_label=_labels(status_counts["status"], status_labels),
                                status_order=status_counts["status"].map(
                                    {s: i for i, s in enumerate(STATUS_COLOURS)}))
    chart: alt.Chart = alt.Chart(data).mark_bar().encode(
        x=alt.X("patients:Q", title=x_title, stack="zero"),
        y=alt.Y("milestone:N", title=None, sort=list(milestones),
                axis=alt.Axis(labelLimit=320)),
        color=alt.Color("status_label:N", title=color_title,
                        scale=alt.Scale(domain=[status_labels.get(s, s) for s in STATUS_COLOURS],
                                        range=list(STATUS_COLOURS.values())),
                        legend=alt.Legend(orient="bottom")),
        order=alt.Order("status_order:Q"),
        tooltip=["milestone:N", alt.Tooltip("status_label:N", title=color_title),
                 alt.Tooltip("patients:Q", title=x_title)],
    ).properties(height=60 * max(1, len(milestones)) + 90)
    return chart


def budget_chart(comparison: pd.DataFrame, *, scenario_labels: Mapping[str, str],
                 unit: float = 1.0, x_title: str = "", y_title: str = "",
                 color_title: str = "") -> alt.Chart:
    """Budget per year of each scenario, bars grouped by year.

    Parameters
    ----------
    comparison : DataFrame with ``scenario``, ``year``, ``cost``, as `BudgetResult.comparison`.
    scenario_labels : mapping of scenario name to its label; its order is the bars' order.
    """
    data = _scaled(comparison, ["cost"], unit).assign(
        scenario_label=_labels(comparison["scenario"], scenario_labels))
    order = list(scenario_labels.values())
    chart: alt.Chart = alt.Chart(data).mark_bar().encode(
        x=alt.X("year:O", title=x_title, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("scenario_label:N", sort=order),
        y=alt.Y("cost:Q", title=y_title, axis=alt.Axis(format=",.0f")),
        color=alt.Color("scenario_label:N", title=color_title, sort=order,
                        scale=alt.Scale(domain=order,
                                        range=[PRODUCT_COLOURS[0], PRODUCT_COLOURS[2]]),
                        legend=alt.Legend(orient="bottom", labelLimit=360)),
        tooltip=[alt.Tooltip("year:O", title=x_title),
                 alt.Tooltip("scenario_label:N", title=color_title),
                 alt.Tooltip("cost:Q", format=",.2f", title=y_title)],
    ).properties(height=420)
    return chart


def cumulative_difference_chart(comparison: pd.DataFrame, *, scenario: str = "mix",
                                unit: float = 1.0, x_title: str = "", y_title: str = ""
                                ) -> alt.LayerChart:
    """Cumulative budget difference of ``scenario`` against the reference, by year.

    Parameters
    ----------
    comparison : DataFrame with ``scenario``, ``year``, ``cumulative_difference``, as
        `BudgetResult.comparison` (negative: the scenario saves money).
    """
    data = _scaled(comparison[comparison["scenario"] == scenario],
                   ["cumulative_difference"], unit)
    x = alt.X("year:O", title=x_title, axis=alt.Axis(labelAngle=0))
    line = alt.Chart(data).mark_line(point=alt.OverlayMarkDef(size=70, color=PRODUCT_COLOURS[2]),
                                     strokeWidth=2.2,
                                     color=PRODUCT_COLOURS[2]).encode(
        x=x, y=alt.Y("cumulative_difference:Q", title=y_title, axis=alt.Axis(format=",.1f")),
        tooltip=[alt.Tooltip("year:O", title=x_title),
                 alt.Tooltip("cumulative_difference:Q", format=",.2f", title=y_title)])
    zero = alt.Chart(pd.DataFrame({"zero": [0.0]})).mark_rule(color="#9e9e9e").encode(
        y="zero:Q")
    chart = alt.LayerChart(layer=[zero, line], height=360)
    return chart
