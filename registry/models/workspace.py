"""The economist's workspace: saved cohort definitions and the record of every analysis run.

A run stores what is needed to reproduce its numbers (issue 6): the cohort definition, the
parameters, a SHA-256 of the input data and the code version. Neither table holds patient
data: definitions are filters and results are aggregates.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field, SQLModel

from registry.models.base import TableMixin, utcnow


class SavedCohort(TableMixin, table=True):
    """A named cohort definition (filters), shared between economists."""

    name: str = Field(max_length=120, unique=True)
    definition: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    definition_sha256: str = Field(max_length=64)
    created_by: str = Field(max_length=64)
    archived: bool = False


class AnalysisRun(SQLModel, table=True):
    """One analysis as it was run: inputs, parameters, data hash, code version, summary."""

    id: int | None = Field(default=None, primary_key=True)
    created_at: datetime = Field(default_factory=utcnow, index=True)
    username: str = Field(max_length=64)
    kind: str = Field(max_length=32, index=True)
    cohort_name: str | None = Field(default=None, max_length=120)
    definition: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    definition_sha256: str = Field(max_length=64)
    parameters: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
    data_sha256: str = Field(max_length=64)
    code_version: str = Field(max_length=80)
    n_rows: int = 0
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON))
