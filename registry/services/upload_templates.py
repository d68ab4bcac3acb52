"""Bulk-upload file layout: the columns of each kind, the templates, and reading a file.

Why this module exists
----------------------
A referring hospital uploads many patients, follow-up forms or adverse events at once from a
CSV or XLSX file (`registry.services.uploads`). The columns of each kind are declared once,
here, as `COLUMNS`: the downloadable templates, the reader's check of the header and every
message about a cell all come from that one list. A column's type, whether it is required and
its allowed codes are read from the Create model it fills (`PatientCreate`, `FollowUpCreate`,
`AdverseEventCreate`) and from `registry.models.enums`, so they cannot drift from the forms.

Cells are read as text. An empty cell means "not given" (the form's default applies); dates
are accepted as ``YYYY-MM-DD`` or ``DD.MM.YYYY``; yes/no cells as true/false, yes/no, 1/0 or
да/нет. Row numbers in every message are the spreadsheet's: the header is row 1 and the first
data row is row 2.

A file is refused before it is parsed when it is larger than ``REGISTRY_UPLOAD_MAX_BYTES``
(10 MB) or, for XLSX, when its zip directory says it unpacks to far more (a zip bomb); it is
refused while it is read once it has more than ``REGISTRY_UPLOAD_MAX_ROWS`` (20,000) data rows
or an XLSX row has a value beyond `MAX_COLUMNS`. Formula cells are never run: CSV cells are
text, and XLSX is read values-only.
"""

from __future__ import annotations

import csv
import difflib
import io
import re
import types
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum, StrEnum
from typing import Any, Final, Literal, Union, get_args, get_origin

import pandas as pd
from sqlmodel import SQLModel

from registry.config import get_settings
from registry.errors import FieldError, InvalidInput
from registry.models import AdverseEventCreate, FollowUpCreate, PatientCreate
from registry.models.enums import (
    Consciousness,
    Hypotension,
    MotorFinding,
    OxygenSupport,
    RaisedIcp,
    Seizure,
)

ColumnType = Literal["text", "int", "float", "date", "bool", "code"]
FileFormat = Literal["csv", "xlsx"]

XLSX_UNPACKED_PER_BYTE: Final = 20
"""An XLSX may unpack to at most this many times the upload size limit: a 20,000-row sheet
packs 15-25 to 1, a zip bomb packs far more."""
XLSX_MAX_RATIO: Final = 100
"""No part of an XLSX larger than `_RATIO_FLOOR` may unpack to more than this many times its
packed size (Apache POI's rule against zip bombs)."""
_RATIO_FLOOR: Final = 1024 * 1024
MAX_COLUMNS: Final = 200
"""Widest XLSX row read (the templates have at most about 40 columns)."""
_MB: Final = 1024 * 1024

NOT_GIVEN: Final = object()
"""What an empty cell converts to: the field is left out and the form's default applies."""

TRUE_WORDS: Final = frozenset({"true", "yes", "1", "да"})
FALSE_WORDS: Final = frozenset({"false", "no", "0", "нет"})
SITE_COLUMNS: Final = frozenset({"site", "site_id", "site_code"})
SIGN_PREFIX: Final = "sign_"

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]00:00(?::00)?)?$")
_RU_DATE = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_XLSX_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0"


class UploadKind(StrEnum):
    """What an upload file holds; each kind has its own template."""

    patients = "patients"
    followups = "followups"
    adverse_events = "adverse_events"


