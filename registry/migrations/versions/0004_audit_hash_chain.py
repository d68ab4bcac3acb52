"""audit trail as a hash chain: prev_hash and hash on every event, and the chain head

Existing events are chained in id order here (read and updated 5,000 at a time), with the
same hash function the application and the verifier use
(`registry.services.audit_chain.event_hash`), and the head is set to the newest of them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-26
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

from registry.services.audit_chain import CONTENT_FIELDS, GENESIS, event_hash

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

CHUNK = 5000


def _events() -> sa.TableClause:
    """The audit table as this revision sees it, with the types the application reads."""
    return sa.table(
        "auditevent",
        sa.column("id", sa.Integer()),
        sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime()),
        sa.column("user_id", sa.Integer()),
        sa.column("username", sa.String()),
        sa.column("role", sa.String()),
        sa.column("action", sa.String()),
        sa.column("table_name", sa.String()),
        sa.column("row_id", sa.Integer()),
        sa.column("before", sa.JSON()),
        sa.column("after", sa.JSON()),
        sa.column("reason", sa.String()),
        sa.column("prev_hash", sa.String()),
        sa.column("hash", sa.String()),
    )


def _backfill(conn: sa.Connection) -> tuple[int, str]:
    """Chain the existing events in id order; returns the newest (id, hash)."""
    events = _events()
    columns = [events.c[name] for name in CONTENT_FIELDS]
    write = (
        sa.update(events)
        .where(events.c.id == sa.bindparam("b_id"))
        .values(prev_hash=sa.bindparam("b_prev"), hash=sa.bindparam("b_hash"))
    )
    last_id, last_hash = 0, GENESIS
    while True:
        rows = conn.execute(
            sa.select(*columns).where(events.c.id > last_id).order_by(events.c.id).limit(CHUNK)
        ).all()
        if not rows:
            return last_id, last_hash
        links = []
        for row in rows:
            content = dict(zip(CONTENT_FIELDS, row, strict=True))
            digest = event_hash(last_hash, content)
            links.append({"b_id": content["id"], "b_prev": last_hash, "b_hash": digest})
            last_id, last_hash = int(content["id"]), digest
        conn.execute(write, links)


def upgrade() -> None:
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.add_column(sa.Column("prev_hash", sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=True))
        batch_op.add_column(sa.Column("hash", sqlmodel.sql.sqltypes.AutoString(length=64),
                                      nullable=True))
    last_id, last_hash = _backfill(op.get_bind())
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sqlmodel.sql.sqltypes.AutoString(
            length=64), nullable=False)
        batch_op.alter_column("hash", existing_type=sqlmodel.sql.sqltypes.AutoString(
            length=64), nullable=False)
        batch_op.create_index(batch_op.f("ix_auditevent_prev_hash"), ["prev_hash"], unique=True)

    head = op.create_table("auditchainhead",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("last_id", sa.Integer(), nullable=False),
    sa.Column("last_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.PrimaryKeyConstraint("id")
    )
    op.bulk_insert(head, [{"id": 1, "last_id": last_id, "last_hash": last_hash}])


def downgrade() -> None:
    op.drop_table("auditchainhead")
    with op.batch_alter_table("auditevent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_auditevent_prev_hash"))
        batch_op.drop_column("hash")
        batch_op.drop_column("prev_hash")
