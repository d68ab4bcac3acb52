"""`python -m registry ...`: serve, prepare, seed, migrate, create-user, set-password,
verify-audit, backup, restore, bench, export.

Every command reads REGISTRY_DATABASE_URL (default: SQLite under var/).
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine
from sqlmodel import Session

from registry.config import PROJECT_ROOT, get_settings
from registry.db import make_engine, migrate
from registry.models.enums import Indication

if TYPE_CHECKING:
    from registry.auth import Actor


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


def cmd_set_password(args: argparse.Namespace) -> int:
    """Set an existing user's password (policy applied, lockout lifted, audited)."""
    from registry.services.admin import set_password_cli

    password = args.password or os.environ.get("REGISTRY_NEW_PASSWORD") or getpass.getpass()
    return set_password_cli(_engine(), args.username, password)


def cmd_verify_audit(_args: argparse.Namespace) -> int:
    """Check the audit trail's hash chain; exit 1 and name the first broken link if any."""
    from registry.services.audit_chain import verify_audit_cli

    return verify_audit_cli(_engine())


def cmd_backup(args: argparse.Namespace) -> int:
    """Back up the database to PATH with a manifest (row counts, content hash per table)."""
    from registry.backup import backup_cli

    return backup_cli(_engine(), args.path)


def cmd_restore(args: argparse.Namespace) -> int:
    """Restore PATH into the configured database and verify it against the manifest."""
    from registry.backup import restore_cli
    from registry.db import make_engine

    # not migrated first: the backup brings its own schema (the next start migrates it)
    return restore_cli(make_engine(get_settings().database_url), args.path, force=args.force)


def cmd_bench(args: argparse.Namespace) -> int:
    """The benchmark suite of issue 8: every measured operation, its peers and its target."""
    from registry.bench.suite import bench_cli

    return bench_cli(args.bench_args)


def cmd_export(args: argparse.Namespace) -> int:
    """Export a de-identified cohort (data, codebook, manifest) as a user or the system."""
    from registry.errors import RegistryError
    from registry.services.cohorts import CohortDefinition
    from registry.services.export import export_cohort

    engine = _engine()
    try:
        with Session(engine) as session:
            actor = _export_actor(session, args)
            definition = CohortDefinition(
                name=args.name, product_codes=args.products, indications=args.indications,
                site_ids=_site_ids(session, args.sites), period_from=args.period_from,
                period_to=args.period_to, age_bands=args.age_bands,
                prior_lines_min=args.prior_lines_min, prior_lines_max=args.prior_lines_max,
                population=args.population)
            result = export_cohort(session=session, actor=actor, definition=definition,
                                   fmt=args.format, out_dir=args.out, as_of=args.as_of)
    except RegistryError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot write to {args.out}: {exc}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"Exported {result.row_count} episodes of {result.subject_count} patients "
          f"(export {result.export_id}, as {actor.username}) to {args.out}:")
    for path in result.paths:
        print(f"  {path.name}")
    return 0


def _export_actor(session: Session, args: argparse.Namespace) -> Actor:
    """The system actor (--as-system) or the active user named by --user."""
    from sqlmodel import select

    from registry.auth import SYSTEM_ACTOR, Actor
    from registry.errors import NotFound
    from registry.models import User

    if args.as_system:
        return SYSTEM_ACTOR
    name = args.user.strip().lower()
    user = session.exec(select(User).where(User.username == name)).first()
    if user is None or not user.active:
        raise NotFound(f"no active user {args.user!r}; check --user or use --as-system")
    return Actor(user.id, user.username, user.role, user.site_id, user.language)


def _site_ids(session: Session, values: list[str] | None) -> list[int] | None:
    """--site values (ids or codes such as MOW-01) as site ids."""
    from sqlmodel import select

    from registry.errors import InvalidInput
    from registry.models import Site

    if not values:
        return None
    codes = {s.code: s.id for s in session.exec(select(Site)) if s.id is not None}
    if unknown := [v for v in values if not v.isdigit() and v not in codes]:
        raise InvalidInput.one("site", f"no site with code {unknown!r}; choose from "
                               f"{sorted(codes)!r}")
    return [int(v) if v.isdigit() else codes[v] for v in values]


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date; write YYYY-MM-DD") from None


def main(argv: Sequence[str] | None = None) -> int:
    given = list(sys.argv[1:] if argv is None else argv)
    if given[:1] == ["bench"]:  # the suite parses its own options (--sizes, --backend, ...)
        from registry.bench.suite import bench_cli

        return bench_cli(given[1:])
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
    p = sub.add_parser("set-password", help="set a user's password (policy applied, audited)")
    p.add_argument("username")
    p.add_argument("--password", help="else REGISTRY_NEW_PASSWORD or a prompt")
    p.set_defaults(func=cmd_set_password)
    p = sub.add_parser("verify-audit", help="verify the audit trail's hash chain")
    p.set_defaults(func=cmd_verify_audit)
    p = sub.add_parser("backup", help="back up the database (SQLite backup API / pg_dump)")
    p.add_argument("path", type=Path)
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="restore a backup into the database and verify it")
    p.add_argument("path", type=Path)
    p.add_argument("--force", action="store_true", help="restore over a database with data")
    p.set_defaults(func=cmd_restore)
    p = sub.add_parser("bench", add_help=False,
                       help="run the benchmark suite (python -m registry bench --help)")
    p.add_argument("bench_args", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_bench)
    p = sub.add_parser(
        "export", help="write a de-identified cohort: data file, codebook, manifest (audited)",
        description="Export a de-identified cohort as an economist (--user, who must exist, "
        "be active and be an economist) or as the system (--as-system, for scheduled "
        "exports; audited as 'system'). Writes cohort_<id>.<format>, its codebook (CSV) and "
        "manifest (JSON) into --out. Repeat --product/--indication/--site/--age-band for "
        "several values; leave a filter out for all.")
    p.add_argument("--format", required=True, choices=["csv", "parquet", "xlsx"])
    p.add_argument("--out", required=True, type=Path, help="folder (created if missing)")
    who = p.add_mutually_exclusive_group(required=True)
    who.add_argument("--user", help="username of the economist exporting")
    who.add_argument("--as-system", action="store_true", help="export as the system actor")
    p.add_argument("--product", dest="products", action="append", help="product code")
    p.add_argument("--indication", dest="indications", action="append",
                   choices=[i.value for i in Indication])
    p.add_argument("--site", dest="sites", action="append", help="site id or code (MOW-01)")
    p.add_argument("--from", dest="period_from", type=_date, help="apheresis on or after")
    p.add_argument("--to", dest="period_to", type=_date, help="apheresis on or before")
    p.add_argument("--age-band", dest="age_bands", action="append",
                   help="age at apheresis, e.g. 18-39 or 65+")
    p.add_argument("--prior-lines-min", type=int)
    p.add_argument("--prior-lines-max", type=int)
    p.add_argument("--population", choices=["mitt", "itt"], default="mitt",
                   help="mitt: infused, day 0 = infusion; itt: all apheresed, day 0 = apheresis")
    p.add_argument("--name", help="a label for the cohort (in the manifest)")
    p.add_argument("--as-of", type=_date, help="data cut (default today)")
    p.set_defaults(func=cmd_export)
    args = parser.parse_args(given)
    return int(args.func(args))
