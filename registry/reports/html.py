"""One self-contained HTML file per analysis report: to download, mail, archive or print.

The page carries everything it shows: inline CSS, figures as inline SVG drawn offline by
vl-convert (:func:`registry.charts.export.chart_svg`), no JavaScript and no external resource,
so it opens the same way years later without a network. It ends with the parameters and the
reproducibility record (data hash, code version, run id) that let anyone reproduce its numbers
(DESIGN.md sections 7 and 9). Every piece of text, typed by a user or taken from data, is
escaped: user text is never rendered as HTML (DESIGN.md section 8). SVG is re-serialised from
a parse tree through an allow-list, so neither a chart's data nor supplied SVG bytes can bring
in a script, an event handler or a link.
"""

from __future__ import annotations

import json
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from datetime import UTC, datetime
from html import escape
from typing import Any

import pandas as pd

from registry.charts.export import chart_svg
from registry.errors import InvalidInput
from registry.i18n import Language
from registry.reports import (
    Figure,
    KeyFigures,
    Note,
    Paragraph,
    Report,
    Section,
    Table,
    format_column,
    format_value,
    table_frame,
)

__all__ = ["render_html", "report_filename"]

_LABELS: dict[Language, dict[str, str]] = {
    "ru": {
        "key_figures": "Ключевые показатели", "parameters": "Параметры",
        "parameter": "Параметр", "value": "Значение",
        "reproducibility": "Сведения для воспроизведения", "generated": "Сформирован",
        "cohort_definition": "Определение когорты", "data_sha256": "SHA-256 данных",
        "code_version": "Версия кода", "run_id": "Идентификатор запуска",
        "generated_at": "Время формирования (UTC)", "table": "Таблица", "figure": "Рисунок",
        "empty": "Нет данных", "info": "Примечание", "warning": "Внимание",
    },
    "en": {
        "key_figures": "Key figures", "parameters": "Parameters",
        "parameter": "Parameter", "value": "Value",
        "reproducibility": "Reproducibility record", "generated": "Generated",
        "cohort_definition": "Cohort definition", "data_sha256": "Data SHA-256",
        "code_version": "Code version", "run_id": "Run id",
        "generated_at": "Generated at (UTC)", "table": "Table", "figure": "Figure",
        "empty": "No data", "info": "Note", "warning": "Warning",
    },
}
# Keys of `Report.reproducibility` with a fixed label and place; other keys follow them.
RECORD_KEYS = ("cohort_definition", "data_sha256", "code_version", "run_id")

_CSS = """
*{box-sizing:border-box}
body{margin:0;background:#fff;color:#1b1f24;font:15px/1.5 system-ui,-apple-system,"Segoe UI",
Roboto,"Helvetica Neue",Arial,"Noto Sans","Liberation Sans",sans-serif}
main{max-width:60rem;margin:0 auto;padding:2rem 1.5rem 3rem}
header{border-bottom:3px solid #1f4e79;padding-bottom:1rem}
h1{font-size:1.75rem;line-height:1.25;margin:0 0 .35rem}
h2{font-size:1.3rem;margin:2.25rem 0 .75rem;padding-bottom:.25rem;border-bottom:1px solid #d0d7de}
.subtitle{font-size:1.1rem;color:#3d444d;margin:0 0 .5rem}
.meta{color:#59636e;font-size:.9rem;margin:0}
p{margin:.5rem 0 1rem}
.table-wrap{overflow-x:auto;margin:1rem 0 1.5rem}
table{border-collapse:collapse;width:100%;font-size:.92rem}
caption,.table-title{caption-side:top;text-align:left;font-weight:600;padding:0 0 .4rem;margin:0}
th,td{padding:.35rem .6rem;border-bottom:1px solid #e1e4e8;text-align:left;vertical-align:top}
thead th{border-bottom:2px solid #8c959f;background:#f3f5f7}
tbody tr:nth-child(even){background:#f6f8fa}
.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
table.kv th[scope=row]{width:32%;font-weight:600}
pre{margin:0;white-space:pre-wrap;overflow-wrap:anywhere;
font:.85rem/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace}
.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;
overflow-wrap:anywhere}
figure{margin:1.5rem 0;text-align:center}
figure svg{max-width:100%;height:auto}
figcaption{font-size:.92rem;color:#3d444d;margin-top:.5rem}
.kf{display:grid;grid-template-columns:repeat(auto-fit,minmax(11rem,1fr));gap:.75rem;margin:1rem 0}
.kf>div{border:1px solid #d0d7de;border-radius:6px;padding:.7rem 1rem}
.kf dt{font-size:.85rem;color:#59636e}
.kf dd{margin:0}
.kf-value{font-size:1.5rem;font-weight:600;font-variant-numeric:tabular-nums}
.kf-note{font-size:.8rem;color:#59636e}
.note{border-left:4px solid #1f6feb;background:#eef4fd;padding:.6rem 1rem;margin:1rem 0}
.note.warning{border-left-color:#bf8700;background:#fff8e1}
.empty{color:#59636e;font-style:italic}
@page{size:A4;margin:15mm}
@media print{body{font-size:10.5pt}main{max-width:none;padding:0}h2{break-after:avoid}
tr,figure,.kf>div,.note{break-inside:avoid}thead{display:table-header-group}
.table-wrap{overflow:visible}*{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
"""
# Defence in depth: even if something slipped past the escaping, the browser runs no script and
# fetches nothing (inline styles and data: images only).
_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"


