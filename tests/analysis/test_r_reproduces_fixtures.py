"""The committed R fixtures are what ``make_survival_fixtures.R`` produces today.

Reruns the script into a temporary folder and compares both outputs with the committed ones,
so a hand-edited fixture or a script changed without rerunning it is caught. Needs ``Rscript``
with the survival, cmprsk and jsonlite packages (Debian: ``apt-get install r-base-core
r-cran-survival r-cran-cmprsk r-cran-jsonlite``). Without it the test is skipped, unless
``REGISTRY_REQUIRE_R=1`` (CI), where it fails instead.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.analysis.helpers import DATASETS_CSV, R_SCRIPT, REFERENCE_JSON, read_datasets

REQUIRE_R = os.environ.get("REGISTRY_REQUIRE_R") == "1"
# The JSON holds 15 significant digits; another BLAS or libm may move the last one or two.
RTOL = 1e-12


def _rscript() -> str:
    path = shutil.which("Rscript")
    if path is None:
        reason = (
            "Rscript is not on PATH (apt-get install r-base-core r-cran-survival "
            "r-cran-cmprsk r-cran-jsonlite)"
        )
        if REQUIRE_R:
            pytest.fail(f"REGISTRY_REQUIRE_R=1 but {reason}")
        pytest.skip(reason)
    return path


def _assert_same(fresh: Any, committed: Any, where: str = "$") -> None:
    if isinstance(committed, dict):
        assert isinstance(fresh, dict) and fresh.keys() == committed.keys(), where
        for key in committed:
            _assert_same(fresh[key], committed[key], f"{where}.{key}")
    elif isinstance(committed, list):
        assert isinstance(fresh, list) and len(fresh) == len(committed), where
        for i, (a, b) in enumerate(zip(fresh, committed, strict=True)):
            _assert_same(a, b, f"{where}[{i}]")
    elif isinstance(committed, float) or isinstance(fresh, float):
        assert isinstance(fresh, int | float) and isinstance(committed, int | float), where
        assert math.isclose(fresh, committed, rel_tol=RTOL, abs_tol=0.0), (
            f"{where}: R now gives {fresh!r}, the committed fixture has {committed!r}"
        )
    else:
        assert fresh == committed, f"{where}: R now gives {fresh!r}, committed {committed!r}"


@pytest.fixture(scope="module")
def fresh_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rscript = _rscript()
    out = tmp_path_factory.mktemp("r_fixtures")
    result = subprocess.run(
        [rscript, str(R_SCRIPT), str(out)],
        cwd=R_SCRIPT.parents[2],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"the R script failed:\n{result.stderr}"
    return out


def test_r_script_reproduces_the_datasets(fresh_output: Path) -> None:
    pd.testing.assert_frame_equal(
        read_datasets(fresh_output / DATASETS_CSV.name), read_datasets(DATASETS_CSV)
    )


def test_r_script_reproduces_the_reference_values(fresh_output: Path) -> None:
    fresh = json.loads((fresh_output / REFERENCE_JSON.name).read_text(encoding="utf-8"))
    committed = json.loads(REFERENCE_JSON.read_text(encoding="utf-8"))
    _assert_same(fresh, committed)
