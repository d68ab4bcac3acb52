"""De-identify a cohort frame for export (DESIGN.md section 8; 152-FZ depersonalisation).

What leaves the registry, per :func:`deidentify`:

- No registry id, database id, site patient code, identity hash, birth year, calendar date or
  free text: the frame of :func:`registry.services.cohorts.cohort_frame` carries none of the
  first four beyond database ids, which are dropped here, and no free text at all.
- Fresh random subject ids per export (:func:`fresh_ids`, from :mod:`secrets`): two exports
  of the same cohort share none, and rows are ordered by them, not by registration.
- Days, not dates: survival times from day 0 (infusion; ITT: apheresis, for infused and
  never-infused alike), decision and infusion days from apheresis, diagnosis as an interval.
- Ages in whole years; age, prior lines and ECOG top-coded (:data:`TOP_CODES`).
- Sites as per-export pseudonyms in random order (the mapping to site codes is never
  written), sites with fewer than :data:`~registry.services.summary.SMALL_CELL` patients in
  the export pooled as ``"other"``; the same pooling for every categorical column
  (:data:`CATEGORICAL`). Counts are of patients, not episodes.
- Yes/no columns as 0/1 numbers.

Pooling protects single cells, not combinations of columns; an export is for an economist
bound by the registry's data-use rules, not for publication.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Final

import pandas as pd

from registry.services.export_codebook import EXPORT_COLUMNS
from registry.services.summary import SMALL_CELL

__all__ = ["BOOLEANS", "CATEGORICAL", "OTHER", "TOP_CODES", "Deidentified", "deidentify",
           "fresh_ids"]

OTHER: Final = "other"
CATEGORICAL: Final = ("site", "product_code", "product_origin", "indication", "sex", "bridging",
                      "lymphodepletion", "not_infused_reason", "best_response")
"""Columns whose categories with fewer than SMALL_CELL patients become ``"other"``."""
TOP_CODES: Final = {"age_years": 90, "prior_lines": 6, "ecog": 3}
"""Values above these are exported as these (90 means 90 or older, ...)."""
BOOLEANS: Final = ("prior_auto_hsct", "prior_allo_hsct", "ldh_above_uln", "bulky_disease",
                   "infused", "crs_other_scale", "icans_other_scale")
_ID_SPACE: Final = 16 ** 10


@dataclass(frozen=True)
class Deidentified:
    """A de-identified table and what was done to it.

    Attributes
    ----------
    table : DataFrame
        :data:`~registry.services.export_codebook.EXPORT_COLUMNS`, ordered by ``subject_id``
        and ``episode_number``.
    pooled : dict of str to int
        Per categorical column, how many categories were pooled as ``"other"`` (0: none).
    subjects : int
        Number of patients.
    """

    table: pd.DataFrame
    pooled: dict[str, int] = field(default_factory=dict)
    subjects: int = 0


def fresh_ids(n: int) -> list[str]:
    """``n`` distinct random ids (``"X"`` + 10 hex digits) from the OS's secure source.

    Examples
    --------
    >>> ids = fresh_ids(3)
    >>> len(set(ids)), all(len(i) == 11 and i.startswith("X") for i in ids)
    (3, True)
    """
    return [f"X{v:010X}" for v in secrets.SystemRandom().sample(range(_ID_SPACE), n)]


def deidentify(frame: pd.DataFrame) -> Deidentified:
    """The export table of a cohort frame (rules in the module docstring).

    Parameters
    ----------
    frame : DataFrame
        As :func:`registry.services.cohorts.cohort_frame` returns it (needs ``patient_id``
        and ``site_id`` besides the exported columns).

    Returns
    -------
    Deidentified

    Examples
    --------
    >>> import pandas as pd
    >>> from registry.services.cohorts import COHORT_COLUMNS
    >>> frame = pd.DataFrame({c: [] for c in COHORT_COLUMNS})
    >>> deidentify(frame).table.shape
    (0, 36)
    """
    out = frame.copy()
    patients = out["patient_id"].drop_duplicates().to_list()
    subject = dict(zip(patients, fresh_ids(len(patients)), strict=True))
    out["subject_id"] = out["patient_id"].map(subject).astype("str")
    out["site"] = _site_pseudonyms(out)
    pooled = {}
    for name in CATEGORICAL:
        out[name], pooled[name] = _pool_rare(out[name], out["patient_id"])
    for name, top in TOP_CODES.items():
        out[name] = out[name].astype("Int64").clip(upper=top)
    for name in BOOLEANS:
        out[name] = out[name].astype("boolean").astype("Int64")
    table = out.sort_values(["subject_id", "episode_number"])[list(EXPORT_COLUMNS)]
    return Deidentified(table=table.reset_index(drop=True), pooled=pooled,
                        subjects=len(patients))


def _site_pseudonyms(frame: pd.DataFrame) -> pd.Series:
    """S01, S02, ... for sites with >= SMALL_CELL patients, in random order; else "other"."""
    sizes = frame.groupby("site_id")["patient_id"].nunique()
    large = [int(s) for s in sizes.index[sizes >= SMALL_CELL]]
    secrets.SystemRandom().shuffle(large)
    width = max(2, len(str(len(large))))
    labels = {site: f"S{i:0{width}d}" for i, site in enumerate(large, start=1)}
    return frame["site_id"].map(lambda s: labels.get(int(s), OTHER)).astype("str")


def _pool_rare(values: pd.Series, patient_ids: pd.Series) -> tuple[pd.Series, int]:
    """Categories with fewer than SMALL_CELL distinct patients become "other"."""
    present = values.notna()
    sizes = patient_ids[present].groupby(values[present]).nunique()
    rare = [str(v) for v in sizes.index[sizes < SMALL_CELL] if v != OTHER]
    pooled = values.where(~values.isin(rare), OTHER)
    return pooled.astype("str").where(present, None), len(rare)
