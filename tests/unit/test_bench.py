"""The benchmark suite: it completes at a tiny size and writes valid JSON; its verdicts.

Nothing here is timed: the suite's figures are only checked for shape and consistency (every
operation of the issue present, min <= median <= max, peers' ratios matching their medians),
and the verdict arithmetic is checked on made-up numbers with closed-form answers.
"""

from __future__ import annotations

import contextlib
import json
import os
import statistics
from pathlib import Path
from typing import Any

import pytest

from registry.bench import targets
from registry.bench.measure import Peer, Record
from registry.bench.report import format_table
from registry.bench.seed_bench import patients_for_site, site_share
from registry.bench.suite import GROUPS, bench_cli
from registry.bench.targets import TARGETS, Target, judge, judge_all, target_for, unmeasured

# lifelines 0.30 calls pandas reductions positionally; not our code, not our warning
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:lifelines")

TINY = ["--sizes", "300", "--repeat", "2", "--site-patients", "100", "--upload-rows", "40",
        "--bootstrap-patients", "200"]
RECORD_KEYS = {"operation", "size", "backend", "median_s", "min_s", "max_s", "runs_s", "peers",
               "target", "met", "verdict", "peak_mib", "rss_before_mib", "agree", "note",
               "cpu_median_s"}


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, Any], str]:
    """The whole suite on SQLite at 300 patients: exit code, JSON document, printed table."""
    out = tmp_path_factory.mktemp("bench") / "nested" / "results.json"
    log = out.parent.parent / "stdout.txt"
    with log.open("w", encoding="utf-8") as handle, contextlib.redirect_stdout(handle):
        code = bench_cli([*TINY, "--out", str(out)])
    return code, json.loads(out.read_text(encoding="utf-8")), log.read_text(encoding="utf-8")


@pytest.mark.slow
def test_tiny_suite_completes_and_covers_every_operation(
        tiny_run: tuple[int, dict[str, Any], str]) -> None:
    code, document, _ = tiny_run
    assert code == 0
    operations = {r["operation"] for r in document["records"]}
    expected = {t.operation for t in TARGETS}
    assert operations == expected, operations ^ expected
    for record in document["records"]:
        assert set(record) == RECORD_KEYS
        assert 0 < record["min_s"] <= record["median_s"] <= record["max_s"]
        assert record["median_s"] == pytest.approx(statistics.median(record["runs_s"]))
        assert record["peak_mib"] > 0
        assert record["cpu_median_s"] is not None and record["cpu_median_s"] >= 0
        assert record["backend"] in (None, "sqlite")


@pytest.mark.slow
def test_tiny_suite_checks_values_against_the_peers(
        tiny_run: tuple[int, dict[str, Any], str]) -> None:
    _, document, _ = tiny_run
    by_operation = {r["operation"]: r for r in document["records"] if r["backend"] is None}
    assert set(by_operation[targets.KAPLAN_MEIER]["peers"]) == {"lifelines", "scikit-survival"}
    assert set(by_operation[targets.LOGRANK]["peers"]) == {"lifelines"}
    assert set(by_operation[targets.COX]["peers"]) == {"lifelines"}
    for name in (targets.KAPLAN_MEIER, targets.LOGRANK, targets.COX, targets.BOOTSTRAP):
        assert by_operation[name]["agree"] is True, by_operation[name]
    for record in by_operation.values():
        for peer in record["peers"].values():
            assert peer["ratio"] == pytest.approx(peer["median_s"] / record["median_s"])


@pytest.mark.slow
def test_tiny_suite_sizes_follow_the_options(tiny_run: tuple[int, dict[str, Any], str]) -> None:
    _, document, _ = tiny_run
    sizes: dict[str, set[int]] = {}
    for r in document["records"]:
        sizes.setdefault(r["operation"], set()).add(r["size"])
    assert sizes[targets.SEED] == sizes[targets.DATASET] == {300}
    assert sizes[targets.upload_operation("patients")] == {40}
    assert sizes[targets.BOOTSTRAP] == {200}
    # one worklist in the 300-patient cohort, one in the cohort built for ~100 at site 1
    assert len(sizes[targets.WORKLIST]) == 2
    assert all(0 < n < 300 for n in sizes[targets.WORKLIST])
    seeds = [r for r in document["records"] if r["operation"] == targets.SEED]
    assert [len(r["runs_s"]) for r in seeds] == [1]  # seeding is timed once
    # at 300 patients no target applies, and every one is listed as not measured
    assert all(r["target"] is None and r["met"] is None for r in document["records"])
    assert len(document["not_measured"]) == len(TARGETS)