@dataclass(frozen=True)
class Column:
    """One column of an upload file.

    Attributes
    ----------
    name : str
        The header text (lower case, as in the template).
    type : {'text', 'int', 'float', 'date', 'bool', 'code'}
        How the cell is read.
    required : bool
        The header must have this column and every row a value in it.
    description : str
        One line for the template's "codes" sheet.
    example : str
        The template's example value ('' for an empty cell).
    codes : tuple of str
        Allowed codes of a 'code' column, from `registry.models.enums`.
    """

    name: str
    type: ColumnType
    required: bool
    description: str
    example: str
    codes: tuple[str, ...] = ()

    def describe_format(self) -> str:
        """The cell format in words, for the codes sheet."""
        return {
            "text": "text",
            "int": "whole number",
            "float": "number (decimal point or comma)",
            "date": "date DD.MM.YYYY or YYYY-MM-DD",
            "bool": "yes/no (true/false, 1/0, да/нет)",
            "code": "one of the codes",
        }[self.type]


# ---- the layout: one source of truth ------------------------------------------------------------

_DESCRIPTIONS: Final[dict[str, str]] = {
    "site_patient_code": "Your site's own pseudonym of the patient (letters, digits, _ . - /)",
    "national_insurance_number": "SNILS, 11 digits (e.g. 112-233-445 95); only its HMAC is kept",
    "sex": "Sex",
    "birth_year": "Year of birth (no full birth dates)",
    "indication": "Disease the CAR-T is given for",
    "diagnosis_date": "Date of diagnosis",
    "prior_lines": "Number of prior lines of therapy (0-20)",
    "prior_auto_hsct": "Prior autologous stem-cell transplant",
    "prior_allo_hsct": "Prior allogeneic stem-cell transplant",
    "ecog": "ECOG performance status at referral (0-4)",
    "ldh_above_uln": "LDH above the upper limit of normal",
    "bulky_disease": "Bulky disease",
    "marrow_blasts_pct": "Bone-marrow blasts, % (0-100)",
    "consent_date": "Date the patient consented to the registry",
    "episode_number": "Treatment episode of the patient (1 = first; empty = 1)",
    "timepoint": "Scheduled form (D28 ... Y15) or 'unscheduled'",
    "assessment_date": "Date of the assessment",
    "vital_status": "Vital status at the assessment (report a death on the death form first)",
    "response": "Response; allowed codes depend on the response criteria",
    "response_criteria": "Response criteria; empty = the indication's usual criteria",
    "mrd_negative": "MRD-negative below 10^-4 (B-ALL only)",
    "b_cell_aplasia": "B-cell aplasia",
    "ivig": "IVIG given",
    "hospital_days": "Days in hospital since the last form (0-400)",
    "icu_days": "Days in ICU since the last form (0-400; not more than hospital days)",
    "new_therapy": "New anti-lymphoma/leukaemia therapy started",
    "new_therapy_date": "Date the new therapy started",
    "relapse_or_progression": "Relapse or progression since the last form",
    "relapse_date": "Date of relapse or progression",
    "new_malignancy": "New (secondary) malignancy",
    "lost_to_follow_up": "Patient lost to follow-up",
    "comments": "Free text (max 2000 characters)",
    "event_type": "Type of adverse event",
    "onset_date": "Date of onset",
    "resolution_date": "Date of resolution (empty if ongoing)",
    "grading_scale": "Scale of the grade; CRS/ICANS on ASTCT2019 are graded from the signs",
    "grade": "Grade; empty = the grade computed from the signs (CRS/ICANS on ASTCT2019)",
    "grade_override_reason": "Why the grade differs from the computed one",
    "tocilizumab_doses": "Tocilizumab doses (0-20)",
    "corticosteroids": "Corticosteroids given",
    "anakinra": "Anakinra given",
    "icu": "ICU admission",
    "description": "Free text (max 2000 characters)",
    "sign_max_temperature_c": "CRS sign: highest temperature, degrees Celsius",
    "sign_fever_masked": "CRS sign: fever masked by antipyretics or anti-cytokine therapy",
    "sign_hypotension": "CRS sign: worst hypotension and what it needed",
    "sign_oxygen": "CRS sign: worst oxygen support",
    "sign_ice": "ICANS sign: ICE score (0-10)",
    "sign_consciousness": "ICANS sign: depressed level of consciousness",
    "sign_seizure": "ICANS sign: seizures",
    "sign_motor": "ICANS sign: motor findings",
    "sign_raised_icp": "ICANS sign: raised intracranial pressure / cerebral oedema",
}

