"""Chart builders of the comparison and extrapolation pages (registry/charts/economics.py):
the layers, encodings and data each chart promises, with NaN and infinite values sent to
Vega as nulls (never the invalid JSON token NaN), and specs that Vega-Lite compiles."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from registry.charts import economics as charts
from registry.charts.export import chart_svg

ARMS = {"imported": "Imported", "domestic": "Domestic"}
ENDPOINTS = {"os": "OS", "pfs_efs": "PFS/EFS"}
MODELS = {"crude": "Crude", "adjusted": "Adjusted"}


def spec(chart: Any) -> dict[str, Any]:
    """The chart's JSON, parsed strictly: NaN/Infinity tokens fail the test."""
    def refuse(token: str) -> None:
        raise AssertionError(f"{token} in the chart's JSON")

    return json.loads(chart.to_json(), parse_constant=refuse)  # type: ignore[no-any-return]


def rows(full: dict[str, Any], layer: dict[str, Any],
         parent: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """The data rows of a layer: its own, else those its parent or the top hands down
    (Altair moves data shared by every layer up)."""
    data = layer.get("data") or (parent or {}).get("data") or full.get("data")
    assert data is not None, "the layer has no data"
    return full["datasets"][data["name"]]  # type: ignore[no-any-return]


def hazard_ratios() -> pd.DataFrame:
    return pd.DataFrame([
        {"endpoint": "os", "model": "crude", "term": "domestic", "hr": 0.8, "hr_lower": 0.5,
         "hr_upper": 1.3, "p_value": 0.3},
        {"endpoint": "os", "model": "adjusted", "term": "domestic", "hr": 0.7,
         "hr_lower": 0.4, "hr_upper": 1.2, "p_value": 0.2},
        {"endpoint": "os", "model": "adjusted", "term": "ecog", "hr": 1.5, "hr_lower": 1.1,
         "hr_upper": 2.0, "p_value": 0.01},
        {"endpoint": "pfs_efs", "model": "crude", "term": "domestic", "hr": 0.6,
         "hr_lower": 0.3, "hr_upper": 1.1, "p_value": 0.1},
        {"endpoint": "pfs_efs", "model": "adjusted", "term": "domestic", "hr": 0.0,
         "hr_lower": 0.0, "hr_upper": math.inf, "p_value": 1.0},  # no events: not drawable
    ])


def balance() -> pd.DataFrame:
    return pd.DataFrame({"covariate": ["age_per_10y", "ecog", "constant"],
                         "smd_unweighted": [-0.30, 0.15, np.nan],
                         "smd_weighted": [0.05, -0.02, np.nan]})


def curves() -> pd.DataFrame:
    return pd.DataFrame({
        "endpoint": "os",
        "arm": ["imported"] * 3 + ["domestic"] * 3 + ["imported"] * 3 + ["domestic"] * 3,
        "weighting": ["crude"] * 6 + ["iptw"] * 6,
        "month": [1.0, 4.0, 9.0] * 4,
        "survival": [0.9, 0.7, 0.6] * 4,
        "lower": [0.8, np.nan, 0.4] * 4,
        "upper": [0.95, 0.8, 0.7] * 4,
    })


def test_forest_plot_draws_the_arm_term_on_a_log_axis_with_a_rule_at_one() -> None:
    full = spec(charts.forest_plot(hazard_ratios(), endpoint_labels=ENDPOINTS,
                                   model_labels=MODELS, x_title="HR"))
    reference, ci, points = full["layer"]
    assert reference["mark"]["type"] == "rule" and rows(full, reference) == [{"hr": 1.0}]
    assert ci["mark"]["type"] == "rule" and ci["encoding"]["x2"]["field"] == "hr_upper"
    assert points["mark"]["type"] == "point"
    for layer in (reference, ci, points):
        assert layer["encoding"]["x"]["scale"]["type"] == "log"
    low, high = points["encoding"]["x"]["scale"]["domain"]
    assert low < 0.3 and high > 1.3  # every drawn CI fits; the axis holds 1
    drawn = rows(full, points)
    # the arm term only, and not the row whose CI cannot sit on a log axis
    assert sorted((r["endpoint_label"], r["model_label"], r["hr"]) for r in drawn) == [
        ("OS", "Adjusted", 0.7), ("OS", "Crude", 0.8), ("PFS/EFS", "Crude", 0.6)]
    assert points["encoding"]["y"]["sort"] == ["OS", "PFS/EFS"]
    assert points["encoding"]["yOffset"]["field"] == "model_label"
    assert points["encoding"]["color"]["scale"]["domain"] == ["Crude", "Adjusted"]


def test_love_plot_shows_absolute_smd_before_and_after_with_the_threshold() -> None:
    full = spec(charts.love_plot(balance(), covariate_labels={"age_per_10y": "Age"},
                                 stage_labels={"unweighted": "Before", "weighted": "After"}))
    rule, segment, points = full["layer"]
    assert rows(full, rule) == [{"abs_smd": charts.SMD_THRESHOLD}]
    assert rule["mark"]["strokeDash"]  # dashed
    assert segment["encoding"]["x2"]["field"] == "weighted"
    drawn = {(r["covariate_label"], r["stage_label"]): r["abs_smd"] for r in rows(full, points)}
    assert drawn == pytest.approx({("Age", "Before"): 0.30, ("Age", "After"): 0.05,
                                   ("ecog", "Before"): 0.15, ("ecog", "After"): 0.02})
    # largest imbalance before weighting on top; the constant covariate (NaN SMD) left out
    assert points["encoding"]["y"]["sort"] == ["Age", "ecog"]
    assert points["encoding"]["color"]["scale"]["domain"] == ["Before", "After"]


def test_curve_panels_draw_step_curves_from_time_zero_with_bands_per_panel() -> None:
    full = spec(charts.curve_panels(curves(), panel="weighting",
                                    panels={"crude": "Crude", "iptw": "IPTW"},
                                    arm_labels=ARMS, x_title="Months"))
    assert [p["title"] for p in full["hconcat"]] == ["Crude", "IPTW"]
    for panel in full["hconcat"]:
        band, line = panel["layer"]
        assert band["mark"]["type"] == "area" and band["mark"]["interpolate"] == "step-after"
        assert (band["encoding"]["y"]["field"], band["encoding"]["y2"]["field"]) == (
            "lower", "upper")
        assert line["mark"]["type"] == "line" and line["mark"]["interpolate"] == "step-after"
        assert line["encoding"]["color"]["scale"]["domain"] == ["Imported", "Domestic"]
        data = rows(full, line, panel)
        for arm in ARMS.values():
            mine = [r for r in data if r["arm_label"] == arm]
            assert (mine[0]["month"], mine[0]["survival"]) == (0.0, 1.0)  # starts at 1
            assert [r["month"] for r in mine] == [0.0, 1.0, 4.0, 9.0]
            assert mine[2]["lower"] is None  # the missing CI limit, as null


def test_curve_panels_start_incidence_at_zero_and_keep_only_listed_panels() -> None:
    incidence = curves().rename(columns={"weighting": "cause", "survival": "cif"}).assign(
        cause=lambda f: f["cause"].map({"crude": "relapse", "iptw": "nrm"}))
    full = spec(charts.curve_panels(incidence, panel="cause", panels={"nrm": "NRM"},
                                    arm_labels=ARMS, value="cif", start=0.0))
    (panel,) = full["hconcat"]
    data = rows(full, panel["layer"][1], panel)
    assert {r["cause"] for r in data} == {"nrm"}
    assert [r["cif"] for r in data if r["month"] == 0.0] == [0.0, 0.0]


def test_extrapolation_chart_draws_km_band_models_in_order_and_km_steps() -> None:
    km = pd.DataFrame({"arm": "imported", "year": [0.5, 1.0, 2.0],
                       "survival": [0.8, 0.6, 0.5], "lower": [0.7, 0.5, np.nan],
                       "upper": [0.9, 0.7, 0.6]})
    grid = np.linspace(0.0, 10.0, 5)
    fitted = pd.concat([pd.DataFrame({"arm": "imported", "distribution": d, "year": grid,
                                      "survival": np.exp(-rate * grid)})
                        for d, rate in (("weibull", 0.3), ("lognormal", 0.2),
                                        ("exponential", 0.4))], ignore_index=True)
    chart = charts.extrapolation_chart(
        km, fitted, model_labels={"weibull": "Weibull", "lognormal": "Log-normal"},
        models=["lognormal", "weibull"], km_label="KM", horizon_years=10.0, title="Imported")
    full = spec(chart)
    band, models, observed = full["layer"]
    assert band["mark"]["type"] == "area" and band["encoding"]["y2"]["field"] == "upper"
    assert observed["mark"]["interpolate"] == "step-after"
    colour = models["encoding"]["color"]["scale"]
    assert colour["domain"] == ["KM", "Log-normal", "Weibull"]  # KM first, then as given
    assert colour["range"][0] == charts.KM_COLOUR and len(set(colour["range"])) == 3
    assert {r["series"] for r in rows(full, models)} == {"Log-normal", "Weibull"}
    steps = rows(full, observed)
    assert (steps[0]["year"], steps[0]["survival"]) == (0.0, 1.0)
    assert steps[-1]["lower"] is None
    assert models["encoding"]["x"]["scale"]["domain"] == [0, 10.0]


def test_with_origin_leaves_a_curve_that_starts_at_zero_alone() -> None:
    frame = pd.DataFrame({"arm": ["a", "a", "b"], "month": [0.0, 2.0, 3.0],
                          "survival": [1.0, 0.5, 0.7], "lower": [1.0, 0.3, 0.5],
                          "upper": [1.0, 0.7, 0.9]})
    out = charts.with_origin(frame, by=["arm"], x="month", value="survival", start=1.0)
    assert out["arm"].tolist() == ["a", "a", "b", "b"]
    assert out["month"].tolist() == [0.0, 2.0, 0.0, 3.0]
    assert out.loc[2, ["survival", "lower", "upper"]].tolist() == [1.0, 1.0, 1.0]
    assert charts.with_origin(frame.iloc[:0], by=["arm"], x="month", value="survival",
                              start=1.0).empty


def test_every_builder_compiles_to_an_svg() -> None:
    built = [
        charts.forest_plot(hazard_ratios(), endpoint_labels=ENDPOINTS, model_labels=MODELS),
        charts.love_plot(balance(), covariate_labels={},
                         stage_labels={"unweighted": "Before", "weighted": "After"}),
        charts.curve_panels(curves(), panel="weighting", panels={"crude": "C", "iptw": "W"},
                            arm_labels=ARMS),
        charts.extrapolation_chart(
            curves()[["month", "survival", "lower", "upper"]].rename(columns={"month": "year"}),
            pd.DataFrame({"distribution": "weibull", "year": [0.0, 5.0],
                          "survival": [1.0, 0.2]}),
            model_labels={}, models=["weibull"], km_label="KM"),
    ]
    for chart in built:
        svg = chart_svg(chart).decode("utf-8")
        assert svg.startswith("<svg") and "NaN" not in svg