def _value_html(value: Any, language: Language) -> str:
    """A parameter or record value: nested data (or JSON text) pretty-printed, else exact text."""
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            value = json.loads(value)
        except ValueError:
            pass
    if isinstance(value, Mapping | list | tuple):
        text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True, default=str)
        return f"<pre>{escape(text)}</pre>"
    return escape(format_value(value, language, exact=True))


# ---------------------------------------------------------------- SVG through an allow-list
_SVG = "{http://www.w3.org/2000/svg}"
_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_SVG_ELEMENTS = frozenset(
    "svg g a path rect circle ellipse line polyline polygon text tspan title desc defs "
    "linearGradient radialGradient stop clipPath mask pattern marker symbol use image".split()
)
_URL_REF = re.compile(r"""url\(\s*['"]?#([^'")\s]+)['"]?\s*\)""")
_FOREIGN_URL = re.compile(r"""url\(\s*['"]?(?!#)""", re.IGNORECASE)
_DATA_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp);base64,[A-Za-z0-9+/=\s]*\Z")


def _clean_svg(data: bytes, prefix: str) -> str:
    """Re-serialise an SVG document: no prolog, no namespaces, no script, handler or link.

    Ids are renamed ``prefix + n`` in document order, so several charts on one page never
    share an id (vl-convert numbers its gradients per process) and the output is repeatable.
    """
    upper = data.upper()  # no entity expansion; vl-convert writes neither
    if b"<!DOCTYPE" in upper or b"<!ENTITY" in upper:
        raise InvalidInput.one("chart", "is an SVG with a DOCTYPE or entities; remove them")
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise InvalidInput.one("chart", f"is not a well-formed SVG document ({exc})") from None
    if root.tag != f"{_SVG}svg":
        raise InvalidInput.one("chart", f"must be an SVG document, but its root is {root.tag!r}")
    named = [el.attrib["id"] for el in root.iter() if "id" in el.attrib]
    ids = {name: f"{prefix}{n}" for n, name in enumerate(dict.fromkeys(named), start=1)}
    out: list[str] = []
    _write_element(root, ids, out)
    return "".join(out)


def _clean_attribute(tag: str, name: str, value: str, ids: dict[str, str]) -> str | None:
    if name == _XLINK_HREF:
        name = "href"
    if name.startswith("{") or name.lower().startswith("on"):
        return None
    if name == "id":
        return ids[value]
    if name == "href":
        if value.startswith("#") and value[1:] in ids:
            return "#" + ids[value[1:]]
        return value if tag == "image" and _DATA_IMAGE.match(value) else None
    value = _URL_REF.sub(lambda m: f"url(#{ids.get(m.group(1), m.group(1))})", value)
    return None if _FOREIGN_URL.search(value) else value


def _write_element(el: ET.Element, ids: dict[str, str], out: list[str]) -> None:
    tag = el.tag.removeprefix(_SVG)
    if tag not in _SVG_ELEMENTS:  # script, style, foreignObject, animate, other namespaces
        return
    tag = "g" if tag == "a" else tag
    attrs = {}
    for name, value in el.attrib.items():
        clean = _clean_attribute(tag, name, value, ids)
        if clean is not None:
            attrs["href" if name == _XLINK_HREF else name] = clean
    if tag in ("image", "use") and "href" not in attrs:  # pointed outside the page
        return
    attributes = "".join(f' {name}="{escape(value)}"' for name, value in attrs.items())
    out.append(f"<{tag}{attributes}>{escape(el.text or '')}")
    for child in el:
        _write_element(child, ids, out)
        out.append(escape(child.tail or ""))
    out.append(f"</{tag}>")