_EXAMPLES: Final[dict[UploadKind, dict[str, str]]] = {
    UploadKind.patients: {
        "site_patient_code": "P-0001",
        "national_insurance_number": "112-233-445 95",
        "sex": "F",
        "birth_year": "1975",
        "indication": "LBCL",
        "diagnosis_date": "15.03.2023",
        "prior_lines": "2",
        "prior_auto_hsct": "no",
        "prior_allo_hsct": "no",
        "ecog": "1",
        "ldh_above_uln": "yes",
        "bulky_disease": "no",
        "marrow_blasts_pct": "",
        "consent_date": "01.02.2024",
    },
    UploadKind.followups: {
        "site_patient_code": "P-0001",
        "episode_number": "1",
        "timepoint": "D28",
        "assessment_date": "29.03.2025",
        "vital_status": "alive",
        "response": "CR",
        "b_cell_aplasia": "yes",
        "ivig": "no",
        "hospital_days": "14",
        "icu_days": "2",
        "new_therapy": "none",
        "relapse_or_progression": "no",
    },
    UploadKind.adverse_events: {
        "site_patient_code": "P-0001",
        "episode_number": "1",
        "event_type": "CRS",
        "onset_date": "03.03.2025",
        "resolution_date": "08.03.2025",
        "grading_scale": "ASTCT2019",
        "tocilizumab_doses": "1",
        "corticosteroids": "no",
        "anakinra": "no",
        "icu": "no",
        "sign_max_temperature_c": "39.1",
        "sign_fever_masked": "no",
        "sign_hypotension": "no_vasopressor",
        "sign_oxygen": "none",
    },
}

_PATIENT_FIELDS: Final = (
    "site_patient_code",
    "national_insurance_number",
    "sex",
    "birth_year",
    "indication",
    "diagnosis_date",
    "prior_lines",
    "prior_auto_hsct",
    "prior_allo_hsct",
    "ecog",
    "ldh_above_uln",
    "bulky_disease",
    "marrow_blasts_pct",
    "consent_date",
)

SIGN_COLUMNS: Final[dict[str, tuple[ColumnType, type[Enum] | None]]] = {
    "sign_max_temperature_c": ("float", None),
    "sign_fever_masked": ("bool", None),
    "sign_hypotension": ("code", Hypotension),
    "sign_oxygen": ("code", OxygenSupport),
    "sign_ice": ("int", None),
    "sign_consciousness": ("code", Consciousness),
    "sign_seizure": ("code", Seizure),
    "sign_motor": ("code", MotorFinding),
    "sign_raised_icp": ("code", RaisedIcp),
}
"""The CRS/ICANS signs as flat columns; `sign_x` fills `signs["x"]` (see AdverseEventCreate)."""

EPISODE_COLUMNS: Final = ("site_patient_code", "episode_number")
"""How follow-ups and adverse events name their episode: the patient's code at your site."""


def _field_type(annotation: Any) -> tuple[ColumnType, tuple[str, ...]]:
    """The column type and codes of a model field's annotation (`X | None` unwrapped)."""
    if get_origin(annotation) in (Union, types.UnionType):
        inner = [a for a in get_args(annotation) if a is not type(None)]
        annotation = inner[0]
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return "code", tuple(str(member.value) for member in annotation)
    if annotation is bool:
        return "bool", ()
    if annotation is int:
        return "int", ()
    if annotation is float:
        return "float", ()
    if annotation is date:
        return "date", ()
    return "text", ()


def _model_column(model: type[SQLModel], name: str, kind: UploadKind) -> Column:
    info = model.model_fields[name]
    col_type, codes = _field_type(info.annotation)
    return Column(
        name,
        col_type,
        info.is_required(),
        _DESCRIPTIONS[name],
        _EXAMPLES[kind].get(name, ""),
        codes,
    )


