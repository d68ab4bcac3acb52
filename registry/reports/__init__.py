"""Reports of an analysis: what a report holds, and :func:`render_html` to print it.

A :class:`Report` is plain data: a title, :class:`Section` s of blocks (:class:`Paragraph`,
:class:`Table`, :class:`Figure`, :class:`KeyFigures`, :class:`Note`), the parameters the analysis
ran with and its reproducibility record (cohort definition, data SHA-256, code version, run id).
Renderers take a report and give a file; :mod:`registry.reports.html` gives one self-contained
HTML page. Every text field is plain text, never markup: renderers escape it. How a value
reads (:func:`format_value`, :func:`format_column`: digit groups, decimal mark, a dash for
missing) lives here too, so every renderer prints the same numbers.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, Literal

import numpy as np
import pandas as pd

from registry.errors import InvalidInput
from registry.i18n import LANGUAGES, Language, format_date

NoteKind = Literal["info", "warning"]


def _text(value: object, name: str, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise InvalidInput.one(
            name, f"must be text, but is {type(value).__name__} ({value!r:.60}); pass a str"
        )
    if required and not value.strip():
        raise InvalidInput.one(name, "is empty; give it a text")
    return value


def table_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame as a table prints it: a meaningful index becomes its leading column(s), and
    column labels become text (a MultiIndex label joined with ``" / "``)."""
    index = frame.index
    plain = isinstance(index, pd.RangeIndex) and index.name is None and index.start == 0 and (
        index.step == 1)
    out = frame if plain else frame.reset_index(allow_duplicates=True)
    names = [" / ".join(map(str, c)) if isinstance(c, tuple) else str(c) for c in out.columns]
    return out.set_axis(names, axis=1)


DASH = "\u2014"  # a missing value (None, NaN, NA, NaT)
GROUP = "\u202f"  # narrow no-break space between digit groups
# Four-digit numbers are not grouped (Russian typesetting and ISO 80000 alike): 2024, 1500.
_GROUP_FROM = 10_000
_YES_NO: dict[Language, tuple[str, str]] = {"ru": ("да", "нет"), "en": ("yes", "no")}


def _localise(text: str, language: Language) -> str:
    """Python's ``1,234.5`` as ``1 234.5`` (en) or ``1 234,5`` (ru), with narrow spaces."""
    return text.translate({ord(","): GROUP, ord("."): "," if language == "ru" else "."})


def _is_missing(value: Any) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(
        value, bool | np.bool_) and not _is_missing(value)


def _integer(value: int, language: Language) -> str:
    return _localise(format(value, "," if abs(value) >= _GROUP_FROM else ""), language)


def _decimals(max_abs: float) -> int:
    """Decimals that show three significant digits of the largest value; none from 1000."""
    if max_abs >= 1000 or max_abs == 0 or not math.isfinite(max_abs):
        return 0
    return 2 if max_abs >= 1 else min(6, 2 - math.floor(math.log10(max_abs)))


def _fixed(value: float, decimals: int, language: Language) -> str:
    if math.isinf(value):
        return "\u221e" if value > 0 else "-\u221e"
    grouping = "," if abs(value) >= _GROUP_FROM else ""
    return _localise(format(value, f"{grouping}.{decimals}f"), language)


def _is_integral(value: float) -> bool:
    return math.isfinite(value) and value.is_integer() and abs(value) < 1e15


def format_value(value: Any, language: Language, *, exact: bool = False) -> str:
    """One value as plain text (not escaped), the way every report prints it.

    Parameters
    ----------
    value : object
        A number, bool, date (DD.MM.YYYY, as the portal), mapping or list (compact JSON) or
        anything with ``str``.
    language : {"ru", "en"}
        Decimal mark (``,`` or ``.``) and the words for True/False.
    exact : bool
        Floats in their shortest exact form (parameters) instead of three significant digits.

    Returns
    -------
    str
        A missing value (None, NaN, NA, NaT) as an em dash; digit groups of numbers from
        10 000 up separated by a narrow no-break space; integral floats without decimals.

    Examples
    --------
    >>> format_value(1234567.891, "ru"), format_value(0.05, "en", exact=True)
    ('1\u202f234\u202f568', '0.05')
    >>> format_value(float("nan"), "en"), format_value(2.5, "ru")
    ('\u2014', '2,50')
    """
    if _is_missing(value):
        return DASH
    if isinstance(value, bool | np.bool_):
        return _YES_NO[language][0 if value else 1]
    if isinstance(value, int | np.integer):
        return _integer(int(value), language)
    if isinstance(value, float | np.floating):
        number = float(value)
        if _is_integral(number):
            return _integer(int(number), language)
        if exact and math.isfinite(number):  # shortest repr, grouped: 0.05, 12 345.678
            return _localise(format(number, "," if abs(number) >= _GROUP_FROM else ""), language)
        return _fixed(number, _decimals(abs(number)), language)
    if isinstance(value, datetime):  # the portal's DD.MM.YYYY, as registry.i18n.format_date
        return value.strftime("%d.%m.%Y" if value.time() == time() else "%d.%m.%Y %H:%M:%S")
    if isinstance(value, date):
        return format_date(value)
    if isinstance(value, Mapping | list | tuple):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return str(value)


