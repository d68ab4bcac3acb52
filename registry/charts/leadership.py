"""Charts of the leadership dashboards, built from the frames of `registry.services.leadership`.

Pure builders: a DataFrame in, an Altair chart out; no Streamlit. Cells suppressed as
``"<5"`` are not drawn as bars or points (a mark of unknown size would mislead); heatmaps
show them grey with "<5" written in, and the tables and CSV files beside each chart show
them too. Titles and category labels come from the caller, already translated, so the
charts speak the page's language.

Heights are the whole chart's (axes and legend included): Streamlit fits the chart to them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import altair as alt
import pandas as pd

SUPPRESSED = "<5"
GRADE_COLOURS = {
    "none": "#e0e0e0", "1": "#fdd49e", "2": "#fc8d59", "3": "#d7301f", "4": "#990000",
    "5": "#3f0000", "ungraded": "#bdbdbd", "other_scale": "#9ecae1",
}
# Products in code order (KYMRIAH, NMRC-CD19): the same colour on every chart.
PRODUCT_COLOURS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd"]
SUPPRESSED_FILL = "#d9d9d9"
PERCENT = ".0%"


def numeric(values: pd.Series) -> pd.Series:
    """Numbers of a suppressed column: ``"<5"`` (and anything not a number) becomes NaN."""
    return pd.to_numeric(values.where(values != SUPPRESSED), errors="coerce")


def _arrow_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Object columns as text, so a chart's data serialises to Arrow ("<5" among ints)."""
    mixed = [c for c in frame.columns if frame[c].dtype == object]
    return frame.astype(dict.fromkeys(mixed, str)) if mixed else frame


def _labelled(frame: pd.DataFrame, column: str, labels: Mapping[str, str] | None) -> pd.Series:
    values = frame[column].astype(str)
    return values.map(lambda v: labels.get(v, v)) if labels else values


def _sort(labels: Mapping[str, str] | None, order: Sequence[str]) -> list[str]:
    return [labels.get(k, k) if labels else k for k in order]


def _product_colour(title: str = "", legend: bool = True) -> alt.Color:
    return alt.Color("product_code:N", title=title,
                     scale=alt.Scale(range=PRODUCT_COLOURS),
                     legend=alt.Legend(orient="bottom") if legend else None)