# ---------------------------------------------------------------- blocks
def _table_html(table: Table, number: int, language: Language) -> str:
    labels = _LABELS[language]
    title = f"{labels['table']} {number}." + (f" {table.caption}" if table.caption else "")
    frame = table_frame(table.frame)
    if frame.shape[0] == 0 or frame.shape[1] == 0:
        return (f'<div class="table-wrap"><p class="table-title">{escape(title)}</p>'
                f'<p class="empty">{escape(labels["empty"])}</p></div>')
    names = [str(c) for c in frame.columns]
    columns = [frame.iloc[:, i] for i in range(frame.shape[1])]
    numeric = [pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s)
               for s in columns]
    texts = [format_column(s, table.number_format.get(n), language)
             for s, n in zip(columns, names, strict=True)]
    cls = [' class="num"' if flag else "" for flag in numeric]
    head = "".join(f'<th scope="col"{c}>{escape(n)}</th>' for n, c in zip(names, cls, strict=True))
    rows = "\n".join(
        "<tr>" + "".join(f"<td{cls[j]}>{escape(col[i])}</td>" for j, col in enumerate(texts))
        + "</tr>" for i in range(frame.shape[0])
    )
    return (f'<div class="table-wrap"><table><caption>{escape(title)}</caption>\n'
            f"<thead><tr>{head}</tr></thead>\n<tbody>\n{rows}\n</tbody></table></div>")


def _figure_html(figure: Figure, number: int, language: Language) -> str:
    chart = figure.chart
    data = chart.encode("utf-8") if isinstance(chart, str) else chart
    svg = _clean_svg(data if isinstance(data, bytes) else chart_svg(chart), f"fig{number}-")
    title = f"{_LABELS[language]['figure']} {number}." + (
        f" {figure.caption}" if figure.caption else "")
    return f"<figure>{svg}<figcaption>{escape(title)}</figcaption></figure>"


def _key_figures_html(block: KeyFigures, language: Language) -> str:
    items = []
    for item in block.items:  # (label, value, note), completed by KeyFigures
        label, value, note = item[0], item[1], item[2] if len(item) == 3 else ""
        text = value if isinstance(value, str) else format_value(value, language)
        note_html = f'<dd class="kf-note">{escape(note)}</dd>' if note else ""
        items.append(f'<div><dt>{escape(label)}</dt><dd class="kf-value">{escape(text)}</dd>'
                     f"{note_html}</div>")
    return f'<dl class="kf">{"".join(items)}</dl>'


def _text_html(text: str) -> str:
    """Paragraphs split at blank lines; single line breaks kept."""
    parts = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
    return "\n".join("<p>" + escape(p).replace("\n", "<br>") + "</p>" for p in parts)


class _Numbering:
    def __init__(self) -> None:
        self.tables = 0
        self.figures = 0


def _block_html(block: object, counter: _Numbering, language: Language) -> str:
    if isinstance(block, Paragraph):
        return _text_html(block.text)
    if isinstance(block, Table):
        counter.tables += 1
        return _table_html(block, counter.tables, language)
    if isinstance(block, Figure):
        counter.figures += 1
        return _figure_html(block, counter.figures, language)
    if isinstance(block, KeyFigures):
        return _key_figures_html(block, language)
    if isinstance(block, Note):
        label = escape(_LABELS[language][block.kind])
        return (f'<div class="note {block.kind}" role="note"><strong>{label}.</strong> '
                f"{escape(block.text)}</div>")
    raise InvalidInput.one("blocks", f"has an unknown block {type(block).__name__!r}")


def _section_html(section: Section, counter: _Numbering, language: Language) -> str:
    body = "\n".join(_block_html(block, counter, language) for block in section.blocks)
    return f"<section>\n<h2>{escape(section.heading)}</h2>\n{body}\n</section>"


def _kv_table(rows: list[tuple[str, str]], head: tuple[str, str] | None) -> str:
    thead = (f'<thead><tr><th scope="col">{escape(head[0])}</th>'
             f'<th scope="col">{escape(head[1])}</th></tr></thead>\n') if head else ""
    body = "\n".join(f'<tr><th scope="row">{escape(k)}</th><td>{v}</td></tr>' for k, v in rows)
    return (f'<div class="table-wrap"><table class="kv">\n{thead}<tbody>\n{body}\n'
            "</tbody></table></div>")


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


