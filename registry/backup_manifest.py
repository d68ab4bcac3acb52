"""What a backup holds, in a form both backends agree on: the manifest and its verification.

A backup (`registry.backup`) is written with a manifest beside it: for every table its row
count and a SHA-256 of its content, the schema revision, the backup file's own checksum and
the audit chain's state. After a restore the same digests are computed on the restored
database and compared table by table, so a restore that lost, added or changed a row says
where.

The content hash does not depend on the backend. Tables are read by reflection (so any
schema revision works, not only the current models), columns in name order, rows in primary
key order (sorted in Python when the key is not all integers, because text collations differ
between SQLite and PostgreSQL), and values are normalised: booleans 0/1, floats by ``repr``,
dates ISO 8601, timestamps UTC ISO 8601 with microseconds (SQLite stores them naive, in UTC),
JSON as canonical JSON (sorted keys, no spaces). One line of canonical JSON per row goes into
the hash, after a header line with the column names.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import JSON, Float, Integer, MetaData, Table, func, inspect, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.types import TypeEngine
from sqlmodel import Session

from registry.errors import InvalidInput

FORMAT = 1
MANIFEST_SUFFIX = ".manifest.json"
# Tables a freshly migrated, empty database already fills: they do not make it "non-empty".
BOOKKEEPING_TABLES = frozenset({"alembic_version", "auditchainhead"})
_BATCH = 2000


@dataclass(frozen=True)
class TableDigest:
    """One table's row count and the SHA-256 of its canonical content."""

    rows: int
    sha256: str


@dataclass(frozen=True)
class AuditCheck:
    """The audit chain's state (`registry.services.audit_chain.verify_audit_chain`)."""

    ok: bool
    checked: int
    message: str


@dataclass(frozen=True)
class Manifest:
    """What a backup holds; written as JSON beside the backup file.

    Attributes
    ----------
    backend : str
        ``sqlite`` or ``postgresql``; a backup is restored into the same backend.
    schema_revision : str or None
        The Alembic revision of the backed-up database.
    tables : dict of str to TableDigest
        Every table's row count and content hash.
    audit_chain : AuditCheck or None
        The audit chain verified on the backed-up data; None when the schema has no chain.
    file_sha256, file_bytes : str, int
        Checksum and size of the backup file, checked before a restore.
    created_at : str
        UTC time the backup was taken (ISO 8601).
    """

    backend: str
    schema_revision: str | None
    tables: dict[str, TableDigest]
    audit_chain: AuditCheck | None
    file_sha256: str
    file_bytes: int
    created_at: str
    format: int = FORMAT

    @property
    def total_rows(self) -> int:
        return sum(d.rows for d in self.tables.values())

    def to_json(self) -> str:
        """The manifest as indented JSON (tables in name order)."""
        data = {
            "format": self.format,
            "backend": self.backend,
            "created_at": self.created_at,
            "schema_revision": self.schema_revision,
            "file_sha256": self.file_sha256,
            "file_bytes": self.file_bytes,
            "audit_chain": None if self.audit_chain is None else {
                "ok": self.audit_chain.ok, "checked": self.audit_chain.checked,
                "message": self.audit_chain.message},
            "tables": {name: {"rows": d.rows, "sha256": d.sha256}
                       for name, d in sorted(self.tables.items())},
        }
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str, *, source: str = "manifest") -> Manifest:
        """Read a manifest written by `to_json`.

        Raises
        ------
        InvalidInput
            The text is not a manifest of a known format (``source`` names it).
        """
        try:
            data = json.loads(text)
            if data.get("format") != FORMAT:
                raise ValueError(f"format {data.get('format')!r}, expected {FORMAT}")
            chain = data["audit_chain"]
            return cls(
                backend=str(data["backend"]),
                schema_revision=data["schema_revision"],
                tables={str(name): TableDigest(int(d["rows"]), str(d["sha256"]))
                        for name, d in data["tables"].items()},
                audit_chain=None if chain is None else AuditCheck(
                    bool(chain["ok"]), int(chain["checked"]), str(chain["message"])),
                file_sha256=str(data["file_sha256"]),
                file_bytes=int(data["file_bytes"]),
                created_at=str(data["created_at"]),
            )
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise InvalidInput.one(
                "path", f"{source} is not a backup manifest ({exc}); use the "
                f"{MANIFEST_SUFFIX} file written with the backup", "backup.manifest_invalid",
                path=source) from None