def period_label(start: date, period: str, quarter: str = "Q{q} {year}") -> str:
    """A period's display label: ``03.2024`` (month), ``quarter`` filled in, or ``2024``.

    >>> period_label(date(2024, 4, 1), "quarter")
    'Q2 2024'
    >>> period_label(date(2024, 4, 1), "month")
    '04.2024'
    """
    if period == "month":
        return start.strftime("%m.%Y")
    if period == "quarter":
        return quarter.format(q=(start.month - 1) // 3 + 1, year=start.year)
    return str(start.year)


def _with_periods(frame: pd.DataFrame, period: str, quarter: str) -> tuple[pd.DataFrame,
                                                                           list[str]]:
    starts = sorted(set(frame["period_start"]))
    labels = {s: period_label(s, period, quarter) for s in starts}
    return (frame.assign(period_label=frame["period_start"].map(labels)),
            [labels[s] for s in starts])


def enrolment_chart(frame: pd.DataFrame, *, period: str, quarter: str = "Q{q} {year}",
                    x_title: str = "", y_title: str = "", color_title: str = "") -> alt.Chart:
    """Stacked bars of episodes apheresed per period, one colour per product.

    Parameters
    ----------
    frame : DataFrame with ``period_start`` (date), ``product_code`` and ``apheresed``
        (int or "<5"), as `Overview.enrolment`.
    period : {"month", "quarter", "year"}
    quarter : str
        Label of a quarter, with ``{q}`` and ``{year}`` (e.g. ``"{q} кв. {year}"``).
    """
    data, order = _with_periods(frame, period, quarter)
    data = data.assign(apheresed=numeric(data["apheresed"]))
    data = data[data["apheresed"] > 0]
    chart: alt.Chart = alt.Chart(_arrow_safe(data)).mark_bar().encode(
        x=alt.X("period_label:O", title=x_title, sort=order,
                axis=alt.Axis(labelAngle=-45, labelOverlap=True)),
        y=alt.Y("sum(apheresed):Q", title=y_title),
        color=_product_colour(color_title),
        tooltip=[alt.Tooltip("period_label:O", title=x_title),
                 alt.Tooltip("product_code:N", title=color_title),
                 alt.Tooltip("apheresed:Q", title=y_title)],
    ).properties(height=420)
    return chart


def _heatmap(data: pd.DataFrame, *, x: alt.X, y: alt.Y, colour: alt.Color, tooltip: list[Any],
             font_size: int, height: int) -> alt.LayerChart:
    """Rectangles coloured by ``value``, grey where ``suppressed``, ``text`` written in."""
    base = alt.Chart(_arrow_safe(data)).encode(x=x, y=y, tooltip=tooltip)
    cells = base.transform_filter("!datum.suppressed").mark_rect(
        stroke="white", strokeWidth=1).encode(color=colour)
    hidden = base.transform_filter("datum.suppressed").mark_rect(
        stroke="white", strokeWidth=1, color=SUPPRESSED_FILL)
    text = base.mark_text(fontSize=font_size, color="black").encode(text="text:N")
    chart: alt.LayerChart = (cells + hidden + text).properties(height=height)
    return chart


def enrolment_heatmap(frame: pd.DataFrame, *, period: str, quarter: str = "Q{q} {year}",
                      x_title: str = "", y_title: str = "", color_title: str = ""
                      ) -> alt.LayerChart:
    """Sites x periods coloured by episodes apheresed, the count written in; cells of 1-4
    are grey and read "<5" (a stacked bar would silently drop them).

    Parameters
    ----------
    frame : DataFrame with ``period_start``, ``site_code`` and ``apheresed`` (int or "<5"),
        as `Overview.enrolment_by_site`.
    period, quarter
        As in :func:`enrolment_chart`.
    """
    data, order = _with_periods(frame, period, quarter)
    data = data.assign(value=numeric(data["apheresed"]),
                       suppressed=data["apheresed"].astype(str) == SUPPRESSED,
                       text=data["apheresed"].astype(str))
    return _heatmap(
        data,
        x=alt.X("period_label:O", title=x_title, sort=order,
                axis=alt.Axis(labelAngle=-45, labelOverlap=True)),
        y=alt.Y("site_code:N", title=y_title, axis=alt.Axis(labelOverlap=False)),
        colour=alt.Color("value:Q", title=color_title, scale=alt.Scale(scheme="blues")),
        tooltip=[alt.Tooltip("site_code:N", title=y_title),
                 alt.Tooltip("period_label:O", title=x_title),
                 alt.Tooltip("text:N", title=color_title)],
        font_size=9 if period == "month" else 11,
        height=28 * max(1, data["site_code"].nunique()) + 110,
    )


def wide_table(frame: pd.DataFrame, *, index: str, columns: str, values: str,
               index_title: str = "", labels: Mapping[str, str] | None = None) -> pd.DataFrame:
    """A long frame as a table: one row per `index` value (labelled by `labels`), one column
    per `columns` value in order of appearance, cells as text ("<5" among numbers), 0 where
    a combination is absent.

    >>> long = pd.DataFrame({"reason": ["death", "death"], "product_code": ["A", "B"],
    ...                      "episodes": [7, "<5"]})
    >>> wide_table(long, index="reason", columns="product_code", values="episodes")
      reason  A   B
    0  death  7  <5
    """
    order = list(dict.fromkeys(frame[columns].astype(str)))
    wide = frame.assign(**{columns: frame[columns].astype(str)}).pivot(
        index=index, columns=columns, values=values)
    wide = wide.reindex(columns=order).fillna(0).astype(str)
    wide.columns.name = None
    wide = wide.reset_index()
    if labels:
        wide[index] = [labels.get(v, v) for v in wide[index]]
    return wide.rename(columns={index: index_title or index})


def site_period_table(frame: pd.DataFrame, *, period: str, quarter: str = "Q{q} {year}",
                      site: str = "site_code") -> pd.DataFrame:
    """Enrolment by site as a table: one row per site, one column per period (in order),
    cells as text ("<5" among numbers); `site` names the first column."""
    data, order = _with_periods(frame, period, quarter)
    wide = data.pivot(index="site_code", columns="period_label", values="apheresed")
    wide = wide[order].astype(str)
    wide.columns.name = None
    return wide.reset_index().rename(columns={"site_code": site})


def completeness_heatmap(frame: pd.DataFrame, *, threshold: float = 0.9, x_title: str = "",
                         y_title: str = "", color_title: str = "") -> alt.LayerChart:
    """Sites x timepoints coloured by follow-up completeness, the percentage written in;
    red below `threshold`, green towards 100%, grey where suppressed ("<5").

    Parameters
    ----------
    frame : DataFrame with ``site_code``, ``timepoint``, ``timepoint_order`` and
        ``completeness`` (float, "<5" or NaN), as `Overview.completeness`.
    threshold : float
        The completeness that flags a site (colour scale midpoint).
    """
    data = frame.assign(value=numeric(frame["completeness"]))
    data["suppressed"] = frame["completeness"].astype(str) == SUPPRESSED
    data["text"] = [
        SUPPRESSED if hidden else ("" if pd.isna(v) else f"{v:.0%}")
        for hidden, v in zip(data["suppressed"], data["value"], strict=True)
    ]
    order = (data.drop_duplicates("timepoint").sort_values("timepoint_order")["timepoint"]
             .tolist())
    return _heatmap(
        data,
        x=alt.X("timepoint:N", sort=order, title=x_title,
                axis=alt.Axis(labelAngle=0, orient="top")),
        y=alt.Y("site_code:N", title=y_title, axis=alt.Axis(labelOverlap=False)),
        colour=alt.Color("value:Q", title=color_title,
                         scale=alt.Scale(domain=[0.5, threshold, 1.0],
                                         range=["#d73027", "#fee08b", "#1a9850"], clamp=True),
                         legend=alt.Legend(format=PERCENT)),
        tooltip=[alt.Tooltip("site_code:N", title=y_title),
                 alt.Tooltip("timepoint:N", title=x_title),
                 alt.Tooltip("text:N", title=color_title)],
        font_size=11,
        height=28 * max(1, data["site_code"].nunique()) + 50,
    )


def grade_chart(frame: pd.DataFrame, *, grade_labels: Mapping[str, str] | None = None,
                event_labels: Mapping[str, str] | None = None, x_title: str = "",
                y_title: str = "", color_title: str = "") -> alt.Chart:
    """Horizontal stacked bars of the worst ASTCT grade per infused episode, one bar per
    toxicity and product (``CRS · KYMRIAH``); each bar adds up to the infused episodes.

    Parameters
    ----------
    frame : DataFrame with ``product_code``, ``event_type``, ``grade`` and ``share``
        (float or "<5"), as `Safety.grades`.
    grade_labels : mapping of grade code (``none``, ``1``..``5``, ``ungraded``,
        ``other_scale``) to its label.
    event_labels : mapping of toxicity code (``CRS``, ``ICANS``) to its label.
    """
    data = frame.assign(value=numeric(frame["share"]),
                        grade_label=_labelled(frame, "grade", grade_labels),
                        event_label=_labelled(frame, "event_type", event_labels))
    data["bar"] = data["event_label"] + " · " + data["product_code"].astype(str)
    data["grade_order"] = data["grade"].map({g: i for i, g in enumerate(GRADE_COLOURS)})
    bars = list(dict.fromkeys(data.sort_values(["event_type", "product_code"])["bar"]))
    data = data[data["value"] > 0]
    chart: alt.Chart = alt.Chart(_arrow_safe(data)).mark_bar().encode(
        x=alt.X("value:Q", title=x_title, stack="zero", axis=alt.Axis(format=PERCENT),
                scale=alt.Scale(domain=[0, 1])),
        y=alt.Y("bar:N", title=y_title, sort=bars, axis=alt.Axis(labelLimit=260)),
        color=alt.Color("grade_label:N", title=color_title,
                        scale=alt.Scale(domain=_sort(grade_labels, list(GRADE_COLOURS)),
                                        range=list(GRADE_COLOURS.values())),
                        legend=alt.Legend(orient="bottom")),
        order=alt.Order("grade_order:Q"),
        tooltip=["product_code:N", alt.Tooltip("event_label:N"),
                 alt.Tooltip("grade_label:N", title=color_title),
                 alt.Tooltip("value:Q", format=".1%", title=x_title)],
    ).properties(height=44 * max(1, len(bars)) + 110)
    return chart


def rate_chart(frame: pd.DataFrame, *, category: str = "event_type",
               category_labels: Mapping[str, str] | None = None, zero: bool = True,
               x_title: str = "", y_title: str = "", color_title: str = "") -> alt.LayerChart:
    """Rates as points with exact 95% CI bars, one row per category, products side by side.

    Parameters
    ----------
    frame : DataFrame with ``product_code``, `category`, ``rate``, ``ci_lower``,
        ``ci_upper`` (float or "<5"), ``numerator`` and ``denominator``.
    zero : bool, default True
        Start the axis at 0%; False zooms in on the intervals (rates near 100%).
    """
    data = frame.assign(rate=numeric(frame["rate"]), ci_lower=numeric(frame["ci_lower"]),
                        ci_upper=numeric(frame["ci_upper"]),
                        label=_labelled(frame, category, category_labels),
                        numerator=frame["numerator"].astype(str),
                        denominator=frame["denominator"].astype(str))
    data = data[data["rate"].notna()]
    order = _sort(category_labels, list(dict.fromkeys(frame[category].astype(str))))
    base = alt.Chart(_arrow_safe(data)).encode(
        y=alt.Y("label:N", title=y_title, sort=order, axis=alt.Axis(labelLimit=260)),
        yOffset=alt.YOffset("product_code:N"),
        color=_product_colour(color_title),
        tooltip=["product_code:N", alt.Tooltip("label:N", title=y_title),
                 alt.Tooltip("rate:Q", format=".1%", title=x_title),
                 alt.Tooltip("ci_lower:Q", format=".1%"), alt.Tooltip("ci_upper:Q", format=".1%"),
                 "numerator:N", "denominator:N"],
    )
    bars = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("ci_lower:Q", title=x_title,
                axis=alt.Axis(format=PERCENT if zero else ".1%", tickCount=10),
                scale=alt.Scale(zero=zero, nice=True)),
        x2="ci_upper:Q",
    )
    points = base.mark_point(filled=True, size=90).encode(x="rate:Q")
    chart: alt.LayerChart = (bars + points).properties(height=80 * max(1, len(order)) + 120)
    return chart


