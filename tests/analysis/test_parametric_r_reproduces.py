"""The committed parametric fixture is what ``make_parametric_fixtures.R`` produces today.

Reruns the script into a temporary folder and compares its output with the committed
``tests/fixtures/parametric_reference.json``, so a hand-edited fixture or a script changed
without rerunning it is caught. Needs ``Rscript`` with the survival and jsonlite packages
(Debian: ``apt-get install r-base-core r-cran-survival r-cran-jsonlite``). Without it the test
is skipped, unless ``REGISTRY_REQUIRE_R=1`` (CI), where it fails instead.
"""

from __future__ import annotations

import json
from pathlib import Path

from tests.analysis.helpers import FIXTURES, assert_same_json, run_r_script

R_SCRIPT = FIXTURES / "make_parametric_fixtures.R"
REFERENCE_JSON = FIXTURES / "parametric_reference.json"


def test_r_script_reproduces_the_parametric_reference(tmp_path: Path) -> None:
    run_r_script(R_SCRIPT, tmp_path, "r-base-core r-cran-survival r-cran-jsonlite")
    fresh = json.loads((tmp_path / REFERENCE_JSON.name).read_text(encoding="utf-8"))
    committed = json.loads(REFERENCE_JSON.read_text(encoding="utf-8"))
    assert_same_json(fresh, committed, abs_tol=1e-300)


def test_fixture_records_how_it_was_made() -> None:
    meta = json.loads(REFERENCE_JSON.read_text(encoding="utf-8"))["meta"]
    assert meta["command"] == "Rscript tests/fixtures/make_parametric_fixtures.R"
    assert meta["survival"] and meta["r_version"].startswith("R version")