@dataclass(frozen=True)
class Mismatch:
    """One table that differs between a manifest and a database.

    ``kind`` is ``missing`` (in the manifest, not in the database), ``extra`` (the other
    way round), ``rows`` (row counts differ) or ``content`` (same count, other values).
    """

    table: str
    kind: str
    expected_rows: int | None
    actual_rows: int | None

    def __str__(self) -> str:
        if self.kind == "missing":
            return f"{self.table}: missing ({self.expected_rows} rows expected)"
        if self.kind == "extra":
            return f"{self.table}: not in the backup ({self.actual_rows} rows)"
        if self.kind == "rows":
            return f"{self.table}: {self.actual_rows} rows, {self.expected_rows} expected"
        return f"{self.table}: content differs ({self.actual_rows} rows, counts match)"


@dataclass(frozen=True)
class VerifyReport:
    """A database compared with a manifest: mismatches by table and the audit chain."""

    tables: int
    rows: int
    mismatches: tuple[Mismatch, ...] = ()
    audit_chain: AuditCheck | None = None
    digests: dict[str, TableDigest] = field(default_factory=dict, repr=False)

    @property
    def ok(self) -> bool:
        """No table differs and the audit chain (when there is one) is intact."""
        return not self.mismatches and (self.audit_chain is None or self.audit_chain.ok)

    @property
    def message(self) -> str:
        lines = [f"{self.tables} tables, {self.rows} rows: "
                 + ("all match the manifest" if not self.mismatches
                    else f"{len(self.mismatches)} differ from the manifest")]
        lines += [f"  {m}" for m in self.mismatches]
        if self.audit_chain is not None:
            lines.append(f"audit chain: {self.audit_chain.message}")
        return "\n".join(lines)


# ---- canonical content ------------------------------------------------------------------------


def canonical_value(value: Any, type_: TypeEngine[Any] | None = None) -> Any:
    """A value as the hash sees it, the same whichever backend returned it.

    Examples
    --------
    >>> canonical_value(True), canonical_value(0.1), canonical_value(date(2026, 1, 2))
    (1, '0.1', '2026-01-02')
    >>> canonical_value({"b": 1, "a": [1.5]}, JSON())
    '{"a":[1.5],"b":1}'
    >>> canonical_value(datetime(2026, 1, 2, 3, 4, 5))
    '2026-01-02T03:04:05.000000+00:00'
    """
    if isinstance(type_, JSON):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    if value is None:
        return None
    if isinstance(type_, Float) and not isinstance(value, bool):
        return repr(float(value))
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | str):
        return value
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return str(value.normalize())
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=UTC)
        return aware.astimezone(UTC).isoformat(timespec="microseconds")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, dict | list):
        return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    raise TypeError(f"no canonical form for {type(value).__name__} {value!r}")


def _rows(conn: Connection, table: Table) -> Iterator[str]:
    """The canonical lines of `table`, in primary-key order."""
    columns = sorted(table.columns, key=lambda c: c.name)
    key = list(table.primary_key.columns)
    integer_key = bool(key) and all(isinstance(c.type, Integer) for c in key)
    query = select(*columns)
    if integer_key:
        query = query.order_by(*key)
    result = conn.execution_options(yield_per=_BATCH).execute(query)
    lines = (json.dumps([canonical_value(v, c.type) for c, v in zip(columns, row, strict=True)],
                        separators=(",", ":"), ensure_ascii=False) for row in result)
    if integer_key:
        yield from lines
    else:  # text keys sort differently per backend; the canonical lines sort the same
        yield from sorted(lines)


def reflect_tables(conn: Connection) -> dict[str, Table]:
    """The database's own tables, as they are (any schema revision)."""
    metadata = MetaData()
    metadata.reflect(bind=conn)
    return dict(metadata.tables)


def table_digests(conn: Connection) -> dict[str, TableDigest]:
    """Row count and canonical SHA-256 of every table, read through `conn`.

    Read everything in one transaction (or from a file nobody writes) for a consistent
    picture; `registry.backup` reads inside the snapshot it backs up.
    """
    digests: dict[str, TableDigest] = {}
    for name, table in sorted(reflect_tables(conn).items()):
        digest = hashlib.sha256()
        digest.update(json.dumps(sorted(c.name for c in table.columns)).encode() + b"\n")
        count = 0
        for line in _rows(conn, table):
            digest.update(line.encode("utf-8") + b"\n")
            count += 1
        digests[name] = TableDigest(count, digest.hexdigest())
    return digests


