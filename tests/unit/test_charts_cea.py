"""Charts of the Costs, Cost-effectiveness and Budget pages: the data each mark draws, the
labels the caller passed, money scaled by the unit, and an offline SVG of every chart."""

from __future__ import annotations

from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import pytest

from registry.charts import cea as charts
from registry.charts.export import chart_svg

ARMS = {"imported": "Импортный", "domestic": "Отечественный"}
METHODS = {"naive-complete": "Наивное (полные)", "naive-all": "Наивное (все)", "lin": "Лин",
           "bang-tsiatis": "Бэнг–Циатис"}


def estimates() -> pd.DataFrame:
    rows = []
    for a, arm in enumerate(ARMS):
        for m, method in enumerate(METHODS):
            centre = 40e6 - 25e6 * a + 1e6 * m
            rows.append({"arm": arm, "method": method, "estimate": centre,
                         "lower": centre - 2e6, "upper": centre + 3e6})
    return pd.DataFrame(rows)


def layer_data(chart: Any) -> list[list[dict[str, Any]]]:
    """The rows each layer of `chart` draws, in layer order (the chart's own data for a
    single-view chart; a facet's layers draw the facet's data)."""
    spec = chart.to_dict()
    datasets = spec.get("datasets", {})
    inner = spec.get("spec", spec)
    layers = inner.get("layer", [inner])
    return [datasets[(layer.get("data") or inner.get("data") or spec["data"])["name"]]
            for layer in layers]


def encodings(chart: Any) -> list[dict[str, Any]]:
    spec = chart.to_dict()
    inner = spec.get("spec", spec)
    return [layer.get("encoding", {}) for layer in inner.get("layer", [inner])]


def test_estimator_chart_draws_each_arm_and_method_scaled_with_its_interval() -> None:
    frame = estimates()
    chart = charts.estimator_chart(frame, arm_labels=ARMS, method_labels=METHODS, unit=1e6,
                                   x_title="Млн руб.", color_title="Группа")
    whisker, dot = layer_data(chart)
    assert len(dot) == len(ARMS) * len(METHODS)
    for row in dot:
        source = frame[(frame["arm"] == {v: k for k, v in ARMS.items()}[row["arm_label"]])
                       & (frame["method"] == {v: k for k, v in METHODS.items()}[
                           row["method_label"]])].iloc[0]
        assert row["estimate"] == pytest.approx(source["estimate"] / 1e6)
        assert row["lower"] == pytest.approx(source["lower"] / 1e6)
        assert row["upper"] == pytest.approx(source["upper"] / 1e6)
    rule, point = encodings(chart)
    assert rule["x"]["field"] == "lower" and rule["x2"]["field"] == "upper"
    assert point["x"]["field"] == "estimate"
    assert rule["y"]["sort"] == list(METHODS.values())  # rows in the estimators' order
    spec = chart.to_dict()
    assert spec["facet"]["row"]["field"] == "arm_label"  # a panel per arm, own x axis
    assert spec["resolve"]["scale"]["x"] == "independent"
    colour = spec["spec"]["layer"][0]["encoding"]["color"]["scale"]
    assert colour["domain"] == list(ARMS.values())
    assert colour["range"] == [charts.ARM_COLOURS["imported"], charts.ARM_COLOURS["domestic"]]


def test_cost_buildup_stacks_each_arms_items_to_its_total() -> None:
    breakdown = pd.DataFrame({
        "arm": ["imported"] * 3 + ["domestic"] * 3,
        "item": ["product_acquisition", "ward_day", "icu_day"] * 2,
        "mean_observed": [39e6, 2.2e5, 0.0, 12e6, 2.1e5, 3.9e4]})
    labels = {"product_acquisition": "Препарат", "ward_day": "Койко-день", "icu_day": "ОРИТ"}
    chart = charts.cost_buildup_chart(breakdown, arm_labels=ARMS, item_labels=labels, unit=1e6)
    (rows,) = layer_data(chart)
    drawn = pd.DataFrame(rows)
    assert set(drawn["item_label"]) <= set(labels.values())
    assert "ОРИТ" not in set(drawn.loc[drawn["arm_label"] == ARMS["imported"], "item_label"])
    totals = drawn.groupby("arm_label")["mean_observed"].sum()
    expected = breakdown.groupby("arm")["mean_observed"].sum() / 1e6
    for arm, label in ARMS.items():
        assert totals[label] == pytest.approx(expected[arm])
    encoding = chart.to_dict()["encoding"]
    assert encoding["x"]["stack"] == "zero"