def histogram_chart(frame: pd.DataFrame, *, x_title: str = "", y_title: str = "",
                    color_title: str = "") -> alt.Chart:
    """Binned day counts (e.g. vein-to-vein) as bars, products side by side in each bin.

    Parameters
    ----------
    frame : DataFrame with ``product_code``, ``bin_start``, ``bin_end`` and ``count``
        (int or "<5"), as one metric of `Production.histogram`.
    """
    data = frame.assign(count=numeric(frame["count"]))
    data["bin"] = [f"{int(a)}–{int(b) - 1}" for a, b in zip(data["bin_start"], data["bin_end"],
                                                           strict=True)]
    bins = list(dict.fromkeys(data.sort_values("bin_start")["bin"]))
    data = data[data["count"] > 0]
    chart: alt.Chart = alt.Chart(_arrow_safe(data)).mark_bar().encode(
        x=alt.X("bin:O", title=x_title, sort=bins, axis=alt.Axis(labelAngle=0)),
        xOffset=alt.XOffset("product_code:N"),
        y=alt.Y("count:Q", title=y_title),
        color=_product_colour(color_title),
        tooltip=["product_code:N", alt.Tooltip("bin:O", title=x_title),
                 alt.Tooltip("count:Q", title=y_title)],
    ).properties(height=340)
    return chart


