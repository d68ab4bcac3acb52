"""Benchmark of what leadership and site users wait for, on a generated cohort.

Seeds a fresh database (a temporary SQLite file, or a database of its own on the server named
by ``REGISTRY_BENCH_POSTGRES_URL``, created and dropped) with N synthetic patients, then times:
the three leadership dashboards' aggregates cold (cache emptied) and warm (served from the
cache), the OS analysis dataset, and one site's follow-up worklist. Prints median/min/max of
`--repeat` runs and the peak resident memory.

Usage::

    python -m registry.bench.dashboard_bench [--patients 100000] [--backend sqlite|postgresql]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from registry.analysis import Endpoint, build_dataset
from registry.auth import SYSTEM_ACTOR, Actor
from registry.db import make_engine, migrate
from registry.models.enums import Role
from registry.seed import seed_synthetic
from registry.services import cache, leadership
from registry.services.centres import centre_report
from registry.services.outcomes import outcomes
from registry.services.worklist import get_worklist

AS_OF = date(2026, 11, 1)


@contextmanager
def fresh_engine(backend: str) -> Iterator[Engine]:
    if backend == "sqlite":
        with tempfile.TemporaryDirectory() as folder:
            engine = make_engine(f"sqlite:///{folder}/bench.db")
            migrate(engine)
            yield engine
            engine.dispose()
        return
    server = os.environ["REGISTRY_BENCH_POSTGRES_URL"]
    name = f"registry_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(make_url(server).set(database=name).render_as_string(False))
    try:
        migrate(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def measure(engine: Engine, repeat: int) -> list[tuple[str, list[float]]]:
    lead = Actor(None, "bench-lead", Role.leadership)
    site = Actor(None, "bench-site", Role.site_clinician, site_id=1)
    results: list[tuple[str, list[float]]] = []

    def timed(name: str, fn: Callable[[Session], Any], *, cold: bool) -> None:
        seconds = []
        for _ in range(repeat):
            if cold:
                cache.clear()
            with Session(engine) as session:
                start = time.perf_counter()
                fn(session)
                seconds.append(time.perf_counter() - start)
        results.append((name, seconds))

    pages: dict[str, Callable[[Session], Any]] = {
        "overview": lambda s: leadership.overview(session=s, actor=lead, as_of=AS_OF),
        "safety": lambda s: leadership.safety(session=s, actor=lead),
        "production": lambda s: leadership.production(session=s, actor=lead),
        "outcomes": lambda s: outcomes(session=s, actor=lead, endpoint="os", as_of=AS_OF),
        "centres": lambda s: centre_report(session=s, actor=lead, as_of=AS_OF),
    }
    for name, fn in pages.items():
        timed(f"dashboard {name} cold", fn, cold=True)
        timed(f"dashboard {name} warm", fn, cold=False)
    timed("dataset OS mITT", lambda s: build_dataset(session=s, actor=SYSTEM_ACTOR,
                                                     endpoint=Endpoint.os, as_of=AS_OF),
          cold=False)
    timed("worklist, site 1", lambda s: get_worklist(session=s, actor=site, as_of=AS_OF),
          cold=False)
    return results


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
        rows = measure(engine, args.repeat)
    print(f"{'operation':<28}{'median s':>10}{'min s':>9}{'max s':>9}")
    for name, seconds in rows:
        print(f"{name:<28}{statistics.median(seconds):>10.3f}{min(seconds):>9.3f}"
              f"{max(seconds):>9.3f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak:.0f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
