"""Export tables as CSV, Parquet or XLSX bytes, spreadsheet cells made inert.

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is a
formula to a spreadsheet (CSV injection, OWASP); CSV and XLSX text cells get a leading
single quote (:func:`inert`), so they open as text. Numbers stay numbers (a negative number
is not text and is left alone). Parquet is not opened by spreadsheets and is written as is.
"""

from __future__ import annotations

import hashlib
import io
import math
from enum import StrEnum
from typing import Any, Final

import pandas as pd

__all__ = ["FORMULA_PREFIXES", "ExportFormat", "inert", "sha256", "table_bytes", "to_csv",
           "to_parquet", "to_xlsx"]

FORMULA_PREFIXES: Final = ("=", "+", "-", "@", "\t", "\r")


class ExportFormat(StrEnum):
    """File formats of the data file (the codebook is CSV, the manifest JSON)."""

    csv = "csv"
    parquet = "parquet"
    xlsx = "xlsx"


def inert(value: Any) -> Any:
    """A text value that a spreadsheet would run as a formula, with a leading quote.

    Examples
    --------
    >>> inert("=1+2"), inert("-x"), inert("B-ALL"), inert(-3)
    ("'=1+2", "'-x", 'B-ALL', -3)
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def sha256(data: bytes) -> str:
    """SHA-256 (hex) of bytes."""
    return hashlib.sha256(data).hexdigest()


def _inert_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for name in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[name]) or pd.api.types.is_bool_dtype(
                out[name])):
            out[name] = out[name].map(inert, na_action="ignore")
    return out


def to_csv(frame: pd.DataFrame) -> bytes:
    """UTF-8 CSV (RFC 4180: CRLF line ends, so a field holding CR or LF is quoted), empty
    cells for missing values, inert text cells."""
    text = _inert_frame(frame).to_csv(index=False, lineterminator="\r\n", na_rep="")
    return text.encode("utf-8")


def to_parquet(frame: pd.DataFrame) -> bytes:
    """Parquet (pyarrow), nullable integers kept as integers."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False, engine="pyarrow")
    return buffer.getvalue()


def to_xlsx(frame: pd.DataFrame, *, sheet: str = "data") -> bytes:
    """One-sheet XLSX: a header row, numbers as numeric cells, inert text cells."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    worksheet = book.create_sheet(sheet)
    worksheet.append([str(c) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        worksheet.append([_cell(v) for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _cell(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()  # numpy scalar -> int / float / bool
    return inert(value) if isinstance(value, str) else value


def table_bytes(frame: pd.DataFrame, fmt: ExportFormat) -> bytes:
    """The table in the chosen format."""
    writers = {ExportFormat.csv: to_csv, ExportFormat.parquet: to_parquet,
               ExportFormat.xlsx: to_xlsx}
    return writers[fmt](frame)