def format_column(series: pd.Series, spec: str | None, language: Language) -> list[str]:
    """The cells of one table column as plain text.

    Parameters
    ----------
    series : pandas.Series
    spec : str or None
        A Python float format (``",.0f"``, ``".1%"``) for the column's numbers; None: a float
        column gets one number of decimals for all its cells (three significant digits of its
        largest value, none if every value is whole or the largest is 1000 or more).
    language : {"ru", "en"}

    Returns
    -------
    list of str, length len(series)
        Missing cells as an em dash; other values as :func:`format_value`.
    """
    values = series.tolist()
    if spec is not None:
        return [_localise(format(float(v), spec), language) if _is_number(v)
                else format_value(v, language) for v in values]
    if not pd.api.types.is_float_dtype(series):
        return [format_value(v, language) for v in values]
    finite = [abs(float(v)) for v in values if _is_number(v) and math.isfinite(v)]
    decimals = 0 if all(map(_is_integral, finite)) else _decimals(max(finite, default=0.0))
    return [_fixed(float(v), decimals, language) if _is_number(v) else format_value(v, language)
            for v in values]


@dataclass(frozen=True)
class Paragraph:
    """Plain text; a blank line starts a new paragraph."""

    text: str

    def __post_init__(self) -> None:
        _text(self.text, "text")


@dataclass(frozen=True, eq=False)
class Table:
    """A data frame printed as a table, numbered ("Table 1.") before its caption.

    Attributes
    ----------
    frame : pandas.DataFrame
        One row per table row; a non-default index is printed as leading column(s).
    caption : str
    number_format : Mapping[str, str]
        Optional Python float format per column label, e.g. ``{"cost": ",.0f",
        "share": ".1%"}``; ``,`` groups digits (printed as a narrow space). Columns without
        one get about three significant digits of their largest value.
    """

    frame: pd.DataFrame
    caption: str = ""
    number_format: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.frame, pd.DataFrame):
            raise InvalidInput.one(
                "frame", f"must be a pandas DataFrame, but is {type(self.frame).__name__}"
            )
        _text(self.caption, "caption")
        if not isinstance(self.number_format, Mapping):
            raise InvalidInput.one("number_format", "must map column labels to format specs")
        columns = set(table_frame(self.frame).columns)
        for column, spec in self.number_format.items():
            if column not in columns:
                raise InvalidInput.one(
                    "number_format", f"names column {column!r}, which the table does not "
                    f"have; its columns are {sorted(columns)!r}")
            try:
                format(1.0, _text(spec, "number_format"))
            except ValueError:
                raise InvalidInput.one(
                    "number_format", f"has {spec!r} for column {column!r}, which is not a float "
                    "format; use e.g. ',.0f', '.2f' or '.1%'") from None
        object.__setattr__(self, "number_format", dict(self.number_format))


@dataclass(frozen=True, eq=False)
class Figure:
    """A chart, printed as inline SVG and numbered ("Figure 1.") before its caption.

    Attributes
    ----------
    chart : altair chart, bytes or str
        An Altair chart (rendered offline by vl-convert) or an SVG document.
    caption : str
    """

    chart: Any
    caption: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.chart, bytes | str) and not callable(
            getattr(self.chart, "to_json", None)
        ):
            raise InvalidInput.one(
                "chart", f"must be an Altair chart or SVG bytes, but is {type(self.chart).__name__}"
            )
        _text(self.caption, "caption")


