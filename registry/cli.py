"""`python -m registry ...`: serve, prepare, seed, migrate, create-user, bench.

Every command reads REGISTRY_DATABASE_URL (default: SQLite under var/).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence

from sqlalchemy.engine import Engine
from sqlmodel import Session

from registry.config import PROJECT_ROOT, get_settings
from registry.db import make_engine, migrate


def _engine() -> Engine:
    settings = get_settings()
    engine = make_engine(settings.database_url)
    migrate(engine)
    return engine


def cmd_migrate(_args: argparse.Namespace) -> int:
    _engine()
    print("Database is at the latest schema.")
    return 0


def cmd_seed(args: argparse.Namespace) -> int:
    from registry.seed import seed_synthetic

    counts = seed_synthetic(_engine(), patients=args.patients, seed=args.seed)
    print(f"Seeded {args.patients} synthetic patients (seed {args.seed}) in "
          f"{counts['seconds_total']} s (generation {counts['seconds_generate']} s):")
    for name, value in counts.items():
        if not name.startswith("seconds"):
            print(f"  {name:<18} {value:>10,}")
    return 0


def prepare(*, print_accounts: bool = True) -> None:
    """Migrate; on first start load reference data, the synthetic cohort and demo accounts."""
    from registry.seed import (
        DEMO_PASSWORD,
        database_is_empty,
        ensure_demo_accounts,
        load_reference_data,
        seed_synthetic,
    )

    settings = get_settings()
    engine = _engine()
    with Session(engine) as session:
        first_start = database_is_empty(session)
    if first_start:
        if settings.seed_patients > 0:
            print(f"First start: seeding {settings.seed_patients} synthetic patients ...",
                  flush=True)
            counts = seed_synthetic(engine, patients=settings.seed_patients, seed=1)
            print(f"  done in {counts['seconds_total']} s", flush=True)
        else:
            with Session(engine) as session:
                load_reference_data(session)
    if settings.demo:
        with Session(engine) as session:
            accounts = ensure_demo_accounts(session)
        if print_accounts:
            print("Demo accounts (password for all: " + DEMO_PASSWORD + "; REGISTRY_DEMO=0 "
                  "turns them off):")
            for username, role, site in accounts:
                print(f"  {username:<16} {role:<15} {site}")
    engine.dispose()


def cmd_prepare(_args: argparse.Namespace) -> int:
    prepare()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    prepare()
    # pages.ui.launch runs Streamlit with app.py's router pinned (see its docstring).
    os.chdir(PROJECT_ROOT)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p)
    command = [
        sys.executable, "-m", "pages.ui.launch", "run", str(PROJECT_ROOT / "app.py"),
        "--server.port", str(args.port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--server.address", args.address,
        "--client.toolbarMode", "minimal",
    ]
    print(f"Portal: http://{args.address}:{args.port}", flush=True)
    os.execv(sys.executable, command)
    return 0  # pragma: no cover


def cmd_create_user(args: argparse.Namespace) -> int:
    from sqlmodel import select

    from registry.auth import SYSTEM_ACTOR, create_user
    from registry.errors import RegistryError
    from registry.models import Site, UserCreate

    password = args.password or os.environ.get("REGISTRY_NEW_PASSWORD") or getpass.getpass()
    engine = _engine()
    with Session(engine) as session:
        site_id = None
        if args.site:
            site = session.exec(select(Site).where(Site.code == args.site)).first()
            if site is None:
                print(f"error: no site with code {args.site!r}", file=sys.stderr)
                return 2
            site_id = site.id
        try:
            user = create_user(session=session, actor=SYSTEM_ACTOR, data=UserCreate(
                username=args.username, role=args.role, site_id=site_id, password=password))
        except RegistryError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
    print(f"Created {user.username} ({user.role.value}).")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the benchmark suites: survival kernels vs peers, dashboards, bulk upload."""
    from registry.bench import dashboard_bench, survival_bench, upload_bench

    suites = ["survival", "dashboard", "upload"] if args.suite == "all" else [args.suite]
    status = 0
    for suite in suites:
        print(f"== {suite}", flush=True)
        if suite == "survival":
            status |= survival_bench.main(["--sizes", args.sizes])
        elif suite == "dashboard":
            status |= dashboard_bench.main(["--patients", str(args.patients),
                                            "--backend", args.backend])
        else:
            status |= upload_bench.main(["--rows", str(args.rows), "--backend", args.backend])
    return status


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m registry", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("serve", help="migrate, seed on first start, start the portal")
    p.add_argument("--port", type=int, default=8501)
    p.add_argument("--address", default="127.0.0.1")
    p.set_defaults(func=cmd_serve)
    p = sub.add_parser("prepare", help="migrate, seed on first start, create demo accounts")
    p.set_defaults(func=cmd_prepare)
    p = sub.add_parser("migrate", help="create or upgrade the schema")
    p.set_defaults(func=cmd_migrate)
    p = sub.add_parser("seed", help="bulk-load a synthetic cohort into an empty database")
    p.add_argument("--patients", type=int, default=1500)
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=cmd_seed)
    p = sub.add_parser("create-user", help="create a login")
    p.add_argument("username")
    p.add_argument("--role", required=True,
                   choices=["site_clinician", "leadership", "economist", "data_manager"])
    p.add_argument("--site", help="site code, for site clinicians")
    p.add_argument("--password", help="else REGISTRY_NEW_PASSWORD or a prompt")
    p.set_defaults(func=cmd_create_user)
    p = sub.add_parser("bench", help="run the benchmarks (survival, dashboards, upload)")
    p.add_argument("--suite", choices=["all", "survival", "dashboard", "upload"], default="all")
    p.add_argument("--sizes", default="10000,100000,1000000", help="survival: cohort sizes")
    p.add_argument("--patients", type=int, default=100_000, help="dashboard: cohort size")
    p.add_argument("--rows", type=int, default=10_000, help="upload: rows per file")
    p.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    p.set_defaults(func=cmd_bench)
    args = parser.parse_args(argv)
    return int(args.func(args))
