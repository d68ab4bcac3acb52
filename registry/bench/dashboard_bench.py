"""Benchmark of what leadership and site users wait for, on a generated cohort.

Seeds a fresh database (a temporary SQLite file, or a database of its own on the server named
by ``REGISTRY_BENCH_POSTGRES_URL``, created and dropped; see `registry.bench.databases`) with
N synthetic patients, then times: the five leadership dashboards' aggregates cold (cache
emptied) and warm (served from the cache), the OS analysis dataset, and one site's follow-up
worklist. Prints median/min/max of `--repeat` runs and the peak resident memory of each.

Usage::

    python -m registry.bench.dashboard_bench [--patients 100000] [--backend sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Collection
from datetime import date
from typing import Any, Final

from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from registry.analysis import Endpoint, build_dataset
from registry.auth import SYSTEM_ACTOR, Actor
from registry.bench.databases import fresh_engine
from registry.bench.measure import Record, memory_method, time_calls
from registry.bench.targets import DASHBOARD_PAGES, DATASET, WORKLIST, dashboard_operation
from registry.models import Patient
from registry.models.enums import Role
from registry.seed import seed_synthetic
from registry.services import cache, leadership
from registry.services.centres import centre_report
from registry.services.outcomes import outcomes
from registry.services.worklist import get_worklist

__all__ = ["AS_OF", "DASHBOARDS", "DATASETS", "WORKLISTS", "fresh_engine", "main", "measure",
           "site_patients"]

AS_OF: Final = date(2026, 11, 1)
DASHBOARDS: Final = "dashboards"
DATASETS: Final = "dataset"
WORKLISTS: Final = "worklist"
_LEAD: Final = Actor(None, "bench-lead", Role.leadership)


def _pages() -> dict[str, Callable[[Session], Any]]:
    """The leadership pages' service calls, as the pages make them, by page name."""
    return {
        "overview": lambda s: leadership.overview(session=s, actor=_LEAD, as_of=AS_OF),
        "safety": lambda s: leadership.safety(session=s, actor=_LEAD),
        "production": lambda s: leadership.production(session=s, actor=_LEAD),
        "outcomes": lambda s: outcomes(session=s, actor=_LEAD, endpoint="os", as_of=AS_OF),
        "centres": lambda s: centre_report(session=s, actor=_LEAD, as_of=AS_OF),
    }


def site_patients(engine: Engine, site_id: int) -> int:
    """Patients registered at one site."""
    with Session(engine) as session:
        return int(session.execute(select(func.count()).select_from(Patient)
                                   .where(col(Patient.site_id) == site_id)).scalar_one())


def measure(engine: Engine, repeat: int, *, size: int, backend: str | None,
            groups: Collection[str] = (DASHBOARDS, DATASETS, WORKLISTS),
            site_id: int = 1) -> list[Record]:
    """Time the dashboards, the OS dataset and one site's worklist on a seeded database.

    Parameters
    ----------
    engine : Engine
        A database holding a synthetic cohort.
    repeat : int
        Repetitions of each operation.
    size : int
        Patients in the cohort (the records' size; the worklist's is its site's patients).
    backend : str or None
        Reported with each record.
    groups : collection of str
        Some of :data:`DASHBOARDS`, :data:`DATASETS`, :data:`WORKLISTS`.
    site_id : int
        The site whose clinician's worklist is timed.

    Returns
    -------
    list of Record
    """
    records: list[Record] = []

    def timed(operation: str, fn: Callable[[Session], Any], *, cold: bool = False,
              at_size: int = size, note: str = "") -> None:
        def call() -> Any:
            with Session(engine) as session:
                return fn(session)
        if not cold:
            call()  # warm-up: a warm figure is a repeat visit
        timing = time_calls(call, repeat, before=cache.clear if cold else None)
        records.append(Record.of(operation, at_size, backend, timing, note=note))

    if DASHBOARDS in groups:
        pages = _pages()
        assert tuple(pages) == DASHBOARD_PAGES, "targets.DASHBOARD_PAGES is out of date"
        for name, fn in pages.items():
            timed(dashboard_operation(name, cold=True), fn, cold=True,
                  note="aggregate cache emptied before each run")
            timed(dashboard_operation(name, cold=False), fn, note="served from the cache")
    if DATASETS in groups:
        timed(DATASET, lambda s: build_dataset(session=s, actor=SYSTEM_ACTOR,
                                               endpoint=Endpoint.os, as_of=AS_OF))
    if WORKLISTS in groups:
        clinician = Actor(None, "bench-site", Role.site_clinician, site_id=site_id)
        at_site = site_patients(engine, site_id)
        timed(WORKLIST, lambda s: get_worklist(session=s, actor=clinician, as_of=AS_OF),
              at_size=at_site, note=f"site {site_id}, {at_site:,} of {size:,} patients")
    return records


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m registry.bench.dashboard_bench")
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    with fresh_engine(args.backend) as engine:
        started = time.perf_counter()
        seed_synthetic(engine, patients=args.patients, seed=1, as_of=AS_OF)
        print(f"seeded {args.patients:,} patients on {args.backend} in "
              f"{time.perf_counter() - started:.1f} s")
        records = measure(engine, args.repeat, size=args.patients, backend=args.backend)
    print(f"{'operation':<30}{'size':>10}{'median s':>10}{'min s':>9}{'max s':>9}{'peak MiB':>10}")
    for r in records:
        print(f"{r.operation:<30}{r.size:>10,}{r.median_s:>10.3f}{min(r.seconds):>9.3f}"
              f"{max(r.seconds):>9.3f}{r.peak_mib:>10.0f}")
    print(f"peak memory: {memory_method()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