def spread_chart(frame: pd.DataFrame, *, x_title: str = "", y_title: str = "") -> alt.LayerChart:
    """A box plot from summary statistics: whiskers 10th-90th percentile, box the
    interquartile range, a tick at the median; one row per product.

    Parameters
    ----------
    frame : DataFrame with ``product_code``, ``n``, ``median``, ``q1``, ``q3``, ``p10``,
        ``p90`` (float or "<5"), as one metric of `Production.durations`.
    """
    stats = ["median", "q1", "q3", "p10", "p90"]
    data = frame.assign(**{s: numeric(frame[s]) for s in stats}, n=frame["n"].astype(str))
    data = data[data["median"].notna()]
    base = alt.Chart(_arrow_safe(data)).encode(
        y=alt.Y("product_code:N", title=y_title),
        color=_product_colour(legend=False),
        tooltip=["product_code:N", "n:N", *[alt.Tooltip(f"{s}:Q", format=".0f") for s in stats]],
    )
    whiskers = base.mark_rule().encode(x=alt.X("p10:Q", title=x_title), x2="p90:Q")
    box = base.mark_bar(size=22, opacity=0.6).encode(x="q1:Q", x2="q3:Q")
    median = base.mark_tick(size=22, thickness=3, color="black").encode(x="median:Q")
    chart: alt.LayerChart = (whiskers + box + median).properties(
        height=50 * max(1, len(data)) + 60)
    return chart