def data_rows(conn: Connection) -> dict[str, int]:
    """Row counts of the tables that hold data (bookkeeping tables left out), non-zero only."""
    counts = {}
    for name, table in sorted(reflect_tables(conn).items()):
        if name in BOOKKEEPING_TABLES:
            continue
        rows = int(conn.execute(select(func.count()).select_from(table)).scalar_one())
        if rows:
            counts[name] = rows
    return counts


def schema_revision(conn: Connection) -> str | None:
    """The Alembic revision of the database, or None before the first migration."""
    if not inspect(conn).has_table("alembic_version"):
        return None
    value = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    return None if value is None else str(value)


def audit_check(conn: Connection) -> AuditCheck | None:
    """The audit chain verified through `conn`; None when the schema has no chain yet."""
    if not inspect(conn).has_table("auditchainhead"):
        return None
    try:
        from registry.services.audit_chain import verify_audit_chain
    except ImportError:  # a build without the chain verifier
        return None
    with Session(bind=conn) as session:
        report = verify_audit_chain(session)
    return AuditCheck(report.ok, report.checked, report.message)


def compare_digests(expected: Mapping[str, TableDigest],
                    actual: Mapping[str, TableDigest]) -> tuple[Mismatch, ...]:
    """The tables whose digests differ, in name order.

    Examples
    --------
    >>> a = {"site": TableDigest(2, "x"), "user": TableDigest(1, "y")}
    >>> [str(m) for m in compare_digests(a, {"site": TableDigest(2, "z")})]
    ['site: content differs (2 rows, counts match)', 'user: missing (1 rows expected)']
    """
    found = []
    for name in sorted(set(expected) | set(actual)):
        want, have = expected.get(name), actual.get(name)
        if have is None:
            assert want is not None
            found.append(Mismatch(name, "missing", want.rows, None))
        elif want is None:
            found.append(Mismatch(name, "extra", None, have.rows))
        elif want.rows != have.rows:
            found.append(Mismatch(name, "rows", want.rows, have.rows))
        elif want.sha256 != have.sha256:
            found.append(Mismatch(name, "content", want.rows, have.rows))
    return tuple(found)


def verify_database(engine: Engine, manifest: Manifest) -> VerifyReport:
    """Compare a database with a backup's manifest, table by table, and check its audit chain.

    Parameters
    ----------
    engine : Engine
        The database to check (typically just restored).
    manifest : Manifest
        What the backup held (`read_manifest`).

    Returns
    -------
    VerifyReport
        ``ok`` when every table matches and the audit chain is intact; else the tables that
        differ (missing, extra, other row count, other content).
    """
    with engine.connect() as conn, conn.begin():
        digests = table_digests(conn)
        chain = audit_check(conn)
    return VerifyReport(tables=len(digests), rows=sum(d.rows for d in digests.values()),
                        mismatches=compare_digests(manifest.tables, digests),
                        audit_chain=chain, digests=digests)


def manifest_path(backup: Path) -> Path:
    """Where the manifest of `backup` lives: ``<backup>.manifest.json`` beside it."""
    return backup.with_name(backup.name + MANIFEST_SUFFIX)


def read_manifest(backup: Path) -> Manifest:
    """The manifest written beside `backup`.

    Raises
    ------
    InvalidInput
        The manifest is missing or is not a manifest.
    """
    path = manifest_path(backup)
    if not path.is_file():
        raise InvalidInput.one(
            "path", f"no manifest {str(path)!r} beside the backup; a backup is restored and "
            "verified only with the manifest written with it", "backup.manifest_missing",
            path=str(path))
    return Manifest.from_json(path.read_text("utf-8"), source=str(path))


__all__ = [
    "BOOKKEEPING_TABLES",
    "MANIFEST_SUFFIX",
    "AuditCheck",
    "Manifest",
    "Mismatch",
    "TableDigest",
    "VerifyReport",
    "audit_check",
    "canonical_value",
    "compare_digests",
    "data_rows",
    "manifest_path",
    "read_manifest",
    "reflect_tables",
    "schema_revision",
    "table_digests",
    "verify_database",
]
