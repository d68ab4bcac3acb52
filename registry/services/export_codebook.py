"""The variables of a de-identified cohort export and the codebook that describes them.

One table, :data:`VARIABLES`, fixes the export's columns, their order, types, units and
derivations; :mod:`registry.services.export_deid` builds the columns and :func:`codebook`
writes them up, so the file and its codebook cannot drift apart. Code lists come from
:mod:`registry.models.enums` (fixed codes) or from the exported data (after coarsening).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import pandas as pd

from registry.analysis.datasets import BEST_RESPONSE_DAY
from registry.services.summary import SMALL_CELL

__all__ = ["CODEBOOK_COLUMNS", "EXPORT_COLUMNS", "VARIABLES", "Variable", "codebook"]

CODEBOOK_COLUMNS: Final = ("variable", "type", "unit", "codes", "derivation")

_POOLED = f"categories with fewer than {SMALL_CELL} patients in this export pooled as 'other'"
_DAY0 = "days from day 0"
_YES_NO = "1 = yes; 0 = no; empty = unknown"


@dataclass(frozen=True)
class Variable:
    """One exported column.

    ``kind``: ``string`` (codes), ``integer``, ``number`` or ``0/1``. ``codes``: fixed codes,
    or None to list the values present in the export (categorical columns). Variables in
    days from day 0 get the export's time origin added to their derivation.
    """

    name: str
    kind: str
    unit: str
    derivation: str
    codes: str | None = ""


VARIABLES: Final = (
    Variable("subject_id", "string", "", "Random identifier of the patient drawn afresh for "
             "every export (secrets module; not derivable from any registry id); the same for "
             "a patient's episodes within one export only.", "X + 10 hexadecimal digits"),
    Variable("episode_number", "integer", "", "The patient's CAR-T episode (1 = first; 2 = "
             "re-infusion or a second product, ...)."),
    Variable("site", "string", "", "Site of the episode as a pseudonym of this export (S01, "
             "S02, ... in random order, different in every export); sites with fewer than "
             f"{SMALL_CELL} patients in this export pooled as 'other'. Site codes are kept apart "
             "from exported data (152-FZ depersonalisation).", None),
    Variable("product_code", "string", "", f"CAR-T product (Product.code); {_POOLED}.", None),
    Variable("product_origin", "string", "", f"domestic or imported product; {_POOLED}.", None),
    Variable("indication", "string", "", f"Indication at registration; {_POOLED}.", None),
    Variable("sex", "string", "", f"F = female, M = male; {_POOLED}.", None),
    Variable("age_years", "integer", "years", "Whole years at apheresis, birth taken as 2 July "
             "of the birth year (only the year is held); top-coded: 90 means 90 or older."),
    Variable("prior_lines", "integer", "lines", "Prior lines of therapy at referral; "
             "top-coded: 6 means 6 or more."),
    Variable("prior_auto_hsct", "0/1", "", "Autologous HSCT before CAR-T.", _YES_NO),
    Variable("prior_allo_hsct", "0/1", "", "Allogeneic HSCT before CAR-T.", _YES_NO),
    Variable("ecog", "integer", "", "ECOG performance status at referral; top-coded: 3 means "
             "3 or 4; empty = unknown.", "0-3"),
    Variable("ldh_above_uln", "0/1", "", "LDH above the upper limit of normal at referral.",
             _YES_NO),
    Variable("bulky_disease", "0/1", "", "Bulky disease at referral.", _YES_NO),
    Variable("marrow_blasts_pct", "number", "%", "Bone-marrow blasts at referral (B-ALL)."),
    Variable("diagnosis_to_apheresis_days", "integer", "days", "Apheresis date minus "
             "diagnosis date."),
    Variable("bridging", "string", "", f"Bridging therapy; {_POOLED}; empty = not recorded.",
             None),
    Variable("lymphodepletion", "string", "", f"Lymphodepleting regimen; {_POOLED}; empty = "
             "not infused or not recorded.", None),
    Variable("dose_car_positive_cells", "number", "cells", "CAR-positive cells infused."),
    Variable("dose_per_kg", "number", "cells/kg", "CAR-positive cells per kg (weight-based "
             "dosing)."),
    Variable("infused", "0/1", "", "Infused by the data cut (as_of in the manifest).",
             "1 = infused; 0 = apheresed, not infused"),
    Variable("not_infused_reason", "string", "", f"Why the product was not given; {_POOLED}; "
             "empty when infused.", None),
    Variable("not_infused_day", "integer", "days", "Day of the not-infused decision, counted "
             "from apheresis (never-infused have no infusion day)."),
    Variable("vein_to_vein_days", "integer", "days", "Infusion day counted from apheresis "
             "(vein-to-vein time); empty when not infused."),
    Variable("os_time_days", "integer", _DAY0, "Overall survival: time to death from any cause, "
             "or to censoring at the last known alive date (latest form, AE or treatment date; "
             "never-infused: the data cut)."),
    Variable("os_event", "0/1", "", "Overall survival event.", "1 = died; 0 = censored"),
    Variable("pfs_efs_time_days", "integer", _DAY0, "PFS (lymphoma, CLL) or EFS (B-ALL): time "
             "to relapse/progression, no response by D100, death, or (ITT) the not-infused "
             "decision; else censored at the episode's last contact."),
    Variable("pfs_efs_event", "0/1", "", "PFS/EFS event.", "1 = event; 0 = censored"),
    Variable("allo_hsct_day", "integer", _DAY0, "Allogeneic HSCT after CAR-T (first form "
             "reporting it); empty when none."),
    Variable("best_response", "string", "", "Best response assessed up to day "
             f"{BEST_RESPONSE_DAY} after infusion (CR > CRi > PR > SD > NR > PD/relapse > NE); "
             f"empty when not infused or not assessed; {_POOLED}.", None),
    Variable("crs_max_grade", "integer", "grade", "Worst CRS grade on ASTCT 2019 (0 = none "
             "reported; 5 = death from CRS); empty when not infused, ungraded, or graded only "
             "on another scale.", "0-5"),
    Variable("crs_other_scale", "0/1", "", "A CRS of the episode was graded on another scale "
             "(Penn, Lee 2014, CTCAE): never pooled with ASTCT grades.", _YES_NO),
    Variable("icans_max_grade", "integer", "grade", "Worst ICANS grade on ASTCT 2019 (as "
             "crs_max_grade).", "0-5"),
    Variable("icans_other_scale", "0/1", "", "An ICANS of the episode was graded on another "
             "scale.", _YES_NO),
    Variable("hospital_days", "integer", "days", "Hospital days reported on the episode's "
             "follow-up forms (sum); empty when none reported."),
    Variable("icu_days", "integer", "days", "ICU days reported on the follow-up forms (sum)."),
)
"""The exported columns, in order."""

EXPORT_COLUMNS: Final = tuple(v.name for v in VARIABLES)


def codebook(table: pd.DataFrame, *, day0: str) -> pd.DataFrame:
    """The codebook of an exported table: one row per column.

    Parameters
    ----------
    table : DataFrame
        The de-identified table, columns :data:`EXPORT_COLUMNS`.
    day0 : str
        What day 0 is, e.g. ``"infusion"``; added to the derivations of day variables.

    Returns
    -------
    DataFrame with :data:`CODEBOOK_COLUMNS`; ``codes`` of categorical columns lists the values
    present, ``; ``-separated.

    Examples
    --------
    >>> import pandas as pd
    >>> frame = pd.DataFrame({v.name: [] for v in VARIABLES}).assign(sex=[])
    >>> codebook(frame, day0="infusion").shape
    (36, 5)
    """
    rows = []
    for v in VARIABLES:
        codes = v.codes
        if codes is None:
            codes = "; ".join(sorted(str(x) for x in table[v.name].dropna().unique()))
        origin = f" Day 0: {day0}." if v.unit == _DAY0 else ""
        rows.append({"variable": v.name, "type": v.kind, "unit": v.unit, "codes": codes,
                     "derivation": v.derivation + origin})
    return pd.DataFrame(rows, columns=list(CODEBOOK_COLUMNS))