# ---------------------------------------------------------------- public
def render_html(report: Report) -> str:
    """The report as one self-contained HTML5 document.

    Parameters
    ----------
    report : Report
        Title, sections and the records to print; every text in it is escaped.

    Returns
    -------
    str
        The document; write it encoded as UTF-8 (it declares ``<meta charset="utf-8">``).
        The same report gives the same string, byte for byte.

    Raises
    ------
    InvalidInput
        A figure's SVG is not well-formed SVG.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> from registry.reports import Paragraph, Report, Section
    >>> page = render_html(Report(title="ICER", language="en",
    ...     sections=[Section("Method", [Paragraph("Bootstrap <paired>")])],
    ...     generated_at=datetime(2025, 3, 1, 12, 0, tzinfo=timezone.utc)))
    >>> page.startswith("<!DOCTYPE html>"), "Bootstrap &lt;paired&gt;" in page
    (True, True)
    """
    language = report.language
    labels = _LABELS[language]
    stamp = _utc(report.generated_at).strftime("%Y-%m-%d %H:%M:%S UTC")
    subtitle = f'<p class="subtitle">{escape(report.subtitle)}</p>\n' if report.subtitle else ""
    parts = [
        "<!DOCTYPE html>", f'<html lang="{language}">', "<head>", '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        f"<title>{escape(report.title)}</title>", f"<style>{_CSS}</style>", "</head>",
        "<body>", "<main>",
        f"<header>\n<h1>{escape(report.title)}</h1>\n{subtitle}"
        f'<p class="meta">{escape(labels["generated"])}: {stamp}</p>\n</header>',
    ]
    counter = _Numbering()
    if report.key_figures is not None:
        parts.append(f'<section>\n<h2>{escape(labels["key_figures"])}</h2>\n'
                     f"{_key_figures_html(report.key_figures, language)}\n</section>")
    parts.extend(_section_html(section, counter, language) for section in report.sections)
    params = [(str(k), _value_html(v, language)) for k, v in report.parameters.items()]
    parts.append(f'<section class="parameters">\n<h2>{escape(labels["parameters"])}</h2>\n' + (
        _kv_table(params, (labels["parameter"], labels["value"])) if params
        else f'<p class="empty">{escape(labels["empty"])}</p>') + "\n</section>")
    record = dict(report.reproducibility)
    rows = [(labels[k], _value_html(record.pop(k, None), language)) for k in RECORD_KEYS]
    rows[1:] = [(k, f'<span class="mono">{v}</span>') for k, v in rows[1:]]  # hash, version, id
    rows += [(str(k), _value_html(v, language)) for k, v in record.items()]
    rows.append((labels["generated_at"], escape(stamp)))
    parts.append(f'<section class="reproducibility">\n<h2>{escape(labels["reproducibility"])}'
                 f"</h2>\n{_kv_table(rows, None)}\n</section>")
    parts += ["</main>", "</body>", "</html>"]
    return "\n".join(parts) + "\n"


_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
    "a b v g d e e zh z i y k l m n o p r s t u f kh ts ch sh shch _ y _ e yu ya".split(),
    strict=True,
)) | {"ъ": "", "ь": ""}


def report_filename(title: str, generated_at: datetime) -> str:
    """A safe ASCII file name for the report: slug of the title, UTC timestamp, ``.html``.

    Parameters
    ----------
    title : str
        The report's title; Cyrillic is transliterated, anything else non-alphanumeric becomes
        a hyphen; at most 60 characters are kept (``"report"`` if nothing is left).
    generated_at : datetime
        Timezone-aware moment of generation.

    Returns
    -------
    str
        ``slug_YYYYMMDDTHHMMSSZ.html``, only ``[a-z0-9_-]``, ``T``, ``Z`` and the dot.

    Raises
    ------
    InvalidInput
        ``generated_at`` is not a timezone-aware datetime.

    Examples
    --------
    >>> from datetime import datetime, timezone
    >>> report_filename("ICER: КИМРАЯ vs domestic", datetime(2025, 3, 1, 9, 5, tzinfo=timezone.utc))
    'icer-kimraya-vs-domestic_20250301T090500Z.html'
    """
    if not isinstance(generated_at, datetime) or generated_at.utcoffset() is None:
        raise InvalidInput.one(
            "generated_at", f"is {generated_at!r}; pass a timezone-aware datetime, e.g. "
            "datetime.now(timezone.utc)")
    text = "".join(_CYRILLIC.get(ch, ch) for ch in str(title).lower())
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:60].rstrip("-")
    return f"{slug or 'report'}_{_utc(generated_at):%Y%m%dT%H%M%SZ}.html"