def test_ce_plane_has_the_cloud_the_base_case_and_a_wtp_line_through_the_origin() -> None:
    rng = np.random.default_rng(3)
    replicates = pd.DataFrame({"replicate": np.arange(500),
                               "delta_effect": rng.normal(0.4, 0.2, 500),
                               "delta_cost": rng.normal(-2e6, 1e6, 500)})
    wtp = 5e6
    chart = charts.ce_plane_chart(replicates, delta_cost=-2.1e6, delta_effect=0.38, wtp=wtp,
                                  unit=1e6, replicate_label="Повторы", point_label="Базовый",
                                  wtp_label="Порог")
    _, _, cloud, line, point = layer_data(chart)
    assert len(cloud) == 500
    assert [r["delta_cost"] for r in cloud] == pytest.approx(
        (replicates["delta_cost"] / 1e6).tolist())
    assert point == [{"delta_effect": 0.38, "delta_cost": pytest.approx(-2.1),
                      "series": "Базовый"}]
    # the line is cost = wtp x effect (in the chart's unit), spanning the cloud and the origin
    xs = [r["delta_effect"] for r in line]
    assert all(r["delta_cost"] == pytest.approx(wtp * r["delta_effect"] / 1e6) for r in line)
    assert min(xs) < min(0.0, replicates["delta_effect"].min())
    assert max(xs) > max(0.0, replicates["delta_effect"].max())
    legend = chart.to_dict()["layer"][2]["encoding"]["color"]["scale"]["domain"]
    assert legend == ["Повторы", "Базовый", "Порог"]


def test_plane_sample_keeps_every_kth_replicate_up_to_the_limit() -> None:
    frame = pd.DataFrame({"replicate": np.arange(10_001)})
    sample = charts.plane_sample(frame, max_points=4000)
    assert len(sample) <= 4000
    assert sample["replicate"].iloc[0] == 0
    assert np.all(np.diff(sample["replicate"]) == 3)  # ceil(10001 / 4000) = 3
    assert len(charts.plane_sample(frame.head(50))) == 50


def test_wtp_line_passes_through_the_origin_even_for_one_sided_effects() -> None:
    line = charts.wtp_line([0.2, 0.5], 1e6)
    assert line["delta_effect"].min() < 0 < line["delta_effect"].max()
    assert np.allclose(line["delta_cost"], 1e6 * line["delta_effect"])


def test_ceac_marks_the_chosen_wtp() -> None:
    curve = pd.DataFrame({"wtp": np.linspace(0, 15e6, 61),
                          "probability_cost_effective": np.linspace(0.2, 0.9, 61)})
    chart = charts.ceac_chart(curve, wtp=5e6, unit=1e6, wtp_label="Порог 5 млн")
    line, rule, text = layer_data(chart)
    assert len(line) == 61 and line[-1]["wtp"] == pytest.approx(15.0)
    assert rule == [{"wtp": 5.0, "label": "Порог 5 млн"}]
    assert text == rule
    y = encodings(chart)[0]["y"]
    assert y["scale"]["domain"] == [0, 1]