@dataclass(frozen=True)
class KeyFigures:
    """A few headline numbers as ``(label, value, note)``; a note may be left out.

    A number is formatted like a table cell; a str value (``"dominant"``) is printed as is.
    """

    items: Sequence[tuple[str, Any, str] | tuple[str, Any]]

    def __post_init__(self) -> None:
        items = []
        for item in self.items:
            if not isinstance(item, tuple | list) or len(item) not in (2, 3):
                raise InvalidInput.one(
                    "items", f"has {item!r:.60}; give each as (label, value[, note])")
            label, value, note = (*item, "") if len(item) == 2 else item
            items.append((_text(label, "label"), value, _text(note or "", "note")))
        object.__setattr__(self, "items", tuple(items))


@dataclass(frozen=True)
class Note:
    """A remark set apart from the text: ``kind`` is ``"info"`` or ``"warning"``."""

    text: str
    kind: NoteKind = "info"

    def __post_init__(self) -> None:
        _text(self.text, "text")
        if self.kind not in ("info", "warning"):
            raise InvalidInput.one("kind", f"is {self.kind!r}; choose 'info' or 'warning'")


Block = Paragraph | Table | Figure | KeyFigures | Note


@dataclass(frozen=True)
class Section:
    """A heading and its blocks, in order."""

    heading: str
    blocks: Sequence[Block] = ()

    def __post_init__(self) -> None:
        _text(self.heading, "heading", required=True)
        for block in self.blocks:
            if not isinstance(block, Paragraph | Table | Figure | KeyFigures | Note):
                raise InvalidInput.one(
                    "blocks", f"has a {type(block).__name__}; use Paragraph, Table, Figure, "
                    "KeyFigures or Note")
        object.__setattr__(self, "blocks", tuple(self.blocks))


@dataclass(frozen=True, eq=False, kw_only=True)
class Report:
    """One analysis report.

    Attributes
    ----------
    title, subtitle : str
    sections : Sequence[Section]
    parameters : Mapping[str, Any]
        What the analysis ran with (discount rate, horizon, ...), printed in order.
    reproducibility : Mapping[str, Any]
        ``cohort_definition`` (a mapping or JSON text, printed pretty), ``data_sha256``,
        ``code_version``, ``run_id``; a missing one prints as a dash, other keys follow.
    generated_at : datetime
        Timezone-aware; printed in UTC.
    language : {"ru", "en"}
        Language of the fixed labels ("Parameters", "Table 1", ...) and the decimal mark.
    key_figures : KeyFigures, optional
        Headline numbers printed under the title.
    """

    title: str
    subtitle: str = ""
    sections: Sequence[Section] = ()
    parameters: Mapping[str, Any] = field(default_factory=dict)
    reproducibility: Mapping[str, Any] = field(default_factory=dict)
    generated_at: datetime
    language: Language = "ru"
    key_figures: KeyFigures | None = None

    def __post_init__(self) -> None:
        _text(self.title, "title", required=True)
        _text(self.subtitle, "subtitle")
        for section in self.sections:
            if not isinstance(section, Section):
                raise InvalidInput.one("sections", f"has a {type(section).__name__}; use Section")
        for name in ("parameters", "reproducibility"):
            if not isinstance(getattr(self, name), Mapping):
                raise InvalidInput.one(name, "must be a mapping of names to values")
            object.__setattr__(self, name, dict(getattr(self, name)))
        if not isinstance(self.generated_at, datetime) or self.generated_at.utcoffset() is None:
            raise InvalidInput.one(
                "generated_at", f"is {self.generated_at!r}; pass a timezone-aware datetime, "
                "e.g. datetime.now(timezone.utc)")
        if self.language not in LANGUAGES:
            raise InvalidInput.one("language", f"is {self.language!r}; choose 'ru' or 'en'")
        if self.key_figures is not None and not isinstance(self.key_figures, KeyFigures):
            raise InvalidInput.one("key_figures", "must be a KeyFigures block or None")
        object.__setattr__(self, "sections", tuple(self.sections))


# The renderer imports the classes above, so it comes last.
from registry.reports.html import render_html, report_filename  # noqa: E402

__all__ = [
    "DASH",
    "GROUP",
    "Block",
    "Figure",
    "KeyFigures",
    "Note",
    "Paragraph",
    "Report",
    "Section",
    "Table",
    "format_column",
    "format_value",
    "render_html",
    "report_filename",
    "table_frame",
]
