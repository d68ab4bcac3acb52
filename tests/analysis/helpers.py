"""Shared helpers for the analysis tests: the R fixtures and a NaN-aware comparison."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
R_SCRIPT = FIXTURES / "make_survival_fixtures.R"
DATASETS_CSV = FIXTURES / "survival_datasets.csv"
REFERENCE_JSON = FIXTURES / "survival_reference.json"

RTOL = 1e-8  # R values are stored with 15 significant digits


def read_datasets(path: Path = DATASETS_CSV) -> pd.DataFrame:
    """The data sets exactly as R wrote them (Python's exact float parsing, labels as text)."""
    return pd.read_csv(
        path,
        engine="python",
        dtype={"dataset": str, "group": str},
        keep_default_na=False,
        na_values=[""],
    )


@cache
def datasets() -> dict[str, pd.DataFrame]:
    frame = read_datasets()
    return {name: part.reset_index(drop=True) for name, part in frame.groupby("dataset")}


@cache
def reference() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(REFERENCE_JSON.read_text(encoding="utf-8"))
    return loaded


def r_values(values: Any) -> np.ndarray:
    """R vector (or scalar, or matrix) from JSON, with null (R's NA/NaN) as NaN."""
    if values is None:
        return np.array(np.nan)
    if isinstance(values, list):
        return np.array(
            [r_values(v) if isinstance(v, list) else (np.nan if v is None else v) for v in values],
            dtype=np.float64,
        )
    return np.array(values, dtype=np.float64)


def assert_matches_r(actual: Any, expected: Any, rtol: float = RTOL, what: str = "") -> None:
    """``actual`` equals R's ``expected`` to ``rtol``; NaN where R has NA."""
    np.testing.assert_allclose(
        np.asarray(actual, dtype=np.float64),
        r_values(expected),
        rtol=rtol,
        atol=0.0,
        equal_nan=True,
        err_msg=what,
    )