def _build_layout() -> dict[UploadKind, tuple[Column, ...]]:
    episode = (
        Column(
            "site_patient_code",
            "text",
            True,
            _DESCRIPTIONS["site_patient_code"],
            "P-0001",
        ),
        Column("episode_number", "int", False, _DESCRIPTIONS["episode_number"], "1"),
    )
    patients = tuple(_model_column(PatientCreate, n, UploadKind.patients) for n in _PATIENT_FIELDS)
    followups = episode + tuple(
        _model_column(FollowUpCreate, n, UploadKind.followups)
        for n in FollowUpCreate.model_fields
        if n != "episode_id"
    )
    signs = tuple(
        Column(
            name,
            col_type,
            False,
            _DESCRIPTIONS[name],
            _EXAMPLES[UploadKind.adverse_events].get(name, ""),
            tuple(str(m.value) for m in enum) if enum is not None else (),
        )
        for name, (col_type, enum) in SIGN_COLUMNS.items()
    )
    adverse_events = (
        episode
        + tuple(
            _model_column(AdverseEventCreate, n, UploadKind.adverse_events)
            for n in AdverseEventCreate.model_fields
            if n not in ("episode_id", "signs")
        )
        + signs
    )
    return {
        UploadKind.patients: patients,
        UploadKind.followups: followups,
        UploadKind.adverse_events: adverse_events,
    }


COLUMNS: Final[dict[UploadKind, tuple[Column, ...]]] = _build_layout()
"""The columns of each kind, in template order."""


def columns_of(kind: UploadKind) -> dict[str, Column]:
    """The columns of `kind` by name, in template order."""
    return {column.name: column for column in COLUMNS[UploadKind(kind)]}


# ---- cells ----------------------------------------------------------------------------------


def parse_date(text: str) -> date | None:
    """A date written as ``YYYY-MM-DD`` or ``DD.MM.YYYY``; None if it is neither.

    Examples
    --------
    >>> parse_date("05.03.2024"), parse_date("2024-03-05"), parse_date("31.02.2024")
    (datetime.date(2024, 3, 5), datetime.date(2024, 3, 5), None)
    """
    iso = _ISO_DATE.match(text)
    ru = _RU_DATE.match(text)
    try:
        if iso:
            return date(int(iso[1]), int(iso[2]), int(iso[3]))
        if ru:
            return date(int(ru[3]), int(ru[2]), int(ru[1]))
    except ValueError:
        return None
    return None


def convert_cell(column: Column, text: str, row: int) -> tuple[Any, FieldError | None]:
    """A cell's text as the value its model field takes, or a `FieldError` naming it.

    Returns `NOT_GIVEN` for an empty cell. Numbers and codes are handed to the Create model as
    text (it checks them as the form does); dates and yes/no cells are converted here.
    """
    text = text.strip()
    if text == "":
        return NOT_GIVEN, None
    if column.type == "date":
        value = parse_date(text)
        if value is None:
            return None, FieldError(
                column.name,
                f"{text!r} is not a date; write it as DD.MM.YYYY or YYYY-MM-DD",
                row=row,
                code="upload.error.date",
                params={"value": repr(text)},
            )
        return value, None
    if column.type == "bool":
        word = text.lower()
        if word in TRUE_WORDS:
            return True, None
        if word in FALSE_WORDS:
            return False, None
        return None, FieldError(
            column.name,
            f"{text!r} is not yes/no; write yes or no (true/false, 1/0, да/нет)",
            row=row,
            code="upload.error.bool",
            params={"value": repr(text)},
        )
    if column.type == "float" and _DECIMAL_COMMA.match(text):
        return text.replace(",", "."), None
    if column.type == "code":
        for code in column.codes:  # codes are case-sensitive in storage, not for people
            if code.lower() == text.lower():
                return code, None
    return text, None