def funnel_chart(frame: pd.DataFrame, *, stage_labels: Mapping[str, str] | None = None,
                 x_title: str = "", y_title: str = "", color_title: str = "") -> alt.LayerChart:
    """Attrition funnel: episodes at each stage (apheresed -> lot released -> infused),
    products side by side, the share of the apheresed written beside each bar.

    Parameters
    ----------
    frame : DataFrame with ``product_code``, ``stage``, ``stage_order``, ``episodes``
        (int or "<5") and ``share`` (float or "<5"), as `Production.funnel`.
    """
    data = frame.assign(episodes=numeric(frame["episodes"]), share=numeric(frame["share"]),
                        label=_labelled(frame, "stage", stage_labels))
    data = data[data["episodes"] > 0]
    data["text"] = [f"{int(n)} ({s:.0%})" if pd.notna(s) else f"{int(n)}"
                    for n, s in zip(data["episodes"], data["share"], strict=True)]
    order = (frame.drop_duplicates("stage").sort_values("stage_order")["stage"].astype(str)
             .tolist())
    base = alt.Chart(_arrow_safe(data)).encode(
        y=alt.Y("label:N", title=y_title, sort=_sort(stage_labels, order)),
        yOffset=alt.YOffset("product_code:N"),
        x=alt.X("episodes:Q", title=x_title, axis=alt.Axis(format="d")),
        tooltip=["product_code:N", alt.Tooltip("label:N", title=y_title),
                 alt.Tooltip("episodes:Q", title=x_title),
                 alt.Tooltip("share:Q", format=".1%")],
    )
    bars = base.mark_bar().encode(color=_product_colour(color_title))
    text = base.mark_text(align="left", dx=4, fontSize=11).encode(text="text:N")
    chart: alt.LayerChart = (bars + text).properties(height=70 * max(1, len(order)) + 110)
    return chart


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A frame as CSV for download: UTF-8 with BOM (Excel reads Cyrillic), dates as
    DD.MM.YYYY, and text a spreadsheet will not run as a formula.

    >>> csv_bytes(pd.DataFrame({"n": ["<5", "=1+1"]})).decode("utf-8-sig").splitlines()
    ['n', '<5', "'=1+1"]
    """
    out = frame.copy()
    for column in out.columns:
        out[column] = [_csv_cell(v) for v in out[column]]
    return out.to_csv(index=False).encode("utf-8-sig")


def _csv_cell(value: Any) -> Any:
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def display_table(frame: pd.DataFrame, columns: Mapping[str, str],
                  percent: Sequence[str] = (), decimals: Mapping[str, int] | None = None
                  ) -> pd.DataFrame:
    """The columns of `frame` picked and renamed for a table: shares as ``12.3%``, numbers
    rounded, dates DD.MM.YYYY, and every column text so a "<5" sits among numbers.

    >>> display_table(pd.DataFrame({"r": [0.1234, "<5"]}), {"r": "Rate"}, percent=["r"])
        Rate
    0  12.3%
    1     <5
    """
    decimals = decimals or {}
    shown = pd.DataFrame(index=frame.index)
    for column, title in columns.items():
        shown[title] = [_display_cell(v, column in percent, decimals.get(column))
                        for v in frame[column]]
    return shown.reset_index(drop=True)


def _display_cell(value: Any, percent: bool, decimals: int | None) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "✔" if value else ""
    if isinstance(value, date):
        return value.strftime("%d.%m.%Y")
    if percent:
        return f"{float(value):.1%}"
    if decimals is not None:
        return f"{float(value):.{decimals}f}"
    return str(value)


__all__ = [
    "completeness_heatmap",
    "csv_bytes",
    "display_table",
    "enrolment_chart",
    "enrolment_heatmap",
    "funnel_chart",
    "grade_chart",
    "histogram_chart",
    "numeric",
    "period_label",
    "rate_chart",
    "site_period_table",
    "spread_chart",
    "wide_table",
]