@pytest.mark.slow
def test_tiny_suite_describes_the_machine_and_prints_the_table(
        tiny_run: tuple[int, dict[str, Any], str]) -> None:
    _, document, printed = tiny_run
    machine = document["machine"]
    for key in ("platform", "cpu_model", "cores", "memory_gib", "python", "packages",
                "databases", "load_average_at_start"):
        assert machine[key], key
    assert machine["databases"]["sqlite"].startswith("SQLite 3.")
    for package in ("numpy", "pandas", "lifelines", "scikit-survival", "sqlalchemy"):
        assert machine["packages"][package], package
    assert document["started_at"] <= document["finished_at"]
    assert document["settings"]["sizes"] == [300]
    assert "resident" in document["memory_method"]
    lines = printed.splitlines()
    for record in document["records"]:
        assert any(line.startswith(record["operation"]) and f" {record['size']:,} " in line
                   for line in lines), record["operation"]


def test_only_runs_the_groups_named(tmp_path: Path) -> None:
    out = tmp_path / "only.json"
    assert bench_cli(["--only", "bootstrap", "--bootstrap-patients", "50", "--repeat", "1",
                      "--out", str(out)]) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert [r["operation"] for r in document["records"]] == [targets.BOOTSTRAP]
    assert document["settings"]["only"] == ["bootstrap"]


@pytest.mark.parametrize("argv", [["--only", "kaplan_meier,nonsense"], ["--sizes", "ten"],
                                  ["--sizes", "0"], ["--repeat", "0"], ["--backend", "oracle"]])
def test_bad_options_exit_2_before_running(argv: list[str],
                                           capsys: pytest.CaptureFixture[str]) -> None:
    assert bench_cli(argv) == 2
    assert "error" in capsys.readouterr().err


