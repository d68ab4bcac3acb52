"""The downloadable HTML report: one self-contained page, every user text escaped.

The page is parsed back with the standard library's ``html.parser`` (the way a browser's
tokenizer reads it), so the tests check what a reader would get: which elements exist, how many
rows a table has, and what text each shows; never the renderer's own output echoed back.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from html.parser import HTMLParser
from typing import Any

import altair as alt
import numpy as np
import pandas as pd
import pytest

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
    render_html,
    report_filename,
)

EVIL = '<script>alert(1)</script>" onload="x'
WHEN = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)
NNBSP = "\u202f"
VOID = {"meta", "br", "hr", "img", "input", "link"}


# ---------------------------------------------------------------- a small DOM from html.parser
@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    def all(self, tag: str) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                found += ([child] if child.tag == tag else []) + child.all(tag)
        return found

    def nodes(self) -> list[Node]:
        out = [self]
        for child in self.children:
            if isinstance(child, Node):
                out += child.nodes()
        return out

    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text() for c in self.children)

    def kids(self, tag: str) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node) and c.tag == tag]


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(page: str) -> Node:
    builder = _Builder()
    builder.feed(page)
    builder.close()
    assert builder.stack == [builder.root], "every element is closed"
    return builder.root


def rows_of(table: Node) -> list[list[str]]:
    """Body rows of a table as lists of cell texts (th and td)."""
    (body,) = table.kids("tbody")
    return [[c.text() for c in tr.children if isinstance(c, Node)] for tr in body.kids("tr")]


def record(page: Node) -> dict[str, str]:
    (section,) = [s for s in page.all("section") if s.attrs.get("class") == "reproducibility"]
    return {row[0]: row[1] for row in rows_of(section.all("table")[0])}


# ---------------------------------------------------------------- report builders
def bar_chart(labels: list[str], *, legend: bool = False) -> alt.Chart:
    frame = pd.DataFrame({"cohort": labels, "n": list(range(1, len(labels) + 1))})
    encoding: dict[str, Any] = {
        "x": alt.X("cohort:N", axis=alt.Axis(labelLimit=0)),
        "y": "n:Q",
        "href": "cohort:N",  # Vega turns this into an external link; the page must not
    }
    if legend:
        encoding["color"] = "n:Q"  # a gradient legend: an id and a url(#id) reference
    chart: alt.Chart = alt.Chart(frame).mark_bar().encode(**encoding)
    return chart


@functools.cache
def default_svg() -> bytes:
    """The default chart, drawn once: vl-convert is the slow part of these tests."""
    return chart_svg(bar_chart(["B-ALL", "DLBCL"]))


@functools.cache
def baseline() -> str:
    return render_html(build())


def build(where: str = "", text: str = "", language: Language = "en") -> Report:
    """A full report; ``text`` goes into the one field named ``where``.

    Its figure is an Altair chart when ``where`` is empty or the chart's data; otherwise the
    same chart as SVG bytes drawn once (both paths go through the same SVG cleaning).
    """

    def at(name: str, default: str) -> str:
        return text if where == name else default

    frame = pd.DataFrame({at("column", "product"): [at("cell", "KYMRIAH"), "NMRC-CD19"],
                          "cost": [3.9e7, 2.5e7]})
    return Report(
        title=at("title", "ICER"),
        subtitle=at("subtitle", "Domestic vs imported"),
        sections=[Section(at("heading", "Results"), [
            Paragraph(at("paragraph", "Paired bootstrap.")),
            Table(frame, caption=at("table_caption", "Costs")),
            Figure(bar_chart([at("cohort_name", "B-ALL"), "DLBCL"]) if where in ("", "cohort_name")
                   else default_svg(), caption=at("figure_caption", "Patients")),
            Note(at("note", "Scenario values."), "warning"),
            KeyFigures([(at("kf_label", "ICER"), at("kf_value", "dominant"),
                         at("kf_note", "RUB/QALY"))]),
        ])],
        parameters={at("param_key", "discount_rate"): 0.05, "label": at("param_value", "base")},
        reproducibility={
            "cohort_definition": {"name": at("cohort_definition", "B-ALL 2024")},
            "data_sha256": hashlib.sha256(b"cohort").hexdigest(),
            "code_version": "0.1.0",
            "run_id": at("run_id", "run-1"),
            at("record_key", "seed"): 7,
        },
        generated_at=WHEN,
        language=language,
    )


FIELDS = ["title", "subtitle", "heading", "paragraph", "column", "cell", "table_caption",
          "cohort_name", "figure_caption", "note", "kf_label", "kf_value", "kf_note",
          "param_key", "param_value", "cohort_definition", "run_id", "record_key"]


# ---------------------------------------------------------------- escaping
@pytest.mark.parametrize("where", FIELDS)
def test_every_user_field_is_shown_as_text_never_as_markup(where: str) -> None:
    page_text = render_html(build(where, EVIL))
    assert "<script" not in page_text.lower()
    assert '" onload="x' not in page_text
    page = parse(page_text)
    assert not page.all("script")
    assert not [n for n in page.nodes() for a in n.attrs if a.lower().startswith("on")]
    shown = page.text()
    # JSON in <pre> keeps its own quoting: "name": "<script>...\" onload=\"x"
    expected = json.dumps(EVIL)[1:-1] if where == "cohort_definition" else EVIL
    assert expected in shown
    assert expected not in baseline()  # the field, not some constant, carried it


def test_vl_convert_escapes_text_from_data_in_the_svg() -> None:
    svg = chart_svg(bar_chart([EVIL, "DLBCL"])).decode("utf-8")
    assert "<script" not in svg and "&lt;script&gt;" in svg
    texts = [n.text() for n in parse(svg).all("text")]
    assert EVIL in texts


# ---------------------------------------------------------------- self-contained
def test_chart_report_is_self_contained_with_inline_svg() -> None:
    text = render_html(build())
    page = parse(text)
    assert text.startswith("<!DOCTYPE html>\n")
    assert [m.attrs.get("charset") for m in page.all("meta")][0] == "utf-8"
    assert not page.all("script") and "<script" not in text.lower()
    assert not re.search(r"(?i)https?:", text)
    # the only "http" is the Content-Security-Policy's attribute name (no URL, no fetch)
    assert text.lower().count("http") == 1 and 'http-equiv="Content-Security-Policy"' in text
    assert "<?xml" not in text and "xmlns" not in text and "url(#" not in text.split("<svg")[0]
    (figure,) = page.all("figure")
    (svg,) = figure.kids("svg")
    assert "B-ALL" in [n.text() for n in svg.all("text")]
    assert figure.kids("figcaption")[0].text() == "Figure 1. Patients"
    for node in page.nodes():
        assert "src" not in node.attrs
        assert str(node.attrs.get("href", "#")).startswith("#")
    (style,) = page.all("style")
    assert "url(" not in style.text() and "@import" not in style.text()


def test_supplied_svg_is_cleaned_of_scripts_handlers_links_and_prolog() -> None:
    hostile = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n'
        b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        b'width="10" height="10" onload="alert(1)">'
        b"<script>alert(2)</script><style>@import 'https://x.example/a.css';</style>"
        b'<defs><linearGradient id="g"><stop offset="0"/></linearGradient></defs>'
        b'<a xlink:href="https://x.example"><rect fill="url(#g)" width="5" height="5"/></a>'
        b'<image href="https://x.example/i.png"/><rect style="fill:url(https://x.example/f)"/>'
        b"<foreignObject><div>html</div></foreignObject>"
        b"<text>&lt;b&gt;kept&lt;/b&gt;</text></svg>"
    )
    text = render_html(Report(title="SVG", sections=[Section("S", [Figure(hostile)])],
                              generated_at=WHEN))
    page = parse(text)
    assert "<?xml" not in text and not re.search(r"(?i)https?:", text) and "alert" not in text
    (svg,) = page.all("svg")
    tags = {n.tag for n in svg.nodes()}
    assert not tags & {"script", "style", "foreignobject", "image", "a", "div"}
    assert not [a for n in svg.nodes() for a in n.attrs if a.startswith("on") or a == "style"]
    ids = [n.attrs["id"] for n in svg.nodes() if "id" in n.attrs]
    fills = [n.attrs["fill"] for n in svg.nodes() if "fill" in n.attrs]
    assert ids == ["fig1-1"] and fills == ["url(#fig1-1)"]  # renamed, and still resolves
    assert [n.text() for n in svg.all("text")] == ["<b>kept</b>"]


@pytest.mark.parametrize("data", [b"not svg", b"<html></html>",
                                  b'<!DOCTYPE svg [<!ENTITY a "b">]><svg>&a;</svg>'])
def test_malformed_svg_is_refused(data: bytes) -> None:
    report = Report(title="T", sections=[Section("S", [Figure(data)])], generated_at=WHEN)
    with pytest.raises(InvalidInput, match="chart"):
        render_html(report)


def test_ids_stay_unique_and_resolve_with_several_charts() -> None:
    charts = [Figure(bar_chart(["a", "b"], legend=True)) for _ in range(3)]
    page = parse(render_html(Report(title="T", sections=[Section("S", charts)],
                                    generated_at=WHEN)))
    ids = [str(n.attrs["id"]) for n in page.nodes() if "id" in n.attrs]
    refs = re.findall(r"url\(#([^)]+)\)", " ".join(
        str(v) for n in page.nodes() for v in n.attrs.values()))
    assert len(ids) == 3 and len(set(ids)) == 3
    assert sorted(set(refs)) == sorted(ids)


def test_same_report_gives_the_same_bytes() -> None:
    first = render_html(build()).encode("utf-8")
    other = Section("S", [Figure(bar_chart(["x"], legend=True))])
    render_html(Report(title="other", sections=[other], generated_at=WHEN))  # ids move on
    assert render_html(build()).encode("utf-8") == first


# ---------------------------------------------------------------- tables and numbers
def test_tables_render_every_row_and_cell() -> None:
    frame = pd.DataFrame({"product": list("abcde"), "n": range(5), "cost": np.linspace(0, 1, 5),
                          "flag": [True, False] * 2 + [True]})
    params = {f"p{i}": i for i in range(4)}
    page = parse(render_html(Report(title="T", sections=[Section("S", [Table(frame, "c")])],
                                    parameters=params, generated_at=WHEN, language="en")))
    data_table, param_table, record_table = page.all("table")
    assert [len(r) for r in rows_of(data_table)] == [4] * 5
    head = data_table.all("thead")[0].all("th")
    assert [h.text() for h in head] == ["product", "n", "cost", "flag"]
    first = data_table.all("tbody")[0].all("tr")[0].all("td")
    assert [c.attrs.get("class") for c in first] == [None, "num", "num", None]  # numbers right
    assert rows_of(param_table) == [[f"p{i}", str(i)] for i in range(4)]
    assert len(rows_of(record_table)) == 5  # 4 fixed rows and the UTC time
    assert [c[-1] for c in rows_of(data_table)] == ["yes", "no", "yes", "no", "yes"]


def test_named_index_becomes_the_first_column() -> None:
    frame = pd.DataFrame({"n": [3, 4]}, index=pd.Index(["KYMRIAH", "NMRC"], name="product"))
    page = parse(render_html(Report(title="T", sections=[Section("S", [Table(frame)])],
                                    generated_at=WHEN)))
    assert rows_of(page.all("table")[0]) == [["KYMRIAH", "3"], ["NMRC", "4"]]


def test_missing_values_show_as_a_dash() -> None:
    frame = pd.DataFrame({
        "float": [1.5, np.nan, 2.25],
        "int": pd.array([1, None, 3], dtype="Int64"),
        "text": ["a", None, "c"],
        "when": pd.to_datetime(pd.Series(["2025-01-02", None, "2025-01-03"])),
    })
    page = parse(render_html(Report(title="T", language="en", generated_at=WHEN,
                                    sections=[Section("S", [Table(frame)])],
                                    parameters={"threshold": float("nan")})))
    data_table, param_table, _ = page.all("table")
    assert rows_of(data_table) == [["1.50", "1", "a", "02.01.2025"], ["\u2014"] * 4,
                                   ["2.25", "3", "c", "03.01.2025"]]
    assert rows_of(param_table) == [["threshold", "\u2014"]]
    assert not re.search(r"\b(nan|NaN|None|NaT)\b|<NA>", page.text())


def test_numbers_are_grouped_with_narrow_spaces_and_follow_the_language() -> None:
    frame = pd.DataFrame({"cost": [39_000_000.4, 1234.5], "share": [0.123, 0.5],
                          "year": [2024, 2025], "p": [0.0123, 0.5]})
    table = Table(frame, number_format={"share": ".1%"})
    params = {"discount": 0.05, "price": 12345.678}
    rows = {}
    for lang in ("en", "ru"):
        page = parse(render_html(Report(title="T", language=lang, generated_at=WHEN,
                                        sections=[Section("S", [table])], parameters=params)))
        data_table, param_table, _ = page.all("table")
        rows[lang] = (rows_of(data_table), rows_of(param_table))
    g = NNBSP
    # a column shares its decimals: none from 1000 up, three significant digits below 1
    assert rows["en"][0] == [[f"39{g}000{g}000", "12.3%", "2024", "0.012"],
                             ["1234", "50.0%", "2025", "0.500"]]
    assert rows["ru"][0] == [[f"39{g}000{g}000", "12,3%", "2024", "0,012"],
                             ["1234", "50,0%", "2025", "0,500"]]
    # parameters print exactly, four-digit numbers are not grouped
    assert rows["en"][1] == [["discount", "0.05"], ["price", f"12{g}345.678"]]
    assert rows["ru"][1] == [["discount", "0,05"], ["price", f"12{g}345,678"]]


@pytest.mark.parametrize(("lang", "message"), [("en", "No data"), ("ru", "Нет данных")])
def test_empty_table_shows_a_message_instead_of_a_table(lang: Language, message: str) -> None:
    empty = pd.DataFrame({"product": pd.Series([], dtype=str)})
    page = parse(render_html(Report(title="T", language=lang, generated_at=WHEN,
                                    sections=[Section("S", [Table(empty, "Costs")])])))
    assert len(page.all("table")) == 1  # only the reproducibility record
    (section,) = [s for s in page.all("section") if s.all("h2")[0].text() == "S"]
    assert [p.text() for p in section.all("p")] == [f"{'Table' if lang == 'en' else 'Таблица'} "
                                                    "1. Costs", message]
    (params,) = [s for s in page.all("section") if s.attrs.get("class") == "parameters"]
    assert [p.text() for p in params.all("p")] == [message]  # no parameters either


# ---------------------------------------------------------------- layout and record
def test_sections_come_in_order_and_the_record_is_last() -> None:
    report = Report(title="T", language="en", generated_at=WHEN,
                    key_figures=KeyFigures([("Patients", 120)]),
                    sections=[Section("First"), Section("Second")])
    page = parse(render_html(report))
    assert page.all("h1")[0].text() == "T"
    assert [h.text() for h in page.all("h2")] == [
        "Key figures", "First", "Second", "Parameters", "Reproducibility record"]
    assert [d.text() for d in page.all("dd")] == ["120"]


def test_record_pretty_prints_the_cohort_and_states_hash_version_run_and_utc_time() -> None:
    cohort = {"indication": "B-ALL", "product": ["KYMRIAH"], "infused": True}
    sha = hashlib.sha256(b"rows").hexdigest()
    moscow = timezone(timedelta(hours=3))
    report = Report(title="T", language="en", generated_at=datetime(2025, 3, 1, 12, tzinfo=moscow),
                    reproducibility={"run_id": "r-42", "cohort_definition": json.dumps(cohort),
                                     "data_sha256": sha, "code_version": "0.1.0+abc"})
    page = parse(render_html(report))
    shown = record(page)
    assert list(shown) == ["Cohort definition", "Data SHA-256", "Code version", "Run id",
                           "Generated at (UTC)"]
    (pre,) = page.all("pre")
    assert json.loads(pre.text()) == cohort and "\n  " in pre.text()  # indented
    assert shown["Data SHA-256"] == sha and shown["Code version"] == "0.1.0+abc"
    assert shown["Run id"] == "r-42"
    assert shown["Generated at (UTC)"] == "2025-03-01 09:00:00 UTC"


def test_missing_record_items_show_as_a_dash_in_russian() -> None:
    page = parse(render_html(Report(title="T", generated_at=WHEN)))
    assert page.all("html")[0].attrs["lang"] == "ru"
    shown = record(page)
    assert shown["SHA-256 данных"] == "\u2014" and shown["Идентификатор запуска"] == "\u2014"


def test_notes_and_key_figures() -> None:
    page = parse(render_html(Report(title="T", language="ru", generated_at=WHEN, sections=[
        Section("S", [Note("scenario", "warning"), Note("fyi"),
                      KeyFigures([("ICER", 1_234_567.8, "RUB/QALY"), ("Status", "dominant")])])])))
    notes = [n for n in page.all("div") if "note" in str(n.attrs.get("class"))]
    assert [(n.attrs["class"], n.text()) for n in notes] == [
        ("note warning", "Внимание. scenario"), ("note info", "Примечание. fyi")]
    values = [d.text() for d in page.all("dd") if d.attrs.get("class") == "kf-value"]
    assert values == [f"1{NNBSP}234{NNBSP}568", "dominant"]


# ---------------------------------------------------------------- file name and validation
@pytest.mark.parametrize(("title", "slug"), [
    ("ICER: domestic vs imported", "icer-domestic-vs-imported"),
    ("Анализ затрат, объём", "analiz-zatrat-obem"),
    ("../../etc/passwd", "etc-passwd"),
    ("<script>", "script"),
    ("!!!", "report"),
    ("x" * 200, "x" * 60),
])
def test_report_filename_is_a_safe_ascii_slug_with_utc_stamp(title: str, slug: str) -> None:
    moscow = timezone(timedelta(hours=3))
    name = report_filename(title, datetime(2025, 3, 1, 12, 5, 9, tzinfo=moscow))
    assert name == f"{slug}_20250301T090509Z.html"
    assert re.fullmatch(r"[a-z0-9-]+_\d{8}T\d{6}Z\.html", name)


def test_naive_times_are_refused() -> None:
    with pytest.raises(InvalidInput, match="generated_at"):
        report_filename("T", datetime(2025, 3, 1))
    with pytest.raises(InvalidInput, match="generated_at"):
        Report(title="T", generated_at=datetime(2025, 3, 1))


@pytest.mark.parametrize(("make", "field_name"), [
    (lambda: Report(title=" ", generated_at=WHEN), "title"),
    (lambda: Report(title="T", generated_at=WHEN,
                    language="de"), "language"),  # type: ignore[arg-type]
    (lambda: Table(pd.DataFrame({"a": [1]}), number_format={"b": ".1f"}), "number_format"),
    (lambda: Table(pd.DataFrame({"a": [1]}), number_format={"a": "d"}), "number_format"),
    (lambda: Table([[1]]), "frame"),  # type: ignore[arg-type]
    (lambda: Figure(42), "chart"),
    (lambda: Note("x", "error"), "kind"),  # type: ignore[arg-type]
    (lambda: Section("S", [object()]), "blocks"),  # type: ignore[list-item]
    (lambda: KeyFigures([("only",)]), "items"),  # type: ignore[list-item]
    (lambda: Paragraph(3), "text"),  # type: ignore[arg-type]
])
def test_bad_input_names_the_field(make: Any, field_name: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        make()
    assert [e.field for e in caught.value.errors] == [field_name]
