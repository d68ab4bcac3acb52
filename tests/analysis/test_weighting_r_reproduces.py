"""The committed weighting fixture is what ``make_weighting_fixtures.R`` produces today.

Reruns the script into a temporary folder and compares its JSON with the committed one, so a
hand-edited fixture or a script changed without rerunning it is caught. Needs ``Rscript`` with
the survival and jsonlite packages (Debian: ``apt-get install r-base-core r-cran-survival
r-cran-jsonlite``). Without it the test is skipped, unless ``REGISTRY_REQUIRE_R=1`` (CI), where
it fails instead.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
R_SCRIPT = FIXTURES / "make_weighting_fixtures.R"
REFERENCE_JSON = FIXTURES / "weighting_reference.json"
REQUIRE_R = os.environ.get("REGISTRY_REQUIRE_R") == "1"
# The JSON holds 15 significant digits; another BLAS or libm may move the last one or two.
RTOL = 1e-12


def _rscript() -> str:
    path = shutil.which("Rscript")
    if path is None:
        reason = (
            "Rscript is not on PATH (apt-get install r-base-core r-cran-survival "
            "r-cran-jsonlite)"
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


def test_r_script_reproduces_the_weighting_reference(tmp_path: Path) -> None:
    rscript = _rscript()
    result = subprocess.run(
        [rscript, str(R_SCRIPT), str(tmp_path)],
        cwd=R_SCRIPT.parents[2],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, f"the R script failed:\n{result.stderr}"
    fresh = json.loads((tmp_path / REFERENCE_JSON.name).read_text(encoding="utf-8"))
    committed = json.loads(REFERENCE_JSON.read_text(encoding="utf-8"))
    _assert_same(fresh, committed)
