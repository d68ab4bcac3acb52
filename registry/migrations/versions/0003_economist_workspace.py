"""economist workspace: saved cohorts and analysis runs

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op


revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table("analysisrun",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column("username", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column("cohort_name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=True),
    sa.Column("definition", sa.JSON(), nullable=True),
    sa.Column("definition_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column("parameters", sa.JSON(), nullable=True),
    sa.Column("data_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column("code_version", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column("n_rows", sa.Integer(), nullable=False),
    sa.Column("summary", sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint("id")
    )
    with op.batch_alter_table("analysisrun", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_analysisrun_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_analysisrun_kind"), ["kind"], unique=False)

    op.create_table("savedcohort",
    sa.Column("id", sa.Integer(), nullable=False),
    sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column("version", sa.Integer(), nullable=False),
    sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=120), nullable=False),
    sa.Column("definition", sa.JSON(), nullable=True),
    sa.Column("definition_sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column("archived", sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint("id"),
    sa.UniqueConstraint("name")
    )


def downgrade() -> None:
    op.drop_table("savedcohort")
    with op.batch_alter_table("analysisrun", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analysisrun_kind"))
        batch_op.drop_index(batch_op.f("ix_analysisrun_created_at"))

    op.drop_table("analysisrun")
