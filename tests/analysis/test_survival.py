"""Kaplan-Meier, medians, landmark survival and numbers at risk against R's ``survival``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from registry.analysis import (
    MedianSurvival,
    StatisticalWarning,
    kaplan_meier,
    median_survival,
    number_at_risk,
    reverse_km_median_followup,
    survival_at,
)
from tests.analysis.helpers import assert_matches_r, datasets, reference

CONF_TYPES = ["log-log", "log", "plain"]
KM_SETS = sorted(reference()["km"])
SUMMARY_SETS = sorted(reference()["summary"])


@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("name", KM_SETS)
def test_kaplan_meier_matches_survfit(name: str, conf_type: str) -> None:
    d = datasets()[name]
    expected = reference()["km"][name][conf_type]
    km = kaplan_meier(d["time"], d["status"], conf_type=conf_type)  # type: ignore[arg-type]
    assert list(km.columns) == [
        "time", "n_risk", "n_event", "n_censor", "survival", "lower", "upper"
    ]
    for column, key in [
        ("time", "time"),
        ("n_risk", "n_risk"),
        ("n_event", "n_event"),
        ("n_censor", "n_censor"),
        ("survival", "surv"),
        ("lower", "lower"),
        ("upper", "upper"),
    ]:
        assert_matches_r(km[column], expected[key], what=f"{name} {conf_type} {column}")


@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("name", KM_SETS)
def test_median_matches_print_survfit(name: str, conf_type: str) -> None:
    d = datasets()[name]
    expected = reference()["median"][name][conf_type]
    got = median_survival(d["time"], d["status"], conf_type=conf_type)  # type: ignore[arg-type]
    assert_matches_r(
        [got.median, got.lower, got.upper],
        [expected["median"], expected["lower"], expected["upper"]],
        what=f"{name} {conf_type}",
    )


@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("name", KM_SETS)
def test_reverse_km_median_matches_r(name: str, conf_type: str) -> None:
    d = datasets()[name]
    expected = reference()["reverse_median"][name][conf_type]
    got = reverse_km_median_followup(d["time"], d["status"], conf_type=conf_type)  # type: ignore[arg-type]
    assert_matches_r(
        [got.median, got.lower, got.upper],
        [expected["median"], expected["lower"], expected["upper"]],
    )


def _check_summary(name: str, conf_type: str, block: dict[str, Any], extend: bool) -> None:
    d = datasets()[name]
    out = survival_at(
        d["time"], d["status"], block["times"], conf_type=conf_type, extend=extend  # type: ignore[arg-type]
    )
    assert_matches_r(out["time"], block["time"])
    for column, key in [
        ("n_risk", "n_risk"),
        ("survival", "surv"),
        ("std_err", "std_err"),
        ("lower", "lower"),
        ("upper", "upper"),
    ]:
        assert_matches_r(out[column], block[key], what=f"{name} {conf_type} {column}")


@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("name", SUMMARY_SETS)
def test_survival_at_matches_summary_survfit(name: str, conf_type: str) -> None:
    block = reference()["summary"][name][conf_type]["inside"]
    _check_summary(name, conf_type, block, extend=False)


@pytest.mark.parametrize("conf_type", CONF_TYPES)
@pytest.mark.parametrize("name", SUMMARY_SETS)
def test_survival_at_extend_matches_summary_extend_true(name: str, conf_type: str) -> None:
    block = reference()["summary"][name][conf_type]["extended"]
    _check_summary(name, conf_type, block, extend=True)


@pytest.mark.parametrize("name", SUMMARY_SETS)
def test_number_at_risk_matches_summary_n_risk(name: str) -> None:
    d = datasets()[name]
    block = reference()["summary"][name]["log-log"]["extended"]
    assert_matches_r(number_at_risk(d["time"], block["times"]), block["n_risk"])


def test_survival_at_after_last_follow_up_is_nan_with_a_warning() -> None:
    with pytest.warns(StatisticalWarning, match="after the last follow-up"):
        out = survival_at([1, 2, 3], [1, 0, 1], [2, 5])
    assert out["survival"].iloc[0] == pytest.approx(2 / 3)
    assert math.isnan(out["survival"].iloc[1])
    assert out["n_risk"].tolist() == [2, 0]


def test_survival_at_keeps_the_order_of_times() -> None:
    out = survival_at([1, 2, 3, 4], [1, 1, 1, 0], [3, 1, 2])
    assert out["time"].tolist() == [3, 1, 2]
    assert out["survival"].tolist() == pytest.approx([0.25, 0.75, 0.5])


# --- a naive, per-row reference implementation -----------------------------------------------


def naive_kaplan_meier(time: np.ndarray, event: np.ndarray) -> pd.DataFrame:
    """Textbook product-limit estimator, one Python loop over distinct times."""
    rows = []
    surv = 1.0
    greenwood = 0.0
    for t in sorted(set(time.tolist())):
        at_risk = sum(1 for x in time if x >= t)
        deaths = sum(1 for x, e in zip(time, event, strict=True) if x == t and e)
        censored = sum(1 for x, e in zip(time, event, strict=True) if x == t and not e)
        surv *= 1 - deaths / at_risk
        if deaths and at_risk > deaths:
            greenwood += deaths / (at_risk * (at_risk - deaths))
        rows.append((t, at_risk, deaths, censored, surv, greenwood))
    return pd.DataFrame(rows, columns=["time", "n_risk", "n_event", "n_censor", "survival", "gw"])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_vectorised_kaplan_meier_equals_naive_loop(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 400
    time = rng.integers(0, 40, n).astype(float)  # many ties, and time 0
    event = rng.random(n) < 0.55
    naive = naive_kaplan_meier(time, event)
    km = kaplan_meier(time, event, conf_type="log")
    for column in ["time", "n_risk", "n_event", "n_censor"]:
        np.testing.assert_array_equal(km[column].to_numpy(), naive[column].to_numpy())
    np.testing.assert_allclose(km["survival"], naive["survival"], rtol=1e-12, atol=0)
    # log-scale interval from the naive Greenwood sum
    z = 1.959963984540054
    inside = naive["survival"] > 0
    expected_upper = np.minimum(naive["survival"] * np.exp(z * np.sqrt(naive["gw"])), 1)
    np.testing.assert_allclose(km["upper"][inside], expected_upper[inside], rtol=1e-12)


# --- documented edge cases ---------------------------------------------------------------------


def test_all_censored_gives_survival_one_and_median_not_reached() -> None:
    km = kaplan_meier([2, 4, 4, 7], [0, 0, 0, 0])
    assert km["survival"].tolist() == [1.0, 1.0, 1.0]
    assert km["lower"].isna().all()  # log-log is undefined at S = 1, as in R
    result = median_survival([2, 4, 4, 7], [0, 0, 0, 0])
    assert isinstance(result, MedianSurvival)
    assert math.isnan(result.median) and math.isnan(result.lower) and math.isnan(result.upper)


def test_accepts_bool_events_lists_series_and_time_zero() -> None:
    a = kaplan_meier(pd.Series([0.0, 1, 2]), pd.Series([True, False, True]))
    b = kaplan_meier([0, 1, 2], [1, 0, 1])
    pd.testing.assert_frame_equal(a, b)
    assert a["survival"].iloc[0] == pytest.approx(2 / 3)


def test_curve_reaching_zero_has_nan_limits_like_r() -> None:
    km = kaplan_meier([1, 2, 3], [1, 1, 1], conf_type="plain")
    assert km["survival"].iloc[-1] == 0
    assert math.isnan(km["lower"].iloc[-1]) and math.isnan(km["upper"].iloc[-1])


def test_frame_records_its_interval_settings() -> None:
    km = kaplan_meier([1, 2], [1, 0], conf_level=0.9, conf_type="log")
    assert km.attrs == {"conf_level": 0.9, "conf_type": "log"}


@pytest.mark.parametrize(
    ("time", "event", "match"),
    [
        ([], [], "time: is empty"),
        ([1, -2, 3], [1, 0, 1], r"time: has 1 value\(s\), the first at position 1 \(-2.0\) neg"),
        ([1, np.nan, 3], [1, 0, 1], "time: .*missing or infinite"),
        ([1, np.inf, 3], [1, 0, 1], "time: .*missing or infinite"),
        ([1, 2, 3], [1, np.nan, 1], "event: .*missing or infinite"),
        ([1, 2, 3], [1, 2, 1], r"event: must be 0 \(censored\) or 1 \(event\).*\(2.0\)"),
        ([1, 2, 3], [1, 0], "event: has 2 values but time has 3"),
        ([[1, 2], [3, 4]], [1, 0], "time: must be one-dimensional"),
        (["a", "b"], [1, 0], "time: must be numeric"),
    ],
)
def test_bad_input_raises_value_error_naming_the_argument(
    time: Any, event: Any, match: str
) -> None:
    with pytest.raises(ValueError, match=match):
        kaplan_meier(time, event)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"conf_level": 1.5}, "conf_level: must be strictly between 0 and 1.*1.5"),
        ({"conf_level": 0}, "conf_level"),
        ({"conf_type": "logit"}, "conf_type: must be one of log-log, log, plain; got 'logit'"),
    ],
)
def test_bad_interval_settings_are_rejected(kwargs: dict[str, Any], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        median_survival([1, 2], [1, 0], **kwargs)


def test_negative_landmarks_are_rejected() -> None:
    with pytest.raises(ValueError, match="times: .*negative"):
        number_at_risk([1, 2], [-1])


def test_unusual_but_valid_arrays_give_the_naive_answer() -> None:
    # strided view, -0.0 (== 0.0), subnormal and huge times: the sort key must still order them
    raw = np.array([5e300, 0, 1e-310, -0.0, 3, 0, 5e300, 2, 1e-310, 3, 7, 1])
    time = raw[::1]
    strided = np.repeat(raw, 2)[::2]
    event = np.array([1, 0, 1, 1, 0, 1, 1, 1, 0, 1, 0, 1], dtype=bool)
    naive = naive_kaplan_meier(np.where(time == 0, 0.0, time), event)
    for t in (time, strided):
        km = kaplan_meier(t, event)
        np.testing.assert_array_equal(km["time"], naive["time"])
        np.testing.assert_array_equal(km["n_event"], naive["n_event"])
        np.testing.assert_allclose(km["survival"], naive["survival"], rtol=1e-14)


def test_nullable_pandas_missing_values_are_reported_as_missing() -> None:
    with pytest.raises(ValueError, match="time: .*missing or infinite"):
        kaplan_meier(pd.Series([1, None, 3], dtype="Int64"), [1, 0, 1])
    with pytest.raises(ValueError, match="event: .*missing or infinite"):
        kaplan_meier([1, 2, 3], pd.Series([True, None, False], dtype="boolean"))
    km = kaplan_meier(pd.Series([1, 2, 3], dtype="Int64"), pd.Series([1, 0, 1], dtype="Int8"))
    assert km["survival"].tolist() == pytest.approx([2 / 3, 2 / 3, 0.0])
