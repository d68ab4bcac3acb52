"""One benchmark command for every measured operation of the scale issue (`bench_cli`).

Usage: ``python -m registry bench [options]`` or ``python -m registry.bench.suite [options]``
(``--help`` lists them). Runs the existing suites per size and backend and reports each
operation as a record: median, minimum and maximum seconds of ``--repeat`` runs, each peer's
median and its ratio to ours, whether the values agree with the peers, the peak resident
memory, and the issue's target with the verdict (`registry.bench.targets`). Prints one table;
with ``--out`` writes the same as JSON with the machine description and timestamps.

What runs where:

- survival kernels (Kaplan-Meier, log-rank, Cox up to ``--cox-max``) at every size, in memory,
  against lifelines and scikit-survival (`registry.bench.survival_bench`);
- bootstrap ICER on two arms of ``--bootstrap-patients`` each (`registry.bench.economics_bench`);
- per backend and size, a fresh database seeded with that many synthetic patients (the seeding
  is timed once: `registry.bench.seed_bench`), then the OS analysis dataset, the five leadership
  dashboards cold and warm, and site 1's worklist (`registry.bench.dashboard_bench`);
- per backend, a cohort sized so that site 1 has about ``--site-patients`` patients, for the
  worklist target, and the bulk upload of ``--upload-rows`` rows per file on fresh databases
  (`registry.bench.upload_bench`).

PostgreSQL databases are created and dropped on ``REGISTRY_BENCH_POSTGRES_URL`` (default
postgresql://postgres@127.0.0.1:5432/postgres). The exit code is 0 when the run completed with
every checked value agreeing with its peer, 1 when some value differs, 2 for bad options or an
unreachable server; missed targets are reported, not failed.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from registry.bench import dashboard_bench, economics_bench, survival_bench, upload_bench
from registry.bench.databases import fresh_engine, postgres_server_url, server_version
from registry.bench.measure import Record, memory_method
from registry.bench.report import describe_machine, format_table, write_json
from registry.bench.seed_bench import SEED_VALUE, patients_for_site, seed_record
from registry.bench.targets import COX, KAPLAN_MEIER, LOGRANK, TARGETS, judge_all, unmeasured
from registry.db import make_engine
from registry.seed import seed_synthetic
from registry.services import cache

__all__ = ["GROUPS", "SuiteResult", "SuiteSettings", "bench_cli", "run_suite"]

GROUPS: Final = ("kaplan_meier", "logrank", "cox", "dataset", "dashboards", "worklist",
                 "upload", "seed", "bootstrap")
"""Names for ``--only``: groups of operations."""

_KERNELS: Final = {"kaplan_meier": KAPLAN_MEIER, "logrank": LOGRANK, "cox": COX}
_ON_SEEDED: Final = {"dataset": dashboard_bench.DATASETS,
                     "dashboards": dashboard_bench.DASHBOARDS,
                     "worklist": dashboard_bench.WORKLISTS}


@dataclass(frozen=True)
class SuiteSettings:
    """What to run: sizes, backends, repetitions and which groups of :data:`GROUPS`."""

    sizes: tuple[int, ...] = (10_000, 100_000)
    backends: tuple[str, ...] = ("sqlite",)
    repeat: int = 3
    only: tuple[str, ...] = GROUPS
    cox_max: int = 100_000
    site_patients: int = 10_000
    upload_rows: int = 10_000
    bootstrap_patients: int = 10_000


@dataclass(frozen=True)
class SuiteResult:
    """The records of one run (in the issue's order) and what describes the run."""

    settings: SuiteSettings
    records: list[Record]
    started_at: str
    finished_at: str
    machine: dict[str, Any]
    memory_method: str
    not_measured: list[str]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready: timestamps (UTC, ISO 8601), settings, machine, memory method, records
        (`Record.as_dict`) and the targets no record of this run was measured against."""
        return {
            "started_at": self.started_at, "finished_at": self.finished_at,
            "settings": asdict(self.settings), "machine": self.machine,
            "memory_method": self.memory_method,
            "records": [r.as_dict() for r in self.records],
            "not_measured": self.not_measured,
        }


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _order(record: Record) -> tuple[int, str, int]:
    rank = next((i for i, t in enumerate(TARGETS) if t.operation == record.operation),
                len(TARGETS))
    return rank, record.backend or "", record.size


def _on_backend(settings: SuiteSettings, backend: str, versions: dict[str, str],
                log: Callable[[str], None]) -> list[Record]:
    records: list[Record] = []
    wanted = set(settings.only)
    groups = [_ON_SEEDED[g] for g in GROUPS if g in wanted and g in _ON_SEEDED]
    if "seed" in wanted or wanted & {"dataset", "dashboards"}:
        for n in settings.sizes:
            with fresh_engine(backend) as engine:
                versions[backend] = server_version(engine)
                log(f"[{backend}] seeding {n:,} patients")
                seeded = seed_record(engine, n, backend)
                if "seed" in wanted:
                    records.append(seeded)
                log(f"[{backend}] seeded in {seeded.median_s:.1f} s; timing {', '.join(groups)}")
                records += dashboard_bench.measure(engine, settings.repeat, size=n,
                                                   backend=backend, groups=groups)
            cache.clear()
    if "worklist" in wanted:
        n = patients_for_site(settings.site_patients)
        with fresh_engine(backend) as engine:
            versions[backend] = server_version(engine)
            log(f"[{backend}] seeding {n:,} patients (about {settings.site_patients:,} at "
                f"site 1) for the worklist")
            seed_synthetic(engine, patients=n, seed=SEED_VALUE, as_of=dashboard_bench.AS_OF)
            records += dashboard_bench.measure(engine, settings.repeat, size=n, backend=backend,
                                               groups=[dashboard_bench.WORKLISTS])
    if "upload" in wanted:
        log(f"[{backend}] bulk upload, {settings.upload_rows:,} rows per file, "
            f"{settings.repeat} fresh databases")
        records += upload_bench.records(settings.upload_rows, backend, settings.repeat)
    return records


def run_suite(settings: SuiteSettings, *,
              log: Callable[[str], None] = _log) -> SuiteResult:
    """Run the benchmarks; every record judged against its target.

    Parameters
    ----------
    settings : SuiteSettings
    log : callable
        Progress messages (default: standard error).

    Returns
    -------
    SuiteResult
        ``machine`` is `registry.bench.report.describe_machine` with the database versions and
        the load average at the start and at the end.
    """
    os.environ.setdefault("REGISTRY_HMAC_KEY", secrets.token_hex(32))  # never the data folder's
    started = datetime.now(UTC)
    machine_before = describe_machine({})
    records: list[Record] = []
    kernels = [_KERNELS[g] for g in GROUPS if g in settings.only and g in _KERNELS]
    for n in settings.sizes:
        chosen = [k for k in kernels if k != COX or n <= settings.cox_max]
        if chosen:
            log(f"survival kernels at {n:,} patients: {', '.join(chosen)}")
            records += survival_bench.compare(n, settings.repeat, chosen)
    if "bootstrap" in settings.only:
        log(f"bootstrap ICER, {settings.bootstrap_patients:,} patients per arm")
        records.append(economics_bench.record(settings.bootstrap_patients, settings.repeat))
    versions: dict[str, str] = {}
    for backend in settings.backends:
        records += _on_backend(settings, backend, versions, log)
    judge_all(records)
    records.sort(key=_order)
    machine = describe_machine(versions)
    machine["load_average_at_start"] = machine_before["load_average"]
    return SuiteResult(settings, records, started.isoformat(timespec="seconds"),
                       datetime.now(UTC).isoformat(timespec="seconds"), machine,
                       memory_method(), unmeasured(records, settings.backends))


def _ints(value: str) -> tuple[int, ...]:
    try:
        sizes = tuple(int(part) for part in value.split(",") if part.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r}: write sizes as 10000,100000") from None
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"{value!r}: give one or more positive sizes")
    return sizes


def _groups(value: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in value.split(",") if part.strip())
    if unknown := [n for n in names if n not in GROUPS]:
        raise argparse.ArgumentTypeError(f"unknown {unknown!r}; choose from {', '.join(GROUPS)}")
    return names


def _positive(value: str) -> int:
    number = _ints(value)
    if len(number) != 1:
        raise argparse.ArgumentTypeError(f"{value!r}: give one positive number")
    return number[0]


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m registry bench", description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--sizes", type=_ints, default=(10_000, 100_000),
                        help="cohort sizes, e.g. 10000,100000,1000000 (default 10000,100000)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="sqlite")
    parser.add_argument("--out", type=Path, help="write the results as JSON (default: print only)")
    parser.add_argument("--repeat", type=_positive, default=3, help="runs of each operation")
    parser.add_argument("--only", type=_groups, default=GROUPS,
                        help=f"comma-separated groups: {', '.join(GROUPS)}")
    parser.add_argument("--cox-max", type=_positive, default=100_000,
                        help="largest size the Cox comparison runs at (default 100000)")
    parser.add_argument("--site-patients", type=_positive, default=10_000,
                        help="patients at the worklist's site (default 10000)")
    parser.add_argument("--upload-rows", type=_positive, default=10_000,
                        help="rows per bulk-upload file (default 10000)")
    parser.add_argument("--bootstrap-patients", type=_positive, default=10_000,
                        help="patients per arm of the bootstrap (default 10000)")
    return parser


def _check_postgres() -> str | None:
    """None when the benchmark server answers, else the reason it does not."""
    url = postgres_server_url()
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except SQLAlchemyError as exc:
        return f"cannot reach PostgreSQL at {url} (set REGISTRY_BENCH_POSTGRES_URL): {exc}"
    finally:
        engine.dispose()
    return None


def bench_cli(argv: Sequence[str]) -> int:
    """`python -m registry bench [options]`: run the suite, print the table, write JSON.

    Parameters
    ----------
    argv : sequence of str
        The options after ``bench`` (see ``--help``).

    Returns
    -------
    int
        0: done and every checked value agrees; 1: some value differs from its peer;
        2: bad options or the PostgreSQL server is unreachable.
    """
    try:
        args = _parser().parse_args(list(argv))
    except SystemExit as exc:  # argparse has printed the problem or the help
        return 0 if exc.code == 0 else 2
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    if "postgresql" in backends and (problem := _check_postgres()):
        print(f"error: {problem}", file=sys.stderr)
        return 2
    settings = SuiteSettings(sizes=args.sizes, backends=backends, repeat=args.repeat,
                             only=args.only, cox_max=args.cox_max,
                             site_patients=args.site_patients, upload_rows=args.upload_rows,
                             bootstrap_patients=args.bootstrap_patients)
    started = time.perf_counter()
    result = run_suite(settings)
    records = result.records
    print(format_table(records))
    if result.not_measured:
        print("\nTargets not measured in this run:")
        print("\n".join(f"  {line}" for line in result.not_measured))
    missed = [r for r in records if r.met is False]
    print(f"\n{sum(r.met is True for r in records)} targets met, {len(missed)} missed. "
          f"Peers: their median / ours (> 1: ours is faster).")
    print(f"Peak memory: {result.memory_method}.")
    machine = result.machine
    print(f"Machine: {machine['cpu_model']}, {machine['cores']} cores, "
          f"{machine['memory_gib']} GiB, Python {machine['python']}; load average "
          f"{machine['load_average_at_start']} at start, {machine['load_average']} at the end; "
          f"{time.perf_counter() - started:.0f} s.")
    busy = max([*(machine["load_average_at_start"] or [0.0]), *(machine["load_average"] or [0.0])])
    if busy > (machine["cores"] or 1):
        print(f"WARNING: load average up to {busy} on {machine['cores']} cores: other work "
              "competed for the CPU and the seconds above are inflated; compare 'cpu s'.")
    if args.out is not None:
        write_json(args.out, result.as_dict())
        print(f"Wrote {args.out}.")
    return 1 if any(r.agree is False for r in records) else 0



if __name__ == "__main__":
    raise SystemExit(bench_cli(sys.argv[1:]))
