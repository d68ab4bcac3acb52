"""The two arms of a cohort, the covariates of adjusted models, the run record."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final

import pandas as pd
from sqlmodel import Session

from registry.auth import Actor, require
from registry.errors import InvalidInput
from registry.models import AnalysisRun
from registry.services.cohorts import CohortDefinition, as_definition, cohort_frame, data_digest
from registry.services.common import today
from registry.services.workspace import record_run

__all__ = ["ARMS", "COVARIATES", "CohortData", "arm_column", "beyond_follow_up",
           "design_matrix", "load_cohort", "save_run"]

ARMS: Final = ("imported", "domestic")
"""Arm labels: the reference (imported product) first, then the comparator (domestic)."""

COVARIATES: Final = ("age_per_10y", "prior_lines", "ecog", "ldh_above_uln", "bridging",
                     "indication")
"""Adjustment set of DESIGN.md section 6 (indication dummy-coded)."""

MIN_PER_ARM: Final = 5


@dataclass(frozen=True)
class CohortData:
    """A cohort ready for a comparison: one row per patient (first episode in the cohort).

    ``frame`` has the cohort columns plus ``arm`` ("imported"/"domestic") and ``domestic``
    (0/1). It stays inside the services; results built from it are aggregates.
    """

    definition: CohortDefinition
    frame: pd.DataFrame
    data_sha256: str
    as_of: date

    def arm(self, name: str) -> pd.DataFrame:
        return self.frame[self.frame["arm"] == name]

    def counts(self) -> dict[str, int]:
        return {name: int((self.frame["arm"] == name).sum()) for name in ARMS}


def arm_column(origin: pd.Series) -> pd.Series:
    """Product origin -> arm label."""
    return origin.astype(str).map({"imported": "imported", "domestic": "domestic"})


def load_cohort(*, session: Session, actor: Actor,
                definition: CohortDefinition | Mapping[str, Any],
                as_of: date | None = None) -> CohortData:
    """The cohort's first episode per patient, both arms, with a SHA-256 of the data.

    Raises
    ------
    InvalidInput
        (field ``definition``) when either arm has fewer than five patients: a comparison
        needs both products.
    """
    require(actor, "cohort:analyse")
    chosen = as_definition(definition)
    cut = as_of or today()
    frame = cohort_frame(session=session, actor=actor, definition=chosen, as_of=cut)
    frame = (frame.sort_values(["patient_id", "episode_number"], kind="stable")
             .drop_duplicates("patient_id").sort_values("episode_id", kind="stable")
             .reset_index(drop=True))
    frame["arm"] = arm_column(frame["product_origin"])
    frame = frame[frame["arm"].notna()].reset_index(drop=True)
    frame["domestic"] = (frame["arm"] == "domestic").astype(float)
    data = CohortData(definition=chosen, frame=frame, data_sha256=data_digest(frame),
                      as_of=cut)
    counts = data.counts()
    if min(counts.values()) < MIN_PER_ARM:
        raise InvalidInput.one(
            "definition", "The cohort needs at least 5 patients in each arm to compare the "
            f"products; it has {counts['imported']} imported and {counts['domestic']} domestic. "
            "Widen the filters.", code="hta.arms", imported=counts["imported"],
            domestic=counts["domestic"])
    return data


def beyond_follow_up(arm: str) -> str:
    """The message for a horizon after the last follow-up of the arm (code
    ``hta.horizon_follow_up``, param ``arm``)."""
    return (f"{arm} arm: the horizon is after the last follow-up of a patient still alive, so "
            "what happens after it is unknown; choose a shorter horizon")


def design_matrix(frame: pd.DataFrame) -> pd.DataFrame:
    """Adjustment covariates as numeric columns (0/1 against the commonest category).

    Missing ECOG takes the cohort median, missing LDH counts as not raised (as the centre
    report); a column constant in the cohort is left out.
    """
    ecog = pd.to_numeric(frame["ecog"], errors="coerce")
    x = pd.DataFrame({
        "age_per_10y": pd.to_numeric(frame["age_years"], errors="coerce").fillna(
            pd.to_numeric(frame["age_years"], errors="coerce").median()) / 10.0,
        "prior_lines": pd.to_numeric(frame["prior_lines"], errors="coerce").fillna(0.0),
        "ecog": ecog.fillna(ecog.median() if ecog.notna().any() else 0.0),
        "ldh_above_uln": frame["ldh_above_uln"].astype("boolean").fillna(False).astype(float),
        "bridging": (frame["bridging"].fillna("none").astype(str) != "none").astype(float),
    }, index=frame.index)
    indication = frame["indication"].astype(str)
    commonest = indication.value_counts().index[:1]
    for level in sorted(set(indication) - set(commonest)):
        x[f"indication:{level}"] = (indication == level).astype(float)
    return x.loc[:, [c for c in x.columns if x[c].nunique() > 1]].astype(float)


def save_run(*, session: Session, actor: Actor, kind: str, data: CohortData,
             parameters: dict[str, Any], summary: dict[str, Any]) -> AnalysisRun:
    """Store the reproducibility record of an analysis of ``data``."""
    return record_run(session=session, actor=actor, kind=kind,
                      definition=data.definition.filters(),
                      cohort_name=data.definition.name,
                      parameters=parameters | {"as_of": data.as_of.isoformat()},
                      data_sha256=data.data_sha256, n_rows=len(data.frame), summary=summary)