def _xlsx_text(value: Any) -> str:
    """An XLSX cell value as the text a CSV would hold."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        if value.time() == datetime.min.time():
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value).strip()


# ---- reading a file -------------------------------------------------------------------------


def read_upload(
    filename: str,
    content: bytes,
    *,
    kind: UploadKind | None = None,
    max_bytes: int | None = None,
    max_rows: int | None = None,
) -> pd.DataFrame:
    """Read an uploaded CSV or XLSX file into a DataFrame of strings.

    Parameters
    ----------
    filename : str
        The uploaded file's name; its extension (``.csv`` or ``.xlsx``) picks the reader.
    content : bytes
        The file's bytes. CSV may be UTF-8 (with or without BOM) or, failing that, Windows-1251,
        separated by ``,`` or ``;``. XLSX: the first sheet, values only (formulas are not
        evaluated: a formula cell reads as the value Excel saved with it, or empty).
    kind : UploadKind, optional
        When given, the header is checked against the kind's columns: required columns must be
        there, unknown columns are refused.
    max_bytes, max_rows : int, optional
        The largest file and the most data rows accepted; default the settings
        ``REGISTRY_UPLOAD_MAX_BYTES`` (10 MB) and ``REGISTRY_UPLOAD_MAX_ROWS`` (20,000). A larger
        file is refused before it is read; an XLSX is also refused, before it is opened, when
        its zip directory declares more than `XLSX_UNPACKED_PER_BYTE` times `max_bytes`
        unpacked, or a part that unpacks more than `XLSX_MAX_RATIO` times (a zip bomb).

    Returns
    -------
    pandas.DataFrame
        One column per header cell (lower case), every cell a string ('' when empty), indexed by
        the spreadsheet row number (header = row 1, first data row = row 2). Fully empty rows
        are dropped. ``frame.attrs["notes"]`` lists remarks for the user (e.g. the encoding).

    Raises
    ------
    InvalidInput
        Not a CSV or XLSX file, too large, an empty file, a row that cannot be read, no data
        rows, too many rows, a duplicate, missing or unknown column; each error names the
        column (or 'file').
    """
    if max_bytes is None or max_rows is None:
        settings = get_settings()
        max_bytes = settings.upload_max_bytes if max_bytes is None else max_bytes
        max_rows = settings.upload_max_rows if max_rows is None else max_rows
    notes: list[str] = []
    lower = filename.lower().strip()
    name = repr(filename)
    if len(content) > max_bytes:
        size, most = _megabytes(len(content)), _megabytes(max_bytes)
        raise InvalidInput.one(
            "file",
            f"{filename!r} is {size} MB; the largest upload is {most} MB: split the file into "
            "smaller ones",
            "upload.error.too_large",
            value=name,
            size=size,
            max=most,
        )
    if not content.strip():
        raise InvalidInput.one(
            "file",
            f"{filename!r} is empty; upload a filled-in template",
            "upload.error.file_empty",
            value=name,
        )
    if lower.endswith(".xlsx"):
        if not content.startswith(_XLSX_MAGIC):
            raise InvalidInput.one(
                "file",
                f"{filename!r} is not an XLSX workbook; save it from Excel as .xlsx",
                "upload.error.not_xlsx",
                value=name,
            )
        _check_unpacked(filename, content, max_bytes)
        rows = _xlsx_rows(content)
    elif lower.endswith(".csv"):
        if content.startswith(_XLSX_MAGIC) or content.startswith(_OLE_MAGIC) or b"\x00" in content:
            raise InvalidInput.one(
                "file",
                f"{filename!r} is not a text CSV file; save it as 'CSV UTF-8' or upload it "
                "as .xlsx",
                "upload.error.not_text_csv",
                value=name,
            )
        rows = _csv_rows(content, notes)
    elif lower.endswith(".xls"):
        raise InvalidInput.one(
            "file",
            f"{filename!r} is an old Excel 97-2003 file; save it as .xlsx or CSV UTF-8",
            "upload.error.old_xls",
            value=name,
        )
    else:
        raise InvalidInput.one(
            "file",
            f"{filename!r} is neither CSV nor XLSX; upload a .csv or .xlsx file",
            "upload.error.file_type",
            value=name,
        )
    return _frame(filename, rows, notes, kind, max_rows)


def _megabytes(size: int) -> str:
    """A size in MB as people read it: 10 MB, 0.5 MB, 52.4 MB."""
    return f"{size / _MB:.1f}".removesuffix(".0")


def _check_unpacked(filename: str, content: bytes, max_bytes: int) -> None:
    """Refuse a zip bomb before openpyxl opens it, from the sizes in the zip directory.

    Python's zipfile never unpacks a part beyond the size its directory declares (a part that
    claims less than it holds fails its CRC check), so the declared sizes bound the work.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, OSError) as exc:
        raise _unreadable(exc) from None
    unpacked = sum(part.file_size for part in parts)
    if unpacked > max_bytes * XLSX_UNPACKED_PER_BYTE:
        size, most = _megabytes(unpacked), _megabytes(max_bytes * XLSX_UNPACKED_PER_BYTE)
        raise InvalidInput.one(
            "file",
            f"{filename!r} unpacks to {size} MB, more than the {most} MB an upload may unpack "
            "to; split the file into smaller ones",
            "upload.error.xlsx_unpacked",
            value=repr(filename),
            size=size,
            max=most,
        )
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size > _RATIO_FLOOR and ratio > XLSX_MAX_RATIO:
            raise InvalidInput.one(
                "file",
                f"{filename!r} has a part ({part.filename!r}) that unpacks to {ratio:,.0f} times "
                "its packed size, which a workbook never does; save it again from Excel as .xlsx",
                "upload.error.xlsx_ratio",
                value=repr(filename),
                part=repr(part.filename),
                ratio=f"{ratio:,.0f}",
            )