def test_ledger_chart_orders_milestones_and_colours_statuses() -> None:
    counts = pd.DataFrame({"milestone": ["infusion", "M18", "M18", "M18"],
                           "status": ["paid", "paid", "not paid", "pending"],
                           "patients": [325, 57, 179, 89]})
    labels = {"paid": "оплачено", "not paid": "не оплачено", "refunded": "возвращено",
              "not refunded": "без возврата", "pending": "ожидается"}
    chart = charts.ledger_chart(counts, status_labels=labels, milestones=["infusion", "M18"])
    (rows,) = layer_data(chart)
    drawn = pd.DataFrame(rows)
    assert drawn.groupby("milestone")["patients"].sum().to_dict() == {"infusion": 325, "M18": 325}
    encoding = chart.to_dict()["encoding"]
    assert encoding["y"]["sort"] == ["infusion", "M18"]
    assert encoding["color"]["scale"]["domain"] == list(labels.values())
    assert encoding["color"]["scale"]["range"] == list(charts.STATUS_COLOURS.values())


def comparison() -> pd.DataFrame:
    years = np.arange(1, 6)
    reference = np.array([120.0, 120.4, 120.8, 121.3, 121.7]) * 1e9
    mix = reference - np.array([7.7, 15.5, 23.3, 31.2, 39.0]) * 1e9
    rows = [{"scenario": "100% imported", "year": y, "cost": r, "reference_cost": r,
             "difference": 0.0, "cumulative_difference": 0.0}
            for y, r in zip(years, reference, strict=True)]
    rows += [{"scenario": "mix", "year": y, "cost": m, "reference_cost": r,
              "difference": m - r, "cumulative_difference": c}
             for y, m, r, c in zip(years, mix, reference, np.cumsum(mix - reference),
                                   strict=True)]
    return pd.DataFrame(rows)


def test_budget_chart_groups_both_scenarios_by_year() -> None:
    labels = {"100% imported": "100% импортный", "mix": "Выбранный"}
    chart = charts.budget_chart(comparison(), scenario_labels=labels, unit=1e9)
    (rows,) = layer_data(chart)
    drawn = pd.DataFrame(rows)
    assert len(drawn) == 10
    assert set(drawn["scenario_label"]) == set(labels.values())
    assert drawn.loc[drawn["scenario_label"] == "100% импортный", "cost"].tolist() == \
        pytest.approx([120.0, 120.4, 120.8, 121.3, 121.7])
    assert chart.to_dict()["encoding"]["xOffset"]["field"] == "scenario_label"


def test_cumulative_difference_draws_the_mix_only() -> None:
    frame = comparison()
    chart = charts.cumulative_difference_chart(frame, unit=1e9)
    _, line = layer_data(chart)
    mix = frame[frame["scenario"] == "mix"]
    assert [r["cumulative_difference"] for r in line] == pytest.approx(
        (mix["cumulative_difference"] / 1e9).tolist())
    assert line[-1]["cumulative_difference"] == pytest.approx(-(7.7 + 15.5 + 23.3 + 31.2 + 39.0))


def test_unit_must_be_positive() -> None:
    with pytest.raises(ValueError, match="unit"):
        charts.budget_chart(comparison(), scenario_labels={}, unit=0)


def test_every_chart_renders_offline_as_svg_with_its_labels() -> None:
    rng = np.random.default_rng(1)
    replicates = pd.DataFrame({"replicate": np.arange(200), "delta_effect": rng.normal(size=200),
                               "delta_cost": rng.normal(size=200) * 1e6})
    built: list[tuple[alt.TopLevelMixin, str]] = [
        (charts.estimator_chart(estimates(), arm_labels=ARMS, method_labels=METHODS,
                                unit=1e6), "Бэнг–Циатис"),
        (charts.ce_plane_chart(replicates, delta_cost=0.0, delta_effect=0.0, wtp=1e6,
                               replicate_label="Повторы", point_label="Базовый",
                               wtp_label="Порог"), "Повторы"),
        (charts.budget_chart(comparison(), scenario_labels={"100% imported": "Импорт",
                                                            "mix": "Смесь"}), "Смесь"),
    ]
    for chart, label in built:
        svg = chart_svg(chart).decode("utf-8")
        assert svg.startswith("<svg") and label in svg
