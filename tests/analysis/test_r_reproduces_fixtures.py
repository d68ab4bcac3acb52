"""The committed R fixtures are what ``make_survival_fixtures.R`` produces today.

Reruns the script into a temporary folder and compares both outputs with the committed ones,
so a hand-edited fixture or a script changed without rerunning it is caught. Needs ``Rscript``
with the survival, cmprsk and jsonlite packages (Debian: ``apt-get install r-base-core
r-cran-survival r-cran-cmprsk r-cran-jsonlite``). Without it the test is skipped, unless
``REGISTRY_REQUIRE_R=1`` (CI), where it fails instead.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from tests.analysis.helpers import (
    DATASETS_CSV,
    R_SCRIPT,
    REFERENCE_JSON,
    assert_same_json,
    read_datasets,
    run_r_script,
)


@pytest.fixture(scope="module")
def fresh_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("r_fixtures")
    run_r_script(R_SCRIPT, out, "r-base-core r-cran-survival r-cran-cmprsk r-cran-jsonlite")
    return out


def test_r_script_reproduces_the_datasets(fresh_output: Path) -> None:
    pd.testing.assert_frame_equal(
        read_datasets(fresh_output / DATASETS_CSV.name), read_datasets(DATASETS_CSV)
    )


def test_r_script_reproduces_the_reference_values(fresh_output: Path) -> None:
    fresh = json.loads((fresh_output / REFERENCE_JSON.name).read_text(encoding="utf-8"))
    committed = json.loads(REFERENCE_JSON.read_text(encoding="utf-8"))
    assert_same_json(fresh, committed)