def _unreadable(exc: BaseException) -> InvalidInput:
    return InvalidInput.one(
        "file",
        f"the workbook cannot be read ({type(exc).__name__}); save it again as .xlsx",
        "upload.error.unreadable",
        error=type(exc).__name__,
    )


def _csv_rows(content: bytes, notes: list[str]) -> Iterator[tuple[int, list[str]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1251", errors="replace")
        notes.append(
            "The file is not UTF-8, so it was read as Windows-1251 (cp1251). Check that any "
            "Cyrillic text looks right; saving as 'CSV UTF-8' avoids this."
        )
    first_line = text.split("\n", 1)[0]
    counts = {sep: first_line.count(sep) for sep in (",", ";", "\t")}
    delimiter = max(counts, key=lambda sep: counts[sep])  # a tie (no separator) keeps ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)

    def rows() -> Iterator[tuple[int, list[str]]]:
        # A record's number is its spreadsheet row: a quoted line break stays inside its cell.
        number = 0
        try:
            for number, record in enumerate(reader, start=1):
                yield number, record
        except csv.Error as exc:  # e.g. a cell longer than csv.field_size_limit()
            raise InvalidInput([FieldError(
                "file",
                f"row {number + 1} cannot be read as CSV ({exc}); check its quotes and cells, "
                "or save the file again as CSV UTF-8",
                number + 1,
                "upload.error.csv",
                {"row": number + 1, "error": str(exc)},
            )]) from None

    return rows()


def _xlsx_rows(content: bytes) -> Iterator[tuple[int, list[str]]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise _unreadable(exc) from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        try:
            sheet = book.worksheets[0]
            sheet.reset_dimensions()  # some writers store a wrong used range; read every row
            for number, values in enumerate(sheet.iter_rows(min_row=1, values_only=True), 1):
                yield number, [_xlsx_text(v) for v in _within_width(number, values)]
        except InvalidInput:
            raise
        except Exception as exc:  # the sheet is read lazily: damage shows only now
            raise _unreadable(exc) from None
        finally:
            book.close()

    return rows()


def _within_width(number: int, values: tuple[Any, ...]) -> tuple[Any, ...]:
    """A sheet row cut to `MAX_COLUMNS` cells; a value further right refuses the file.

    One cell in column XFD makes openpyxl return a row of 16,384 cells: without the cut, a
    small file of such rows would keep the server busy for minutes.
    """
    if len(values) <= MAX_COLUMNS:
        return values
    tail = values[MAX_COLUMNS:]
    if tail.count(None) != len(tail):
        column = MAX_COLUMNS + 1 + next(i for i, v in enumerate(tail) if v is not None)
        raise InvalidInput([FieldError(
            f"column {column}",
            f"has a value, but an upload has at most {MAX_COLUMNS} columns; delete the cells "
            "to the right of the table",
            number,
            "upload.error.too_wide",
            {"max": MAX_COLUMNS},
        )])
    return values[:MAX_COLUMNS]


def _frame(
    filename: str,
    rows: Iterable[tuple[int, list[str]]],
    notes: list[str],
    kind: UploadKind | None,
    max_rows: int,
) -> pd.DataFrame:
    iterator = iter(rows)
    header: list[str] | None = None
    for _number, cells in iterator:
        if any(c.strip() for c in cells):
            header = [c.strip().lstrip("\ufeff").lower() for c in cells]
            break
    if header is None:
        raise InvalidInput.one(
            "file",
            f"{filename!r} is empty; upload a filled-in template",
            "upload.error.file_empty",
            value=repr(filename),
        )
    while header and header[-1] == "":
        header.pop()
    width = len(header)
    numbers: list[int] = []
    data: list[list[str]] = []
    errors: list[FieldError] = []
    for number, cells in iterator:
        if not any(c.strip() for c in cells):
            continue
        if len(numbers) >= max_rows:
            raise InvalidInput.one(
                "file",
                f"more than {max_rows:,} data rows; split the file into smaller ones",
                "upload.error.too_many_rows",
                max=max_rows,
            )
        extra = [i for i in range(width, len(cells)) if cells[i].strip()]
        if extra:
            errors.append(
                FieldError(
                    f"column {extra[0] + 1}",
                    f"has a value ({cells[extra[0]].strip()!r}) but no header; add the "
                    "column's name or delete the value",
                    row=number,
                    code="upload.error.value_without_header",
                    params={"value": repr(cells[extra[0]].strip())},
                )
            )
        numbers.append(number)
        data.append([*cells[:width], *([""] * (width - len(cells)))])
    errors = _check_header(header, kind) + errors[:20]
    if errors:
        raise InvalidInput(errors)
    if not data:
        raise InvalidInput.one(
            "file",
            f"{filename!r} has a header but no data rows; add one row per record",
            "upload.error.no_rows",
            value=repr(filename),
        )
    frame = pd.DataFrame(
        data, columns=header, index=pd.Index(numbers, name="row"), dtype=object
    )
    frame.attrs["notes"] = notes
    return frame


def _check_header(header: Sequence[str], kind: UploadKind | None) -> list[FieldError]:
    errors: list[FieldError] = []
    seen: set[str] = set()
    for position, name in enumerate(header, start=1):
        if name == "":
            errors.append(
                FieldError(
                    f"column {position}",
                    "has no header; name it or delete it",
                    row=1,
                    code="upload.error.header_empty",
                )
            )
        elif name in seen:
            errors.append(
                FieldError(
                    name,
                    "appears twice in the header; keep one",
                    row=1,
                    code="upload.error.header_twice",
                )
            )
        seen.add(name)
    if kind is None:
        return errors
    known = columns_of(kind)
    for name in header:
        if name == "" or name in known:
            continue
        if name in SITE_COLUMNS:
            message = (
                "is not accepted: an upload always goes to your own site; delete this column"
            )
            errors.append(FieldError(name, message, row=1, code="upload.error.site_column"))
            continue
        close = difflib.get_close_matches(name, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        kind_name, columns = UploadKind(kind).value, ", ".join(known)
        message = (
            f"unknown column for a {kind_name} upload; {hint}the template's columns are: "
            f"{columns}"
        )
        if close:
            errors.append(
                FieldError(
                    name,
                    message,
                    row=1,
                    code="upload.error.unknown_column_hint",
                    params={"kind": kind_name, "close": repr(close[0]), "columns": columns},
                )
            )
        else:
            errors.append(
                FieldError(
                    name,
                    message,
                    row=1,
                    code="upload.error.unknown_column",
                    params={"kind": kind_name, "columns": columns},
                )
            )
    for column in known.values():
        if column.required and column.name not in seen:
            errors.append(
                FieldError(
                    column.name,
                    "required column is missing from the header; download the template to "
                    "see the expected columns",
                    row=1,
                    code="upload.error.column_missing",
                )
            )
    return errors


# ---- templates ------------------------------------------------------------------------------


def template(kind: UploadKind, fmt: FileFormat) -> bytes:
    """A template file for `kind`: the header row and one example row.

    Parameters
    ----------
    kind : UploadKind
        Patients, follow-ups or adverse events.
    fmt : {'csv', 'xlsx'}
        CSV is UTF-8 with a BOM (so Excel opens it right), comma separated. XLSX has a second
        sheet, "codes", that describes every column and lists the allowed codes.

    Returns
    -------
    bytes
        The file's content.

    Examples
    --------
    >>> template(UploadKind.patients, "csv").decode("utf-8-sig").splitlines()[0][:40]
    'site_patient_code,national_insurance_num'
    """
    columns = COLUMNS[UploadKind(kind)]
    if fmt == "csv":
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow([c.name for c in columns])
        writer.writerow([c.example for c in columns])
        return buffer.getvalue().encode("utf-8-sig")
    if fmt == "xlsx":
        return _xlsx_template(UploadKind(kind), columns)
    raise InvalidInput.one(
        "fmt",
        f"{fmt!r} is not a template format; choose csv or xlsx",
        "upload.error.template_format",
        value=repr(fmt),
    )


def _xlsx_template(kind: UploadKind, columns: Sequence[Column]) -> bytes:
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = kind.value
    bold = Font(bold=True)
    for index, column in enumerate(columns, start=1):
        letter = get_column_letter(index)
        head = sheet.cell(row=1, column=index, value=column.name)
        head.font = bold
        example: Any = column.example
        if column.type == "date" and example:
            example = parse_date(example)
        cell = sheet.cell(row=2, column=index, value=example or None)
        if column.type == "date":
            cell.number_format = "DD.MM.YYYY"
        elif column.type in ("text", "code"):
            cell.number_format = "@"  # keep leading zeros of codes and SNILS
        sheet.column_dimensions[letter].width = max(12, len(column.name) + 2)
        if column.codes:
            listed = ",".join(column.codes)
            if len(listed) <= 255:  # Excel's limit for an inline list
                check = DataValidation(type="list", formula1=f'"{listed}"', allow_blank=True)
                check.add(f"{letter}2:{letter}{get_settings().upload_max_rows + 1}")
                sheet.add_data_validation(check)
    sheet.freeze_panes = "A2"
    codes = book.create_sheet("codes")
    codes.append(["column", "required", "format", "allowed codes", "description"])
    for cell in codes[1]:
        cell.font = bold
    for column in columns:
        codes.append(
            [
                column.name,
                "yes" if column.required else "no",
                column.describe_format(),
                ", ".join(column.codes),
                column.description,
            ]
        )
    for letter, width in zip("ABCDE", (26, 10, 34, 60, 80), strict=True):
        codes.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


__all__ = [
    "COLUMNS",
    "Column",
    "UploadKind",
    "columns_of",
    "convert_cell",
    "parse_date",
    "read_upload",
    "template",
]