def test_unreachable_postgres_is_reported(monkeypatch: pytest.MonkeyPatch,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("REGISTRY_BENCH_POSTGRES_URL", "postgresql://nobody@127.0.0.1:1/none")
    assert bench_cli(["--backend", "postgresql", "--only", "bootstrap"]) == 2
    assert "REGISTRY_BENCH_POSTGRES_URL" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.postgres
def test_postgres_worklist_and_upload(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = os.environ.get("REGISTRY_TEST_POSTGRES_URL")
    if not url:
        if os.environ.get("REGISTRY_REQUIRE_POSTGRES") == "1":
            pytest.fail("REGISTRY_REQUIRE_POSTGRES=1 but REGISTRY_TEST_POSTGRES_URL is not set")
        pytest.skip("PostgreSQL tests need REGISTRY_TEST_POSTGRES_URL")
    monkeypatch.setenv("REGISTRY_BENCH_POSTGRES_URL", url)
    out = tmp_path / "pg.json"
    assert bench_cli(["--backend", "postgresql", "--only", "worklist,upload", "--repeat", "1",
                      "--site-patients", "60", "--upload-rows", "20", "--out", str(out)]) == 0
    document = json.loads(out.read_text(encoding="utf-8"))
    assert {r["backend"] for r in document["records"]} == {"postgresql"}
    assert {r["operation"] for r in document["records"]} == {
        targets.WORKLIST, *(targets.upload_operation(k) for k in targets.UPLOAD_KINDS)}
    assert document["machine"]["databases"]["postgresql"].startswith("PostgreSQL")


# --- verdicts: closed-form arithmetic on made-up medians ---------------------------------

def test_time_limit_met_and_missed() -> None:
    limit = Target("op", 100, "< 2 s", max_seconds=2.0)
    assert judge(limit, 1.5, {}, None) == (True, "met")
    assert judge(limit, 3.0, {}, None) == (False, "50% over")
    assert judge(limit, 2.0, {}, None) == (False, "0% over")  # "< 2 s" is strict


def test_speed_up_over_peers_uses_the_strictest_peer() -> None:
    ratio = Target("op", 100, ">= 5x a, >= 2x b", min_ratio={"a": 5.0, "b": 2.0})
    assert judge(ratio, 1.0, {"a": 6.0, "b": 2.5}, True) == (True, "met")
    # a needs <= 0.8 s (25% over), b needs <= 1.5 s: the verdict is the larger shortfall
    assert judge(ratio, 1.0, {"a": 4.0, "b": 3.0}, True) == (False, "25% over")
    assert judge(ratio, 1.0, {"a": 10.0, "b": 1.0}, True) == (False, "100% over")
    assert judge(ratio, 1.0, {"a": 10.0}, True) == (None, "peer not measured: b")


def test_values_that_differ_fail_the_target_however_fast() -> None:
    ratio = Target("op", 100, ">= 1x a", min_ratio={"a": 1.0})
    assert judge(ratio, 1.0, {"a": 9.0}, False) == (False, "values differ")
    assert judge(ratio, 2.0, {"a": 1.0}, False) == (False, "values differ, 100% over")


def test_targets_match_operation_size_and_backend() -> None:
    assert target_for(targets.KAPLAN_MEIER, 1_000_000, None) is not None
    assert target_for(targets.KAPLAN_MEIER, 100_000, None) is None
    assert target_for(targets.SEED, 100_000, "sqlite") is not None
    assert target_for(targets.SEED, 100_000, "postgresql") is None  # "< 60 s SQLite"
    dataset = target_for(targets.DATASET, 1_000_000, "postgresql")
    assert dataset is not None and dataset.max_seconds == 20.0
    # the worklist's size is the site's patients, which a generator only approaches
    assert target_for(targets.WORKLIST, 10_180, "sqlite") is not None
    assert target_for(targets.WORKLIST, 28_000, "sqlite") is None
    cold = target_for(targets.dashboard_operation("centres", cold=True), 100_000, "sqlite")
    warm = target_for(targets.dashboard_operation("centres", cold=False), 100_000, "sqlite")
    assert cold is not None and cold.max_seconds == 2.0
    assert warm is not None and warm.max_seconds == 0.3


def test_judge_all_and_unmeasured_on_records() -> None:
    fast = Record(targets.BOOTSTRAP, 10_000, None, [1.0, 2.0, 3.0], 100.0)
    slow = Record(targets.WORKLIST, 10_000, "sqlite", [0.6, 0.6, 0.75], 100.0)
    other = Record(targets.WORKLIST, 2_800, "sqlite", [0.6], 100.0)
    judge_all([fast, slow, other])
    assert (fast.met, fast.verdict, fast.target) == (True, "met", "< 10 s")
    assert (slow.met, slow.verdict) == (False, "20% over")
    assert (other.met, other.target) == (None, None)
    left = unmeasured([fast, slow], ["sqlite"])
    assert not any(line.startswith(targets.BOOTSTRAP) for line in left)
    assert not any(line.startswith(f"{targets.WORKLIST} at 10,000 on sqlite") for line in left)
    assert any(line.startswith(f"{targets.WORKLIST} at 10,000 on postgresql")
               for line in unmeasured([fast, slow], ["sqlite", "postgresql"]))


def test_every_group_is_an_option_and_every_target_has_an_operation() -> None:
    assert len(set(GROUPS)) == len(GROUPS) == 9
    assert {t.operation for t in TARGETS} == {
        targets.KAPLAN_MEIER, targets.LOGRANK, targets.COX, targets.DATASET, targets.WORKLIST,
        targets.SEED, targets.BOOTSTRAP,
        *(targets.dashboard_operation(p, c) for p in targets.DASHBOARD_PAGES
          for c in (True, False)),
        *(targets.upload_operation(k) for k in targets.UPLOAD_KINDS)}


def test_table_shows_ratio_target_and_shortfall() -> None:
    record = Record(targets.LOGRANK, 1_000_000, None, [1.0, 1.1, 0.9], 300.0,
                    peers={"lifelines": Peer(4.0, 4.0)}, agree=True)
    judge_all([record])
    table = format_table([record])
    assert "lifelines 4.0x" in table and "25% over" in table and ">= 5x lifelines" in table


def test_site_share_gives_the_cohort_for_a_site_size() -> None:
    share = site_share(1)
    assert 0 < share < 1
    n = patients_for_site(10_000)
    assert n * share >= 10_000 > (n - 1) * share
    with pytest.raises(ValueError, match="site_id"):
        site_share(99)
