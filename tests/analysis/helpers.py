"""Shared helpers for the analysis tests: the R fixtures, rerunning their scripts, and a
NaN-aware comparison."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

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


# ---- rerunning the R scripts that made the fixtures -----------------------------------------

REQUIRE_R = os.environ.get("REGISTRY_REQUIRE_R") == "1"
R_RTOL = 1e-12  # the JSON holds 15 significant digits; another BLAS or libm may move the last


def run_r_script(script: Path, out: Path, packages: str) -> None:
    """Run ``Rscript script out`` from the project root; skip without Rscript (apt packages
    `packages`), or fail when REGISTRY_REQUIRE_R=1 (CI)."""
    path = shutil.which("Rscript")
    if path is None:
        reason = f"Rscript is not on PATH (apt-get install {packages})"
        if REQUIRE_R:
            pytest.fail(f"REGISTRY_REQUIRE_R=1 but {reason}")
        pytest.skip(reason)
    result = subprocess.run([path, str(script), str(out)], cwd=script.parents[2],
                            capture_output=True, text=True, timeout=300, check=False)
    assert result.returncode == 0, f"the R script failed:\n{result.stderr}"


def assert_same_json(fresh: Any, committed: Any, where: str = "$", *,
                     abs_tol: float = 0.0) -> None:
    """A fixture rerun by R equals the committed one: same keys and lengths, numbers to
    `R_RTOL` relative (and `abs_tol`), everything else exactly."""
    if isinstance(committed, dict):
        assert isinstance(fresh, dict) and fresh.keys() == committed.keys(), where
        for key in committed:
            assert_same_json(fresh[key], committed[key], f"{where}.{key}", abs_tol=abs_tol)
    elif isinstance(committed, list):
        assert isinstance(fresh, list) and len(fresh) == len(committed), where
        for i, (a, b) in enumerate(zip(fresh, committed, strict=True)):
            assert_same_json(a, b, f"{where}[{i}]", abs_tol=abs_tol)
    elif isinstance(committed, float) or isinstance(fresh, float):
        assert isinstance(fresh, int | float) and isinstance(committed, int | float), where
        assert math.isclose(fresh, committed, rel_tol=R_RTOL, abs_tol=abs_tol), (
            f"{where}: R now gives {fresh!r}, the committed fixture has {committed!r}"
        )
    else:
        assert fresh == committed, f"{where}: R now gives {fresh!r}, committed {committed!r}"
